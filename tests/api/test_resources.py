"""Resources as JSON-LD: T13 of QUERIES.md §9.8 (a framed measure expands, with a loader that
never fetches, to the graph the store's CONSTRUCT gives), and every collection and member."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import rdflib
from pyld import jsonld as pyld
from rdflib.compare import isomorphic

from api import jsonld
from api.resources import COLLECTIONS
from graph.catalogue import bind_request, load_catalogue
from graph.namespace import PREFIXES
from graph.store import NTRIPLES
from tests.queries.fixture import BACKENDS, fixture_app, fixture_store

CATALOGUE = load_catalogue()
ID = "https://w3id.org/policykg/id/"
STORES = [*BACKENDS, pytest.param("served", marks=pytest.mark.oxigraph_server)]
MEASURES = [f"2021-215-fdd91f.{n}" for n in range(1, 7)] + ["test-2022-001.1", "test-2022-001.2"]


@pytest.fixture(scope="module", params=STORES)
def resource_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    with fixture_store(request.param, tmp_path_factory.mktemp(f"res-{request.param}")) as store:
        yield store


@pytest.fixture(scope="module")
def app(resource_store: Any) -> Iterator[Any]:
    with fixture_app(resource_store) as application:
        yield application


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a network connection was attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


XSD = "http://www.w3.org/2001/XMLSchema#"


def _graph(ntriples: str) -> rdflib.Graph:
    """The triples as an rdflib graph, integer subtypes folded into xsd:integer (pyoxigraph
    reads ``xsd:nonNegativeInteger`` back as ``xsd:integer``; see api.jsonld)."""
    graph = rdflib.Graph()
    graph.parse(data=ntriples, format="nt")
    folded = rdflib.Graph()
    for s, p, o in graph:
        if isinstance(o, rdflib.Literal) and str(o.datatype) == XSD + "nonNegativeInteger":
            o = rdflib.Literal(str(o), datatype=rdflib.URIRef(XSD + "integer"))
        folded.add((s, p, o))
    return folded


@pytest.mark.parametrize("key", MEASURES)
def test_jsonld_resources(client: Any, resource_store: Any, key: str, no_network: None) -> None:
    """T13: the framed measure expands to a graph isomorphic to the store's CONSTRUCT."""
    response = client.get(f"/api/v1/measures/{key}")
    assert response.status_code == 200
    document = response.get_json()
    assert document["@context"].endswith("/api/v1/context/v1.jsonld")
    doc, n = key.rsplit(".", 1)
    iri = f"{ID}doc/{doc}/measure/{n}"
    text, _ = bind_request(CATALOGUE["measure_graph"], {"measure": iri}, prefixes=PREFIXES)
    construct = resource_store.query(text, accept=(NTRIPLES,)).body.decode("utf-8")
    expanded = _graph(jsonld.to_ntriples(document))
    assert len(expanded) > 10
    assert isomorphic(expanded, _graph(construct))
    # and it reads as plain JSON: the sentence, its offsets, the reasons of its ownership
    types = document["type"] if isinstance(document["type"], list) else [document["type"]]
    assert document["id"] == iri and "Measure" in types  # and inferred defined classes
    assert isinstance(document["beginOffset"], int) and document["beginOffset"] < document[
        "endOffset"]
    for attribution in document["hasAttribution"]:
        assert attribution["basis"] in ("explicit", "mandate", "lead")
        if attribution["basis"] == "explicit":
            assert attribution["evidence"] in document["text"]


def test_a_remote_context_is_never_fetched(no_network: None) -> None:
    remote = {"@context": "https://evil.example/context.jsonld", "@id": "https://a.example/x",
              "name": "x"}
    with pytest.raises(pyld.JsonLdError) as caught:
        jsonld.expand(remote)
    assert "evil.example" in str(caught.value.details) or "evil.example" in str(caught.value)
    ours = {"@context": jsonld.CANONICAL_CONTEXT, "@id": "https://a.example/x", "text": "文字"}
    triples = jsonld.to_ntriples(ours)
    assert '"文字"@zh' in triples


def test_measure_members_carry_their_source(client: Any) -> None:
    document = client.get("/api/v1/measures/2021-215-fdd91f.4").get_json()
    assert document["text"] == "在边境地区布局综合保税区，海关总署优化通关监管。"
    full_text_offsets = (document["beginOffset"], document["endOffset"])
    assert full_text_offsets[1] - full_text_offsets[0] == len(document["text"])
    owners = {a["toMinistry"]["id"] if isinstance(a["toMinistry"], dict) else a["toMinistry"]
              for a in document["hasAttribution"]}
    assert owners == {f"{ID}ministry/GACC", f"{ID}ministry/MIIT"}
    explicit = next(a for a in document["hasAttribution"] if a["basis"] == "explicit")
    assert explicit["evidence"] == "海关总署"
    assert explicit["endOffset"] - explicit["beginOffset"] == len("海关总署")
    assert document["inSection"]["title"] == "支持特殊类型地区承接产业"
    assert document["links"]["provenance"].startswith("/api/v1/queries/measure_provenance/")
    assert client.get("/api/v1/measures/2021-215-fdd91f.99").status_code == 404
    assert client.get("/api/v1/measures/not-a-key").status_code == 404


def test_measures_filter_like_the_canned_query(client: Any) -> None:
    collection = client.get("/api/v1/measures?region=边境地区&ministry=海关总署").get_json()
    query = client.get("/api/v1/queries/measures/results?region=边境地区&ministry=GACC"
                       ).get_json()
    assert [m["id"] for m in collection["member"]] == [r["measure"] for r in query["results"]]
    assert len(collection["member"]) == 2
    for member in collection["member"]:
        assert f"{ID}region/border-area" in member["targetsRegion"]
        assert f"{ID}ministry/GACC" in member["ownedBy"]
        assert client.get(member["url"]).status_code == 200
    for filters, count in (({"industry": "制造业"}, 1), ({"instrument": "综合保税区"}, 1),
                           ({"instrumentType": "itype:supply-side"}, 2), ({"q": "海关"}, 2),
                           ({"section": "推进产业有序转移"}, 2),
                           ({"document": "测试〔2022〕1号"}, 3)):
        members = client.get("/api/v1/measures", query_string=filters).get_json()["member"]
        assert len(members) == count, (filters, members)
    bad = client.get("/api/v1/measures?colour=red")
    assert bad.status_code == 400 and "colour" in bad.get_json()["message"]


def test_collections_page_and_expand(client: Any, no_network: None) -> None:
    first = client.get("/api/v1/region-types?page_size=3")
    body = first.get_json()
    assert body["type"] == "Collection" and len(body["member"]) == 3
    assert body["page"]["next"] and 'rel="next"' in first.headers["Link"]
    triples = jsonld.to_ntriples(body)
    assert "http://www.w3.org/ns/hydra/core#member" in triples
    assert '"边境地区"@zh' in jsonld.to_ntriples(client.get("/api/v1/region-types").get_json())


@pytest.mark.parametrize(("path", "key", "expected"), [
    ("ministries", "GACC", {"prefLabel": {"zh": "海关总署"}}),
    ("region-types", "border-area", {"prefLabel": {"zh": "边境地区"}}),
    ("provinces", "yunnan", {"notation": "CN-YN"}),
    ("industries", "textiles-apparel", {"prefLabel": {"zh": "纺织服装"}}),
    ("instruments", "comprehensive-bonded-zone", {"prefLabel": {"zh": "综合保税区"}}),
    ("documents", "test-2022-001", {"documentNumber": "测试〔2022〕1号"}),
])
def test_every_collection_and_member(
    client: Any, path: str, key: str, expected: dict[str, Any]
) -> None:
    listing = client.get(f"/api/v1/{path}?page_size=1000")
    assert listing.status_code == 200 and listing.mimetype == "application/json"
    members = listing.get_json()["member"]
    assert key in {m["key"] for m in members}
    member = client.get(f"/api/v1/{path}/{key}")
    assert member.status_code == 200
    node = member.get_json()
    assert node["key"] == key and node["type"] == COLLECTIONS[path].type
    for field, value in expected.items():
        if isinstance(value, dict):
            assert value.items() <= node[field].items()
        else:
            assert node[field] == value
    for link in node["links"].values():
        assert client.get(link).status_code == 200, link
    assert client.get(f"/api/v1/{path}/no-such-{path}").status_code == 404
    as_jsonld = client.get(f"/api/v1/{path}/{key}", headers={"Accept": "application/ld+json"})
    assert as_jsonld.mimetype == "application/ld+json"
    assert json.loads(as_jsonld.get_data()) == node


def test_provinces_list_their_region_types(client: Any) -> None:
    yunnan = client.get("/api/v1/provinces/yunnan").get_json()
    assert {f"{ID}region/western", f"{ID}region/border-area"} <= set(yunnan["inRegion"])
    border = client.get("/api/v1/provinces?region=边境地区").get_json()["member"]
    assert {m["key"] for m in border} >= {"yunnan", "xinjiang", "liaoning"}
    assert "guangdong" not in {m["key"] for m in border}


def test_a_document_has_its_sections_and_targets(client: Any) -> None:
    node = client.get("/api/v1/documents/2021-215-fdd91f").get_json()
    assert [s["sectionNumber"] for s in node["hasSection"]] == ["一", "二", "三"]
    assert node["hasTarget"][0]["targetYear"] == 2025
    assert node["measureCount"] == 6
    measures = client.get(node["links"]["measures"]).get_json()["member"]
    assert len(measures) == 6


def test_the_context_is_served_and_versioned(client: Any) -> None:
    response = client.get("/api/v1/context/v1.jsonld")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    context = response.get_json()["@context"]
    assert context["text"] == {"@id": "pol:text", "@language": "zh"}
    assert context == jsonld.context_document()["@context"]
    assert client.get("/api/v1/context/v2.jsonld").status_code == 404
