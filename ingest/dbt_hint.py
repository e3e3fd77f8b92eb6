"""Tell a dbt user what to do when dbt cannot reach the warehouse: start the embedded server, or fix the port.

dbt connects before any project code runs, so its own error ("connection refused") cannot say how to start
the server. ``quickstart.py`` writes ``tpch_warehouse.pth`` into the virtual environment; Python runs its
``import ingest.dbt_hint`` line at start-up, and only when the program is ``dbt`` does this module wrap
``psycopg2.connect``: a refused connection to the embedded default gets one more line saying what to run,
and a port held by a program that is not PostgreSQL ("received invalid response to SSL negotiation", a
connection closed at once, or no answer) one saying which setting to change. And Ctrl-C: dbt cancels its
open queries and exits 2 as it should, but then prints its own Python stack trace; that trace is replaced by
one line saying what stayed and what to run.
Nothing else changes: other programs, other errors and successful connections are untouched.

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


INTERRUPTED = (
    "interrupted (Ctrl-C): dbt cancelled its open queries. Every model and snapshot that finished stays, the one "
    "interrupted was rolled back; run `dbt build` again to build the rest."
)


def _embedded_warehouse_port() -> int | None:
    if os.environ.get("WAREHOUSE_HOST") or os.environ.get("PGHOST"):
        return None
    from ingest.config import location

    return location("warehouse").port


def _hint(text: str, host: str, port: str) -> str | None:
    """The line to add to a failed connection's error, or None."""
    embedded_port = _embedded_warehouse_port()
    embedded = embedded_port is not None and port == str(embedded_port)
    if "refused" in text:
        return HINT if embedded else None
    if "SSL negotiation" in text or "server closed the connection unexpectedly" in text:
        return (
            f"The program listening on {host}:{port} is not a PostgreSQL server. Set WAREHOUSE_PORT (or PGPORT) "
            "to the warehouse's port"
            + (
                "; for the project's embedded server choose a free port, and "
                "`python ingest/db.py start` starts it there."
                if embedded
                else "."
            )
        )
    if "timeout expired" in text:
        return (
            f"Nothing answered on {host}:{port} within the connect timeout: a program that is not PostgreSQL "
            "may hold the port, or a firewall drops the connection. Check WAREHOUSE_HOST / WAREHOUSE_PORT."
        )
    return None


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
            hint = _hint(str(error), str(kwargs.get("host")), str(kwargs.get("port")))
            if hint is None:
                raise
            raise psycopg2.OperationalError(f"{str(error).rstrip()}\n{hint}") from None

    connect.adds_the_start_hint = True  # type: ignore[attr-defined]
    psycopg2.connect = connect
    _quiet_ctrl_c()


def _quiet_ctrl_c() -> None:
    """Replace the stack trace dbt prints after a Ctrl-C (its events MainEncounteredError and MainStackTrace,
    fired while the KeyboardInterrupt is being handled) with one line. Patched before dbt's modules import
    ``fire_event``, so they all get this one; every other event passes unchanged."""
    from dbt_common.events import functions

    real_fire_event = functions.fire_event
    if getattr(real_fire_event, "quiet_on_ctrl_c", False):
        return

    def fire_event(e: object, *args: object, **kwargs: object) -> None:  # dbt passes the event as e= too
        if isinstance(sys.exc_info()[1], KeyboardInterrupt):
            name = type(e).__name__
            if name == "MainStackTrace":
                return
            if name == "MainEncounteredError":
                print(INTERRUPTED, file=sys.stderr, flush=True)
                return
        real_fire_event(e, *args, **kwargs)

    fire_event.quiet_on_ctrl_c = True  # type: ignore[attr-defined]
    functions.fire_event = fire_event


def main(argv: list[str]) -> None:
    """``python -m ingest.dbt_hint ARGS``: ``dbt ARGS`` with the hint installed (exits with dbt's status)."""
    install(force=True)
    from dbt.cli.main import cli

    cli(args=argv, prog_name="dbt")


install()

if __name__ == "__main__":
    main(sys.argv[1:])
