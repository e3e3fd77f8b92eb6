"""Small shared helpers of the test suite: run the project's commands, query, checksum, compare."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path

import psycopg2
from psycopg2 import sql

from ingest.config import ROOT, Location
from ingest.db import ensure_server

STAGING_COLUMNS: dict[str, dict[str, str]] = {
    "region": {"r_regionkey": "region_id", "r_name": "region_name", "r_comment": "region_comment"},
    "nation": {
        "n_nationkey": "nation_id",
        "n_name": "nation_name",
        "n_regionkey": "region_id",
        "n_comment": "nation_comment",
    },
    "supplier": {
        "s_suppkey": "supplier_id",
        "s_name": "supplier_name",
        "s_address": "supplier_address",
        "s_nationkey": "nation_id",
        "s_phone": "phone_number",
        "s_acctbal": "account_balance",
        "s_comment": "supplier_comment",
    },
    "customer": {
        "c_custkey": "customer_id",
        "c_name": "customer_name",
        "c_address": "customer_address",
        "c_nationkey": "nation_id",
        "c_phone": "phone_number",
        "c_acctbal": "account_balance",
        "c_mktsegment": "market_segment",
        "c_comment": "customer_comment",
    },
    "part": {
        "p_partkey": "part_id",
        "p_name": "part_name",
        "p_mfgr": "manufacturer",
        "p_brand": "brand",
        "p_type": "part_type",
        "p_size": "part_size",
        "p_container": "container",
        "p_retailprice": "retail_price",
        "p_comment": "part_comment",
    },
    "partsupp": {
        "ps_partkey": "part_id",
        "ps_suppkey": "supplier_id",
        "ps_availqty": "available_quantity",
        "ps_supplycost": "supply_cost",
        "ps_comment": "partsupp_comment",
    },
    "orders": {
        "o_orderkey": "order_id",
        "o_custkey": "customer_id",
        "o_orderstatus": "order_status",
        "o_totalprice": "total_price",
        "o_orderdate": "order_date",
        "o_orderpriority": "order_priority",
        "o_clerk": "clerk_name",
        "o_shippriority": "ship_priority",
        "o_comment": "order_comment",
    },
    "lineitem": {
        "l_orderkey": "order_id",
        "l_partkey": "part_id",
        "l_suppkey": "supplier_id",
        "l_linenumber": "line_number",
        "l_quantity": "quantity",
        "l_extendedprice": "extended_price",
        "l_discount": "discount_rate",
        "l_tax": "tax_rate",
        "l_returnflag": "return_flag",
        "l_linestatus": "line_status",
        "l_shipdate": "ship_date",
        "l_commitdate": "commit_date",
        "l_receiptdate": "receipt_date",
        "l_shipinstruct": "ship_instructions",
        "l_shipmode": "ship_mode",
        "l_comment": "lineitem_comment",
    },
}
"""Source column -> staging column, written out here independently of the models, so a wrong rename fails."""
for _columns in STAGING_COLUMNS.values():
    _columns.update({"created_at": "created_at", "updated_at": "updated_at"})

PRIMARY_KEYS = {
    "region": ["r_regionkey"],
    "nation": ["n_nationkey"],
    "supplier": ["s_suppkey"],
    "customer": ["c_custkey"],
    "part": ["p_partkey"],
    "partsupp": ["ps_partkey", "ps_suppkey"],
    "orders": ["o_orderkey"],
    "lineitem": ["l_orderkey", "l_linenumber"],
}


def run(
    command: Sequence[str],
    env: dict[str, str],
    check: bool = True,
    timeout: float = 900,
) -> subprocess.CompletedProcess[str]:
    """Run one of the project's commands from the repository root; on an unexpected failure show its output.

    ``dbt ...`` and ``python script.py ...`` run as forks of tests/forkserver.py (dbt and dlt already imported:
    its docstring says what that changes and what not); anything else, or every command with FORKSERVER=0, as a
    new process."""
    kind = _forkserver_kind(command)
    server = _FORKSERVERS.setdefault(kind, _ForkServer(kind)) if kind else None
    result = server.run(command, env, timeout) if server and server.started() else None
    if result is None:
        result = subprocess.run(
            list(command), cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} exited {result.returncode}\n--- stdout ---\n{result.stdout[-6000:]}"
            f"\n--- stderr ---\n{result.stderr[-6000:]}"
        )
    return result


def _forkserver_kind(command: Sequence[str]) -> str | None:
    if os.environ.get("FORKSERVER") == "0" or not command:
        return None
    if command[0] == str(Path(sys.executable).parent / "dbt"):
        return "dbt"
    if command[0] == sys.executable and len(command) > 1 and command[1].endswith(".py"):
        return "script"
    return None


class _ForkServer:
    """This process's tests/forkserver.py for ``kind``, started at the first command that runs through it."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.process: subprocess.Popen[str] | None = None
        self.lock = threading.Lock()
        self.unusable = False

    def _answer(self) -> dict:
        assert self.process is not None and self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            process, self.process = self.process, None
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                process.communicate(timeout=10)  # closes its pipes, reaps it
            raise RuntimeError("tests/forkserver.py ended unexpectedly (its stderr is the test's stderr)")
        return json.loads(line)

    def started(self) -> bool:
        """Whether the server runs (started now if need be); False, with a warning, when it cannot start."""
        with self.lock:
            if self.unusable:
                return False
            if self.process is None or self.process.poll() is not None:
                self.process = subprocess.Popen(
                    [sys.executable, str(Path(__file__).with_name("forkserver.py")), self.kind],
                    cwd=ROOT,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                try:
                    self._answer()  # {"ready": true}
                except RuntimeError:
                    self.unusable = True
                    warnings.warn(
                        f"tests/forkserver.py {self.kind} did not start (its stderr says why): this worker runs "
                        f"its {self.kind} commands as new interpreters, slower but the same",
                        stacklevel=3,
                    )
            return not self.unusable

    def run(self, command: Sequence[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
        with self.lock, tempfile.TemporaryDirectory(prefix="forked_") as folder:
            assert self.process is not None and self.process.stdin is not None
            out, err = Path(folder) / "stdout", Path(folder) / "stderr"
            argv = list(command) if self.kind == "dbt" else list(command[1:])
            request = {"argv": argv, "env": env, "cwd": str(ROOT), "stdout": str(out), "stderr": str(err)}
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            pid = self._answer()["pid"]
            timed_out = threading.Event()
            timer = threading.Timer(timeout, _kill, (pid, timed_out))
            timer.start()
            try:
                answer = self._answer()
            finally:
                timer.cancel()
            returncode = answer["returncode"]
            if os.environ.get("TESTS_COMMAND_LOG"):  # where the suite's CPU goes, command by command
                with open(os.environ["TESTS_COMMAND_LOG"], "a") as log:
                    log.write(json.dumps({"cpu": answer["cpu"], "command": argv[:4]}) + "\n")
            stdout, stderr = out.read_text(errors="replace"), err.read_text(errors="replace")
            if timed_out.is_set():
                raise subprocess.TimeoutExpired(list(command), timeout, stdout, stderr)
            return subprocess.CompletedProcess(list(command), returncode, stdout, stderr)


def _kill(pid: int, timed_out: threading.Event) -> None:
    timed_out.set()
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


_FORKSERVERS: dict[str, _ForkServer] = {}


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def start_ingest(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """``python ingest/run.py`` in its own process group (a test kills the group), its output on one pipe."""
    return subprocess.Popen(
        python("ingest/run.py", *args),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def dbt(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "dbt"), *args]


WITHOUT_DATA_TESTS = ("--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
"""`dbt build` arguments for a build whose data tests another build already runs: models, snapshots and seeds
only (about half a build's time at SF 0.01). For fixtures that need a built star, not its verdict; the shared
scenario (tests/harness/scenario.py) runs every data test after every day."""


@contextlib.contextmanager
def connection(loc: Location):
    conn = psycopg2.connect(**loc.connect_kwargs())
    conn.autocommit = True
    try:
        yield conn
    finally:
        conn.close()


def query(loc: Location, statement: str, params: Sequence[object] | None = None) -> list[tuple]:
    """Rows of ``statement`` (PostgreSQL SQL) on ``loc``; on the Snowflake emulator (tests/emulator.py) it is
    translated to Snowflake SQL there, so the harness's checks run unchanged against either warehouse."""
    if hasattr(loc, "query_translated"):
        return loc.query_translated(statement, params)[1]
    with connection(loc) as conn, conn.cursor() as cur:
        cur.execute(statement, params)
        return cur.fetchall() if cur.description else []


def execute(loc: Location, statement: str, params: Sequence[object] | None = None) -> int:
    with connection(loc) as conn, conn.cursor() as cur:
        cur.execute(statement, params)
        return cur.rowcount


def checksum(
    loc: Location,
    schema: str,
    table: str,
    columns: Sequence[str],
    key: Sequence[str],
    *,
    where: str = "true",
    casts: dict[str, str] | None = None,
) -> tuple[int, str]:
    """(row count, md5 over every listed column of every row in key order), NULLs distinguished from ''.

    ``casts`` maps a column to the SQL expression to read instead (e.g. a cast to the source's exact type).
    """
    casts = casts or {}
    row = sql.SQL(", ").join(
        sql.SQL("coalesce(({})::text, '<null>')").format(
            sql.SQL(casts[column]) if column in casts else sql.Identifier(column)
        )
        for column in columns
    )
    statement = sql.SQL(
        "select count(*), coalesce(md5(string_agg(concat_ws('|', {row}), E'\\n' order by {key})), '') "
        "from {schema}.{table} where {where}"
    ).format(
        row=row,
        key=sql.SQL(", ").join(sql.Identifier(column) for column in key),
        schema=sql.Identifier(schema),
        table=sql.Identifier(table),
        where=sql.SQL(where),
    )
    with connection(loc) as conn, conn.cursor() as cur:
        cur.execute(statement)
        count, digest = cur.fetchone()
    return count, digest


def create_database(loc: Location) -> None:
    ensure_server(loc.with_dbname("postgres"))
    with connection(loc.with_dbname("postgres")) as conn, conn.cursor() as cur:
        cur.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(loc.dbname)))
        cur.execute(sql.SQL("create database {}").format(sql.Identifier(loc.dbname)))


def drop_database(loc: Location) -> None:
    with connection(loc.with_dbname("postgres")) as conn, conn.cursor() as cur:
        cur.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(loc.dbname)))


def project_env(source: Location, warehouse: Location, target_path: Path) -> dict[str, str]:
    """The environment for the project's commands against these two databases (dbt output kept apart)."""
    env = dict(os.environ)
    env.update(
        {
            "SOURCE_DBNAME": source.dbname,
            "WAREHOUSE_DBNAME": warehouse.dbname,
            "DBT_TARGET_PATH": str(target_path / "target"),
            "DBT_LOG_PATH": str(target_path / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            # dbt's unit tests read fixtures, not the data: they prove the same thing in every build, and cost
            # ~20 s of a small build on PostgreSQL (~100 s on the emulator). A scenario's first build runs them
            # (with_unit_tests: tests/harness/scenario.py); every other build of the suite leaves them out.
            UNIT_TESTS_OFF: "unit_test",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


UNIT_TESTS_OFF = "DBT_EXCLUDE_RESOURCE_TYPES"
"""dbt's environment variable for --exclude-resource-type, set to unit_test by project_env."""


def with_unit_tests(env: dict[str, str]) -> dict[str, str]:
    """``env`` (from project_env) with dbt's unit tests back in its builds."""
    return {name: value for name, value in env.items() if name != UNIT_TESTS_OFF}


def source_types(loc: Location, schema: str, table: str) -> dict[str, str]:
    """Column -> its exact type (format_type) in ``schema.table``."""
    rows = query(
        loc,
        """
        select att.attname, format_type(att.atttypid, att.atttypmod)
        from pg_attribute as att
        where att.attrelid = %s::regclass and att.attnum > 0 and not att.attisdropped
        order by att.attnum""",
        (f"{schema}.{table}",),
    )
    return dict(rows)


def raw_vs_source(source: Location, warehouse: Location, table: str) -> tuple[tuple[int, str], tuple[int, str]]:
    """Checksums of the source table and of raw's live rows, raw cast to the source's exact types."""
    from ingest.config import RAW_SCHEMA, SOURCE_SCHEMA

    types = source_types(source, SOURCE_SCHEMA, table)
    key = PRIMARY_KEYS[table]
    expected = checksum(source, SOURCE_SCHEMA, table, list(types), key)
    casts = {column: f"{column}::{kind}" for column, kind in types.items()}
    got = checksum(warehouse, RAW_SCHEMA, table, list(types), key, where="_deleted_at is null", casts=casts)
    return expected, got
