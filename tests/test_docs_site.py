"""The documentation site, as a newcomer sees it: served over HTTP and opened in headless Chromium.

On fresh databases (demo source at SF 0.01, one ingest, ``dbt build`` of every model, snapshot and seed) the
test runs ``dbt docs generate`` and ``python docs/erd.py`` (what ``python3 quickstart.py`` does), serves the
target folder with a static HTTP server (what ``dbt docs serve`` does) and drives Debian's ``chromium``
through ``chromedriver`` (selenium). It checks that the overview is the project's (the bus matrix, the example
questions), that the ERD image loaded (``naturalWidth > 0``) on the overview and on each fact's page, that a
fact's page shows its owner, its enforced contract, its columns and a personal-data column's ``pii`` meta, that
the lineage graph opens and draws, and that no page logs a JavaScript error. Screenshots are saved in the
test's temporary folder.

Without Chromium the test FAILS and says how to install it (``.ci/run`` installs it first).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers import dbt, python, run

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
INSTALL_HINT = (
    "the docs-site test needs Debian's Chromium and its driver: "
    "apt-get update && apt-get install -y chromium chromium-driver (.ci/run does this)"
)
FACTS = ("fct_order_lines", "fct_orders", "fct_inventory_daily")
ERD = Path("docs") / "assets" / "erd"
KNOWN_DBT_DOCS_404 = ("getIcon(", "favicon")
"""URLs dbt-docs itself requests unrendered (an icon template, a favicon): its own 404s, not the project's."""


def browser_paths() -> tuple[str, str]:
    found = [
        shutil.which(name) or (path if Path(path).exists() else None)
        for name, path in (("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER))
    ]
    if not all(found):
        pytest.fail(f"Chromium or chromedriver is missing ({found}): {INSTALL_HINT}")
    return found[0], found[1]


@pytest.fixture(scope="module")
def site(fresh_databases, tmp_path_factory) -> Path:
    """The generated docs site (dbt's target folder with the ERD images in it)."""
    dbs = fresh_databases("docs")
    run(python("demo/source.py", "init", "--scale-factor", "0.01"), dbs.env)
    run(python("ingest/run.py"), dbs.env)
    run(dbt("build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"), dbs.env)
    run(dbt("docs", "generate"), dbs.env)
    run(python("docs/erd.py", "--asset-dir", str(tmp_path_factory.mktemp("erd"))), dbs.env)
    return dbs.dbt_target


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    chromium, chromedriver = browser_paths()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--window-size=1600,1200",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingOptions", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(chromedriver))
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(condition: Callable[[], object], what: str, timeout: float = 30) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            value = condition()
            if value:
                return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def open_page(browser, served: str, fragment: str, text: str, screenshot: Path) -> str:
    """Open a page of the site, wait until it shows ``text``; the page's visible text."""
    browser.get(f"{served}#!/{fragment}")
    body = wait_for(
        lambda: (
            (browser.execute_script("return document.body.innerText") or "")
            if text in (browser.execute_script("return document.body.innerText") or "")
            else None
        ),
        f"{text!r} on #!/{fragment}",
    )
    browser.save_screenshot(str(screenshot))
    return body


def image_width(browser, name: str) -> int:
    """The naturalWidth of the page's <img> whose src ends with ``name``, once loaded (0 if it is broken)."""
    find = "return Array.from(document.images).find(i => i.src.endsWith(arguments[0]))"
    wait_for(lambda: browser.execute_script(f"{find}?.complete", name), f"the image {name} on the page")
    return browser.execute_script(f"{find}.naturalWidth", name)


def problems(browser) -> list[str]:
    """JavaScript errors and failed loads the page logged, apart from dbt-docs' own known 404s."""
    found = []
    for entry in browser.get_log("browser"):
        if entry["level"] != "SEVERE":
            continue
        if entry["source"] == "network" and any(known in entry["message"] for known in KNOWN_DBT_DOCS_404):
            continue
        found.append(f"{entry['source']}: {entry['message']}")
    return found


def test_overview_is_the_projects(browser, served, tmp_path):
    text = open_page(browser, served, "overview", "The TPC-H wholesale warehouse", tmp_path / "overview.png")
    for expected in (
        "How the data flows",
        "The bus matrix",
        "accumulating snapshot",
        "Special members",
        "Querying it: three example questions",
        "Who owns what",
        "Where to go next",
    ):
        assert expected in text, f"{expected!r} missing from the overview"
    assert "Welcome!" not in text, "the overview is still dbt's stock page"
    assert image_width(browser, "docs/assets/erd/star.svg") > 0, "the ERD of the star did not load"
    assert problems(browser) == []


@pytest.mark.parametrize("fact", FACTS)
def test_a_facts_page_shows_owner_contract_columns_and_its_erd(browser, served, tmp_path, fact):
    text = open_page(browser, served, f"model/model.tpch_warehouse.{fact}", "Columns", tmp_path / f"{fact}.png")
    assert "Analytics Engineering team <analytics-engineering@example.com>" in text, "no owner on the page"
    assert "CONTRACT" in text.upper() and "Enforced" in text, "the enforced contract is not shown"
    assert "ACCESS" in text.upper() and "public" in text
    assert "date_key" in text, "the fact's columns are not listed"
    assert image_width(browser, f"docs/assets/erd/{fact}.svg") > 0, f"the ERD of {fact} did not load"
    assert problems(browser) == []


def test_a_personal_data_column_shows_its_pii_meta(browser, served, tmp_path):
    open_page(
        browser, served, "model/model.tpch_warehouse.dim_customer", "customer_name", tmp_path / "dim_customer.png"
    )
    row = wait_for(
        lambda: next(
            element
            for element in browser.find_elements("css selector", "tr")
            if element.text.startswith("customer_name")
        ),
        "the customer_name row",
    )
    row.click()
    # The column's details list its meta as "PII true" (dbt-docs upper-cases meta keys on screen).
    meta = re.compile(r"customer_name\s+text\s+Details\s+PII\s+true", re.IGNORECASE)
    wait_for(
        lambda: meta.search(browser.execute_script("return document.body.innerText")),
        "customer_name's details showing its pii meta",
    )
    browser.save_screenshot(str(tmp_path / "dim_customer_column.png"))
    assert problems(browser) == []


def test_lineage_graph_opens(browser, served, tmp_path):
    open_page(browser, served, "model/model.tpch_warehouse.fct_order_lines", "Columns", tmp_path / "before.png")
    browser.find_element("css selector", ".launcher-btn").click()
    size = wait_for(
        lambda: browser.execute_script(
            "const canvases = Array.from(document.querySelectorAll('.launcher canvas'));"
            "const drawn = canvases.filter(c => c.width > 0 && c.height > 0);"
            "return drawn.length ? [drawn[0].width, drawn[0].height] : null;"
        ),
        "the lineage graph's canvas",
    )
    time.sleep(1)
    browser.save_screenshot(str(tmp_path / "lineage.png"))
    assert size[0] > 100 and size[1] > 100, f"the lineage graph is {size}"
    selection = browser.execute_script(
        "return Array.from(document.querySelectorAll('.launcher input')).map(i => i.value).join(' ')"
    )
    assert "fct_order_lines" in selection, f"the graph does not centre on the model: {selection!r}"
    assert problems(browser) == []


EDGE = re.compile(r'^"(?P<fact>\w+)" -> "(?P<dimension>\w+)": "(?P<column>\w+) = (?P<key>\w+)"$', re.MULTILINE)


def test_the_erd_draws_every_fact_key_and_a_missing_test_is_a_missing_line(site, tmp_path):
    """Each *_key column of a fact has its line in the ERD; drop one relationships test and the line is gone."""
    manifest = json.loads((site / "manifest.json").read_text())
    drawn = {(edge["fact"], edge["column"]) for edge in EDGE.finditer((site / ERD / "star.d2").read_text())}
    for fact in FACTS:
        node = manifest["nodes"][f"model.tpch_warehouse.{fact}"]
        keys = [column for column in node["columns"] if column.endswith("_key")]
        assert keys, f"{fact} has no key columns"
        for column in keys:
            assert (fact, column) in drawn, f"{fact}.{column} has no line in the ERD: is its relationships test gone?"
    # The same artifacts without the test of fct_orders.customer_key -> dim_customer:
    dropped = [
        node_id
        for node_id, node in manifest["nodes"].items()
        if node["resource_type"] == "test"
        and node.get("column_name") == "customer_key"
        and node.get("attached_node") == "model.tpch_warehouse.fct_orders"
        and (node.get("test_metadata") or {}).get("name") == "relationships"
    ]
    assert len(dropped) == 1, dropped
    del manifest["nodes"][dropped[0]]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    shutil.copyfile(site / "catalog.json", tmp_path / "catalog.json")
    run(
        python("docs/erd.py", "--target-path", str(tmp_path), "--asset-dir", str(tmp_path / "assets")), dict(os.environ)
    )
    redrawn = {(edge["fact"], edge["column"]) for edge in EDGE.finditer((tmp_path / ERD / "star.d2").read_text())}
    assert drawn - redrawn == {("fct_orders", "customer_key")}
