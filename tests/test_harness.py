"""The verification harness (README "Verification"): the warehouse equals the truth, day by day.

Fresh source and warehouse databases, the demo source at --scale-factor (default 0.01), ingest and
`dbt build`; then for --days simulated days (default 4): advance, ingest, `dbt build`. After day 0 and after
every day, every check registered in tests/harness/ runs; each pytest case below is one check, failing with
the days and the first differing rows. Run bigger: `python -m pytest tests/test_harness.py --scale-factor 0.1
--days 7` (or HARNESS_SCALE_FACTOR / HARNESS_DAYS).
"""

from __future__ import annotations

import pytest
from harness import CHECKS, checks_columns, checks_queries, checks_truth  # noqa: F401 - importing registers the checks
from helpers import dbt, python, run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scenario(fresh_databases, harness_options):
    scale_factor, days = harness_options
    dbs = fresh_databases("harness")
    run(python("ingest/demo_source.py", "init", "--scale-factor", str(scale_factor)), dbs.env)
    problems: dict[str, dict[int, list[str]]] = {name: {} for name in CHECKS}
    for day in range(days + 1):
        if day:
            run(python("ingest/demo_source.py", "advance", "--days", "1"), dbs.env)
        run(python("ingest/run.py"), dbs.env)
        run(dbt("build"), dbs.env, timeout=1800)
        for name, verify in CHECKS.items():
            problems[name][day] = verify(dbs, day)
    return dbs, problems


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_holds_after_every_day(scenario, name):
    _, problems = scenario
    failed = {day: found for day, found in problems[name].items() if found}
    assert not failed, "\n\n".join(f"after day {day}:\n" + "\n".join(found) for day, found in failed.items())
