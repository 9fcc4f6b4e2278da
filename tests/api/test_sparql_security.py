"""Nothing a client sends makes the server fetch a URL or read a file.

A loopback listener stands in for "the rest of the network": it would answer every request
with Turtle holding a marker triple, and it records every connection. SERVICE and LOAD are
refused before anything runs; FROM / FROM NAMED / default-graph-uri / named-graph-uri / USING
that name no graph of the store, on the loopback host or as ``file:`` IRIs, give empty
graphs. The listener must receive nothing, and the marker must appear in no answer. Both
embedded stores, over real HTTP.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.api.live import Live, serve_sample

TOKEN = "security-test-token"
MARKER = "http://marker.invalid/fetched"
EVERYTHING = "SELECT * WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"


class Listener:
    """A TCP listener on loopback that records connections and answers with Turtle."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.hits: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        body = f"<{MARKER}> <{MARKER}> <{MARKER}> .\n".encode()
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.hits.append(conn.recv(65536))
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: text/turtle\r\n"
                        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                        + body
                    )
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def marker_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A local Turtle file holding the marker triple (a store that read it would show it)."""
    path = tmp_path_factory.mktemp("local") / "data.ttl"
    path.write_text(f"<{MARKER}> <{MARKER}> <{MARKER}> .\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=["memory", "oxigraph"])
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    directory = tmp_path_factory.mktemp("security")
    with serve_sample(request.param, directory, admin_token=TOKEN) as server:
        yield server


def _targets(listener: Listener, marker_file: Path) -> list[str]:
    return [f"{listener.url}/data.ttl", marker_file.as_uri(), f"{listener.url}/sparql"]


def _assert_untouched(listener: Listener, response: requests.Response) -> None:
    assert response.status_code < 500, response.text
    assert MARKER not in response.text
    assert listener.hits == [], f"the server sent {listener.hits[:1]!r}"


def test_service_is_refused(live: Live, listener: Listener, marker_file: Path) -> None:
    for target in _targets(listener, marker_file):
        for form in ("SERVICE", "SERVICE SILENT", "service"):
            query = f"SELECT * WHERE {{ {form} <{target}> {{ ?s ?p ?o }} }}"
            response = requests.get(live.sparql, params={"query": query}, timeout=30)
            assert response.status_code == 403
            _assert_untouched(listener, response)
        bound = f"SELECT * WHERE {{ VALUES ?e {{ <{target}> }} SERVICE ?e {{ ?s ?p ?o }} }}"
        response = requests.post(live.sparql, data={"query": bound}, timeout=30)
        assert response.status_code == 403
        _assert_untouched(listener, response)


def test_dataset_iris_are_never_fetched(
    live: Live, listener: Listener, marker_file: Path
) -> None:
    for target in _targets(listener, marker_file):
        queries = [
            f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }}",
            f"SELECT * FROM NAMED <{target}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
            f"CONSTRUCT {{ ?s ?p ?o }} FROM <{target}> WHERE {{ ?s ?p ?o }}",
            f"SELECT * WHERE {{ GRAPH <{target}> {{ ?s ?p ?o }} }}",
        ]
        for query in queries:
            response = requests.get(live.sparql, params={"query": query}, timeout=30)
            assert response.status_code == 200
            _assert_untouched(listener, response)
        for param in ("default-graph-uri", "named-graph-uri"):
            response = requests.get(
                live.sparql,
                params={"query": EVERYTHING, param: target},
                timeout=30,
            )
            assert response.status_code == 200
            _assert_untouched(listener, response)


def test_updates_never_fetch(live: Live, listener: Listener, marker_file: Path) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for target in _targets(listener, marker_file):
        for update in (
            f"LOAD <{target}>",
            f"LOAD SILENT <{target}> INTO GRAPH <http://example.org/loaded>",
            f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
        ):
            response = requests.post(
                live.sparql, data={"update": update}, headers=auth, timeout=30
            )
            assert response.status_code == 403
            _assert_untouched(listener, response)
        using = (
            "INSERT { GRAPH <http://example.org/copied> { ?s ?p ?o } } "
            f"USING <{target}> WHERE {{ ?s ?p ?o }}"
        )
        response = requests.post(live.sparql, data={"update": using}, headers=auth, timeout=30)
        assert response.status_code == 204
        _assert_untouched(listener, response)
        copied = requests.get(
            live.sparql,
            params={"query": "ASK { GRAPH <http://example.org/copied> { ?s ?p ?o } }"},
            timeout=30,
        )
        assert copied.json()["boolean"] is False


def test_xml_entities_are_refused(live: Live, listener: Listener) -> None:
    """Entity expansion (and external entities) in an XML literal never reach a parser."""
    xml = (
        '"<!DOCTYPE x [<!ENTITY e SYSTEM \\"' + listener.url + '/e\\">]><x>&e;</x>"'
        "^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#XMLLiteral>"
    )
    response = requests.get(
        live.sparql, params={"query": f"SELECT * WHERE {{ BIND({xml} AS ?x) }}"}, timeout=30
    )
    assert response.status_code == 403
    _assert_untouched(listener, response)
    insert = f"INSERT DATA {{ <http://example.org/x> <http://example.org/p> {xml} }}"
    response = requests.post(
        live.sparql,
        data={"update": insert},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    assert response.status_code == 403
    _assert_untouched(listener, response)


def test_listener_works(listener: Listener) -> None:
    """The listener does see a request when one is sent (so silence above means something)."""
    before = len(listener.hits)
    response = requests.get(f"{listener.url}/probe", timeout=10)
    assert MARKER in response.text
    assert len(listener.hits) == before + 1
    listener.hits.clear()

