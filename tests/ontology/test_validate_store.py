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
