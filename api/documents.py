"""Writes: ``POST /api/v1/documents`` loads a document, ``DELETE /api/v1/documents/<key>``
removes one. Both need ``Authorization: Bearer $POLICYKG_ADMIN_TOKEN`` (:mod:`api.auth`).

A document goes through the same pipeline as ``policykg build``
(:func:`graph.loading.build_documents`): read, extract, validate, and write its named graph, the
ontology graph and the recomputed inferred graph in one write session, which the embedded
store publishes at once. A document the loader (or the SHACL shapes) refuses is answered 422
with the loader's own message, and nothing is written (:func:`precheck` runs the same checks
before any write session starts). Uploading a document again replaces
its graph (same IRI, minted from its number or title).
"""

from __future__ import annotations

import logging
import re
from pathlib import PurePosixPath
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request, url_for

from api.auth import require_admin
from api.services import get_services

log = logging.getLogger(__name__)

bp = Blueprint("documents", __name__, url_prefix="/api/v1")

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,200}$")
DOCUMENT_TYPES = ".txt, .html, .htm, .docx, .pdf"


def _upload() -> tuple[str, bytes]:
    """The uploaded document as (file name, bytes).

    Accepted: a multipart form with a ``file`` part (and an optional ``name``), a form with a
    ``text`` field, or a ``text/plain`` body (UTF-8).

    Raises:
        werkzeug.exceptions.HTTPException: 400 when no document was sent, 415 for another body.
    """
    name = request.form.get("name") if request.form else None
    if request.files:
        upload = request.files.get("file")
        if upload is None:
            abort(400, f"send the document in a multipart part named 'file' (got "
                       f"{', '.join(sorted(request.files))})")
        data = upload.read()
        name = name or upload.filename or "upload.txt"
    elif request.form and "text" in request.form:
        data = request.form["text"].encode("utf-8")
        name = name or "upload.txt"
    elif request.mimetype == "text/plain":
        data = request.get_data()
        name = request.args.get("name") or "upload.txt"
    else:
        abort(415, "send the document as multipart/form-data (part 'file', types "
                   f"{DOCUMENT_TYPES}), as a form field 'text', or as a text/plain body")
    if not data.strip():
        abort(400, "the document is empty; send its text or file")
    safe = PurePosixPath(str(name).replace("\\", "/")).name[:200] or "upload.txt"
    return safe, data


def _refused(name: str, message: str) -> Response:
    log.info("refused upload %s: %s", name, message.splitlines()[0] if message else "")
    response = jsonify({"error": "Unprocessable Content", "message": message, "document": name})
    response.status_code = 422
    return response


def precheck(data: bytes, name: str, *, base: str, validation: str, lexicon: Any) -> str | None:
    """Run the loader and the shapes as the build will, without writing anything.

    ``build_documents`` reports a refused document and skips it, but its write session still
    rewrites the ontology and inferred graphs (the same triples, a new store generation); a
    refusal found here means no write session starts at all.

    Returns:
        The refusal message, or None when the document would be written.
    """
    from graph import loading
    from graph.validate import validate_shacl

    try:
        _, triples = loading.extract(data, lexicon, base=base, name=name)
    except loading.LoaderError as exc:
        return str(exc)
    if validation == "refuse":
        shacl = validate_shacl(triples)
        if not shacl.ok:
            return f"{name}: the built graph violates the shapes:\n{shacl.text}"
    return None


@bp.post("/documents")
def upload_document() -> Response:
    """Load one document; 201 with its location (200 when it replaced an existing one)."""
    from graph.lexicon import build_lexicon
    from graph.loading import build_documents

    svc = get_services()
    require_admin(request, svc.settings, what="uploading a document")
    name, data = _upload()
    lexicon = build_lexicon()
    refusal = precheck(data, name, base=svc.settings.base, validation=svc.settings.validation,
                       lexicon=lexicon)
    if refusal is not None:
        return _refused(name, refusal)
    before = set(svc.store.graph_names())
    report = build_documents(svc.store, [(name, data)], base=svc.settings.base,
                             lexicon=lexicon, validation=svc.settings.validation)
    if report.failures:
        return _refused(name, report.failures[0][1])
    iri = report.documents[0]
    key = iri.rsplit("/", 1)[-1]
    status = 200 if iri in before else 201
    location = url_for("resources.member", path="documents", key=key)
    response = jsonify({
        "id": iri,
        "key": key,
        "url": location,
        "source": name,
        "measures": report.measures,
        "triples": report.triples,
        "replaced": status == 200,
    })
    response.status_code = status
    response.headers["Location"] = location
    return response


def delete_document(store: Any, iri: str) -> bool:
    """Drop a document's graph and recompute the graphs derived from all documents
    (inferred, discovered concepts), in one write session, as ``policykg delete`` does.

    Returns:
        Whether the document was there.
    """
    from graph.loading import delete_documents

    return bool(delete_documents(store, [iri]))


@bp.delete("/documents/<key>")
def remove_document(key: str) -> Response:
    """Remove one document (its named graph); 204, or 404 when there is none."""
    svc = get_services()
    require_admin(request, svc.settings, what="deleting a document")
    if not _KEY.match(key):
        abort(404, f"no document {key[:60]!r}")
    iri = f"{svc.settings.base}doc/{key}"
    if not delete_document(svc.store, iri):
        abort(404, f"no document {key!r} (<{iri}>); the list is at /api/v1/documents")
    return Response(status=204)
