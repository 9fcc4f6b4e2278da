"""The clients analysts use, against a live server over real HTTP: SPARQLWrapper, rdflib.

The server is waitress over an embedded Oxigraph store (queries in worker processes, as in
production), with updates enabled by an admin token.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any
from xml.dom.minidom import Document

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from tests.api.live import EX, G1, G2, LABEL, THINGS, Live, serve_sample

TOKEN = "client-test-token"
SELECT = f"SELECT ?s ?label WHERE {{ ?s a <{EX}Thing> ; <{LABEL}> ?label }} ORDER BY ?s"
ASK = f"ASK {{ <{EX}thing0> a <{EX}Thing> }}"
CONSTRUCT = f"CONSTRUCT {{ ?s <{LABEL}> ?l }} WHERE {{ ?s a <{EX}Thing> ; <{LABEL}> ?l }}"
DESCRIBE = f"DESCRIBE <{EX}thing1>"
METHODS = [(GET, URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A live server over the sample graphs (updates allowed with :data:`TOKEN`)."""
    directory = tmp_path_factory.mktemp("clients")
    with serve_sample("oxigraph", directory, admin_token=TOKEN) as server:
        yield server


def _wrapper(live: Live, query: str, fmt: str, method: tuple[str, str]) -> SPARQLWrapper:
    sparql = SPARQLWrapper(live.sparql)
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    sparql.setMethod(method[0])
    sparql.setRequestMethod(method[1])
    return sparql


def _labels(fmt: str, converted: Any) -> list[str]:
    """The ``label`` column of a converted SELECT result, whatever the format."""
    if fmt == JSON:
        return [row["label"]["value"] for row in converted["results"]["bindings"]]
    if fmt == XML:
        assert isinstance(converted, Document)
        labels = []
        for binding in converted.getElementsByTagName("binding"):
            if binding.getAttribute("name") == "label":
                labels.append(binding.getElementsByTagName("literal")[0].firstChild.data)
        return labels
    text = converted.decode("utf-8")
    if fmt == CSV:
        return [row["label"] for row in csv.DictReader(io.StringIO(text))]
    lines = text.strip("\n").split("\n")
    column = lines[0].split("\t").index("?label")
    return [line.split("\t")[column].split("@")[0].strip('"') for line in lines[1:]]


EXPECTED = [f"事物{i}" for i in sorted(range(THINGS), key=lambda i: f"{EX}thing{i}")]


@pytest.mark.parametrize("method", METHODS, ids=["get", "post-form", "post-direct"])
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select(live: Live, fmt: str, method: tuple[str, str]) -> None:
    result = _wrapper(live, SELECT, fmt, method).query()
    assert _labels(fmt, result.convert()) == EXPECTED


@pytest.mark.parametrize("method", METHODS, ids=["get", "post-form", "post-direct"])
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_ask(live: Live, fmt: str, method: tuple[str, str]) -> None:
    converted = _wrapper(live, ASK, fmt, method).query().convert()
    if fmt == JSON:
        assert converted["boolean"] is True
    elif fmt == XML:
        assert converted.getElementsByTagName("boolean")[0].firstChild.data == "true"
    else:
        assert converted.decode("utf-8").split()[-1] == "true"


RDF_PARSERS = {TURTLE: "turtle", N3: "turtle", JSONLD: "json-ld"}


@pytest.mark.parametrize("method", METHODS, ids=["get", "post-form", "post-direct"])
@pytest.mark.parametrize("fmt", [TURTLE, N3, XML, RDFXML, JSONLD])
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
def test_sparqlwrapper_graphs(live: Live, query: str, fmt: str, method: tuple[str, str]) -> None:
    converted = _wrapper(live, query, fmt, method).query().convert()
    graph = converted
    if isinstance(converted, bytes):
        graph = rdflib.Graph().parse(data=converted, format=RDF_PARSERS[fmt])
    assert isinstance(graph, rdflib.Graph)
    label = rdflib.URIRef(LABEL)
    if query == CONSTRUCT:
        assert len(graph) == THINGS
    assert (rdflib.URIRef(f"{EX}thing1"), label, rdflib.Literal("事物1", lang="zh")) in graph


def test_sparqlwrapper_sees_a_bad_query(live: Live) -> None:
    with pytest.raises(QueryBadFormed):
        _wrapper(live, "SELECT * WHERE { ?s ?p", JSON, (GET, URLENCODED)).query()


def test_sparqlwrapper_update_with_the_token(live: Live) -> None:
    graph = f"{EX}from-sparqlwrapper"
    sparql = SPARQLWrapper(live.sparql, updateEndpoint=live.sparql)
    sparql.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
    sparql.setMethod(POST)
    sparql.setQuery(f'INSERT DATA {{ GRAPH <{graph}> {{ <{EX}w> <{LABEL}> "写入" }} }}')
    assert sparql.query().response.status == 204
    check = _wrapper(live, f"ASK {{ GRAPH <{graph}> {{ <{EX}w> ?p ?o }} }}", JSON, METHODS[0])
    assert check.query().convert()["boolean"] is True
    sparql.setQuery(f"DROP GRAPH <{graph}>")
    sparql.query()


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
@pytest.mark.parametrize("return_format", ["xml", "json"])
def test_rdflib_sparqlstore(live: Live, method: str, return_format: str) -> None:
    store = SPARQLStore(live.sparql, method=method, returnFormat=return_format)
    graph = rdflib.Graph(store=store)
    rows = list(graph.query(SELECT))
    assert [str(row.label) for row in rows] == EXPECTED  # type: ignore[union-attr]
    assert graph.query(ASK).askAnswer is True
    if return_format == "xml":  # with "json" rdflib accepts only SPARQL JSON: no graphs
        constructed = graph.query(CONSTRUCT).graph
        assert constructed is not None and len(constructed) == THINGS
    things = list(graph.triples((None, rdflib.RDF.type, rdflib.URIRef(f"{EX}Thing"))))
    assert len(things) == THINGS
    assert len(graph) == 2 * THINGS + 1


def test_rdflib_sparqlstore_lists_the_named_graphs(live: Live) -> None:
    names = {str(name) for name in SPARQLStore(live.sparql).contexts()}
    assert {G1, G2} <= names


def test_rdflib_sparqlupdatestore_with_the_token(live: Live) -> None:
    store = SPARQLUpdateStore(
        live.sparql, live.sparql, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    graph = rdflib.Graph(store=store, identifier=rdflib.URIRef(f"{EX}from-rdflib"))
    triple = (rdflib.URIRef(f"{EX}r"), rdflib.URIRef(LABEL), rdflib.Literal("rdflib 写入"))
    graph.add(triple)
    assert triple in graph
    graph.remove(triple)
    assert triple not in graph
