"""Fixtures of the graph tests: one store of each of the four kinds, emptied for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

STORE_KINDS = [
    "memory",
    "oxigraph",
    pytest.param("sparql-oxigraph", marks=pytest.mark.oxigraph_server),
    pytest.param("sparql-virtuoso", marks=pytest.mark.virtuoso),
]
"""Every store the suite runs on: rdflib in memory, embedded Oxigraph, and two real servers."""


def clear_remote(store: Any) -> None:
    """Drop every graph of a remote store, and any staging graph a failed test left."""
    from graph.store_sparql import STAGING_PREFIX

    for name in store.graph_names():
        store.update(f"DROP SILENT GRAPH <{name}>")
    for name in store._all_graphs():
        if name.startswith(STAGING_PREFIX):
            store.update(f"DROP SILENT GRAPH <{name}>")


def open_kind(kind: str, request: pytest.FixtureRequest, directory: Path) -> Any:
    """A fresh, empty store of ``kind`` (a remote one is cleared first)."""
    from graph.store import open_store

    if kind == "memory":
        return open_store("memory:")
    if kind == "oxigraph":
        return open_store(f"oxigraph:{directory / 'store'}")
    server = request.getfixturevalue(
        "oxigraph_server" if kind == "sparql-oxigraph" else "virtuoso_server"
    )
    store = open_store(server.store_spec)
    clear_remote(store)
    return store


@pytest.fixture(params=STORE_KINDS)
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """An empty store, once per kind: the same test must pass on all four."""
    store = open_kind(request.param, request, tmp_path)
    yield store
    store.close()
