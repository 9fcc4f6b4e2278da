"""ontology/shapes.ttl accepts a well-formed document graph and names what is wrong in a bad one."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import XSD, Dataset, Graph, Literal, URIRef

from graph.namespace import MINISTRY, POL, REGION
from graph.validate import validate_shacl

DATA = Path(__file__).resolve().parent.parent / "data" / "ontology"
DOC = URIRef("https://w3id.org/policykg/id/doc/test-2030-1")
M1 = URIRef(f"{DOC}/measure/1")
M2 = URIRef(f"{DOC}/measure/2")


def graph_of(dataset: Dataset) -> Graph:
    return dataset.graph(DOC)


def test_valid_document_conforms(valid_document: Dataset) -> None:
    report = validate_shacl(valid_document)
    assert report.ok and report.conforms, report.text
    assert report.violations == ()
    assert report.text.startswith("conforms")


def test_accepts_pyoxigraph_triples(valid_document: Dataset) -> None:
    import pyoxigraph as ox

    data = valid_document.serialize(format="nquads").encode()
    quads = list(ox.parse(data, format=ox.RdfFormat.N_QUADS))
    assert validate_shacl([q.triple for q in quads]).ok


def break_no_attribution(g: Graph) -> None:
    a = URIRef(f"{M1}/attribution/MIIT")
    g.remove((a, None, None))
    g.remove((M1, POL.hasAttribution, a))


def break_offsets(g: Graph) -> None:
    g.set((M1, POL.beginOffset, Literal(3, datatype=XSD.nonNegativeInteger)))


def break_offset_type(g: Graph) -> None:
    g.set((M2, POL.endOffset, Literal("end")))


def break_composite(g: Graph) -> None:
    g.add((M1, POL.targetsRegion, REGION["central-western"]))


def break_no_section(g: Graph) -> None:
    g.remove((M1, POL.inSection, None))


def break_no_text(g: Graph) -> None:
    g.remove((M2, POL.text, None))


def break_wrong_kind(g: Graph) -> None:
    g.add((M1, POL.concernsIndustry, REGION.eastern))


def break_year(g: Graph) -> None:
    g.set((URIRef(f"{DOC}/target/1"), POL.targetYear, Literal("2030", datatype=XSD.gYear)))


def break_basis(g: Graph) -> None:
    g.set((URIRef(f"{M2}/attribution/GACC"), POL.basis, Literal("guess")))


def break_unknown_issuer(g: Graph) -> None:
    g.add((DOC, POL.issuedBy, MINISTRY.NOPE))


def break_lead(g: Graph) -> None:
    g.set((DOC, POL.leadIssuer, MINISTRY.MOF))


@pytest.mark.parametrize(
    ("breakage", "words"),
    [
        (break_no_attribution, "has no pol:Attribution"),
        (break_offsets, "fullText[begin:end]"),
        (break_offset_type, "a positive integer"),
        (break_composite, "composites"),
        (break_no_section, "exactly one pol:Section"),
        (break_no_text, "pol:text"),
        (break_wrong_kind, "pol:IndustryClass"),
        (break_year, "xsd:integer"),
        (break_basis, '"explicit"'),
        (break_unknown_issuer, "pol:Ministry"),
        (break_lead, "not among the document's issuers"),
    ],
)
def test_each_breakage_is_a_clear_violation(valid_document: Dataset, breakage, words: str) -> None:
    breakage(graph_of(valid_document))
    report = validate_shacl(valid_document)
    assert not report.ok
    assert any(words in v.message for v in report.violations), report.text
    assert all(v.severity == "Violation" for v in report.violations)
    assert report.text.startswith(f"{len(report.violations)} SHACL violation(s)")


def test_broken_fixture_lists_every_problem() -> None:
    broken = Dataset()
    broken.parse(DATA / "broken_document.trig", format="trig")
    report = validate_shacl(broken)
    assert not report.ok
    messages = "\n".join(v.message for v in report.violations)
    assert "has no pol:Attribution" in messages
    assert "fullText[begin:end]" in messages
    assert "exactly one pol:Section" in messages
    assert "a document needs a title tagged @zh" in messages
    # The text names each node and what is wrong with it, one per line.
    for v in report.violations:
        assert v.focus in report.text and v.message in report.text
