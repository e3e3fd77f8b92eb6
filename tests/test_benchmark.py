"""The benchmark's smoke path (``benchmarks/run.py --quick``): it runs end to end on fresh databases and prints
its table. Never a speed: the figures of a loaded CI machine mean nothing, only that every one was measured."""

from __future__ import annotations

import os
import uuid

import pytest
from helpers import python, query, run

from ingest.config import location

pytestmark = pytest.mark.slow


def test_the_quick_benchmark_prints_every_ingest_figure_and_drops_its_databases():
    prefix = f"pytest_bench_{uuid.uuid4().hex[:8]}"
    result = run(
        python("benchmarks/run.py", "--quick", "--database-prefix", prefix),
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
        timeout=600,
    )
    output = result.stdout
    assert "benchmark at scale factor 0.01" in output, output
    for row in (
        "full ingest (ingest/run.py into an empty warehouse)",
        "plain binary COPY of the same tables (the physical limit)",
        "peak RSS of the full ingest process",
        "incremental ingest of one simulated day",
        "peak RSS of the incremental ingest process",
        "full ingest / COPY limit",
        "incremental ingest, ms per changed row",
        "incremental dbt build, ms per changed row",
        "dbt build on the freshly ingested warehouse",
        "dbt build of one simulated day (incremental)",
        "the 22 TPC-H queries over the star",
        "the 22 TPC-H queries over the source",
        "dbt incremental / full build",
        "star / source queries",
    ):
        line = next((line for line in output.splitlines() if line.startswith(f"| {row}")), None)
        assert line is not None, f"the table has no row {row!r}:\n{output}"
        value = line.split("|")[2].strip()
        assert value != "not measured" and float(value.replace(",", "")) > 0, line
    changed = next(line for line in output.splitlines() if line.startswith("| rows the simulated day changed"))
    assert float(changed.split("|")[2].replace(",", "")) > 0, changed
    left = query(
        location("warehouse").with_dbname("postgres"),
        "select datname from pg_database where datname like %s",
        (f"{prefix}%",),
    )
    assert left == [], f"the benchmark left its databases behind: {left}"
