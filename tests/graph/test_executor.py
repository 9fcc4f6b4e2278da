"""The stoppable query runner (graph.executor): worker processes for the embedded store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pyoxigraph as ox
import pytest

from graph.errors import (
    NotAcceptableError,
    QueryRefusedError,
    QuerySyntaxError,
    QueryTimeoutError,
)
from graph.executor import InlineExecutor, PooledExecutor, QueryFailedError, make_executor
from graph.store import SRJ, TURTLE, DatasetSpec, open_store

EX = "http://example.org/"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
"""A four-way cartesian product: 200⁴ solutions to count, minutes of work."""


def _triples(graph: int, n: int) -> list[ox.Triple]:
    return [
        ox.Triple(ox.NamedNode(f"{EX}s{graph}-{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(str(i)))
        for i in range(n)
    ]


@pytest.fixture
def oxi_store(tmp_path: Path) -> Iterator[Any]:
    """An embedded store with two named graphs, 200 triples in all."""
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    store.replace_graphs({f"{EX}g1": _triples(1, 150), f"{EX}g2": _triples(2, 50)})
    yield store
    store.close()


@pytest.fixture
def pool(oxi_store: Any) -> Iterator[PooledExecutor]:
    executor = make_executor(oxi_store, workers=2)
    assert isinstance(executor, PooledExecutor)
    yield executor
    executor.close()


def _count(result: Any) -> int:
    return int(json.loads(result.body)["results"]["bindings"][0]["n"]["value"])


def test_pool_answers_like_the_store(pool: PooledExecutor, oxi_store: Any) -> None:
    for query, accept in [
        ("SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s", (SRJ,)),
        ("ASK { ?s ?p ?o }", ()),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", (TURTLE,)),
    ]:
        assert pool.run(query, accept=accept, timeout=30) == oxi_store.query(query, accept=accept)


def test_pool_passes_dataset_and_row_cap(pool: PooledExecutor) -> None:
    only_g2 = DatasetSpec(default_graphs=(f"{EX}g2",))
    result = pool.run("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", dataset=only_g2, timeout=30)
    assert _count(result) == 50
    capped = pool.run("SELECT * WHERE { ?s ?p ?o }", max_rows=7, timeout=30)
    assert capped.truncated and capped.rows == 7


def test_errors_cross_the_process_boundary(pool: PooledExecutor) -> None:
    with pytest.raises(QuerySyntaxError, match="1:"):
        pool.run("SELECT * WHERE { ?s ?p", timeout=30)
    with pytest.raises(NotAcceptableError) as info:
        pool.run("ASK {}", accept=(TURTLE,), timeout=30)
    assert info.value.kind == "boolean"
    with pytest.raises(QueryRefusedError):
        pool.run("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", timeout=30)
    assert pool.run("ASK {}", timeout=30).kind == "boolean"  # the workers still serve


@pytest.mark.slow
def test_runaway_query_is_stopped_and_others_keep_running(pool: PooledExecutor) -> None:
    pool.run("ASK {}", timeout=30)  # workers up
    outcome: dict[str, Any] = {}

    def runaway() -> None:
        started = time.monotonic()
        try:
            pool.run(RUNAWAY, timeout=2)
        except QueryTimeoutError as exc:
            outcome["error"] = exc
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    result = pool.run("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", timeout=30)
    cheap = time.monotonic() - started
    thread.join(30)
    assert _count(result) == 200
    assert isinstance(outcome.get("error"), QueryTimeoutError)
    assert outcome["seconds"] < 2 + 2
    assert cheap < 1.0
    assert pool.killed == 1
    deadline = time.monotonic() + 20
    while pool.live_workers < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pool.live_workers == 2  # the stopped worker was replaced
    assert pool.run("ASK { ?s ?p ?o }", timeout=30).body


def test_workers_see_new_generations(pool: PooledExecutor, oxi_store: Any) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert _count(pool.run(query, timeout=30)) == 200
    oxi_store.replace_graphs({f"{EX}g3": _triples(3, 10)})
    for _ in range(4):  # whichever worker answers
        assert _count(pool.run(query, timeout=30)) == 210


def _worker_pids() -> set[int]:
    children = psutil.Process().children(recursive=True)
    return {p.pid for p in children if "graph.executor" in " ".join(p.cmdline())}


def test_executors_of_one_store_share_the_workers(oxi_store: Any) -> None:
    before = _worker_pids()
    first = make_executor(oxi_store, workers=2)
    second = make_executor(oxi_store, workers=2)
    assert isinstance(first, PooledExecutor) and isinstance(second, PooledExecutor)
    assert first.pool is second.pool
    first.run("ASK {}", timeout=30)
    deadline = time.monotonic() + 20
    while first.live_workers < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    pids = _worker_pids() - before
    assert len(pids) == 2
    first.close()
    assert second.run("ASK {}", timeout=30).kind == "boolean"  # still served
    second.close()
    _gone, alive = psutil.wait_procs([psutil.Process(p) for p in pids if psutil.pid_exists(p)], 10)
    assert not alive


@pytest.mark.slow
def test_workers_die_with_the_server(oxi_store: Any, tmp_path: Path) -> None:
    """A killed server leaves no worker behind, even one in the middle of a runaway query."""
    script = textwrap.dedent(
        f"""
        import sys, threading, time
        from graph.executor import make_executor
        from graph.store import open_store
        pool = make_executor(open_store({"oxigraph:" + str(oxi_store.spec.path)!r}))
        pool.run("ASK {{}}", timeout=60)
        threading.Thread(target=pool.run, args=({RUNAWAY!r},), kwargs={{"timeout": 600}},
                         daemon=True).start()
        print("ready", flush=True)
        time.sleep(600)
        """
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    server = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env=env)
    try:
        assert server.stdout is not None
        assert server.stdout.readline().strip() == b"ready"
        time.sleep(0.5)
        workers = psutil.Process(server.pid).children(recursive=True)
        assert workers
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(10)
    _gone, alive = psutil.wait_procs(workers, 10)
    assert not alive


def test_memory_store_runs_inline_and_never_raises_raw_errors() -> None:
    store = open_store("memory:")
    executor = make_executor(store)
    assert isinstance(executor, InlineExecutor)
    assert executor.run("ASK {}").kind == "boolean"

    class Broken:
        spec = store.spec

        def query(self, *args: Any, **kwargs: Any) -> Any:
            raise TypeError("an rdflib evaluation bug")

    with pytest.raises(QueryFailedError, match="rdflib evaluation bug"):
        InlineExecutor(Broken()).run("ASK {}")  # type: ignore[arg-type]
