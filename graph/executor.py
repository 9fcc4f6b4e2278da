"""Run queries under a time limit that holds even while the engine is mid-query.

pyoxigraph cannot be interrupted from Python, so for the embedded store (``oxigraph:``) queries
run in a small pool of persistent worker processes. Each worker opens the store read-only
(``open_store(spec, read_only=True)``; it reopens by itself when a writer publishes a new
generation), evaluates one query at a time and sends back the already serialised bytes. The
caller waits up to the time limit; on expiry it kills that worker, answers
:class:`~graph.errors.QueryTimeoutError`, and a replacement starts in the background while the
other workers keep serving.

Workers are fresh interpreters (``subprocess``, fork+exec: safe from a threaded server, and
nothing of the server's ``__main__`` is re-run) that start on first use, so building an app
costs nothing; Linux kills them with the server. Every executor of one store object shares
that store's pool, so apps built over one store (as tests do) do not multiply processes.

``memory:`` (rdflib, tests only) and ``sparql:`` stores run in the calling thread: the first
cannot be stopped, the second stops by its own HTTP timeout.

What this module does not do: choose formats (``graph.results``), speak HTTP (``api``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pickle
import queue
import subprocess
import sys
import threading
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import asdict, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from graph import errors
from graph.errors import (
    GraphError,
    QueryMemoryError,
    QueryTimeoutError,
    StoreUnavailableError,
)
from graph.sparql_text import check_text
from graph.store import DatasetSpec, QueryResult, Store, StoreSpec

log = logging.getLogger(__name__)

_READY = b"ready"
_MEMORY_MESSAGE = (
    "the query needed more memory than a query worker may use and was stopped; narrow it "
    "(add LIMIT, avoid ORDER BY or GROUP BY over large joins) or ask for a larger "
    "POLICYKG_QUERY_MEMORY"
)


class QueryFailedError(GraphError, ValueError):
    """The engine could not evaluate a query that parsed (the message carries its words)."""


class Executor(ABC):
    """Runs queries on a store under a time limit and a row cap."""

    def __init__(self, store: Store, *, allow_service: bool = False) -> None:
        self.store = store
        self.allow_service = allow_service

    def run(
        self,
        sparql: str,
        *,
        accept: Sequence[str] = (),
        dataset: DatasetSpec | None = None,
        max_rows: int | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        """Check the query (no SERVICE unless allowed, no DTD), then evaluate it.

        Raises:
            QueryRefusedError: the query asks for something refused (before anything runs).
            QuerySyntaxError: the query does not parse.
            NotAcceptableError: no media type in ``accept`` fits the result.
            QueryTimeoutError: the time limit hit (the query was stopped, where the store can).
            QueryFailedError: the engine failed on the query.
            StoreUnavailableError: the store cannot be read.
        """
        check_text(sparql, allow_service=self.allow_service)
        return self._run(sparql, tuple(accept), dataset, max_rows, timeout)

    @abstractmethod
    def _run(
        self,
        sparql: str,
        accept: tuple[str, ...],
        dataset: DatasetSpec | None,
        max_rows: int | None,
        timeout: float | None,
    ) -> QueryResult: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        """Stop whatever the executor started."""


class InlineExecutor(Executor):
    """Evaluates in the calling thread (``memory:``, ``sparql:``); the store applies ``timeout``."""

    def _run(
        self,
        sparql: str,
        accept: tuple[str, ...],
        dataset: DatasetSpec | None,
        max_rows: int | None,
        timeout: float | None,
    ) -> QueryResult:
        try:
            return self.store.query(
                sparql, accept=accept, dataset=dataset, max_rows=max_rows, timeout=timeout
            )
        except GraphError:
            raise
        except RecursionError:
            raise QueryFailedError("the query is nested too deeply to evaluate") from None
        except Exception as exc:  # rdflib's evaluator raises assorted Python errors
            raise QueryFailedError(f"the query could not be evaluated: {exc}") from exc


# -- the worker process --------------------------------------------------------------------


def _worker_entry() -> None:
    """``python -c`` entry of a worker: ``argv`` = read fd, write fd, store spec as JSON and
    the memory limit in MiB (0: none)."""
    import json
    import sys

    _die_with_parent()
    read_fd, write_fd, spec = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
    _limit_memory(int(sys.argv[4]) if len(sys.argv) > 4 else 0)
    _worker_main(
        Connection(read_fd, writable=False), Connection(write_fd, readable=False), StoreSpec(**spec)
    )


def _die_with_parent() -> None:
    """Ask Linux to kill this process when the server dies, even in the middle of a query."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the closed pipe still ends the worker after its query


def _limit_memory(mib: int) -> None:
    """Cap what this worker may allocate (``RLIMIT_DATA``: heap and anonymous mappings).

    A query that sorts or groups a cartesian product allocates gigabytes within seconds, well
    before its time limit. Past the cap, Oxigraph's allocation fails and the process aborts
    (Rust aborts on allocation failure); the parent sees the worker die and answers
    :class:`~graph.errors.QueryMemoryError`. Memory-mapped store files do not count.
    """
    if mib <= 0:
        return
    try:
        import resource

        limit = mib * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    except (ImportError, ValueError, OSError) as exc:  # not Linux, or a lower hard limit
        log.warning("cannot limit the query worker's memory to %d MiB: %s", mib, exc)


def _worker_main(inbox: Connection, outbox: Connection, spec: StoreSpec) -> None:
    """Serve queries from ``inbox`` until the parent closes it (runs in a worker process)."""
    from graph.store import open_store

    store: Store | None = None
    outbox.send_bytes(_READY)
    while True:
        try:
            request = inbox.recv_bytes()
        except (EOFError, OSError):
            return
        sparql, accept, dataset, max_rows = pickle.loads(request)
        try:
            if store is None:
                store = open_store(spec, read_only=True)
            result = store.query(sparql, accept=accept, dataset=dataset, max_rows=max_rows)
        except GraphError as exc:
            reply: tuple[Any, ...] = ("error", type(exc).__name__, str(exc), _extra(exc))
        except OSError as exc:
            reply = ("error", "StoreUnavailableError", f"cannot read the store: {exc}", None)
        except MemoryError:
            reply = ("error", "QueryMemoryError", _MEMORY_MESSAGE, None)
        except BaseException as exc:  # includes pyo3's PanicException
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            reply = ("error", "QueryFailedError", f"the query could not be evaluated: {exc}", None)
        else:
            reply = ("ok", result.kind, result.media_type, result.truncated, result.rows)
            _send_reply(outbox, reply, result.body)
            continue
        _send_reply(outbox, reply, b"")


def _send_reply(outbox: Connection, reply: tuple[Any, ...], body: bytes) -> None:
    """One message: the length of the pickled reply, the reply, then the body's bytes."""
    head = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
    outbox.send_bytes(len(head).to_bytes(4, "big") + head + body)


def _read_reply(inbox: Connection) -> tuple[tuple[Any, ...], bytes]:
    message = inbox.recv_bytes()
    size = int.from_bytes(message[:4], "big")
    return pickle.loads(message[4 : 4 + size]), message[4 + size :]


def _absolute(spec: StoreSpec) -> StoreSpec:
    """The spec with an absolute path, so workers find the store whatever their directory."""
    if spec.kind == "oxigraph" and spec.path:
        return replace(spec, path=str(Path(spec.path).expanduser().resolve()))
    return spec


def _extra(exc: GraphError) -> Any:
    if isinstance(exc, errors.NotAcceptableError):
        return (exc.kind, exc.offered)
    return None


def _rebuild(name: str, message: str, extra: Any) -> GraphError:
    if name == "NotAcceptableError" and extra:
        return errors.NotAcceptableError(*extra)
    if name == "QueryFailedError":
        return QueryFailedError(message)
    cls = getattr(errors, name, None)
    if isinstance(cls, type) and issubclass(cls, GraphError):
        return cls(message)
    return QueryFailedError(message)


class _Worker:
    """One worker process and the parent's ends of its two pipes.

    A fresh interpreter (``python -c``), not ``multiprocessing``: that would re-import the
    server's ``__main__`` in every worker, which runs any script that lacks a main guard.
    """

    def __init__(self, spec: StoreSpec, memory: int = 0) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p and os.path.isdir(p))
        try:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "from graph.executor import _worker_entry; _worker_entry()",
                    str(to_child_r),
                    str(from_child_w),
                    json.dumps(asdict(spec)),
                    str(memory),
                ],
                pass_fds=(to_child_r, from_child_w),
                stdin=subprocess.DEVNULL,
                env=env,
                close_fds=True,
            )
        except BaseException:
            for fd in (to_child_w, from_child_r):
                os.close(fd)
            raise
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.outbox = Connection(to_child_w, readable=False)
        self.inbox = Connection(from_child_r, writable=False)
        self.queries = 0

    def wait_ready(self, timeout: float) -> bool:
        try:
            return self.inbox.poll(timeout) and self.inbox.recv_bytes() == _READY
        except (EOFError, OSError):
            return False

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        for conn in (self.outbox, self.inbox):
            with contextlib.suppress(Exception):
                conn.close()
        with contextlib.suppress(Exception):
            self.process.wait(5)


class _Pool:
    """The state the pool's threads share; it holds no reference to the :class:`WorkerPool`.

    So the pool can be collected (its finalizer stops the workers) while threads still run.
    Every worker process is started by the one long-lived spawner thread: Linux delivers the
    parent-death signal when the *thread* that started a child ends, so a short-lived thread
    would take its worker with it.
    """

    def __init__(self, spec: StoreSpec, start_timeout: float, memory: int = 0) -> None:
        self.spec = spec
        self.start_timeout = start_timeout
        self.memory = memory
        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.workers: set[_Worker] = set()
        self.lock = threading.Lock()
        self.closed = threading.Event()
        self.requests: queue.Queue[float | None] = queue.Queue()
        self.spawner = threading.Thread(
            target=self._spawner, name="policykg-query-spawner", daemon=True
        )

    def request_worker(self, delay: float = 0.0) -> None:
        if not self.closed.is_set():
            self.requests.put(delay)

    def _spawner(self) -> None:
        while True:
            delay = self.requests.get()
            if delay is None or self.closed.is_set():
                return
            if delay:
                time.sleep(delay)
            worker = None
            try:
                worker = _Worker(self.spec, self.memory)
                threading.Thread(
                    target=self._await_ready, args=(worker, delay), name="policykg-query-start",
                    daemon=True,
                ).start()
            except Exception:  # no process or thread could be started: try again later
                log.exception("cannot start a query worker; retrying")
                if worker is not None:
                    worker.kill()
                self.request_worker(min(max(delay * 2, 0.5), 30.0))

    def _await_ready(self, worker: _Worker, delay: float) -> None:
        if not worker.wait_ready(self.start_timeout):
            log.error("a query worker did not start within %.0f s; retrying", self.start_timeout)
            worker.kill()
            self.request_worker(min(max(delay * 2, 0.5), 30.0))
            return
        with self.lock:
            if self.closed.is_set():
                worker.kill()
                return
            self.workers.add(worker)
        self.idle.put(worker)

    def discard(self, worker: _Worker) -> None:
        """Forget ``worker``, kill it without waiting, and ask for a replacement."""
        with self.lock:
            self.workers.discard(worker)
        threading.Thread(target=worker.kill, name="policykg-query-reap", daemon=True).start()
        self.request_worker()

    def shutdown(self) -> None:
        self.closed.set()
        self.requests.put(None)
        with self.lock:
            doomed = list(self.workers)
            self.workers.clear()
        for worker in doomed:
            worker.kill()


class WorkerPool:
    """Persistent worker processes for one embedded store (see the module docstring).

    One pool serves every executor of the same store object (apps built over one store share
    it, as the tests do), so the processes exist once per store, not once per app.
    """

    def __init__(
        self,
        spec: StoreSpec,
        *,
        workers: int = 2,
        start_timeout: float = 60.0,
        memory: int | None = None,
    ) -> None:
        self.size = max(1, workers)
        self.memory = memory or 0
        """MiB each worker may allocate (0: no limit)."""
        self._pool = _Pool(_absolute(spec), start_timeout, self.memory)
        self._start_lock = threading.Lock()
        self._started = False
        self.users = 0
        """Executors holding this pool; the last one to close stops it."""
        self.killed = 0
        """Workers stopped because a query ran out of time (for tests and stats)."""
        # Runs when the pool is collected or, at the latest, when the interpreter exits.
        self._finalizer = weakref.finalize(self, self._pool.shutdown)

    def start(self) -> None:
        """Start the workers in the background (the first query does it anyway)."""
        with self._start_lock:
            if self._started or self._pool.closed.is_set():
                return
            self._started = True
            self._pool.spawner.start()
            for _ in range(self.size):
                self._pool.request_worker()

    def grow(self, workers: int) -> None:
        """Have at least ``workers`` workers."""
        with self._start_lock:
            extra = workers - self.size
            if extra <= 0:
                return
            self.size = workers
            if self._started:
                for _ in range(extra):
                    self._pool.request_worker()

    @property
    def closed(self) -> bool:
        """Whether the pool was stopped."""
        return self._pool.closed.is_set()

    @property
    def live_workers(self) -> int:
        """Workers started and not stopped."""
        with self._pool.lock:
            return len(self._pool.workers)

    def close(self) -> None:
        """Stop every worker."""
        self._finalizer()

    def run(
        self,
        sparql: str,
        accept: tuple[str, ...],
        dataset: DatasetSpec | None,
        max_rows: int | None,
        timeout: float | None,
    ) -> QueryResult:
        """Evaluate in a worker; kill it if ``timeout`` passes (see :meth:`Executor.run`)."""
        if self.closed:
            raise StoreUnavailableError("the query workers were stopped; restart the server")
        if not self._started:
            self.start()
        limit = timeout if timeout is not None else float("inf")
        deadline = time.monotonic() + limit
        request = pickle.dumps(
            (sparql, accept, dataset, max_rows), protocol=pickle.HIGHEST_PROTOCOL
        )
        worker = self._checkout(request, deadline, limit)
        try:
            remaining = deadline - time.monotonic()
            if not worker.inbox.poll(None if limit == float("inf") else max(remaining, 0)):
                self.killed += 1
                self._pool.discard(worker)
                raise QueryTimeoutError(
                    f"the query ran longer than {limit:g} s and was stopped; narrow it (add "
                    "LIMIT, more specific patterns) or ask for a longer POLICYKG_QUERY_TIMEOUT"
                )
            reply, body = _read_reply(worker.inbox)
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            aborted = self.memory and _aborted(worker)
            self._pool.discard(worker)
            if aborted:
                raise QueryMemoryError(
                    f"{_MEMORY_MESSAGE} (the limit is {self.memory} MiB)"
                ) from None
            raise StoreUnavailableError(
                f"the query worker stopped unexpectedly ({exc or type(exc).__name__}); "
                "a new one is starting, try again"
            ) from None
        worker.queries += 1
        self._pool.idle.put(worker)
        if reply[0] == "ok":
            _, kind, media_type, truncated, rows = reply
            return QueryResult(kind, body, media_type, truncated=truncated, rows=rows)
        _, name, message, extra = reply
        raise _rebuild(name, message, extra)

    def _checkout(self, request: bytes, deadline: float, limit: float) -> _Worker:
        """An idle worker that accepted ``request``; a worker found dead is replaced."""
        while True:
            wait = None if limit == float("inf") else max(deadline - time.monotonic(), 0.0)
            try:
                worker = self._pool.idle.get(timeout=wait)
            except queue.Empty:
                raise QueryTimeoutError(
                    f"all {self.size} query workers stayed busy for {limit:g} s; try again "
                    "later (POLICYKG_QUERY_WORKERS sets how many queries run at once)"
                ) from None
            try:
                worker.outbox.send_bytes(request)
            except (EOFError, OSError):
                log.warning("a query worker had stopped; replacing it")
                self._pool.discard(worker)
                continue
            return worker


def _aborted(worker: _Worker) -> bool:
    """Whether a worker that stopped answering died of SIGABRT (a failed allocation)."""
    import signal

    try:
        code = worker.process.wait(2)
    except subprocess.TimeoutExpired:
        return False
    return code == -signal.SIGABRT


_POOLS: weakref.WeakKeyDictionary[Store, WorkerPool] = weakref.WeakKeyDictionary()
_POOLS_LOCK = threading.Lock()


def _acquire_pool(store: Store, workers: int, memory: int | None = None) -> WorkerPool:
    with _POOLS_LOCK:
        pool = _POOLS.get(store)
        if pool is None or pool.closed:
            pool = _POOLS[store] = WorkerPool(store.spec, workers=workers, memory=memory)
        else:
            pool.grow(workers)
        pool.users += 1
        return pool


def _release_pool(store: Store, pool: WorkerPool) -> None:
    with _POOLS_LOCK:
        pool.users -= 1
        if pool.users > 0:
            return
        if _POOLS.get(store) is pool:
            del _POOLS[store]
    pool.close()


class PooledExecutor(Executor):
    """Runs queries in the store's shared :class:`WorkerPool`."""

    def __init__(
        self,
        store: Store,
        *,
        workers: int = 2,
        allow_service: bool = False,
        memory: int | None = None,
    ) -> None:
        super().__init__(store, allow_service=allow_service)
        self.pool = _acquire_pool(store, workers, memory)
        self._released = False

    @property
    def killed(self) -> int:
        """Workers of the pool stopped by the time limit."""
        return self.pool.killed

    @property
    def live_workers(self) -> int:
        """Workers of the pool that are running."""
        return self.pool.live_workers

    def _run(
        self,
        sparql: str,
        accept: tuple[str, ...],
        dataset: DatasetSpec | None,
        max_rows: int | None,
        timeout: float | None,
    ) -> QueryResult:
        return self.pool.run(sparql, accept, dataset, max_rows, timeout)

    def close(self) -> None:
        """Let go of the pool; the last executor of a store stops its workers."""
        if not self._released:
            self._released = True
            _release_pool(self.store, self.pool)


def make_executor(
    store: Store, *, workers: int = 2, allow_service: bool = False, memory: int | None = None
) -> Executor:
    """The executor that suits ``store``: worker processes for ``oxigraph:``, inline otherwise.

    ``memory`` caps what each worker process may allocate, in MiB (see :func:`_limit_memory`).
    """
    if getattr(store, "spec", None) is not None and store.spec.kind == "oxigraph":
        return PooledExecutor(
            store, workers=workers, allow_service=allow_service, memory=memory
        )
    return InlineExecutor(store, allow_service=allow_service)
