"""The REST API under ``/api/v1``: the canned-query catalogue and its runs (QUERIES.md §9.5).

- ``GET /api/v1/queries``: the catalogue; ``GET /api/v1/queries/<name>``: one entry with its
  SPARQL text exactly as in the file (``?format=rq`` gives the file itself).
- ``GET|POST /api/v1/queries/<name>/results``: run it. Values come from the query string (GET)
  or a JSON body ``{"params": {…}}`` (POST); they are checked and bound by
  :func:`graph.catalogue.bind_request`, so only RDF terms enter the query, in its slots.
- Formats by ``?format=`` (``json``, ``srj``, ``csv``; ``jsonld``, ``ttl``, ``nt`` for graphs)
  over ``Accept`` over JSON; 406 names the choices. Pages by ``page``/``page_size`` with RFC 8288
  ``Link`` headers; ``count=true`` adds the total. ETags come from the store's version and the
  bound query text.

The run itself (:func:`run_canned`) is shared with ``api.resources``, which serves the same
queries as JSON-LD resources.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, abort, request, url_for

from api.cache import response_cache
from api.errors import error_response
from api.services import Services, get_services
from graph.catalogue import (
    MAX_PAGE_SIZE,
    RESERVED_PARAMS,
    CannedQuery,
    Column,
    ParamError,
    bind_request,
    compact_iri,
    count_query,
    example_values,
    paginate,
)
from graph.errors import QueryTimeoutError
from graph.namespace import PREFIXES
from graph.store import CSV, JSONLD, NTRIPLES, SRJ, TURTLE

bp = Blueprint("rest", __name__, url_prefix="/api/v1")

JSON = "application/json"
SPARQL_QUERY = "application/sparql-query"
SELECT_FORMATS: dict[str, str] = {"json": JSON, "srj": SRJ, "csv": CSV}
"""``?format=`` names for SELECT results, the default first."""
GRAPH_FORMATS: dict[str, str] = {"jsonld": JSONLD, "ttl": TURTLE, "nt": NTRIPLES}
"""``?format=`` names for CONSTRUCT/DESCRIBE results, the default first."""
CACHE_CONTROL = "public, max-age=60"
MEMBER_LIST_LIMIT = 500
"""Class-typed parameters list their allowed values when the class has at most this many."""
QUERY_PAGE = "/sparql"
"""The query page: ``/sparql?query=…`` opens it (in a browser) with the query filled in."""


# -- negotiation -------------------------------------------------------------------------------


def formats_for(query: CannedQuery) -> dict[str, str]:
    """The ``?format=`` names a query's results come in, default first."""
    return SELECT_FORMATS if query.kind == "select" else GRAPH_FORMATS


def negotiate(offered: Mapping[str, str], wanted: str | None) -> str:
    """The media type to answer in: ``?format=`` (a name or a media type), else ``Accept``.

    Raises:
        werkzeug.exceptions.NotAcceptable: nothing offered fits (the message lists the choices).
    """
    choices = ", ".join(f"{k} ({v})" for k, v in offered.items())
    if wanted:
        media = offered.get(wanted.lower()) or (wanted if wanted in offered.values() else None)
        if media is None:
            abort(406, f"unknown format {wanted[:40]!r}; choose one of: {choices}")
        return media
    accept = request.accept_mimetypes
    if not accept:
        return next(iter(offered.values()))
    aliases = {JSON: JSONLD} if JSONLD in offered.values() else {}
    candidates = list(offered.values()) + list(aliases)
    best = accept.best_match(candidates)
    if best is None:
        abort(406, f"none of the media types in Accept is offered; choose one of: {choices}")
    return aliases.get(best, best)


# -- running a canned query --------------------------------------------------------------------


@dataclass
class Answer:
    """One page of a canned query's answer, with what the response needs to describe it."""

    query: CannedQuery
    bound: str
    """The bound query text (before LIMIT/OFFSET)."""
    params: dict[str, Any]
    columns: list[str] = field(default_factory=list)
    bindings: list[dict[str, dict[str, str]]] = field(default_factory=list)
    page: int = 1
    size: int | None = None
    has_next: bool = False
    total: int | None = None
    truncated: bool = False
    body: bytes = b""
    """The serialised graph, for CONSTRUCT/DESCRIBE."""
    media_type: str = ""

    def rows(self) -> list[dict[str, Any]]:
        """The rows as plain JSON values typed by the query's ``columns``."""
        cols = self.query.columns
        return [
            {c: plain_value(cols.get(c), b.get(c)) for c in self.columns} for b in self.bindings
        ]


_INTEGER_TYPES = ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                  "positiveInteger", "unsignedInt", "unsignedLong", "negativeInteger",
                  "nonPositiveInteger", "unsignedShort", "unsignedByte")


def plain_value(column: Column | None, cell: Mapping[str, str] | None) -> Any:
    """A SPARQL JSON cell as a plain JSON value: IRIs as strings, numbers as numbers."""
    if cell is None:
        return None
    kind, value = cell.get("type"), cell.get("value", "")
    if kind == "uri":
        return value
    if kind == "bnode":
        return f"_:{value}"
    declared = column.type if column else "literal"
    if declared == "iris":
        return sorted(value.split())
    datatype = cell.get("datatype", "").rsplit("#", 1)[-1]
    try:
        if declared == "integer" or (declared == "literal" and datatype in _INTEGER_TYPES):
            return int(value)
        if declared == "decimal" or (declared == "literal" and datatype in ("decimal", "double",
                                                                           "float")):
            return float(value)
    except ValueError:
        return value
    if declared == "boolean" or (declared == "literal" and datatype == "boolean"):
        return value in ("true", "1")
    return value


def query_timeout(svc: Services, query: CannedQuery) -> float:
    """The time limit of a run: the deployment's, or the query's own when lower."""
    limit = svc.settings.query_timeout
    return min(limit, query.timeout) if query.timeout else limit


def page_controls(query: CannedQuery, raw_page: Any, raw_size: Any) -> tuple[int, int | None]:
    """``page`` and ``page_size`` checked: positive integers, the size at most MAX_PAGE_SIZE.

    Raises:
        ParamError: a value is not a positive integer, or the query is not paginated.
    """
    default = query.pagination
    if default is None:
        if raw_page not in (None, "", "1", 1) or raw_size not in (None, ""):
            raise ParamError("page", f"{query.name} is not paginated; send no page or page_size")
        return 1, None

    def positive(name: str, raw: Any, fallback: int, top: int | None) -> int:
        if raw is None or raw == "":
            return fallback
        if isinstance(raw, float) and raw.is_integer():  # JSON 3.0 is the integer 3
            raw = int(raw)
        text = str(raw).strip()
        if isinstance(raw, bool) or not text.isascii() or not text.isdigit() or int(text) < 1:
            raise ParamError(name, f"{name} must be a positive integer, got {str(raw)[:40]!r}")
        if top is not None and int(text) > top:
            raise ParamError(name, f"{name} must be at most {top}")
        return int(text)

    return positive("page", raw_page, 1, 10_000_000), positive(
        "page_size", raw_size, default, MAX_PAGE_SIZE
    )


def prepare(query: CannedQuery, values: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Check and bind a request's values (no query runs; class members come from a cache).

    Raises:
        ParamError: a value does not fit its parameter.
    """
    return bind_request(query, values, prefixes=PREFIXES, members_of=get_services().members_of)


def run_canned(
    query: CannedQuery,
    values: Mapping[str, Any],
    *,
    page: int = 1,
    size: int | None = None,
    count: bool = False,
    graph_media: str = NTRIPLES,
    prepared: tuple[str, dict[str, Any]] | None = None,
) -> Answer:
    """Bind and run a canned query through :meth:`Services.run`, one page at a time.

    Args:
        query: the canned query.
        values: parameter values as sent.
        page: the page number (1-based).
        size: the page size; None runs the query whole.
        count: also count all solutions (``page.total``).
        graph_media: the media type CONSTRUCT/DESCRIBE answers are fetched in.
        prepared: the result of :func:`prepare` when the caller already bound the values.

    Raises:
        ParamError: a value does not fit its parameter (nothing ran).
        QueryTimeoutError: the time limit hit.
    """
    svc = get_services()
    bound, shown = prepared or prepare(query, values)
    answer = Answer(query, bound, shown, page=page, size=size)
    timeout = query_timeout(svc, query)
    if query.kind != "select":
        result = svc.run(bound, accept=(graph_media,), timeout=timeout)
        answer.body, answer.media_type, answer.truncated = (
            result.body, result.media_type, result.truncated
        )
        return answer
    text = paginate(bound, size, page) if size else bound
    result = svc.run(text, accept=(SRJ,), timeout=timeout)
    data = json.loads(result.body)
    answer.columns = list(query.columns) or list(data.get("head", {}).get("vars", []))
    bindings = data.get("results", {}).get("bindings", []) if "results" in data else []
    if size:
        answer.has_next = len(bindings) > size
        bindings = bindings[:size]
    answer.bindings = bindings
    answer.truncated = result.truncated
    if count:
        counted = svc.run(count_query(bound), accept=(SRJ,), timeout=timeout)
        total = json.loads(counted.body)["results"]["bindings"]
        answer.total = int(total[0]["total"]["value"]) if total else 0
    return answer


# -- request reading ---------------------------------------------------------------------------


def _flag(name: str, raw: Any) -> bool:
    if raw is None or raw == "":
        return False
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ParamError(name, f"{name} must be true or false")


def read_request() -> tuple[dict[str, Any], dict[str, Any]]:
    """The parameter values and the controls (page, page_size, format, count) of a request.

    GET takes both from the query string. POST takes a JSON object ``{"params": {…}, "page":
    …}`` (controls may also come in the query string).

    Raises:
        werkzeug.exceptions.HTTPException: 400 for a body that is not a JSON object, 415 for
            a body that is not JSON.
    """
    controls: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for key, items in request.args.lists():
        if key in RESERVED_PARAMS:
            if len(items) > 1:
                raise ParamError(key, f"send {key} once")
            controls[key] = items[0]
        elif request.method != "POST":
            values[key] = items if len(items) > 1 else items[0]
        else:
            raise ParamError(key, f"with POST, send parameter {key!r} in the JSON body's params")
    if request.method == "POST":
        if not request.is_json:
            abort(415, 'send a JSON body {"params": {...}} with Content-Type: application/json')
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            abort(400, 'the body must be a JSON object such as {"params": {"region": "..."}}')
        unknown = sorted(set(body) - {"params", *RESERVED_PARAMS})
        if unknown:
            abort(400, f"unknown key(s) {unknown} in the body; use params, "
                       f"{', '.join(RESERVED_PARAMS)}")
        params = body.get("params", {})
        if not isinstance(params, dict):
            abort(400, 'params must be a JSON object of name → value (or list of values)')
        values = dict(params)
        for key in RESERVED_PARAMS:
            if key in body:
                controls[key] = body[key]
    return values, controls


def _query_or_404(name: str) -> CannedQuery:
    catalogue = get_services().catalogue
    query = catalogue.get(name)
    if query is None:
        abort(404, f"unknown query {name[:80]!r}; known: {', '.join(sorted(catalogue))}")
    return query


# -- responses ---------------------------------------------------------------------------------


def etag_for(*parts: str) -> str:
    """A strong ETag over the store's version and whatever identifies the representation."""
    digest = hashlib.sha256("\x1f".join((get_services().store.version(), *parts)).encode())
    return digest.hexdigest()[:40]


def not_modified(etag: str) -> Response | None:
    """A 304 when the client already holds this representation."""
    if request.if_none_match and request.if_none_match.contains(etag):
        response = Response(status=304)
        response.set_etag(etag)
        response.headers["Cache-Control"] = CACHE_CONTROL
        return response
    return None


def finish(response: Response, etag: str) -> Response:
    """Add the caching headers every successful answer carries."""
    response.set_etag(etag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.vary.add("Accept")
    return response


def page_url(endpoint: str, params: Mapping[str, Any], page: int, **extra: Any) -> str:
    """The GET URL of one page (parameters as bound, so the link is unambiguous)."""
    args: list[tuple[str, Any]] = []
    for key, value in params.items():
        for item in value if isinstance(value, list) else [value]:
            args.append((key, "true" if item is True else "false" if item is False else item))
    for key, value in extra.items():
        if value is not None:
            args.append((key, value))
    args.append(("page", page))
    return f"{url_for(endpoint, **request.view_args)}?{urlencode(args)}"


def page_links(answer: Answer, endpoint: str, **extra: Any) -> dict[str, str]:
    """``first``, ``prev`` and ``next`` URLs of a paginated answer (only those that exist)."""
    if not answer.size:
        return {}
    if answer.size != answer.query.pagination:
        extra = {"page_size": answer.size, **extra}
    links = {"first": page_url(endpoint, answer.params, 1, **extra)}
    if answer.page > 1:
        links["prev"] = page_url(endpoint, answer.params, answer.page - 1, **extra)
    if answer.has_next:
        links["next"] = page_url(endpoint, answer.params, answer.page + 1, **extra)
    return links


def link_header(links: Mapping[str, str]) -> str:
    """RFC 8288 ``Link`` header value."""
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())


def without_header(sparql: str) -> str:
    """The query without its leading ``#+`` header lines (for the query page)."""
    lines = sparql.splitlines(keepends=True)
    start = 0
    while start < len(lines) and lines[start].startswith("#+"):
        start += 1
    return "".join(lines[start:])


def try_link(sparql: str) -> str:
    """The query page with this query (its header left out) filled in."""
    return f"{QUERY_PAGE}?{urlencode({'query': without_header(sparql)})}"


def json_response(data: Any, status: int = 200) -> Response:
    """JSON in the order the data was built (Flask's ``jsonify`` would sort the keys)."""
    return Response(json.dumps(data, ensure_ascii=False), status=status,
                    content_type="application/json; charset=utf-8")


def csv_body(columns: list[str], bindings: list[dict[str, dict[str, str]]]) -> bytes:
    """W3C SPARQL 1.1 Query Results CSV: a header of variable names, lexical values, CRLF."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in bindings:
        cells = []
        for col in columns:
            cell = row.get(col)
            if cell is None:
                cells.append("")
            elif cell.get("type") == "bnode":
                cells.append(f"_:{cell['value']}")
            else:
                cells.append(cell.get("value", ""))
        writer.writerow(cells)
    return out.getvalue().encode("utf-8")


def srj_body(columns: list[str], bindings: list[dict[str, dict[str, str]]]) -> bytes:
    """W3C SPARQL 1.1 Query Results JSON of the page's rows."""
    data = {"head": {"vars": columns}, "results": {"bindings": bindings}}
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


# -- views -------------------------------------------------------------------------------------


def _param_entry(query: CannedQuery, name: str, *, with_choices: bool) -> dict[str, Any]:
    spec = query.params[name]
    entry: dict[str, Any] = {
        "type": spec.type,
        "required": spec.required,
        "multiple": spec.multiple,
        "description": dict(spec.description) if isinstance(spec.description, dict)
        else spec.description,
    }
    for key, value in (("class", spec.cls), ("pattern", spec.pattern), ("lang", spec.lang),
                       ("min", spec.min), ("max", spec.max), ("default", spec.default),
                       ("example", spec.example)):
        if value is not None:
            entry[key] = value
    if spec.type == "string":
        entry["max_length"] = spec.max_length
    if spec.enum:
        entry["enum"] = list(spec.enum)
    if spec.type == "iri" and spec.cls:
        members = get_services().members_of(spec.cls)
        if len(members) <= MEMBER_LIST_LIMIT:
            entry["enum"] = sorted(members)
            if with_choices:
                entry["choices"] = [
                    {"iri": iri, "curie": compact_iri(iri, PREFIXES), "labels": labels}
                    for iri, labels in sorted(members.items())
                ]
    return entry


def catalogue_entry(query: CannedQuery, *, full: bool = False) -> dict[str, Any]:
    """One query as the catalogue describes it."""
    svc = get_services()
    header = query.header
    self_url = url_for("rest.query_entry", name=query.name)
    results_url = url_for("rest.query_results", name=query.name)
    links = {"self": self_url, "results": results_url, "page": f"/queries/{query.name}"}
    example = example_values(query)
    try:
        example_text, shown = bind_request(
            query, example, prefixes=PREFIXES, members_of=svc.members_of
        )
        args = [(k, v) for k, vs in shown.items() for v in (vs if isinstance(vs, list) else [vs])]
        links["example"] = results_url + (f"?{urlencode(args)}" if args else "")
        links["try"] = try_link(example_text)
    except ParamError:  # an example whose values the graph lacks: no link rather than an error
        pass
    entry: dict[str, Any] = {
        "name": query.name,
        "kind": query.kind,
        "summary": header.get("summary"),
        "question": header.get("question"),
        "description": header.get("description"),
        "tags": query.tags,
        "params": {n: _param_entry(query, n, with_choices=full) for n in query.params},
        "columns": {n: {k: v for k, v in (("type", c.type), ("lang", c.lang)) if v}
                    for n, c in query.columns.items()},
        "pagination": query.pagination,
        "formats": list(formats_for(query)),
        "examples": query.examples,
        "links": links,
    }
    for key in ("since", "deprecated", "replaced_by"):
        if key in header:
            entry[key] = header[key]
    if full:
        entry["sparql"] = query.text
    return entry


@bp.errorhandler(QueryTimeoutError)
def _timeout(exc: QueryTimeoutError) -> Response:
    """A canned query that ran out of time: 504, and the server goes on serving."""
    response = error_response(504, "Query timeout", str(exc))
    response.headers["Retry-After"] = "60"
    return response


@bp.get("/queries")
def list_queries() -> Response:
    """The catalogue: every canned query with its parameters, columns, examples and links."""
    svc = get_services()
    etag = etag_for("catalogue", *sorted(svc.catalogue))
    cached = not_modified(etag)
    if cached:
        return cached
    entries = [catalogue_entry(q) for q in svc.catalogue.values()]
    return finish(json_response({"count": len(entries), "queries": entries}), etag)


@bp.get("/queries/<name>")
def query_entry(name: str) -> Response:
    """One catalogue entry with its SPARQL text; ``?format=rq`` (or Accept
    application/sparql-query) gives the file itself."""
    query = _query_or_404(name)
    wanted = request.args.get("format")
    media = negotiate({"json": JSON, "rq": SPARQL_QUERY}, wanted)
    etag = etag_for("entry", name, query.text, media)
    cached = not_modified(etag)
    if cached:
        return cached
    if media == SPARQL_QUERY:
        response = Response(query.text, content_type=f"{SPARQL_QUERY}; charset=utf-8")
        response.headers["Content-Disposition"] = f'inline; filename="{quote(name)}.rq"'
        return finish(response, etag)
    return finish(json_response(catalogue_entry(query, full=True)), etag)


@bp.route("/queries/<name>/results", methods=["GET", "POST"])
def query_results(name: str) -> Response:
    """Run a canned query with the request's parameters, one page at a time."""
    query = _query_or_404(name)
    values, controls = read_request()
    media = negotiate(formats_for(query), controls.get("format"))
    page, size = page_controls(query, controls.get("page"), controls.get("page_size"))
    count = _flag("count", controls.get("count"))
    if count and not size:
        raise ParamError("count", f"{query.name} is not paginated; count does not apply")
    graph_media = media if query.kind != "select" and media != JSONLD else NTRIPLES
    prepared = prepare(query, values)
    etag = etag_for("results", name, prepared[0], media, str(page), str(size), str(count))
    cached = not_modified(etag)
    if cached:
        return cached
    version = get_services().store.version()
    kept = response_cache().get(version, etag)  # the ETag names the answer: a hit needs no query
    if kept is not None:
        return kept
    response = _results_response(query, values, media, page, size, count, graph_media,
                                 prepared, etag)
    response_cache().put(version, etag, response)
    return response


def _results_response(
    query: CannedQuery,
    values: Mapping[str, Any],
    media: str,
    page: int,
    size: int | None,
    count: bool,
    graph_media: str,
    prepared: tuple[str, dict[str, Any]],
    etag: str,
) -> Response:
    """Run the query and build the answer of :func:`query_results` (on a cache miss)."""
    name = query.name
    answer = run_canned(query, values, page=page, size=size, count=count,
                        graph_media=graph_media, prepared=prepared)
    if query.kind != "select":
        return finish(_graph_response(query, answer, media), etag)
    links = page_links(answer, "rest.query_results",
                       count="true" if count else None)
    if media == CSV:
        response = Response(csv_body(answer.columns, answer.bindings),
                            content_type="text/csv; charset=utf-8")
    elif media == SRJ:
        response = Response(srj_body(answer.columns, answer.bindings),
                            content_type=f"{SRJ}; charset=utf-8")
    else:
        page_info: dict[str, Any] = {}
        if size:
            page_info = {"number": page, "size": size, **{k: v for k, v in links.items()}}
            if answer.total is not None:
                page_info["total"] = answer.total
        body: dict[str, Any] = {
            "query": name,
            "params": answer.params,
            "columns": answer.columns,
            "results": answer.rows(),
        }
        if page_info:
            body["page"] = page_info
        body["links"] = {"query": url_for("rest.query_entry", name=name),
                         "try": try_link(answer.bound)}
        response = json_response(body)
    if links:
        response.headers["Link"] = link_header(links)
    if answer.total is not None:
        response.headers["X-Total-Count"] = str(answer.total)
    if answer.truncated:
        response.headers["X-Result-Truncated"] = str(get_services().settings.max_rows)
    return finish(response, etag)


def _graph_response(query: CannedQuery, answer: Answer, media: str) -> Response:
    if media != JSONLD:
        return Response(answer.body, content_type=f"{answer.media_type}; charset=utf-8")
    from api.jsonld import graph_document

    root = None
    required_iris = [s for s in query.params.values() if s.type == "iri" and s.required]
    if len(required_iris) == 1 and not required_iris[0].multiple:
        root = answer.params.get(required_iris[0].name)
    document = graph_document(answer.body, root=root)
    return Response(json.dumps(document, ensure_ascii=False),
                    content_type=f"{JSONLD}; charset=utf-8")
