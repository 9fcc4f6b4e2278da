"""Fixtures of the reliability suite: a built store to copy, snapshots, ``policykg serve`` children.

The suite runs the production server (``policykg serve``: waitress, query workers, the access
log) as a child process wherever a test kills, starves or measures it, and an in-process
waitress (``tests/api/live.py``) where it only needs HTTP. Every server gets a free loopback
port and its own copy of the store in ``tmp_path``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from bench.soak import ROOT, ServeProcess, clean_environ, start_serve

ADMIN_TOKEN = "reliability-admin-token-5f1c"
"""The admin token of the servers these tests start (it must never appear in their logs)."""
NOBODY = 65534

NOTICE = """关于推进产业有序转移的通知
可靠测试〔2031〕3号

各省、自治区、直辖市工业和信息化主管部门：

为推动产业有序转移，现就有关事项通知如下。

一、加强规划引导

引导劳动密集型产业向中西部地区有序转移。支持边境地区建设综合保税区，海关总署优化通关监管。

二、强化政策支持

鼓励中西部地区设立产业转移基金，国家发展改革委安排中央预算内投资予以支持。

工业和信息化部
2031年3月1日
"""
"""An invented notice of the genre (not the bundled document), for uploads."""


@dataclass(frozen=True)
class Snapshot:
    """What a store holds: the generation it serves, its quads counted and hashed."""

    target: str | None
    quads: int
    digest: str
    graphs: tuple[str, ...]


def snapshot(path: Path) -> Snapshot:
    """Read the published generation of the ``oxigraph:`` store at ``path`` (read-only).

    Blank-node labels are written as ``_:b`` before hashing: a rewrite of the same graph mints
    new labels, and the tests compare content, not labels.
    """
    from graph.store import open_store

    target = os.readlink(path / "current") if (path / "current").is_symlink() else None
    store = open_store(f"oxigraph:{path}", read_only=True)
    try:
        out = io.BytesIO()
        store.dump(out)
        graphs = tuple(store.graph_names())
    finally:
        store.close()
    lines = sorted(
        re.sub(r"_:[A-Za-z0-9]+", "_:b", line)
        for line in out.getvalue().decode("utf-8").splitlines()
        if line.strip()
    )
    digest = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
    return Snapshot(target, len(lines), digest, graphs)


def unpublished(path: Path) -> list[str]:
    """Generation folders a writer started and never published (``NAME.tmp`` included: RocksDB
    writes a checkpoint there and renames it when complete)."""
    return sorted(
        p.name for p in path.iterdir()
        if p.name.startswith("gen-") and p.is_dir() and not (p / ".published").exists()
    )


def copy_store(template: Path, dest: Path) -> Path:
    """A private copy of a built store (its ``current`` link and generation)."""
    shutil.copytree(template, dest, symlinks=True)
    return dest


def run_cli(*args: str, store: Path | str | None = None, timeout: float = 300,
            **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """``policykg ARGS`` in a child process (clean environment), its output captured."""
    command = [sys.executable, "-m", "graph.cli"]
    if store is not None:
        command += ["--store", store if isinstance(store, str) else f"oxigraph:{store}"]
    env = kwargs.pop("env", None) or clean_environ()
    return subprocess.run(
        [*command, *args], cwd=kwargs.pop("cwd", ROOT), env=env, capture_output=True,
        text=True, timeout=timeout, check=False, **kwargs,
    )


@pytest.fixture(scope="session")
def seed_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An ``oxigraph:`` store holding the built bundled corpus (copy it; never write to it)."""
    from corpus import default_documents
    from graph.config import DEFAULT_BASE
    from graph.loading import build_documents
    from graph.store import open_store

    path = tmp_path_factory.mktemp("seed-template") / "store"
    store = open_store(f"oxigraph:{path}")
    try:
        report = build_documents(store, default_documents(), base=DEFAULT_BASE)
    finally:
        store.close()
    assert report.ok, report.failures
    return path


@pytest.fixture
def store_copy(seed_template: Path, tmp_path: Path) -> Path:
    """A private copy of the built store for one test."""
    return copy_store(seed_template, tmp_path / "store")


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., ServeProcess]]:
    """Start ``policykg serve`` children: ``serve(store_path, query_timeout=3, …)``.

    Every server started through it is stopped at teardown (killed if need be).
    """
    started: list[ServeProcess] = []

    def _start(store: Path | str, *, port: int | None = None, user: int | None = None,
               **settings: Any) -> ServeProcess:
        spec = store if isinstance(store, str) else f"oxigraph:{store}"
        log = tmp_path / f"serve-{len(started)}.log"
        try:
            server = start_serve(spec, log, port=port, settings=settings, user=user)
        except RuntimeError as exc:
            pytest.fail(str(exc))
        started.append(server)
        return server

    yield _start
    for server in started:
        server.stop()


def wait_for(predicate: Callable[[], Any], timeout: float, what: str,
             interval: float = 0.01) -> Any:
    """Poll ``predicate`` until it returns something true; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:g} s waiting for {what}")


def count_triples(url: str, timeout: float = 30) -> int:
    """Triples in every named graph, counted by the server at ``url`` through ``/sparql``."""
    import requests

    response = requests.get(
        f"{url}/sparql",
        params={"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=timeout,
    )
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def quad_count(path: Path) -> int:
    """Quads of the published generation, counted without the server."""
    from graph.store import open_store

    store = open_store(f"oxigraph:{path}", read_only=True)
    try:
        return sum(1 for q in store.quads() if isinstance(q, ox.Quad))
    finally:
        store.close()


@contextlib.contextmanager
def live_copy(template: Path, folder: Path, **config: Any) -> Iterator[tuple[Any, Path]]:
    """An in-process waitress server over a private copy of ``template``: (server, store path)."""
    from api import create_app
    from graph.store import open_store
    from tests.api.live import live_server

    path = copy_store(template, folder / "store")
    store = open_store(f"oxigraph:{path}")
    threads = config.pop("threads", 8)
    try:
        with live_server(create_app({"store": "memory:", **config}, store=store),
                         threads=threads) as server:
            yield server, path
    finally:
        store.close()
