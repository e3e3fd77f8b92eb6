"""The walking skeleton end to end on fresh databases: demo source -> dlt -> raw_tpch -> dbt staging.

Proves, with the real commands a user runs: staging equals the source (row counts and a checksum of every
column of every row), a second ingest lands nothing, and changed and inserted source rows arrive, exactly
those.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from helpers import PRIMARY_KEYS, STAGING_COLUMNS, checksum, dbt, execute, python, query, run

from ingest.config import RAW_SCHEMA, SOURCE_SCHEMA, TABLES

pytestmark = pytest.mark.slow

SNAPSHOT_INPUTS = ("customer", "supplier", "part", "partsupp")
"""Staging models a snapshot reads: their timestamps are UTC without time zone, the snapshots' type."""


@pytest.fixture(scope="module")
def built(fresh_databases):
    """Demo source at SF 0.01, one ingest, one dbt build."""
    dbs = fresh_databases("e2e")
    run(python("demo/source.py", "init", "--scale-factor", "0.01"), dbs.env)
    ingest = run(python("ingest/run.py"), dbs.env)
    build = run(dbt("build"), dbs.env)
    return dbs, ingest, build


def source_vs_staging(dbs, table: str, where: str = "true") -> tuple[tuple[int, str], tuple[int, str]]:
    columns = STAGING_COLUMNS[table]
    key = PRIMARY_KEYS[table]
    in_utc = {column: f"{column} at time zone 'utc'" for column in ("created_at", "updated_at")}
    source = checksum(
        dbs.source,
        SOURCE_SCHEMA,
        table,
        list(columns),
        key,
        where=where,
        casts=in_utc if table in SNAPSHOT_INPUTS else None,
    )
    staging = checksum(
        dbs.warehouse,
        "staging",
        f"stg_tpch__{table}",
        list(columns.values()),
        [columns[column] for column in key],
        where=where,
    )
    return source, staging


def raw_state(dbs) -> dict[str, tuple[int, str]]:
    """Checksum of every raw table including dlt's load ids: any re-landed row changes it."""
    state = {}
    for table in TABLES:
        columns = [*STAGING_COLUMNS[table], "_dlt_load_id", "_dlt_id", "_deleted_at"]
        state[table] = checksum(dbs.warehouse, RAW_SCHEMA, table, columns, PRIMARY_KEYS[table])
    return state


def test_first_run_reports_progress_and_builds(built):
    _, ingest, build = built
    log = ingest.stdout + ingest.stderr
    for table in TABLES:
        assert f"extracted {table}" in log, f"no progress line for {table}:\n{log}"
    assert "rows/s" in log
    assert "ingested 8 table(s), 86,805 row(s) merged and 0 marked deleted" in log, log
    assert "Completed successfully" in build.stdout, build.stdout[-3000:]


@pytest.mark.parametrize("table", TABLES)
def test_staging_equals_source(built, table):
    dbs, _, _ = built
    source, staging = source_vs_staging(dbs, table)
    assert source[0] > 0, f"source table {table} is empty"
    assert staging == source, f"{table}: source has {source[0]} rows (md5 {source[1]}), staging {staging}"


def test_raw_rows_carry_dlt_load_ids_and_distinct_row_ids(built):
    """``_dlt_id`` is drawn at extraction (ingest/pipeline.py), not by dlt's normalize: one per row, all distinct;
    ``_dlt_load_id`` is a dlt load id (epoch seconds as text) on every row."""
    for table in TABLES:
        ((rows, ids, distinct, load_ids),) = query(
            built[0].warehouse,
            f"select count(*), count(_dlt_id), count(distinct _dlt_id), "
            f"count(*) filter (where _dlt_load_id ~ '^[0-9]+[.][0-9]+$') from {RAW_SCHEMA}.{table}",
        )
        assert rows > 0 and rows == ids == distinct == load_ids, (table, rows, ids, distinct, load_ids)


def test_raw_has_unique_index_on_primary_key(built):
    dbs, _, _ = built
    rows = query(
        dbs.warehouse,
        """
        select tbl.relname, pg_get_indexdef(idx.indexrelid)
        from pg_index as idx
        inner join pg_class as tbl on tbl.oid = idx.indrelid
        inner join pg_namespace as nsp on nsp.oid = tbl.relnamespace
        where nsp.nspname = %s and idx.indisunique""",
        (RAW_SCHEMA,),
    )
    indexes = {table: definition for table, definition in rows}
    for table in TABLES:
        assert table in indexes, f"raw_tpch.{table} has no unique index; indexes: {indexes}"
        assert f"({', '.join(PRIMARY_KEYS[table])})" in indexes[table], indexes[table]


def test_second_ingest_lands_nothing(built):
    dbs, _, _ = built
    before = raw_state(dbs)
    again = run(python("ingest/run.py"), dbs.env)
    log = again.stdout + again.stderr
    assert "ingested 8 table(s), 0 row(s) merged and 0 marked deleted" in log, log
    assert raw_state(dbs) == before


def test_changed_and_new_rows_arrive_exactly(built):
    dbs, _, _ = built
    (stamp,) = query(dbs.source, "select max(updated_at) + interval '1 hour' from tpch.orders")[0]
    changed_customers = [7, 8, 9]
    execute(
        dbs.source,
        "update tpch.customer set c_address = left(c_address, 30) || ' (moved)', updated_at = %s "
        "where c_custkey = any(%s)",
        (stamp, changed_customers),
    )
    execute(
        dbs.source,
        "update tpch.lineitem set l_returnflag = 'R', updated_at = %s where l_orderkey = 1 and l_linenumber = 1",
        (stamp,),
    )
    # A part-supplier's comment, the one attribute of dim_part_supplier that an incremental build must notice
    # changing (it writes only the part-suppliers that differ from what it holds).
    (offer,) = query(dbs.source, "select ps_partkey, ps_suppkey from tpch.partsupp order by 1, 2 limit 1")
    execute(
        dbs.source,
        "update tpch.partsupp set ps_comment = 'a comment rewritten today', updated_at = %s "
        "where ps_partkey = %s and ps_suppkey = %s",
        (stamp, *offer),
    )
    (new_order,) = query(dbs.source, "select max(o_orderkey) + 1 from tpch.orders")[0]
    execute(
        dbs.source,
        """
        insert into tpch.orders
        select %(key)s, 1, 'O', 100.00, date '1998-08-03', '1-URGENT', 'Clerk#000000001', 0, 'a new order',
               %(stamp)s, %(stamp)s""",
        {"key": new_order, "stamp": stamp},
    )
    execute(
        dbs.source,
        """
        insert into tpch.lineitem
        select %(key)s, 1, 2, 1, 1, 90.00, 0.00, 0.00, 'N', 'O', null, date '1998-09-01', null,
               'NONE', 'AIR', 'a new line', %(stamp)s, %(stamp)s""",
        {"key": new_order, "stamp": stamp},
    )
    before = raw_state(dbs)
    (last_load,) = query(dbs.warehouse, f"select max(load_id) from {RAW_SCHEMA}._dlt_loads")[0]

    result = run(python("ingest/run.py"), dbs.env)
    log = result.stdout + result.stderr
    assert "ingested 8 table(s), 7 row(s) merged and 0 marked deleted" in log, log
    run(dbt("build"), dbs.env)

    after = raw_state(dbs)
    changed_tables = {table for table in TABLES if after[table] != before[table]}
    assert changed_tables == {"customer", "partsupp", "orders", "lineitem"}
    landed = {
        table: query(
            dbs.warehouse,
            f"select {', '.join(PRIMARY_KEYS[table])} from {RAW_SCHEMA}.{table} where _dlt_load_id > %s order by 1",
            (last_load,),
        )
        for table in ("customer", "partsupp", "orders", "lineitem")
    }
    assert landed == {
        "customer": [(7,), (8,), (9,)],
        "partsupp": [tuple(offer)],
        "orders": [(new_order,)],
        "lineitem": [(1, 1), (new_order, 1)],
    }
    for table in TABLES:
        source, staging = source_vs_staging(dbs, table)
        assert staging == source, f"{table} differs after the change: source {source}, staging {staging}"
    assert query(dbs.warehouse, "select customer_address from staging.stg_tpch__customer where customer_id = 7")[0][
        0
    ].endswith("(moved)")
    assert query(
        dbs.warehouse,
        "select partsupp_comment from marts.dim_part_supplier where part_id = %s and supplier_id = %s",
        offer,
    ) == [("a comment rewritten today",)]

    # The build's load watermark is the newest load dlt's own log marks complete, and the two changed lines (the
    # newest load wrote them) carry it as their loaded_at: the next build's window starts after this load.
    (newest_load,) = query(dbs.warehouse, f"select max(load_id) from {RAW_SCHEMA}._dlt_loads where status = 0")[0]
    assert newest_load > last_load
    newest_load_at = datetime.fromtimestamp(float(newest_load), UTC)
    (watermark,) = query(
        dbs.warehouse, "select loads_committed_through from audit.load_watermarks order by run_started_at desc limit 1"
    )[0]
    assert abs(watermark - newest_load_at) < timedelta(milliseconds=1), (watermark, newest_load)
    stamped = query(
        dbs.warehouse,
        # the load id as a moment exactly as staging computes loaded_at (a float in Python may round apart)
        "select order_id, line_number, loaded_at from marts.fct_order_lines "
        "where loaded_at > to_timestamp(%s::double precision) order by 1, 2",
        (last_load,),
    )
    assert [(order_id, line) for order_id, line, _ in stamped] == [(1, 1), (new_order, 1)]
    assert all(loaded_at == watermark for *_, loaded_at in stamped)


def test_docs_site_is_generated(built):
    dbs, _, _ = built
    run(dbt("docs", "generate"), dbs.env)
    catalog = json.loads((dbs.dbt_target / "catalog.json").read_text())
    documented = {node["metadata"]["name"] for node in catalog["nodes"].values()}
    assert {f"stg_tpch__{table}" for table in TABLES} <= documented
    assert (dbs.dbt_target / "index.html").exists()
