"""The verification harness: checks that prove the warehouse equals the truth, run after every simulated day.

A check is a function ``check(dbs, day) -> list[str]`` registered with :func:`check`; it returns the problems
it found (empty when the warehouse is right), each a readable message naming the table, key, column,
expected and got value (see :func:`report.table`). ``tests/test_harness.py`` runs the scenario and every
registered check after each day.
"""

from __future__ import annotations

from collections.abc import Callable

Check = Callable[[object, int], list[str]]
CHECKS: dict[str, Check] = {}


def check(name: str) -> Callable[[Check], Check]:
    """Register a check under ``name`` (the name of its pytest case)."""

    def register(function: Check) -> Check:
        if name in CHECKS:
            raise ValueError(f"two harness checks are named {name!r}")
        CHECKS[name] = function
        return function

    return register
