"""The query page in a real headless Chromium (Debian's ``chromium`` through Playwright).

The page is served by a live server over the built seed (embedded Oxigraph). The browser may
talk to that server only: every other request is refused and recorded, so the page provably
works offline (YASGUI comes from node_modules through Flask, never a CDN). A test runs a
query and reads the results table; another opens a canned example and runs it; another opens
a shared ``?query=`` link. No console errors (a CSP violation would be one).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from tests.api.live import Live, live_server
from tests.api.screenshots import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

PREFERRED_EXAMPLES = ("measures_for_region_type", "measures_for_province", "ministries")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A headless Chromium with a fresh profile."""
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.fail("the query page test needs Debian's chromium: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
        )
        yield context
        context.close()


@pytest.fixture(scope="module")
def live(seed_store: Any) -> Iterator[Live]:
    from api import create_app

    app = create_app({"store": "memory:"}, store=seed_store)
    with live_server(app) as server:
        yield server


@pytest.fixture
def page(browser: Any, live: Live) -> Iterator[Any]:
    """A page that may reach the live server only; it records what else it tried."""
    page = browser.new_page()
    page.outside = []  # type: ignore[attr-defined]
    page.problems = []  # type: ignore[attr-defined]

    def route(handle: Any) -> None:
        if handle.request.url.startswith(live.url):
            handle.continue_()
        else:
            page.outside.append(handle.request.url)  # type: ignore[attr-defined]
            handle.abort()

    page.route("**/*", route)
    page.on(
        "console",
        lambda m: page.problems.append(m.text) if m.type == "error" else None,  # type: ignore[attr-defined]
    )
    page.on("pageerror", lambda e: page.problems.append(str(e)))  # type: ignore[attr-defined]
    yield page
    assert page.outside == [], f"the page tried to reach other hosts: {page.outside}"  # type: ignore[attr-defined]
    assert page.problems == [], f"console errors: {page.problems}"  # type: ignore[attr-defined]
    page.close()


def _ready(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#yasgui[data-state=ready]", timeout=20_000)


def _run_and_wait(page: Any) -> None:
    page.click(".tabPanel.active .yasqe_queryButton")
    page.wait_for_function(
        "() => { const tab = window.policykgYasgui.getTab();"
        " return tab && !tab.getYasqe().isQuerying && tab.getYasr().results; }",
        timeout=30_000,
    )


@pytest.mark.parametrize("seed_store", ["oxigraph"], indirect=True)
def test_query_runs_and_shows_a_table(page: Any, live: Live) -> None:
    from graph.namespace import PREFIXES

    _ready(page, live.sparql)
    text = page.evaluate("() => window.policykgYasgui.getTab().getYasqe().getValue()")
    for prefix, iri in PREFIXES.items():
        assert f"PREFIX {prefix}: <{iri}>" in text  # the editor starts with every prefix
    query = (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT ?concept ?label WHERE { ?concept skos:prefLabel ?label "
        'FILTER(LANG(?label) = "zh") } ORDER BY ?concept LIMIT 7'
    )
    page.evaluate("q => window.policykgYasgui.getTab().getYasqe().setValue(q)", query)
    _run_and_wait(page)
    rows = page.locator(".tabPanel.active .yasr table.dataTable tbody tr")
    rows.first.wait_for(timeout=20_000)
    assert rows.count() == 7
    headers = page.locator(".tabPanel.active .yasr table.dataTable thead th").all_inner_texts()
    assert any("label" in h for h in headers)
    cells = page.locator(".tabPanel.active .yasr table.dataTable tbody").inner_text()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in cells)  # Chinese labels came back


@pytest.mark.parametrize("seed_store", ["oxigraph"], indirect=True)
def test_example_opens_in_a_tab_and_runs(page: Any, live: Live) -> None:
    _ready(page, live.sparql)
    names = page.locator(".sparql-example").evaluate_all(
        "buttons => buttons.map(b => b.dataset.name)"
    )
    assert names, "the catalogue has no examples"
    name = next((n for n in PREFERRED_EXAMPLES if n in names), names[0])
    button = page.locator(f'.sparql-example[data-name="{name}"]')
    tabs_before = page.locator(".yasgui .tabsList .tab").count()
    button.click()
    assert page.locator(".yasgui .tabsList .tab").count() == tabs_before + 1
    config = page.evaluate(
        "() => JSON.parse(document.getElementById('policykg-sparql-config').textContent)"
    )
    expected = next(e["sparql"] for e in config["examples"] if e["name"] == name)
    assert page.evaluate("() => window.policykgYasgui.getTab().getYasqe().getValue()") == expected
    _run_and_wait(page)
    assert page.locator(".tabPanel.active .yasr .errorResult").count() == 0
    rows = page.locator(".tabPanel.active .yasr table.dataTable tbody tr")
    rows.first.wait_for(timeout=20_000)
    assert rows.count() >= 1


@pytest.mark.parametrize("seed_store", ["oxigraph"], indirect=True)
def test_shared_link_opens_and_runs(page: Any, live: Live) -> None:
    query = "SELECT ?g (COUNT(*) AS ?triples) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    _ready(page, f"{live.sparql}?query={quote(query)}")
    page.wait_for_function(
        "() => { const tab = window.policykgYasgui.getTab();"
        " return tab && tab.getYasr().results; }",
        timeout=30_000,
    )
    assert page.evaluate("() => window.policykgYasgui.getTab().getYasqe().getValue()") == query
    rows = page.locator(".tabPanel.active .yasr table.dataTable tbody tr")
    rows.first.wait_for(timeout=20_000)
    assert rows.count() >= 1
