"""The Snowflake emulator the tests run dbt-snowflake against: fakesnow in server mode (DuckDB underneath).

``Emulator`` starts one fakesnow server on a free port with its databases in a folder, and gives the environment
that points dbt's ``snowflake`` target (profiles.yml) at it, with ``SNOWFLAKE_EMULATOR=fakesnow`` so the
project's emulator accommodations (macros/emulator/emulator.sql) are on. ``land_raw_tpch`` is the ONE way raw
data reaches the emulator in the tests: today a copy of a PostgreSQL warehouse's ``raw_tpch`` after a normal
ingest; the ingestion's own Snowflake path can replace its body without any caller changing.
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
from helpers import query

from ingest.config import Location

DATABASE = "TPCH_WAREHOUSE"
RAW_TABLES = ("region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem", "_dlt_loads")
"""raw_tpch's tables the dbt project reads (the eight TPC-H tables and dlt's load log, for source freshness)."""


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

    def connect(self, schema: str = "PUBLIC") -> snowflake.connector.SnowflakeConnection:
        return snowflake.connector.connect(
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


_SNOWFLAKE_TYPES = {
    "bigint": "number(38, 0)",
    "integer": "number(38, 0)",
    "smallint": "number(38, 0)",
    "character varying": "varchar",
    "text": "varchar",
    "date": "date",
    "timestamp with time zone": "timestamp_tz",
    "timestamp without time zone": "timestamp_ntz",
    "double precision": "float",
    "boolean": "boolean",
}


def _snowflake_type(data_type: str, precision: int | None, scale: int | None) -> str:
    if data_type == "numeric":
        return f"number({precision or 38}, {scale or 0})"
    return _SNOWFLAKE_TYPES[data_type]


def land_raw_tpch(warehouse: Location, emulator: Emulator, schema: str = "raw_tpch") -> dict[str, int]:
    """Make the emulator's RAW_TPCH equal ``warehouse``'s raw_tpch (PostgreSQL, after ``ingest/run.py``).

    Every table is replaced: same columns, Snowflake's types for raw's (NUMBER, VARCHAR, DATE, TIMESTAMP_TZ), every
    row including the tombstones. Returns the rows landed per table.
    """
    landed: dict[str, int] = {}
    with contextlib.closing(emulator.connect()) as conn, contextlib.closing(conn.cursor()) as cursor:
        cursor.execute(f"create schema if not exists {DATABASE}.{schema}")
        for table in RAW_TABLES:
            columns = query(
                warehouse,
                """
                select column_name, data_type, numeric_precision, numeric_scale
                from information_schema.columns
                where table_schema = %s and table_name = %s
                order by ordinal_position""",
                (schema, table),
            )
            if not columns:
                raise RuntimeError(f"{schema}.{table} is missing in {warehouse.dbname}: run ingest/run.py first")
            names = [name for name, *_ in columns]
            definition = ", ".join(f"{name} {_snowflake_type(*rest)}" for name, *rest in columns)
            target = f"{DATABASE}.{schema}.{table}"
            cursor.execute(f"create or replace table {target} ({definition})")
            select_list = ", ".join(
                f"{name}::text" if data_type in ("timestamp with time zone", "numeric") else name
                for name, data_type, *_ in columns
            )
            rows = query(warehouse, f"select {select_list} from {schema}.{table}")
            placeholders = ", ".join(["%s"] * len(names))
            batch = 5000
            for start in range(0, len(rows), batch):
                cursor.executemany(
                    f"insert into {target} ({', '.join(names)}) values ({placeholders})", rows[start : start + batch]
                )
            landed[table] = len(rows)
    return landed
