"""Bad data never blocks the warehouse and never vanishes: the quarantine, safe cursors and recovery, end to end.

On fresh databases (a demo source at SF 0.01, one ingest and one ``dbt build``): the catalogue of bad rows planted
together in one ingest + build (each on its own row), their correction in one more, then the issue's future-stamp
sequence, a deleted-and-recreated key and a Ctrl-C in ``dbt build``; last, a wrong version planted in a snapshot
and repaired by the documented command. Each case asserts what tests/breakage.py lists: exit code, message, nothing
lost, the good rows arrive, the bad row visible. The cases that need no dbt build are in tests/test_bad_ingest.py:
pytest-xdist runs that module beside this one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from breakage import (
    build,
    ingest,
    interrupted,
    raw_equals_source_except,
    simulator_touched,
)
from helpers import WITHOUT_DATA_TESTS, dbt, execute, python, query, run

from ingest.config import TABLES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(landed):
    """The landed databases after one ``dbt build``: raw, snapshots and marts all hold rows. (Its data tests are
    left out: the shared scenario runs them on the same clean start, and this module's next build runs them all.)"""
    build(landed, *WITHOUT_DATA_TESTS)
    return landed


STAMP = "1998-08-02 12:00:00+00"
"""When the catalogue's bad rows are written: after the generated data (the last order date is 1998-08-02, stamped
at midnight) and before the simulator's first day (1998-08-03), so later simulated days still move the cursor."""


FIXED = "1998-08-02 13:00:00+00"
"""When they are corrected."""


@dataclass
class Case:
    """One bad input planted in the shared run: its row, how it is broken, where it must show, how it is fixed."""

    name: str
    table: str
    plant: str
    """SQL run in the source ({key} is the row's key condition, {stamp} the time)."""
    fix: str
    rule: str | None = None
    """quarantine_events.rule_name expected (kept out by dbt), or None for a row held back by the ingest."""
    column: str | None = None
    ingest_says: str | None = None
    prepare: str = ""
    key: dict[str, int] = field(default_factory=dict)


def line_case(name: str, change: str, rule: str, column: str, prepare: str = "") -> Case:
    return Case(
        name,
        "lineitem",
        f"update tpch.lineitem set {change}, updated_at = '{{stamp}}' where {{key}}",
        "restore",
        rule,
        column,
        prepare=prepare,
    )


CASES = [
    line_case(
        "null_quantity",
        "l_quantity = null",
        "missing_value",
        "quantity",
        prepare="alter table tpch.lineitem alter column l_quantity drop not null",
    ),
    line_case("negative_quantity", "l_quantity = -3", "out_of_range", "quantity"),
    line_case("discount_above_one", "l_discount = 1.5", "out_of_range", "discount_rate"),
    line_case("negative_price", "l_extendedprice = -10", "out_of_range", "extended_price"),
    line_case("unknown_ship_mode", "l_shipmode = 'CANOE'", "unknown_code", "ship_mode"),
    line_case("shipped_before_ordered", "l_shipdate = date '1990-01-01'", "dates_out_of_order", "ship_date"),
    line_case("received_before_shipped", "l_receiptdate = l_shipdate - 5", "dates_out_of_order", "receipt_date"),
    line_case("control_character", "l_comment = E'bell\\x07 inside'", "bad_text", "lineitem_comment"),
    Case(
        "orphan_line",
        "lineitem",
        "insert into tpch.lineitem (l_orderkey, l_partkey, l_suppkey, l_linenumber, l_quantity, l_extendedprice, "
        "l_discount, l_tax, l_returnflag, l_linestatus, l_shipdate, l_commitdate, l_receiptdate, l_shipinstruct, "
        "l_shipmode, l_comment, created_at, updated_at) select 999999999, l_partkey, l_suppkey, 1, l_quantity, "
        "l_extendedprice, l_discount, l_tax, l_returnflag, l_linestatus, l_shipdate, l_commitdate, l_receiptdate, "
        "l_shipinstruct, l_shipmode, 'no such order', '{stamp}', '{stamp}' from tpch.lineitem "
        "order by l_orderkey limit 1",
        "delete from tpch.lineitem where {key}",
        "orphan",
        "order_id",
        key={"l_orderkey": 999999999, "l_linenumber": 1},
    ),
    Case(
        "unknown_segment",
        "customer",
        "update tpch.customer set c_mktsegment = 'BOGUS', updated_at = '{stamp}' where {key}",
        "restore",
        "unknown_code",
        "market_segment",
    ),
    Case(
        "orphan_nation",
        "customer",
        "update tpch.customer set c_nationkey = 99, updated_at = '{stamp}' where {key}",
        "restore",
        "orphan",
        "nation_id",
    ),
    Case(
        "ten_kilobytes_of_text",
        "customer",
        "update tpch.customer set c_comment = repeat('x', 10240), updated_at = '{stamp}' where {key}",
        "restore",
        "bad_text",
        "customer_comment",
        prepare="alter table tpch.customer alter column c_comment type text",
    ),
    Case(
        "negative_supply_cost",
        "partsupp",
        "update tpch.partsupp set ps_supplycost = -1, updated_at = '{stamp}' where {key}",
        "restore",
        "out_of_range",
        "supply_cost",
    ),
    Case(
        "null_customer_key",
        "orders",
        "update tpch.orders set o_custkey = null, updated_at = '{stamp}' where {key}",
        "restore",
        "missing_value",
        "customer_id",
        prepare="alter table tpch.orders alter column o_custkey drop not null",
    ),
    Case(
        "unknown_order_status",
        "orders",
        "update tpch.orders set o_orderstatus = 'X', updated_at = '{stamp}' where {key}",
        "restore",
        "unknown_code",
        "order_status",
    ),
    Case(
        "future_stamp",
        "part",
        "update tpch.part set p_comment = 'ahead', updated_at = '2099-06-01' where {key}",
        "restore",
        ingest_says="held back 1 row(s) of tpch.part whose updated_at is after the source's clock",
    ),
    Case(
        "null_stamp",
        "supplier",
        "update tpch.supplier set s_comment = 'unstamped', updated_at = null where {key}",
        "restore",
        ingest_says="held back 1 row(s) of tpch.supplier whose updated_at is NULL",
        prepare="alter table tpch.supplier alter column updated_at drop not null; "
        "alter table demo.truth_log alter column changed_at drop not null",
    ),
]
"""Each on its own row; lineitem cases on lines of distinct closed orders, the others on distinct members."""


GOOD_QUANTITY = 7
"""The good change of the same run: one line's quantity and one customer's address."""


def key_sql(key: dict[str, int]) -> str:
    return " and ".join(f"{column} = {value}" for column, value in key.items())


@dataclass
class Shared:
    cases: list[Case]
    ingest_code: int = 0
    ingest_output: str = ""
    build_code: int = 0
    build_output: str = ""
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    originals: dict = field(default_factory=dict)
    good_line: dict[str, int] = field(default_factory=dict)
    good_customer: int = 0


def pick_keys(dbs) -> tuple[list[dict[str, int]], list[dict[str, int]]]:
    orders = [
        order
        for (order,) in query(
            dbs.source,
            "select o_orderkey from tpch.orders where o_orderstatus = 'F' "
            "and o_orderkey < 50000 order by o_orderkey desc limit 16",
        )
    ]
    customers = [
        customer
        for (customer,) in query(
            dbs.source, "select c_custkey from tpch.customer order by c_custkey desc offset 20 limit 4"
        )
    ]
    return (
        [{"l_orderkey": order, "l_linenumber": 1} for order in orders],
        [{"c_custkey": customer} for customer in customers],
    )


def stable_state(dbs, lines: list[dict], customers: list[int]) -> dict[str, tuple[int, str]]:
    """Raw, snapshots and marts without the rows the catalogue touches: they must not change at all."""
    orders = ", ".join(str(line["l_orderkey"]) for line in lines) + ", 999999999"
    members = ", ".join(str(customer) for customer in customers)
    parts = "p_partkey not in (select p_partkey from raw_tpch.part order by p_partkey limit 1)"
    filters = {
        "raw_tpch.lineitem": f"l_orderkey not in ({orders})",
        "raw_tpch.orders": f"o_orderkey not in ({orders})",
        "raw_tpch.customer": f"c_custkey not in ({members})",
        "raw_tpch.part": parts,
        "raw_tpch.partsupp": "(ps_partkey, ps_suppkey) not in (select ps_partkey, ps_suppkey from raw_tpch.partsupp "
        "order by ps_partkey, ps_suppkey limit 1)",
        "raw_tpch.supplier": "s_suppkey not in (select min(s_suppkey) from raw_tpch.supplier)",
        "snapshots.snp_tpch__customer": f"customer_id not in ({members})",
        "marts.fct_order_lines": f"order_id not in ({orders})",
        "marts.fct_orders": f"order_id not in ({orders})",
        "marts.dim_customer": f"customer_id is null or customer_id not in ({members})",
    }
    state = {}
    for name, where in filters.items():
        schema, table = name.split(".")
        rows = query(
            dbs.warehouse,
            f"select count(*), coalesce(md5(string_agg(t::text, E'\\n' order by t::text)), '') "
            f"from {schema}.{table} as t where {where}",
        )
        state[name] = rows[0]
    return state


@pytest.fixture(scope="module")
def shared(built) -> Shared:
    """Plant every catalogue case and one good change, then one ingest and one dbt build."""
    lines, customers = pick_keys(built)
    cases = [Case(**{**case.__dict__}) for case in CASES]
    (part,) = query(built.source, "select p_partkey from tpch.part order by p_partkey limit 1")
    (partsupp,) = query(built.source, "select ps_partkey, ps_suppkey from tpch.partsupp order by 1, 2 limit 1")
    (supplier,) = query(built.source, "select min(s_suppkey) from tpch.supplier")
    other = {
        "part": {"p_partkey": part[0]},
        "partsupp": {"ps_partkey": partsupp[0], "ps_suppkey": partsupp[1]},
        "supplier": {"s_suppkey": supplier[0]},
    }
    orders = iter({"o_orderkey": line["l_orderkey"]} for line in lines[10:])
    line_keys, customer_keys = iter(lines), iter(customers)
    for case in cases:
        if case.key:
            continue
        if case.table == "lineitem":
            case.key = next(line_keys)
        elif case.table == "customer":
            case.key = next(customer_keys)
        elif case.table == "orders":
            case.key = next(orders)
        else:
            case.key = other[case.table]
    run_state = Shared(cases, good_line=lines[-1], good_customer=customers[-1]["c_custkey"])
    touched = [case.key["c_custkey"] for case in cases if case.table == "customer"] + [run_state.good_customer]
    run_state.before = stable_state(built, lines, touched)
    for case in cases:
        if case.prepare:
            execute(built.source, case.prepare)
        if case.fix == "restore":
            columns = query(built.source, f"select * from tpch.{case.table} where {key_sql(case.key)}")
            run_state.originals[case.name] = columns
        execute(built.source, case.plant.format(key=key_sql(case.key), stamp=STAMP))
    execute(
        built.source,
        f"update tpch.lineitem set l_quantity = {GOOD_QUANTITY}, updated_at = '{STAMP}' "
        f"where {key_sql(run_state.good_line)}",
    )
    execute(
        built.source,
        f"update tpch.customer set c_address = 'New Street 1', updated_at = '{STAMP}' "
        f"where c_custkey = {run_state.good_customer}",
    )
    run_state.ingest_code, run_state.ingest_output = ingest(built)
    run_state.build_code, run_state.build_output = build(built, check=False)
    run_state.after = stable_state(built, lines, touched)
    return run_state


def test_the_shared_run_stays_green_and_counts_what_it_keeps_out(shared):
    assert shared.ingest_code == 0, shared.ingest_output
    assert shared.build_code == 0, shared.build_output[-5000:]
    listed = len(shared.cases)  # every case is one present event: kept out by dbt, or held back by the ingest
    assert f"WARN {listed} assert_quarantine_below_threshold" in shared.build_output, shared.build_output[-3000:]
    assert f"quarantine: {listed} source row/rule pair(s) kept out of the star" in shared.build_output
    assert "correct them in the source and the next ingest + dbt build lets them in" in shared.build_output


def test_nothing_already_loaded_is_lost(shared):
    assert shared.after == shared.before


def test_the_good_rows_of_the_same_run_arrive(shared, built):
    line = shared.good_line
    assert query(
        built.warehouse,
        "select quantity from marts.fct_order_lines where order_id = %s and line_number = %s",
        (line["l_orderkey"], line["l_linenumber"]),
    ) == [(GOOD_QUANTITY,)]
    assert query(
        built.warehouse,
        "select customer_address from marts.dim_customer where customer_id = %s and is_current",
        (shared.good_customer,),
    ) == [("New Street 1",)]


@pytest.mark.parametrize("name", [case.name for case in CASES])
def test_each_bad_row_is_visible_and_kept_out(shared, built, name):
    case = next(case for case in shared.cases if case.name == name)
    key = json.dumps(case.key)
    if case.ingest_says:
        assert case.ingest_says in shared.ingest_output, shared.ingest_output
        assert "set updated_at" in shared.ingest_output  # the fix
        events = query(
            built.warehouse,
            "select rule_name, is_present from quarantine.quarantine_events "
            "where table_name = %s and row_key::jsonb = %s::jsonb",
            (case.table, key),
        )
        assert len(events) == 1 and events[0][1], events
        return
    events = query(
        built.warehouse,
        "select rule_name, column_name, is_present from quarantine.quarantine_events "
        "where table_name = %s and row_key::jsonb = %s::jsonb",
        (case.table, key),
    )
    assert (case.rule, case.column, True) in events, events
    summary = f"{case.table}.{case.column} {case.rule}"
    assert summary in shared.build_output, summary
    if case.table == "lineitem":
        assert query(
            built.warehouse,
            "select count(*) from marts.fct_order_lines where order_id = %s and line_number = %s",
            (case.key["l_orderkey"], case.key["l_linenumber"]),
        ) == [(0,)], "a quarantined line reached the fact"
    if case.table == "orders":
        assert query(
            built.warehouse, "select count(*) from marts.fct_orders where order_id = %s", (case.key["o_orderkey"],)
        ) == [(0,)], "a quarantined order reached the fact"
        assert query(
            built.warehouse, "select count(*) from marts.fct_order_lines where order_id = %s", (case.key["o_orderkey"],)
        ) == [(0,)], "the lines of a quarantined order reached the fact"
    if case.table == "customer":
        # The history never records the bad version: the snapshot's current version is the last good one.
        current = query(
            built.warehouse,
            "select dbt_updated_at from snapshots.snp_tpch__customer "
            "where customer_id = %s and dbt_valid_to = '9999-12-31'",
            (case.key["c_custkey"],),
        )
        assert current and current[0][0].isoformat() < STAMP[:10], current


def test_the_threshold_test_fails_past_the_chosen_count(shared, built):
    """The same present events against a threshold one below their count (the shared build warned at the default,
    100): the test fails, naming the count."""
    listed = len(shared.cases)
    result = run(
        dbt(
            "test",
            "--select",
            "assert_quarantine_below_threshold",
            "--vars",
            f"{{quarantine_error_threshold: {listed - 1}}}",
            # its own target folder: other vars force a full parse, which would spoil the builds' partial parse
            "--target-path",
            str(built.dbt_target.parent / "threshold"),
        ),
        built.env,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    assert f"FAIL {listed} assert_quarantine_below_threshold" in output, output[-3000:]


@pytest.fixture(scope="module")
def corrected(shared, built) -> tuple[int, str, int, str]:
    """Correct every planted row in the source; then one ordinary ingest + dbt build."""
    for case in shared.cases:
        where = key_sql(case.key)
        if case.fix == "restore":
            (row,) = shared.originals[case.name]
            columns = [
                column
                for column in query(
                    built.source,
                    "select column_name from information_schema.columns "
                    "where table_schema = 'tpch' and table_name = %s "
                    "order by ordinal_position",
                    (case.table,),
                )
            ]
            names = [column[0] for column in columns]
            assignments = ", ".join(f"{name} = %s" for name in names if name != "updated_at")
            values = [value for name, value in zip(names, row, strict=True) if name != "updated_at"]
            execute(
                built.source,
                f"update tpch.{case.table} set {assignments}, updated_at = '{FIXED}' where {where}",
                values,
            )
        else:
            execute(built.source, case.fix.format(key=where))
    code, output = ingest(built)
    build_code, build_output = build(built, check=False)
    return code, output, build_code, build_output


def test_after_the_fix_one_ordinary_run_brings_everything_back(corrected, shared, built):
    code, output, build_code, build_output = corrected
    assert code == 0, output
    assert "warning: held back" not in output, output
    assert build_code == 0, build_output[-5000:]
    assert "PASS assert_quarantine_below_threshold" in build_output, build_output[-3000:]
    assert "kept out of the star" not in build_output, build_output[-3000:]
    open_events = query(
        built.warehouse, "select table_name, row_key, rule_name from quarantine.quarantine_events where is_present"
    )
    assert open_events == [], open_events
    for case in shared.cases:
        resolved = query(
            built.warehouse,
            "select count(*) from quarantine.quarantine_events where table_name = %s "
            "and row_key::jsonb = %s::jsonb and resolved_at is not null",
            (case.table, json.dumps(case.key)),
        )
        assert resolved[0][0] >= 1, f"{case.name}: no resolved event"
    for table in TABLES:
        raw_equals_source_except(built, table, [])
    for case in shared.cases:
        if case.table == "lineitem" and case.fix == "restore":
            assert query(
                built.warehouse,
                "select count(*) from marts.fct_order_lines where order_id = %s and line_number = %s",
                (case.key["l_orderkey"], case.key["l_linenumber"]),
            ) == [(1,)], f"{case.name}: the corrected line is not in the fact"
        if case.table == "customer":
            current = query(
                built.warehouse,
                "select dbt_updated_at from snapshots.snp_tpch__customer "
                "where customer_id = %s and dbt_valid_to = '9999-12-31'",
                (case.key["c_custkey"],),
            )
            assert current and current[0][0].isoformat().startswith(FIXED[:10]), (case.name, current)


@dataclass
class FutureDay:
    """The issue's sequence, shared by the cases that follow it: what was planted and what each command said."""

    line: tuple[int, int]
    customer: int
    recreated: int
    ingest_code: int = 0
    ingest_output: str = ""
    interrupted_code: int = 0
    interrupted_output: str = ""
    build_code: int = 0
    build_output: str = ""


@pytest.fixture(scope="module")
def future_day(corrected, built) -> FutureDay:
    """Future stamps on a line and a customer, then a simulated day of ordinary changes and a customer deleted and
    recreated in the source; one ingest; a ``dbt build`` interrupted by Ctrl-C; one ``dbt build``.

    One ingest and one build (after the interrupted one) serve the future-stamp, the recreated-key and the Ctrl-C
    cases: each plants on its own rows, and each asserts its own outcome below.
    """
    # A line of a closed order and a customer with an open order: the simulator's day changes neither.
    (line,) = query(
        built.source,
        "select l_orderkey, l_linenumber from tpch.lineitem inner join tpch.orders "
        "on o_orderkey = l_orderkey where o_orderstatus = 'F' "
        "order by l_orderkey desc, l_linenumber limit 1",
    )
    (customer,) = query(
        built.source, "select o_custkey from tpch.orders where o_orderstatus = 'O' order by o_orderkey limit 1"
    )
    execute(
        built.source,
        "update tpch.lineitem set updated_at = '2099-01-01', l_comment = 'from the future' "
        "where (l_orderkey, l_linenumber) = (%s, %s)",
        line,
    )
    execute(
        built.source,
        "update tpch.customer set updated_at = '2099-01-01', c_comment = 'from the future' where c_custkey = %s",
        customer,
    )
    run(python("demo/source.py", "advance", "--days", "1"), built.env)
    assert not simulator_touched(built, "lineitem", {"l_orderkey": line[0], "l_linenumber": line[1]})
    assert not simulator_touched(built, "customer", {"c_custkey": customer[0]})
    (row,) = query(built.source, "select * from tpch.customer order by c_custkey desc limit 1")
    assert row[0] != customer[0]
    execute(built.source, "delete from tpch.customer where c_custkey = %s", (row[0],))
    execute(built.source, f"insert into tpch.customer values ({', '.join(['%s'] * len(row))})", row)
    execute(
        built.source,
        "update tpch.customer set c_address = 'back again', updated_at = %s where c_custkey = %s",
        ("1998-08-20 00:00:00+00", row[0]),
    )
    day = FutureDay(line, customer[0], row[0])
    day.ingest_code, day.ingest_output = ingest(built)
    for _attempt in range(3):  # once in a while dbt finishes without acting on the SIGINT (seen 28 Nov 2026): again
        day.interrupted_code, day.interrupted_output = interrupted(dbt("build"), built.env, 3.0, after=" START ")
        if day.interrupted_code != 0:
            break
    day.build_code, day.build_output = build(built, check=False)  # all of it: a partial build drops dependants
    return day


def test_a_future_stamp_hides_no_later_change(future_day, built):
    """The issue's sequence: future stamps on a line and a customer, then ordinary changes, then ingest + build."""
    line, customer = future_day.line, future_day.customer
    code, output = future_day.ingest_code, future_day.ingest_output
    assert code == 0, output
    assert "held back 1 row(s) of tpch.lineitem whose updated_at is after the source's clock" in output, output
    assert "held back 1 row(s) of tpch.customer whose updated_at is after the source's clock" in output, output
    assert "raw_tpch.held_rows" in output
    # Every ordinary change arrived: raw equals the source but for the two held rows (raw keeps their last
    # good version).
    for table in TABLES:
        raw_equals_source_except(built, table, {"lineitem": [line], "customer": [(customer,)]}.get(table, []))
    held = query(
        built.warehouse,
        "select table_name, row_key, rule, column_name, offending_value "
        "from raw_tpch.held_rows where resolved_at is null order by 1",
    )
    assert [(table, json.loads(key), *rest) for table, key, *rest in held] == [
        ("customer", {"c_custkey": customer}, "updated_at_in_future", "updated_at", "2099-01-01 00:00:00+00"),
        (
            "lineitem",
            {"l_orderkey": line[0], "l_linenumber": line[1]},
            "updated_at_in_future",
            "updated_at",
            "2099-01-01 00:00:00+00",
        ),
    ]
    assert query(built.warehouse, "select count(*) from raw_tpch.customer where c_comment = 'from the future'") == [
        (0,)
    ]
    assert future_day.build_code == 0, future_day.build_output[-5000:]
    # Every line the simulated day wrote is in the fact.
    changed = set(
        query(
            built.source,
            "select l_orderkey, l_linenumber from tpch.lineitem "
            "where updated_at >= '1998-08-03' and updated_at < '2099-01-01'",
        )
    )
    in_fact = set(query(built.warehouse, "select order_id, line_number from marts.fct_order_lines"))
    assert changed and changed <= in_fact, sorted(changed - in_fact)[:10]


def test_a_deleted_and_recreated_key_comes_back_alive(future_day, built):
    key = future_day.recreated
    assert future_day.ingest_code == 0, future_day.ingest_output
    assert query(
        built.warehouse, "select c_address, _deleted_at from raw_tpch.customer where c_custkey = %s", (key,)
    ) == [("back again", None)]
    assert future_day.build_code == 0, future_day.build_output[-5000:]
    assert query(
        built.warehouse,
        "select is_deleted, customer_address from marts.dim_customer where customer_id = %s and is_current",
        (key,),
    ) == [(False, "back again")]


def test_ctrl_c_during_dbt_build(future_day):
    """dbt cancels its open queries and exits 2; what it finished stays, the rest is rolled back; rebuild."""
    code, output = future_day.interrupted_code, future_day.interrupted_output
    assert code == 2, output
    assert "Traceback" not in output, output
    assert "interrupted (Ctrl-C): dbt cancelled its open queries" in output, output
    assert "run `dbt build` again" in output, output
    assert future_day.build_code == 0, future_day.build_output[-5000:]


def test_a_corrected_stamp_is_read_by_key_even_behind_the_cursor(future_day, built):
    """Correcting the future stamps to an old time (behind the cursor) still brings the rows in."""
    customer, line = future_day.customer, future_day.line
    execute(
        built.source,
        "update tpch.customer set updated_at = '1998-08-03 12:00', c_comment = 'corrected' where c_custkey = %s",
        (customer,),
    )
    execute(
        built.source,
        "update tpch.lineitem set updated_at = '1998-08-03 12:00', l_comment = 'corrected' "
        "where (l_orderkey, l_linenumber) = (%s, %s)",
        line,
    )
    code, output = ingest(built)
    assert code == 0, output
    assert "tpch.customer: 1 row(s) held back before are corrected and re-read by key" in output, output
    assert "tpch.lineitem: 1 row(s) held back before are corrected and re-read by key" in output, output
    assert query(built.warehouse, "select c_comment from raw_tpch.customer where c_custkey = %s", (customer,)) == [
        ("corrected",)
    ]
    assert query(
        built.warehouse,
        "select resolved_at is not null from raw_tpch.held_rows where table_name in ('customer', 'lineitem')",
    ) == [(True,), (True,)]
    for table in ("customer", "lineitem"):
        raw_equals_source_except(built, table, [])


def test_a_change_to_an_order_alone_is_checked_on_its_lines(future_day, built):
    """quarantine_violations checks again only what can have changed since its last build
    (macros/quarantine/quarantine_rules.sql, quarantine_recheck_units), so a line whose rule reads its order
    must be checked again when only the order is loaded or deleted. An order's date moved past its lines' ship
    dates: every line shows as dates_out_of_order; the date moved back: they are gone; another order deleted in
    the source with its lines left behind: they show as orphans. Each step one ingest + build that loads no
    line. Every build recorded the load watermark it checked through, the warehouse's first one included (it
    once had none: dbt's relation cache had no audit table yet, and the next build checked every row)."""
    ((recorded, with_watermark),) = query(
        built.warehouse, "select count(*), count(loads_committed_through) from audit.quarantine_checks"
    )
    assert recorded >= 3 and with_watermark == recorded, (recorded, with_watermark)

    def lines_listed(order: int, rule: str, column: str) -> list[int]:
        return [
            line
            for (line,) in query(
                built.warehouse,
                "select (row_key::jsonb ->> 'l_linenumber')::int from quarantine.quarantine_violations "
                "where table_name = 'lineitem' and rule_name = %s and column_name = %s "
                "and (row_key::jsonb ->> 'l_orderkey')::bigint = %s order by 1",
                (rule, column, order),
            )
        ]

    def ingest_and_build() -> None:
        code, output = ingest(built)
        assert code == 0, output
        code, output = build(built, check=False)
        assert code == 0, output[-5000:]

    moved, deleted = (
        order
        for (order,) in query(
            built.source,
            "select o_orderkey from tpch.orders where o_orderstatus = 'F' order by o_orderkey limit 2",
        )
    )
    lines = {
        order: [
            line
            for (line,) in query(
                built.source, "select l_linenumber from tpch.lineitem where l_orderkey = %s order by 1", (order,)
            )
        ]
        for order in (moved, deleted)
    }
    assert lines[moved] and lines[deleted], lines
    ((order_date,),) = query(built.source, "select o_orderdate from tpch.orders where o_orderkey = %s", (moved,))
    execute(
        built.source,
        "update tpch.orders set o_orderdate = (select max(l_shipdate) + 1 from tpch.lineitem where l_orderkey = %s), "
        "updated_at = '1998-08-21 00:00:00+00' where o_orderkey = %s",
        (moved, moved),
    )
    ingest_and_build()
    assert lines_listed(moved, "dates_out_of_order", "ship_date") == lines[moved]

    execute(
        built.source,
        "update tpch.orders set o_orderdate = %s, updated_at = '1998-08-21 01:00:00+00' where o_orderkey = %s",
        (order_date, moved),
    )
    execute(built.source, "delete from tpch.orders where o_orderkey = %s", (deleted,))
    ingest_and_build()
    assert lines_listed(moved, "dates_out_of_order", "ship_date") == []
    assert lines_listed(deleted, "orphan", "order_id") == lines[deleted]


# Last: it rebuilds dim_customer's history from the snapshot on, after every case above has asserted its own.
def test_a_wrong_version_in_a_snapshot_is_repaired_by_the_documented_command(built):
    """The issue's stuck state: a snapshot holds a bad version (here planted by hand) and every build fails.
    `dbt run-operation repair_snapshot` removes it, the rebuild is green, the history is whole again.

    Planted as a snapshot run would have written it: a version loaded after the dimension's last build (its
    loaded_at), which is how the dimension's incremental build finds the members to compare
    (macros/scd2/scd2_members_to_rebuild.sql); a row edited in place with an old loaded_at is not one."""
    (customer,) = query(
        built.warehouse,
        "select customer_id from snapshots.snp_tpch__customer "
        "where dbt_valid_to = '9999-12-31' order by customer_id limit 1",
    )
    execute(
        built.warehouse,
        "update snapshots.snp_tpch__customer set market_segment = 'BOGUS', loaded_at = now() "
        "where customer_id = %s and dbt_valid_to = '9999-12-31'",
        customer,
    )
    code, output = build(built, "--select", "dim_customer", check=False)
    assert code != 0 and "accepted_values_dim_customer_market_segment" in output, output[-3000:]
    result = run(dbt("run-operation", "repair_snapshot", "--args", "{table: customer}"), built.env)
    assert "repair_snapshot: removed 1 version(s)" in result.stdout, result.stdout
    code, output = build(built, "--select", "snp_tpch__customer+", "--full-refresh", check=False)
    assert code == 0, output[-5000:]
    assert query(
        built.warehouse, "select count(*) from snapshots.snp_tpch__customer where market_segment = 'BOGUS'"
    ) == [(0,)]
    assert query(
        built.warehouse,
        "select count(*) from snapshots.snp_tpch__customer where customer_id = %s and dbt_valid_to = '9999-12-31'",
        customer,
    ) == [(1,)]
