"""Every error as JSON ``{"error", "message"}`` with the right status; never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from graph.catalogue import ParamError
from graph.errors import (
    ConfigError,
    NotAcceptableError,
    QueryMemoryError,
    QueryRefusedError,
    QuerySyntaxError,
    QueryTimeoutError,
    StoreBusyError,
    StoreUnavailableError,
)
from graph.executor import QueryFailedError

log = logging.getLogger(__name__)

STATUS: dict[type[Exception], tuple[int, str]] = {
    QuerySyntaxError: (400, "Malformed query"),
    QueryFailedError: (400, "Query failed"),
    ParamError: (400, "Bad parameter"),
    QueryRefusedError: (403, "Forbidden operation"),
    NotAcceptableError: (406, "Not Acceptable"),
    QueryTimeoutError: (503, "Query timeout"),
    QueryMemoryError: (503, "Query too large"),
    StoreBusyError: (503, "Store busy"),
    StoreUnavailableError: (503, "Store unavailable"),
    ConfigError: (500, "Configuration error"),
}


def error_response(status: int, error: str, message: str):
    """The JSON body every error uses."""
    response = jsonify({"error": error, "message": message})
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    """Register the handlers on ``app``."""

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        response = error_response(exc.code or 500, exc.name, exc.description or exc.name)
        for key, value in (exc.get_headers() or []):
            if key.lower() not in ("content-type", "content-length"):
                response.headers[key] = value
        return response

    for kind, (status, name) in STATUS.items():

        def _handler(exc: Exception, status: int = status, name: str = name):
            if status >= 500:
                log.warning("%s: %s", name, exc)
            return error_response(status, name, str(exc))

        app.register_error_handler(kind, _handler)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unexpected error")
        return error_response(
            500, "Internal Server Error", "the server failed on this request; it was logged"
        )
