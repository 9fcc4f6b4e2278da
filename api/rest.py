"""The REST API under ``/api/v1``: the canned-query catalogue and its runs."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request

from api.services import get_services
from graph.catalogue import bind_request
from graph.namespace import PREFIXES
from graph.store import SRJ

bp = Blueprint("rest", __name__, url_prefix="/api/v1")


def _plain(cell: dict[str, str]) -> Any:
    if cell.get("type") == "literal" and cell.get("datatype", "").endswith(
        ("#integer", "#int", "#long", "#nonNegativeInteger")
    ):
        return int(cell["value"])
    return cell["value"]


@bp.get("/queries")
def list_queries() -> Response:
    """The catalogue."""
    svc = get_services()
    return jsonify(
        [
            {"name": q.name, "summary": q.header.get("summary"), "params": sorted(q.params)}
            for q in svc.catalogue.values()
        ]
    )


@bp.get("/queries/<name>/results")
def run_query(name: str) -> Response:
    """Run a canned query with the request's parameters."""
    svc = get_services()
    query = svc.catalogue.get(name)
    if query is None:
        abort(404, f"unknown query {name!r}; known: {', '.join(sorted(svc.catalogue))}")
    values = {k: (v if len(v) > 1 else v[0]) for k, v in request.args.lists()}
    text, shown = bind_request(query, values, prefixes=PREFIXES, members_of=svc.members_of)
    result = svc.run(text, accept=(SRJ,))
    data = json.loads(result.body)
    columns = data["head"]["vars"]
    rows = [{k: _plain(v) for k, v in row.items()} for row in data["results"]["bindings"]]
    return jsonify({"query": name, "params": shown, "columns": columns, "results": rows})
