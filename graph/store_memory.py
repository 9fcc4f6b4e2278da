"""``memory:``: an in-memory rdflib Dataset, for tests and one-off runs.

It runs queries on rdflib's own SPARQL engine, so tests that pass on it and on Oxigraph show
that the canned queries do not lean on one engine's quirks. It cannot stop a runaway query.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, BinaryIO

import pyoxigraph as ox
import rdflib
from rdflib.plugins.sparql import prepareQuery, prepareUpdate
from rdflib.term import BNode, Literal, Node, URIRef

from graph.errors import QueryRefusedError, QuerySyntaxError
from graph.results import (
    RDF_FORMATS,
    choose_media_type,
    serialize_boolean,
    serialize_solutions,
    serialize_triples,
)
from graph.store import NQUADS, TRIG, DatasetSpec, QueryResult, Store, StoreSpec

# rdflib would fetch the IRIs of FROM / FROM NAMED from the web: never.
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False

_DEFAULT = str(rdflib.graph.DATASET_DEFAULT_GRAPH_ID)
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _graph_name(g: Any) -> str:
    """The IRI of a context as rdflib hands it out (a Graph, or already its identifier)."""
    return str(getattr(g, "identifier", g))


def to_ox(term: Node | None) -> Any:
    """An rdflib term as the equivalent pyoxigraph term."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported term {term!r}")


def to_rdflib(term: Any) -> Node:
    """A pyoxigraph term as the equivalent rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            # RDF 1.1: "x" and "x"^^xsd:string are one term, but rdflib tells them apart.
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unsupported term {term!r}")


def _names(node: Any, name: str) -> bool:
    """Whether rdflib's parsed algebra holds a node called ``name`` anywhere."""
    if getattr(node, "name", None) == name:
        return True
    if isinstance(node, dict):
        return any(_names(v, name) for v in node.values())
    if isinstance(node, list | tuple):
        return any(_names(v, name) for v in node)
    return False


class _Row:
    __slots__ = ("_row",)

    def __init__(self, row: Any) -> None:
        self._row = row

    def __getitem__(self, var: str) -> Any:
        return to_ox(self._row.get(var) if hasattr(self._row, "get") else None)


class MemoryStore(Store):
    """An rdflib Dataset whose default graph is the union of its named graphs."""

    native_updates = False
    """rdflib evaluates big updates slowly: inference runs in Oxigraph and is copied in."""

    def __init__(self, spec: StoreSpec) -> None:
        self.spec = spec
        self.dataset = rdflib.Dataset(default_union=True)
        self._lock = threading.RLock()
        self._version = 0

    def query(
        self,
        sparql: str,
        *,
        accept: Sequence[str] = (),
        dataset: DatasetSpec | None = None,
        max_rows: int | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        """Run the query on rdflib (see :meth:`Store.query`); ``timeout`` is not enforced here."""
        try:
            prepared = prepareQuery(sparql)
        except Exception as exc:  # pyparsing.ParseException and friends
            raise QuerySyntaxError(str(exc)) from exc
        if _names(prepared.algebra, "ServiceGraphPattern"):
            # rdflib would send the SERVICE request itself.
            raise QueryRefusedError("SERVICE is not allowed on this endpoint")
        with self._lock:
            target = self.dataset
            if dataset is not None and not dataset.is_default:
                target = self._view(dataset)
            result = target.query(prepared)
            if result.type == "ASK":
                media = choose_media_type("boolean", accept)
                body = serialize_boolean(bool(result.askAnswer), media)
                return QueryResult("boolean", body, media)
            if result.type in ("CONSTRUCT", "DESCRIBE"):
                media = choose_media_type("graph", accept)
                triples = (
                    ox.Triple(to_ox(s), to_ox(p), to_ox(o))
                    for s, p, o in result.graph  # type: ignore[union-attr]
                )
                body, cut = serialize_triples(triples, media, max_rows)
                return QueryResult("graph", body, media, truncated=cut)
            media = choose_media_type("solutions", accept)
            variables = [str(v) for v in result.vars or []]
            rows = (_Row(r.asdict()) for r in result)  # type: ignore[union-attr]
            body, cut, count = serialize_solutions(variables, rows, media, max_rows)  # type: ignore[arg-type]
            return QueryResult("solutions", body, media, truncated=cut, rows=count)

    def _view(self, dataset: DatasetSpec) -> rdflib.Dataset:
        view = rdflib.Dataset(default_union=False)
        default = view.default_context
        for iri in dataset.default_graphs:
            for triple in self.dataset.graph(URIRef(iri)):
                default.add(triple)
        for iri in dataset.named_graphs:
            named = view.graph(URIRef(iri))
            for triple in self.dataset.graph(URIRef(iri)):
                named.add(triple)
        return view

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update on the dataset."""
        try:
            prepared = prepareUpdate(sparql)
        except Exception as exc:
            raise QuerySyntaxError(str(exc)) from exc
        if _names(prepared.algebra, "Load"):
            raise QueryRefusedError("LOAD is not allowed on this endpoint")
        with self._lock:
            self.dataset.update(prepared)
            self._version += 1

    def replace_graphs(self, graphs: Mapping[str, Iterable[ox.Triple]]) -> None:
        """Replace named graphs under the lock, so readers see all or nothing."""
        converted = {
            iri: [(to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)) for t in ts]
            for iri, ts in graphs.items()
        }
        with self._lock:
            for iri, triples in converted.items():
                self.dataset.remove_graph(URIRef(iri))
                graph = self.dataset.graph(URIRef(iri))
                for triple in triples:
                    graph.add(triple)  # type: ignore[arg-type]
            self._version += 1

    def append_graph(self, iri: str, data: bytes) -> None:
        """Add N-Triples to a named graph."""
        triples = [
            (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
            for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
        ]
        with self._lock:
            graph = self.dataset.graph(URIRef(iri))
            for triple in triples:
                graph.add(triple)  # type: ignore[arg-type]
            self._version += 1

    def drop_graph(self, iri: str) -> bool:
        """Remove a named graph; return whether it existed."""
        with self._lock:
            existed = iri in self.graph_names()
            if existed:
                self.dataset.remove_graph(URIRef(iri))
                self._version += 1
            return existed

    def graph_names(self) -> list[str]:
        """Named graphs that hold triples."""
        with self._lock:
            return sorted(
                str(g.identifier)
                for g in self.dataset.contexts()
                if isinstance(g.identifier, URIRef) and len(g) and str(g.identifier) != str(
                    rdflib.graph.DATASET_DEFAULT_GRAPH_ID
                )
            )

    def dump(self, out: BinaryIO, media_type: str = NQUADS) -> None:
        """Write every quad (N-Quads or TriG) through Oxigraph's serialiser."""
        fmt = RDF_FORMATS[media_type if media_type in (NQUADS, TRIG) else NQUADS]
        ox.serialize(list(self.quads()), out, format=fmt)

    def version(self) -> str:
        """A counter bumped by every write."""
        return f"mem-{self._version}"

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad of one named graph, or of all of them, as pyoxigraph terms."""
        with self._lock:
            if graph is not None:
                name = ox.NamedNode(graph)
                items = [
                    ox.Quad(to_ox(s), to_ox(p), to_ox(o), name)
                    for s, p, o in self.dataset.graph(URIRef(graph))
                ]
            else:
                items = [
                    ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.NamedNode(_graph_name(g)))
                    for s, p, o, g in self.dataset.quads((None, None, None, None))
                    if g is not None and _graph_name(g) != _DEFAULT
                ]
        yield from items

    iter_quads = quads
