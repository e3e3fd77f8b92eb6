"""Ingestion against a changing business: day after day, and killed with SIGKILL at random moments.

Each simulated day (``demo/source.py advance``) inserts, updates and hard-deletes rows. After every ingest
raw must equal the source (every live row, every column, cast to the source's exact types) and raw's
tombstones must be exactly the rows the simulator's truth log says were deleted. Then ingest is killed
at random moments (some runs with ``--full-refresh``, long enough to be killed in normalize or load), run
again, and the same equalities must hold: the result of a killed run plus a rerun equals one clean run.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import time

import pytest
from helpers import PRIMARY_KEYS, execute, python, query, raw_vs_source, run, start_ingest

from ingest.config import RAW_SCHEMA, STATE_DIR, TABLES

pytestmark = pytest.mark.slow

KILL_ROUNDS = [  # (advance the simulator first, run with --full-refresh)
    (True, False),
    (True, False),
    (False, True),
    (True, False),
    (True, True),
    (False, True),
]


def live_keys(dbs, table: str) -> set[tuple]:
    columns = ", ".join(PRIMARY_KEYS[table])
    return set(query(dbs.source, f"select {columns} from tpch.{table}"))


def truth_deletes(dbs, table: str) -> set[tuple]:
    """Keys the truth log says were deleted and that are not in the source again."""
    rows = query(dbs.source, "select key from demo.truth_log where operation = 'delete' and table_name = %s", (table,))
    keys = {tuple(key[column] for column in PRIMARY_KEYS[table]) for (key,) in rows}
    return keys - live_keys(dbs, table)


def raw_deleted(dbs, table: str) -> set[tuple]:
    columns = ", ".join(PRIMARY_KEYS[table])
    return set(query(dbs.warehouse, f"select {columns} from {RAW_SCHEMA}.{table} where _deleted_at is not null"))


def assert_raw_is_the_truth(dbs, context: str) -> None:
    for table in TABLES:
        expected, got = raw_vs_source(dbs.source, dbs.warehouse, table)
        assert got == expected, f"{context}: raw_tpch.{table} live rows {got} differ from the source {expected}"
        deleted, tombstones = truth_deletes(dbs, table), raw_deleted(dbs, table)
        assert tombstones == deleted, (
            f"{context}: raw_tpch.{table} tombstones differ from the truth log's deletes: "
            f"missing {sorted(deleted - tombstones)[:10]}, unexpected {sorted(tombstones - deleted)[:10]}"
        )


def killed_run(env: dict[str, str], args: list[str], delay: float) -> str:
    """Start ingest, SIGKILL its whole process group after ``delay`` seconds; return what it printed."""
    process = start_ingest(env, *args)
    time.sleep(delay)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    output, _ = process.communicate(timeout=60)
    return output


def test_day_after_day_raw_equals_the_source_and_the_truth_log(landed):
    deleted_total = 0
    for day in range(1, 4):
        run(python("demo/source.py", "advance", "--days", "1"), landed.env)
        result = run(python("ingest/run.py"), landed.env)
        assert_raw_is_the_truth(landed, f"after simulated day {day}")
        deleted_total += sum(len(raw_deleted(landed, table)) for table in ("orders", "customer"))
        assert "marked deleted" in result.stdout + result.stderr
    assert deleted_total > 0, "no delete happened: the tombstone check proved nothing"
    again = run(python("ingest/run.py"), landed.env)
    assert "0 row(s) merged and 0 marked deleted" in again.stdout + again.stderr
    # A loaded package keeps its state, not its data (.dlt/config.toml, delete_completed_jobs).
    loaded = pipeline_dir(landed) / "load" / "loaded"
    assert sorted(loaded.glob("*")), f"no loaded package under {loaded}"
    kept = sorted(loaded.glob("*/completed_jobs/*.parquet"))
    assert not kept, f"{len(kept)} data file(s) of loaded packages kept under {loaded}, e.g. {kept[:3]}"


def test_sigkill_at_random_moments_then_a_rerun_equals_a_clean_run(landed):
    rng = random.Random(20261123)
    started = time.monotonic()
    run(python("ingest/run.py", "--full-refresh"), landed.env)
    full_refresh_seconds = time.monotonic() - started
    kills = []
    for number, (advance, full_refresh) in enumerate(KILL_ROUNDS, start=1):
        if advance:
            run(python("demo/source.py", "advance", "--days", "1"), landed.env)
        delay = rng.uniform(0.3, full_refresh_seconds if full_refresh else 2.5)
        output = killed_run(landed.env, ["--full-refresh"] if full_refresh else [], delay)
        last = output.strip().splitlines()[-1] if output.strip() else "(nothing printed yet)"
        kills.append({"round": number, "after_s": round(delay, 2), "last_output": last})
        run(python("ingest/run.py"), landed.env)
        assert_raw_is_the_truth(landed, f"kill round {number} ({json.dumps(kills[-1])})")
    print("kill points:", json.dumps(kills, indent=1))
    phases = {phase(kill["last_output"]) for kill in kills}
    assert len(phases) >= 2, f"every kill landed in the same phase, {phases}: the rounds prove less than meant"


def phase(last_output: str) -> str:
    """Where a killed run was, judged by the last line it printed."""
    if "normalized and loaded" in last_output or "marked" in last_output:
        return "after a load"
    if "extracted lineitem" in last_output:
        return "normalize or load"
    if "extracted" in last_output:
        return "extract"
    return "start"


def pipeline_dir(dbs):
    """dlt's working folder of the ingest pipeline into ``dbs``' warehouse (ingest/pipeline.py, make_pipeline)."""
    return STATE_DIR / "dlt" / f"{dbs.warehouse.host}_{dbs.warehouse.port}_{dbs.warehouse.dbname}" / "tpch_raw"


def test_a_kill_between_normalize_commit_and_cleanup_is_mended(landed):
    """dlt renames a normalized package into load/ and then deletes its extracted copy: a SIGKILL between the
    two (seen in CI) leaves both. Recreate that state exactly and check the next run mends it."""
    working = pipeline_dir(landed)
    committed = sorted((working / "load" / "loaded").glob("*"))
    assert committed, f"no loaded package under {working}"
    stale = working / "normalize" / "extracted" / committed[-1].name
    shutil.copytree(committed[-1], stale)
    result = run(python("ingest/run.py"), landed.env)
    output = result.stdout + result.stderr
    assert f"dropping the extracted copy of package {committed[-1].name}" in output, output
    assert not stale.exists()
    assert_raw_is_the_truth(landed, "after mending an interrupted normalize")


def test_rows_a_resumed_full_load_copied_twice_are_removed(landed):
    """A full load copies its files straight into the raw tables it creates (no merge), which have no unique
    index until the load ends: a package resumed after a kill between a file's COPY and dlt's record of it
    copies that file again, and its rows are there twice. Recreated here (the index dropped, rows copied a
    second time): the next run's index build keeps one row of each key, says how many it removed, and raw is
    the truth again."""
    execute(landed.warehouse, f"drop index {RAW_SCHEMA}.lineitem__primary_key")
    copied = execute(
        landed.warehouse,
        f"insert into {RAW_SCHEMA}.lineitem select * from {RAW_SCHEMA}.lineitem where l_orderkey <= 600",
    )
    assert copied > 0
    result = run(python("ingest/run.py"), landed.env)
    output = result.stdout + result.stderr
    assert re.search(
        rf"removed {copied:,} row\(s\) a resumed load had copied a second time into {RAW_SCHEMA}.lineitem", output
    ), output
    assert_raw_is_the_truth(landed, "after removing the rows copied twice")
    (unique,) = query(
        landed.warehouse,
        "select count(*) from pg_index where indisunique and indexrelid = to_regclass(%s)",
        (f"{RAW_SCHEMA}.lineitem__primary_key",),
    )[0]
    assert unique == 1, "the unique index on raw_tpch.lineitem's key was not built again"
