"""Tell a dbt user how to start the embedded warehouse when dbt cannot reach it.

dbt connects before any project code runs, so its own error ("connection refused") cannot say how to start
the server. ``quickstart.py`` writes ``tpch_warehouse.pth`` into the virtual environment; Python runs its
``import ingest.dbt_hint`` line at start-up, and only when the program is ``dbt`` does this module wrap
``psycopg2.connect``: a failed connection to the embedded default gets one more line saying what to run.
Nothing else changes: other programs, external servers and successful connections are untouched.

Without that ``.pth`` (a virtual environment set up by hand, or the test suite), ``python -m ingest.dbt_hint
ARGS`` runs ``dbt ARGS`` with the hint installed the same way.
"""

from __future__ import annotations

import os
import sys

HINT = (
    "The project's embedded PostgreSQL is not running. Start it with `python ingest/db.py start` "
    "(or run `python ingest/run.py`, which starts it), then run dbt again."
)


def _embedded_warehouse_port() -> int | None:
    if os.environ.get("WAREHOUSE_HOST") or os.environ.get("PGHOST"):
        return None
    from ingest.config import location

    return location("warehouse").port


def install(force: bool = False) -> None:
    """Wrap ``psycopg2.connect`` when the program is ``dbt`` (or ``force``); once per process."""
    if not force and os.path.basename(sys.argv[0] if sys.argv else "") != "dbt":
        return
    import psycopg2

    real_connect = psycopg2.connect
    if getattr(real_connect, "adds_the_start_hint", False):
        return

    def connect(*args: object, **kwargs: object) -> object:
        try:
            return real_connect(*args, **kwargs)
        except psycopg2.OperationalError as error:
            port = _embedded_warehouse_port()
            if port is None or str(kwargs.get("port")) != str(port) or "refused" not in str(error):
                raise
            raise psycopg2.OperationalError(f"{str(error).rstrip()}\n{HINT}") from None

    connect.adds_the_start_hint = True  # type: ignore[attr-defined]
    psycopg2.connect = connect


def main(argv: list[str]) -> None:
    """``python -m ingest.dbt_hint ARGS``: ``dbt ARGS`` with the hint installed (exits with dbt's status)."""
    install(force=True)
    from dbt.cli.main import cli

    cli(args=argv, prog_name="dbt")


install()

if __name__ == "__main__":
    main(sys.argv[1:])
