"""The compiled SHACL validator finds exactly what pySHACL finds, on the seed and on damaged
copies of it, in a fraction of the time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Graph

from graph.shacl_native import UnsupportedShapeError, compile_shapes, native_validator

POL = "https://w3id.org/policykg/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DCT_TITLE = "http://purl.org/dc/terms/title"

Triples = list[ox.Triple]


@pytest.fixture(scope="module")
def seed_triples(seed_record: Any) -> Triples:
    from graph.build import document_triples
    from graph.config import DEFAULT_BASE

    return list(document_triples(seed_record, base=DEFAULT_BASE, ontology_version="v"))


def _p(name: str) -> ox.NamedNode:
    return ox.NamedNode(POL + name)


def _subjects(triples: Triples, cls: str) -> list[Any]:
    return [t.subject for t in triples if t.predicate.value == RDF_TYPE and t.object == _p(cls)]


def _replace(triples: Triples, subject: Any, prop: str, value: Any) -> Triples:
    """The triples with every value of ``prop`` on ``subject`` replaced by ``value``."""
    out = [t for t in triples if not (t.subject == subject and t.predicate.value == prop)]
    return [*out, ox.Triple(subject, ox.NamedNode(prop), value)]


def no_title(t: Triples) -> Triples:
    docs = _subjects(t, "PolicyDocument")
    return [x for x in t if x.predicate.value != DCT_TITLE or x.subject not in docs]


def two_full_texts(t: Triples) -> Triples:
    doc = _subjects(t, "PolicyDocument")[0]
    return [*t, ox.Triple(doc, _p("fullText"), ox.Literal("另一个全文", language="zh"))]


def untagged_text(t: Triples) -> Triples:
    m = _subjects(t, "Measure")[3]
    text = next(x.object.value for x in t if x.subject == m and x.predicate == _p("text"))
    return _replace(t, m, POL + "text", ox.Literal(text))


def string_offset(t: Triples) -> Triples:
    return _replace(t, _subjects(t, "Measure")[0], POL + "beginOffset", ox.Literal("12"))


def offsets_reversed(t: Triples) -> Triples:
    m = _subjects(t, "Measure")[1]
    nni = ox.NamedNode(XSD + "nonNegativeInteger")
    t = _replace(t, m, POL + "beginOffset", ox.Literal("900", datatype=nni))
    return _replace(t, m, POL + "endOffset", ox.Literal("800", datatype=nni))


def composite_region(t: Triples) -> Triples:
    m = _subjects(t, "Measure")[2]
    region = ox.NamedNode("https://w3id.org/policykg/id/region/central-western")
    return [*t, ox.Triple(m, _p("targetsRegion"), region)]


def owner_not_a_ministry(t: Triples) -> Triples:
    m = _subjects(t, "Measure")[0]
    return [*t, ox.Triple(m, _p("ownedBy"), ox.NamedNode("https://w3id.org/policykg/id/region/eastern"))]


def unknown_basis(t: Triples) -> Triples:
    return _replace(t, _subjects(t, "Attribution")[0], POL + "basis", ox.Literal("guess"))


def bad_sha(t: Triples) -> Triples:
    activity = next(x.object for x in t if x.predicate.value == "http://www.w3.org/ns/prov#wasGeneratedBy")
    return _replace(t, activity, POL + "sourceSha256", ox.Literal("ABC"))


def ancient_target(t: Triples) -> Triples:
    targets = _subjects(t, "Target")
    year = ox.Literal("1800", datatype=ox.NamedNode(XSD + "integer"))
    return _replace(t, targets[0], POL + "targetYear", year) if targets else t


def mention_denotes_text(t: Triples) -> Triples:
    return [*t, ox.Triple(_subjects(t, "Mention")[0], _p("denotes"), ox.Literal("东部"))]


def lead_not_issuer(t: Triples) -> Triples:
    doc = _subjects(t, "PolicyDocument")[0]
    issuers = {x.object for x in t if x.subject == doc and x.predicate == _p("issuedBy")}
    candidates = [ox.NamedNode(f"https://w3id.org/policykg/id/ministry/{k}") for k in
                  ("NHC", "SAFE", "MARA", "MNR", "MEE")]
    other = next(c for c in candidates if c not in issuers)
    return _replace(t, doc, POL + "leadIssuer", other)


MUTATIONS: list[Callable[[Triples], Triples]] = [
    no_title,
    two_full_texts,
    untagged_text,
    string_offset,
    offsets_reversed,
    composite_region,
    owner_not_a_ministry,
    unknown_basis,
    bad_sha,
    ancient_target,
    mention_denotes_text,
    lead_not_issuer,
]


def _found(report: Any) -> set[tuple[str, str]]:
    return {(v.focus, v.message) for v in report.violations if v.severity == "Violation"}


def test_seed_conforms(seed_triples: Triples) -> None:
    report = native_validator().validate(seed_triples)
    assert report.ok, report.text


@pytest.mark.parametrize("damage", MUTATIONS, ids=lambda f: f.__name__)
def test_same_violations_as_pyshacl(seed_triples: Triples, damage: Callable[..., Triples]) -> None:
    from graph.validate import validate_shacl

    damaged = damage(list(seed_triples))
    native = native_validator().validate(damaged)
    reference = validate_shacl(damaged)
    assert not reference.ok, "the damage must break a shape"
    assert not native.ok
    assert _found(native) == _found(reference)


def test_validating_leaves_no_trace(seed_triples: Triples) -> None:
    """A damaged document's violations do not leak into the next document's check."""
    validator = native_validator()
    size = len(validator.store)
    assert not validator.validate(no_title(list(seed_triples))).ok
    assert validator.validate(seed_triples).ok
    assert len(validator.store) == size


def test_unknown_constraint_is_refused() -> None:
    shapes = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:D ] ;
                          sh:qualifiedMinCount 1 ] .""",
        format="turtle",
    )
    with pytest.raises(UnsupportedShapeError, match="qualifiedValueShape"):
        compile_shapes(shapes)
