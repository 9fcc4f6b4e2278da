"""The embedded store's promises: a killed build leaves the previous graph serving, writers queue,
readers see whole generations, stale generations are collected, and a full or read-only disk
fails with a clear message and nothing corrupted."""

from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.errors import StoreBusyError, StoreUnavailableError
from graph.store import open_store
from graph.store_oxigraph import OxigraphStore

ROOT = Path(__file__).resolve().parents[2]
POLICYKG = [sys.executable, "-m", "graph.cli"]
EX = "http://example.org/"
DOCS = "PREFIX pol: <https://w3id.org/policykg/ontology#> SELECT (COUNT(DISTINCT ?d) AS ?n) " \
    "WHERE { ?d a pol:PolicyDocument }"


def triples(n: int, tag: str = "v") -> list[ox.Triple]:
    return [
        ox.Triple(ox.NamedNode(f"{EX}s/{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(f"{tag}{i}"))
        for i in range(n)
    ]


def documents(store: OxigraphStore) -> int:
    return int(store.select(DOCS)[0]["n"]["value"])


def run_cli(
    *args: str, env: dict[str, str] | None = None, **kwargs: object
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*POLICYKG, *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from bench.corpus import write_corpus

    folder = tmp_path_factory.mktemp("corpus")
    write_corpus(60, folder, seed=3)
    return folder


@pytest.fixture
def seed_built(tmp_path: Path, seed_path: Path) -> Iterator[str]:
    """A store holding the built seed, written by a `policykg build` process."""
    location = tmp_path / "store"
    done = run_cli("--store", f"oxigraph:{location}", "build", "-q", str(seed_path))
    _, err = done.communicate(timeout=600)
    assert done.returncode == 0, err
    yield str(location)


@pytest.mark.slow
def test_killed_build_leaves_the_previous_graph(seed_built: str, corpus_dir: Path) -> None:
    """SIGKILL a build half-way: `current` is untouched and the store serves the seed."""
    root = Path(seed_built)
    before = os.readlink(root / "current")
    build = run_cli("--store", f"oxigraph:{root}", "build", "-j", "1", str(corpus_dir))
    assert build.stderr is not None
    done = 0
    for line in build.stderr:  # the progress line, every 2 s when not on a terminal
        match = re.search(r"(\d+)/60 documents", line)
        done = int(match.group(1)) if match else done
        if 5 <= done < 60:
            break
    assert 5 <= done < 60, f"could not catch the build half-way (at {done}/60)"
    build.send_signal(signal.SIGKILL)
    build.wait(timeout=30)
    assert os.readlink(root / "current") == before
    reader = open_store(f"oxigraph:{root}", read_only=True)
    assert documents(reader) == 1  # type: ignore[arg-type]
    assert reader.version() == before
    # The killed build left its generation behind; the next writer removes it and publishes.
    store = open_store(f"oxigraph:{root}")
    assert len(store.generations()) == 2  # type: ignore[attr-defined]
    with store.writer() as w:
        w.replace_graphs({f"{EX}g": triples(3)})
    assert os.readlink(root / "current") != before
    assert len(store.generations()) == 2  # type: ignore[attr-defined]  # new + superseded
    assert documents(reader) == 1  # type: ignore[arg-type]
    assert reader.version() == os.readlink(root / "current")  # it moved to the new one


def test_writers_queue_and_say_what_to_do(tmp_path: Path) -> None:
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        other = open_store(f"oxigraph:{tmp_path / 'store'}")
        with other.writer() as w:
            w.replace_graphs({f"{EX}a": triples(2)})
            holding.set()
            release.wait(30)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(30)
        with pytest.raises(StoreBusyError, match="another process is writing"), \
                store.writer(wait=0.3):
            pass
    finally:
        release.set()
        thread.join()
    with store.writer(wait=5) as w:  # free again
        w.replace_graphs({f"{EX}b": triples(2)})
    assert store.graph_names() == [f"{EX}a", f"{EX}b"]


def test_readers_see_whole_sessions(tmp_path: Path) -> None:
    writer_store = open_store(f"oxigraph:{tmp_path / 'store'}")
    writer_store.replace_graphs({f"{EX}a": triples(5, "old")})
    reader = open_store(f"oxigraph:{tmp_path / 'store'}", read_only=True)
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert reader.select(count)[0]["n"]["value"] == "5"
    with writer_store.writer() as w:
        w.replace_graphs({f"{EX}a": triples(50, "new")})
        w.replace_graphs({f"{EX}b": triples(7)})
        assert reader.select(count)[0]["n"]["value"] == "5"  # not published yet
    assert reader.select(count)[0]["n"]["value"] == "57"
    with pytest.raises(StoreUnavailableError, match="read-only"), reader.writer():
        pass


def test_a_failed_session_publishes_nothing(tmp_path: Path) -> None:
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    store.replace_graphs({f"{EX}a": triples(5)})
    before = store.version()
    with pytest.raises(RuntimeError), store.writer() as w:
        w.replace_graphs({f"{EX}a": []})
        raise RuntimeError("the build failed")
    assert store.version() == before
    assert store.count_triples() == 5
    assert store.generations() == [before]  # the failed one was removed at once


def test_stale_generations_are_collected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import graph.store_oxigraph as module

    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    for i in range(4):
        store.replace_graphs({f"{EX}a": triples(3, f"v{i}")})
    # Superseded within the grace period: kept for readers still finishing a query.
    assert len(store.generations()) == 4
    monkeypatch.setattr(module, "KEEP_SUPERSEDED_SECONDS", 0.0)
    store.replace_graphs({f"{EX}a": triples(3, "last")})
    assert store.generations() == sorted([store.version(), *_previous(store)])
    assert len(store.generations()) == 2


def _previous(store: OxigraphStore) -> list[str]:
    return [g for g in store.generations() if g != store.version()]


@pytest.mark.slow
def test_full_disk_fails_cleanly(seed_built: str, corpus_dir: Path) -> None:
    """A file-size limit stands in for a full disk: RocksDB's writes fail with "File too large"."""
    root = Path(seed_built)
    before = os.readlink(root / "current")

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (2_000_000, 2_000_000))

    build = run_cli("--store", f"oxigraph:{root}", "build", "-q", "-j", "1", str(corpus_dir),
                    preexec_fn=limit)
    _, err = build.communicate(timeout=600)
    assert build.returncode == 1
    assert "is full" in err and "still serves its last complete graph" in err, err
    assert "Traceback" not in err
    assert os.readlink(root / "current") == before
    assert documents(open_store(f"oxigraph:{root}", read_only=True)) == 1  # type: ignore[arg-type]
    assert open_store(f"oxigraph:{root}").generations() == [before]  # type: ignore[attr-defined]


def _without_root_powers() -> list[str]:
    """A command prefix that makes file permissions count even for root.

    Root ignores them through the capabilities CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH;
    util-linux's ``setpriv`` runs the child without them.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("setpriv is missing: install util-linux (it drops root's file powers)")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]


def test_read_only_store_fails_cleanly_and_still_serves(tmp_path: Path, seed_path: Path) -> None:
    root = tmp_path / "store"
    done = run_cli("--store", f"oxigraph:{root}", "build", "-q", str(seed_path))
    assert done.wait(timeout=600) == 0, done.communicate()[1]
    before = os.readlink(root / "current")
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        prefix = _without_root_powers()
        build = subprocess.run(
            [*prefix, *POLICYKG, "--store", f"oxigraph:{root}", "build", "-q", str(seed_path)],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True, text=True, timeout=600, check=False,
        )
        assert build.returncode == 1
        err = build.stderr
        assert "cannot write the store" in err and "make the directory writable" in err, err
        assert "Traceback" not in err
        assert os.readlink(root / "current") == before
        stats = subprocess.run(
            [*prefix, *POLICYKG, "--store", f"oxigraph:{root}", "stats", "--json"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True, text=True, timeout=600, check=False,
        )
        assert stats.returncode == 0, stats.stderr
        assert '"documents": 1' in stats.stdout
    finally:
        for path in [root, *root.rglob("*")]:
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)
