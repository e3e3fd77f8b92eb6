"""The demo source's business simulator: moves TPC-H forward one deterministic business day at a time.

Command line (through the demo source)::

    python demo/source.py advance [--days N] [--seed S]

Day 1 is 1998-08-03, the day after the last TPC-H order date; each call continues after the day stored in
``demo.clock``. Day ``d`` draws every random choice from its own generator, seeded with ``(seed, d)``, and
reads the source in key order, so the same seed and the same starting source give a byte-identical source
(and advancing two days at once equals advancing one day twice). Each day is one transaction.

What a day does, at scale factor 0.01 (every figure scales linearly with the scale factor, at least 1),
in the order of its simulated clock (UTC):

=========  ===================================================================================================
00:00      late-arriving customers: rows of customers that yesterday's orders already reference arrive
01:00      purge (TPC-H RF2 shape): the 3 closed orders with the lowest keys and all their lines, hard-deleted
06:00      receipts: shipped lines arrive (receipt date, return flag 'R' for some, else 'A')
07:00      shipments: open lines ship (ship date, line status 'F'); then order statuses follow their lines
09:00      about 15 new orders in hourly waves (TPC-H RF1 shape): headers, their 1-7 lines, then the stock
           (partsupp.ps_availqty) they take; about 10% carry an order date 1-5 days back (late-arriving facts)
           and one references a brand-new customer whose row reaches tpch.customer only the next day
17:00      restocks of partsupp rows (random ones and those running low)
18:00      attribute changes: customers, suppliers, parts, partsupp rows
21:00      second changes the same day for some of the entities changed at 18:00
23:00      customer deletes (customers without open orders), hard-deleted
=========  ===================================================================================================

Every inserted or updated row gets ``updated_at`` (and ``created_at`` for an insert) = a simulated time of
that day; times are microsecond-distinct and strictly increase in the order the changes are made, so
``updated_at`` never decreases for a key.

Every change is recorded in ``demo.truth_log`` by the triggers of demo/truth_log.py, which :func:`install`
puts in place. The simulator tells them the simulated day and the time of a delete through the
transaction-local settings ``demo.sim_date`` and ``demo.sim_time``.
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import psycopg2
from psycopg2.extras import execute_values

from demo import truth_log
from demo.tables import COLUMN_TYPES, COLUMNS, DEMO_SCHEMA, PRIMARY_KEYS, require_demo_source
from ingest.config import SOURCE_SCHEMA, Location, location
from ingest.db import connect
from ingest.errors import IngestError

log = logging.getLogger(__name__)

Cursor = psycopg2.extensions.cursor
Row = dict[str, Any]

LAST_TPCH_ORDER_DATE = date(1998, 8, 2)
"""The last o_orderdate TPC-H generates; simulated day 1 is the day after."""

BASE_SCALE_FACTOR = 0.01
"""The scale factor at which the PER_DAY figures hold."""

PER_DAY: dict[str, int] = {
    "new_orders": 15,
    "late_customer_orders": 1,
    "purged_orders": 3,
    "restocks": 4,
    "customer_changes": 6,
    "supplier_changes": 2,
    "part_changes": 4,
    "partsupp_changes": 6,
    "customer_deletes": 1,
}
"""What one simulated day does at scale factor 0.01; scaled linearly, at least 1 of each."""

LATE_ORDER_SHARE = 0.10
"""Share of new orders entered today with an order date 1-5 days back."""
SHIP_CHANCE = 0.35
"""Chance that an open line entered on an earlier day ships today."""
RECEIPT_CHANCE = 0.40
"""Chance that a line shipped on an earlier day is received today."""
RETURN_CHANCE = 0.15
"""Chance that a received line is returned (return flag 'R' rather than 'A')."""
SECOND_CHANGE_SHARE = 1 / 3
"""Share (at least one) of the entities changed at 18:00 that change again at 21:00."""
LOW_STOCK = 1000
"""A partsupp row that an order takes below this available quantity is restocked the same day."""
ORDER_WAVES = 8
"""New orders arrive in this many hourly waves from 09:00."""

PRIORITIES = ("1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW")
SHIP_INSTRUCTIONS = ("DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN")
SHIP_MODES = ("REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB")
SEGMENTS = ("AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY", "HOUSEHOLD")
CONTAINERS = tuple(
    f"{size} {kind}"
    for size in ("SM", "LG", "MED", "JUMBO", "WRAP")
    for kind in ("CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM")
)
NATIONS = 25
"""TPC-H's nations are keys 0-24; a phone number's country code is the nation key + 10."""
ADDRESS_CHARACTERS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ,. "
COMMENT_WORDS = (
    "furiously",
    "slyly",
    "carefully",
    "blithely",
    "quickly",
    "fluffily",
    "regular",
    "final",
    "ironic",
    "even",
    "bold",
    "silent",
    "pending",
    "express",
    "special",
    "unusual",
    "packages",
    "requests",
    "accounts",
    "deposits",
    "foxes",
    "ideas",
    "theodolites",
    "pinto",
    "beans",
    "instructions",
    "dependencies",
    "excuses",
    "platelets",
    "asymptotes",
    "courts",
    "dolphins",
    "sleep",
    "wake",
    "are",
    "cajole",
    "haggle",
    "nag",
    "use",
    "boost",
    "affix",
    "detect",
    "integrate",
    "maintain",
    "nod",
    "among",
    "above",
    "across",
    "after",
    "against",
    "along",
    "around",
)
"""Words of generated comments (from TPC-H's text grammar)."""

CENT = Decimal("0.01")
MIN_BALANCE, MAX_BALANCE = Decimal("-999.99"), Decimal("9999.99")


MUTABLE_COLUMNS: dict[str, list[str]] = {
    "customer": ["c_address", "c_nationkey", "c_phone", "c_mktsegment"],
    "supplier": ["s_address", "s_nationkey", "s_phone", "s_acctbal"],
    "part": ["p_retailprice", "p_container", "p_size"],
    "partsupp": ["ps_availqty", "ps_supplycost"],
}
"""The attributes the simulator's entity changes may touch."""


# -- installation -----------------------------------------------------------------------------------------

_STATE_SQL = f"""
create table if not exists {DEMO_SCHEMA}.clock (sim_date date);
create unique index if not exists clock_one_row_idx on {DEMO_SCHEMA}.clock ((true));
insert into {DEMO_SCHEMA}.clock (sim_date) select null where not exists (select from {DEMO_SCHEMA}.clock);
comment on table {DEMO_SCHEMA}.clock is
    'The last simulated business day: one row, NULL until the first `python demo/source.py advance`.';
comment on column {DEMO_SCHEMA}.clock.sim_date is 'The last day the simulator completed; day 1 is 1998-08-03.';

create table if not exists {DEMO_SCHEMA}.pending_customer (
    {COLUMNS["customer"]},
    arrives_on date not null
);
comment on table {DEMO_SCHEMA}.pending_customer is
    'Late-arriving dimension rows: customers an order already references whose row reaches '
    '{SOURCE_SCHEMA}.customer only on arrives_on (one row per customer, removed when it arrives).';
comment on column {DEMO_SCHEMA}.pending_customer.arrives_on is
    'The simulated day on which the row is inserted into {SOURCE_SCHEMA}.customer.';
"""

_OPEN_LINES_INDEX = (
    f"create index if not exists lineitem_open_idx on {SOURCE_SCHEMA}.lineitem (l_orderkey, l_linenumber) "
    "where l_receiptdate is null"
)
"""Finds the simulator's not yet received lines without reading the whole lineitem table (base lines all
have a receipt date, so the index holds only the simulator's open lines)."""


def install(cur: Cursor) -> None:
    """Create (or bring up to date) the truth log and its triggers, the clock and the pending customers.

    Idempotent; ``demo.source.init`` calls it for a new source and :func:`advance` before every run (a source
    an older version created gets what it lacks). The index is created only when missing: creating it locks the
    table against autovacuum, which yields only after ``deadlock_timeout`` (seconds at SF 1).
    """
    truth_log.install(cur)
    cur.execute(_STATE_SQL)
    cur.execute("select to_regclass(%s) is null", (f"{SOURCE_SCHEMA}.lineitem_open_idx",))
    if cur.fetchone()[0]:
        cur.execute(_OPEN_LINES_INDEX)


# -- reading ----------------------------------------------------------------------------------------------


def simulated_date(cur: Cursor) -> date | None:
    """The last simulated day, or None before day 1 (or before the simulator was installed)."""
    cur.execute("select to_regclass(%s) is not null", (f"{DEMO_SCHEMA}.clock",))
    if not cur.fetchone()[0]:
        return None
    cur.execute(f"select max(sim_date) from {DEMO_SCHEMA}.clock")
    return cur.fetchone()[0]


# -- the simulated clock -----------------------------------------------------------------------------------

MICROSECONDS_PER_DAY = 86_400_000_000


class Clock:
    """Hands out the simulated times of one day: microsecond-distinct, strictly increasing, all in the day."""

    def __init__(self, day: date, rng: random.Random) -> None:
        self._midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        self._next = 0
        self._rng = rng

    def at(self, hour: float) -> None:
        """Move the clock to ``hour`` of the day, unless it is already later."""
        self._next = max(self._next, int(hour * 3_600_000_000))

    def stamps(self, count: int, minutes: float) -> list[datetime]:
        """``count`` strictly increasing random times within the next ``minutes``; the clock moves past them."""
        end = self._next + max(int(minutes * 60_000_000), count)
        if end > MICROSECONDS_PER_DAY:
            raise IngestError(f"the simulated day {self._midnight.date()} ran out of time for {count} changes")
        offsets = sorted(self._rng.sample(range(self._next, end), count))
        self._next = end
        return [self._midnight + timedelta(microseconds=offset) for offset in offsets]

    def instant(self, minutes: float = 1) -> datetime:
        """One simulated time within the next ``minutes`` (the time of a delete statement)."""
        return self.stamps(1, minutes)[0]


# -- one simulated day -------------------------------------------------------------------------------------


@dataclass
class DayReport:
    """What one simulated day did: counts per event, the truth log rows it wrote, and how long it took."""

    sim_date: date
    day_number: int
    events: dict[str, int] = field(default_factory=dict)
    logged_changes: int = 0
    seconds: float = 0.0

    def describe(self) -> str:
        events = ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in self.events.items())
        return (
            f"{self.sim_date} (day {self.day_number}): {events}; "
            f"{self.logged_changes} changes logged in {self.seconds:.2f} s"
        )


def _scaled(figure: int, scale_factor: float) -> int:
    return max(1, round(figure * scale_factor / BASE_SCALE_FACTOR))


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class _Day:
    """The events of one simulated day, applied through set-based statements on one cursor."""

    def __init__(self, cur: Cursor, sim_date: date, seed: int, scale_factor: float) -> None:
        self.cur = cur
        self.sim_date = sim_date
        self.day_number = (sim_date - LAST_TPCH_ORDER_DATE).days
        self.rng = random.Random(f"tpch-demo:{seed}:{self.day_number}")
        self.clock = Clock(sim_date, self.rng)
        self.scale_factor = scale_factor
        self.report = DayReport(sim_date, self.day_number)
        self.customers: list[int] = []
        self.parts: list[int] = []

    # helpers ------------------------------------------------------------------------------------------
    def count(self, name: str) -> int:
        return _scaled(PER_DAY[name], self.scale_factor)

    def note(self, event: str, count: int) -> None:
        self.report.events[event] = self.report.events.get(event, 0) + count

    def rows(self, query: str, params: Sequence[Any] = ()) -> list[Row]:
        self.cur.execute(query, params)
        names = [column.name for column in self.cur.description]
        return [dict(zip(names, values, strict=True)) for values in self.cur.fetchall()]

    def insert(self, table: str, rows: list[Row], stamps: list[datetime]) -> None:
        """Insert ``rows`` (all with the same columns), the i-th created and updated at ``stamps[i]``."""
        if not rows:
            return
        names = [*rows[0], "created_at", "updated_at"]
        values = [(*row.values(), stamp, stamp) for row, stamp in zip(rows, stamps, strict=True)]
        execute_values(
            self.cur,
            f"insert into {SOURCE_SCHEMA}.{table} ({', '.join(names)}) values %s",
            values,
            page_size=len(values),
        )

    def update(self, table: str, rows: list[Row], stamps: list[datetime]) -> None:
        """Update rows by primary key: each dict holds the key and the new values of the same columns."""
        if not rows:
            return
        keys = PRIMARY_KEYS[table]
        columns = [name for name in rows[0] if name not in keys]
        names = [*keys, *columns, "updated_at"]
        types = {**COLUMN_TYPES[table], "updated_at": "timestamptz"}
        template = "(" + ", ".join(f"%s::{types[name]}" for name in names) + ")"
        values = [(*(row[name] for name in names[:-1]), stamp) for row, stamp in zip(rows, stamps, strict=True)]
        assignments = ", ".join(f"{name} = changed.{name}" for name in [*columns, "updated_at"])
        matches = " and ".join(f"target.{name} = changed.{name}" for name in keys)
        execute_values(
            self.cur,
            f"update {SOURCE_SCHEMA}.{table} as target set {assignments} "
            f"from (values %s) as changed ({', '.join(names)}) where {matches}",
            values,
            template=template,
            page_size=len(values),
        )
        if self.cur.rowcount != len(rows):
            raise IngestError(
                f"the simulator meant to update {len(rows)} rows of {SOURCE_SCHEMA}.{table} "
                f"on {self.sim_date} but {self.cur.rowcount} matched"
            )

    def delete(self, table: str, condition: str, params: Sequence[Any]) -> int:
        """Delete the rows matching ``condition``, all at one simulated instant (a delete writes no updated_at)."""
        self.cur.execute("select set_config('demo.sim_time', %s, true)", (self.clock.instant().isoformat(),))
        self.cur.execute(f"delete from {SOURCE_SCHEMA}.{table} where {condition}", params)
        return self.cur.rowcount

    def address(self) -> str:
        return "".join(self.rng.choice(ADDRESS_CHARACTERS) for _ in range(self.rng.randint(10, 40))).strip()

    def phone(self, nation: int) -> str:
        rng = self.rng
        return f"{nation + 10}-{rng.randint(100, 999)}-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"

    def comment(self, max_length: int) -> str:
        words: list[str] = []
        while len(" ".join(words)) < max_length // 2:
            words.append(self.rng.choice(COMMENT_WORDS))
        return " ".join(words)[:max_length]

    def other(self, choices: Sequence[Any], current: Any) -> Any:
        """A random choice different from ``current``."""
        return self.rng.choice([choice for choice in choices if choice != current])

    def random_partsupp(self, count: int) -> list[tuple[int, int]]:
        """``count`` distinct random (partkey, suppkey) pairs that exist in partsupp."""
        chosen = self.rng.sample(self.parts, min(count, len(self.parts)))
        suppliers = self.suppliers_of(chosen)
        return [(part, self.rng.choice(suppliers[part])[0]) for part in chosen if suppliers[part]]

    def suppliers_of(self, parts: Iterable[int]) -> dict[int, list[tuple[int, Decimal]]]:
        """partkey -> [(suppkey, the part's current retail price)] in suppkey order."""
        found: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
        self.cur.execute(
            f"select ps_partkey, ps_suppkey, p_retailprice from {SOURCE_SCHEMA}.partsupp "
            f"inner join {SOURCE_SCHEMA}.part on p_partkey = ps_partkey "
            f"where ps_partkey = any(%s::integer[]) order by ps_partkey, ps_suppkey",
            (sorted(set(parts)),),
        )
        for part, supplier, price in self.cur.fetchall():
            found[part].append((supplier, price))
        return found

    # the day --------------------------------------------------------------------------------------------
    def run(self) -> DayReport:
        self.cur.execute("select set_config('demo.sim_date', %s, true)", (self.sim_date.isoformat(),))
        self.clock.at(0)
        self.arrive_customers()
        self.load_keys()
        self.clock.at(1)
        self.purge_orders()
        self.clock.at(6)
        self.receive_lines()
        self.clock.at(7)
        shipped_orders = self.ship_lines()
        self.update_order_statuses(shipped_orders)
        self.clock.at(9)
        taken = self.enter_orders()
        self.clock.at(17)
        self.restock(taken)
        self.clock.at(18)
        changed = {table: self.change_entities(table, self.pick_entities(table), 30) for table in MUTABLE_COLUMNS}
        for table, keys in changed.items():
            self.note(f"{table}_changed", len(keys))
        self.clock.at(21)
        for table, keys in changed.items():
            again = self.rng.sample(keys, min(len(keys), max(1, round(len(keys) * SECOND_CHANGE_SHARE))))
            self.note(f"{table}_changed_again", len(self.change_entities(table, again, 15)))
        self.clock.at(23)
        self.delete_customers()
        self.cur.execute(f"update {DEMO_SCHEMA}.clock set sim_date = %s", (self.sim_date,))
        return self.report

    def arrive_customers(self) -> None:
        """00:00: customers that yesterday's orders reference reach tpch.customer."""
        columns = list(COLUMN_TYPES["customer"])
        arriving = self.rows(
            f"select {', '.join(columns)} from {DEMO_SCHEMA}.pending_customer "
            f"where arrives_on <= %s order by c_custkey",
            (self.sim_date,),
        )
        self.insert("customer", arriving, self.clock.stamps(len(arriving), 30))
        self.cur.execute(f"delete from {DEMO_SCHEMA}.pending_customer where arrives_on <= %s", (self.sim_date,))
        self.note("late_customers_arrived", len(arriving))

    def load_keys(self) -> None:
        """The keys the day draws from: customers (after the arrivals) and parts that have suppliers."""
        self.cur.execute(f"select c_custkey from {SOURCE_SCHEMA}.customer order by c_custkey")
        self.customers = [key for (key,) in self.cur.fetchall()]
        self.cur.execute(
            f"select p_partkey from {SOURCE_SCHEMA}.part as part where exists "
            f"(select from {SOURCE_SCHEMA}.partsupp where ps_partkey = p_partkey) order by p_partkey"
        )
        self.parts = [key for (key,) in self.cur.fetchall()]

    def purge_orders(self) -> None:
        """01:00, TPC-H RF2: hard-delete the closed orders with the lowest keys, lines first."""
        self.cur.execute(
            f"select o_orderkey from {SOURCE_SCHEMA}.orders where o_orderstatus = 'F' order by o_orderkey limit %s",
            (self.count("purged_orders"),),
        )
        keys = [key for (key,) in self.cur.fetchall()]
        if keys:
            self.note("lines_purged", self.delete("lineitem", "l_orderkey = any(%s::bigint[])", (keys,)))
            self.note("orders_purged", self.delete("orders", "o_orderkey = any(%s::bigint[])", (keys,)))

    def receive_lines(self) -> None:
        """06:00: lines shipped on an earlier day are received; some are returned."""
        shipped = self.rows(
            f"select l_orderkey, l_linenumber from {SOURCE_SCHEMA}.lineitem "
            f"where l_receiptdate is null and l_shipdate < %s order by l_orderkey, l_linenumber",
            (self.sim_date,),
        )
        received = [
            {**line, "l_receiptdate": self.sim_date, "l_returnflag": "R" if self.rng.random() < RETURN_CHANCE else "A"}
            for line in shipped
            if self.rng.random() < RECEIPT_CHANCE
        ]
        self.update("lineitem", received, self.clock.stamps(len(received), 60))
        self.note("lines_received", len(received))
        self.note("lines_returned", sum(line["l_returnflag"] == "R" for line in received))

    def ship_lines(self) -> list[int]:
        """07:00: open lines entered on an earlier day ship (TPC-H: line status 'F' once shipped)."""
        midnight = datetime(self.sim_date.year, self.sim_date.month, self.sim_date.day, tzinfo=UTC)
        waiting = self.rows(
            f"select l_orderkey, l_linenumber from {SOURCE_SCHEMA}.lineitem "
            f"where l_receiptdate is null and l_shipdate is null and created_at < %s "
            f"order by l_orderkey, l_linenumber",
            (midnight,),
        )
        shipped = [
            {**line, "l_shipdate": self.sim_date, "l_linestatus": "F"}
            for line in waiting
            if self.rng.random() < SHIP_CHANCE
        ]
        self.update("lineitem", shipped, self.clock.stamps(len(shipped), 60))
        self.note("lines_shipped", len(shipped))
        return sorted({line["l_orderkey"] for line in shipped})

    def update_order_statuses(self, orders: list[int]) -> None:
        """Right after the shipments: 'F' when all of an order's lines are 'F', 'O' when all 'O', else 'P'."""
        if not orders:
            return
        statuses = self.rows(
            f"""select o_orderkey, o_orderstatus,
                       case when bool_and(l_linestatus = 'F') then 'F'
                            when bool_and(l_linestatus = 'O') then 'O'
                            else 'P' end as status
                from {SOURCE_SCHEMA}.orders inner join {SOURCE_SCHEMA}.lineitem on l_orderkey = o_orderkey
                where o_orderkey = any(%s::bigint[]) group by o_orderkey, o_orderstatus order by o_orderkey""",
            (orders,),
        )
        changed = [
            {"o_orderkey": row["o_orderkey"], "o_orderstatus": row["status"]}
            for row in statuses
            if row["status"] != row["o_orderstatus"]
        ]
        self.update("orders", changed, self.clock.stamps(len(changed), 30))
        self.note("orders_partly_shipped", sum(row["o_orderstatus"] == "P" for row in changed))
        self.note("orders_fulfilled", sum(row["o_orderstatus"] == "F" for row in changed))

    def new_customer(self, key: int) -> Row:
        nation = self.rng.randrange(NATIONS)
        return {
            "c_custkey": key,
            "c_name": f"Customer#{key:09d}",
            "c_address": self.address(),
            "c_nationkey": nation,
            "c_phone": self.phone(nation),
            "c_acctbal": Decimal(self.rng.randint(-99_999, 999_999)) / 100,
            "c_mktsegment": self.rng.choice(SEGMENTS),
            "c_comment": self.comment(117),
        }

    def plan_orders(self) -> tuple[list[Row], list[list[int]]]:
        """Order headers (without total price) and the parts of their lines, drawn from the day's RNG."""
        mean = self.count("new_orders")
        total = max(1, self.rng.randint(round(mean * 0.8), round(mean * 1.2)))
        self.cur.execute(f"select coalesce(max(o_orderkey), 0) from {SOURCE_SCHEMA}.orders")
        next_order = self.cur.fetchone()[0] + 1
        self.cur.execute(
            f"select greatest((select max(c_custkey) from {SOURCE_SCHEMA}.customer), "
            f"(select max(c_custkey) from {DEMO_SCHEMA}.pending_customer), 0)"
        )
        next_customer = self.cur.fetchone()[0] + 1
        newcomers = set(self.rng.sample(range(total), min(total, self.count("late_customer_orders"))))
        clerks = max(1, round(self.scale_factor * 1000))
        orders, parts = [], []
        pending: list[Row] = []
        for position in range(total):
            if position in newcomers:
                pending.append(self.new_customer(next_customer))
                customer, next_customer = next_customer, next_customer + 1
            else:
                customer = self.rng.choice(self.customers)
            late = self.rng.random() < LATE_ORDER_SHARE
            orders.append(
                {
                    "o_orderkey": next_order + position,
                    "o_custkey": customer,
                    "o_orderstatus": "O",
                    "o_orderdate": self.sim_date - timedelta(days=self.rng.randint(1, 5) if late else 0),
                    "o_orderpriority": self.rng.choice(PRIORITIES),
                    "o_clerk": f"Clerk#{self.rng.randint(1, clerks):09d}",
                    "o_shippriority": 0,
                    "o_comment": self.comment(79),
                }
            )
            parts.append(self.rng.sample(self.parts, min(len(self.parts), self.rng.randint(1, 7))))
            self.note("late_orders", int(late))
        if pending:
            execute_values(
                self.cur,
                f"insert into {DEMO_SCHEMA}.pending_customer ({', '.join(pending[0])}, arrives_on) values %s",
                [(*row.values(), self.sim_date + timedelta(days=1)) for row in pending],
            )
        self.note("orders_with_late_customer", len(pending))
        return orders, parts

    def plan_lines(self, order: Row, parts: list[int], suppliers: dict[int, list[tuple[int, Decimal]]]) -> list[Row]:
        """The lines of one new order; sets the order's total price by TPC-H's formula."""
        lines, total = [], Decimal(0)
        for number, part in enumerate(parts, start=1):
            supplier, price = self.rng.choice(suppliers[part])
            quantity = self.rng.randint(1, 50)
            discount = Decimal(self.rng.randint(0, 10)) / 100
            tax = Decimal(self.rng.randint(0, 8)) / 100
            extended = quantity * price
            total += extended * (1 + tax) * (1 - discount)
            lines.append(
                {
                    "l_orderkey": order["o_orderkey"],
                    "l_partkey": part,
                    "l_suppkey": supplier,
                    "l_linenumber": number,
                    "l_quantity": quantity,
                    "l_extendedprice": extended,
                    "l_discount": discount,
                    "l_tax": tax,
                    "l_returnflag": "N",
                    "l_linestatus": "O",
                    "l_shipdate": None,
                    "l_commitdate": order["o_orderdate"] + timedelta(days=self.rng.randint(30, 90)),
                    "l_receiptdate": None,
                    "l_shipinstruct": self.rng.choice(SHIP_INSTRUCTIONS),
                    "l_shipmode": self.rng.choice(SHIP_MODES),
                    "l_comment": self.comment(44),
                }
            )
        order["o_totalprice"] = _money(total)
        return lines

    def enter_orders(self) -> dict[tuple[int, int], int]:
        """09:00-17:00, TPC-H RF1: new orders in hourly waves; returns the stock left of each pair they took."""
        orders, parts = self.plan_orders()
        suppliers = self.suppliers_of(part for order_parts in parts for part in order_parts)
        lines = [
            self.plan_lines(order, order_parts, suppliers) for order, order_parts in zip(orders, parts, strict=True)
        ]
        pairs = sorted({(line["l_partkey"], line["l_suppkey"]) for order_lines in lines for line in order_lines})
        stock = self.stock_of(pairs)
        waves = min(ORDER_WAVES, len(orders))
        for wave in range(waves):
            self.clock.at(9 + wave)
            chosen = range(wave * len(orders) // waves, (wave + 1) * len(orders) // waves)
            wave_orders = [orders[index] for index in chosen]
            wave_lines = [line for index in chosen for line in lines[index]]
            self.insert("orders", wave_orders, self.clock.stamps(len(wave_orders), 40))
            self.insert("lineitem", wave_lines, self.clock.stamps(len(wave_lines), 10))
            taken: dict[tuple[int, int], int] = defaultdict(int)
            for line in wave_lines:
                taken[line["l_partkey"], line["l_suppkey"]] += line["l_quantity"]
            for pair, quantity in taken.items():
                stock[pair] -= quantity
            moved = [
                {"ps_partkey": part, "ps_suppkey": supplier, "ps_availqty": stock[part, supplier]}
                for part, supplier in sorted(taken)
            ]
            self.update("partsupp", moved, self.clock.stamps(len(moved), 10))
        self.note("orders_entered", len(orders))
        self.note("lines_entered", sum(map(len, lines)))
        return stock

    def stock_of(self, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], int]:
        if not pairs:
            return {}
        self.cur.execute(
            f"select ps_partkey, ps_suppkey, ps_availqty from {SOURCE_SCHEMA}.partsupp "
            f"where (ps_partkey, ps_suppkey) in (select * from unnest(%s::integer[], %s::integer[]))",
            ([part for part, _ in pairs], [supplier for _, supplier in pairs]),
        )
        return {(part, supplier): quantity for part, supplier, quantity in self.cur.fetchall()}

    def restock(self, stock: dict[tuple[int, int], int]) -> None:
        """17:00: pairs that today's orders took below LOW_STOCK, and a few random pairs, are restocked."""
        low = {pair for pair, quantity in stock.items() if quantity < LOW_STOCK}
        pairs = sorted(low | set(self.random_partsupp(self.count("restocks"))))
        current = self.stock_of(pairs)
        restocked = [
            {
                "ps_partkey": part,
                "ps_suppkey": supplier,
                "ps_availqty": current[part, supplier] + self.rng.randint(100, 2000),
            }
            for part, supplier in pairs
        ]
        self.update("partsupp", restocked, self.clock.stamps(len(restocked), 30))
        self.note("partsupp_restocked", len(restocked))

    def pick_entities(self, table: str) -> list[tuple[int, ...]]:
        count = self.count(f"{table}_changes")
        if table == "customer":
            return [(key,) for key in self.rng.sample(self.customers, min(count, len(self.customers)))]
        if table == "part":
            return [(key,) for key in self.rng.sample(self.parts, min(count, len(self.parts)))]
        if table == "supplier":
            self.cur.execute(f"select s_suppkey from {SOURCE_SCHEMA}.supplier order by s_suppkey")
            suppliers = [key for (key,) in self.cur.fetchall()]
            return [(key,) for key in self.rng.sample(suppliers, min(count, len(suppliers)))]
        return self.random_partsupp(count)

    def change_entities(self, table: str, keys: list[tuple[int, ...]], minutes: float) -> list[tuple[int, ...]]:
        """Change attributes of the rows with ``keys`` (in that order) within the next ``minutes``."""
        if not keys:
            return []
        key_columns = PRIMARY_KEYS[table]
        columns = [*key_columns, *MUTABLE_COLUMNS[table]]
        arrays = ", ".join("%s::integer[]" for _ in key_columns)
        current = {
            tuple(row[name] for name in key_columns): row
            for row in self.rows(
                f"select {', '.join(columns)} from {SOURCE_SCHEMA}.{table} "
                f"where ({', '.join(key_columns)}) in (select * from unnest({arrays}))",
                [[key[index] for key in keys] for index in range(len(key_columns))],
            )
        }
        changer = getattr(self, f"change_{table}")
        changed: list[tuple[tuple[int, ...], Row]] = []
        for key in keys:
            if key not in current:
                continue
            for _ in range(5):  # a change clamped back to the old value is tried again, so no update is a no-op
                row = changer(dict(current[key]))
                if row != current[key]:
                    changed.append((key, row))
                    break
        self.update(table, [row for _, row in changed], self.clock.stamps(len(changed), minutes))
        return [key for key, _ in changed]

    def change_customer(self, row: Row) -> Row:
        kind = self.rng.choices(("address", "phone", "segment", "relocation"), weights=(3, 2, 2, 1))[0]
        if kind in ("address", "relocation"):
            row["c_address"] = self.address()
        if kind == "relocation":
            row["c_nationkey"] = self.other(range(NATIONS), row["c_nationkey"])
        if kind in ("phone", "relocation"):
            row["c_phone"] = self.phone(row["c_nationkey"])
        if kind == "segment":
            row["c_mktsegment"] = self.other(SEGMENTS, row["c_mktsegment"])
        return row

    def change_supplier(self, row: Row) -> Row:
        kind = self.rng.choices(("address", "phone", "balance", "relocation"), weights=(2, 2, 4, 1))[0]
        if kind in ("address", "relocation"):
            row["s_address"] = self.address()
        if kind == "relocation":
            row["s_nationkey"] = self.other(range(NATIONS), row["s_nationkey"])
        if kind in ("phone", "relocation"):
            row["s_phone"] = self.phone(row["s_nationkey"])
        if kind == "balance":
            moved = row["s_acctbal"] + Decimal(self.rng.randint(-100_000, 100_000)) / 100
            row["s_acctbal"] = min(MAX_BALANCE, max(MIN_BALANCE, moved))
        return row

    def change_part(self, row: Row) -> Row:
        kind = self.rng.choices(("price", "container", "size"), weights=(4, 1, 1))[0]
        if kind == "price":
            factor = 1 + Decimal(self.rng.choice([*range(-5, 0), *range(1, 11)])) / 100
            row["p_retailprice"] = max(CENT, _money(row["p_retailprice"] * factor))
        elif kind == "container":
            row["p_container"] = self.other(CONTAINERS, row["p_container"])
        else:
            row["p_size"] = self.other(range(1, 51), row["p_size"])
        return row

    def change_partsupp(self, row: Row) -> Row:
        factor = 1 + Decimal(self.rng.choice([*range(-10, 0), *range(1, 11)])) / 100
        row["ps_supplycost"] = max(Decimal("1.00"), _money(row["ps_supplycost"] * factor))
        if self.rng.random() < 0.3:  # an inventory count corrects the stock too
            row["ps_availqty"] = max(0, row["ps_availqty"] + self.rng.choice([*range(-100, 0), *range(1, 101)]))
        return row

    def delete_customers(self) -> None:
        """23:00: hard-delete a few customers without open orders (never the highest key, so keys are not reused)."""
        wanted = self.count("customer_deletes")
        candidates = self.rng.sample(self.customers[:-1], min(len(self.customers) - 1, 20 * wanted))
        self.cur.execute(
            f"select distinct o_custkey from {SOURCE_SCHEMA}.orders "
            f"where o_custkey = any(%s::integer[]) and o_orderstatus <> 'F'",
            (candidates,),
        )
        busy = {key for (key,) in self.cur.fetchall()}
        chosen = [key for key in candidates if key not in busy][:wanted]
        if chosen:
            self.note("customers_deleted", self.delete("customer", "c_custkey = any(%s::integer[])", (chosen,)))


# -- advancing ---------------------------------------------------------------------------------------------


def _settings(cur: Cursor) -> tuple[float, int]:
    cur.execute(f"select scale_factor, seed from {DEMO_SCHEMA}.settings")
    row = cur.fetchone()
    if row is None:
        raise IngestError(
            f"{DEMO_SCHEMA}.settings is empty: recreate the demo source with `python demo/source.py init`"
        )
    return float(row[0]), int(row[1])


def _simulate_day(cur: Cursor, seed: int, scale_factor: float) -> DayReport:
    started = time.monotonic()
    cur.execute(f"lock table {DEMO_SCHEMA}.clock in exclusive mode")
    sim_date = (simulated_date(cur) or LAST_TPCH_ORDER_DATE) + timedelta(days=1)
    # A rolled-back day has used sequence numbers; restart after the last kept change so ids stay deterministic.
    cur.execute(
        f"select setval(pg_get_serial_sequence('{DEMO_SCHEMA}.truth_log', 'change_id'), "
        f"coalesce(max(change_id), 0) + 1, false) from {DEMO_SCHEMA}.truth_log"
    )
    report = _Day(cur, sim_date, seed, scale_factor).run()
    cur.execute(f"select count(*) from {DEMO_SCHEMA}.truth_log where sim_date = %s", (sim_date,))
    report.logged_changes = cur.fetchone()[0]
    report.seconds = time.monotonic() - started
    return report


def advance(days: int = 1, seed: int | None = None, loc: Location | None = None) -> list[DayReport]:
    """Simulate the next ``days`` business days of the demo source, one transaction per day.

    ``seed`` defaults to demo.settings.seed. Raises IngestError for a day count below 1 and for a database
    the demo source did not create.
    """
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise IngestError(f"the number of days to advance must be a whole number of at least 1, got {days!r}")
    loc = loc or location("source")
    conn = connect(loc)
    reports: list[DayReport] = []
    try:
        with conn.cursor() as cur:
            require_demo_source(cur, loc)
            scale_factor, stored_seed = _settings(cur)
            install(cur)
        conn.commit()
        seed = stored_seed if seed is None else seed
        for _ in range(days):
            with conn.cursor() as cur:
                report = _simulate_day(cur, seed, scale_factor)
            conn.commit()
            log.info("%s", report.describe())
            reports.append(report)
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()
    return reports
