"""``policykg validate``: every check on what a built store holds, with a readable report."""

from __future__ import annotations

import io
from typing import Any

import pytest

from graph.validate import validate_store


@pytest.mark.java
@pytest.mark.slow
def test_validate_store_runs_every_check(seed_store: Any) -> None:
    out = io.StringIO()
    assert validate_store(seed_store, out=out), out.getvalue()
    text = out.getvalue()
    assert "[ok] SHACL" in text
    assert "[ok] HermiT" in text
    assert text.count("[ok] OWL 2 DL profile") == 2
    assert "FAIL" not in text


def test_validate_store_reports_a_broken_document(empty_store: Any) -> None:
    """A document graph that breaks the shapes makes the command fail and name the problem."""
    import pyoxigraph as ox
    from rdflib import Dataset

    from tests.ontology.conftest import DATA

    broken = Dataset()
    broken.parse(DATA / "broken_document.trig", format="trig")
    quads = list(ox.parse(broken.serialize(format="nquads").encode(), format=ox.RdfFormat.N_QUADS))
    graphs: dict[str, list[ox.Triple]] = {}
    for q in quads:
        graphs.setdefault(q.graph_name.value, []).append(q.triple)
    empty_store.replace_graphs(graphs)
    out = io.StringIO()
    assert not validate_store(empty_store, reasoner=False, profile=False, out=out)
    assert "[FAIL] SHACL" in out.getvalue()
    assert "has no pol:Attribution" in out.getvalue()


def test_cli_validate(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from graph.cli import main

    store = f"oxigraph:{tmp_path / 'store'}"
    assert main(["--store", store, "build", "-q"]) == 0
    capsys.readouterr()
    assert main(["--store", store, "validate", "--no-reasoner", "--no-profile"]) == 0
    out = capsys.readouterr().out
    assert "[ok] SHACL" in out and "HermiT" not in out
