"""The demo source's day-by-day simulator (demo/simulator.py) against a real PostgreSQL.

One module-scoped demo source at scale factor 0.01 is advanced DAYS days; before each day every tpch table is
copied into a schema ``snap_day<n>``, so each day can be checked against the truth log: the tables after the
day must be exactly the copy plus that day's logged changes, and each logged ``before`` must be the row as it
was. A second source built with the same seed checks determinism. Both databases are dropped afterwards.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg2
import pytest
from psycopg2 import sql

from demo import simulator, truth_log
from demo import source as demo_source
from ingest.config import SOURCE_SCHEMA, TABLES, Location, location
from ingest.db import connect
from ingest.errors import IngestError

SCALE_FACTOR = 0.01
SEED = 7
DAYS = 4
FIRST_DAY = date(1998, 8, 3)

KEYS = {
    "region": ["r_regionkey"],
    "nation": ["n_nationkey"],
    "supplier": ["s_suppkey"],
    "customer": ["c_custkey"],
    "part": ["p_partkey"],
    "partsupp": ["ps_partkey", "ps_suppkey"],
    "orders": ["o_orderkey"],
    "lineitem": ["l_orderkey", "l_linenumber"],
}
"""TPC-H primary keys, written out here independently of the simulator."""


def _new_location(tag: str) -> Location:
    return location("source").with_dbname(f"sim_test_{tag}_{uuid.uuid4().hex[:8]}")


def _drop(loc: Location) -> None:
    with contextlib.closing(psycopg2.connect(**loc.connect_kwargs(dbname="postgres"))) as conn:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(loc.dbname)))


def _query(loc: Location, query: str, params: dict[str, Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with contextlib.closing(connect(loc, autocommit=True)) as conn, conn.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall()


@dataclass
class History:
    """The main source and what the fixture saw while advancing it."""

    loc: Location
    base_max_orderkey: int
    days: list[date] = field(default_factory=list)
    checksums: dict[date, dict[str, str]] = field(default_factory=dict)
    missing_customers: dict[date, set[int]] = field(default_factory=dict)
    """Per day: customer keys that orders inserted that day reference but tpch.customer lacks at its end."""

    def snapshot(self, day: date) -> str:
        """The schema holding the tables as they were before ``day``."""
        return f"snap_day{(day - FIRST_DAY).days + 1}"

    def state_after(self, day: date) -> str:
        """The schema holding the tables as they were after ``day``."""
        return SOURCE_SCHEMA if day == self.days[-1] else self.snapshot(day + timedelta(days=1))


@pytest.fixture(scope="module")
def history() -> Iterator[History]:
    loc = _new_location("main")
    try:
        demo_source.init(SCALE_FACTOR, SEED, loc=loc)
        base_max = _query(loc, f"select max(o_orderkey) from {SOURCE_SCHEMA}.orders")[0][0]
        result = History(loc, base_max)
        for number in range(1, DAYS + 1):
            day = FIRST_DAY + timedelta(days=number - 1)
            with contextlib.closing(connect(loc, autocommit=True)) as conn, conn.cursor() as cur:
                cur.execute(f"create schema snap_day{number}")
                for table in TABLES:
                    cur.execute(f"create table snap_day{number}.{table} as select * from {SOURCE_SCHEMA}.{table}")
            reports = simulator.advance(1, loc=loc)
            assert [report.sim_date for report in reports] == [day]
            result.days.append(day)
            result.checksums[day] = demo_source.checksums(loc=loc)
            result.missing_customers[day] = {
                key
                for (key,) in _query(
                    loc,
                    f"""
                select o_custkey from {SOURCE_SCHEMA}.orders
                where o_orderkey > %s and created_at::date = %s
                  and not exists (select from {SOURCE_SCHEMA}.customer where c_custkey = o_custkey)""",
                    (base_max, day),
                )
            }
        yield result
    finally:
        _drop(loc)


def _log(loc: Location, day: date, table: str | None = None) -> list[dict[str, Any]]:
    rows = _query(
        loc,
        """
        select change_id, sim_date, table_name, key, operation, changed_at, before, after
        from demo.truth_log where sim_date = %s and (%s::text is null or table_name = %s) order by change_id""",
        (day, table, table),
    )
    names = ["change_id", "sim_date", "table_name", "key", "operation", "changed_at", "before", "after"]
    return [dict(zip(names, row, strict=True)) for row in rows]


def _key_json(table: str, alias: str) -> str:
    return "jsonb_build_object(" + ", ".join(f"'{column}', {alias}.{column}" for column in KEYS[table]) + ")"


# -- every change is in the truth log --------------------------------------------------------------------------


@pytest.mark.parametrize("number", range(1, DAYS + 1))
def test_tables_after_a_day_are_the_tables_before_plus_the_logged_changes(history: History, number: int) -> None:
    day = FIRST_DAY + timedelta(days=number - 1)
    problems = []
    for table in TABLES:
        rows = _query(
            history.loc,
            f"""
            with day_log as (
                select change_id, key, operation, after from demo.truth_log
                where table_name = %(table)s and sim_date = %(day)s
            ),
            last_change as (
                select distinct on (key) key, operation, after from day_log order by key, change_id desc
            ),
            before_day as (
                select {_key_json(table, "snap")} as key, to_jsonb(snap) as row_data
                from {history.snapshot(day)}.{table} as snap
            ),
            expected as (
                select row_data from before_day
                where not exists (select from last_change where last_change.key = before_day.key)
                union all
                select after from last_change where operation <> 'delete'
            ),
            after_day as (select to_jsonb(now_row) as row_data from {history.state_after(day)}.{table} as now_row)
            select 'in the table but not explained by the log', row_data
            from (select row_data from after_day except all select row_data from expected) as unexplained
            union all
            select 'in the log but not in the table', row_data
            from (select row_data from expected except all select row_data from after_day) as missing
            limit 5""",
            {"table": table, "day": day},
        )
        problems += [(table, problem, row) for problem, row in rows]
    assert problems == []


@pytest.mark.parametrize("number", range(1, DAYS + 1))
def test_each_logged_before_is_the_row_as_it_was(history: History, number: int) -> None:
    day = FIRST_DAY + timedelta(days=number - 1)
    problems = []
    for table in TABLES:
        problems += _query(
            history.loc,
            f"""
            with chained as (
                select
                    change_id, key, operation, before,
                    lag(after) over by_key as previous_after,
                    lag(change_id) over by_key as previous_id
                from demo.truth_log
                where table_name = %(table)s and sim_date = %(day)s
                window by_key as (partition by key order by change_id)
            ),
            before_day as (
                select {_key_json(table, "snap")} as key, to_jsonb(snap) as row_data
                from {history.snapshot(day)}.{table} as snap
            )
            select %(table)s, chained.change_id, chained.operation from chained
            left join before_day on before_day.key = chained.key
            where chained.before is distinct from
                case when chained.previous_id is null then before_day.row_data else chained.previous_after end
            limit 5""",
            {"table": table, "day": day},
        )
    assert problems == []


@pytest.mark.parametrize("number", range(1, DAYS + 1))
def test_changes_are_stamped_in_order_within_their_day(history: History, number: int) -> None:
    day = FIRST_DAY + timedelta(days=number - 1)
    changes = _log(history.loc, day)
    assert changes, f"nothing logged on {day}"
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    previous = None
    written = []
    for change in changes:
        assert start <= change["changed_at"] < start + timedelta(days=1), change
        if previous is not None:
            same_delete = (
                change["operation"] == previous["operation"] == "delete"
                and change["table_name"] == previous["table_name"]
            )
            assert change["changed_at"] > previous["changed_at"] or (
                same_delete and change["changed_at"] == previous["changed_at"]
            ), (previous, change)
        if change["operation"] != "delete":
            after = change["after"]
            assert datetime.fromisoformat(after["updated_at"]) == change["changed_at"], change
            written.append(change["changed_at"])
            if change["operation"] == "insert":
                assert after["created_at"] == after["updated_at"], change
            else:
                assert after["created_at"] == change["before"]["created_at"], change
                assert after["updated_at"] > change["before"]["updated_at"], change
                assert {name for name in after if after[name] != change["before"][name]} - {"updated_at"}, change
        previous = change
    assert len(written) == len(set(written)), "two rows were written at the same simulated time"
    assert {
        change["key"] == {name: change["key"][name] for name in KEYS[change["table_name"]]} for change in changes
    } == {True}


def test_updated_at_never_decreases_for_a_key(history: History) -> None:
    decreasing = _query(
        history.loc,
        """
        select table_name, key from (
            select table_name, key, changed_at, lag(changed_at) over (partition by table_name, key order by change_id)
                as previous
            from demo.truth_log
        ) as ordered
        where changed_at <= previous""",
    )
    assert decreasing == []
    outside = _query(history.loc, "select count(*) from demo.truth_log where sim_date is null")[0][0]
    assert outside == 0


# -- business rules -----------------------------------------------------------------------------------------


def test_order_status_follows_its_lines_and_line_status_follows_shipping(history: History) -> None:
    loc = history.loc
    inconsistent = _query(
        loc,
        f"""
        select o_orderkey, o_orderstatus from {SOURCE_SCHEMA}.orders
        inner join {SOURCE_SCHEMA}.lineitem on l_orderkey = o_orderkey
        group by o_orderkey, o_orderstatus
        having o_orderstatus <> case when bool_and(l_linestatus = 'F') then 'F'
                                     when bool_and(l_linestatus = 'O') then 'O' else 'P' end
        limit 5""",
    )
    assert inconsistent == []
    orphans = _query(
        loc,
        f"""
        select 'order without lines', o_orderkey from {SOURCE_SCHEMA}.orders
        where not exists (select from {SOURCE_SCHEMA}.lineitem where l_orderkey = o_orderkey)
        union all
        select 'line without order', l_orderkey from {SOURCE_SCHEMA}.lineitem
        where not exists (select from {SOURCE_SCHEMA}.orders where o_orderkey = l_orderkey)""",
    )
    assert orphans == []
    wrong = _query(
        loc,
        f"""
        select l_orderkey, l_linenumber, l_linestatus, l_returnflag, l_shipdate, l_receiptdate
        from {SOURCE_SCHEMA}.lineitem
        where l_orderkey > %s and not (
            (l_linestatus = 'F') = (l_shipdate is not null)
            and (l_returnflag = 'N') = (l_receiptdate is null)
            and l_returnflag in ('N', 'A', 'R')
            and (l_receiptdate is null or l_shipdate is not null))
        limit 5""",
        (history.base_max_orderkey,),
    )
    assert wrong == []
    unshipped_base = _query(
        loc,
        f"""
        select count(*) from {SOURCE_SCHEMA}.lineitem
        where l_orderkey <= %s and (l_shipdate is null or l_receiptdate is null)""",
        (history.base_max_orderkey,),
    )
    assert unshipped_base == [(0,)]


def test_keys_are_unique_and_only_open_events_are_null(history: History) -> None:
    for table in TABLES:
        keys = ", ".join(KEYS[table])
        duplicates = _query(
            history.loc, f"select {keys} from {SOURCE_SCHEMA}.{table} group by {keys} having count(*) > 1 limit 5"
        )
        assert duplicates == [], table
    nullable = _query(
        history.loc,
        """
        select table_name || '.' || column_name from information_schema.columns
        where table_schema = %s and is_nullable = 'YES' order by 1""",
        (SOURCE_SCHEMA,),
    )
    assert {name for (name,) in nullable} == {
        "lineitem.l_shipdate",
        "lineitem.l_receiptdate",
        "lineitem.l_comment",
        "orders.o_comment",
        "customer.c_comment",
        "supplier.s_comment",
        "part.p_comment",
        "partsupp.ps_comment",
        "nation.n_comment",
        "region.r_comment",
    }
    null_comments = _query(
        history.loc,
        """
        select count(*) from demo.truth_log, jsonb_each(after) as field (name, value)
        where after is not null and value = 'null'::jsonb and name not in ('l_shipdate', 'l_receiptdate')""",
    )
    assert null_comments == [(0,)]


def test_logged_status_transitions_only_move_forward(history: History) -> None:
    seen: Counter[str] = Counter()
    for day in history.days:
        for change in _log(history.loc, day, "orders"):
            if change["operation"] == "update":
                move = change["before"]["o_orderstatus"] + change["after"]["o_orderstatus"]
                assert move in ("OP", "OF", "PF"), change
                seen[move] += 1
        for change in _log(history.loc, day, "lineitem"):
            if change["operation"] != "update":
                continue
            before, after = change["before"], change["after"]
            moved = {name for name in after if after[name] != before[name]} - {"updated_at"}
            if moved == {"l_shipdate", "l_linestatus"}:
                assert (before["l_shipdate"], before["l_linestatus"]) == (None, "O"), change
                assert (after["l_shipdate"], after["l_linestatus"]) == (day.isoformat(), "F"), change
                seen["shipped"] += 1
            else:
                assert moved == {"l_receiptdate", "l_returnflag"}, change
                assert (before["l_receiptdate"], before["l_returnflag"]) == (None, "N"), change
                assert after["l_receiptdate"] == day.isoformat() and after["l_returnflag"] in "AR", change
                assert before["l_shipdate"] < day.isoformat(), change
                seen["received " + after["l_returnflag"]] += 1
    assert set(seen) == {"OP", "OF", "PF", "shipped", "received A", "received R"}, seen


def test_dates_never_precede_the_order(history: History) -> None:
    wrong = _query(
        history.loc,
        f"""
        select l_orderkey, l_linenumber, o_orderdate, l_shipdate, l_commitdate, l_receiptdate
        from {SOURCE_SCHEMA}.lineitem inner join {SOURCE_SCHEMA}.orders on o_orderkey = l_orderkey
        where l_shipdate < o_orderdate or l_receiptdate < l_shipdate
           or (l_orderkey > %(base)s and (
                l_commitdate not between o_orderdate + 30 and o_orderdate + 90
                or l_shipdate <= o_orderdate or l_shipdate > %(last)s or l_receiptdate > %(last)s))
        limit 5""",
        {"base": history.base_max_orderkey, "last": history.days[-1]},
    )
    assert wrong == []


def test_new_orders_have_the_tpch_refresh_shape(history: History) -> None:
    loc = history.loc
    orders = _query(
        loc,
        f"""
        select o_orderkey, o_custkey, o_orderstatus, o_orderdate, o_orderpriority, o_clerk, o_shippriority,
               o_totalprice, created_at
        from {SOURCE_SCHEMA}.orders where o_orderkey > %s order by o_orderkey""",
        (history.base_max_orderkey,),
    )
    per_day = Counter(created_at.date() for *_, created_at in orders)
    assert set(per_day) == set(history.days)
    assert all(10 <= count <= 20 for count in per_day.values()), per_day
    assert [key for key, *_ in orders] == list(
        range(history.base_max_orderkey + 1, history.base_max_orderkey + 1 + len(orders))
    )
    entered = [created_at for *_, created_at in orders]
    assert entered == sorted(set(entered)), "new order keys are not given in the order the orders were entered"
    lines_entered = [
        created_at
        for (created_at,) in _query(
            loc,
            f"""
        select created_at from {SOURCE_SCHEMA}.lineitem where l_orderkey > %s order by l_orderkey, l_linenumber""",
            (history.base_max_orderkey,),
        )
    ]
    assert lines_entered == sorted(set(lines_entered))
    late = [
        (order_date, created_at) for _, _, _, order_date, *_, created_at in orders if order_date != created_at.date()
    ]
    assert late, "no late-arriving order (order date in the past)"
    assert all(1 <= (created_at.date() - order_date).days <= 5 for order_date, created_at in late), late
    assert len(late) < len(orders) / 4
    for _, _, status, _, priority, clerk, ship_priority, _, _ in orders:
        assert status in "OPF" and priority in simulator.PRIORITIES and ship_priority == 0
        assert clerk.startswith("Clerk#") and len(clerk) == 15
    wrong_totals = _query(
        loc,
        f"""
        select o_orderkey, o_totalprice, round(sum(l_extendedprice * (1 + l_tax) * (1 - l_discount)), 2)
        from {SOURCE_SCHEMA}.orders inner join {SOURCE_SCHEMA}.lineitem on l_orderkey = o_orderkey
        where o_orderkey > %s group by o_orderkey, o_totalprice
        having o_totalprice <> round(sum(l_extendedprice * (1 + l_tax) * (1 - l_discount)), 2)
            or count(*) not between 1 and 7""",
        (history.base_max_orderkey,),
    )
    assert wrong_totals == []
    wrong_lines = _query(
        loc,
        f"""
        with prices as (
            select p_partkey as partkey, p_retailprice as price from {SOURCE_SCHEMA}.part
            union
            select (row_data ->> 'p_partkey')::int, (row_data ->> 'p_retailprice')::numeric
            from demo.truth_log cross join lateral (values (before), (after)) as versions (row_data)
            where table_name = 'part' and row_data is not null
        )
        select l_orderkey, l_linenumber from {SOURCE_SCHEMA}.lineitem
        where l_orderkey > %s and (
            l_quantity not between 1 and 50 or l_discount not between 0 and 0.10 or l_tax not between 0 and 0.08
            or l_quantity <> trunc(l_quantity)
            or l_shipinstruct <> all(%s) or l_shipmode <> all(%s)
            or not exists (select from {SOURCE_SCHEMA}.partsupp
                           where ps_partkey = l_partkey and ps_suppkey = l_suppkey)
            or not exists (select from prices where partkey = l_partkey and price * l_quantity = l_extendedprice))
        limit 5""",
        (history.base_max_orderkey, list(simulator.SHIP_INSTRUCTIONS), list(simulator.SHIP_MODES)),
    )
    assert wrong_lines == []
    invalid_customers = _query(
        loc,
        f"""
        select o_orderkey, o_custkey from {SOURCE_SCHEMA}.orders where o_orderkey > %s
        and not exists (select from {SOURCE_SCHEMA}.customer where c_custkey = o_custkey)
        and not exists (select from demo.pending_customer where c_custkey = o_custkey)
        and not exists (select from demo.truth_log
                        where table_name = 'customer' and operation = 'delete'
                          and (key ->> 'c_custkey')::int = o_custkey)""",
        (history.base_max_orderkey,),
    )
    assert invalid_customers == []


def test_inserted_rows_start_open(history: History) -> None:
    for day in history.days:
        for change in _log(history.loc, day, "lineitem"):
            if change["operation"] == "insert":
                after = change["after"]
                assert (after["l_linestatus"], after["l_returnflag"]) == ("O", "N"), change
                assert after["l_shipdate"] is None and after["l_receiptdate"] is None, change
        for change in _log(history.loc, day, "orders"):
            if change["operation"] == "insert":
                assert change["after"]["o_orderstatus"] == "O", change


def test_new_lines_take_their_quantity_from_stock(history: History) -> None:
    """Partsupp updates during the order waves (09:00-17:00) take exactly the quantities of that day's lines."""
    for day in history.days:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        ordered: Counter[tuple[int, int]] = Counter()
        taken: Counter[tuple[int, int]] = Counter()
        for change in _log(history.loc, day, "lineitem"):
            if change["operation"] == "insert":
                after = change["after"]
                ordered[after["l_partkey"], after["l_suppkey"]] += int(after["l_quantity"])
        for change in _log(history.loc, day, "partsupp"):
            if start + timedelta(hours=9) <= change["changed_at"] < start + timedelta(hours=17):
                pair = (change["key"]["ps_partkey"], change["key"]["ps_suppkey"])
                taken[pair] += change["before"]["ps_availqty"] - change["after"]["ps_availqty"]
        assert ordered and taken == ordered, day


def test_late_arriving_customers_arrive_the_next_day(history: History) -> None:
    for day, next_day in zip(history.days, history.days[1:], strict=False):
        missing = history.missing_customers[day]
        assert len(missing) == 1, (day, missing)
        arrived = {
            change["key"]["c_custkey"]
            for change in _log(history.loc, next_day, "customer")
            if change["operation"] == "insert"
        }
        assert missing <= arrived, (day, missing, arrived)
        present = _query(
            history.loc,
            f"select c_custkey from {history.state_after(next_day)}.customer where c_custkey = any(%s)",
            (sorted(missing),),
        )
        assert {key for (key,) in present} == missing
    last = history.days[-1]
    pending = _query(history.loc, "select c_custkey, arrives_on from demo.pending_customer")
    assert {key for key, _ in pending} == history.missing_customers[last]
    assert {arrives_on for _, arrives_on in pending} == {last + timedelta(days=1)}


def test_purges_and_customer_deletes_happen_every_day(history: History) -> None:
    for day in history.days:
        deleted: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for change in _log(history.loc, day):
            if change["operation"] == "delete":
                deleted[change["table_name"]].append(change)
        assert set(deleted) == {"orders", "lineitem", "customer"}, day
        purged = {change["key"]["o_orderkey"] for change in deleted["orders"]}
        assert len(purged) == 3 and all(change["before"]["o_orderstatus"] == "F" for change in deleted["orders"])
        assert {change["key"]["l_orderkey"] for change in deleted["lineitem"]} == purged
        before_lines = _query(
            history.loc,
            f"select count(*) from {history.snapshot(day)}.lineitem where l_orderkey = any(%s)",
            (sorted(purged),),
        )[0][0]
        assert len(deleted["lineitem"]) == before_lines
        gone = sorted(change["key"]["c_custkey"] for change in deleted["customer"])
        open_orders = _query(
            history.loc,
            f"select o_orderkey from {history.state_after(day)}.orders "
            f"where o_custkey = any(%s) and o_orderstatus <> 'F'",
            (gone,),
        )
        assert open_orders == []


def test_entities_change_and_some_change_twice_a_day(history: History) -> None:
    for day in history.days:
        updates: dict[str, Counter[str]] = defaultdict(Counter)
        for change in _log(history.loc, day):
            if change["operation"] == "update":
                updates[change["table_name"]][json.dumps(change["key"], sort_keys=True)] += 1
        for table in ("customer", "supplier", "part", "partsupp"):
            assert updates[table], (day, table)
            assert max(updates[table].values()) >= 2, (day, table)
        assert "region" not in updates and "nation" not in updates


# -- determinism ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def twin() -> Iterator[Location]:
    loc = _new_location("twin")
    try:
        demo_source.init(SCALE_FACTOR, SEED, loc=loc)
        yield loc
    finally:
        _drop(loc)


def test_same_seed_gives_the_same_source_and_two_days_equal_one_plus_one(history: History, twin: Location) -> None:
    assert [report.sim_date for report in simulator.advance(2, loc=twin)] == history.days[:2]
    assert demo_source.checksums(loc=twin) == history.checksums[history.days[1]]
    simulator.advance(1, seed=SEED + 1, loc=twin)
    other = demo_source.checksums(loc=twin)
    expected = history.checksums[history.days[2]]
    assert other["clock"] == expected["clock"]
    assert all(other[table] != expected[table] for table in ("orders", "lineitem", "customer", "truth_log"))


def test_changes_outside_the_simulator_are_logged_too(twin: Location) -> None:
    with contextlib.closing(connect(twin)) as conn, conn.cursor() as cur:
        cur.execute(f"update {SOURCE_SCHEMA}.nation set n_comment = 'changed by hand' where n_nationkey = 0")
        with pytest.raises(psycopg2.Error, match="truth_log"):
            cur.execute(f"truncate {SOURCE_SCHEMA}.region")
        conn.rollback()
    assert _query(twin, "select count(*) from demo.truth_log where table_name = 'nation'") == [(0,)]
    with contextlib.closing(connect(twin, autocommit=True)) as conn, conn.cursor() as cur:
        cur.execute(f"update {SOURCE_SCHEMA}.nation set n_comment = 'changed by hand' where n_nationkey = 0")
    logged = truth_log.changes("nation", loc=twin)
    assert [(change.sim_date, change.operation, change.key) for change in logged] == [
        (None, "update", {"n_nationkey": 0})
    ]
    assert logged[0].after["n_comment"] == "changed by hand"


# -- refusals and the command line ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def foreign() -> Iterator[Location]:
    """A database with a tpch schema that the demo source did not create."""
    loc = _new_location("foreign")
    try:
        with contextlib.closing(connect(loc, autocommit=True)) as conn, conn.cursor() as cur:
            cur.execute(f"create schema {SOURCE_SCHEMA}")
            cur.execute(f"create table {SOURCE_SCHEMA}.orders (o_orderkey bigint primary key)")
        yield loc
    finally:
        _drop(loc)


@pytest.mark.parametrize("days", [0, -1])
def test_refuses_a_day_count_below_one(history: History, days: int) -> None:
    with pytest.raises(IngestError, match=f"at least 1, got {days}"):
        simulator.advance(days, loc=history.loc)


def test_refuses_unknown_tables(history: History) -> None:
    with pytest.raises(IngestError, match="unknown table 'ordres': expected one of region, nation"):
        demo_source.checksums(["orders", "ordres"], loc=history.loc)
    with pytest.raises(IngestError, match="unknown table 'truth_log'"):
        truth_log.changes("truth_log", loc=history.loc)


def test_refuses_a_source_it_did_not_create(foreign: Location) -> None:
    with pytest.raises(IngestError, match="refuses to change a source it did not create"):
        simulator.advance(1, loc=foreign)
    assert _query(foreign, "select count(*) from pg_namespace where nspname = 'demo'") == [(0,)]


def test_command_line(
    history: History, foreign: Location, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOURCE_DBNAME", foreign.dbname)
    assert demo_source.main(["advance"]) == 1
    assert "refuses to change a source it did not create" in capsys.readouterr().err
    assert demo_source.main(["advance", "--days", "0"]) == 1
    assert "error: the number of days to advance must be a whole number of at least 1, got 0" in capsys.readouterr().err
    monkeypatch.setenv("SOURCE_DBNAME", history.loc.dbname)
    assert demo_source.main(["status"]) == 0
    out = capsys.readouterr().out
    assert f"simulated date: {history.days[-1]} (day {DAYS})" in out
    counts = dict(_query(history.loc, "select operation, count(*) from demo.truth_log group by 1"))
    assert f"delete {counts['delete']}, insert {counts['insert']}, update {counts['update']}" in out
