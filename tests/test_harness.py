"""The verification harness (README "Verification harness"): the warehouse equals the truth, day by day.

The shared scenario (tests/harness/scenario.py, built once per session and also checked by tests/test_star.py):
fresh source and warehouse databases, the demo source at --scale-factor (default 0.01), ingest and `dbt build`;
then for --days simulated days (default 4): advance, ingest, `dbt build`. After day 0 and after every day, every
check registered in tests/harness/ runs; each pytest case below is one check, failing with the days and the
first differing rows. Run bigger: `python -m pytest tests/test_harness.py --scale-factor 0.1 --days 7` (or
HARNESS_SCALE_FACTOR / HARNESS_DAYS).
"""

from __future__ import annotations

import pytest
from harness import CHECKS

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_holds_after_every_day(scenario_run, name):
    failed = {day: found for day, found in scenario_run.problems[name].items() if found}
    assert not failed, "\n\n".join(f"after day {day}:\n" + "\n".join(found) for day, found in failed.items())
