"""Resources for systems that do not speak SPARQL: documents, measures, departments, region
types, provinces, industries and instruments as JSON that is also JSON-LD.

Each collection is a canned query of the catalogue (``queries/<name>.rq``) shown as a JSON-LD
collection: ``{"@context": …/context/v1.jsonld, "type": "Collection", "member": […]}``, with the
query's parameters as filters (``/measures?region=边境地区&ministry=GACC``), its pages and
``Link`` headers. So a filter behaves exactly as the documented canned query does, and the
collection's rows are what ``/api/v1/queries/<name>/results`` returns.

A member's ``id`` is its IRI; its ``key`` (the last part of the IRI, ``<doc>.<n>`` for a measure)
names it under the collection: ``/api/v1/ministries/GACC``, ``/api/v1/measures/<doc>.7``. A
measure is the framed JSON-LD of ``measure_graph`` (its sentence, offsets, section, document,
attributions with their evidence, mentions), so every answer leads back to the words of the
document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, abort, request, url_for

from api import jsonld
from api.rest import (
    Answer,
    etag_for,
    finish,
    link_header,
    not_modified,
    page_controls,
    page_links,
    prepare,
    read_request,
    run_canned,
)
from api.services import get_services
from graph.catalogue import CannedQuery, ParamError
from graph.namespace import PREFIXES
from graph.store import JSONLD

bp = Blueprint("resources", __name__, url_prefix="/api/v1")

JSON = "application/json"
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,200}$")
Row = Mapping[str, Any]


def _iris(value: Any) -> list[str]:
    return list(value) if isinstance(value, list) else [value] if value else []


def _labels(row: Row) -> dict[str, str]:
    return {lang: row[key] for lang, key in (("zh", "label"), ("en", "labelEn")) if row.get(key)}


def _clean(node: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in node.items() if v is not None and v != [] and v != {}}


@dataclass(frozen=True)
class Collection:
    """A resource collection backed by one canned query."""

    path: str
    """URL segment under ``/api/v1`` (``measures``)."""
    query: str
    """The catalogue query that lists the members."""
    type: str
    """The members' class, as a context term (``Measure``)."""
    key_param: str | None
    """The query parameter that selects one member (for ``/<path>/<key>``), if any."""
    member: Callable[[Row], dict[str, Any]]
    """Row of the query (JSON values) → the member's JSON-LD node."""
    summary: Mapping[str, str] = field(default_factory=dict)
    namespace: str | None = None
    """Namespace of the members' IRIs (a member's key is the rest of its IRI)."""

    def key_of(self, iri: str) -> str:
        """The short key of a member IRI."""
        if self.path == "measures":
            base = _doc_base()
            if not iri.startswith(base):
                return iri
            doc, _, n = iri[len(base):].partition("/measure/")
            return f"{doc}.{n}" if doc and n else iri
        if self.path == "documents":
            base = _doc_base()
            return iri[len(base):] if iri.startswith(base) else iri
        if self.namespace and iri.startswith(self.namespace):
            return iri[len(self.namespace):]
        return iri

    def iri_of(self, key: str) -> str:
        """The IRI a key names.

        Raises:
            werkzeug.exceptions.NotFound: the key is not of the members' form.
        """
        if not _KEY.match(key):
            abort(404, f"no {self.path[:-1]} {key[:60]!r}: keys are letters, digits and . _ ~ -")
        if self.path == "measures":
            doc, dot, n = key.rpartition(".")
            if not dot or not doc or not n.isdigit():
                abort(404, f"no measure {key!r}: a measure key is <document key>.<number>")
            return f"{_doc_base()}{doc}/measure/{int(n)}"
        if self.path == "documents":
            return f"{_doc_base()}{key}"
        return f"{self.namespace}{key}"

    def url_of(self, iri: str) -> str:
        """This API's URL of a member."""
        return url_for("resources.member", path=self.path, key=self.key_of(iri))


def _doc_base() -> str:
    return f"{get_services().settings.base}doc/"


def _document(row: Row) -> dict[str, Any]:
    return {
        "documentNumber": row.get("number"),
        "title": row.get("title"),
        "issued": row.get("issued"),
        "leadIssuer": row.get("leadIssuer"),
        "sectionCount": row.get("sections"),
        "measureCount": row.get("measures"),
        "targetCount": row.get("targets"),
    }


def _measure(row: Row) -> dict[str, Any]:
    return {
        "text": row.get("text"),
        "inDocument": row.get("document"),
        "inSection": row.get("section"),
        "ordinal": row.get("ordinal"),
        "beginOffset": row.get("begin"),
        "endOffset": row.get("end"),
        "targetsRegion": _iris(row.get("regions")),
        "concernsIndustry": _iris(row.get("industries")),
        "usesInstrument": _iris(row.get("instruments")),
        "ownedBy": _iris(row.get("ministries")),
    }


def _ministry(row: Row) -> dict[str, Any]:
    return {"prefLabel": _labels(row), "measureCount": row.get("measures"),
            "documentCount": row.get("documents")}


def _region_type(row: Row) -> dict[str, Any]:
    return {"prefLabel": _labels(row), "kind": row.get("kind"),
            "broader": _iris(row.get("broader")), "measureCount": row.get("measures"),
            "provinceCount": row.get("provinces")}


def _province(row: Row) -> dict[str, Any]:
    return {"prefLabel": _labels(row), "notation": row.get("notation"),
            "inRegion": _iris(row.get("regions"))}


def _industry(row: Row) -> dict[str, Any]:
    return {"prefLabel": _labels(row), "broader": _iris(row.get("broader")),
            "measureCount": row.get("measures"), "discovered": row.get("discovered")}


def _instrument(row: Row) -> dict[str, Any]:
    return {"prefLabel": _labels(row), "instrumentType": row.get("type"),
            "dimension": row.get("dimension"), "measureCount": row.get("measures"),
            "discovered": row.get("discovered")}


COLLECTIONS: dict[str, Collection] = {
    c.path: c
    for c in (
        Collection("documents", "documents", "PolicyDocument", "document", _document,
                   {"zh": "政策文件", "en": "Policy documents"}),
        Collection("measures", "measures", "Measure", None, _measure,
                   {"zh": "政策措施（可按区域、产业、工具、部门、章节、关键词筛选）",
                    "en": "Measures (filter by region, industry, instrument, department, "
                          "section, keyword)"}),
        Collection("ministries", "ministries", "Ministry", "ministry", _ministry,
                   {"zh": "部门", "en": "Departments"}, PREFIXES["ministry"]),
        Collection("region-types", "region_types", "RegionType", "region", _region_type,
                   {"zh": "区域类型", "en": "Region types"}, PREFIXES["region"]),
        Collection("provinces", "provinces", "Province", "province", _province,
                   {"zh": "省级行政区", "en": "Provinces"}, PREFIXES["province"]),
        Collection("industries", "industries", "IndustryClass", "industry", _industry,
                   {"zh": "产业类别", "en": "Industry classes"}, PREFIXES["industry"]),
        Collection("instruments", "instruments", "PolicyInstrument", "instrument", _instrument,
                   {"zh": "政策工具", "en": "Policy instruments"}, PREFIXES["instrument"]),
    )
}
"""The collections, by URL segment."""
MEMBER_COLUMN = {
    "documents": "document", "measures": "measure", "ministries": "ministry",
    "region-types": "region", "provinces": "province", "industries": "class",
    "instruments": "instrument",
}
"""The column of each collection's query that holds the member's IRI."""


def _collection_or_404(path: str) -> Collection:
    collection = COLLECTIONS.get(path)
    if collection is None:
        abort(404, f"no resource {path[:40]!r}; resources: {', '.join(COLLECTIONS)}")
    return collection


def _canned(name: str) -> CannedQuery:
    query = get_services().catalogue.get(name)
    if query is None:  # a deployment that removed the file: say so rather than fail
        abort(404, f"this deployment has no canned query {name!r} behind the resource")
    return query


def _respond(document: dict[str, Any], etag: str, links: Mapping[str, str] | None = None
             ) -> Response:
    wanted = request.args.get("format")
    if wanted not in (None, "", "json", "jsonld"):
        abort(406, f"unknown format {wanted[:40]!r}; resources come as json or jsonld "
                   "(the same JSON-LD document)")
    media = JSONLD if wanted == "jsonld" else JSON
    if not wanted and request.accept_mimetypes:
        best = request.accept_mimetypes.best_match([JSON, JSONLD])
        if best is None:
            abort(406, f"resources are offered as {JSON} and {JSONLD} (the same document)")
        media = best
    response = Response(json.dumps(document, ensure_ascii=False),
                        content_type=f"{media}; charset=utf-8")
    if links:
        response.headers["Link"] = link_header(links)
    return finish(response, etag)


def _node(collection: Collection, row: Row) -> dict[str, Any]:
    iri = row[MEMBER_COLUMN[collection.path]]
    return _clean({
        "id": iri,
        "type": collection.type,
        "key": collection.key_of(iri),
        "url": collection.url_of(iri),
        **collection.member(row),
    })


@bp.get("/<any(documents, measures, ministries, 'region-types', provinces, industries, "
        "instruments):path>")
def collection_view(path: str) -> Response:
    """A collection, filtered by the backing query's parameters, one page at a time."""
    collection = _collection_or_404(path)
    query = _canned(collection.query)
    values, controls = read_request()
    page, size = page_controls(query, controls.get("page"), controls.get("page_size"))
    count = str(controls.get("count", "")).lower() in ("true", "1")
    prepared = prepare(query, values)
    etag = etag_for("resource", path, prepared[0], str(page), str(size), str(count),
                    request.host_url)
    cached = not_modified(etag)
    if cached:
        return cached
    answer = run_canned(query, values, page=page, size=size, count=count, prepared=prepared)
    links = page_links(answer, "resources.collection_view", count="true" if count else None)
    document: dict[str, Any] = {
        "@context": jsonld.context_url(),
        "id": request.url,
        "type": "Collection",
        "query": url_for("rest.query_entry", name=query.name),
        "params": answer.params,
        "member": [_node(collection, row) for row in answer.rows()],
    }
    if size:
        document["page"] = {"number": page, "size": size, **links}
        if answer.total is not None:
            document["page"]["total"] = answer.total
    return _respond(jsonld.compact_resource(document), etag, links)


@bp.get("/<any(documents, measures, ministries, 'region-types', provinces, industries, "
        "instruments):path>/<key>")
def member(path: str, key: str) -> Response:
    """One member: a measure as framed JSON-LD of its graph, others as their collection row
    with links to what concerns them."""
    collection = _collection_or_404(path)
    iri = collection.iri_of(key)
    if path == "measures":
        return _measure_member(collection, iri)
    query = _canned(collection.query)
    assert collection.key_param is not None
    try:
        prepared = prepare(query, {collection.key_param: iri})
    except ParamError:
        listing = url_for("resources.collection_view", path=path)
        abort(404, f"no {path[:-1]} {key!r}; the list is at {listing}")
    etag = etag_for("member", path, prepared[0], request.host_url)
    cached = not_modified(etag)
    if cached:
        return cached
    answer = run_canned(query, {collection.key_param: iri}, page=1,
                        size=query.pagination, prepared=prepared)
    rows = [r for r in answer.rows() if r.get(MEMBER_COLUMN[path]) == iri]
    if not rows:
        abort(404, f"no {path[:-1]} {key!r}")
    node = _node(collection, rows[0])
    node["links"] = _member_links(path, iri)
    if path == "documents":
        node.update(_document_parts(iri))
    return _respond(jsonld.compact_resource(node), etag)


def _member_links(path: str, iri: str) -> dict[str, str]:
    def results(name: str, **params: str) -> str:
        return url_for("rest.query_results", name=name, **params)

    measures = url_for("resources.collection_view", path="measures")
    if path == "documents":
        return {"measures": f"{measures}?document={_q(iri)}",
                "instrumentMix": results("instrument_mix", document=iri),
                "targets": results("document_targets", document=iri)}
    if path == "ministries":
        return {"measures": f"{measures}?ministry={_q(iri)}",
                "reasons": results("measures_owned_by", ministry=iri),
                "instruments": results("instruments_by_ministry", ministry=iri),
                "partners": results("ministry_collaboration", ministry=iri)}
    if path == "region-types":
        return {"measures": f"{measures}?region={_q(iri)}",
                "departments": results("departments_for_region_type", region=iri),
                "provinces": url_for("resources.collection_view", path="provinces", region=iri)}
    if path == "provinces":
        return {"measures": results("measures_for_province", province=iri)}
    if path == "industries":
        return {"measures": f"{measures}?industry={_q(iri)}",
                "narrower": url_for("resources.collection_view", path="industries", industry=iri)}
    if path == "instruments":
        return {"measures": f"{measures}?instrument={_q(iri)}"}
    return {}


def _q(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def _document_parts(iri: str) -> dict[str, Any]:
    """The sections and targets of a document, as nested nodes."""
    out: dict[str, Any] = {}
    catalogue = get_services().catalogue
    if "sections" in catalogue:
        answer = run_canned(catalogue["sections"], {"document": iri}, page=1, size=1000)
        out["hasSection"] = [_clean({
            "id": r["section"], "type": "Section", "ordinal": r.get("ordinal"),
            "sectionNumber": r.get("number"), "title": r.get("title"),
            "beginOffset": r.get("begin"), "endOffset": r.get("end"),
            "measureCount": r.get("measures")}) for r in answer.rows()]
    if "document_issuers" in catalogue:
        answer = run_canned(catalogue["document_issuers"], {"document": iri}, page=1, size=1000)
        out["issuedBy"] = [r["ministry"] for r in answer.rows()]  # in the document's order
    if "document_targets" in catalogue:
        answer = run_canned(catalogue["document_targets"], {"document": iri}, page=1, size=1000)
        out["hasTarget"] = [_clean({
            "id": r["target"], "type": "Target", "targetYear": r.get("year"), "text": r.get("text"),
            "beginOffset": r.get("begin"), "endOffset": r.get("end")}) for r in answer.rows()]
    return out


def _measure_member(collection: Collection, iri: str) -> Response:
    query = _canned("measure_graph")
    try:
        prepared = prepare(query, {"measure": iri})
    except ParamError:
        abort(404, f"no measure {collection.key_of(iri)!r} (<{iri}>)")
    etag = etag_for("measure", prepared[0], request.host_url)
    cached = not_modified(etag)
    if cached:
        return cached
    answer: Answer = run_canned(query, {"measure": iri}, prepared=prepared)
    document = jsonld.graph_document(answer.body, root=iri)
    document["key"] = collection.key_of(iri)
    document["links"] = {
        "self": collection.url_of(iri),
        "provenance": url_for("rest.query_results", name="measure_provenance", measure=iri),
        "mentions": url_for("rest.query_results", name="measure_mentions", measure=iri),
        "turtle": url_for("rest.query_results", name="measure_graph", measure=iri, format="ttl"),
    }
    return _respond(document, etag)
