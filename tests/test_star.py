"""The star's facts on fresh databases: built day by day incrementally, they equal a --full-refresh.

On a fresh demo source at SF 0.01 after one ingest (the ``landed`` fixture): ``dbt build`` on day 0, then four
simulated days, each ``demo/source.py advance --days 1`` + ``ingest/run.py`` + ``dbt build``, every build green
(the facts' tests, the reconciliation with staging and the unit tests included). Then it proves, with the
real commands a user runs:

- a late-arriving customer (the simulator enters an order for a customer whose row reaches the source a day
  later) leaves that order's lines with the unknown customer key -1 after the day's build, and the next day's
  incremental build re-keys them to the customer's version valid at the order date, without a full refresh;
- lines purged in the source (TPC-H RF2) have left fct_order_lines, and each fact holds exactly the rows of its
  grain (live lines, live orders, part-suppliers x simulated days);
- ``dbt build --full-refresh`` then rebuilds every fact with the same rows as the incremental path: the md5 of
  every column of every row, computed in SQL, is identical (on a difference the message shows the rows).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers import checksum, dbt, execute, python, query, run

pytestmark = pytest.mark.slow

MARTS = "marts"
SNAPSHOT_OF_INCREMENTAL = "star_incremental"
"""Schema where the facts built by the incremental path are copied before the --full-refresh."""
DAYS = 4
FACTS: dict[str, list[str]] = {
    "fct_order_lines": ["order_id", "line_number"],
    "fct_orders": ["order_id"],
    "fct_inventory_daily": ["part_id", "supplier_id", "date_key"],
}
"""Each fact and its primary key (the order of the checksum)."""
UNKNOWN_KEY = -1

Line = tuple[int, int]


@dataclass
class StarRun:
    """What the module's builds did and saw."""

    dbs: object
    build_seconds: list[float] = field(default_factory=list)
    full_refresh_seconds: float = 0.0
    fact_seconds: list[dict[str, float]] = field(default_factory=list)
    """Per build, each fact model's own execution time (from dbt's run_results.json)."""
    late_lines: dict[int, dict[Line, int]] = field(default_factory=dict)
    """Simulated day -> the lines of orders whose customer had not arrived yet -> their customer_key then."""
    late_customers: dict[int, list[int]] = field(default_factory=dict)
    """Simulated day -> the customers that reach the source only on the next day."""
    keys_next_day: dict[int, dict[Line, int]] = field(default_factory=dict)
    """Simulated day -> the same lines -> their customer_key after the next day's build."""
    rows_incremental: dict[str, int] = field(default_factory=dict)


def fact_columns(loc, table: str) -> list[str]:
    rows = query(loc, """
        select column_name from information_schema.columns
        where table_schema = %s and table_name = %s order by ordinal_position""", (MARTS, table))
    return [name for (name,) in rows]


def customer_keys_of(loc, customers: list[int]) -> dict[Line, int]:
    """The fact's customer_key of every line of these customers' orders."""
    rows = query(loc, f"""
        select fact.order_id, fact.line_number, fact.customer_key
        from {MARTS}.fct_order_lines as fact
        inner join staging.stg_tpch__orders as orders on orders.order_id = fact.order_id
        where orders.customer_id = any(%s)""", (customers,))
    return {(order_id, line_number): key for order_id, line_number, key in rows}


def dbt_build(star: StarRun, *args: str) -> float:
    """Run ``dbt build``; return its wall time and keep the facts' own times."""
    started = time.monotonic()
    run(dbt("build", *args), star.dbs.env)
    seconds = time.monotonic() - started
    results = json.loads((Path(star.dbs.env["DBT_TARGET_PATH"]) / "run_results.json").read_text())
    star.fact_seconds.append({
        result["unique_id"].rsplit(".", 1)[-1]: round(result["execution_time"], 2)
        for result in results["results"]
        if result["unique_id"].rsplit(".", 1)[-1] in FACTS and result["unique_id"].startswith("model.")
    })
    return seconds


@pytest.fixture(scope="module")
def star(landed) -> StarRun:
    """Day 0 and DAYS simulated days built incrementally, the facts copied aside, then a --full-refresh."""
    result = StarRun(landed)
    dbs = landed
    result.build_seconds.append(dbt_build(result))
    for day in range(1, DAYS + 1):
        run(python("demo/source.py", "advance", "--days", "1"), dbs.env)
        run(python("ingest/run.py"), dbs.env)
        result.build_seconds.append(dbt_build(result))
        if day - 1 in result.late_customers:
            result.keys_next_day[day - 1] = customer_keys_of(dbs.warehouse, result.late_customers[day - 1])
        pending = [key for (key,) in query(dbs.source, "select c_custkey from demo.pending_customer")]
        result.late_customers[day] = pending
        result.late_lines[day] = customer_keys_of(dbs.warehouse, pending)

    execute(dbs.warehouse, f"drop schema if exists {SNAPSHOT_OF_INCREMENTAL} cascade")
    execute(dbs.warehouse, f"create schema {SNAPSHOT_OF_INCREMENTAL}")
    for fact in FACTS:
        execute(dbs.warehouse,
                f"create table {SNAPSHOT_OF_INCREMENTAL}.{fact} as select * from {MARTS}.{fact}")
        result.rows_incremental[fact] = query(dbs.warehouse, f"select count(*) from {MARTS}.{fact}")[0][0]
    result.full_refresh_seconds = dbt_build(result, "--full-refresh")
    print(  # the figures the report quotes; shown with pytest -s or -rA
        f"\nrows after {DAYS} days: {result.rows_incremental}; dbt build seconds per day "
        f"{[round(seconds, 1) for seconds in result.build_seconds]}, --full-refresh "
        f"{result.full_refresh_seconds:.1f}; facts' own seconds per build (the last is the --full-refresh) "
        f"{result.fact_seconds}"
    )
    return result


def test_late_arriving_customer_is_rekeyed_by_the_next_incremental_build(star):
    dbs = star.dbs
    checked = 0
    for day in range(1, DAYS):
        before = star.late_lines[day]
        after = star.keys_next_day.get(day, {})
        customers = star.late_customers[day]
        assert before, (f"day {day}: no line of an order of a not-yet-arrived customer {customers}: the simulator "
                        f"should enter one a day")
        assert set(before.values()) == {UNKNOWN_KEY}, (
            f"day {day}: lines of customers {customers} not arrived yet should carry {UNKNOWN_KEY}: {before}")
        expected = dict(query(dbs.warehouse, f"""
            select (fact.order_id, fact.line_number)::text, customers.customer_key
            from {MARTS}.fct_order_lines as fact
            inner join staging.stg_tpch__orders as orders on orders.order_id = fact.order_id
            inner join {MARTS}.dim_customer as customers
                on customers.customer_id = orders.customer_id
                and customers.valid_from <= orders.order_date::timestamp
                and orders.order_date::timestamp < customers.valid_to
            where orders.customer_id = any(%s)""", (customers,)))
        got = {f"({order_id},{line_number})": key for (order_id, line_number), key in after.items()}
        assert got.keys() == {f"({order_id},{line_number})" for order_id, line_number in before}, (
            f"day {day}: the lines of customers {customers} changed between builds: {before} -> {after}")
        assert got == expected, (
            f"day {day}: after the next day's incremental build the lines of late customers {customers} should "
            f"carry the customer's version valid at the order date; got {got}, dim_customer says {expected}")
        checked += len(got)
    assert checked > 0


def test_last_days_late_customer_is_still_unknown(star):
    """The customer of the last day's late order has not arrived: -1, in both facts, after the full refresh."""
    customers = star.late_customers[DAYS]
    lines = customer_keys_of(star.dbs.warehouse, customers)
    assert lines, f"no line of the last day's late customers {customers}"
    assert set(lines.values()) == {UNKNOWN_KEY}, lines
    orders = query(star.dbs.warehouse, f"""
        select orders.order_id, facts.customer_key from {MARTS}.fct_orders as facts
        inner join staging.stg_tpch__orders as orders on orders.order_id = facts.order_id
        where orders.customer_id = any(%s)""", (customers,))
    assert orders and {key for _, key in orders} == {UNKNOWN_KEY}, orders


def test_facts_hold_exactly_their_grain(star):
    loc = star.dbs.warehouse
    figures = query(loc, f"""
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
                on deleted.order_id = fact.order_id and deleted.line_number = fact.line_number)""")[0]
    lines, live_lines, orders, live_orders, stock_rows, partsupps, days, tombstones, deleted_in_fact = figures
    assert lines == live_lines, f"fct_order_lines has {lines} rows, staging {live_lines} live lines"
    assert orders == live_orders, f"fct_orders has {orders} rows, staging {live_orders} live orders"
    assert days == DAYS, f"fct_inventory_daily covers {days} days, expected {DAYS} simulated days"
    assert stock_rows == DAYS * partsupps, (
        f"fct_inventory_daily has {stock_rows} rows, expected {DAYS} days x {partsupps} part-suppliers")
    assert tombstones > 0, "the simulator purged no line: the delete path was not exercised"
    assert deleted_in_fact == 0, f"{deleted_in_fact} lines deleted in the source are still in fct_order_lines"


def differing_rows(loc, fact: str, key: list[str], limit: int = 10) -> str:
    """The rows only in the incremental build and only in the full refresh, readable."""
    order = ", ".join(key)
    lines = []
    for label, left, right in (("only incremental", SNAPSHOT_OF_INCREMENTAL, MARTS),
                               ("only full refresh", MARTS, SNAPSHOT_OF_INCREMENTAL)):
        rows = query(loc, f"""
            select row_to_json(differing)::text from (
                select * from {left}.{fact} except select * from {right}.{fact}
            ) as differing order by {order} limit {limit}""")
        lines += [f"  {label}: {text}" for (text,) in rows]
    return "\n".join(lines)


@pytest.mark.parametrize("fact", FACTS)
def test_full_refresh_equals_incremental_path(star, fact):
    loc = star.dbs.warehouse
    key = FACTS[fact]
    columns = fact_columns(loc, fact)
    incremental = checksum(loc, SNAPSHOT_OF_INCREMENTAL, fact, columns, key)
    full = checksum(loc, MARTS, fact, columns, key)
    assert incremental[0] > 0, f"{fact} is empty after {DAYS} days"
    assert full == incremental, (
        f"{fact}: the incremental path gives {incremental[0]} rows (md5 {incremental[1]}), --full-refresh "
        f"{full[0]} rows (md5 {full[1]}); differing rows (at most 10 each way):\n"
        f"{differing_rows(loc, fact, key)}"
    )
