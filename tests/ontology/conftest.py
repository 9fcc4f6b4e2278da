"""Fixtures of the ontology tests: the parsed ontology and its hand-written data fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Graph

DATA = Path(__file__).resolve().parent.parent / "data" / "ontology"


@pytest.fixture(scope="session")
def onto() -> Graph:
    """ontology/policykg.ttl, parsed once (tests must not change it)."""
    from graph.ontology import load_ontology

    return load_ontology()


@pytest.fixture
def valid_document() -> Dataset:
    """A small hand-written document graph that conforms to the shapes (a fresh copy)."""
    dataset = Dataset()
    dataset.parse(DATA / "valid_document.trig", format="trig")
    return dataset
