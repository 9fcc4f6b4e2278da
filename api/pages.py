"""Pages for people: the home page, the canned-queries catalogue and one page per resource.

Resource pages are reached through :mod:`api.linked_data` (``/id/...``), which negotiates
between them and RDF; this module only renders HTML. Each page reads what it shows through
:mod:`api.entities` (every query through ``Services.run``) and renders it with Jinja's
autoescaping; the highlighted source text is built from offsets by :mod:`api.highlight`.

Language: Chinese by default, ``?lang=en`` for English (remembered in a cookie), see
:mod:`api.i18n`. HTML responses of these blueprints carry security headers (a CSP that allows
no inline script, ``nosniff``, a referrer policy).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, g, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from api import entities as ent
from api import i18n
from api.entities import DCTERMS, POL, RDF_TYPE, SKOS, Labels, term
from api.highlight import Span, highlight
from api.services import get_services
from graph.catalogue import CannedQuery, ParamError, bind_request
from graph.errors import GraphError, NotAcceptableError
from graph.namespace import PREFIXES
from graph.store import NTRIPLES, SRJ

bp = Blueprint("pages", __name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
MAX_CHOICES = 300
"""Above this many members, an IRI parameter is a text field instead of a list."""
RESULT_ROWS = 1000
"""Rows a canned query shows on its page at most (the REST API pages through more)."""

RDF_ALTERNATES: tuple[tuple[str, str, str], ...] = (
    ("ttl", "Turtle", "text/turtle"),
    ("jsonld", "JSON-LD", "application/ld+json"),
    ("rdf", "RDF/XML", "application/rdf+xml"),
    ("nt", "N-Triples", "application/n-triples"),
)
"""``?format=`` value, name and media type of every RDF form of a resource."""


# Hooks shared with the other page blueprints ---------------------------------------------------


def add_security_headers(response: Response) -> Response:
    """CSP without inline scripts, ``nosniff`` and a referrer policy, on HTML responses."""
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    return response


def html_error(exc: Exception) -> tuple[str, int]:
    """An error of a page as a page (the JSON error body is for API clients)."""
    if isinstance(exc, HTTPException):
        status, message = exc.code or 500, exc.description or exc.name
    elif isinstance(exc, GraphError):
        from api.errors import STATUS

        status = next((s for k, (s, _) in STATUS.items() if isinstance(exc, k)), 500)
        message = str(exc)
    else:
        current_app.logger.exception("page failed")
        status, message = 500, "the server failed on this request; it was logged"
    return render_template("error.html", status=status, message=message), status


def init_blueprint(blueprint: Blueprint) -> None:
    """Give a page blueprint the security headers and HTML error pages."""
    blueprint.after_request(add_security_headers)
    blueprint.register_error_handler(HTTPException, html_error)
    blueprint.register_error_handler(GraphError, html_error)


init_blueprint(bp)
bp.before_app_request(i18n.choose_language)
bp.after_app_request(i18n.remember_language)
bp.app_context_processor(i18n.template_context)


@bp.app_context_processor
def _page_helpers() -> dict[str, Any]:
    return {"href": local_url, "label": labels(), "rdf_alternates": RDF_ALTERNATES}


# Helpers --------------------------------------------------------------------------------------


def base() -> str:
    """The configured base of minted IRIs (``settings.base``)."""
    return get_services().settings.base


def local_url(iri: str, fragment: str = "") -> str:
    """Where a page links to for an IRI: ``/id/...`` for IRIs under the base, else the IRI."""
    prefix = base()
    if iri.startswith(prefix) and len(iri) > len(prefix):
        path = url_for("linked_data.resource", key=iri[len(prefix) :])
        return f"{path}#{fragment}" if fragment else path
    return iri


def labels() -> Labels:
    """The label cache of the current request, in its language."""
    if "labels" not in g:
        g.labels = Labels(
            i18n.current_lang(), measure_label=i18n.UI[i18n.current_lang()]["measure_n"]
        )
    return g.labels


def _lang() -> str:
    return i18n.current_lang()


def _t(key: str, **values: Any) -> str:
    return i18n.translate(key, **values)


def _measure_items(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Measure rows with their owners, deduplicated, in document order."""
    seen: dict[str, dict[str, Any]] = {}
    for row in rows:
        seen.setdefault(row["m"], dict(row))
    owners = ent.owners_of(seen)
    for iri, item in seen.items():
        item["owners"] = owners.get(iri, [])
    labels().fetch(
        [*seen, *(o for item in seen.values() for o in item["owners"])]
        + [item["doc"] for item in seen.values() if item.get("doc")]
    )
    return list(seen.values())


def _issuers_in_order(doc: str, issuers: list[str]) -> list[str]:
    """The issuers in the order the document lists them (``pol:hasIssuance`` positions).

    Documents built before issuances were recorded keep their issuers in IRI order.
    """
    rows = ent.select(
        f"SELECT ?m (MIN(?n) AS ?pos) WHERE {{ {doc} pol:hasIssuance ?i . "
        "?i pol:issuer ?m ; pol:ordinal ?n } GROUP BY ?m"
    )
    position = {r["m"]: ent.to_int(r.get("pos")) for r in rows}
    return sorted(issuers, key=lambda m: (position.get(m, len(position) + 1), m))


def _mention_span(mention: dict[str, Any]) -> Span:
    kind = mention["kind"] if mention["kind"] in ent.MENTION_KINDS else "region"
    names = ", ".join(labels()(c) for c in mention["denotes"])
    title = f"{_t('kind_' + kind)}: {names}" if names else _t("kind_" + kind)
    return Span(mention["begin"], mention["end"], kind, title=title)


def measure_anchor(iri: str, ordinal: int | None = None) -> str:
    """The HTML id of a measure in its document's text."""
    tail = iri.rstrip("/").rsplit("/", 1)[-1]
    return f"measure-{ordinal if ordinal else tail}"


# Home and catalogue ---------------------------------------------------------------------------


@bp.get("/")
def home() -> str:
    """What the graph holds, where to start, the documents and the concept schemes."""
    counts = ent.overview()
    docs = ent.select(
        """SELECT ?d ?number ?issued (COUNT(DISTINCT ?m) AS ?measures) WHERE {
  ?d a pol:PolicyDocument .
  OPTIONAL { ?d pol:documentNumber ?number }
  OPTIONAL { ?d dcterms:issued ?issued }
  OPTIONAL { ?m pol:inDocument ?d ; a pol:Measure }
} GROUP BY ?d ?number ?issued ORDER BY DESC(?issued) ?d"""
    )
    kinds = {
        "Ministry": "ministries",
        "RegionType": "region_types",
        "Province": "provinces",
        "IndustryClass": "industries",
        "PolicyInstrument": "instruments",
    }
    members = ent.select(
        "SELECT DISTINCT ?x ?cls WHERE { VALUES ?cls { "
        + " ".join(f"pol:{c}" for c in kinds)
        + " } ?x a ?cls . FILTER(isIRI(?x)) }"
    )
    used = {
        r["x"]: ent.to_int(r["n"])
        for r in ent.select(
            """SELECT ?x (COUNT(DISTINCT ?m) AS ?n) WHERE {
  ?m a pol:Measure ; ?p ?x .
  VALUES ?p { pol:ownedBy pol:targetsRegion pol:transfersFrom pol:transfersTo
              pol:concernsIndustry pol:usesInstrument }
} GROUP BY ?x"""
        )
    }
    by_kind: dict[str, list[tuple[str, int]]] = {key: [] for key in kinds.values()}
    for r in members:
        by_kind[kinds[r["cls"][len(POL) :]]].append((r["x"], used.get(r["x"], 0)))
    schemes = list(by_kind.items())
    labels().fetch([d["d"] for d in docs] + [x for _, rows in schemes for x, _ in rows])
    for _, rows in schemes:
        rows.sort(key=lambda r: (-r[1], labels()(r[0])))
    return render_template("home.html", counts=counts, docs=docs, schemes=schemes)


def _tags(query: CannedQuery) -> list[str]:
    tags = query.header.get("tags") or []
    return [str(tag) for tag in tags] if isinstance(tags, list) else [str(tags)]


def _text(value: Any) -> str:
    """A header field that may be given per language."""
    if isinstance(value, dict):
        return str(value.get(_lang()) or value.get("en") or value.get("zh") or "")
    return "" if value is None else str(value)


@bp.get("/queries")
def catalogue() -> str:
    """The canned queries, grouped by tag, each linking to its form."""
    groups: dict[str, list[CannedQuery]] = defaultdict(list)
    for query in get_services().catalogue.values():
        for tag in _tags(query) or [""]:
            groups[tag].append(query)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] == "", kv[0]))
    return render_template("catalogue.html", groups=ordered, text=_text)


def _class_choices(cls: str) -> list[tuple[str, str]]:
    iri = PREFIXES.get(cls.partition(":")[0], "") + cls.partition(":")[2] if ":" in cls else cls
    if cls.startswith(("http://", "https://")):
        iri = cls
    rows = ent.select(f"SELECT DISTINCT ?x WHERE {{ ?x a {term(iri)} FILTER(isIRI(?x)) }}")
    found = [r["x"] for r in rows]
    labels().fetch(found)
    return sorted(((x, labels()(x)) for x in found), key=lambda p: p[1])


def _expand(value: str) -> str:
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return value


def _all_labels(choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Every label (both languages) of the choices, so a value sent as a label is selected."""
    table = ent.all_labels()
    return [
        (iri, text)
        for iri, _ in choices
        for by_lang in table.get(iri, {}).values()
        for _, text in by_lang
    ]


def _run_for_page(text: str) -> dict[str, Any]:
    """Run a bound canned query for the results table: solutions, or a graph as triples."""
    svc = get_services()
    try:
        answer = svc.run(text, accept=(SRJ,), max_rows=RESULT_ROWS)
        data = json.loads(answer.body)
        columns, rows = data["head"]["vars"], data["results"]["bindings"]
    except NotAcceptableError:  # CONSTRUCT / DESCRIBE: show the triples
        answer = svc.run(text, accept=(NTRIPLES,), max_rows=RESULT_ROWS)
        columns = ["subject", "predicate", "object"]
        rows = [
            {
                "subject": _cell(t.subject),
                "predicate": _cell(t.predicate),
                "object": _cell(t.object),
            }
            for t in (q.triple for q in ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES))
        ]
    labels().fetch(cell["value"] for row in rows for cell in row.values() if cell["type"] == "uri")
    return {"columns": columns, "rows": rows, "truncated": answer.truncated}


def _cell(term: Any) -> dict[str, str]:
    """A pyoxigraph term as a SPARQL JSON results cell."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.Literal):
        cell = {"type": "literal", "value": term.value}
        if term.language:
            cell["xml:lang"] = term.language
        else:
            cell["datatype"] = term.datatype.value
        return cell
    return {"type": "bnode", "value": str(term)}


@bp.get("/queries/<name>")
def canned_query(name: str) -> tuple[str, int] | str:
    """A canned query as a form, and its results as a table when parameters were sent."""
    svc = get_services()
    query = svc.catalogue.get(name)
    if query is None:
        known = ", ".join(sorted(svc.catalogue))
        return render_template(
            "error.html", status=404, message=f"unknown query {name!r}; known: {known}"
        ), 404
    sent = {
        k: (v if len(v) > 1 else v[0]) for k, v in request.args.lists() if k not in ("lang", "run")
    }
    fields = []
    for spec in query.params.values():
        choices = _class_choices(spec.cls) if spec.type == "iri" and spec.cls else []
        if len(choices) > MAX_CHOICES:
            choices = []  # a text field (IRI, CURIE or label) rather than a huge list
        current = sent.get(spec.name, "")
        current_list = current if isinstance(current, list) else [current]
        by_label = {name: iri for iri, name in choices}
        by_label.update({text: iri for iri, text in _all_labels(choices)})
        fields.append(
            {
                "spec": spec,
                "label": _text(spec.description) or spec.name,
                "choices": choices,
                "selected": {by_label.get(str(v), _expand(str(v))) for v in current_list if v},
                "value": str(current_list[0]) if current_list else "",
            }
        )
    question = _text(query.header.get("question")) or query.summary(_lang()) or query.name
    for f in fields:
        chosen = [
            labels()(v) if v.startswith(("http://", "https://")) else v
            for v in sorted(f["selected"])
        ]
        shown = ("、" if _lang() == "zh" else ", ").join(chosen) or "…"
        question = re.sub(rf"\?{re.escape(f['spec'].name)}\b", lambda _m, s=shown: s, question)
    required_missing = any(s.required and s.name not in sent for s in query.params.values())
    error = None
    result: dict[str, Any] | None = None
    status = 200
    if sent or "run" in request.args or not required_missing:
        try:
            text, _shown = bind_request(query, sent, prefixes=PREFIXES, members_of=svc.members_of)
            result = _run_for_page(text)
        except ParamError as exc:
            error, status = str(exc), 400
    api_args = urlencode(
        [(k, v) for k, v in request.args.items(multi=True) if k != "run" and k != "lang"]
    )
    return render_template(
        "canned_query.html",
        query=query,
        question=question,
        fields=fields,
        error=error,
        result=result,
        text=_text,
        limit=RESULT_ROWS,
        api_url=f"/api/v1/queries/{name}/results" + (f"?{api_args}" if api_args else ""),
    ), status


# Resource pages -------------------------------------------------------------------------------


def render_resource(iri: str, kind: str, types: list[str]) -> str:
    """The HTML page of a resource, by the kind :func:`api.entities.page_kind` found."""
    props = ent.outgoing(iri)
    labels().fetch(
        [iri, *types, *props, *(v.value for vs in props.values() for v in vs if v.is_iri)]
    )
    page = _PAGES.get(kind, _generic_page)
    return page(iri, props, types)


def _common(iri: str, props: dict[str, list[ent.Value]], types: list[str]) -> dict[str, Any]:
    return {
        "iri": iri,
        "props": props,
        "types": [t for t in types if t.startswith(POL)] or types,
        "title": labels()(iri),
        "definition": ent.literal(props, SKOS + "definition", _lang()),
        "alt_labels": ent.literals(props, SKOS + "altLabel"),
        "broader": ent.iris(props, SKOS + "broader"),
    }


def _generic_page(iri: str, props: dict[str, list[ent.Value]], types: list[str]) -> str:
    rows = sorted(props.items(), key=lambda kv: (kv[0] != RDF_TYPE, labels()(kv[0])))
    return render_template("generic.html", rows=rows, **_common(iri, props, types))


def _document_page(iri: str, props: dict[str, list[ent.Value]], types: list[str]) -> str:
    d = term(iri)
    full = ent.literal(props, POL + "fullText") or ""
    sections = ent.select(
        f"""SELECT ?s ?ord ?num ?title (COUNT(DISTINCT ?m) AS ?measures) WHERE {{
  {d} pol:hasSection ?s .
  OPTIONAL {{ ?s pol:ordinal ?ord }} OPTIONAL {{ ?s pol:sectionNumber ?num }}
  OPTIONAL {{ ?s dcterms:title ?title }}
  OPTIONAL {{ ?m pol:inSection ?s ; a pol:Measure }}
}} GROUP BY ?s ?ord ?num ?title"""
    )
    sections.sort(key=lambda s: ent.to_int(s.get("ord")))
    measures = ent.select(
        f"""SELECT ?m ?ord ?b ?e WHERE {{
  ?m pol:inDocument {d} ; a pol:Measure ; pol:beginOffset ?b ; pol:endOffset ?e .
  OPTIONAL {{ ?m pol:ordinal ?ord }}
}}"""
    )
    mentions = ent.mentions_of(f"?m pol:inDocument {d} ; a pol:Measure .")
    labels().fetch(c for x in mentions for c in x["denotes"])
    measure_spans = []
    for row in measures:
        ordinal = ent.to_int(row.get("ord"))
        measure_spans.append(
            Span(
                ent.to_int(row["b"]),
                ent.to_int(row["e"]),
                href=local_url(row["m"]),
                anchor=measure_anchor(row["m"], ordinal),
                title=labels()(row["m"]),
            )
        )
    targets = ent.select(
        f"""SELECT ?x ?year ?text WHERE {{
  {d} pol:hasTarget ?x . OPTIONAL {{ ?x pol:targetYear ?year }} OPTIONAL {{ ?x pol:text ?text }}
  OPTIONAL {{ ?x pol:ordinal ?ord }}
}} ORDER BY ?ord"""
    )
    from api import charts

    mix = charts.instrument_mix_chart(doc=iri)
    kinds_present = [k for k in ent.MENTION_KINDS if any(x["kind"] == k for x in mentions)]
    return render_template(
        "document.html",
        text_html=highlight(full, measure_spans, [_mention_span(x) for x in mentions]),
        sections=sections,
        measure_count=len(measures),
        targets=targets,
        issuers=_issuers_in_order(d, ent.iris(props, POL + "issuedBy")),
        number=ent.literal(props, POL + "documentNumber"),
        issued=ent.literal(props, DCTERMS + "issued"),
        addressee=ent.literal(props, POL + "addressee"),
        source=ent.literal(props, DCTERMS + "source"),
        kinds=kinds_present or list(ent.MENTION_KINDS),
        mix=mix,
        **_common(iri, props, types),
    )


def _section_page(iri: str, props: dict[str, list[ent.Value]], types: list[str]) -> str:
    text = ent.literal(props, POL + "text") or ""
    begin = ent.to_int(ent.literal(props, POL + "beginOffset"))
    doc = next(iter(ent.iris(props, POL + "inDocument")), "")
    rows = ent.measure_rows(f"?m pol:inSection {term(iri)} .")
    spans = []
    for row in rows:
        r = ent.select(
            f"SELECT ?b ?e WHERE {{ {term(row['m'])} pol:beginOffset ?b ; pol:endOffset ?e }}"
        )
        if r:
            spans.append(
                Span(
                    ent.to_int(r[0]["b"]),
                    ent.to_int(r[0]["e"]),
                    href=local_url(row["m"]),
                    anchor=measure_anchor(row["m"], row["ord"]),
                    title=labels()(row["m"]),
                )
            )
    mentions = ent.mentions_of(f"?m pol:inSection {term(iri)} .")
    labels().fetch([doc, *(c for x in mentions for c in x["denotes"])])
    return render_template(
        "section.html",
        doc=doc,
        number=ent.literal(props, POL + "sectionNumber"),
        text_html=highlight(text, spans, [_mention_span(x) for x in mentions], shift=begin),
        measures=_measure_items(rows),
        kinds=list(ent.MENTION_KINDS),
        **_common(iri, props, types),
    )


def _measure_page(iri: str, props: dict[str, list[ent.Value]], types: list[str]) -> str:
    text = ent.literal(props, POL + "text") or ""
    begin = ent.to_int(ent.literal(props, POL + "beginOffset"))
    ordinal = ent.to_int(ent.literal(props, POL + "ordinal"))
    doc = next(iter(ent.iris(props, POL + "inDocument")), "")
    section = next(iter(ent.iris(props, POL + "inSection")), "")
    mentions = ent.mentions_of(f"VALUES ?m {{ {term(iri)} }}")
    attributions = ent.attributions_of(iri)
    instruments = ent.iris(props, POL + "usesInstrument")
    itypes = ent.instrument_types(instruments)
    section_number = None
    if section:
        found = ent.select(f"SELECT ?n WHERE {{ {term(section)} pol:sectionNumber ?n }}")
        section_number = found[0]["n"] if found else None
    owners = ent.iris(props, POL + "ownedBy")
    by_ministry: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in attributions:
        by_ministry[a["ministry"]].append(a)
    labels().fetch(
        [doc, section, *owners, *(c for x in mentions for c in x["denotes"])]
        + [v for it in itypes.values() for v in it.values()]
    )
    concepts = [
        ("region_types", ent.iris(props, POL + "targetsRegion")),
        ("industries", ent.iris(props, POL + "concernsIndustry")),
        ("instruments", instruments),
    ]
    return render_template(
        "measure.html",
        text_html=highlight(text, (), [_mention_span(x) for x in mentions], shift=begin),
        ordinal=ordinal,
        doc=doc,
        section=section,
        section_number=section_number,
        source_url=local_url(doc, measure_anchor(iri, ordinal)) if doc else "",
        verb=ent.literal(props, POL + "actionVerb"),
        concepts=concepts,
        itypes=itypes,
        owners=[(o, by_ministry.get(o, [])) for o in owners],
        transfers_from=ent.iris(props, POL + "transfersFrom"),
        transfers_to=ent.iris(props, POL + "transfersTo"),
        kinds=[k for k in ent.MENTION_KINDS if any(x["kind"] == k for x in mentions)],
        **_common(iri, props, types),
    )


def _ministry_page(iri: str, props: dict[str, list[ent.Value]], types: list[str]) -> str:
    me = term(iri)
    rows = ent.measure_rows(f"?m pol:ownedBy {me} .")
    basis = ent.select(
        f"""SELECT ?m ?basis ?evidence WHERE {{
  ?a pol:toMinistry {me} ; pol:ofMeasure ?m .
  OPTIONAL {{ ?a pol:basis ?basis }} OPTIONAL {{ ?a pol:evidence ?evidence }}
}}"""
    )
    why = {r["m"]: r for r in basis}
    items = _measure_items(rows)
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        item["basis"] = why.get(item["m"], {}).get("basis", "")
        item["evidence"] = why.get(item["m"], {}).get("evidence", "")
        groups[(item.get("doc", ""), item.get("section", ""))].append(item)
    instruments = ent.select(
        f"""SELECT ?i (COUNT(DISTINCT ?m) AS ?n) WHERE {{
  ?m pol:ownedBy {me} ; pol:usesInstrument ?i .
}} GROUP BY ?i ORDER BY DESC(?n) ?i"""
    )
    co_owners = ent.select(
        f"""SELECT ?o (COUNT(DISTINCT ?m) AS ?n) WHERE {{
  ?m pol:ownedBy {me} , ?o . FILTER(?o != {me})
}} GROUP BY ?o ORDER BY DESC(?n) ?o"""
    )
    issued = [r["d"] for r in ent.select(f"SELECT DISTINCT ?d WHERE {{ ?d pol:issuedBy {me} }}")]
    labels().fetch(
        [k[1] for k in groups if k[1]]
        + [r["i"] for r in instruments]
        + [r["o"] for r in co_owners]
        + issued
    )
    return render_template(
        "ministry.html",
        groups=list(groups.items()),
        measure_count=len(items),
        instruments=instruments,
        co_owners=co_owners,
        issued=issued,
        mandate=ent.literals(props, POL + "mandateKeyword"),
        **_common(iri, props, types),
    )


def _region_reasons(
    rows: list[dict[str, Any]], paths: dict[str, list[tuple[str, str, str]]], subject: str | None
) -> list[dict[str, Any]]:
    """Group measure rows (one per matched region) and explain each match in words."""
    items = _measure_items(rows)
    by_measure: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_measure[row["m"]].append(_reason(row["r"], row["rel"], paths, subject))
    for item in items:
        item["why"] = sorted(set(by_measure[item["m"]]))
    return items


def _reason(
    region: str, rel: str, paths: dict[str, list[tuple[str, str, str]]], subject: str | None
) -> str:
    lab = labels()
    verb = _t(
        {"targets": "rel_targets", "from": "rel_from", "to": "rel_to"}.get(rel, "rel_targets")
    )
    steps = []
    if subject is not None:
        first = paths[region][0][0] if paths.get(region) else region
        steps.append(_t("why_in", p=lab(subject), r=lab(first)))
    for part, whole, how in paths.get(region, []):
        key = "why_comprises" if how == "comprises" else "why_narrower"
        steps.append(_t(key, a=lab(part), b=lab(whole)))
    head = f"{verb} {lab(region)}"
    return f"{head}: {'; '.join(steps)}" if steps else head


def _region_page(iri: str, props: dict[str, list[ent.Value]], types: list[str]) -> str:
    me = term(iri)
    paths = ent.region_ancestors([iri])
    rows = ent.measures_in_regions(paths)
    labels().fetch([*paths, *(s for p in paths.values() for step in p for s in step[:2])])
    measures = _region_reasons(rows, paths, None)
    provinces = ent.select(
        f"""SELECT DISTINCT ?p ?via WHERE {{
  {{ ?p pol:inRegion {me} }}
  UNION {{ {me} pol:comprises ?via . ?p pol:inRegion ?via }}
  UNION {{ ?via skos:broader {me} . ?p pol:inRegion ?via . ?via a pol:RegionType }}
  ?p a pol:Province .
}}"""
    )
    narrower = ent.narrower(iri)
    part_of = [r["x"] for r in ent.select(f"SELECT DISTINCT ?x WHERE {{ ?x pol:comprises {me} }}")]
    labels().fetch(
        [r["p"] for r in provinces] + [r.get("via", "") for r in provinces] + narrower + part_of
    )
    by_province: dict[str, list[str]] = defaultdict(list)
    for r in provinces:
        if r.get("via"):
            by_province[r["p"]].append(r["via"])
        else:
            by_province.setdefault(r["p"], [])
    return render_template(
        "region.html",
        measures=measures,
        provinces=sorted(by_province.items(), key=lambda kv: labels()(kv[0])),
        narrower=narrower,
        part_of=part_of,
        comprises=ent.iris(props, POL + "comprises"),
        **_common(iri, props, types),
    )


def _province_page(iri: str, props: dict[str, list[ent.Value]], types: list[str]) -> str:
    direct = ent.iris(props, POL + "inRegion")
    paths = ent.region_ancestors(direct)
    rows = ent.measures_in_regions(paths)
    named = ent.measure_rows(f"?x pol:denotes {term(iri)} ; pol:inMeasure ?m .")
    labels().fetch([*paths, *(s for p in paths.values() for step in p for s in step[:2])])
    measures = _region_reasons(rows, paths, iri)
    known = {m["m"]: m for m in measures}
    for item in _measure_items(named):
        reason = _t("why_named", p=labels()(iri))
        if item["m"] in known:
            known[item["m"]]["why"].append(reason)
        else:
            item["why"] = [reason]
            measures.append(item)
            known[item["m"]] = item
    measures.sort(key=lambda r: (r.get("doc", ""), r.get("sord", 0), r.get("ord", 0)))
    return render_template(
        "province.html",
        measures=measures,
        region_types=direct,
        notation=ent.literal(props, SKOS + "notation"),
        **_common(iri, props, types),
    )


def _industry_page(iri: str, props: dict[str, list[ent.Value]], types: list[str]) -> str:
    me = term(iri)
    rows = ent.measure_rows(
        f"?m pol:concernsIndustry ?via . ?via skos:broader* {me} .", extra="?via"
    )
    via = defaultdict(set)
    for r in rows:
        via[r["m"]].add(r["via"])
    items = _measure_items(rows)
    for item in items:
        item["via"] = sorted(v for v in via[item["m"]] if v != iri)
    narrower = ent.narrower(iri)
    labels().fetch(narrower + [v for vs in via.values() for v in vs])
    return render_template(
        "industry.html", measures=items, narrower=narrower, **_common(iri, props, types)
    )


def _instrument_page(iri: str, props: dict[str, list[ent.Value]], types: list[str]) -> str:
    items = _measure_items(ent.measure_rows(f"?m pol:usesInstrument {term(iri)} ."))
    itype = ent.instrument_types([iri]).get(iri, {})
    labels().fetch(itype.values())
    return render_template(
        "instrument.html",
        measures=items,
        itype=itype,
        discovered_in=ent.iris(props, POL + "discoveredIn"),
        **_common(iri, props, types),
    )


def _itype_page(iri: str, props: dict[str, list[ent.Value]], types: list[str]) -> str:
    me = term(iri)
    rows = ent.select(
        f"""SELECT ?i ?t (COUNT(DISTINCT ?m) AS ?n) WHERE {{
  ?i pol:instrumentType ?t . ?t skos:broader* {me} .
  OPTIONAL {{ ?m pol:usesInstrument ?i }}
}} GROUP BY ?i ?t ORDER BY DESC(?n) ?i"""
    )
    narrower = ent.narrower(iri)
    labels().fetch([r["i"] for r in rows] + [r["t"] for r in rows] + narrower)
    return render_template(
        "itype.html", instruments=rows, narrower=narrower, **_common(iri, props, types)
    )


_PAGES: dict[str, Callable[[str, dict[str, list[ent.Value]], list[str]], str]] = {
    "document": _document_page,
    "section": _section_page,
    "measure": _measure_page,
    "ministry": _ministry_page,
    "region": _region_page,
    "province": _province_page,
    "industry": _industry_page,
    "instrument": _instrument_page,
    "itype": _itype_page,
    "generic": _generic_page,
}
