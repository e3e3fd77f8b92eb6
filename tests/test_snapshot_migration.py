"""Snapshots built by the earlier code keep every version when this code first builds over them.

Before the staging models became the snapshots' input, the snapshots read ephemeral base models with the
source's column names and raw's types (c_custkey bigint, c_name character varying...). A snapshot is never
rebuilt, so the on-run-start hook migrate_legacy_snapshot_columns() renames those columns in place. Proven
here for real: the earlier code (its commit, unpacked with ``git archive``) snapshots a demo warehouse twice,
a day apart (history and deletion records), then this code's ``dbt build`` runs over it. Every legacy row must
come through unchanged under staging's names (written out in helpers.STAGING_COLUMNS, independently of the
migration) with staging's types; a second build must change nothing; a further day must add versions to the
same keys (one current row per key) without touching the old ones. A value the new type cannot hold stops the
build with a message and changes nothing.
"""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
from decimal import Decimal
from types import SimpleNamespace

import pytest
from helpers import STAGING_COLUMNS, WITHOUT_DATA_TESTS, dbt, execute, python, query, run, source_types

from ingest.config import ROOT

pytestmark = pytest.mark.slow

LEGACY_COMMIT = "c363948"
"""The last commit whose snapshots read base_tpch__<entity> with the source's column names."""
ENTITIES = ("customer", "supplier", "part", "partsupp")
KEYS = {
    "customer": ["customer_id"],
    "supplier": ["supplier_id"],
    "part": ["part_id"],
    "partsupp": ["part_id", "supplier_id"],
}


def snapshot(table: str) -> str:
    return f"snapshots.snp_tpch__{table}"


def rows(dbs, table: str) -> list[dict]:
    """Every row of a snapshot, with staging's column names (legacy names renamed by helpers.STAGING_COLUMNS),
    numbers as Decimal so they compare by value whatever their scale, sorted."""
    renamed = STAGING_COLUMNS[table]
    found = []
    for (text,) in query(dbs.warehouse, f"select to_jsonb(row_data)::text from {snapshot(table)} as row_data"):
        row = json.loads(text, parse_float=Decimal)
        found.append({renamed.get(column, column): value for column, value in row.items()})
    return sorted(found, key=lambda row: json.dumps(row, sort_keys=True, default=str))


def canonical(row: dict) -> str:
    """A row's text, equal for equal rows: numbers by value (Decimal 1.50 and 1.5 alike), as rows() compares them."""
    return json.dumps(row, sort_keys=True, default=lambda value: str(value.normalize()))


def legacy_project(tmp_path_factory: pytest.TempPathFactory):
    """The earlier code's tree, unpacked from git into a scratch folder."""
    folder = tmp_path_factory.mktemp("legacy_project")
    archive = subprocess.run(
        ["git", "archive", "--format=tar", LEGACY_COMMIT], cwd=ROOT, capture_output=True, check=False
    )
    assert archive.returncode == 0, (
        f"git archive {LEGACY_COMMIT} failed: this test builds snapshots with that commit's code and needs the "
        f"repository's history (a shallow clone: git fetch --unshallow). {archive.stderr.decode()[-500:]}"
    )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        # The "data" filter where this Python has it (3.11.4+; the archive is this repository's own commit, so
        # an older 3.11 extracts it without one).
        tar.extractall(folder, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    return folder


@pytest.fixture(scope="module")
def migrated(fresh_databases, tmp_path_factory):
    dbs = fresh_databases("migration")
    legacy = legacy_project(tmp_path_factory)
    legacy_snapshot = dbt("snapshot", "--project-dir", str(legacy), "--profiles-dir", str(legacy))
    run(python("demo/source.py", "init", "--scale-factor", "0.01"), dbs.env)
    run(python("ingest/run.py"), dbs.env)
    run(legacy_snapshot, dbs.env)
    run(python("demo/source.py", "advance", "--days", "1"), dbs.env)
    run(python("ingest/run.py"), dbs.env)
    run(legacy_snapshot, dbs.env)
    # The earlier code's models too: its intermediate views read the snapshots (int_partsupp_versions), and
    # PostgreSQL cannot change the type of a column a view reads.
    for command in ("seed", "run"):
        run(dbt(command, "--project-dir", str(legacy), "--profiles-dir", str(legacy)), dbs.env)
    # The upgrade as a user makes it: this code's ingest first (it hands the schemas the earlier code built as
    # the superuser to the project's roles), then this code's build.
    run(python("ingest/run.py"), dbs.env)
    legacy_views = query(
        dbs.warehouse,
        "select distinct view_schema || '.' || view_name from information_schema.view_table_usage "
        "where table_schema = 'snapshots' and table_name like 'snp_tpch__%'",
    )
    legacy_columns = {table: list(source_types(dbs.warehouse, "snapshots", f"snp_tpch__{table}")) for table in ENTITIES}
    before = {table: rows(dbs, table) for table in ENTITIES}

    # A view of someone's own on a snapshot: the build stops, names it, and changes nothing.
    execute(dbs.warehouse, "create schema if not exists reporting")
    execute(dbs.warehouse, f"create view reporting.customer_history as select * from {snapshot('customer')}")
    refused_for_view = run(dbt("build", "--full-refresh"), dbs.env, check=False)
    after_view_refusal = {
        table: list(source_types(dbs.warehouse, "snapshots", f"snp_tpch__{table}")) for table in ENTITIES
    }
    execute(dbs.warehouse, "drop schema reporting cascade")

    # A value the new type cannot hold (a nation key beyond integer): the build stops before changing anything.
    (scd_id, nation_id), *_ = query(dbs.warehouse, f"select dbt_scd_id, c_nationkey from {snapshot('customer')}")
    execute(
        dbs.warehouse, f"update {snapshot('customer')} set c_nationkey = 3000000000 where dbt_scd_id = %s", (scd_id,)
    )
    refused = run(dbt("build", "--full-refresh"), dbs.env, check=False)
    after_refusal = {table: list(source_types(dbs.warehouse, "snapshots", f"snp_tpch__{table}")) for table in ENTITIES}
    execute(
        dbs.warehouse, f"update {snapshot('customer')} set c_nationkey = %s where dbt_scd_id = %s", (nation_id, scd_id)
    )

    # The earlier code's facts lack today's columns: an existing warehouse's first build is a full refresh
    # (README), which rebuilds models and never snapshots.
    first = run(dbt("build", "--full-refresh"), dbs.env)
    after_first = {table: rows(dbs, table) for table in ENTITIES}
    # The first build's data tests prove the migrated history; the later builds are checked row by row below.
    second = run(dbt("build", *WITHOUT_DATA_TESTS), dbs.env)
    after_second = {table: rows(dbs, table) for table in ENTITIES}
    return SimpleNamespace(
        dbs=dbs,
        legacy_columns=legacy_columns,
        legacy_views=legacy_views,
        refused_for_view=refused_for_view,
        after_view_refusal=after_view_refusal,
        before=before,
        refused=refused,
        after_refusal=after_refusal,
        first=first,
        after_first=after_first,
        second=second,
        after_second=after_second,
    )


def test_the_legacy_code_built_snapshots_with_source_names_and_history(migrated):
    legacy_columns, before = migrated.legacy_columns, migrated.before
    assert "c_custkey" in legacy_columns["customer"] and "ps_supplycost" in legacy_columns["partsupp"]
    deleted = sum(row["dbt_is_deleted"] == "True" for row in before["customer"])
    keys = {row["customer_id"] for row in before["customer"]}
    assert len(before["customer"]) > len(keys) and deleted > 0, (
        f"customer: {len(before['customer'])} rows, {len(keys)} keys, {deleted} deletion records: "
        "the legacy snapshot should hold history and deletion records to migrate"
    )


def test_a_value_the_new_type_cannot_hold_stops_the_build_and_changes_nothing(migrated):
    refused = migrated.refused
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert "snp_tpch__customer.c_nationkey: 1 row(s)" in output and "integer cannot hold" in output, output[-3000:]
    assert migrated.after_refusal == migrated.legacy_columns


def test_a_view_of_someone_elses_on_a_snapshot_stops_the_build_and_changes_nothing(migrated):
    refused = migrated.refused_for_view
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert "The view reporting.customer_history reads snapshots.snp_tpch__customer" in output, output[-3000:]
    assert "Nothing was changed" in output and "drop it, run dbt again" in output, output[-3000:]
    assert migrated.after_view_refusal == migrated.legacy_columns


def test_the_projects_own_views_on_legacy_snapshots_are_rebuilt(migrated):
    assert migrated.legacy_views, "the earlier code built no view on a snapshot: nothing to prove"
    output = migrated.first.stdout
    said = "first dropping the project's views on legacy snapshots (the build recreates them): "
    assert said in output, output[-3000:]
    dropped = output.split(said)[1].splitlines()[0]
    for (view,) in migrated.legacy_views:
        assert view.split(".")[1] in dropped, f"{view} was not dropped: {dropped}"
    rebuilt = query(
        migrated.dbs.warehouse,
        "select count(*) from information_schema.tables where table_schema = 'intermediate' "
        "and table_name = 'int_partsupp_versions'",
    )
    assert rebuilt == [(1,)]


@pytest.mark.parametrize("table", ENTITIES)
def test_every_legacy_version_survives_the_first_build(migrated, table):
    before, after_first = migrated.before, migrated.after_first
    assert "Migrating legacy snapshot columns" in migrated.first.stdout
    assert after_first[table] == before[table], (
        f"{snapshot(table)}: {len(before[table])} legacy rows, {len(after_first[table])} after the build; "
        f"first legacy row missing: {next((r for r in before[table] if r not in after_first[table]), None)}"
    )


@pytest.mark.parametrize("table", ENTITIES)
def test_migrated_columns_have_the_names_and_types_of_staging(migrated, table):
    dbs = migrated.dbs
    staging = source_types(dbs.warehouse, "staging", f"stg_tpch__{table}")
    migrated_types = source_types(dbs.warehouse, "snapshots", f"snp_tpch__{table}")
    assert {column: migrated_types.get(column) for column in staging} == staging


def test_a_second_build_migrates_nothing_and_changes_nothing(migrated):
    assert "Migrating legacy snapshot columns" not in migrated.second.stdout
    assert migrated.after_second == migrated.after_first


@pytest.mark.parametrize("table", ENTITIES)
def test_a_new_day_continues_the_migrated_history(migrated, table):
    dbs, before = migrated.dbs, migrated.before
    if table == ENTITIES[0]:
        run(python("demo/source.py", "advance", "--days", "1"), dbs.env)
        run(python("ingest/run.py"), dbs.env)
        run(dbt("build", *WITHOUT_DATA_TESTS), dbs.env)
    now = rows(dbs, table)
    # Membership through each row's JSON text: a list's `in` compares dicts one by one, quadratic in the rows
    # (22 s for partsupp's 8,000).
    present = {canonical(row) for row in now}
    gone = [row for row in before[table] if canonical(row) not in present]
    missing = [row for row in gone if row["dbt_valid_to"].startswith("9999")]
    closed = [row for row in gone if not row["dbt_valid_to"].startswith("9999")]
    assert not closed, f"{snapshot(table)}: closed legacy versions changed, e.g. {closed[:2]}"
    # A current legacy version may be closed by the new day (its dbt_valid_to set): the rest of it is unchanged.
    for row in missing:
        same = [other for other in now if {**other, "dbt_valid_to": None} == {**row, "dbt_valid_to": None}]
        assert len(same) == 1, f"{snapshot(table)}: the current legacy version {row} is gone"
    key = ", ".join(KEYS[table])
    wrong = query(
        dbs.warehouse,
        f"""
        select {key}, count(*) from {snapshot(table)}
        where dbt_valid_to = '9999-12-31'::timestamp
        group by {key} having count(*) <> 1 limit 5""",
    )
    assert not wrong, f"{snapshot(table)}: keys without exactly one current row: {wrong}"
    assert len(now) > len(before[table]), f"{snapshot(table)}: the new day added no version"


def test_facts_built_without_todays_columns_get_them_in_place(migrated):
    """on-run-start add_column_in_place (macros/facts/): a fct_orders without customer_id and a fct_order_lines
    without loaded_at, as earlier releases built them, get the columns on the next dbt command whatever it
    selects: customer_id filled with the ids the build wrote (the customer's durable id) and indexed, loaded_at
    1970-01-01 on every line (so the next build's window takes every line again), indexed; the command after adds
    nothing.
    Runs last in this module: it changes the facts the migration built."""
    dbs = migrated.dbs
    written = dict(query(dbs.warehouse, "select order_id, customer_id from marts.fct_orders where customer_key <> -1"))
    assert written and None not in written.values(), "the build wrote no customer ids to compare with"
    execute(dbs.warehouse, "alter table marts.fct_orders drop column customer_id")
    execute(dbs.warehouse, "alter table marts.fct_order_lines drop column loaded_at")
    any_command = dbt("run", "--select", "dim_line_flags")
    first = run(any_command, dbs.env)
    assert "added column customer_id to" in first.stdout, first.stdout[-3000:]
    assert "added column loaded_at to" in first.stdout, first.stdout[-3000:]
    filled = dict(query(dbs.warehouse, "select order_id, customer_id from marts.fct_orders where customer_key <> -1"))
    assert filled == written
    assert query(dbs.warehouse, "select count(*) from pg_indexes where indexname = 'fct_orders_customer_id'") == [(1,)]
    lines = len(query(dbs.warehouse, "select 1 from marts.fct_order_lines"))
    assert lines > 0
    assert query(
        dbs.warehouse, "select count(*), count(*) filter (where loaded_at = to_timestamp(0)) from marts.fct_order_lines"
    ) == [(lines, lines)]
    assert query(
        dbs.warehouse,
        "select count(*) from pg_indexes where tablename = 'fct_order_lines' and indexdef like '%(loaded_at)'",
    ) == [(1,)]
    assert query(
        dbs.warehouse,
        "select attnotnull from pg_attribute where attrelid = 'marts.fct_order_lines'::regclass "
        "and attname = 'loaded_at'",
    ) == [(True,)]
    second = run(any_command, dbs.env)
    assert "added column" not in second.stdout, second.stdout[-3000:]
