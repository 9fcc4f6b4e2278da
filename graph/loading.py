"""Documents → store: read, extract, build, validate and publish, with progress and a report.

``policykg build``, ``policykg serve`` (on an empty store) and ``POST /api/v1/documents`` all go
through :func:`build_documents`, so they refuse the same bad input in the same words.

How a build runs:

- Extraction, RDF building and SHACL validation are pure CPU work per document; with more than
  one document they run in worker processes (one per core by default), at most a bounded
  number of documents ahead of the writer (``_Preparer.AHEAD`` per worker: enough to keep the
  workers busy while the writer bulk-loads), so memory stays bounded whatever the size of the
  corpus. Each worker
  hands back its document as N-Triples bytes, which Oxigraph loads natively.
- Each worker also closes its document under the ontology's rules (``graph.reasoning``), so
  the inferred graph grows document by document instead of being recomputed over the store.
- The writer (this process) puts every document in its own named graph, the ontology in
  ``polid:graph/ontology``, the description of discovered concepts in
  ``polid:graph/discovered`` (once per concept, see :data:`graph.build.DISCOVERED_GRAPH`) and
  the conclusions in ``polid:graph/inferred`` (with those of the documents already in the
  store, read back) — all in one write session, so a reader of the
  embedded store sees the store before or after the build, never in between, and a build
  killed half-way leaves the previous one in place.
- A document that cannot be read, that the extractor refuses, or whose graph violates the
  SHACL shapes (with ``validation="refuse"``) is reported and skipped; the others are written.
  A failure of the store itself stops the build with nothing published.

Validation runs the shapes compiled to SPARQL (``graph.shacl_native``), a few milliseconds per
document; if the shapes use something the compiler does not know, pySHACL runs instead
(``graph.validate.validate_shacl``), slowly but with the same verdicts.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import multiprocessing
import os
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from graph.build import DISCOVERED_GRAPH, document_iri, document_triples, split_discovered
from graph.errors import GraphError, ValidationError
from graph.namespace import POLID
from graph.store import Store
from loaders import load_document
from loaders.errors import LoaderError
from loaders.lexicon import Lexicon
from loaders.records import DocumentRecord

log = logging.getLogger(__name__)

ONTOLOGY_GRAPH = str(POLID["graph/ontology"])
INFERRED_GRAPH = str(POLID["graph/inferred"])
VALIDATION_MODES = ("refuse", "warn")

Source = Path | tuple[str, bytes]


@dataclass(slots=True)
class Progress:
    """What a build has done so far; handed to the progress callback after each document."""

    total: int
    done: int = 0
    measures: int = 0
    triples: int = 0
    failed: int = 0
    started: float = field(default_factory=time.monotonic)
    current: str = ""

    @property
    def elapsed(self) -> float:
        """Seconds since the build started."""
        return time.monotonic() - self.started

    @property
    def rate(self) -> float:
        """Documents per second so far."""
        elapsed = self.elapsed
        return self.done / elapsed if elapsed > 0 else 0.0

    @property
    def triple_rate(self) -> float:
        """Triples per second so far."""
        elapsed = self.elapsed
        return self.triples / elapsed if elapsed > 0 else 0.0


@dataclass(slots=True)
class BuildReport:
    """The outcome of a build: what was written and what was refused, with the reason."""

    documents: list[str] = field(default_factory=list)
    measures: int = 0
    triples: int = 0
    inferred: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    validation_seconds: float = 0.0
    workers: int = 1

    @property
    def ok(self) -> bool:
        """True when no document was refused."""
        return not self.failures


@dataclass(frozen=True, slots=True)
class _Built:
    """One document after the CPU-bound steps, as a worker hands it back."""

    name: str
    iri: str = ""
    data: bytes = b""  # the document graph as N-Triples
    triples: int = 0
    measures: int = 0
    inferred: bytes = b""  # what the document implies with the ontology, as N-Triples
    discovered: bytes = b""  # the description of the concepts it discovered, as N-Triples
    concepts: tuple[str, ...] = ()  # the IRIs of those concepts
    error: str = ""
    warning: str = ""
    validation_seconds: float = 0.0


def ontology_triples() -> list[ox.Triple]:
    """The ontology source as triples, for its own named graph."""
    from ontology import ONTOLOGY_TTL

    data = Path(str(ONTOLOGY_TTL)).read_bytes()
    return [q.triple for q in ox.parse(data, format=ox.RdfFormat.TURTLE)]


def extract(
    source: Path | bytes,
    lexicon: Lexicon,
    *,
    base: str,
    name: str | None = None,
    generated_at: datetime | None = None,
) -> tuple[DocumentRecord, list[ox.Triple]]:
    """One document → its record and the triples of its named graph.

    Raises:
        LoaderError: the loader refused the document.
    """
    record = load_document(source, lexicon, name=name)
    triples = list(
        document_triples(
            record, base=base, ontology_version=lexicon.ontology_version, generated_at=generated_at
        )
    )
    return record, triples


def validate_document(triples: Sequence[ox.Triple]) -> Any:
    """Check one document graph against the SHACL shapes (fast path, pySHACL as fallback).

    Returns:
        A :class:`graph.validate.ShaclReport`.
    """
    from graph.shacl_native import UnsupportedShapeError, native_validator

    try:
        validator = native_validator()
    except UnsupportedShapeError as exc:
        from graph.validate import validate_shacl

        if not _WARNED_FALLBACK:
            _WARNED_FALLBACK.append(True)
            log.warning("SHACL: %s; validating with pySHACL (about a second per document)", exc)
        return validate_shacl(list(triples))
    return validator.validate(triples)


_WARNED_FALLBACK: list[bool] = []


# -- the CPU-bound part, run in workers ------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(lexicon: Lexicon, base: str, validation: str, now: datetime) -> None:
    _WORKER.update(lexicon=lexicon, base=base, validation=validation, now=now)


def _prepare(name: str, payload: Path | bytes) -> _Built:
    """Read, extract, build and validate one document; never raises for a bad document."""
    lexicon, base = _WORKER["lexicon"], _WORKER["base"]
    try:
        record, triples = extract(
            payload, lexicon, base=base, name=name, generated_at=_WORKER["now"]
        )
    except LoaderError as exc:
        return _Built(name, error=str(exc))
    except OSError as exc:
        return _Built(name, error=f"cannot read the file: {exc.strerror or exc}")
    except Exception as exc:  # a bug in the extractor must not stop the whole corpus
        log.exception("%s: the extractor failed", name)
        return _Built(name, error=f"the extractor failed ({type(exc).__name__}: {exc}); "
                      "please report this document")
    started = time.monotonic()
    report = validate_document(triples)
    spent = time.monotonic() - started
    warning = ""
    if not report.ok:
        message = f"the built graph violates the SHACL shapes:\n{report.text}"
        if _WORKER["validation"] == "refuse":
            return _Built(name, error=message, validation_seconds=spent)
        warning = message
    from graph.reasoning import ontology_reasoner

    document, described = split_discovered(record, triples)
    data = ox.serialize(document, format=ox.RdfFormat.N_TRIPLES) or b""
    shared = ox.serialize(described, format=ox.RdfFormat.N_TRIPLES) or b""
    return _Built(
        name,
        iri=document_iri(record, base),
        data=data,
        discovered=shared,
        concepts=tuple(concept.iri for concept in record.discovered),
        inferred=ontology_reasoner().infer_from_ntriples(data + shared),
        triples=len(triples),
        measures=len(record.measures),
        warning=warning,
        validation_seconds=spent,
    )


def _named(sources: Iterable[Source]) -> list[tuple[str, Path | bytes]]:
    out: list[tuple[str, Path | bytes]] = []
    for item in sources:
        if isinstance(item, Path):
            out.append((item.name, item))
        else:
            out.append((item[0], item[1]))
    return out


class _Preparer:
    """Prepared documents in input order; with workers, at most :attr:`AHEAD` per worker in flight.

    :meth:`start` forks the workers and hands them the first documents; call it before the
    store opens a write session, so no storage engine thread is running when the process forks.
    """

    def __init__(
        self, items: Sequence[tuple[str, Path | bytes]], workers: int, setup: tuple[Any, ...]
    ) -> None:
        self.items = iter(items)
        self.workers = workers
        self.setup = setup
        self.pool: ProcessPoolExecutor | None = None
        self.window: collections.deque[tuple[str, Future[_Built]]] = collections.deque()

    AHEAD = 64
    """Documents in flight per worker. The writer stops taking documents for seconds at a time
    while it bulk-loads what it gathered (``OxigraphWriter.BULK_BYTES``, some 170 documents);
    with two per worker, the workers finished those and then waited. A prepared document
    weighs about 0.4 MB, so the queue stays under 30 MB per worker."""

    def start(self) -> None:
        _init_worker(*self.setup)
        if self.workers > 1:
            self.pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_init_worker,
                initargs=self.setup,
            )
            self._fill()

    def _fill(self) -> None:
        assert self.pool is not None
        while len(self.window) < self.AHEAD * self.workers:
            item = next(self.items, None)
            if item is None:
                return
            self.window.append((item[0], self.pool.submit(_prepare, *item)))

    def __iter__(self) -> Iterator[_Built]:
        if self.pool is None:
            for name, payload in self.items:
                yield _prepare(name, payload)
            return
        while self.window:
            name, future = self.window.popleft()
            self._fill()
            yield _collect(name, future)

    def close(self) -> None:
        if self.pool is not None:
            for _, future in self.window:
                future.cancel()
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _collect(name: str, future: Future[_Built]) -> _Built:
    try:
        return future.result()
    except BrokenProcessPool:
        raise GraphError(
            f"a build worker died while reading {name} (out of memory?); nothing was "
            "published; run again with --jobs 1 to see the error"
        ) from None


def default_workers(count: int) -> int:
    """Worker processes for ``count`` documents: one per core, none for a single document."""
    if count <= 1:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(count, cores or 1))


# -- the writer ------------------------------------------------------------------------------


def _write_document(writer: Any, iri: str, data: bytes) -> None:
    """Replace one document graph from N-Triples bytes (natively when the session can)."""
    if hasattr(writer, "load_graph"):
        writer.load_graph(iri, data)
    else:
        triples = [q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
        writer.replace_graphs({iri: triples})


class _SessionGraph:
    """A graph derived from all documents, written whole in a write session.

    In a session that publishes everything at once (the embedded store) the graph is rewritten
    in place; elsewhere it is assembled in a staging graph and moved onto its name at the end
    with one ``MOVE``, so readers keep the old one until then.
    """

    def __init__(self, writer: Any, name: str) -> None:
        from graph.reasoning import STAGING

        self.writer = writer
        self.name = name
        atomic = getattr(writer, "atomic_session", False)
        key = name.rstrip("/").rsplit("/", 1)[-1]
        self.target = name if atomic else f"{STAGING}{key}-{secrets.token_hex(6)}"
        self.triples = 0

    def _append(self, data: bytes) -> None:
        if data:
            self.writer.append_graph(self.target, data)
            self.triples += data.count(b"\n")

    def finish(self) -> None:
        if self.target != self.name:
            # Also when nothing was staged: MOVE then empties the target (SPARQL 1.1 Update 3.2.5).
            self.writer.update(f"MOVE SILENT GRAPH <{self.target}> TO GRAPH <{self.name}>")

    def abandon(self) -> None:
        if self.target != self.name:
            try:
                self.writer.update(f"DROP SILENT GRAPH <{self.target}>")
            except GraphError:
                log.warning("could not remove the staging graph %s", self.target)


class _Inferred(_SessionGraph):
    """Writes the inferred graph of a write session, document by document."""

    def __init__(self, writer: Any) -> None:
        from graph.reasoning import ontology_reasoner

        super().__init__(writer, INFERRED_GRAPH)
        self.reasoner = ontology_reasoner()

    def start(self) -> None:
        from graph.reasoning import to_ntriples

        self.writer.update(f"DROP SILENT GRAPH <{self.target}>")
        self.add(to_ntriples(self.reasoner.ontology_inferred))

    def add(self, data: bytes) -> None:
        self._append(data)

    def add_stored(self, triples: Iterable[ox.Triple]) -> None:
        """The conclusions of a document already in the store (not part of this build).

        ``triples``: its graph and the description of the concepts it discovered, which is
        what its worker reasoned on when it was built.
        """
        self.add(self.reasoner.infer_ntriples(triples))


class _Discovered(_SessionGraph):
    """Writes the graph describing discovered concepts (:data:`DISCOVERED_GRAPH`) in a session.

    Rebuilt whole in every write session, like the inferred graph: from the documents of this
    build, and for the documents already in the store from the previous description (the
    only copy). So a concept that no document names any more goes, and a document rebuilt
    with a newer extractor replaces its concepts' description instead of adding to it.
    """

    def __init__(self, writer: Any) -> None:
        super().__init__(writer, DISCOVERED_GRAPH)
        self.previous: dict[str, list[ox.Triple]] = collections.defaultdict(list)
        self.written: set[str] = set()

    def start(self) -> None:
        for quad in self.writer.quads(DISCOVERED_GRAPH):
            self.previous[quad.subject.value].append(quad.triple)
        self.writer.update(f"DROP SILENT GRAPH <{self.target}>")

    def add(self, data: bytes, concepts: Iterable[str]) -> None:
        """The description written by this build's worker for one document."""
        self._append(data)
        self.written.update(concepts)

    def add_stored(self, triples: list[ox.Triple]) -> list[ox.Triple]:
        """Keep the description of the concepts a stored document discovered; return it."""
        from graph.namespace import POL

        found = str(POL.discoveredIn)
        described: list[ox.Triple] = []
        for triple in triples:
            if triple.predicate.value == found:
                described.extend(self.previous.get(triple.subject.value, ()))
        fresh = [t for t in described if t.subject.value not in self.written]
        if fresh:
            self._append(ox.serialize(fresh, format=ox.RdfFormat.N_TRIPLES) or b"")
            self.written.update(t.subject.value for t in fresh)
        return described


def _other_graphs(writer: Any, written: set[str]) -> list[str]:
    """Data graphs of the store that this build did not write (documents built earlier)."""
    from graph.reasoning import STAGING

    skip = {ONTOLOGY_GRAPH, INFERRED_GRAPH, DISCOVERED_GRAPH, *written}
    return [g for g in writer.graph_names() if g not in skip and not g.startswith(STAGING)]


@contextlib.contextmanager
def _derived_graphs(
    writer: Any, written: Sequence[str], *, infer: bool = True
) -> Iterator[tuple[_Discovered, _Inferred]]:
    """The discovered-concepts and inferred graphs of a write session.

    Started on entry; the caller adds what this session's documents contribute. On a normal
    exit both are completed with the documents already in the store (every data graph not in
    ``written``, read when the block ends) and published; on an error both are abandoned.
    ``infer=False`` leaves the inferred graph as it was.
    """
    discovered = _Discovered(writer)
    inferred = _Inferred(writer)
    try:
        discovered.start()
        if infer:
            inferred.start()
        yield discovered, inferred
        for iri in _other_graphs(writer, set(written)):
            stored = [q.triple for q in writer.quads(iri)]
            described = discovered.add_stored(stored)
            if infer:
                inferred.add_stored(stored + described)
        discovered.finish()
        if infer:
            inferred.finish()
    except BaseException:
        inferred.abandon()
        discovered.abandon()
        raise


def build_documents(
    store: Store,
    sources: Sequence[Path] | Iterable[tuple[str, bytes]],
    *,
    base: str,
    lexicon: Lexicon | None = None,
    validation: str = "refuse",
    progress: Callable[[Progress], None] | None = None,
    workers: int | None = None,
    infer: bool = True,
) -> BuildReport:
    """Load documents into ``store`` in one write session, with the ontology and inferred graphs.

    Args:
        store: where to write.
        sources: file paths, or (name, bytes) pairs for uploaded documents.
        base: base IRI of minted individuals.
        lexicon: the vocabulary; built from the ontology when omitted.
        validation: ``refuse`` drops a document whose graph violates the SHACL shapes,
            ``warn`` keeps it and reports the violations.
        progress: called after each document.
        workers: processes for extraction and validation (default: one per core).
        infer: recompute the inferred graph at the end (a test may skip it).

    Returns:
        What was written and what was refused.

    Raises:
        ValueError: ``validation`` is neither ``refuse`` nor ``warn``.
        GraphError: the store could not be written (nothing was published).
    """
    from graph.lexicon import build_lexicon

    if validation not in VALIDATION_MODES:
        raise ValueError(
            f"validation={validation!r} is not valid; choose one of {', '.join(VALIDATION_MODES)}"
        )
    started = time.monotonic()
    lexicon = lexicon or build_lexicon()
    items = _named(sources)
    jobs = workers if workers is not None else default_workers(len(items))
    report = BuildReport(workers=jobs)
    state = Progress(total=len(items))
    now = datetime.now(UTC).replace(microsecond=0)
    from graph.reasoning import ontology_reasoner

    validate_document([])  # compile the shapes once; forked workers inherit them
    ontology_reasoner()  # likewise the ontology's own conclusions
    documents = _Preparer(items, jobs, (lexicon, base, validation, now))
    documents.start()  # workers fork here, before the store opens a write session
    try:
        with store.writer() as writer:
            writer.replace_graphs({ONTOLOGY_GRAPH: ontology_triples()})
            with _derived_graphs(writer, report.documents, infer=infer) as (discovered, inferred):
                for built in documents:
                    state.current = built.name
                    report.validation_seconds += built.validation_seconds
                    if built.error:
                        report.failures.append((built.name, built.error))
                        state.failed += 1
                    else:
                        _write_document(writer, built.iri, built.data)
                        discovered.add(built.discovered, built.concepts)
                        if infer:
                            inferred.add(built.inferred)
                        if built.warning:
                            report.warnings.append((built.name, built.warning))
                            log.warning("%s: %s", built.name, built.warning)
                        report.documents.append(built.iri)
                        report.measures += built.measures
                        report.triples += built.triples
                        state.measures += built.measures
                        state.triples += built.triples
                    state.done += 1
                    if progress is not None:
                        progress(state)
            report.inferred = inferred.triples if infer else 0
    finally:
        documents.close()
    report.seconds = time.monotonic() - started
    return report


def delete_documents(store: Store, iris: Iterable[str]) -> list[str]:
    """Drop document graphs and recompute the graphs derived from all documents (discovered
    concepts, inferred), in one write session.

    Returns:
        The IRIs that were there (and are gone now).
    """
    wanted = list(iris)
    present = set(store.graph_names())
    gone = [iri for iri in wanted if iri in present]
    if not gone:
        return []
    with store.writer() as writer:
        for iri in gone:
            writer.drop_graph(iri)
        with _derived_graphs(writer, ()):
            pass  # nothing new: the derived graphs come from the documents left
    return gone


__all__ = [
    "DISCOVERED_GRAPH",
    "INFERRED_GRAPH",
    "ONTOLOGY_GRAPH",
    "BuildReport",
    "GraphError",
    "LoaderError",
    "Progress",
    "ValidationError",
    "build_documents",
    "default_workers",
    "delete_documents",
    "extract",
    "validate_document",
]
