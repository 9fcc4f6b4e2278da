"""The ontology as data: load ``ontology/policykg.ttl``, read its version, render it for Protégé.

The Turtle file is the source. ``ontology/policykg.owl`` is the same graph in RDF/XML, for
Protégé users and for tools that do not read Turtle (owlready2). It is rendered here by a small
writer of our own rather than rdflib's, because rdflib's XML output follows the order of a hash
set and so changes from run to run; ours sorts everything, so the file only changes when the
ontology does and CI can check that the two files are in sync (``policykg ontology render
--check``). Nothing here reasons or validates: that is ``graph.validate``.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from graph.errors import GraphError
from graph.namespace import ONTOLOGY_IRI, PREFIXES
from ontology import ONTOLOGY_OWL, ONTOLOGY_TTL

log = logging.getLogger(__name__)

# Node elements, most specific first: a subject typed with one of these is written as
# <owl:Class rdf:about="…">, as Protégé does, instead of <rdf:Description>.
_NODE_TYPES = (
    OWL.Ontology,
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    OWL.NamedIndividual,
    OWL.Restriction,
    OWL.AllDisjointClasses,
    OWL.Axiom,
    RDFS.Datatype,
)
_SECTION = {t: i for i, t in enumerate(_NODE_TYPES)}


class OntologyError(GraphError, ValueError):
    """The ontology file cannot be read or rendered; the message says which file and why."""


_CHECKED: set[tuple[str, int, int]] = set()


def check_ontology(*paths: str | Path, complete: bool | None = None) -> None:
    """Refuse a corrupt or partial ontology (or shapes) file, naming the file and the line.

    Start-up (``create_app``, ``policykg build``, ``policykg serve``) calls this first, so a file
    damaged by a bad edit, a failed checkout or a disk that filled up stops everything with
    ``FILE, line L, column C: what is wrong`` instead of a half-built lexicon or an upload that
    fails later. Oxigraph's parser is used for its exact positions (a few milliseconds); a file
    that passed is not parsed again until it changes.

    Args:
        paths: the files to check; the packaged ``policykg.ttl`` and ``shapes.ttl`` when none.
        complete: also check that the ontology defines every term of
            :class:`graph.namespace.POL` (a file cut at a statement boundary still parses);
            by default only for the packaged ontology.

    Raises:
        OntologyError: a file is missing, unreadable, not valid RDF, or cut short.
    """
    import pyoxigraph as ox

    from ontology import SHAPES_TTL

    if not paths:
        targets = [(ontology_path(), True if complete is None else complete),
                   (Path(str(SHAPES_TTL)), False)]
    else:
        targets = [(Path(p), bool(complete)) for p in paths]
    for path, whole in targets:
        try:
            stat = path.stat()
        except OSError as exc:
            raise OntologyError(
                f"{path}: cannot read the ontology file ({exc.strerror or exc}); restore it "
                "(git checkout ontology/)"
            ) from None
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        if key in _CHECKED:
            continue
        suffix = path.suffix.lower().lstrip(".")
        fmt = ox.RdfFormat.RDF_XML if suffix == "owl" else (
            ox.RdfFormat.from_extension(suffix) or ox.RdfFormat.TURTLE
        )
        subjects: set[str] = set()
        try:
            for quad in ox.parse(path=str(path), format=fmt):
                if whole and isinstance(quad.subject, ox.NamedNode):
                    subjects.add(quad.subject.value)
        except SyntaxError as exc:
            text = str(exc.msg or exc)
            message = text.split(": ", 1)[-1] if text.startswith("Parser error") else text
            raise OntologyError(
                f"{path}, line {exc.lineno}, column {exc.offset}: {message}; the file is "
                "corrupt or cut short: fix it or restore it (git checkout ontology/)"
            ) from None
        except OSError as exc:
            raise OntologyError(f"{path}: cannot read the ontology file ({exc})") from None
        if whole:
            _check_complete(path, subjects)
        _CHECKED.add(key)


def _check_complete(path: Path, subjects: set[str]) -> None:
    from graph.namespace import POL

    namespace = str(POL._NS)
    missing = sorted(
        name for name in POL.__annotations__
        if not name.startswith("_") and f"{namespace}{name}" not in subjects
    )
    if missing:
        with path.open("rb") as f:
            lines = sum(1 for _ in f)
        shown = ", ".join(f"pol:{name}" for name in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise OntologyError(
            f"{path}, line {lines}: the ontology ends here without defining {shown}{more}; "
            "the file looks cut short: restore it (git checkout ontology/)"
        )


def ontology_path(path: str | Path | None = None) -> Path:
    """The Turtle source to use: ``path`` if given, else the packaged ``ontology/policykg.ttl``."""
    return Path(path) if path is not None else Path(str(ONTOLOGY_TTL))


def load_ontology(path: str | Path | None = None) -> Graph:
    """Parse the ontology into a new rdflib graph (the caller may change it freely).

    Args:
        path: a Turtle (``.ttl``) or RDF/XML (``.owl``, ``.rdf``) file; the packaged
            ``policykg.ttl`` when omitted.

    Raises:
        OntologyError: the file is missing or is not valid RDF.
    """
    source = ontology_path(path)
    fmt = "xml" if source.suffix.lower() in {".owl", ".rdf", ".xml"} else "turtle"
    graph = Graph()
    try:
        graph.parse(source, format=fmt)
    except FileNotFoundError:
        raise OntologyError(f"{source}: no such ontology file") from None
    except Exception as exc:  # rdflib raises parser-specific exceptions
        raise OntologyError(f"{source} is not valid {fmt}: {exc}") from exc
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def version_iri(graph: Graph | None = None) -> str:
    """The ``owl:versionIRI`` of the ontology (recorded in every build's provenance).

    Raises:
        OntologyError: the ontology declares no version IRI.
    """
    graph = graph if graph is not None else load_ontology()
    found = sorted(str(v) for v in graph.objects(URIRef(ONTOLOGY_IRI), OWL.versionIRI))
    if not found:
        raise OntologyError(f"<{ONTOLOGY_IRI}> has no owl:versionIRI; add one to policykg.ttl")
    return found[0]


def render_rdfxml(graph: Graph) -> str:
    """The graph as RDF/XML, byte-for-byte the same for the same triples.

    Subjects come in Protégé's order (ontology, annotation/object/data properties, classes,
    individuals, then anonymous axioms), each sorted by IRI; properties and values are sorted;
    blank nodes used once are nested, lists are written as ``rdf:parseType="Collection"`` (or
    as explicit ``rdf:first``/``rdf:rest`` when they hold literals).

    Raises:
        OntologyError: a predicate or type lies outside the known prefixes, so it has no XML
            name; add its namespace to ``graph.namespace.PREFIXES``.
    """
    return _Writer(graph).render()


def render_owl(check: bool = False, *, ttl: Path | None = None, owl: Path | None = None) -> bool:
    """Render ``policykg.ttl`` to ``policykg.owl`` (or, with ``check``, only compare them).

    Args:
        check: do not write; report whether the checked-in ``.owl`` is up to date.
        ttl: the Turtle source (default: the packaged one).
        owl: the RDF/XML file (default: the packaged one).

    Returns:
        True when ``policykg.owl`` holds exactly the rendering of ``policykg.ttl`` (always
        after a write); False when ``check`` found it stale or missing.

    Raises:
        OntologyError: the Turtle source cannot be parsed or rendered.
    """
    text = render_rdfxml(load_ontology(ttl))
    target = owl or Path(str(ONTOLOGY_OWL))
    current = target.read_text(encoding="utf-8") if target.is_file() else None
    if check:
        if current != text:
            log.warning("%s is stale: run `policykg ontology render`", target)
            return False
        return True
    if current != text:
        target.write_text(text, encoding="utf-8")
        log.info("wrote %s", target)
    return True


class _Writer:
    """One rendering of one graph: the sorting and nesting rules of :func:`render_rdfxml`."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.namespaces = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))
        refs = Counter(o for o in graph.objects() if isinstance(o, BNode))
        self.nested = {b for b, n in refs.items() if n == 1}
        self.shared = {b for b, n in refs.items() if n > 1}
        self.labels: dict[BNode, str] = {}

    def render(self) -> str:
        lines = ['<?xml version="1.0" encoding="utf-8"?>', "<rdf:RDF"]
        lines += [f'    xmlns:{p}="{escape(ns)}"' for p, ns in sorted(PREFIXES.items())]
        lines[-1] += ">"
        for subject in self._top_subjects():
            lines.append("")
            lines += self._node(subject, 1)
        lines += ["", "</rdf:RDF>", ""]
        return "\n".join(lines)

    def _top_subjects(self) -> list[URIRef | BNode]:
        top = [s for s in set(self.graph.subjects()) if s not in self.nested]
        # Anonymous axioms are ordered by their own rendering, which does not depend on labels.
        return sorted(top, key=self._subject_key)

    def _subject_key(self, subject: URIRef | BNode) -> tuple[int, int, str]:
        types = set(self.graph.objects(subject, RDF.type))
        section = min((_SECTION[t] for t in types if t in _SECTION), default=len(_SECTION))
        if isinstance(subject, BNode):
            return (1, section, "\n".join(self._node(subject, 0, label=False)))
        return (0, section, str(subject))

    def _qname(self, iri: URIRef) -> str:
        text = str(iri)
        for prefix, ns in self.namespaces:
            local = text[len(ns) :]
            if (
                text.startswith(ns)
                and local
                and (local[0].isalpha() or local[0] == "_")
                and all(c.isalnum() or c in "_-." for c in local)
            ):
                return f"{prefix}:{local}"
        raise OntologyError(
            f"<{text}> has no XML name: add its namespace to graph.namespace.PREFIXES"
        )

    def _element(self, subject: URIRef | BNode) -> tuple[str, URIRef | None]:
        types = set(self.graph.objects(subject, RDF.type))
        for t in _NODE_TYPES:
            if t in types:
                return self._qname(t), t
        return "rdf:Description", None

    def _label(self, node: BNode) -> str:
        return self.labels.setdefault(node, f"b{len(self.labels) + 1}")

    def _node(self, subject: URIRef | BNode, depth: int, label: bool = True) -> list[str]:
        pad = "    " * depth
        name, used_type = self._element(subject)
        if isinstance(subject, URIRef):
            head = f"{pad}<{name} rdf:about={quoteattr(str(subject))}"
        elif subject in self.shared and label:
            head = f'{pad}<{name} rdf:nodeID="{self._label(subject)}"'
        else:
            head = f"{pad}<{name}"
        body = self._properties(subject, depth + 1, skip_type=used_type, label=label)
        if not body:
            return [head + "/>"]
        return [head + ">", *body, f"{pad}</{name}>"]

    def _properties(
        self, subject: URIRef | BNode, depth: int, skip_type: URIRef | None, label: bool
    ) -> list[str]:
        pairs = [
            (p, o)
            for p, o in self.graph.predicate_objects(subject)
            if not (p == RDF.type and o == skip_type)
        ]
        out: list[str] = []
        for p, o in sorted(pairs, key=lambda po: self._pair_key(*po)):
            out += self._property(self._qname(p), o, depth, label)
        return out

    def _pair_key(self, p: URIRef, o: object) -> tuple[int, str, int, str]:
        first = 0 if p == RDF.type else 1
        if isinstance(o, Literal):
            return (first, self._qname(p), 0, f"{o.language or ''}\x00{o.datatype or ''}\x00{o}")
        if isinstance(o, URIRef):
            return (first, self._qname(p), 1, str(o))
        return (first, self._qname(p), 2, "\n".join(self._node(o, 0, label=False)))

    def _property(self, name: str, value: object, depth: int, label: bool) -> list[str]:
        pad = "    " * depth
        if isinstance(value, Literal):
            attrs = ""
            if value.language:
                attrs = f' xml:lang="{value.language}"'
            elif value.datatype is not None:
                attrs = f" rdf:datatype={quoteattr(str(value.datatype))}"
            return [f"{pad}<{name}{attrs}>{escape(str(value))}</{name}>"]
        if isinstance(value, URIRef):
            return [f"{pad}<{name} rdf:resource={quoteattr(str(value))}/>"]
        assert isinstance(value, BNode)
        if value not in self.nested and label:
            return [f'{pad}<{name} rdf:nodeID="{self._label(value)}"/>']
        items = self._list_items(value)
        if items is not None and not any(isinstance(i, Literal) for i in items):
            inner: list[str] = []
            for item in items:
                if isinstance(item, URIRef):
                    inner.append(f"{pad}    <rdf:Description rdf:about={quoteattr(str(item))}/>")
                else:
                    inner += self._node(item, depth + 1, label)
            return [f'{pad}<{name} rdf:parseType="Collection">', *inner, f"{pad}</{name}>"]
        return [f"{pad}<{name}>", *self._node(value, depth + 1, label), f"{pad}</{name}>"]

    def _list_items(self, node: BNode) -> list[object] | None:
        """The members of a well-formed RDF list starting at ``node``, or None."""
        items: list[object] = []
        seen: set[BNode] = set()
        current: object = node
        while current != RDF.nil:
            if not isinstance(current, BNode) or current in seen:
                return None
            if current is not node and current not in self.nested:
                return None
            seen.add(current)
            props = list(self.graph.predicate_objects(current))
            firsts = [o for p, o in props if p == RDF.first]
            rests = [o for p, o in props if p == RDF.rest]
            others = [p for p, _ in props if p not in (RDF.first, RDF.rest, RDF.type)]
            if len(firsts) != 1 or len(rests) != 1 or others:
                return None
            items.append(firsts[0])
            current = rests[0]
        return items


def import_owl(*, ttl: Path | None = None, owl: Path | None = None) -> Path:
    """Make an edited ``policykg.owl`` the source: write it as ``policykg.ttl``, then re-render.

    For ontologists who opened the RDF/XML file in Protégé and saved it there. The Turtle is
    written by rdflib with the project's prefixes (comments of the old Turtle file are lost, as
    they are when Protégé saves Turtle).

    Returns:
        The path of the Turtle source that was written.

    Raises:
        OntologyError: the ``.owl`` file cannot be parsed.
    """
    owl = owl or Path(str(ONTOLOGY_OWL))
    graph = load_ontology(owl)
    target = ontology_path(ttl)
    target.write_text(graph.serialize(format="turtle"), encoding="utf-8")
    render_owl(ttl=target, owl=owl)
    return target


def check_sources(*, ttl: Path | None = None, owl: Path | None = None) -> None:
    """Refuse to build when ``policykg.owl`` was edited after ``policykg.ttl``.

    The build reads the Turtle source; an edit saved only into the RDF/XML file would be
    silently ignored, so stop and say how to keep it or drop it.

    Raises:
        OntologyError: the ``.ttl`` is corrupt (:func:`check_ontology`), or the ``.owl`` is
            newer than the ``.ttl`` and differs from its rendering.
    """
    owl, ttl = owl or Path(str(ONTOLOGY_OWL)), ontology_path(ttl)
    check_ontology(ttl, complete=True)
    if not owl.is_file() or not ttl.is_file() or owl.stat().st_mtime <= ttl.stat().st_mtime:
        return
    if not render_owl(check=True, ttl=ttl, owl=owl):
        raise OntologyError(
            f"{owl} was edited after {ttl.name}: run `policykg ontology import` to make the edit "
            "the source, or `policykg ontology render` to discard it"
        )
