"""A real HTTP server for an app, in this process: waitress on a free loopback port.

The protocol, client and browser tests talk real HTTP to it (SPARQLWrapper, rdflib's
SPARQLStore, Chromium), exactly as analysts' tools talk to ``policykg serve``.
"""

from __future__ import annotations

import contextlib
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

EX = "http://example.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
G1, G2 = f"{EX}g1", f"{EX}g2"
THINGS = 12
"""The sample: ``THINGS`` things, each typed and labelled in Chinese, in G1; one triple in G2."""


def open_sample_store(kind: str, directory: Path) -> Any:
    """A ``memory`` or ``oxigraph`` store (the latter in ``directory``) holding the sample."""
    from graph.store import open_store

    store = open_store(f"oxigraph:{directory / 'store'}" if kind == "oxigraph" else "memory:")
    fill_sample(store)
    return store


def fill_sample(store: Any) -> None:
    """Write the sample graphs (see :data:`THINGS`) into ``store``."""
    things = []
    for i in range(THINGS):
        s = ox.NamedNode(f"{EX}thing{i}")
        things += [
            ox.Triple(s, ox.NamedNode(RDF_TYPE), ox.NamedNode(f"{EX}Thing")),
            ox.Triple(s, ox.NamedNode(LABEL), ox.Literal(f"事物{i}", language="zh")),
        ]
    other = [ox.Triple(ox.NamedNode(f"{EX}x"), ox.NamedNode(f"{EX}p"), ox.Literal("in g2"))]
    store.replace_graphs({G1: things, G2: other})


@dataclass(frozen=True)
class Live:
    """A running server: its base URL and the app it serves."""

    url: str
    app: Any

    @property
    def sparql(self) -> str:
        """The SPARQL endpoint's URL."""
        return f"{self.url}/sparql"


@contextlib.contextmanager
def live_server(app: Any, *, threads: int = 8) -> Iterator[Live]:
    """Serve ``app`` with waitress until the block ends; the app's query workers stop then."""
    import waitress.server

    server = waitress.server.create_server(
        app, host="127.0.0.1", port=0, threads=threads, ident="policykg-test"
    )
    port = server.effective_port  # type: ignore[union-attr]
    thread = threading.Thread(target=server.run, name="waitress-test", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(f"{url}/sparql?query=ASK%7B%7D", timeout=5):
                break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        yield Live(url, app)
    finally:
        _stop(server, thread)
        app.extensions["policykg"].close()


def _stop(server: Any, thread: threading.Thread) -> None:
    """Stop waitress cleanly: let its threads finish, then close every socket from its loop.

    Closing sockets from another thread races the loop's ``select`` (EBADF in its thread);
    a thunk pulled through the trigger runs inside the loop, which then ends with its map.
    """
    from waitress import wasyncore

    server.task_dispatcher.shutdown()
    server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map, ignore_all=True))
    thread.join(10)


@contextlib.contextmanager
def serve_sample(kind: str, directory: Path, **config: Any) -> Iterator[Live]:
    """A live server over a new sample store of ``kind``, with setting overrides."""
    from api import create_app

    store = open_sample_store(kind, directory)
    try:
        with live_server(create_app({"store": "memory:", **config}, store=store)) as server:
            yield server
    finally:
        store.close()
