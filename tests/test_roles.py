"""The least-privilege roles on a real server: each can do its job and none can do another's.

On fresh databases of the embedded server, the ingest runs as it does by default (as ``tpch_loader``) and
``dbt build`` too (as ``tpch_transformer``): that they succeed is the proof that each role's grants are enough
for its job. Then each role tries what it must not do and is refused by PostgreSQL: the loader cannot write
(or even read) the marts, the transformer cannot write raw, the reporter cannot read raw or staging, and
cannot read a single personal-data column (every column marked ``meta: {pii: true}`` in the manifest), while
it reads every other column of marts and ssb and runs the 13 SSB queries.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace

import psycopg2
import pytest
from helpers import dbt, python, query, run

from ingest import roles
from ingest.config import RAW_SCHEMA, ROOT

pytestmark = pytest.mark.slow

SSB_FOLDER = ROOT / "tests" / "ssb_queries"


@pytest.fixture(scope="module")
def built(fresh_databases):
    """Demo source, ingest and dbt build with the default users (the loader and the transformer)."""
    dbs = fresh_databases("roles")
    env = {name: value for name, value in dbs.env.items() if name not in ("WAREHOUSE_USER", "PGUSER")}
    run(python("demo/source.py", "init", "--scale-factor", "0.01"), env)
    run(python("ingest/run.py"), env)
    run(dbt("build"), env)
    manifest = json.loads((dbs.dbt_target / "manifest.json").read_text())
    return dbs, manifest


def attempt(dbs, role: str, statement: str) -> str | None:
    """Run ``statement`` as ``role`` in a transaction that is rolled back; the error text, or None if it ran."""
    loc = replace(dbs.warehouse, user=role, password="")
    conn = psycopg2.connect(**loc.connect_kwargs())
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
            if cur.description:
                cur.fetchall()
        return None
    except psycopg2.Error as error:
        return str(error).strip().splitlines()[0]
    finally:
        conn.rollback()
        conn.close()


def denied(dbs, role: str, statement: str) -> None:
    error = attempt(dbs, role, statement)
    assert error is not None, f"{role} was allowed: {statement}"
    assert "permission denied" in error, f"{role}: expected a permission error for {statement!r}, got {error}"


def allowed(dbs, role: str, statement: str) -> None:
    error = attempt(dbs, role, statement)
    assert error is None, f"{role} was refused {statement!r}: {error}"


def test_ingest_and_build_ran_as_the_roles(built):
    dbs, _ = built
    owners = dict(
        query(
            dbs.warehouse,
            """
        select nspname, pg_get_userbyid(nspowner) from pg_namespace
        where nspname in ('raw_tpch', 'staging', 'snapshots', 'marts', 'ssb')""",
        )
    )
    assert owners == {
        RAW_SCHEMA: roles.LOADER,
        "staging": roles.TRANSFORMER,
        "snapshots": roles.TRANSFORMER,
        "marts": roles.TRANSFORMER,
        "ssb": roles.TRANSFORMER,
    }
    table_owners = dict(
        query(
            dbs.warehouse,
            """
        select schemaname, string_agg(distinct tableowner, ',') from pg_tables
        where schemaname in ('raw_tpch', 'snapshots', 'marts') group by schemaname""",
        )
    )
    assert table_owners == {RAW_SCHEMA: roles.LOADER, "snapshots": roles.TRANSFORMER, "marts": roles.TRANSFORMER}
    (lines,) = query(dbs.warehouse, "select count(*) from marts.fct_order_lines")[0]
    assert lines > 0


def test_loader_writes_raw_only(built):
    dbs, _ = built
    allowed(dbs, roles.LOADER, f"update {RAW_SCHEMA}.region set r_comment = r_comment")
    denied(dbs, roles.LOADER, "insert into marts.dim_geography (geography_key) values (1)")
    denied(dbs, roles.LOADER, "select count(*) from marts.fct_order_lines")
    denied(dbs, roles.LOADER, "select count(*) from staging.stg_tpch__orders")
    denied(dbs, roles.LOADER, "create schema loader_was_here")


def test_transformer_reads_raw_and_cannot_write_it(built):
    dbs, _ = built
    allowed(dbs, roles.TRANSFORMER, f"select count(*) from {RAW_SCHEMA}.orders")
    allowed(dbs, roles.TRANSFORMER, "create schema transformer_scratch")
    denied(dbs, roles.TRANSFORMER, f"update {RAW_SCHEMA}.region set r_comment = r_comment")
    denied(dbs, roles.TRANSFORMER, f"insert into {RAW_SCHEMA}.region (r_regionkey) values (99)")


def test_reporter_reads_marts_and_ssb_only(built):
    dbs, _ = built
    allowed(dbs, roles.REPORTER, "select count(*) from marts.fct_order_lines")
    allowed(dbs, roles.REPORTER, "select count(*) from ssb.lineorder")
    denied(dbs, roles.REPORTER, f"select count(*) from {RAW_SCHEMA}.orders")
    denied(dbs, roles.REPORTER, "select count(*) from staging.stg_tpch__orders")
    denied(dbs, roles.REPORTER, "select count(*) from snapshots.snp_tpch__customer")
    denied(dbs, roles.REPORTER, "update marts.dim_geography set nation_name = nation_name")


def personal_columns(manifest: dict) -> dict[tuple[str, str], list[str]]:
    """(schema, relation) -> its columns marked meta pii, for every marts and ssb model."""
    found = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["schema"] in roles.REPORTING_SCHEMAS:
            found[(node["schema"], node["alias"])] = [
                name for name, column in node["columns"].items() if column.get("meta", {}).get("pii")
            ]
    return found


def test_personal_data_is_marked_where_the_issue_says(built):
    _, manifest = built
    marked = personal_columns(manifest)
    assert set(marked[("marts", "dim_customer")]) >= {"customer_name", "customer_address", "phone_number"}
    assert set(marked[("ssb", "customer")]) >= {"c_name", "c_address", "c_phone"}


def test_reporter_is_refused_every_personal_column_and_reads_the_others(built):
    dbs, manifest = built
    checked = 0
    for (schema, relation), personal in personal_columns(manifest).items():
        columns = [
            name
            for (name,) in query(
                dbs.warehouse,
                """
            select column_name from information_schema.columns where table_schema = %s and table_name = %s
            order by ordinal_position""",
                (schema, relation),
            )
        ]
        assert columns, f"{schema}.{relation} has no columns"
        for column in columns:
            statement = f'select "{column}" from {schema}."{relation}" limit 1'
            if column in personal:
                denied(dbs, roles.REPORTER, statement)
            else:
                allowed(dbs, roles.REPORTER, statement)
            checked += 1
    assert checked > 100, f"only {checked} columns checked"


@pytest.mark.parametrize("name", sorted(path.stem for path in SSB_FOLDER.glob("q*.sql")))
def test_reporter_runs_the_ssb_queries(built, name):
    dbs, _ = built
    text = (SSB_FOLDER / f"{name}.sql").read_text()
    allowed(dbs, roles.REPORTER, f"set local search_path to ssb; {text}")


def test_dbt_and_the_roles_module_name_the_same_reporter():
    project = (ROOT / "dbt_project.yml").read_text()
    assert re.search(rf"^\s+reporter_role: {roles.REPORTER}\s*$", project, re.MULTILINE), (
        f"dbt_project.yml's var reporter_role must be {roles.REPORTER} (ingest/roles.py)"
    )


def test_the_printed_sql_for_an_external_server_creates_every_role():
    result = run(python("ingest/roles.py", "sql", "--dbname", "analytics"), dict(os.environ))
    for role in roles.ROLES:
        assert f'create role "{role}" login' in result.stdout
    assert 'grant create on database "analytics" to "tpch_transformer"' in result.stdout
    assert 'create schema if not exists "raw_tpch" authorization "tpch_loader"' in result.stdout
