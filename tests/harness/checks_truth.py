"""Harness checks against the truth: the source's figures and the simulator's truth log.

Every expectation here is computed from the source database alone (its current ``tpch`` tables and
``demo.truth_log``) in Python or plain SQL, never by reading the snapshots or re-running a model; the warehouse
is only read to be compared. The checks, in the order they run after each day:

- ``reconcile_order_lines``: per order month (dim_date's month of the order date), fct_order_lines' line count,
  quantity, extended price, discount, net and gross revenue equal the source's lineitem joined to orders, by
  TPC-H's definitions (``l_extendedprice * l_discount``, ``l_extendedprice * (1 - l_discount)``,
  ``l_extendedprice * (1 - l_discount) * (1 + l_tax)``), exactly: the star keeps its measures unrounded.
  (``checks_columns`` compares every column of every line.)
- ``quarantine``: the quarantine's present events and violations (quarantine.quarantine_events,
  quarantine_violations) equal, per table, rule and column, the source's rows outside TPC-H's domains (quantity
  1-50, discount 0-0.10, tax 0-0.08, the flag codes, a line's order, its dates in order): none on the simulator's
  valid rows, so a row the star wrongly keeps out shows here.
- ``reconcile_orders``: fct_orders holds the source's orders, each with its order date, status, total price and
  number of lines.
- ``history_customer``, ``history_supplier``, ``history_part``: the dimension's versions equal the truth log
  collapsed to the moments the snapshots ran (once a day, after the day's ingest, so within a day only the last
  change survives): a version starts at the member's first observed state (from 1900-01-01), then wherever a
  type-2 attribute or the deleted flag changes (at that state's ``updated_at``); type-1 and type-6 ``current_``
  columns hold the latest observed state on every version. A deletion record starts at the snapshot run's wall
  clock, which the truth log does not know: its presence, flag and attributes are compared, and its start only
  for lying after the simulated business time.
- ``point_in_time``: every fct_order_lines key (customer, supplier, part) and fct_orders' customer key points to
  the version valid at 00:00 UTC of the order date by the truth: the member's observed state then, its first
  state if the moment precedes it (the floor rule), the unknown member -1 if the member has not reached the
  source yet. Versions are compared by member, start and type-2 values, never by key arithmetic.
- ``late_arrival``: an order entered on day d for a customer who reaches the source on day d + 1 carries -1 after
  day d's build and the customer's version after day d + 1's; at least one such line must be verified by the
  scenario's last day.
- ``idempotence``: a second ``ingest/run.py`` + ``dbt build`` changes no row of any dimension or fact.
- ``full_refresh_equals_incremental``: on the last day, ``dbt build --full-refresh`` gives the same dimensions
  and facts as the incremental path.

The day-0 rows are rebuilt from the truth log: a key's first logged change holds its row before (an insert: the
key did not exist), a key never logged is as the source has it now. Changes outside the simulator (``sim_date``
NULL) have no place in the daily timeline and are ignored; the harness makes none.

A check is given the scenario (its databases, scale factor and number of days, ``harness.Scenario``) and the
day just built; the scenario's last day is ``scenario.days``.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import psycopg2
from helpers import WITHOUT_DATA_TESTS, checksum, dbt, execute, python, query, run

from harness import Scenario, check
from harness.report import compare

log = logging.getLogger(__name__)

MARTS = "marts"
COPY_SCHEMA = "harness_copy"
"""Warehouse schema where the dimensions and facts are set aside before a rebuild, dropped afterwards."""
FIRST_SIMULATED_DAY = date(1998, 8, 3)
FLOOR = datetime(1900, 1, 1)
"""var scd2_floor_date: where a member's first version starts."""
END_OF_TIME = datetime(9999, 12, 31)
RUN_TIME = "(snapshot run time)"
"""Stands for a deletion record's start: the wall-clock time of the snapshot run that found the row gone."""
UNKNOWN = "unknown (-1)"
IDEMPOTENCE_ON_EVERY_DAY = os.environ.get("HARNESS_IDEMPOTENCE") == "every-day"
"""By default the idempotence check runs on day 0 (the first incremental run of every model) and on the last day
(the state after every kind of change): each run is an ingest + build, about 40% of the scenario's time when it
ran every day. ``HARNESS_IDEMPOTENCE=every-day`` runs it after every day's build too."""

Row = dict[str, object]
Line = tuple[int, int]


class PremiseError(Exception):
    """The scenario is not what a check assumes (e.g. the simulator's clock disagrees with the day)."""


def truth_check(name: str) -> Callable:
    """Register a check that reports a broken premise or a failing query as its problem, not as a crash."""

    def register(function: Callable[[Scenario, int], list[str]]) -> Callable[[Scenario, int], list[str]]:
        @functools.wraps(function)
        def guarded(scenario: Scenario, day: int) -> list[str]:
            try:
                return function(scenario, day)
            except (PremiseError, psycopg2.Error) as error:
                return [f"{name}: could not check: {type(error).__name__}: {str(error).strip()}"]

        return check(name)(guarded)

    return register


# -- the source's figures ------------------------------------------------------------------------------------


@truth_check("reconcile_order_lines")
def reconcile_order_lines(scenario: Scenario, day: int) -> list[str]:
    dbs = scenario.dbs
    expected = query(
        dbs.source,
        """
        select
            date_trunc('month', orders.o_orderdate)::date as order_month,
            count(*),
            sum(lines.l_quantity),
            sum(lines.l_extendedprice),
            sum(lines.l_extendedprice * lines.l_discount),
            sum(lines.l_extendedprice * (1 - lines.l_discount)),
            sum(lines.l_extendedprice * (1 - lines.l_discount) * (1 + lines.l_tax))
        from tpch.lineitem as lines
        left join tpch.orders as orders on orders.o_orderkey = lines.l_orderkey
        group by 1""",
    )
    got = query(
        dbs.warehouse,
        f"""
        select
            dates.month_start_date,
            count(*),
            sum(facts.quantity),
            sum(facts.extended_price),
            sum(facts.discount_amount),
            sum(facts.net_revenue),
            sum(facts.gross_revenue)
        from {MARTS}.fct_order_lines as facts
        left join {MARTS}.dim_date as dates on dates.date_key = facts.order_date_key
        group by 1""",
    )
    return compare(
        "fct_order_lines per order month vs tpch.lineitem x tpch.orders",
        ["order_month"],
        ["lines", "quantity", "extended_price", "discount_amount", "net_revenue", "gross_revenue"],
        expected,
        got,
    )


# The source's rows that break a rule the star relies on, by TPC-H's own domains (spec 4.2.3): (table, rule, column,
# condition on the source's rows). The simulator writes valid rows, so on its scenario each count is 0.
SOURCE_RULE_BREAKS = [
    ("lineitem", "out_of_range", "quantity", "lines.l_quantity not between 1 and 50"),
    ("lineitem", "out_of_range", "discount_rate", "lines.l_discount not between 0 and 0.10"),
    ("lineitem", "out_of_range", "tax_rate", "lines.l_tax not between 0 and 0.08"),
    ("lineitem", "out_of_range", "extended_price", "lines.l_extendedprice < 0"),
    ("lineitem", "unknown_code", "return_flag", "lines.l_returnflag not in ('R', 'A', 'N')"),
    ("lineitem", "unknown_code", "line_status", "lines.l_linestatus not in ('O', 'F')"),
    ("lineitem", "orphan", "order_id", "orders.o_orderkey is null"),
    ("lineitem", "dates_out_of_order", "ship_date", "lines.l_shipdate < orders.o_orderdate"),
    ("lineitem", "dates_out_of_order", "receipt_date", "lines.l_receiptdate < lines.l_shipdate"),
]


@truth_check("quarantine")
def quarantine(scenario: Scenario, day: int) -> list[str]:
    """The quarantine holds exactly the source's rows that break a rule: per table, rule and column, the present
    events of quarantine.quarantine_events equal the count of source rows outside TPC-H's domains (none, on the
    simulator's valid rows; a present event of any other rule is a difference too), and quarantine_violations
    lists the same rows."""
    dbs = scenario.dbs
    breaks = " union all ".join(
        f"select '{table}', '{rule}', '{column}', count(*) from tpch.lineitem as lines "
        f"left join tpch.orders as orders on orders.o_orderkey = lines.l_orderkey where {condition}"
        for table, rule, column, condition in SOURCE_RULE_BREAKS
    )
    expected = [row for row in query(dbs.source, breaks) if row[3]]
    events = query(
        dbs.warehouse,
        "select table_name, rule_name, column_name, count(*) from quarantine.quarantine_events "
        "where is_present group by table_name, rule_name, column_name",
    )
    violations = query(
        dbs.warehouse,
        "select table_name, rule_name, column_name, count(*) from quarantine.quarantine_violations "
        "group by table_name, rule_name, column_name",
    )
    keys = ["table", "rule", "column"]
    return compare(
        "present quarantine events vs the source's rows outside TPC-H's domains", keys, ["rows"], expected, events
    ) + compare(
        "quarantine_violations vs the source's rows outside TPC-H's domains", keys, ["rows"], expected, violations
    )


@truth_check("reconcile_orders")
def reconcile_orders(scenario: Scenario, day: int) -> list[str]:
    dbs = scenario.dbs
    expected = query(
        dbs.source,
        """
        select orders.o_orderkey, orders.o_orderdate, orders.o_orderstatus, orders.o_totalprice,
               coalesce(lines.line_count, 0)
        from tpch.orders as orders
        left join (select l_orderkey, count(*) as line_count from tpch.lineitem group by l_orderkey) as lines
            on lines.l_orderkey = orders.o_orderkey""",
    )
    got = query(
        dbs.warehouse,
        f"""
        select facts.order_id, dates.date_day, facts.order_status, facts.total_price, facts.line_count
        from {MARTS}.fct_orders as facts
        left join {MARTS}.dim_date as dates on dates.date_key = facts.order_date_key""",
    )
    problems = compare(
        "fct_orders vs tpch.orders",
        ["order_id"],
        ["order_date", "order_status", "total_price", "line_count"],
        expected,
        got,
    )
    totals = query(dbs.source, "select 'all orders', count(*), sum(o_totalprice) from tpch.orders")
    got_totals = query(dbs.warehouse, f"select 'all orders', count(*), sum(total_price) from {MARTS}.fct_orders")
    return problems + compare(
        "fct_orders totals vs tpch.orders", ["orders"], ["count", "total_price"], totals, got_totals
    )


# -- the truth: each member's versions as the daily snapshots could observe them --------------------------------


@dataclass(frozen=True)
class Entity:
    """An SCD2 dimension and its source table; each compared column is (SQL over the dimension, source column)."""

    table: str
    source_key: str
    dimension: str
    surrogate_key: str
    natural_key: str
    versioned: dict[str, tuple[str, str]]
    """Type 2: a change starts a version."""
    overwritten: dict[str, tuple[str, str]]
    """Type 1 and the type-6 current_ columns: the latest observed value on every version."""
    joins: str = ""

    def select(self) -> str:
        """The dimension's member rows: member_key, member_id, valid_from, valid_to, is_current, is_deleted, then
        the versioned and overwritten columns under their names (nations rather than geography keys)."""
        columns = [
            f"{expression} as {name}" for name, (expression, _) in {**self.versioned, **self.overwritten}.items()
        ]
        return f"""
            select dim.{self.surrogate_key} as member_key, dim.{self.natural_key} as member_id, dim.valid_from,
                   dim.valid_to, dim.is_current, dim.is_deleted, {", ".join(columns)}
            from {MARTS}.{self.dimension} as dim
            {self.joins}
            where dim.{self.natural_key} is not null"""


GEOGRAPHY_JOINS = f"""
    left join {MARTS}.dim_geography as geography on geography.geography_key = dim.geography_key
    left join {MARTS}.dim_geography as current_geography
        on current_geography.geography_key = dim.current_geography_key"""

ENTITIES: dict[str, Entity] = {
    "customer": Entity(
        "customer",
        "c_custkey",
        "dim_customer",
        "customer_key",
        "customer_id",
        versioned={
            "nation_id": ("geography.nation_id", "c_nationkey"),
            "market_segment": ("dim.market_segment", "c_mktsegment"),
        },
        overwritten={
            "customer_name": ("dim.customer_name", "c_name"),
            "customer_address": ("dim.customer_address", "c_address"),
            "phone_number": ("dim.phone_number", "c_phone"),
            "account_balance": ("dim.account_balance", "c_acctbal"),
            "customer_comment": ("dim.customer_comment", "c_comment"),
            "current_nation_id": ("current_geography.nation_id", "c_nationkey"),
            "current_market_segment": ("dim.current_market_segment", "c_mktsegment"),
        },
        joins=GEOGRAPHY_JOINS,
    ),
    "supplier": Entity(
        "supplier",
        "s_suppkey",
        "dim_supplier",
        "supplier_key",
        "supplier_id",
        versioned={"nation_id": ("geography.nation_id", "s_nationkey")},
        overwritten={
            "supplier_name": ("dim.supplier_name", "s_name"),
            "supplier_address": ("dim.supplier_address", "s_address"),
            "phone_number": ("dim.phone_number", "s_phone"),
            "account_balance": ("dim.account_balance", "s_acctbal"),
            "supplier_comment": ("dim.supplier_comment", "s_comment"),
            "current_nation_id": ("current_geography.nation_id", "s_nationkey"),
        },
        joins=GEOGRAPHY_JOINS,
    ),
    "part": Entity(
        "part",
        "p_partkey",
        "dim_part",
        "part_key",
        "part_id",
        versioned={
            "part_size": ("dim.part_size", "p_size"),
            "container": ("dim.container", "p_container"),
            "retail_price": ("dim.retail_price", "p_retailprice"),
        },
        overwritten={
            "part_name": ("dim.part_name", "p_name"),
            "manufacturer": ("dim.manufacturer", "p_mfgr"),
            "brand": ("dim.brand", "p_brand"),
            "part_type": ("dim.part_type", "p_type"),
            "part_comment": ("dim.part_comment", "p_comment"),
            "current_retail_price": ("dim.current_retail_price", "p_retailprice"),
        },
    ),
}


@dataclass
class Version:
    """One expected dimension version: the observed source row that started it, its start (None for a deletion
    record, which starts at the snapshot run's wall-clock time) and whether it is a deletion record."""

    row: Row
    starts: datetime | None
    deleted: bool

    @property
    def start_label(self) -> datetime | str:
        return RUN_TIME if self.starts is None else self.starts


@dataclass
class Member:
    versions: list[Version]
    latest: Row
    """The last observed row (a deleted member's last row): its type-1 and current_ values."""

    def at(self, moment: datetime) -> Version:
        """The version valid at ``moment``; the first one for a moment before it (it starts at the floor)."""
        valid = self.versions[0]
        for version in self.versions[1:]:
            if version.starts is None or version.starts > moment:
                break
            valid = version
        return valid


@dataclass
class Truth:
    day: int
    business_end: datetime
    """Midnight after the last simulated day: every business time of the source lies before it."""
    members: dict[str, dict[int, Member]]
    arrivals: dict[int, date]
    """Customer -> the simulated day its row was first inserted (customers of the day-0 source are absent)."""


def utc_naive(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def parse_row(text: str | None) -> Row | None:
    return None if text is None else json.loads(text, parse_float=Decimal)


def simulated_days(dbs, day: int) -> list[date]:
    """The simulated days so far, checked against the simulator's clock."""
    clock = query(dbs.source, "select sim_date from demo.clock")
    expected = FIRST_SIMULATED_DAY + timedelta(days=day - 1) if day else None
    if not clock or clock[0][0] != expected:
        raise PremiseError(
            f"demo.clock says {clock[0][0] if clock else 'nothing'}, the harness is on day {day} (expected {expected})"
        )
    return [FIRST_SIMULATED_DAY + timedelta(days=number) for number in range(day)]


def member_of(states: list[Row | None], versioned: list[str]) -> Member | None:
    """A key's observed states, one per snapshot run (None: absent) -> its expected dimension versions."""
    observed: list[tuple[Row, bool]] = []  # the snapshot's versions: (row, is a deletion record)
    for state in states:
        last = observed[-1] if observed else None
        if state is None:
            if last is not None and not last[1]:
                observed.append((last[0], True))
        elif last is None or last[1] or state != last[0]:
            observed.append((state, False))
    if not observed:
        return None
    versions = [Version(observed[0][0], FLOOR, False)]
    for (previous, was_deleted), (row, deleted) in pairwise(observed):
        if deleted != was_deleted or any(row[column] != previous[column] for column in versioned):
            versions.append(Version(row, None if deleted else utc_naive(row["updated_at"]), deleted))
    return Member(versions, observed[-1][0])


def entity_members(dbs, entity: Entity, days: list[date]) -> tuple[dict[int, Member], dict[int, date]]:
    changes = query(
        dbs.source,
        f"""
        select sim_date, (key ->> '{entity.source_key}')::bigint, operation, before::text, after::text
        from demo.truth_log
        where table_name = %s and sim_date is not null
        order by change_id""",
        (entity.table,),
    )
    current = {
        row[entity.source_key]: row
        for (text,) in query(dbs.source, f"select to_jsonb(source_row)::text from tpch.{entity.table} as source_row")
        for row in [parse_row(text)]
    }
    day0 = dict(current)
    first_seen: set[int] = set()
    arrivals: dict[int, date] = {}
    by_day: dict[date, list[tuple[int, Row | None]]] = defaultdict(list)
    for sim_date, key, operation, before, after in changes:
        if sim_date not in days:
            raise PremiseError(
                f"demo.truth_log holds a {entity.table} change of {sim_date}, which is not one of "
                f"the simulated days {days[0] if days else ''}..{days[-1] if days else ''}"
            )
        if key not in first_seen:
            first_seen.add(key)
            if operation == "insert":
                day0.pop(key, None)
                arrivals[key] = sim_date
            else:
                day0[key] = parse_row(before)
        by_day[sim_date].append((key, parse_row(after)))
    versioned = [column for _, column in entity.versioned.values()]
    state = dict(day0)
    timelines: dict[int, list[Row | None]] = {key: [row] for key, row in state.items()}
    for number, sim_date in enumerate(days, start=1):
        for key, after in by_day[sim_date]:
            if after is None:
                state.pop(key, None)
            else:
                state[key] = after
        for key in state.keys() | timelines.keys():
            timelines.setdefault(key, [None] * number).append(state.get(key))
    members = {key: member for key, states in timelines.items() if (member := member_of(states, versioned)) is not None}
    return members, arrivals


_TRUTHS: dict[str, tuple[tuple[int, int], Truth]] = {}


def truth(dbs, day: int) -> Truth:
    """The expected versions of every member after ``day``, computed once per day and warehouse."""
    stamp = (day, query(dbs.source, "select coalesce(max(change_id), 0) from demo.truth_log")[0][0])
    cached = _TRUTHS.get(dbs.warehouse.dbname)
    if cached and cached[0] == stamp:
        return cached[1]
    days = simulated_days(dbs, day)
    members, arrivals = {}, {}
    for name, entity in ENTITIES.items():
        members[name], entity_arrivals = entity_members(dbs, entity, days)
        if name == "customer":
            arrivals = entity_arrivals
    result = Truth(
        day, datetime.combine(FIRST_SIMULATED_DAY + timedelta(days=day), datetime.min.time()), members, arrivals
    )
    _TRUTHS[dbs.warehouse.dbname] = (stamp, result)
    return result


def run_time_label(moment: datetime, truth_now: Truth) -> datetime | str:
    """A deletion record's start as read from the warehouse: RUN_TIME when it is a wall-clock time of this run
    (after all simulated business time, not in the future), else the moment itself, which will differ."""
    if truth_now.business_end < moment <= datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=5):
        return RUN_TIME
    return moment


def flag(value: object) -> object:
    """A boolean as text for report.compare, which compares numbers (and bool is an int) as Decimal."""
    return str(value).lower() if isinstance(value, bool) else value


# -- history: the dimensions' versions ---------------------------------------------------------------------------


def history(entity: Entity) -> Callable[[object, int], list[str]]:
    def verify(scenario: Scenario, day: int) -> list[str]:
        dbs = scenario.dbs
        known = truth(dbs, day)
        versioned = list(entity.versioned)
        overwritten = list(entity.overwritten)
        expected = []
        for member_id, member in known.members[entity.table].items():
            for number, version in enumerate(member.versions):
                following = member.versions[number + 1] if number + 1 < len(member.versions) else None
                expected.append(
                    (
                        member_id,
                        version.start_label,
                        *(version.row[column] for _, column in entity.versioned.values()),
                        flag(version.deleted),
                        following.start_label if following else END_OF_TIME,
                        flag(following is None),
                        *(member.latest[column] for _, column in entity.overwritten.values()),
                    )
                )
        rows = query(dbs.warehouse, entity.select())
        width = len(versioned)
        deletion_starts = {(row[1], row[2]) for row in rows if row[5]}
        got = []
        for _, member_id, valid_from, valid_to, is_current, is_deleted, *values in rows:
            start = run_time_label(valid_from, known) if is_deleted else valid_from
            end = run_time_label(valid_to, known) if (member_id, valid_to) in deletion_starts else valid_to
            got.append((member_id, start, *values[:width], flag(is_deleted), end, flag(is_current), *values[width:]))
        problems = compare(
            f"{MARTS}.{entity.dimension} vs the truth log",
            [entity.natural_key, "valid_from"],
            [*versioned, "is_deleted", "valid_to", "is_current", *overwritten],
            expected,
            got,
        )
        changed = sum(len(member.versions) > 1 for member in known.members[entity.table].values())
        log.info(
            "history_%s day %d: %d versions of %d members compared, %d members with several versions, "
            "%d deletion records",
            entity.table,
            day,
            len(expected),
            len(known.members[entity.table]),
            changed,
            sum(version.deleted for row in known.members[entity.table].values() for version in row.versions),
        )
        return problems

    return verify


for _entity in ENTITIES.values():
    truth_check(f"history_{_entity.table}")(history(_entity))


# -- point in time: the facts' keys ---------------------------------------------------------------------------


def describe(entity: Entity, member_id: int, start: datetime | str, deleted: bool, values: list[object]) -> str:
    """A version in words, the same for the truth and the warehouse: member, start, type-2 values."""
    shown = ", ".join(
        f"{name}={format(value.normalize(), 'f') if isinstance(value, Decimal) else value}"
        for name, value in zip(entity.versioned, values, strict=True)
    )
    return f"{entity.table} {member_id} from {start} ({shown}){' deleted' if deleted else ''}"


def expected_version(entity: Entity, known: Truth, member_id: int | None, order_date: date | None) -> str:
    member = known.members[entity.table].get(member_id) if member_id is not None else None
    if member is None or order_date is None:
        return UNKNOWN
    version = member.at(datetime.combine(order_date, datetime.min.time()))
    return describe(
        entity,
        member_id,
        version.start_label,
        version.deleted,
        [version.row[column] for _, column in entity.versioned.values()],
    )


def versions_by_key(dbs, entity: Entity, known: Truth) -> dict[int, str]:
    """The dimension's rows by surrogate key, described; the special members by name."""
    width = len(entity.versioned)
    described = {-1: UNKNOWN, -2: "not applicable (-2)"}
    for member_key, member_id, valid_from, _, _, is_deleted, *values in query(dbs.warehouse, entity.select()):
        start = run_time_label(valid_from, known) if is_deleted else valid_from
        described[member_key] = describe(entity, member_id, start, is_deleted, values[:width])
    return described


def resolve(described: dict[int, str], entity: Entity, key: int) -> str:
    return described.get(key, f"key {key}, not in {entity.dimension}")


@truth_check("point_in_time")
def point_in_time(scenario: Scenario, day: int) -> list[str]:
    dbs = scenario.dbs
    known = truth(dbs, day)
    customer, supplier, part = ENTITIES["customer"], ENTITIES["supplier"], ENTITIES["part"]
    lines = query(
        dbs.source,
        """
        select lines.l_orderkey, lines.l_linenumber, orders.o_custkey, lines.l_suppkey, lines.l_partkey,
               orders.o_orderdate
        from tpch.lineitem as lines
        left join tpch.orders as orders on orders.o_orderkey = lines.l_orderkey""",
    )
    expected = [
        (
            order_id,
            line_number,
            expected_version(customer, known, customer_id, order_date),
            expected_version(supplier, known, supplier_id, order_date),
            expected_version(part, known, part_id, order_date),
        )
        for order_id, line_number, customer_id, supplier_id, part_id, order_date in lines
    ]
    described = {name: versions_by_key(dbs, entity, known) for name, entity in ENTITIES.items()}
    got = [
        (
            order_id,
            line_number,
            resolve(described["customer"], customer, customer_key),
            resolve(described["supplier"], supplier, supplier_key),
            resolve(described["part"], part, part_key),
        )
        for order_id, line_number, customer_key, supplier_key, part_key in query(
            dbs.warehouse,
            f"select order_id, line_number, customer_key, supplier_key, part_key from {MARTS}.fct_order_lines",
        )
    ]
    problems = compare(
        "fct_order_lines keys vs the versions valid at the order date by the truth log",
        ["order_id", "line_number"],
        ["customer", "supplier", "part"],
        expected,
        got,
    )
    orders = query(dbs.source, "select o_orderkey, o_custkey, o_orderdate from tpch.orders")
    problems += compare(
        "fct_orders customer_key vs the version valid at the order date by the truth log",
        ["order_id"],
        ["customer"],
        [
            (order_id, expected_version(customer, known, customer_id, order_date))
            for order_id, customer_id, order_date in orders
        ],
        [
            (order_id, resolve(described["customer"], customer, key))
            for order_id, key in query(dbs.warehouse, f"select order_id, customer_key from {MARTS}.fct_orders")
        ],
    )
    unknown = sum(row[2] == UNKNOWN for row in expected)
    later = sum(any(f"from {FLOOR}" not in text and text != UNKNOWN for text in row[2:]) for row in expected)
    log.info(
        "point_in_time day %d: %d lines and %d orders compared; %d lines with an unknown customer, %d lines "
        "resolving some member to a version later than its first",
        day,
        len(expected),
        len(orders),
        unknown,
        later,
    )
    return problems


# -- late-arriving customers ---------------------------------------------------------------------------------


@dataclass
class LateArrivals:
    waiting: dict[Line, tuple[int, int]] = field(default_factory=dict)
    """Line of an order whose customer had not arrived -> (customer, simulated day the order was entered)."""
    seen: set[Line] = field(default_factory=set)
    verified: set[Line] = field(default_factory=set)
    customers: set[int] = field(default_factory=set)
    """Late customers whose lines were seen with -1 and then with their version."""


_LATE: dict[str, LateArrivals] = {}


@truth_check("late_arrival")
def late_arrival(scenario: Scenario, day: int) -> list[str]:
    dbs = scenario.dbs
    known = truth(dbs, day)
    state = _LATE.setdefault(dbs.warehouse.dbname, LateArrivals())
    customer = ENTITIES["customer"]
    customers = known.members["customer"]
    if day:
        sim_date = FIRST_SIMULATED_DAY + timedelta(days=day - 1)
        entered = query(
            dbs.source,
            """
            select (key ->> 'o_orderkey')::bigint, (after ->> 'o_custkey')::integer
            from demo.truth_log
            where table_name = 'orders' and operation = 'insert' and sim_date = %s""",
            (sim_date,),
        )
        late_orders = {order_id: customer_id for order_id, customer_id in entered if customer_id not in customers}
        lines = (
            query(
                dbs.source,
                "select l_orderkey, l_linenumber from tpch.lineitem where l_orderkey = any(%s)",
                (list(late_orders),),
            )
            if late_orders
            else []
        )
        for order_id, line_number in lines:
            state.waiting[(order_id, line_number)] = (late_orders[order_id], day)
            state.seen.add((order_id, line_number))
    problems: list[str] = []
    if state.waiting:
        order_dates = dict(
            query(
                dbs.source,
                "select o_orderkey, o_orderdate from tpch.orders where o_orderkey = any(%s)",
                (list({order_id for order_id, _ in state.waiting}),),
            )
        )
        facts = {
            (order_id, line_number): key
            for order_id, line_number, key in query(
                dbs.warehouse,
                f"""
            select order_id, line_number, customer_key from {MARTS}.fct_order_lines
            where order_id = any(%s)""",
                (list({order_id for order_id, _ in state.waiting}),),
            )
        }
        described = versions_by_key(dbs, customer, known)
        expected, got = [], []
        for line, (customer_id, entered_on) in sorted(state.waiting.items()):
            arrived = known.arrivals.get(customer_id)
            arrival_day = (arrived - FIRST_SIMULATED_DAY).days + 1 if arrived else None
            want = expected_version(customer, known, customer_id, order_dates.get(line[0]))
            have = resolve(described, customer, facts[line]) if line in facts else "(no fact row)"
            expected.append((*line, customer_id, entered_on, entered_on + 1 if arrival_day else "-", want))
            got.append((*line, customer_id, entered_on, arrival_day or "-", have))
            if arrival_day is not None and want == have and want != UNKNOWN and arrival_day == entered_on + 1:
                state.verified.add(line)
                state.customers.add(customer_id)
        problems += compare(
            "fct_order_lines customer_key of late-arriving customers' lines",
            ["order_id", "line_number", "customer_id", "entered_on_day"],
            ["arrived_on_day", "customer"],
            expected,
            got,
        )
        for line in state.verified:
            state.waiting.pop(line, None)
    final = scenario.days
    log.info(
        "late_arrival day %d: %d late lines seen, %d verified (%d customers), %d waiting",
        day,
        len(state.seen),
        len(state.verified),
        len(state.customers),
        len(state.waiting),
    )
    if day > final:
        problems.append(
            f"late_arrival: the harness is on day {day}, after the scenario's last day {final}: "
            f"the end-of-scenario assertion cannot run"
        )
    if day == final and not state.verified:
        problems.append(
            f"late_arrival: by the last day ({day}) no line of a late-arriving customer was seen with -1 and then "
            f"re-keyed to the customer's version ({len(state.seen)} late lines seen; the scenario needs 2 days or "
            f"more for the next day's build)"
        )
    return problems


# -- rebuilds: idempotence and full refresh ------------------------------------------------------------------

BUILD_STAMPS = {"fct_inventory_daily": ["loaded_at"]}
"""The columns of INCREMENTAL_MODELS that stamp the build which wrote the row (fct_inventory_daily.loaded_at, the
build's load watermark, which scopes its data tests to the days added since): a --full-refresh writes every day
at once, so they differ from the incremental path's by definition: the rebuild checks leave them out (a rebuild
with nothing new, `idempotence`, adds no day, so there they cannot differ anyway)."""


def star_tables(loc) -> dict[str, tuple[list[str], list[str]]]:
    """Every dimension and fact table in marts -> (its columns but BUILD_STAMPS, its primary key or, lacking one, all
    columns)."""
    columns = dict(
        query(
            loc,
            f"""
        select columns.table_name::text, array_agg(columns.column_name::text order by columns.ordinal_position)
        from information_schema.columns as columns
        inner join information_schema.tables as tables
            on tables.table_schema = columns.table_schema and tables.table_name = columns.table_name
        where columns.table_schema = '{MARTS}' and tables.table_type = 'BASE TABLE'
            and (columns.table_name like 'dim\\_%' or columns.table_name like 'fct\\_%')
        group by columns.table_name""",
        )
    )
    keys = dict(
        query(
            loc,
            f"""
        select tables.relname::text, array_agg(attributes.attname::text order by key_columns.position)
        from pg_index as indexes
        inner join pg_class as tables on tables.oid = indexes.indrelid
        inner join pg_namespace as schemas on schemas.oid = tables.relnamespace
        cross join lateral unnest(indexes.indkey) with ordinality as key_columns (attnum, position)
        inner join pg_attribute as attributes
            on attributes.attrelid = tables.oid and attributes.attnum = key_columns.attnum
        where schemas.nspname = '{MARTS}' and indexes.indisprimary
        group by tables.relname""",
        )
    )
    return {
        name: ([column for column in names if column not in BUILD_STAMPS.get(name, [])], keys.get(name, names))
        for name, names in sorted(columns.items())
    }


def set_aside(loc, tables: dict[str, tuple[list[str], list[str]]]) -> None:
    execute(loc, f"drop schema if exists {COPY_SCHEMA} cascade")
    execute(loc, f"create schema {COPY_SCHEMA}")
    for name in tables:
        execute(loc, f"create table {COPY_SCHEMA}.{name} as select * from {MARTS}.{name}")


def changed_rows(loc, tables: dict[str, tuple[list[str], list[str]]], what: str) -> list[str]:
    """Each table set aside vs marts now: count and md5 of every row; where they differ, the differing rows."""
    problems = []
    now = star_tables(loc)
    for name in sorted(now.keys() - tables.keys()):
        problems.append(f"{MARTS}.{name}: a new table after {what}")
    for name, (columns, key) in tables.items():
        if name not in now:
            problems.append(f"{MARTS}.{name}: gone after {what}")
            continue
        if now[name][0] != columns:
            problems.append(f"{MARTS}.{name}: columns {columns} became {now[name][0]} after {what}")
            continue
        before = checksum(loc, COPY_SCHEMA, name, columns, key)
        after = checksum(loc, MARTS, name, columns, key)
        if before == after:
            continue
        others = [column for column in columns if column not in key]
        listed = ", ".join(f'"{column}"' for column in [*key, *others])
        only_before = query(
            loc, f"select {listed} from {COPY_SCHEMA}.{name} except all select {listed} from {MARTS}.{name}"
        )
        only_after = query(
            loc, f"select {listed} from {MARTS}.{name} except all select {listed} from {COPY_SCHEMA}.{name}"
        )
        found = compare(
            f"{MARTS}.{name} changed by {what} ({before[0]} rows md5 {before[1]} -> {after[0]} rows "
            f"md5 {after[1]}; expected = before, got = after)",
            key,
            others,
            only_before,
            only_after,
        )
        problems += found or [f"{MARTS}.{name}: md5 {before} -> {after} after {what}, yet no differing row"]
    return problems


def rebuilt(dbs, what: str, *commands: list[str]) -> list[str]:
    tables = star_tables(dbs.warehouse)
    set_aside(dbs.warehouse, tables)
    try:
        started = time.monotonic()
        for command in commands:
            run(command, dbs.env, timeout=1800)
        log.info("%s: %.1f s, %d tables compared", what, time.monotonic() - started, len(tables))
        return changed_rows(dbs.warehouse, tables, what)
    except AssertionError as error:  # helpers.run: the command failed; its output says why
        return [f"{what} failed: {error}"]
    finally:
        execute(dbs.warehouse, f"drop schema if exists {COPY_SCHEMA} cascade")


@truth_check("idempotence")
def idempotence(scenario: Scenario, day: int) -> list[str]:
    dbs = scenario.dbs
    if not IDEMPOTENCE_ON_EVERY_DAY and day not in (0, scenario.days):
        return []
    # The rebuild leaves the data tests out: they write nothing to the star, and the day's own build has just
    # run every one of them on the same data.
    rebuild = dbt("build", *WITHOUT_DATA_TESTS)
    return rebuilt(dbs, "a second ingest + dbt build", python("ingest/run.py"), rebuild)


@truth_check("full_refresh_equals_incremental")
def full_refresh_equals_incremental(scenario: Scenario, day: int) -> list[str]:
    dbs = scenario.dbs
    if day != scenario.days:
        return []
    return rebuilt(dbs, "dbt build --full-refresh", dbt("build", "--full-refresh"))
