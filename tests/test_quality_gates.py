"""The quality gates CI enforces, as tests: ruff (lint and format), the import contracts, sqlfluff and a
warning-free `dbt parse`."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

from helpers import ROOT, dbt, run

from ingest.config import location
from ingest.db import ensure_server

SQL_FOLDERS = [folder for folder in ("models", "snapshots", "macros", "tests/dbt") if (ROOT / folder).exists()]


def tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def test_ruff_finds_nothing():
    result = run([tool("ruff"), "check", "."], dict(os.environ), check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_changes_nothing():
    result = run([tool("ruff"), "format", "--check", "."], dict(os.environ), check=False)
    assert result.returncode == 0, f"run `ruff format .` to fix:\n{result.stdout}{result.stderr}"


def test_imports_keep_their_contracts():
    """pyproject.toml [tool.importlinter]: the product never imports the demo (one named hook aside), no circles."""
    result = run([tool("lint-imports"), "--no-cache"], dict(os.environ), check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# The dbt templater connects to the profile's warehouse database and renders `is_incremental()` from what it
# holds, and sqlfluff's indentation rules see a different text on a built warehouse than on an empty one. The
# gate lints against a database of its own that nothing builds into, so it gives the same verdict after
# `python3 quickstart.py` as on a fresh clone (the incremental branches are written to lint in both states).
SQLFLUFF_DATABASE = "sqlfluff_gate"


def sqlfluff(tmp_path: Path, *args: str) -> None:
    # Make sure that database exists (no other test may be relied on to have created it, as they run in parallel).
    ensure_server(replace(location("warehouse"), dbname=SQLFLUFF_DATABASE))
    env = dict(os.environ) | {
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path),
        "WAREHOUSE_DBNAME": SQLFLUFF_DATABASE,
    }
    result = run([tool("sqlfluff"), "lint", *args, "--disable-progress-bar"], env, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"sqlfluff lint {' '.join(args)} exited {result.returncode}:\n{output[-8000:]}"
    assert "All Finished" in output, output[-3000:]


def test_sqlfluff_finds_nothing_in_models_and_tests(tmp_path):
    sqlfluff(tmp_path, *[folder for folder in SQL_FOLDERS if folder != "macros"])


def test_sqlfluff_finds_nothing_in_macros(tmp_path):
    """The dbt templater skips macro files, so macros are linted with the jinja templater (see .sqlfluff)."""
    sqlfluff(tmp_path, "macros", "--templater", "jinja")


def test_dbt_parse_has_no_deprecation_warnings(tmp_path):
    env = dict(os.environ) | {"DBT_TARGET_PATH": str(tmp_path / "target"), "DBT_LOG_PATH": str(tmp_path)}
    result = run(dbt("parse", "--no-partial-parse", "--show-all-deprecations"), env)
    output = result.stdout + result.stderr
    assert "Deprecated functionality" not in output, output
    assert "[WARNING]" not in output, output
