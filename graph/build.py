"""Records → RDF: one named graph per document, with deterministic IRIs and provenance.

The shape of what is written is documented in ``docs/data-model.md`` and checked by the SHACL
shapes in ``ontology/shapes.ttl``. Triples are built as pyoxigraph terms, which every store and
serialiser takes directly; nothing here touches a store.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from functools import cache

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, PROV, SKOS

from graph.namespace import POL, POLID
from loaders.records import DocumentRecord, Measure

DISCOVERED_GRAPH = str(POLID["graph/discovered"])
"""Where discovered concepts are described, once for the whole store.

A document graph says only ``<concept> pol:discoveredIn <document>``; the concept's types,
label, scheme, ``pol:discovered`` and guessed ``pol:instrumentType`` live here. Described in
every document graph that found it, a concept discovered by n documents would match
``?c a pol:PolicyInstrument ; skos:prefLabel ?l`` n * n times: Oxigraph and Virtuoso read the
union default graph as a bag of quads, and at 100 documents the ``instruments`` query returned
1.1 million rows and ran into the time limit.
"""

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD = "http://www.w3.org/2001/XMLSchema#"
_INT = ox.NamedNode(XSD + "integer")
_NNI = ox.NamedNode(XSD + "nonNegativeInteger")
_BOOL = ox.NamedNode(XSD + "boolean")
_DATE = ox.NamedNode(XSD + "date")
_DATETIME = ox.NamedNode(XSD + "dateTime")


@cache
def _p(term: str) -> ox.NamedNode:
    return ox.NamedNode(str(term))


def _zh(text: str) -> ox.Literal:
    return ox.Literal(text, language="zh")


def _int(value: int, datatype: ox.NamedNode = _INT) -> ox.Literal:
    return ox.Literal(str(value), datatype=datatype)


def document_iri(record: DocumentRecord, base: str) -> str:
    """The IRI of a document (also the name of its graph): ``{base}doc/{slug}``."""
    return f"{base}doc/{record.slug}"


def document_triples(
    record: DocumentRecord,
    *,
    base: str,
    ontology_version: str = "",
    generated_at: datetime | None = None,
) -> Iterator[ox.Triple]:
    """Every triple of a document's named graph.

    Args:
        record: what the loader found.
        base: base IRI of minted individuals (ends with ``/``).
        ontology_version: the ontology's version IRI, recorded in the provenance.
        generated_at: time of the build; omitted, the provenance carries no time, so two runs
            of ``policykg extract`` print the same graph.
    """
    doc = ox.NamedNode(document_iri(record, base))
    t = ox.Triple

    def node(path: str) -> ox.NamedNode:
        return ox.NamedNode(f"{doc.value}/{path}")

    yield t(doc, RDF_TYPE, _p(POL.PolicyDocument))
    yield t(doc, _p(DCTERMS.title), _zh(record.title))
    if record.number:
        yield t(doc, _p(POL.documentNumber), ox.Literal(record.number))
    for n, iri in enumerate(record.issuers, start=1):
        issuance = node(f"issuer/{n}")
        yield t(doc, _p(POL.issuedBy), ox.NamedNode(iri))
        yield t(doc, _p(POL.hasIssuance), issuance)
        yield t(issuance, RDF_TYPE, _p(POL.Issuance))
        yield t(issuance, _p(POL.issuer), ox.NamedNode(iri))
        yield t(issuance, _p(POL.ordinal), _int(n))
    if record.issuers:
        yield t(doc, _p(POL.leadIssuer), ox.NamedNode(record.issuers[0]))
    if record.addressees:
        yield t(doc, _p(POL.addressee), _zh(record.addressees))
    if record.issued:
        yield t(doc, _p(DCTERMS.issued), ox.Literal(record.issued, datatype=_DATE))
    yield t(doc, _p(POL.fullText), _zh(record.full_text))
    if record.source:
        yield t(doc, _p(DCTERMS.source), ox.Literal(record.source))

    activity = node("extraction")
    yield t(doc, _p(PROV.wasGeneratedBy), activity)
    yield t(activity, RDF_TYPE, _p(PROV.Activity))
    if record.extractor_version:
        yield t(activity, _p(POL.extractorVersion), ox.Literal(record.extractor_version))
    if ontology_version:
        yield t(activity, _p(POL.ontologyVersion), ox.Literal(ontology_version))
    if record.sha256:
        yield t(activity, _p(POL.sourceSha256), ox.Literal(record.sha256))
    if generated_at is not None:
        stamp = generated_at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        yield t(activity, _p(PROV.endedAtTime), ox.Literal(stamp, datatype=_DATETIME))

    sections: dict[int, ox.NamedNode] = {}
    for section in record.sections:
        s = node(f"section/{section.ordinal}")
        sections[section.ordinal] = s
        yield t(doc, _p(POL.hasSection), s)
        yield t(s, RDF_TYPE, _p(POL.Section))
        yield t(s, _p(POL.inDocument), doc)
        yield t(s, _p(POL.ordinal), _int(section.ordinal))
        yield t(s, _p(POL.sectionNumber), ox.Literal(section.number))
        if section.title:
            yield t(s, _p(DCTERMS.title), _zh(section.title))
        yield from _span(s, section.text, section.begin, section.end)

    for measure in record.measures:
        yield from _measure_triples(doc, node(f"measure/{measure.ordinal}"), measure, sections)

    for target in record.targets:
        g = node(f"target/{target.ordinal}")
        yield t(doc, _p(POL.hasTarget), g)
        yield t(g, RDF_TYPE, _p(POL.Target))
        yield t(g, _p(POL.inDocument), doc)
        if target.section in sections:
            yield t(g, _p(POL.inSection), sections[target.section])
        yield t(g, _p(POL.ordinal), _int(target.ordinal))
        yield t(g, _p(POL.targetYear), _int(target.year))
        yield from _span(g, target.text, target.begin, target.end)

    for concept in record.discovered:
        c = ox.NamedNode(concept.iri)
        cls, scheme = (
            (POL.PolicyInstrument, POL.Instruments)
            if concept.kind == "instrument"
            else (POL.IndustryClass, POL.IndustryClasses)
        )
        yield t(c, RDF_TYPE, _p(cls))
        yield t(c, RDF_TYPE, _p(SKOS.Concept))
        yield t(c, _p(SKOS.prefLabel), _zh(concept.label))
        yield t(c, _p(SKOS.inScheme), _p(scheme))
        yield t(c, _p(POL.discovered), ox.Literal("true", datatype=_BOOL))
        yield t(c, _p(POL.discoveredIn), doc)
        if concept.instrument_type:
            yield t(c, _p(POL.instrumentType), ox.NamedNode(concept.instrument_type))


def split_discovered(
    record: DocumentRecord, triples: Iterable[ox.Triple]
) -> tuple[list[ox.Triple], list[ox.Triple]]:
    """Split :func:`document_triples`: the document graph, the discovered concepts' description.

    The two parts go to the document's graph and to :data:`DISCOVERED_GRAPH`; together they
    are what a document means (validation and reasoning look at both).
    """
    concepts = {concept.iri for concept in record.discovered}
    in_document = _p(POL.discoveredIn)
    document: list[ox.Triple] = []
    described: list[ox.Triple] = []
    for triple in triples:
        if triple.subject.value in concepts and triple.predicate != in_document:
            described.append(triple)
        else:
            document.append(triple)
    return document, described


def _span(node: ox.NamedNode, text: str, begin: int, end: int) -> Iterator[ox.Triple]:
    yield ox.Triple(node, _p(POL.text), _zh(text))
    yield ox.Triple(node, _p(POL.beginOffset), _int(begin, _NNI))
    yield ox.Triple(node, _p(POL.endOffset), _int(end, _NNI))


def _measure_triples(
    doc: ox.NamedNode,
    m: ox.NamedNode,
    measure: Measure,
    sections: dict[int, ox.NamedNode],
) -> Iterator[ox.Triple]:
    t = ox.Triple
    yield t(m, RDF_TYPE, _p(POL.Measure))
    yield t(m, _p(POL.inDocument), doc)
    if measure.section in sections:
        yield t(m, _p(POL.inSection), sections[measure.section])
    yield t(m, _p(POL.ordinal), _int(measure.ordinal))
    yield from _span(m, measure.text, measure.begin, measure.end)
    if measure.verb:
        yield t(m, _p(POL.actionVerb), ox.Literal(measure.verb))
    for prop, iris in (
        (POL.targetsRegion, measure.regions),
        (POL.concernsIndustry, measure.industries),
        (POL.usesInstrument, measure.instruments),
        (POL.transfersFrom, measure.transfers_from),
        (POL.transfersTo, measure.transfers_to),
    ):
        for iri in iris:
            yield t(m, _p(prop), ox.NamedNode(iri))
    for attribution in measure.owners:
        key = attribution.ministry.rstrip("/").rsplit("/", 1)[-1]
        a = ox.NamedNode(f"{m.value}/attribution/{key}")
        yield t(m, _p(POL.ownedBy), ox.NamedNode(attribution.ministry))
        yield t(m, _p(POL.hasAttribution), a)
        yield t(a, RDF_TYPE, _p(POL.Attribution))
        yield t(a, _p(POL.ofMeasure), m)
        yield t(a, _p(POL.toMinistry), ox.NamedNode(attribution.ministry))
        yield t(a, _p(POL.basis), ox.Literal(attribution.basis))
        if attribution.evidence:
            yield t(a, _p(POL.evidence), _zh(attribution.evidence))
        if attribution.begin is not None and attribution.end is not None:
            yield t(a, _p(POL.beginOffset), _int(attribution.begin, _NNI))
            yield t(a, _p(POL.endOffset), _int(attribution.end, _NNI))
    for n, mention in enumerate(measure.mentions, start=1):
        x = ox.NamedNode(f"{m.value}/mention/{n}")
        yield t(m, _p(POL.hasMention), x)
        yield t(x, RDF_TYPE, _p(POL.Mention))
        yield t(x, _p(POL.inMeasure), m)
        for iri in mention.concepts:
            yield t(x, _p(POL.denotes), ox.NamedNode(iri))
        yield t(x, _p(POL.mentionKind), ox.Literal(mention.kind))
        yield from _span(x, mention.text, mention.begin, mention.end)
