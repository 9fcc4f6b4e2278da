"""Fixtures of the canned-query tests: the hand-written fixture graph in every store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.queries.fixture import BACKENDS, open_fixture_store, served_fixture


@pytest.fixture(scope="session", params=BACKENDS)
def query_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The fixture in each embedded store (session-wide: tests must not write to it)."""
    store = open_fixture_store(request.param, tmp_path_factory.mktemp(f"q-{request.param}"))
    yield store
    store.close()


@pytest.fixture(scope="session")
def oxigraph_fixture_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The fixture in the embedded Oxigraph store only."""
    store = open_fixture_store("oxigraph", tmp_path_factory.mktemp("q-ox"))
    yield store
    store.close()


@pytest.fixture(scope="session")
def served_fixture_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The fixture in a private ``oxigraph serve``, as a ``sparql:`` store."""
    with served_fixture(tmp_path_factory.mktemp("q-server")) as store:
        yield store
