"""Dereferencing /id/...: content negotiation, the RDF each format carries, 404/406, the base."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

BASE = "https://w3id.org/policykg/id/"
POL = "https://w3id.org/policykg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DOC = "doc/demo-2099-1"
MEASURE = f"{DOC}/measure/2"
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}


def _graph(body: bytes, media_type: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=body, format=RDF_TYPES[media_type])


def _own_triples(store: Any, iri: str) -> set[tuple[str, str, str]]:
    rows = store.select(f"SELECT ?p ?o WHERE {{ {ox.NamedNode(iri)} ?p ?o }}")
    return {(iri, r["p"]["value"], r["o"]["value"]) for r in rows}


def _as_strings(graph: rdflib.Graph) -> set[tuple[str, str, str]]:
    return {(str(s), str(p), str(o)) for s, p, o in graph}


def test_turtle_of_a_measure_holds_its_triples(pages_client: Any, pages_store: Any) -> None:
    response = pages_client.get(f"/id/{MEASURE}", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    graph = _graph(response.data, "text/turtle")
    iri = BASE + MEASURE
    own = _own_triples(pages_store, iri)
    assert len(own) >= 10
    assert own <= _as_strings(graph)
    # labels of what it links to, and its attributions with their evidence
    labels = {(str(s), str(o)) for s, o in graph.subject_objects(rdflib.URIRef(SKOS + "prefLabel"))}
    assert (BASE + "ministry/GACC", "海关总署") in labels
    evidence = {str(o) for o in graph.objects(None, rdflib.URIRef(POL + "evidence"))}
    assert evidence == {"综合保税区"}
    assert b"@prefix pol:" in response.data


@pytest.mark.parametrize("media_type", sorted(RDF_TYPES))
def test_every_rdf_format_says_the_same(pages_client: Any, media_type: str) -> None:
    reference = _graph(
        pages_client.get(f"/id/{MEASURE}", headers={"Accept": "application/n-triples"}).data,
        "application/n-triples",
    )
    response = pages_client.get(f"/id/{MEASURE}", headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert isomorphic(_graph(response.data, media_type), reference)


@pytest.mark.parametrize(
    "key",
    [
        DOC,
        f"{DOC}/section/2",
        MEASURE,
        "ministry/MIIT",
        "region/border-area",
        "province/yunnan",
        "industry/labour-intensive",
        "instrument/negative-list",
        "itype/funding",
    ],
)
def test_each_kind_has_a_page_and_rdf(pages_client: Any, key: str) -> None:
    page = pages_client.get(f"/id/{key}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert page.headers["Vary"] == "Accept"
    links = page.headers["Link"]
    for name in ("ttl", "jsonld", "rdf", "nt"):
        assert f"/id/{key}?format={name}>" in links
    assert f"<code>{BASE}{key}</code>" in page.get_data(as_text=True)
    rdf = pages_client.get(f"/id/{key}", headers={"Accept": "text/turtle"})
    subjects = {str(s) for s in _graph(rdf.data, "text/turtle").subjects()}
    assert BASE + key in subjects


def test_browsers_and_curl_get_html(pages_client: Any) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert pages_client.get(f"/id/{MEASURE}", headers={"Accept": browser}).mimetype == "text/html"
    assert pages_client.get(f"/id/{MEASURE}", headers={"Accept": "*/*"}).mimetype == "text/html"
    assert pages_client.get(f"/id/{MEASURE}").mimetype == "text/html"


def test_quality_values_decide(pages_client: Any) -> None:
    accept = "text/html;q=0.5, application/rdf+xml;q=0.9, text/turtle;q=0.8"
    response = pages_client.get(f"/id/{MEASURE}", headers={"Accept": accept})
    assert response.mimetype == "application/rdf+xml"
    json_client = pages_client.get(f"/id/{MEASURE}", headers={"Accept": "application/json"})
    assert json_client.mimetype == "application/ld+json"


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("rdf", "application/rdf+xml"),
        ("nt", "application/n-triples"),
        ("html", "text/html"),
    ],
)
def test_format_parameter_wins_over_accept(pages_client: Any, name: str, media_type: str) -> None:
    accept = "application/n-triples" if name == "html" else "text/html"
    response = pages_client.get(f"/id/{MEASURE}?format={name}", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert response.headers["Content-Location"] == f"/id/{MEASURE}?format={name}"


def test_unacceptable_types_get_406_with_the_choices(pages_client: Any) -> None:
    response = pages_client.get(f"/id/{MEASURE}", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.get_data(as_text=True)
    assert "format=ttl" in response.headers["Link"]
    assert pages_client.get(f"/id/{MEASURE}?format=xlsx").status_code == 406


def test_unknown_iri_is_a_404_page(pages_client: Any) -> None:
    page = pages_client.get(f"/id/{DOC}/measure/999", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert page.mimetype == "text/html"
    assert f"{BASE}{DOC}/measure/999" in page.get_data(as_text=True)
    assert page.headers["Content-Security-Policy"]
    rdf = pages_client.get(f"/id/{DOC}/measure/999", headers={"Accept": "text/turtle"})
    assert rdf.status_code == 404
    assert rdf.mimetype == "text/plain"


class _Spy:
    """Counts Services.run calls, and store queries made outside one (there must be none)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, store: Any) -> None:
        from api.services import Services

        self.queries: list[str] = []
        self.outside = 0
        self._inside = False
        run, query = Services.run, store.query

        def spy_run(svc: Services, sparql: str, **kwargs: Any) -> Any:
            self.queries.append(sparql)
            self._inside = True
            try:
                return run(svc, sparql, **kwargs)
            finally:
                self._inside = False

        def spy_query(sparql: str, **kwargs: Any) -> Any:
            if not self._inside:
                self.outside += 1
            return query(sparql, **kwargs)

        monkeypatch.setattr(Services, "run", spy_run)
        monkeypatch.setattr(store, "query", spy_query)


@pytest.mark.parametrize(
    "key", ["a%20b", "x%3E%20%3Fs%20%3Fp%20%3Fo%20%3C", "%7Bbad%7D", "doc/%22quoted%22"]
)
def test_invalid_iris_are_404_and_never_reach_a_query(
    pages_client: Any, pages_store: Any, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    spy = _Spy(monkeypatch, pages_store)
    response = pages_client.get(f"/id/{key}", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert spy.queries == []


def test_every_query_goes_through_services_run(
    pages_client: Any, pages_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = _Spy(monkeypatch, pages_store)
    for url in (f"/id/{MEASURE}", f"/id/{MEASURE}?format=ttl", "/id/province/yunnan", "/"):
        assert pages_client.get(url).status_code == 200
    assert len(spy.queries) > 5
    assert spy.outside == 0
    assert all(f"<{BASE}{MEASURE}>" in q for q in spy.queries[:2])


def test_head_answers_like_get(pages_client: Any) -> None:
    response = pages_client.head(f"/id/{MEASURE}", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"


def test_the_id_root_leads_home(pages_client: Any) -> None:
    response = pages_client.get("/id/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")


def test_a_configured_base_maps_to_id(make_app: Any, empty_store: Any) -> None:
    base = "http://example.org/kg/"
    thing = ox.NamedNode(base + "thing/1")
    empty_store.replace_graphs(
        {
            base + "graph": [
                ox.Triple(
                    thing, ox.NamedNode(SKOS + "prefLabel"), ox.Literal("东西", language="zh")
                )
            ]
        }
    )
    client = make_app(empty_store, base=base).test_client()
    page = client.get("/id/thing/1")
    assert page.status_code == 200
    assert "东西" in page.get_data(as_text=True)
    rdf = client.get("/id/thing/1?format=nt")
    assert f"<{base}thing/1>".encode() in rdf.data
    assert client.get("/id/doc/anything").status_code == 404
