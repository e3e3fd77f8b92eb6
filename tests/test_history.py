"""SCD2 history: the dbt snapshots equal the simulator's truth log, collapsed to the moments they ran.

On fresh databases (demo source at SF 0.01, one ingest) ``dbt build`` runs once, then three times a
simulated day is followed by ``ingest/run.py`` and ``dbt build``: four snapshot runs, one per business day.
The expectation is computed here, independently of dbt: the source's rows before the first day, then the
changes of ``demo.truth_log`` applied day by day, give each key's state at every run. For every key the
snapshot must hold exactly those states, in order, with consecutive equal states collapsed into one version
(within a day only the last change survives), each live version starting at its own ``updated_at`` and
ending where the next starts, and a key deleted in the source closed by a deletion record
(``dbt_is_deleted = 'True'``) that starts at the time of the run that found it gone. A second ``dbt build``
without new data must not change a snapshot row.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from helpers import PRIMARY_KEYS, STAGING_COLUMNS, dbt, python, query, run

pytestmark = pytest.mark.slow

ENTITIES = ("customer", "supplier", "part", "partsupp")
SNAPSHOT_SCHEMA = "snapshots"
DAYS = 3
CURRENT_VALID_TO = datetime(9999, 12, 31, tzinfo=UTC)
DBT_COLUMNS = ("dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to", "dbt_is_deleted")
AUDIT_COLUMNS = ("loaded_at",)
CLOCK_SLACK = timedelta(seconds=1)
"""A deletion record's time is the database's clock during the run; the run is timed by this process's."""

Key = tuple
Row = dict[str, object]


def snapshot_name(table: str) -> str:
    return f"snp_tpch__{table}"


def snapshot_key(table: str) -> list[str]:
    """The snapshot's key columns: the source's, with staging's names (the snapshots read staging)."""
    return [STAGING_COLUMNS[table][column] for column in PRIMARY_KEYS[table]]


def source_names(table: str, row: Row) -> Row:
    """A snapshot row with the source's column names (staging's renames undone), to compare with the source."""
    source_name = {staging: source for source, staging in STAGING_COLUMNS[table].items()}
    return {source_name.get(column, column): value for column, value in row.items()}


def parse_row(text: str) -> Row:
    """A row as JSON text -> column: value, timestamps as aware UTC datetimes and numbers as Decimal, so rows
    from the source, from the truth log and from the snapshot compare whatever their SQL types."""
    row = json.loads(text, parse_float=Decimal)
    for column, value in row.items():
        if isinstance(value, str) and (column.endswith("_at") or column.startswith("dbt_valid_")):
            moment = datetime.fromisoformat(value)
            row[column] = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return row


def key_of(table: str, row: dict) -> Key:
    return tuple(row[column] for column in PRIMARY_KEYS[table])


@dataclass
class Version:
    """One expected snapshot row: the source row it holds, whether it is a deletion record, and the run
    (0 = the first build, d = the build after simulated day d) that first saw it."""

    row: Row
    deleted: bool
    run: int


def expected_versions(states: list[Row | None]) -> list[Version]:
    """A key's states at each run (None: not in the source) -> its versions: consecutive equal states are one
    version; a key that disappears gets one deletion record repeating its last version."""
    versions: list[Version] = []
    for number, state in enumerate(states):
        last = versions[-1] if versions else None
        if state is None:
            if last is not None and not last.deleted:
                versions.append(Version(last.row, True, number))
        elif last is None or last.deleted or state != last.row:
            versions.append(Version(state, False, number))
    return versions


def truth(dbs, table: str, day0: dict[Key, Row]) -> tuple[dict[Key, list[Version]], int]:
    """Every key's expected versions from the day-0 rows and demo.truth_log; and how many keys changed more
    than once on one day (changes a daily snapshot must collapse)."""
    changes = query(
        dbs.source,
        """
        select sim_date, key::text, operation, after::text
        from demo.truth_log
        where table_name = %s
        order by change_id""",
        (table,),
    )
    days = sorted({sim_date for sim_date, *_ in changes})
    assert None not in days and len(days) == DAYS, f"demo.truth_log of {table}: expected {DAYS} days, got {days}"
    state = dict(day0)
    timelines: dict[Key, list[Row | None]] = {key: [row] for key, row in day0.items()}
    per_day_changes: dict[tuple, int] = defaultdict(int)
    for number, day in enumerate(days, start=1):
        for sim_date, key_text, operation, after in changes:
            if sim_date != day:
                continue
            key = key_of(table, json.loads(key_text))
            per_day_changes[(day, key)] += 1
            if operation == "delete":
                state.pop(key, None)
            else:
                state[key] = parse_row(after)
        for key in state.keys() | timelines.keys():
            timelines.setdefault(key, [None] * number).append(state.get(key))
    collapsed = sum(1 for count in per_day_changes.values() if count > 1)
    return {key: expected_versions(states) for key, states in timelines.items()}, collapsed


def source_rows(dbs, table: str) -> dict[Key, Row]:
    rows = query(dbs.source, f"select to_jsonb(source_row)::text from tpch.{table} as source_row")
    return {key_of(table, row): row for row in (parse_row(text) for (text,) in rows)}


def snapshot_rows(dbs, table: str) -> dict[Key, list[Row]]:
    key = ", ".join(snapshot_key(table))
    rows = query(
        dbs.warehouse,
        f"""
        select to_jsonb(snapshot)::text
        from {SNAPSHOT_SCHEMA}.{snapshot_name(table)} as snapshot
        order by {key}, dbt_valid_from, dbt_valid_to""",
    )
    versions: dict[Key, list[Row]] = defaultdict(list)
    for (text,) in rows:
        row = source_names(table, parse_row(text))
        versions[key_of(table, row)].append(row)
    return versions


def fingerprint(dbs, table: str) -> tuple[int, str]:
    return query(
        dbs.warehouse,
        f"""
        select count(*), coalesce(md5(string_agg(snapshot::text, E'\\n' order by snapshot::text)), '')
        from {SNAPSHOT_SCHEMA}.{snapshot_name(table)} as snapshot""",
    )[0]


def describe_expected(version: Version) -> str:
    return f"deleted at run {version.run}" if version.deleted else f"from {version.row['updated_at']}"


def describe_got(row: Row) -> str:
    return f"{'deleted ' if row['dbt_is_deleted'] == 'True' else ''}from {row['dbt_valid_from']}"


def compare(
    table: str, expected: dict[Key, list[Version]], got: dict[Key, list[Row]], runs: list[tuple[datetime, datetime]]
) -> list[str]:
    """Every difference between the expected and the snapshot's versions, one readable line each."""
    differences: list[str] = []
    for key in sorted(expected.keys() | got.keys()):
        want, have = expected.get(key, []), got.get(key, [])
        where = f"{table} key {dict(zip(PRIMARY_KEYS[table], key, strict=True))}"
        if len(want) != len(have):
            differences.append(
                f"{where}: expected {len(want)} version(s) "
                f"{[describe_expected(version) for version in want]}, got {len(have)} "
                f"{[describe_got(row) for row in have]}"
            )
            continue
        for number, (version, row) in enumerate(zip(want, have, strict=True)):
            at = f"{where} version {number + 1}/{len(want)}"
            for column, value in version.row.items():
                if row.get(column) != value:
                    differences.append(f"{at}: column {column}: expected {value!r}, got {row.get(column)!r}")
            deleted = "True" if version.deleted else "False"
            if row["dbt_is_deleted"] != deleted:
                differences.append(f"{at}: column dbt_is_deleted: expected {deleted!r}, got {row['dbt_is_deleted']!r}")
            if version.deleted:
                started, finished = runs[version.run]
                if not started - CLOCK_SLACK <= row["dbt_valid_from"] <= finished + CLOCK_SLACK:
                    differences.append(
                        f"{at}: column dbt_valid_from: expected the time of snapshot run {version.run} "
                        f"({started} to {finished}), got {row['dbt_valid_from']!r}"
                    )
            else:
                for column in ("dbt_valid_from", "dbt_updated_at"):
                    if row[column] != version.row["updated_at"]:
                        differences.append(
                            f"{at}: column {column}: expected {version.row['updated_at']!r} (the row's updated_at), "
                            f"got {row[column]!r}"
                        )
            valid_to = have[number + 1]["dbt_valid_from"] if number + 1 < len(have) else CURRENT_VALID_TO
            if row["dbt_valid_to"] != valid_to:
                differences.append(f"{at}: column dbt_valid_to: expected {valid_to!r}, got {row['dbt_valid_to']!r}")
    return differences


def timed_build(dbs) -> tuple[datetime, datetime]:
    started = datetime.now(UTC)
    run(dbt("build"), dbs.env)
    return started, datetime.now(UTC)


@pytest.fixture(scope="module")
def history(landed):
    """The four daily snapshot runs; the day-0 source rows and each run's wall-clock window."""
    day0 = {table: source_rows(landed, table) for table in ENTITIES}
    runs = [timed_build(landed)]
    for _ in range(DAYS):
        run(python("demo/source.py", "advance", "--days", "1"), landed.env)
        run(python("ingest/run.py"), landed.env)
        runs.append(timed_build(landed))
    return landed, day0, runs


@pytest.mark.parametrize("table", ENTITIES)
def test_snapshot_history_equals_the_truth_log(history, table):
    dbs, day0, runs = history
    expected, collapsed = truth(dbs, table, day0[table])
    got = snapshot_rows(dbs, table)

    some_row = next(iter(next(iter(got.values()))))
    business = set(some_row) - set(DBT_COLUMNS) - set(AUDIT_COLUMNS)
    source_columns = set(next(iter(day0[table].values())))
    assert business == source_columns, (
        f"{snapshot_name(table)} columns differ from the source's: missing {sorted(source_columns - business)}, "
        f"unexpected {sorted(business - source_columns)}"
    )

    differences = compare(table, expected, got, runs)
    assert not differences, (
        f"{snapshot_name(table)}: {len(differences)} difference(s) from the truth log, the first ones:\n"
        + "\n".join(differences[:25])
    )

    versions = [version for versions in expected.values() for version in versions]
    changed = sum(1 for versions in expected.values() if sum(not v.deleted for v in versions) > 1)
    deleted = sum(version.deleted for version in versions)
    print(
        f"{snapshot_name(table)}: {len(versions)} rows, {len(expected)} keys, {changed} with history, "
        f"{deleted} deleted, {collapsed} key-days with several changes collapsed"
    )
    assert changed > 0, f"no {table} changed over {DAYS} days: the comparison proved little"
    if table == "customer":
        assert deleted > 0, "no customer was deleted: the deletion records went untested"


@pytest.mark.parametrize("table", ENTITIES)
def test_one_current_row_per_key(history, table):
    dbs, _, _ = history
    key = ", ".join(snapshot_key(table))
    wrong = query(
        dbs.warehouse,
        f"""
        select {key}, count(*) filter (where dbt_valid_to = '9999-12-31'::timestamp) as current_rows
        from {SNAPSHOT_SCHEMA}.{snapshot_name(table)}
        group by {key}
        having count(*) filter (where dbt_valid_to = '9999-12-31'::timestamp) != 1
        order by {key}
        limit 10""",
    )
    assert not wrong, f"{snapshot_name(table)}: keys without exactly one current row ({key}, count): {wrong}"


def test_a_second_build_without_new_data_changes_no_snapshot_row(history):
    dbs, _, _ = history
    before = {table: fingerprint(dbs, table) for table in ENTITIES}
    timed_build(dbs)
    after = {table: fingerprint(dbs, table) for table in ENTITIES}
    changed = {table: (before[table], after[table]) for table in ENTITIES if before[table] != after[table]}
    assert not changed, f"a build without new data changed snapshots (rows, md5) before -> after: {changed}"
