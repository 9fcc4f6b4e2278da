"""The queries both servers answer: every canned query, plus a few raw analyst queries.

Each :class:`Pair` is one question asked of both servers in its own words:

- ``sparql`` pairs send the same SPARQL text to ``/sparql`` (ours) and ``/query`` (Oxigraph
  server), both by ``POST`` with an ``application/sparql-query`` body (the canned texts, with
  their bilingual headers, are longer than Oxigraph server accepts in a URL). For a canned
  query the text is the ``.rq`` file bound with its first example's values (so it runs
  whole, unpaginated, as an analyst pasting it would).
- ``rest`` pairs ask ours ``GET /api/v1/queries/<name>/results?<example>`` (first page, JSON
  rows, the REST default) and ask Oxigraph server the raw SPARQL that page needs: the bound
  text with the same ``LIMIT``/``OFFSET`` (graph queries: N-Triples both sides, the raw form).

An example value that the benchmark corpus lacks (the seed's measure IRIs, for instance) is
replaced by the first member of the parameter's class in the store, so every query does real
work on every corpus.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from graph.catalogue import (
    CannedQuery,
    ParamError,
    bind_request,
    class_members,
    load_catalogue,
    paginate,
)
from graph.namespace import PREFIXES
from graph.store import NTRIPLES, SRJ, Store

ANALYST_QUERIES: dict[str, str] = {
    "count_triples": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "ask_measure": (
        "PREFIX pol: <https://w3id.org/policykg/ontology#>\n"
        "ASK { ?m a pol:Measure }"
    ),
    "measures_per_document": (
        "PREFIX pol: <https://w3id.org/policykg/ontology#>\n"
        "SELECT ?doc (COUNT(?m) AS ?n) WHERE { ?m a pol:Measure ; pol:inDocument ?doc }\n"
        "GROUP BY ?doc ORDER BY DESC(?n) ?doc LIMIT 20"
    ),
    "instruments_by_ministry_top": (
        "PREFIX pol: <https://w3id.org/policykg/ontology#>\n"
        "SELECT ?ministry ?instrument (COUNT(*) AS ?n) WHERE {\n"
        "  ?m pol:ownedBy ?ministry ; pol:usesInstrument ?instrument }\n"
        "GROUP BY ?ministry ?instrument ORDER BY DESC(?n) LIMIT 25"
    ),
    "keyword_scan": (
        "PREFIX pol: <https://w3id.org/policykg/ontology#>\n"
        "SELECT ?m ?text WHERE { ?m pol:text ?text FILTER(CONTAINS(?text, \"产业\")) } LIMIT 100"
    ),
    "lookup_one": (
        "PREFIX pol: <https://w3id.org/policykg/ontology#>\n"
        "SELECT ?m ?text WHERE { ?m a pol:Measure ; pol:text ?text } LIMIT 1"
    ),
}
"""Raw queries an analyst might send: a full scan, an existence test, aggregates, a keyword
filter, a point lookup."""


@dataclass(frozen=True)
class Pair:
    """One question asked of both servers."""

    name: str
    kind: str
    """``sparql`` (same text to both endpoints) or ``rest`` (our REST API vs raw SPARQL)."""
    ours_path: str
    """Path and query string on our server (``/sparql`` pairs POST ``peer_query`` there)."""
    ours_accept: str
    peer_query: str
    """SPARQL text sent to Oxigraph server's ``/query``."""
    peer_accept: str


def _example_values(store: Store, query: CannedQuery) -> dict[str, Any]:
    """The first example's values, with values the store lacks replaced by a class member."""
    values = dict((query.examples or [{}])[0].get("params") or {})
    for name, spec in query.params.items():
        if spec.required and name not in values and spec.example is not None:
            values[name] = spec.example
    members_cache: dict[str, Any] = {}

    def members_of(cls: str) -> Any:
        if cls not in members_cache:
            members_cache[cls] = class_members(store, cls, PREFIXES)
        return members_cache[cls]

    for _ in range(len(query.params) + 1):
        try:
            bind_request(query, values, prefixes=PREFIXES, members_of=members_of)
            return values
        except ParamError as exc:
            spec = query.params.get(exc.param)
            if spec is None or spec.type != "iri" or not spec.cls:
                raise
            members = sorted(members_of(spec.cls))
            if not members:
                raise
            values[exc.param] = [members[0]] if spec.multiple else members[0]
    raise ParamError("", f"cannot find example values for {query.name}")


def canned_pairs(store: Store, names: Sequence[str] | None = None) -> list[Pair]:
    """A ``sparql`` and a ``rest`` pair for every canned query (or those in ``names``)."""
    pairs: list[Pair] = []
    members_cache: dict[str, Any] = {}

    def members_of(cls: str) -> Any:
        if cls not in members_cache:
            members_cache[cls] = class_members(store, cls, PREFIXES)
        return members_cache[cls]

    for name, query in sorted(load_catalogue().items()):
        if names is not None and name not in names:
            continue
        values = _example_values(store, query)
        bound, _ = bind_request(query, values, prefixes=PREFIXES, members_of=members_of)
        graph = query.kind in ("construct", "describe")
        accept = NTRIPLES if graph else SRJ
        pairs.append(Pair(name, "sparql", "/sparql", accept, bound, accept))
        args = [(k, v) for k, vs in values.items() for v in (vs if isinstance(vs, list) else [vs])]
        if graph:
            args.append(("format", "nt"))
        raw = paginate(bound, query.pagination, 1) if query.pagination else bound
        pairs.append(Pair(name, "rest", f"/api/v1/queries/{name}/results?{urlencode(args)}",
                          NTRIPLES if graph else "application/json", raw, accept))
    return pairs


def analyst_pairs(queries: Mapping[str, str] = ANALYST_QUERIES) -> list[Pair]:
    """A ``sparql`` pair for each raw analyst query."""
    out = []
    for name, text in queries.items():
        out.append(Pair(f"raw:{name}", "sparql", "/sparql", SRJ, text, SRJ))
    return out
