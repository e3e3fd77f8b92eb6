"""What the bad-data tests (tests/test_bad_data.py, test_bad_ingest.py) share: run the
project's commands, snapshot the warehouse's state, make roles, foreign programs, small disks and interruptions.

Each case of those modules breaks something the way a newcomer would (by hand in the source, a setting, a signal),
runs the real commands and asserts:

- the exit code, and a message that names the table or setting, the column or privilege, the count and the fix,
  never a Python traceback;
- nothing already loaded is lost: row counts and checksums of raw, the snapshots and the marts before and after
  (``warehouse_state``);
- the good rows of the same run arrive;
- the bad row is visible where a person looks: ``raw_tpch.held_rows``, the quarantine, or a named failing test.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import psycopg2
from helpers import (
    PRIMARY_KEYS,
    ROOT,
    checksum,
    dbt,
    execute,
    python,
    query,
    run,
    source_types,
)
from psycopg2 import sql

from ingest.config import RAW_SCHEMA, SOURCE_SCHEMA
from ingest.privileges import source_grants, warehouse_grants

STATE_SCHEMAS = (RAW_SCHEMA, "snapshots", "marts")
"""What a failed run must leave exactly as it was."""


LOADER = "pytest_loader_e13"


PASSWORD = "loader-secret"


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


def interrupted(
    command: list[str],
    env: dict[str, str],
    delay: float,
    *,
    after: str = "",
) -> tuple[int, str]:
    """Run ``command``; send SIGINT ``delay`` seconds after it printed ``after``; return its exit code and output."""
    # As from a terminal: the child starts with Ctrl-C at its default. SIG_IGN is inherited across exec (a Python
    # handler is not), and a suite started in the background by a shell without job control (`cmd &` in a
    # script: POSIX shells ignore SIGINT in such commands; `sh -c 'python3 -c "import signal;
    # print(signal.getsignal(signal.SIGINT))" &'` prints 1) runs with SIGINT ignored in every process: dbt then
    # never saw the SIGINT and finished with exit 0 (three times in a row, 28 Nov 2026).
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
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
