"""Settings from ``POLICYKG_*`` environment variables, read when asked, never at import time.

The CLI and the app factory both call :func:`load_settings`; a bad value stops start-up with a
message that names the variable, the value and the forms it accepts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from graph.errors import ConfigError

DEFAULT_STORE = "oxigraph:./var/store"
DEFAULT_BASE = "https://w3id.org/policykg/id/"


@dataclass(frozen=True, slots=True)
class Settings:
    """Every knob of a deployment, with the defaults a new machine runs with."""

    store: str = DEFAULT_STORE
    """Where the graph lives: ``oxigraph:PATH``, ``memory:`` or ``sparql:QUERY_URL;update=URL``."""
    base: str = DEFAULT_BASE
    """Base IRI of minted individuals (documents, measures …)."""
    query_timeout: float = 30.0
    """Seconds a query may run before it is stopped (503)."""
    max_rows: int = 100_000
    """Result rows returned at most; more are cut and the cut is signalled in a header."""
    max_body: int = 1024 * 1024
    """Largest request body accepted by /sparql, in bytes (413 above)."""
    max_upload: int = 20 * 1024 * 1024
    """Largest document accepted by POST /api/v1/documents, in bytes."""
    admin_token: str | None = None
    """Bearer token that allows writes (document uploads, SPARQL Update). Unset: read-only."""
    validation: str = "refuse"
    """What a build does with data that violates the SHACL shapes: ``refuse`` or ``warn``."""
    query_workers: int = 2
    """Worker processes that run SPARQL queries (so that a runaway query can be stopped)."""
    query_memory: int = 1024
    """MiB of memory each query worker may allocate; a query that needs more is stopped (503)."""
    allow_service: bool = False
    """Whether SPARQL ``SERVICE`` may reach other endpoints. Off: no outbound request."""
    page_size: int = 50
    """Default page size of REST results."""
    host: str = "127.0.0.1"
    port: int = 5000
    threads: int = 8
    """Threads of the production WSGI server."""
    response_cache: int = 64
    """MiB of finished canned-query answers kept per store version (0: no cache)."""


_CHOICES = {"validation": ("refuse", "warn")}
_ZERO_ALLOWED = frozenset({"response_cache"})
"""Integer settings for which 0 means "off"."""


def _convert(name: str, kind: Any, raw: str) -> Any:
    env = f"POLICYKG_{name.upper()}"
    if kind in ("bool", bool):
        low = raw.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{env}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off")
    if kind in ("int", int):
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"{env}={raw!r} is not an integer; give a whole number") from None
        if value < 0 or (value == 0 and name not in _ZERO_ALLOWED):
            raise ConfigError(f"{env}={raw!r} must be a positive integer")
        return value
    if kind in ("float", float):
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"{env}={raw!r} is not a number; give seconds, e.g. 30") from None
        if not value > 0:
            raise ConfigError(f"{env}={raw!r} must be a positive number of seconds")
        return value
    if name in _CHOICES and raw not in _CHOICES[name]:
        raise ConfigError(f"{env}={raw!r} is not valid; choose one of {', '.join(_CHOICES[name])}")
    return raw or None if name == "admin_token" else raw


def load_settings(
    environ: Mapping[str, str] | None = None, **overrides: Any
) -> Settings:
    """Read ``POLICYKG_*`` variables (then ``overrides``) into :class:`Settings`.

    Args:
        environ: the environment to read; ``os.environ`` when omitted.
        **overrides: values that win over the environment (command-line options, test config).

    Returns:
        The validated settings.

    Raises:
        ConfigError: a value cannot be used; the message names the variable and the valid forms.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw = env.get(f"POLICYKG_{f.name.upper()}")
        if raw is not None:
            values[f.name] = _convert(f.name, f.type, raw)
    settings = replace(Settings(), **values)
    clean = {k: v for k, v in overrides.items() if v is not None}
    unknown = set(clean) - {f.name for f in fields(Settings)}
    if unknown:
        raise ConfigError(f"unknown setting(s) {sorted(unknown)}")
    settings = replace(settings, **clean)
    # Import here: the store module validates the store spec and names the valid forms.
    from graph.store import parse_store_spec

    parse_store_spec(settings.store)
    if not settings.base.endswith(("/", "#")):
        raise ConfigError(f"POLICYKG_BASE={settings.base!r} must end with '/' or '#'")
    return settings
