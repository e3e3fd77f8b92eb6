"""The embedded PostgreSQL server and connections with errors a person can act on.

Command line::

    python ingest/db.py url source|warehouse   # start the embedded server if needed, print a psql URL
    python ingest/db.py url warehouse --role tpch_reporter   # ... as one of the project's roles
    python ingest/db.py start|stop|status      # manage the embedded server

The embedded server is PostgreSQL 16 from the ``pgserver`` wheel, listening on ``127.0.0.1:<port>`` (TCP,
so the static root ``profiles.yml`` can find it) with its data in ``.warehouse/pgdata``. It keeps running
after the command that started it, like any database server, until ``python ingest/db.py stop``.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import logging
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg2
import psycopg2.errors
from psycopg2 import sql

from ingest import roles
from ingest.config import STATE_DIR, Location, location
from ingest.errors import IngestError, explain_os_error

log = logging.getLogger(__name__)

PGDATA = STATE_DIR / "pgdata"
SERVER_LOG = STATE_DIR / "server" / "postgres.log"
SYSTEM_USER = "pgserver"
"""PostgreSQL refuses to run as root; as root the server runs as this system user (pgserver's convention)."""

HBA = """\
# Written by ingest/db.py. The superuser 'postgres' and the project's roles (ingest/roles.py) are trusted on
# the loopback interface (the embedded server is a local development database); every other role logs in
# with its password.
host    all     {trusted}    127.0.0.1/32    trust
host    all     all         127.0.0.1/32    scram-sha-256
""".format(trusted=",".join((roles.EMBEDDED_SUPERUSER, *roles.ROLES)))

SERVER_SETTINGS = {
    "timezone": "UTC",
    "listen_addresses": "127.0.0.1",
    "unix_socket_directories": "",
    # dlt merges delete with NOT IN (subquery); 4 MB of work_mem makes that quadratic.
    "work_mem": "64MB",
    "maintenance_work_mem": "256MB",
    "max_wal_size": "2GB",
}


def _pgserver():
    """Import pgserver quietly (its import warns when XDG_RUNTIME_DIR is unset, which we do not use)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver._commands
        import pgserver.utils
    return pgserver


def _bin(name: str) -> str:
    return str(_pgserver()._commands.POSTGRES_BIN_PATH / name)


def _run_as_server_user(args: list[str]) -> subprocess.CompletedProcess[str]:
    kwargs: dict[str, object] = {}
    if os.geteuid() == 0:
        kwargs["user"] = SYSTEM_USER
    return subprocess.run(
        args, check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120, **kwargs
    )


def _prepare_permissions() -> None:
    """As root, create the server's system user and let it reach its folders (what pgserver does)."""
    if os.geteuid() != 0:
        return
    import pwd

    pgserver = _pgserver()
    bin_path = pgserver._commands.POSTGRES_BIN_PATH
    utils = pgserver.utils
    utils.ensure_user_exists(SYSTEM_USER)
    entry = pwd.getpwnam(SYSTEM_USER)
    for folder in (PGDATA, SERVER_LOG.parent):
        folder.mkdir(parents=True, exist_ok=True)
        utils.ensure_prefix_permissions(folder)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    utils.ensure_prefix_permissions(bin_path)
    read, execute = 0o044, 0o011
    utils.ensure_folder_permissions(bin_path, read | execute)
    utils.ensure_folder_permissions(bin_path.parent / "lib", read)
    PGDATA.chmod(0o700)


def _port_is_open(port: int) -> bool:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def embedded_is_running() -> bool:
    """Whether the process named in postmaster.pid (line 1) is alive: what `pg_ctl status` checks, without
    starting a process for it (every connection asks, about 20 times per ingest run)."""
    try:
        pid = int((PGDATA / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, IndexError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by the server's own user
        return True
    return True


@contextlib.contextmanager
def _lock(name: str) -> Iterator[None]:
    try:
        STATE_DIR.mkdir(parents=True, exist_ok=True)
        handle = open(STATE_DIR / f"{name}.lock", "w")  # noqa: SIM115 - closed by the with below
    except OSError as error:
        raise IngestError(explain_os_error(error, STATE_DIR) or f"cannot use {STATE_DIR}: {error}") from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _running_port() -> int | None:
    """The port written in postmaster.pid (line 4), if the file is there."""
    try:
        lines = (PGDATA / "postmaster.pid").read_text().splitlines()
        return int(lines[3])
    except (OSError, IndexError, ValueError):
        return None


def start_embedded(port: int) -> None:
    """Start the embedded server on ``port`` unless it already runs; initialise it on first use."""
    with _lock("server"):
        if embedded_is_running():
            running = _running_port()
            if running != port:
                raise IngestError(
                    f"the embedded server already runs on port {running}, but port {port} is configured; "
                    f"stop it with `python ingest/db.py stop` or set WAREHOUSE_PORT/SOURCE_PORT={running}"
                )
            return
        if _port_is_open(port):
            raise IngestError(
                f"port {port} on 127.0.0.1 is taken by another program, so the embedded PostgreSQL cannot "
                f"use it; set WAREHOUSE_PORT and SOURCE_PORT (or PGPORT) to a free port"
            )
        try:
            _prepare_permissions()
            PGDATA.mkdir(parents=True, exist_ok=True)
            SERVER_LOG.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise IngestError(explain_os_error(error, STATE_DIR) or f"cannot prepare {PGDATA}: {error}") from None
        if not (PGDATA / "PG_VERSION").exists():
            log.info("initialising the embedded PostgreSQL in %s", PGDATA)
            result = _run_as_server_user(
                [
                    _bin("initdb"),
                    "-D",
                    str(PGDATA),
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--no-locale",
                    "-U",
                    "postgres",
                ]
            )
            if result.returncode != 0:
                raise IngestError(f"initdb failed for the embedded server in {PGDATA}:\n{result.stdout}")
        # pg_ctl hands these to postgres through /bin/sh, so '' is an empty value.
        (PGDATA / "pg_hba.conf").write_text(HBA)
        options = " ".join(f"-c {key}={value or repr('')}" for key, value in SERVER_SETTINGS.items())
        result = _run_as_server_user(
            [
                _bin("pg_ctl"),
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                str(PGDATA),
                "-l",
                str(SERVER_LOG),
                "-o",
                f"-p {port} {options}",
            ]
        )
        if result.returncode != 0:
            tail = SERVER_LOG.read_text()[-2000:] if SERVER_LOG.exists() else ""
            raise IngestError(f"the embedded PostgreSQL did not start on port {port}:\n{result.stdout}\n{tail}")
        log.info("embedded PostgreSQL 16 running on 127.0.0.1:%s (data in %s)", port, PGDATA)


def stop_embedded() -> bool:
    with _lock("server"):
        if not embedded_is_running():
            return False
        result = _run_as_server_user([_bin("pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(PGDATA)])
        if result.returncode != 0:
            raise IngestError(f"could not stop the embedded server:\n{result.stdout}")
        return True


def _explain(loc: Location, error: psycopg2.OperationalError) -> str:
    text = str(error).strip()
    prefix = loc.env_prefix
    if "password authentication failed" in text or "no password supplied" in text:
        return (
            f"cannot log in to the {loc.describe()}: the password was refused. "
            f"Set {prefix}_PASSWORD (or PGPASSWORD) to the password of user '{loc.user}'."
        )
    if f'database "{loc.dbname}" does not exist' in text:
        return (
            f"the {loc.side} database '{loc.dbname}' does not exist on {loc.host}:{loc.port}. "
            f"Create it (createdb {loc.dbname}) or set {prefix}_DBNAME to an existing database."
        )
    if "role" in text and "does not exist" in text:
        return (
            f"user '{loc.user}' does not exist on {loc.host}:{loc.port}. "
            f"Set {prefix}_USER (or PGUSER) to an existing user."
        )
    first_line = text.splitlines()[0] if text else repr(error)
    if "SSL negotiation" in text or "server closed the connection unexpectedly" in text:
        return (
            f"the program listening on {loc.host}:{loc.port} is not a PostgreSQL server (it answered: "
            f"{first_line}). Set {prefix}_PORT (or PGPORT) to the port of the {loc.side} database"
            + (", or, for the embedded server, to a free port: it is started there." if loc.embedded else ".")
        )
    if "timeout expired" in text:
        return (
            f"the {loc.describe()} did not answer within 10 s (a program that is not PostgreSQL may hold "
            f"{loc.host}:{loc.port}, or a firewall drops the connection). Check {prefix}_HOST / {prefix}_PORT."
        )
    return (
        f"cannot reach the {loc.describe()}: {first_line}. "
        f"Check {prefix}_HOST / {prefix}_PORT (or PGHOST / PGPORT), or unset them to use the "
        f"embedded server (python ingest/db.py start); once it answers, run again: a run resumes where the last "
        f"one stopped."
    )


def explain_error(loc: Location, error: psycopg2.Error) -> str:
    """One message for a failed statement: what the server said, about which database, and what to do."""
    text = str(error).strip()
    first_line = text.splitlines()[0] if text else type(error).__name__
    if isinstance(error, psycopg2.errors.InsufficientPrivilege):
        return (
            f"user '{loc.user}' lacks a privilege in the {loc.side} database '{loc.dbname}' on "
            f"{loc.host}:{loc.port}: {first_line}. Grant what `python ingest/run.py --print-grants` prints "
            "(README, 'Privileges') and run again."
        )
    if isinstance(error, psycopg2.errors.DiskFull) or "No space left on device" in text:
        return (
            f"the {loc.side} server {loc.host}:{loc.port} is out of disk space: {first_line}. Free space on "
            "its data volume and run again: a run resumes where the last one stopped."
        )
    if isinstance(error, psycopg2.errors.ReadOnlySqlTransaction):
        return (
            f"the {loc.side} database '{loc.dbname}' on {loc.host}:{loc.port} is read-only ({first_line}); "
            "point the setting at the primary server, not a standby."
        )
    if isinstance(error, psycopg2.OperationalError | psycopg2.InterfaceError):
        return (
            f"lost the connection to the {loc.describe()}: {first_line}. Check that the server runs"
            + (" (`python ingest/db.py start`)" if loc.embedded else "")
            + " and run again: a run resumes where the last one stopped."
        )
    return f"the {loc.describe()} refused a statement: {first_line}"


_ENSURED: set[tuple[int, str]] = set()
"""(port, database) pairs this process has already found or created: every connection asks."""


def ensure_database(loc: Location) -> None:
    """Create ``loc``'s database if it is missing, and its roles' grants, on the embedded server only."""
    if not loc.embedded or (loc.port, loc.dbname) in _ENSURED:
        return
    try:
        conn = psycopg2.connect(**roles.admin(loc).connect_kwargs(dbname="postgres"))
    except psycopg2.OperationalError as error:
        raise IngestError(_explain(loc, error)) from None
    with contextlib.closing(conn):
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", (loc.dbname,))
            if cur.fetchone() is None:
                try:
                    cur.execute(sql.SQL("create database {}").format(sql.Identifier(loc.dbname)))
                except psycopg2.errors.InsufficientPrivilege:
                    raise IngestError(
                        f"the {loc.side} database '{loc.dbname}' does not exist on the embedded server "
                        f"{loc.host}:{loc.port}, and user '{loc.user}' may not create it. Create it once as the "
                        f"superuser (run `python ingest/db.py start` without {loc.env_prefix}_USER / PGUSER set), "
                        f"or set {loc.env_prefix}_DBNAME to an existing database."
                    ) from None
                log.info("created database %s on the embedded server", loc.dbname)
            hba = PGDATA / "pg_hba.conf"
            if hba.exists() and hba.read_text() != HBA:
                # A server started by an older version of the project: trust the project's roles too.
                hba.write_text(HBA)
                cur.execute("select pg_reload_conf()")
    roles.provision(loc)
    _ENSURED.add((loc.port, loc.dbname))


def ensure_server(loc: Location) -> None:
    """Make ``loc`` reachable: start the embedded server and create its database if needed."""
    if loc.embedded:
        start_embedded(loc.port)
        ensure_database(loc)


def connect(loc: Location, autocommit: bool = False) -> psycopg2.extensions.connection:
    """Open a connection, starting the embedded server first if ``loc`` is embedded.

    Raises IngestError with a message that names the server, the database and the setting to change.
    """
    ensure_server(loc)
    try:
        conn = psycopg2.connect(**loc.connect_kwargs())
    except psycopg2.OperationalError as error:
        raise IngestError(_explain(loc, error)) from None
    conn.autocommit = autocommit
    return conn


@contextlib.contextmanager
def session(loc: Location, autocommit: bool = False) -> Iterator[psycopg2.extensions.connection]:
    """A connection that commits when the block succeeds, rolls back when it fails, and is always closed."""
    conn = connect(loc, autocommit=autocommit)
    try:
        with conn:
            yield conn
    except psycopg2.Error as error:
        raise IngestError(explain_error(loc, error)) from error
    finally:
        conn.close()


def table_columns(loc: Location, schema: str, tables: list[str]) -> dict[str, dict[str, str]]:
    """Each table's columns (in order) and their data types, as information_schema names them."""
    with session(loc) as conn, conn.cursor() as cur:
        cur.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = %s and table_name = any(%s) order by table_name, ordinal_position",
            (schema, tables),
        )
        columns: dict[str, dict[str, str]] = {}
        for table, column, data_type in cur.fetchall():
            columns.setdefault(table, {})[column] = data_type
    return columns


def create_tombstones_index(cur: psycopg2.extensions.cursor, schema: str, table: str) -> None:
    """A partial index on the tombstones of raw ``table`` (rows whose ``_deleted_at`` is set), if it is missing.

    The staging models of deletes, which the facts' post-hooks join on every build, read the tombstones through
    it: at SF 1 after 14 days, 17 k lineitem tombstones in 0.03 s, where a scan of 6 M raw lines took 1.6 s. A
    first load creates it on the empty table, before its copy (no tombstone, so the copy adds no entry); any
    other run, after its load (pipeline.ensure_raw_indexes).
    """
    cur.execute(
        sql.SQL("create index if not exists {} on {} (_deleted_at) where _deleted_at is not null").format(
            sql.Identifier(f"{table}__tombstones"), sql.Identifier(schema, table)
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python ingest/db.py",
        description="Manage the embedded PostgreSQL and print connection URLs.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    url = commands.add_parser("url", help="print a libpq URL (psql accepts it), starting the embedded server")
    url.add_argument("side", choices=["source", "warehouse"])
    url.add_argument(
        "--role",
        choices=roles.ROLES,
        help="connect as one of the project's roles (embedded warehouse; see ingest/roles.py)",
    )
    commands.add_parser("start", help="start the embedded server (and create both databases)")
    commands.add_parser("stop", help="stop the embedded server")
    commands.add_parser("status", help="say whether the embedded server runs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        if args.command == "url":
            loc = location(args.side)
            connect(loc).close()
            if args.role:
                loc = replace(loc, user=args.role, password="" if loc.embedded else loc.password)
            print(loc.url())
        elif args.command == "start":
            for side in ("source", "warehouse"):
                loc = location(side)
                if loc.embedded:
                    connect(loc).close()
                    log.info("%s ready: %s", side, loc.url())
                else:
                    log.info("%s is external (%s); nothing to start", side, loc.describe())
        elif args.command == "stop":
            log.info("embedded server stopped" if stop_embedded() else "embedded server was not running")
        elif args.command == "status":
            running = embedded_is_running()
            log.info("embedded server: %s", f"running on port {_running_port()}" if running else "not running")
            return 0 if running else 1
    except IngestError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
