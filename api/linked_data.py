"""Dereferenceable IRIs: ``/id/<key>`` describes ``{settings.base}<key>`` as a page or as RDF.

The configured base (default ``https://w3id.org/policykg/id/``) maps to the local path ``/id/``:
a request for ``/id/doc/<slug>/measure/7`` describes ``{base}doc/<slug>/measure/7``. The
persistent-identifier service in front of a deployment (w3id.org) redirects the public IRIs
here.

**303 or direct?** The Linked Data conventions ("Cool URIs for the Semantic Web") allow a
``303 See Other`` from the thing's IRI to a document about it, or answering the IRI directly
with a description. We answer directly (200) with ``Vary: Accept``, a ``Content-Location``
naming the representation sent, and a ``Link`` header listing every alternate form, because:
the public IRIs already pass through one redirect at w3id.org, and a second round trip per
resource only slows crawlers and pages; browsers keep the IRI itself in the address bar, which
is the link officials copy into e-mails; and the ``Content-Location`` tells clients that the
body is a description of the thing, not the thing (the reading the W3C TAG accepted for 200
responses to such IRIs). Caches stay correct through ``Vary: Accept``.

Formats: ``text/html`` (the page), ``text/turtle``, ``application/ld+json``,
``application/rdf+xml``, ``application/n-triples`` by ``Accept``; ``?format=ttl|jsonld|rdf|nt``
(or ``html``) overrides it, for people pasting links. The RDF is a CONSTRUCT of the resource:
its own triples, the labels of what it links to, and the triples of its parts (attributions,
mentions, the extraction activity), which only make sense together with it.

The IRI taken from the URL enters query text only as ``str(ox.NamedNode(iri))``; anything
that is not a valid IRI under the base is answered 404.
"""

from __future__ import annotations

from urllib.parse import quote

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, render_template, request, url_for

from api import entities as ent
from api import pages
from api.services import get_services
from graph.config import DEFAULT_BASE
from graph.namespace import PREFIXES
from graph.store import JSONLD, NTRIPLES, RDFXML, TURTLE

bp = Blueprint("linked_data", __name__, url_prefix="/id")
pages.init_blueprint(bp)

HTML = "text/html"
FORMATS: dict[str, str] = {
    "html": HTML,
    "ttl": TURTLE,
    "jsonld": JSONLD,
    "rdf": RDFXML,
    "nt": NTRIPLES,
}
"""``?format=`` values and the media types they stand for."""
OFFERED = (HTML, TURTLE, JSONLD, RDFXML, NTRIPLES, "application/json", "application/xhtml+xml")
"""What ``Accept`` can ask for, the server's preference first (HTML for ``*/*``)."""
_ALIASES = {"application/json": JSONLD, "application/xhtml+xml": HTML}
_OX_FORMATS = {
    TURTLE: ox.RdfFormat.TURTLE,
    JSONLD: ox.RdfFormat.JSON_LD,
    RDFXML: ox.RdfFormat.RDF_XML,
    NTRIPLES: ox.RdfFormat.N_TRIPLES,
}

DESCRIBE = """CONSTRUCT {{
  {s} ?p ?o . ?o ?lp ?label . ?part ?pp ?po .
}} WHERE {{
  {{ {s} ?p ?o .
     OPTIONAL {{ ?o ?lp ?label . VALUES ?lp {{ skos:prefLabel rdfs:label dcterms:title }} }} }}
  UNION
  {{ {s} ?hp ?part . VALUES ?hp {{ pol:hasAttribution pol:hasMention prov:wasGeneratedBy }}
     ?part ?pp ?po . }}
}}"""
"""The description of one resource (``{s}`` is the IRI as a validated N-Triples term)."""


def iri_for(key: str) -> str | None:
    """The IRI a local path names, or None when it is not a valid IRI."""
    iri = get_services().settings.base + key
    try:
        ox.NamedNode(iri)
    except ValueError:
        return None
    return iri


def negotiate() -> str | None:
    """The media type to answer with: ``?format=`` first, then ``Accept``; None if none fits."""
    asked = request.args.get("format")
    if asked is not None:
        return FORMATS.get(asked)
    if not request.accept_mimetypes:
        return HTML
    best = request.accept_mimetypes.best_match(OFFERED)
    return _ALIASES.get(best, best) if best else None


def _alternates(key: str) -> list[tuple[str, str]]:
    path = url_for("linked_data.resource", key=key)
    return [(f"{path}?format={name}", media) for name, media in FORMATS.items()]


def _link_header(key: str) -> str:
    return ", ".join(f'<{url}>; rel="alternate"; type="{media}"' for url, media in _alternates(key))


def prefixes() -> dict[str, str]:
    """Turtle prefixes, with the individuals' prefixes moved to the configured base."""
    base = get_services().settings.base
    return {k: v.replace(DEFAULT_BASE, base, 1) for k, v in PREFIXES.items()}


def describe(iri: str, media_type: str) -> bytes:
    """The RDF description of a resource in ``media_type``.

    The store answers in N-Triples (through ``Services.run``) and the triples are written again
    here with the project's prefixes, so Turtle reads as people expect.
    """
    result = get_services().run(
        ent.SPARQL_PREFIXES + DESCRIBE.format(s=ent.term(iri)), accept=(NTRIPLES,)
    )
    triples = sorted(
        {q.triple for q in ox.parse(result.body, format=ox.RdfFormat.N_TRIPLES)}, key=str
    )
    fmt = _OX_FORMATS[media_type]
    kwargs = {"prefixes": prefixes()} if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else {}
    return ox.serialize(triples, format=fmt, **kwargs) or b""


def _not_found(iri: str, media_type: str) -> Response:
    if media_type == HTML:
        body = render_template("not_found.html", iri=iri)
        response = Response(body, status=404, mimetype=HTML)
    else:
        response = Response(
            f"The graph holds nothing about <{iri}>.\n", status=404, mimetype="text/plain"
        )
    response.headers["Vary"] = "Accept"
    return response


@bp.get("/", defaults={"key": ""})
@bp.get("/<path:key>")
def resource(key: str) -> Response:
    """Describe ``{base}<key>`` as a page or as RDF, by content negotiation."""
    if not key:
        return redirect(url_for("pages.home"))  # type: ignore[return-value]
    media_type = negotiate()
    if media_type is None:
        offered = ", ".join(FORMATS.values())
        response = Response(
            f"None of the requested media types is available; this resource is offered as "
            f"{offered} (or add ?format={'|'.join(FORMATS)}).\n",
            status=406,
            mimetype="text/plain",
        )
        response.headers["Vary"] = "Accept"
        response.headers["Link"] = _link_header(key)
        return response
    iri = iri_for(key)
    if iri is None or not ent.exists(iri):
        shown = iri or get_services().settings.base + key
        return _not_found(shown, media_type)
    if media_type == HTML:
        types = ent.types_of(iri)
        body = pages.render_resource(iri, ent.page_kind(types), types)
        response = Response(body, mimetype=HTML)
    else:
        response = Response(describe(iri, media_type), mimetype=media_type)
    name = next(n for n, m in FORMATS.items() if m == media_type)
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = _link_header(key)
    response.headers["Content-Location"] = (
        f"{url_for('linked_data.resource', key=key)}?format={quote(name)}"
    )
    return response
