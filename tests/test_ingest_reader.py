"""The ingest's reader (ingest/pipeline.py ``AdbcCopyTableLoader``: binary COPY through the ADBC driver) gives
exactly the values the source holds and the Arrow types dlt's own pyarrow backend gives the same columns: numeric
scale, dates, timestamps with time zone, text, NULLs. Cheap: one small table, no ingest."""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal

import pyarrow as pa
import pytest
from dlt.sources.sql_database import sql_table
from helpers import execute, query

from ingest.pipeline import AdbcCopyTableLoader, _all_nullable

ROWS = [
    (1, Decimal("0.01"), Decimal("-9999999999999.99"), dt.date(1992, 1, 1), "2026-11-27 23:59:59.999999+05", "plain"),
    (2, Decimal("12345.67"), None, None, None, ""),
    (3, None, Decimal("0.00"), dt.date(9999, 12, 31), "1970-01-01 00:00:00-08", "ünïcödé, 'quotes', \\ and \t tab"),
    (4, Decimal("-0.50"), Decimal("1.10"), dt.date(1998, 8, 2), "1998-08-02 12:34:56.5+00", None),
]


@pytest.fixture(scope="module")
def source(fresh_databases):
    dbs = fresh_databases("reader")
    execute(
        dbs.source,
        "create schema tpch; create table tpch.edge (id integer primary key, small numeric(15, 2), "
        "wide numeric(15, 2), day date, at timestamptz, note varchar(60))",
    )
    for row in ROWS:
        execute(dbs.source, "insert into tpch.edge values (%s, %s, %s, %s, %s, %s)", row)
    return dbs.source


def read(source, **kwargs) -> pa.Table:
    resource = sql_table(
        credentials=source.url("postgresql+psycopg2"),
        schema="tpch",
        table="edge",
        backend="pyarrow",
        reflection_level="full",
        chunk_size=3,  # two chunks: the reader's re-batching is exercised
        table_adapter_callback=_all_nullable,
        **kwargs,
    )
    return pa.concat_tables(list(resource)).sort_by("id")


def test_the_copy_reader_gives_the_source_values_and_dlt_types(source):
    got = read(source, table_loader_class=AdbcCopyTableLoader)
    reference = read(source)
    assert got.schema == reference.schema, f"types differ from dlt's pyarrow backend:\n{got.schema}\n{reference.schema}"
    expected = query(source, "select id, small, wide, day, at, note from tpch.edge order by id")
    assert [tuple(row.values()) for row in got.to_pylist()] == expected
    assert got.equals(reference)


class SleepingReader(AdbcCopyTableLoader):
    """The copy reader, its query sleeping on the server first (to be cancelled meanwhile)."""

    def compile_query(self, query) -> str:
        return f"select q.* from ({super().compile_query(query)}) as q, (select pg_sleep(30)) as s"


def test_a_cancelled_read_is_an_interrupt(source):
    """A Ctrl-C while the driver waits for its query reaches PostgreSQL as a cancel (ADBC's own SIGINT handler), not
    Python as a KeyboardInterrupt: the reader raises it as the interrupt it is. A cancel from another session, as
    here, reads the same."""

    def cancel() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not query(
            source,
            "select pg_cancel_backend(pid) from pg_stat_activity "
            "where query like '%pg_sleep(30)%' and pid <> pg_backend_pid()",
        ):
            time.sleep(0.1)

    canceller = threading.Thread(target=cancel)
    canceller.start()
    with pytest.raises(KeyboardInterrupt):
        read(source, table_loader_class=SleepingReader)
    canceller.join()
