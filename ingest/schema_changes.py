"""Compare each source table's columns with its raw table before a run, so no change goes unnoticed.

Raw is a landing zone with wide types (dlt reflects the source without lengths or precisions: text,
bigint, numeric(38,9), timestamptz), and staging casts to the exact types. So a *widened* source type
(varchar(25) -> varchar(50), integer -> bigint, numeric(15,2) -> numeric(18,2)) needs nothing in raw.
What does need something:

- a new source column: dlt adds it to raw, but rows landed earlier would hold NULL there while the
  source holds values; so the table is reloaded in full, once, and the run says so;
- a dropped source column: raw keeps it (its history stays), rows changed from now on carry NULL; said;
- a column whose kind changes (say numeric -> text): raw cannot hold both, so the run stops before
  writing anything, naming the table and column and how to proceed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ingest.config import RAW_SCHEMA, SOURCE_SCHEMA, Location
from ingest.db import table_columns
from ingest.errors import IngestError

log = logging.getLogger(__name__)

INGEST_COLUMNS = {"_dlt_load_id", "_dlt_id", "_deleted_at"}

KINDS = {
    "smallint": "integer",
    "integer": "integer",
    "bigint": "integer",
    "numeric": "decimal",
    "real": "float",
    "double precision": "float",
    "character varying": "text",
    "character": "text",
    "text": "text",
    "json": "text",
    "jsonb": "text",
    "date": "date",
    "timestamp with time zone": "timestamp",
    "timestamp without time zone": "timestamp",
    "boolean": "boolean",
    "time without time zone": "time",
    "time with time zone": "time",
    "bytea": "binary",
}
"""PostgreSQL type (information_schema spelling) -> the kind raw stores it as."""


@dataclass
class Changes:
    reload: set[str] = field(default_factory=set)
    """Tables to reload in full because the source gained columns."""


def check(
    source: Location,
    warehouse: Location | None,
    tables: list[str],
    raw_columns: dict[str, dict[str, str]] | None = None,
) -> Changes:
    """Say what changed in the source's columns since raw was landed; stop on a change raw cannot hold.

    Raw's columns are read from the PostgreSQL ``warehouse``, or given as ``raw_columns`` (table -> column ->
    PostgreSQL type name) by another engine (ingest/to_snowflake.py).
    """
    changes = Changes()
    source_columns = table_columns(source, SOURCE_SCHEMA, tables)
    if raw_columns is None:
        raw_columns = table_columns(warehouse, RAW_SCHEMA, tables)
    problems = []
    for table in tables:
        raw = {name: kind for name, kind in raw_columns.get(table, {}).items() if name not in INGEST_COLUMNS}
        if not raw:
            continue  # not landed yet
        now = source_columns.get(table, {})
        added = [name for name in now if name not in raw]
        dropped = [name for name in raw if name not in now]
        if added:
            changes.reload.add(table)
            log.info(
                "source table %s.%s has new column(s) %s: raw_tpch.%s gains them and is reloaded in full "
                "so that every row holds their values",
                SOURCE_SCHEMA,
                table,
                ", ".join(added),
                table,
            )
        if dropped:
            log.info(
                "source table %s.%s no longer has column(s) %s: raw_tpch.%s keeps them, NULL in rows "
                "changed from now on",
                SOURCE_SCHEMA,
                table,
                ", ".join(dropped),
                table,
            )
        for name in now.keys() & raw.keys():
            before, after = KINDS.get(raw[name], raw[name]), KINDS.get(now[name], now[name])
            if before != after:
                problems.append(
                    f"source column {SOURCE_SCHEMA}.{table}.{name} changed from {raw[name]} to {now[name]}, "
                    f"which {RAW_SCHEMA}.{table}.{name} ({raw[name]}) cannot hold; nothing was loaded. Revert "
                    "the change in the source, or keep the old column and add the new values under a new name"
                )
    if problems:
        raise IngestError("; ".join(problems))
    return changes
