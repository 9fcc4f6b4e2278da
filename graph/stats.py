"""What the store holds, counted with one query per figure (for ``policykg stats`` and /healthz)."""

from __future__ import annotations

from typing import Any

from graph.store import Store

_PREFIX = "PREFIX pol: <https://w3id.org/policykg/ontology#>\n"

COUNTS: dict[str, str] = {
    "documents": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pol:PolicyDocument }",
    "sections": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pol:Section }",
    "measures": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pol:Measure }",
    "targets": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pol:Target }",
    "attributions": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pol:Attribution }",
    "ministries": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pol:Ministry }",
    "region_types": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pol:RegionType }",
    "industry_classes": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pol:IndustryClass }",
    "instruments": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pol:PolicyInstrument }",
    "discovered_concepts": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x pol:discovered true }",
    "triples": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "graphs": "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
}


def graph_stats(store: Store) -> dict[str, Any]:
    """Each figure of :data:`COUNTS`, plus the store's version."""
    out: dict[str, Any] = {}
    for name, sparql in COUNTS.items():
        rows = store.select(_PREFIX + sparql)
        out[name] = int(rows[0]["n"]["value"]) if rows and "n" in rows[0] else 0
    out["version"] = store.version()
    return out
