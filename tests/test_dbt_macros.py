"""The project's own dbt macros, proven on tiny tables with known violations.

Each generic test in ``macros/tests/`` is declared on the fixture source ``macro_fixtures``
(``tests/dbt/fixtures/_macro_fixtures.yml``, disabled unless ``--vars '{macro_fixtures: true}'``), exactly as the
models use it (``arguments:``, ``source()`` as the parent). This module creates the fixture tables in a scratch
schema of the warehouse, runs ``dbt test`` on them once, and checks every test's failure count against the
``meta.expected_failures`` written beside it: a bad row must be found, a clean table must pass.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import sql

from ingest.config import ROOT, TABLES, location
from ingest.db import ensure_server

FIXTURE_SOURCE = "macro_fixtures"

FIXTURE_TABLES = """
create table {schema}.pairs_with_duplicates (a integer, b integer);
insert into {schema}.pairs_with_duplicates values (1, 2), (1, 2), (1, 23), (12, 3), (5, 5), (5, 5), (5, 5);

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
"""
"""Each table's violations are described in the fixture YAML next to the tests that must find them."""

GENERIC_TESTS = ("unique_combination_of_columns", "relationships_multi_column", "accepted_range")


def _dbt(*args: str, target: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DBT_TARGET_PATH=str(target / "target"), DBT_LOG_PATH=str(target / "logs"))
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"dbt {' '.join(args)} exited {result.returncode}:\n{result.stdout[-6000:]}")
    return result


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
    return manifest, {manifest["nodes"][r["unique_id"]]["name"]: r for r in run_results}


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


def test_schema_name_macro_defaults_to_the_target_schema(tmp_path_factory: pytest.TempPathFactory) -> None:
    target = tmp_path_factory.mktemp("dbt_compile")
    inline = "{{ generate_schema_name(none, none) }}|{{ generate_schema_name(' staging ', none) }}"
    result = _dbt("compile", "--quiet", "--output", "json", "--inline", inline, target=target)
    assert json.loads(result.stdout)["compiled"] == "analytics|staging"
