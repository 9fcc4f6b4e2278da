"""Corpus loading: `policykg build DIR` goes past broken files, reports them at the end, shows
its progress, validates every document, and gives the same graphs with or without workers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rdflib.compare import isomorphic

from graph.config import DEFAULT_BASE
from graph.errors import StoreUnavailableError
from graph.loading import build_documents
from graph.store import open_store
from graph.validate import ShaclReport, ShaclViolation
from tests.graph.test_build import graphs_of

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def mixed_folder(tmp_path: Path, seed_path: Path) -> Path:
    """The seed, two synthetic documents, and three files no loader can read."""
    from bench.corpus import write_corpus

    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(seed_path, folder / seed_path.name)
    write_corpus(2, folder, seed=5)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "fake.pdf").write_bytes(b"%PDF-1.4 this is not a PDF at all")
    return folder


def test_build_goes_past_broken_files_and_reports_them(mixed_folder: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    done = subprocess.run(
        [sys.executable, "-m", "graph.cli", "--store", f"oxigraph:{store}", "build", "-j", "2",
         str(mixed_folder)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 1  # some documents were refused
    err = done.stderr
    for name in ("empty.txt", "binary.txt", "fake.pdf"):
        assert f"policykg: refused {name}: " in err, err
    assert "Traceback" not in err
    assert "built 3 document(s)" in err and "documents/s" in err
    assert "3 document(s) refused (see above); the others were written" in err
    # The progress line: files, measures, triples, rate.
    progress = [line for line in err.splitlines() if line.startswith("[")]
    assert progress and "6/6 documents" in progress[-1] and "triples/s" in progress[-1]
    assert "3 refused" in progress[-1]
    stats = subprocess.run(
        [sys.executable, "-m", "graph.cli", "--store", f"oxigraph:{store}", "stats", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert '"documents": 3' in stats.stdout


def test_workers_change_nothing_but_speed(mixed_folder: Path, tmp_path: Path) -> None:
    files = sorted(mixed_folder.iterdir())
    one = open_store(f"oxigraph:{tmp_path / 'one'}")
    two = open_store(f"oxigraph:{tmp_path / 'two'}")
    a = build_documents(one, files, base=DEFAULT_BASE, workers=1)
    b = build_documents(two, files, base=DEFAULT_BASE, workers=2)
    assert (a.workers, b.workers) == (1, 2)
    assert a.documents == b.documents and a.failures == b.failures
    first, second = graphs_of(one), graphs_of(two)
    assert first.keys() == second.keys()
    for name in first:
        assert isomorphic(first[name], second[name]), name


def _violating(triples: Any) -> ShaclReport:
    violation = ShaclViolation("urn:x", "pol:text", "needs exactly one pol:text", "Violation")
    return ShaclReport(False, (violation,), "1 SHACL violation(s):\n- needs exactly one pol:text")


@pytest.mark.parametrize("mode", ["refuse", "warn"])
def test_shape_violations_refuse_or_warn(
    mode: str, seed_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import graph.loading as loading

    monkeypatch.setattr(loading, "validate_document", _violating)
    store = open_store("memory:")
    report = build_documents(store, [seed_path], base=DEFAULT_BASE, validation=mode, workers=1)
    if mode == "refuse":
        assert report.documents == [] and report.failures
        assert "violates the SHACL shapes" in report.failures[0][1]
        assert not any("/doc/" in g for g in store.graph_names())
    else:
        assert report.documents and not report.failures
        assert "violates the SHACL shapes" in report.warnings[0][1]


def test_unknown_validation_mode_is_refused(seed_path: Path) -> None:
    with pytest.raises(ValueError, match="choose one of refuse, warn"):
        build_documents(open_store("memory:"), [seed_path], base=DEFAULT_BASE, validation="skip")


def test_an_extractor_bug_is_one_refused_document(
    mixed_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import graph.loading as loading

    real = loading.extract

    def flaky(source: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("name", "").startswith("00001_"):
            raise IndexError("list index out of range")
        return real(source, *args, **kwargs)

    monkeypatch.setattr(loading, "extract", flaky)
    broken = {"empty.txt", "binary.txt", "fake.pdf"}
    files = [p for p in sorted(mixed_folder.iterdir()) if p.name not in broken]
    report = build_documents(open_store("memory:"), files, base=DEFAULT_BASE, workers=1)
    failed = dict(report.failures)
    [name] = [n for n in failed if n.startswith("00001_")]
    assert "the extractor failed (IndexError" in failed[name]
    assert len(report.documents) == len(files) - 1


def test_a_store_failure_stops_the_build_with_nothing_published(
    seed_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    build_documents(store, [seed_path], base=DEFAULT_BASE)
    before = store.version()
    import graph.loading as loading

    def broken(*args: Any) -> None:
        raise OSError("IO error: While appending to file: 000012.log: No space left on device")

    monkeypatch.setattr(loading, "_write_document", broken)
    with pytest.raises(StoreUnavailableError, match="is full"):
        build_documents(store, [seed_path], base=DEFAULT_BASE, workers=1)
    assert store.version() == before
