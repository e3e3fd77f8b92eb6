"""The truth log: every change to the demo source's tpch tables, recorded by the database itself.

Every change is recorded in ``demo.truth_log`` by statement-level triggers with transition tables, installed
on each tpch table by :func:`install`. Triggers rather than explicit inserts from the simulator because then
the database guarantees the log is complete: whatever statement touches a tpch table (the simulator, a bug in
it, or a person at a psql prompt) is recorded with the whole row before and after, and each statement records
all its rows in one set-based insert (cheap even at scale factor 1). The simulator (demo/simulator.py) tells
the triggers the simulated day and the time of a delete through the transaction-local settings
``demo.sim_date`` and ``demo.sim_time``; changes made outside the simulator are recorded with ``sim_date`` NULL.

The readers below (:func:`changes`, :func:`truth_log_counts`) are what the tests and ``demo/source.py status``
use; the harness reads ``demo.truth_log`` with SQL of its own.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg2

from demo.tables import DEMO_SCHEMA, PRIMARY_KEYS, check_tables, require_demo_source
from ingest.config import SOURCE_SCHEMA, TABLES, Location, location
from ingest.db import connect

Cursor = psycopg2.extensions.cursor

_TRUTH_LOG_SQL = f"""
create schema if not exists {DEMO_SCHEMA};

create table if not exists {DEMO_SCHEMA}.truth_log (
    change_id bigserial primary key,
    sim_date date,
    table_name text not null,
    key jsonb not null,
    operation text not null check (operation in ('insert', 'update', 'delete')),
    changed_at timestamptz not null,
    before jsonb,
    after jsonb,
    check ((before is null) = (operation = 'insert') and (after is null) = (operation = 'delete'))
);
create index if not exists truth_log_sim_date_idx on {DEMO_SCHEMA}.truth_log (sim_date);
comment on table {DEMO_SCHEMA}.truth_log is
    'Every change made to the tpch tables since the simulator was installed: one row per inserted, updated '
    'or deleted row, written by triggers on the tpch tables (demo/truth_log.py). The truth that ingestion, '
    'snapshots and marts are tested against.';
comment on column {DEMO_SCHEMA}.truth_log.change_id is
    'Order in which the changes were made; within a simulated day it follows changed_at.';
comment on column {DEMO_SCHEMA}.truth_log.sim_date is
    'Simulated business day whose run made the change; NULL for a change made outside the simulator.';
comment on column {DEMO_SCHEMA}.truth_log.table_name is 'The changed table, in schema {SOURCE_SCHEMA}.';
comment on column {DEMO_SCHEMA}.truth_log.key is
    'Primary key of the changed row by column name, e.g. {{"l_orderkey": 1, "l_linenumber": 2}}.';
comment on column {DEMO_SCHEMA}.truth_log.operation is 'What happened to the row: insert, update or delete.';
comment on column {DEMO_SCHEMA}.truth_log.changed_at is
    'When the change happened, UTC: the updated_at an insert or update wrote, the simulated time of a delete '
    '(the transaction time for a delete made outside the simulator).';
comment on column {DEMO_SCHEMA}.truth_log.before is 'The whole row before the change; NULL for an insert.';
comment on column {DEMO_SCHEMA}.truth_log.after is 'The whole row after the change; NULL for a delete.';


create or replace function {DEMO_SCHEMA}.key_of(row_data jsonb, key_columns text[]) returns jsonb
language sql immutable parallel safe as $$
    select jsonb_object_agg(key_column, row_data -> key_column) from unnest(key_columns) as key_column
$$;
comment on function {DEMO_SCHEMA}.key_of(jsonb, text[]) is
    'The primary key part of a row as jsonb: {{column: value}} for each key column.';

create or replace function {DEMO_SCHEMA}.record_change() returns trigger
language plpgsql as $$
declare
    v_sim_date date := nullif(current_setting('demo.sim_date', true), '')::date;
    v_deleted_at timestamptz := coalesce(nullif(current_setting('demo.sim_time', true), '')::timestamptz, now());
    v_recorded bigint;
    v_expected bigint;
begin
    if tg_op = 'INSERT' then
        insert into {DEMO_SCHEMA}.truth_log (sim_date, table_name, key, operation, changed_at, before, after)
        select
            v_sim_date, tg_table_name, {DEMO_SCHEMA}.key_of(changes.row_data, tg_argv), 'insert',
            (changes.row_data ->> 'updated_at')::timestamptz, null, changes.row_data
        from (select to_jsonb(inserted) as row_data from new_rows as inserted) as changes
        order by (changes.row_data ->> 'updated_at')::timestamptz, {DEMO_SCHEMA}.key_of(changes.row_data, tg_argv);
    elsif tg_op = 'UPDATE' then
        insert into {DEMO_SCHEMA}.truth_log (sim_date, table_name, key, operation, changed_at, before, after)
        select
            v_sim_date, tg_table_name, after_rows.key, 'update',
            (after_rows.row_data ->> 'updated_at')::timestamptz, before_rows.row_data, after_rows.row_data
        from (
            select {DEMO_SCHEMA}.key_of(row_data, tg_argv) as key, row_data
            from (select to_jsonb(old_row) as row_data from old_rows as old_row) as old_data
        ) as before_rows
        inner join (
            select {DEMO_SCHEMA}.key_of(row_data, tg_argv) as key, row_data
            from (select to_jsonb(new_row) as row_data from new_rows as new_row) as new_data
        ) as after_rows on after_rows.key = before_rows.key
        order by (after_rows.row_data ->> 'updated_at')::timestamptz, after_rows.key;
        get diagnostics v_recorded = row_count;
        select count(*) into v_expected from new_rows;
        if v_recorded <> v_expected then
            raise exception 'demo.truth_log: an update of %.% changed a primary key (% of % rows matched); '
                'the truth log records changes by key, so change a key by delete and insert',
                tg_table_schema, tg_table_name, v_recorded, v_expected;
        end if;
    else
        insert into {DEMO_SCHEMA}.truth_log (sim_date, table_name, key, operation, changed_at, before, after)
        select
            v_sim_date, tg_table_name, {DEMO_SCHEMA}.key_of(changes.row_data, tg_argv), 'delete', v_deleted_at,
            changes.row_data, null
        from (select to_jsonb(deleted) as row_data from old_rows as deleted) as changes
        order by {DEMO_SCHEMA}.key_of(changes.row_data, tg_argv);
    end if;
    return null;
end
$$;
comment on function {DEMO_SCHEMA}.record_change() is
    'Statement-level trigger of every tpch table: records each changed row in demo.truth_log. '
    'Arguments: the primary key columns.';

create or replace function {DEMO_SCHEMA}.refuse_truncate() returns trigger
language plpgsql as $$
begin
    raise exception 'truncate of %.% would bypass demo.truth_log; delete the rows instead',
        tg_table_schema, tg_table_name;
end
$$;
"""

_TRIGGER_SQL = """
create or replace trigger demo_truth_log_insert after insert on {table}
    referencing new table as new_rows for each statement execute function {demo}.record_change({keys});
create or replace trigger demo_truth_log_update after update on {table}
    referencing old table as old_rows new table as new_rows
    for each statement execute function {demo}.record_change({keys});
create or replace trigger demo_truth_log_delete after delete on {table}
    referencing old table as old_rows for each statement execute function {demo}.record_change({keys});
create or replace trigger demo_truth_log_truncate before truncate on {table}
    for each statement execute function {demo}.refuse_truncate();
"""


def install(cur: Cursor) -> None:
    """Create (or bring up to date) the truth log, its trigger functions and the triggers on every tpch table.

    Idempotent. Triggers are created only when missing: creating them locks the table against autovacuum, which
    yields only after ``deadlock_timeout`` (seconds at SF 1).
    """
    cur.execute(_TRUTH_LOG_SQL)
    cur.execute(
        """select relname, count(*) from pg_trigger
           inner join pg_class on pg_class.oid = tgrelid
           inner join pg_namespace on pg_namespace.oid = relnamespace
           where nspname = %s and tgname like 'demo\\_truth\\_log\\_%%' group by relname""",
        (SOURCE_SCHEMA,),
    )
    installed = dict(cur.fetchall())
    for table in TABLES:
        if installed.get(table) != _TRIGGER_SQL.count("create or replace trigger"):
            keys = ", ".join(f"'{column}'" for column in PRIMARY_KEYS[table])
            cur.execute(_TRIGGER_SQL.format(table=f"{SOURCE_SCHEMA}.{table}", demo=DEMO_SCHEMA, keys=keys))


def truth_log_counts(cur: Cursor) -> dict[str, int]:
    """Rows of demo.truth_log per operation (empty before the simulator was installed)."""
    cur.execute("select to_regclass(%s) is not null", (f"{DEMO_SCHEMA}.truth_log",))
    if not cur.fetchone()[0]:
        return {}
    cur.execute(f"select operation, count(*) from {DEMO_SCHEMA}.truth_log group by operation order by operation")
    return dict(cur.fetchall())


@dataclass(frozen=True)
class Change:
    """One row of demo.truth_log."""

    change_id: int
    sim_date: date | None
    table_name: str
    key: dict[str, Any]
    operation: str
    changed_at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def changes(table: str, sim_date: date | None = None, loc: Location | None = None) -> list[Change]:
    """The recorded changes of one tpch table (of one simulated day if given), in the order they were made."""
    check_tables([table])
    loc = loc or location("source")
    with contextlib.closing(connect(loc)) as conn, conn.cursor() as cur:
        require_demo_source(cur, loc)
        cur.execute(
            f"select change_id, sim_date, table_name, key, operation, changed_at, before, after "
            f"from {DEMO_SCHEMA}.truth_log where table_name = %s and (%s::date is null or sim_date = %s) "
            f"order by change_id",
            (table, sim_date, sim_date),
        )
        return [Change(*row) for row in cur.fetchall()]


def describe_counts(counts: dict[str, int]) -> str:
    """'12 changes (delete 1, insert 5, update 6)' for truth_log_counts()."""
    details = ", ".join(f"{operation} {count}" for operation, count in counts.items())
    return f"{sum(counts.values())} changes" + (f" ({details})" if details else "")
