"""SHACL shapes compiled to SPARQL and run natively in Oxigraph: validation fast enough for every
document of every build.

pySHACL (``graph.validate.validate_shacl``) takes about a second per document, because it
evaluates each constraint node by node in Python; a build of a thousand documents cannot afford
that. Here each constraint of ``ontology/shapes.ttl`` becomes one SPARQL query that selects the
focus nodes (and values) that break it, and Oxigraph runs those queries over a document's
triples plus the ontology's typing: a few milliseconds per document.

The compiler knows the parts of SHACL Core and SHACL-SPARQL the shapes use, with their W3C
semantics: targets (``sh:targetClass`` with ``rdfs:subClassOf*``, ``sh:targetNode``,
``sh:targetSubjectsOf``, ``sh:targetObjectsOf``, SHACL-AF SPARQL targets), predicate paths and
inverse paths, and the components ``minCount``, ``maxCount``, ``datatype``, ``nodeKind``,
``class``, ``in``, ``hasValue``, ``languageIn``, ``minLength``, ``maxLength``, ``pattern``,
``min/maxInclusive``, ``min/maxExclusive``, ``lessThan``, ``lessThanOrEquals``, ``equals``,
``disjoint``, ``or``, ``and``, ``not`` and ``sparql``. A shape that uses anything else makes
:func:`compile_shapes` raise :class:`UnsupportedShapeError`, and the caller falls back to
pySHACL: a new kind of constraint in the shapes is never silently skipped. A test runs both
validators on the seed and on damaged copies of it and asks for the same violations.

Reports are :class:`graph.validate.ShaclReport`, the same type pySHACL's path returns.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from graph.errors import GraphError
from graph.validate import ShaclReport, ShaclViolation

log = logging.getLogger(__name__)

FOCUS = "urn:policykg:shacl:focus"
"""Predicate marking, per shape, the focus nodes found in the document (``?x FOCUS FOCUS/n``)."""
ISA = "urn:policykg:shacl:isa"
"""``x ISA C`` when ``x rdf:type/rdfs:subClassOf* C``: computed once, then one index lookup."""

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
_SH_NS = str(SH)

_NODE_KINDS = {
    "IRI": "isIRI({v})",
    "BlankNode": "isBlank({v})",
    "Literal": "isLiteral({v})",
    "BlankNodeOrIRI": "(isBlank({v}) || isIRI({v}))",
    "BlankNodeOrLiteral": "(isBlank({v}) || isLiteral({v}))",
    "IRIOrLiteral": "(isIRI({v}) || isLiteral({v}))",
}
_COMPARISONS = {
    "minInclusive": ">=",
    "minExclusive": ">",
    "maxInclusive": "<=",
    "maxExclusive": "<",
}
_NUMERIC_TYPES = {
    "http://www.w3.org/2001/XMLSchema#" + t
    for t in [
        "integer", "decimal", "float", "double", "nonNegativeInteger", "positiveInteger",
        "negativeInteger", "nonPositiveInteger", "long", "int", "short", "byte",
        "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
    ]
}
# Properties of a shape that are not constraints: they describe, target or label it.
_NOT_CONSTRAINTS = {
    "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "target", "path",
    "message", "name", "description", "severity", "order", "group", "defaultValue",
    "deactivated", "property", "declare", "prefixes", "flags",
}


class UnsupportedShapeError(GraphError):
    """The shapes use a SHACL feature this compiler does not know; use pySHACL instead."""


@dataclass(frozen=True, slots=True)
class Check:
    """One compiled constraint: a query whose rows are violations (``?this``, ``?value``)."""

    query: str
    shape: str
    path: str
    message: str
    severity: str = "Violation"
    has_value: bool = True
    """Whether the query selects a ``?value`` (cardinality checks report only the node)."""


def _n3(term: Any) -> str:
    """An rdflib term in SPARQL syntax."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()
    raise UnsupportedShapeError(f"a blank node {term} where a constant is needed")


class _Compiler:
    """Turns the shapes of one graph into :class:`Check` objects."""

    def __init__(self, shapes: Graph) -> None:
        self.g = shapes
        self.prefixes = self._prefixes()
        self.checks: list[Check] = []
        self.focus_ops: list[str] = []
        self.fresh = 0

    def var(self, stem: str) -> str:
        self.fresh += 1
        return f"?{stem}{self.fresh}"

    def one(self, node: Any, prop: URIRef) -> Any:
        return self.g.value(node, prop)

    def _prefixes(self) -> str:
        lines = []
        for decl in self.g.objects(None, SH.declare):
            prefix, namespace = self.one(decl, SH.prefix), self.one(decl, SH.namespace)
            if prefix is not None and namespace is not None:
                lines.append(f"PREFIX {prefix}: <{namespace}>")
        return "\n".join(sorted(set(lines)))

    # -- targets -------------------------------------------------------------

    def target(self, shape: Any) -> str | None:
        """A group pattern binding ``?this`` to every focus node of ``shape``, or None."""
        parts = []
        for cls in self.g.objects(shape, SH.targetClass):
            parts.append(f"?this <{ISA}> {_n3(cls)} .")
        if isinstance(shape, URIRef) and (shape, RDF.type, RDFS.Class) in self.g:
            parts.append(f"?this <{ISA}> {_n3(shape)} .")  # an implicit class target
        for node in self.g.objects(shape, SH.targetNode):
            parts.append(f"VALUES ?this {{ {_n3(node)} }}")
        for prop in self.g.objects(shape, SH.targetSubjectsOf):
            parts.append(f"?this {_n3(prop)} [] .")
        for prop in self.g.objects(shape, SH.targetObjectsOf):
            parts.append(f"[] {_n3(prop)} ?this .")
        for target in self.g.objects(shape, SH.target):
            select = self.one(target, SH.select)
            if select is None:
                raise UnsupportedShapeError(f"a custom target of {shape} without sh:select")
            parts.append(f"{{ {select} }}")
        if not parts:
            return None
        return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(
            f"{{ {p} }}" for p in parts
        ) + " } }"

    # -- paths and values ----------------------------------------------------

    def path(self, node: Any) -> tuple[str, str]:
        """The SPARQL path of a ``sh:path`` value, and a readable name for it."""
        if isinstance(node, URIRef):
            return f"<{node}>", str(node)
        inverse = self.one(node, SH.inversePath)
        if isinstance(inverse, URIRef):
            return f"^<{inverse}>", f"^{inverse}"
        raise UnsupportedShapeError(f"the path {node} (only IRIs and sh:inversePath are known)")

    def conforms(self, shape: Any, v: str) -> str:
        """A SPARQL expression true when the term ``v`` conforms to the value-level ``shape``."""
        terms = []
        for prop, obj in self.g.predicate_objects(shape):
            name = str(prop)[len(_SH_NS):] if str(prop).startswith(_SH_NS) else None
            if name is None or name in _NOT_CONSTRAINTS:
                continue
            terms.append(self.value_test(name, obj, v, shape))
        if self.one(shape, SH.path) is not None:
            raise UnsupportedShapeError(f"a property shape {shape} inside sh:or/sh:and/sh:not")
        return "(" + " && ".join(terms) + ")" if terms else "true"

    def value_test(self, name: str, obj: Any, v: str, shape: Any) -> str:
        """A SPARQL expression true when the value ``v`` satisfies one value-level component."""
        if name == "datatype":
            test = f"(isLiteral({v}) && DATATYPE({v}) = <{obj}>)"
            if str(obj) in _NUMERIC_TYPES:
                test = f"({test} && isNumeric({v}))"  # an ill-typed number fails
            return test
        if name == "nodeKind":
            kind = str(obj).rsplit("#", 1)[-1]
            if kind not in _NODE_KINDS:
                raise UnsupportedShapeError(f"sh:nodeKind {obj}")
            return _NODE_KINDS[kind].format(v=v)
        if name == "class":
            return f"EXISTS {{ {v} <{ISA}> <{obj}> }}"
        if name == "in":
            members = list(Collection(self.g, obj))
            return "(" + " || ".join(f"sameTerm({v}, {_n3(m)})" for m in members) + ")"
        if name == "hasValue":
            raise UnsupportedShapeError("sh:hasValue inside a value shape")
        if name == "languageIn":
            tags = [str(t) for t in Collection(self.g, obj)]
            return "(" + " || ".join(f'LANGMATCHES(LANG({v}), "{t}")' for t in tags) + ")"
        if name in ("minLength", "maxLength"):
            op = ">=" if name == "minLength" else "<="
            return f"(!isBlank({v}) && STRLEN(STR({v})) {op} {int(obj)})"
        if name == "pattern":
            flags = self.one(shape, SH.flags)
            pattern = Literal(str(obj)).n3()
            extra = f", {Literal(str(flags)).n3()}" if flags is not None else ""
            return f"(!isBlank({v}) && REGEX(STR({v}), {pattern}{extra}))"
        if name in _COMPARISONS:
            return f"COALESCE({v} {_COMPARISONS[name]} {_n3(obj)}, false)"
        if name == "or":
            return "(" + " || ".join(self.conforms(s, v) for s in Collection(self.g, obj)) + ")"
        if name == "and":
            return "(" + " && ".join(self.conforms(s, v) for s in Collection(self.g, obj)) + ")"
        if name == "not":
            return f"!{self.conforms(obj, v)}"
        raise UnsupportedShapeError(f"sh:{name} (in {shape})")

    # -- shapes ----------------------------------------------------------------

    def compile(self) -> list[Check]:
        shapes = set(self.g.subjects(RDF.type, SH.NodeShape))
        shapes |= set(self.g.subjects(SH.targetClass, None))
        shapes |= set(self.g.subjects(SH.target, None))
        for n, shape in enumerate(sorted(shapes, key=str)):
            if self.one(shape, SH.deactivated) == Literal(True):
                continue
            pattern = self.target(shape)
            if pattern is None:
                continue  # reached only through sh:node / sh:property of others: not used here
            # Focus nodes are found once per document (see NativeValidator), then looked up.
            marker = f"<{FOCUS}> <{FOCUS}/{n}>"
            self.focus_ops.append(f"INSERT {{ ?this {marker} }} WHERE {{ {pattern} }}")
            target = f"?this {marker} ."
            self.node_shape(shape, target)
            for prop in self.g.objects(shape, SH.property):
                if self.one(prop, SH.deactivated) != Literal(True):
                    self.property_shape(prop, target)
        return self.checks

    def node_shape(self, shape: Any, target: str) -> None:
        message = self.message(shape)
        for prop, obj in self.g.predicate_objects(shape):
            name = str(prop)[len(_SH_NS):] if str(prop).startswith(_SH_NS) else None
            if name is None or name in _NOT_CONSTRAINTS:
                continue
            if name == "sparql":
                self.sparql(obj, target, shape, "")
                continue
            test = self.value_test(name, obj, "?this", shape)
            self.add(f"SELECT ?this (?this AS ?value) WHERE {{ {target} FILTER(!{test}) }}",
                     shape, "", message)

    def property_shape(self, prop: Any, target: str) -> None:
        path_node = self.one(prop, SH.path)
        if path_node is None:
            raise UnsupportedShapeError(f"a property shape without sh:path: {prop}")
        path, name = self.path(path_node)
        message = self.message(prop)
        for p, obj in self.g.predicate_objects(prop):
            comp = str(p)[len(_SH_NS):] if str(p).startswith(_SH_NS) else None
            if comp is None or comp in _NOT_CONSTRAINTS:
                continue
            if comp == "minCount" and int(obj) == 1:  # the common case, without grouping
                self.add(
                    f"SELECT ?this WHERE {{ {target} FILTER NOT EXISTS {{ ?this {path} ?v }} }}",
                    prop, name, message, has_value=False,
                )
            elif comp == "maxCount" and int(obj) == 1:
                self.add(
                    f"SELECT DISTINCT ?this WHERE {{ {target} ?this {path} ?a . ?this {path} ?b "
                    "FILTER(!sameTerm(?a, ?b)) }",
                    prop, name, message, has_value=False,
                )
            elif comp in ("minCount", "maxCount"):
                op = "<" if comp == "minCount" else ">"
                self.add(
                    f"SELECT ?this WHERE {{ {target} OPTIONAL {{ ?this {path} ?v }} }} "
                    f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) {op} {int(obj)})",
                    prop, name, message, has_value=False,
                )
            elif comp == "hasValue":
                self.add(
                    f"SELECT ?this WHERE {{ {target} "
                    f"FILTER NOT EXISTS {{ ?this {path} {_n3(obj)} }} }}",
                    prop, name, message, has_value=False,
                )
            elif comp in ("lessThan", "lessThanOrEquals"):
                op = "<" if comp == "lessThan" else "<="
                self.add(
                    f"SELECT ?this ?value WHERE {{ {target} ?this {path} ?value . "
                    f"?this <{obj}> ?other . FILTER(!COALESCE(?value {op} ?other, false)) }}",
                    prop, name, message,
                )
            elif comp == "equals":
                self.add(
                    f"SELECT ?this ?value WHERE {{ {target} "
                    f"{{ ?this {path} ?value FILTER NOT EXISTS {{ ?this <{obj}> ?value }} }} "
                    f"UNION {{ ?this <{obj}> ?value FILTER NOT EXISTS {{ ?this {path} ?value }} }}"
                    " }",
                    prop, name, message,
                )
            elif comp == "disjoint":
                self.add(
                    f"SELECT ?this ?value WHERE {{ {target} ?this {path} ?value . "
                    f"?this <{obj}> ?value }}",
                    prop, name, message,
                )
            elif comp == "sparql":
                self.sparql(obj, target, prop, name)
            elif comp in ("qualifiedValueShape", "uniqueLang", "node", "closed", "xone"):
                raise UnsupportedShapeError(f"sh:{comp} (in {prop})")
            else:
                test = self.value_test(comp, obj, "?value", prop)
                self.add(
                    f"SELECT ?this ?value WHERE {{ {target} ?this {path} ?value "
                    f"FILTER(!{test}) }}",
                    prop, name, message,
                )

    def sparql(self, constraint: Any, target: str, shape: Any, path: str) -> None:
        select = self.one(constraint, SH.select)
        if select is None:
            raise UnsupportedShapeError(f"a SPARQL constraint of {shape} without sh:select")
        body = str(select).replace("$this", "?this")
        message = self.message(constraint) or self.message(shape)
        self.add(f"SELECT ?this ?value WHERE {{ {target} {{ {body} }} }}", shape, path, message)

    def message(self, node: Any) -> str:
        messages = list(self.g.objects(node, SH.message))
        for m in messages:
            if isinstance(m, Literal) and m.language == "en":
                return str(m)
        return str(messages[0]) if messages else ""

    def add(
        self, query: str, shape: Any, path: str, message: str, *, has_value: bool = True
    ) -> None:
        severity = self.one(shape, SH.severity)
        self.checks.append(
            Check(
                query=f"{self.prefixes}\n{query}",
                shape=str(shape) if not isinstance(shape, BNode) else "",
                path=path,
                message=message,
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                has_value=has_value,
            )
        )


def compile_shapes(shapes: Graph) -> tuple[str, list[Check]]:
    """Every constraint of ``shapes`` as a SPARQL query, and the update that finds focus nodes.

    Both run over one graph, the default graph of a private store holding the document, the
    ontology's typing and the ``ISA`` closure of every typed node (see :class:`NativeValidator`).

    Returns:
        The update to run on a document first (it marks each shape's focus nodes with
        :data:`FOCUS`), and the checks, each a query whose rows are violations.

    Raises:
        UnsupportedShapeError: a shape uses a feature this compiler does not know.
    """
    compiler = _Compiler(shapes)
    checks = compiler.compile()
    focus = f"{compiler.prefixes}\n" + " ;\n".join(compiler.focus_ops)
    probe = ox.Store()
    try:  # each text must parse: a compiler bug shows here, not on every document
        if compiler.focus_ops:
            probe.update(focus)
        for check in checks:
            probe.query(check.query)
    except SyntaxError as exc:
        raise UnsupportedShapeError(f"compiled SPARQL that Oxigraph cannot parse: {exc}") from exc
    return focus if compiler.focus_ops else "", checks


class NativeValidator:
    """Validates documents one by one against compiled shapes, each in a private in-memory store.

    A document is checked in a fresh store whose default graph holds, together, the ontology's
    typing (``rdf:type`` and ``rdfs:subClassOf`` between IRIs, with its :data:`ISA` closure),
    the document's triples and the :data:`ISA` closure of the document's types; one update
    marks the focus nodes of every shape, and each check runs as one query.

    One graph, not one per kind of triple: Oxigraph looks a pattern up once per graph of a
    query's default graph, so spreading the same triples over three graphs (as this class
    did) made every check three times the lookups for the same answers. The typing closure of
    a document's nodes is computed in Python from the class hierarchy, known in advance: a
    dictionary lookup per typed node, where a ``rdfs:subClassOf*`` update took milliseconds.
    Together about a third less time per document.
    """

    def __init__(self, shapes: Graph, typing: Iterable[ox.Triple]) -> None:
        self.focus_update, self.checks = compile_shapes(shapes)
        listed = list(typing)
        up: dict[str, set[str]] = {}
        for t in listed:
            if t.predicate.value == _SUBCLASS:
                up.setdefault(str(t.subject), set()).add(str(t.object))
        self._superclasses = {cls: frozenset(_reflexive_closure(cls, up)) for cls in up}
        """Class (N-Triples text) → itself and every class above it, for ``rdfs:subClassOf*``."""
        isa = "".join(
            f"{t.subject} <{ISA}> {c} .\n"
            for t in listed
            if t.predicate.value == _RDF_TYPE
            for c in self._superclasses.get(str(t.object), (str(t.object),))
        )
        # Oxigraph's in-memory store keeps removed quads as versions it never reclaims, so a
        # store reused for document after document gets slower and bigger (measured: 80 ms
        # per document at the start, 480 ms after 400). Each document gets a fresh store,
        # loaded from this snapshot of the typing (a millisecond or two).
        self._typing = (ox.serialize(listed, format=ox.RdfFormat.N_TRIPLES) or b"") + isa.encode()
        self.store = ox.Store()
        """The typing alone (documents are checked in stores of their own)."""
        self.store.load(self._typing, format=ox.RdfFormat.N_TRIPLES)

    def validate(self, triples: Iterable[ox.Triple]) -> ShaclReport:
        """Check one document's triples; the report reads like pySHACL's."""
        started = time.monotonic()
        listed = list(triples)
        # Oxigraph parses N-Triples faster than Python can hand it quads one by one.
        data = ox.serialize(listed, format=ox.RdfFormat.N_TRIPLES) or b""
        # Both texts come out of Oxigraph's serialiser (terms it checked when they were made),
        # so the parser need not check every IRI again (a third of the loading time).
        store = ox.Store()
        store.load(self._typing, format=ox.RdfFormat.N_TRIPLES, lenient=True)
        store.load(data + self._isa(data), format=ox.RdfFormat.N_TRIPLES, lenient=True)
        if self.focus_update:
            store.update(self.focus_update)
        return ShaclReport.of(set(self._violations(store)), triples=len(listed), started=started)

    def _isa(self, data: bytes) -> bytes:
        """``x ISA c`` for each ``x rdf:type t`` of the document and each ``t rdfs:subClassOf* c``
        of the typing (``t`` itself included, as the zero-length path has it).

        ``data`` is N-Triples as Oxigraph writes them, one triple a line: a line whose text
        before `` <rdf:type> `` holds no space has that predicate (neither an IRI nor a blank
        node holds a space). Searching for the predicate is ten times faster than a regular
        expression tried at every line.
        """
        isa = f" <{ISA}> ".encode()
        out = []
        hit = data.find(_TYPE_SPACED)
        while hit >= 0:
            start = data.rfind(b"\n", 0, hit) + 1
            end = data.find(b" .\n", hit)
            node = data[start:hit]
            if b" " not in node and end >= 0:
                key = data[hit + len(_TYPE_SPACED) : end].decode()
                for c in self._superclasses.get(key, (key,)):
                    out.append(node + isa + c.encode() + b" .\n")
            hit = data.find(_TYPE_SPACED, hit + 1)
        return b"".join(out)

    def _violations(self, store: ox.Store) -> Iterator[ShaclViolation]:
        for check in self.checks:
            for row in store.query(check.query):  # type: ignore[union-attr]
                value = row["value"] if check.has_value else None  # type: ignore[index]
                yield ShaclViolation(
                    focus=_plain(row["this"]),  # type: ignore[index]
                    path=check.path,
                    message=check.message,
                    severity=check.severity,
                    value=_plain(value) if value is not None else "",
                    shape=check.shape,
                )


_TYPE_SPACED = f" <{_RDF_TYPE}> ".encode()


def _reflexive_closure(start: str, up: dict[str, set[str]]) -> set[str]:
    seen = {start}
    stack = [start]
    while stack:
        for parent in up.get(stack.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def _plain(term: Any) -> str:
    return term.value if isinstance(term, ox.NamedNode | ox.Literal | ox.BlankNode) else str(term)


def ontology_typing(ontology_ttl: bytes) -> list[ox.Triple]:
    """The ontology's ``rdf:type`` and ``rdfs:subClassOf`` triples between IRIs.

    What ``sh:class`` and ``sh:targetClass`` need to know about the ontology's individuals and
    classes (``owl:NamedIndividual`` is left out: it says nothing a shape asks).
    """
    keep = {_RDF_TYPE, _SUBCLASS}
    return [
        q.triple
        for q in ox.parse(ontology_ttl, format=ox.RdfFormat.TURTLE)
        if q.predicate.value in keep
        and isinstance(q.subject, ox.NamedNode)
        and isinstance(q.object, ox.NamedNode)
        and q.object.value != "http://www.w3.org/2002/07/owl#NamedIndividual"
    ]


@lru_cache(maxsize=4)
def _validator_for(shapes: str, ontology: str, mtimes: tuple[float, float]) -> NativeValidator:
    del mtimes  # part of the cache key: an edited file is compiled again
    graph = Graph().parse(shapes, format="turtle")
    return NativeValidator(graph, ontology_typing(Path(ontology).read_bytes()))


def native_validator() -> NativeValidator:
    """The validator for the project's shapes and ontology (compiled once per process).

    Raises:
        UnsupportedShapeError: the shapes use something the compiler does not know.
    """
    from ontology import ONTOLOGY_TTL, SHAPES_TTL

    shapes, ontology = Path(str(SHAPES_TTL)), Path(str(ONTOLOGY_TTL))
    mtimes = (shapes.stat().st_mtime, ontology.stat().st_mtime)
    return _validator_for(str(shapes), str(ontology), mtimes)


__all__ = [
    "Check",
    "NativeValidator",
    "UnsupportedShapeError",
    "compile_shapes",
    "native_validator",
    "ontology_typing",
]
