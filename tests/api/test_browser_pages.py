"""The acceptance walk-through in headless Chromium over the built seed, with axe-core checks.

Home → the document → the border-area question → a measure → its source sentence, then the
charts, a department, a province and the English page. Screenshots go to ``tmp_path``, or to
``docs/screenshots/`` when ``CI`` is set (kept as CI artefacts); ``make screenshots`` (or
``python -m tests.api.screenshots``) regenerates the committed ones.
"""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import rdflib

from tests.api.screenshots import ROOT, browser_page, missing_tools, serve, walkthrough

pytestmark = [pytest.mark.browser, pytest.mark.slow]
BASE = "https://w3id.org/policykg/id/"


@pytest.fixture(scope="module", autouse=True)
def _tools() -> None:
    missing = missing_tools()
    if missing:
        pytest.fail("the browser tests need " + "; ".join(missing), pytrace=False)


@pytest.fixture
def served(seed_store: Any, make_app: Any) -> Any:
    app = make_app(seed_store)
    with serve(app) as url:
        yield url
    app.extensions["policykg"].close()


@pytest.mark.parametrize("seed_store", ["oxigraph"], indirect=True)
def test_walkthrough_in_chromium(served: str, tmp_path: Path) -> None:
    out = ROOT / "docs" / "screenshots" if os.environ.get("CI") else tmp_path / "shots"
    with browser_page() as page:
        walk = walkthrough(page, served, out)
    assert walk.blocking() == {}, walk.blocking()
    assert set(walk.violations) >= {"home", "document", "border-area", "measure", "source-sentence"}
    assert walk.console_errors == []  # a CSP violation would show here
    assert len(walk.screenshots) >= 6
    for path in walk.screenshots:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert path.stat().st_size > 10_000
    assert walk.facts["border_area_rows"] >= 1
    assert walk.facts["document_measures"] >= 10


@pytest.mark.parametrize("seed_store", ["oxigraph"], indirect=True)
def test_measure_iri_as_turtle_over_http(served: str, seed_store: Any) -> None:
    """What ``curl -H 'Accept: text/turtle' <measure IRI>`` gets from a running server."""
    rows = seed_store.select(
        "SELECT ?m WHERE { ?m a <https://w3id.org/policykg/ontology#Measure> ; "
        "<https://w3id.org/policykg/ontology#ownedBy> ?o } LIMIT 1"
    )
    iri = rows[0]["m"]["value"]
    request = urllib.request.Request(
        served + "/id/" + iri[len(BASE) :], headers={"Accept": "text/turtle"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers.get_content_type() == "text/turtle"
        body = response.read()
    graph = rdflib.Graph().parse(data=body, format="turtle")
    own = seed_store.select(f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}")
    triples = {(str(s), str(p), str(o)) for s, p, o in graph}
    assert own
    assert {(iri, r["p"]["value"], r["o"]["value"]) for r in own} <= triples
