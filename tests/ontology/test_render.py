"""policykg.owl is the deterministic RDF/XML rendering of policykg.ttl, and is in sync."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

import graph.ontology as ontology_module
from graph.ontology import OntologyError, load_ontology, render_owl, render_rdfxml, version_iri

ROOT = Path(__file__).resolve().parents[2]


def test_checked_in_owl_is_in_sync() -> None:
    assert render_owl(check=True), "run `policykg ontology render` and commit ontology/policykg.owl"


def test_rendering_is_the_same_graph(onto: Graph) -> None:
    rendered = Graph().parse(data=render_rdfxml(onto), format="xml")
    assert len(rendered) == len(onto)
    assert isomorphic(rendered, onto)


def test_rendering_does_not_depend_on_hash_seed() -> None:
    code = (
        "import sys; from graph.ontology import *; sys.stdout.write(render_rdfxml(load_ontology()))"
    )
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, check=True
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1


def test_render_writes_and_check_detects_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "policykg.owl"
    monkeypatch.setattr(ontology_module, "ONTOLOGY_OWL", target)
    assert not render_owl(check=True), "a missing .owl is stale"
    assert not target.exists(), "--check must not write"
    assert render_owl()
    assert render_owl(check=True)
    target.write_text(target.read_text(encoding="utf-8").replace("县城", "县镇"), encoding="utf-8")
    assert not render_owl(check=True)


def test_version_iri(onto: Graph) -> None:
    assert version_iri(onto) == "https://w3id.org/policykg/ontology/0.1.0"


def test_load_reports_bad_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix x: <http://x/> .\nx:a x:b", encoding="utf-8")
    with pytest.raises(OntologyError, match=r"bad\.ttl is not valid turtle"):
        load_ontology(bad)
    with pytest.raises(OntologyError, match="no such ontology file"):
        load_ontology(tmp_path / "missing.ttl")


def test_cli_render_check(capsys: pytest.CaptureFixture[str]) -> None:
    from graph.cli import main

    assert main(["ontology", "render", "--check"]) == 0
    assert "in sync" in capsys.readouterr().out
