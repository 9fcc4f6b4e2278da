"""The ontology → the extractor's lexicon (plain data in :mod:`loaders.lexicon`).

Reads the individuals the extractor recognises (ministries, region types, provinces, industry
classes, instruments, instrument types) with every label an ontologist gave them, so adding a
``skos:altLabel`` in Protégé changes what the next build finds; for ministries also the codes
their document numbers begin with (``skos:hiddenLabel``), for instruments and industries the
departments whose remit covers them (``pol:administeredBy``, ``pol:overseenBy``). Built once per
ontology file and cached: the CLI and the server ask for it many times.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path

import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from loaders.lexicon import Concept, ConceptKind, Lexicon

log = logging.getLogger(__name__)

POL = rdflib.Namespace("https://w3id.org/policykg/ontology#")
DEFAULT_ID_BASE = "https://w3id.org/policykg/id/"

_KINDS: tuple[tuple[str, ConceptKind], ...] = (
    ("Ministry", "ministry"),
    ("RegionType", "region"),
    ("Province", "province"),
    ("IndustryClass", "industry"),
    ("PolicyInstrument", "instrument"),
    ("InstrumentType", "itype"),
)
# Who runs an instrument or oversees an industry (sub-properties of pol:withinRemitOf, read
# one by one: the lexicon is built without a reasoner).
_REMIT = (POL.withinRemitOf, POL.administeredBy, POL.overseenBy)
_CACHE: OrderedDict[tuple[str, int, int, str], Lexicon] = OrderedDict()
_CACHE_SIZE = 8
_LOCK = threading.Lock()


def build_lexicon(
    ontology: Path | rdflib.Graph | None = None,
    *,
    id_base: str = DEFAULT_ID_BASE,
) -> Lexicon:
    """The extractor's vocabulary, read from the ontology.

    Args:
        ontology: a Turtle/RDF file, a parsed graph, or None for the bundled
            ``ontology/policykg.ttl``.
        id_base: base of the IRIs the extractor mints for discovered concepts. The concepts of
            the ontology keep their own IRIs.

    Returns:
        The lexicon. For a file, the same object is returned until the file changes.

    Raises:
        FileNotFoundError: the ontology file does not exist.
        ValueError: the file is not valid RDF, or names no concept the extractor can use.
    """
    if isinstance(ontology, rdflib.Graph):
        return _from_graph(ontology, id_base)
    path = Path(str(ontology)) if ontology is not None else _bundled()
    if not path.is_file():
        raise FileNotFoundError(f"ontology file {str(path)!r} not found; give the path of "
                                "ontology/policykg.ttl or another Turtle/RDF file")
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, id_base)
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            _CACHE.move_to_end(key)
            return cached
    from graph.ontology import OntologyError, check_ontology

    try:  # a corrupt file is refused with its exact line (rdflib's line numbers can be off)
        check_ontology(path)
    except OntologyError as exc:
        raise OntologyError(f"cannot read the ontology: {exc}") from None
    graph = rdflib.Graph()
    try:
        graph.parse(path, format=rdflib.util.guess_format(str(path)) or "turtle")
    except Exception as exc:  # rdflib raises parser-specific errors
        raise ValueError(f"cannot read the ontology {str(path)!r}: {exc}") from exc
    lexicon = _from_graph(graph, id_base)
    with _LOCK:
        _CACHE[key] = lexicon
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    log.info("lexicon: %d concepts from %s", len(lexicon.concepts), path)
    return lexicon


def clear_cache() -> None:
    """Forget cached lexicons (tests that edit an ontology file in place)."""
    with _LOCK:
        _CACHE.clear()


def _bundled() -> Path:
    from ontology import ONTOLOGY_TTL

    return Path(str(ONTOLOGY_TTL))


def _members_of(graph: rdflib.Graph, cls: rdflib.URIRef) -> set[rdflib.term.Node]:
    """Instances of ``cls`` or of any of its subclasses."""
    classes = {cls, *graph.transitive_subjects(RDFS.subClassOf, cls)}
    return {s for c in classes for s in graph.subjects(RDF.type, c)}


def _from_graph(graph: rdflib.Graph, id_base: str) -> Lexicon:
    concepts: dict[str, Concept] = {}
    hints: dict[str, tuple[str, ...]] = {}
    for class_name, kind in _KINDS:
        for subject in sorted(_members_of(graph, POL[class_name]), key=str):
            if not isinstance(subject, rdflib.URIRef) or str(subject) in concepts:
                continue
            iri = str(subject)
            pref = [o for o in graph.objects(subject, SKOS.prefLabel)
                    if isinstance(o, rdflib.Literal)]
            alt = [o for o in graph.objects(subject, SKOS.altLabel)
                   if isinstance(o, rdflib.Literal)]
            zh = sorted(str(o) for o in pref if (o.language or "").lower().startswith("zh"))
            label = zh[0] if zh else (sorted(str(o) for o in pref) or [iri.rsplit("/", 1)[-1]])[0]
            labels = tuple(dict.fromkeys(
                s for s in [label, *sorted(str(o) for o in pref), *sorted(str(o) for o in alt)]
                if s.strip()
            ))
            keywords = tuple(sorted({str(o) for o in graph.objects(subject, POL.mandateKeyword)
                                     if str(o).strip()}))
            itypes = sorted(str(o) for o in graph.objects(subject, POL.instrumentType))
            codes = tuple(sorted({str(o) for o in graph.objects(subject, SKOS.hiddenLabel)
                                  if isinstance(o, rdflib.Literal) and str(o).strip()}))
            remit = tuple(sorted({str(o) for p in _REMIT for o in graph.objects(subject, p)
                                  if isinstance(o, rdflib.URIRef)}))
            concepts[iri] = Concept(
                iri=iri,
                kind=kind,
                label=label,
                labels=labels,
                broader=tuple(sorted(str(o) for o in graph.objects(subject, SKOS.broader))),
                members=tuple(sorted(str(o) for o in graph.objects(subject, POL.comprises))),
                mandate_keywords=keywords,
                instrument_type=itypes[0] if itypes else None,
                regions=tuple(sorted(str(o) for o in graph.objects(subject, POL.inRegion))),
                document_codes=codes if kind == "ministry" else (),
                remit=remit if kind in {"instrument", "industry"} else (),
            )
            if kind == "itype":
                words = tuple(sorted({str(o) for o in graph.objects(subject, POL.typeKeyword)
                                      if str(o).strip()}))
                if words:
                    hints[iri] = words
    usable = {"region", "industry", "instrument", "ministry"}
    if not any(c.kind in usable for c in concepts.values()):
        raise ValueError("the ontology names no ministry, region type, industry class or "
                         "instrument (pol:Ministry, pol:RegionType, pol:IndustryClass, "
                         "pol:PolicyInstrument); the extractor would find nothing")
    version = ""
    for onto in graph.subjects(RDF.type, OWL.Ontology):
        found = graph.value(onto, OWL.versionIRI)
        if found is not None:
            version = str(found)
            break
    return Lexicon(concepts=concepts, ontology_version=version, id_base=id_base,
                   instrument_type_hints=hints)


__all__ = ["DEFAULT_ID_BASE", "build_lexicon", "clear_cache"]
