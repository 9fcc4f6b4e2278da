"""Shared fixtures: stores (one per backend), the built seed, apps and test clients.

Fixtures that start real servers (Oxigraph server, Virtuoso) live in ``tests/servers.py`` and
are imported here so every test folder can use them.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import oxigraph_server, virtuoso_server  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No POLICYKG_* variable of the developer's shell leaks into a test."""
    for key in list(os.environ):
        if key.startswith("POLICYKG_"):
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The bundled document."""
    from corpus import default_documents

    return default_documents()[0]


@pytest.fixture(scope="session")
def lexicon() -> Any:
    """The lexicon built from the ontology, once per session."""
    from graph.lexicon import build_lexicon

    return build_lexicon()


@pytest.fixture(scope="session")
def seed_record(seed_path: Path, lexicon: Any) -> Any:
    """What the loader finds in the seed."""
    from loaders import load_document

    return load_document(seed_path, lexicon)


def _open(kind: str, directory: Path) -> Any:
    from graph.store import open_store

    if kind == "oxigraph":
        return open_store(f"oxigraph:{directory / 'store'}")
    return open_store("memory:")


@pytest.fixture(params=["memory", "oxigraph"])
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """An empty store, once per embedded backend."""
    store = _open(request.param, tmp_path)
    yield store
    store.close()


@pytest.fixture(scope="session", params=["memory", "oxigraph"])
def seed_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A store holding the built seed document (with ontology and inferred graphs).

    Built once per backend per session: tests must not write to it (use ``empty_store``).
    """
    from corpus import default_documents
    from graph.config import DEFAULT_BASE
    from graph.loading import build_documents

    store = _open(request.param, tmp_path_factory.mktemp(f"seed-{request.param}"))
    report = build_documents(store, default_documents(), base=DEFAULT_BASE)
    assert report.ok, report.failures
    return store


@pytest.fixture
def make_app() -> Callable[..., Any]:
    """Build an app over a given store, with setting overrides: ``make_app(store, max_rows=5)``."""

    def _make(store: Any = None, **config: Any) -> Any:
        from api import create_app

        config.setdefault("store", "memory:")
        return create_app(config, store=store)

    return _make


@pytest.fixture
def seed_client(seed_store: Any, make_app: Callable[..., Any]) -> Any:
    """A Flask test client over the built seed."""
    return make_app(seed_store).test_client()
