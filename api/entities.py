"""What the pages show about one resource, read from the graph as plain rows.

Every query goes through :meth:`api.services.Services.run` (limits, time-outs), and the only way
an IRI enters query text is ``str(ox.NamedNode(iri))``, which refuses anything that is not an
IRI. Nothing here renders HTML: :mod:`api.pages` turns the dicts into pages.

Labels come from the ontology and the document graphs (``skos:prefLabel`` per language, then
``rdfs:label``, then ``dcterms:title``); :class:`Labels` fetches them in one query per page.
"""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pyoxigraph as ox
from flask import current_app

from api.services import get_services
from graph.store import SRJ

POL = "https://w3id.org/policykg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"

T = TypeVar("T")

SPARQL_PREFIXES = f"""PREFIX pol: <{POL}>
PREFIX skos: <{SKOS}>
PREFIX rdfs: <{RDFS}>
PREFIX dcterms: <{DCTERMS}>
PREFIX prov: <{PROV}>
"""

MENTION_KINDS = ("region", "industry", "instrument", "ministry")
"""Kinds of ``pol:mentionKind``, in the order the legend lists them."""

# Page kinds by rdf:type, most specific first: a resource gets the page of its first match.
PAGE_KINDS: tuple[tuple[str, str], ...] = (
    (POL + "Measure", "measure"),
    (POL + "PolicyDocument", "document"),
    (POL + "Section", "section"),
    (POL + "Ministry", "ministry"),
    (POL + "Province", "province"),
    (POL + "RegionType", "region"),
    (POL + "IndustryClass", "industry"),
    (POL + "PolicyInstrument", "instrument"),
    (POL + "InstrumentType", "itype"),
)


def term(iri: str) -> str:
    """The IRI in SPARQL syntax; raises ``ValueError`` when it is not a valid IRI."""
    return str(ox.NamedNode(iri))


def values(iris: Iterable[str]) -> str:
    """The IRIs as the body of a ``VALUES`` block."""
    return " ".join(term(i) for i in iris)


def select_cells(query: str) -> list[dict[str, dict[str, str]]]:
    """Rows of a SELECT as SPARQL JSON cells (``{"type", "value", "xml:lang"?}``)."""
    result = get_services().run(SPARQL_PREFIXES + query, accept=(SRJ,))
    return json.loads(result.body)["results"]["bindings"]


def select(query: str) -> list[dict[str, str]]:
    """Rows of a SELECT as plain ``{var: value}`` dicts."""
    return [{k: v["value"] for k, v in row.items()} for row in select_cells(query)]


def ask(query: str) -> bool:
    """The answer of an ASK query."""
    result = get_services().run(SPARQL_PREFIXES + query, accept=(SRJ,))
    return bool(json.loads(result.body)["boolean"])


def to_int(value: str | None, default: int = 0) -> int:
    """A number from a query cell (counts, ordinals, offsets)."""
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


# Labels ---------------------------------------------------------------------------------------

_MEASURE_TAIL = re.compile(r"/measure/(\d+)$")
_SECTION_TAIL = re.compile(r"/section/(\d+)$")


LABELS_QUERY = """SELECT ?s ?p ?l WHERE {
  { ?s skos:prefLabel ?l . BIND(skos:prefLabel AS ?p) }
  UNION { ?s rdfs:label ?l . BIND(rdfs:label AS ?p) }
  UNION { ?s dcterms:title ?l . BIND(dcterms:title AS ?p) }
  FILTER(isIRI(?s))
}"""
"""Every label of the graph. One query per store version: a few thousand rows, where asking
per page with ``VALUES`` costs seconds on rdflib's engine (it scans before it joins)."""
_CACHE_LOCK = threading.Lock()
LabelTable = dict[str, dict[str, list[tuple[str, str]]]]


def per_version(name: str, compute: Callable[[], T]) -> T:
    """``compute()``, kept on the app until the store's data changes (its version)."""
    version = get_services().store.version()
    cache: dict[str, tuple[str, Any]] = current_app.extensions.setdefault("policykg.pages", {})
    with _CACHE_LOCK:
        hit = cache.get(name)
        if hit is not None and hit[0] == version:
            return hit[1]
    value = compute()
    with _CACHE_LOCK:
        cache[name] = (version, value)
    return value


def _read_labels() -> LabelTable:
    table: LabelTable = defaultdict(lambda: defaultdict(list))
    for row in select_cells(LABELS_QUERY):
        table[row["s"]["value"]][row["p"]["value"]].append(
            (row["l"].get("xml:lang", ""), row["l"]["value"])
        )
    return table


def all_labels() -> LabelTable:
    """IRI → label property → ``(lang, text)``, read once per store version."""
    return per_version("labels", _read_labels)


@dataclass
class Labels:
    """Labels of IRIs in one language (``skos:prefLabel``, ``rdfs:label``, ``dcterms:title``).

    Measures, which have no label, are called by their number ("措施 7"); anything else without
    a label by the last segment of its IRI.
    """

    lang: str
    measure_label: str = "{n}"
    known: dict[str, str] = field(default_factory=dict)
    _table: LabelTable | None = None

    def fetch(self, iris: Iterable[str]) -> None:
        """Work out the labels of these IRIs now (the table is read once per store version)."""
        for iri in iris:
            if iri:
                self(iri)

    def _pick(self, iri: str, by_prop: dict[str, list[tuple[str, str]]]) -> str:
        for prop in (SKOS + "prefLabel", RDFS + "label", DCTERMS + "title"):
            labels = by_prop.get(prop, [])
            for wanted in (self.lang, "zh", "en", ""):
                for lang, text in labels:
                    if lang.split("-")[0] == wanted:
                        return text
            if labels:
                return labels[0][1]
        if m := _MEASURE_TAIL.search(iri):
            return self.measure_label.format(n=m.group(1))
        return re.split(r"[/#]", iri.rstrip("/"))[-1] or iri

    def __call__(self, iri: str) -> str:
        if iri not in self.known:
            if self._table is None:
                self._table = all_labels()
            self.known[iri] = self._pick(iri, self._table.get(iri, {}))
        return self.known[iri]


# Generic reads --------------------------------------------------------------------------------


def types_of(iri: str) -> list[str]:
    """The ``rdf:type`` IRIs of a resource."""
    return [r["t"] for r in select(f"SELECT DISTINCT ?t WHERE {{ {term(iri)} a ?t }}")]


def exists(iri: str) -> bool:
    """Whether the graph says anything about the resource (it is the subject of a triple)."""
    return ask(f"ASK {{ {term(iri)} ?p ?o }}")


def page_kind(types: Iterable[str]) -> str:
    """Which page describes a resource of these types (``generic`` when none fits)."""
    found = set(types)
    for cls, kind in PAGE_KINDS:
        if cls in found:
            return kind
    return "generic"


@dataclass(frozen=True, slots=True)
class Value:
    """One object of a triple, as a page shows it."""

    value: str
    is_iri: bool
    lang: str = ""
    datatype: str = ""


def outgoing(iri: str) -> dict[str, list[Value]]:
    """Every triple of the resource, by predicate (objects in a stable order)."""
    props: dict[str, list[Value]] = defaultdict(list)
    for row in select_cells(f"SELECT ?p ?o WHERE {{ {term(iri)} ?p ?o }}"):
        cell = row["o"]
        props[row["p"]["value"]].append(
            Value(
                cell["value"],
                cell["type"] == "uri",
                cell.get("xml:lang", ""),
                cell.get("datatype", ""),
            )
        )
    for objects in props.values():
        objects.sort(key=lambda v: (not v.is_iri, v.value))
    return dict(props)


def iris(props: dict[str, list[Value]], prop: str) -> list[str]:
    """IRIs that are objects of ``prop``."""
    return [v.value for v in props.get(prop, []) if v.is_iri]


def literal(props: dict[str, list[Value]], prop: str, lang: str | None = None) -> str | None:
    """The literal of ``prop`` in ``lang`` if there is one, else any literal of it."""
    found = [v for v in props.get(prop, []) if not v.is_iri]
    if lang:
        for v in found:
            if v.lang.split("-")[0] == lang:
                return v.value
    return found[0].value if found else None


def literals(props: dict[str, list[Value]], prop: str, lang: str | None = None) -> list[str]:
    """Every literal of ``prop`` (only those in ``lang`` when given and present)."""
    found = [v for v in props.get(prop, []) if not v.is_iri]
    if lang and any(v.lang.split("-")[0] == lang for v in found):
        found = [v for v in found if v.lang.split("-")[0] == lang]
    return [v.value for v in found]


def narrower(iri: str) -> list[str]:
    """Concepts whose ``skos:broader`` is the resource."""
    return [r["x"] for r in select(f"SELECT DISTINCT ?x WHERE {{ ?x skos:broader {term(iri)} }}")]


# Measures -------------------------------------------------------------------------------------


def measure_rows(where: str, extra: str = "") -> list[dict[str, Any]]:
    """Measures matching a graph pattern on ``?m``, with text, document, section and ordinal.

    Args:
        where: SPARQL group body that binds ``?m`` (and maybe more variables).
        extra: more variables of ``where`` to return with each row.
    """
    rows = select(
        f"""SELECT DISTINCT ?m ?text ?doc ?ord ?section ?sord {extra} WHERE {{
  {where}
  ?m a pol:Measure .
  OPTIONAL {{ ?m pol:text ?text }}
  OPTIONAL {{ ?m pol:inDocument ?doc }}
  OPTIONAL {{ ?m pol:ordinal ?ord }}
  OPTIONAL {{ ?m pol:inSection ?section . OPTIONAL {{ ?section pol:ordinal ?sord }} }}
}}"""
    )
    out = [dict(r, ord=to_int(r.get("ord")), sord=to_int(r.get("sord"))) for r in rows]
    out.sort(key=lambda r: (r.get("doc", ""), r["sord"], r["ord"], r["m"]))
    return out


def owners_of(measures: Iterable[str]) -> dict[str, list[str]]:
    """The departments owning each measure."""
    found: dict[str, list[str]] = defaultdict(list)
    chunk = sorted(set(measures))
    if not chunk:
        return {}
    for row in select(
        f"SELECT ?m ?o WHERE {{ VALUES ?m {{ {values(chunk)} }} ?m pol:ownedBy ?o }} ORDER BY ?m ?o"
    ):
        found[row["m"]].append(row["o"])
    return dict(found)


def mentions_of(where: str) -> list[dict[str, Any]]:
    """Mentions of the measures matched by ``where`` (binding ``?m``), with what they denote."""
    rows = select(
        f"""SELECT ?x ?m ?kind ?b ?e ?text ?c WHERE {{
  {where}
  ?m pol:hasMention ?x .
  ?x pol:beginOffset ?b ; pol:endOffset ?e .
  OPTIONAL {{ ?x pol:mentionKind ?kind }}
  OPTIONAL {{ ?x pol:text ?text }}
  OPTIONAL {{ ?x pol:denotes ?c }}
}}"""
    )
    merged: dict[str, dict[str, Any]] = {}
    for row in rows:
        item = merged.setdefault(
            row["x"],
            {
                "iri": row["x"],
                "measure": row["m"],
                "kind": row.get("kind", "region"),
                "begin": to_int(row["b"]),
                "end": to_int(row["e"]),
                "text": row.get("text", ""),
                "denotes": [],
            },
        )
        if row.get("c") and row["c"] not in item["denotes"]:
            item["denotes"].append(row["c"])
    return sorted(merged.values(), key=lambda x: (x["begin"], x["end"]))


def attributions_of(measure: str) -> list[dict[str, Any]]:
    """Why each department owns the measure: basis, evidence words and where they stand."""
    rows = select(
        f"""SELECT ?a ?ministry ?basis ?evidence ?b ?e WHERE {{
  {term(measure)} pol:hasAttribution ?a .
  ?a pol:toMinistry ?ministry .
  OPTIONAL {{ ?a pol:basis ?basis }}
  OPTIONAL {{ ?a pol:evidence ?evidence }}
  OPTIONAL {{ ?a pol:beginOffset ?b ; pol:endOffset ?e }}
}} ORDER BY ?ministry"""
    )
    return [
        {
            "iri": r["a"],
            "ministry": r["ministry"],
            "basis": r.get("basis", ""),
            "evidence": r.get("evidence", ""),
            "begin": to_int(r.get("b"), -1),
            "end": to_int(r.get("e"), -1),
        }
        for r in rows
    ]


def instrument_types(instruments: Iterable[str]) -> dict[str, dict[str, str]]:
    """For each instrument: its type and the top-level type (supply/demand/environmental)."""
    chunk = sorted(set(instruments))
    if not chunk:
        return {}
    rows = select(
        f"""SELECT ?i ?t ?top WHERE {{
  VALUES ?i {{ {values(chunk)} }}
  ?i pol:instrumentType ?t .
  OPTIONAL {{ ?t skos:broader* ?top . FILTER NOT EXISTS {{ ?top skos:broader ?above }} }}
}}"""
    )
    found: dict[str, dict[str, str]] = {}
    for row in rows:
        found.setdefault(row["i"], {"type": row["t"], "top": row.get("top", row["t"])})
    return found


# Regions --------------------------------------------------------------------------------------


def region_edges() -> list[tuple[str, str, str]]:
    """``(part, whole, how)`` between region types: ``broader`` and composite ``comprises``."""
    rows = select(
        """SELECT DISTINCT ?part ?whole ?how WHERE {
  { ?part skos:broader ?whole . ?part a pol:RegionType . ?whole a pol:RegionType .
    BIND("broader" AS ?how) }
  UNION
  { ?whole pol:comprises ?part . BIND("comprises" AS ?how) }
}"""
    )
    return [(r["part"], r["whole"], r["how"]) for r in rows]


def region_ancestors(start: Iterable[str]) -> dict[str, list[tuple[str, str, str]]]:
    """Every region type that contains one of ``start``, with the shortest chain of steps.

    Returns:
        region → the steps ``(part, whole, how)`` leading to it (empty for the start set).
    """
    up: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for part, whole, how in region_edges():
        up[part].append((whole, how))
    paths: dict[str, list[tuple[str, str, str]]] = {r: [] for r in start}
    frontier = list(paths)
    while frontier:
        nxt = []
        for region in frontier:
            for whole, how in sorted(up.get(region, [])):
                if whole not in paths:
                    paths[whole] = [*paths[region], (region, whole, how)]
                    nxt.append(whole)
        frontier = nxt
    return paths


def measures_in_regions(regions: Iterable[str]) -> list[dict[str, Any]]:
    """Measures that target, or move industry from or to, any of the region types."""
    chunk = sorted(set(regions))
    if not chunk:
        return []
    return measure_rows(
        f"""VALUES ?r {{ {values(chunk)} }}
  {{ ?m pol:targetsRegion ?r . BIND("targets" AS ?rel) }}
  UNION {{ ?m pol:transfersFrom ?r . BIND("from" AS ?rel) }}
  UNION {{ ?m pol:transfersTo ?r . BIND("to" AS ?rel) }}""",
        extra="?r ?rel",
    )


# Counts for the home page ---------------------------------------------------------------------


def overview() -> dict[str, int]:
    """How many documents, measures, triples and concepts of each kind the graph holds.

    Counting every triple takes a scan of the store, so the answer is kept per store version.
    """
    return per_version("overview", _count)


def _count() -> dict[str, int]:
    counts = select(
        """SELECT ?kind (COUNT(DISTINCT ?x) AS ?n) WHERE {
  VALUES (?cls ?kind) {
    (pol:PolicyDocument "documents") (pol:Measure "measures") (pol:Ministry "ministries")
    (pol:RegionType "region_types") (pol:Province "provinces") (pol:IndustryClass "industries")
    (pol:PolicyInstrument "instruments")
  }
  ?x a ?cls .
} GROUP BY ?kind"""
    )
    found = {r["kind"]: to_int(r["n"]) for r in counts}
    triples = select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    found["triples"] = to_int(triples[0].get("n")) if triples else 0
    return found
