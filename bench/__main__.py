"""``python -m bench run [--quick]`` and ``python -m bench report RESULTS``.

``run`` builds synthetic corpora, serves them with ``policykg serve`` and Oxigraph server side
by side, and prints every figure and ratio (see :mod:`bench.run`). ``--quick`` uses small
sizes and short measurements (under 3 minutes on the 2-core machine); the full run (sizes
1, 10, 100 and 1 000) takes about an hour and, with ``--write-docs``, rewrites the generated
part of ``docs/benchmarks.md`` and its plots.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _sizes(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; exit status 0 when the run finished (targets are reported, not
    asserted: benchmarks are not tests)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="run the benchmarks")
    p.add_argument("--quick", action="store_true", help="small sizes, short measurements")
    p.add_argument("--build-sizes", type=_sizes, help="documents per build (default 1,10,100,1000)")
    p.add_argument("--serve-sizes", type=_sizes, help="sizes served (default 10,100,1000)")
    p.add_argument("--remote-max", type=int, help="largest build into oxigraph serve")
    p.add_argument("--repeat", type=int, help="samples per query and server (at most)")
    p.add_argument("--duration", type=float, help="seconds per throughput point")
    p.add_argument("--clients", type=_sizes, help="concurrent clients (default 1,8,32)")
    p.add_argument("--only", type=lambda t: t.split(","), help="only these queries")
    p.add_argument("--out", type=Path, default=Path("var/bench"), help="work and results folder")
    p.add_argument("--write-docs", action="store_true",
                   help="rewrite docs/benchmarks.md's generated part and docs/benchmarks/*.png")
    r = sub.add_parser("report", help="print (and plot) a results.json again")
    r.add_argument("results", type=Path)
    r.add_argument("--plots", type=Path, help="folder for the PNG plots")
    r.add_argument("--markdown", type=Path, help="markdown file whose generated part to rewrite")
    args = parser.parse_args(argv)

    from bench import report

    if args.command == "report":
        results = json.loads(args.results.read_text(encoding="utf-8"))
        report.print_report(results)
        _publish(results, args.plots, args.markdown)
        return 0

    from bench.run import Options, run

    if args.quick:
        opts = Options(out=args.out, build_sizes=[1, 10], serve_sizes=[10], remote_max=10,
                       repeat=3, budget=0.3, min_samples=2, duration=2.0,
                       extraction_repeat=10)
    else:
        opts = Options(out=args.out, build_sizes=[1, 10, 100, 1000],
                       serve_sizes=[10, 100, 1000], min_samples=2)
    for name in ("build_sizes", "serve_sizes", "remote_max", "repeat", "duration", "only"):
        value = getattr(args, name)
        if value is not None:
            setattr(opts, name, value)
    if args.clients:
        opts.clients = tuple(args.clients)
    opts.say = lambda line: print(line, flush=True)
    command = "python -m bench " + " ".join(shlex.quote(a) for a in argv)
    results = run(opts, command)
    report.print_report(results)
    if args.write_docs:
        _publish(results, DOCS / "benchmarks", DOCS / "benchmarks.md")
    return 0


def _publish(results: dict, plots: Path | None, markdown: Path | None) -> None:
    from bench import report

    made: dict[str, str] = {}
    if plots is not None:
        for title, path in report.plot(results, plots).items():
            rel = path.relative_to(markdown.parent) if markdown else path
            made[title] = str(rel)
            print(f"plot: {path}")
    if markdown is not None:
        report.write_markdown(markdown, report.markdown(results, made))
        print(f"wrote {markdown}")


if __name__ == "__main__":
    sys.exit(main())
