"""Fixtures: fresh source and warehouse databases on the configured server (the embedded one by default), and
the one simulated scenario that the modules in ``SCENARIO_MODULES`` share.

The suite runs in parallel (pytest-xdist, ``-n auto --dist loadscope`` in pyproject.toml): every module runs
whole on one worker, so its module-scoped fixtures are built once, and the modules in ``SCENARIO_MODULES`` run
together on one worker, which builds the session's single ``scenario_run``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from harness.scenario import ScenarioRun, run_scenario
from helpers import create_database, drop_database, project_env, python, run

from ingest.config import STATE_DIR, Location, location

# dbt's debug log file (logs/dbt.log, every statement it runs) costs about a tenth of the CPU of a `dbt build`
# at SF 0.01 (measured: 22.2 -> 20.1 s user for an incremental build, mean of two); the suite's dbt calls keep
# their console output in every failure message instead. DBT_LOG_LEVEL_FILE=debug brings the files back.
os.environ.setdefault("DBT_LOG_LEVEL_FILE", "none")


@dataclass
class Databases:
    """A fresh source and warehouse pair, and the environment that points the project's commands at them."""

    source: Location
    warehouse: Location
    env: dict[str, str]
    dbt_target: Path


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness", "the shared scenario (tests/harness/scenario.py)")
    group.addoption(
        "--scale-factor",
        type=float,
        default=float(os.environ.get("HARNESS_SCALE_FACTOR", "0.01")),
        help="TPC-H scale factor of the scenario's demo source (env HARNESS_SCALE_FACTOR)",
    )
    group.addoption(
        "--days",
        type=int,
        default=int(os.environ.get("HARNESS_DAYS", "4")),
        help="simulated days of the scenario (env HARNESS_DAYS)",
    )


@pytest.fixture(scope="session")
def harness_options(pytestconfig: pytest.Config) -> tuple[float, int]:
    return pytestconfig.getoption("--scale-factor"), pytestconfig.getoption("--days")


SCENARIO_MODULES = ("test_docs_site.py", "test_harness.py", "test_history.py", "test_star.py")
"""The modules that check the shared scenario: one xdist work unit, so the session builds the scenario once."""


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """Each test module runs whole on one worker (xdist's loadscope), the scenario's modules together on one.

    (xdist's own ``--dist loadgroup`` cannot do this under pytest 9: it renames ``item._nodeid``, which pytest 9
    no longer reads, so every test became a unit of its own.)
    """
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return "the shared scenario" if module.rsplit("/", 1)[-1] in SCENARIO_MODULES else module

    return ModuleScheduling(config, log)


LONGEST_FIRST = (
    "test_bad_ingest.py",
    "test_bad_data.py",
    "test_snowflake_emulator.py",
    "test_snapshot_migration.py",
    "test_crash_safety.py",
    "test_quality_gates.py",
    "test_semantic_layer.py",
    "test_snowflake_sql.py",
    "test_end_to_end.py",
    "test_ingest_snowflake.py",
    "test_dbt_macros.py",
    "test_benchmark.py",
    "test_ingest_changes.py",
    "test_bad_input.py",
    "test_simulator.py",
    "test_roles.py",
)
"""After the shared scenario (6-8 min of one worker), the modules that took longest in a full run (worker seconds
from `--durations=0`, 28 Nov 2026), longest first: xdist hands modules out in this order, so the run ends with
short ones and no worker waits long for the other. A module not listed comes after them."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The scenario's modules first, then LONGEST_FIRST, then the rest (a stable sort: each module in order)."""

    def rank(item: pytest.Item) -> int:
        name = item.path.name
        if name in SCENARIO_MODULES:
            return 0
        return 1 + LONGEST_FIRST.index(name) if name in LONGEST_FIRST else 1 + len(LONGEST_FIRST)

    items.sort(key=rank)


@contextlib.contextmanager
def database_pairs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Databases]]:
    """Make fresh database pairs; drop them afterwards (KEEP_TEST_DATABASES=1 keeps them)."""
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
def fresh_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Databases]]:
    """Make fresh database pairs for a test module; drop them after the module."""
    with database_pairs(tmp_path_factory) as make:
        yield make


@pytest.fixture(scope="session")
def _session_scenario(
    tmp_path_factory: pytest.TempPathFactory,
    harness_options: tuple[float, int],
) -> Iterator[ScenarioRun]:
    scale_factor, days = harness_options
    with database_pairs(tmp_path_factory) as make:
        yield run_scenario(make("scenario"), scale_factor, days)


@pytest.fixture(scope="module")
def scenario_run(request: pytest.FixtureRequest) -> ScenarioRun:
    """The shared scenario (tests/harness/scenario.py) at --scale-factor and --days, built once per session."""
    if request.path.name not in SCENARIO_MODULES:
        pytest.fail(
            f"{request.path.name} uses the shared scenario: add it to SCENARIO_MODULES in tests/conftest.py, "
            "or an xdist worker builds a scenario of its own for it"
        )
    return request.getfixturevalue("_session_scenario")


@pytest.fixture(scope="module")
def landed(fresh_databases, request: pytest.FixtureRequest) -> Databases:
    """Fresh databases after a demo source at SF 0.01 and one clean ingest: for a module to change or break."""
    dbs = fresh_databases(request.module.__name__.removeprefix("test_")[:12])
    run(python("demo/source.py", "init", "--scale-factor", "0.01"), dbs.env)
    run(python("ingest/run.py"), dbs.env)
    return dbs
