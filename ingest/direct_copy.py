"""A table loaded in full (new to raw, a full refresh, a reload) travels as the source's own binary COPY stream.

Through dlt's files a full load decodes every row into Arrow, writes and reads parquet, and encodes the rows
again into the COPY the warehouse reads: at SF 1 the client's CPU for that alone was about as much as both
servers' (README, "Performance at scale factor 1"). Instead:

- extraction reads one row of the table, the one with the latest ``updated_at`` up to the run's cap
  (``CursorRowLoader`` in ingest/pipeline.py). dlt handles it like any extracted row: it moves the table's
  cursor to that ``updated_at``, creates or evolves the raw table from its columns and types, and records the
  cursor with the load package, so the cursor still moves only with a finished load;
- the resource marks the table with the hint ``x-copied-from-source``, which dlt keeps in the load package's
  schema. At the load step that table's job (``SourceCopyJob``) does not load the row: it copies every source row
  stamped up to the row's ``updated_at``, the new cursor, with ``COPY (select ...) TO STDOUT (FORMAT binary)`` on
  the source piped into ``COPY ... FROM STDIN (FORMAT binary)`` on the warehouse, one transaction. The select
  casts each column to raw's type and adds dlt's columns (this load's ``_dlt_load_id``, a random ``_dlt_id``,
  ``_deleted_at`` NULL): no row passes through Python.

Why it is as safe as the files were:

- every source row is either copied (stamped up to the cursor) or read by the next run (stamped after it): a
  row changed between extraction and the copy has a newer stamp, so the copy leaves it out and the next run
  reads its new version; a row deleted in between is not copied, and its delete is in the source's log as usual;
- the copy commits with its job, all or nothing. A run killed after the commit but before dlt recorded the job
  resumes the package and would copy again: the job first looks for rows of its own load id in the table and, if
  the copy is there, skips it (the table was emptied for this load, so nothing else carries that id);
- a package written before this change (its files hold the rows, no hint) is loaded from its files as before.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterator
from typing import BinaryIO

import psycopg2
import pyarrow.parquet as pq
from dlt.destinations.impl.postgres import postgres as dlt_postgres
from psycopg2 import sql

from ingest.config import CURSOR_COLUMN, RAW_SCHEMA, SOURCE_SCHEMA, Location
from ingest.db import connect, create_tombstones_index, explain_error, session, table_columns
from ingest.errors import IngestError

log = logging.getLogger(__name__)

HINT = "x-copied-from-source"
"""The table hint that makes a table's load job copy from the source instead of loading its file."""
RANDOM_ID = "to_hex((random() * 9.2e18)::bigint)"
"""A row's ``_dlt_id``: a random 64-bit number in hex. dlt's own ids are random too and nothing reads them; this
costs the source 0.2 s per million rows (``md5(random()::text)`` 0.4 s)."""
PROGRESS_SECONDS = 5.0
"""A copy running longer than this reports how many megabytes it has moved, every this many seconds."""

READ_SIZE = 1 << 18
"""Bytes the warehouse's COPY reads from the pipe at a time."""

_RUN: dict[str, Location] = {}
_COPIED: dict[str, int] = {}
_LOCK = threading.Lock()
_STOPPED = threading.Event()
_DLT_JOB = dlt_postgres.PostgresParquetCopyJob
"""dlt's own parquet job class, put back when a run ends."""


@contextlib.contextmanager
def for_run(source: Location, warehouse: Location) -> Iterator[None]:
    """Within the block, a marked table's load job copies from ``source`` into ``warehouse``."""
    # dlt's PostgreSQL client makes its parquet jobs from this module attribute.
    dlt_postgres.PostgresParquetCopyJob = SourceCopyJob
    _RUN.update(source=source, warehouse=warehouse)
    _STOPPED.clear()
    try:
        yield
    except BaseException:
        _STOPPED.set()  # the copies still running stop too (_Progress)
        raise
    finally:
        _RUN.clear()
        dlt_postgres.PostgresParquetCopyJob = _DLT_JOB


def copied_rows() -> dict[str, int]:
    """Rows copied per table since the last call (what the load step's counts cannot know: its file held one)."""
    with _LOCK:
        copied = dict(_COPIED)
        _COPIED.clear()
    return copied


class SourceCopyJob(_DLT_JOB):
    """dlt's parquet job for PostgreSQL; for a table marked ``x-copied-from-source``, the copy from the source."""

    def run(self) -> None:
        # A merge loads its file into a staging table: only an append (a full load) is ever copied.
        if not (self._load_table.get(HINT) and self._load_table.get("write_disposition") == "append"):
            super().run()
            return
        if not _RUN:
            raise IngestError(f"the load of {RAW_SCHEMA}.{self.load_table_name} needs the source; run ingest/run.py")
        cursor = pq.read_table(self._file_path, columns=[CURSOR_COLUMN]).column(0)[0].as_py()
        rows = copy_table(_RUN["source"], _RUN["warehouse"], self.load_table_name, cursor, self._load_id)
        with _LOCK:
            _COPIED[self.load_table_name] = _COPIED.get(self.load_table_name, 0) + rows


def copy_table(source: Location, warehouse: Location, table: str, cursor: object, load_id: str) -> int:
    """Copy the source rows of ``table`` stamped up to ``cursor`` into raw, as load ``load_id``; the row count."""
    started = time.monotonic()
    raw = sql.Identifier(RAW_SCHEMA, table)
    with session(warehouse) as wh, wh.cursor() as cur:
        cur.execute(sql.SQL("select _dlt_load_id = %s from {} limit 1").format(raw), (load_id,))
        found = cur.fetchone()
        if found and found[0]:
            cur.execute(sql.SQL("select count(*) from {} where _dlt_load_id = %s").format(raw), (load_id,))
            (rows,) = cur.fetchone()
            log.info(
                "  %s.%s already holds the %s row(s) of this load, copied before an interruption",
                RAW_SCHEMA,
                table,
                f"{rows:,}",
            )
            return rows
        # An empty table (as dlt leaves it for a full load), truncated in this transaction: the copy can write its
        # rows frozen, so the first reader (the index builds) does not rewrite every page to set hint bits.
        freeze = found is None
        if freeze:
            cur.execute(sql.SQL("truncate {}").format(raw))
            # Built on the empty table: after the copy it would read all of it again (lineitem: 6 M rows).
            create_tombstones_index(cur, RAW_SCHEMA, table)
        cur.execute(
            "select attname, format_type(atttypid, atttypmod) from pg_attribute"
            " where attrelid = %s::regclass and attnum > 0 and not attisdropped order by attnum",
            (f"{RAW_SCHEMA}.{table}",),
        )
        raw_columns = cur.fetchall()
        source_columns = set(table_columns(source, SOURCE_SCHEMA, [table]).get(table, {}))
        select = sql.SQL(", ").join(_expression(name, type_, source_columns, load_id) for name, type_ in raw_columns)
        query = sql.SQL("copy (select {} from {} where {} <= {}) to stdout (format binary)").format(
            select, sql.Identifier(SOURCE_SCHEMA, table), sql.Identifier(CURSOR_COLUMN), sql.Literal(cursor)
        )
        target = sql.SQL("copy {} ({}) from stdin (format binary{})").format(
            raw,
            sql.SQL(", ").join(sql.Identifier(name) for name, _ in raw_columns),
            sql.SQL(", freeze" if freeze else ""),
        )
        rows = _pipe_copy(source, query, cur, target, f"{RAW_SCHEMA}.{table}")
    seconds = time.monotonic() - started
    log.info(
        "  copied %-10s %10s rows in %6.2f s (%s rows/s), straight from the source",
        table,
        f"{rows:,}",
        seconds,
        f"{rows / seconds if seconds else 0:,.0f}",
    )
    return rows


def _expression(name: str, type_: str, source_columns: set[str], load_id: str) -> sql.Composable:
    """The source's value for raw's column ``name``, cast to raw's type (binary COPY needs the exact type)."""
    if name == "_dlt_load_id":
        value = sql.Literal(load_id)
    elif name == "_dlt_id":
        value = sql.SQL(RANDOM_ID)
    elif name == "_deleted_at":
        value = sql.SQL("null")  # every copied row exists in the source
    elif name in source_columns:
        value = sql.Identifier(name)
    else:
        value = sql.SQL("null")  # a column the source no longer has: what dlt's load would leave in it
    return sql.SQL("({})::{} as {}").format(value, sql.SQL(type_), sql.Identifier(name))


def _pipe_copy(source: Location, query: sql.Composable, cur: object, target: sql.Composable, name: str) -> int:
    """Run ``query`` (a COPY TO STDOUT) on the source into ``target`` (a COPY FROM STDIN) on ``cur``'s connection.

    The source's side runs in a thread writing into a pipe the warehouse's COPY reads. When either side fails
    the other stops too (a closed pipe), and the error raised is the one that explains it: the source's, unless
    it only saw the warehouse close the pipe.
    """
    read_fd, write_fd = os.pipe()
    reader, writer = os.fdopen(read_fd, "rb"), os.fdopen(write_fd, "wb")
    failed: list[BaseException] = []

    def copy_out() -> None:
        src = None
        try:
            src = connect(source)
            with src.cursor() as scur:
                # A timestamp without time zone is UTC, as dlt takes it (its cast to raw's timestamptz reads it so).
                scur.execute("set time zone 'UTC'")
                scur.copy_expert(query.as_string(src), writer)
        except psycopg2.Error as error:
            failed.append(IngestError(explain_error(source, error)))
        except BaseException as error:  # noqa: BLE001 - handed to the reading side, which raises it
            failed.append(error)
        finally:
            with contextlib.suppress(OSError):  # the warehouse side gone: its error is the one raised
                writer.close()
            if src is not None:
                # Closed without a rollback: after a failed write the COPY is still streaming, and a rollback would
                # first read the rest of it (the whole table); closing ends the source's query at once.
                src.close()

    def source_error() -> IngestError | None:
        if not failed or isinstance(failed[0], BrokenPipeError) or "Broken pipe" in str(failed[0]):
            return None
        return IngestError(f"copying {name} from the source failed: {str(failed[0]).strip()}")

    thread = threading.Thread(target=copy_out, name=f"copy-{name}", daemon=True)
    thread.start()
    try:
        cur.copy_expert(target.as_string(cur), _Progress(reader, name), size=READ_SIZE)
        rows = cur.rowcount
    except Exception:
        reader.close()
        thread.join()
        error = source_error()
        if error is not None:
            raise error from None
        raise
    reader.close()
    thread.join()
    # A source that fails between two rows ends the stream where PostgreSQL's binary COPY accepts an end: the
    # warehouse would commit part of the table. The source's error is raised instead, and the block rolls back.
    if failed:
        raise IngestError(f"copying {name} from the source failed: {str(failed[0]).strip()}")
    return rows


class _Progress:
    """A file for COPY FROM that logs the megabytes read every PROGRESS_SECONDS, and stops when the run does."""

    def __init__(self, stream: BinaryIO, name: str) -> None:
        self.stream, self.name = stream, name
        self.bytes = 0
        self.started = self.reported = time.monotonic()

    def read(self, size: int = -1) -> bytes:
        # The run stopped (a Ctrl-C, an error): the interpreter would wait for this load thread to copy the rest of
        # the table before exiting (20 s for lineitem at SF 1). Failing the read aborts the COPY, which rolls back.
        if _STOPPED.is_set():
            raise InterruptedError(f"the run stopped while copying {self.name}")
        data = self.stream.read(size)
        self.bytes += len(data)
        now = time.monotonic()
        if now - self.reported >= PROGRESS_SECONDS:
            self.reported = now
            log.info(
                "  copying %s: %s MB so far (%.0f MB/s)",
                self.name,
                f"{self.bytes / 1e6:,.0f}",
                self.bytes / 1e6 / (now - self.started),
            )
        return data

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)
