"""The W3C SPARQL 1.1 Protocol test suite, run against the live endpoint over real HTTP.

The manifest (``tests/data/conformance/sparql11-protocol/manifest.ttl``, a copy of
``../shared/conformance/sparql11-protocol/``, 34 tests, W3C test suite licence, see the README
there) is read at test time: each test spells out its HTTP
requests (method, path, headers, body and its character encoding) and the expected response
(status class, result format, boolean). The runner sends them byte for byte with
``http.client`` to a waitress server over a fresh embedded Oxigraph store, with updates enabled
by an admin token that every request carries. ``ut:graphData`` files are loaded into named
graphs first; ``data0.rdf``, named by some tests but absent from the suite, is an empty graph.

Exclusions: none. Every test of the manifest runs.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from tests.api.live import Live, live_server

SUITE = Path(__file__).resolve().parents[1] / "data" / "conformance" / "sparql11-protocol"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "sparql11-protocol"
"""Where the suite was handed to the project; the copy above must not drift from it."""
MANIFEST = SUITE / "manifest.ttl"
TOKEN = "conformance-token"
EXCLUDED: dict[str, str] = {}
"""Test name → why it is not run (none are)."""

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"

RESULT_TYPES = {
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": {
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    },
}
RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


@dataclass(frozen=True)
class Step:
    """One HTTP request of a test and what its response must be."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[int]
    format: str | None
    boolean: bool | None


@dataclass(frozen=True)
class Case:
    """One manifest entry."""

    name: str
    title: str
    graphs: dict[str, Path]
    steps: tuple[Step, ...]


def _items(graph: rdflib.Graph, head: Any) -> list[Any]:
    return list(Collection(graph, head)) if head is not None else []


MISSING = (
    f"the W3C protocol manifest is missing at {MANIFEST}; restore it from git "
    "(git checkout -- tests/data/conformance) or copy ../shared/conformance/sparql11-protocol"
)


def load_cases() -> list[Case]:
    """The manifest's tests, in its order (none when the manifest is missing)."""
    if not MANIFEST.is_file():
        return []
    g = rdflib.Graph().parse(MANIFEST, format="turtle", publicID=MANIFEST.as_uri())
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    cases = []
    for entry in _items(g, g.value(manifest, MF.entries)):
        name = str(entry).rsplit("#", 1)[-1]
        graphs = {}
        for data in g.objects(entry, UT.graphData):
            file = Path(urlsplit(str(g.value(data, UT.graph))).path)
            graphs[str(g.value(data, RDFS.label))] = SUITE / file.name
        action = g.value(entry, MF.action)
        steps = []
        for req in _items(g, g.value(action, HT.requests)):
            headers = {
                str(g.value(h, HT.fieldName)): str(g.value(h, HT.fieldValue))
                for h in _items(g, g.value(req, HT.headers))
            }
            body = None
            content = g.value(req, HT.body)
            if content is not None:
                encoding = str(g.value(content, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(content, CNT.chars)).encode(encoding.lower())
            resp = g.value(req, HT.resp)
            statuses = frozenset(
                int(str(s).removeprefix(HTS)[0]) for s in g.objects(resp, MF.expectedStatus)
            )
            fmt = g.value(resp, MF.expectedFormat)
            boolean = g.value(resp, MF.expectedBoolean)
            steps.append(
                Step(
                    method=str(g.value(req, HT.methodName)),
                    path=str(g.value(req, HT.absolutePath)),
                    headers=headers,
                    body=body,
                    statuses=statuses,
                    format=str(fmt) if fmt is not None else None,
                    boolean=bool(boolean.toPython()) if boolean is not None else None,
                )
            )
        cases.append(Case(name, str(g.value(entry, MF.name)), graphs, tuple(steps)))
    return cases


CASES = load_cases()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Live, Any]]:
    """A live endpoint over a fresh embedded store, updates enabled with :data:`TOKEN`."""
    from api import create_app
    from graph.store import open_store

    store = open_store(f"oxigraph:{tmp_path_factory.mktemp('conformance') / 'store'}")
    app = create_app({"store": "memory:", "admin_token": TOKEN}, store=store)
    with live_server(app) as live:
        yield live, store
    store.close()


def _load(store: Any, graphs: dict[str, Path]) -> None:
    """Put each data file into the named graph its label gives (a missing file: empty)."""
    if not graphs:
        return
    content = {}
    for name, file in graphs.items():
        triples = []
        if file.is_file():
            triples = [q.triple for q in ox.parse(path=str(file), format=ox.RdfFormat.N_TRIPLES)]
        content[name] = triples
    store.replace_graphs(content)


def _boolean(media: str, body: bytes) -> bool:
    if media == "application/sparql-results+json":
        return bool(json.loads(body)["boolean"])
    results = ox.parse_query_results(body, format=ox.QueryResultsFormat.XML)
    assert isinstance(results, ox.QueryBoolean), "an ASK answer must be a boolean"
    return bool(results)


def _check_format(step: Step, media: str, body: bytes) -> None:
    if step.format in RESULT_TYPES:
        assert media in RESULT_TYPES[step.format], f"{media} is not a {step.format} format"
        if step.format == "tabular" and media == "text/csv":
            assert body.decode("utf-8").splitlines()[0]  # a header line (lossy: not parsed)
        elif step.format == "tabular":
            fmt = {
                "application/sparql-results+json": ox.QueryResultsFormat.JSON,
                "application/sparql-results+xml": ox.QueryResultsFormat.XML,
                "text/tab-separated-values": ox.QueryResultsFormat.TSV,
            }[media]
            results = ox.parse_query_results(body, format=fmt)
            assert isinstance(results, ox.QuerySolutions)
            list(results)
    elif step.format == "RDF":
        assert media in RDF_TYPES, f"{media} is not an RDF format"
        list(ox.parse(body, format=RDF_TYPES[media]))
    if step.boolean is not None:
        assert _boolean(media, body) is step.boolean


def _send(live: Live, step: Step) -> tuple[int, str, bytes]:
    host = urlsplit(live.url)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
    headers = dict(step.headers)
    headers["Authorization"] = f"Bearer {TOKEN}"
    try:
        conn.request(step.method, step.path, body=step.body, headers=headers)
        response = conn.getresponse()
        body = response.read()
        media = (response.getheader("Content-Type") or "").split(";", 1)[0].strip()
        return response.status, media, body
    finally:
        conn.close()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_protocol(case: Case, server: tuple[Live, Any]) -> None:
    """Each request of the test gets a response of the expected status class and format."""
    if case.name in EXCLUDED:
        pytest.skip(EXCLUDED[case.name])
    live, store = server
    _load(store, case.graphs)
    for n, step in enumerate(case.steps, 1):
        status, media, body = _send(live, step)
        assert status // 100 in step.statuses, (
            f"{case.title}: request {n} ({step.method} {step.path[:80]}) answered {status}: "
            f"{body[:300]!r}"
        )
        if status // 100 == 2:
            _check_format(step, media, body)


def test_suite_is_complete() -> None:
    """The manifest holds the 34 tests of the suite, and none is excluded."""
    if not MANIFEST.is_file():
        pytest.fail(MISSING)
    assert len(CASES) == 34
    assert not EXCLUDED


@pytest.mark.skipif(not SHARED.is_dir(), reason="no ../shared/conformance next to this clone")
def test_copy_is_the_shared_suite() -> None:
    """The copy in tests/data is the suite as it was handed over, file for file."""
    shared = {p.name: p.read_bytes() for p in SHARED.iterdir() if p.is_file()}
    ours = {p.name: p.read_bytes() for p in SUITE.iterdir() if p.is_file()}
    assert ours == shared
