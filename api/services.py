"""What the views share: settings, the store, the catalogue, computed once per app."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app

from graph.catalogue import CannedQuery, class_members, load_catalogue
from graph.config import Settings
from graph.errors import QueryTimeoutError
from graph.executor import Executor, make_executor
from graph.namespace import PREFIXES
from graph.store import DatasetSpec, QueryResult, Store, open_store


@dataclass
class Services:
    """The long-lived objects of one app."""

    settings: Settings
    store: Store
    catalogue: dict[str, CannedQuery]
    executor: Executor | None = None
    """Runs queries under the limits (worker processes for ``oxigraph:``); made by ``open``."""
    timeouts: int = 0
    """Queries stopped at the time limit since the app started (for ``/metrics``)."""
    _members: dict[tuple[str, str], dict[str, list[str]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _count_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(
        cls, settings: Settings, *, store: Store | None = None, queries: Path | None = None
    ) -> Services:
        """Open the store (unless one is given) and read the catalogue (``queries``, a folder
        of ``.rq`` files, replaces the packaged one)."""
        store = store or open_store(settings.store)
        executor = make_executor(
            store, workers=settings.query_workers, allow_service=settings.allow_service,
            memory=settings.query_memory,
        )
        return cls(settings, store, load_catalogue(queries), executor)

    def run(
        self,
        sparql: str,
        *,
        accept: Sequence[str] = (),
        dataset: DatasetSpec | None = None,
        max_rows: int | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        """Run a query under the deployment's limits (time limit, row cap).

        Every view runs queries through here, so that the limits and the way they are
        enforced (a stoppable worker for the embedded store) live in one place.
        """
        if self.executor is None:
            self.executor = make_executor(
                self.store,
                workers=self.settings.query_workers,
                allow_service=self.settings.allow_service,
                memory=self.settings.query_memory,
            )
        try:
            return self.executor.run(
                sparql,
                accept=accept,
                dataset=dataset,
                max_rows=self.settings.max_rows if max_rows is None else max_rows,
                timeout=self.settings.query_timeout if timeout is None else timeout,
            )
        except QueryTimeoutError:
            with self._count_lock:
                self.timeouts += 1
            raise

    def close(self) -> None:
        """Stop the query workers (the store stays open for whoever passed it in)."""
        if self.executor is not None:
            self.executor.close()

    def members_of(self, cls_curie: str) -> dict[str, list[str]]:
        """Members of a class with their labels, cached per store version."""
        key = (cls_curie, self.store.version())
        with self._lock:
            if key not in self._members:
                self._members = {k: v for k, v in self._members.items() if k[1] == key[1]}
                self._members[key] = class_members(self.store, cls_curie, PREFIXES)
            return self._members[key]


def get_services() -> Services:
    """The services of the app handling the current request."""
    app: Any = current_app
    return app.extensions["policykg"]
