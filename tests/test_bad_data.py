"""Bad data never blocks the warehouse and never vanishes; bad settings and bad moments get one clear message.

On fresh databases (a demo source at SF 0.01, one ingest and one ``dbt build``), each case breaks something the
way a newcomer would (by hand in the source, a setting, a signal), runs the real commands and asserts:

- the exit code, and a message that names the table or setting, the column or privilege, the count and the fix,
  never a Python traceback;
- nothing already loaded is lost: row counts and checksums of raw, the snapshots and the marts before and after
  (``warehouse_state``);
- the good rows of the same run arrive;
- the bad row is visible where a person looks: ``raw_tpch.held_rows``, the quarantine, or a named failing test.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import pytest
from helpers import (
    PRIMARY_KEYS,
    ROOT,
    checksum,
    dbt,
    drop_database,
    execute,
    python,
    query,
    raw_vs_source,
    run,
    source_types,
)
from psycopg2 import sql

from ingest import roles
from ingest.config import RAW_SCHEMA, SOURCE_SCHEMA, TABLES
from ingest.privileges import source_grants, warehouse_grants

pytestmark = pytest.mark.slow

STATE_SCHEMAS = (RAW_SCHEMA, "snapshots", "marts")
"""What a failed run must leave exactly as it was."""
LOADER = "pytest_loader_e13"
PASSWORD = "loader-secret"
HELD: dict[str, int] = {}
"""Keys a case held back in the source, for the case that corrects them."""


# ------------------------------------------------------------------------------------------------ helpers


def warehouse_state(dbs) -> dict[str, tuple[int, str]]:
    """Every table of raw, snapshots and marts: (row count, md5 of all its rows in a stable order).

    dlt's bookkeeping columns (``_dlt_load_id``, ``_dlt_id``) are left out: a run that re-merges identical rows
    (the delete log's lag window) gives them new ids without changing any data.
    """
    columns = query(
        dbs.warehouse,
        """
        select col.table_schema, col.table_name, array_agg(col.column_name::text order by col.ordinal_position)
        from information_schema.columns as col
        inner join information_schema.tables as tab
            on tab.table_schema = col.table_schema and tab.table_name = col.table_name
        where col.table_schema = any(%s) and tab.table_type = 'BASE TABLE' and col.table_name not like '\\_dlt%%'
            and col.table_name not like 'held\\_%%' and col.column_name not like '\\_dlt\\_%%'
        group by 1, 2
        order by 1, 2""",
        (list(STATE_SCHEMAS),),
    )
    state = {}
    for schema, table, names in columns:
        statement = sql.SQL(
            "select count(*), coalesce(md5(string_agg(row_text, E'\\n' order by row_text)), '') "
            "from (select row({})::text as row_text from {}.{} as t) as rows"
        ).format(
            sql.SQL(", ").join(sql.Identifier("t", name) for name in names),
            sql.Identifier(schema),
            sql.Identifier(table),
        )
        with contextlib.closing(psycopg2.connect(**dbs.warehouse.connect_kwargs())) as conn, conn.cursor() as cur:
            cur.execute(statement)
            state[f"{schema}.{table}"] = cur.fetchone()
    return state


def raw_equals_source_except(dbs, table: str, keys: list[tuple]) -> None:
    """Raw's live rows equal the source's, leaving out the rows with ``keys`` (held back in the source)."""
    key = PRIMARY_KEYS[table]
    if keys:
        listed = ", ".join(f"({', '.join(map(str, k))})" for k in keys)
        where = f"({', '.join(key)}) not in ({listed})"
    else:
        where = "true"
    types = source_types(dbs.source, SOURCE_SCHEMA, table)
    expected = checksum(dbs.source, SOURCE_SCHEMA, table, list(types), key, where=where)
    casts = {column: f"{column}::{kind}" for column, kind in types.items()}
    got = checksum(
        dbs.warehouse, RAW_SCHEMA, table, list(types), key, where=f"_deleted_at is null and {where}", casts=casts
    )
    assert got == expected, f"raw_tpch.{table} {got} differs from the source {expected} (held keys {keys})"


def simulator_touched(dbs, table: str, key: dict[str, int]) -> bool:
    """Whether the simulator changed this key (its truth log), which would overwrite a hand-made stamp."""
    return bool(
        query(
            dbs.source,
            "select 1 from demo.truth_log where table_name = %s and key = %s::jsonb and sim_date is not null limit 1",
            (table, json.dumps(key)),
        )
    )


def ingest(dbs, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run ingest; the caller asserts the exit code."""
    result = run(python("ingest/run.py", *args), dbs.env | (env or {}), check=False)
    return result.returncode, result.stdout + result.stderr


def build(dbs, *args: str, check: bool = True) -> tuple[int, str]:
    """Run dbt build; unless ``check`` is false a failure fails the test with dbt's output."""
    result = run(dbt("build", *args), dbs.env, check=check)
    return result.returncode, result.stdout + result.stderr


def assert_clear_failure(code: int, output: str, *expected: str, exit_code: int = 1) -> None:
    assert code == exit_code, f"expected exit {exit_code}, got {code}:\n{output}"
    assert "Traceback" not in output, output
    for text in expected:
        assert text in output, f"{text!r} missing from:\n{output}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def foreign_program(port: int):
    """A program that is not PostgreSQL on ``port``: it answers every connection with an HTTP error."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen()
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                client, _ = server.accept()
            except OSError:
                continue
            with client, contextlib.suppress(OSError):
                client.settimeout(2)
                client.recv(64)
                client.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        server.close()


@contextlib.contextmanager
def role(dbs, name: str, grants: dict[str, list[str]]):
    """A login role with exactly ``grants`` (side -> statements), dropped afterwards."""
    drop = f'drop owned by "{name}" cascade'
    if query(dbs.warehouse, "select 1 from pg_roles where rolname = %s", (name,)):
        for loc in (dbs.source, dbs.warehouse):
            execute(loc, drop)
        execute(dbs.warehouse, f'drop role "{name}"')
    execute(dbs.warehouse, f"create role \"{name}\" login password '{PASSWORD}'")
    try:
        for side, statements in grants.items():
            loc = dbs.source if side == "source" else dbs.warehouse
            for statement in statements:
                execute(loc, statement)
        yield dbs.env | {
            "WAREHOUSE_USER": name,
            "WAREHOUSE_PASSWORD": PASSWORD,
            "SOURCE_USER": name,
            "SOURCE_PASSWORD": PASSWORD,
        }
    finally:
        for loc in (dbs.source, dbs.warehouse):
            execute(loc, drop)
        execute(dbs.warehouse, f'drop role if exists "{name}"')


def loader_grants(dbs, name: str) -> dict[str, list[str]]:
    """Exactly the grants the README lists (ingest/roles.py is the one place they are written)."""
    return {"source": source_grants(name, dbs.source.dbname), "warehouse": warehouse_grants(name, dbs.warehouse.dbname)}


def can_mount() -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    probe = Path(f"/tmp/pytest-mount-probe-{os.getpid()}")
    probe.mkdir(exist_ok=True)
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)], check=False, capture_output=True
        )
        if done.returncode != 0:
            return False
        subprocess.run(["umount", str(probe)], check=True)
        return True
    finally:
        probe.rmdir()


@contextlib.contextmanager
def small_disk(folder: Path, options: str):
    """A tmpfs mounted at ``folder`` (``options`` e.g. 'size=2m' or 'ro')."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def external(dbs) -> dict[str, str]:
    """The same databases, addressed as an external server: the project will not start or restart it."""
    return {"WAREHOUSE_HOST": "127.0.0.1", "SOURCE_HOST": "127.0.0.1"}


# ------------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def built(landed):
    """The landed databases after one ``dbt build``: raw, snapshots and marts all hold rows."""
    build(landed)
    return landed


# ------------------------------------------------------------------------------------------------ catalogue

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
    # At the default threshold the same count only warns: the shared run's build says so (first test above).


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


# ------------------------------------------------------------------------------------------------ timestamps


def test_a_future_stamp_hides_no_later_change(built):
    """The issue's sequence: future stamps on a line and a customer, then ordinary changes, then ingest + build."""
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
    code, output = ingest(built)
    assert code == 0, output
    assert "held back 1 row(s) of tpch.lineitem whose updated_at is after the source's clock" in output, output
    assert "held back 1 row(s) of tpch.customer whose updated_at is after the source's clock" in output, output
    assert "raw_tpch.held_rows" in output
    # Every ordinary change arrived: raw equals the source but for the two held rows (raw keeps their last
    # good version).
    for table in TABLES:
        raw_equals_source_except(built, table, {"lineitem": [line], "customer": [customer]}.get(table, []))
    held = query(
        built.warehouse,
        "select table_name, row_key, rule, column_name, offending_value "
        "from raw_tpch.held_rows where resolved_at is null order by 1",
    )
    assert [(table, json.loads(key), *rest) for table, key, *rest in held] == [
        ("customer", {"c_custkey": customer[0]}, "updated_at_in_future", "updated_at", "2099-01-01 00:00:00+00"),
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
    code, output = build(built)
    assert code == 0, output
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
    HELD["customer"] = customer[0]
    HELD["line"] = line


def test_a_corrected_stamp_is_read_by_key_even_behind_the_cursor(built):
    """Correcting the future stamps to an old time (behind the cursor) still brings the rows in."""
    customer, line = HELD["customer"], HELD["line"]
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


def test_a_future_row_lands_once_its_time_is_reached(built):
    (due,) = query(
        built.source,
        "update tpch.supplier set updated_at = now() + interval '25 seconds', "
        "s_comment = 'soon' where s_suppkey = 3 returning updated_at",
    )
    env = {"CURSOR_SAFETY_WINDOW_SECONDS": "0"}
    code, output = ingest(built, env=env)
    assert code == 0 and "held back 1 row(s) of tpch.supplier" in output, output
    assert query(built.warehouse, "select s_comment from raw_tpch.supplier where s_suppkey = 3") != [("soon",)]
    wait = (due[0] - query(built.source, "select now()")[0][0]).total_seconds()
    time.sleep(max(wait, 0) + 1)
    code, output = ingest(built, env=env)
    assert code == 0 and "held back 1 row(s) of tpch.supplier" not in output, output
    assert query(built.warehouse, "select s_comment from raw_tpch.supplier where s_suppkey = 3") == [("soon",)]
    # The supplier cursor now stands at today's wall clock, decades after the demo's simulated time: put the row
    # back in simulated time and replay the table (README, 'When something is wrong'), as a user of the demo must.
    execute(built.source, "update tpch.supplier set updated_at = '1998-08-03 12:00' where s_suppkey = 3")
    code, output = ingest(built, "--tables", "supplier", "--full-refresh")
    assert code == 0, output
    raw_equals_source_except(built, "supplier", [])


def test_a_null_stamp_is_held_not_fatal(built):
    """A source whose updated_at may be NULL: the row is held and named; every other table still loads."""
    execute(built.source, "alter table tpch.part alter column updated_at drop not null")
    execute(built.source, "alter table demo.truth_log alter column changed_at drop not null")
    execute(built.source, "update tpch.part set updated_at = null, p_comment = 'no stamp' where p_partkey = 11")
    try:
        run(python("demo/source.py", "advance", "--days", "1"), built.env)
        code, output = ingest(built)
        assert code == 0, output
        assert "held back 1 row(s) of tpch.part whose updated_at is NULL" in output, output
        assert query(
            built.warehouse,
            "select row_key from raw_tpch.held_rows where rule = 'updated_at_missing' and resolved_at is null",
        ) == [('{"p_partkey": 11}',)]
        expected, got = raw_vs_source(built.source, built.warehouse, "orders")
        assert got == expected
    finally:
        execute(built.source, "update tpch.part set updated_at = '1998-08-04 12:00' where p_partkey = 11")
        execute(built.source, "alter table tpch.part alter column updated_at set not null")
    code, output = ingest(built)
    assert code == 0 and "re-read by key" in output, output
    assert query(built.warehouse, "select p_comment from raw_tpch.part where p_partkey = 11") == [("no stamp",)]


# ------------------------------------------------------------------------------------------------ tables and columns


def test_a_time_zone_less_timestamp(built):
    """A source whose updated_at has no time zone: its values are taken as UTC and land unchanged."""
    execute(
        built.source,
        "alter table tpch.region alter column updated_at type timestamp using updated_at at time zone 'UTC'",
    )
    try:
        execute(
            built.source,
            "update tpch.region set r_comment = 'naive', updated_at = '1998-08-09 10:00' where r_regionkey = 1",
        )
        code, output = ingest(built)
        assert code == 0, output
        assert query(
            built.warehouse, "select r_comment, updated_at::text from raw_tpch.region where r_regionkey = 1"
        ) == [("naive", "1998-08-09 10:00:00+00")]
    finally:
        execute(
            built.source,
            "alter table tpch.region alter column updated_at type timestamptz using updated_at at time zone 'UTC'",
        )


def test_an_emptied_table_is_named_and_nothing_is_lost(built):
    """TRUNCATE fires no delete trigger: the run says the table lost rows without a delete and how to replay it."""
    saved = query(built.source, "select * from tpch.nation order by n_nationkey")
    before = warehouse_state(built)
    execute(built.source, "alter table tpch.nation disable trigger demo_truth_log_truncate")
    try:
        execute(built.source, "truncate tpch.nation")
        code, output = ingest(built)
        assert code == 0, output
        assert (
            "raw_tpch.nation holds 25 live row(s) but source table tpch.nation has 0: 25 row(s) left the source "
            "without a captured delete" in output
        ), output
        assert "python ingest/run.py --tables nation --full-refresh" in output
        assert {name: state for name, state in warehouse_state(built).items() if "nation" in name} == {
            name: state for name, state in before.items() if "nation" in name
        }
    finally:
        columns = len(saved[0])
        for row in saved:
            execute(built.source, f"insert into tpch.nation values ({', '.join(['%s'] * columns)})", row)
        execute(built.source, "alter table tpch.nation enable trigger demo_truth_log_truncate")
    code, output = ingest(built)
    assert code == 0 and "left the source" not in output, output


def test_a_dropped_table_stops_the_run_before_anything_is_written(built):
    before = warehouse_state(built)
    execute(built.source, "alter table tpch.region rename to region_dropped")
    try:
        code, output = ingest(built)
        assert_clear_failure(code, output, "source table tpch.region does not exist", "create it")
        assert warehouse_state(built) == before
    finally:
        execute(built.source, "alter table tpch.region_dropped rename to region")


def test_duplicate_keys_in_a_source_without_a_primary_key(built):
    before = warehouse_state(built)
    execute(built.source, "alter table tpch.nation drop constraint nation_pkey")
    execute(built.source, "insert into tpch.nation select * from tpch.nation where n_nationkey = 5")
    try:
        code, output = ingest(built)
        assert_clear_failure(
            code, output, "source table tpch.nation has no primary key", "alter table tpch.nation add primary key"
        )
        assert warehouse_state(built) == before
    finally:
        # Remove the copy without recording a delete of key 5 (which would tombstone the real nation 5).
        execute(built.source, "alter table tpch.nation disable trigger user")
        execute(
            built.source,
            "delete from tpch.nation as copy where n_nationkey = 5 and ctid <> "
            "(select min(ctid) from tpch.nation where n_nationkey = 5)",
        )
        execute(built.source, "alter table tpch.nation enable trigger user")
        execute(built.source, "alter table tpch.nation add primary key (n_nationkey)")


def test_a_deleted_and_recreated_key_comes_back_alive(built):
    (row,) = query(built.source, "select * from tpch.customer order by c_custkey desc limit 1")
    key = row[0]
    execute(built.source, "delete from tpch.customer where c_custkey = %s", (key,))
    execute(built.source, f"insert into tpch.customer values ({', '.join(['%s'] * len(row))})", row)
    execute(
        built.source,
        "update tpch.customer set c_address = 'back again', updated_at = %s where c_custkey = %s",
        ("1998-08-20 00:00:00+00", key),
    )
    code, output = ingest(built)
    assert code == 0, output
    assert query(
        built.warehouse, "select c_address, _deleted_at from raw_tpch.customer where c_custkey = %s", (key,)
    ) == [("back again", None)]
    code, output = build(built)  # all of it: a partial build re-creates views and drops their dependants
    assert query(
        built.warehouse,
        "select is_deleted, customer_address from marts.dim_customer where customer_id = %s and is_current",
        (key,),
    ) == [(False, "back again")]


def test_a_renamed_column_is_reported_and_reloaded(built):
    execute(built.source, "alter table tpch.supplier rename column s_comment to s_remark")
    try:
        code, output = ingest(built)
        assert code == 0, output
        assert "tpch.supplier has new column(s) s_remark" in output and "reloaded in full" in output, output
        assert "tpch.supplier no longer has column(s) s_comment" in output, output
        assert query(
            built.warehouse, "select count(*) from raw_tpch.supplier where s_remark is null and _deleted_at is null"
        ) == [(0,)]
    finally:
        execute(built.source, "alter table tpch.supplier rename column s_remark to s_comment")
    # Rows reloaded while the column was renamed hold NULL in s_comment: replay the table (README, 'When
    # something is wrong').
    code, output = ingest(built, "--tables", "supplier", "--full-refresh")
    assert code == 0 and "tpch.supplier has new column(s) s_comment" not in output, output
    raw_equals_source_except(built, "supplier", [])


def test_a_load_the_warehouse_refuses_for_good_blocks_no_later_run(built):
    """A load package the warehouse refuses whatever happens (here a check constraint on raw, added by hand) used to
    stay pending and fail every later run, even after the source was corrected. Now the first run fails with one
    line; once the source is corrected the next run drops the refused package, says so, reloads that table in full
    and lands everything."""
    execute(built.warehouse, "alter table raw_tpch.region add constraint pytest_refused check (r_comment <> 'refused')")
    try:
        before = {name: state for name, state in warehouse_state(built).items() if name != "raw_tpch.region"}
        execute(
            built.source,
            "update tpch.region set r_comment = 'refused', updated_at = '1998-08-10 12:00' where r_regionkey = 2",
        )
        code, output = ingest(built)
        assert_clear_failure(code, output, "into raw_tpch.region failed", 'violates check constraint "pytest_refused"')
        execute(
            built.source,
            "update tpch.region set r_comment = 'accepted', updated_at = '1998-08-10 13:00' where r_regionkey = 2",
        )
        code, output = ingest(built)
        assert code == 0, output
        assert "1 load package(s) left by an earlier run cannot be loaded" in output, output
        assert "this run reloads raw_tpch.region in full" in output, output
        raw_equals_source_except(built, "region", [])
        after = {name: state for name, state in warehouse_state(built).items() if name != "raw_tpch.region"}
        assert after == before
        code, output = ingest(built)
        assert code == 0 and "cannot be loaded" not in output, output
    finally:
        execute(built.warehouse, "alter table raw_tpch.region drop constraint if exists pytest_refused")


# ------------------------------------------------------------------------------------------------ a way back


def test_a_wrong_version_in_a_snapshot_is_repaired_by_the_documented_command(built):
    """The issue's stuck state: a snapshot holds a bad version (here planted by hand) and every build fails.
    `dbt run-operation repair_snapshot` removes it, the rebuild is green, the history is whole again."""
    (customer,) = query(
        built.warehouse,
        "select customer_id from snapshots.snp_tpch__customer "
        "where dbt_valid_to = '9999-12-31' order by customer_id limit 1",
    )
    execute(
        built.warehouse,
        "update snapshots.snp_tpch__customer set market_segment = 'BOGUS' "
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


# ------------------------------------------------------------------------------------------------ privileges


def test_a_loader_with_exactly_the_listed_grants_can_ingest(fresh_databases):
    dbs = fresh_databases("grants")
    run(python("demo/source.py", "init", "--scale-factor", "0.01"), dbs.env)
    # Delete capture is installed once by the tables' owner, as the README says.
    capture = run(python("ingest/run.py", "--print-delete-capture-sql"), dbs.env).stdout
    execute(dbs.source, capture)
    with role(dbs, LOADER, loader_grants(dbs, LOADER)) as env:
        code, output = ingest(dbs, env=env)
        assert code == 0, output
        run(python("demo/source.py", "advance", "--days", "1"), dbs.env)
        code, output = ingest(dbs, env=env)
        assert code == 0, output
        for table in TABLES:
            expected, got = raw_vs_source(dbs.source, dbs.warehouse, table)
            assert got == expected, f"raw_tpch.{table} {got} differs from the source {expected}"
        assert query(dbs.warehouse, "select count(*) from raw_tpch.lineitem where _deleted_at is not null")[0][0] > 0


def test_a_missing_grant_is_named_before_anything_is_written(built):
    grants = loader_grants(built, LOADER)
    grants["source"] = [statement for statement in grants["source"] if "select on all tables" not in statement]
    grants["source"].append(f'grant select on tpch.region, tpch.nation to "{LOADER}"')
    before = warehouse_state(built)
    with role(built, LOADER, grants) as env:
        code, output = ingest(built, env=env)
    assert_clear_failure(
        code,
        output,
        "missing privileges, nothing was written",
        f"source user '{LOADER}'",
        "tpch.customer",
        "tpch.lineitem",
        "grant select on all tables in schema tpch",
        "--print-grants",
    )
    assert warehouse_state(built) == before


def test_raw_owned_by_another_user_is_named(built):
    """`permission denied for schema raw_tpch` from the issue: the loader may not touch what another user owns."""
    before = warehouse_state(built)
    with role(built, LOADER, loader_grants(built, LOADER)) as env:
        code, output = ingest(built, env=env)
    assert_clear_failure(
        code,
        output,
        f"schema raw_tpch (owner '{roles.LOADER}') belong(s) to another user",
        "hand them to",
        "--print-grants",
    )
    assert warehouse_state(built) == before


def test_wrong_password_of_a_non_superuser_on_the_default_settings(built):
    """The embedded default, a non-superuser, a wrong password: one line naming the user and the setting."""
    before = warehouse_state(built)
    with role(built, LOADER, loader_grants(built, LOADER)) as env:
        code, output = ingest(built, env=env | {"WAREHOUSE_PASSWORD": "wrong"})
        assert_clear_failure(code, output, "password was refused", "WAREHOUSE_PASSWORD", LOADER)
    assert warehouse_state(built) == before


def test_a_loader_of_your_own_in_a_missing_database_is_told_what_to_do(built):
    """The embedded default, a missing database, a loader of your own: the server creates the database (as its
    superuser, with the project's roles, so tpch_loader owns raw_tpch there); the run then names what stands in
    the loader's way and the fix, before anything is written (once a traceback from the database-creation step)."""
    missing = built.warehouse.with_dbname("pytest_not_there_e13")
    try:
        with role(built, LOADER, loader_grants(built, LOADER)) as env:
            code, output = ingest(built, env=env | {"WAREHOUSE_DBNAME": missing.dbname})
        assert_clear_failure(
            code,
            output,
            f"created database {missing.dbname} on the embedded server",
            f"schema raw_tpch (owner '{roles.LOADER}') belong(s) to another user",
            f"hand them to '{LOADER}'",
            "--print-grants",
        )
        assert query(
            missing, "select count(*) from pg_tables where schemaname in ('raw_tpch', 'raw_tpch_staging')"
        ) == [(0,)]
    finally:
        drop_database(missing)


# ------------------------------------------------------------------------------------------------ servers


def test_a_port_held_by_another_program(built):
    port = free_port()
    before = warehouse_state(built)
    with foreign_program(port):
        code, output = ingest(built, env=external(built) | {"SOURCE_PORT": str(port)})
        assert_clear_failure(
            code, output, f"the program listening on 127.0.0.1:{port} is not a PostgreSQL server", "Set SOURCE_PORT"
        )
        result = run(
            dbt("build", "--select", "stg_tpch__region"), built.env | {"WAREHOUSE_PORT": str(port)}, check=False
        )
        output = result.stdout + result.stderr
        assert result.returncode != 0, output
        assert "received invalid response to SSL negotiation" in output, output
        assert f"The program listening on 127.0.0.1:{port} is not a PostgreSQL server" in output, output
        assert "Set WAREHOUSE_PORT" in output
    assert warehouse_state(built) == before


def test_the_server_disappears_mid_run(built, tmp_path):
    """The warehouse server stops during a full load; the run says so; after a restart one ordinary run mends all.

    The warehouse is a private embedded server (its own state folder and port), so stopping it touches no other
    test; the run addresses it as an external server, so it cannot restart it by itself.
    """
    port = free_port()
    private = {"WAREHOUSE_STATE_DIR": str(tmp_path / "state"), "WAREHOUSE_PORT": str(port), "SOURCE_HOST": "127.0.0.1"}
    server_env = built.env | private
    run(python("ingest/db.py", "start"), server_env)
    env = server_env | {"WAREHOUSE_HOST": "127.0.0.1"}
    try:
        process = subprocess.Popen(
            python("ingest/run.py"), cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        time.sleep(10)
        run(python("ingest/db.py", "stop"), server_env)
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 1, output
        assert "Traceback" not in output, output
        assert "run again" in output, output
        run(python("ingest/db.py", "start"), server_env)
        result = run(python("ingest/run.py"), env, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        warehouse = dataclasses.replace(built.warehouse, port=port)
        for table in TABLES:
            expected, got = raw_vs_source(built.source, warehouse, table)
            assert got == expected, f"raw_tpch.{table} {got} differs from the source {expected}"
    finally:
        run(python("ingest/db.py", "stop"), server_env, check=False)


# ------------------------------------------------------------------------------------------------ state folder


def test_a_read_only_state_folder(built, tmp_path):
    before = warehouse_state(built)
    if can_mount():
        context = small_disk(tmp_path / "state", "ro")
    elif os.geteuid() != 0:
        (tmp_path / "state").mkdir()
        (tmp_path / "state").chmod(0o500)
        context = contextlib.nullcontext(tmp_path / "state")
    else:
        pytest.skip("root without mount: no way to make a folder read-only for this test")
    with context as folder:
        code, output = ingest(built, env=external(built) | {"WAREHOUSE_STATE_DIR": str(folder)})
    assert_clear_failure(code, output, "cannot write", f"state folder {folder} must be writable", "WAREHOUSE_STATE_DIR")
    assert warehouse_state(built) == before


def test_a_full_disk(built, tmp_path):
    """A state folder with no room for the extracted rows: a clear message, raw untouched, a rerun mends."""
    before = warehouse_state(built)
    env = external(built) | {"WAREHOUSE_STATE_DIR": str(tmp_path / "state")}
    if can_mount():
        with small_disk(tmp_path / "state", "size=1m"):
            code, output = ingest(built, "--full-refresh", env=env)
    else:  # a file-size limit fails the same writes (EFBIG) wherever the disk is
        limit = 1 << 20
        result = subprocess.run(
            python("ingest/run.py", "--full-refresh"),
            cwd=ROOT,
            env=built.env | env,
            check=False,
            capture_output=True,
            text=True,
            timeout=600,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)),
        )
        code, output = result.returncode, result.stdout + result.stderr
    assert_clear_failure(code, output, "no room to write", "free space there", "run again")
    assert warehouse_state(built) == before
    code, output = ingest(built)
    assert code == 0, output
    for table in TABLES:
        expected, got = raw_vs_source(built.source, built.warehouse, table)
        assert got == expected, f"raw_tpch.{table} {got} differs from the source {expected}"


# ------------------------------------------------------------------------------------------------ Ctrl-C


def interrupted(command: list[str], env: dict[str, str], delay: float, after: str = "") -> tuple[int, str]:
    """Run ``command``; send SIGINT ``delay`` seconds after it printed ``after``; return its exit code and output."""
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    lines: list[str] = []
    seen = threading.Event()

    def read() -> None:
        for line in process.stdout:
            lines.append(line)
            if after in line:
                seen.set()
        seen.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    seen.wait(timeout=600)
    time.sleep(delay)
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    process.wait(timeout=300)
    reader.join(timeout=30)
    return process.returncode, "".join(lines)


@pytest.mark.parametrize("delay", [6.0, 14.0])
def test_ctrl_c_during_ingest(built, delay):
    code, output = interrupted(python("ingest/run.py", "--full-refresh"), built.env, delay)
    if code == 0:  # the run finished before the signal: nothing to prove at this delay
        pytest.skip(f"the run finished within {delay} s")
    assert_clear_failure(
        code, output, "interrupted: the run stopped", "next `python ingest/run.py` finishes it", exit_code=130
    )
    code, output = ingest(built)
    assert code == 0, output
    for table in TABLES:
        expected, got = raw_vs_source(built.source, built.warehouse, table)
        assert got == expected, f"raw_tpch.{table} {got} differs from the source {expected}"


def test_ctrl_c_during_dbt_build(built):
    """dbt cancels its open queries and exits 2; what it finished stays, the rest is rolled back; rebuild."""
    code, output = interrupted(dbt("build"), built.env, 3.0, after=" START ")
    assert code == 2, output
    assert "Traceback" not in output, output
    assert "interrupted (Ctrl-C): dbt cancelled its open queries" in output, output
    assert "run `dbt build` again" in output, output
    code, output = build(built)
    assert code == 0, output


# ------------------------------------------------------------------------------------------------ settings


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("CURSOR_SAFETY_WINDOW_SECONDS", "five", "CURSOR_SAFETY_WINDOW_SECONDS must be a whole number of seconds"),
        ("WAREHOUSE_PORT", "54x", "WAREHOUSE_PORT / PGPORT must be a number"),
    ],
)
def test_a_malformed_setting(built, variable, value, expected):
    code, output = ingest(built, env={variable: value})
    assert_clear_failure(code, output, expected)
