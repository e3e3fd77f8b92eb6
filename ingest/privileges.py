"""What the user that runs ``python ingest/run.py`` (the loader) needs, checked before a run.

The grants themselves are written once, in ingest/roles.py (``loader_source_grants``,
``loader_warehouse_grants``): the project's own ``tpch_loader`` gets exactly them, and
``python ingest/run.py --print-grants`` prints them for the configured users and databases (the README's
*Privileges* section lists the same):

- source database: ``connect`` on the database, ``usage`` on schema ``tpch``, ``select`` on its tables; once
  the table owner has installed delete capture (``--print-delete-capture-sql``), ``usage`` on schema
  ``ingest_cdc`` and ``select`` on ``ingest_cdc.deleted_rows``;
- warehouse database: ``connect``, and ownership of ``raw_tpch`` and dlt's ``raw_tpch_staging`` (created
  ``authorization <loader>`` by a superuser: dlt adds columns and indexes, which only an owner may). A loader
  that has ``create`` on the database instead creates them itself. If another user owns them, they must be
  handed over (``alter schema ... owner to``, and each table).

:func:`check` runs before anything is written and names every missing privilege with the statement that
grants it, so a user without them gets one message, not a failure half-way through a load.
"""

from __future__ import annotations

from ingest.config import RAW_SCHEMA, SOURCE_SCHEMA, Location
from ingest.db import session
from ingest.errors import IngestError
from ingest.roles import (
    CDC_LOG,
    CDC_SCHEMA,
    loader_schemas,
    loader_source_grants,
    loader_warehouse_grants,
)

STAGING_SCHEMA = loader_schemas()[1]
"""Where dlt stages rows before merging them into raw."""


def source_grants(role: str, dbname: str) -> list[str]:
    """The loader's source grants, as statements ending in ';'."""
    return [f"{statement};" for statement in loader_source_grants(role, dbname)]


def warehouse_grants(role: str, dbname: str) -> list[str]:
    """The loader's warehouse grants, as statements ending in ';'."""
    return [f"{statement};" for statement in loader_warehouse_grants(role, dbname)]


def handover_sql(role: str) -> str:
    """Give existing raw schemas (made by another user) and their tables to the loader."""
    return "\n".join(
        f'alter schema {schema} owner to "{role}";\n'
        f"do $$ declare t record; begin for t in select tablename from pg_tables where schemaname = '{schema}' "
        f"loop execute format('alter table {schema}.%I owner to \"{role}\"', t.tablename); end loop; end $$;"
        for schema in (RAW_SCHEMA, STAGING_SCHEMA)
    )


def grants_sql(source: Location, warehouse: Location) -> str:
    """The whole list, as SQL for a superuser or the owners (what ``--print-grants`` prints)."""
    return (
        "\n".join(
            [
                f"-- in the source database '{source.dbname}', as the owner of its tables, after delete capture is "
                "installed (python ingest/run.py --print-delete-capture-sql):",
                *source_grants(source.user, source.dbname),
                f"-- in the warehouse database '{warehouse.dbname}', as a superuser:",
                *warehouse_grants(warehouse.user, warehouse.dbname),
                f"-- only if {RAW_SCHEMA} / {STAGING_SCHEMA} exist already, made by another user (as a superuser):",
                handover_sql(warehouse.user),
            ]
        )
        + "\n"
    )


def check(source: Location, warehouse: Location, tables: list[str]) -> None:
    """Raise IngestError naming every privilege the configured users lack, with the statement that grants it."""
    problems = _source_problems(source, tables) + _warehouse_problems(warehouse)
    if problems:
        raise IngestError(
            "missing privileges, nothing was written: "
            + "; ".join(problems)
            + ". `python ingest/run.py --print-grants` prints every grant the loader needs (README, 'Privileges')."
        )


def _source_problems(source: Location, tables: list[str]) -> list[str]:
    who = f"source user '{source.user}'"
    with session(source) as conn, conn.cursor() as cur:
        cur.execute(
            "select nsp.oid, has_schema_privilege(nsp.oid, 'USAGE') from pg_namespace as nsp where nsp.nspname = %s",
            (SOURCE_SCHEMA,),
        )
        row = cur.fetchone()
        if row is None:
            return []  # no schema at all: primary_keys() says which tables are missing
        if not row[1]:
            return [
                f"{who} may not use schema {SOURCE_SCHEMA} in '{source.dbname}' "
                f'(grant usage on schema {SOURCE_SCHEMA} to "{source.user}")'
            ]
        cur.execute(
            "select cls.relname from pg_class as cls where cls.relnamespace = %s and cls.relname = any(%s) "
            "and cls.relkind in ('r', 'p', 'v', 'm', 'f') and not has_table_privilege(cls.oid, 'SELECT') "
            "order by cls.relname",
            (row[0], tables),
        )
        unreadable = [name for (name,) in cur.fetchall()]
        problems = []
        if unreadable:
            problems.append(
                f"{who} may not read {', '.join(f'{SOURCE_SCHEMA}.{name}' for name in unreadable)} "
                f'(grant select on all tables in schema {SOURCE_SCHEMA} to "{source.user}")'
            )
        cur.execute("select to_regclass(%s)", (f"{CDC_SCHEMA}.{CDC_LOG}",))
        if cur.fetchone()[0] is not None:
            cur.execute(
                "select has_schema_privilege(%s, 'USAGE') and has_table_privilege(%s, 'SELECT')",
                (CDC_SCHEMA, f"{CDC_SCHEMA}.{CDC_LOG}"),
            )
            if not cur.fetchone()[0]:
                problems.append(
                    f"{who} may not read the delete log {CDC_SCHEMA}.{CDC_LOG} (grant usage on schema {CDC_SCHEMA} "
                    f'to "{source.user}"; grant select on {CDC_SCHEMA}.{CDC_LOG} to "{source.user}")'
                )
    return problems


def _warehouse_problems(warehouse: Location) -> list[str]:
    who = f"warehouse user '{warehouse.user}'"
    problems = []
    with session(warehouse) as conn, conn.cursor() as cur:
        cur.execute("select has_database_privilege(current_database(), 'CREATE')")
        may_create = cur.fetchone()[0]
        for schema in (RAW_SCHEMA, STAGING_SCHEMA):
            cur.execute(
                "select nsp.oid, pg_get_userbyid(nsp.nspowner), pg_has_role(nsp.nspowner, 'USAGE') "
                "from pg_namespace as nsp where nsp.nspname = %s",
                (schema,),
            )
            row = cur.fetchone()
            if row is None:
                if not may_create:
                    problems.append(
                        f"{who} may not create schema {schema} in '{warehouse.dbname}' (as a superuser: "
                        f'create schema if not exists {schema} authorization "{warehouse.user}")'
                    )
                continue
            oid, owner, owns = row
            cur.execute(
                "select count(*), min(cls.relname) from pg_class as cls where cls.relnamespace = %s "
                "and cls.relkind in ('r', 'p') and not pg_has_role(cls.relowner, 'USAGE')",
                (oid,),
            )
            foreign, example = cur.fetchone()
            if not owns or foreign:
                what = (
                    f"schema {schema} (owner '{owner}')"
                    if not owns
                    else (f"{foreign} table(s) of {schema}, e.g. {example},")
                )
                problems.append(
                    f"{what} belong(s) to another user, and dlt must own what it loads (adds columns "
                    f"and indexes); hand them to '{warehouse.user}' (the statements after "
                    f"'-- only if {RAW_SCHEMA}' in --print-grants)"
                )
    return problems
