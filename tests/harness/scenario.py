"""The one simulated scenario that tests/test_harness.py and tests/test_star.py check, run once per session.

On fresh databases: the demo source at the scenario's scale factor, ``ingest/run.py`` and ``dbt build`` (day 0);
then for each simulated day ``demo/source.py advance --days 1``, ``ingest/run.py`` and ``dbt build``, every
build green. After each day's build it records what tests/test_star.py asserts on (the fact keys of the lines
of late-arriving customers; on the last day a copy of the facts as the incremental path built them), then runs
every check registered in tests/harness/ and keeps the problems each found. The last step the scenario
guarantees is a ``dbt build --full-refresh`` (the ``full_refresh_equals_incremental`` check runs it; if that
check did not, the scenario does), so test_star.py compares the incremental facts with a full refresh.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from helpers import dbt, execute, python, query, run

from harness import CHECKS, Scenario, checks_columns, checks_queries, checks_truth  # noqa: F401 - registers checks

MARTS = "marts"
SNAPSHOT_OF_INCREMENTAL = "star_incremental"
"""Schema where the facts built by the incremental path are copied on the last day, before the --full-refresh."""
FACTS: dict[str, list[str]] = {
    "fct_order_lines": ["order_id", "line_number"],
    "fct_orders": ["order_id"],
    "fct_inventory_daily": ["part_id", "supplier_id", "date_key"],
}
"""Each fact and its primary key (the order of the checksum)."""

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


@dataclass
class ScenarioRun:
    """The scenario and what it found: every check's problems per day, and the star's record."""

    scenario: Scenario
    problems: dict[str, dict[int, list[str]]]
    star: StarRecord


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
        if result["unique_id"].rsplit(".", 1)[-1] in FACTS and result["unique_id"].startswith("model.")
    }


def _build(star: StarRecord, dbs) -> None:
    started = time.monotonic()
    run(dbt("build"), dbs.env, timeout=1800)
    star.build_seconds.append(time.monotonic() - started)
    star.fact_seconds.append(_fact_seconds(_run_results(dbs)))


def _record_late_customers(star: StarRecord, dbs, day: int) -> None:
    if day - 1 in star.late_customers:
        star.keys_next_day[day - 1] = customer_keys_of(dbs.warehouse, star.late_customers[day - 1])
    pending = [key for (key,) in query(dbs.source, "select c_custkey from demo.pending_customer")]
    star.late_customers[day] = pending
    star.late_lines[day] = customer_keys_of(dbs.warehouse, pending)


def _set_facts_aside(star: StarRecord, dbs) -> None:
    execute(dbs.warehouse, f"drop schema if exists {SNAPSHOT_OF_INCREMENTAL} cascade")
    execute(dbs.warehouse, f"create schema {SNAPSHOT_OF_INCREMENTAL}")
    for fact in FACTS:
        execute(dbs.warehouse, f"create table {SNAPSHOT_OF_INCREMENTAL}.{fact} as select * from {MARTS}.{fact}")
        star.rows_incremental[fact] = query(dbs.warehouse, f"select count(*) from {MARTS}.{fact}")[0][0]


def run_scenario(dbs, scale_factor: float, days: int) -> ScenarioRun:
    """Day 0 and ``days`` simulated days, each built and checked; the last step a --full-refresh build."""
    scenario = Scenario(dbs, scale_factor, days)
    result = ScenarioRun(scenario, {name: {} for name in CHECKS}, StarRecord())
    star = result.star
    run(python("demo/source.py", "init", "--scale-factor", str(scale_factor)), dbs.env)
    for day in range(days + 1):
        if day:
            run(python("demo/source.py", "advance", "--days", "1"), dbs.env)
        run(python("ingest/run.py"), dbs.env)
        _build(star, dbs)
        if day:
            _record_late_customers(star, dbs, day)
        if day == days:
            _set_facts_aside(star, dbs)
        for name, verify in CHECKS.items():
            result.problems[name][day] = verify(scenario, day)
    if not _run_results(dbs)["args"].get("full_refresh"):
        run(dbt("build", "--full-refresh"), dbs.env, timeout=1800)
    last = _run_results(dbs)
    star.full_refresh_ran_last = bool(last["args"].get("full_refresh")) and last["args"].get("which") == "build"
    star.fact_seconds.append(_fact_seconds(last))
    print(  # the figures a report quotes; shown with pytest -s -p no:xdist
        f"\nscenario SF {scale_factor}, {days} days: fact rows {star.rows_incremental}; dbt build seconds per day "
        f"{[round(seconds, 1) for seconds in star.build_seconds]}; facts' own seconds per build (the last is the "
        f"--full-refresh) {star.fact_seconds}"
    )
    return result
