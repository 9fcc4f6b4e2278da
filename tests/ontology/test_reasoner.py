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
