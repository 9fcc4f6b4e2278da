"""The ``policykg`` console script, run as users run it: a subprocess, real files, real stores."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic

from tests.conftest import free_port

POL = rdflib.Namespace("https://w3id.org/policykg/ontology#")
PROV_TIME = rdflib.URIRef("http://www.w3.org/ns/prov#endedAtTime")
BIN = Path(sys.executable).parent / "policykg"


def run(*args: str, store: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYKG_")}
    if store:
        env["POLICYKG_STORE"] = store
    proc = subprocess.run(
        [str(BIN), *args], capture_output=True, env=env, timeout=300, check=False
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"policykg {' '.join(args)} failed:\n{proc.stderr.decode()}")
    return proc


@pytest.fixture(scope="module")
def extracted(seed_path: Path) -> rdflib.Graph:
    out = run("extract", str(seed_path)).stdout
    return rdflib.Graph().parse(data=out, format="turtle")


def test_extract_prints_one_document_with_its_text_and_nine_sections(extracted: rdflib.Graph):
    docs = list(extracted.subjects(rdflib.RDF.type, POL.PolicyDocument))
    assert len(docs) == 1
    assert extracted.value(docs[0], POL.fullText) is not None
    assert len(set(extracted.subjects(rdflib.RDF.type, POL.Section))) == 9
    # extract prints the document's own graph, never the ontology
    assert (None, rdflib.RDF.type, rdflib.OWL.Ontology) not in extracted


def test_extracted_offsets_slice_the_full_text_exactly(extracted: rdflib.Graph):
    doc = next(extracted.subjects(rdflib.RDF.type, POL.PolicyDocument))
    full = str(extracted.value(doc, POL.fullText))
    measures = list(extracted.subjects(rdflib.RDF.type, POL.Measure))
    assert len(measures) >= 45
    for node in [*measures, *extracted.subjects(rdflib.RDF.type, POL.Section)]:
        begin = int(extracted.value(node, POL.beginOffset))
        end = int(extracted.value(node, POL.endOffset))
        assert full[begin:end] == str(extracted.value(node, POL.text)), node


def test_extract_twice_gives_isomorphic_graphs_with_the_same_iris(seed_path: Path):
    first = rdflib.Graph().parse(data=run("extract", str(seed_path)).stdout, format="turtle")
    second = rdflib.Graph().parse(data=run("extract", str(seed_path)).stdout, format="turtle")
    for g in (first, second):
        g.remove((None, PROV_TIME, None))
    assert isomorphic(first, second)
    assert set(first.subjects()) == set(second.subjects())  # same IRIs, not only same shape


@pytest.mark.parametrize("fmt", ["turtle", "trig", "nt", "jsonld", "xml"])
def test_extract_formats_parse(seed_path: Path, fmt: str):
    out = run("extract", str(seed_path), "--format", fmt).stdout
    rd = {"turtle": "turtle", "trig": "trig", "nt": "nt", "jsonld": "json-ld", "xml": "xml"}[fmt]
    if fmt == "trig":
        dataset = rdflib.Dataset()
        dataset.parse(data=out, format=rd)
        named = [g for g in dataset.graphs() if "/doc/" in str(g.identifier)]
        assert len(named) == 1 and len(named[0]) > 100  # the document's own named graph
        assert len(dataset.default_context) == 0
    else:
        graph = rdflib.Graph().parse(data=out, format=rd)
        assert len(graph) > 100


def test_bad_store_setting_names_the_valid_forms(tmp_path: Path):
    proc = run("stats", store="nope:", check=False)
    assert proc.returncode != 0
    message = proc.stderr.decode()
    assert "oxigraph:PATH" in message and "memory:" in message and "sparql:" in message
    assert "Traceback" not in message


def test_missing_file_is_one_line_error(tmp_path: Path):
    proc = run("extract", str(tmp_path / "absent.txt"), check=False)
    assert proc.returncode != 0
    assert proc.stderr.decode().count("\n") == 1 and "no such file" in proc.stderr.decode()


def test_build_then_query_stats_export(tmp_path: Path, seed_path: Path):
    store = f"oxigraph:{tmp_path / 'store'}"
    run("build", "--quiet", str(seed_path), store=store)
    table = run(
        "query", "departments_for_region_type", "--param", "region=边境地区", store=store
    ).stdout.decode()
    assert "海关总署" in table or "商务部" in table
    data = json.loads(run("stats", "--json", store=store).stdout)
    assert data["documents"] == 1 and data["measures"] >= 45
    nq = run("export", "--format", "nq", store=store).stdout
    assert nq.count(b"\n") > 1000


@pytest.mark.slow
def test_serve_builds_an_empty_store_and_answers_sparql(tmp_path: Path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYKG_")}
    env["POLICYKG_STORE"] = f"oxigraph:{tmp_path / 'store'}"
    proc = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        query = (
            "PREFIX pol: <https://w3id.org/policykg/ontology#> "
            "SELECT ?m ?text WHERE { ?m a pol:Measure ; pol:text ?text }"
        )
        url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": query})
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    data = json.load(response)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(proc.stderr.read().decode()) from None
                time.sleep(0.5)
        assert len(data["results"]["bindings"]) >= 45
    finally:
        proc.terminate()
        proc.wait(timeout=30)
