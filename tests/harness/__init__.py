"""The verification harness: checks that prove the warehouse equals the truth, run after every simulated day.

A check is a function ``check(scenario, day) -> list[str]`` registered with :func:`check`; it is given the
scenario (its databases and parameters, :class:`Scenario`) and the day just built, and returns the problems it
found (empty when the warehouse is right), each a readable message naming the table, key, column, expected and
got value (see :func:`report.table`). ``tests/harness/scenario.py`` runs the scenario and every registered
check after each day; ``tests/test_harness.py`` reports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Scenario:
    """What a check is told about the run it checks."""

    dbs: Any
    """The source and warehouse databases and the environment of the project's commands (conftest.Databases)."""
    scale_factor: float
    """TPC-H scale factor of the demo source."""
    days: int
    """How many days the scenario simulates: the last day it checks (day 0 is the source as generated)."""


Check = Callable[[Scenario, int], list[str]]
CHECKS: dict[str, Check] = {}


def check(name: str) -> Callable[[Check], Check]:
    """Register a check under ``name`` (the name of its pytest case)."""

    def register(function: Check) -> Check:
        if name in CHECKS:
            raise ValueError(f"two harness checks are named {name!r}")
        CHECKS[name] = function
        return function

    return register
