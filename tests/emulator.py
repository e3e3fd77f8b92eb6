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

DATABASE = "TPCH_WAREHOUSE"


@dataclass
class Emulator:
    """A running fakesnow server and the environment of the project's commands against it."""

    port: int
    folder: Path

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

    def query_translated(
        self, statement: str, params: object = None, schema: str = "PUBLIC"
    ) -> tuple[list[str], list[tuple]]:
        """(column names in lower case, rows) of a PostgreSQL statement, translated to Snowflake SQL, with
        ``schema`` as the current schema (PostgreSQL's search_path)."""
        with (
            contextlib.closing(self.connect(schema, paramstyle="qmark")) as conn,
            contextlib.closing(conn.cursor()) as cursor,
        ):
            cursor.execute(translated(statement), params)
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


def translated(statement: str) -> str:
    """A PostgreSQL statement of the harness in Snowflake SQL (sqlglot), the way the harness reads the emulator."""
    return ";\n".join(sqlglot.transpile(statement, read="postgres", write="snowflake"))
