"""The OpenAPI 3.1 description of ``/api/v1``, generated from the query registry (QUERIES.md §9.6),
and the documentation page ``/api/v1/docs``.

The static part (``api/openapi.yaml``: info, shared components, writes, the catalogue) is merged
with one ``GET`` and one ``POST`` operation per canned query (``run_<name>``) and one operation
per resource collection (``api.resources``), whose parameters are the backing query's. The
description is a pure function of the catalogue and the graph (class-typed parameters list the
class's members as ``enum``), so adding a ``.rq`` file adds an operation with no code change.
It is rebuilt when the graph changes.

The docs page is rendered on the server from the description (every operation, its question,
parameters, columns and example links, in Chinese and English), so it works without scripts;
when Swagger UI is installed (``npm ci`` puts ``swagger-ui-dist`` in ``node_modules``) the page
also mounts it for trying requests.
"""

from __future__ import annotations

import contextlib
import copy
import json
import threading
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml
from flask import Blueprint, Response, abort, render_template_string, send_from_directory

from api.services import Services, get_services
from graph.catalogue import (
    MAX_PAGE_SIZE,
    MAX_VALUES,
    CannedQuery,
    ParamError,
    ParamSpec,
    bind_request,
    example_values,
)
from graph.namespace import PREFIXES

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

ENUM_LIMIT = 500
"""Class-typed parameters list their members as ``enum`` up to this many."""
SWAGGER_FILES = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-bundle.js.map",
                           "swagger-ui.css.map"})
_lock = threading.Lock()
_cached: dict[int, tuple[str, dict[str, Any]]] = {}


@cache
def static_part() -> dict[str, Any]:
    """``api/openapi.yaml`` as a dict."""
    return yaml.safe_load(files("api").joinpath("openapi.yaml").read_text(encoding="utf-8"))


def _text(value: Any, lang: str) -> str:
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("en") or value.get("zh") or "")
    return "" if value is None else str(value)


def value_schema(spec: ParamSpec, members: Any = None) -> dict[str, Any]:
    """The JSON Schema of one value of a parameter."""
    schema: dict[str, Any]
    if spec.type == "iri":
        schema = {"type": "string", "format": "iri"}
        if members is not None and 0 < len(members) <= ENUM_LIMIT:
            schema["enum"] = sorted(members)
        elif spec.pattern:
            schema["pattern"] = f"^(?:{spec.pattern})$"
    elif spec.type == "string":
        schema = {"type": "string", "minLength": 1, "maxLength": spec.max_length}
        if spec.pattern:
            schema["pattern"] = f"^(?:{spec.pattern})$"
    elif spec.type == "integer":
        schema = {"type": "integer"}
    elif spec.type == "decimal":
        schema = {"type": "number"}
    elif spec.type == "boolean":
        schema = {"type": "boolean"}
    elif spec.type == "date":
        schema = {"type": "string", "format": "date"}
    elif spec.type == "gYear":
        schema = {"type": "string", "pattern": "^-?[0-9]{4}$"}
    else:  # enum
        schema = {"type": "string", "enum": list(spec.enum)}
    if spec.type in ("integer", "decimal"):
        if spec.min is not None:
            schema["minimum"] = spec.min
        if spec.max is not None:
            schema["maximum"] = spec.max
    if spec.multiple:
        return {"type": "array", "items": schema, "minItems": 1, "maxItems": MAX_VALUES}
    return schema


def _param_description(spec: ParamSpec) -> str:
    text = " / ".join(t for t in (_text(spec.description, "zh"), _text(spec.description, "en"))
                      if t)
    if spec.type == "iri" and spec.cls:
        text += (f" — members of `{spec.cls}`: an IRI, a CURIE such as `region:border-area`, or "
                 "the exact Chinese or English name")
    if spec.multiple:
        text += " (repeat the parameter for several values)"
    return text


def _members(svc: Services, spec: ParamSpec) -> Any:
    return svc.members_of(spec.cls) if spec.type == "iri" and spec.cls else None


def query_parameters(svc: Services, query: CannedQuery) -> list[dict[str, Any]]:
    """The query-string parameters of a canned query (its own, then the controls)."""
    out = []
    for spec in query.params.values():
        param: dict[str, Any] = {
            "name": spec.name,
            "in": "query",
            "required": bool(spec.required and spec.default is None),
            "description": _param_description(spec),
            "schema": value_schema(spec, _members(svc, spec)),
        }
        if spec.multiple:
            param["style"], param["explode"] = "form", True
        if spec.example is not None:
            param["example"] = _example_value(svc, spec)
        out.append(param)
    return out


def _example_value(svc: Services, spec: ParamSpec) -> Any:
    """The header's example as the schema has it (full IRIs for class-typed parameters)."""
    values = spec.example if isinstance(spec.example, list) else [spec.example]
    members = _members(svc, spec)
    if members is not None:
        from graph.catalogue import to_term

        with contextlib.suppress(ParamError):
            values = [to_term(spec, v, prefixes=PREFIXES, members=members).value for v in values]
    return values if spec.multiple else values[0]


def control_parameters(query: CannedQuery, formats: list[str]) -> list[dict[str, Any]]:
    """``format``, and for paginated queries ``page``, ``page_size`` and ``count``."""
    out: list[dict[str, Any]] = [{
        "name": "format", "in": "query", "required": False,
        "description": "Result format; wins over the Accept header",
        "schema": {"type": "string", "enum": formats},
    }]
    if query.pagination:
        out += [
            {"name": "page", "in": "query", "required": False, "description": "Page number, from 1",
             "schema": {"type": "integer", "minimum": 1, "maximum": 10_000_000}},
            {"name": "page_size", "in": "query", "required": False,
             "description": f"Rows per page (default {query.pagination})",
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}},
            {"name": "count", "in": "query", "required": False,
             "description": "Also count all rows (page.total, X-Total-Count)",
             "schema": {"type": "boolean"}},
        ]
    return out


_COLUMN_TYPES = {"integer": "integer", "decimal": "number", "boolean": "boolean"}


def column_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of a result column in the default JSON format."""
    if kind == "iris":
        return {"type": "array", "items": {"type": "string"}}
    schema: dict[str, Any] = {"type": [_COLUMN_TYPES.get(kind, "string"), "null"]}
    if kind == "iri":
        schema["format"] = "iri"
    return schema


def result_schema(query: CannedQuery) -> dict[str, Any]:
    """The default JSON answer of a SELECT query (QUERIES.md §9.5)."""
    columns = {n: column_schema(c.type) for n, c in query.columns.items()}
    return {
        "type": "object",
        "required": ["query", "params", "columns", "results"],
        "properties": {
            "query": {"const": query.name},
            "params": {"type": "object"},
            "columns": {"type": "array", "items": {"type": "string", "enum": list(columns)}},
            "results": {
                "type": "array",
                "items": {"type": "object", "properties": columns,
                          "required": list(columns), "additionalProperties": False},
            },
            "page": {"$ref": "#/components/schemas/Page"},
            "links": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }


def _errors(*codes: str) -> dict[str, Any]:
    refs = {"400": "BadRequest", "404": "NotFound", "406": "NotAcceptable",
            "503": "Unavailable", "504": "Timeout", "304": "NotModified"}
    return {code: {"$ref": f"#/components/responses/{refs[code]}"} for code in codes}


def _success(query: CannedQuery) -> dict[str, Any]:
    headers = {"ETag": {"$ref": "#/components/headers/ETag"}}
    if query.kind == "select":
        if query.pagination:
            headers["Link"] = {"$ref": "#/components/headers/Link"}
        content = {
            "application/json": {"schema": result_schema(query)},
            "application/sparql-results+json": {
                "schema": {"type": "object", "required": ["head"],
                           "properties": {"head": {"type": "object"},
                                          "results": {"type": "object"}}}},
            "text/csv": {"schema": {"type": "string"}},
        }
    else:
        content = {
            "application/ld+json": {"schema": {"type": ["object", "array"]}},
            "text/turtle": {"schema": {"type": "string"}},
            "application/n-triples": {"schema": {"type": "string"}},
        }
    return {"description": _text(query.header.get("summary"), "en") or query.name,
            "headers": headers, "content": content}


def query_operations(svc: Services, query: CannedQuery) -> dict[str, Any]:
    """The ``get`` and ``post`` operations of ``/queries/<name>/results``."""
    from api.rest import formats_for

    formats = list(formats_for(query))
    summary = _text(query.header.get("summary"), "en")
    description = "\n\n".join(
        t for t in (_text(query.header.get("description"), "en"),
                    _text(query.header.get("description"), "zh")) if t
    )
    common: dict[str, Any] = {
        "summary": summary,
        "description": description,
        "tags": query.tags,
        "x-summary-zh": _text(query.header.get("summary"), "zh"),
        "x-question": query.header.get("question"),
        "x-sparql": query.text,
        "responses": {"200": _success(query), **_errors("304", "400", "406", "503", "504")},
    }
    for key in ("deprecated",):
        if query.header.get(key):
            common["deprecated"] = True
    get = {"operationId": f"run_{query.name}", **copy.deepcopy(common),
           "parameters": query_parameters(svc, query) + control_parameters(query, formats)}
    body_props: dict[str, Any] = {
        spec.name: value_schema(spec, _members(svc, spec)) for spec in query.params.values()
    }
    params_schema: dict[str, Any] = {"type": "object", "properties": body_props,
                                     "additionalProperties": False}
    required = [s.name for s in query.params.values() if s.required and s.default is None]
    if required:
        params_schema["required"] = required
    controls: dict[str, Any] = {"format": {"type": "string", "enum": formats}}
    if query.pagination:
        controls.update({
            "page": {"type": "integer", "minimum": 1, "maximum": 10_000_000},
            "page_size": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            "count": {"type": "boolean"},
        })
    post = {
        "operationId": f"run_{query.name}_post",
        **copy.deepcopy(common),
        "summary": f"{summary} (values in a JSON body)",
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {
                "type": "object", "properties": {"params": params_schema, **controls},
                "required": ["params"], "additionalProperties": False,
            }}},
        },
    }
    return {"get": get, "post": post}


def resource_operations(svc: Services) -> dict[str, dict[str, Any]]:
    """The resource collections and their members, parameters taken from their queries."""
    from api.resources import COLLECTIONS

    paths: dict[str, dict[str, Any]] = {}
    for collection in COLLECTIONS.values():
        query = svc.catalogue.get(collection.query)
        if query is None:
            continue
        json_ld = {"application/json": {"schema": {"$ref": "#/components/schemas/Collection"}},
                   "application/ld+json": {"schema": {"$ref": "#/components/schemas/Collection"}}}
        paths[f"/{collection.path}"] = {"get": {
            "operationId": f"list_{collection.path.replace('-', '_')}",
            "summary": _text(collection.summary, "en"),
            "description": f"{_text(collection.summary, 'zh')}. The members are the rows of the "
                           f"canned query `{query.name}`; its parameters filter them.",
            "tags": ["resources"],
            "parameters": query_parameters(svc, query)
            + control_parameters(query, ["json", "jsonld"]),
            "responses": {"200": {"description": "The collection (JSON-LD)", "content": json_ld,
                                  "headers": {"Link": {"$ref": "#/components/headers/Link"},
                                              "ETag": {"$ref": "#/components/headers/ETag"}}},
                          **_errors("304", "400", "406", "503", "504")},
        }}
        node = {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}},
                "application/ld+json": {"schema": {"$ref": "#/components/schemas/Node"}}}
        paths[f"/{collection.path}/{{key}}"] = {"get": {
            "operationId": f"get_{collection.path.replace('-', '_')}_member",
            "summary": f"One of: {_text(collection.summary, 'en')}",
            "description": "A measure's key is `<document key>.<number>`; it comes with its "
                           "sentence, offsets, section, document, attributions (basis and "
                           "evidence) and mentions." if collection.path == "measures" else
                           "The member with links to the questions about it.",
            "tags": ["resources"],
            "parameters": [
                {"name": "key", "in": "path", "required": True,
                 "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._~-]*$"}},
                {"name": "format", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": ["json", "jsonld"]}},
            ],
            "responses": {"200": {"description": "The member (JSON-LD)", "content": node},
                          **_errors("304", "404", "406", "503", "504")},
        }}
    return paths


def build_spec(svc: Services) -> dict[str, Any]:
    """The whole description for the current catalogue and graph."""
    spec = copy.deepcopy(static_part())
    paths = spec.setdefault("paths", {})
    for path, operations in resource_operations(svc).items():
        paths.setdefault(path, {}).update(operations)
    for name in sorted(svc.catalogue):
        paths[f"/queries/{name}/results"] = query_operations(svc, svc.catalogue[name])
    names = sorted(svc.catalogue)
    paths["/queries/{name}"]["get"]["parameters"][0]["schema"]["enum"] = names
    spec["tags"] = spec.get("tags", []) + [
        {"name": tag} for tag in sorted({t for q in svc.catalogue.values() for t in q.tags})
        if tag not in {t["name"] for t in spec.get("tags", [])}
    ]
    return spec


def current_spec(svc: Services) -> dict[str, Any]:
    """The description, rebuilt when the graph's version changes."""
    version = svc.store.version()
    key = id(svc)
    with _lock:
        found = _cached.get(key)
        if found and found[0] == version:
            return found[1]
    spec = build_spec(svc)
    with _lock:
        _cached[key] = (version, spec)
    return spec


@bp.get("/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI 3.1 description."""
    body = json.dumps(current_spec(get_services()), ensure_ascii=False)
    response = Response(body, content_type="application/json; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def swagger_dir() -> Path:
    """Where ``npm ci`` puts Swagger UI (``node_modules/swagger-ui-dist``)."""
    return Path(__file__).resolve().parent.parent / "node_modules" / "swagger-ui-dist"


@bp.get("/docs/assets/<name>")
def swagger_asset(name: str) -> Response:
    """A file of Swagger UI."""
    if name not in SWAGGER_FILES or not (swagger_dir() / name).is_file():
        abort(404, "Swagger UI is not installed here; scripts/setup.sh runs `npm ci`, which "
                   "installs swagger-ui-dist into node_modules")
    return send_from_directory(swagger_dir(), name, max_age=86400)


@bp.get("/docs/init.js")
def swagger_init() -> Response:
    """Starts Swagger UI on the description (a file, so the page needs no inline script)."""
    script = (
        "window.addEventListener('load', function () {\n"
        "  if (!window.SwaggerUIBundle) { return; }\n"
        "  window.SwaggerUIBundle({url: 'openapi.json', dom_id: '#swagger-ui',\n"
        "    deepLinking: true, docExpansion: 'none', defaultModelsExpandDepth: -1});\n"
        "});\n"
    )
    return Response(script, content_type="text/javascript; charset=utf-8")


@cache
def docs_template() -> str:
    """The docs page's Jinja template (``api/openapi_docs.html``)."""
    return files("api").joinpath("openapi_docs.html").read_text(encoding="utf-8")


def _short(schema: dict[str, Any]) -> str:
    kind = schema.get("type", "")
    if kind == "array":
        return f"[{_short(schema.get('items', {}))}]"
    enum = schema.get("enum")
    if enum:
        shown = ", ".join(str(e).rsplit("/", 1)[-1] for e in enum[:6])
        return f"{kind} ∈ {{{shown}{', …' if len(enum) > 6 else ''}}}"
    return str(kind)


def _example_links(svc: Services) -> dict[str, str]:
    out = {}
    for name, query in svc.catalogue.items():
        try:
            _, shown = bind_request(query, example_values(query), prefixes=PREFIXES,
                                    members_of=svc.members_of)
        except ParamError:
            continue
        args = [(k, v) for k, vs in shown.items() for v in (vs if isinstance(vs, list) else [vs])]
        out[f"run_{name}"] = f"queries/{name}/results" + (f"?{urlencode(args)}" if args else "")
    return out


@bp.get("/docs")
def docs() -> Response:
    """The documentation page, rendered from the description."""
    svc = get_services()
    spec = current_spec(svc)
    groups: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            for tag in (op.get("tags") or ["other"])[:1]:
                groups.setdefault(tag, []).append((path, method, op))
    html = render_template_string(
        docs_template(), spec=spec, groups=sorted(groups.items()), short=_short,
        examples=_example_links(svc),
        swagger=(swagger_dir() / "swagger-ui-bundle.js").is_file(),
    )
    response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    return response
