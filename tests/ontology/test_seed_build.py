"""The seed document's build conforms to the shapes and is consistent with the ontology."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from graph.loading import extract
from graph.validate import check_consistency, validate_shacl

BASE = "https://w3id.org/policykg/id/"


@pytest.fixture(scope="module")
def seed_triples(seed_path: Path, lexicon: Any) -> list[Any]:
    _, triples = extract(
        seed_path,
        lexicon,
        base=BASE,
        name=seed_path.name,
        generated_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return triples


def test_seed_build_conforms_to_the_shapes(seed_triples: list[Any]) -> None:
    report = validate_shacl(seed_triples)
    assert report.ok, report.text
    assert report.violations == ()


@pytest.mark.java
@pytest.mark.slow
def test_ontology_with_seed_build_is_consistent(seed_triples: list[Any]) -> None:
    report = check_consistency(seed_triples)
    assert report.ok and report.consistent, report.text
