"""What only the remote store has to get right: servers that go down, misconfigured servers,
credentials, writes bigger than one request, and readers during a write."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from graph.errors import ConfigError, StoreUnavailableError
from graph.store import open_store
from graph.store_sparql import STAGING_PREFIX, query_form
from tests.graph.conftest import clear_remote
from tests.servers import Server, free_port, make_oxigraph_server, running

EX = "http://example.org/"


def triples(n: int, tag: str = "v", lang: str | None = None) -> list[ox.Triple]:
    return [
        ox.Triple(
            ox.NamedNode(f"{EX}s/{i}"),
            ox.NamedNode(f"{EX}p"),
            ox.Literal(f"{tag}{i}", language=lang),
        )
        for i in range(n)
    ]


def count_in(store: Any, graph: str) -> int:
    rows = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(rows[0]["n"]["value"])


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        ("# a comment with ASK\nPREFIX a: <http://x/#> prefix b:<y>\nconstruct {} WHERE {}",
         "CONSTRUCT"),
        ("BASE <http://x/> DESCRIBE <a>", "DESCRIBE"),
        ("PREFIX : <http://x/> ASK { :a :b :c }", "ASK"),
        ("INSERT DATA { <a> <b> <c> }", None),
        ("SELEC x", None),
    ],
)
def test_query_form(text: str, form: str | None) -> None:
    assert query_form(text) == form


@pytest.mark.oxigraph_server
def test_server_down_then_back(tmp_path: Path) -> None:
    """A server that is down is a clear error; when it is back, the same store object works."""
    port = free_port()
    server = make_oxigraph_server(tmp_path / "srv", port)
    with running(server):
        store = open_store(server.store_spec)
        store.replace_graphs({f"{EX}g": triples(3)})
    with pytest.raises(StoreUnavailableError, match="cannot reach the SPARQL server"):
        store.select("SELECT * WHERE { ?s ?p ?o }")
    with pytest.raises(StoreUnavailableError, match="cannot reach"):
        store.replace_graphs({f"{EX}g": triples(1)})
    with running(make_oxigraph_server(tmp_path / "srv", port)):
        assert count_in(store, f"{EX}g") == 3


@pytest.mark.oxigraph_server
def test_server_without_union_default_graph_is_refused(tmp_path: Path) -> None:
    server = make_oxigraph_server(tmp_path / "srv")
    server.command.remove("--union-default-graph")
    with running(server):
        store = open_store(server.store_spec)
        with pytest.raises(ConfigError, match="union-default-graph"):
            store.replace_graphs({f"{EX}g": triples(2)})


@pytest.mark.virtuoso
def test_virtuoso_needs_credentials_to_write(virtuoso_server: Server) -> None:
    spec = f"sparql:{virtuoso_server.query_url};update={virtuoso_server.update_url}"
    store = open_store(spec)
    with pytest.raises(StoreUnavailableError, match="user=U;password=P"):
        store.replace_graphs({f"{EX}g": triples(2)})
    wrong = open_store(spec + ";user=dba;password=wrong")
    with pytest.raises(StoreUnavailableError, match="refused user 'dba'"):
        wrong.replace_graphs({f"{EX}g": triples(2)})


@pytest.fixture(
    params=[
        pytest.param("oxigraph_server", marks=pytest.mark.oxigraph_server),
        pytest.param("virtuoso_server", marks=pytest.mark.virtuoso),
    ]
)
def remote(request: pytest.FixtureRequest) -> Any:
    server = request.getfixturevalue(request.param)
    store = open_store(server.store_spec)
    clear_remote(store)
    return store


def test_write_bigger_than_one_request(remote: Any) -> None:
    """Staging spans requests; the result is whole and no staging graph is left behind."""
    remote.chunk_triples, remote.request_triples = 40, 100
    remote.replace_graphs({f"{EX}a": triples(450, "a"), f"{EX}b": triples(250, "b")})
    assert count_in(remote, f"{EX}a") == 450 and count_in(remote, f"{EX}b") == 250
    assert not [g for g in remote._all_graphs() if g.startswith(STAGING_PREFIX)]
    assert remote.graph_names() == [f"{EX}a", f"{EX}b"]


def test_a_failed_write_leaves_the_graph_as_it_was(
    remote: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request that fails after staging part of a graph never touches the target."""
    graph = f"{EX}doc"
    remote.replace_graphs({graph: triples(300, "old")})
    real = remote._insert_ops

    def failing(stage: str, items: Any) -> Any:
        yield from real(stage, items)
        yield 0, f"LOAD <http://127.0.0.1:{free_port()}/nothing.ttl> INTO GRAPH <{stage}>"

    monkeypatch.setattr(remote, "_insert_ops", failing)
    with pytest.raises(StoreUnavailableError):
        remote.replace_graphs({graph: triples(500, "new")})
    monkeypatch.undo()
    rows = remote.select(f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert len(rows) == 300 and all(r["o"]["value"].startswith("old") for r in rows)
    assert not [g for g in remote._all_graphs() if g.startswith(STAGING_PREFIX)]


@pytest.mark.oxigraph_server
def test_readers_never_see_half_a_graph(oxigraph_server: Server) -> None:
    """While a 6 000-triple graph replaces a 3 000-triple one, readers count 3 000 or 6 000.

    Only on Oxigraph: Virtuoso does not isolate updates from readers (see graph.store_sparql).
    """
    remote = open_store(oxigraph_server.store_spec)
    clear_remote(remote)
    graph = f"{EX}doc"
    remote.replace_graphs({graph: triples(3000, "old")})
    seen: set[int] = set()
    done = threading.Event()
    reader = open_store(remote.spec)

    def poll() -> None:
        while not done.is_set():
            seen.add(count_in(reader, graph))

    thread = threading.Thread(target=poll)
    thread.start()
    try:
        for _ in range(3):
            remote.replace_graphs({graph: triples(6000, "new")})
            remote.replace_graphs({graph: triples(3000, "old")})
    finally:
        done.set()
        thread.join()
    assert seen <= {3000, 6000}
    assert 3000 in seen


@pytest.mark.virtuoso
def test_too_big_for_virtuoso_is_sent_again_in_pieces(virtuoso_server: Server) -> None:
    store = open_store(virtuoso_server.store_spec)
    clear_remote(store)
    store.chunk_triples = 6000  # Virtuoso's parser runs out of memory on an operation this big
    store.replace_graphs({f"{EX}big": triples(6000, "文本", lang="zh")})
    assert count_in(store, f"{EX}big") == 6000
    assert store.chunk_triples < 6000
