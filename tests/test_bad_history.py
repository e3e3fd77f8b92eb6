"""A way back from a bad history: a snapshot that holds a wrong version is repaired by the documented command.

On fresh databases after a demo source at SF 0.01, one clean ingest and one ``dbt build``. A module of its own
(its builds do not wait for tests/test_bad_data.py's): pytest-xdist runs it beside that module.
"""

from __future__ import annotations

import pytest
from breakage import build
from helpers import dbt, execute, query, run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(landed):
    """The landed databases after one ``dbt build``: raw, snapshots and marts all hold rows."""
    build(landed)
    return landed


def test_a_wrong_version_in_a_snapshot_is_repaired_by_the_documented_command(built):
    """The issue's stuck state: a snapshot holds a bad version (here planted by hand) and every build fails.
    `dbt run-operation repair_snapshot` removes it, the rebuild is green, the history is whole again."""
    (customer,) = query(
        built.warehouse,
        "select customer_id from snapshots.snp_tpch__customer "
        "where dbt_valid_to = '9999-12-31' order by customer_id limit 1",
    )
    execute(
        built.warehouse,
        "update snapshots.snp_tpch__customer set market_segment = 'BOGUS' "
        "where customer_id = %s and dbt_valid_to = '9999-12-31'",
        customer,
    )
    code, output = build(built, "--select", "dim_customer", check=False)
    assert code != 0 and "accepted_values_dim_customer_market_segment" in output, output[-3000:]
    result = run(dbt("run-operation", "repair_snapshot", "--args", "{table: customer}"), built.env)
    assert "repair_snapshot: removed 1 version(s)" in result.stdout, result.stdout
    code, output = build(built, "--select", "snp_tpch__customer+", "--full-refresh", check=False)
    assert code == 0, output[-5000:]
    assert query(
        built.warehouse, "select count(*) from snapshots.snp_tpch__customer where market_segment = 'BOGUS'"
    ) == [(0,)]
    assert query(
        built.warehouse,
        "select count(*) from snapshots.snp_tpch__customer where customer_id = %s and dbt_valid_to = '9999-12-31'",
        customer,
    ) == [(1,)]
