"""Rows the ingest sees in the source but does not land yet: stamped in the future, or with no stamp at all.

The cursor on ``updated_at`` is the one value a source row can carry that decides what every later run
reads. So no row may move it past the source's own clock:

- **The cap.** Each run reads the source's clock once (``now()`` on the source server) and extracts only rows
  with ``updated_at <= clock - safety window`` (``CURSOR_SAFETY_WINDOW_SECONDS``, default 300). The cursor,
  the newest ``updated_at`` read, can then never pass the clock; and a transaction that stamped its rows up to
  that window before it committed is still read by the next run.
- **Held rows.** A row stamped after the clock (a typo, a wrong server clock, a test value such as 2099) or
  with a NULL ``updated_at`` is neither landed nor skipped: it becomes an entry in the warehouse table
  ``raw_tpch.held_rows`` (table, key, rule, column, offending value, first seen, last seen, resolved), and the
  run prints one warning line per table that names the column, the count and the fix. A row stamped within
  the window but not after the clock is simply read by a later run (it is not an error).
- **Release.** Once such a row's time is reached, or someone corrects its ``updated_at``, the next run marks
  the entry resolved and re-reads the row *by its key*, whatever its new stamp: a correction that stamps an
  old time (behind the cursor) still arrives. A held row deleted in the source is resolved by its deletion.

Cost per run: one query per table on the ``updated_at`` index (the rows after the clock and the NULLs), and a
read by primary key of the rows just released.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime

import psycopg2
from psycopg2 import sql

from ingest.config import CURSOR_COLUMN, RAW_SCHEMA, SOURCE_SCHEMA, Location, cursor_safety_window_seconds
from ingest.db import session

log = logging.getLogger(__name__)

TABLE = "held_rows"
"""raw_tpch.held_rows: one row per source row the ingest holds back (or held back before: resolved_at set)."""
LISTED_PER_TABLE = 10_000
"""At most this many held rows of one table are listed by key; the warning gives the full count."""

RULE_FUTURE = "updated_at_in_future"
RULE_MISSING = "updated_at_missing"

CREATE_SQL = f"""
create table if not exists {RAW_SCHEMA}.{TABLE} (
    table_name text not null,
    row_key text not null,
    rule text not null,
    column_name text not null,
    offending_value text,
    first_seen_at timestamptz not null,
    last_seen_at timestamptz not null,
    resolved_at timestamptz,
    primary key (table_name, row_key, rule)
);
comment on table {RAW_SCHEMA}.{TABLE} is
    'Written by ingest/held_rows.py: source rows the ingest did not land because their updated_at was after '
    'the source clock or NULL. resolved_at is set by the run that found them corrected (and re-read them).';
"""


@dataclass(frozen=True)
class Clock:
    """The source's clock at the start of a run, and the cap the cursor may not pass."""

    now: datetime
    cap: datetime


@dataclass
class Held:
    """What one run found for one table."""

    table: str
    future: int = 0
    missing: int = 0
    newest_future: str | None = None
    released: list[dict[str, object]] = field(default_factory=list)
    """Keys (column -> value) of rows held before and released now: re-read by key this run."""


def source_clock(source: Location) -> Clock:
    """Read the source server's clock once; the cap is that clock less the safety window."""
    with session(source) as conn, conn.cursor() as cur:
        cur.execute("select now(), now() - make_interval(secs => %s)", (cursor_safety_window_seconds(),))
        now, cap = cur.fetchone()
    return Clock(now=now, cap=cap)


def _key_json(key: list[str]) -> sql.Composable:
    return sql.SQL("jsonb_build_object({})::text").format(
        sql.SQL(", ").join(sql.SQL("{}, {}").format(sql.Literal(column), sql.Identifier(column)) for column in key)
    )


def scan(source: Location, keys: dict[str, list[str]], clock: Clock) -> dict[str, list[tuple[str, str, str | None]]]:
    """The source rows to hold back, per table: (key as JSON text, rule, offending value)."""
    found: dict[str, list[tuple[str, str, str | None]]] = {}
    with session(source) as conn, conn.cursor() as cur:
        for table, key in keys.items():
            cur.execute(
                sql.SQL(
                    "select {key}, {cursor}::text from {schema}.{table} "
                    "where {cursor} > %s or {cursor} is null order by {cursor} nulls first limit %s"
                ).format(
                    key=_key_json(key),
                    cursor=sql.Identifier(CURSOR_COLUMN),
                    schema=sql.Identifier(SOURCE_SCHEMA),
                    table=sql.Identifier(table),
                ),
                (clock.now, LISTED_PER_TABLE),
            )
            found[table] = [
                (row_key, RULE_MISSING if value is None else RULE_FUTURE, value) for row_key, value in cur.fetchall()
            ]
    return found


def _create(cur: psycopg2.extensions.cursor) -> None:
    """raw_tpch.held_rows (and raw_tpch on a first run) unless they exist: no privilege needed when they do."""
    cur.execute("select to_regnamespace(%s), to_regclass(%s)", (RAW_SCHEMA, f"{RAW_SCHEMA}.{TABLE}"))
    schema, table = cur.fetchone()
    if schema is None:
        cur.execute(sql.SQL("create schema {}").format(sql.Identifier(RAW_SCHEMA)))
    if table is None:
        cur.execute(CREATE_SQL)


def pending(warehouse: Location) -> dict[str, set[str]]:
    """The keys (JSON text) of the entries not resolved yet, per table; creates raw_tpch.held_rows if missing."""
    with session(warehouse) as conn, conn.cursor() as cur:
        _create(cur)
        cur.execute(
            sql.SQL("select table_name, row_key from {}.{} where resolved_at is null").format(
                sql.Identifier(RAW_SCHEMA), sql.Identifier(TABLE)
            )
        )
        keys: dict[str, set[str]] = {}
        for table, row_key in cur.fetchall():
            keys.setdefault(table, set()).add(row_key)
    return keys


def held(
    keys: dict[str, list[str]], found: dict[str, list[tuple[str, str, str | None]]], waiting: dict[str, set[str]]
) -> dict[str, Held]:
    """What each table holds this run, and which earlier entries it releases (to re-read by key)."""
    result = {}
    for table in keys:
        outcome = Held(table)
        rows = found.get(table, [])
        for _, rule, value in rows:
            if rule == RULE_FUTURE:
                outcome.future += 1
                outcome.newest_future = max(outcome.newest_future or "", value or "")
            else:
                outcome.missing += 1
        still_held = {row_key for row_key, _, _ in rows}
        outcome.released = [json.loads(row_key) for row_key in sorted(waiting.get(table, set()) - still_held)]
        result[table] = outcome
    return result


def record(warehouse: Location, found: dict[str, list[tuple[str, str, str | None]]]) -> None:
    """After the load: upsert this run's held rows and resolve the entries no longer found.

    Called only once the released rows are loaded, so a run that fails before leaves them unresolved and the
    next run re-reads them again.
    """
    with session(warehouse) as conn, conn.cursor() as cur:
        _create(cur)
        cur.execute("select now()")
        (seen_at,) = cur.fetchone()
        for table, rows in found.items():
            for row_key, rule, value in rows:
                cur.execute(
                    sql.SQL("""
                        insert into {schema}.{held} as held
                            (table_name, row_key, rule, column_name, offending_value, first_seen_at, last_seen_at)
                        values (%s, %s, %s, %s, %s, %s, %s)
                        on conflict (table_name, row_key, rule) do update
                        set offending_value = excluded.offending_value,
                            last_seen_at = excluded.last_seen_at,
                            resolved_at = null
                    """).format(schema=sql.Identifier(RAW_SCHEMA), held=sql.Identifier(TABLE)),
                    (table, row_key, rule, CURSOR_COLUMN, value, seen_at, seen_at),
                )
            cur.execute(
                sql.SQL(
                    "update {schema}.{held} set resolved_at = %s "
                    "where table_name = %s and resolved_at is null and last_seen_at < %s"
                ).format(schema=sql.Identifier(RAW_SCHEMA), held=sql.Identifier(TABLE)),
                (seen_at, table, seen_at),
            )


def report(held: dict[str, Held], clock: Clock) -> None:
    """One warning line per table with held rows: table, column, count, and what to do."""
    for outcome in held.values():
        if outcome.future:
            log.warning(
                "warning: held back %s row(s) of %s.%s whose %s is after the source's clock (%s; newest %s): "
                "they land once that time is reached, or at the next run after you set %s to the real time of "
                "the change. Listed in %s.%s (rule %s).",
                f"{outcome.future:,}",
                SOURCE_SCHEMA,
                outcome.table,
                CURSOR_COLUMN,
                f"{clock.now:%Y-%m-%d %H:%M:%S%z}",
                outcome.newest_future,
                CURSOR_COLUMN,
                RAW_SCHEMA,
                TABLE,
                RULE_FUTURE,
            )
        if outcome.missing:
            log.warning(
                "warning: held back %s row(s) of %s.%s whose %s is NULL: set it on every insert and update "
                "(the next run then lands them). Listed in %s.%s (rule %s).",
                f"{outcome.missing:,}",
                SOURCE_SCHEMA,
                outcome.table,
                CURSOR_COLUMN,
                RAW_SCHEMA,
                TABLE,
                RULE_MISSING,
            )
        if outcome.released:
            log.info(
                "  %s.%s: %s row(s) held back before are corrected and re-read by key",
                SOURCE_SCHEMA,
                outcome.table,
                f"{len(outcome.released):,}",
            )
