"""The project's benchmark: every figure side by side in one run on fresh databases, printed as one table.

    python benchmarks/run.py [--scale-factor 0.1] [--quick]

``--quick`` is scale factor 0.01 (the smoke path CI runs; its figures mean little). On fresh source and
warehouse databases of the configured server (the embedded one by default), in this order:

1. the demo source at the scale factor (not measured);
2. ``full_ingest``: ``python ingest/run.py`` into the empty warehouse: seconds and the peak resident memory of
   the ingest process (``ru_maxrss`` of the child, from ``wait4``);
3. ``copy_limit``: the physical limit, a plain binary ``COPY (select ...) TO STDOUT`` piped into
   ``COPY ... FROM STDIN`` between the same two databases, into unindexed tables of the source's types;
4. the ``after_full_ingest`` measurements (dbt's full build);
5. one simulated day (``demo/source.py advance``) and ``incremental_ingest``: seconds, peak memory and the
   number of rows the day changed (from the demo's truth log), so the cost per changed row;
6. the ``after_incremental_ingest`` measurements (dbt's incremental build of that day; the queries, each the best of
   ``QUERY_REPEAT`` runs side by side);
7. the baseline (``--baseline-scale-factor``, 0.1 by default, when below the scale factor): steps 1, 2, 4, 5 and
   6's build at that scale factor on two more fresh databases, for the day's costs per changed row and the full
   ingest's peak memory there; the table compares them with this scale factor's (the aim: at most 1.5x each: cost
   follows the change, memory stays flat, not the history or the table size).

Then the table of figures and the ratios. Speed is never asserted anywhere: machines are noisy, ratios
measured in one run on one machine are what to compare. The databases are dropped at the end.

Adding a measurement: write ``def my_figure(bench: Bench) -> None`` that does its work with ``bench.env``
(the environment pointing every project command at the two databases: ``bench.run``, ``bench.run_measured``)
and records with ``bench.record(key, value, unit, note)``; decorate it with ``@measurement(STAGE)`` where
STAGE is one of ``STAGES``. A ratio of two recorded figures goes into ``RATIOS``. A figure listed in ``SLOTS``
but not recorded is printed as "not measured", so the table's shape is stable.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import ingest  # noqa: E402, F401, I001 - first: without the project's packages it says how to get them
import psycopg2  # noqa: E402
import star_benchmark  # noqa: E402
from psycopg2 import sql  # noqa: E402

from ingest.config import SOURCE_SCHEMA, STATE_DIR, TABLES, Location, location  # noqa: E402
from ingest.db import ensure_server  # noqa: E402

QUICK_SCALE_FACTOR = 0.01

STAGES = ("full_ingest", "after_full_ingest", "incremental_ingest", "after_incremental_ingest")
"""When a measurement runs: after the demo source exists, in this order (see the module's docstring)."""

MEASUREMENTS: dict[str, list[Callable[[Bench], None]]] = {stage: [] for stage in STAGES}

SLOTS: list[tuple[str, str]] = [
    ("full_ingest_s", "full ingest (ingest/run.py into an empty warehouse)"),
    ("copy_limit_s", "plain binary COPY of the same tables (the physical limit)"),
    ("full_ingest_rss_mib", "peak RSS of the full ingest process"),
    ("source_rows", "rows in the source tables"),
    ("dbt_full_build_s", "dbt build on the freshly ingested warehouse"),
    ("day_changed_rows", "rows the simulated day changed (truth log)"),
    ("incremental_ingest_s", "incremental ingest of one simulated day"),
    ("incremental_ingest_rss_mib", "peak RSS of the incremental ingest process"),
    ("dbt_incremental_build_s", "dbt build of one simulated day (incremental)"),
    ("ingest_ms_per_row", "incremental ingest, ms per changed row"),
    ("build_ms_per_row", "incremental dbt build, ms per changed row"),
    ("star_queries_s", "the 22 TPC-H queries over the star"),
    ("source_queries_s", "the 22 TPC-H queries over the source"),
]
"""The table's rows, in order: (figure key, what it is). Keys recorded but not listed are printed after them."""

RATIOS: list[tuple[str, str, str, float]] = [
    ("full ingest / COPY limit", "full_ingest_s", "copy_limit_s", 1),
    ("full ingest, source rows per second", "source_rows", "full_ingest_s", 1),
    ("incremental ingest / full ingest", "incremental_ingest_s", "full_ingest_s", 1),
    ("peak RSS, full / incremental ingest", "full_ingest_rss_mib", "incremental_ingest_rss_mib", 1),
    ("dbt incremental / full build", "dbt_incremental_build_s", "dbt_full_build_s", 1),
    ("peak RSS of the full ingest, SF / baseline SF", "full_ingest_rss_mib", "baseline_full_ingest_rss_mib", 1),
    ("incremental ingest per changed row, SF / baseline SF", "ingest_ms_per_row", "baseline_ingest_ms_per_row", 1),
    ("incremental build per changed row, SF / baseline SF", "build_ms_per_row", "baseline_build_ms_per_row", 1),
    ("star / source queries", "star_queries_s", "source_queries_s", 1),
    ("SSB star / source queries", "ssb_star_queries_s", "ssb_source_queries_s", 1),
]
"""(label, numerator key, denominator key, multiplier); printed when both figures were recorded."""


@dataclass
class Figure:
    value: float
    unit: str
    note: str = ""


@dataclass
class Measured:
    """One finished child process: wall seconds, peak resident memory (MiB) and its output."""

    seconds: float
    peak_rss_mib: float
    output: str


@dataclass
class Bench:
    scale_factor: float
    source: Location
    warehouse: Location
    env: dict[str, str]
    workdir: Path
    figures: dict[str, Figure] = field(default_factory=dict)

    def record(self, key: str, value: float, unit: str, note: str = "") -> None:
        self.figures[key] = Figure(value, unit, note)
        print(f"  {key} = {value:,.2f} {unit} {note}".rstrip(), flush=True)

    def run(self, command: list[str]) -> Measured:
        """Run one of the project's commands against the bench databases; stop the benchmark if it fails."""
        return self.run_measured(command)

    def run_measured(self, command: list[str]) -> Measured:
        """Run ``command`` from the repository root; its wall time and peak RSS (the child and its children)."""
        with tempfile.TemporaryFile(mode="w+") as output:
            started = time.perf_counter()
            process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - started
            process.returncode = os.waitstatus_to_exitcode(status)
            output.seek(0)
            text = output.read()
        if process.returncode != 0:
            sys.exit(f"benchmark stopped: {' '.join(command)} exited {process.returncode}:\n{text[-4000:]}")
        return Measured(seconds, usage.ru_maxrss / 1024, text)  # ru_maxrss is in KiB on Linux


def measurement(stage: str) -> Callable[[Callable[[Bench], None]], Callable[[Bench], None]]:
    """Register a measurement to run at ``stage`` (one of STAGES), in the order of registration."""
    if stage not in MEASUREMENTS:
        raise ValueError(f"unknown stage {stage!r}; choose from {', '.join(STAGES)}")

    def register(function: Callable[[Bench], None]) -> Callable[[Bench], None]:
        MEASUREMENTS[stage].append(function)
        return function

    return register


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


# --- the measurements --------------------------------------------------------------------------------------


@measurement("full_ingest")
def full_ingest(bench: Bench) -> None:
    run = bench.run_measured(python("ingest/run.py"))
    bench.record("full_ingest_s", run.seconds, "s")
    bench.record("full_ingest_rss_mib", run.peak_rss_mib, "MiB")
    bench.record("source_rows", _source_rows(bench.source), "rows")


@measurement("full_ingest")
def copy_limit(bench: Bench) -> None:
    bench.record("copy_limit_s", plain_copy(bench.source, bench.warehouse), "s")


@measurement("incremental_ingest")
def incremental_ingest(bench: Bench) -> None:
    bench.run(python("demo/source.py", "advance", "--days", "1"))
    bench.record("day_changed_rows", _changed_rows(bench.source), "rows")
    run = bench.run_measured(python("ingest/run.py"))
    bench.record("incremental_ingest_s", run.seconds, "s")
    bench.record("incremental_ingest_rss_mib", run.peak_rss_mib, "MiB")


@measurement("after_full_ingest")
def dbt_full_build(bench: Bench) -> None:
    seconds, nodes = star_benchmark.dbt_build(["build"], bench.env)
    bench.record("dbt_full_build_s", seconds, "s")
    bench.record("dbt_full_build_test_node_s", nodes["nodes"].get("test", 0.0), "s", "node seconds of data tests")


@measurement("after_incremental_ingest")
def dbt_incremental_build(bench: Bench) -> None:
    seconds, nodes = star_benchmark.dbt_build(["build"], bench.env)
    bench.record("dbt_incremental_build_s", seconds, "s")
    bench.record(
        "dbt_incremental_build_test_node_s", nodes["nodes"].get("test", 0.0), "s", "node seconds of data tests"
    )


QUERY_REPEAT = 3
"""Each query pair runs this many times, side by side, and each side's best time counts: one run of a 0.1 s query
measured mostly which pages happened to be cached (TPC-H Q19 at SF 1: star/source 1.36 in one run, 0.52 as the
best of three on a warehouse seven simulated days older)."""


@measurement("after_incremental_ingest")
def star_and_source_queries(bench: Bench) -> None:
    timings = star_benchmark.measure_queries(bench.source, bench.warehouse, repeat=QUERY_REPEAT)
    tpch = [timing for timing in timings if timing.name.startswith("tpch")]
    bench.record("star_queries_s", sum(timing.star_s for timing in tpch), "s")
    bench.record("source_queries_s", sum(timing.source_s for timing in tpch), "s")
    bench.record("ssb_star_queries_s", sum(timing.star_s for timing in timings if timing not in tpch), "s")
    bench.record("ssb_source_queries_s", sum(timing.source_s for timing in timings if timing not in tpch), "s")
    ratios = [timing.ratio for timing in timings]
    bench.record("query_ratio_geomean", star_benchmark.geometric_mean(ratios), "x", "star / source, 35 queries")
    bench.record("query_ratio_max", max(ratios), "x", max(timings, key=lambda timing: timing.ratio).name)
    bench.record("queries_slower_on_the_star", sum(ratio > 1 for ratio in ratios), "queries")


def per_changed_row(bench: Bench) -> None:
    """Milliseconds per changed row of the day's incremental ingest and incremental dbt build."""
    rows = bench.figures["day_changed_rows"].value
    bench.record("ingest_ms_per_row", 1000 * bench.figures["incremental_ingest_s"].value / rows, "ms")
    bench.record("build_ms_per_row", 1000 * bench.figures["dbt_incremental_build_s"].value / rows, "ms")


BASELINE_STEPS = (full_ingest, dbt_full_build, incremental_ingest, dbt_incremental_build, per_changed_row)
"""What the baseline scale factor runs: enough for the day's costs per changed row (no COPY, no queries)."""


def baseline(bench: Bench, scale_factor: float, prefix: str) -> None:
    """The same day at a smaller scale factor, on its own fresh databases (dropped at the end): its costs per
    changed row, recorded as baseline_*, so the table compares how the day's cost grows with the history."""
    small = fresh_bench(scale_factor, prefix)
    run_steps(small, [(f"baseline SF {scale_factor:g}", step) for step in BASELINE_STEPS])
    for key in ("full_ingest_rss_mib", "day_changed_rows", "ingest_ms_per_row", "build_ms_per_row"):
        figure = small.figures[key]
        bench.record(f"baseline_{key}", figure.value, figure.unit, f"at SF {scale_factor:g}")


# --- helpers of the measurements ---------------------------------------------------------------------------


def _connect(loc: Location) -> psycopg2.extensions.connection:
    return psycopg2.connect(**loc.connect_kwargs())


def _source_rows(source: Location) -> int:
    conn = _connect(source)
    with conn.cursor() as cur:
        cur.execute(" union all ".join(f"select count(*) from {SOURCE_SCHEMA}.{table}" for table in TABLES))
        rows = sum(count for (count,) in cur.fetchall())
    conn.close()
    return rows


def _changed_rows(source: Location) -> int:
    """Rows the last simulated day changed, from the demo's truth log."""
    conn = _connect(source)
    with conn.cursor() as cur:
        cur.execute("select count(*) from demo.truth_log where sim_date = (select max(sim_date) from demo.truth_log)")
        (count,) = cur.fetchone()
    conn.close()
    return count


def plain_copy(source: Location, warehouse: Location) -> float:
    """Binary COPY of every source table into an unindexed table of the same types, through a pipe; seconds."""
    src, dst = _connect(source), _connect(warehouse)
    with dst.cursor() as cur:
        cur.execute("drop schema if exists bench_copy cascade; create schema bench_copy")
    started = time.perf_counter()
    for table in TABLES:
        with src.cursor() as scur:
            scur.execute(
                "select string_agg(quote_ident(attname) || ' ' || format_type(atttypid, atttypmod), ', ' "
                "order by attnum) from pg_attribute where attrelid = %s::regclass and attnum > 0 "
                "and not attisdropped",
                (f"{SOURCE_SCHEMA}.{table}",),
            )
            (columns,) = scur.fetchone()
        with dst.cursor() as dcur:
            dcur.execute(f"create table bench_copy.{table} ({columns})")
        read_end, write_end = _pipe()
        writer = threading.Thread(target=_copy_out, args=(src, table, write_end))
        writer.start()
        with dst.cursor() as dcur:
            dcur.copy_expert(f"copy bench_copy.{table} from stdin (format binary)", read_end)
        writer.join()
        read_end.close()
    dst.commit()
    elapsed = time.perf_counter() - started
    with dst.cursor() as cur:
        cur.execute("drop schema bench_copy cascade")
    dst.commit()
    src.close()
    dst.close()
    return elapsed


def _pipe() -> tuple[BinaryIO, BinaryIO]:
    read_fd, write_fd = os.pipe()
    return os.fdopen(read_fd, "rb"), os.fdopen(write_fd, "wb")


def _copy_out(conn: psycopg2.extensions.connection, table: str, target: BinaryIO) -> None:
    with conn.cursor() as cur:
        cur.copy_expert(f"copy (select * from {SOURCE_SCHEMA}.{table}) to stdout (format binary)", target)
    target.close()


# --- databases, the run and the table ----------------------------------------------------------------------


def _admin(loc: Location, statement: sql.Composable) -> None:
    ensure_server(loc.with_dbname("postgres"))
    conn = psycopg2.connect(**loc.connect_kwargs(dbname="postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(statement)
    conn.close()


def _recreate(loc: Location) -> None:
    _admin(loc, sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(loc.dbname)))
    _admin(loc, sql.SQL("create database {}").format(sql.Identifier(loc.dbname)))


def _drop(loc: Location) -> None:
    _admin(loc, sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(loc.dbname)))


def fresh_bench(scale_factor: float, prefix: str) -> Bench:
    """A bench on two fresh databases named after ``prefix`` and the scale factor (made here, dropped by
    run_steps), dbt's output in a scratch folder."""
    tag = str(scale_factor).replace(".", "_")
    source = location("source").with_dbname(f"{prefix}_src_{tag}")
    warehouse = location("warehouse").with_dbname(f"{prefix}_wh_{tag}")
    workdir = Path(tempfile.mkdtemp(prefix="benchmark_"))
    for loc in (source, warehouse):
        _recreate(loc)
    return Bench(scale_factor, source, warehouse, bench_env(source, warehouse, workdir), workdir)


def run_steps(bench: Bench, steps: list[tuple[str, Callable[[Bench], None]]]) -> None:
    """The demo source at the bench's scale factor, then each (label, measurement) in order; the databases,
    dlt state and dbt output are dropped at the end, whatever happened."""
    try:
        print(f"SF {bench.scale_factor:g}: creating the demo source", flush=True)
        bench.run(python("demo/source.py", "init", "--scale-factor", str(bench.scale_factor)))
        for label, function in steps:
            print(f"{label}: {function.__name__}", flush=True)
            function(bench)
    finally:
        _cleanup(bench.source, bench.warehouse, bench.workdir)


def _cleanup(source: Location, warehouse: Location, workdir: Path) -> None:
    """Drop a run's two databases, its dlt state and its dbt output."""
    for loc in (source, warehouse):
        _drop(loc)
    shutil.rmtree(STATE_DIR / "dlt" / f"{warehouse.host}_{warehouse.port}_{warehouse.dbname}", ignore_errors=True)
    shutil.rmtree(workdir, ignore_errors=True)


def bench_env(source: Location, warehouse: Location, workdir: Path) -> dict[str, str]:
    """The project's commands against the bench databases, dbt's output in ``workdir``."""
    env = dict(
        os.environ,
        SOURCE_DBNAME=source.dbname,
        WAREHOUSE_DBNAME=warehouse.dbname,
        DBT_TARGET_PATH=str(workdir / "target"),
        DBT_LOG_PATH=str(workdir / "logs"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        PYTHONUNBUFFERED="1",
    )
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def format_table(bench: Bench) -> str:
    """The figures (every slot, measured or not, then any other figure recorded) and the ratios."""
    lines = [
        f"benchmark at scale factor {bench.scale_factor:g} ({os.cpu_count()} CPUs, load average "
        f"{' '.join(f'{load:.1f}' for load in os.getloadavg())} at the end)",
        f"| {'figure':<60} | {'value':>14} | unit |",
        f"| {'-' * 60} | {'-' * 14} | ---- |",
    ]
    listed = [key for key, _ in SLOTS]
    rows = list(SLOTS) + [(key, key) for key in bench.figures if key not in listed]
    for key, what in rows:
        figure = bench.figures.get(key)
        if figure is None:
            lines.append(f"| {what:<60} | {'not measured':>14} |      |")
        else:
            label = f"{what} ({figure.note})" if figure.note else what
            lines.append(f"| {label:<60} | {figure.value:>14,.2f} | {figure.unit} |")
    lines += ["", f"| {'ratio':<60} | {'value':>14} |", f"| {'-' * 60} | {'-' * 14} |"]
    for label, numerator, denominator, multiplier in RATIOS:
        top, bottom = bench.figures.get(numerator), bench.figures.get(denominator)
        value = f"{multiplier * top.value / bottom.value:,.2f}" if top and bottom and bottom.value else "not measured"
        lines.append(f"| {label:<60} | {value:>14} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/run.py", description=__doc__.split("\n")[0])
    parser.add_argument("--scale-factor", type=float, default=0.1, help="TPC-H scale factor (default 0.1)")
    parser.add_argument("--quick", action="store_true", help=f"scale factor {QUICK_SCALE_FACTOR}: the smoke path")
    parser.add_argument(
        "--database-prefix", default="bench", help="names of the two databases made and dropped (default bench)"
    )
    parser.add_argument(
        "--baseline-scale-factor",
        type=float,
        default=0.1,
        help="also run the day at this smaller scale factor, for its costs per changed row (default 0.1; "
        "skipped when not below --scale-factor; 0 skips it)",
    )
    args = parser.parse_args(argv)
    scale_factor = QUICK_SCALE_FACTOR if args.quick else args.scale_factor
    bench = fresh_bench(scale_factor, args.database_prefix)
    steps = [(stage, function) for stage in STAGES for function in MEASUREMENTS[stage]]
    run_steps(bench, [*steps, ("all stages", per_changed_row)])
    if 0 < args.baseline_scale_factor < scale_factor:
        baseline(bench, args.baseline_scale_factor, args.database_prefix)
    print()
    print(format_table(bench))
    return 0


if __name__ == "__main__":
    sys.exit(main())
