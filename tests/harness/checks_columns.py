"""Every column proven: each measure, date key, flag and text attribute of the facts and of ``ssb.lineorder``,
compared row by row with its definition over the source and the truth log, not with the star's own formula.

A column that no query reads is where a wrong formula survives, so these checks read every one:

- ``columns_fct_order_lines``: each live line (key order_id, line_number): its order, commit, ship and receipt
  date keys (yyyymmdd of the source's dates; -2 for a ship or receipt that has not happened), its six flags
  through ``dim_line_flags`` (return flag, line status, ship mode and instructions of the line, priority and
  status of its order), its comment, quantity, price and rates, and the money measures by TPC-H's definitions:
  discount_amount = l_extendedprice * l_discount, net_revenue = l_extendedprice * (1 - l_discount),
  gross_revenue = l_extendedprice * (1 - l_discount) * (1 + l_tax), supply_cost = the unit ps_supplycost the
  part-supplier had at 00:00 UTC of the order date (from the truth log, as in the SSB mapping of
  ``checks_queries``) * l_quantity, margin = net_revenue - supply_cost. Exact equality.
- ``columns_fct_orders``: each live order: its date keys (order; first ship, once a line has shipped; last
  ship and last receipt, once every line has), lags in days, status, clerk, ship priority, comment, total
  price, line counts (all, shipped, received, returned) and the sums of its lines' quantity and money measures.
- ``columns_fct_inventory_daily``: one row per part-supplier that exists at the end of each business day, from
  the business date of the first load (the last TPC-H order date, the harness's day 0) to the last simulated day,
  with the stock and unit cost it had then (the truth log replayed day by day) and inventory_value =
  ps_availqty * ps_supplycost; the day range itself is compared.
- ``columns_ssb_lineorder``: each line of ``ssb.lineorder``: every lo_ measure, date key and flag, against the
  TPC-H -> SSB mapping of ``checks_queries.SSB_SOURCE_LINES`` (the members as they were at the order date).
- ``columns_ssb_date``: every day of ``ssb.date``: each calendar attribute and flag computed in Python from the
  date, by SSB's definitions (Sunday is day 1 of the week; the selling seasons and holidays the model documents).
- ``columns_text``: the comments of the source's reference tables where the star keeps them: nation and
  region (dim_geography) and part-supplier (dim_part_supplier, with its deleted flag), as the source has them
  now. The customer, supplier and part comments are type-1 columns of the history checks (``checks_truth``).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import psycopg2
from helpers import connection, query

from harness import Scenario, check, report
from harness.checks_queries import create_ssb_lines

MARTS = "marts"
SSB = "ssb"
FIRST_LOAD_DATE = date(1998, 8, 2)
"""The business date of the harness's first load (day 0): the last TPC-H order date, where the offer starts."""

_LINES_CACHE: dict[tuple[str, int, int], dict[str, list[tuple]]] = {}


def column_check(name: str):
    """Register a check (given the scenario's databases) whose failing query is reported as its problem rather
    than as a crash."""

    def register(function):
        def guarded(scenario: Scenario, day: int) -> list[str]:
            try:
                return function(scenario.dbs, day)
            except psycopg2.Error as error:
                return [f"{name}: could not check: {type(error).__name__}: {str(error).strip()}"]

        guarded.__name__ = function.__name__
        return check(name)(guarded)

    return register


def compare(name: str, keys: list[str], columns: list[str], expected: list[tuple], got: list[tuple]) -> list[str]:
    """report.compare, exact, on the rows that differ: whole rows are compared first (Python's == on numbers is
    exact numeric equality, 1.5 == 1.500000), so only differing rows pay for the per-column report."""
    width = len(keys)
    want = {tuple(row[:width]): tuple(row[width:]) for row in expected}
    have = {tuple(row[:width]): tuple(row[width:]) for row in got}
    problems = []
    for side, rows, by_key in (("expected", expected, want), ("warehouse", got, have)):
        if len(by_key) != len(rows):
            problems.append(f"{name}: the {side} rows hold {len(rows) - len(by_key)} duplicate key(s) on {keys}")
    differing = {key for key in want.keys() | have.keys() if want.get(key) != have.get(key)}
    return problems + report.compare(
        name,
        keys,
        columns,
        [(*key, *want[key]) for key in differing if key in want],
        [(*key, *have[key]) for key in differing if key in have],
    )


def date_key(column: str, missing: int) -> str:
    return f"coalesce(to_char({column}, 'YYYYMMDD')::integer, {missing})"


FACT_LINE_COLUMNS = [
    "order_date_key",
    "commit_date_key",
    "ship_date_key",
    "receipt_date_key",
    "return_flag",
    "line_status",
    "ship_mode",
    "ship_instructions",
    "order_priority",
    "order_status",
    "line_comment",
    "quantity",
    "extended_price",
    "discount_rate",
    "tax_rate",
    "discount_amount",
    "net_revenue",
    "gross_revenue",
    "supply_cost",
    "margin",
]

SOURCE_FACT_LINES = f"""
    select
        lineitem.l_orderkey,
        lineitem.l_linenumber,
        {date_key("orders.o_orderdate", -1)},
        {date_key("lineitem.l_commitdate", -1)},
        {date_key("lineitem.l_shipdate", -2)},
        {date_key("lineitem.l_receiptdate", -2)},
        lineitem.l_returnflag,
        lineitem.l_linestatus,
        lineitem.l_shipmode,
        lineitem.l_shipinstruct,
        orders.o_orderpriority,
        orders.o_orderstatus,
        lineitem.l_comment,
        lineitem.l_quantity,
        lineitem.l_extendedprice,
        lineitem.l_discount,
        lineitem.l_tax,
        lineitem.l_extendedprice * lineitem.l_discount,
        lineitem.l_extendedprice * (1 - lineitem.l_discount),
        lineitem.l_extendedprice * (1 - lineitem.l_discount) * (1 + lineitem.l_tax),
        ssb_lines.lo_supplycost * lineitem.l_quantity,
        lineitem.l_extendedprice * (1 - lineitem.l_discount) - ssb_lines.lo_supplycost * lineitem.l_quantity
    from tpch.lineitem
    inner join tpch.orders on lineitem.l_orderkey = orders.o_orderkey
    left join ssb_lines
        on lineitem.l_orderkey = ssb_lines.lo_orderkey and lineitem.l_linenumber = ssb_lines.lo_linenumber"""

STAR_FACT_LINES = f"""
    select
        lines.order_id, lines.line_number, lines.order_date_key, lines.commit_date_key, lines.ship_date_key,
        lines.receipt_date_key, flags.return_flag, flags.line_status, flags.ship_mode, flags.ship_instructions,
        flags.order_priority, flags.order_status, lines.line_comment, lines.quantity, lines.extended_price,
        lines.discount_rate, lines.tax_rate, lines.discount_amount, lines.net_revenue, lines.gross_revenue,
        lines.supply_cost, lines.margin
    from {MARTS}.fct_order_lines as lines
    left join {MARTS}.dim_line_flags as flags on lines.line_flags_key = flags.line_flags_key"""

LINEORDER_COLUMNS = [
    "lo_orderdate",
    "lo_orderpriority",
    "lo_shippriority",
    "lo_quantity",
    "lo_extendedprice",
    "lo_ordtotalprice",
    "lo_discount",
    "lo_revenue",
    "lo_supplycost",
    "lo_tax",
    "lo_commitdate",
    "lo_shipmode",
]


def expected_lines(dbs, day: int) -> dict[str, list[tuple]]:
    """The source's per-line expectations of fct_order_lines and ssb.lineorder, computed once per day in one
    session (the SSB mapping's temporary table holds the point-in-time supply costs)."""
    cache_key = (dbs.source.dbname, id(dbs), day)
    if cache_key not in _LINES_CACHE:
        with connection(dbs.source) as conn, conn.cursor() as cur:
            create_ssb_lines(cur)
            cur.execute(SOURCE_FACT_LINES)
            fact = cur.fetchall()
            cur.execute(f"select lo_orderkey, lo_linenumber, {', '.join(LINEORDER_COLUMNS)} from ssb_lines")
            lineorder = cur.fetchall()
        _LINES_CACHE.clear()
        _LINES_CACHE[cache_key] = {"fct_order_lines": fact, "lineorder": lineorder}
    return _LINES_CACHE[cache_key]


@column_check("columns_fct_order_lines")
def columns_fct_order_lines(dbs, day: int) -> list[str]:
    expected = expected_lines(dbs, day)["fct_order_lines"]
    got = query(dbs.warehouse, STAR_FACT_LINES)
    return compare(
        "fct_order_lines, every line, vs tpch.lineitem x tpch.orders and the truth log's costs",
        ["order_id", "line_number"],
        FACT_LINE_COLUMNS,
        expected,
        got,
    )


@column_check("columns_ssb_lineorder")
def columns_ssb_lineorder(dbs, day: int) -> list[str]:
    expected = expected_lines(dbs, day)["lineorder"]
    got = query(
        dbs.warehouse,
        f"""
        select lo_orderkey, lo_linenumber, {", ".join(LINEORDER_COLUMNS)} from {SSB}.lineorder""",
    )
    return compare(
        "ssb.lineorder, every line, vs the TPC-H -> SSB mapping of the source",
        ["lo_orderkey", "lo_linenumber"],
        LINEORDER_COLUMNS,
        expected,
        got,
    )


ORDER_COLUMNS = [
    "order_date_key",
    "first_ship_date_key",
    "last_ship_date_key",
    "last_receipt_date_key",
    "order_status",
    "clerk_name",
    "ship_priority",
    "order_comment",
    "total_price",
    "line_count",
    "shipped_line_count",
    "received_line_count",
    "returned_line_count",
    "quantity",
    "discount_amount",
    "net_revenue",
    "gross_revenue",
    "order_to_first_ship_days",
    "order_to_last_receipt_days",
]


@column_check("columns_fct_orders")
def columns_fct_orders(dbs, day: int) -> list[str]:
    expected = query(
        dbs.source,
        f"""
        with lines as (
            select
                l_orderkey,
                count(*) as line_count,
                count(l_shipdate) as shipped,
                count(l_receiptdate) as received,
                count(*) filter (where l_returnflag = 'R') as returned,
                sum(l_quantity) as quantity,
                sum(l_extendedprice * l_discount) as discount_amount,
                sum(l_extendedprice * (1 - l_discount)) as net_revenue,
                sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) as gross_revenue,
                min(l_shipdate) as first_ship,
                case when count(l_shipdate) = count(*) then max(l_shipdate) end as last_ship,
                case when count(l_receiptdate) = count(*) then max(l_receiptdate) end as last_receipt
            from tpch.lineitem
            group by l_orderkey
        )
        select
            orders.o_orderkey,
            {date_key("orders.o_orderdate", -1)},
            {date_key("lines.first_ship", -2)},
            {date_key("lines.last_ship", -2)},
            {date_key("lines.last_receipt", -2)},
            orders.o_orderstatus,
            orders.o_clerk,
            orders.o_shippriority,
            orders.o_comment,
            orders.o_totalprice,
            coalesce(lines.line_count, 0),
            coalesce(lines.shipped, 0),
            coalesce(lines.received, 0),
            coalesce(lines.returned, 0),
            coalesce(lines.quantity, 0),
            coalesce(lines.discount_amount, 0),
            coalesce(lines.net_revenue, 0),
            coalesce(lines.gross_revenue, 0),
            lines.first_ship - orders.o_orderdate,
            lines.last_receipt - orders.o_orderdate
        from tpch.orders
        left join lines on orders.o_orderkey = lines.l_orderkey""",
    )
    got = query(dbs.warehouse, f"select order_id, {', '.join(ORDER_COLUMNS)} from {MARTS}.fct_orders")
    return compare("fct_orders, every order, vs tpch.orders and its lines", ["order_id"], ORDER_COLUMNS, expected, got)


def last_business_date(dbs) -> date:
    clock = query(dbs.source, "select sim_date from demo.clock")
    return clock[0][0] if clock and clock[0][0] else FIRST_LOAD_DATE


def partsupp_states(dbs, last: date) -> dict[date, dict[tuple[int, int], tuple[int, Decimal]]]:
    """Each business day from the first load to ``last`` -> the part-suppliers that exist at its end, with their
    (ps_availqty, ps_supplycost) then: the current rows taken back through the truth log."""
    current = {
        (part, supplier): (quantity, cost)
        for part, supplier, quantity, cost in query(
            dbs.source, "select ps_partkey, ps_suppkey, ps_availqty, ps_supplycost from tpch.partsupp"
        )
    }
    changes = query(
        dbs.source,
        """
        select sim_date, (key ->> 'ps_partkey')::integer, (key ->> 'ps_suppkey')::integer,
            (before ->> 'ps_availqty')::integer, (before ->> 'ps_supplycost')::numeric, before is null
        from demo.truth_log
        where table_name = 'partsupp' and sim_date is not null
        order by change_id desc""",
    )
    by_day: dict[date, list[tuple]] = defaultdict(list)
    for sim_date, *change in changes:
        by_day[sim_date].append(change)
    states = {}
    state = dict(current)
    day = last
    while day >= FIRST_LOAD_DATE:
        states[day] = dict(state)
        # Undo the day's changes, newest first: the state at the end of the day before.
        for part, supplier, quantity, cost, inserted in by_day.get(day, []):
            if inserted:
                state.pop((part, supplier), None)
            else:
                state[(part, supplier)] = (quantity, cost)
        day -= timedelta(days=1)
    return states


@column_check("columns_fct_inventory_daily")
def columns_fct_inventory_daily(dbs, day: int) -> list[str]:
    last = last_business_date(dbs)
    states = partsupp_states(dbs, last)
    expected = [
        (part, supplier, int(moment.strftime("%Y%m%d")), quantity, cost, quantity * cost)
        for moment, state in states.items()
        for (part, supplier), (quantity, cost) in state.items()
    ]
    got = query(
        dbs.warehouse,
        f"""
        select part_id, supplier_id, date_key, available_quantity, supply_cost, inventory_value
        from {MARTS}.fct_inventory_daily""",
    )
    problems = compare(
        "fct_inventory_daily, every part-supplier and day, vs tpch.partsupp and the truth log",
        ["part_id", "supplier_id", "date_key"],
        ["available_quantity", "supply_cost", "inventory_value"],
        expected,
        got,
    )
    days = query(
        dbs.warehouse,
        f"""
        select 'days', min(date_key), max(date_key), count(distinct date_key) from {MARTS}.fct_inventory_daily""",
    )
    problems += compare(
        "fct_inventory_daily's days: from the first load's business date to the last one",
        ["range"],
        ["first", "last", "days"],
        [
            (
                "days",
                int(FIRST_LOAD_DATE.strftime("%Y%m%d")),
                int(last.strftime("%Y%m%d")),
                (last - FIRST_LOAD_DATE).days + 1,
            )
        ],
        days,
    )
    return problems


SSB_DATE_COLUMNS = [
    "d_date",
    "d_dayofweek",
    "d_month",
    "d_year",
    "d_yearmonthnum",
    "d_yearmonth",
    "d_daynuminweek",
    "d_daynuminmonth",
    "d_daynuminyear",
    "d_monthnuminyear",
    "d_weeknuminyear",
    "d_sellingseason",
    "d_lastdayinweekfl",
    "d_lastdayinmonthfl",
    "d_holidayfl",
    "d_weekdayfl",
]
HOLIDAYS = {(12, 24), (1, 1), (2, 20), (4, 20), (5, 20), (7, 20), (8, 20), (9, 20), (10, 20), (11, 20)}
"""The holidays the ssb.date model documents (SSB names the flag, not the days)."""


def ssb_day(day: date) -> tuple:
    """The SSB DATE row of ``day``: SSB's weeks start on Sunday (day 1); d_weeknuminyear is the model's
    documented (day of year - 1) / 7 + 1; the selling seasons are the model's documented months."""
    day_in_week = day.isoweekday() % 7 + 1
    day_of_year = day.timetuple().tm_yday
    season = {11: "Christmas", 12: "Christmas", 4: "Spring", 9: "Fall", 10: "Fall"}.get(
        day.month, "Summer" if 5 <= day.month <= 8 else "Winter"
    )
    flags = (
        day_in_week == 7,
        day.day == calendar.monthrange(day.year, day.month)[1],
        (day.month, day.day) in HOLIDAYS,
        2 <= day_in_week <= 6,
    )
    return (
        int(day.strftime("%Y%m%d")),
        f"{calendar.month_name[day.month]} {day.day}, {day.year}",
        calendar.day_name[day.weekday()],
        calendar.month_name[day.month],
        day.year,
        day.year * 100 + day.month,
        f"{calendar.month_abbr[day.month]}{day.year}",
        day_in_week,
        day.day,
        day_of_year,
        day.month,
        (day_of_year - 1) // 7 + 1,
        season,
        *(str(flag).lower() for flag in flags),
    )


@column_check("columns_ssb_date")
def columns_ssb_date(dbs, day: int) -> list[str]:
    rows = query(
        dbs.warehouse,
        f"""
        select d_datekey, {", ".join(SSB_DATE_COLUMNS[:-4])},
            {", ".join(f"lower({column}::text)" for column in SSB_DATE_COLUMNS[-4:])}
        from {SSB}.date where d_datekey > 0""",
    )
    expected = [ssb_day(date(key // 10000, key // 100 % 100, key % 100)) for key, *_ in rows]
    return compare(
        "ssb.date, every day, vs Python's calendar and SSB's definitions",
        ["d_datekey"],
        SSB_DATE_COLUMNS,
        expected,
        rows,
    )


@column_check("columns_text")
def columns_text(dbs, day: int) -> list[str]:
    problems = compare(
        "dim_geography's comments vs tpch.nation and tpch.region",
        ["nation_id"],
        ["nation_comment", "region_comment"],
        query(
            dbs.source,
            """
            select nation.n_nationkey, nation.n_comment, region.r_comment
            from tpch.nation left join tpch.region on nation.n_regionkey = region.r_regionkey""",
        ),
        query(
            dbs.warehouse,
            f"""
            select nation_id, nation_comment, region_comment from {MARTS}.dim_geography where nation_id is not null""",
        ),
    )
    deleted = query(
        dbs.source,
        """
        select distinct on (key) (key ->> 'ps_partkey')::integer, (key ->> 'ps_suppkey')::integer,
            before ->> 'ps_comment', 'true'
        from demo.truth_log
        where table_name = 'partsupp' and operation = 'delete'
        order by key, change_id desc""",
    )
    live = query(dbs.source, "select ps_partkey, ps_suppkey, ps_comment, 'false' from tpch.partsupp")
    live_keys = {row[:2] for row in live}
    return problems + compare(
        "dim_part_supplier vs tpch.partsupp (and the truth log's deleted part-suppliers)",
        ["part_id", "supplier_id"],
        ["partsupp_comment", "is_deleted"],
        live + [row for row in deleted if row[:2] not in live_keys],
        query(
            dbs.warehouse,
            f"""
            select part_id, supplier_id, partsupp_comment, lower(is_deleted::text)
            from {MARTS}.dim_part_supplier where part_id is not null""",
        ),
    )
