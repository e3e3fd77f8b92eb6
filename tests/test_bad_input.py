"""Bad input gets one clear message naming what is wrong and how to fix it, and the warehouse stays as it was."""

from __future__ import annotations

import socket
import subprocess
import sys

import psycopg2
import pytest
from helpers import PRIMARY_KEYS, ROOT, STAGING_COLUMNS, checksum, execute, python, query, run

from ingest.config import RAW_SCHEMA, TABLES

pytestmark = pytest.mark.slow


def raw_state(dbs) -> dict[str, tuple[int, str]]:
    return {
        table: checksum(
            dbs.warehouse, RAW_SCHEMA, table, [*STAGING_COLUMNS[table], "_dlt_load_id"], PRIMARY_KEYS[table]
        )
        for table in TABLES
    } | {"loads": query(dbs.warehouse, f"select count(*) from {RAW_SCHEMA}._dlt_loads")[0]}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fails_clearly(dbs, env_changes: dict[str, str], *expected: str, args: tuple[str, ...] = ()) -> str:
    """Run ingest with ``env_changes``: it must exit 1, say every ``expected`` text, and change nothing."""
    before = raw_state(dbs)
    result = run(python("ingest/run.py", *args), dbs.env | env_changes, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 1, f"expected exit 1, got {result.returncode}:\n{output}"
    assert "Traceback" not in output, output
    for text in expected:
        assert text in output, f"{text!r} missing from:\n{output}"
    assert raw_state(dbs) == before, "the failed run changed the warehouse"
    return output


def test_wrong_warehouse_password(landed):
    execute(landed.warehouse, "drop role if exists pytest_loader")
    execute(landed.warehouse, "create role pytest_loader login password 'the-right-one'")
    try:
        fails_clearly(
            landed,
            {
                "WAREHOUSE_HOST": "127.0.0.1",
                "WAREHOUSE_PORT": str(landed.warehouse.port),
                "WAREHOUSE_USER": "pytest_loader",
                "WAREHOUSE_PASSWORD": "a-wrong-one",
            },
            "password was refused",
            "WAREHOUSE_PASSWORD",
            "pytest_loader",
        )
    finally:
        execute(landed.warehouse, "drop role if exists pytest_loader")


def test_unreachable_source_server(landed):
    port = free_port()
    fails_clearly(
        landed,
        {"SOURCE_HOST": "127.0.0.1", "SOURCE_PORT": str(port)},
        "cannot reach the source database",
        f"127.0.0.1:{port}",
        "SOURCE_HOST",
    )


def test_unreachable_warehouse_server(landed):
    port = free_port()
    fails_clearly(
        landed,
        {"WAREHOUSE_HOST": "127.0.0.1", "WAREHOUSE_PORT": str(port)},
        "cannot reach the warehouse database",
        f"127.0.0.1:{port}",
        "WAREHOUSE_HOST",
    )


def test_missing_source_table(landed):
    execute(landed.source, "alter table tpch.region rename to region_gone")
    try:
        fails_clearly(landed, {}, "source table tpch.region does not exist")
    finally:
        execute(landed.source, "alter table tpch.region_gone rename to region")


def test_source_table_without_primary_key(landed):
    execute(landed.source, "alter table tpch.nation drop constraint nation_pkey")
    try:
        fails_clearly(landed, {}, "source table tpch.nation has no primary key", "add primary key")
    finally:
        execute(landed.source, "alter table tpch.nation add primary key (n_nationkey)")


def test_unknown_table_option_is_refused(landed):
    result = run(python("ingest/run.py", "--tables", "orders,invoices"), landed.env, check=False)
    assert result.returncode == 2
    assert "unknown table(s) invoices" in result.stderr


def test_the_warehouse_still_works_after_all_that(landed):
    result = run(python("ingest/run.py"), landed.env)
    assert "ingested 8 table(s), 0 row(s) merged and 0 marked deleted" in result.stdout + result.stderr


def test_the_embedded_server_refuses_a_wrong_password_for_other_roles(landed):
    """The wrong-password test above is only meaningful if the server checks passwords at all."""
    execute(landed.warehouse, "drop role if exists pytest_probe")
    execute(landed.warehouse, "create role pytest_probe login password 'secret'")
    try:
        with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
            psycopg2.connect(**(landed.warehouse.connect_kwargs() | {"user": "pytest_probe", "password": "nope"}))
        psycopg2.connect(**(landed.warehouse.connect_kwargs() | {"user": "pytest_probe", "password": "secret"})).close()
    finally:
        execute(landed.warehouse, "drop role if exists pytest_probe")


def test_dbt_says_how_to_start_the_embedded_server_when_it_is_not_running(landed):
    """dbt with ingest/dbt_hint.py loaded, as the documented ``python -m ingest.dbt_hint`` runs it (so the test
    needs no .pth from quickstart.py); a free port stands in for a stopped server."""
    port = free_port()
    result = run(
        python("-m", "ingest.dbt_hint", "build", "--select", "stg_tpch__region"),
        landed.env | {"WAREHOUSE_PORT": str(port)},
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert f"port {port} failed" in output, output
    assert "Start it with `python ingest/db.py start`" in output, output


@pytest.mark.parametrize("script", ["ingest/run.py", "demo/source.py", "benchmarks/run.py"])
def test_a_python_without_the_packages_is_told_how_to_get_them(script):
    """``python -S`` sees no site-packages: as a Python the project was never installed into."""
    result = subprocess.run(
        [sys.executable, "-S", script, "--help"], cwd=ROOT, capture_output=True, text=True, check=False, timeout=60
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output and "python3 quickstart.py" in output, output
