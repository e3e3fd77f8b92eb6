"""A table loaded in full travels as the source's own binary COPY stream into raw (ingest/direct_copy.py): the rows
it lands are the ones dlt's file path lands, a resumed package does not copy them twice, and a source failing
in the middle of a copy leaves the raw table as it was."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from helpers import execute, python, query, raw_vs_source, run

from ingest.config import RAW_SCHEMA
from ingest.direct_copy import copy_table
from ingest.errors import IngestError

EDGE_COLUMNS = (
    "add column edge_amount numeric(15, 2), add column edge_day date, add column edge_naive timestamp, "
    "add column edge_flag boolean, add column edge_note text"
)
EDGE_ROWS = [
    # r_regionkey, amount, day, timestamp without time zone, flag, note
    (0, Decimal("-9999999999999.99"), dt.date(1992, 1, 1), "1998-08-02 12:34:56.5", True, "ünïcödé, 'quotes', \\ \t"),
    (1, Decimal("0.01"), dt.date(9999, 12, 31), "1970-01-01 00:00:00", False, ""),
    (2, None, None, None, None, None),
    (3, Decimal("12345.67"), dt.date(2000, 2, 29), "2026-11-29 23:59:59.999999", True, "line\nbreak"),
]
BOOKKEEPING = ("updated_at", "_dlt_load_id", "_dlt_id")
"""Raw's columns that differ between two loads of the same rows: the stamp the test moves, and dlt's ids."""


@pytest.fixture(scope="module")
def edges(landed):
    """The landed source with region given columns of every kind, holding edge values."""
    execute(landed.source, f"alter table tpch.region {EDGE_COLUMNS}")
    for key, *values in EDGE_ROWS:
        execute(
            landed.source,
            "update tpch.region set edge_amount = %s, edge_day = %s, edge_naive = %s, edge_flag = %s, edge_note = %s "
            "where r_regionkey = %s",
            (*values, key),
        )
    return landed


def raw_rows(dbs, table: str) -> tuple[list[str], list[tuple]]:
    """Raw's columns (but BOOKKEEPING) and its rows in key order."""
    columns = [
        name
        for (name,) in query(
            dbs.warehouse,
            "select column_name from information_schema.columns where table_schema = %s and table_name = %s "
            "order by ordinal_position",
            (RAW_SCHEMA, table),
        )
        if name not in BOOKKEEPING
    ]
    rows = query(dbs.warehouse, f"select {', '.join(columns)} from {RAW_SCHEMA}.{table} order by 1")
    return columns, rows


def test_a_full_load_lands_what_the_file_path_lands(edges):
    """region reloaded in full (copied), then every row re-read by the cursor (dlt's parquet files and merge): the
    same columns, types and values, and the source's."""
    result = run(python("ingest/run.py", "--tables", "region", "--full-refresh"), edges.env)
    output = result.stdout + result.stderr
    assert re.search(r"copied region\s+5 rows .* straight from the source", output), output
    copied = raw_rows(edges, "region")
    assert {"edge_amount", "edge_day", "edge_naive", "edge_flag", "edge_note"} <= set(copied[0]), copied[0]
    expected, got = raw_vs_source(edges.source, edges.warehouse, "region")
    assert got == expected, f"the copy {got} differs from the source {expected}"

    execute(edges.source, "update tpch.region set updated_at = (select max(updated_at) from tpch.region) + '1 s'")
    result = run(python("ingest/run.py", "--tables", "region"), edges.env)
    output = result.stdout + result.stderr
    assert "copied region" not in output and re.search(r"extracted region\s+5 rows", output), output
    assert raw_rows(edges, "region") == copied
    loaded = dict(zip(copied[0], zip(*copied[1], strict=True), strict=True))
    assert loaded["edge_naive"][0] == dt.datetime(1998, 8, 2, 12, 34, 56, 500000)  # dlt keeps it without a zone
    assert loaded["edge_note"][0] == EDGE_ROWS[0][5] and loaded["edge_amount"][0] == EDGE_ROWS[0][1]


def test_a_resumed_copy_is_not_repeated(landed):
    """A run killed after a copy committed, before dlt recorded its job, resumes the package: the job finds its
    load's rows there and copies nothing."""
    ((load_id, cursor, rows),) = query(
        landed.warehouse, f"select min(_dlt_load_id), max(updated_at), count(*) from {RAW_SCHEMA}.nation"
    )
    assert rows == 25
    assert copy_table(landed.source, landed.warehouse, "nation", cursor, load_id) == 25
    assert query(landed.warehouse, f"select count(*), count(distinct n_nationkey) from {RAW_SCHEMA}.nation") == [
        (25, 25)
    ]


def test_a_source_failing_mid_copy_leaves_the_table_as_it_was(landed):
    """The source stops in the middle of the stream (a value raw's type cannot take, on row 32,768): the rows sent
    before it are not committed, and the error names the table."""
    execute(
        landed.source,
        "create table tpch.copy_probe as select id, now() - interval '1 day' as updated_at "
        "from generate_series(1, 100000) as id",
    )
    execute(
        landed.warehouse,
        f"create table {RAW_SCHEMA}.copy_probe (id smallint, updated_at timestamptz, _dlt_load_id varchar, "
        "_dlt_id varchar, _deleted_at timestamptz)",
    )
    try:
        with pytest.raises(IngestError, match=r"copying raw_tpch.copy_probe from the source failed: .*smallint"):
            copy_table(landed.source, landed.warehouse, "copy_probe", dt.datetime.now(dt.UTC), "1.0")
        assert query(landed.warehouse, f"select count(*) from {RAW_SCHEMA}.copy_probe") == [(0,)]
    finally:
        execute(landed.source, "drop table tpch.copy_probe")
        execute(landed.warehouse, f"drop table {RAW_SCHEMA}.copy_probe")
