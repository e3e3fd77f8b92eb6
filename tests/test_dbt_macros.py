"""The project's own dbt macros, proven on tiny tables with known violations.

Each generic test in ``macros/tests/`` is declared on the fixture source ``macro_fixtures``
(``tests/dbt/fixtures/_macro_fixtures.yml``, disabled unless ``--vars '{macro_fixtures: true}'``), exactly as the
models use it (``arguments:``, ``source()`` as the parent). This module creates the fixture tables in a scratch
schema of the warehouse, runs ``dbt test`` on them once, and checks every test's failure count against the
``meta.expected_failures`` written beside it: a bad row must be found, a clean table must pass.

The key and date macros (``macros/keys/``, ``macros/dates/``) are compiled with ``dbt compile --inline`` and run on
chosen values, compared with values computed here; the surrogate key's checks also run on the usual shortcuts
(plain concatenation, a bare separator) to show that they would catch them.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg2
import pytest
import yaml
from helpers import dbt, run
from psycopg2 import sql

from ingest import roles
from ingest.config import ROOT, TABLES, location
from ingest.db import ensure_server

FIXTURE_SOURCE = "macro_fixtures"

FIXTURE_TABLES = """
create table {schema}.pairs_with_duplicates (a integer, b integer);
insert into {schema}.pairs_with_duplicates values (1, 2), (1, 2), (1, 23), (12, 3), (5, 5), (5, 5), (5, 5);

create table {schema}.pairs_indexed_wider (a integer, b integer, c integer, unique (a, b, c));
insert into {schema}.pairs_indexed_wider values (1, 2, 1), (1, 2, 2), (1, 23, 1), (12, 3, 1);

create table {schema}.pairs_keyed (a integer, b integer, primary key (b, a));
insert into {schema}.pairs_keyed values (1, 2), (1, 23), (12, 3), (2, 1);

create table {schema}.keyed_ids (id integer primary key, other integer);
insert into {schema}.keyed_ids values (1, 7), (2, 7), (3, 8), (4, null), (5, null);

create table {schema}.pairs (a integer, b integer);
insert into {schema}.pairs values (1, 2), (1, 23), (12, 3), (2, 1);

create table {schema}.child_pairs (x integer, y integer);
insert into {schema}.child_pairs values (1, 2), (12, 3), (1, 3), (2, 2), (null, 99), (99, null);

create table {schema}.child_pairs_clean (x integer, y integer);
insert into {schema}.child_pairs_clean values (1, 2), (12, 3), (1, 23), (null, 7);

create table {schema}.measurements (value integer, rate numeric(15, 2), kind text);
insert into {schema}.measurements values
    (-1, 0.00, 'skipped'), (0, 0.10, 'checked'), (25, 0.11, 'checked'), (50, null, 'checked'),
    (51, null, 'checked'), (null, null, 'checked');

create table {schema}.calendar_with_gaps (day date);
insert into {schema}.calendar_with_gaps values
    ('1998-07-30'), ('1998-07-31'), ('1998-08-03'), ('1998-08-04'), ('1998-08-04'), ('1998-08-06'), (null);

create table {schema}.calendar_contiguous (day date);
insert into {schema}.calendar_contiguous values ('2000-02-27'), ('2000-02-28'), ('2000-02-29'), ('2000-03-01'), (null);

create table {schema}.dimension_with_members (dimension_key bigint);
insert into {schema}.dimension_with_members values (-1), (-2), (42);

create table {schema}.dimension_without_not_applicable (dimension_key bigint);
insert into {schema}.dimension_without_not_applicable values (-1), (2), (null);

create table {schema}.dimension_without_members (dimension_key bigint);
insert into {schema}.dimension_without_members values (1), (2);

create table {schema}.versions_with_violations (key_a integer, key_b integer, valid_from timestamp, valid_to timestamp);
insert into {schema}.versions_with_violations values
    (1, 23, '2020-01-01', '2020-02-01'), (1, 23, '2020-02-01', '9999-12-31'), (12, 3, '2020-01-15', '9999-12-31'),
    (2, 1, '2020-01-01', '2020-02-01'), (2, 1, '2020-01-01', '9999-12-31'),
    (3, 1, '2020-01-01', '9999-12-31'), (3, 1, '2020-03-01', '9999-12-31'),
    (4, 1, '2020-01-01', '2020-02-01'), (4, 1, '2020-03-01', '9999-12-31'),
    (5, 1, '2020-01-01', '2020-02-01'),
    (6, 1, '2020-03-01', '2020-02-01'),
    (7, 1, '2020-01-01', null), (7, 1, '2020-02-01', '9999-12-31'),
    (8, 1, null, '9999-12-31'),
    (9, 1, '2020-01-01', '2020-02-01'), (9, 1, '2020-01-01', '2020-03-01'), (9, 1, '2020-01-01', '9999-12-31');

create table {schema}.versions_clean (key_a integer, key_b integer, valid_from timestamp, valid_to timestamp);
insert into {schema}.versions_clean values
    (1, 23, '2020-01-01', '2020-02-01'), (1, 23, '2020-02-01', '2020-03-01'), (1, 23, '2020-03-01', '9999-12-31'),
    (12, 3, '2020-01-15', '9999-12-31'),
    (2, 2, '2020-01-01', '2020-06-01'), (2, 2, '2020-06-01', '9999-12-31');

create table {schema}.rows_by_load (value integer, loaded_at timestamptz);
insert into {schema}.rows_by_load values (1, '2020-01-01 00:00+00'), (2, '2024-01-01 00:00+00');

create table {schema}.versions_open_null (key_a integer, key_b integer, valid_from timestamp, valid_to timestamp);
insert into {schema}.versions_open_null values
    (1, 1, '2020-01-01', '2020-02-01'), (1, 1, '2020-02-01', null), (2, 1, '2020-01-01', null);
"""
"""Each table's violations are described in the fixture YAML next to the tests that must find them."""

GENERIC_TESTS = (
    "unique",
    "unique_combination_of_columns",
    "relationships_multi_column",
    "accepted_range",
    "column_expectations",
    "contiguous_dates",
    "member_rows_exist",
    "scd2_history",
)


def _dbt(*args: str, target: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DBT_TARGET_PATH=str(target / "target"), DBT_LOG_PATH=str(target / "logs"))
    return run(dbt(*args), env, check=check, timeout=300)


@pytest.fixture(scope="module")
def fixture_schema() -> Iterator[str]:
    """A scratch schema in the warehouse holding the fixture tables, dropped afterwards."""
    loc = location("warehouse")
    ensure_server(loc)
    schema = f"pytest_macro_fixtures_{uuid.uuid4().hex[:8]}"
    conn = psycopg2.connect(**loc.connect_kwargs())
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("create schema {}").format(sql.Identifier(schema)))
            cur.execute(FIXTURE_TABLES.format(schema=schema))
            # dbt runs as the transformer role on the embedded server (ingest/roles.py): let it read them.
            cur.execute(
                sql.SQL(
                    "grant usage on schema {schema} to {role}; grant select on all tables in schema {schema} to {role}"
                ).format(schema=sql.Identifier(schema), role=sql.Identifier(roles.TRANSFORMER))
            )
        yield schema
    finally:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
        conn.close()


@pytest.fixture(scope="module")
def dbt_run(fixture_schema: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict[str, dict]]:
    """Run the fixture tests once: the manifest, and per test name its run result."""
    target = tmp_path_factory.mktemp("dbt_macros")
    variables = json.dumps({"macro_fixtures": True, "macro_fixture_schema": fixture_schema})
    # Failing tests are expected, so dbt exits 1; whether each failed as it should is checked below.
    result = _dbt("test", "--select", f"source:{FIXTURE_SOURCE}", "--vars", variables, target=target, check=False)
    run_results_path = target / "target" / "run_results.json"
    assert run_results_path.exists(), f"dbt test did not run:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    manifest = json.loads((target / "target" / "manifest.json").read_text())
    run_results = json.loads(run_results_path.read_text())["results"]
    # Only the tests' results: run_results also lists the project's on-run-start hook.
    return manifest, {
        manifest["nodes"][r["unique_id"]]["name"]: r for r in run_results if r["unique_id"].startswith("test.")
    }


def test_every_generic_test_has_a_failing_and_a_passing_case(dbt_run: tuple[dict, dict[str, dict]]) -> None:
    manifest, results = dbt_run
    cases: dict[str, set[bool]] = {name: set() for name in GENERIC_TESTS}
    for result in results.values():
        node = manifest["nodes"][result["unique_id"]]
        cases.setdefault(node["test_metadata"]["name"], set()).add(node["config"]["meta"]["expected_failures"] > 0)
    assert cases == {name: {True, False} for name in GENERIC_TESTS}


def test_each_fixture_test_finds_exactly_the_bad_rows(dbt_run: tuple[dict, dict[str, dict]]) -> None:
    manifest, results = dbt_run
    wrong = []
    for name, result in sorted(results.items()):
        expected = manifest["nodes"][result["unique_id"]]["config"]["meta"]["expected_failures"]
        if result["status"] not in ("pass", "fail") or result["failures"] != expected:
            wrong.append(
                f"{name}: expected {expected} failing rows, got status {result['status']!r}, "
                f"{result['failures']} failures ({result['message']})"
            )
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("trusting", "scanning", "rows"),
    [
        (
            "unique_combination_trusts_an_enforced_primary_key",
            "unique_combination_scans_despite_a_wider_unique_index",
            4,
        ),
        ("unique_trusts_an_enforced_primary_key", "unique_scans_a_column_no_key_guards", 3),
    ],
)
def test_a_uniqueness_test_reads_no_row_where_the_key_is_enforced(
    dbt_run, fixture_schema: str, trusting: str, scanning: str, rows: int
) -> None:
    """On the table whose primary key enforces the key, the test's scan never runs (PostgreSQL evaluates the
    macro key_not_enforced once, before it); where no index guards exactly those columns (a wider unique index,
    a column of its own), it does: unique_combination_of_columns and dbt's `unique` (macros/tests/unique.sql)."""
    _, results = dbt_run
    loc = location("warehouse")
    conn = psycopg2.connect(**loc.connect_kwargs())
    plans = {}
    try:
        with conn.cursor() as cur:
            for name in (trusting, scanning):
                cur.execute("explain (analyze, costs off) " + results[name]["compiled_code"])
                plans[name] = "\n".join(row[0] for row in cur.fetchall())
    finally:
        conn.close()
    trusted, scanned = (next(line for line in plan.splitlines() if "Seq Scan on" in line) for plan in plans.values())
    assert "(never executed)" in trusted, plans
    assert "(never executed)" not in scanned and f"rows={rows}" in scanned, plans


SCOPED_TEST = "accepted_range_scoped_to_rows_loaded_since_its_last_pass"
LOAD_ID = "1700000000.2198308"
"""The newest committed load the scoped test's runs see, with the seven decimals of a dlt load id."""
LOAD_WATERMARK = datetime(2023, 11, 14, 22, 13, 20, 219831, tzinfo=UTC)
"""LOAD_ID as a moment, to the microsecond (PostgreSQL rounds the epoch seconds)."""


def test_a_scoped_data_test_reads_the_rows_loaded_since_it_last_passed(
    dbt_run, fixture_schema: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """macros/tests/scoped_data_tests.sql: a test whose `where` compares loaded_at with __last_passed_through__
    records, when it passes, the load watermark of its build (audit.data_test_passes); the next run reads only
    the rows loaded after it: a bad row loaded before, or by the watermark's own load (after a full ingest, that
    load is all of raw), goes unseen (until `--vars '{data_tests: full}'`), one loaded after fails the test. The
    build's watermark comes from a dlt load log made here (RAW_SCHEMA)."""
    loc = location("warehouse")
    conn = psycopg2.connect(**loc.connect_kwargs())
    conn.autocommit = True
    schema = sql.Identifier(fixture_schema)
    with conn.cursor() as cur:
        cur.execute(sql.SQL("create table {}._dlt_loads (load_id varchar, status bigint)").format(schema))
        cur.execute(
            sql.SQL("insert into {}._dlt_loads values (%s, 0), (%s, 1)").format(schema),
            (LOAD_ID, f"{float(LOAD_ID) + 3600}"),  # the second not committed
        )
        cur.execute(sql.SQL("grant select on {}._dlt_loads to {}").format(schema, sql.Identifier(roles.TRANSFORMER)))
    target = tmp_path_factory.mktemp("scoped_test")
    env = dict(os.environ, DBT_TARGET_PATH=str(target / "target"), DBT_LOG_PATH=str(target / "logs"))
    env["RAW_SCHEMA"] = fixture_schema

    def test_run(**more_vars: object) -> tuple[str, int]:
        variables = json.dumps({"macro_fixtures": True, "macro_fixture_schema": fixture_schema, **more_vars})
        run(dbt("test", "--select", SCOPED_TEST, "--vars", variables), env, check=False, timeout=300)
        results = json.loads((target / "target" / "run_results.json").read_text())["results"]
        (result,) = [r for r in results if r["unique_id"].startswith("test.")]
        return result["status"], result["failures"]

    def passed_through() -> list[datetime]:
        return [
            row[0]
            for row in _fetch(
                conn,
                "select passed_through from audit.data_test_passes where test_id like %s",
                (f"test.tpch_warehouse.{SCOPED_TEST}%",),
            )
        ]

    def insert(value: int, loaded_at: datetime) -> None:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("insert into {}.rows_by_load values (%s, %s)").format(schema), (value, loaded_at))

    def insert_by_watermark_load(value: int) -> None:
        """A row of the watermark's own load: loaded_at as staging computes it from the load id."""
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL("insert into {}.rows_by_load values (%s, to_timestamp(%s::double precision))").format(schema),
                (value, LOAD_ID),
            )

    try:
        assert test_run() == ("pass", 0)
        assert passed_through() == [LOAD_WATERMARK]
        insert(-1, LOAD_WATERMARK - timedelta(days=1))
        insert_by_watermark_load(-3)
        assert test_run() == ("pass", 0), "a row loaded before the last pass, or by its watermark's load, was read"
        assert test_run(data_tests="full") == ("fail", 2), "the full run did not read every row"
        insert(-2, LOAD_WATERMARK + timedelta(seconds=1))
        assert test_run() == ("fail", 1), "a bad row loaded after the last pass was not found (or the old one was)"
        assert passed_through() == [LOAD_WATERMARK]
    finally:
        conn.close()


def test_custom_schema_is_used_as_is(dbt_run: tuple[dict, dict[str, dict]]) -> None:
    """generate_schema_name: staging models land in `staging`, not dbt's default `analytics_staging`."""
    manifest, _ = dbt_run
    staging = {
        node["name"]: node["schema"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["name"].startswith("stg_")
    }
    assert {f"stg_tpch__{table}" for table in TABLES} <= staging.keys(), staging
    assert set(staging.values()) == {"staging"}, staging


@pytest.fixture(scope="module")
def compile_target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One dbt target folder for this module's `dbt compile --inline` calls: they compile against the same
    project, profile and vars, so only the first pays for a full parse and the others reuse it (partial parse).
    The fixture run (`dbt_run`) passes --vars, which would invalidate that parse: it keeps a folder of its own."""
    return tmp_path_factory.mktemp("dbt_compile")


def test_schema_name_macro_defaults_to_the_target_schema(compile_target: Path) -> None:
    inline = "{{ generate_schema_name(none, none) }}|{{ generate_schema_name(' staging ', none) }}"
    result = _dbt("compile", "--quiet", "--output", "json", "--inline", inline, target=compile_target)
    assert json.loads(result.stdout)["compiled"] == "analytics|staging"


# The key and date macros (macros/keys/, macros/dates/) return SQL, not test results: each is compiled once
# with `dbt compile --inline`, then run on chosen values in the warehouse and compared with values computed
# here independently, so a change in what they compute fails.

SNIPPETS = {
    "surrogate_key": "{{ surrogate_key(['a', 'b']) }}",
    "surrogate_key_of_integers": "{{ surrogate_key(['1', '23']) }}",
    "line_flags_key": "{{ line_flags_key('a', 'b', 'c', 'd', 'e', 'f') }}",
    "member_keys": "select {{ unknown_key() }}, {{ not_applicable_key() }}",
    "date_key": "{{ date_key('d') }}",
    "date_spine": "{{ date_spine('%s', '%s') }}",
    "key_or_unknown": "{{ key_or_unknown(['a', 'b']) }}",
    "scd2_bounds": "select {{ scd2_floor() }}, {{ end_of_time() }}",
    "dimension_members": "{{ dimension_members({'k': 'key', 'n': 'name', 'i': 'integer', 'c': 'current', "
    "'d': 'not_deleted', 'f': 'floor', 'e': 'end_of_time', 'm': 'numeric(15, 2)'}) }}",
    "scd2_versions": "{{ scd2_versions('history', ['a', 'b'], ['v']) }}",
    "scd2_latest_values": "{{ scd2_latest_values('history', 'a', ['v', 'b']) }}",
    "order_lines_to_reprocess": "{{ order_lines_to_reprocess('lines', 'orders', 'fact') }}",
}
SEPARATOR = "\n@@@\n"


@pytest.fixture(scope="module")
def compiled(compile_target: Path) -> dict[str, str]:
    """Each snippet compiled to SQL, all in one dbt call."""
    inline = SEPARATOR.join(SNIPPETS.values())
    result = _dbt("compile", "--quiet", "--output", "json", "--inline", inline, target=compile_target)
    return dict(zip(SNIPPETS, json.loads(result.stdout)["compiled"].split(SEPARATOR.strip("\n")), strict=True))


@pytest.fixture(scope="module")
def warehouse() -> Iterator[psycopg2.extensions.connection]:
    loc = location("warehouse")
    ensure_server(loc)
    conn = psycopg2.connect(**loc.connect_kwargs())
    conn.autocommit = True
    yield conn
    conn.close()


def _fetch(conn: psycopg2.extensions.connection, query: str, params: tuple = ()) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall()


def expected_key(*values: str | None) -> int:
    """surrogate_key as documented: md5 of <length>:<text> (or `null`) joined by '|', first 15 hex digits."""
    encoded = "|".join("null" if value is None else f"{len(value)}:{value}" for value in values)
    return int(hashlib.md5(encoded.encode()).hexdigest()[:15], 16)


PAIRS: list[tuple[str | None, str | None]] = [
    ("1", "23"),
    ("12", "3"),  # concatenation without a separator confuses these
    ("1|2", "3"),
    ("1", "2|3"),  # a separator alone confuses these
    (None, "x"),
    ("", "x"),
    ("null", "x"),  # NULL, empty text and the NULL marker's own text
    (None, None),
    ("", ""),
    ("|", None),
    (None, "|"),
    ("2:ab", None),
    ("Zürich", "€"),
]


def _keys(conn: psycopg2.extensions.connection, expression: str) -> dict[tuple[str | None, str | None], object]:
    rows = ", ".join(["(%s::text, %s::text)"] * len(PAIRS))
    query = f"select a, b, {expression} from (values {rows}) as pairs (a, b)"
    return {(a, b): key for a, b, key in _fetch(conn, query, tuple(v for pair in PAIRS for v in pair))}


def _confusions(keys: dict[tuple[str | None, str | None], object]) -> list[str]:
    """Inputs whose key is NULL or shared with another input."""
    by_key: dict[object, list[tuple[str | None, str | None]]] = {}
    for pair, key in keys.items():
        by_key.setdefault(key, []).append(pair)
    return [f"{pairs} -> {key}" for key, pairs in by_key.items() if key is None or len(pairs) > 1]


def test_surrogate_key_tells_apart_what_concatenation_confuses(compiled, warehouse) -> None:
    keys = _keys(warehouse, compiled["surrogate_key"])
    assert _confusions(keys) == []
    # The check can fail: the usual shortcuts confuse some of these inputs.
    assert _confusions(_keys(warehouse, "md5(a || b)"))
    assert _confusions(_keys(warehouse, "md5(coalesce(a, '') || '|' || coalesce(b, ''))"))
    assert _confusions(_keys(warehouse, "md5(coalesce(a, 'null') || '|' || coalesce(b, 'null'))"))


def test_surrogate_key_is_the_documented_bigint(compiled, warehouse) -> None:
    """The key is a pure function of the values (the same in every run and after a full refresh), a bigint in
    [0, 2^60), so never one of the member keys."""
    keys = _keys(warehouse, compiled["surrogate_key"])
    assert keys == {pair: expected_key(*pair) for pair in PAIRS}
    assert all(0 <= key < 2**60 for key in keys.values())
    key_type = _fetch(
        warehouse, f"select pg_typeof({compiled['surrogate_key']})::text from (select '1', '2') as t (a, b)"
    )
    assert key_type == [("bigint",)]
    # Values are keyed by their text: the integers 1 and 23 key as the text '1' and '23'.
    assert _fetch(warehouse, f"select {compiled['surrogate_key_of_integers']}") == [(expected_key("1", "23"),)]


def test_surrogate_key_refuses_a_string(compile_target: Path) -> None:
    result = _dbt("compile", "--inline", "{{ surrogate_key('nation_id') }}", target=compile_target, check=False)
    assert result.returncode != 0
    assert "non-empty list of SQL expressions" in result.stdout, result.stdout[-3000:]


def test_member_keys_are_fixed(compiled, warehouse) -> None:
    assert _fetch(warehouse, compiled["member_keys"]) == [(-1, -2)]


def test_key_or_unknown_is_the_surrogate_key_unless_a_value_is_null(compiled, warehouse) -> None:
    keys = _keys(warehouse, compiled["key_or_unknown"])
    assert keys == {(a, b): -1 if a is None or b is None else expected_key(a, b) for a, b in PAIRS}


def test_line_flags_key_is_the_key_of_the_six_codes_or_unknown(compiled, warehouse) -> None:
    placeholders = ", ".join(["%s::text"] * 6)
    query = f"select {compiled['line_flags_key']} from (select {placeholders}) as flags (a, b, c, d, e, f)"
    codes = ["R", "F", "AIR", "NONE", "1-URGENT", "F"]
    assert _fetch(warehouse, query, tuple(codes)) == [(expected_key(*codes),)]
    # Swapping two codes between columns changes the key.
    swapped = ["R", "O", "AIR", "NONE", "1-URGENT", "F"], ["R", "F", "AIR", "NONE", "1-URGENT", "O"]
    assert len({_fetch(warehouse, query, tuple(codes))[0] for codes in swapped}) == 2
    for position in range(6):
        with_null = [None if index == position else code for index, code in enumerate(codes)]
        assert _fetch(warehouse, query, tuple(with_null)) == [(-1,)], with_null


@pytest.mark.parametrize("time_zone", ["UTC", "America/New_York", "Pacific/Kiritimati"])
def test_date_key_is_yyyymmdd_in_any_time_zone(compiled, warehouse, time_zone) -> None:
    query = f"select {compiled['date_key']} from (values ('1998-08-03'::date), ('1992-01-01'), (null)) as days (d)"
    with warehouse.cursor() as cur:
        cur.execute("set timezone to %s", (time_zone,))
        cur.execute(query)
        rows = cur.fetchall()
        cur.execute("reset timezone")
    assert rows == [(19980803,), (19920101,), (None,)]


@pytest.mark.parametrize(
    ("start", "end", "time_zone"),
    [
        ("1998-12-30", "1999-01-02", "UTC"),  # across a year end, both bounds included
        ("2000-02-27", "2000-03-01", "UTC"),  # a leap day
        ("1998-08-03", "1998-08-03", "UTC"),  # one day
        ("1999-01-02", "1998-12-30", "UTC"),  # start after end: no day
        ("2021-03-13", "2021-03-15", "America/New_York"),  # the spring daylight-saving change
        ("2021-11-06", "2021-11-08", "America/New_York"),  # the autumn one
    ],
)
def test_date_spine_gives_every_day_from_start_to_end(compiled, warehouse, start, end, time_zone) -> None:
    # The snippet's bounds compiled to the placeholders %s, filled in here.
    with warehouse.cursor() as cur:
        cur.execute("set timezone to %s", (time_zone,))
        spine = compiled["date_spine"]
        cur.execute(f"select date_day, pg_typeof(date_day)::text from ({spine}) as spine", (start, end))
        rows = cur.fetchall()
        cur.execute("reset timezone")
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    expected = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    assert [day for day, _ in rows] == expected
    assert {kind for _, kind in rows} <= {"date"}


PROJECT_VARS = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]


def test_scd2_bounds_are_the_project_vars_as_timestamps(compiled, warehouse) -> None:
    rows = _fetch(warehouse, f"select *, pg_typeof(floor)::text from ({compiled['scd2_bounds']}) as b (floor, ending)")
    floor, ending, kind = rows[0]
    assert (floor.isoformat(), ending.isoformat()) == (
        f"{PROJECT_VARS['scd2_floor_date']}T00:00:00",
        f"{PROJECT_VARS['end_of_time']}T00:00:00",
    )
    assert kind == "timestamp without time zone"


def test_dimension_members_are_the_unknown_and_not_applicable_rows(compiled, warehouse) -> None:
    rows = _fetch(warehouse, f"select * from ({compiled['dimension_members']}) as members order by k desc")
    floor, ending = _fetch(warehouse, compiled["scd2_bounds"])[0]
    assert rows == [
        (-1, "Unknown", None, True, False, floor, ending, None),
        (-2, "Not applicable", None, True, False, floor, ending, None),
    ]
    types = _fetch(
        warehouse, f"select pg_typeof(i)::text, pg_typeof(m)::text from ({compiled['dimension_members']}) as members"
    )
    assert set(types) == {("integer", "numeric")}


def test_dimension_members_refuses_a_list(compile_target: Path) -> None:
    result = _dbt("compile", "--inline", "{{ dimension_members(['k', 'n']) }}", target=compile_target, check=False)
    assert result.returncode != 0
    assert "dimension_members: columns must map each column" in result.stdout, result.stdout[-3000:]


HISTORY = """
    with history (a, b, v, is_deleted, snapshot_valid_from, snapshot_valid_to) as (
        values
        (1, 23, 'x', false, '2020-01-01'::timestamp, '2020-02-01'::timestamp),
        (1, 23, 'x', false, '2020-02-01', '2020-03-01'),
        (1, 23, 'y', false, '2020-03-01', '2020-04-01'),
        (1, 23, 'y', true, '2020-04-01', '9999-12-31'),
        (12, 3, 'x', false, '2020-01-15', '9999-12-31')
    )
"""
"""Snapshot versions of two members whose keys concatenate alike, (1, 23) and (12, 3): member (1, 23) has a
type-1 change (same v, 2020-02-01), a type-2 change (v, 2020-03-01) and a deletion record (2020-04-01)."""


def test_scd2_versions_keeps_compound_keys_apart(compiled, warehouse) -> None:
    rows = _fetch(warehouse, HISTORY + compiled["scd2_versions"] + " order by a, valid_from")
    floor = datetime.fromisoformat(PROJECT_VARS["scd2_floor_date"])
    moment = datetime.fromisoformat
    assert rows == [
        (1, 23, "x", False, floor, moment("2020-03-01")),
        (1, 23, "y", False, moment("2020-03-01"), moment("2020-04-01")),
        (1, 23, "y", True, moment("2020-04-01"), moment("9999-12-31")),
        (12, 3, "x", False, floor, moment("9999-12-31")),
    ]


def test_scd2_latest_values_takes_each_members_last_snapshot_version(compiled, warehouse) -> None:
    rows = _fetch(warehouse, HISTORY + compiled["scd2_latest_values"] + " order by a")
    assert rows == [(1, "y", 23), (12, "x", 3)]


def test_order_lines_to_reprocess_takes_changed_and_waiting_orders(compiled, warehouse) -> None:
    """The fact's latest loaded_at is 2026-01-10 (each build stores it capped at its load watermark, so every load
    up to it was taken whole): an order whose header or a line was loaded after it is taken, one loaded at it is
    not, and every order with a fact line with an unknown key or no cost is, however old its order date; the
    window reads no source value (updated_at or order dates play no part). An emptied fact takes every order."""
    latest = datetime(2026, 1, 10)
    second = timedelta(seconds=1)
    day = timedelta(days=1)
    old_order = date(1992, 1, 1)
    fact = [  # order_id, line_number, loaded_at, order date, customer/supplier/part key, supply cost
        (1, 1, latest, date(1998, 8, 10), 5, 5, 5, 1),
        (2, 1, latest - 20 * day, old_order, -1, 5, 5, 1),
        (3, 1, latest - 20 * day, old_order, 5, -1, 5, 1),
        (4, 1, latest - 20 * day, old_order, 5, 5, -1, 1),
        (5, 1, latest - 20 * day, old_order, 5, 5, 5, None),
        (6, 1, latest - 20 * day, old_order, 5, 5, 5, 1),
        (7, 1, latest - 20 * day, old_order, 5, 5, 5, 1),
    ]
    lines = [  # order_id, line_number, loaded_at: order 6's second line was loaded after the window's start
        (1, 1, latest),
        (2, 1, latest - 20 * day),
        (3, 1, latest - 20 * day),
        (4, 1, latest - 20 * day),
        (5, 1, latest - 20 * day),
        (6, 1, latest),
        (6, 2, latest + second),
        (7, 1, latest - 20 * day),
        (8, 1, latest),
    ]
    orders = [  # order_id, loaded_at: order 7's header was loaded again after the window's start
        (1, latest),
        (2, latest - 20 * day),
        (3, latest - 20 * day),
        (4, latest - 20 * day),
        (5, latest - 20 * day),
        (6, latest - 20 * day),
        (7, latest + second),
        (8, latest),
    ]
    with warehouse.cursor() as cur:
        cur.execute("""
            create temporary table fact (order_id integer, line_number integer, loaded_at timestamptz,
                order_date_key integer, customer_key bigint, supplier_key bigint, part_key bigint, supply_cost numeric);
            create temporary table lines (order_id integer, line_number integer, loaded_at timestamptz);
            create temporary table orders (order_id integer, loaded_at timestamptz)""")
        for order_id, line_number, loaded_at, order_date, *keys in fact:
            date_key = int(order_date.strftime("%Y%m%d"))
            cur.execute(
                "insert into fact values (%s, %s, %s, %s, %s, %s, %s, %s)",
                (order_id, line_number, loaded_at, date_key, *keys),
            )
        cur.executemany("insert into lines values (%s, %s, %s)", lines)
        cur.executemany("insert into orders values (%s, %s)", orders)
        taken = f"select order_id from ({compiled['order_lines_to_reprocess']}) as taken order by 1"
        cur.execute(taken)
        chosen = cur.fetchall()
        cur.execute("truncate fact")
        cur.execute(taken)
        all_when_empty = cur.fetchall()
        cur.execute("drop table fact, lines, orders")
    assert chosen == [(2,), (3,), (4,), (5,), (6,), (7,)]
    assert all_when_empty == [(order_id,) for order_id, _ in orders]
