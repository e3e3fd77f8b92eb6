"""Fixtures: fresh source and warehouse databases on the configured server (the embedded one by default)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import create_database, drop_database, project_env, python, run

from ingest.config import STATE_DIR, Location, location


@dataclass
class Databases:
    """A fresh source and warehouse pair, and the environment that points the project's commands at them."""

    source: Location
    warehouse: Location
    env: dict[str, str]
    dbt_target: Path


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness", "the verification harness (tests/test_harness.py)")
    group.addoption("--scale-factor", type=float, default=float(os.environ.get("HARNESS_SCALE_FACTOR", "0.01")),
                    help="TPC-H scale factor of the harness's demo source (env HARNESS_SCALE_FACTOR)")
    group.addoption("--days", type=int, default=int(os.environ.get("HARNESS_DAYS", "4")),
                    help="simulated days the harness runs (env HARNESS_DAYS)")


@pytest.fixture(scope="session")
def harness_options(pytestconfig: pytest.Config) -> tuple[float, int]:
    return pytestconfig.getoption("--scale-factor"), pytestconfig.getoption("--days")


@pytest.fixture(scope="module")
def fresh_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Databases]]:
    """Make fresh database pairs for a test module; drop them afterwards (KEEP_TEST_DATABASES=1 keeps them)."""
    made: list[Databases] = []

    def make(tag: str) -> Databases:
        suffix = f"{tag}_{uuid.uuid4().hex[:8]}"
        source = location("source").with_dbname(f"pytest_src_{suffix}")
        warehouse = location("warehouse").with_dbname(f"pytest_wh_{suffix}")
        for loc in (source, warehouse):
            create_database(loc)
        folder = tmp_path_factory.mktemp(f"dbt_{tag}")
        pair = Databases(source, warehouse, project_env(source, warehouse, folder), folder / "target")
        made.append(pair)
        return pair

    yield make
    if os.environ.get("KEEP_TEST_DATABASES") == "1":
        return
    for pair in made:
        for loc in (pair.source, pair.warehouse):
            drop_database(loc)
        state = STATE_DIR / "dlt" / f"{pair.warehouse.host}_{pair.warehouse.port}_{pair.warehouse.dbname}"
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="module")
def landed(fresh_databases, request: pytest.FixtureRequest) -> Databases:
    """Fresh databases after a demo source at SF 0.01 and one clean ingest: for a module to change or break."""
    dbs = fresh_databases(request.module.__name__.removeprefix("test_")[:12])
    run(python("demo/source.py", "init", "--scale-factor", "0.01"), dbs.env)
    run(python("ingest/run.py"), dbs.env)
    return dbs
