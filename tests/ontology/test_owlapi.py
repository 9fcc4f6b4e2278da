"""The OWL API (Debian's libowlapi-java, the library Protégé uses) loads both files as OWL 2 DL."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.validate import check_dl_profile
from ontology import ONTOLOGY_OWL, ONTOLOGY_TTL

pytestmark = pytest.mark.java
DATA = Path(__file__).resolve().parent.parent / "data" / "ontology"


@pytest.fixture(scope="module")
def reports() -> dict[str, object]:
    return {
        "ttl": check_dl_profile(Path(str(ONTOLOGY_TTL))),
        "owl": check_dl_profile(Path(str(ONTOLOGY_OWL))),
    }


def test_turtle_source_is_owl2_dl(reports: dict) -> None:
    report = reports["ttl"]
    assert report.ok, report.text
    assert report.violations == () and report.unparsed == ()
    assert report.format.startswith("Turtle")


def test_rdfxml_rendering_is_owl2_dl(reports: dict) -> None:
    report = reports["owl"]
    assert report.ok, report.text
    assert report.format.startswith("RDF/XML")


def test_both_files_hold_the_same_axioms(reports: dict) -> None:
    ttl, owl = reports["ttl"], reports["owl"]
    assert ttl.axioms == owl.axioms > 1000
    assert ttl.logical_axioms == owl.logical_axioms > 100


def test_violations_are_reported(tmp_path: Path) -> None:
    """A range of xsd:gYear and a non-simple property in a cardinality: both are reported."""
    report = check_dl_profile(DATA / "not_dl.ttl")
    assert not report.ok
    assert any("xsd:gYear" in v for v in report.violations), report.text
    assert any("non-simple" in v.lower() for v in report.violations), report.text
    assert "violation" in report.text
