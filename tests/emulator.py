"""The Snowflake emulator the tests run dbt-snowflake against: fakesnow in server mode (DuckDB underneath).

``Emulator`` starts one fakesnow server on a free port with its databases in a folder, and gives the environment
that points dbt's ``snowflake`` target (profiles.yml) at it, with ``SNOWFLAKE_EMULATOR=fakesnow`` so the
project's emulator accommodations (macros/emulator/emulator.sql) are on. ``land_raw_tpch`` is the ONE way raw
data reaches the emulator in the tests: the ingestion's own emulator path.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import snowflake.connector
import sqlglot
from helpers import python, run
from sqlglot import exp

DATABASE = "TPCH_WAREHOUSE"


@dataclass
class Emulator:
    """A running fakesnow server and the environment of the project's commands against it."""

    port: int
    folder: Path

    @property
    def dbname(self) -> str:
        """A name for this warehouse (the harness caches per warehouse database name)."""
        return f"fakesnow_{self.port}_{DATABASE}"

    def env(self, base: dict[str, str]) -> dict[str, str]:
        """``base`` (the PostgreSQL test environment) with dbt pointed at the emulator's database."""
        env = dict(base)
        env.update(
            {
                "DBT_TARGET": "snowflake",
                "SNOWFLAKE_EMULATOR": "fakesnow",
                "SNOWFLAKE_ACCOUNT": "fakesnow",
                "SNOWFLAKE_USER": "fake",
                "SNOWFLAKE_PASSWORD": "snow",
                "SNOWFLAKE_DATABASE": DATABASE,
                "SNOWFLAKE_SCHEMA": "ANALYTICS",
                "SNOWFLAKE_HOST": "127.0.0.1",
                "SNOWFLAKE_PORT": str(self.port),
                "SNOWFLAKE_PROTOCOL": "http",
            }
        )
        return env

    def connect(self, schema: str = "PUBLIC", paramstyle: str = "pyformat") -> snowflake.connector.SnowflakeConnection:
        return snowflake.connector.connect(
            paramstyle=paramstyle,
            account="fakesnow",
            user="fake",
            password="snow",
            host="127.0.0.1",
            port=self.port,
            protocol="http",
            database=DATABASE,
            schema=schema,
            network_timeout=60,
        )

    def query(self, statement: str) -> list[tuple]:
        with contextlib.closing(self.connect()) as conn, contextlib.closing(conn.cursor()) as cursor:
            cursor.execute(statement)
            return cursor.fetchall()

    def _tables_of(self, schemas: list[str]) -> dict[str, str]:
        """Table name -> the first of ``schemas`` holding it (upper case): PostgreSQL's search_path beyond the first
        schema, which Snowflake's current schema cannot express."""
        listed = ", ".join(f"'{name.upper()}'" for name in schemas)
        rows = self.query(
            f"select table_schema, table_name from information_schema.tables where table_schema in ({listed})"
        )
        found: dict[str, str] = {}
        for name in reversed([name.upper() for name in schemas]):
            found |= {table: name for table_schema, table in rows if table_schema == name}
        return found

    def query_translated(
        self, statement: str, params: object = None, schema: str = "PUBLIC"
    ) -> tuple[list[str], list[tuple]]:
        """(column names in lower case, rows) of a PostgreSQL statement, translated to Snowflake SQL, with
        ``schema`` as the current schema (PostgreSQL's search_path)."""
        schemas = [name.strip() for name in schema.split(",")]
        located = self._tables_of(schemas[1:]) if len(schemas) > 1 else {}
        with (
            contextlib.closing(self.connect(schemas[0], paramstyle="qmark")) as conn,
            contextlib.closing(conn.cursor()) as cursor,
        ):
            cursor.execute(translated(statement, located), params)
            return [column.name.lower() for column in cursor.description], cursor.fetchall()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_emulator(folder: Path) -> Iterator[Emulator]:
    """Start fakesnow in server mode with its databases in ``folder``; stop it afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = (folder / "fakesnow.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "fakesnow", "--server", "--port", str(port), "--db_path", str(folder / "db")],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"fakesnow did not start on port {port}: {(folder / 'fakesnow.log').read_text()}")
            time.sleep(0.2)
        emulator = Emulator(port, folder)
        emulator.query(f"create database if not exists {DATABASE}")
        yield emulator
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def land_raw_tpch(env: dict[str, str]) -> None:
    """Land the demo source's changes in the emulator's RAW_TPCH: the ONE way raw data reaches the emulator in the
    tests. It is the product's own path, ``python ingest/run.py`` with the emulator's environment (the ingestion's
    stage + PUT + COPY INTO landing on fakesnow, README "Running on Snowflake"), incremental like on PostgreSQL."""
    run(python("ingest/run.py"), env, timeout=900)


def _exact_sum(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Select):
        # PostgreSQL names an unaliased sum `sum`; `select from` (no column, in exists) is PostgreSQL's only.
        node.set("expressions", [exp.alias_(e, "sum") if isinstance(e, exp.Sum) else e for e in node.expressions])
        if not node.expressions:
            node.set("expressions", [exp.Literal.number(1)])
    if isinstance(node, exp.Sum) and not isinstance(node.this, exp.Cast):
        node.set("this", exp.cast(node.this, "NUMBER(38, 6)", dialect="snowflake"))
    return node


def translated(statement: str, located: dict[str, str] | None = None) -> str:
    """A PostgreSQL statement of the harness in Snowflake SQL (sqlglot), the way the harness reads the emulator.

    One emulator accommodation on the reading side: fakesnow sums a NUMBER column as DOUBLE (30878735.84 comes back
    30878735.840000022), unless the argument is cast, so every sum's argument is cast to NUMBER(38, 6), which holds
    every measure of the star exactly (at most 6 decimals). Snowflake sums NUMBER exactly without it. Two PostgreSQL
    forms of the harness's own queries are written the Snowflake way: an unaliased sum keeps PostgreSQL's name
    `sum`, and `select from` (in exists) selects 1. ``located``
    qualifies the tables of a PostgreSQL search_path beyond the current schema (``_tables_of``).
    """
    located = located or {}

    def locate(node: exp.Expression, ctes: set[str]) -> exp.Expression:
        if (
            isinstance(node, exp.Table)
            and not node.db
            and node.name.upper() in located
            and node.name.upper() not in ctes
        ):
            node.set("db", exp.to_identifier(located[node.name.upper()]))
        return node

    statements = []
    for parsed in sqlglot.parse(statement, read="postgres"):
        ctes = {cte.alias.upper() for cte in parsed.find_all(exp.CTE)}
        tree = parsed.transform(_exact_sum).transform(lambda node, ctes=ctes: locate(node, ctes))
        statements.append(tree.sql(dialect="snowflake"))
    return ";\n".join(statements)
