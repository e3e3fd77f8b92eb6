"""The whole project on Snowflake, proven on the fakesnow emulator (README "Running on Snowflake").

On a fresh demo source (PostgreSQL, SF 0.01) and a fresh emulator: the ingestion's emulator path lands raw_tpch,
`dbt build` of the whole project with DBT_TARGET=snowflake (every model, snapshot, seed, data test, unit test and
contract); then one simulated day, ingest and `dbt build` again, so snapshots and incremental models take their
second-run paths. After each build, the verification harness's checks that read only the warehouse and the
source (tests/harness/, the same code the PostgreSQL scenario runs, the warehouse's queries translated to Snowflake
SQL) run against the emulator. The checks it does not run are listed in NOT_ON_THE_EMULATOR with the reason, and
reported as skipped with it; the SQL they would check is still compiled for Snowflake and parsed by
tests/test_snowflake_sql.py.
"""

from __future__ import annotations

import time

import pytest
from conftest import Databases
from emulator import land_raw_tpch, running_emulator
from harness import CHECKS
from harness.scenario import run_scenario

DAYS = 1
ON_THE_EMULATOR = [
    "reconcile_order_lines",
    "reconcile_orders",
    "history_customer",
    "history_supplier",
    "history_part",
    "point_in_time",
    "quarantine",
    *sorted(name for name in CHECKS if name.startswith(("tpch_", "ssb_"))),
]
NOT_ON_THE_EMULATOR = {
    name: reason
    for name, reason in {
        "idempotence": "copies the star aside and diffs it with PostgreSQL DDL and md5 over rows",
        "full_refresh_equals_incremental": "copies the star aside and diffs it with PostgreSQL DDL and md5 over rows",
        "late_arrival": "reads the fact's keys with PostgreSQL array parameters (= any(%s))",
    }.items()
}
NOT_ON_THE_EMULATOR |= {
    name: "the row-by-row column checks read the warehouse with PostgreSQL-only SQL (psycopg2 cursors)"
    for name in CHECKS
    if name.startswith("columns_")
}


@pytest.fixture(scope="module")
def emulator_run(fresh_databases, tmp_path_factory):
    dbs = fresh_databases("snowflake")
    with running_emulator(tmp_path_factory.mktemp("fakesnow")) as emulator:
        on_snowflake = Databases(dbs.source, emulator, emulator.env(dbs.env), dbs.dbt_target)
        started = time.monotonic()
        result = run_scenario(
            on_snowflake, 0.01, DAYS, checks=ON_THE_EMULATOR, ingest=lambda d: land_raw_tpch(d.env), record_star=False
        )
        print(f"\nemulator scenario (SF 0.01, {DAYS} day): {time.monotonic() - started:.0f} s")  # pytest -s
        yield result


def test_every_check_is_run_or_excused():
    assert set(ON_THE_EMULATOR) | set(NOT_ON_THE_EMULATOR) == set(CHECKS)
    assert not set(ON_THE_EMULATOR) & set(NOT_ON_THE_EMULATOR)


@pytest.mark.parametrize("name", ON_THE_EMULATOR)
def test_holds_on_the_emulator(emulator_run, name):
    failed = {day: found for day, found in emulator_run.problems[name].items() if found}
    assert not failed, "\n\n".join(f"after day {day}:\n" + "\n".join(found) for day, found in failed.items())


@pytest.mark.parametrize("name", sorted(NOT_ON_THE_EMULATOR))
def test_not_run_on_the_emulator(name):
    pytest.skip(f"{name} does not run on the emulator: {NOT_ON_THE_EMULATOR[name]}")
