"""The quick benchmark still runs end to end, on tiny sizes (figures are printed, never asserted).

Benchmarks are not tests: nothing here checks a time or a ratio. This checks that
``python -m bench run --quick`` builds, serves both servers, measures every pair and prints the
targets, and that ``python -m bench report`` redraws the plots and rewrites only the generated
part of a markdown file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.oxigraph_server, pytest.mark.slow]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("bench")
    try:
        from bench.servers import oxigraph_binary

        oxigraph_binary()
    except FileNotFoundError as exc:
        pytest.fail(str(exc))
    done = subprocess.run(
        [sys.executable, "-m", "bench", "run", "--quick", "--build-sizes", "1,2",
         "--serve-sizes", "2", "--remote-max", "1", "--duration", "0.5", "--clients", "1,2",
         "--only", "ministries,provinces,measure_graph,lookup_one", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out, done.stdout


def test_every_section_is_measured(quick_run: tuple[Path, str]) -> None:
    out, _ = quick_run
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    builds = {(b["target"], b["documents"]) for b in results["builds"]}
    assert builds == {("embedded", 1), ("oxigraph-serve", 1), ("embedded", 2)}
    assert all(b["built"] + b["refused"] == b["documents"] for b in results["builds"])
    assert results["extraction"]["warm_extraction_ms"] is not None
    (serving,) = results["serving"]
    assert serving["size"] == 2 and serving["startup_s"] > 0
    names = {(r["tag"], r["kind"], r["name"]) for r in serving["pairs"]}
    for name in ("ministries", "provinces", "measure_graph"):
        assert ("uncached", "sparql", name) in names
        assert ("uncached", "rest", name) in names
        assert ("cached", "rest", name) in names
    assert ("uncached", "sparql", "raw:lookup_one") in names
    for row in serving["pairs"]:
        assert row["ours"]["status"] == 200, row
        assert row["peer"]["status"] == 200, row
        assert row["ratio_p50"] is not None, row
    clients = sorted(t["clients"] for t in serving["throughput"] if t["tag"] == "sparql")
    assert clients == [1, 2]
    assert all(t["ours"]["completed"] > 0 and t["peer"]["completed"] > 0
               for t in serving["throughput"])


def test_same_answers_from_both_servers(quick_run: tuple[Path, str]) -> None:
    """The /sparql pairs ask the same question: both answers have the same size."""
    out, _ = quick_run
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    for row in results["serving"][0]["pairs"]:
        if row["kind"] == "sparql" and row["name"] != "measure_graph":  # graph order may differ
            assert row["ours"]["bytes"] == row["peer"]["bytes"], row["name"]


def test_targets_are_printed(quick_run: tuple[Path, str]) -> None:
    _, stdout = quick_run
    assert "== targets" in stdout
    for words in ("/sparql p50", "canned REST", "throughput, 8 clients", "first query",
                  "documents/s", "peak RSS", "extraction of the seed"):
        assert words in stdout


def test_report_plots_and_keeps_the_hand_written_part(quick_run: tuple[Path, str],
                                                      tmp_path: Path) -> None:
    out, _ = quick_run
    md = tmp_path / "benchmarks.md"
    md.write_text("# Benchmarks\n\n## Build\n\nWritten by hand.\n", encoding="utf-8")
    for _ in range(2):  # the second run replaces the generated part instead of adding one
        done = subprocess.run(
            [sys.executable, "-m", "bench", "report", str(out / "results.json"),
             "--plots", str(tmp_path / "plots"), "--markdown", str(md)],
            cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        )
        assert done.returncode == 0, done.stderr
    text = md.read_text(encoding="utf-8")
    assert "Written by hand." in text
    assert text.count("bench:results:start") == 1
    assert "| uncached | sparql | ministries |" in text
    for name in ("latency.png", "throughput.png", "build.png"):
        assert (tmp_path / "plots" / name).read_bytes().startswith(b"\x89PNG")
        assert f"plots/{name}" in text
