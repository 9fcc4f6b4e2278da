"""What operators see: one JSON access-log line per request, ``/healthz`` and ``/metrics``.

``/metrics`` is read with the Prometheus client library's own parser, so a line the format
does not allow fails the test.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.reliability.conftest import ADMIN_TOKEN, copy_store

QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?m a <https://w3id.org/policykg/ontology#Measure> }"


@pytest.fixture(scope="module")
def app(seed_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from api import create_app
    from graph.store import open_store

    path = copy_store(seed_template, tmp_path_factory.mktemp("obs") / "store")
    store = open_store(f"oxigraph:{path}")
    application = create_app({"store": "memory:", "admin_token": ADMIN_TOKEN}, store=store)
    yield application
    application.extensions["policykg"].close()
    store.close()


@pytest.fixture
def access_log() -> Iterator[io.StringIO]:
    from api.observability import enable_access_log

    stream = io.StringIO()
    disable = enable_access_log(stream)
    yield stream
    disable()


def _families(text: str) -> dict[str, Any]:
    return {f.name: f for f in text_string_to_metric_families(text)}


def test_one_json_line_per_request_without_query_text_or_token(
    app: Any, access_log: io.StringIO
) -> None:
    client = app.test_client()
    responses = [
        client.get("/sparql", query_string={"query": QUERY}),
        client.post("/sparql", data={"query": QUERY}),
        client.post("/sparql", data=QUERY.encode(),
                    headers={"Content-Type": "application/sparql-query"}),
        client.post("/sparql", data={"update": "CLEAR ALL"},
                    headers={"Authorization": "Bearer wrong-token"}),
        client.get("/api/v1/queries/ministries/results?page_size=5"),
        client.get("/no/such/path?secret=x"),
        client.post("/sparql", data="ASK {}" + " " * (2 * 1024 * 1024),
                    headers={"Content-Type": "application/sparql-query",
                             "Authorization": f"Bearer {ADMIN_TOKEN}"}),
    ]
    lines = [json.loads(line) for line in access_log.getvalue().splitlines()]
    assert [line["status"] for line in lines] == [r.status_code for r in responses]
    assert [r.status_code for r in responses] == [200, 200, 200, 401, 200, 404, 413]
    for line in lines:
        assert set(line) == {"ts", "method", "path", "route", "status", "ms", "bytes", "qhash"}
        assert line["ms"] >= 0
    digest = hashlib.blake2b(QUERY.encode(), digest_size=8).hexdigest()
    assert [line["qhash"] for line in lines[:3]] == [digest] * 3  # GET, form, direct alike
    assert lines[4]["route"] == "/api/v1/queries/<name>/results"
    assert lines[5]["route"] == "unmatched" and lines[5]["path"] == "/no/such/path"
    text = access_log.getvalue()
    for secret in ("COUNT(*)", "CLEAR ALL", "wrong-token", ADMIN_TOKEN, "secret=x",
                   "page_size"):
        assert secret not in text


def test_metrics_count_requests_latency_timeouts_and_the_store(app: Any) -> None:
    from api.observability import BUCKETS, metrics_of

    client = app.test_client()
    before = _families(client.get("/metrics").get_data(as_text=True))

    def requests_of(families: dict[str, Any], route: str, status: str) -> float:
        return sum(s.value for s in families["policykg_http_requests"].samples
                   if s.name.endswith("_total") and s.labels["route"] == route
                   and s.labels["status"] == status)

    for _ in range(3):
        assert client.get("/sparql", query_string={"query": QUERY}).status_code == 200
    assert client.get("/sparql", query_string={"query": "SELECT * WHERE {"}).status_code == 400
    response = client.get("/metrics")
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    after = _families(response.get_data(as_text=True))
    assert requests_of(after, "/sparql", "200") - requests_of(before, "/sparql", "200") == 3
    assert requests_of(after, "/sparql", "400") - requests_of(before, "/sparql", "400") == 1

    histogram = after["policykg_http_request_duration_seconds"]
    assert histogram.type == "histogram"
    sparql = [s for s in histogram.samples if s.labels.get("route") == "/sparql"]
    buckets = [s for s in sparql if s.name.endswith("_bucket")]
    assert [float(s.labels["le"]) for s in buckets] == [*BUCKETS, float("inf")]
    counts = [s.value for s in buckets]
    assert counts == sorted(counts)  # cumulative
    count = next(s.value for s in sparql if s.name.endswith("_count"))
    assert counts[-1] == count >= 4

    assert after["policykg_query_timeouts"].type == "counter"
    store = {name: after[name].samples[0].value for name in (
        "policykg_store_up", "policykg_store_triples", "policykg_store_graphs",
        "policykg_store_documents", "policykg_store_bytes")}
    assert store["policykg_store_up"] == 1
    # the document, the ontology, the discovered concepts and the inferred graph
    assert store["policykg_store_documents"] == 1 and store["policykg_store_graphs"] == 4
    dump = io.BytesIO()
    app.extensions["policykg"].store.dump(dump)
    assert store["policykg_store_triples"] == len(dump.getvalue().splitlines())
    assert store["policykg_store_bytes"] > 1_000_000
    assert after["process_resident_memory_bytes"].samples[0].value > 10_000_000

    # Labels stay bounded: odd methods and paths collapse into fixed values.
    for i in range(50):
        client.open(f"/random/{i}", method="BREW")
    totals = metrics_of(app).totals()[0]
    assert ("OTHER", "unmatched", 405) in totals or ("OTHER", "unmatched", 404) in totals
    assert not any(f"/random/{i}" in key[1] for key in totals for i in range(50))


def test_counting_from_many_threads_loses_nothing() -> None:
    from api.observability import Metrics

    metrics = Metrics()

    def work() -> None:
        for _ in range(5000):
            metrics.record("GET", "/sparql", 200, 0.003)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    requests, latency, sums = metrics.totals()
    assert requests[("GET", "/sparql", 200)] == 40_000
    assert sum(latency["/sparql"]) == 40_000
    assert sums["/sparql"] == pytest.approx(120.0)


def test_healthz_reports_the_store_and_503_when_it_cannot_be_read(
    app: Any, seed_template: Path, tmp_path: Path
) -> None:
    from api import create_app

    health = app.test_client().get("/healthz")
    assert health.status_code == 200
    body = health.get_json()
    assert body["status"] == "ok" and body["version"]
    assert body["store"]["kind"] == "oxigraph" and body["store"]["documents"] == 1
    assert body["store"]["version"].startswith("gen-")

    broken = copy_store(seed_template, tmp_path / "store")
    sick = create_app({"store": f"oxigraph:{broken}", "query_timeout": 5.0})
    try:
        target = broken / (broken / "current").readlink()
        for part in target.iterdir():  # the generation's files vanish under the server
            part.unlink()
        response = sick.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.get_json()["status"] == "unavailable"
        assert response.get_json()["message"]
    finally:
        sick.extensions["policykg"].close()
