"""The SPARQL 1.1 Protocol as data and small functions: media types, negotiation, datasets.

What a request asks for is read here (:func:`read_operation`), and which result format it
gets is decided here (:func:`negotiate`): the ``format`` / ``output`` / ``results``
parameters that SPARQLWrapper, Virtuoso and Fuseki clients send win when they fit the kind of
result (they never cause an error), then ``Accept`` with its q-values, then SPARQL JSON or
Turtle. Nothing here runs a query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import pyoxigraph as ox
from flask import Request, abort
from werkzeug.datastructures import MIMEAccept, MultiDict
from werkzeug.http import parse_accept_header

from graph.errors import NotAcceptableError
from graph.sparql_text import operation_form
from graph.store import (
    CSV,
    JSONLD,
    NQUADS,
    NTRIPLES,
    RDFXML,
    RESULT_MEDIA_TYPES,
    SRJ,
    SRX,
    TRIG,
    TSV,
    TURTLE,
    DatasetSpec,
    ResultKind,
)

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPE = "application/x-www-form-urlencoded"
HTML = "text/html"

OFFERED: tuple[str, ...] = (SRJ, SRX, CSV, TSV, TURTLE, NTRIPLES, JSONLD, RDFXML, NQUADS, TRIG)
"""Every concrete result media type, in the server's order of preference."""

DESCRIPTION_TYPES: tuple[str, ...] = (TURTLE, RDFXML, JSONLD, NTRIPLES)
"""Media types of the service description, the default first."""

ALIASES: dict[str, tuple[str, ...]] = {
    "application/json": (SRJ, JSONLD),
    "text/javascript": (SRJ,),
    "application/javascript": (SRJ,),
    "application/xml": (SRX, RDFXML),
    "text/xml": (SRX, RDFXML),
    "application/turtle": (TURTLE,),
    "application/x-turtle": (TURTLE,),
    "text/n3": (TURTLE,),
    "text/rdf+n3": (TURTLE,),
    "application/n3": (TURTLE,),
    "text/plain": (NTRIPLES,),
    "application/x-json+ld": (JSONLD,),
    "application/json-ld": (JSONLD,),
    "application/x-trig": (TRIG,),
    "text/x-nquads": (NQUADS,),
}
"""Media types clients send that stand for ones we offer (SPARQLWrapper's lists included)."""

FORMAT_PARAMS = ("format", "output", "results")
"""Parameters that name a result format (Virtuoso: format, Fuseki/Joseki: output)."""

FORMAT_NAMES: dict[str, tuple[str, ...]] = {
    "json": (SRJ, JSONLD),
    "srj": (SRJ,),
    "xml": (SRX, RDFXML),
    "srx": (SRX,),
    "csv": (CSV,),
    "tsv": (TSV,),
    "turtle": (TURTLE,),
    "ttl": (TURTLE,),
    "n3": (TURTLE,),
    "nt": (NTRIPLES,),
    "ntriples": (NTRIPLES,),
    "n-triples": (NTRIPLES,),
    "json-ld": (JSONLD,),
    "jsonld": (JSONLD,),
    "rdf": (RDFXML,),
    "rdf+xml": (RDFXML,),
    "rdfxml": (RDFXML,),
    "rdf/xml": (RDFXML,),
    "nq": (NQUADS,),
    "nquads": (NQUADS,),
    "trig": (TRIG,),
}

KIND_OF_FORM: dict[str, ResultKind] = {
    "SELECT": "solutions",
    "ASK": "boolean",
    "CONSTRUCT": "graph",
    "DESCRIBE": "graph",
}
UPDATE_WORDS = (
    "INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH",
)


@dataclass(frozen=True, slots=True)
class Operation:
    """What one request to the endpoint asks for."""

    kind: Literal["query", "update", "none"]
    text: str = ""
    params: MultiDict[str, str] = field(default_factory=MultiDict)
    """Every protocol parameter of the request (URL and form body together)."""


# -- negotiation -------------------------------------------------------------------------


def _entries(header: str | None) -> tuple[tuple[str, float, int], ...]:
    """(media type without parameters, quality, position) of each Accept entry."""
    if not header:
        return ()
    return _parsed_entries(header)


@lru_cache(maxsize=256)
def _parsed_entries(header: str) -> tuple[tuple[str, float, int], ...]:
    """:func:`_entries` of one header text, kept: clients send a handful of Accept values, and
    each request would otherwise parse its header three times."""
    parsed = parse_accept_header(header, MIMEAccept)
    out = []
    for position, (value, quality) in enumerate(parsed):
        base = value.split(";", 1)[0].strip().lower()
        if "/" in base:
            out.append((base, float(quality), position))
    return tuple(out)


def _specificity(entry: str, media: str) -> int:
    if entry == media or media in ALIASES.get(entry, ()):
        return 3
    if entry.endswith("/*") and entry != "*/*" and media.startswith(entry[:-1]):
        return 2
    if entry == "*/*":
        return 1
    return 0


def rank(header: str | None, offered: Sequence[str] = OFFERED) -> list[tuple[str, float]]:
    """The offered media types a client accepts, best first, with their quality.

    Each type takes the quality of the most specific Accept entry that covers it (an exact
    type or one of :data:`ALIASES`, then ``type/*``, then ``*/*``); types at quality 0 are
    refused. Ties go to the type named explicitly, then to the client's order, then ours.
    """
    return list(_rank(header, tuple(offered)))


@lru_cache(maxsize=256)
def _rank(header: str | None, offered: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
    entries = _entries(header)
    scored = []
    for order, media in enumerate(offered):
        best: tuple[int, float, int] | None = None
        for entry, quality, position in entries:
            spec = _specificity(entry, media)
            if spec and (best is None or (spec, quality) > (best[0], best[1])):
                best = (spec, quality, position)
        if best is not None and best[1] > 0:
            scored.append((-best[1], -best[0], best[2], order, media, best[1]))
    scored.sort()
    return tuple((media, quality) for *_, media, quality in scored)


def html_quality(header: str | None) -> float:
    """How much a client wants HTML, counting only entries that name it (not ``*/*``)."""
    best = 0.0
    for entry, quality, _ in _entries(header):
        if entry in (HTML, "application/xhtml+xml"):
            best = max(best, quality)
    return best


def format_types(params: MultiDict[str, str]) -> list[str]:
    """Media types named by ``format`` / ``output`` / ``results`` (unknown values ignored)."""
    types: list[str] = []
    for name in FORMAT_PARAMS:
        for raw in params.getlist(name):
            value = raw.strip().lower().split(";", 1)[0].strip()
            named = FORMAT_NAMES.get(value) or ALIASES.get(value) or (
                (value,) if value in OFFERED else ()
            )
            types.extend(t for t in named if t not in types)
    return types


def kind_of(query: str) -> ResultKind | None:
    """The kind of result a query gives, from its form; None when the text does not say."""
    form = operation_form(query)
    return KIND_OF_FORM.get(form or "")


def negotiate(
    header: str | None, params: MultiDict[str, str], kind: ResultKind | None
) -> tuple[str, ...]:
    """The media types to try, best first, for a result of ``kind`` (unknown: any kind).

    An empty answer means "the kind's default". A format parameter that fits the kind wins
    over ``Accept``; one that does not fit is ignored, never an error.

    Raises:
        NotAcceptableError: the client's Accept header excludes every format of ``kind``.
    """
    offered = RESULT_MEDIA_TYPES[kind] if kind else OFFERED
    named = [t for t in format_types(params) if t in offered]
    if named:
        return tuple(named)
    if not _entries(header):
        return ()
    ranked = [media for media, _ in rank(header) if media in offered]
    if not ranked:
        if kind is None:
            raise NotAcceptableError("query", list(OFFERED))
        raise NotAcceptableError(kind, list(offered))
    return tuple(ranked)


def wants_page(header: str | None, kind: ResultKind | None) -> bool:
    """Whether a GET asks for the HTML query page rather than results (a browser's Accept)."""
    html = html_quality(header)
    if html <= 0:
        return False
    offered = RESULT_MEDIA_TYPES[kind] if kind else OFFERED
    best = max((q for media, q in rank(header) if media in offered), default=0.0)
    return html > best


# -- reading the request -----------------------------------------------------------------


def _utf8_body(request: Request) -> str:
    charset = request.mimetype_params.get("charset", "utf-8").strip().lower()
    if charset not in ("utf-8", "utf8"):
        abort(415, f"send the request body in UTF-8, not {charset!r}")
    data = request.get_data(cache=True)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        abort(400, f"the request body is not valid UTF-8 (byte {exc.start}); send UTF-8")
    return text.removeprefix("\ufeff")


def _one(params: MultiDict[str, str], name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        abort(400, f"send exactly one '{name}' parameter, not {len(values)}")
    return values[0] if values else None


def read_operation(request: Request) -> Operation:
    """Read the operation of a protocol request (query by GET, form POST or direct POST).

    Raises:
        werkzeug.exceptions.HTTPException: 400 for an ambiguous or malformed request (two
            queries, a query and an update, an update by GET, a body that is not UTF-8); 415
            for a POST body of another media type or charset.
    """
    if request.method == "GET" or request.method == "HEAD":
        params = MultiDict(request.args)
        if "update" in params:
            abort(400, "send updates with POST (form field 'update' or application/sparql-update)")
        query = _one(params, "query")
        return _operation("query", query, params) if query is not None else Operation("none")
    mimetype = request.mimetype
    if mimetype == FORM_TYPE:
        charset = request.mimetype_params.get("charset", "utf-8").strip().lower()
        if charset not in ("utf-8", "utf8"):
            abort(415, f"send the form in UTF-8, not {charset!r}")
        params = MultiDict(request.args)
        for key, value in request.form.items(multi=True):
            params.add(key, value)
        query, update = _one(params, "query"), _one(params, "update")
        if query is not None and update is not None:
            abort(400, "send either 'query' or 'update', not both")
        if update is not None:
            return _operation("update", update, params)
        if query is not None:
            return _operation("query", query, params)
        abort(400, "send a SPARQL query in the form field 'query' (or an update in 'update')")
    if mimetype in (QUERY_TYPE, UPDATE_TYPE):
        params = MultiDict(request.args)
        if "query" in params or "update" in params:
            abort(400, f"with {mimetype} the body is the request; drop the URL's query/update")
        kind: Literal["query", "update"] = "query" if mimetype == QUERY_TYPE else "update"
        return _operation(kind, _utf8_body(request), params)
    shown = mimetype or "none"
    abort(
        415,
        f"unsupported Content-Type {shown!r}: send {QUERY_TYPE}, {UPDATE_TYPE} "
        f"or {FORM_TYPE} with a 'query' or 'update' field",
    )


def _operation(
    kind: Literal["query", "update"], text: str, params: MultiDict[str, str]
) -> Operation:
    if not text.strip():
        abort(400, f"the {kind} is empty; send SPARQL text")
    if kind == "query" and operation_form(text) in UPDATE_WORDS:
        abort(
            400,
            "this is a SPARQL Update; send it with POST as the form field 'update' or as "
            f"{UPDATE_TYPE}",
        )
    return Operation(kind, text, params)


def _iris(params: MultiDict[str, str], name: str) -> tuple[str, ...]:
    out: list[str] = []
    for value in params.getlist(name):
        value = value.strip()
        if not value:
            continue  # HTML forms send empty fields; they mean nothing
        try:
            out.append(ox.NamedNode(value).value)
        except ValueError as exc:
            abort(400, f"{name}={value!r} is not an absolute IRI ({exc}); send a graph's IRI")
    return tuple(dict.fromkeys(out))


def query_dataset(params: MultiDict[str, str]) -> DatasetSpec:
    """The dataset of ``default-graph-uri`` / ``named-graph-uri`` (override FROM / FROM NAMED).

    Raises:
        werkzeug.exceptions.HTTPException: 400 naming a value that is not an absolute IRI.
    """
    return DatasetSpec(_iris(params, "default-graph-uri"), _iris(params, "named-graph-uri"))


def update_dataset(params: MultiDict[str, str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The graphs of ``using-graph-uri`` and ``using-named-graph-uri``."""
    return _iris(params, "using-graph-uri"), _iris(params, "using-named-graph-uri")


def accepted_description_type(header: str | None) -> str:
    """The service description's media type for this Accept header.

    Raises:
        NotAcceptableError: none of Turtle, RDF/XML, JSON-LD and N-Triples is acceptable.
    """
    if not _entries(header):
        return DESCRIPTION_TYPES[0]
    ranked = rank(header, DESCRIPTION_TYPES)
    if not ranked:
        raise NotAcceptableError("service description", list(DESCRIPTION_TYPES))
    return ranked[0][0]


def is_text(media_type: str) -> bool:
    """Whether a media type is textual (and so carries ``charset=utf-8``)."""
    return media_type.startswith("text/") or media_type in (
        SRJ, SRX, JSONLD, RDFXML, NTRIPLES, NQUADS, TRIG,
    )
