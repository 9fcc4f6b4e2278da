"""The SPARQL 1.1 Protocol endpoint at ``/sparql``: queries, updates, description, query page.

- Query by ``GET ?query=``, by form ``POST`` and by ``POST application/sparql-query``, with
  ``default-graph-uri`` / ``named-graph-uri`` for the dataset; results in the format that
  :func:`api.protocol.negotiate` picks. Every query runs through ``Services.run`` (time limit,
  row cap, worker processes for the embedded store).
- Update by form ``POST update=`` or ``POST application/sparql-update``, only with the admin
  bearer token (:mod:`api.auth`); ``using-graph-uri`` / ``using-named-graph-uri`` honoured;
  ``LOAD`` always refused.
- ``GET /sparql`` without a query: the service description (Turtle, RDF/XML, JSON-LD), or the
  YASGUI query page for a browser.

Relative IRIs resolve against the endpoint's URL. Errors are JSON ``{"error", "message"}``
(:mod:`api.errors`); a syntax error's message carries the parser's line and column.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request

from api import protocol, query_page, service_description
from api.auth import require_admin
from api.services import Services, get_services
from graph.errors import GraphError, QuerySyntaxError
from graph.executor import QueryFailedError
from graph.sparql_text import (
    add_using,
    base_prefix,
    check_text,
    has_relative_iri,
    has_using_or_with,
    shift_error,
)

bp = Blueprint("sparql", __name__, url_prefix="/sparql")


@bp.before_request
def _limit_body() -> None:
    """413 for bodies over ``max_body`` (1 MiB by default), announced or streamed."""
    limit = get_services().settings.max_body
    if request.content_length is not None and request.content_length > limit:
        abort(413, f"request bodies are limited to {limit} bytes; send a shorter query")
    request.max_content_length = limit
    request.max_form_memory_size = limit


@bp.route("", methods=["GET", "POST"], strict_slashes=False)
def endpoint() -> Response:
    """Answer one protocol request (see the module docstring)."""
    svc = get_services()
    operation = protocol.read_operation(request)
    if operation.kind == "update":
        return _update(svc, operation)
    if operation.kind == "none":
        return _describe(svc)
    return _query(svc, operation)


def _endpoint_url() -> str:
    return request.base_url


def _with_base(text: str) -> tuple[str, str]:
    """The text to run, and the prefix added to it (a BASE line when it has relative IRIs)."""
    if has_relative_iri(text):
        prefix = base_prefix(_endpoint_url())
        return prefix + text, prefix
    return text, ""


def _query(svc: Services, operation: protocol.Operation) -> Response:
    kind = protocol.kind_of(operation.text)
    accept_header = request.headers.get("Accept")
    if (
        request.method in ("GET", "HEAD")
        and not protocol.format_types(operation.params)
        and protocol.wants_page(accept_header, kind)
    ):
        # A browser following a link with ?query= (and no format=): the page opens the query
        # in a tab and runs it.
        return query_page.render_page(svc, _endpoint_url())
    accept = protocol.negotiate(accept_header, operation.params, kind)
    dataset = protocol.query_dataset(operation.params)
    text, prefix = _with_base(operation.text)
    try:
        result = svc.run(text, accept=accept, dataset=dataset)
    except QuerySyntaxError as exc:
        raise shift_error(exc, prefix) from exc
    content_type = result.media_type
    if protocol.is_text(content_type):
        content_type += "; charset=utf-8"
    response = Response(result.body, content_type=content_type)
    response.headers["Vary"] = "Accept"
    if result.truncated:
        response.headers["X-Result-Truncated"] = str(svc.settings.max_rows)
    return response


def _update(svc: Services, operation: protocol.Operation) -> Response:
    require_admin(request, svc.settings, what="SPARQL Update")
    check_text(operation.text, update=True, allow_service=svc.settings.allow_service)
    using, using_named = protocol.update_dataset(operation.params)
    text = operation.text
    if using or using_named:
        if has_using_or_with(text):
            abort(
                400,
                "the update names its dataset (USING or WITH) and the request sends "
                "using-graph-uri / using-named-graph-uri: send only one of them",
            )
        text = add_using(text, using, using_named)
    text, prefix = _with_base(text)
    try:
        svc.store.update(text)
    except QuerySyntaxError as exc:
        raise shift_error(exc, prefix) from exc
    except GraphError:
        raise
    except Exception as exc:  # rdflib's update evaluator raises assorted Python errors
        raise QueryFailedError(f"the update could not be applied: {exc}") from exc
    return Response(status=204)


def _describe(svc: Services) -> Response:
    accept_header = request.headers.get("Accept")
    if request.method in ("GET", "HEAD") and protocol.html_quality(accept_header) > max(
        (q for _, q in protocol.rank(accept_header, protocol.DESCRIPTION_TYPES)), default=0.0
    ):
        return query_page.render_page(svc, _endpoint_url())
    if request.method not in ("GET", "HEAD"):
        abort(400, "send a SPARQL query in 'query' (or an update in 'update')")
    media = protocol.accepted_description_type(accept_header)
    triples = service_description.describe(_endpoint_url(), svc.settings, svc.store)
    body = service_description.serialize(triples, media)
    response = Response(body, content_type=f"{media}; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response
