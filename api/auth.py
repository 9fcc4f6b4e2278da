"""Who may write: one bearer token (``POLICYKG_ADMIN_TOKEN``), checked in constant time.

Every write the API offers (SPARQL Update on ``/sparql``, document uploads under ``/api/v1``)
calls :func:`require_admin` first. Without a configured token the deployment is read-only and
writes answer 403; with one, a missing or wrong ``Authorization: Bearer …`` answers 401.
"""

from __future__ import annotations

import hmac

from flask import Request, abort, g
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from graph.config import Settings

REALM = "policykg"


def _challenge(description: str, error: str | None = None) -> Unauthorized:
    params = {"realm": REALM} | ({"error": error} if error else {})
    return Unauthorized(description, www_authenticate=WWWAuthenticate("Bearer", params))


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def token_matches(given: str, expected: str) -> bool:
    """Compare two tokens in time that does not depend on where they differ."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def require_admin(request: Request, settings: Settings, *, what: str = "this write") -> None:
    """Allow the request to write, or stop it.

    Marks the request as a write (``g.policykg_write``), so that no CORS header is added to
    its response.

    Raises:
        werkzeug.exceptions.Forbidden: no admin token is configured (read-only deployment).
        werkzeug.exceptions.Unauthorized: the bearer token is missing or wrong.
    """
    g.policykg_write = True
    expected = settings.admin_token
    if not expected:
        abort(
            403,
            f"{what} is disabled: this deployment is read-only (an administrator enables "
            "writes by setting POLICYKG_ADMIN_TOKEN)",
        )
    given = bearer_token(request)
    if given is None:
        raise _challenge(f"{what} needs the header 'Authorization: Bearer <admin token>'")
    if not token_matches(given, expected):
        raise _challenge("the bearer token is not valid", "invalid_token")
