"""The inferred graph: what the ontology implies about the data, computed once at build time.

Queries then read plain triples instead of walking property paths or re-deriving classes on
every request: "measures for a special region type" is ``?m a pol:SpecialRegionMeasure``,
"industries under manufacturing" is ``?i skos:broaderTransitive industry:manufacturing``.

The rules are read from the ontology, not written here per term, so an ontologist who adds an
inverse, a sub-property or a defined class in Protégé changes what the next build infers:

- ``rdfs:subPropertyOf`` (``pol:targetsRegion`` ⊑ ``pol:concernsRegion``,
  ``skos:broader`` ⊑ ``skos:broaderTransitive``) and ``owl:propertyChainAxiom`` of two steps;
- ``owl:TransitiveProperty`` (the ``skos:broaderTransitive`` closure of industries, instrument
  types and regions), ``owl:SymmetricProperty`` and ``owl:inverseOf`` in both directions;
- class membership: ``rdfs:subClassOf`` between named classes, and defined classes
  (``owl:equivalentClass`` of an intersection of named classes, ``someValuesFrom`` /
  ``hasValue`` restrictions and unions of those), e.g. ``pol:SpecialRegionMeasure``.

Two implementations of the same rules:

- :class:`Reasoner` (Python, used by builds): the ontology's own conclusions are computed once;
  then each document is closed on its own, against the ontology, in a few milliseconds — in
  the build's worker processes. This is exact because documents share no node that a rule
  could join through: they meet only at the ontology's individuals and at discovered concepts,
  about which they assert nothing a rule chains on (a test compares both implementations).
- :func:`materialise` (SPARQL Update, one query per rule, repeated to a fixpoint over the whole
  store): the reference the tests check :class:`Reasoner` against, and a way to recompute the
  graph inside any store without moving data.

The inferred graph holds conclusions that its sources do not already state. Consistency
checking with HermiT lives in ``graph.validate``; this module only materialises.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection

from graph.namespace import POLID

log = logging.getLogger(__name__)

INFERRED = str(POLID["graph/inferred"])
STAGING = "urn:policykg:staging:"
MAX_ROUNDS = 8


@dataclass(frozen=True, slots=True)
class Rule:
    """One inference rule: a name for logs and a SPARQL Update that writes ``{target}``."""

    name: str
    update: str


def _iri(term: Any) -> str:
    return f"<{term}>"


def _readable(var: str, target: str) -> str:
    """A filter on a graph variable: every graph but the previous inferred graph.

    Conclusions come from what is asserted (documents, ontology) and from what this run has
    concluded so far in ``target``; when ``target`` is a staging graph, the old inferred graph
    is ignored.
    """
    if target == INFERRED:
        return ""
    return f"FILTER({var} != <{INFERRED}>)"


def _asserted_somewhere(s: str, p: str, o: str, target: str) -> str:
    """True when a graph other than the inferred ones already states the triple."""
    return (
        f"EXISTS {{ GRAPH ?known {{ {s} {p} {o} }} "
        f"FILTER(?known != <{INFERRED}> && ?known != <{target}>) }}"
    )


class _RuleMaker:
    """Reads the axioms of an ontology graph and writes one rule per axiom."""

    def __init__(self, ontology: Graph, target: str) -> None:
        self.g = ontology
        self.target = target
        self.n = 0

    def var(self) -> str:
        self.n += 1
        return f"?g{self.n}"

    def rule(self, name: str, head: tuple[str, str, str], body: str) -> Rule:
        s, p, o = head
        update = (
            f"INSERT {{ GRAPH <{self.target}> {{ {s} {p} {o} }} }} WHERE {{ {body} "
            f"FILTER(!{_asserted_somewhere(s, p, o, self.target)}) }}"
        )
        return Rule(name, update)

    def match(self, pattern: str) -> str:
        """``pattern`` in any readable graph (its own graph variable)."""
        var = self.var()
        return f"GRAPH {var} {{ {pattern} }} {_readable(var, self.target)}"

    def rules(self) -> list[Rule]:
        g = self.g
        out: list[Rule] = []
        # Sub-properties and two-step chains first: they feed everything after them.
        for p, q in sorted(g.subject_objects(RDFS.subPropertyOf)):
            if isinstance(p, URIRef) and isinstance(q, URIRef) and p != q:
                out.append(
                    self.rule(f"{p} ⊑ {q}", ("?s", _iri(q), "?o"), self.match(f"?s {_iri(p)} ?o"))
                )
        for p, chain in sorted(g.subject_objects(OWL.propertyChainAxiom)):
            steps = list(Collection(g, chain))
            if isinstance(p, URIRef) and len(steps) == 2 and all(
                isinstance(step, URIRef) for step in steps
            ):
                first, second = (_iri(step) for step in steps)
                body = f"{self.match(f'?s {first} ?m')} {self.match(f'?m {second} ?o')}"
                out.append(self.rule(f"{first} ∘ {second} ⊑ {p}", ("?s", _iri(p), "?o"), body))
        # A transitive property: each round joins two known steps, so paths double in length
        # until the fixpoint.
        for p in sorted(g.subjects(RDF.type, OWL.TransitiveProperty)):
            if isinstance(p, URIRef):
                body = f"{self.match(f'?s {_iri(p)} ?m')} {self.match(f'?m {_iri(p)} ?o')}"
                out.append(self.rule(f"{p} transitive", ("?s", _iri(p), "?o"), body))
        for p in sorted(g.subjects(RDF.type, OWL.SymmetricProperty)):
            if isinstance(p, URIRef):
                body = self.match(f"?s {_iri(p)} ?o")
                out.append(self.rule(f"{p} symmetric", ("?o", _iri(p), "?s"), body))
        for p, q in sorted(g.subject_objects(OWL.inverseOf)):
            if isinstance(p, URIRef) and isinstance(q, URIRef):
                for a, b in ((p, q), (q, p)):
                    body = self.match(f"?s {_iri(a)} ?o") + " FILTER(!isLiteral(?o))"
                    out.append(self.rule(f"{a} inverse {b}", ("?o", _iri(b), "?s"), body))
        # Classes: named super-classes and defined classes; the rounds chain them.
        for c, d in sorted(g.subject_objects(RDFS.subClassOf)):
            if isinstance(c, URIRef) and isinstance(d, URIRef) and c != d:
                body = self.match(f"?x a {_iri(c)}")
                out.append(self.rule(f"{c} ⊑ {d}", ("?x", "a", _iri(d)), body))
        for c, expression in sorted(g.subject_objects(OWL.equivalentClass)):
            if isinstance(c, URIRef) and isinstance(expression, BNode):
                body = self.expression(expression, "?x")
                if body is None:
                    log.info("no rule for the definition of %s (a construct not handled)", c)
                else:
                    out.append(self.rule(f"{c} ≡ …", ("?x", "a", _iri(c)), body))
        return out

    def expression(self, node: Any, x: str) -> str | None:
        """A SPARQL group that binds ``x`` to the members of a class expression, or None."""
        g = self.g
        if isinstance(node, URIRef):
            return f"{{ {self.match(f'{x} a {_iri(node)}')} }}"
        members = g.value(node, OWL.intersectionOf)
        if members is not None:
            parts = [self.expression(m, x) for m in Collection(g, members)]
            return None if any(p is None for p in parts) else " ".join(parts)  # type: ignore[misc]
        members = g.value(node, OWL.unionOf)
        if members is not None:
            parts = [self.expression(m, x) for m in Collection(g, members)]
            if any(p is None for p in parts):
                return None
            return "{ " + " UNION ".join(f"{{ {p} }}" for p in parts) + " }"  # type: ignore[misc]
        prop = g.value(node, OWL.onProperty)
        if not isinstance(prop, URIRef):
            return None
        y = f"?y{self.n + 1}"
        self.n += 1
        value = g.value(node, OWL.hasValue)
        if value is not None:
            term = _iri(value) if isinstance(value, URIRef) else (
                value.n3() if isinstance(value, Literal) else None
            )
            return f"{{ {self.match(f'{x} {_iri(prop)} {term}')} }}" if term else None
        filler = g.value(node, OWL.someValuesFrom)
        if filler is None:
            return None
        step = self.match(f"{x} {_iri(prop)} {y}")
        if filler == OWL.Thing:
            return f"{{ {step} }}"
        inner = self.expression(filler, y)
        return None if inner is None else f"{{ {step} {inner} }}"


@lru_cache(maxsize=4)
def _rules_for(path: str, mtime: float, target: str) -> tuple[Rule, ...]:
    del mtime  # part of the cache key: an edited ontology is read again
    graph = Graph().parse(path, format="turtle")
    return tuple(_RuleMaker(graph, target).rules())


def inference_rules(target: str = INFERRED) -> tuple[Rule, ...]:
    """The rules the packaged ontology implies, writing into ``target``."""
    from ontology import ONTOLOGY_TTL

    path = Path(str(ONTOLOGY_TTL))
    return _rules_for(str(path), path.stat().st_mtime, target)


def _count(session: Any, graph: str) -> int:
    rows = session.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(rows[0]["n"]["value"]) if rows else 0


def materialise(session: Any, *, target: str = INFERRED) -> int:
    """Recompute the inferred graph in ``session``; return how many triples it holds.

    Args:
        session: a store or a write session offering ``update`` and ``select``.
        target: where the conclusions go; the inferred graph, or a staging graph that the
            caller moves onto it afterwards.
    """
    started = time.monotonic()
    if not getattr(session, "native_updates", True):
        return _materialise_elsewhere(session, target)
    session.update(f"DROP SILENT GRAPH <{target}>")
    rules = inference_rules(target)
    size, rounds = 0, 0
    for rounds in range(1, MAX_ROUNDS + 1):  # noqa: B007 - reported below
        for rule in rules:
            session.update(rule.update)
        now = _count(session, target)
        if now == size:
            break
        size = now
    else:
        log.warning("inference stopped after %d rounds without reaching a fixpoint", MAX_ROUNDS)
    log.info(
        "inferred %d triples with %d rules in %d round(s), %.1f s",
        size, len(rules), rounds, time.monotonic() - started,
    )
    return size


def _materialise_elsewhere(session: Any, target: str) -> int:
    """For a store whose SPARQL engine is slow (rdflib): infer in Oxigraph, write the result."""
    scratch = ox.Store()
    scratch.extend(q for q in session.quads() if q.graph_name.value != target)
    size = materialise(scratch_session(scratch), target=target)
    session.replace_graphs({target: [q.triple for q in scratch.quads_for_pattern(
        None, None, None, ox.NamedNode(target))]})
    return size


class scratch_session:  # noqa: N801 - a tiny adapter, named like the function it stands for
    """An in-memory Oxigraph store seen as a write session (``update``, ``select``, ``quads``)."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def update(self, sparql: str) -> None:
        self.store.update(sparql)

    def select(self, sparql: str) -> list[dict[str, dict[str, str]]]:
        return [
            {v.value: {"value": row[v].value} for v in rows.variables if row[v] is not None}
            for rows in [self.store.query(sparql)]
            for row in rows
        ]

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        name = ox.NamedNode(graph) if graph else None
        yield from self.store.quads_for_pattern(None, None, None, name)


def inferred_triples(session: Any) -> list[ox.Triple]:
    """The conclusions for what ``session`` holds, as triples, leaving the session unchanged.

    For callers that write the inferred graph themselves; :func:`materialise` does both at
    once without moving the triples through Python.
    """
    staging = f"{STAGING}inferred-{secrets.token_hex(6)}"
    try:
        materialise(session, target=staging)
        return [q.triple for q in session.quads(staging)]
    finally:
        session.update(f"DROP SILENT GRAPH <{staging}>")


def explain(rules: tuple[Rule, ...] | None = None) -> Iterator[str]:
    """The names of the rules, for ``policykg build -v`` and for tests."""
    for rule in rules or inference_rules():
        yield rule.name





# ---------------------------------------------------------------------------------------------
# The Python reasoner used by builds
#
# Terms are their N-Triples text ("<iri>", "_:b", "\"text\"@zh"): Python hashes strings far
# faster than pyoxigraph objects, and the conclusions leave as N-Triples bytes, which the
# stores load natively.

_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"

Fact = tuple[str, str, str]


def _nt(term: Any) -> str:
    return str(term)


class Schema:
    """The axioms of an ontology, indexed for rule application (terms as N-Triples text)."""

    def __init__(self, triples: list[Fact]) -> None:
        by_sp: dict[tuple[str, str], list[str]] = {}
        for s, p, o in triples:
            by_sp.setdefault((s, p), []).append(o)

        def one(node: str | None, prop: Any) -> str | None:
            values = by_sp.get((node or "", f"<{prop}>"))
            return values[0] if values else None

        def items(node: str | None) -> list[str | None]:
            out = []
            while node is not None and node != f"<{RDF.nil}>":
                out.append(one(node, RDF.first))
                node = one(node, RDF.rest)
            return out

        def named(term: str | None) -> bool:
            return term is not None and term.startswith("<")

        def closure(pairs: list[tuple[str, str]]) -> dict[str, frozenset[str]]:
            up: dict[str, set[str]] = {}
            for a, b in pairs:
                up.setdefault(a, set()).add(b)
            out: dict[str, frozenset[str]] = {}
            for start, first in up.items():
                seen: set[str] = set()
                stack = list(first)
                while stack:
                    node = stack.pop()
                    if node not in seen and node != start:
                        seen.add(node)
                        stack.extend(up.get(node, ()))
                out[start] = frozenset(seen)
            return out

        def pairs(prop: Any) -> list[tuple[str, str]]:
            key = f"<{prop}>"
            return [(s, o) for s, p, o in triples if p == key and named(s) and named(o)]

        self.superprops = closure(pairs(RDFS.subPropertyOf))
        self.superclasses = closure(pairs(RDFS.subClassOf))
        inverses: dict[str, set[str]] = {}
        for a, b in pairs(OWL.inverseOf):
            inverses.setdefault(a, set()).add(b)
            inverses.setdefault(b, set()).add(a)
        self.inverses = {k: frozenset(v) for k, v in inverses.items()}
        typed = [(s, o) for s, p, o in triples if p == _TYPE]
        self.transitive = frozenset(s for s, o in typed if o == f"<{OWL.TransitiveProperty}>")
        self.symmetric = frozenset(s for s, o in typed if o == f"<{OWL.SymmetricProperty}>")
        self.chains: dict[str, list[tuple[str, str, str]]] = {}
        for s, p, o in triples:
            if p == f"<{OWL.propertyChainAxiom}>" and named(s):
                steps = items(o)
                if len(steps) == 2 and all(named(x) for x in steps):
                    chain = (steps[0], steps[1], s)
                    for step in {steps[0], steps[1]}:
                        self.chains.setdefault(step, []).append(chain)  # type: ignore[arg-type]

        def expression(node: str | None) -> tuple[Any, ...] | None:
            if named(node):
                return ("class", node)
            for op in (OWL.intersectionOf, OWL.unionOf):
                members = one(node, op)
                if members is not None:
                    parts = [expression(m) for m in items(members)]
                    if any(part is None for part in parts):
                        return None
                    return ("and" if op == OWL.intersectionOf else "or", tuple(parts))
            prop = one(node, OWL.onProperty)
            if not named(prop):
                return None
            value = one(node, OWL.hasValue)
            if value is not None:
                return ("value", prop, value)
            filler = one(node, OWL.someValuesFrom)
            if filler is None:
                return None
            if filler == f"<{OWL.Thing}>":
                return ("some", prop, None)
            inner = expression(filler)
            return None if inner is None else ("some", prop, inner)

        # Defined classes, each with the named class its members must already have (when the
        # definition is an intersection with one): only those nodes are tried.
        self.definitions: list[tuple[str, tuple[Any, ...], str | None]] = []
        for s, p, o in triples:
            if p == f"<{OWL.equivalentClass}>" and named(s) and o.startswith("_:"):
                parsed = expression(o)
                if parsed is None:
                    continue
                anchor = None
                if parsed[0] == "and":
                    anchor = next((e[1] for e in parsed[1] if e[0] == "class"), None)
                self.definitions.append((s, parsed, anchor))


class _Facts:
    """A set of triples with the two indexes the rules need, optionally over a base set."""

    __slots__ = ("all", "base", "by_po", "by_sp")

    def __init__(self, base: _Facts | None = None) -> None:
        self.base = base
        self.all: set[Fact] = set()
        self.by_sp: dict[tuple[str, str], set[str]] = {}
        self.by_po: dict[tuple[str, str], set[str]] = {}

    def add(self, fact: Fact) -> bool:
        if fact in self.all or (self.base is not None and fact in self.base.all):
            return False
        s, p, o = fact
        self.all.add(fact)
        self.by_sp.setdefault((s, p), set()).add(o)
        self.by_po.setdefault((p, o), set()).add(s)
        return True

    def objects(self, s: str, p: str) -> set[str]:
        mine = self.by_sp.get((s, p), _EMPTY)
        if self.base is None:
            return mine
        theirs = self.base.by_sp.get((s, p), _EMPTY)
        return mine | theirs if mine and theirs else mine or theirs

    def subjects(self, p: str, o: str) -> set[str]:
        mine = self.by_po.get((p, o), _EMPTY)
        if self.base is None:
            return mine
        theirs = self.base.by_po.get((p, o), _EMPTY)
        return mine | theirs if mine and theirs else mine or theirs


_EMPTY: set[str] = set()


class Reasoner:
    """Closes documents one at a time against an ontology whose own conclusions are known.

    Args:
        ontology: the ontology's triples (as loaded into its named graph).
    """

    def __init__(self, ontology: Iterable[ox.Triple]) -> None:
        asserted = [(_nt(t.subject), _nt(t.predicate), _nt(t.object)) for t in ontology]
        self.schema = Schema(asserted)
        self.base = _Facts()
        for fact in asserted:
            self.base.add(fact)
        self._close(self.base, list(self.base.all))
        self.ontology_inferred = sorted(self.base.all - set(asserted))
        self.relevant = _relevant_predicates(self.schema)
        """Predicates some rule reads or concludes; ``None`` when every triple must be kept."""

    def infer(self, triples: Iterable[ox.Triple]) -> list[Fact]:
        """What the document's triples and the ontology imply that neither states."""
        return self._infer((_nt(t.subject), _nt(t.predicate), _nt(t.object)) for t in triples)

    def infer_ntriples(self, triples: Iterable[ox.Triple]) -> bytes:
        """:meth:`infer`, as N-Triples bytes (what a writer loads)."""
        return to_ntriples(self.infer(triples))

    def infer_from_ntriples(self, data: bytes) -> bytes:
        """:meth:`infer_ntriples` for a document already serialised as N-Triples, one triple a
        line as Oxigraph writes them (a build has those bytes at hand).

        Splitting the text is several times cheaper than asking pyoxigraph for each term's
        text, and the terms come out the same: Oxigraph writes a term in N-Triples as it
        prints it. Neither a subject nor a predicate holds a space, so a line is
        ``subject predicate object .``.
        """
        return to_ntriples(self._infer(_split_lines(data.decode("utf-8"))))

    def _infer(self, start: Iterable[Fact]) -> list[Fact]:
        # A triple whose predicate no rule reads or concludes can neither start a derivation
        # nor be derived (and so needs no index either): leaving those out (more than half of
        # a document: offsets, texts, ordinals) changes nothing in the result.
        relevant = self.relevant
        stated = [f for f in start if f[1] in relevant] if relevant is not None else list(start)
        facts = _Facts(self.base)
        agenda = [f for f in stated if facts.add(f)]
        self._close(facts, agenda)
        known = set(stated)
        return [f for f in facts.all if f not in known]

    def _close(self, facts: _Facts, agenda: list[Fact]) -> None:
        while agenda:
            new: list[Fact] = []
            for fact in agenda:
                new.extend(self._consequences(facts, fact))
            agenda = [f for f in new if facts.add(f)]
            if not agenda:
                agenda = [f for f in self._definitions(facts) if facts.add(f)]

    def _consequences(self, facts: _Facts, fact: Fact) -> Iterator[Fact]:
        schema = self.schema
        s, p, o = fact
        for q in schema.superprops.get(p, ()):
            yield (s, q, o)
        if not o.startswith('"'):
            for q in schema.inverses.get(p, ()):
                yield (o, q, s)
            if p in schema.symmetric:
                yield (o, p, s)
        if p in schema.transitive:
            for o2 in list(facts.objects(o, p)):
                yield (s, p, o2)
            for s0 in list(facts.subjects(p, s)):
                yield (s0, p, o)
        for first, second, chained in schema.chains.get(p, ()):
            if p == first:
                for o2 in list(facts.objects(o, second)):
                    yield (s, chained, o2)
            if p == second:
                for s0 in list(facts.subjects(first, s)):
                    yield (s0, chained, o)
        if p == _TYPE:
            for d in schema.superclasses.get(o, ()):
                yield (s, _TYPE, d)

    def _definitions(self, facts: _Facts) -> Iterator[Fact]:
        for cls, expression, anchor in self.schema.definitions:
            if anchor is not None:
                candidates = facts.by_po.get((_TYPE, anchor), _EMPTY)
            else:
                candidates = {s for s, _ in facts.by_sp}
            for x in list(candidates):
                if cls not in facts.objects(x, _TYPE) and self._holds(facts, x, expression):
                    yield (x, _TYPE, cls)

    def _holds(self, facts: _Facts, x: str, expr: tuple[Any, ...]) -> bool:
        kind = expr[0]
        if kind == "class":
            return expr[1] in facts.objects(x, _TYPE)
        if kind == "and":
            return all(self._holds(facts, x, e) for e in expr[1])
        if kind == "or":
            return any(self._holds(facts, x, e) for e in expr[1])
        if kind == "value":
            return expr[2] in facts.objects(x, expr[1])
        values = facts.objects(x, expr[1])
        if expr[2] is None:
            return bool(values)
        return any(self._holds(facts, y, expr[2]) for y in values)


def _split_lines(text: str) -> Iterator[Fact]:
    for line in text.split("\n"):
        if line:
            s, p, o = line.split(" ", 2)
            yield s, p, o[:-2]  # the object, without the closing " ."


def _relevant_predicates(schema: Schema) -> frozenset[str] | None:
    """Every predicate a rule of ``schema`` matches or writes, or ``None`` if that cannot be said.

    A defined class without a named class to anchor it is tried on every subject of a
    document, whatever its predicates, so then no triple may be left out.
    """
    if any(anchor is None for _, _, anchor in schema.definitions):
        return None
    out = {_TYPE, *schema.superprops, *schema.inverses, *schema.transitive, *schema.symmetric}
    for supers in schema.superprops.values():
        out |= supers
    for inverses in schema.inverses.values():
        out |= inverses
    for step, chains in schema.chains.items():
        out.add(step)
        out.update(head for _, _, head in chains)

    def properties(expr: tuple[Any, ...] | None) -> None:
        if expr is None or expr[0] == "class":
            return
        if expr[0] in ("and", "or"):
            for part in expr[1]:
                properties(part)
            return
        out.add(expr[1])  # "value" and "some" read their property
        if expr[0] == "some":
            properties(expr[2])

    for _, expression, _ in schema.definitions:
        properties(expression)
    return frozenset(out)


def to_ntriples(facts: Iterable[Fact]) -> bytes:
    """Facts (terms in N-Triples text) as an N-Triples document, blank nodes left out."""
    return "".join(
        f"{s} {p} {o} .\n" for s, p, o in facts if not (s.startswith("_:") or o.startswith("_:"))
    ).encode("utf-8")


def ontology_reasoner() -> Reasoner:
    """A reasoner for the packaged ontology (built once per process and ontology version)."""
    from ontology import ONTOLOGY_TTL

    path = Path(str(ONTOLOGY_TTL))
    return _reasoner_for(str(path), path.stat().st_mtime)


@lru_cache(maxsize=2)
def _reasoner_for(path: str, mtime: float) -> Reasoner:
    del mtime  # part of the cache key
    return Reasoner(q.triple for q in ox.parse(Path(path).read_bytes(), format=ox.RdfFormat.TURTLE))


__all__ = [
    "INFERRED",
    "Reasoner",
    "Rule",
    "explain",
    "inference_rules",
    "inferred_triples",
    "materialise",
    "ontology_reasoner",
    "to_ntriples",
]
