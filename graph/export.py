"""Export the stored graph: TriG, N-Quads and JSON-LD keep the named graphs; Turtle, N-Triples and
RDF/XML merge them into one graph.

RDF/XML is what Protégé users open: ontology, data and inferred triples in one file that the
OWL API reads as OWL 2 DL. Data individuals (documents, measures, sections …) are declared
``owl:NamedIndividual`` there, as the ontology's own individuals are, so that the OWL API sees
every IRI as the entity it is.

Everything is read with :meth:`graph.store.Store.quads`, which is complete on every store (a
remote server's result cap is paged around), and written as it is read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

import pyoxigraph as ox

from graph.namespace import PREFIXES
from graph.store import JSONLD, NQUADS, NTRIPLES, RDFXML, TRIG, TURTLE, Store

EXPORT_FORMATS: dict[str, str] = {
    "trig": TRIG,
    "nq": NQUADS,
    "nquads": NQUADS,
    "turtle": TURTLE,
    "ttl": TURTLE,
    "nt": NTRIPLES,
    "xml": RDFXML,
    "rdfxml": RDFXML,
    "owl": RDFXML,
    "jsonld": JSONLD,
}
"""``policykg export --format`` names → media types."""

_OX_FORMATS = {
    TRIG: ox.RdfFormat.TRIG,
    NQUADS: ox.RdfFormat.N_QUADS,
    TURTLE: ox.RdfFormat.TURTLE,
    NTRIPLES: ox.RdfFormat.N_TRIPLES,
    RDFXML: ox.RdfFormat.RDF_XML,
}
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_OWL = "http://www.w3.org/2002/07/owl#"
_TYPE = ox.NamedNode(_RDF + "type")
_NAMED_INDIVIDUAL = ox.NamedNode(_OWL + "NamedIndividual")
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def export_dataset(
    store: Store, out: BinaryIO, fmt: str, *, context_url: str | None = None
) -> int:
    """Write the store's content to ``out`` in ``fmt`` (a key of :data:`EXPORT_FORMATS`).

    Args:
        store: what to export (every named graph).
        out: a binary stream.
        fmt: the format name.
        context_url: for JSON-LD, a published context to reference before the inline prefixes.

    Returns:
        The number of quads read from the store.

    Raises:
        ValueError: ``fmt`` is not a known format (the message lists them).
    """
    if fmt not in EXPORT_FORMATS:
        known = ", ".join(sorted(EXPORT_FORMATS))
        raise ValueError(f"unknown format {fmt!r}; choose one of {known}")
    media = EXPORT_FORMATS[fmt]
    # Graph by graph: each graph's quads come grouped by subject, which the writers keep.
    counter = _Counter(q for graph in store.graph_names() for q in store.quads(graph))
    if media == JSONLD:
        write_jsonld(counter, out, context_url=context_url)
    elif media in (TRIG, NQUADS):
        ox.serialize(counter, out, format=_OX_FORMATS[media], **_prefixes(media))
    elif media == RDFXML:
        ox.serialize(_with_declarations(counter, store), out, format=ox.RdfFormat.RDF_XML,
                     prefixes=PREFIXES)
    else:
        triples = (q.triple for q in counter)
        ox.serialize(triples, out, format=_OX_FORMATS[media], **_prefixes(media))
    return counter.count


def _prefixes(media: str) -> dict[str, Any]:
    return {"prefixes": PREFIXES} if media in (TURTLE, TRIG) else {}


class _Counter:
    """Passes quads through and counts them."""

    def __init__(self, quads: Iterable[ox.Quad]) -> None:
        self.quads = iter(quads)
        self.count = 0

    def __iter__(self) -> Iterator[ox.Quad]:
        for q in self.quads:
            self.count += 1
            yield q


# -- RDF/XML for Protégé: data individuals declared --------------------------------------------


def _ontology_classes(store: Store) -> set[str]:
    """IRIs the stored ontology declares as classes (``owl:Class``)."""
    rows = store.select(
        "SELECT DISTINCT ?c WHERE { GRAPH ?g { ?c a <http://www.w3.org/2002/07/owl#Class> } "
        "FILTER(isIRI(?c)) }"
    )
    return {row["c"]["value"] for row in rows}


def _with_declarations(quads: Iterable[ox.Quad], store: Store) -> Iterator[ox.Triple]:
    """The triples of ``quads``, then ``x a owl:NamedIndividual`` for every IRI typed with an
    ontology class that is not declared so yet."""
    classes = _ontology_classes(store)
    typed: set[str] = set()
    declared: set[str] = set()
    for q in quads:
        t = q.triple
        if t.predicate == _TYPE and isinstance(t.subject, ox.NamedNode):
            if t.object == _NAMED_INDIVIDUAL:
                declared.add(t.subject.value)
            elif isinstance(t.object, ox.NamedNode) and t.object.value in classes:
                typed.add(t.subject.value)
        yield t
    for iri in sorted(typed - declared - classes):
        yield ox.Triple(ox.NamedNode(iri), _TYPE, _NAMED_INDIVIDUAL)


# -- JSON-LD ------------------------------------------------------------------------------------


def jsonld_context() -> dict[str, Any]:
    """The inline context of an export: JSON-LD 1.1 with the project's prefixes."""
    return {"@version": 1.1, **dict(sorted(PREFIXES.items()))}


def _compact(iri: str, namespaces: list[tuple[str, str]]) -> str:
    """``pol:Measure`` for an IRI under a known namespace, the IRI itself otherwise."""
    for prefix, namespace in namespaces:
        if iri.startswith(namespace):
            local = iri[len(namespace):]
            if local and not local.startswith("//") and ":" not in local:
                return f"{prefix}:{local}"
    return iri


def _term_id(term: Any, namespaces: list[tuple[str, str]]) -> str:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return _compact(term.value, namespaces)


def _value(term: Any, namespaces: list[tuple[str, str]]) -> dict[str, Any]:
    if isinstance(term, ox.Literal):
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype.value == _XSD_STRING:
            return {"@value": term.value}
        return {"@value": term.value, "@type": _compact(term.datatype.value, namespaces)}
    return {"@id": _term_id(term, namespaces)}


def write_jsonld(
    quads: Iterable[ox.Quad], out: BinaryIO, *, context_url: str | None = None
) -> None:
    """Write quads as JSON-LD: one ``@graph`` object per named graph, nodes under it.

    Quads are grouped by graph and subject as they come (stores return a graph's quads
    together), so memory holds one node at a time, not the dataset.
    """
    context = jsonld_context()
    namespaces = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))
    head: Any = [context_url, context] if context_url else context
    out.write(b'{"@context": ' + json.dumps(head, ensure_ascii=False).encode() + b',\n"@graph": [')
    graph_open: str | None = None
    node: dict[str, Any] | None = None
    first_graph, first_node = True, True

    def flush_node() -> None:
        nonlocal node, first_node
        if node is not None:
            out.write((b"" if first_node else b",") + b"\n  " + _dump(node))
            first_node = False
        node = None

    for q in quads:
        graph = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
        subject = _term_id(q.subject, namespaces)
        if graph != graph_open:
            flush_node()
            if graph_open is not None:
                out.write(b"]}")
            out.write((b"" if first_graph else b",") + b"\n {")
            out.write(b'"@id": ' + _dump(_compact(graph, namespaces)) + b', "@graph": [')
            graph_open, first_graph, first_node = graph, False, True
        if node is None or node["@id"] != subject:
            flush_node()
            node = {"@id": subject}
        if q.predicate == _TYPE and not isinstance(q.object, ox.Literal):
            node.setdefault("@type", []).append(_term_id(q.object, namespaces))
        else:
            key = _compact(q.predicate.value, namespaces)
            node.setdefault(key, []).append(_value(q.object, namespaces))
    flush_node()
    if graph_open is not None:
        out.write(b"]}")
    out.write(b"\n]}\n")


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


__all__ = ["EXPORT_FORMATS", "export_dataset", "jsonld_context", "write_jsonld"]
