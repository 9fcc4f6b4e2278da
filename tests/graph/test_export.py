"""Export: every format loads back to what the store holds; RDF/XML is OWL 2 DL for the OWL API."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import OWL, RDF, Dataset, Graph
from rdflib.compare import isomorphic

from graph.config import DEFAULT_BASE
from graph.export import EXPORT_FORMATS, export_dataset
from graph.loading import build_documents
from graph.store import open_store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """An embedded store with the seed and three synthetic documents."""
    from bench.corpus import write_corpus
    from corpus import default_documents

    folder = tmp_path_factory.mktemp("export")
    docs = [*default_documents(), *write_corpus(3, folder / "corpus", seed=11)]
    store = open_store(f"oxigraph:{folder / 'store'}")
    report = build_documents(store, docs, base=DEFAULT_BASE)
    assert report.ok, report.failures
    return store


def stored(store: Any) -> dict[str, Graph]:
    out = {}
    for name in store.graph_names():
        data = ox.serialize([q.triple for q in store.quads(name)], format=ox.RdfFormat.N_TRIPLES)
        out[name] = Graph().parse(data=(data or b"").decode(), format="nt")
    return out


def merged(graphs: dict[str, Graph]) -> Graph:
    union = Graph()
    for g in graphs.values():
        union += g
    return union


def exported(store: Any, fmt: str, **kwargs: Any) -> bytes:
    out = io.BytesIO()
    export_dataset(store, out, fmt, **kwargs)
    return out.getvalue()


@pytest.mark.parametrize(("fmt", "rdflib_format"), [("trig", "trig"), ("nq", "nquads")])
def test_dataset_formats_keep_the_graphs(built: Any, fmt: str, rdflib_format: str) -> None:
    ds = Dataset()
    ds.parse(data=exported(built, fmt), format=rdflib_format)
    expected = stored(built)
    got = {str(g.identifier): g for g in ds.graphs() if len(g)}
    assert got.keys() == expected.keys()
    for name, graph in expected.items():
        assert isomorphic(got[name], graph), name


@pytest.mark.parametrize(
    ("fmt", "rdflib_format"), [("ttl", "turtle"), ("nt", "nt"), ("xml", "xml")]
)
def test_graph_formats_merge_the_graphs(built: Any, fmt: str, rdflib_format: str) -> None:
    back = Graph().parse(data=exported(built, fmt), format=rdflib_format)
    union = merged(stored(built))
    if fmt == "xml":  # plus the declarations of data individuals
        declared = set(back.triples((None, RDF.type, OWL.NamedIndividual)))
        added = [t for t in declared if t not in union]
        assert len(added) > 100  # documents, measures, sections … of the four documents
        for triple in added:
            back.remove(triple)
    assert isomorphic(back, union)


def test_jsonld_keeps_the_graphs_and_its_context(built: Any) -> None:
    body = exported(built, "jsonld", context_url="https://w3id.org/policykg/context/v1.jsonld")
    document = json.loads(body)
    assert document["@context"][0] == "https://w3id.org/policykg/context/v1.jsonld"
    assert document["@context"][1]["pol"] == "https://w3id.org/policykg/ontology#"
    # Read it back with the inline context only (no network): same graphs, same triples.
    document["@context"] = document["@context"][1]
    ds = Dataset()
    ds.parse(data=json.dumps(document), format="json-ld")
    got = {str(g.identifier): g for g in ds.graphs() if len(g)}
    expected = stored(built)
    assert got.keys() == expected.keys()
    for name, graph in expected.items():
        assert isomorphic(got[name], graph), name


def test_unknown_format_names_the_choices(built: Any) -> None:
    with pytest.raises(ValueError, match="choose one of") as info:
        exported(built, "docx")
    assert all(name in str(info.value) for name in EXPORT_FORMATS)


@pytest.mark.java
def test_rdfxml_export_is_owl2_dl_for_the_owl_api(built: Any, tmp_path: Path) -> None:
    """`policykg export --format xml` opens with the OWL API with zero DL violations."""
    from graph.validate import check_dl_profile

    path = tmp_path / "policykg-export.owl"
    store_path = built.root
    done = subprocess.run(
        [sys.executable, "-m", "graph.cli", "--store", f"oxigraph:{store_path}",
         "export", "--format", "xml", "-o", str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr
    report = check_dl_profile(path)
    assert report.ok, report.text
    assert report.violations == () and report.unparsed == ()
    assert report.logical_axioms > 10_000  # ontology and data, not an empty file
