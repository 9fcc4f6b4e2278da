"""Documents → store: read, extract, build, validate and publish, with progress and a report.

``policykg build``, ``policykg serve`` (on an empty store) and ``POST /api/v1/documents`` all go
through :func:`build_documents`, so they refuse the same bad input in the same words. A document
the loader refuses is reported and skipped; the others are written, in one write session, so a
reader sees the store before or after the build and never in between.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from graph.build import document_iri, document_triples
from graph.errors import GraphError, ValidationError
from graph.lexicon import build_lexicon
from graph.namespace import POLID
from graph.store import Store
from loaders import load_document
from loaders.errors import LoaderError
from loaders.lexicon import Lexicon
from loaders.records import DocumentRecord

log = logging.getLogger(__name__)

ONTOLOGY_GRAPH = str(POLID["graph/ontology"])
INFERRED_GRAPH = str(POLID["graph/inferred"])


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
    def rate(self) -> float:
        """Documents per second so far."""
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0


@dataclass(slots=True)
class BuildReport:
    """The outcome of a build: what was written and what was refused, with the reason."""

    documents: list[str] = field(default_factory=list)
    measures: int = 0
    triples: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no document was refused."""
        return not self.failures


def ontology_triples() -> list[ox.Triple]:
    """The ontology source as triples, for its own named graph."""
    from ontology import ONTOLOGY_TTL

    data = ONTOLOGY_TTL.read_bytes()
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


def build_documents(
    store: Store,
    sources: Sequence[Path] | Iterable[tuple[str, bytes]],
    *,
    base: str,
    lexicon: Lexicon | None = None,
    validation: str = "refuse",
    progress: Callable[[Progress], None] | None = None,
) -> BuildReport:
    """Load documents into ``store`` in one write session, with the ontology and inferred graphs.

    Args:
        store: where to write.
        sources: file paths, or (name, bytes) pairs for uploaded documents.
        base: base IRI of minted individuals.
        lexicon: the vocabulary; built from the ontology when omitted.
        validation: ``refuse`` drops a document whose graph violates the SHACL shapes,
            ``warn`` keeps it and logs the violations.
        progress: called after each document.

    Returns:
        What was written and what was refused.

    Raises:
        GraphError: the store could not be written (nothing was published).
    """
    from graph.reasoning import inferred_triples
    from graph.validate import validate_shacl

    started = time.monotonic()
    lexicon = lexicon or build_lexicon()
    items = list(sources)
    report = BuildReport()
    state = Progress(total=len(items))
    now = datetime.now(UTC)
    with store.writer() as writer:
        writer.replace_graphs({ONTOLOGY_GRAPH: ontology_triples()})
        for item in items:
            name, payload = (item.name, item) if isinstance(item, Path) else item
            state.current = name
            try:
                record, triples = extract(payload, lexicon, base=base, name=name, generated_at=now)
                shacl = validate_shacl(triples)
                if not shacl.ok:
                    if validation == "refuse":
                        raise ValidationError(
                            f"{name}: the built graph violates the shapes:\n{shacl.text}"
                        )
                    log.warning("%s: the built graph violates the shapes:\n%s", name, shacl.text)
                iri = document_iri(record, base)
                writer.replace_graphs({iri: triples})
            except (LoaderError, ValidationError) as exc:
                report.failures.append((name, str(exc)))
                state.failed += 1
            else:
                report.documents.append(iri)
                report.measures += len(record.measures)
                report.triples += len(triples)
                state.measures += len(record.measures)
                state.triples += len(triples)
            state.done += 1
            if progress is not None:
                progress(state)
        writer.replace_graphs({INFERRED_GRAPH: inferred_triples(writer)})
    report.seconds = time.monotonic() - started
    return report


__all__ = ["BuildReport", "GraphError", "Progress", "build_documents", "extract"]
