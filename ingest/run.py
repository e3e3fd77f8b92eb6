"""Land every source table in the warehouse schema raw_tpch (incremental, merged on the primary key).

    python ingest/run.py                      # every table, incrementally
    python ingest/run.py --tables orders,lineitem
    python ingest/run.py --full-refresh       # empty the raw tables and reload them in full

On the embedded default with an empty source, the demo source is created first (TPC-H at --scale-factor).
Hard deletes in the source are captured by a trigger and land as tombstones (see ingest/deletes.py).
Exit status: 0 on success, 1 with a message naming the table on any failure, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest import deletes, pipeline, privileges, roles
from ingest.config import (
    RAW_SCHEMA,
    STATE_DIR,
    TABLES,
    Location,
    SnowflakeLocation,
    location,
    snowflake_location,
    warehouse_kind,
)
from ingest.errors import IngestError

log = logging.getLogger("ingest")


def _tables(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = sorted(set(names) - set(TABLES))
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown table(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(TABLES)}"
        )
    return [table for table in TABLES if table in names]


def create_demo_source_if_empty(source: Location, scale_factor: float) -> None:
    """On the embedded default with an empty source, create the demo source (TPC-H at ``scale_factor``).

    The only place the product imports the demo package (``demo/``): a first run on a fresh machine has
    something to ingest. A source on a server of your own (any ``SOURCE_HOST`` / ``PGHOST``) is never touched.
    The import contracts in pyproject.toml allow exactly this import and no other.
    """
    if not source.embedded:
        return
    from demo.source import ensure_demo_source

    ensure_demo_source(source, scale_factor)


def _warehouse() -> Location | SnowflakeLocation:
    """PostgreSQL, or Snowflake when DBT_TARGET=snowflake (the switch dbt's profiles.yml reads too)."""
    if warehouse_kind() == "snowflake":
        return snowflake_location()
    # On the embedded server the ingest writes as the loader role, which may write raw_tpch only (ingest/roles.py).
    return roles.as_role(location("warehouse"), roles.LOADER)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python ingest/run.py",
        description=__doc__.split("\n")[0],
        epilog="Connections: SOURCE_* and WAREHOUSE_* variables (HOST, PORT, USER, PASSWORD, DBNAME), then the "
        "standard PG* variables; with no host set, the embedded PostgreSQL on 127.0.0.1:54329. "
        "DBT_TARGET=snowflake loads into Snowflake instead (SNOWFLAKE_* variables). See the README.",
    )
    parser.add_argument(
        "--tables",
        type=_tables,
        default=list(TABLES),
        metavar="T1,T2",
        help=f"comma-separated tables to ingest (default: all of {', '.join(TABLES)})",
    )
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="empty the selected raw tables, forget their cursors and load them in full",
    )
    parser.add_argument(
        "--scale-factor",
        type=float,
        default=0.01,
        help="TPC-H scale factor of the demo source when this run creates it (default 0.01)",
    )
    parser.add_argument(
        "--print-delete-capture-sql",
        action="store_true",
        help="print the SQL that installs delete capture in the source (for its owner) and exit",
    )
    parser.add_argument(
        "--print-grants",
        action="store_true",
        help="print the grants the configured source and warehouse users need (README, 'Privileges') and exit",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log dlt's own progress too")
    return parser.parse_args(argv)


INTERRUPTED = (
    "interrupted: the run stopped. Nothing is half-written: rows already merged into {raw} are complete, "
    "cursors move only with a finished load, and extracted data not loaded yet waits in {state}; the next "
    "`python ingest/run.py` finishes it first, then reads what is new."
)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.verbose:
        os.environ["RUNTIME__LOG_LEVEL"] = "INFO"
    try:
        return _main(args)
    except KeyboardInterrupt:  # Ctrl-C (SIGINT); dlt's own signal handling raises a subclass of it
        log.error("%s", INTERRUPTED.format(raw=RAW_SCHEMA, state=STATE_DIR / "dlt"))
        return 130
    except ValueError as error:  # a malformed setting (ingest/config.py)
        log.error("error: %s", error)
        return 1
    except Exception as error:
        if args.verbose:
            raise
        log.error(
            "error: unexpected failure, %s: %s. Nothing was changed beyond what finished; run again with "
            "-v for the details (please report it).",
            type(error).__name__,
            str(error).strip().splitlines()[0] if str(error).strip() else "",
        )
        return 1


def _main(args: argparse.Namespace) -> int:
    source, warehouse = location("source"), _warehouse()
    try:
        if args.print_grants:
            if isinstance(warehouse, SnowflakeLocation):
                raise IngestError(
                    "--print-grants prints PostgreSQL grants; on Snowflake grant what the README's "
                    "'Running on Snowflake' section lists."
                )
            print(privileges.grants_sql(source, warehouse), end="")
            return 0
        if args.print_delete_capture_sql:
            print(deletes.install_sql(pipeline.primary_keys(source, args.tables)))
            return 0
        create_demo_source_if_empty(source, args.scale_factor)
        log.info(
            "ingesting %d table(s) from %s into %s, schema %s",
            len(args.tables),
            source.describe(),
            warehouse.describe(),
            RAW_SCHEMA,
        )
        result = pipeline.run(source, warehouse, args.tables, full_refresh=args.full_refresh)
    except IngestError as error:
        log.error("error: %s", error)
        return 1
    log.info("%-9s %12s %12s", "table", "extracted", "merged")
    for outcome in result.tables.values():
        log.info("%-9s %12s %12s", outcome.table, f"{outcome.extracted_rows:,}", f"{outcome.loaded_rows:,}")
    log.info(
        "ingested %d table(s), %s row(s) merged and %s marked deleted in %s in %.1f s",
        len(result.tables),
        f"{result.loaded_rows:,}",
        f"{sum(result.deletes_marked.values()):,}",
        RAW_SCHEMA,
        result.seconds,
    )
    return 0


if __name__ == "__main__":
    code = main()
    # The run is over (its summary printed): a Ctrl-C while the interpreter shuts down changes nothing, and must
    # not turn a finished run into a death by signal.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(code)
