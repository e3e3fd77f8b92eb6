"""The dlt pipeline that lands the source tables in the warehouse schema ``raw_tpch``.

How a table is ingested:

- extraction with dlt's ``sql_table`` (its query, cursor and types), read by ``AdbcCopyTableLoader``: binary
  ``COPY`` through the ADBC PostgreSQL driver straight into Arrow batches of ``chunk_size`` rows, no per-row Python;
- incremental on ``updated_at``: a run reads only rows with ``updated_at`` after the last run's cursor
  (the source has an index on ``updated_at``, so the cost follows the number of changed rows). Like every
  cursor, it assumes a row's ``updated_at`` is stamped no earlier than the moment its change is committed
  relative to other changes: a transaction that commits long after stamping an older time can be missed;
- loaded as parquet through the ADBC PostgreSQL driver (one COPY per row group: memory stays flat), then
  merged on the table's primary key with dlt's ``delete-insert`` strategy (it deduplicates the staged rows on
  the key, so a file loaded twice by a resumed package still lands once); a unique index on the primary key
  in raw keeps the merge fast and makes a duplicate key impossible. A table loaded in full (a full refresh, or
  new to raw) takes no files and no merge: its one extracted row moves the cursor, and its load step copies the
  table straight from the source into the emptied raw table (ingest/direct_copy.py);
- ``_deleted_at`` is part of every raw table: NULL for a row that exists in the source (see ingest/deletes.py
  for how deleted rows are marked).

Everything a run needs is checked before anything is written, so a wrong password, an unreachable server,
a missing table or a table without a primary key stop the run with the warehouse as it was.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ingest import deletes, direct_copy, held_rows, privileges, schema_changes
from ingest.config import CURSOR_COLUMN, RAW_SCHEMA, ROOT, SOURCE_SCHEMA, STATE_DIR, Location, SnowflakeLocation
from ingest.db import connect, create_tombstones_index, explain_error, session
from ingest.errors import IngestError, explain_os_error

# dlt reads .dlt/config.toml from its project directory: the repository root, wherever the run starts.
os.environ.setdefault("DLT_PROJECT_DIR", str(ROOT))

import dlt
import numpy as np
import psycopg2
import pyarrow as pa
import sqlalchemy as sa
from dlt.common.configuration.container import Container
from dlt.common.destination import DestinationCapabilitiesContext
from dlt.common.libs.pyarrow import get_py_arrow_datatype
from dlt.common.schema.typing import C_DLT_ID, C_DLT_LOAD_ID
from dlt.common.storages.load_package import load_package_state
from dlt.destinations.impl.postgres.postgres import PostgresParquetCopyJob
from dlt.extract.resource import DltResource
from dlt.sources.sql_database import sql_table
from dlt.sources.sql_database.helpers import BaseTableLoader

log = logging.getLogger(__name__)

PIPELINE_NAME = "tpch_raw"
PROGRESS_EVERY = 500_000
"""A table larger than this reports its extraction progress every this many rows."""
LOCK_ID = 7_146_021
"""Advisory lock key that serialises ingest runs against one warehouse database."""
DELETED_AT = "_deleted_at"
DELETE_LOG = f"{deletes.CDC_SCHEMA}.{deletes.LOG_TABLE}"
"""The source's delete log (ingest/deletes.py), as error messages name it."""
QUERY_CANCELLED = "canceling statement due to user request"
"""PostgreSQL's message for a query cancelled on request: what a Ctrl-C during an ADBC read becomes."""


@dataclass
class TableResult:
    """What one run did to one table."""

    table: str
    extracted_rows: int = 0
    extract_seconds: float = 0.0
    loaded_rows: int = 0


@dataclass
class RunResult:
    tables: dict[str, TableResult] = field(default_factory=dict)
    seconds: float = 0.0
    resumed_packages: int = 0
    deletes_marked: dict[str, int] = field(default_factory=dict)
    held: dict[str, held_rows.Held] = field(default_factory=dict)
    """Per table: rows held back because their updated_at is after the source's clock or NULL."""

    def add_loaded(self, rows_per_table: dict[str, int]) -> None:
        for table, rows in rows_per_table.items():
            if table != deletes.RAW_TABLE:  # the delete log re-reads a window of entries; not table rows
                self.tables.setdefault(table, TableResult(table)).loaded_rows += rows

    def add_marked(self, rows_per_table: dict[str, int]) -> None:
        for table, rows in rows_per_table.items():
            self.deletes_marked[table] = self.deletes_marked.get(table, 0) + rows

    @property
    def loaded_rows(self) -> int:
        return sum(result.loaded_rows for result in self.tables.values())


def primary_keys(source: Location, tables: Iterable[str]) -> dict[str, list[str]]:
    """Check every table exists with a primary key and the cursor column; return its key columns.

    Raises IngestError naming each table that is missing, has no primary key or lacks ``updated_at``.
    """
    tables = list(tables)
    with session(source) as conn, conn.cursor() as cur:
        cur.execute(
            """
            select cls.relname, att.attname
            from pg_index as idx
            inner join pg_class as cls on cls.oid = idx.indrelid
            inner join pg_namespace as nsp on nsp.oid = cls.relnamespace
            inner join lateral unnest(idx.indkey) with ordinality as k (attnum, position) on true
            inner join pg_attribute as att on att.attrelid = cls.oid and att.attnum = k.attnum
            where idx.indisprimary and nsp.nspname = %s and cls.relname = any(%s)
            order by cls.relname, k.position
            """,
            (SOURCE_SCHEMA, tables),
        )
        keys: dict[str, list[str]] = {}
        for table, column in cur.fetchall():
            keys.setdefault(table, []).append(column)
        cur.execute(
            """
            select table_name, bool_or(column_name = %s)
            from information_schema.columns
            where table_schema = %s and table_name = any(%s)
            group by table_name
            """,
            (CURSOR_COLUMN, SOURCE_SCHEMA, tables),
        )
        present = dict(cur.fetchall())
    problems = []
    for table in tables:
        qualified = f"{SOURCE_SCHEMA}.{table}"
        if table not in present:
            problems.append(
                f"source table {qualified} does not exist in the {source.describe()}; "
                "create it, or run `python demo/source.py init` for the demo source"
            )
        elif not present[table]:
            problems.append(
                f"source table {qualified} has no column {CURSOR_COLUMN} "
                "(a timestamptz set on every insert and update), which incremental ingestion reads"
            )
        elif table not in keys:
            problems.append(
                f"source table {qualified} has no primary key, which the merge into raw needs; "
                f"add one: alter table {qualified} add primary key (...)"
            )
    if problems:
        raise IngestError("; ".join(problems))
    return keys


def make_pipeline(warehouse: Location) -> dlt.Pipeline:
    """The pipeline for ``warehouse``; its local state lives under .warehouse/dlt, one folder per database."""
    pipelines_dir = STATE_DIR / "dlt" / f"{warehouse.host}_{warehouse.port}_{warehouse.dbname}"
    credentials = warehouse.url("postgresql")
    if not warehouse.password:
        # dlt insists on a password; a server with trust authentication (the embedded one) ignores it.
        credentials = warehouse.with_password("trust").url("postgresql")
    # No unique constraint on dlt's row ids: a load package resumed after a kill may copy a file into the
    # staging table a second time; the delete-insert merge deduplicates on the primary key instead.
    destination = dlt.destinations.postgres(credentials=credentials, create_indexes=False)
    # dlt hands a parquet file to the ADBC driver as a generator of batches, which the driver first gathers into
    # one Arrow table: a whole file in memory (at SF 1 lineitem's file held millions of rows, 2.65 GiB peak).
    # One COPY per row group instead, in the job's single transaction: memory follows the row group, and a job
    # still commits all of its file or nothing.
    PostgresParquetCopyJob._ingest_per_rowgroup = True
    return _dlt_pipeline(destination, str(pipelines_dir))


def _dlt_pipeline(destination: object, pipelines_dir: str) -> dlt.Pipeline:
    """The ingest's dlt pipeline into raw for a destination (PostgreSQL's or Snowflake's), with its own state folder."""
    return dlt.pipeline(
        pipeline_name=PIPELINE_NAME,
        destination=destination,
        dataset_name=RAW_SCHEMA,
        pipelines_dir=pipelines_dir,
        progress="log" if os.environ.get("INGEST_DLT_PROGRESS") else None,
    )


def _with_deleted_at(batch: pa.Table) -> pa.Table:
    """Every extracted row exists in the source, so it is not deleted: ``_deleted_at`` is NULL."""
    if DELETED_AT in batch.column_names:
        return batch
    return batch.append_column(DELETED_AT, pa.nulls(batch.num_rows, pa.timestamp("us", tz="UTC")))


def _with_dlt_columns(batch: pa.Table) -> pa.Table:
    """dlt's ``_dlt_load_id`` and ``_dlt_id``, added at extraction, in raw's column order.

    dlt's normalize adds ``_dlt_id`` itself when asked (``add_dlt_id``), but to do so it reads every parquet
    file back, draws a random id per row in Python and writes the file again: at SF 1 that was 19 s of a
    125 s full ingest for a column nothing reads. Added here, in bulk (random bytes, base64 in one call), the
    file already has every column in the order of raw's table, and normalize moves it into the load package
    unread. ``_dlt_load_id`` is put before it so the order matches; dlt's extractor then replaces its value
    in place with the same load id (``add_dlt_load_id`` in .dlt/config.toml).
    """
    if C_DLT_ID in batch.column_names:
        return batch
    rows = batch.num_rows
    if C_DLT_LOAD_ID not in batch.column_names:
        load_id = load_package_state()["load_id"]
        batch = batch.append_column(
            pa.field(C_DLT_LOAD_ID, pa.string(), nullable=False), pa.repeat(pa.scalar(load_id, pa.string()), rows)
        )
    # 12 random bytes make exactly 16 base64 characters: one fixed-width id per row, no per-row Python.
    text = base64.urlsafe_b64encode(os.urandom(12 * rows))
    offsets = np.arange(0, 16 * rows + 1, 16, dtype=np.int64)
    ids = pa.LargeStringArray.from_buffers(rows, pa.py_buffer(offsets), pa.py_buffer(text)).cast(pa.string())
    return batch.append_column(pa.field(C_DLT_ID, pa.string(), nullable=False), ids)


def _all_nullable(table: sa.Table) -> sa.Table:
    """Raw declares no NOT NULL: a column the source adds later is added to a table that already has rows."""
    for column in table.columns:
        column.nullable = True
    return table


class AdbcCopyTableLoader(BaseTableLoader):
    """dlt's table query (the incremental ``where``, ``order by``) read through the ADBC PostgreSQL driver.

    The driver reads with binary ``COPY (query) TO STDOUT`` straight into Arrow batches, no Python object per
    row (dlt's pyarrow backend builds a tuple per row first, the slowest step of a full load), streaming: at most
    about ``chunk_size`` rows are held at once. Each chunk is cast to exactly the Arrow types dlt's pyarrow
    backend gives the same columns (the driver hands ``numeric`` over as its exact text, cast here to the
    column's decimal; a value that does not fit stops the cast instead of losing digits), so raw's types and
    values do not depend on the reader.
    """

    def load_rows(self, backend_kwargs: dict | None = None) -> Iterator[pa.Table]:
        query = self.compile_query(_numeric_as_text(self.make_query()))
        caps = Container().get(DestinationCapabilitiesContext) or DestinationCapabilitiesContext.generic_capabilities()
        types = {
            name: get_py_arrow_datatype(column, caps, "UTC")
            for name, column in self.columns.items()
            if column.get("data_type")
        }
        try:
            with _copy_out(self.get_connection_url(), query) as reader:
                pending: list[pa.RecordBatch] = []
                rows = 0
                for batch in reader:
                    pending.append(batch)
                    rows += batch.num_rows
                    if rows >= self.chunk_size:
                        yield _as_dlt_types(pa.Table.from_batches(pending), types)
                        pending, rows = [], 0
                if rows:
                    yield _as_dlt_types(pa.Table.from_batches(pending), types)
        except Exception as error:
            # While the driver waits for the query (on the main thread), ADBC swaps Python's SIGINT handler for its
            # own, which cancels the query instead of raising KeyboardInterrupt: a Ctrl-C then arrives as this
            # error ("OSError: [libpq] ... canceling statement due to user request"). Raise it as the interrupt it
            # is (run.py: exit 130). A pg_cancel_backend() of the query from another session reads the same and
            # is taken alike: someone stopped the run on purpose, and the next run finishes it.
            if QUERY_CANCELLED in str(error):
                raise KeyboardInterrupt from error
            raise


class CursorRowLoader(AdbcCopyTableLoader):
    """The one row with the latest ``updated_at`` of dlt's query (its cap applied): what a table loaded in full
    extracts. dlt moves the cursor and shapes the raw table from it; the load step copies the table's rows
    straight from the source (ingest/direct_copy.py)."""

    def make_query(self) -> sa.Select:
        query = super().make_query()
        return query.order_by(None).order_by(self.table.c[CURSOR_COLUMN].desc()).limit(1)


def _numeric_as_text(query: sa.Select) -> sa.Select:
    """``query`` with each ``numeric`` column sent as its text (``::text``, under its own name).

    The driver hands ``numeric`` over as its exact text anyway, but decoding PostgreSQL's binary numeric into
    that text is the slowest part of its read: lineitem's four numeric columns took 15.2 s to read at SF 1,
    as ``::text`` 6.2 s (side by side). The text is the same, so ``_as_dlt_types`` casts the same digits.
    """
    columns = [
        sa.cast(column, sa.Text).label(column.name)
        if isinstance(column.type, sa.Numeric) and not isinstance(column.type, sa.Float)
        else column
        for column in query.selected_columns
    ]
    return query.with_only_columns(*columns, maintain_column_froms=True)


@contextlib.contextmanager
def _copy_out(url: str, query: str) -> Iterator[pa.RecordBatchReader]:
    """The rows of ``query`` as Arrow batches, through ADBC's PostgreSQL driver (a binary ``COPY ... TO STDOUT``).

    The driver manager's own objects, as its DB-API cursor drives them (``execute`` then ``fetch_record_batch``:
    the query runs through ``_blocking_call``, which turns a Ctrl-C into a cancel of the query). Not the DB-API
    module itself: importing it imports ``pyarrow.dataset`` and pandas, 0.6 s of CPU on every run for nothing.
    """
    import adbc_driver_postgresql
    from adbc_driver_manager import AdbcConnection, AdbcStatement, _lib, _reader

    with (
        adbc_driver_postgresql.connect(url) as database,
        AdbcConnection(database) as conn,
        AdbcStatement(conn) as statement,
    ):
        statement.set_sql_query(query)

        def cancel() -> None:
            _CTRL_C_SWALLOWED.set()  # the cancel may come too late to fail the query (see _swallowed_ctrl_c_kept)
            statement.cancel()

        stream, _ = _lib._blocking_call(statement.execute_query, (), {}, cancel)
        _stop_if_ctrl_c()
        with _reader.AdbcRecordBatchReader._import_from_c(stream.address) as reader:
            yield reader


def _as_dlt_types(table: pa.Table, types: dict[str, pa.DataType]) -> pa.Table:
    """``table`` with each column cast to the Arrow type dlt gives it (PostgreSQL extension types to storage)."""
    columns = []
    for name, read in zip(table.column_names, table.columns, strict=True):
        column = read
        if isinstance(column.type, pa.ExtensionType):
            column = pa.chunked_array([chunk.storage for chunk in column.chunks], type=column.type.storage_type)
        target = types.get(name)
        if target is not None and column.type != target:
            column = column.cast(target)
        columns.append(column)
    return pa.table(columns, names=table.column_names)


@contextlib.contextmanager
def reflected_source(source: Location, tables: list[str]) -> Iterator[tuple[sa.Engine, sa.MetaData]]:
    """One engine and one reflection of ``tables`` for their resources to share (dlt looks a table up in the
    ``metadata`` it is given before reflecting it): SQLAlchemy reflects them all with one query per kind of
    fact, where dlt alone would reflect each table with its own queries, on an engine of its own."""
    engine = sa.create_engine(source.url("postgresql+psycopg2"))
    try:
        metadata = sa.MetaData(schema=SOURCE_SCHEMA)
        metadata.reflect(bind=engine, only=tables, resolve_fks=False)
        yield engine, metadata
    finally:
        engine.dispose()


def table_resource(
    reflected: tuple[sa.Engine, sa.MetaData],
    table: str,
    key: list[str],
    counter: Callable[[int], None],
    clock: held_rows.Clock,
    *,
    append: bool = False,
) -> DltResource:
    """One source table as an incremental, merged dlt resource, read by AdbcCopyTableLoader.

    Rows stamped after ``clock.cap`` (the source's clock less the safety window) or with no stamp are not read:
    the cursor never passes the source's clock (ingest/held_rows.py holds and reports them).

    ``append``: the table is being loaded in full into an emptied raw table (PostgreSQL only). It extracts one
    row, the cursor's (``CursorRowLoader``), and its load step copies the table straight from the source into
    raw (ingest/direct_copy.py): no merge through a staging table (the merge of an empty table copied every row
    twice and sorted them for its deduplication: 41 of the 56 s of the load step at SF 1), and no row through
    Python's parquet files either.
    """

    def capped(query: sa.Select, table_: sa.Table) -> sa.Select:
        return query.where(table_.c[CURSOR_COLUMN] <= clock.cap)

    engine, metadata = reflected
    resource = sql_table(
        credentials=engine,
        metadata=metadata,
        table=table,
        backend="pyarrow",
        table_loader_class=CursorRowLoader if append else AdbcCopyTableLoader,
        # Raw takes wide types (text, bigint, numeric(38,9)): a widened source column needs nothing in raw,
        # and staging casts to the exact types (see ingest/schema_changes.py).
        reflection_level="full",
        # Strictly after the last cursor value: no per-row dedup state to carry (at SF 1 hundreds of thousands
        # of reference rows share one updated_at), and a run after no change reads nothing. A NULL updated_at
        # is left out here and held (ingest/held_rows.py), never an error that stops every table.
        incremental=dlt.sources.incremental(CURSOR_COLUMN, range_start="open", on_cursor_value_missing="exclude"),
        query_adapter_callback=capped,
        chunk_size=100_000,
        primary_key=key,
        # delete-insert deduplicates the staged rows on the key, so a file loaded twice (a resumed package)
        # still merges each row once.
        write_disposition="append" if append else {"disposition": "merge", "strategy": "delete-insert"},
        table_adapter_callback=_all_nullable,
    )
    # The tables are read side by side in dlt's thread pool (each read and cast in its own thread, which the
    # driver and Arrow run without the GIL), not in turn: the full extraction at SF 1 took 27-30 s instead of
    # 32-41 s (two runs each, alternated, same memory peak). A Ctrl-C reaches the main thread as an interrupt.
    resource = resource.parallelize()
    # dlt keeps a table hint in the pipeline's schema from run to run: set it on every run, False for a merge.
    resource.apply_hints(additional_table_hints={direct_copy.HINT: append})

    def count(batch: pa.Table) -> pa.Table:
        counter(0 if append else batch.num_rows)
        return batch

    return resource.add_map(_with_deleted_at).add_map(_with_dlt_columns).add_map(count)


def released_resource(
    source: Location,
    table: str,
    key: list[str],
    released: list[dict[str, object]],
    clock: held_rows.Clock,
) -> DltResource:
    """The rows of ``table`` held back by earlier runs and corrected since, read by key whatever their stamp.

    A resource of its own (no cursor, so it neither reads nor moves the table's cursor) merged into the same
    raw table. Only rows stamped up to the source's clock are read: a row still in the future stays held.
    """

    def by_key(query: sa.Select, table_: sa.Table) -> sa.Select:
        columns = [table_.c[column] for column in key]
        wanted = [tuple(row[column] for column in key) for row in released]
        return query.where(sa.tuple_(*columns).in_(wanted), table_.c[CURSOR_COLUMN] <= clock.now)

    resource = sql_table(
        credentials=source.url("postgresql+psycopg2"),
        schema=SOURCE_SCHEMA,
        table=table,
        backend="pyarrow",
        reflection_level="full",
        query_adapter_callback=by_key,
        chunk_size=100_000,
        primary_key=key,
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        table_adapter_callback=_all_nullable,
    )
    # Named as the table's own resource: dlt attributes a table to the last resource that wrote it, and a full
    # refresh (``refresh="drop_data"``) empties the tables of the refreshed resource only. Under a name of its
    # own, a release made the table this resource's, and the next full refresh of the table emptied nothing.
    # Having no cursor, this resource neither reads nor changes the table resource's cursor.
    return resource.with_name(table).add_map(_with_deleted_at).add_map(_with_dlt_columns)


def delete_log_resource(source: Location) -> DltResource:
    """The source's delete log (ingest/deletes.py), landed as ``raw_tpch.source_deletes``.

    Read on ``seq`` with a lag of 1000 entries, so a deleting transaction that commits after a later one is
    still seen; re-read entries merge onto themselves.
    """
    resource = sql_table(
        credentials=source.url("postgresql+psycopg2"),
        schema=deletes.CDC_SCHEMA,
        table=deletes.LOG_TABLE,
        backend="pyarrow",
        reflection_level="full",
        incremental=dlt.sources.incremental("seq", lag=1000),
        primary_key="seq",
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
    )
    resource.apply_hints(table_name=deletes.RAW_TABLE)
    return resource.add_map(_with_dlt_columns)


@contextlib.contextmanager
def exclusive_run(warehouse: Location) -> Iterator[None]:
    """Hold the warehouse's ingest lock for the whole run; a second run exits with a clear message.

    A PostgreSQL advisory lock on the warehouse database: released by the server when the holder's
    connection ends, so a killed run never leaves it behind.
    """
    conn = connect(warehouse, autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute("select pg_try_advisory_lock(%s)", (LOCK_ID,))
            if not cur.fetchone()[0]:
                cur.execute(
                    "select act.pid, act.backend_start, act.client_addr from pg_locks as lck "
                    "inner join pg_stat_activity as act on act.pid = lck.pid "
                    "where lck.locktype = 'advisory' and lck.objid = %s and lck.granted "
                    "and lck.database = (select oid from pg_database where datname = current_database())",
                    (LOCK_ID,),
                )
                since = _describe_lock_holder(cur.fetchone())
                raise IngestError(
                    f"another ingest run is loading the {warehouse.describe()}{since}; "
                    "this run stopped without touching anything. Run it again when the other one has finished."
                )
        yield
    finally:
        conn.close()


def _describe_lock_holder(holder: tuple | None) -> str:
    """' (server pid 123, connected 2026-11-27 12:00:00 UTC)', with whatever the server lets this role see."""
    if holder is None:
        return ""
    pid, backend_start, _client = holder
    parts = [f"server pid {pid}"] if pid is not None else []
    if backend_start is not None:
        parts.append(f"connected {backend_start:%Y-%m-%d %H:%M:%S %Z}".rstrip())
    return f" ({', '.join(parts)})" if parts else ""


def missing_raw_tables(warehouse: Location, tables: list[str]) -> list[str]:
    """The tables that raw does not hold yet."""
    with session(warehouse) as conn, conn.cursor() as cur:
        cur.execute(
            "select name from unnest(%s::text[]) as name where to_regclass(%s || '.' || quote_ident(name)) is null",
            (tables, RAW_SCHEMA),
        )
        return [name for (name,) in cur.fetchall()]


def analyze(warehouse: Location, tables: list[str]) -> None:
    """Fresh planner statistics for the tables this run loaded in full (autovacuum would take its time)."""
    with session(warehouse, autocommit=True) as conn, conn.cursor() as cur:
        for table in tables:
            cur.execute(f"analyze {RAW_SCHEMA}.{table}")


# The raw tables whose staging views give ``loaded_at`` as a UTC timestamp without time zone (dbt macro
# to_utc_timestamp of from_epoch_seconds): the snapshots' inputs, whose timestamps dbt's snapshots compare.
UTC_LOADED_AT_TABLES = frozenset({"customer", "part", "partsupp", "supplier"})


def ensure_raw_indexes(warehouse: Location, keys: dict[str, list[str]]) -> None:
    """A unique index on each raw table's primary key: the merge's lookups and a guard against duplicates; and
    one on the load time staging computes from ``_dlt_load_id`` (its ``loaded_at``, dbt macro
    from_epoch_seconds, the same expression), so a dbt data test that checks only the rows loaded since it last
    passed (macros/tests/scoped_data_tests.sql) reads those rows, not the whole table; for the tables whose
    staging shifts that moment to a UTC timestamp without time zone (UTC_LOADED_AT_TABLES) a second one on that
    expression, the only one a test over the staging view can use (without it each of partsupp's three scoped
    staging tests read all 800 k raw rows at SF 1, 0.5 s apiece); and the partial one on the tombstones
    (db.create_tombstones_index; every table but the delete log has ``_deleted_at``), which a first load's copy
    has made already.

    Built two at a time, biggest tables first, on two connections: after a full load at SF 1 the indexes of
    lineitem take about 5 s each, and a build runs on one core. Only the missing ones: an incremental run finds
    them all there with one query, and opens no connection per index.
    """
    with session(warehouse) as conn, conn.cursor() as cur:
        cur.execute(
            "select c.relname, pg_relation_size(c.oid) from pg_class as c join pg_namespace as n "
            "on n.oid = c.relnamespace where n.nspname = %s and c.relkind in ('r', 'p')",
            (RAW_SCHEMA,),
        )
        sizes = dict(cur.fetchall())
        cur.execute("select indexname from pg_indexes where schemaname = %s", (RAW_SCHEMA,))
        existing = {name for (name,) in cur.fetchall()}
        cur.execute(
            "select table_name from information_schema.columns where table_schema = %s and column_name = %s",
            (RAW_SCHEMA, DELETED_AT),
        )
        with_tombstones = {name for (name,) in cur.fetchall()}
    tables = sorted((table for table in keys if table in sizes), key=lambda table: -sizes[table])
    builds: list[Callable[[], None]] = []
    for table in tables:
        if f"{table}__primary_key" not in existing:
            builds.append(lambda table=table: _primary_key_index(warehouse, table, keys[table]))
        if f"{table}__loaded_at" not in existing:
            builds.append(lambda table=table: _loaded_at_index(warehouse, table))
        if table in UTC_LOADED_AT_TABLES and f"{table}__loaded_at_utc" not in existing:
            builds.append(lambda table=table: _loaded_at_index(warehouse, table, utc=True))
        if f"{table}__tombstones" not in existing and table in with_tombstones:
            builds.append(lambda table=table: _tombstones_index(warehouse, table))
    if not builds:
        return
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="raw-index") as pool:
        for future in [pool.submit(build) for build in builds]:
            future.result()


def _primary_key_index(warehouse: Location, table: str, columns: list[str]) -> None:
    """The unique index on ``table``'s key.

    A table created by this run's full load has no index yet; if a resumed package copied one of its files a
    second time (killed after the file's COPY committed, before dlt recorded it), its rows are there twice and
    the index cannot be built. Those copies are removed, one row of each key kept, and said; any later copy
    of a file into an indexed table fails on the index instead, and the run reloads that table in full.
    """
    key = ", ".join(columns)
    create = f"create unique index if not exists {table}__primary_key on {RAW_SCHEMA}.{table} ({key})"
    with session(warehouse) as conn, conn.cursor() as cur:
        try:
            cur.execute(create)
        except psycopg2.errors.UniqueViolation:
            conn.rollback()
            cur.execute(
                f"delete from {RAW_SCHEMA}.{table} where ctid in (select ctid from (select ctid, row_number() "
                f"over (partition by {key} order by _dlt_load_id desc) as copy from {RAW_SCHEMA}.{table}) as "
                "numbered where copy > 1)"
            )
            log.info(
                "  removed %s row(s) a resumed load had copied a second time into %s.%s (one row of each key kept)",
                f"{cur.rowcount:,}",
                RAW_SCHEMA,
                table,
            )
            cur.execute(create)
        conn.commit()


def _loaded_at_index(warehouse: Location, table: str, utc: bool = False) -> None:
    """The index on the load time, as a timestamp with time zone, or (``utc``) as the UTC timestamp without time
    zone the snapshot inputs' staging views give (dbt: to_utc_timestamp(from_epoch_seconds('_dlt_load_id')))."""
    moment = "to_timestamp(_dlt_load_id::double precision)"
    name, expression = (
        (f"{table}__loaded_at_utc", f"({moment} at time zone 'utc')") if utc else (f"{table}__loaded_at", moment)
    )
    with session(warehouse) as conn, conn.cursor() as cur:
        cur.execute(f"create index if not exists {name} on {RAW_SCHEMA}.{table} ({expression})")
        conn.commit()


def _tombstones_index(warehouse: Location, table: str) -> None:
    with session(warehouse) as conn, conn.cursor() as cur:
        create_tombstones_index(cur, RAW_SCHEMA, table)
        conn.commit()


def prepare_warehouse(warehouse: Location) -> None:
    """Pin the warehouse database's default time zone to UTC (where the user may), for dbt and for psql."""
    if warehouse.embedded:
        return  # roles.provision set it as the superuser (the loader role may not alter the database)
    with session(warehouse, autocommit=True) as conn, conn.cursor() as cur:
        try:
            cur.execute(f"alter database \"{warehouse.dbname}\" set timezone to 'UTC'")
        except Exception as error:  # noqa: BLE001 - a missing privilege is fine: dbt pins UTC itself
            log.info(
                "could not set the default time zone of %s (%s); dbt pins UTC per session",
                warehouse.dbname,
                str(error).strip(),
            )


def run(
    source: Location, warehouse: Location | SnowflakeLocation, tables: Iterable[str], full_refresh: bool = False
) -> RunResult:
    """Ingest ``tables`` from ``source`` into ``warehouse``: check, then (deletes around) extract, normalize,
    load, then index. A Snowflake ``warehouse`` takes the same steps (ingest/to_snowflake.py says what differs)."""
    with _swallowed_ctrl_c_kept():
        if isinstance(warehouse, SnowflakeLocation):
            return _run_snowflake(source, warehouse, list(tables), full_refresh)
        return _run_postgres(source, warehouse, list(tables), full_refresh)


def _run_postgres(source: Location, warehouse: Location, tables: list[str], full_refresh: bool) -> RunResult:
    """The run into PostgreSQL."""
    started = time.monotonic()
    check_state_dir()
    connect(source).close()
    connect(warehouse).close()
    privileges.check(source, warehouse, tables)
    keys = primary_keys(source, tables)
    with exclusive_run(warehouse), direct_copy.for_run(source, warehouse):
        prepare_warehouse(warehouse)
        reload = schema_changes.check(source, warehouse, tables).reload
        deletes.install(source, keys)
        pipeline = make_pipeline(warehouse)
        result = RunResult(tables={table: TableResult(table) for table in tables})
        unloadable = _finish_interrupted_run(pipeline, result, warehouse, tables)
        # The source's clock caps the cursor; rows stamped after it (or not at all) are held, not read.
        clock = held_rows.source_clock(source)
        found = held_rows.scan(source, keys, clock)
        result.held = held_rows.held(keys, found, held_rows.pending(warehouse))

        refreshed = [table for table in tables if full_refresh or table in reload or table in unloadable]
        # A table new to raw is loaded in full too: from its first row, into a table created empty.
        in_full = refreshed + [table for table in missing_raw_tables(warehouse, tables) if table not in refreshed]
        with deletes.every_delete_becomes_a_tombstone(
            warehouse,
            keys,
            reloaded=refreshed,
            extract_log=lambda: _extract_delete_log(pipeline, source),
            load=lambda: result.add_loaded(_normalize_and_load(pipeline, warehouse)),
        ) as marked:
            _extract_tables(
                pipeline,
                source,
                keys,
                result,
                clock=clock,
                refreshed=in_full,
                released={table: result.held[table].released for table in tables},
                append_full=True,
            )
            result.add_loaded(_normalize_and_load(pipeline, warehouse))
            # Before the delete log is applied (when the block ends): a table created by this load has neither
            # index nor statistics, and marking its deleted rows read all of it (4.7 s for lineitem at SF 1).
            ensure_raw_indexes(warehouse, keys | {deletes.RAW_TABLE: ["seq"]})
            analyze(warehouse, in_full)
            # Only now that the released rows are loaded: a run that failed before re-reads them next time.
            held_rows.record(warehouse, found)
        result.add_marked(marked)
        for table in in_full:  # read by the copy at the load step
            result.tables[table].extracted_rows = result.tables[table].loaded_rows
        held_rows.report(result.held, clock)
        compare_counts(source, warehouse, tables, clock)
    result.seconds = time.monotonic() - started
    return result


def _run_snowflake(source: Location, location: SnowflakeLocation, tables: list[str], full_refresh: bool) -> RunResult:
    """The same run into Snowflake: dlt's load on an account, the emulator's path on fakesnow (no indexes)."""
    # Imported here: Snowflake's connector takes ~1.5 s to import, which a PostgreSQL run never needs.
    from ingest import to_snowflake

    started = time.monotonic()
    keys = primary_keys(source, tables)
    warehouse = to_snowflake.Warehouse(location)
    try:
        with to_snowflake.exclusive_run(source, location):
            warehouse.prepare()
            reload = schema_changes.check(source, None, tables, raw_columns=warehouse.raw_columns(tables)).reload
            deletes.install(source, keys)
            pipeline = _dlt_pipeline(to_snowflake.destination(location), to_snowflake.pipelines_dir(location))
            load = (lambda: warehouse.load_packages(pipeline)) if location.emulator else pipeline.load
            result = _load_tables(
                source,
                pipeline,
                keys=keys,
                tables=tables,
                full_refresh=full_refresh,
                reload=reload,
                tombstones=warehouse.tombstones,
                load=load,
            )
    finally:
        warehouse.close()
    result.seconds = time.monotonic() - started
    return result


def _load_tables(
    source: Location,
    pipeline: dlt.Pipeline,
    *,
    keys: dict[str, list[str]],
    tables: list[str],
    full_refresh: bool,
    reload: set[str],
    tombstones: Location | deletes.Tombstones,
    load: Callable[[], object],
) -> RunResult:
    """Finish what a killed run left, then the delete log and the tables, extracted, normalized and loaded."""
    result = RunResult(tables={table: TableResult(table) for table in tables})
    _finish_interrupted_snowflake_run(pipeline, result, load)
    # The source's clock caps the cursor here too; the held rows' bookkeeping (raw_tpch.held_rows) is
    # PostgreSQL's only (README, "Running on Snowflake"): a row stamped after the cap is read once its time comes.
    clock = held_rows.source_clock(source)
    refreshed = [table for table in tables if full_refresh or table in reload]
    with deletes.every_delete_becomes_a_tombstone(
        tombstones,
        keys,
        reloaded=refreshed,
        extract_log=lambda: _extract_delete_log(pipeline, source),
        load=lambda: result.add_loaded(_normalize_and_load(pipeline, None, load)),
    ) as marked:
        _extract_tables(pipeline, source, keys, result, clock=clock, refreshed=refreshed, released={})
        result.add_loaded(_normalize_and_load(pipeline, None, load))
    result.add_marked(marked)
    return result


def _finish_interrupted_snowflake_run(pipeline: dlt.Pipeline, result: RunResult, load: Callable[[], object]) -> None:
    """Normalize and load the packages a killed run left behind (mending a normalize cut short first)."""
    _repair_interrupted_normalize(pipeline)
    if pipeline.has_pending_data:
        pending = pipeline.list_extracted_load_packages() + pipeline.list_normalized_load_packages()
        result.resumed_packages = len(pending)
        log.info("finishing %d load package(s) left by an interrupted run", len(pending))
        result.add_loaded(_normalize_and_load(pipeline, None, load))


def _finish_interrupted_run(
    pipeline: dlt.Pipeline, result: RunResult, warehouse: Location, tables: list[str]
) -> set[str]:
    """Normalize and load the packages a killed or failed run left behind (mending a normalize cut short first).

    A package that the warehouse refuses for good (a constraint or a column it no longer matches, say after a
    source column was renamed) would otherwise stop every later run. It is dropped, with a warning: nothing is
    lost, because a cursor moves only with a finished load, and the tables it held are reloaded in full by this
    run (returned), so rows a partial load or a refresh had already changed are all put right. A package that
    failed for a passing reason (the server went away, a full disk, Ctrl-C) is kept and finished next time.
    """
    _repair_interrupted_normalize(pipeline)
    if not pipeline.has_pending_data:
        return set()
    pending = pipeline.list_extracted_load_packages() + pipeline.list_normalized_load_packages()
    result.resumed_packages = len(pending)
    log.info("finishing %d load package(s) left by an interrupted run", len(pending))
    try:
        result.add_loaded(_normalize_and_load(pipeline, warehouse))
    except IngestError as error:
        if _passing(_root_cause(error)):
            raise
        held = _package_tables(pipeline, pending)
        pipeline.abort_packages()  # restores the local state and schemas to before them
        with contextlib.suppress(Exception):
            pipeline.load()  # completes the abort (the package is recorded as aborted)
        again = sorted(held & set(tables))
        later = sorted(held - set(tables) - {deletes.RAW_TABLE})
        log.warning(
            "warning: %d load package(s) left by an earlier run cannot be loaded (%s); dropped them. Nothing is "
            "lost: cursors move only with a finished load, and this run reloads %s in full.%s",
            len(pending),
            str(error).removeprefix("the "),
            ", ".join(f"{RAW_SCHEMA}.{table}" for table in again) or "nothing",
            (
                " Reload "
                + ", ".join(later)
                + f" too: `python ingest/run.py --tables {','.join(later)} --full-refresh`."
                if later
                else ""
            ),
        )
        return set(again)
    return set()


def _passing(root: BaseException) -> bool:
    """Whether a load failed for a reason that passes (the server, the network, the disk), not for its data."""
    if isinstance(root, psycopg2.OperationalError | psycopg2.InterfaceError | OSError):
        return True
    text = str(root)
    return any(
        signal in text
        for signal in (
            "server closed the connection",
            "terminating connection",
            "Connection refused",
            "connection to server",
            "IO error",
        )
    )


def _package_tables(pipeline: dlt.Pipeline, load_ids: list[str]) -> set[str]:
    """The tables whose rows the pending packages hold (every table of the run when a package cannot say)."""
    found: set[str] = set()
    for load_id in load_ids:
        try:
            info = pipeline.get_load_package_info(load_id)
        except Exception:  # noqa: BLE001 - a package too damaged to describe: reload everything
            return set(pipeline.default_schema.data_table_names()) if pipeline.default_schema_name else set()
        for jobs in info.jobs.values():
            found.update(job.job_file_info.table_name for job in jobs)
    return {table for table in found if not table.startswith("_dlt")}


def _extract_tables(
    pipeline: dlt.Pipeline,
    source: Location,
    keys: dict[str, list[str]],
    result: RunResult,
    *,
    clock: held_rows.Clock,
    refreshed: list[str],
    released: dict[str, list[dict[str, object]]],
    append_full: bool = False,
) -> None:
    """Extract the new rows of every table of ``result`` (and the held rows each releases), logging progress.

    ``append_full``: the tables loaded in full are appended to their emptied raw tables rather than merged
    (``table_resource``); PostgreSQL's, whose unique index on the key catches a file copied twice.

    One dlt extract for the tables loaded in full (``refreshed``, their raw data dropped first) and one for the
    rest, so a run makes one load package of each kind rather than one per table: dlt reads the tables' rows
    in turn, and the load step pays its fixed cost per package (at SF 0.01 a full ingest's load took 2.8 s
    instead of 6.2 s, side by side).
    """
    tables = list(result.tables)
    full = [table for table in tables if table in refreshed]
    for group, refresh in ((full, "drop_data"), ([table for table in tables if table not in full], None)):
        if group:
            _extract_group(
                pipeline,
                source,
                keys,
                result,
                group,
                clock=clock,
                refresh=refresh,
                append=append_full and bool(refresh),
            )
    for table in tables:
        if released.get(table):
            _extract(
                pipeline,
                [released_resource(source, table, keys[table], released[table], clock)],
                {table: f"{SOURCE_SCHEMA}.{table}"},
                source,
            )


def _extract_group(
    pipeline: dlt.Pipeline,
    source: Location,
    keys: dict[str, list[str]],
    result: RunResult,
    group: list[str],
    *,
    clock: held_rows.Clock,
    refresh: str | None,
    append: bool = False,
) -> None:
    """One extract of the tables in ``group``; each table's line gives its rows and the time from the start to
    its last batch (the tables are read in turn, so their times overlap)."""
    started = time.monotonic()
    finished = dict.fromkeys(group, started)

    def counter(table: str) -> Callable[[int], None]:
        outcome = result.tables[table]

        def add(rows: int) -> None:
            _stop_if_ctrl_c()
            before = outcome.extracted_rows
            outcome.extracted_rows += rows
            finished[table] = time.monotonic()
            if outcome.extracted_rows // PROGRESS_EVERY > before // PROGRESS_EVERY:  # a long table
                log.info(
                    "  extracting %-8s %10s rows so far (%s rows/s)",
                    table,
                    f"{outcome.extracted_rows:,}",
                    f"{outcome.extracted_rows / (finished[table] - started):,.0f}",
                )

        return add

    if refresh:
        _attribute_to_own_resource(pipeline, group)
    with reflected_source(source, group) as reflected:
        _extract(
            pipeline,
            [table_resource(reflected, table, keys[table], counter(table), clock, append=append) for table in group],
            {table: f"{SOURCE_SCHEMA}.{table}" for table in group},
            source,
            refresh=refresh,
        )
    for table in group:
        outcome = result.tables[table]
        outcome.extract_seconds = finished[table] - started
        if append:
            log.info("  extracted %-9s its cursor; a full load, copied straight from the source when loaded", table)
            continue
        rate = (
            outcome.extracted_rows / outcome.extract_seconds
            if outcome.extracted_rows and outcome.extract_seconds
            else 0.0
        )
        log.info(
            "  extracted %-9s %10s rows in %6.2f s (%s rows/s)",
            table,
            f"{outcome.extracted_rows:,}",
            outcome.extract_seconds,
            f"{rate:,.0f}",
        )


def _attribute_to_own_resource(pipeline: dlt.Pipeline, tables: list[str]) -> None:
    """Give each raw table back to the resource of its name in the pipeline's schema, before a full refresh.

    A full refresh (``refresh="drop_data"``) empties the tables dlt attributes to the refreshed resources, and
    dlt attributes a table to the last resource that wrote it. Held rows were once released by a resource
    named ``<table>__released``: a table it last wrote was not emptied by its next full refresh (its rows
    were merged over, rows gone from the source stayed). The extract clones the schema changed here.
    """
    if not pipeline.default_schema_name:
        return
    schema_tables = pipeline.default_schema.tables
    for table in tables:
        if table in schema_tables and schema_tables[table].get("resource", table) != table:
            schema_tables[table]["resource"] = table


def compare_counts(source: Location, warehouse: Location, tables: list[str], clock: held_rows.Clock) -> None:
    """Warn when raw cannot be the source: rows the cursor missed, or rows gone without a delete.

    Raw's live rows must include every source row stamped up to the cap (each was read, now or before): fewer
    means rows written behind the cursor (a stamp set back, a transaction open longer than the safety window).
    Raw's live rows may exceed the source's only by rows held back, changing or deleted right now: more than
    the source holds in all means rows removed without a delete (TRUNCATE fires no delete trigger). Both say
    how to replay the table. Cost: a count of each table on both sides.
    """
    with session(source) as src, src.cursor() as cur:
        counts = {}
        for table in tables:
            cur.execute(
                f"select count(*), count(*) filter (where {CURSOR_COLUMN} <= %s) from {SOURCE_SCHEMA}.{table}",
                (clock.cap,),
            )
            counts[table] = cur.fetchone()
    with session(warehouse) as wh, wh.cursor() as cur:
        for table in tables:
            cur.execute("select to_regclass(%s)", (f"{RAW_SCHEMA}.{table}",))
            if cur.fetchone()[0] is None:
                continue
            cur.execute(f"select count(*) from {RAW_SCHEMA}.{table} where {DELETED_AT} is null")
            (live,) = cur.fetchone()
            total, settled = counts[table]
            fix = f"replay it with `python ingest/run.py --tables {table} --full-refresh`"
            if live < settled:
                log.warning(
                    "warning: %s.%s holds %s live row(s) but the source has %s stamped up to %s: %s row(s) "
                    "were written behind the cursor (an updated_at set back, or a transaction open longer "
                    "than CURSOR_SAFETY_WINDOW_SECONDS); %s.",
                    RAW_SCHEMA,
                    table,
                    f"{live:,}",
                    f"{settled:,}",
                    f"{clock.cap:%Y-%m-%d %H:%M:%S%z}",
                    f"{settled - live:,}",
                    fix,
                )
            elif live > total:
                log.warning(
                    "warning: %s.%s holds %s live row(s) but source table %s.%s has %s: %s row(s) left the "
                    "source without a captured delete (TRUNCATE, or deletes made during this run); %s.",
                    RAW_SCHEMA,
                    table,
                    f"{live:,}",
                    SOURCE_SCHEMA,
                    table,
                    f"{total:,}",
                    f"{live - total:,}",
                    fix,
                )


def _repair_interrupted_normalize(pipeline: dlt.Pipeline) -> None:
    """Drop extracted packages that a killed run had already normalized.

    dlt commits a normalized package by renaming it into load/normalized and only then deletes its
    extracted copy ("do not kill this process"). A SIGKILL between the two leaves both; normalizing the
    copy again then fails ("Directory not empty"). The committed package is complete, so the copy goes.
    """
    root = Path(pipeline.working_dir)
    committed = {package.name for folder in ("normalized", "loaded") for package in (root / "load" / folder).glob("*")}
    for package in sorted((root / "normalize" / "extracted").glob("*")):
        if package.name in committed:
            log.info("  dropping the extracted copy of package %s, normalized before the interruption", package.name)
            shutil.rmtree(package)
            shutil.rmtree(root / "load" / "new" / package.name, ignore_errors=True)


def check_state_dir() -> None:
    """Before anything is written: dlt keeps its load packages under the state folder, which must be writable."""
    folder = STATE_DIR / "dlt"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-probe-{os.getpid()}"
        probe.write_bytes(b"0" * 4096)
        probe.unlink()
    except OSError as error:
        raise IngestError(explain_os_error(error, STATE_DIR) or f"cannot write {folder}: {error}") from None


def _extract(
    pipeline: dlt.Pipeline,
    resources: list[DltResource],
    names: dict[str, str],
    source: Location,
    refresh: str | None = None,
) -> None:
    """Extract ``resources`` into one load package; ``names`` maps each resource to the source table an error
    names (the one whose resource failed, as dlt reports it)."""
    _stop_if_ctrl_c()
    try:
        # parquet is loaded by the ADBC driver's COPY: about 2x faster than dlt's csv path.
        pipeline.extract(resources, refresh=refresh, loader_file_format="parquet")
    except Exception as error:
        failed = _failed_resource(error)
        name = names.get(failed) if failed else None
        if name is None:
            name = next(iter(names.values())) if len(names) == 1 else "of " + ", ".join(names.values())
        raise IngestError(f"extracting source table {name} failed: {_explain_failure(error, source)}") from error
    _stop_if_ctrl_c()


def _extract_delete_log(pipeline: dlt.Pipeline, source: Location) -> None:
    _extract(pipeline, [delete_log_resource(source)], {deletes.LOG_TABLE: DELETE_LOG}, source)


def _failed_resource(error: BaseException | None) -> str | None:
    """The resource (pipe) dlt names in a failed extract, if any."""
    while error is not None:
        name = getattr(error, "pipe_name", None)
        if name:
            return str(name)
        error = error.__cause__ or error.__context__
    return None


def _normalize_and_load(
    pipeline: dlt.Pipeline, warehouse: Location | None, load: Callable[[], object] | None = None
) -> dict[str, int]:
    """Normalize and load every pending package (``load``: dlt's by default, or the emulator's path); return
    rows loaded per table. ``warehouse``, a PostgreSQL one, explains a failure (None on Snowflake)."""
    _stop_if_ctrl_c()
    step = "normalize"
    started = time.monotonic()
    try:
        pipeline.normalize()
        counts = dict(pipeline.last_trace.last_normalize_info.row_counts) if pipeline.last_trace else {}
        normalized = time.monotonic()
        step = "load"
        (load or pipeline.load)()
        # A table copied from the source had one row in its file, the cursor's; the copy counted the rows.
        counts.update(direct_copy.copied_rows())
        rows = sum(
            count for table, count in counts.items() if not table.startswith("_dlt") and table != deletes.RAW_TABLE
        )
        log.info(
            "  normalized and loaded %s row(s) into %s in %.2f s (normalize %.2f s, load %.2f s)",
            f"{rows:,}",
            RAW_SCHEMA,
            time.monotonic() - started,
            normalized - started,
            time.monotonic() - normalized,
        )
    except Exception as error:
        table = _failed_table(error)
        where = f" into {RAW_SCHEMA}.{table}" if table else ""
        explained = _explain_failure(error, warehouse) if warehouse else _explain_failure(error, None)
        raise IngestError(f"the {step} step{where} failed: {explained}") from error
    return {table: rows for table, rows in counts.items() if not table.startswith("_dlt")}


def _failed_table(error: BaseException) -> str | None:
    while error is not None:
        job = getattr(error, "job_id", None) or getattr(error, "failed_job_id", None)
        if job:
            return str(job).split(".")[0]
        error = error.__cause__ or error.__context__
    return None


def _root_cause(error: BaseException) -> BaseException:
    while error.__cause__ is not None or error.__context__ is not None:
        error = error.__cause__ or error.__context__
    return error


_CTRL_C_SWALLOWED = threading.Event()
"""Set while a run goes on after a Ctrl-C whose KeyboardInterrupt was swallowed (see _swallowed_ctrl_c_kept)."""


@contextlib.contextmanager
def _swallowed_ctrl_c_kept() -> Iterator[None]:
    """Within: a Ctrl-C whose KeyboardInterrupt was swallowed still stops the run, at the next step or batch.

    Python cannot raise an exception out of a weakref callback or a ``__del__``: it prints "Exception ignored in ..."
    with a traceback and goes on. A SIGINT that lands there was lost, and the run finished with exit 0 (measured: in
    SQLAlchemy's weak dictionaries while the tables are reflected before an extract, 2 of 46 Ctrl-Cs spread over a run).
    The hook notes such a KeyboardInterrupt instead of printing it; ``_stop_if_ctrl_c`` raises it again at the next
    extract, batch or load, and at the end of the run at the latest. Other unraisable exceptions are printed as before.
    The other way a Ctrl-C got lost: while ADBC runs the extract's query, its own SIGINT handler calls our cancel
    instead of raising, and a cancel that reaches a query already ending fails nothing (1 of 6 Ctrl-Cs 2 s into a
    run went on to exit 0). The cancel notes it here too, and ``_copy_out`` stops right after the query.
    """
    previous = sys.unraisablehook

    def note(unraisable: sys.UnraisableHookArgs) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            _CTRL_C_SWALLOWED.set()
        else:
            previous(unraisable)

    _CTRL_C_SWALLOWED.clear()
    sys.unraisablehook = note
    try:
        yield
        _stop_if_ctrl_c()
    finally:
        sys.unraisablehook = previous
        _CTRL_C_SWALLOWED.clear()


def _stop_if_ctrl_c() -> None:
    """Raise the KeyboardInterrupt of a Ctrl-C that Python swallowed (see _swallowed_ctrl_c_kept)."""
    if _CTRL_C_SWALLOWED.is_set():
        raise KeyboardInterrupt


def _interrupted(error: BaseException) -> bool:
    """Whether a Ctrl-C (KeyboardInterrupt, or dlt's SignalReceivedException, a subclass) is anywhere in the chain of
    ``error`` (causes and contexts), not only at its root.

    One extract reads many tables, and when a table's rows end, dlt's pipe iterator goes on to the next table from
    inside its ``except StopIteration`` (dlt/extract/pipe_iterator.py): a Ctrl-C from then on is a KeyboardInterrupt
    whose context is that StopIteration, one per table already read (PipelineStepFailed <- KeyboardInterrupt <-
    StopIteration <- ...), and the root alone would report "StopIteration" and exit 1.
    """
    seen: set[int] = set()
    chain: list[BaseException | None] = [error]
    while chain:
        link = chain.pop()
        if link is None or id(link) in seen:
            continue
        if isinstance(link, KeyboardInterrupt):
            return True
        seen.add(id(link))
        chain += [link.__cause__, link.__context__]
    return False


def _explain_failure(error: BaseException, loc: Location | None) -> str:
    """The root cause of a dlt failure, said with what to do about it where we know.

    A Ctrl-C that dlt wrapped in its own exception is raised again as what it is (run.py reports the interrupt and
    exits 130).
    """
    if _interrupted(error):
        raise KeyboardInterrupt from error
    root = _root_cause(error)
    if isinstance(root, OSError) and (hint := explain_os_error(root, STATE_DIR)):
        return hint
    if isinstance(root, psycopg2.Error) and loc is not None:
        return explain_error(loc, root)
    text = str(root).strip()
    first_line = text.splitlines()[0] if text else ""
    if "permission denied" in text.lower():
        return (
            f"{first_line}. Grant what `python ingest/run.py --print-grants` prints (README, 'Privileges') "
            "and run again."
        )
    if (
        any(
            signal in text
            for signal in (
                "server closed the connection",
                "terminating connection",
                "Connection refused",
                "connection to server",
                "IO error",
            )
        )
        and loc is not None
    ):
        return (
            f"{first_line}. The {loc.side} server {loc.host}:{loc.port} went away during the run: check "
            "that it runs and run again: a run resumes where the last one stopped."
        )
    return f"{type(root).__name__}: {first_line}"
