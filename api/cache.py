"""Finished answers of canned queries, kept per store version so a repeated request costs no query.

A canned query's answer is a function of the store's version and of what identifies the
representation (the bound query text, media type, page, page size, count): exactly what its
ETag is computed from. So the cache is keyed by that ETag and holds the answer's status,
headers and body; a write publishes a new store version, every later ETag differs, and the
entries of the old version are dropped the first time the new version is seen.

Bounded by bytes (``POLICYKG_RESPONSE_CACHE`` MiB, 0 turns it off), least recently used first
out; an answer larger than an eighth of the budget is never kept. Only successful answers are
kept: errors (a time limit, a bad value) are never served from here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import Response, current_app

_EXTENSION = "policykg.response_cache"


@dataclass(frozen=True, slots=True)
class Cached:
    """A finished answer: what is needed to send it again."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def response(self) -> Response:
        """A fresh response object carrying the kept answer."""
        return Response(self.body, status=self.status, headers=list(self.headers))


class ResponseCache:
    """A thread-safe LRU of :class:`Cached` answers within a byte budget, for one store version."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.used = 0
        self.version: str | None = None
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[str, Cached] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version: str, key: str) -> Response | None:
        """The kept answer for ``key`` under store ``version``, or None."""
        if self.budget <= 0:
            return None
        with self._lock:
            if version != self.version:
                self._reset(version)
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
        return found.response()

    def put(self, version: str, key: str, response: Response) -> None:
        """Keep a successful, fully built answer (streamed or oversized ones are skipped)."""
        if self.budget <= 0 or response.status_code != 200 or response.is_streamed:
            return
        body = response.get_data()
        size = len(body) + 256
        if size > self.budget // 8:
            return
        entry = Cached(200, tuple(response.headers.items()), body)
        with self._lock:
            if version != self.version:
                self._reset(version)
            old = self._entries.pop(key, None)
            if old is not None:
                self.used -= len(old.body) + 256
            self._entries[key] = entry
            self.used += size
            while self.used > self.budget and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self.used -= len(dropped.body) + 256

    def _reset(self, version: str) -> None:
        self._entries.clear()
        self.used = 0
        self.version = version

    def __len__(self) -> int:
        return len(self._entries)


def response_cache() -> ResponseCache:
    """The current app's cache (made on first use, sized by its settings)."""
    app = current_app
    cache = app.extensions.get(_EXTENSION)
    if cache is None:
        from api.services import get_services

        budget = get_services().settings.response_cache * 1024 * 1024
        cache = app.extensions.setdefault(_EXTENSION, ResponseCache(budget))
    return cache
