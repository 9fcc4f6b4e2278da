"""Fixtures of the API tests. Shared ones (stores, the seed, ``make_app``) are in tests/conftest.py.

``pages_store`` holds ``tests/data/pages.trig``, a small hand-written graph (one invented notice,
three measures, the concepts they link to), once per embedded backend: the page and Linked Data
tests check rendering against it, independently of what the extractor finds in the seed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="module", params=["memory", "oxigraph"])
def pages_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """A store holding tests/data/pages.trig (tests must not write to it)."""
    from graph.store import open_store
    from tests.api.screenshots import load_trig

    if request.param == "oxigraph":
        path: Path = tmp_path_factory.mktemp("pages") / "store"
        store = open_store(f"oxigraph:{path}")
    else:
        store = open_store("memory:")
    load_trig(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def pages_app(pages_store: Any) -> Iterator[Any]:
    """The app over the pages fixture, built once per module and backend."""
    from api import create_app

    app = create_app({"store": "memory:"}, store=pages_store)
    yield app
    app.extensions["policykg"].close()


@pytest.fixture
def pages_client(pages_app: Any) -> Any:
    """A Flask test client over the pages fixture (a fresh cookie jar per test)."""
    return pages_app.test_client()
