"""The ``policykg`` command: thin sub-commands over the packages, errors as one line.

Sub-commands that need HTTP (``serve``) are contributed by ``api`` through the
``policykg.commands`` entry-point group, so this module never imports the web layer.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import sys
import time
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from graph.config import Settings, load_settings
from graph.errors import GraphError

log = logging.getLogger("policykg")

EXTRACT_FORMATS = {
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "trig": "application/trig",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "xml": "application/rdf+xml",
}
DOCUMENT_SUFFIXES = {".txt", ".html", ".htm", ".docx", ".pdf"}


class CommandError(Exception):
    """A command cannot do what was asked; the message says why and what to do."""


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(store=getattr(args, "store", None))


def expand_sources(paths: Sequence[str]) -> list[Path]:
    """Files and folders given on the command line → document files, sorted within folders.

    Raises:
        CommandError: a path does not exist, or a folder holds no document.
    """
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES
            )
            if not found:
                raise CommandError(
                    f"{path} holds no document ({', '.join(sorted(DOCUMENT_SUFFIXES))})"
                )
            out.extend(found)
        elif path.is_file():
            out.append(path)
        else:
            raise CommandError(f"{path}: no such file or folder")
    return out


class ProgressBar:
    """One line on stderr: redrawn in place on a terminal, printed every 2 s otherwise."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.last = 0.0

    def __call__(self, state: Any) -> None:
        """Draw the state of a :class:`graph.loading.Progress`."""
        now = time.monotonic()
        final = state.done == state.total
        if not self.tty and not final and now - self.last < 2.0:
            return
        self.last = now
        width = 24
        filled = int(width * state.done / state.total) if state.total else width
        bar = "█" * filled + "·" * (width - filled)
        line = (
            f"[{bar}] {state.done}/{state.total} documents · {state.measures} measures · "
            f"{state.triples:,} triples · {state.rate:.1f} docs/s · "
            f"{state.triple_rate:,.0f} triples/s"
            + (f" · {state.failed} refused" if state.failed else "")
        )
        if self.tty:
            self.stream.write("\r\x1b[K" + line + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def cmd_extract(args: argparse.Namespace) -> int:
    """One document → its named graph's RDF on stdout; no store is touched."""
    import pyoxigraph as ox

    from graph.build import document_iri
    from graph.lexicon import build_lexicon
    from graph.loading import extract
    from graph.namespace import PREFIXES
    from graph.results import RDF_FORMATS

    settings = load_settings()
    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    record, triples = extract(path, build_lexicon(), base=settings.base, name=path.name)
    fmt = RDF_FORMATS[EXTRACT_FORMATS[args.format]]
    graph = ox.NamedNode(document_iri(record, settings.base))
    if fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
        data: Any = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]
    else:
        data = triples
    prefixes = PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    body = ox.serialize(data, format=fmt, prefixes=prefixes) if prefixes else ox.serialize(
        data, format=fmt
    )
    sys.stdout.buffer.write(body or b"")
    sys.stdout.flush()
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    """Documents (default: the bundled corpus) → the configured store."""
    from corpus import default_documents
    from graph.loading import build_documents
    from graph.ontology import check_sources
    from graph.store import open_store

    check_sources()
    settings = _settings(args)
    sources = expand_sources(args.files) if args.files else default_documents()
    progress = None if args.quiet else ProgressBar()
    with open_store(settings.store) as store:
        report = build_documents(
            store,
            sources,
            base=settings.base,
            validation=args.validation or settings.validation,
            progress=progress,
            workers=args.jobs,
        )
    for name, message in report.warnings:
        print(f"policykg: warning: {name}: {message}", file=sys.stderr)
    for name, message in report.failures:
        print(f"policykg: refused {name}: {message}", file=sys.stderr)
    rate = len(report.documents) / report.seconds if report.seconds else 0.0
    print(
        f"built {len(report.documents)} document(s), {report.measures} measures, "
        f"{report.triples:,} triples (+{report.inferred:,} inferred) in {report.seconds:.2f} s "
        f"({rate:.1f} documents/s, {report.workers} worker(s)) into {settings.store}",
        file=sys.stderr,
    )
    if report.failures:
        print(
            f"policykg: {len(report.failures)} document(s) refused (see above); "
            "the others were written",
            file=sys.stderr,
        )
        return 1
    return 0


def _format_table(columns: list[str], rows: list[dict[str, Any]]) -> str:
    def cell(row: dict[str, Any], col: str) -> str:
        value = row.get(col)
        return "" if value is None else str(value["value"] if isinstance(value, dict) else value)

    widths = {c: max([_width(c)] + [_width(cell(r, c)) for r in rows]) for c in columns}
    lines = ["  ".join(_pad(c, widths[c]) for c in columns)]
    lines.append("  ".join("-" * widths[c] for c in columns))
    lines += ["  ".join(_pad(cell(r, c), widths[c]) for c in columns) for r in rows]
    return "\n".join(lines) + "\n"


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def cmd_query(args: argparse.Namespace) -> int:
    """Run a canned query by name, or a .rq file, and print its rows."""
    from graph.catalogue import ParamError, bind_request, class_members, load_catalogue, load_query
    from graph.namespace import PREFIXES
    from graph.store import CSV, SRJ, open_store

    settings = _settings(args)
    catalogue = load_catalogue()
    if args.query.endswith(".rq") or Path(args.query).is_file():
        query = load_query(Path(args.query))
    elif args.query in catalogue:
        query = catalogue[args.query]
    else:
        raise CommandError(
            f"unknown query {args.query!r}; known: {', '.join(sorted(catalogue))} (or a .rq file)"
        )
    values: dict[str, Any] = {}
    for item in args.param:
        key, eq, value = item.partition("=")
        if not eq:
            raise CommandError(f"--param {item!r}: write it as name=value")
        values.setdefault(key, []).append(value)
    with open_store(settings.store, read_only=settings.store.startswith("oxigraph:")) as store:
        try:
            text, _ = bind_request(
                query,
                {k: v if len(v) > 1 else v[0] for k, v in values.items()},
                prefixes=PREFIXES,
                members_of=lambda cls: class_members(store, cls, PREFIXES),
            )
        except ParamError as exc:
            raise CommandError(str(exc)) from None
        if args.format == "csv":
            result = store.query(text, accept=(CSV,), timeout=settings.query_timeout)
            sys.stdout.write(result.body.decode("utf-8"))
            return 0
        result = store.query(text, accept=(SRJ,), timeout=settings.query_timeout)
    data = json.loads(result.body)
    if args.format == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
    elif "boolean" in data:
        print("true" if data["boolean"] else "false")
    else:
        sys.stdout.write(_format_table(data["head"]["vars"], data["results"]["bindings"]))
        print(f"({len(data['results']['bindings'])} rows)", file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write the graph (documents, ontology, inferred) in an RDF format."""
    from graph.export import EXPORT_FORMATS, export_dataset
    from graph.store import open_store

    settings = _settings(args)
    if args.format not in EXPORT_FORMATS:
        choices = ", ".join(sorted(EXPORT_FORMATS))
        raise CommandError(f"unknown format {args.format!r}; choose one of {choices}")
    out = open(args.output, "wb") if args.output else sys.stdout.buffer  # noqa: SIM115
    try:
        with open_store(settings.store, read_only=settings.store.startswith("oxigraph:")) as store:
            export_dataset(store, out, args.format, context_url=args.context)
    finally:
        if args.output:
            out.close()
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """SHACL shapes on the stored graph, HermiT consistency, and the OWL 2 DL profile."""
    from graph.validate import validate_store

    settings = _settings(args)
    from graph.store import open_store

    with open_store(settings.store, read_only=settings.store.startswith("oxigraph:")) as store:
        ok = validate_store(store, reasoner=not args.no_reasoner, profile=not args.no_profile)
    return 0 if ok else 1


def cmd_ontology_render(args: argparse.Namespace) -> int:
    """Render ontology/policykg.owl from policykg.ttl, or (--check) say whether it is stale."""
    from graph.ontology import render_owl

    ok = render_owl(check=args.check)
    if not ok:
        stale = "policykg: ontology/policykg.owl is stale: run `policykg ontology render`"
        print(stale, file=sys.stderr)
    elif args.check:
        print("ontology/policykg.owl is in sync with ontology/policykg.ttl")
    else:
        print("rendered ontology/policykg.owl from ontology/policykg.ttl")
    return 0 if ok else 1


def cmd_ontology_import(args: argparse.Namespace) -> int:
    """Make an edited ontology/policykg.owl the Turtle source, then re-render the .owl."""
    from graph.ontology import import_owl

    target = import_owl()
    print(f"wrote {target} from policykg.owl and re-rendered policykg.owl")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """Counts of what the store holds."""
    from graph.stats import graph_stats
    from graph.store import open_store

    settings = _settings(args)
    with open_store(settings.store, read_only=settings.store.startswith("oxigraph:")) as store:
        stats = graph_stats(store)
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, indent=2))
    else:
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter="\t", lineterminator="\n")
        for key, value in stats.items():
            writer.writerow([key, value])
        sys.stdout.write(buf.getvalue())
    return 0


def make_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command (including those of plugins)."""
    parser = argparse.ArgumentParser(
        prog="policykg",
        description="A knowledge graph of Chinese industrial policy: build, query and serve it.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    parser.add_argument(
        "--store", help="overrides POLICYKG_STORE: oxigraph:PATH, memory: or sparql:URL"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("extract", help="one document → its RDF on stdout (no store)")
    p.add_argument("file")
    p.add_argument("--format", choices=sorted(EXTRACT_FORMATS), default="turtle")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("build", help="documents (default: the bundled corpus) → the store")
    p.add_argument("files", nargs="*", help="files or folders of documents")
    p.add_argument("--validation", choices=["refuse", "warn"], help="what SHACL violations do")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("-j", "--jobs", type=int, help="worker processes (default: one per core)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("query", help="run a canned query (by name) or a .rq file")
    p.add_argument("query", help="a canned query name or a path to a .rq file")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("export", help="write the whole graph in an RDF format")
    p.add_argument("--format", default="trig", help="turtle, xml, trig, nq or jsonld")
    p.add_argument("-o", "--output", help="file to write (default: stdout)")
    p.add_argument("--context", metavar="URL", help="JSON-LD: a published @context to reference")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("validate", help="SHACL, reasoner consistency and OWL 2 DL profile")
    p.add_argument("--no-reasoner", action="store_true", help="skip HermiT")
    p.add_argument("--no-profile", action="store_true", help="skip the OWL API profile check")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("ontology", help="work on the ontology files")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = actions.add_parser("render", help="policykg.ttl → policykg.owl (RDF/XML for Protégé)")
    p.add_argument("--check", action="store_true", help="only report whether the .owl is stale")
    p.set_defaults(func=cmd_ontology_render)
    p = actions.add_parser("import", help="policykg.owl → policykg.ttl (after editing the .owl)")
    p.set_defaults(func=cmd_ontology_import)

    p = sub.add_parser("stats", help="what the store holds")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    for ep in entry_points(group="policykg.commands"):
        ep.load()(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``policykg`` console script."""
    parser = make_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        parser.exit(130, "policykg: interrupted\n")
    except (GraphError, CommandError, ValueError, OSError) as exc:
        parser.exit(2 if isinstance(exc, CommandError) else 1, f"policykg: error: {exc}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
