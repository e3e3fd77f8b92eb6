"""The product: lands a PostgreSQL source's tables in the warehouse (``python ingest/run.py``).

It never imports the demo package (``demo/``) except in one named hook, ``ingest.run.create_demo_source_if_empty``;
the import contracts in ``pyproject.toml`` enforce it.
"""

import sys
from importlib.util import find_spec

# Found, not imported: a .pth file of the venv imports ingest.dbt_hint at every interpreter's start.
if find_spec("psycopg2") is None:  # the first of the project's packages every script needs
    sys.exit(
        f"error: this Python ({sys.executable}) does not have the project's packages (psycopg2 is missing). Run "
        "`python3 quickstart.py` once, then `. .venv/bin/activate` (or call `.venv/bin/python` directly)."
    )
