"""The inferred graph: what the ontology implies about the data, computed once at build time.

Queries then read plain triples instead of walking property paths or re-deriving classes on
every request. The rules are read from the ontology (``owl:inverseOf``, ``owl:equivalentClass``
of the form ``A ⊓ ∃p.D``, ``skos:broader``), not written here per term, so an ontologist who
adds an inverse or a defined class in Protégé changes what is inferred.

Consistency checking with HermiT lives in ``graph.validate``; this module only materialises.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from graph.namespace import POLID

INFERRED = str(POLID["graph/inferred"])

_PREFIXES = """PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

RULES: dict[str, str] = {
    "inverse properties": f"""{_PREFIXES}
CONSTRUCT {{ ?o ?q ?s }} WHERE {{
  {{ ?p owl:inverseOf ?q }} UNION {{ ?q owl:inverseOf ?p }}
  FILTER(isIRI(?p) && isIRI(?q))
  GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{INFERRED}>)
  FILTER(!isLiteral(?o))
  FILTER NOT EXISTS {{ GRAPH ?h {{ ?o ?q ?s }} FILTER(?h != <{INFERRED}>) }}
}}""",
    "broader closure": f"""{_PREFIXES}
CONSTRUCT {{ ?a skos:broaderTransitive ?b . ?b skos:narrowerTransitive ?a }} WHERE {{
  ?a skos:broader+ ?b .
}}""",
    "defined classes": f"""{_PREFIXES}
CONSTRUCT {{ ?x a ?c }} WHERE {{
  ?c owl:equivalentClass ?e .
  ?e owl:intersectionOf ?list .
  ?list rdf:first ?base ; rdf:rest/rdf:first ?restriction .
  ?restriction owl:onProperty ?p ; owl:someValuesFrom ?filler .
  FILTER(isIRI(?c) && isIRI(?base) && isIRI(?filler))
  ?x a ?base ; ?p ?y .
  ?y a ?filler .
}}""",
}


def inferred_triples(session: Any) -> list[ox.Triple]:
    """Apply every rule to what ``session`` holds; return the distinct inferred triples.

    Args:
        session: a store or a write session offering ``construct(sparql) -> list[ox.Triple]``
            over the union of its graphs.
    """
    seen: dict[ox.Triple, None] = {}
    for sparql in RULES.values():
        for triple in session.construct(sparql):
            seen.setdefault(triple, None)
    return list(seen)
