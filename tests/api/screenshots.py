"""The pages in a real browser: the acceptance walk-through, axe-core checks and screenshots.

Used by ``tests/api/test_browser_pages.py`` and, to regenerate ``docs/screenshots/``, run from
the repository root (``make screenshots`` does the same)::

    .venv/bin/python -m tests.api.screenshots            # the bundled seed (Oxigraph store)
    .venv/bin/python -m tests.api.screenshots --fixture  # the small hand-written test graph

It drives Debian's Chromium (``/usr/bin/chromium``) through Playwright, over the app served by
waitress on a free loopback port, and runs axe-core (from ``node_modules``, installed by
``npm ci``) on every page it visits. Nothing here depends on the ``policykg`` command.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
FIXTURE = ROOT / "tests" / "data" / "pages.trig"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BLOCKING_IMPACTS = ("serious", "critical")
log = logging.getLogger("screenshots")


def missing_tools() -> list[str]:
    """What the browser tests need and this machine lacks, as install hints."""
    missing = []
    if not CHROMIUM.exists():
        missing.append("Chromium at /usr/bin/chromium (apt-get install chromium fonts-noto-cjk)")
    if not AXE.exists():
        missing.append("axe-core in node_modules (run `npm ci` at the repository root)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the Python package playwright (scripts/setup.sh --test)")
    return missing


def load_trig(store: Any, path: Path = FIXTURE) -> None:
    """Put the named graphs of a TriG file into a store."""
    import pyoxigraph as ox

    graphs: dict[str, list[Any]] = defaultdict(list)
    for quad in ox.parse(path=str(path), format=ox.RdfFormat.TRIG):
        graphs[quad.graph_name.value].append(quad.triple)
    store.replace_graphs(graphs)


def seed_store(directory: Path) -> Any:
    """An embedded Oxigraph store in ``directory`` holding the bundled corpus.

    Built as ``policykg build`` would build it, on the backend a deployment serves from.
    """
    from corpus import default_documents
    from graph.config import DEFAULT_BASE
    from graph.loading import build_documents
    from graph.store import open_store

    store = open_store(f"oxigraph:{directory / 'store'}")
    report = build_documents(store, default_documents(), base=DEFAULT_BASE)
    if not report.ok:
        raise RuntimeError(f"the seed did not build: {report.failures}")
    return store


def fixture_store() -> Any:
    """A memory store holding ``tests/data/pages.trig``."""
    from graph.store import open_store

    store = open_store("memory:")
    load_trig(store)
    return store


@contextlib.contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve a WSGI app with waitress on a free loopback port; yield its base URL."""
    import waitress

    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=10)


@contextlib.contextmanager
def browser_page(*, width: int = 1280, height: int = 900) -> Iterator[Any]:
    """A page of a fresh headless Chromium (new user-data-dir), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory(prefix="policykg-chromium-") as profile,
        sync_playwright() as p,
    ):
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": width, "height": height},
            locale="zh-CN",
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            yield page
        finally:
            context.close()


def run_axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the current page (every impact level)."""
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})); }"
    )
    return list(result)


@dataclass
class Walk:
    """What the walk-through saw: pages, axe violations by page, screenshots, CSP reports."""

    visited: list[str] = field(default_factory=list)
    violations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    screenshots: list[Path] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def blocking(self) -> dict[str, list[dict[str, Any]]]:
        """Violations of impact serious or critical, by page."""
        found = {
            name: [v for v in found if v["impact"] in BLOCKING_IMPACTS]
            for name, found in self.violations.items()
        }
        return {name: v for name, v in found.items() if v}


def _shot(page: Any, walk: Walk, out: Path, name: str, *, full_page: bool = True) -> None:
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    walk.screenshots.append(path)


def _check(page: Any, walk: Walk, name: str) -> None:
    walk.visited.append(page.url)
    walk.violations[name] = run_axe(page)


def walkthrough(page: Any, base_url: str, out: Path, *, region: str = "region/border-area") -> Walk:
    """Home → a document → the border-area question → a measure → its source sentence.

    Then the charts, a department, a province and the English measure page. Every page is
    checked with axe-core and photographed into ``out``.

    Args:
        page: a Playwright page.
        base_url: where the app is served.
        out: folder for the PNG files (created).
        region: the local name (under the base) of the region type to ask about.

    Raises:
        AssertionError: a step did not find what a person would see.
    """
    out.mkdir(parents=True, exist_ok=True)
    walk = Walk()
    page.on(
        "console",
        lambda msg: walk.console_errors.append(msg.text) if msg.type == "error" else None,
    )

    page.goto(base_url + "/")
    documents = int(page.locator('[data-count="documents"]').inner_text().replace(",", ""))
    assert documents >= 1, "the home page counts no document"
    walk.facts["documents"] = documents
    walk.facts["triples"] = page.locator('[data-count="triples"]').inner_text()
    _check(page, walk, "home")
    _shot(page, walk, out, "01-home")

    page.locator("ul.documents a").first.click()
    page.wait_for_load_state()
    measures = page.locator(".fulltext a.measure")
    assert measures.count() >= 1, "the document page shows no measure link"
    assert page.locator(".fulltext .mention").count() >= 1, "no mention is highlighted"
    walk.facts["document_measures"] = measures.count()
    _check(page, walk, "document")
    _shot(page, walk, out, "02-document", full_page=False)

    page.get_by_role("link", name="常用查询").first.click()
    page.wait_for_load_state()
    _check(page, walk, "catalogue")
    _shot(page, walk, out, "03-catalogue", full_page=False)
    page.locator('a[href$="/queries/departments_for_region_type"]').first.click()
    page.wait_for_load_state()
    region_iri = page.locator(f'select[name="region"] option[value$="/{region}"]').get_attribute(
        "value"
    )
    page.locator('select[name="region"]').select_option(region_iri)
    page.locator('form.query-form button[type="submit"]').click()
    page.wait_for_load_state()
    rows = page.locator("table.results tbody tr")
    assert rows.count() >= 1, "the border-area question has no answer"
    walk.facts["border_area_rows"] = rows.count()
    _check(page, walk, "border-area")
    _shot(page, walk, out, "04-border-area-question")

    link = page.locator('table.results a[href*="/measure/"]').first
    measure_path = link.get_attribute("href")
    link.click()
    page.wait_for_load_state()
    assert page.url.endswith(measure_path), f"clicking a measure opened {page.url}"
    sentence = page.locator("blockquote.sentence").inner_text().strip()
    assert sentence, "the measure page shows no source sentence"
    walk.facts["measure"] = measure_path
    _check(page, walk, "measure")
    _shot(page, walk, out, "05-measure")

    page.locator("a.source-link").click()
    page.wait_for_load_state()
    anchor = page.evaluate("location.hash").lstrip("#")
    target = page.locator(f'a.measure[id="{anchor}"]')
    assert target.count() == 1, f"the source text has no measure anchored at #{anchor}"
    assert target.get_attribute("href") == measure_path, "the anchor links to another measure"
    assert page.evaluate("document.querySelector(':target').id") == anchor
    shown = target.inner_text().strip()
    assert shown == sentence, f"source sentence {shown!r} differs from the measure's {sentence!r}"
    _check(page, walk, "source-sentence")
    _shot(page, walk, out, "06-source-sentence", full_page=False)

    page.goto(base_url + "/charts")
    assert page.locator("svg.chart-svg").count() >= 1, "the charts page draws nothing"
    _check(page, walk, "charts")
    _shot(page, walk, out, "07-charts")

    page.goto(base_url + measure_path)
    owner = page.locator('table.data a[href^="/id/ministry/"]').first
    if owner.count():
        owner.click()
        page.wait_for_load_state()
        _check(page, walk, "ministry")
        _shot(page, walk, out, "08-ministry", full_page=False)

    page.goto(f"{base_url}/id/{region}")
    province = page.locator('a[href^="/id/province/"]').first
    if province.count():
        province.click()
        page.wait_for_load_state()
        _check(page, walk, "province")
        _shot(page, walk, out, "09-province", full_page=False)

    page.goto(base_url + measure_path)
    page.locator("a.lang-switch").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en", "the language switch failed"
    _check(page, walk, "measure-en")
    _shot(page, walk, out, "10-measure-en")
    page.goto(base_url + "/")
    assert page.locator("html").get_attribute("lang") == "en", "the language was not remembered"
    page.locator("a.lang-switch").click()  # back to Chinese, for whoever uses the profile next
    return walk


def main(argv: list[str] | None = None) -> int:
    """Regenerate the screenshots; print the axe results; fail on serious violations."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument(
        "--fixture", action="store_true", help="use tests/data/pages.trig instead of the seed"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    missing = missing_tools()
    if missing:
        parser.exit(2, "screenshots: missing " + "; ".join(missing) + "\n")
    sys.path.insert(0, str(ROOT))
    from api import create_app

    with tempfile.TemporaryDirectory(prefix="policykg-seed-") as tmp:
        store = fixture_store() if args.fixture else seed_store(Path(tmp))
        app = create_app({"store": "memory:"}, store=store)
        try:
            with serve(app) as url, browser_page() as page:
                walk = walkthrough(page, url, args.out)
        finally:
            app.extensions["policykg"].close()
            store.close()
    for path in walk.screenshots:
        log.info("wrote %s", path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    summary = {
        name: [f"{v['impact']}: {v['id']}" for v in found]
        for name, found in walk.violations.items()
    }
    log.info("axe violations by page: %s", json.dumps(summary, ensure_ascii=False))
    log.info("facts: %s", json.dumps(walk.facts, ensure_ascii=False))
    if walk.blocking():
        log.error("serious or critical accessibility violations: %s", walk.blocking())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
