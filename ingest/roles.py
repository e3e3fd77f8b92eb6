"""The warehouse's least-privilege roles and their grants: the one place that lists them.

=================  ===========================================================================================
role               may
=================  ===========================================================================================
``tpch_loader``    write ``raw_tpch`` (and ``raw_tpch_staging``, dlt's merge scratch schema): it owns both.
                   Nothing else: no ``create`` on the database, no access to any dbt schema. Its grants
                   are the ones any loader needs (``loader_source_grants``, ``loader_warehouse_grants``:
                   ``python ingest/run.py --print-grants`` prints them, ingest/privileges.py checks them).
``tpch_transformer``  read ``raw_tpch`` (usage, select on every table, also on tables the loader creates
                   later); create the dbt schemas (``create`` on the database) and own everything in them.
``tpch_reporter``  read ``marts`` and ``ssb`` only (usage on the two schemas, select on their relations),
                   except the personal-data columns (``meta: {pii: true}`` in the models' YAML): for those
                   models it gets column privileges on the other columns only. dbt grants this after each
                   model builds (macro ``grant_select_to_reporter``, dbt_project.yml).
=================  ===========================================================================================

On the embedded server the project creates the roles and grants them itself (``provision``, run as the
superuser whenever the ingest or ``python ingest/db.py start`` prepares the warehouse database), and the
ingest connects as ``tpch_loader`` and dbt as ``tpch_transformer`` unless ``WAREHOUSE_USER``/``PGUSER`` names
another user. The roles log in without a password on the loopback interface (like ``postgres``: the embedded
server is a local development database). On your own server, ``python ingest/roles.py sql`` prints the same
statements for a database owner to run (set the passwords there).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from dataclasses import replace
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg2
from psycopg2 import sql

from ingest.config import RAW_SCHEMA, SOURCE_SCHEMA, Location, location

log = logging.getLogger(__name__)

LOADER = "tpch_loader"
TRANSFORMER = "tpch_transformer"
REPORTER = "tpch_reporter"
ROLES = (LOADER, TRANSFORMER, REPORTER)
"""The project's roles (dbt_project.yml's var ``reporter_role`` names the reporter too; a test checks)."""

EMBEDDED_SUPERUSER = "postgres"
"""The embedded server's superuser (initdb -U postgres), trusted on the loopback interface."""

DBT_SCHEMAS = ("staging", "intermediate", "quarantine", "snapshots", "seeds", "marts", "ssb", "semantic", "analytics")
"""The schemas dbt builds (dbt_project.yml's +schema settings and the profile's own schema): the transformer's."""
REPORTING_SCHEMAS = ("marts", "ssb")
"""What the reporter may read."""


CDC_SCHEMA = "ingest_cdc"
CDC_LOG = "deleted_rows"
"""Delete capture's log in the source (ingest/deletes.py, which uses these names)."""


def loader_schemas() -> tuple[str, str]:
    """raw_tpch and dlt's staging schema for its merges (``<dataset>_staging``)."""
    return RAW_SCHEMA, f"{RAW_SCHEMA}_staging"


def _ident(name: str) -> str:
    """A quoted SQL identifier (statements are printed for a DBA too, so no connection does the quoting)."""
    return '"' + name.replace('"', '""') + '"'


def loader_source_grants(role: str, dbname: str) -> list[str]:
    """What a loader needs in the source database (run by the owner of its tables, after delete capture is
    installed with ``python ingest/run.py --print-delete-capture-sql``): read the tables and the delete log."""
    who = _ident(role)
    return [
        f"grant connect on database {_ident(dbname)} to {who}",
        f"grant usage on schema {_ident(SOURCE_SCHEMA)} to {who}",
        f"grant select on all tables in schema {_ident(SOURCE_SCHEMA)} to {who}",
        f"grant usage on schema {_ident(CDC_SCHEMA)} to {who}",
        f"grant select on {_ident(CDC_SCHEMA)}.{_ident(CDC_LOG)} to {who}",
    ]


def loader_warehouse_grants(role: str, dbname: str) -> list[str]:
    """What a loader needs in the warehouse database (run as a superuser): connect, and own raw_tpch and dlt's
    staging schema (dlt adds columns and indexes, which only an owner may). No ``create`` on the database."""
    who = _ident(role)
    return [f"grant connect on database {_ident(dbname)} to {who}"] + [
        f"create schema if not exists {_ident(schema)} authorization {who}" for schema in loader_schemas()
    ]


def grant_statements(dbname: str) -> list[str]:
    """Every statement that creates the roles and grants them their privileges in ``dbname``, in order.

    Idempotent: safe to run again. Run it as a superuser or as the owner of the database (with
    ``createrole``). The reporter's select privileges on the marts and ssb relations are granted by dbt
    after each build, where the column list of each model is known.
    """
    database = _ident(dbname)
    raw = _ident(RAW_SCHEMA)
    loader, transformer, reporter = (_ident(role) for role in ROLES)
    statements = [
        f"do $$ begin if not exists (select from pg_roles where rolname = '{role}') then "
        f"create role {_ident(role)} login; end if; end $$"
        for role in ROLES
    ]
    # loader: owns raw_tpch and dlt's staging schema, nothing else (the grants any loader needs)
    statements += loader_warehouse_grants(LOADER, dbname)
    statements += [
        f"grant connect on database {database} to {transformer}, {reporter}",
        # transformer: reads raw (also the tables the loader creates later), creates the dbt schemas
        f"grant usage on schema {raw} to {transformer}",
        f"grant select on all tables in schema {raw} to {transformer}",
        f"alter default privileges for role {loader} in schema {raw} grant select on tables to {transformer}",
        f"grant create on database {database} to {transformer}",
    ]
    return statements


def _explicit_user(side: str) -> bool:
    return any(os.environ.get(name) for name in (f"{side.upper()}_USER", "PGUSER"))


def as_role(loc: Location, role: str) -> Location:
    """``loc`` with ``role`` as its user on the embedded server when no user was set; else ``loc`` unchanged."""
    if loc.embedded and not _explicit_user(loc.side):
        return replace(loc, user=role, password="")
    return loc


def admin(loc: Location) -> Location:
    """The embedded server's superuser on ``loc``'s database (for provisioning)."""
    return replace(loc, user=EMBEDDED_SUPERUSER, password="")


def provision(loc: Location) -> None:
    """On the embedded server: create the roles, grant them in ``loc``'s database and hand them what they own.

    Runs as the superuser, once per process and database: its one caller, db.ensure_database, remembers the
    databases it has ensured. Schemas an older version of the project created as
    the superuser (raw_tpch, the dbt schemas) are handed to their role, with everything in them, so an
    existing warehouse keeps working. What another user owns stays theirs (a loader of your own, given the
    loader's grants, owns raw_tpch instead of ``tpch_loader``).
    """
    if not loc.embedded or loc.side != "warehouse" or loc.dbname == "postgres":
        return
    with contextlib.closing(psycopg2.connect(**admin(loc).connect_kwargs())) as conn:
        conn.autocommit = True
        with conn.cursor() as cur:
            # Roles are cluster-wide; two databases provisioned at once may race on them (a unique violation).
            cur.execute("select pg_advisory_lock(hashtext('tpch_warehouse roles'))")
            try:
                for statement in grant_statements(loc.dbname):
                    cur.execute(statement)
                for schema in loader_schemas():
                    _hand_over(cur, schema, LOADER)
                for schema in DBT_SCHEMAS:
                    _hand_over(cur, schema, TRANSFORMER)
                cur.execute(sql.SQL("alter database {} set timezone to 'UTC'").format(sql.Identifier(loc.dbname)))
            finally:
                cur.execute("select pg_advisory_unlock(hashtext('tpch_warehouse roles'))")


def _hand_over(cur: psycopg2.extensions.cursor, schema: str, role: str) -> None:
    """Make ``role`` the owner of ``schema`` and of every relation in it that the superuser owns (what an older
    version of the project created), if the schema exists. Another user's schema is left alone."""
    cur.execute("select pg_get_userbyid(nspowner) from pg_namespace where nspname = %s", (schema,))
    row = cur.fetchone()
    if row is None or row[0] not in (role, EMBEDDED_SUPERUSER):
        return
    if row[0] != role:
        cur.execute(sql.SQL("alter schema {} owner to {}").format(sql.Identifier(schema), sql.Identifier(role)))
    cur.execute(
        """
        select cls.relname, cls.relkind from pg_class as cls
        inner join pg_namespace as nsp on nsp.oid = cls.relnamespace
        where nsp.nspname = %s and cls.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
            and pg_get_userbyid(cls.relowner) = %s""",
        (schema, EMBEDDED_SUPERUSER),
    )
    kinds = {"v": "view", "m": "materialized view", "S": "sequence", "f": "foreign table"}
    for name, kind in cur.fetchall():
        cur.execute(
            sql.SQL("alter {} {}.{} owner to {}").format(
                sql.SQL(kinds.get(kind, "table")), sql.Identifier(schema), sql.Identifier(name), sql.Identifier(role)
            )
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python ingest/roles.py", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    printer = commands.add_parser("sql", help="print the SQL that creates the roles and grants them (for a DBA)")
    printer.add_argument("--dbname", default=None, help="the warehouse database (default: as configured)")
    commands.add_parser("list", help="print each role and what it may do")
    args = parser.parse_args(argv)
    if args.command == "sql":
        dbname = args.dbname or location("warehouse").dbname
        print(f"-- Least-privilege roles of the TPC-H warehouse, for database {dbname}. Run as a superuser (or an")
        print("-- owner with createrole who may act as tpch_loader), then give each role a password:")
        print("-- alter role <role> password '...';")
        print(";\n".join(grant_statements(dbname)) + ";")
    else:
        print(__doc__.split("\n\n")[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
