"""JSON-LD for the REST API: the versioned ``@context``, framing, and a loader that never fetches.

The API's JSON is also JSON-LD: every resource carries ``"@context":
"<server>/api/v1/context/v1.jsonld"``, whose terms are the plain keys the JSON already uses
(``text``, ``beginOffset``, ``ownedBy`` …), so integrators read ordinary JSON and RDF tools
read triples. The context is a file shipped with the package (``api/contexts/v1.jsonld``) and
served from it; **v1 only grows** (new terms), a changed meaning would be ``v2`` at a new URL.

PyLD runs with :func:`local_loader`, which answers our own context URL from the file and refuses
every other URL, so processing a document never reaches the network (a remote ``@context``
raises ``JsonLdError``).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib.resources import files
from typing import Any
from urllib.parse import urlparse

import pyoxigraph as ox
from flask import Blueprint, Response, request
from pyld import jsonld

bp = Blueprint("jsonld", __name__, url_prefix="/api/v1/context")

CONTEXT_VERSION = "v1"
CONTEXT_PATH = f"/api/v1/context/{CONTEXT_VERSION}.jsonld"
CANONICAL_CONTEXT = f"https://w3id.org/policykg/context/{CONTEXT_VERSION}.jsonld"
"""A host-independent name of the same context (answered locally like the served URL)."""
MEDIA_TYPE = "application/ld+json"
XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {XSD + "integer", XSD + "nonNegativeInteger"}
_NATIVE = {*_INTEGERS, XSD + "boolean"}


@cache
def context_document() -> dict[str, Any]:
    """The context file as a JSON object (``{"@context": {…}}``)."""
    text = files("api").joinpath(f"contexts/{CONTEXT_VERSION}.jsonld").read_text(encoding="utf-8")
    return json.loads(text)


def _expand_term(value: str, ctx: dict[str, Any]) -> str:
    prefix, sep, local = value.partition(":")
    definition = ctx.get(prefix)
    if sep and isinstance(definition, str) and not local.startswith("//"):
        return definition + local
    return value


@cache
def _integer_ranges() -> dict[str, str]:
    """Property IRI → the integer datatype its context term declares."""
    ctx = context_document()["@context"]
    out = {}
    for definition in ctx.values():
        if isinstance(definition, dict) and isinstance(definition.get("@type"), str):
            datatype = _expand_term(definition["@type"], ctx)
            if datatype in _INTEGERS:
                out[_expand_term(definition["@id"], ctx)] = datatype
    return out


def declared_integer_types(ntriples: str) -> str:
    """Integer literals retyped to the datatype the context declares for their property.

    The embedded Oxigraph (pyoxigraph 0.5) gives integer subtypes back as ``xsd:integer``
    (``"5"^^xsd:nonNegativeInteger`` is read as ``"5"^^xsd:integer``), which would make the
    same offset compact differently on different stores. A non-negative ``xsd:integer`` of a
    property declared ``xsd:nonNegativeInteger`` (the offsets) is written back with that type:
    the same number, as the builder wrote it.
    """
    ranges = _integer_ranges()
    out = []
    for triple in ox.parse(ntriples.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES):
        obj = triple.object
        wanted = ranges.get(triple.predicate.value)
        if (wanted and isinstance(obj, ox.Literal) and obj.datatype.value in _INTEGERS
                and obj.datatype.value != wanted and obj.value.isdigit()):
            triple = ox.Triple(triple.subject, triple.predicate,
                               ox.Literal(obj.value, datatype=ox.NamedNode(wanted)))
        out.append(triple)
    return (ox.serialize(out, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")


@cache
def _native_terms() -> frozenset[str]:
    """Terms whose values are integers or booleans (their strings become JSON numbers/booleans;
    with the context's type coercion they mean the same typed literal)."""
    ctx = context_document()["@context"]
    prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith(("#", "/"))}
    out = set()
    for term, definition in ctx.items():
        if isinstance(definition, dict) and isinstance(definition.get("@type"), str):
            kind = definition["@type"]
            prefix, _, local = kind.partition(":")
            if prefixes.get(prefix, "") + local in _NATIVE:
                out.add(term)
    return frozenset(out)


def is_context_url(url: str) -> bool:
    """Whether ``url`` names our context (on any host: it is answered from the file)."""
    return url == CANONICAL_CONTEXT or urlparse(url).path == CONTEXT_PATH


def local_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """A PyLD document loader that answers our context from the package and nothing else.

    Raises:
        pyld.jsonld.JsonLdError: for any other URL; no request is ever made.
    """
    if is_context_url(url):
        return {
            "contentType": MEDIA_TYPE,
            "contextUrl": None,
            "documentUrl": url,
            "document": copy.deepcopy(context_document()),
        }
    raise jsonld.JsonLdError(
        f"remote documents are not loaded (asked for {url!r}); only the policykg context is",
        "jsonld.LoadDocumentError",
        {"url": url},
        code="loading remote context failed",
    )


def context_url() -> str:
    """The absolute URL of the context on the server answering the current request."""
    try:
        return request.host_url.rstrip("/") + CONTEXT_PATH
    except RuntimeError:  # outside a request (CLI, tests): the host-independent name
        return CANONICAL_CONTEXT


def _nativise(node: Any, terms: frozenset[str]) -> Any:
    """Digit strings of integer-typed terms → numbers, "true"/"false" of boolean ones → booleans."""
    if isinstance(node, list):
        return [_nativise(item, terms) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in terms:
            out[key] = _native_value(value)
        elif key != "@context":
            out[key] = _nativise(value, terms)
        else:
            out[key] = value
    return out


def _native_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_native_value(v) for v in value]
    if isinstance(value, str):
        if value.isascii() and value.lstrip("-").isdigit():
            return int(value)
        if value in ("true", "false"):
            return value == "true"
    return value


def graph_document(ntriples: bytes | str, *, root: str | None = None) -> dict[str, Any]:
    """RDF (N-Triples) → JSON-LD with our context: framed around ``root`` when given, so the
    resource is one nested object; compacted otherwise. Nothing is lost: expanding the
    result gives back the same triples (integers typed as :func:`declared_integer_types`
    says)."""
    text = ntriples.decode("utf-8") if isinstance(ntriples, bytes) else ntriples
    expanded = jsonld.from_rdf(declared_integer_types(text), {"format": "application/n-quads"})
    url = context_url()
    options = {"documentLoader": local_loader}
    if root:
        frame = {"@context": url, "@id": root, "@embed": "@once"}
        document = jsonld.frame(expanded, frame, {**options, "omitGraph": True})
    else:
        document = jsonld.compact(expanded, url, options)
    return _nativise(document, _native_terms())


def compact_resource(node: dict[str, Any]) -> dict[str, Any]:
    """A resource written with the context's terms, with its ``@context`` URL in front."""
    return {"@context": context_url(), **_nativise(node, _native_terms())}


def expand(document: Any) -> list[Any]:
    """Expand a JSON-LD document with the local loader (for tests and clients of this module)."""
    return jsonld.expand(document, {"documentLoader": local_loader})


def to_ntriples(document: Any) -> str:
    """The triples of a JSON-LD document as N-Quads text, loaded with the local loader."""
    return jsonld.to_rdf(
        document, {"documentLoader": local_loader, "format": "application/n-quads"}
    )


@bp.get(f"/{CONTEXT_VERSION}.jsonld")
def context() -> Response:
    """Serve the versioned context (cacheable for a long time: v1 only grows)."""
    body = json.dumps(context_document(), ensure_ascii=False, indent=1)
    response = Response(body, content_type=f"{MEDIA_TYPE}; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
