"""Faults: a build or an upload killed mid-write, a remote store that goes away, a read-only
or full disk, a corrupt ontology. Each test compares what is served and stored afterwards with
the last complete graph (its generation, quad count and a hash of its dump), so it fails if a
single quad is lost or half-written, or if the server stops answering.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from bench.servers import free_port
from bench.soak import ROOT, clean_environ
from tests.reliability.conftest import (
    ADMIN_TOKEN,
    NOTICE,
    copy_store,
    count_triples,
    run_cli,
    snapshot,
    unpublished,
    wait_for,
)

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
COPIES = 40
"""Documents in the build that gets killed (enough for it to last several seconds)."""


def _new_generation(store: Path, before: set[str]) -> str | None:
    for entry in store.iterdir():
        if entry.name.startswith("gen-") and entry.name not in before:
            return entry.name.removesuffix(".tmp")
    return None


def _generations(store: Path) -> set[str]:
    return {p.name for p in store.iterdir() if p.name.startswith("gen-")}


class Poller:
    """Queries a server over and over from a thread; records every status and count."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.seen: list[tuple[int, int | None]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
        while not self._stop.is_set():
            try:
                r = requests.get(f"{self.url}/sparql", params={"query": query}, timeout=30,
                                 headers={"Accept": "application/sparql-results+json"})
                n = int(r.json()["results"]["bindings"][0]["n"]["value"]) if r.ok else None
                self.seen.append((r.status_code, n))
            except requests.RequestException as exc:
                self.seen.append((0, None))
                self.error = exc
            time.sleep(0.05)

    def stop(self) -> list[tuple[int, int | None]]:
        self._stop.set()
        self._thread.join(60)
        return self.seen


# -- SIGKILL during `policykg build` ------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 1.5], ids=["at-once", "mid-build"])
def test_sigkill_during_build_keeps_the_last_complete_graph(
    store_copy: Path, tmp_path: Path, serve: Any, delay: float
) -> None:
    from corpus import default_documents

    docs = tmp_path / "docs"
    docs.mkdir()
    seed = default_documents()[0]
    for i in range(COPIES):
        shutil.copy(seed, docs / f"{i:02d}_{seed.name}")
    before = snapshot(store_copy)
    server = serve(store_copy)
    served_before = count_triples(server.url)
    poller = Poller(server.url)

    build = subprocess.Popen(
        [sys.executable, "-m", "graph.cli", "--store", f"oxigraph:{store_copy}", "build", "-q",
         str(docs)],
        cwd=ROOT, env=clean_environ(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        new = wait_for(lambda: _new_generation(store_copy, {before.target or ""}), 60,
                       "the build to start its generation")
        time.sleep(delay)
        assert build.poll() is None, "the build ended before it could be killed; add documents"
        os.killpg(build.pid, signal.SIGKILL)
        build.wait(30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(build.pid, signal.SIGKILL)
    time.sleep(0.3)
    seen = poller.stop()

    # The kill hit a write in progress: its generation (or RocksDB's checkpoint of it,
    # NAME.tmp) exists and was never published.
    assert new in {n.removesuffix(".tmp") for n in unpublished(store_copy)}
    after = snapshot(store_copy)
    assert after == before  # same generation, same quads, same hash
    # The server never stopped answering, and always with the complete graph.
    assert seen and all(status == 200 and n == served_before for status, n in seen), seen[-5:]
    assert count_triples(server.url) == served_before
    assert requests.get(f"{server.url}/healthz", timeout=30).json()["status"] == "ok"

    # The store reopens cleanly: the next build removes the leftover and publishes.
    rebuilt = run_cli("build", "-q", str(docs / f"00_{seed.name}"), store=store_copy)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert unpublished(store_copy) == []
    final = snapshot(store_copy)
    assert final.target != before.target and final.graphs == before.graphs
    health = wait_for(
        lambda: (h := requests.get(f"{server.url}/healthz", timeout=30).json())["store"][
            "version"] == final.target and h, 30, "the server to serve the new generation")
    assert health["store"]["documents"] == 1


# -- SIGKILL during POST /api/v1/documents -------------------------------------------------------


@pytest.mark.slow
def test_sigkill_during_upload_keeps_the_last_complete_graph(
    store_copy: Path, serve: Any
) -> None:
    before = snapshot(store_copy)
    port = free_port()
    server = serve(store_copy, port=port, admin_token=ADMIN_TOKEN)
    served_before = count_triples(server.url)
    outcome: dict[str, Any] = {}

    def upload() -> None:
        try:
            outcome["response"] = requests.post(
                f"{server.url}/api/v1/documents", headers=AUTH, timeout=120,
                files={"file": ("notice.txt", NOTICE.encode("utf-8"))},
            )
        except requests.RequestException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=upload)
    thread.start()
    new = wait_for(lambda: _new_generation(store_copy, {before.target or ""}), 60,
                   "the upload to start its write session")
    server.kill()  # the server and its query workers, mid-write
    thread.join(60)
    assert "error" in outcome, f"the upload finished before the kill: {outcome}"

    assert new in {n.removesuffix(".tmp") for n in unpublished(store_copy)}
    assert snapshot(store_copy) == before

    # Restarted on the same store: it serves the last complete graph and writes again.
    again = serve(store_copy, port=port, admin_token=ADMIN_TOKEN)
    assert count_triples(again.url) == served_before
    loaded = requests.post(f"{again.url}/api/v1/documents", headers=AUTH, timeout=120,
                           files={"file": ("notice.txt", NOTICE.encode("utf-8"))})
    assert loaded.status_code == 201, loaded.text
    after = snapshot(store_copy)
    assert loaded.json()["id"] in after.graphs
    assert set(before.graphs) < set(after.graphs)
    assert unpublished(store_copy) == []
    assert count_triples(again.url) > served_before


# -- a remote sparql: store that goes down and comes back -----------------------------------------


@pytest.mark.oxigraph_server
@pytest.mark.slow
def test_remote_store_down_gives_503_and_recovers_without_restart(tmp_path: Path) -> None:
    from api import create_app
    from graph.store import open_store
    from tests.api.live import THINGS, fill_sample, live_server
    from tests.servers import make_oxigraph_server, running

    port = free_port()
    remote = make_oxigraph_server(tmp_path / "remote", port=port)
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{'http://example.org/g1'}> {{ ?s ?p ?o }} }}"
    with running(remote):
        fill_sample(open_store(remote.store_spec))
        app = create_app({"store": remote.store_spec, "query_timeout": 3.0})
        with live_server(app) as live:

            def ask() -> requests.Response:
                return requests.get(live.sparql, params={"query": count}, timeout=30,
                                    headers={"Accept": "application/sparql-results+json"})

            sizes = iter(range(10, 1000))

            def rest() -> requests.Response:  # a new page size each time: never a cached answer
                return requests.get(f"{live.url}/api/v1/queries/documents/results",
                                    params={"page_size": next(sizes)}, timeout=30)

            assert ask().json()["results"]["bindings"][0]["n"]["value"] == str(2 * THINGS)
            assert rest().status_code == 200
            assert requests.get(f"{live.url}/healthz", timeout=30).status_code == 200

            remote.stop()  # SIGKILL
            for response in (ask(), rest()):
                assert response.status_code == 503
                body = response.json()
                assert body["error"] == "Store unavailable"
                assert f"cannot reach the SPARQL server at http://127.0.0.1:{port}" in (
                    body["message"])
            health = requests.get(f"{live.url}/healthz", timeout=30)
            assert health.status_code == 503 and "cannot reach" in health.json()["message"]
            page = requests.get(f"{live.url}/queries/documents", timeout=30,
                                headers={"Accept": "text/html"})
            assert page.status_code == 503

            remote.start()  # the same port and data folder
            assert ask().json()["results"]["bindings"][0]["n"]["value"] == str(2 * THINGS)
            assert rest().status_code == 200
            assert requests.get(f"{live.url}/healthz", timeout=30).status_code == 200

            # A server that hangs (stopped, connections accepted but never answered): the
            # query is given up at the time limit, and answered again once it resumes.
            assert remote.process is not None
            os.killpg(remote.process.pid, signal.SIGSTOP)
            try:
                started = time.monotonic()
                hung = ask()
                waited = time.monotonic() - started
            finally:
                os.killpg(remote.process.pid, signal.SIGCONT)
            assert hung.status_code == 503, hung.text
            assert "did not answer within 3 s" in hung.json()["message"]
            assert waited < 30
            assert ask().status_code == 200


# -- a read-only store directory ------------------------------------------------------------------


@contextlib.contextmanager
def _read_only(store: Path) -> Iterator[str]:
    """Make the store directory read-only: a read-only bind mount as root (root ignores
    permission bits; the mount is what a read-only volume gives), ``chmod 555`` otherwise.

    Yields:
        The words of the system error a writer meets.
    """
    if os.geteuid() == 0:
        subprocess.run(["mount", "--bind", str(store), str(store)], check=True)
        try:
            subprocess.run(["mount", "-o", "remount,ro,bind", str(store)], check=True)
            yield "Read-only file system"
        finally:
            subprocess.run(["umount", str(store)], check=False)
    else:
        store.chmod(0o555)
        try:
            yield "Permission denied"
        finally:
            store.chmod(0o755)


@pytest.mark.slow
def test_read_only_store_directory_refuses_writes_and_keeps_serving(
    store_copy: Path, serve: Any
) -> None:
    store = store_copy
    before = snapshot(store)
    server = serve(store, admin_token=ADMIN_TOKEN)
    served_before = count_triples(server.url)
    with _read_only(store) as reason:
        refused = requests.post(f"{server.url}/api/v1/documents", headers=AUTH, timeout=120,
                                files={"file": ("notice.txt", NOTICE.encode("utf-8"))})
        assert refused.status_code == 503, refused.text
        message = refused.json()["message"]
        assert f"cannot write the store at {store}" in message and reason in message
        assert "still serves its last complete graph" in message
        assert count_triples(server.url) == served_before
        assert snapshot(store) == before and unpublished(store) == []

        cli = run_cli("build", "-q", store=store)
        assert cli.returncode == 1
        assert f"cannot write the store at {store}" in cli.stderr
        assert "Traceback" not in cli.stderr
        assert snapshot(store) == before
    # Writable again: the same server writes without a restart.
    loaded = requests.post(f"{server.url}/api/v1/documents", headers=AUTH, timeout=120,
                           files={"file": ("notice.txt", NOTICE.encode("utf-8"))})
    assert loaded.status_code == 201, loaded.text
    assert count_triples(server.url) > served_before


# -- a full disk ----------------------------------------------------------------------------------


def _can_mount() -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    probe = Path(tempfile.mkdtemp(prefix="policykg-mount-"))
    try:
        ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(probe)],
                            capture_output=True, check=False).returncode == 0
        if ok:
            subprocess.run(["umount", str(probe)], check=False)
        return ok
    finally:
        probe.rmdir()


@contextlib.contextmanager
def _small_disk(size_mb: int) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="policykg-disk-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(folder)],
                   check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
        folder.rmdir()


def _fill(disk: Path, leave: int) -> Path:
    """Fill ``disk`` until only about ``leave`` bytes are free; return the filler file."""
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free
    with filler.open("wb") as f:
        remaining = max(free - leave, 0)
        while remaining > 0:
            chunk = min(remaining, 1 << 20)
            f.write(b"\0" * chunk)
            remaining -= chunk
    return filler


@pytest.mark.slow
def test_full_disk_fails_the_build_clearly_and_loses_nothing(
    seed_template: Path, tmp_path: Path, serve: Any
) -> None:
    """On a real full file system (a small tmpfs) when the tests may mount one (CI runs as
    root); otherwise files are capped in size (RLIMIT_FSIZE), which fails writes the same way."""
    if _can_mount():
        disk_cm: Any = _small_disk(48)
        limit: dict[str, Any] = {}
    else:
        disk_cm = contextlib.nullcontext(tmp_path / "disk")
        (tmp_path / "disk").mkdir()

        def cap() -> None:
            import resource

            resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

        limit = {"preexec_fn": cap}
    with disk_cm as disk:
        store = copy_store(seed_template, disk / "store")
        before = snapshot(store)
        server = serve(store, admin_token=ADMIN_TOKEN)
        served_before = count_triples(server.url)
        filler = _fill(disk, 256 * 1024) if not limit else None

        build = run_cli("build", "-q", store=store, **limit)
        assert build.returncode == 1, build.stderr
        assert f"the disk holding {store} is full" in build.stderr, build.stderr
        assert "still serves its last complete graph" in build.stderr
        assert snapshot(store) == before and unpublished(store) == []
        assert count_triples(server.url) == served_before
        if filler is not None:
            refused = requests.post(f"{server.url}/api/v1/documents", headers=AUTH,
                                    timeout=120,
                                    files={"file": ("notice.txt", NOTICE.encode("utf-8"))})
            assert refused.status_code == 503, refused.text
            assert "is full" in refused.json()["message"]
            assert snapshot(store) == before and unpublished(store) == []
            filler.unlink()
            loaded = requests.post(f"{server.url}/api/v1/documents", headers=AUTH,
                                   timeout=120,
                                   files={"file": ("notice.txt", NOTICE.encode("utf-8"))})
            assert loaded.status_code == 201, loaded.text
        rebuilt = run_cli("build", "-q", store=store)
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert unpublished(store) == []


# -- a corrupt or cut-short ontology --------------------------------------------------------------

PACKAGES = ("api", "graph", "loaders", "queries", "ontology", "corpus")


def _project_copy(tmp_path: Path) -> Path:
    """The code and data of the project, in a folder of its own (its ontology can be broken)."""
    copy = tmp_path / "project"
    for name in PACKAGES:
        shutil.copytree(ROOT / name, copy / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return copy


def _start_up(copy: Path, *args: str, store: Path) -> subprocess.CompletedProcess[str]:
    env = clean_environ()
    env["PYTHONPATH"] = str(copy)
    return subprocess.run(
        [sys.executable, "-m", "graph.cli", "--store", f"oxigraph:{store}", *args],
        cwd=copy, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def _cut_at_boundary(lines: list[str]) -> int:
    """A line count after which the Turtle file still parses but is cut short."""
    for n in range(len(lines) // 10, len(lines)):
        if lines[n - 1].rstrip().endswith(" .") and not lines[n].strip():
            return n
    raise AssertionError("no statement boundary found in the ontology")


@pytest.mark.slow
def test_corrupt_ontology_stops_every_start_up_with_file_and_line(
    seed_template: Path, tmp_path: Path
) -> None:
    copy = _project_copy(tmp_path)
    ttl = copy / "ontology" / "policykg.ttl"
    original = ttl.read_text(encoding="utf-8")
    lines = original.splitlines(keepends=True)
    store = copy_store(seed_template, tmp_path / "store")
    before = snapshot(store)

    # A line garbled by a bad edit.
    broken = 120
    ttl.write_text("".join(lines[: broken - 1]) + "pol:Broken a owl:Class ;; ] garbage\n"
                   + "".join(lines[broken:]), encoding="utf-8")
    expected = f"{ttl}, line {broken}"
    build = _start_up(copy, "build", "-q", store=store)
    assert build.returncode != 0 and expected in build.stderr, build.stderr
    assert "Traceback" not in build.stderr
    serve = _start_up(copy, "serve", "--port", str(free_port()), store=store)
    assert serve.returncode != 0 and expected in serve.stderr, serve.stderr
    env = clean_environ(store=f"oxigraph:{store}")
    env["PYTHONPATH"] = str(copy)
    factory = subprocess.run(
        [sys.executable, "-c", "from api import create_app; create_app()"],
        cwd=copy, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert factory.returncode != 0 and expected in factory.stderr, factory.stderr[-2000:]

    # A file cut in the middle of a statement (a copy or a disk that stopped short).
    cut = len(original.encode("utf-8")) // 3
    data = original.encode("utf-8")[:cut]
    ttl.write_bytes(data)
    last_line = data.count(b"\n") + 1
    build = _start_up(copy, "build", "-q", store=store)
    assert build.returncode != 0, build.stderr
    assert f"{ttl}, line {last_line}" in build.stderr, build.stderr

    # A file cut between two statements: valid Turtle, but the ontology's terms are missing.
    n = _cut_at_boundary(lines)
    ttl.write_text("".join(lines[:n]), encoding="utf-8")
    build = _start_up(copy, "build", "-q", store=store)
    assert build.returncode != 0, build.stderr
    assert f"{ttl}, line {n}: the ontology ends here without defining" in build.stderr

    assert snapshot(store) == before  # nothing was written by any refused start-up
