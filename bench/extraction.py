"""Extraction time of the seed document: lexicon build, cold extraction, warm extraction.

Run ``python -m bench.extraction [--repeat N] [PATH]``. "Cold" is the first extraction in the
process (it compiles the lexicon's matcher); "warm" is the median of the following runs, what
a build of many documents pays per document. Not a timed test: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Print the timings; exit status 0."""
    parser = argparse.ArgumentParser(prog="python -m bench.extraction", description=__doc__)
    parser.add_argument("path", nargs="?", type=Path, help="document (default: the seed)")
    parser.add_argument("--repeat", type=int, default=50, help="warm runs (default: %(default)s)")
    args = parser.parse_args(argv)

    from corpus import default_documents
    from graph.lexicon import build_lexicon
    from loaders import load_document

    path = args.path or default_documents()[0]
    data = path.read_bytes()

    def timed(run):  # type: ignore[no-untyped-def]
        wall, cpu = time.perf_counter(), time.process_time()
        value = run()
        return value, (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000

    lexicon, lexicon_ms, lexicon_cpu = timed(build_lexicon)
    record, cold_ms, cold_cpu = timed(lambda: load_document(data, lexicon, name=path.name))
    warm, warm_cpu = [], []
    for _ in range(max(1, args.repeat)):
        _, wall_ms, cpu_ms = timed(lambda: load_document(data, lexicon, name=path.name))
        warm.append(wall_ms)
        warm_cpu.append(cpu_ms)

    print(f"document        {path.name} ({len(record.full_text)} characters, "
          f"{len(record.sections)} sections, {len(record.measures)} measures)")
    print(f"lexicon build   {lexicon_ms:8.1f} ms wall {lexicon_cpu:8.1f} ms CPU  "
          f"({len(lexicon.concepts)} concepts)")
    print(f"cold extraction {cold_ms:8.1f} ms wall {cold_cpu:8.1f} ms CPU  "
          "(first document: compiles the matcher)")
    median, median_cpu = statistics.median(warm), statistics.median(warm_cpu)
    print(f"warm extraction {median:8.1f} ms wall {median_cpu:8.1f} ms CPU  median of "
          f"{len(warm)} (wall min {min(warm):.1f}, max {max(warm):.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
