"""The dbt half of the speed figures: builds that follow the change, a star faster than its source.

    python benchmarks/star_benchmark.py [--scale-factor 0.1] [--days 1] [--repeat 1]

On fresh databases of the configured server (the embedded one by default), dropped at the end:

- builds: ``dbt build --full-refresh`` after a full ingest, then one simulated day, its incremental ingest and
  an incremental ``dbt build``; for each, wall seconds and the node seconds of models and of data tests (from
  dbt's ``run_results.json``), and the incremental build against the full one (the aim: at most 10%);
- queries: after the day's build, each of the 22 TPC-H queries in its specification text over the source
  tables (``tests/tpch_queries/qNN_source.sql``, schema ``tpch``) and its rewrite over the star
  (``qNN_star.sql``, schemas ``marts, ssb``), and each of the 13 SSB queries (``tests/ssb_queries/``, schema
  ``ssb``) against the same question over the source tables joined as SSB's lineorder (current attributes,
  :data:`SSB_OVER_SOURCE`); side by side, alternating, the best of ``--repeat`` runs each. It prints every
  ratio star / source and their geometric mean (the aim: under 0.5, none over 1).

The functions :func:`dbt_build`, :func:`measure_builds` and :func:`measure_queries` take locations and an
environment, so benchmarks/run.py calls them on the databases it built (its dbt and query rows).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import ingest  # noqa: E402, F401, I001 - first: without the project's packages it says how to get them
import psycopg2  # noqa: E402
import psycopg2.errors  # noqa: E402

from ingest.config import SOURCE_SCHEMA, STATE_DIR, Location, location  # noqa: E402

TPCH_FOLDER = ROOT / "tests" / "tpch_queries"
SSB_FOLDER = ROOT / "tests" / "ssb_queries"
STAR_SEARCH_PATH = "marts, ssb"
QUERY_TIMEOUT_SECONDS = 900
"""A query still running after this is cancelled and reported as taking at least this long."""
SOURCE_INDEXES = (
    f"create index if not exists harness_lineitem_part_supplier on {SOURCE_SCHEMA}.lineitem (l_partkey, l_suppkey)",
)
"""The one index the harness gives the source (tests/harness/checks_queries.py, README of tests/tpch_queries/):
without it Q17's and Q20's correlated subqueries rescan lineitem per row and time out at SF 1."""

SSB_OVER_SOURCE = f"""
with ssb_lines as (
    select
        lineitem.l_orderkey as lo_orderkey,
        lineitem.l_linenumber as lo_linenumber,
        to_char(orders.o_orderdate, 'YYYYMMDD')::integer as lo_orderdate,
        extract(year from orders.o_orderdate)::integer as d_year,
        to_char(orders.o_orderdate, 'YYYYMM')::integer as d_yearmonthnum,
        to_char(orders.o_orderdate, 'Mon') || extract(year from orders.o_orderdate) as d_yearmonth,
        (extract(doy from orders.o_orderdate)::integer - 1) / 7 + 1 as d_weeknuminyear,
        lineitem.l_quantity as lo_quantity,
        lineitem.l_extendedprice as lo_extendedprice,
        (lineitem.l_discount * 100)::integer as lo_discount,
        lineitem.l_extendedprice * (100 - (lineitem.l_discount * 100)::integer) / 100 as lo_revenue,
        partsupp.ps_supplycost as lo_supplycost,
        'MFGR#' || substr(part.p_mfgr, 14) as p_mfgr,
        'MFGR#' || substr(part.p_mfgr, 14) || substr(part.p_brand, 8, 1) as p_category,
        'MFGR#' || substr(part.p_mfgr, 14) || substr(part.p_brand, 8, 1)
            || lpad(((part.p_partkey - 1) % 40 + 1)::text, 2, '0') as p_brand1,
        customer_nation.n_name as c_nation,
        customer_region.r_name as c_region,
        rpad(left(customer_nation.n_name, 9), 9) || (customer.c_custkey % 10) as c_city,
        supplier_nation.n_name as s_nation,
        supplier_region.r_name as s_region,
        rpad(left(supplier_nation.n_name, 9), 9) || (supplier.s_suppkey % 10) as s_city
    from {SOURCE_SCHEMA}.lineitem
    inner join {SOURCE_SCHEMA}.orders on lineitem.l_orderkey = orders.o_orderkey
    inner join {SOURCE_SCHEMA}.customer on orders.o_custkey = customer.c_custkey
    inner join {SOURCE_SCHEMA}.nation as customer_nation on customer.c_nationkey = customer_nation.n_nationkey
    inner join {SOURCE_SCHEMA}.region as customer_region on customer_nation.n_regionkey = customer_region.r_regionkey
    inner join {SOURCE_SCHEMA}.supplier on lineitem.l_suppkey = supplier.s_suppkey
    inner join {SOURCE_SCHEMA}.nation as supplier_nation on supplier.s_nationkey = supplier_nation.n_nationkey
    inner join {SOURCE_SCHEMA}.region as supplier_region on supplier_nation.n_regionkey = supplier_region.r_regionkey
    inner join {SOURCE_SCHEMA}.part on lineitem.l_partkey = part.p_partkey
    inner join {SOURCE_SCHEMA}.partsupp
        on lineitem.l_partkey = partsupp.ps_partkey and lineitem.l_suppkey = partsupp.ps_suppkey
)
"""
"""SSB's lineorder written over the TPC-H source tables, with each member's CURRENT attributes (the SSB mapping of
tests/harness/checks_queries.py without its truth-log history, which is the harness's reconstruction, not a
query an analyst would run on the source). The 13 SSB questions are asked of it with the harness's texts."""


def dbt_build(args: list[str], env: dict[str, str]) -> tuple[float, dict]:
    """Run dbt; (wall seconds, node seconds by resource type) from target/run_results.json.

    A build is measured as production runs it (quickstart.py): without dbt's unit tests, which read fixtures, not
    the data, and run in the test suite."""
    if args[:1] == ["build"]:
        args = [*args, "--exclude-resource-type", "unit_test"]
    dbt = str(Path(sys.executable).with_name("dbt"))
    target = Path(env.get("DBT_TARGET_PATH", ROOT / "target"))
    started = time.perf_counter()
    result = subprocess.run([dbt, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"dbt {' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}")
    results = json.loads((target / "run_results.json").read_text())["results"]
    nodes: dict[str, float] = {}
    slowest: list[tuple[float, str]] = []
    for node in results:
        kind = node["unique_id"].split(".")[0]
        nodes[kind] = nodes.get(kind, 0.0) + node["execution_time"]
        slowest.append((node["execution_time"], node["unique_id"]))
    return elapsed, {"nodes": nodes, "slowest": sorted(slowest, reverse=True)[:8]}


def _run(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}")
    return time.perf_counter() - started


def _changed_rows(source: Location) -> int:
    conn = psycopg2.connect(**source.connect_kwargs())
    with conn.cursor() as cur:
        cur.execute("select count(*) from demo.truth_log where sim_date = (select max(sim_date) from demo.truth_log)")
        (count,) = cur.fetchone()
    conn.close()
    return count


def measure_builds(source: Location, env: dict[str, str], days: int = 1) -> dict:
    """``dbt build --full-refresh`` over the ingested warehouse, then ``days`` simulated days, their ingest and an
    incremental ``dbt build``: wall and node seconds of each, and the changed source rows."""
    python = sys.executable
    full, full_nodes = dbt_build(["build", "--full-refresh"], env)
    _run([python, "demo/source.py", "advance", "--days", str(days)], env)
    changes = _changed_rows(source)
    ingest_s = _run([python, "ingest/run.py"], env)
    incremental, incremental_nodes = dbt_build(["build"], env)
    return {
        "full_build_s": full,
        "full_nodes": full_nodes,
        "changed_rows": changes,
        "incremental_ingest_s": ingest_s,
        "incremental_build_s": incremental,
        "incremental_nodes": incremental_nodes,
        "incremental_over_full": incremental / full,
    }


@dataclass
class QueryTiming:
    name: str
    source_s: float
    star_s: float

    @property
    def ratio(self) -> float:
        return self.star_s / self.source_s


def _timed_query(loc: Location, search_path: str, text: str, timeout: int = QUERY_TIMEOUT_SECONDS) -> float:
    """Seconds the query took; ``timeout`` if it was cancelled then (a lower bound)."""
    conn = psycopg2.connect(**loc.connect_kwargs())
    try:
        with conn.cursor() as cur:
            cur.execute(f"set statement_timeout = '{timeout}s'")
            cur.execute(f"set search_path to {search_path}")
            started = time.perf_counter()
            try:
                cur.execute(text)
                cur.fetchall()
            except psycopg2.errors.QueryCanceled:
                print(f"    (cancelled after {timeout} s: a lower bound)", flush=True)
                return float(timeout)
            return time.perf_counter() - started
    finally:
        conn.close()


def query_pairs() -> list[tuple[str, str, str, str, str]]:
    """(name, source search path, source text, star search path, star text) for the 22 TPC-H and 13 SSB
    queries."""
    from harness.checks_queries import SSB_EXPECTED  # the harness's SSB questions over ssb_lines

    pairs = []
    for star in sorted(TPCH_FOLDER.glob("q[0-9][0-9]_star.sql")):
        number = star.name.split("_")[0]
        source = TPCH_FOLDER / f"{number}_source.sql"
        pairs.append((f"tpch_{number}", SOURCE_SCHEMA, source.read_text(), STAR_SEARCH_PATH, star.read_text()))
    for name, (_, text) in SSB_EXPECTED.items():
        pairs.append(
            (f"ssb_{name}", SOURCE_SCHEMA, SSB_OVER_SOURCE + text, "ssb", (SSB_FOLDER / f"{name}.sql").read_text())
        )
    return pairs


def measure_queries(
    source: Location, warehouse: Location, repeat: int = 1, timeout: int = QUERY_TIMEOUT_SECONDS
) -> list[QueryTiming]:
    """Each pair side by side: source text, then star rewrite, ``repeat`` times; the best time of each. Both
    databases are vacuumed and analyzed first (_vacuum)."""
    conn = psycopg2.connect(**source.connect_kwargs())
    conn.autocommit = True
    with conn.cursor() as cur:
        for statement in SOURCE_INDEXES:
            cur.execute(statement)
    conn.close()
    for loc in (source, warehouse):
        _vacuum(loc)
    timings = []
    for name, source_path, source_text, star_path, star_text in query_pairs():
        source_best = star_best = math.inf
        for _ in range(repeat):
            source_best = min(source_best, _timed_query(source, source_path, source_text, timeout))
            star_best = min(star_best, _timed_query(warehouse, star_path, star_text, timeout))
        timings.append(QueryTiming(name, source_best, star_best))
        print(
            f"  {name:<12} source {source_best:8.3f} s  star {star_best:8.3f} s  ratio {star_best / source_best:6.2f}",
            flush=True,
        )
    return timings


def _vacuum(loc: Location) -> None:
    """VACUUM ANALYZE of the whole database, as autovacuum leaves it some time after a load or a build: both sides
    are timed in that steady state. Right after a build the fact's pages are not yet marked all-visible (an
    index-only scan, TPC-H Q21's, still reads the heap) and the first query to read a new row sets its hint bits,
    a write that would be charged to whichever query reads the table first (at SF 1, Q1's ratio read 0.91 and
    1.21 in two runs on fresh warehouses). Tables the user may not vacuum are skipped with a warning."""
    conn = psycopg2.connect(**loc.connect_kwargs())
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("vacuum analyze")
    conn.close()


def geometric_mean(values: list[float]) -> float:
    return math.exp(sum(math.log(value) for value in values) / len(values))


def print_builds(figures: dict) -> None:
    for label in ("full", "incremental"):
        nodes = figures[f"{label}_nodes"]["nodes"]
        print(
            f"  {label} build {figures[f'{label}_build_s']:.1f} s wall; node seconds: "
            + ", ".join(f"{kind} {seconds:.1f}" for kind, seconds in sorted(nodes.items()))
        )
        for seconds, node in figures[f"{label}_nodes"]["slowest"]:
            print(f"      {seconds:7.1f} s  {node}")
    print(
        f"  one day: {figures['changed_rows']} changed source rows, ingest {figures['incremental_ingest_s']:.1f} s, "
        f"incremental build / full build = {figures['incremental_over_full']:.2f}"
    )


def print_queries(timings: list[QueryTiming]) -> None:
    slower = [timing.name for timing in timings if timing.ratio > 1]
    print(
        f"  geometric mean star / source over {len(timings)} queries: {geometric_mean([t.ratio for t in timings]):.3f}"
        f"; TPC-H {geometric_mean([t.ratio for t in timings if t.name.startswith('tpch')]):.3f}"
        f", SSB {geometric_mean([t.ratio for t in timings if t.name.startswith('ssb')]):.3f}"
        f"; slower than the source: {', '.join(slower) or 'none'}"
    )


def _admin(loc: Location, statement: str) -> None:
    conn = psycopg2.connect(**loc.connect_kwargs(dbname="postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(statement)
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale-factor", type=float, default=0.1)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--query-timeout", type=int, default=QUERY_TIMEOUT_SECONDS, help="seconds per query")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases afterwards")
    args = parser.parse_args()

    from ingest.db import ensure_server

    tag = str(args.scale_factor).replace(".", "_")
    source = location("source").with_dbname(f"bench_star_src_{tag}")
    warehouse = location("warehouse").with_dbname(f"bench_star_wh_{tag}")
    ensure_server(warehouse.with_dbname("postgres"))
    for loc in (source, warehouse):
        _admin(loc, f'drop database if exists "{loc.dbname}" with (force)')
        _admin(loc, f'create database "{loc.dbname}"')
    # dbt's own target folder, so a dbt command run meanwhile in this checkout does not mix its results in.
    env = dict(
        os.environ,
        SOURCE_DBNAME=source.dbname,
        WAREHOUSE_DBNAME=warehouse.dbname,
        DBT_TARGET_PATH=str(ROOT / "target" / f"bench_star_{tag}"),
    )
    python = sys.executable
    try:
        print(f"SF {args.scale_factor}: demo source, full ingest; load average {os.getloadavg()}", flush=True)
        _run([python, "demo/source.py", "init", "--scale-factor", str(args.scale_factor)], env)
        _run([python, "ingest/run.py", "--full-refresh"], env)
        print(f"builds; load average {os.getloadavg()}", flush=True)
        figures = measure_builds(source, env, args.days)
        print_builds(figures)
        print(f"queries (after the day's incremental build); load average {os.getloadavg()}", flush=True)
        print_queries(measure_queries(source, warehouse, args.repeat, args.query_timeout))
    finally:
        if not args.keep:
            for loc in (source, warehouse):
                _admin(loc, f'drop database if exists "{loc.dbname}" with (force)')
            shutil.rmtree(
                STATE_DIR / "dlt" / f"{warehouse.host}_{warehouse.port}_{warehouse.dbname}", ignore_errors=True
            )


if __name__ == "__main__":
    main()
