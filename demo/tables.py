"""The demo source's tables: the TPC-H DDL, its keys and column types, and the mark of a demo source.

Shared by the generator (demo/source.py), the truth log (demo/truth_log.py) and the simulator
(demo/simulator.py), so none of them imports another for these.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import psycopg2

from ingest.config import TABLES, Location
from ingest.errors import IngestError

DEMO_SCHEMA = "demo"

COLUMNS: dict[str, str] = {
    "region": """
        r_regionkey integer not null,
        r_name varchar(25) not null,
        r_comment varchar(152),
        primary key (r_regionkey)""",
    "nation": """
        n_nationkey integer not null,
        n_name varchar(25) not null,
        n_regionkey integer not null,
        n_comment varchar(152),
        primary key (n_nationkey)""",
    "supplier": """
        s_suppkey integer not null,
        s_name varchar(25) not null,
        s_address varchar(40) not null,
        s_nationkey integer not null,
        s_phone varchar(15) not null,
        s_acctbal numeric(15, 2) not null,
        s_comment varchar(101),
        primary key (s_suppkey)""",
    "customer": """
        c_custkey integer not null,
        c_name varchar(25) not null,
        c_address varchar(40) not null,
        c_nationkey integer not null,
        c_phone varchar(15) not null,
        c_acctbal numeric(15, 2) not null,
        c_mktsegment varchar(10) not null,
        c_comment varchar(117),
        primary key (c_custkey)""",
    "part": """
        p_partkey integer not null,
        p_name varchar(55) not null,
        p_mfgr varchar(25) not null,
        p_brand varchar(10) not null,
        p_type varchar(25) not null,
        p_size integer not null,
        p_container varchar(10) not null,
        p_retailprice numeric(15, 2) not null,
        p_comment varchar(23),
        primary key (p_partkey)""",
    "partsupp": """
        ps_partkey integer not null,
        ps_suppkey integer not null,
        ps_availqty integer not null,
        ps_supplycost numeric(15, 2) not null,
        ps_comment varchar(199),
        primary key (ps_partkey, ps_suppkey)""",
    "orders": """
        o_orderkey bigint not null,
        o_custkey integer not null,
        o_orderstatus varchar(1) not null,
        o_totalprice numeric(15, 2) not null,
        o_orderdate date not null,
        o_orderpriority varchar(15) not null,
        o_clerk varchar(15) not null,
        o_shippriority integer not null,
        o_comment varchar(79),
        primary key (o_orderkey)""",
    "lineitem": """
        l_orderkey bigint not null,
        l_partkey integer not null,
        l_suppkey integer not null,
        l_linenumber integer not null,
        l_quantity numeric(15, 2) not null,
        l_extendedprice numeric(15, 2) not null,
        l_discount numeric(15, 2) not null,
        l_tax numeric(15, 2) not null,
        l_returnflag varchar(1) not null,
        l_linestatus varchar(1) not null,
        l_shipdate date,
        l_commitdate date not null,
        l_receiptdate date,
        l_shipinstruct varchar(25) not null,
        l_shipmode varchar(10) not null,
        l_comment varchar(44),
        primary key (l_orderkey, l_linenumber)""",
}
"""Business columns and primary key of each table; created_at/updated_at are added to all of them."""

PRIMARY_KEYS: dict[str, list[str]] = {
    table: re.search(r"primary key \(([^)]*)\)", columns).group(1).replace(" ", "").split(",")  # type: ignore[union-attr]
    for table, columns in COLUMNS.items()
}
"""Primary key columns of each tpch table, read from the DDL in COLUMNS."""

COLUMN_TYPES: dict[str, dict[str, str]] = {
    table: {
        match.group(1): match.group(2)
        for match in re.finditer(r"^\s*(\w+) (.+?)(?: not null)?,?$", columns, re.MULTILINE)
        if match.group(1) != "primary"
    }
    for table, columns in COLUMNS.items()
}
"""Column name -> SQL type of each tpch table (business columns), read from COLUMNS."""


def is_demo_source(cur: psycopg2.extensions.cursor) -> bool:
    """True when ``demo.settings`` exists, i.e. ``init`` created this database's source tables."""
    cur.execute("select to_regclass(%s) is not null", (f"{DEMO_SCHEMA}.settings",))
    return bool(cur.fetchone()[0])


def require_demo_source(cur: psycopg2.extensions.cursor, loc: Location) -> None:
    """Raise IngestError unless the demo source created this database's tpch schema (demo.settings exists)."""
    if not is_demo_source(cur):
        raise IngestError(
            f"the {loc.describe()} was not created by the demo source (no {DEMO_SCHEMA}.settings table): "
            f"the simulator refuses to change a source it did not create. "
            f"Create one with `python demo/source.py init`."
        )


def check_tables(tables: Iterable[str], known: Iterable[str] = TABLES) -> list[str]:
    """Return ``tables`` as a list, or raise IngestError naming every unknown table and the known ones."""
    names = list(tables)
    allowed = list(known)
    unknown = [name for name in names if name not in allowed]
    if unknown:
        raise IngestError(
            f"unknown table{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}: "
            f"expected one of {', '.join(allowed)}"
        )
    return names
