"""The browser's query page at ``/sparql``: YASGUI, the endpoint's prefixes, canned examples.

YASGUI's files are the ones ``npm ci`` installs in ``node_modules/@zazuko/yasgui/build``
(package.json at the repository root); a route here serves them, so the page works offline
and loads nothing from a CDN. The page's Content-Security-Policy allows this origin only.

The examples are the canned-query catalogue (the same one ``/api/v1/queries`` lists), each
with its first example's values bound into its slots, so it runs as it opens.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, send_from_directory
from jinja2 import TemplateError
from werkzeug.routing import BuildError

from api.services import Services
from graph.catalogue import CannedQuery, bind_request
from graph.errors import GraphError
from graph.namespace import PREFIXES

log = logging.getLogger(__name__)

bp = Blueprint(
    "query_page",
    __name__,
    url_prefix="/sparql/assets",
    static_folder="static/sparql",
    static_url_path="/page",
)

YASGUI_FILES = frozenset({"yasgui.min.js", "yasgui.min.css", "yasgui.min.js.map"})
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
"""YASGUI sets inline style attributes; scripts and requests stay on this origin."""

DEFAULT_QUERY_BODY = """SELECT ?class (COUNT(?s) AS ?instances)
WHERE { ?s a ?class }
GROUP BY ?class
ORDER BY DESC(?instances)
LIMIT 50"""
"""The first tab's query: what the graph holds, by class (no vocabulary assumed)."""


def yasgui_dir() -> Path:
    """Where ``npm ci`` puts YASGUI's built files (repository root ``node_modules``)."""
    return Path(__file__).resolve().parent.parent / "node_modules" / "@zazuko" / "yasgui" / "build"


@bp.get("/yasgui/<name>")
def yasgui_asset(name: str) -> Response:
    """One of YASGUI's built files."""
    if name not in YASGUI_FILES:
        abort(404, f"no such YASGUI file {name!r}")
    folder = yasgui_dir()
    if not (folder / name).is_file():
        abort(
            404,
            "YASGUI is not installed on this server; run scripts/setup.sh "
            "(it runs `npm ci`, which installs @zazuko/yasgui into node_modules)",
        )
    return send_from_directory(folder, name, max_age=86400)


def prefix_block(prefixes: dict[str, str]) -> str:
    """``PREFIX`` lines for every prefix, in a stable order."""
    return "\n".join(f"PREFIX {p}: <{iri}>" for p, iri in sorted(prefixes.items()))


def _first_example(query: CannedQuery) -> dict[str, Any]:
    """The parameter values of the query's first ``examples`` entry (none: no values)."""
    examples = query.header.get("examples") or [{}]
    return dict(examples[0].get("params") or {}) if isinstance(examples[0], dict) else {}


def examples(svc: Services) -> list[dict[str, Any]]:
    """The catalogue as page examples: names, zh/en summaries and runnable SPARQL."""
    out = []
    for name, query in sorted(svc.catalogue.items()):
        text = query.text
        try:
            text, _ = bind_request(
                query, _first_example(query), prefixes=PREFIXES, members_of=svc.members_of
            )
        except (GraphError, ValueError) as exc:  # the file's text is valid SPARQL as it is
            log.info("example of %s left unbound: %s", name, exc)
        out.append(
            {
                "name": name,
                "title": query.summary("zh") or name,
                "summary_zh": query.summary("zh") or name,
                "summary_en": query.summary("en"),
                "sparql": text,
            }
        )
    return out


def render_page(svc: Services, endpoint: str) -> Response:
    """The query page for the endpoint at the absolute URL ``endpoint``."""
    config = {
        "endpoint": endpoint,
        "prefixes": dict(PREFIXES),
        "defaultQuery": f"{prefix_block(dict(PREFIXES))}\n\n{DEFAULT_QUERY_BODY}\n",
        "examples": examples(svc),
        "messages": {
            "missing": "查询编辑器（YASGUI）未安装：请运行 scripts/setup.sh。 "
            "The query editor (YASGUI) is not installed: run scripts/setup.sh (npm ci).",
            "failed": "查询编辑器无法启动。The query editor failed to start:",
        },
    }
    context = {"config": config, "examples": config["examples"], "endpoint": endpoint}
    html = None
    if "pages" in current_app.blueprints:
        try:
            html = render_template("sparql/query_page.html", layout="base.html", **context)
        except (TemplateError, BuildError) as exc:
            log.warning("the site layout failed for the query page (%s); using its own", exc)
    if html is None:
        html = render_template("sparql/query_page.html", layout="sparql/standalone.html", **context)
    response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Vary"] = "Accept"
    return response
