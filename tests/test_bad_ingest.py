"""Bad sources, settings, privileges, servers and moments the ingest meets: one clear message, nothing lost.

The cases of tests/breakage.py that need no dbt build: on fresh databases after a demo source at SF 0.01 and one
clean ingest (``landed``), each breaks the source's shape or stamps, a setting, a grant, the server or the state
folder, or interrupts the ingest, and asserts the exit code, the message (table or setting, column or privilege,
count, fix; never a traceback), that raw is unchanged by a failed run, and that an ordinary run mends it. A module of
its own so that pytest-xdist runs it beside tests/test_bad_data.py (the cases that build the star).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import resource
import subprocess
import time

import dlt
import pytest
from breakage import (
    LOADER,
    assert_clear_failure,
    can_mount,
    external,
    foreign_program,
    free_port,
    ingest,
    interrupted,
    loader_grants,
    raw_equals_source_except,
    role,
    small_disk,
    warehouse_state,
)
from helpers import ROOT, dbt, drop_database, execute, python, query, raw_vs_source, run

from ingest import pipeline, roles
from ingest.config import TABLES, location

pytestmark = pytest.mark.slow


def test_a_future_row_lands_once_its_time_is_reached(landed):
    """A row stamped ahead of the source's clock is held, then lands once its time is reached.

    The row must still be ahead when the run reads the source. A loaded machine can take longer than a short lead
    to get there (25 s was once too little), and a long lead is a long wait: the lead starts at 10 s and doubles
    until a run holds the row. A run that read the row after its time must have landed it (never lost it). The runs
    ingest the supplier table alone: they reach it sooner, and the lead can stay short."""
    env = {"CURSOR_SAFETY_WINDOW_SECONDS": "0"}
    supplier_3 = "select s_comment from raw_tpch.supplier where s_suppkey = 3"
    for lead in (10, 20, 40, 80):
        comment = f"soon ({lead} s)"
        (due,) = query(
            landed.source,
            "update tpch.supplier set updated_at = now() + make_interval(secs => %s), s_comment = %s "
            "where s_suppkey = 3 returning updated_at",
            (lead, comment),
        )
        code, output = ingest(landed, "--tables", "supplier", env=env)
        assert code == 0, output
        if "held back 1 row(s) of tpch.supplier" in output:
            break
        assert query(landed.warehouse, supplier_3) == [(comment,)], f"read after its time, not landed:\n{output}"
    else:
        pytest.fail("no run reached the source within 80 s of the update: the machine is too loaded for this test")
    assert query(landed.warehouse, supplier_3) != [(comment,)]
    wait = (due[0] - query(landed.source, "select now()")[0][0]).total_seconds()
    time.sleep(max(wait, 0) + 1)
    code, output = ingest(landed, "--tables", "supplier", env=env)
    assert code == 0 and "held back 1 row(s) of tpch.supplier" not in output, output
    assert query(landed.warehouse, supplier_3) == [(comment,)]
    # The supplier cursor now stands at today's wall clock, decades after the demo's simulated time: put the row
    # back in simulated time and replay the table (README, 'When something is wrong'), as a user of the demo must.
    execute(landed.source, "update tpch.supplier set updated_at = '1998-08-03 12:00' where s_suppkey = 3")
    code, output = ingest(landed, "--tables", "supplier", "--full-refresh")
    assert code == 0, output
    raw_equals_source_except(landed, "supplier", [])


def test_a_full_refresh_empties_a_table_last_written_by_an_older_release(landed):
    """Held rows were once released through a resource named ``<table>__released``, and dlt attributes a table
    to the last resource that wrote it: the table's next full refresh emptied nothing, and a row gone from the
    source without a captured delete stayed live in raw. A run gives such a table back to its own resource
    first (recreated here in the pipeline's stored schema), so the refresh replaces every row."""
    state = pipeline.make_pipeline(landed.warehouse)
    schema = state.default_schema
    schema.tables["supplier"]["resource"] = "supplier__released"
    state.schemas.save_schema(schema)
    # A live raw row the source does not have (as after a TRUNCATE, which no delete capture sees).
    execute(
        landed.warehouse,
        "insert into raw_tpch.supplier select (jsonb_populate_record(null::raw_tpch.supplier, "
        """to_jsonb(supplier) || '{"s_suppkey": 999999}')).* from raw_tpch.supplier where s_suppkey = 7""",
    )
    code, output = ingest(landed, "--tables", "supplier", "--full-refresh")
    assert code == 0, output
    raw_equals_source_except(landed, "supplier", [])


def test_a_null_stamp_is_held_not_fatal(landed):
    """A source whose updated_at may be NULL: the row is held and named; every other table still loads."""
    execute(landed.source, "alter table tpch.part alter column updated_at drop not null")
    execute(landed.source, "alter table demo.truth_log alter column changed_at drop not null")
    execute(landed.source, "update tpch.part set updated_at = null, p_comment = 'no stamp' where p_partkey = 11")
    try:
        run(python("demo/source.py", "advance", "--days", "1"), landed.env)
        code, output = ingest(landed)
        assert code == 0, output
        assert "held back 1 row(s) of tpch.part whose updated_at is NULL" in output, output
        assert query(
            landed.warehouse,
            "select row_key from raw_tpch.held_rows where rule = 'updated_at_missing' and resolved_at is null",
        ) == [('{"p_partkey": 11}',)]
        expected, got = raw_vs_source(landed.source, landed.warehouse, "orders")
        assert got == expected
    finally:
        execute(landed.source, "update tpch.part set updated_at = '1998-08-04 12:00' where p_partkey = 11")
        execute(landed.source, "alter table tpch.part alter column updated_at set not null")
    code, output = ingest(landed)
    assert code == 0 and "re-read by key" in output, output
    assert query(landed.warehouse, "select p_comment from raw_tpch.part where p_partkey = 11") == [("no stamp",)]


def test_a_time_zone_less_timestamp(landed):
    """A source whose updated_at has no time zone: its values are taken as UTC and land unchanged."""
    execute(
        landed.source,
        "alter table tpch.region alter column updated_at type timestamp using updated_at at time zone 'UTC'",
    )
    try:
        execute(
            landed.source,
            "update tpch.region set r_comment = 'naive', updated_at = '1998-08-09 10:00' where r_regionkey = 1",
        )
        code, output = ingest(landed)
        assert code == 0, output
        assert query(
            landed.warehouse, "select r_comment, updated_at::text from raw_tpch.region where r_regionkey = 1"
        ) == [("naive", "1998-08-09 10:00:00+00")]
    finally:
        execute(
            landed.source,
            "alter table tpch.region alter column updated_at type timestamptz using updated_at at time zone 'UTC'",
        )


def test_an_emptied_table_is_named_and_nothing_is_lost(landed):
    """TRUNCATE fires no delete trigger: the run says the table lost rows without a delete and how to replay it."""
    saved = query(landed.source, "select * from tpch.nation order by n_nationkey")
    before = warehouse_state(landed)
    execute(landed.source, "alter table tpch.nation disable trigger demo_truth_log_truncate")
    try:
        execute(landed.source, "truncate tpch.nation")
        code, output = ingest(landed)
        assert code == 0, output
        assert (
            "raw_tpch.nation holds 25 live row(s) but source table tpch.nation has 0: 25 row(s) left the source "
            "without a captured delete" in output
        ), output
        assert "python ingest/run.py --tables nation --full-refresh" in output
        assert {name: state for name, state in warehouse_state(landed).items() if "nation" in name} == {
            name: state for name, state in before.items() if "nation" in name
        }
    finally:
        columns = len(saved[0])
        for row in saved:
            execute(landed.source, f"insert into tpch.nation values ({', '.join(['%s'] * columns)})", row)
        execute(landed.source, "alter table tpch.nation enable trigger demo_truth_log_truncate")
    code, output = ingest(landed)
    assert code == 0 and "left the source" not in output, output


def test_a_dropped_table_stops_the_run_before_anything_is_written(landed):
    before = warehouse_state(landed)
    execute(landed.source, "alter table tpch.region rename to region_dropped")
    try:
        code, output = ingest(landed)
        assert_clear_failure(code, output, "source table tpch.region does not exist", "create it")
        assert warehouse_state(landed) == before
    finally:
        execute(landed.source, "alter table tpch.region_dropped rename to region")


def test_duplicate_keys_in_a_source_without_a_primary_key(landed):
    before = warehouse_state(landed)
    execute(landed.source, "alter table tpch.nation drop constraint nation_pkey")
    execute(landed.source, "insert into tpch.nation select * from tpch.nation where n_nationkey = 5")
    try:
        code, output = ingest(landed)
        assert_clear_failure(
            code, output, "source table tpch.nation has no primary key", "alter table tpch.nation add primary key"
        )
        assert warehouse_state(landed) == before
    finally:
        # Remove the copy without recording a delete of key 5 (which would tombstone the real nation 5).
        execute(landed.source, "alter table tpch.nation disable trigger user")
        execute(
            landed.source,
            "delete from tpch.nation as copy where n_nationkey = 5 and ctid <> "
            "(select min(ctid) from tpch.nation where n_nationkey = 5)",
        )
        execute(landed.source, "alter table tpch.nation enable trigger user")
        execute(landed.source, "alter table tpch.nation add primary key (n_nationkey)")


def test_a_renamed_column_is_reported_and_reloaded(landed):
    execute(landed.source, "alter table tpch.supplier rename column s_comment to s_remark")
    try:
        code, output = ingest(landed)
        assert code == 0, output
        assert "tpch.supplier has new column(s) s_remark" in output and "reloaded in full" in output, output
        assert "tpch.supplier no longer has column(s) s_comment" in output, output
        assert query(
            landed.warehouse, "select count(*) from raw_tpch.supplier where s_remark is null and _deleted_at is null"
        ) == [(0,)]
    finally:
        execute(landed.source, "alter table tpch.supplier rename column s_remark to s_comment")
    # Rows reloaded while the column was renamed hold NULL in s_comment: replay the table (README, 'When
    # something is wrong').
    code, output = ingest(landed, "--tables", "supplier", "--full-refresh")
    assert code == 0 and "tpch.supplier has new column(s) s_comment" not in output, output
    raw_equals_source_except(landed, "supplier", [])


def test_a_load_the_warehouse_refuses_for_good_blocks_no_later_run(landed):
    """A load package the warehouse refuses whatever happens (here a check constraint on raw, added by hand) used to
    stay pending and fail every later run, even after the source was corrected. Now the first run fails with one
    line; once the source is corrected the next run drops the refused package, says so, reloads that table in full
    and lands everything."""
    execute(
        landed.warehouse, "alter table raw_tpch.region add constraint pytest_refused check (r_comment <> 'refused')"
    )
    try:
        before = {name: state for name, state in warehouse_state(landed).items() if name != "raw_tpch.region"}
        execute(
            landed.source,
            "update tpch.region set r_comment = 'refused', updated_at = '1998-08-10 12:00' where r_regionkey = 2",
        )
        code, output = ingest(landed)
        assert_clear_failure(code, output, "into raw_tpch.region failed", 'violates check constraint "pytest_refused"')
        execute(
            landed.source,
            "update tpch.region set r_comment = 'accepted', updated_at = '1998-08-10 13:00' where r_regionkey = 2",
        )
        code, output = ingest(landed)
        assert code == 0, output
        assert "1 load package(s) left by an earlier run cannot be loaded" in output, output
        assert "this run reloads raw_tpch.region in full" in output, output
        raw_equals_source_except(landed, "region", [])
        after = {name: state for name, state in warehouse_state(landed).items() if name != "raw_tpch.region"}
        assert after == before
        code, output = ingest(landed)
        assert code == 0 and "cannot be loaded" not in output, output
    finally:
        execute(landed.warehouse, "alter table raw_tpch.region drop constraint if exists pytest_refused")


def test_a_loader_with_exactly_the_listed_grants_can_ingest(fresh_databases):
    dbs = fresh_databases("grants")
    run(python("demo/source.py", "init", "--scale-factor", "0.01"), dbs.env)
    # Delete capture is installed once by the tables' owner, as the README says.
    capture = run(python("ingest/run.py", "--print-delete-capture-sql"), dbs.env).stdout
    execute(dbs.source, capture)
    with role(dbs, LOADER, loader_grants(dbs, LOADER)) as env:
        code, output = ingest(dbs, env=env)
        assert code == 0, output
        run(python("demo/source.py", "advance", "--days", "1"), dbs.env)
        code, output = ingest(dbs, env=env)
        assert code == 0, output
        for table in TABLES:
            expected, got = raw_vs_source(dbs.source, dbs.warehouse, table)
            assert got == expected, f"raw_tpch.{table} {got} differs from the source {expected}"
        assert query(dbs.warehouse, "select count(*) from raw_tpch.lineitem where _deleted_at is not null")[0][0] > 0


def test_a_missing_grant_is_named_before_anything_is_written(landed):
    grants = loader_grants(landed, LOADER)
    grants["source"] = [statement for statement in grants["source"] if "select on all tables" not in statement]
    grants["source"].append(f'grant select on tpch.region, tpch.nation to "{LOADER}"')
    before = warehouse_state(landed)
    with role(landed, LOADER, grants) as env:
        code, output = ingest(landed, env=env)
    assert_clear_failure(
        code,
        output,
        "missing privileges, nothing was written",
        f"source user '{LOADER}'",
        "tpch.customer",
        "tpch.lineitem",
        "grant select on all tables in schema tpch",
        "--print-grants",
    )
    assert warehouse_state(landed) == before


def test_raw_owned_by_another_user_is_named(landed):
    """`permission denied for schema raw_tpch` from the issue: the loader may not touch what another user owns."""
    before = warehouse_state(landed)
    with role(landed, LOADER, loader_grants(landed, LOADER)) as env:
        code, output = ingest(landed, env=env)
    assert_clear_failure(
        code,
        output,
        f"schema raw_tpch (owner '{roles.LOADER}') belong(s) to another user",
        "hand them to",
        "--print-grants",
    )
    assert warehouse_state(landed) == before


@pytest.mark.parametrize("side", ["WAREHOUSE", "SOURCE"])
def test_wrong_password_of_a_non_superuser_on_the_default_settings(landed, side):
    """The embedded default, a non-superuser, a wrong password on either side: one line naming the side, the user
    and the setting."""
    before = warehouse_state(landed)
    with role(landed, LOADER, loader_grants(landed, LOADER)) as env:
        code, output = ingest(landed, env=env | {f"{side}_PASSWORD": "wrong"})
        assert_clear_failure(
            code,
            output,
            f"cannot log in to the {side.lower()} database",
            "password was refused",
            f"{side}_PASSWORD",
            LOADER,
        )
    assert warehouse_state(landed) == before


def test_a_loader_of_your_own_in_a_missing_database_is_told_what_to_do(landed):
    """The embedded default, a missing database, a loader of your own: the server creates the database (as its
    superuser, with the project's roles, so tpch_loader owns raw_tpch there); the run then names what stands in
    the loader's way and the fix, before anything is written (once a traceback from the database-creation step)."""
    missing = landed.warehouse.with_dbname("pytest_not_there_e13")
    try:
        with role(landed, LOADER, loader_grants(landed, LOADER)) as env:
            code, output = ingest(landed, env=env | {"WAREHOUSE_DBNAME": missing.dbname})
        assert_clear_failure(
            code,
            output,
            f"created database {missing.dbname} on the embedded server",
            f"schema raw_tpch (owner '{roles.LOADER}') belong(s) to another user",
            f"hand them to '{LOADER}'",
            "--print-grants",
        )
        assert query(
            missing, "select count(*) from pg_tables where schemaname in ('raw_tpch', 'raw_tpch_staging')"
        ) == [(0,)]
    finally:
        drop_database(missing)


def test_a_port_held_by_another_program(landed):
    port = free_port()
    before = warehouse_state(landed)
    with foreign_program(port):
        code, output = ingest(landed, env=external(landed) | {"SOURCE_PORT": str(port)})
        assert_clear_failure(
            code, output, f"the program listening on 127.0.0.1:{port} is not a PostgreSQL server", "Set SOURCE_PORT"
        )
        result = run(
            dbt("build", "--select", "stg_tpch__region"), landed.env | {"WAREHOUSE_PORT": str(port)}, check=False
        )
        output = result.stdout + result.stderr
        assert result.returncode != 0, output
        assert "received invalid response to SSL negotiation" in output, output
        assert f"The program listening on 127.0.0.1:{port} is not a PostgreSQL server" in output, output
        assert "Set WAREHOUSE_PORT" in output
    assert warehouse_state(landed) == before


def test_the_server_disappears_mid_run(landed, tmp_path):
    """The warehouse server stops during a full load; the run says so; after a restart one ordinary run mends all.

    The warehouse is a private embedded server (its own state folder and port), so stopping it touches no other
    test; the run addresses it as an external server, so it cannot restart it by itself. It is stopped once the run
    says it extracted a table, so the load is still to come whatever the run's speed (a fixed 10 s was past the end
    of a run once one extract read every table).
    """
    port = free_port()
    private = {"WAREHOUSE_STATE_DIR": str(tmp_path / "state"), "WAREHOUSE_PORT": str(port), "SOURCE_HOST": "127.0.0.1"}
    server_env = landed.env | private
    run(python("ingest/db.py", "start"), server_env)
    env = server_env | {"WAREHOUSE_HOST": "127.0.0.1"}
    try:
        process = subprocess.Popen(
            python("ingest/run.py"), cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        before_stop = []
        for line in process.stdout:
            before_stop.append(line)
            if line.startswith("  extracted "):
                break
        run(python("ingest/db.py", "stop"), server_env)
        rest, _ = process.communicate(timeout=300)
        output = "".join(before_stop) + rest
        assert process.returncode == 1, output
        assert "Traceback" not in output, output
        assert "run again" in output, output
        run(python("ingest/db.py", "start"), server_env)
        result = run(python("ingest/run.py"), env, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        warehouse = dataclasses.replace(landed.warehouse, port=port)
        for table in TABLES:
            expected, got = raw_vs_source(landed.source, warehouse, table)
            assert got == expected, f"raw_tpch.{table} {got} differs from the source {expected}"
    finally:
        run(python("ingest/db.py", "stop"), server_env, check=False)


def test_a_read_only_state_folder(landed, tmp_path):
    before = warehouse_state(landed)
    if can_mount():
        context = small_disk(tmp_path / "state", "ro")
    elif os.geteuid() != 0:
        (tmp_path / "state").mkdir()
        (tmp_path / "state").chmod(0o500)
        context = contextlib.nullcontext(tmp_path / "state")
    else:
        pytest.skip("root without mount: no way to make a folder read-only for this test")
    with context as folder:
        code, output = ingest(landed, env=external(landed) | {"WAREHOUSE_STATE_DIR": str(folder)})
    assert_clear_failure(code, output, "cannot write", f"state folder {folder} must be writable", "WAREHOUSE_STATE_DIR")
    assert warehouse_state(landed) == before


def test_a_full_disk(landed, tmp_path):
    """A state folder with no room for the extracted rows: a clear message, raw untouched, a rerun mends.

    Every line changes, so the run extracts all of them into its files (a full load would not: it copies straight
    from the source, and its files hold one row per table)."""
    execute(landed.source, "update tpch.lineitem set updated_at = (select max(updated_at) from tpch.lineitem) + '1 s'")
    before = warehouse_state(landed)
    env = external(landed) | {"WAREHOUSE_STATE_DIR": str(tmp_path / "state")}
    if can_mount():
        with small_disk(tmp_path / "state", "size=1m"):
            code, output = ingest(landed, env=env)
    else:  # a file-size limit fails the same writes (EFBIG) wherever the disk is
        limit = 1 << 20
        result = subprocess.run(
            python("ingest/run.py"),
            cwd=ROOT,
            env=landed.env | env,
            check=False,
            capture_output=True,
            text=True,
            timeout=600,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)),
        )
        code, output = result.returncode, result.stdout + result.stderr
    assert_clear_failure(code, output, "no room to write", "free space there", "run again")
    assert warehouse_state(landed) == before
    code, output = ingest(landed)
    assert code == 0, output
    for table in TABLES:
        expected, got = raw_vs_source(landed.source, landed.warehouse, table)
        assert got == expected, f"raw_tpch.{table} {got} differs from the source {expected}"


@pytest.mark.parametrize(
    ("after", "delay"),
    # 1.5 s after the run's first line ("ingesting 8 table(s) ..."): in the extract, which at SF 0.01 runs from about
    # 0.6 to 2.8 s after that line (6 s after it, once right, came after the end of a run on a faster machine, 28
    # Nov 2026). 1 s after the extract's report: in the load (a fixed 14 s, meant for it, came after the end of a
    # run once one extract read every table).
    [("ingesting ", 1.5), ("  extracted ", 1.0)],
    ids=["ingesting+1.5", "extracted+1.0"],
)
def test_ctrl_c_during_ingest(landed, after, delay):
    code, output = interrupted(python("ingest/run.py", "--full-refresh"), landed.env, delay, after=after)
    if code == 0:  # the run finished before the signal: nothing to prove at this delay
        pytest.skip(f"the run finished within {delay} s of {after or 'its start'!r}")
    assert_clear_failure(
        code, output, "interrupted: the run stopped", "next `python ingest/run.py` finishes it", exit_code=130
    )
    code, output = ingest(landed)
    assert code == 0, output
    for table in TABLES:
        expected, got = raw_vs_source(landed.source, landed.warehouse, table)
        assert got == expected, f"raw_tpch.{table} {got} differs from the source {expected}"


def test_ctrl_c_between_two_tables_of_one_extract_is_an_interrupt(tmp_path):
    """The Ctrl-C above, deterministic: one extract reads many tables, and dlt goes on to the next table from inside
    the ``except StopIteration`` that ended the last one, so a Ctrl-C there is a KeyboardInterrupt whose context is a
    StopIteration. It must stay an interrupt (exit 130), not become "extracting ... failed: StopIteration" (exit 1)."""

    @dlt.resource
    def first():
        yield [{"id": 1}]

    @dlt.resource
    def second():
        yield [{"id": 1}]
        raise KeyboardInterrupt  # what Python raises for a SIGINT arriving after `first` ended

    extract = dlt.pipeline("ctrl_c_probe", pipelines_dir=str(tmp_path))
    with pytest.raises(KeyboardInterrupt):
        pipeline._extract(extract, [first(), second()], {"first": "t.first", "second": "t.second"}, location("source"))


def test_a_ctrl_c_python_swallowed_still_stops_the_run(capfd):
    """Python cannot raise out of a weakref callback or a ``__del__``: a SIGINT landing there printed "Exception ignored
    in ... KeyboardInterrupt" and the run finished with exit 0. Now the run notes it and stops at the next step."""

    class Collected:
        def __del__(self):
            raise KeyboardInterrupt  # what a SIGINT arriving while Python collects an object raises

    went_on = False
    with pytest.raises(KeyboardInterrupt), pipeline._swallowed_ctrl_c_kept():
        Collected()  # collected at once: its KeyboardInterrupt cannot propagate
        went_on = True
        pipeline._stop_if_ctrl_c()  # as each extract, batch and load does
    assert went_on
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("CURSOR_SAFETY_WINDOW_SECONDS", "five", "CURSOR_SAFETY_WINDOW_SECONDS must be a whole number of seconds"),
        ("WAREHOUSE_PORT", "54x", "WAREHOUSE_PORT / PGPORT must be a number"),
    ],
)
def test_a_malformed_setting(landed, variable, value, expected):
    code, output = ingest(landed, env={variable: value})
    assert_clear_failure(code, output, expected)
