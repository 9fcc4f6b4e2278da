"""Every resource of the built seed dereferences: a page for people and RDF for machines."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
import rdflib
from bs4 import BeautifulSoup

BASE = "https://w3id.org/policykg/id/"
POL = "https://w3id.org/policykg/ontology#"
KINDS = (
    "PolicyDocument",
    "Section",
    "Measure",
    "Ministry",
    "RegionType",
    "Province",
    "IndustryClass",
    "PolicyInstrument",
    "InstrumentType",
)


@pytest.fixture(scope="module")
def seed_app(seed_store: Any) -> Any:
    from api import create_app

    app = create_app({"store": "memory:"}, store=seed_store)
    yield app
    app.extensions["policykg"].close()


def _text_of(html: str, css_class: str = "fulltext") -> str:
    """The text inside ``<div class=css_class …>`` exactly (BeautifulSoup folds blank lines)."""
    start = html.index(f'<div class="{css_class}"')
    inner = html[html.index(">", start) + 1 : html.index("</div>", start)]
    return unescape(re.sub(r"<[^>]+>", "", inner))


def _resources(store: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for kind in KINDS:
        rows = store.select(f"SELECT DISTINCT ?x WHERE {{ ?x a <{POL}{kind}> FILTER(isIRI(?x)) }}")
        found[kind] = sorted(r["x"]["value"] for r in rows)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("seed_store", ["oxigraph"], indirect=True)
def test_every_resource_of_the_seed_has_a_page(seed_store: Any, seed_app: Any) -> None:
    client = seed_app.test_client()
    resources = _resources(seed_store)
    assert all(resources[k] for k in ("PolicyDocument", "Measure", "Ministry", "RegionType"))
    failures = []
    for kind, iris in resources.items():
        for iri in iris:
            assert iri.startswith(BASE), iri
            response = client.get("/id/" + iri[len(BASE) :], headers={"Accept": "text/html"})
            if response.status_code != 200:
                failures.append((kind, iri, response.status_code))
                continue
            soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
            if soup.select_one("p.iri code").get_text() != iri or not soup.h1.get_text(strip=True):
                failures.append((kind, iri, "no heading or IRI"))
    assert failures == []


@pytest.mark.parametrize("seed_store", ["oxigraph"], indirect=True)
def test_document_page_of_the_seed_links_every_measure(seed_store: Any, seed_app: Any) -> None:
    doc = _resources(seed_store)["PolicyDocument"][0]
    measures = seed_store.select(
        f"SELECT ?m ?b ?e WHERE {{ ?m <{POL}inDocument> <{doc}> ; a <{POL}Measure> ; "
        f"<{POL}beginOffset> ?b ; <{POL}endOffset> ?e }}"
    )
    text = seed_store.select(f"SELECT ?t WHERE {{ <{doc}> <{POL}fullText> ?t }}")[0]["t"]["value"]
    html = seed_app.test_client().get("/id/" + doc[len(BASE) :]).get_data(as_text=True)
    assert _text_of(html) == text
    box = BeautifulSoup(html, "html.parser").select_one(".fulltext")
    links = {a["href"]: a.get_text() for a in box.select("a.measure[id]")}
    assert len(links) == len(measures) > 0
    for row in measures:
        href = "/id/" + row["m"]["value"][len(BASE) :]
        assert links[href] == text[int(row["b"]["value"]) : int(row["e"]["value"])]


def test_seed_measure_as_turtle(seed_store: Any, seed_app: Any) -> None:
    iri = _resources(seed_store)["Measure"][0]
    response = seed_app.test_client().get(
        "/id/" + iri[len(BASE) :], headers={"Accept": "text/turtle"}
    )
    graph = rdflib.Graph().parse(data=response.data, format="turtle")
    own = seed_store.select(f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}")
    assert {(iri, r["p"]["value"], r["o"]["value"]) for r in own} <= {
        (str(s), str(p), str(o)) for s, p, o in graph
    }


@pytest.mark.parametrize("seed_store", ["oxigraph"], indirect=True)
def test_every_canned_query_example_renders_as_a_table(seed_app: Any) -> None:
    from urllib.parse import urlencode

    client = seed_app.test_client()
    catalogue = seed_app.extensions["policykg"].catalogue
    assert catalogue
    failures = []
    for name, query in catalogue.items():
        for example in query.header.get("examples") or [{"params": {}}]:
            args = [
                (key, str(item).lower() if isinstance(item, bool) else str(item))
                for key, value in (example.get("params") or {}).items()
                for item in (value if isinstance(value, list) else [value])
            ]
            response = client.get(f"/queries/{name}?{urlencode(args)}")
            soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
            if response.status_code != 200 or not soup.select_one("#results-h"):
                failures.append((name, args, response.status_code))
            elif example.get("expect", {}).get("min_rows", 0) > len(
                soup.select("table.results tbody tr")
            ):
                failures.append((name, args, "fewer rows than the example expects"))
    assert failures == []
