"""Offline gates on the project's metadata (dbt's manifest.json, no database): dbt-score at zero violations,
every group with an owner, the consumers declared as exposures, the semantic layer's metrics present.

``dbt parse`` writes the manifest into a temporary target; ``dbt-score lint`` then scores every model, seed and
snapshot against dbt-score's rules and the project's own (``docs/score_rules/``), configured in
``pyproject.toml`` (``[tool.dbt-score]``): every item must score 10, i.e. no rule is violated. A rule is
switched off only with its reason written above it; a test checks that too.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tomllib
from pathlib import Path

import pytest
from helpers import ROOT, dbt, run


@pytest.fixture(scope="module")
def manifest_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("metadata")
    env = dict(os.environ) | {"DBT_TARGET_PATH": str(folder / "target"), "DBT_LOG_PATH": str(folder / "logs")}
    run(dbt("parse", "--no-partial-parse"), env)
    return folder / "target" / "manifest.json"


def test_dbt_score_finds_no_violation(manifest_path: Path):
    score = str(Path(sys.executable).parent / "dbt-score")
    result = run(
        [score, "lint", "--manifest", str(manifest_path), "--show", "failing-rules"], dict(os.environ), check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"dbt-score lint exited {result.returncode}:\n{output[-6000:]}"
    assert re.search(r"Project score: \S*10\.0", output), output[-3000:]


def test_every_disabled_rule_says_why():
    text = (ROOT / "pyproject.toml").read_text()
    disabled = tomllib.loads(text)["tool"]["dbt-score"]["disabled_rules"]
    lines = text.splitlines()
    for rule in disabled:
        index = next(i for i, line in enumerate(lines) if f'"{rule}"' in line)
        above = index - 1
        while lines[above].strip().startswith('"'):  # rules listed together share the comment above them
            above -= 1
        assert lines[above].strip().startswith("#"), (
            f"disabled rule {rule} has no reason written above it in pyproject.toml"
        )
    assert disabled, "expected the configuration to be read"


def test_every_group_has_an_owner_with_name_and_email(manifest_path: Path):
    manifest = json.loads(manifest_path.read_text())
    groups = manifest["groups"].values()
    assert {group["name"] for group in groups} == {"staging", "intermediate", "marts", "ssb", "semantic"}
    for group in groups:
        assert group["owner"].get("name") and group["owner"].get("email"), f"group {group['name']}: {group['owner']}"
    for node in manifest["nodes"].values():
        if node["resource_type"] in ("model", "seed", "snapshot"):
            assert node["group"], f"{node['unique_id']} belongs to no group"


def test_access_is_public_for_marts_and_ssb_only(manifest_path: Path):
    manifest = json.loads(manifest_path.read_text())
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        public = node["fqn"][1] == "marts"
        assert (node["access"] == "public") == public, f"{node['name']} is {node['access']}"


def test_exposures_name_the_real_consumers(manifest_path: Path):
    manifest = json.loads(manifest_path.read_text())
    exposures = {exposure["name"]: exposure for exposure in manifest["exposures"].values()}
    assert set(exposures) == {"ssb_queries", "tpch_queries", "semantic_layer"}
    assert {"model.tpch_warehouse.lineorder", "model.tpch_warehouse.date"} <= set(
        exposures["ssb_queries"]["depends_on"]["nodes"]
    )
    assert "metric.tpch_warehouse.net_revenue" in exposures["semantic_layer"]["depends_on"]["nodes"]
    metrics = {metric["name"] for metric in manifest["metrics"].values()}
    assert {
        "net_revenue",
        "gross_revenue",
        "margin",
        "quantity",
        "order_count",
        "average_discount",
        "inventory_value",
    } <= metrics
