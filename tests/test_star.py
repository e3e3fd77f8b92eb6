"""The star's facts on the shared scenario: built day by day incrementally, they equal a --full-refresh.

The shared scenario (tests/harness/scenario.py, built once per session and also checked by tests/test_harness.py):
a fresh demo source at SF 0.01 (--scale-factor), ingest and ``dbt build`` on day 0, then four simulated days
(--days), each ``demo/source.py advance --days 1`` + ``ingest/run.py`` + ``dbt build``, every build green (the
facts' tests, the reconciliation with staging and the unit tests included). Then it proves, with the real
commands a user runs:

- a late-arriving customer (the simulator enters an order for a customer whose row reaches the source a day
  later) leaves that order's lines with the unknown customer key -1 after the day's build, and the next day's
  incremental build re-keys them to the customer's version valid at the order date, without a full refresh;
- lines purged in the source (TPC-H RF2) have left fct_order_lines, and each fact holds exactly the rows of its
  grain (live lines, live orders, part-suppliers x business days from the first load);
- the post-hooks that take deleted lines and orders out of the facts find raw's tombstones through the ingest's
  partial index on them (ingest/pipeline.py ensure_raw_indexes), not by a scan of the whole raw table, and the
  scoped staging tests find the rows loaded since they last passed through the ingest's load-time indexes;
- ``dbt build --full-refresh`` (the scenario's last step) then rebuilds every fact (and every other incremental
  model: the SCD2 dimensions, which an incremental build writes member by member) with the same rows as the
  incremental path (copied aside after the last day's build): the md5 of every column of every row, computed
  in SQL, is identical (on a difference the message shows the rows).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from harness.scenario import (
    BUILD_STAMPS,
    INCREMENTAL_MODELS,
    MARTS,
    SNAPSHOT_OF_INCREMENTAL,
    StarRecord,
    customer_keys_of,
    schema_of,
)
from helpers import checksum, connection, query

from ingest.config import RAW_SCHEMA

pytestmark = pytest.mark.slow

UNKNOWN_KEY = -1


@dataclass
class Star:
    """The scenario's databases, its number of days and what its builds recorded."""

    dbs: object
    days: int
    record: StarRecord


@pytest.fixture(scope="module")
def star(scenario_run) -> Star:
    return Star(scenario_run.scenario.dbs, scenario_run.scenario.days, scenario_run.star)


def fact_columns(loc, table: str, schema: str = MARTS) -> list[str]:
    rows = query(
        loc,
        """
        select column_name from information_schema.columns
        where table_schema = %s and table_name = %s order by ordinal_position""",
        (schema, table),
    )
    return [name for (name,) in rows]


def test_late_arriving_customer_is_rekeyed_by_the_next_incremental_build(star):
    dbs = star.dbs
    checked = 0
    for day in range(1, star.days):
        before = star.record.late_lines[day]
        after = star.record.keys_next_day.get(day, {})
        customers = star.record.late_customers[day]
        assert before, (
            f"day {day}: no line of an order of a not-yet-arrived customer {customers}: the simulator "
            f"should enter one a day"
        )
        assert set(before.values()) == {UNKNOWN_KEY}, (
            f"day {day}: lines of customers {customers} not arrived yet should carry {UNKNOWN_KEY}: {before}"
        )
        expected = dict(
            query(
                dbs.warehouse,
                f"""
            select (fact.order_id, fact.line_number)::text, customers.customer_key
            from {MARTS}.fct_order_lines as fact
            inner join staging.stg_tpch__orders as orders on orders.order_id = fact.order_id
            inner join {MARTS}.dim_customer as customers
                on customers.customer_id = orders.customer_id
                and customers.valid_from <= orders.order_date::timestamp
                and orders.order_date::timestamp < customers.valid_to
            where orders.customer_id = any(%s)""",
                (customers,),
            )
        )
        got = {f"({order_id},{line_number})": key for (order_id, line_number), key in after.items()}
        assert got.keys() == {f"({order_id},{line_number})" for order_id, line_number in before}, (
            f"day {day}: the lines of customers {customers} changed between builds: {before} -> {after}"
        )
        assert got == expected, (
            f"day {day}: after the next day's incremental build the lines of late customers {customers} should "
            f"carry the customer's version valid at the order date; got {got}, dim_customer says {expected}"
        )
        checked += len(got)
    assert checked > 0


def test_last_days_late_customer_is_still_unknown(star):
    """The customer of the last day's late order has not arrived: -1, in both facts, after the full refresh."""
    customers = star.record.late_customers[star.days]
    lines = customer_keys_of(star.dbs.warehouse, customers)
    assert lines, f"no line of the last day's late customers {customers}"
    assert set(lines.values()) == {UNKNOWN_KEY}, lines
    orders = query(
        star.dbs.warehouse,
        f"""
        select orders.order_id, facts.customer_key from {MARTS}.fct_orders as facts
        inner join staging.stg_tpch__orders as orders on orders.order_id = facts.order_id
        where orders.customer_id = any(%s)""",
        (customers,),
    )
    assert orders and {key for _, key in orders} == {UNKNOWN_KEY}, orders


def test_facts_hold_exactly_their_grain(star):
    loc = star.dbs.warehouse
    figures = query(
        loc,
        f"""
        select
            (select count(*) from {MARTS}.fct_order_lines),
            (select count(*) from staging.stg_tpch__lineitem),
            (select count(*) from {MARTS}.fct_orders),
            (select count(*) from staging.stg_tpch__orders),
            (select count(*) from {MARTS}.fct_inventory_daily),
            (select count(*) from staging.stg_tpch__partsupp),
            (select count(distinct date_key) from {MARTS}.fct_inventory_daily),
            (select count(*) from staging.stg_tpch__lineitem_deletes),
            (select count(*) from {MARTS}.fct_order_lines as fact
             inner join staging.stg_tpch__lineitem_deletes as deleted
                on deleted.order_id = fact.order_id and deleted.line_number = fact.line_number)""",
    )[0]
    lines, live_lines, orders, live_orders, stock_rows, partsupps, days, tombstones, deleted_in_fact = figures
    assert lines == live_lines, f"fct_order_lines has {lines} rows, staging {live_lines} live lines"
    assert orders == live_orders, f"fct_orders has {orders} rows, staging {live_orders} live orders"
    # From the business date of the first load (day 0's, the last TPC-H order date) to the last simulated day.
    business_days = star.days + 1
    assert days == business_days, (
        f"fct_inventory_daily covers {days} days, expected {business_days}: the first load's and {star.days} simulated"
    )
    assert stock_rows == business_days * partsupps, (
        f"fct_inventory_daily has {stock_rows} rows, expected {business_days} days x {partsupps} part-suppliers"
    )
    assert tombstones > 0, "the simulator purged no line: the delete path was not exercised"
    assert deleted_in_fact == 0, f"{deleted_in_fact} lines deleted in the source are still in fct_order_lines"


def differing_rows(loc, fact: str, key: list[str], limit: int = 10) -> str:
    """The rows only in the incremental build and only in the full refresh, readable."""
    order = ", ".join(key)
    lines = []
    for label, left, right in (
        ("only incremental", SNAPSHOT_OF_INCREMENTAL, schema_of(fact)),
        ("only full refresh", schema_of(fact), SNAPSHOT_OF_INCREMENTAL),
    ):
        rows = query(
            loc,
            f"""
            select row_to_json(differing)::text from (
                select * from {left}.{fact} except select * from {right}.{fact}
            ) as differing order by {order} limit {limit}""",
        )
        lines += [f"  {label}: {text}" for (text,) in rows]
    return "\n".join(lines)


@pytest.mark.parametrize("fact", INCREMENTAL_MODELS)
def test_full_refresh_equals_incremental_path(star, fact):
    """Each incremental model (harness.scenario.INCREMENTAL_MODELS: the facts, the SCD2 dimensions written member by
    member, int_partsupp_versions) holds after four incremental days what a --full-refresh builds."""
    loc = star.dbs.warehouse
    key = INCREMENTAL_MODELS[fact]
    assert star.record.full_refresh_ran_last, "the scenario's last dbt command was not `dbt build --full-refresh`"
    columns = [
        column for column in fact_columns(loc, fact, schema_of(fact)) if column not in BUILD_STAMPS.get(fact, [])
    ]
    incremental = checksum(loc, SNAPSHOT_OF_INCREMENTAL, fact, columns, key)
    full = checksum(loc, schema_of(fact), fact, columns, key)
    assert incremental[0] > 0, f"{fact} is empty after {star.days} days"
    assert full == incremental, (
        f"{fact}: the incremental path gives {incremental[0]} rows (md5 {incremental[1]}), --full-refresh "
        f"{full[0]} rows (md5 {full[1]}); differing rows (at most 10 each way):\n"
        f"{differing_rows(loc, fact, key)}"
    )


def test_full_refresh_keeps_the_partial_index_of_late_lines(star):
    """fct_order_lines' partial index (macro partial_index, a post-hook; TPC-H Q21's late lines) is on the table a
    --full-refresh made, once: its name is prefix + random suffix, so the old table's index, still there under its
    own name while dbt swaps the tables, does not stop the new one's, and the incremental builds add no second."""
    assert star.record.full_refresh_ran_last, "the scenario's last dbt command was not `dbt build --full-refresh`"
    rows = query(
        star.dbs.warehouse,
        """
        select indexname, indexdef from pg_indexes
        where schemaname = %s and tablename = 'fct_order_lines' and indexname like 'fct_order_lines_late_lines_%%'""",
        (MARTS,),
    )
    assert len(rows) == 1, f"fct_order_lines should have one late-lines index after --full-refresh, has {rows}"
    definition = rows[0][1]
    assert "(supplier_key, order_id, line_flags_key)" in definition, definition
    assert "WHERE ((commit_date_key > 0) AND (receipt_date_key > commit_date_key))" in definition, definition


@pytest.mark.parametrize("table", ["lineitem", "orders"])
def test_deletes_staging_reads_raw_tombstones_through_their_partial_index(star, table):
    """stg_tpch__<table>_deletes, which the facts' post-hooks join on every build, selects raw's tombstones with a
    predicate the ingest's partial index ``<table>__tombstones`` (where _deleted_at is not null) answers: with
    sequential scans priced out the plan reads that index. A staging predicate the planner cannot match to the
    index (or a missing index) leaves a scan of every raw row, 6 M lines at SF 1, on every build."""
    counted = f"select count(*) from {RAW_SCHEMA}.{table} where _deleted_at is not null"
    [(tombstones,)] = query(star.dbs.warehouse, counted)
    assert tombstones > 0, f"the scenario deleted no {table} rows: nothing to read through the index"
    with connection(star.dbs.warehouse) as conn, conn.cursor() as cur:
        cur.execute("set enable_seqscan = off")
        cur.execute(f"explain select * from staging.stg_tpch__{table}_deletes")
        plan = "\n".join(line for (line,) in cur.fetchall())
    assert f"{table}__tombstones" in plan, plan


@pytest.mark.parametrize("table", ["customer", "part", "partsupp", "supplier"])
def test_scoped_staging_tests_read_the_loaded_rows_through_an_index(star, table):
    """A staging data test of an incremental build reads the rows loaded since it last passed, `loaded_at >` a
    timestamp with time zone (macros/tests/scoped_data_tests.sql). The snapshot inputs' staging views give
    loaded_at as a UTC timestamp without time zone, an expression the ingest indexes as such
    (``<table>__loaded_at_utc``, ingest/pipeline.py ensure_raw_indexes): with sequential scans priced out the
    plan reads that index. Without it every such test read the whole raw table (partsupp at SF 1: 800 k rows,
    three tests a build)."""
    with connection(star.dbs.warehouse) as conn, conn.cursor() as cur:
        cur.execute("set enable_seqscan = off")
        cur.execute(f"explain select * from staging.stg_tpch__{table} where loaded_at > to_timestamp(0)")
        plan = "\n".join(line for (line,) in cur.fetchall())
    assert f"{table}__loaded_at_utc" in plan, plan


def test_lines_waiting_for_a_member_are_found_through_their_partial_index(star):
    """Every incremental build takes again the lines that wait for a late member or cost (order_lines_to_reprocess,
    branch b). fct_order_lines keeps a partial index on them (macro line_waits_for_a_member, a post-hook), one
    after the --full-refresh, and the planner answers that condition from it rather than by scanning the fact
    (6 M lines at SF 1): the scenario's late-arriving customers leave such lines on every day."""
    rows = query(
        star.dbs.warehouse,
        """
        select indexdef from pg_indexes
        where schemaname = %s and tablename = 'fct_order_lines' and indexname like 'fct_order_lines_waiting_%%'""",
        (MARTS,),
    )
    assert len(rows) == 1, f"fct_order_lines should have one index of waiting lines, has {rows}"
    assert "customer_key = '-1'" in rows[0][0] and "supply_cost IS NULL" in rows[0][0], rows[0][0]
    with connection(star.dbs.warehouse) as conn, conn.cursor() as cur:
        cur.execute("set enable_seqscan = off")
        cur.execute(
            f"explain select waiting.order_id from {MARTS}.fct_order_lines as waiting where customer_key = -1 "
            "or supplier_key = -1 or part_key = -1 or supply_cost is null"
        )
        plan = "\n".join(line for (line,) in cur.fetchall())
    assert "fct_order_lines_waiting_" in plan, plan
