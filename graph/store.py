"""One small interface over every place the graph can live, and :func:`open_store` to pick one.

A store holds named graphs (one per document, one for the ontology, one for inferred triples)
and answers SPARQL. It offers the same few operations whatever is behind it: replace graphs
atomically, drop a graph, list graphs, run a query and get serialised results, dump, and a
version that changes with every write (for ETags and caches).

Implementations: ``graph.store_oxigraph`` (embedded, the default), ``graph.store_memory``
(rdflib, for tests) and ``graph.store_sparql`` (a remote SPARQL 1.1 server).
"""

from __future__ import annotations

import contextlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, Literal

import pyoxigraph as ox

from graph.errors import UnknownStoreError

STORE_FORMS = "oxigraph:PATH, memory:, sparql:QUERY_URL[;update=UPDATE_URL][;user=U;password=P]"

ResultKind = Literal["solutions", "boolean", "graph"]

SRJ = "application/sparql-results+json"
SRX = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
NQUADS = "application/n-quads"
TRIG = "application/trig"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"

RESULT_MEDIA_TYPES: dict[ResultKind, tuple[str, ...]] = {
    "solutions": (SRJ, SRX, CSV, TSV),
    "boolean": (SRJ, SRX, CSV, TSV),
    "graph": (TURTLE, NTRIPLES, JSONLD, RDFXML, NQUADS, TRIG),
}
"""Media types each kind of result can be serialised to, the default first."""


@dataclass(frozen=True, slots=True)
class StoreSpec:
    """A parsed ``POLICYKG_STORE`` value."""

    kind: Literal["oxigraph", "memory", "sparql"]
    path: str | None = None
    query_url: str | None = None
    update_url: str | None = None
    user: str | None = None
    password: str | None = None


@dataclass(frozen=True, slots=True)
class DatasetSpec:
    """The RDF dataset of one query (SPARQL Protocol ``default-graph-uri`` / ``named-graph-uri``).

    Empty tuples mean the store's own dataset: the default graph is the union of all graphs.
    """

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    @property
    def is_default(self) -> bool:
        """True when the query runs on the store's own dataset."""
        return not self.default_graphs and not self.named_graphs


@dataclass(frozen=True, slots=True)
class QueryResult:
    """A query's answer, already serialised in the media type that was negotiated."""

    kind: ResultKind
    body: bytes
    media_type: str
    truncated: bool = False
    """True when the row limit cut the solutions."""
    rows: int | None = None
    """Number of solutions serialised (``None`` for booleans and graphs, and when the engine
    wrote the solutions itself without counting them)."""


def parse_store_spec(spec: str) -> StoreSpec:
    """Parse ``oxigraph:PATH``, ``memory:`` or ``sparql:QUERY_URL;update=URL;user=U;password=P``.

    Raises:
        UnknownStoreError: the value has none of these forms; the message lists them.
    """
    kind, sep, rest = spec.partition(":")
    if not sep:
        raise UnknownStoreError(f"unknown store {spec!r}; choose one of {STORE_FORMS}")
    if kind == "memory" and not rest:
        return StoreSpec("memory")
    if kind == "oxigraph" and rest:
        return StoreSpec("oxigraph", path=rest)
    if kind == "sparql" and rest:
        url, *options = rest.split(";")
        opts: dict[str, str] = {}
        for option in options:
            key, eq, value = option.partition("=")
            if not eq or key not in ("update", "user", "password"):
                raise UnknownStoreError(
                    f"unknown option {option!r} in store {spec!r}; use update=, user=, password="
                )
            opts[key] = value
        if not url.startswith(("http://", "https://")):
            raise UnknownStoreError(f"store {spec!r}: the query URL must be http:// or https://")
        return StoreSpec(
            "sparql",
            query_url=url,
            update_url=opts.get("update"),
            user=opts.get("user"),
            password=opts.get("password"),
        )
    raise UnknownStoreError(f"unknown store {spec!r}; choose one of {STORE_FORMS}")


class Store(ABC):
    """The operations every store offers. Implementations must be safe to call from threads."""

    spec: StoreSpec

    @abstractmethod
    def query(
        self,
        sparql: str,
        *,
        accept: Sequence[str] = (),
        dataset: DatasetSpec | None = None,
        max_rows: int | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        """Run a SPARQL query and serialise its result.

        Args:
            sparql: the query text, passed as is to the engine.
            accept: media types the caller takes, best first; the first one that fits the kind of
                result is used, the kind's default (``RESULT_MEDIA_TYPES``) when empty.
            dataset: the protocol's dataset; the union of all graphs when omitted.
            max_rows: cut solutions after this many (``QueryResult.truncated`` says so).
            timeout: seconds; stores that can stop a query do so.

        Raises:
            QuerySyntaxError: the query does not parse (message from the parser).
            NotAcceptableError: no media type in ``accept`` fits the kind of result.
            QueryTimeoutError: the time limit hit.
            StoreUnavailableError: the store cannot be reached.
        """

    @abstractmethod
    def update(self, sparql: str) -> None:
        """Run a SPARQL Update request as one transaction where the store allows it.

        Raises:
            QuerySyntaxError: the update does not parse.
        """

    @abstractmethod
    def replace_graphs(self, graphs: Mapping[str, Iterable[ox.Triple]]) -> None:
        """Replace each named graph by the given triples, all at once: readers never see a mix."""

    @abstractmethod
    def append_graph(self, iri: str, data: bytes) -> None:
        """Add triples (N-Triples bytes) to a named graph, keeping what it holds."""

    @abstractmethod
    def drop_graph(self, iri: str) -> bool:
        """Remove a named graph; return whether it existed."""

    @abstractmethod
    def graph_names(self) -> list[str]:
        """IRIs of the named graphs, sorted."""

    @abstractmethod
    def dump(self, out: BinaryIO, media_type: str = NQUADS) -> None:
        """Write the whole dataset (N-Quads or TriG) to ``out``."""

    @abstractmethod
    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad of one named graph, or of every named graph, streamed where possible.

        Unlike a CONSTRUCT, this is never cut by a server's result cap (the remote store pages),
        so exports and dumps are complete.
        """

    @abstractmethod
    def version(self) -> str:
        """An opaque token that changes whenever the data changes."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files, connections and locks."""

    @contextlib.contextmanager
    def writer(self, *, wait: float = 30.0) -> Iterator[Any]:
        """A write session offering ``replace_graphs``, ``drop_graph``, ``graph_names``,
        ``update``, ``select``, ``ask`` and ``construct``.

        Stores that can publish a whole session at once (the embedded one) override this;
        here each call is its own atomic step.
        """
        yield self

    # Conveniences built on query(); stores may do better.

    def select(self, sparql: str, **kwargs: Any) -> list[dict[str, dict[str, str]]]:
        """Rows of a SELECT as SPARQL JSON bindings (``{var: {"type", "value", …}}``)."""
        result = self.query(sparql, accept=(SRJ,), **kwargs)
        return json.loads(result.body)["results"]["bindings"]

    def ask(self, sparql: str, **kwargs: Any) -> bool:
        """The answer of an ASK query."""
        result = self.query(sparql, accept=(SRJ,), **kwargs)
        return bool(json.loads(result.body)["boolean"])

    def construct(self, sparql: str) -> list[ox.Triple]:
        """Triples of a CONSTRUCT over the union of all graphs."""
        result = self.query(sparql, accept=(NTRIPLES,))
        return [q.triple for q in ox.parse(result.body, format=ox.RdfFormat.N_TRIPLES)]

    def count_triples(self) -> int:
        """Number of triples across all graphs."""
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(rows[0]["n"]["value"]) if rows else 0

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(spec: str | StoreSpec, *, read_only: bool = False) -> Store:
    """Open the store a ``POLICYKG_STORE`` value names.

    Args:
        spec: the setting, or an already parsed one.
        read_only: open for reading only (the server's query workers do; a builder does not).

    Raises:
        UnknownStoreError: the setting has none of the valid forms.
        StoreUnavailableError: the store cannot be opened.
    """
    parsed = parse_store_spec(spec) if isinstance(spec, str) else spec
    if parsed.kind == "oxigraph":
        from graph.store_oxigraph import OxigraphStore

        return OxigraphStore(parsed, read_only=read_only)
    if parsed.kind == "memory":
        from graph.store_memory import MemoryStore

        return MemoryStore(parsed)
    from graph.store_sparql import SparqlStore

    return SparqlStore(parsed)
