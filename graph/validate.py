"""Checks of the ontology and of built data: SHACL shapes, HermiT consistency, OWL 2 DL profile.

Three independent checks, each returning a report with ``ok`` and a human ``text``:

- :func:`validate_shacl` runs ``ontology/shapes.ttl`` on a build's data with pySHACL.
- :func:`check_consistency` loads ``ontology/policykg.owl`` (owlready2 reads RDF/XML, not
  Turtle), optionally with data, and asks HermiT whether it is consistent and every named
  class satisfiable.
- :func:`check_dl_profile` runs the OWL API (Debian's ``libowlapi-java``, the library Protégé
  uses) on a file and reports every OWL 2 DL profile violation and every triple it could not
  map to OWL. The small Java programs in ``tools/owlapi`` are compiled on first use into a cache
  under ``var/``; nothing compiled is committed.

Nothing here writes to a store. :func:`validate_store` runs all three on what a store holds,
for ``policykg validate``.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

from rdflib import RDF, RDFS, Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, SH

from graph.errors import GraphError
from graph.ontology import load_ontology
from ontology import ONTOLOGY_OWL, ONTOLOGY_TTL, SHAPES_TTL

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
OWLAPI_SOURCES = ROOT / "tools" / "owlapi"
JAVA_LIB = Path("/usr/share/java")
OWLAPI_JARS = (
    "owlapi-api",
    "owlapi-apibinding",
    "owlapi-impl",
    "owlapi-parsers",
    "commons-rdf-api",
    "guava",
    "slf4j-api",
    "slf4j-nop",
    "atinject-jsr330-api",
    "caffeine",
    "hppcrt",
    "commons-io",
    "xz",
)
"""The jars of /usr/share/java the OWL API needs to parse Turtle and RDF/XML (found by trial)."""

_DATA_GRAPHS_SKIPPED = ("graph/ontology", "graph/inferred")


class JavaToolError(GraphError):
    """Java, javac or the OWL API jars are missing, or a Java tool failed to run."""


# ---------------------------------------------------------------------------------------------
# Reports


@dataclass(frozen=True, slots=True)
class ShaclViolation:
    """One SHACL result: the node, the property path, what is wrong, and the offending value."""

    focus: str
    path: str
    message: str
    severity: str
    value: str = ""
    shape: str = ""

    def __str__(self) -> str:
        where = f"{self.focus} {self.path}".strip()
        value = f" (value: {self.value})" if self.value else ""
        return f"{self.severity}: {where}: {self.message}{value}"


@dataclass(frozen=True, slots=True)
class ShaclReport:
    """The outcome of :func:`validate_shacl`."""

    conforms: bool
    violations: tuple[ShaclViolation, ...]
    text: str
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the data conforms to the shapes."""
        return self.conforms

    @classmethod
    def of(
        cls, found: Iterable[ShaclViolation], *, triples: int, started: float,
        conforms: bool | None = None,
    ) -> ShaclReport:
        """The report of ``found`` (in a stable order), worded alike by both validators.

        ``conforms`` is the validator's own verdict when it gives one; otherwise the data
        conforms when nothing of severity Violation was found.
        """
        violations = tuple(sorted(found, key=lambda v: (v.focus, v.path, v.message)))
        errors = [v for v in violations if v.severity == "Violation"]
        if errors:
            text = f"{len(errors)} SHACL violation(s):\n" + "\n".join(f"- {v}" for v in violations)
        else:
            notes = "".join(f"\n- {v}" for v in violations)
            text = f"conforms to the shapes ({triples} triples checked){notes}"
        return cls(
            conforms=not errors if conforms is None else conforms,
            violations=violations,
            text=text,
            seconds=time.monotonic() - started,
        )


@dataclass(frozen=True, slots=True)
class ReasonerReport:
    """The outcome of :func:`check_consistency`."""

    ok: bool
    consistent: bool
    text: str
    unsatisfiable: tuple[str, ...] = ()
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class ProfileReport:
    """The outcome of :func:`check_dl_profile` for one file."""

    ok: bool
    text: str
    path: str = ""
    format: str = ""
    axioms: int = 0
    logical_axioms: int = 0
    violations: tuple[str, ...] = ()
    unparsed: tuple[str, ...] = ()
    seconds: float = 0.0


# ---------------------------------------------------------------------------------------------
# SHACL


def validate_shacl(data: Graph | Dataset | Iterable[Any]) -> ShaclReport:
    """Validate a build's data against ``ontology/shapes.ttl``.

    The shapes refer to the ontology's individuals by class (a measure's region must be a
    ``pol:RegionType``), so the type and subclass triples of the ontology are mixed into a copy
    of the data first; the ontology graph and the inferred graph of a dataset are left out.

    The cross-node checks of the shapes find their focus nodes with SHACL-AF SPARQL targets.
    pySHACL evaluates those queries with rdflib, which costs seconds per document, so they are
    first run with Oxigraph: when none selects a node the checks cannot report anything and
    pySHACL runs without them; otherwise it runs every shape, so the report is always pySHACL's.

    Args:
        data: an rdflib graph or dataset, or pyoxigraph triples or quads (what
            ``graph.build.document_triples`` yields).

    Returns:
        Whether the data conforms, each violation, and a readable text.
    """
    import pyshacl

    started = time.monotonic()
    graph = _as_graph(data)
    graph += _ontology_typing()
    shapes = _shapes()
    if not _any_check_selects(graph, shapes):
        shapes = _core_shapes(shapes)
    conforms, results, _ = pyshacl.validate(
        graph,
        shacl_graph=shapes.graph,
        inference="none",
        allow_warnings=True,
        abort_on_first=False,
        advanced=True,
    )
    return ShaclReport.of(
        _violations(results), triples=len(graph), started=started, conforms=bool(conforms)
    )


@dataclass(frozen=True)
class _Shapes:
    """The shapes graph, and the SPARQL target queries of its cross-node checks."""

    graph: Graph
    checks: tuple[tuple[URIRef, str], ...] = ()


@lru_cache(maxsize=1)
def _shapes() -> _Shapes:
    graph = Graph().parse(Path(str(SHAPES_TTL)), format="turtle")
    prefixes = "".join(
        f"PREFIX {graph.value(d, SH.prefix)}: <{graph.value(d, SH.namespace)}>\n"
        for d in graph.objects(None, SH.declare)
    )
    checks = tuple(
        sorted(
            (shape, prefixes + str(graph.value(target, SH.select)))
            for shape, target in graph.subject_objects(SH.target)
            if (target, RDF.type, SH.SPARQLTarget) in graph
        )
    )
    return _Shapes(graph, checks)


@lru_cache(maxsize=1)
def _core_shapes(shapes: _Shapes) -> _Shapes:
    """The shapes without the cross-node checks (for data that none of their targets selects)."""
    core = Graph()
    core += shapes.graph
    for shape, _ in shapes.checks:
        for p, o in list(core.predicate_objects(shape)):
            core.remove((shape, p, o))
    return _Shapes(core)


def _any_check_selects(graph: Graph, shapes: _Shapes) -> bool:
    """True when the SPARQL target of some cross-node check selects a node of ``graph``."""
    import pyoxigraph as ox

    if not shapes.checks:
        return False
    store = ox.Store()
    store.bulk_load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return any(next(iter(store.query(query)), None) is not None for _, query in shapes.checks)


@lru_cache(maxsize=4)
def _typing_of(path: str, mtime: float) -> Graph:
    del mtime  # part of the cache key only: a changed file is read again
    ontology = load_ontology(path)
    typing = Graph()
    for s, o in ontology.subject_objects(RDF.type):
        if isinstance(s, URIRef) and isinstance(o, URIRef) and o != OWL.NamedIndividual:
            typing.add((s, RDF.type, o))
    for s, o in ontology.subject_objects(RDFS.subClassOf):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            typing.add((s, RDFS.subClassOf, o))
    return typing


def _ontology_typing() -> Graph:
    path = Path(str(ONTOLOGY_TTL))
    return _typing_of(str(path), path.stat().st_mtime)


def _as_graph(data: Graph | Dataset | Iterable[Any]) -> Graph:
    """A fresh rdflib graph with the data's triples (a dataset's data graphs merged)."""
    graph = Graph()
    if isinstance(data, Dataset):
        for context in data.contexts():
            name = str(context.identifier)
            if not name.endswith(_DATA_GRAPHS_SKIPPED):
                graph += context
        return graph
    if isinstance(data, Graph):
        graph += data
        return graph
    import pyoxigraph as ox

    triples = [q.triple if isinstance(q, ox.Quad) else q for q in data]
    nt = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    graph.parse(data=nt, format="nt")
    return graph


def _violations(results: Graph) -> Iterable[ShaclViolation]:
    def one(node: Any, prop: URIRef) -> str:
        value = results.value(node, prop)
        if value is None:
            return ""
        if isinstance(value, Literal):
            return str(value)
        return results.namespace_manager.normalizeUri(value) if isinstance(value, URIRef) else ""

    for result in results.subjects(RDF.type, SH.ValidationResult):
        severity = results.value(result, SH.resultSeverity)
        yield ShaclViolation(
            focus=str(results.value(result, SH.focusNode) or ""),
            path=one(result, SH.resultPath),
            message=one(result, SH.resultMessage),
            severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            value=str(results.value(result, SH.value) or ""),
            shape=str(results.value(result, SH.sourceShape) or ""),
        )


# ---------------------------------------------------------------------------------------------
# HermiT through owlready2


def check_consistency(data: Graph | Dataset | Iterable[Any] | None = None) -> ReasonerReport:
    """Ask HermiT whether the ontology (with ``data``, if given) is consistent.

    owlready2 reads RDF/XML, so the ontology is loaded from ``policykg.owl`` and the data is
    handed over as N-Triples. Each call uses a fresh owlready2 world, so checks never leak into
    each other. Named classes that HermiT finds unsatisfiable (equivalent to ``owl:Nothing``)
    also make the report fail: they are modelling errors even in a consistent ontology.

    Args:
        data: built data to check together with the ontology (rdflib graph or dataset, or
            pyoxigraph triples or quads); the ontology alone when omitted.

    Raises:
        JavaToolError: Java is not installed (HermiT runs on the JVM).
    """
    import owlready2

    _require("java")
    started = time.monotonic()
    world = owlready2.World()
    with tempfile.TemporaryDirectory(prefix="policykg-hermit-") as tmp:
        world.get_ontology(Path(str(ONTOLOGY_OWL)).resolve().as_uri()).load()
        what = "the ontology"
        if data is not None:
            graph = _as_graph(data)
            # owlready2 downloads every owl:imports it meets: data must never make it fetch
            graph.remove((None, OWL.imports, None))
            path = Path(tmp) / "data.nt"
            graph.serialize(path, format="nt", encoding="utf-8")
            world.get_ontology(path.as_uri()).load(format="ntriples")
            what = f"the ontology with {len(graph)} data triples"
        try:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            seconds = time.monotonic() - started
            return ReasonerReport(
                ok=False, consistent=False, text=f"HermiT: {what} is INCONSISTENT", seconds=seconds
            )
        except owlready2.OwlReadyJavaError as exc:
            raise JavaToolError(f"HermiT failed to run: {exc}") from exc
        unsat = tuple(
            sorted(c.iri for c in world.inconsistent_classes() if c is not owlready2.Nothing)
        )
    seconds = time.monotonic() - started
    if unsat:
        text = f"HermiT: {what} is consistent, but these classes are unsatisfiable: " + ", ".join(
            unsat
        )
    else:
        text = f"HermiT: {what} is consistent; every named class is satisfiable"
    return ReasonerReport(
        ok=not unsat, consistent=True, text=text, unsatisfiable=unsat, seconds=seconds
    )


# ---------------------------------------------------------------------------------------------
# The OWL API (Java)


def owlapi_classpath() -> str:
    """The runtime classpath of the OWL API tools, from Debian's jars in /usr/share/java.

    Raises:
        JavaToolError: a jar is missing (install Debian's ``libowlapi-java``).
    """
    jars = [JAVA_LIB / f"{name}.jar" for name in OWLAPI_JARS]
    missing = [j.name for j in jars if not j.is_file()]
    if missing:
        raise JavaToolError(
            f"missing {', '.join(missing)} in {JAVA_LIB}: run `apt-get install libowlapi-java`"
        )
    return os.pathsep.join(str(j) for j in jars)


def compile_owlapi_tools(cache: Path | None = None) -> Path:
    """Compile ``tools/owlapi/*.java`` once; return the directory that holds the classes.

    The directory is named by a hash of the sources and the classpath, so an edited source is
    compiled again and an unchanged one never is.

    Args:
        cache: where compiled classes live (default ``var/cache/owlapi`` in the project).

    Raises:
        JavaToolError: javac or the jars are missing, or the sources do not compile.
    """
    javac = _require("javac")
    classpath = owlapi_classpath()
    sources = sorted(OWLAPI_SOURCES.glob("*.java"))
    if not sources:
        raise JavaToolError(f"no Java sources in {OWLAPI_SOURCES}")
    digest = hashlib.sha256(classpath.encode())
    for source in sources:
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    target = (cache or ROOT / "var" / "cache" / "owlapi") / digest.hexdigest()[:16]
    if (target / ".complete").is_file():
        return target
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [javac, "-nowarn", "-d", str(target), "-cp", classpath, *map(str, sources)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise JavaToolError(f"javac failed on {OWLAPI_SOURCES}:\n{done.stderr.strip()}")
    (target / ".complete").write_text("ok\n", encoding="utf-8")
    return target


def run_owlapi_tool(
    main_class: str, *args: str, cache: Path | None = None, timeout: float = 300.0
) -> subprocess.CompletedProcess[str]:
    """Run one of the Java tools (``ProfileCheck``, ``AddAltLabel``) and return its output.

    Raises:
        JavaToolError: Java, javac or the jars are missing, or the tool timed out.
    """
    java = _require("java")
    classes = compile_owlapi_tools(cache)
    command = [java, "-cp", os.pathsep.join([str(classes), owlapi_classpath()]), main_class]
    try:
        return subprocess.run(
            [*command, *args], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise JavaToolError(f"{main_class} took more than {timeout:.0f} s") from exc


def check_dl_profile(path: Path | str, cache: Path | None = None) -> ProfileReport:
    """Load one ontology file with the OWL API and check it against the OWL 2 DL profile.

    Args:
        path: a Turtle or RDF/XML file; nothing is fetched from the network.
        cache: where the compiled checker lives (see :func:`compile_owlapi_tools`).

    Returns:
        The format the OWL API read, its axiom counts, every profile violation and every
        triple it could not map to OWL; ``ok`` when there are none.

    Raises:
        JavaToolError: Java, javac or the jars are missing, or the OWL API cannot load the file.
    """
    started = time.monotonic()
    path = Path(path)
    done = run_owlapi_tool("ProfileCheck", str(path), cache=cache)
    seconds = time.monotonic() - started
    fields: dict[str, str] = {}
    violations: list[str] = []
    unparsed: list[str] = []
    for line in done.stdout.splitlines():
        kind, _, rest = line.partition("\t")
        if kind == "FILE":
            fields = dict(item.split("=", 1) for item in rest.split("\t")[1:])
        elif kind == "VIOLATION":
            violations.append(rest)
        elif kind == "UNPARSED":
            unparsed.append(rest)
        elif kind == "ERROR":
            raise JavaToolError(f"the OWL API cannot load {path}: {rest}")
    if not fields:
        raise JavaToolError(
            f"ProfileCheck gave no result for {path} (exit {done.returncode}): "
            f"{done.stderr.strip()[-2000:]}"
        )
    ok = not violations and not unparsed and done.returncode == 0
    lines = [
        f"OWL API: {path.name} read as {fields.get('format', '?')}: "
        f"{fields.get('axioms', '?')} axioms ({fields.get('logical', '?')} logical), "
        f"{len(violations)} OWL 2 DL profile violation(s), {len(unparsed)} unparsed triple(s)"
    ]
    lines += [f"- violation: {v}" for v in violations]
    lines += [f"- unparsed: {u}" for u in unparsed]
    return ProfileReport(
        ok=ok,
        text="\n".join(lines),
        path=str(path),
        format=fields.get("format", ""),
        axioms=int(fields.get("axioms", 0)),
        logical_axioms=int(fields.get("logical", 0)),
        violations=tuple(violations),
        unparsed=tuple(unparsed),
        seconds=seconds,
    )


def _require(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise JavaToolError(
            f"`{tool}` is not on PATH: install a JDK (`apt-get install default-jdk-headless`)"
        )
    return found


# ---------------------------------------------------------------------------------------------
# Everything, on a store


@dataclass(slots=True)
class _Outcome:
    ok: bool = True
    texts: list[str] = field(default_factory=list)


def validate_store(
    store: Any, *, reasoner: bool = True, profile: bool = True, out: TextIO | None = None
) -> bool:
    """Run every check on what ``store`` holds and write a readable report to ``out``.

    SHACL runs on the documents' graphs; HermiT on the ontology with those graphs; the OWL API
    on both ontology files (``policykg.ttl`` and ``policykg.owl``).

    Args:
        store: a :class:`graph.store.Store`.
        reasoner: run HermiT.
        profile: run the OWL API profile check.
        out: where the report goes (standard output by default).

    Returns:
        True when every check that ran passed.
    """
    from graph.store import NQUADS

    out = out if out is not None else sys.stdout
    buffer = io.BytesIO()
    store.dump(buffer, NQUADS)
    dataset = Dataset()
    dataset.parse(data=buffer.getvalue(), format="nquads")
    outcome = _Outcome()

    def record(name: str, ok: bool, text: str, seconds: float) -> None:
        outcome.ok &= ok
        out.write(f"[{'ok' if ok else 'FAIL'}] {name} ({seconds:.1f} s)\n{text}\n\n")

    shacl = validate_shacl(dataset)
    record("SHACL", shacl.ok, shacl.text, shacl.seconds)
    if reasoner:
        hermit = check_consistency(dataset)
        record("HermiT", hermit.ok, hermit.text, hermit.seconds)
    if profile:
        for path in (Path(str(ONTOLOGY_TTL)), Path(str(ONTOLOGY_OWL))):
            report = check_dl_profile(path)
            record("OWL 2 DL profile", report.ok, report.text, report.seconds)
    out.flush()
    return outcome.ok


__all__ = [
    "JavaToolError",
    "ProfileReport",
    "ReasonerReport",
    "ShaclReport",
    "ShaclViolation",
    "check_consistency",
    "check_dl_profile",
    "compile_owlapi_tools",
    "owlapi_classpath",
    "run_owlapi_tool",
    "validate_shacl",
    "validate_store",
]
