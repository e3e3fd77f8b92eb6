"""The project's snapshot staging query (macros/snapshots/snapshot_staging_table.sql, one join) writes the same
snapshot rows as dbt's own (`--vars '{snapshot_staging: dbt}'`, four joins).

Two warehouses ingest one source; one snapshots with each query. Between runs the source meets every kind of
change a snapshot run handles: a changed row, a new key, deleted keys, a deleted key re-created, a key that
stays deleted, rows left alone. After each run the two snapshots must be equal row for row, the times a run
stamps from its own clock (a delete's end and its deletion record's start and scd id) masked, and each kind of
change must have happened (so the comparison covers it)."""

from __future__ import annotations

import pytest
from helpers import WITHOUT_DATA_TESTS, dbt, execute, python, query, run

SNAPSHOT = "snapshots.snp_tpch__customer"
RUN_CLOCK = "2020-01-01"
"""Snapshot times after this come from a run's clock (the demo's business time is 1992-1998)."""
MASKED = f"""
    customer_id, nation_id, customer_name, customer_address, phone_number, market_segment, customer_comment,
    account_balance, created_at, updated_at, dbt_is_deleted,
    case when dbt_valid_from > '{RUN_CLOCK}' then 'run' else dbt_valid_from::text end as valid_from,
    case when dbt_valid_to > '{RUN_CLOCK}' and dbt_valid_to < '9999-01-01' then 'run' else dbt_valid_to::text end
        as valid_to,
    case when dbt_updated_at > '{RUN_CLOCK}' then 'run' else dbt_updated_at::text end as updated,
    case when dbt_is_deleted = 'True' then 'run' else dbt_scd_id end as scd_id
"""


@pytest.fixture(scope="module")
def warehouses(fresh_databases):
    """(environment, staging var) of the two warehouses, both ingested from one demo source at SF 0.01 and built."""
    one_join, dbt_own = fresh_databases("stg_one"), fresh_databases("stg_dbt")
    run(python("demo/source.py", "init", "--scale-factor", "0.01"), one_join.env)
    pairs = [
        (one_join.env, one_join.warehouse, "one_join"),
        (dbt_own.env | {"SOURCE_DBNAME": one_join.source.dbname}, dbt_own.warehouse, "dbt"),
    ]
    snapshot_both(pairs)
    return one_join.source, pairs


def snapshot_both(pairs) -> list[list[tuple]]:
    """Ingest and snapshot customer in both warehouses; each snapshot's rows, masked, in a stable order."""
    found = []
    for env, warehouse, staging in pairs:
        run(python("ingest/run.py"), env)
        run(
            dbt(
                "build",
                "--select",
                "+snp_tpch__customer",
                *WITHOUT_DATA_TESTS,
                "--vars",
                f"{{snapshot_staging: {staging}}}",
            ),
            env,
        )
        found.append(query(warehouse, f"select {MASKED} from {SNAPSHOT} order by customer_id, dbt_valid_from, 11"))
    return found


def test_one_join_writes_what_dbt_writes(warehouses):
    source, pairs = warehouses
    stamp = query(source, "select max(updated_at) from tpch.customer")[0][0]

    def at(minutes: int) -> str:
        return f"'{stamp}'::timestamptz + interval '{minutes} minutes'"

    execute(source, "create table public.saved_customer as select * from tpch.customer where c_custkey in (2, 3)")
    execute(
        source,
        f"update tpch.customer set c_comment = 'changed once', updated_at = {at(1)} where c_custkey = 1;"
        "delete from tpch.customer where c_custkey in (2, 3);"
        "create temporary table new_customer as select * from tpch.customer where c_custkey = 4;"
        f"update new_customer set c_custkey = 999001, updated_at = {at(1)};"
        "insert into tpch.customer select * from new_customer",
    )
    first = snapshot_both(pairs)
    assert first[0] == first[1], differences(first)
    rows = first[0]
    assert any(row[0] == 999001 for row in rows), "the new key never reached the snapshot"
    assert sum(1 for row in rows if row[0] in (2, 3) and row[10] == "True") == 2, "no deletion records"
    assert sum(1 for row in rows if row[0] == 1) == 2, "the changed row has no second version"

    execute(
        source,
        f"insert into tpch.customer select * from public.saved_customer where c_custkey = 2;"
        f"update tpch.customer set updated_at = {at(2)} where c_custkey = 2;"
        f"update tpch.customer set c_comment = 'changed twice', updated_at = {at(2)} where c_custkey = 1;"
        "drop table public.saved_customer",
    )
    second = snapshot_both(pairs)
    assert second[0] == second[1], differences(second)
    rows = second[0]
    recreated = [row[10] for row in rows if row[0] == 2]
    assert sorted(recreated) == ["False", "False", "True"], f"customer 2 was not re-created: {recreated}"
    assert sorted(row[10] for row in rows if row[0] == 3) == ["False", "True"], "customer 3 did not stay deleted"


def differences(found: list[list[tuple]]) -> str:
    one_join, dbt_own = set(found[0]), set(found[1])
    return (
        f"only with one join: {sorted(one_join - dbt_own)[:5]}; only with dbt's query: {sorted(dbt_own - one_join)[:5]}"
    )
