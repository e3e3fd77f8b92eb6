"""The semantic layer answers with MetricFlow's own `mf query` what the source says.

On fresh databases (demo source at SF 0.01, one ingest, ``dbt build`` without the data tests, which the shared
scenario runs) the README's command, net revenue by month by market segment, and a second query of six more metrics
by year and customer region, run through the ``mf`` command line against the embedded PostgreSQL. Each answer is
compared, group by group, with the business definition computed here from the SOURCE tables (lineitem, orders,
customer, nation, region, partsupp), never from the models, with TPC-H's exact arithmetic (nothing rounded): net
revenue is l_extendedprice * (1 - l_discount), gross revenue that times (1 + l_tax), margin net revenue less unit
supply cost x quantity, the average discount the discounts' sum over the extended prices' sum. On day 0 no member
has changed, so the versions the star resolves at order time are the source's current rows.

Then two simulated days later (advance, ingest, build) the semi-additive inventory value by day must equal
the sum over the fact's rows of that day, and on the last simulated day the source's current stock.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from helpers import WITHOUT_DATA_TESTS, dbt, python, query, run

from ingest import roles
from ingest.config import ROOT, SOURCE_SCHEMA

pytestmark = pytest.mark.slow

NET = "lineitem.l_extendedprice * (1 - lineitem.l_discount)"
SOURCE_LINES = f"""
    select
        orders.o_orderdate as order_date,
        customer.c_mktsegment as market_segment,
        region.r_name as customer_region,
        orders.o_orderkey as order_id,
        lineitem.l_quantity as quantity,
        lineitem.l_extendedprice as extended_price,
        lineitem.l_extendedprice * lineitem.l_discount as discount_amount,
        {NET} as net_revenue,
        ({NET}) * (1 + lineitem.l_tax) as gross_revenue,
        ({NET}) - partsupp.ps_supplycost * lineitem.l_quantity as margin
    from {SOURCE_SCHEMA}.lineitem
    inner join {SOURCE_SCHEMA}.orders on lineitem.l_orderkey = orders.o_orderkey
    inner join {SOURCE_SCHEMA}.customer on orders.o_custkey = customer.c_custkey
    inner join {SOURCE_SCHEMA}.nation on customer.c_nationkey = nation.n_nationkey
    inner join {SOURCE_SCHEMA}.region on nation.n_regionkey = region.r_regionkey
    inner join {SOURCE_SCHEMA}.partsupp
        on lineitem.l_partkey = partsupp.ps_partkey and lineitem.l_suppkey = partsupp.ps_suppkey
"""


@pytest.fixture(scope="module")
def built(fresh_databases, tmp_path_factory):
    dbs = fresh_databases("semantic")
    run(python("demo/source.py", "init", "--scale-factor", "0.01"), dbs.env)
    run(python("ingest/run.py"), dbs.env)
    run(dbt("build", *WITHOUT_DATA_TESTS), dbs.env)
    return dbs, mf_project(tmp_path_factory.mktemp("mf_project"), dbs.dbt_target)


def mf_project(folder: Path, target: Path) -> Path:
    """The project as `mf` must see it: `mf` reads ./target/semantic_manifest.json, so a folder of links to
    the checkout whose `target` is this test's dbt target (its relations name this test's database)."""
    for entry in ROOT.iterdir():
        if entry.name not in ("target", ".git", ".venv", ".warehouse", "logs"):
            (folder / entry.name).symlink_to(entry)
    (folder / "target").symlink_to(target)
    return folder


def mf_query(dbs, project: Path, tmp_path: Path, metrics: list[str], group_by: list[str]) -> list[dict[str, str]]:
    out = tmp_path / "answer.csv"
    env = dbs.env | {"DBT_PROFILES_DIR": str(ROOT)}
    command = [
        str(Path(sys.executable).parent / "mf"),
        "query",
        "--metrics",
        ",".join(metrics),
        "--group-by",
        ",".join(group_by),
        "--csv",
        str(out),
        "--quiet",
    ]
    result = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0 and out.exists(), (
        f"{' '.join(command)} exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    with out.open() as handle:
        return list(csv.DictReader(handle))


def as_date(text: str) -> date:
    return date.fromisoformat(text[:10])


def compare(expected: dict, got: dict, tolerance: Decimal = Decimal("0.005")) -> None:
    assert set(got) == set(expected), (
        f"groups differ: only in mf {sorted(set(got) - set(expected))[:5]}, "
        f"only in the source {sorted(set(expected) - set(got))[:5]}"
    )
    wrong = [
        (key, expected[key], got[key])
        for key in expected
        if any(abs(Decimal(str(e)) - Decimal(str(g))) > tolerance for e, g in zip(expected[key], got[key], strict=True))
    ]
    assert not wrong, f"{len(wrong)} of {len(expected)} groups differ; first (group, source, mf): {wrong[:3]}"


def test_net_revenue_by_month_and_segment_is_the_sources(built, tmp_path):
    dbs, project = built
    rows = mf_query(dbs, project, tmp_path, ["net_revenue"], ["metric_time__month", "customer__market_segment"])
    got = {
        (as_date(row["metric_time__month"]), row["customer__market_segment"]): (Decimal(row["net_revenue"]),)
        for row in rows
    }
    expected = {
        (month, segment): (net,)
        for month, segment, net in query(
            dbs.source,
            f"""
            select date_trunc('month', order_date)::date, market_segment, sum(net_revenue)
            from ({SOURCE_LINES}) as lines group by 1, 2""",
        )
    }
    assert len(expected) > 300, f"only {len(expected)} month x segment groups in the source"
    compare(expected, got)


def test_six_metrics_by_year_and_customer_region_are_the_sources(built, tmp_path):
    dbs, project = built
    metrics = ["gross_revenue", "margin", "quantity", "average_discount", "order_line_count", "order_count"]
    rows = mf_query(dbs, project, tmp_path, metrics, ["metric_time__year", "customer__customer_geography__region_name"])
    got = {
        (as_date(row["metric_time__year"]).year, row["customer__customer_geography__region_name"]): tuple(
            Decimal(row[metric]) for metric in metrics
        )
        for row in rows
    }
    expected = {
        (int(year), region): (gross, margin, quantity, discount, lines, orders)
        for year, region, gross, margin, quantity, discount, lines, orders in query(
            dbs.source,
            f"""
            with lines as ({SOURCE_LINES}),
            by_lines as (
                select extract(year from order_date) as order_year, customer_region,
                    sum(gross_revenue) as gross, sum(margin) as margin, sum(quantity) as quantity,
                    sum(discount_amount) / sum(extended_price) as discount, count(*) as line_count
                from lines group by 1, 2
            ),
            by_orders as (
                select extract(year from orders.o_orderdate) as order_year, region.r_name as customer_region,
                    count(*) as order_count
                from {SOURCE_SCHEMA}.orders
                inner join {SOURCE_SCHEMA}.customer on orders.o_custkey = customer.c_custkey
                inner join {SOURCE_SCHEMA}.nation on customer.c_nationkey = nation.n_nationkey
                inner join {SOURCE_SCHEMA}.region on nation.n_regionkey = region.r_regionkey
                group by 1, 2
            )
            select by_lines.*, by_orders.order_count
            from by_lines inner join by_orders using (order_year, customer_region)""",
        )
    }
    assert len(expected) == 7 * 5, f"expected 7 years x 5 regions, the source has {len(expected)} groups"
    compare(expected, got, tolerance=Decimal("0.000001"))


def overview_queries() -> list[str]:
    """The example questions' SQL on the docs site's overview (models/overview.md), in order."""
    text = (ROOT / "models" / "overview.md").read_text()
    return re.findall(r"```sql\n(.*?)```", text, flags=re.DOTALL)


def test_the_overviews_example_questions_run_as_the_reporter(built):
    """The three questions on the overview run for the reporter role; the first equals the source's figures."""
    dbs, _ = built
    queries = overview_queries()
    assert len(queries) == 3, f"the overview should show three example questions, found {len(queries)}"
    reporter = replace(dbs.warehouse, user=roles.REPORTER, password="")
    answers = [query(reporter, text) for text in queries]
    assert all(answers), "every example question should return rows at SF 0.01"
    expected = {
        (segment, month): net
        for month, segment, net in query(
            dbs.source,
            f"""
            select date_trunc('month', order_date)::date, market_segment, sum(net_revenue)
            from ({SOURCE_LINES}) as lines where extract(year from order_date) = 1998 group by 1, 2""",
        )
    }
    assert {(segment, month): net for segment, month, net in answers[0]} == expected


def test_inventory_value_is_semi_additive_over_days(built, tmp_path):
    dbs, project = built
    run(python("demo/source.py", "advance", "--days", "2"), dbs.env)
    run(python("ingest/run.py"), dbs.env)
    run(dbt("build", *WITHOUT_DATA_TESTS), dbs.env)
    by_day = {
        as_date(row["metric_time__day"]): Decimal(row["inventory_value"])
        for row in mf_query(dbs, project, tmp_path, ["inventory_value"], ["metric_time__day"])
    }
    assert len(by_day) >= 2, f"expected a row per simulated day, mf gave {by_day}"
    fact = dict(
        query(
            dbs.warehouse,
            """
        select to_date(date_key::text, 'YYYYMMDD'), sum(inventory_value)
        from marts.fct_inventory_daily group by 1""",
        )
    )
    assert by_day == fact
    (stock_now,) = query(dbs.source, f"select sum(ps_availqty * ps_supplycost) from {SOURCE_SCHEMA}.partsupp")[0]
    last_day = max(by_day)
    assert by_day[last_day] == stock_now, f"inventory value on {last_day}: mf {by_day[last_day]}, source {stock_now}"
    (month_row,) = mf_query(dbs, project, tmp_path, ["inventory_value"], ["metric_time__month"])
    assert Decimal(month_row["inventory_value"]) == by_day[last_day], "a month's value must be its last day's"
