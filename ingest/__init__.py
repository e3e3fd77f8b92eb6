"""The product: lands a PostgreSQL source's tables in the warehouse (``python ingest/run.py``).

It never imports the demo package (``demo/``) except in one named hook, ``ingest.run.create_demo_source_if_empty``;
the import contracts in ``pyproject.toml`` enforce it.
"""
