"""What the store holds, counted with one query per figure (for ``policykg stats`` and /healthz).

The counts of things (documents, measures …) read the union of the graphs; the counts of
triples and graphs go through the store (:meth:`graph.store.Store.count_triples`,
:meth:`graph.store.Store.graph_names`), so a Virtuoso server's own system graphs are not
counted and every store gives the same figures for the same data.
"""

from __future__ import annotations

from typing import Any

from graph.namespace import POLID
from graph.store import Store

_PREFIX = "PREFIX pol: <https://w3id.org/policykg/ontology#>\n"

COUNTS: dict[str, str] = {
    "documents": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pol:PolicyDocument }",
    "sections": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pol:Section }",
    "measures": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pol:Measure }",
    "targets": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pol:Target }",
    "attributions": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pol:Attribution }",
    "mentions": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pol:Mention }",
    "ministries": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pol:Ministry }",
    "region_types": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pol:RegionType }",
    "industry_classes": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pol:IndustryClass }",
    "instruments": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pol:PolicyInstrument }",
    "discovered_concepts": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x pol:discovered true }",
}

_GRAPHS = {
    "ontology_triples": str(POLID["graph/ontology"]),
    "inferred_triples": str(POLID["graph/inferred"]),
    "discovered_triples": str(POLID["graph/discovered"]),
}


def graph_stats(store: Store) -> dict[str, Any]:
    """Each figure of :data:`COUNTS`, triples and graphs, and the store's version."""
    out: dict[str, Any] = {}
    for name, sparql in COUNTS.items():
        rows = store.select(_PREFIX + sparql)
        out[name] = int(rows[0]["n"]["value"]) if rows and "n" in rows[0] else 0
    out["triples"] = store.count_triples()
    out["graphs"] = len(store.graph_names())
    for name, iri in _GRAPHS.items():
        rows = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
        out[name] = int(rows[0]["n"]["value"]) if rows and "n" in rows[0] else 0
    out["version"] = store.version()
    return out
