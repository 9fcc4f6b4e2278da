"""The SPARQL 1.1 Service Description of the endpoint (``GET /sparql`` without a query).

It tells clients what the endpoint speaks: the query language (and Update when writes are
enabled), result formats, that the default graph is the union of the named graphs, and which
named graphs exist. Built as pyoxigraph triples and written by Oxigraph's serialisers.
"""

from __future__ import annotations

import pyoxigraph as ox

from graph.config import Settings
from graph.store import CSV, JSONLD, NTRIPLES, RDFXML, SRJ, SRX, TSV, TURTLE, Store

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCTERMS_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
TITLE_EN = "policykg SPARQL endpoint"
TITLE_ZH = "产业政策知识图谱 SPARQL 端点"
MAX_LISTED_GRAPHS = 1000
"""Named graphs listed at most (the rest are still queryable)."""

_SERIALISERS = {
    TURTLE: ox.RdfFormat.TURTLE,
    RDFXML: ox.RdfFormat.RDF_XML,
    JSONLD: ox.RdfFormat.JSON_LD,
    NTRIPLES: ox.RdfFormat.N_TRIPLES,
}
_RESULT_FORMATS = {
    SRJ: "SPARQL_Results_JSON",
    SRX: "SPARQL_Results_XML",
    CSV: "SPARQL_Results_CSV",
    TSV: "SPARQL_Results_TSV",
    TURTLE: "Turtle",
    NTRIPLES: "N-Triples",
    JSONLD: "JSON-LD",
    RDFXML: "RDF_XML",
}


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def describe(endpoint: str, settings: Settings, store: Store) -> list[ox.Triple]:
    """The description's triples for the endpoint at the absolute URL ``endpoint``."""
    service = ox.NamedNode(endpoint)
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("default")
    triples = [
        ox.Triple(service, RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), service),
        ox.Triple(service, DCTERMS_TITLE, ox.Literal(TITLE_EN, language="en")),
        ox.Triple(service, DCTERMS_TITLE, ox.Literal(TITLE_ZH, language="zh")),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, _sd("Graph")),
    ]
    if settings.allow_service:
        triples.append(ox.Triple(service, _sd("feature"), _sd("BasicFederatedQuery")))
    if settings.admin_token:
        triples.append(ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Update")))
    for name in _RESULT_FORMATS.values():
        triples.append(ox.Triple(service, _sd("resultFormat"), ox.NamedNode(FORMATS + name)))
    for n, iri in enumerate(store.graph_names()[:MAX_LISTED_GRAPHS]):
        node = ox.BlankNode(f"g{n}")
        triples += [
            ox.Triple(dataset, _sd("namedGraph"), node),
            ox.Triple(node, RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(node, _sd("name"), ox.NamedNode(iri)),
        ]
    return triples


def serialize(triples: list[ox.Triple], media_type: str) -> bytes:
    """The description in one of Turtle, RDF/XML, JSON-LD or N-Triples."""
    prefixes = {"sd": SD, "formats": FORMATS, "dcterms": "http://purl.org/dc/terms/"}
    fmt = _SERIALISERS[media_type]
    if fmt in (ox.RdfFormat.TURTLE,):
        return ox.serialize(triples, format=fmt, prefixes=prefixes) or b""
    return ox.serialize(triples, format=fmt) or b""
