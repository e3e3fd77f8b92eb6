"""Hard deletes in the source reach raw as tombstones: the row stays, ``_deleted_at`` says when it went.

A cursor on ``updated_at`` never sees a row that is gone, and comparing key lists would read every key of
every table on every run. So the source records its own deletes:

- ``install`` puts a statement-level ``after delete`` trigger on each source table. It appends one row per
  deleted row to ``ingest_cdc.deleted_rows`` (schema ``ingest_cdc`` in the source database): the table, the
  primary key as JSON, the deleted row's ``updated_at`` and ``clock_timestamp()``, with a sequence number.
  Cost: one small insert per deleted row inside the deleting transaction; nothing for inserts and updates.
  The source user needs to own the tables (``create trigger``) once; ``python ingest/run.py
  --print-delete-capture-sql`` prints the SQL for a DBA to run instead.
- dlt lands that log incrementally (on the sequence) into ``raw_tpch.source_deletes``, in the same run as,
  and extracted before, the table rows.
- ``apply`` then marks each raw row whose key's latest tombstone deleted that version of the row or a newer
  one (the tombstone's ``row_updated_at`` >= the raw row's ``updated_at``): ``_deleted_at`` = the time of the
  delete. A key deleted and re-created comes back alive: the new row has a newer ``updated_at`` than the
  version that was deleted, and the merge resets ``_deleted_at`` to NULL. The rule reads no load ids and no
  clocks of the warehouse, so re-reading log entries or reloading packages after a crash cannot change it.
  ``apply`` is idempotent and runs on every ingest, so a run killed between load and apply is mended by the
  next one. Its cost follows the number of tombstones, not the size of the tables.
- A ``--full-refresh`` empties a raw table and reloads the source's current rows; the tombstones would go
  with it. ``hold`` copies them aside first (``raw_tpch.held_tombstones__<table>``) and ``restore`` puts
  back those whose key did not come back, then drops the copy. A run killed in between leaves the copy,
  and the next run restores it.

A run uses all of this through two calls: ``install`` (with the run's checks: it refuses a source whose tables
it may not put a trigger on) and :func:`every_delete_becomes_a_tombstone`, a context manager around the
table loads that does the rest in the one order that is safe.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Protocol

import psycopg2
from psycopg2 import sql

from ingest.config import RAW_SCHEMA, SOURCE_SCHEMA, Location
from ingest.db import session
from ingest.errors import IngestError
from ingest.roles import CDC_LOG, CDC_SCHEMA

log = logging.getLogger(__name__)

LOG_TABLE = CDC_LOG
RAW_TABLE = "source_deletes"
"""Where dlt lands the delete log in raw (dlt would rename a leading underscore, so no '_' prefix)."""
TRIGGER = "ingest_capture_deletes"
VERSION_MARK = "ingest/deletes.py version 2"
"""Written into the trigger function; an older installation is replaced."""

FUNCTION_SQL = f"""
create schema if not exists {CDC_SCHEMA};
comment on schema {CDC_SCHEMA} is
    'Written by ingest/deletes.py: the log of hard deletes that python ingest/run.py carries into raw.';
create table if not exists {CDC_SCHEMA}.{LOG_TABLE} (
    seq bigserial primary key,
    table_name text not null,
    key text not null,
    row_updated_at timestamptz,
    deleted_at timestamptz not null default clock_timestamp()
);
alter table {CDC_SCHEMA}.{LOG_TABLE} add column if not exists row_updated_at timestamptz;
comment on column {CDC_SCHEMA}.{LOG_TABLE}.row_updated_at is
    'The updated_at of the row when it was deleted: which version the delete ended.';
comment on table {CDC_SCHEMA}.{LOG_TABLE} is
    'One row per row deleted from a captured source table: which table, its primary key (a JSON object '
    'as text), when.';
create or replace function {CDC_SCHEMA}.record_deletes() returns trigger
language plpgsql as $function$
declare
    key_expression text;
begin
    -- ingest/deletes.py version 2 (checked by install()).
    -- TG_ARGV holds the table's primary key columns; the deleted rows are in the transition table.
    select string_agg(format('%L, deleted.%I', column_name, column_name), ', ')
    into key_expression
    from unnest(TG_ARGV) as column_name;
    execute format(
        'insert into {CDC_SCHEMA}.{LOG_TABLE} (table_name, key, row_updated_at) '
        'select %L, jsonb_build_object(%s)::text, deleted.updated_at from deleted_rows as deleted',
        TG_TABLE_NAME, key_expression
    );
    return null;
end;
$function$;
"""


def trigger_sql(table: str, key: list[str]) -> str:
    columns = ", ".join(f"'{column}'" for column in key)
    return (
        f"create or replace trigger {TRIGGER} after delete on {SOURCE_SCHEMA}.{table} "
        f"referencing old table as deleted_rows for each statement "
        f"execute function {CDC_SCHEMA}.record_deletes({columns});"
    )


def install_sql(keys: dict[str, list[str]]) -> str:
    """The whole installation as one script (what ``--print-delete-capture-sql`` prints)."""
    return FUNCTION_SQL + "\n".join(trigger_sql(table, key) for table, key in keys.items()) + "\n"


def install(source: Location, keys: dict[str, list[str]]) -> None:
    """Install (or refresh) the delete log and the triggers; raise IngestError naming a table we may not touch."""
    with session(source) as conn, conn.cursor() as cur:
        cur.execute(
            "select count(*) from pg_trigger as trg inner join pg_class as cls on cls.oid = trg.tgrelid "
            "inner join pg_namespace as nsp on nsp.oid = cls.relnamespace "
            "inner join pg_proc as fun on fun.oid = trg.tgfoid "
            "where trg.tgname = %s and nsp.nspname = %s and cls.relname = any(%s) and fun.prosrc like %s",
            (TRIGGER, SOURCE_SCHEMA, list(keys), f"%{VERSION_MARK}%"),
        )
        if cur.fetchone()[0] == len(keys):
            return
        try:
            cur.execute(FUNCTION_SQL)
        except psycopg2.Error as error:
            raise IngestError(
                f"cannot create the delete log {CDC_SCHEMA}.{LOG_TABLE} in the {source.describe()}: "
                f"{str(error).strip()}. Have its owner run: python ingest/run.py --print-delete-capture-sql | psql"
            ) from None
        for table, key in keys.items():
            try:
                cur.execute("savepoint trigger_install")
                cur.execute(trigger_sql(table, key))
            except psycopg2.Error as error:
                raise IngestError(
                    f"cannot install the delete-capture trigger on source table {SOURCE_SCHEMA}.{table}: "
                    f"{str(error).strip()}. Have the table's owner run: "
                    "python ingest/run.py --print-delete-capture-sql | psql"
                ) from None
        log.info("installed delete capture on %d source table(s) (%s.%s)", len(keys), CDC_SCHEMA, LOG_TABLE)


def apply(warehouse: Location, keys: dict[str, list[str]]) -> dict[str, int]:
    """Mark raw rows whose version a tombstone deleted; return how many rows each table got marked."""
    marked: dict[str, int] = {}
    with session(warehouse) as conn, conn.cursor() as cur:
        cur.execute("select to_regclass(%s)", (f"{RAW_SCHEMA}.{RAW_TABLE}",))
        if cur.fetchone()[0] is None:
            return marked
        for table, key in keys.items():
            cur.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = %s and table_name = %s and column_name = any(%s)",
                (RAW_SCHEMA, table, key),
            )
            types = dict(cur.fetchall())
            if len(types) != len(key):
                continue  # the table has not been landed yet
            match = sql.SQL(" and ").join(
                sql.SQL("raw.{column} = (tombstone.key::jsonb ->> {name})::{type}").format(
                    column=sql.Identifier(column), name=sql.Literal(column), type=sql.SQL(types[column])
                )
                for column in key
            )
            cur.execute(
                sql.SQL("""
                    update {raw_schema}.{table} as raw
                    set _deleted_at = tombstone.deleted_at
                    from (
                        -- the latest tombstone of each key (a key may be deleted, re-created, deleted again)
                        select distinct on (key) key, deleted_at, row_updated_at
                        from {raw_schema}.{log}
                        where table_name = {name}
                        order by key, seq desc
                    ) as tombstone
                    where {match}
                        and raw._deleted_at is null
                        and tombstone.row_updated_at >= raw.updated_at
                """).format(
                    raw_schema=sql.Identifier(RAW_SCHEMA),
                    table=sql.Identifier(table),
                    log=sql.Identifier(RAW_TABLE),
                    name=sql.Literal(table),
                    match=match,
                )
            )
            if cur.rowcount:
                marked[table] = cur.rowcount
    return marked


def _held(table: str) -> str:
    return f"held_tombstones__{table}"


def hold(warehouse: Location, tables: list[str]) -> None:
    """Before a full refresh: copy each table's tombstones aside (kept if a killed run left a copy already)."""
    with session(warehouse) as conn, conn.cursor() as cur:
        for table in tables:
            cur.execute(
                "select to_regclass(%s), to_regclass(%s)", (f"{RAW_SCHEMA}.{table}", f"{RAW_SCHEMA}.{_held(table)}")
            )
            raw, held = cur.fetchone()
            if raw is None or held is not None:
                continue
            cur.execute(
                sql.SQL(
                    "create table {schema}.{held} as select * from {schema}.{table} where _deleted_at is not null"
                ).format(
                    schema=sql.Identifier(RAW_SCHEMA), held=sql.Identifier(_held(table)), table=sql.Identifier(table)
                )
            )


def restore(warehouse: Location, keys: dict[str, list[str]]) -> dict[str, int]:
    """Put held tombstones back where their key did not return with the reload; drop the copies."""
    restored: dict[str, int] = {}
    with session(warehouse) as conn, conn.cursor() as cur:
        for table, key in keys.items():
            cur.execute("select to_regclass(%s)", (f"{RAW_SCHEMA}.{_held(table)}",))
            if cur.fetchone()[0] is None:
                continue
            cur.execute(
                "select column_name from information_schema.columns where table_schema = %s "
                "and table_name = %s order by ordinal_position",
                (RAW_SCHEMA, _held(table)),
            )
            columns = sql.SQL(", ").join(sql.Identifier(column) for (column,) in cur.fetchall())
            same_key = sql.SQL(" and ").join(
                sql.SQL("live.{column} = held.{column}").format(column=sql.Identifier(column)) for column in key
            )
            cur.execute(
                sql.SQL("""
                insert into {schema}.{table} ({columns})
                select {columns} from {schema}.{held} as held
                where not exists (select from {schema}.{table} as live where {same_key})
            """).format(
                    schema=sql.Identifier(RAW_SCHEMA),
                    table=sql.Identifier(table),
                    columns=columns,
                    held=sql.Identifier(_held(table)),
                    same_key=same_key,
                )
            )
            restored[table] = cur.rowcount
            cur.execute(
                sql.SQL("drop table {schema}.{held}").format(
                    schema=sql.Identifier(RAW_SCHEMA), held=sql.Identifier(_held(table))
                )
            )
    return restored


class Tombstones(Protocol):
    """The three warehouse-side steps of the delete protocol, for one warehouse engine."""

    def apply(self, keys: dict[str, list[str]]) -> dict[str, int]: ...
    def hold(self, tables: list[str]) -> None: ...
    def restore(self, keys: dict[str, list[str]]) -> dict[str, int]: ...


class PostgresTombstones:
    """The steps above (``apply``, ``hold``, ``restore``) on a PostgreSQL warehouse."""

    def __init__(self, warehouse: Location) -> None:
        self.warehouse = warehouse

    def apply(self, keys: dict[str, list[str]]) -> dict[str, int]:
        return apply(self.warehouse, keys)

    def hold(self, tables: list[str]) -> None:
        hold(self.warehouse, tables)

    def restore(self, keys: dict[str, list[str]]) -> dict[str, int]:
        return restore(self.warehouse, keys)


@contextlib.contextmanager
def every_delete_becomes_a_tombstone(
    warehouse: Location | Tombstones,
    keys: dict[str, list[str]],
    reloaded: list[str],
    extract_log: Callable[[], None],
    load: Callable[[], None],
) -> Iterator[dict[str, int]]:
    """Around one run's table loads: afterwards every row deleted in the source is a tombstone in raw, and
    the tables in ``reloaded`` (emptied and loaded in full by the block) lost none of theirs.

    ``extract_log`` extracts the source's delete log into the run's pipeline; ``load`` normalizes and loads
    every extracted package. The block must extract the tables and load them. In order:

    1. for a reload: land the newest log entries and mark them (so the tombstones are up to date), then
       ``hold`` each reloaded table's tombstones aside;
    2. extract the delete log before the block extracts the tables, so a row re-created after its delete is
       extracted (and loaded) after the delete: it comes back alive;
    3. (the block: extract and load the tables, the log with them)
    4. ``restore`` the held tombstones whose key did not return, then ``apply`` the log to raw.

    Yields the rows marked deleted per table, filled in when the block ends. Every step is idempotent, so a
    run killed anywhere is mended by the next. ``warehouse`` is a PostgreSQL location or the steps of another
    engine (ingest/to_snowflake.py).
    """
    steps = PostgresTombstones(warehouse) if isinstance(warehouse, Location) else warehouse
    marked: dict[str, int] = {}

    def add(rows_per_table: dict[str, int]) -> None:
        for table, rows in rows_per_table.items():
            marked[table] = marked.get(table, 0) + rows

    if reloaded:
        extract_log()
        load()
        add(steps.apply(keys))
        steps.hold(reloaded)
    extract_log()
    yield marked
    for table, rows in steps.restore(keys).items():
        if rows:
            log.info("  kept %s tombstone(s) of %s.%s through the full reload", f"{rows:,}", RAW_SCHEMA, table)
    add(steps.apply(keys))
    for table, rows in marked.items():
        log.info("  marked %s row(s) of %s.%s deleted in the source", f"{rows:,}", RAW_SCHEMA, table)
