"""Where the source and the warehouse live: every setting of the project, read once from the environment.

Each side (``SOURCE`` and ``WAREHOUSE``) is resolved the same way, and the root ``profiles.yml`` resolves
the warehouse with exactly the same fallbacks, so dbt and the Python code always agree:

=============  =========================================  ==================================
setting        looked up in, first hit wins               default (embedded server)
=============  =========================================  ==================================
host           ``<SIDE>_HOST``, ``PGHOST``                ``127.0.0.1``
port           ``<SIDE>_PORT``, ``PGPORT``                ``54329``
user           ``<SIDE>_USER``, ``PGUSER``                ``postgres``
password       ``<SIDE>_PASSWORD``, ``PGPASSWORD``        empty (the embedded server trusts
                                                          local connections)
database       ``<SIDE>_DBNAME``                          ``tpch_source`` / ``warehouse``
=============  =========================================  ==================================

A side with no host set (neither ``<SIDE>_HOST`` nor ``PGHOST``) is *embedded*: the project starts its own
PostgreSQL 16 (from the ``pgserver`` wheel) on ``127.0.0.1:<port>`` with its data under ``.warehouse/``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
"""The repository root (where ``dbt_project.yml`` lives)."""

STATE_DIR = Path(os.environ.get("WAREHOUSE_STATE_DIR", ROOT / ".warehouse")).resolve()
"""Git-ignored folder for the embedded server's data, its log and dlt's local pipeline state."""

EMBEDDED_DEFAULT_PORT = 54329
SOURCE_SCHEMA = os.environ.get("SOURCE_SCHEMA", "tpch")
"""Schema of the operational source database that holds the TPC-H tables."""
RAW_SCHEMA = os.environ.get("RAW_SCHEMA", "raw_tpch")
"""Warehouse schema where dlt lands the source tables (the dlt dataset name)."""

TABLES: tuple[str, ...] = (
    "region",
    "nation",
    "supplier",
    "customer",
    "part",
    "partsupp",
    "orders",
    "lineitem",
)
"""The source tables the project ingests, smallest first (so a failure on a big one shows up last)."""

CURSOR_COLUMN = "updated_at"
"""Every source table carries this UTC timestamp; ingestion is incremental on it."""


def cursor_safety_window_seconds() -> int:
    """``CURSOR_SAFETY_WINDOW_SECONDS`` (default 300): a run reads rows stamped up to the source's clock minus
    this many seconds (ingest/held_rows.py), the longest a source transaction may take between stamping
    ``updated_at`` and committing without being missed."""
    text = os.environ.get("CURSOR_SAFETY_WINDOW_SECONDS", "") or "300"
    if not text.isdigit():
        raise ValueError(f"CURSOR_SAFETY_WINDOW_SECONDS must be a whole number of seconds (0 or more), got {text!r}")
    return int(text)


_DEFAULT_DBNAME = {"source": "tpch_source", "warehouse": "warehouse"}


@dataclass(frozen=True)
class Location:
    """One PostgreSQL database: where it is, who connects, and whether the project runs its server."""

    side: str
    host: str
    port: int
    user: str
    password: str
    dbname: str
    embedded: bool

    @property
    def env_prefix(self) -> str:
        return self.side.upper()

    def url(self, driver: str = "postgresql", dbname: str | None = None) -> str:
        """A libpq/SQLAlchemy URL. ``driver`` is e.g. ``postgresql`` or ``postgresql+psycopg2``."""
        auth = quote(self.user, safe="")
        if self.password:
            auth += ":" + quote(self.password, safe="")
        return f"{driver}://{auth}@{self.host}:{self.port}/{dbname or self.dbname}"

    def connect_kwargs(self, dbname: str | None = None) -> dict[str, object]:
        """Keyword arguments for ``psycopg2.connect``; every session runs in UTC."""
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "dbname": dbname or self.dbname,
            "connect_timeout": 10,
            "options": "-c timezone=UTC",
            "application_name": f"tpch-warehouse-{self.side}",
        }

    def describe(self) -> str:
        kind = "embedded server" if self.embedded else "server"
        return f"{self.side} database '{self.dbname}' on the {kind} {self.host}:{self.port} (user {self.user})"

    def with_dbname(self, dbname: str) -> Location:
        return replace(self, dbname=dbname)

    def with_password(self, password: str) -> Location:
        return replace(self, password=password)


def _first(*names: str) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value not in (None, ""):
            return value
    return None


def location(side: str) -> Location:
    """Resolve ``source`` or ``warehouse`` from the environment (see the module docstring)."""
    if side not in _DEFAULT_DBNAME:
        raise ValueError(f"unknown side {side!r}: expected 'source' or 'warehouse'")
    prefix = side.upper()
    host = _first(f"{prefix}_HOST", "PGHOST")
    port_text = _first(f"{prefix}_PORT", "PGPORT") or str(EMBEDDED_DEFAULT_PORT)
    try:
        port = int(port_text)
    except ValueError:
        raise ValueError(f"{prefix}_PORT / PGPORT must be a number, got {port_text!r}") from None
    return Location(
        side=side,
        host=host or "127.0.0.1",
        port=port,
        user=_first(f"{prefix}_USER", "PGUSER") or "postgres",
        password=_first(f"{prefix}_PASSWORD", "PGPASSWORD") or "",
        dbname=_first(f"{prefix}_DBNAME") or _DEFAULT_DBNAME[side],
        embedded=host is None,
    )


TARGET_VARIABLE = "DBT_TARGET"
"""The one switch between the two warehouses, shared with dbt (``profiles.yml``: ``target: env_var('DBT_TARGET')``):
unset or ``dev`` is PostgreSQL, ``snowflake`` is Snowflake (ingest and dbt alike)."""
TARGETS = {"dev": "postgres", "snowflake": "snowflake"}
EMULATOR_VARIABLE = "SNOWFLAKE_EMULATOR"
"""``fakesnow`` marks the Snowflake emulator (no account); ingest and dbt then take the emulator's paths."""


def warehouse_kind() -> str:
    """``postgres`` or ``snowflake``, from ``DBT_TARGET``; ValueError naming the variable for any other value."""
    target = _first(TARGET_VARIABLE) or "dev"
    if target not in TARGETS:
        raise ValueError(
            f"{TARGET_VARIABLE}={target!r} is not a target of this project: use 'dev' (PostgreSQL, the default) "
            "or 'snowflake'"
        )
    return TARGETS[target]


@dataclass(frozen=True)
class SnowflakeLocation:
    """A Snowflake account (or the fakesnow emulator): the same ``SNOWFLAKE_*`` variables the dbt target reads.

    Raw lands in schema ``RAW_TPCH`` (``RAW_SCHEMA`` upper-cased) of ``SNOWFLAKE_DATABASE``; ``SNOWFLAKE_SCHEMA``
    is dbt's default schema and unused by the ingest.
    """

    account: str
    user: str
    password: str
    private_key_path: str
    private_key_passphrase: str
    role: str
    warehouse: str
    database: str
    host: str
    port: int | None
    protocol: str
    emulator: bool

    @property
    def raw_schema(self) -> str:
        return RAW_SCHEMA.upper()

    def connector_kwargs(self) -> dict[str, object]:
        """Keyword arguments for ``snowflake.connector.connect``; every session runs in UTC."""
        kwargs: dict[str, object] = {
            "account": self.account,
            "user": self.user,
            "database": self.database,
            "timezone": "UTC",
            "application": "tpch-warehouse",
        }
        if self.password:
            kwargs["password"] = self.password
        for name in ("role", "warehouse", "host", "protocol"):
            if getattr(self, name):
                kwargs[name] = getattr(self, name)
        if self.port:
            kwargs["port"] = self.port
        if self.private_key_path:
            kwargs["private_key_file"] = self.private_key_path
            if self.private_key_passphrase:
                kwargs["private_key_file_pwd"] = self.private_key_passphrase
        if self.emulator:
            kwargs["network_timeout"] = 20  # the emulator answers at once: fail fast instead of retrying for minutes
        return kwargs

    def describe(self) -> str:
        where = f"the emulator {self.host}:{self.port}" if self.emulator else f"account {self.account}"
        return f"Snowflake database {self.database} on {where} (user {self.user})"


SNOWFLAKE_REQUIRED = ("SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_DATABASE")


def snowflake_location() -> SnowflakeLocation:
    """Resolve the Snowflake warehouse from the ``SNOWFLAKE_*`` variables; ValueError naming what is missing."""
    missing = [name for name in SNOWFLAKE_REQUIRED if not _first(name)]
    if not _first("SNOWFLAKE_PASSWORD", "SNOWFLAKE_PRIVATE_KEY_PATH"):
        missing.append("SNOWFLAKE_PASSWORD (or SNOWFLAKE_PRIVATE_KEY_PATH)")
    if missing:
        raise ValueError(
            f"{TARGET_VARIABLE}=snowflake needs {', '.join(missing)} in the environment (README, Running on Snowflake)"
        )
    port_text = _first("SNOWFLAKE_PORT")
    try:
        port = int(port_text) if port_text else None
    except ValueError:
        raise ValueError(f"SNOWFLAKE_PORT must be a number, got {port_text!r}") from None
    emulator = _first(EMULATOR_VARIABLE)
    if emulator not in (None, "fakesnow"):
        raise ValueError(f"{EMULATOR_VARIABLE}={emulator!r}: the only emulator supported is 'fakesnow' (or unset it)")
    return SnowflakeLocation(
        account=_first("SNOWFLAKE_ACCOUNT") or "",
        user=_first("SNOWFLAKE_USER") or "",
        password=_first("SNOWFLAKE_PASSWORD") or "",
        private_key_path=_first("SNOWFLAKE_PRIVATE_KEY_PATH") or "",
        private_key_passphrase=_first("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE") or "",
        role=_first("SNOWFLAKE_ROLE") or "",
        warehouse=_first("SNOWFLAKE_WAREHOUSE") or "",
        database=(_first("SNOWFLAKE_DATABASE") or "").upper(),
        host=_first("SNOWFLAKE_HOST") or "",
        port=port,
        protocol=_first("SNOWFLAKE_PROTOCOL") or "",
        emulator=emulator == "fakesnow",
    )
