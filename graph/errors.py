"""Errors of the graph layer: one base class, each message says what was wrong and what to do."""

from __future__ import annotations


class GraphError(Exception):
    """Base of every error raised by ``graph``."""


class ConfigError(GraphError, ValueError):
    """A setting (environment variable or option) has a value we cannot use."""


class UnknownStoreError(ConfigError):
    """``POLICYKG_STORE`` names no store we know."""


class StoreUnavailableError(GraphError):
    """The store cannot be reached or opened (a remote server is down, a directory unreadable)."""


class StoreBusyError(GraphError):
    """Another process holds the store's write lock."""


class QuerySyntaxError(GraphError, ValueError):
    """A SPARQL query or update does not parse; the message carries the parser's own words."""


class QueryTimeoutError(GraphError):
    """A query ran past its time limit and was stopped."""


class QueryMemoryError(GraphError):
    """A query needed more memory than a query worker may use, and was stopped."""


class QueryRefusedError(GraphError):
    """A query asks for something this deployment does not allow (SERVICE, LOAD, an update)."""


class NotAcceptableError(GraphError):
    """No result format the client accepts exists for this kind of result."""

    def __init__(self, kind: str, offered: list[str]) -> None:
        self.kind = kind
        self.offered = offered
        super().__init__(
            f"no acceptable format for a {kind} result; this endpoint offers: {', '.join(offered)}"
        )


class ValidationError(GraphError):
    """A build produced data that violates the SHACL shapes; nothing was written."""
