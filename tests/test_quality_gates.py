"""The quality gates CI enforces, as tests: ruff, sqlfluff and a warning-free `dbt parse`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from helpers import ROOT, dbt, run

SQL_FOLDERS = [folder for folder in ("models", "snapshots", "macros", "tests/dbt") if (ROOT / folder).exists()]


def tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def test_ruff_finds_nothing():
    result = run([tool("ruff"), "check", "."], dict(os.environ), check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_sqlfluff_finds_nothing(tmp_path):
    env = dict(os.environ) | {"DBT_TARGET_PATH": str(tmp_path / "target"), "DBT_LOG_PATH": str(tmp_path)}
    result = run([tool("sqlfluff"), "lint", *SQL_FOLDERS, "--disable-progress-bar", "--nofail"], env,
                 check=False)
    output = result.stdout + result.stderr
    assert "All Finished" in output, output[-5000:]
    violations = [line for line in output.splitlines() if line.startswith(("L:", "== [")) and "PASS" not in line]
    assert not violations, "sqlfluff violations:\n" + output[-8000:]


def test_dbt_parse_has_no_deprecation_warnings(tmp_path):
    env = dict(os.environ) | {"DBT_TARGET_PATH": str(tmp_path / "target"), "DBT_LOG_PATH": str(tmp_path)}
    result = run(dbt("parse", "--no-partial-parse", "--show-all-deprecations"), env)
    output = result.stdout + result.stderr
    assert "eprecat" not in output, output
    assert "[WARNING]" not in output, output
