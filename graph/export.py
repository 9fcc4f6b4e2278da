"""Export the stored graph: TriG and N-Quads keep the named graphs; Turtle, RDF/XML and JSON-LD
merge them into one graph (RDF/XML is what Protégé users open: ontology plus data)."""

from __future__ import annotations

from typing import BinaryIO

import pyoxigraph as ox

from graph.namespace import PREFIXES
from graph.store import JSONLD, NQUADS, NTRIPLES, RDFXML, TRIG, TURTLE, Store

EXPORT_FORMATS: dict[str, str] = {
    "trig": TRIG,
    "nq": NQUADS,
    "turtle": TURTLE,
    "ttl": TURTLE,
    "nt": NTRIPLES,
    "xml": RDFXML,
    "owl": RDFXML,
    "jsonld": JSONLD,
}


def export_dataset(store: Store, out: BinaryIO, fmt: str) -> None:
    """Write the store's content to ``out`` in ``fmt`` (a key of :data:`EXPORT_FORMATS`)."""
    media = EXPORT_FORMATS[fmt]
    if media in (TRIG, NQUADS):
        store.dump(out, media)
        return
    triples = store.construct("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    kind = {
        TURTLE: ox.RdfFormat.TURTLE,
        NTRIPLES: ox.RdfFormat.N_TRIPLES,
        RDFXML: ox.RdfFormat.RDF_XML,
        JSONLD: ox.RdfFormat.JSON_LD,
    }[media]
    if kind in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
        body = ox.serialize(triples, format=kind, prefixes=PREFIXES)
    else:
        body = ox.serialize(triples, format=kind)
    out.write(body or b"")
