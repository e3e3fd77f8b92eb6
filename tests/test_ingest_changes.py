"""Ingestion that sees every change: hard deletes, re-created keys, schema changes, one run at a time."""

from __future__ import annotations

import psycopg2
import pytest
from helpers import execute, python, query, raw_vs_source, run

from ingest.config import RAW_SCHEMA, TABLES
from ingest.pipeline import LOCK_ID

pytestmark = pytest.mark.slow


def ingest(dbs, check: bool = True):
    result = run(python("ingest/run.py"), dbs.env, check=check)
    return result, result.stdout + result.stderr


def next_stamp(dbs) -> object:
    return query(dbs.source, "select max(updated_at) + interval '1 minute' from tpch.lineitem")[0][0]


def assert_raw_equals_source(dbs) -> None:
    for table in TABLES:
        expected, got = raw_vs_source(dbs.source, dbs.warehouse, table)
        assert got == expected, f"raw_tpch.{table} live rows {got} differ from the source {expected}"


def test_hard_deletes_become_tombstones(landed):
    (lines,) = query(landed.source, "select count(*) from tpch.lineitem where l_orderkey in (32, 33)")[0]
    execute(landed.source, "delete from tpch.lineitem where l_orderkey in (32, 33)")
    execute(landed.source, "delete from tpch.orders where o_orderkey in (32, 33)")
    execute(landed.source, "delete from tpch.customer where c_custkey = 1499")
    _, log = ingest(landed)
    assert f"0 row(s) merged and {lines + 3} marked deleted" in log, log
    tombstones = query(
        landed.warehouse,
        f"""
        select 'orders', o_orderkey::text from {RAW_SCHEMA}.orders where _deleted_at is not null
        union all
        select 'lineitem', count(*)::text from {RAW_SCHEMA}.lineitem where _deleted_at is not null
        union all
        select 'customer', c_custkey::text from {RAW_SCHEMA}.customer where _deleted_at is not null
        order by 1, 2""",
    )
    assert tombstones == [("customer", "1499"), ("lineitem", str(lines)), ("orders", "32"), ("orders", "33")]
    (rows,) = query(landed.warehouse, f"select count(*) from {RAW_SCHEMA}.orders where o_orderkey in (32, 33)")[0]
    assert rows == 2, "a deleted row must stay in raw"
    assert_raw_equals_source(landed)


def test_a_recreated_key_comes_back_alive(landed):
    stamp = next_stamp(landed)
    execute(
        landed.source,
        """
        insert into tpch.customer
        select 1499, 'Customer#000001499', 'back again', 1, '11-111-111-1111', 1.00, 'BUILDING', null, %s, %s
        """,
        (stamp, stamp),
    )
    _, log = ingest(landed)
    assert "1 row(s) merged and 0 marked deleted" in log, log
    assert query(
        landed.warehouse, f"select c_address, _deleted_at from {RAW_SCHEMA}.customer where c_custkey = 1499"
    ) == [("back again", None)]
    execute(landed.source, "delete from tpch.customer where c_custkey = 1499")
    _, log = ingest(landed)
    assert "0 row(s) merged and 1 marked deleted" in log, log
    assert_raw_equals_source(landed)


def test_delete_and_recreate_between_two_runs_stays_alive(landed):
    stamp = next_stamp(landed)
    execute(landed.source, "delete from tpch.lineitem where l_orderkey = 34 and l_linenumber = 1")
    execute(
        landed.source,
        """
        insert into tpch.lineitem
        select 34, 1, 2, 1, 5, 50.00, 0.01, 0.02, 'N', 'O', null, date '1998-09-01', null, 'NONE', 'AIR',
               're-created', %s, %s""",
        (stamp, stamp),
    )
    _, log = ingest(landed)
    assert "1 row(s) merged and 0 marked deleted" in log, log
    assert query(
        landed.warehouse,
        f"select l_comment, _deleted_at from {RAW_SCHEMA}.lineitem where l_orderkey = 34 and l_linenumber = 1",
    ) == [("re-created", None)]
    assert_raw_equals_source(landed)


def test_a_second_concurrent_run_stops_clearly(landed):
    holder = psycopg2.connect(**landed.warehouse.connect_kwargs())
    try:
        with holder.cursor() as cur:
            cur.execute("select pg_advisory_lock(%s)", (LOCK_ID,))
        result, log = ingest(landed, check=False)
        assert result.returncode == 1, log
        assert "another ingest run is loading the warehouse database" in log, log
    finally:
        holder.close()
    result, log = ingest(landed)
    assert "0 row(s) merged" in log


def test_a_new_source_column_reloads_the_table(landed):
    execute(landed.source, "alter table tpch.region add column r_manager varchar(30) not null default 'nobody'")
    _, log = ingest(landed)
    assert "tpch.region has new column(s) r_manager" in log, log
    assert "reloaded in full" in log
    assert query(landed.warehouse, f"select count(*), min(r_manager), max(r_manager) from {RAW_SCHEMA}.region") == [
        (5, "nobody", "nobody")
    ]
    assert_raw_equals_source(landed)


def test_a_dropped_source_column_is_reported(landed):
    execute(landed.source, "alter table tpch.region drop column r_manager")
    _, log = ingest(landed)
    assert "tpch.region no longer has column(s) r_manager" in log, log
    assert_raw_equals_source(landed)


def test_a_widened_type_needs_nothing(landed):
    execute(landed.source, "alter table tpch.nation alter column n_name type varchar(80)")
    stamp = next_stamp(landed)
    long_name = "THE UNITED KINGDOM OF GREAT BRITAIN AND NORTHERN IRELAND"
    execute(
        landed.source, "update tpch.nation set n_name = %s, updated_at = %s where n_nationkey = 23", (long_name, stamp)
    )
    _, log = ingest(landed)
    assert "1 row(s) merged" in log, log
    assert query(landed.warehouse, f"select n_name from {RAW_SCHEMA}.nation where n_nationkey = 23") == [(long_name,)]


def test_a_changed_kind_stops_naming_table_and_column(landed):
    execute(landed.source, "alter table tpch.supplier alter column s_acctbal type text")
    try:
        before = query(landed.warehouse, f"select count(*), max(load_id) from {RAW_SCHEMA}._dlt_loads")
        result, log = ingest(landed, check=False)
        assert result.returncode == 1, log
        assert "source column tpch.supplier.s_acctbal changed from numeric to text" in log, log
        assert query(landed.warehouse, f"select count(*), max(load_id) from {RAW_SCHEMA}._dlt_loads") == before
    finally:
        execute(
            landed.source,
            "alter table tpch.supplier alter column s_acctbal type numeric(15, 2) using s_acctbal::numeric",
        )
