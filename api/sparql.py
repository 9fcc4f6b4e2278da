"""The SPARQL 1.1 Protocol endpoint at ``/sparql`` (query by GET, form POST and direct POST)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request

from api.services import get_services
from graph.store import DatasetSpec

bp = Blueprint("sparql", __name__, url_prefix="/sparql")


def _accept() -> list[str]:
    """The client's media types, best first (q-values honoured)."""
    return [value for value, quality in request.accept_mimetypes if quality > 0]


@bp.route("", methods=["GET", "POST"], strict_slashes=False)
def endpoint() -> Response:
    """Answer a query."""
    svc = get_services()
    if request.method == "GET":
        args = request.args
        query = args.get("query")
    elif request.mimetype == "application/sparql-query":
        args = request.args
        query = request.get_data(as_text=True)
    elif request.mimetype == "application/x-www-form-urlencoded":
        args = request.form
        query = args.get("query")
    else:
        abort(415, "Send the query as application/sparql-query or a form field 'query'.")
    if not query:
        abort(400, "Send a SPARQL query in the 'query' parameter.")
    dataset = DatasetSpec(
        tuple(args.getlist("default-graph-uri")), tuple(args.getlist("named-graph-uri"))
    )
    result = svc.run(query, accept=_accept(), dataset=dataset)
    response = Response(result.body, content_type=f"{result.media_type}; charset=utf-8")
    if result.truncated:
        response.headers["X-Result-Truncated"] = str(svc.settings.max_rows)
    return response
