"""Tell a dbt user how to start the embedded warehouse when dbt cannot reach it.

dbt connects before any project code runs, so its own error ("connection refused") cannot say how to start
the server. ``quickstart.py`` writes ``tpch_warehouse.pth`` into the virtual environment; Python runs its
``import ingest.dbt_hint`` line at start-up, and only when the program is ``dbt`` does this module wrap
``psycopg2.connect``: a failed connection to the embedded default gets one more line saying what to run.
Nothing else changes: other programs, external servers and successful connections are untouched.
"""

from __future__ import annotations

import os
import sys

HINT = ("The project's embedded PostgreSQL is not running. Start it with `python ingest/db.py start` "
        "(or run `python ingest/run.py`, which starts it), then run dbt again.")


def _embedded_warehouse_port() -> int | None:
    if os.environ.get("WAREHOUSE_HOST") or os.environ.get("PGHOST"):
        return None
    from ingest.config import location

    return location("warehouse").port


def install() -> None:
    if os.path.basename(sys.argv[0] if sys.argv else "") != "dbt":
        return
    import psycopg2

    real_connect = psycopg2.connect

    def connect(*args: object, **kwargs: object) -> object:
        try:
            return real_connect(*args, **kwargs)
        except psycopg2.OperationalError as error:
            port = _embedded_warehouse_port()
            if port is None or str(kwargs.get("port")) != str(port) or "refused" not in str(error):
                raise
            raise psycopg2.OperationalError(f"{str(error).rstrip()}\n{HINT}") from None

    psycopg2.connect = connect


install()
