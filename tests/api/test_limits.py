"""The endpoint's limits over real HTTP: time limit, row cap, body size.

The time limit is the issue's acceptance test: a runaway query (a four-way cartesian
product) answers 503 within the limit plus 2 s, while a cheap query sent meanwhile answers in
under a second, and the server keeps serving afterwards.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import pyoxigraph as ox
import pytest
import requests

from tests.api.live import EX, Live, live_server

LIMIT = 3.0
MAX_ROWS = 1000
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
CHEAP = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A live server over 300 triples, a 3 s time limit and a 1000-row cap."""
    from api import create_app
    from graph.store import open_store

    store = open_store(f"oxigraph:{tmp_path_factory.mktemp('limits') / 'store'}")
    store.replace_graphs(
        {
            f"{EX}g": [
                ox.Triple(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(str(i)))
                for i in range(300)
            ]
        }
    )
    app = create_app(
        {"store": "memory:", "query_timeout": LIMIT, "max_rows": MAX_ROWS}, store=store
    )
    with live_server(app) as server:
        yield server
    store.close()


def _count(response: requests.Response) -> int:
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.slow
def test_runaway_query_is_stopped_while_others_are_answered(live: Live) -> None:
    assert _count(requests.get(live.sparql, params={"query": CHEAP}, timeout=30)) == 300
    outcome: dict[str, Any] = {}

    def runaway() -> None:
        started = time.monotonic()
        outcome["response"] = requests.post(live.sparql, data={"query": RUNAWAY}, timeout=60)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.5)  # the runaway query is running in its worker now
    cheap_times = []
    while thread.is_alive():
        started = time.monotonic()
        response = requests.get(live.sparql, params={"query": CHEAP}, timeout=30)
        cheap_times.append(time.monotonic() - started)
        assert response.status_code == 200 and _count(response) == 300
        time.sleep(0.2)
    thread.join()
    stopped = outcome["response"]
    assert stopped.status_code == 503
    assert stopped.json()["error"] == "Query timeout"
    assert f"{LIMIT:g} s" in stopped.json()["message"]
    assert outcome["seconds"] < LIMIT + 2
    assert cheap_times and max(cheap_times) < 1.0
    assert live.app.extensions["policykg"].executor.killed >= 1
    # The stopped worker was replaced: the server still answers, from every worker.
    for _ in range(6):
        assert _count(requests.get(live.sparql, params={"query": CHEAP}, timeout=30)) == 300


def test_row_cap_over_http(live: Live) -> None:
    query = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"  # 90 000 rows
    response = requests.get(live.sparql, params={"query": query}, timeout=30)
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == MAX_ROWS
    assert response.headers["X-Result-Truncated"] == str(MAX_ROWS)


def test_body_over_one_mebibyte_is_413(live: Live) -> None:
    big = "ASK {}" + " " * (1024 * 1024)
    response = requests.post(
        live.sparql, data=big, headers={"Content-Type": "application/sparql-query"}, timeout=30
    )
    assert response.status_code == 413
    # Streamed without a Content-Length (chunked): stopped all the same.
    host = urlsplit(live.url)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    try:
        chunks = (big[i : i + 65536].encode() for i in range(0, len(big), 65536))
        conn.request(
            "POST",
            "/sparql",
            body=chunks,
            headers={"Content-Type": "application/sparql-query"},
            encode_chunked=True,
        )
        assert conn.getresponse().status == 413
    finally:
        conn.close()
    ok = requests.get(live.sparql, params={"query": "ASK {}"}, timeout=30)
    assert ok.status_code == 200


def test_a_long_get_query_is_answered(live: Live) -> None:
    values = " ".join(f"<{EX}s{i}>" for i in range(300))
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }}"
    response = requests.get(f"{live.sparql}?query={quote(query)}", timeout=30)
    assert response.status_code == 200 and _count(response) == 300
