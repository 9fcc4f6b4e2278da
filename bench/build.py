"""Build benchmark: documents/s, triples/s and peak memory of ``build_documents`` per corpus size.

Each build runs in a fresh interpreter (``python -m bench.build STORE FILE…``), the same code
path as ``policykg build``, and reports its own peak resident memory (``ru_maxrss``), so the
figure is the builder's alone: neither the benchmark's nor a server's.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class BuildFigures:
    """One build of ``documents`` files into one store."""

    target: str
    """``embedded`` (oxigraph:PATH) or ``oxigraph-serve`` (sparql: through Oxigraph server)."""
    documents: int
    built: int
    refused: int
    measures: int
    triples: int
    seconds: float
    peak_rss_mib: float

    @property
    def docs_per_s(self) -> float:
        """Documents written per second (refused ones not counted)."""
        return self.built / self.seconds if self.seconds else 0.0

    @property
    def triples_per_s(self) -> float:
        """Document triples written per second."""
        return self.triples / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, float | int | str]:
        """Plain data for the results file."""
        return {**asdict(self), "docs_per_s": self.docs_per_s,
                "triples_per_s": self.triples_per_s}


def run_build(target: str, store: str, files: list[Path], log: Path,
              timeout: float = 7200.0) -> BuildFigures:
    """Build ``files`` into ``store`` in a child process and return its figures.

    Raises:
        RuntimeError: the child failed (its log is named).
    """
    listing = log.with_suffix(".files")
    listing.write_text("\n".join(str(f) for f in files), encoding="utf-8")
    with open(log, "wb") as err:
        done = subprocess.run(
            [sys.executable, "-m", "bench.build", store, str(listing)],
            stdout=subprocess.PIPE, stderr=err, timeout=timeout, check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"the build into {store} failed (exit {done.returncode}); see {log}")
    data = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return BuildFigures(target=target, documents=len(files), **data)


def _child(store_spec: str, listing: Path) -> int:
    from graph.config import load_settings
    from graph.loading import build_documents
    from graph.store import open_store

    files = [Path(p) for p in listing.read_text(encoding="utf-8").splitlines() if p]
    settings = load_settings(store=store_spec)
    started = time.perf_counter()
    with open_store(settings.store) as store:
        report = build_documents(store, files, base=settings.base,
                                 validation=settings.validation)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    for name, message in report.failures:
        print(f"refused {name}: {message.splitlines()[0]}", file=sys.stderr)
    print(json.dumps({
        "built": len(report.documents), "refused": len(report.failures),
        "measures": report.measures, "triples": report.triples, "seconds": seconds,
        "peak_rss_mib": peak,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], Path(sys.argv[2])))
