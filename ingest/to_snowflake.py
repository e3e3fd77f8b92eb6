"""Ingestion into Snowflake: the same run as into PostgreSQL, with the warehouse-side steps in Snowflake SQL.

``DBT_TARGET=snowflake`` (ingest/config.py) selects it. What is the same and what differs from PostgreSQL:

- extraction, the cursors on ``updated_at``, the delete log and dlt's load packages (crash safety) are the same
  code (ingest/pipeline.py), with dlt's ``snowflake`` destination instead of ``postgres``;
- **dlt's path** (a real account): dlt loads each parquet file with PUT into the table's stage and COPY INTO,
  then merges with its ``delete-insert`` SQL (deduplicated on the primary key), as on PostgreSQL;
- **the emulator's path** (``SNOWFLAKE_EMULATOR=fakesnow``): fakesnow cannot run dlt's load (its PUT refuses
  the quoted stage path dlt writes, ``'@"RAW_TPCH"."%CUSTOMER"/"<load id>"'``), so :meth:`Warehouse.load_packages`
  loads dlt's own normalized packages (the same parquet files) with the same steps: dlt's CREATE/ALTER TABLE
  SQL, PUT into a named stage and dlt's COPY INTO with the stage path unquoted, then dlt's delete-insert merge
  SQL. It writes no ``_dlt_loads`` / ``_dlt_pipeline_state`` rows (the cursors live in the local pipeline
  state, as they do for dlt);
- one run at a time: Snowflake has no advisory locks, so the lock is a PostgreSQL advisory lock in the
  *source* database keyed on the Snowflake account and database (released when a killed run's connection
  drops): it serialises every run from that source into that Snowflake database;
- no indexes: Snowflake has none, and its unique constraints are not enforced; dlt's delete-insert
  deduplicates on the key, so a file loaded twice still lands once, but nothing in the database forbids a
  duplicate key;
- tombstones: the same protocol as ingest/deletes.py, its three warehouse steps written in Snowflake SQL
  (:class:`SnowflakeTombstones`).
"""

from __future__ import annotations

import contextlib
import logging
import re
import zlib
from collections.abc import Iterator
from typing import Any

import dlt
import snowflake.connector
from dlt.destinations.impl.snowflake.configuration import SnowflakeCredentials
from dlt.destinations.impl.snowflake.snowflake import SnowflakeMergeJob
from dlt.destinations.impl.snowflake.utils import gen_copy_sql

from ingest import deletes
from ingest.config import STATE_DIR, Location, SnowflakeLocation
from ingest.db import connect as connect_postgres
from ingest.errors import IngestError

log = logging.getLogger(__name__)

LOCK_ID = 7_146_022
"""First key of the advisory lock (in the source database) that serialises runs into one Snowflake database."""
EMULATOR_STAGE = "INGEST_STAGE"
"""The named internal stage (in raw's staging schema) the emulator's path PUTs dlt's files into."""

# Snowflake's information_schema type -> the PostgreSQL spelling ingest/schema_changes.py compares kinds by.
_TYPES = {
    "TEXT": "text",
    "DATE": "date",
    "FLOAT": "double precision",
    "BOOLEAN": "boolean",
    "BINARY": "bytea",
    "TIME": "time without time zone",
    "TIMESTAMP_TZ": "timestamp with time zone",
    "TIMESTAMP_LTZ": "timestamp with time zone",
    "TIMESTAMP_NTZ": "timestamp without time zone",
    "VARIANT": "jsonb",
}


def credentials(warehouse: SnowflakeLocation) -> SnowflakeCredentials:
    """dlt's credentials for ``warehouse`` (the emulator's host, port and protocol go to the connector as is)."""
    creds = SnowflakeCredentials()
    creds.host = warehouse.account
    creds.username = warehouse.user
    creds.password = warehouse.password or None
    creds.database = warehouse.database
    creds.warehouse = warehouse.warehouse or None
    creds.role = warehouse.role or None
    if warehouse.private_key_path:
        creds.private_key_path = warehouse.private_key_path
        creds.private_key_passphrase = warehouse.private_key_passphrase or None
    if warehouse.emulator:
        creds.query = {"host": warehouse.host, "port": warehouse.port, "protocol": warehouse.protocol or "http"}
    creds.resolve()
    return creds


def destination(warehouse: SnowflakeLocation) -> Any:
    """dlt's ``snowflake`` destination for ``warehouse``.

    Files go to each table's own stage and are removed after COPY INTO (no stage to create or grant); no
    constraints (Snowflake does not enforce them). On the emulator, one statement per call (fakesnow runs
    no multi-statement text); its load is the emulator's path anyway.
    """
    options: dict[str, Any] = {"keep_staged_files": False, "create_indexes": False}
    if warehouse.emulator:
        options["supports_multiple_statements"] = False
    return dlt.destinations.snowflake(credentials=credentials(warehouse), **options)


def pipelines_dir(warehouse: SnowflakeLocation) -> str:
    where = f"{warehouse.host}_{warehouse.port}" if warehouse.emulator else warehouse.account
    return str(STATE_DIR / "dlt" / f"snowflake_{where}_{warehouse.database}")


def connect(warehouse: SnowflakeLocation) -> snowflake.connector.SnowflakeConnection:
    """A connection in autocommit, or IngestError saying which setting to check."""
    try:
        return snowflake.connector.connect(**warehouse.connector_kwargs(), autocommit=True)
    except Exception as error:  # noqa: BLE001 - every connector failure becomes one clear message
        raise IngestError(
            f"cannot connect to the {warehouse.describe()}: {str(error).strip()}. Check SNOWFLAKE_ACCOUNT, "
            "SNOWFLAKE_USER, SNOWFLAKE_PASSWORD (or SNOWFLAKE_PRIVATE_KEY_PATH), SNOWFLAKE_ROLE and SNOWFLAKE_WAREHOUSE"
        ) from None


def lock_key(warehouse: SnowflakeLocation) -> int:
    """The advisory lock's second key: the Snowflake account (or emulator address) and database, as an int4."""
    return zlib.crc32(f"{warehouse.account}/{warehouse.host}/{warehouse.database}".encode()) - 2**31


@contextlib.contextmanager
def exclusive_run(source: Location, warehouse: SnowflakeLocation) -> Iterator[None]:
    """Hold the ingest lock for this Snowflake database in the source database; a second run stops at once."""
    conn = connect_postgres(source, autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute("select pg_try_advisory_lock(%s, %s)", (LOCK_ID, lock_key(warehouse)))
            if not cur.fetchone()[0]:
                raise IngestError(
                    f"another ingest run is loading the {warehouse.describe()} from the {source.describe()}; "
                    "this run stopped without touching anything. Run it again when the other one has finished."
                )
        yield
    finally:
        conn.close()


def emulator_copy_sql(copy: str) -> str:
    """dlt's COPY INTO, with the four changes fakesnow needs (each a fakesnow 0.12 limit, not Snowflake's):

    1. the stage path unquoted (``FROM '@stage/...'`` -> ``FROM @stage/...``): fakesnow reads only a bare path;
    2. ``FILE_FORMAT = (TYPE = 'PARQUET')`` without ``BINARY_AS_TEXT``/``USE_LOGICAL_TYPE``: fakesnow's parser
       fails on boolean format options (DuckDB reads parquet's logical types anyway);
    3. ``MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE`` unquoted: fakesnow accepts only the bare word;
    4. ``FORCE = TRUE``: a package loaded again after a kill re-uses its file names, which fakesnow's load
       history would skip (dlt's table stage on Snowflake starts empty for each load id instead).
    """
    emulated = re.sub(r"FROM '(@[^']*)'", r"FROM \1", copy)
    emulated = re.sub(r"FILE_FORMAT = \(TYPE = 'PARQUET'[^)]*\)", "FILE_FORMAT = (TYPE = 'PARQUET')", emulated)
    emulated = re.sub(r"MATCH_BY_COLUMN_NAME\s*=\s*'(\w+)'", r"MATCH_BY_COLUMN_NAME = \1", emulated)
    return emulated + " FORCE = TRUE"


class Warehouse:
    """One run's connection to Snowflake and everything the run does there besides dlt's own load."""

    def __init__(self, location: SnowflakeLocation) -> None:
        self.location = location
        self.schema = location.raw_schema
        self.staging_schema = f"{self.schema}_STAGING"
        self.conn = connect(location)
        self.tombstones = SnowflakeTombstones(self)

    def close(self) -> None:
        self.conn.close()

    def execute(self, statement: str, params: tuple | None = None) -> list[tuple]:
        with self.conn.cursor() as cur:
            cur.execute(statement, params)
            return cur.fetchall() if cur.description else []

    def prepare(self) -> None:
        """Create raw's schema when missing (the loader needs ``create schema`` on the database, or a DBA does it)."""
        present = self.execute(
            "select count(*) from information_schema.schemata where schema_name = %s", (self.schema,)
        )
        if not present[0][0]:
            self.execute(f"create schema if not exists {self.location.database}.{self.schema}")

    def tables(self) -> set[str]:
        rows = self.execute("select table_name from information_schema.tables where table_schema = %s", (self.schema,))
        return {name.lower() for (name,) in rows}

    def raw_columns(self, tables: list[str]) -> dict[str, dict[str, str]]:
        """Raw's columns per table (lower case), typed in PostgreSQL's spelling, for ingest/schema_changes.py."""
        rows = self.execute(
            "select table_name, column_name, data_type, numeric_scale from information_schema.columns "
            "where table_schema = %s order by table_name, ordinal_position",
            (self.schema,),
        )
        columns: dict[str, dict[str, str]] = {}
        for table, column, data_type, scale in rows:
            if table.lower() not in tables:
                continue
            kind = data_type.upper()
            if kind in ("NUMBER", "DECIMAL", "NUMERIC", "INT", "INTEGER", "BIGINT"):
                pg_type = "bigint" if not scale else "numeric"
            else:
                pg_type = _TYPES.get(kind, kind.lower())
            columns.setdefault(table.lower(), {})[column.lower()] = pg_type
        return columns

    def column_types(self, table: str) -> dict[str, str]:
        """The Snowflake type of each column of raw ``table`` (lower-case names), as a cast target."""
        rows = self.execute(
            "select column_name, data_type, numeric_precision, numeric_scale from information_schema.columns "
            "where table_schema = %s and table_name = %s",
            (self.schema, table.upper()),
        )
        types = {}
        for column, data_type, precision, scale in rows:
            kind = data_type.upper()
            if kind in ("NUMBER", "DECIMAL", "NUMERIC"):
                types[column.lower()] = f"number({precision or 38}, {scale or 0})"
            elif kind == "TEXT":
                types[column.lower()] = "varchar"
            else:
                types[column.lower()] = kind.lower()
        return types

    # -- the emulator's path ------------------------------------------------------------------------------

    def load_packages(self, pipeline: dlt.Pipeline) -> None:
        """Load every normalized package of ``pipeline`` as dlt's load would, one table at a time (emulator).

        Per package: the tables the package truncates (``--full-refresh``) are truncated; per table with
        files: dlt's DDL creates or widens it (and its staging copy in ``RAW_TPCH_STAGING``), each parquet
        file is PUT into the stage ``RAW_TPCH_STAGING.INGEST_STAGE`` and copied into the staging table with
        dlt's COPY INTO, then dlt's delete-insert merge SQL moves the rows into raw. Then the package is
        marked loaded, as dlt's load step does. Every step can run twice: a run killed half-way through a
        package loads the whole package again, and the merge lands each key once.
        """
        client = pipeline.destination_client()
        storage = pipeline._get_load_storage()  # completing a package is the load step's job
        self.execute(f"create schema if not exists {self.location.database}.{self.staging_schema}")
        self.execute(f"create stage if not exists {self.location.database}.{self.staging_schema}.{EMULATOR_STAGE}")
        for load_id in pipeline.list_normalized_load_packages():
            state = pipeline.get_load_package_state(load_id)
            existing = self.tables()
            for table in state.get("truncated_tables", []) + state.get("dropped_tables", []):
                if table["name"] in existing:
                    self.execute(f"truncate table {self.location.database}.{self.schema}.{table['name'].upper()}")
            files: dict[str, list[str]] = {}
            for job in pipeline.get_load_package_info(load_id).jobs["new_jobs"]:
                name = job.job_file_info.table_name
                if not name.startswith("_dlt") and job.file_path.endswith(".parquet"):
                    files.setdefault(name, []).append(job.file_path)
            for table, paths in files.items():
                self._load_table(client, load_id, table, paths)
            storage.complete_load_package(load_id, False)

    def _load_table(self, client: Any, load_id: str, table: str, paths: list[str]) -> None:
        columns = [column for column in client.schema.get_table_columns(table).values() if column.get("data_type")]
        present = self.raw_columns([table]).get(table)
        sql_client = client.sql_client
        if present is None:
            statements = client._get_table_update_sql(table, columns, False)  # dlt's own DDL
        else:
            new = [column for column in columns if column["name"].lower() not in present]
            statements = client._get_table_update_sql(table, new, True) if new else []
        with sql_client.with_staging_dataset():
            staging_table = sql_client.make_qualified_table_name(table)
            statements += [f"drop table if exists {staging_table}"]
            statements += client._get_table_update_sql(table, columns, False)
        for statement in statements:
            self.execute(statement)
        stage = f"{self.location.database}.{self.staging_schema}.{EMULATOR_STAGE}"
        for path in paths:
            file_name = path.replace("\\", "/").rsplit("/", 1)[-1]
            folder = f"@{stage}/{load_id}"
            self.execute(f"PUT 'file://{path}' {folder} OVERWRITE = TRUE, AUTO_COMPRESS = FALSE")
            copy = gen_copy_sql(
                file_url=path,
                qualified_table_name=staging_table,
                loader_file_format="parquet",
                is_case_sensitive=sql_client.capabilities.generates_case_sensitive_identifiers(),
                local_stage_file_path=f"{folder}/{file_name}",
            )
            self.execute(emulator_copy_sql(copy))
        chain = [client.prepare_load_table(table)]
        for statement in SnowflakeMergeJob.generate_sql(chain, sql_client):
            self.execute(statement)


class SnowflakeTombstones:
    """ingest/deletes.py's three warehouse steps (apply, hold, restore) in Snowflake SQL."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.wh = warehouse

    def _name(self, table: str) -> str:
        return f"{self.wh.location.database}.{self.wh.schema}.{table.upper()}"

    def apply(self, keys: dict[str, list[str]]) -> dict[str, int]:
        """Mark raw rows whose version the key's latest tombstone deleted (as ingest/deletes.py's ``apply``)."""
        marked: dict[str, int] = {}
        landed = self.wh.tables()
        if deletes.RAW_TABLE not in landed:
            return marked
        for table, key in keys.items():
            if table not in landed:
                continue
            types = self.wh.column_types(table)
            match = " and ".join(
                f"raw.{column} = parse_json(tombstone.key):{column}::{types[column]}" for column in key
            )
            statement = f"""
                update {self._name(table)} as raw
                set _deleted_at = tombstone.deleted_at
                from (
                    -- the latest tombstone of each key (a key may be deleted, re-created, deleted again)
                    select key, deleted_at, row_updated_at
                    from {self._name(deletes.RAW_TABLE)}
                    where table_name = %s
                    qualify row_number() over (partition by key order by seq desc) = 1
                ) as tombstone
                where {match}
                    and raw._deleted_at is null
                    and tombstone.row_updated_at >= raw.updated_at
            """
            with self.wh.conn.cursor() as cur:
                cur.execute(statement, (table,))
                rows = cur.rowcount or 0
            if rows:
                marked[table] = rows
        return marked

    def _held(self, table: str) -> str:
        return self._name(f"held_tombstones__{table}")

    def hold(self, tables: list[str]) -> None:
        """Before a full refresh, copy each table's tombstones aside (kept if a killed run left a copy)."""
        landed = self.wh.tables()
        for table in tables:
            if table not in landed or f"held_tombstones__{table}" in landed:
                continue
            self.wh.execute(
                f"create table {self._held(table)} as select * from {self._name(table)} where _deleted_at is not null"
            )

    def restore(self, keys: dict[str, list[str]]) -> dict[str, int]:
        """Put held tombstones back where their key did not return with the reload; drop the copies."""
        restored: dict[str, int] = {}
        landed = self.wh.tables()
        for table, key in keys.items():
            if f"held_tombstones__{table}" not in landed:
                continue
            columns = ", ".join(self.wh.raw_columns([f"held_tombstones__{table}"])[f"held_tombstones__{table}"])
            same_key = " and ".join(f"live.{column} = held.{column}" for column in key)
            before = self.wh.execute(f"select count(*) from {self._name(table)}")[0][0]
            self.wh.execute(
                f"insert into {self._name(table)} ({columns}) select {columns} from {self._held(table)} as held "
                f"where not exists (select 1 from {self._name(table)} as live where {same_key})"
            )
            restored[table] = self.wh.execute(f"select count(*) from {self._name(table)}")[0][0] - before
            self.wh.execute(f"drop table {self._held(table)}")
        return restored
