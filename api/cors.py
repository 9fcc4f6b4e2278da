"""Cross-origin reads: ``Access-Control-Allow-Origin: *`` on what anyone may read, never more.

A browser page on another origin (a YASGUI elsewhere, a notebook) may query ``/sparql`` and
read ``/api/v1``. Writes get no CORS header at all, so browsers keep other origins from
sending them, and credentials are never allowed (no ``Access-Control-Allow-Credentials``;
``Authorization`` is not among the allowed request headers).
"""

from __future__ import annotations

from flask import Flask, Response, g, request

ALLOW_METHODS = "GET, HEAD, POST, OPTIONS"
ALLOW_HEADERS = "Accept, Accept-Language, Content-Type"
EXPOSE_HEADERS = (
    "Content-Type, Content-Length, ETag, Link, Location, Retry-After, X-Result-Truncated"
)
PREFIXES = ("/sparql", "/api/")
MAX_AGE = "86400"


def _is_write() -> bool:
    return bool(getattr(g, "policykg_write", False)) or "Authorization" in request.headers


def add_cors_headers(response: Response) -> Response:
    """Add the CORS headers a response may carry (see the module docstring)."""
    if not request.path.startswith(PREFIXES) or _is_write():
        return response
    response.headers["Access-Control-Allow-Origin"] = "*"
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        response.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
        response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        response.headers["Access-Control-Max-Age"] = MAX_AGE
    else:
        response.headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
    return response


def init_app(app: Flask) -> None:
    """Register the hook on ``app``."""
    app.after_request(add_cors_headers)
