"""Ingestion into Snowflake (``DBT_TARGET=snowflake``), on the fakesnow emulator and in what dlt would run.

On the emulator (fakesnow in server mode, a real HTTP server the real Snowflake connector talks to), through
the real command ``python ingest/run.py``: the demo source is landed, a simulated day is ingested, then a
``--full-refresh``, then a day whose run is killed after its extraction and run again; each time raw's live
rows equal the source's rows, value by value, and raw's tombstones equal the keys the simulator's truth log
deleted. What the emulator cannot run (dlt's own load: see
ingest/to_snowflake.py) is checked in what dlt generates for a real account: its resolved configuration,
its PUT / COPY INTO and delete-insert merge SQL (parsed with sqlglot's Snowflake dialect).

Cost: SF 0.01, two simulated days, seven ingest runs (four of them short), one module-scoped scenario shared
by the tests of this file: about 60 s of CPU, 3-4 minutes of wall time on the loaded 2-core machine.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import os
import shutil
import signal
import time
import uuid
from pathlib import Path

import fakesnow
import psycopg2
import pytest
import snowflake.connector
import sqlglot
from helpers import PRIMARY_KEYS, python, query, run, start_ingest

from ingest import to_snowflake
from ingest.config import STATE_DIR, TABLES, snowflake_location

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def emulator():
    """A fakesnow server for this module: the connector's keyword arguments to reach it."""
    with fakesnow.server() as kwargs:
        yield kwargs


@pytest.fixture(scope="module")
def snowflake_env(fresh_databases, emulator):
    """A fresh demo source (SF 0.01) and the environment that points the project at a fresh emulated database."""
    dbs = fresh_databases("snowflake")
    database = f"PYTEST_{uuid.uuid4().hex[:8].upper()}"
    env = dict(dbs.env)
    env.update(
        {
            "DBT_TARGET": "snowflake",
            "SNOWFLAKE_EMULATOR": "fakesnow",
            "SNOWFLAKE_ACCOUNT": "fakesnow",
            "SNOWFLAKE_USER": emulator["user"],
            "SNOWFLAKE_PASSWORD": emulator["password"],
            "SNOWFLAKE_DATABASE": database,
            "SNOWFLAKE_SCHEMA": "ANALYTICS",
            "SNOWFLAKE_HOST": emulator["host"],
            "SNOWFLAKE_PORT": str(emulator["port"]),
            "SNOWFLAKE_PROTOCOL": emulator["protocol"],
        }
    )
    run(python("demo/source.py", "init", "--scale-factor", "0.01"), env)
    yield dbs, env, database
    shutil.rmtree(STATE_DIR / "dlt" / f"snowflake_{emulator['host']}_{emulator['port']}_{database}", ignore_errors=True)


@contextlib.contextmanager
def snowflake_cursor(emulator, database: str):
    conn = snowflake.connector.connect(**emulator, database=database, autocommit=True)
    try:
        with conn.cursor() as cur:
            yield cur
    finally:
        conn.close()


def ingest(env, *args: str, check: bool = True) -> str:
    result = run(python("ingest/run.py", *args), env, check=check)
    return result.stdout + result.stderr


def _plain(value: object) -> object:
    """One value as both engines can agree on it: numbers as Decimal, timestamps in UTC."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | decimal.Decimal):
        return decimal.Decimal(str(value)).normalize()
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC)
    return value


def source_rows(dbs, table: str) -> tuple[list[str], dict[tuple, tuple]]:
    """The source table's rows by primary key (the truth), and its column names."""
    columns = [
        name
        for (name,) in query(
            dbs.source,
            "select column_name from information_schema.columns where table_schema = 'tpch' and table_name = %s "
            "order by ordinal_position",
            (table,),
        )
    ]
    key = [columns.index(column) for column in PRIMARY_KEYS[table]]
    rows = query(dbs.source, f"select {', '.join(columns)} from tpch.{table}")
    return columns, {tuple(_plain(row[i]) for i in key): tuple(_plain(v) for v in row) for row in rows}


def raw_rows(cur, table: str, columns: list[str], where: str) -> dict[tuple, tuple]:
    key = [columns.index(column) for column in PRIMARY_KEYS[table]]
    cur.execute(f"select {', '.join(columns)} from RAW_TPCH.{table.upper()} where {where}")
    return {tuple(_plain(row[i]) for i in key): tuple(_plain(v) for v in row) for row in cur.fetchall()}


def truth_deletes(dbs, table: str, live: set[tuple]) -> set[tuple]:
    """Keys the simulator's truth log says were deleted and that are not in the source again."""
    rows = query(dbs.source, "select key from demo.truth_log where operation = 'delete' and table_name = %s", (table,))
    return {tuple(_plain(key[column]) for column in PRIMARY_KEYS[table]) for (key,) in rows} - live


def assert_raw_is_the_truth(dbs, cur, context: str, tables=TABLES) -> dict[str, int]:
    """Raw's live rows equal the source's, every column; its tombstones equal the truth log's deletes."""
    tombstones = {}
    for table in tables:
        columns, expected = source_rows(dbs, table)
        got = raw_rows(cur, table, columns, "_deleted_at is null")
        missing, unexpected = expected.keys() - got.keys(), got.keys() - expected.keys()
        assert not missing and not unexpected, (
            f"{context}: RAW_TPCH.{table.upper()} live keys differ from the source: {len(missing)} missing "
            f"{sorted(missing)[:5]}, {len(unexpected)} unexpected {sorted(unexpected)[:5]}"
        )
        differing = [key for key in expected if expected[key] != got[key]]
        assert not differing, (
            f"{context}: RAW_TPCH.{table.upper()} has {len(differing)} row(s) differing from the source, first "
            f"{differing[0]}: expected {expected[differing[0]]}, got {got[differing[0]]}"
        )
        deleted = set(raw_rows(cur, table, columns, "_deleted_at is not null"))
        truth = truth_deletes(dbs, table, set(expected))
        assert deleted == truth, (
            f"{context}: RAW_TPCH.{table.upper()} tombstones differ from the truth log's deletes: "
            f"missing {sorted(truth - deleted)[:5]}, unexpected {sorted(deleted - truth)[:5]}"
        )
        tombstones[table] = len(deleted)
    return tombstones


@pytest.fixture(scope="module")
def landed_on_emulator(snowflake_env, emulator):
    """The demo source ingested into the emulator, then checked; what the later tests build on."""
    dbs, env, database = snowflake_env
    log = ingest(env)
    assert f"into Snowflake database {database} on the emulator" in log, log
    with snowflake_cursor(emulator, database) as cur:
        for table in TABLES:  # row counts only: the day's check below compares every row and column
            (expected,) = query(dbs.source, f"select count(*) from tpch.{table}")[0]
            cur.execute(f"select count(*), count(_deleted_at) from RAW_TPCH.{table.upper()}")
            assert cur.fetchone() == (expected, 0), f"after the first ingest: RAW_TPCH.{table.upper()}"
    return dbs, env, database


def test_first_load_then_a_simulated_day_then_a_full_refresh_equal_the_source(landed_on_emulator, emulator):
    dbs, env, database = landed_on_emulator
    run(python("demo/source.py", "advance", "--days", "1"), env)
    (deletes,) = query(dbs.source, "select count(*) from demo.truth_log where operation = 'delete'")[0]
    assert deletes > 0, "the simulated day must delete rows, or this test proves nothing about tombstones"
    log = ingest(env)
    with snowflake_cursor(emulator, database) as cur:
        tombstones = assert_raw_is_the_truth(dbs, cur, "after a simulated day")
    assert sum(tombstones.values()) > 0
    assert f"marked {tombstones['lineitem']:,} row(s) of raw_tpch.lineitem deleted" in log, log

    again = ingest(env)
    assert "0 row(s) merged and 0 marked deleted" in again, "a run after no change must land nothing:\n" + again

    # customer and orders hold tombstones: enough to prove they survive a reload, cheaper than lineitem's
    refreshed = ingest(env, "--full-refresh", "--tables", "customer,orders")
    assert "kept" in refreshed and "through the full reload" in refreshed, refreshed
    with snowflake_cursor(emulator, database) as cur:
        kept = assert_raw_is_the_truth(dbs, cur, "after --full-refresh", tables=["customer", "orders"])
    assert kept == {table: tombstones[table] for table in ("customer", "orders")}


def test_a_run_killed_in_its_load_is_finished_by_the_next(landed_on_emulator, emulator):
    """SIGKILL a day's run just after its last extraction (in normalize or the emulator's load), run again."""
    dbs, env, database = landed_on_emulator
    run(python("demo/source.py", "advance", "--days", "1"), env)
    process = start_ingest(env)
    output = []
    for line in process.stdout:
        output.append(line)
        if "extracted lineitem" in line:
            time.sleep(1.0)
            break
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    rest, _ = process.communicate(timeout=60)
    killed = "".join(output) + rest
    assert "extracted lineitem" in killed and "ingested 8 table(s)" not in killed, (
        "the run must be killed after extracting and before it ends:\n" + killed
    )
    rerun = ingest(env)
    assert "load package(s) left by an interrupted run" in rerun, rerun
    with snowflake_cursor(emulator, database) as cur:
        assert_raw_is_the_truth(dbs, cur, "after a killed run and a rerun")


def test_a_second_concurrent_run_stops_and_touches_nothing(landed_on_emulator):
    dbs, env, database = landed_on_emulator
    location = snowflake_location_from(env)
    key = to_snowflake.lock_key(location)
    with psycopg2.connect(**dbs.source.connect_kwargs()) as conn, conn.cursor() as cur:
        cur.execute("select pg_advisory_lock(%s, %s)", (to_snowflake.LOCK_ID, key))
        result = run(python("ingest/run.py"), env, check=False)
        cur.execute("select pg_advisory_unlock(%s, %s)", (to_snowflake.LOCK_ID, key))
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert f"another ingest run is loading the Snowflake database {database}" in output, output
    assert "Traceback" not in output, output


def snowflake_location_from(env: dict[str, str]):
    saved = dict(os.environ)
    try:
        os.environ.update({name: value for name, value in env.items() if name.startswith(("SNOWFLAKE_", "DBT_"))})
        return snowflake_location()
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DBT_TARGET": "bigquery"}, "DBT_TARGET='bigquery' is not a target of this project"),
        (
            {"DBT_TARGET": "snowflake", "SNOWFLAKE_ACCOUNT": "", "SNOWFLAKE_USER": "", "SNOWFLAKE_DATABASE": ""},
            "DBT_TARGET=snowflake needs SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER, SNOWFLAKE_DATABASE, SNOWFLAKE_PASSWORD",
        ),
    ],
)
def test_a_wrong_switch_or_missing_settings_say_what_to_set(env, message):
    clean = {name: value for name, value in os.environ.items() if not name.startswith("SNOWFLAKE_")}
    result = run(python("ingest/run.py"), clean | env, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert message in output, output
    assert "Traceback" not in output, output


# -- what dlt would run on a real account (no account needed) -------------------------------------------------

ACCOUNT = {
    "SNOWFLAKE_ACCOUNT": "myorg-myaccount",
    "SNOWFLAKE_USER": "TPCH_LOADER",
    "SNOWFLAKE_PASSWORD": "secret",
    "SNOWFLAKE_ROLE": "TPCH_LOADER",
    "SNOWFLAKE_WAREHOUSE": "TPCH_WH",
    "SNOWFLAKE_DATABASE": "tpch",
}


@pytest.fixture
def account_pipeline(tmp_path, monkeypatch):
    """The ingest's dlt pipeline for a real account (nothing connects), with the demo's customer table schema."""
    import dlt

    for name in [name for name in os.environ if name.startswith("SNOWFLAKE_")]:
        monkeypatch.delenv(name)
    for name, value in ACCOUNT.items():
        monkeypatch.setenv(name, value)
    location = snowflake_location()
    pipeline = dlt.pipeline(
        pipeline_name="tpch_raw_sql",
        destination=to_snowflake.destination(location),
        dataset_name="raw_tpch",
        pipelines_dir=str(tmp_path),
    )
    pipeline.extract(
        dlt.resource(
            [{"c_custkey": 1, "c_name": "a", "updated_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}],
            name="customer",
            primary_key="c_custkey",
            write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        ),
        loader_file_format="parquet",
    )
    pipeline.normalize()
    return location, pipeline


def test_dlt_resolves_the_destination_from_the_snowflake_variables(account_pipeline):
    _location, pipeline = account_pipeline
    client = pipeline.destination_client()
    config = client.config
    assert config.destination_type == "snowflake"
    assert (config.credentials.host, config.credentials.username, config.credentials.database) == (
        "myorg-myaccount",
        "TPCH_LOADER",
        "TPCH",
    )
    assert (config.credentials.warehouse, config.credentials.role) == ("TPCH_WH", "TPCH_LOADER")
    params = config.credentials.to_connector_params()
    assert params["account"] == "myorg-myaccount" and params["timezone"] == "UTC"
    assert "port" not in params and "protocol" not in params, "a real account must not get the emulator's address"
    assert config.keep_staged_files is False and config.create_indexes is False and config.stage_name is None
    assert client.sql_client.make_qualified_table_name("customer") == '"RAW_TPCH"."CUSTOMER"'
    assert client.capabilities.supports_multiple_statements, "only the emulator gets one statement per call"


def test_the_sql_dlt_would_run_on_an_account_and_the_emulators_copy(account_pipeline):
    """dlt's DDL, PUT + COPY INTO (table stage) and delete-insert merge for a real account parse as Snowflake SQL;
    the emulator's COPY differs from dlt's only in the four documented places."""
    from dlt.destinations.impl.snowflake.snowflake import SnowflakeMergeJob
    from dlt.destinations.impl.snowflake.utils import gen_copy_sql

    _location, pipeline = account_pipeline
    client = pipeline.destination_client()
    (load_id,) = pipeline.list_normalized_load_packages()
    jobs = [job for job in pipeline.get_load_package_info(load_id).jobs["new_jobs"] if "customer" in job.file_path]
    assert len(jobs) == 1 and jobs[0].file_path.endswith(".parquet"), "dlt's load job file is one parquet file"
    columns = list(client.schema.get_table_columns("customer").values())
    ddl = client._get_table_update_sql("customer", columns, False)  # what dlt would run
    merge = SnowflakeMergeJob.generate_sql([client.prepare_load_table("customer")], client.sql_client)
    with client.sql_client.with_staging_dataset():
        staging = client.sql_client.make_qualified_table_name("customer")
    file_name = Path(jobs[0].file_path).name
    # dlt's default: the table's own stage, "RAW_TPCH"."%CUSTOMER", one folder per load id
    stage_path = f'@{client.sql_client.make_qualified_table_name("%customer")}/"{load_id}"/{file_name}'
    copy = gen_copy_sql(
        file_url=jobs[0].file_path,
        qualified_table_name=staging,
        loader_file_format="parquet",
        is_case_sensitive=False,
        local_stage_file_path=stage_path,
    )
    for statement in [*ddl, copy, *merge]:
        sqlglot.parse_one(statement, read="snowflake")  # raises on anything that is not Snowflake SQL
    assert ddl[0].startswith('CREATE TABLE "RAW_TPCH"."CUSTOMER"') and '"C_CUSTKEY"' in ddl[0], ddl
    assert f"FROM '{stage_path}'" in copy and "USE_LOGICAL_TYPE = TRUE" in copy
    assert "MATCH_BY_COLUMN_NAME='CASE_INSENSITIVE'" in copy
    text = " ".join(merge).upper()
    assert 'DELETE FROM "RAW_TPCH"."CUSTOMER"' in text and '"RAW_TPCH_STAGING"."CUSTOMER"' in text
    assert 'ROW_NUMBER() OVER (PARTITION BY "C_CUSTKEY"' in text, "delete-insert must deduplicate on the key"

    emulated = to_snowflake.emulator_copy_sql(copy)
    assert emulated == (
        copy.replace(f"FROM '{stage_path}'", f"FROM {stage_path}")
        .replace(", BINARY_AS_TEXT = FALSE, USE_LOGICAL_TYPE = TRUE", "")
        .replace("MATCH_BY_COLUMN_NAME='CASE_INSENSITIVE'", "MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE")
        + " FORCE = TRUE"
    )
