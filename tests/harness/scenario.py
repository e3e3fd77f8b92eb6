"""The one simulated scenario that test_harness.py, test_history.py and test_star.py check, once per session.

On fresh databases: the demo source at the scenario's scale factor, ``ingest/run.py`` and ``dbt build`` (day 0);
then for each simulated day ``demo/source.py advance --days 1``, ``ingest/run.py`` and ``dbt build``, every
build green. After each day's build it records what tests/test_star.py asserts on (the fact keys of the lines
of late-arriving customers; on the last day a copy of the facts as the incremental path built them) and what
tests/test_history.py needs (the snapshotted source rows before day 1, each build's wall-clock window, the
snapshots' fingerprints after the last day's build and at the end), then runs
every check registered in tests/harness/ and keeps the problems each found. The last step the scenario
guarantees is a ``dbt build --full-refresh`` (the ``full_refresh_equals_incremental`` check runs it; if that
check did not, the scenario does), so test_star.py compares the incremental facts with a full refresh.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from helpers import dbt, execute, python, query, run, with_unit_tests

from harness import CHECKS, Scenario, checks_columns, checks_queries, checks_truth  # noqa: F401 - registers checks
from harness.checks_truth import BUILD_STAMPS  # noqa: F401 - re-exported for tests/test_star.py

MARTS = "marts"
SNAPSHOT_OF_INCREMENTAL = "star_incremental"
"""Schema where the facts built by the incremental path are copied on the last day, before the --full-refresh."""
INCREMENTAL_MODELS: dict[str, list[str]] = {
    "fct_order_lines": ["order_id", "line_number"],
    "fct_orders": ["order_id"],
    "fct_inventory_daily": ["part_id", "supplier_id", "date_key"],
    "dim_part_supplier": ["part_supplier_key"],
    "dim_customer": ["customer_key"],
    "dim_supplier": ["supplier_key"],
    "dim_part": ["part_key"],
    "int_partsupp_versions": ["part_id", "supplier_id", "valid_from"],
}
"""Each incremental model of the star (the facts, the dimensions but the static ones, int_partsupp_versions under
them) and its primary key (the order of the checksum): on the last day the incremental path's result is kept and
compared with a --full-refresh's."""
SCHEMAS = {"int_partsupp_versions": "intermediate"}
"""The schema of each of INCREMENTAL_MODELS not in MARTS."""


def schema_of(model: str) -> str:
    return SCHEMAS.get(model, MARTS)


Line = tuple[int, int]


@dataclass
class StarRecord:
    """What the scenario's builds did and saw, for tests/test_star.py."""

    build_seconds: list[float] = field(default_factory=list)
    fact_seconds: list[dict[str, float]] = field(default_factory=list)
    """Per build, each fact model's own execution time (from dbt's run_results.json)."""
    late_lines: dict[int, dict[Line, int]] = field(default_factory=dict)
    """Simulated day -> the lines of orders whose customer had not arrived yet -> their customer_key then."""
    late_customers: dict[int, list[int]] = field(default_factory=dict)
    """Simulated day -> the customers that reach the source only on the next day."""
    keys_next_day: dict[int, dict[Line, int]] = field(default_factory=dict)
    """Simulated day -> the same lines -> their customer_key after the next day's build."""
    rows_incremental: dict[str, int] = field(default_factory=dict)
    full_refresh_ran_last: bool = False
    """Whether the last dbt command of the scenario was a `dbt build --full-refresh`."""


SNAPSHOTS = ("customer", "supplier", "part", "partsupp")
"""The source tables the project snapshots (snapshots.snp_tpch__<table>), for tests/test_history.py."""


@dataclass
class HistoryRecord:
    """What tests/test_history.py needs to compute the snapshots' expected history independently of dbt."""

    source_day0: dict[str, list[str]] = field(default_factory=dict)
    """Snapshotted source table -> its rows before the first simulated day, each as JSON text (to_jsonb)."""
    build_windows: list[tuple[datetime, datetime]] = field(default_factory=list)
    """Day -> the wall-clock start and end (UTC) of that day's `dbt build`, the snapshot run a deletion record
    must be stamped within."""
    fingerprints_after_last_build: dict[str, tuple[int, str]] = field(default_factory=dict)
    fingerprints_at_the_end: dict[str, tuple[int, str]] = field(default_factory=dict)
    """Each snapshot's row count and md5 after the last day's build, and after the rebuilds without new source
    data that follow it (the idempotence check's ingest + build, the --full-refresh build)."""


@dataclass
class ScenarioRun:
    """The scenario and what it found: every check's problems per day, and the star's and history's records."""

    scenario: Scenario
    problems: dict[str, dict[int, list[str]]]
    star: StarRecord
    history: HistoryRecord = field(default_factory=HistoryRecord)
    check_seconds: dict[str, float] = field(default_factory=dict)
    """Each check's time over all days (where the scenario's time goes, besides its builds)."""


def customer_keys_of(loc, customers: list[int]) -> dict[Line, int]:
    """The fact's customer_key of every line of these customers' orders."""
    rows = query(
        loc,
        f"""
        select fact.order_id, fact.line_number, fact.customer_key
        from {MARTS}.fct_order_lines as fact
        inner join staging.stg_tpch__orders as orders on orders.order_id = fact.order_id
        where orders.customer_id = any(%s)""",
        (customers,),
    )
    return {(order_id, line_number): key for order_id, line_number, key in rows}


def _run_results(dbs) -> dict:
    return json.loads((Path(dbs.env["DBT_TARGET_PATH"]) / "run_results.json").read_text())


def _fact_seconds(results: dict) -> dict[str, float]:
    return {
        result["unique_id"].rsplit(".", 1)[-1]: round(result["execution_time"], 2)
        for result in results["results"]
        if result["unique_id"].rsplit(".", 1)[-1] in INCREMENTAL_MODELS and result["unique_id"].startswith("model.")
    }


def _build(star: StarRecord, history: HistoryRecord, dbs) -> None:
    first = not star.build_seconds
    started, wall_started = time.monotonic(), datetime.now(UTC)
    # The first build runs dbt's unit tests too (the suite's other builds leave them out: helpers.project_env).
    run(dbt("build"), with_unit_tests(dbs.env) if first else dbs.env, timeout=1800)
    star.build_seconds.append(time.monotonic() - started)
    history.build_windows.append((wall_started, datetime.now(UTC)))
    results = _run_results(dbs)
    star.fact_seconds.append(_fact_seconds(results))
    if first:
        unit_tests = [result for result in results["results"] if result["unique_id"].startswith("unit_test.")]
        assert unit_tests and all(result["status"] == "pass" for result in unit_tests), (
            f"the first build ran {len(unit_tests)} unit test(s); "
            f"not passed: {[result['unique_id'] for result in unit_tests if result['status'] != 'pass']}"
        )


def _source_rows(dbs, table: str) -> list[str]:
    return [text for (text,) in query(dbs.source, f"select to_jsonb(source_row)::text from tpch.{table} as source_row")]


def snapshot_fingerprints(loc) -> dict[str, tuple[int, str]]:
    """Each snapshot's row count and the md5 of its rows in a fixed order."""
    return {
        table: tuple(
            query(
                loc,
                f"""
        select count(*), coalesce(md5(string_agg(snapshot::text, E'\\n' order by snapshot::text)), '')
        from snapshots.snp_tpch__{table} as snapshot""",
            )[0]
        )
        for table in SNAPSHOTS
    }


def _record_late_customers(star: StarRecord, dbs, day: int) -> None:
    if day - 1 in star.late_customers:
        star.keys_next_day[day - 1] = customer_keys_of(dbs.warehouse, star.late_customers[day - 1])
    pending = [key for (key,) in query(dbs.source, "select c_custkey from demo.pending_customer")]
    star.late_customers[day] = pending
    star.late_lines[day] = customer_keys_of(dbs.warehouse, pending)


def _set_facts_aside(star: StarRecord, dbs) -> None:
    execute(dbs.warehouse, f"drop schema if exists {SNAPSHOT_OF_INCREMENTAL} cascade")
    execute(dbs.warehouse, f"create schema {SNAPSHOT_OF_INCREMENTAL}")
    for model in INCREMENTAL_MODELS:
        relation = f"{schema_of(model)}.{model}"
        execute(dbs.warehouse, f"create table {SNAPSHOT_OF_INCREMENTAL}.{model} as select * from {relation}")
        star.rows_incremental[model] = query(dbs.warehouse, f"select count(*) from {relation}")[0][0]


def _ingest(dbs) -> None:
    run(python("ingest/run.py"), dbs.env)


def run_scenario(
    dbs,
    scale_factor: float,
    days: int,
    *,
    checks: Sequence[str] | None = None,
    ingest: Callable[[object], None] = _ingest,
    record_star: bool = True,
) -> ScenarioRun:
    """Day 0 and ``days`` simulated days, each built and checked; the last step a --full-refresh build.

    By default every registered check, ingestion by ``ingest/run.py`` and the record tests/test_star.py reads. The
    Snowflake emulator's scenario (tests/test_snowflake_emulator.py) names the checks it runs, lands raw its own
    way and records nothing for test_star.py (no --full-refresh: the checks that need one are not among its own).
    """
    scenario = Scenario(dbs, scale_factor, days)
    names = list(CHECKS) if checks is None else list(checks)
    result = ScenarioRun(scenario, {name: {} for name in names}, StarRecord())
    star, history = result.star, result.history
    run(python("demo/source.py", "init", "--scale-factor", str(scale_factor)), dbs.env)
    if record_star:
        history.source_day0 = {table: _source_rows(dbs, table) for table in SNAPSHOTS}
    for day in range(days + 1):
        if day:
            run(python("demo/source.py", "advance", "--days", "1"), dbs.env)
        ingest(dbs)
        _build(star, history, dbs)
        if day == days and record_star:
            history.fingerprints_after_last_build = snapshot_fingerprints(dbs.warehouse)
        if day and record_star:
            _record_late_customers(star, dbs, day)
        if day == days and record_star:
            _set_facts_aside(star, dbs)
        for name in names:
            started = time.monotonic()
            result.problems[name][day] = CHECKS[name](scenario, day)
            result.check_seconds[name] = result.check_seconds.get(name, 0.0) + time.monotonic() - started
    if not record_star:
        return result
    if not _run_results(dbs)["args"].get("full_refresh"):
        run(dbt("build", "--full-refresh"), dbs.env, timeout=1800)
    history.fingerprints_at_the_end = snapshot_fingerprints(dbs.warehouse)
    last = _run_results(dbs)
    star.full_refresh_ran_last = bool(last["args"].get("full_refresh")) and last["args"].get("which") == "build"
    star.fact_seconds.append(_fact_seconds(last))
    print(  # the figures a report quotes; shown with pytest -s -p no:xdist
        f"\nscenario SF {scale_factor}, {days} days: fact rows {star.rows_incremental}; dbt build seconds per day "
        f"{[round(seconds, 1) for seconds in star.build_seconds]}; facts' own seconds per build (the last is the "
        f"--full-refresh) {star.fact_seconds}; slowest checks (seconds over all days) "
        f"{sorted(((round(t, 1), n) for n, t in result.check_seconds.items()), reverse=True)[:12]}"
    )
    return result
