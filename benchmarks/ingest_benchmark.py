"""Ingestion speed as ratios measured side by side in one run (never as timed tests: machines are noisy).

    python benchmarks/ingest_benchmark.py [--scale-factors 0.01,0.1] [--days 1]

For each scale factor, on fresh databases of the configured server (the embedded one by default):

- full load: ``python ingest/run.py`` into an empty warehouse, against the physical limit, a plain
  ``COPY (select ...) TO STDOUT`` piped into ``COPY ... FROM STDIN`` between the same two databases;
- incremental day: one simulated day (``demo/source.py advance``), then ``ingest/run.py`` again, against
  the full load, with the number of rows the day changed.

Across scale factors it prints how the incremental day's time grows with the history (it should follow the
day's changes, which grow with the scale factor, not the size of the tables). The databases are dropped
at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import BinaryIO

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg2  # noqa: E402
from psycopg2 import sql  # noqa: E402

from ingest.config import SOURCE_SCHEMA, STATE_DIR, TABLES, Location, location  # noqa: E402
from ingest.db import ensure_server  # noqa: E402


def admin(loc: Location, statement: sql.Composable) -> None:
    ensure_server(loc.with_dbname("postgres"))
    conn = psycopg2.connect(**loc.connect_kwargs(dbname="postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(statement)
    conn.close()


def recreate(loc: Location) -> None:
    admin(loc, sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(loc.dbname)))
    admin(loc, sql.SQL("create database {}").format(sql.Identifier(loc.dbname)))


def drop(loc: Location) -> None:
    admin(loc, sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(loc.dbname)))


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return time.perf_counter() - started


def plain_copy(source: Location, warehouse: Location) -> float:
    """COPY every source table into an unindexed copy in the warehouse, streamed through a pipe."""
    src = psycopg2.connect(**source.connect_kwargs())
    dst = psycopg2.connect(**warehouse.connect_kwargs())
    with dst.cursor() as cur:
        cur.execute("drop schema if exists bench_copy cascade; create schema bench_copy")
    started = time.perf_counter()
    for table in TABLES:
        with src.cursor() as scur:
            scur.execute(f"select * from {SOURCE_SCHEMA}.{table} limit 0")
            columns = ", ".join(f"{column.name} text" for column in scur.description)
        with dst.cursor() as dcur:
            dcur.execute(f"create table bench_copy.{table} ({columns})")
        read_end, write_end = _pipe()
        writer = threading.Thread(target=_copy_out, args=(src, table, write_end))
        writer.start()
        with dst.cursor() as dcur:
            dcur.copy_expert(f"copy bench_copy.{table} from stdin", read_end)
        writer.join()
        read_end.close()
    dst.commit()
    elapsed = time.perf_counter() - started
    src.close()
    dst.close()
    return elapsed


def _pipe() -> tuple[BinaryIO, BinaryIO]:
    read_fd, write_fd = os.pipe()
    return os.fdopen(read_fd, "rb"), os.fdopen(write_fd, "wb")


def _copy_out(conn: psycopg2.extensions.connection, table: str, target: BinaryIO) -> None:
    with conn.cursor() as cur:
        cur.copy_expert(f"copy (select * from {SOURCE_SCHEMA}.{table}) to stdout", target)
    target.close()


def changed_rows(source: Location) -> int:
    conn = psycopg2.connect(**source.connect_kwargs())
    with conn.cursor() as cur:
        cur.execute("select count(*) from demo.truth_log where sim_date = (select max(sim_date) from demo.truth_log)")
        (count,) = cur.fetchone()
    conn.close()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale-factors", default="0.01,0.1")
    parser.add_argument("--days", type=int, default=1)
    args = parser.parse_args()

    results = {}
    for scale_factor in [float(text) for text in args.scale_factors.split(",")]:
        tag = str(scale_factor).replace(".", "_")
        source = location("source").with_dbname(f"bench_src_{tag}")
        warehouse = location("warehouse").with_dbname(f"bench_wh_{tag}")
        for loc in (source, warehouse):
            recreate(loc)
        env = dict(os.environ, SOURCE_DBNAME=source.dbname, WAREHOUSE_DBNAME=warehouse.dbname)
        python = sys.executable
        try:
            print(f"SF {scale_factor}: creating the demo source", flush=True)
            timed([python, "demo/source.py", "init", "--scale-factor", str(scale_factor)], env)
            full = timed([python, "ingest/run.py", "--full-refresh"], env)
            copy = plain_copy(source, warehouse)
            timed([python, "demo/source.py", "advance", "--days", str(args.days)], env)
            changes = changed_rows(source)
            incremental = timed([python, "ingest/run.py"], env)
            results[scale_factor] = (full, copy, incremental, changes)
            print(
                f"SF {scale_factor}: full load {full:.1f} s, plain COPY {copy:.1f} s "
                f"(full / COPY = {full / copy:.1f}x); incremental day ({changes} changes) {incremental:.1f} s "
                f"(incremental / full = {incremental / full:.2f})",
                flush=True,
            )
        finally:
            for loc in (source, warehouse):
                drop(loc)
            shutil.rmtree(
                STATE_DIR / "dlt" / f"{warehouse.host}_{warehouse.port}_{warehouse.dbname}", ignore_errors=True
            )
    factors = sorted(results)
    if len(factors) > 1:
        small, large = factors[0], factors[-1]
        print(
            f"history x{large / small:g}: full load x{results[large][0] / results[small][0]:.1f}, "
            f"incremental day x{results[large][2] / results[small][2]:.1f} "
            f"for x{results[large][3] / max(results[small][3], 1):.1f} the changes"
        )


if __name__ == "__main__":
    main()
