"""HermiT (through owlready2) finds the ontology consistent, alone and with data, and notices
when data contradicts it."""

from __future__ import annotations

import pytest
from rdflib import RDF, Dataset, URIRef

from graph.namespace import MINISTRY, POL
from graph.validate import check_consistency

pytestmark = [pytest.mark.java, pytest.mark.slow]
DOC = URIRef("https://w3id.org/policykg/id/doc/test-2030-1")


def test_ontology_alone_is_consistent() -> None:
    report = check_consistency()
    assert report.ok and report.consistent, report.text
    assert report.unsatisfiable == ()


def test_ontology_with_document_is_consistent(valid_document: Dataset) -> None:
    report = check_consistency(valid_document)
    assert report.ok, report.text
    assert "data triples" in report.text


def test_a_measure_that_is_a_ministry_is_inconsistent(valid_document: Dataset) -> None:
    """Measure and Ministry are disjoint: data that says otherwise must not pass."""
    graph = valid_document.graph(DOC)
    graph.add((URIRef(f"{DOC}/measure/1"), RDF.type, POL.Ministry))
    report = check_consistency(valid_document)
    assert not report.ok and not report.consistent
    assert "INCONSISTENT" in report.text


def test_functional_lead_issuer_contradiction(valid_document: Dataset) -> None:
    """Two different lead issuers that are declared different individuals: inconsistent."""
    from rdflib import OWL

    graph = valid_document.graph(DOC)
    graph.add((DOC, POL.leadIssuer, MINISTRY.GACC))
    graph.add((MINISTRY.MIIT, OWL.differentFrom, MINISTRY.GACC))
    assert not check_consistency(valid_document).consistent


def test_hermit_classifies_a_special_region_measure(valid_document: Dataset, tmp_path) -> None:
    """The defined class works: a measure that targets 边境地区 is a pol:SpecialRegionMeasure,
    one that targets only macro regions is not."""
    from pathlib import Path

    import owlready2

    from graph.namespace import REGION
    from ontology import ONTOLOGY_OWL

    m1, m2 = URIRef(f"{DOC}/measure/1"), URIRef(f"{DOC}/measure/2")
    valid_document.graph(DOC).add((m2, POL.targetsRegion, REGION["border-area"]))
    data = tmp_path / "data.nt"
    valid_document.graph(DOC).serialize(data, format="nt", encoding="utf-8")
    world = owlready2.World()
    world.get_ontology(Path(str(ONTOLOGY_OWL)).resolve().as_uri()).load()
    world.get_ontology(data.as_uri()).load(format="ntriples")
    owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    special = world[str(POL.SpecialRegionMeasure)]
    assert special in world[str(m2)].is_a
    assert special not in world[str(m1)].is_a
    assert world[str(POL.TransferMeasure)] in world[str(m1)].is_a
