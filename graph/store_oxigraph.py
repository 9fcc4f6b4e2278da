"""The embedded store: Oxigraph (RocksDB) on disk, written in generations, read without locks.

RocksDB allows one read-write process, and a read-only instance of a directory that another
process writes to is undefined behaviour. So readers and writers never share a directory:

- ``PATH/current`` is a symbolic link to the published generation, ``PATH/gen-<n>-<tag>``.
- A writer takes ``PATH/write.lock``, checkpoints the current generation into a new one
  (RocksDB checkpoints hard-link the immutable table files: cheap), opens the copy read-write,
  applies all its changes, closes it, and then swaps ``current`` with one atomic ``rename``.
- Readers (the server, its query workers, ``policykg query``) open ``current`` read-only and
  reopen when the link moves. A reader never sees a half-written generation, a killed builder
  leaves ``current`` as it was, and two builders queue on the lock.

Superseded generations are deleted by the next writer once no reader can still be using them
(:data:`KEEP_SUPERSEDED_SECONDS` after they were superseded); generations a killed writer left
half-written are deleted by the next writer at once. A full or read-only disk fails the write
session with :class:`StoreUnavailableError` before ``current`` moves, so the store keeps
serving its last complete generation.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import gc
import json
import logging
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from graph.errors import (
    NotAcceptableError,
    QuerySyntaxError,
    StoreBusyError,
    StoreUnavailableError,
)
from graph.results import (
    RDF_FORMATS,
    RESULTS_FORMATS,
    choose_media_type,
    count_rows,
    serialize_boolean,
    serialize_solutions,
    serialize_triples,
)
from graph.sparql_text import has_dataset_clause, operation_form
from graph.store import NQUADS, SRJ, TRIG, DatasetSpec, QueryResult, Store, StoreSpec

log = logging.getLogger(__name__)

_GEN = re.compile(r"^gen-(\d{6})-[0-9a-f]{6}$")
_CHECKPOINT = re.compile(r"^gen-\d{6}-[0-9a-f]{6}\.tmp$")
"""A checkpoint a killed writer left half-made (RocksDB fills NAME.tmp, then renames it)."""
_TRAILING_LIMIT = re.compile(r"\bLIMIT\s+(\d+)\s*(?:OFFSET\s+\d+\s*)?$", re.IGNORECASE)
KEEP_SUPERSEDED_SECONDS = 300.0
"""How long a superseded generation stays on disk for readers still finishing a query."""


def _quads(graph: str, triples: Iterable[ox.Triple]) -> Iterator[ox.Quad]:
    name = ox.NamedNode(graph)
    for t in triples:
        yield ox.Quad(t.subject, t.predicate, t.object, name)


class OxigraphWriter:
    """The changes of one write session, applied to a private generation."""

    atomic_session = True
    """Everything done in the session is published at once (readers never see a part)."""

    BULK_BYTES = 64 * 1024 * 1024
    """N-Quads gathered before one bulk load (bulk loading writes sorted tables directly: about
    2.5 times faster than transactional loads, and safe here since the generation is private).
    Each bulk load costs a sort and a compaction of what came before: in a build of 1 000
    documents, 64 MiB at a time took some 15 % less of the writer's CPU than 32 MiB, for
    about 130 MiB more peak memory (a bulk load holds a few times its input while it sorts)."""

    def __init__(self, store: ox.Store) -> None:
        self._store: ox.Store | None = store
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._pending_graphs: set[str] = set()

    @property
    def store(self) -> ox.Store:
        """The private generation, with every pending bulk load applied."""
        if self._store is None:
            raise StoreUnavailableError("this write session has ended; open a new one")
        if self._pending:
            self.flush_pending()
        return self._store

    def flush_pending(self) -> None:
        """Bulk-load the gathered N-Quads now."""
        if self._store is None or not self._pending:
            return
        data = b"".join(self._pending)
        self._pending, self._pending_bytes, self._pending_graphs = [], 0, set()
        self._store.bulk_load(data, format=ox.RdfFormat.N_QUADS)

    def _gather(self, iri: str, data: bytes) -> None:
        """Queue N-Triples for ``iri`` as N-Quads.

        Every line ends with " .\n" as Oxigraph writes N-Triples, and no literal holds a raw
        line break (N-Triples escapes it), so one ``bytes.replace`` turns the whole buffer into
        N-Quads (a Python loop over the lines cost 20 ms per document of a build).
        """
        self._pending.append(data.replace(b" .\n", f" <{iri}> .\n".encode()))
        self._pending_bytes += len(self._pending[-1])
        self._pending_graphs.add(iri)
        if self._pending_bytes >= self.BULK_BYTES:
            self.flush_pending()

    def _end(self) -> None:
        self._store = None
        self._pending, self._pending_bytes, self._pending_graphs = [], 0, set()

    def replace_graphs(self, graphs: Mapping[str, Iterable[ox.Triple]]) -> None:
        """Replace each named graph by the given triples."""
        store = self.store
        for iri, triples in graphs.items():
            name = ox.NamedNode(iri)
            if store.contains_named_graph(name):
                store.remove_graph(name)
            store.extend(_quads(iri, triples))

    def load_graph(self, iri: str, data: bytes) -> None:
        """Replace a named graph by N-Triples (as Oxigraph writes them), bulk-loaded later."""
        if iri in self._pending_graphs:
            self.flush_pending()  # the same graph twice in a session: the second one wins
        raw, name = self._store, ox.NamedNode(iri)
        if raw is None:
            raise StoreUnavailableError("this write session has ended; open a new one")
        if raw.contains_named_graph(name):
            raw.remove_graph(name)
        self._gather(iri, data)

    def append_graph(self, iri: str, data: bytes) -> None:
        """Add N-Triples (as Oxigraph writes them) to a named graph, bulk-loaded later."""
        if self._store is None:
            raise StoreUnavailableError("this write session has ended; open a new one")
        self._gather(iri, data)

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Quads of one named graph, or of all named graphs, as the session sees them."""
        if graph is not None:
            yield from self.store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
            return
        for q in self.store.quads_for_pattern(None, None, None):
            if not isinstance(q.graph_name, ox.DefaultGraph):
                yield q

    def drop_graph(self, iri: str) -> bool:
        """Remove a named graph; return whether it existed."""
        name = ox.NamedNode(iri)
        existed = self.store.contains_named_graph(name)
        if existed:
            self.store.remove_graph(name)
        return existed

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update on the private generation."""
        try:
            self.store.update(sparql)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc

    def construct(self, sparql: str) -> list[ox.Triple]:
        """Triples of a CONSTRUCT over the union of the session's graphs (for inference)."""
        return list(self.store.query(sparql, use_default_graph_as_union=True))  # type: ignore[arg-type]

    def query(self, sparql: str, **kwargs: object) -> QueryResult:
        """Run a query on the session's own state (see :func:`run_query`)."""
        return run_query(self.store, sparql, **kwargs)  # type: ignore[arg-type]

    def select(self, sparql: str) -> list[dict[str, dict[str, str]]]:
        """Rows of a SELECT on the session's state, as SPARQL JSON bindings."""
        body = run_query(self.store, sparql, accept=(SRJ,)).body
        return json.loads(body)["results"]["bindings"]

    def ask(self, sparql: str) -> bool:
        """The answer of an ASK on the session's state."""
        return bool(self.store.query(sparql, use_default_graph_as_union=True))

    def graph_names(self) -> list[str]:
        """Named graphs as the session sees them."""
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))


class OxigraphStore(Store):
    """``oxigraph:PATH``: see the module docstring for how reads and writes stay apart."""

    def __init__(self, spec: StoreSpec, *, read_only: bool = False) -> None:
        self.spec = spec
        self.root = Path(spec.path or "./var/store").expanduser()
        self.read_only = read_only
        self._lock = threading.Lock()
        self._reader: ox.Store | None = None
        self._reader_target: str | None = None
        if not read_only:
            try:
                self.root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreUnavailableError(
                    f"cannot create the store directory {self.root}: {exc.strerror}; "
                    "choose a writable path with POLICYKG_STORE=oxigraph:PATH"
                ) from exc
        elif not self.root.exists():
            raise StoreUnavailableError(
                f"no store at {self.root}; build one first with `policykg build`"
            )

    # -- reading -------------------------------------------------------------

    def _current_target(self) -> str | None:
        try:
            return os.readlink(self.root / "current")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreUnavailableError(f"cannot read {self.root / 'current'}: {exc}") from exc

    def reader(self) -> ox.Store:
        """The published generation, opened read-only; reopened when a writer published anew."""
        target = self._current_target()
        with self._lock:
            if self._reader is None or target != self._reader_target:
                if target is None:
                    self._reader = ox.Store()  # nothing built yet: an empty dataset
                else:
                    try:
                        self._reader = ox.Store.read_only(str(self.root / target))
                    except OSError as exc:
                        raise StoreUnavailableError(
                            f"cannot open the store generation {self.root / target}: {exc}; "
                            "check the directory's permissions or rebuild with `policykg build`"
                        ) from exc
                self._reader_target = target
            return self._reader

    def query(
        self,
        sparql: str,
        *,
        accept: Sequence[str] = (),
        dataset: DatasetSpec | None = None,
        max_rows: int | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        """Run the query natively in Oxigraph (see :meth:`Store.query`); the caller times it."""
        return run_query(self.reader(), sparql, accept=accept, dataset=dataset, max_rows=max_rows)

    # -- writing -------------------------------------------------------------

    @contextlib.contextmanager
    def writer(self, *, wait: float = 30.0) -> Iterator[OxigraphWriter]:
        """A write session: everything done inside is published at once, or not at all.

        Args:
            wait: seconds to wait for another writer to finish.

        Raises:
            StoreBusyError: another writer kept the lock longer than ``wait``.
            StoreUnavailableError: the store cannot be written (read-only, disk full); the
                published generation is untouched.
        """
        if self.read_only:
            raise StoreUnavailableError(
                f"the store at {self.root} was opened read-only; writes go through "
                "`policykg build` or the server's POST /api/v1/documents"
            )
        with self._write_lock(wait):
            current = self._current_target()
            self._collect_garbage(keep={current})  # room first: a killed writer's leftovers
            match = _GEN.match(current) if current else None
            serial = int(match.group(1)) + 1 if match else 1
            name = f"gen-{serial:06d}-{secrets.token_hex(3)}"
            path = self.root / name
            try:
                if current is not None:
                    source = ox.Store.read_only(str(self.root / current))
                    source.backup(str(path))
                    del source
                    gc.collect()
                store = ox.Store(str(path))
            except OSError as exc:
                shutil.rmtree(path, ignore_errors=True)
                raise _os_error(exc, self.root) from exc
            session = OxigraphWriter(store)
            try:
                yield session
                started = time.monotonic()
                session.flush_pending()
                store.flush()
                store.optimize()
                log.info("generation %s on disk in %.1f s", name, time.monotonic() - started)
            except BaseException as exc:
                session._end()
                del store
                gc.collect()
                shutil.rmtree(path, ignore_errors=True)
                if isinstance(exc, OSError):
                    raise _os_error(exc, self.root) from exc
                raise
            session._end()
            del store
            gc.collect()
            try:
                self._publish(name, previous=current)
            except OSError as exc:
                shutil.rmtree(path, ignore_errors=True)
                raise _os_error(exc, self.root) from exc
            self._collect_garbage(keep={name, current})

    @contextlib.contextmanager
    def _write_lock(self, wait: float) -> Iterator[None]:
        lock_path = self.root / "write.lock"
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise _os_error(exc, self.root) from exc
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise StoreBusyError(
                            f"another process is writing the store at {self.root}; "
                            "wait for it to finish, or send the document to the running server "
                            "(POST /api/v1/documents)"
                        ) from None
                    time.sleep(0.05)
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            yield
        finally:
            os.close(fd)

    def _publish(self, name: str, previous: str | None = None) -> None:
        """Point ``current`` at ``name`` with one atomic rename, durably."""
        (self.root / name / ".published").write_text(f"{time.time()}\n", encoding="utf-8")
        link = self.root / f".current-{name}"
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        os.symlink(name, link)
        os.replace(link, self.root / "current")
        dir_fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        if previous is not None:
            with contextlib.suppress(OSError):
                (self.root / previous / ".superseded").write_text(
                    f"{time.time()}\n", encoding="utf-8"
                )
        log.info("published store generation %s", name)

    def _collect_garbage(self, keep: set[str | None]) -> None:
        """Delete generations nobody can be reading: unpublished ones, and old superseded ones.

        Runs under the write lock, so an unpublished generation is never one being written.
        """
        now = time.time()
        current = self._current_target()
        for entry in self.root.iterdir():
            if entry.name.startswith(".current-") and entry.is_symlink():
                with contextlib.suppress(OSError):
                    entry.unlink()  # a publish interrupted before its rename
                continue
            if _CHECKPOINT.match(entry.name) and entry.is_dir():
                log.info("removing an unfinished checkpoint %s", entry.name)
                shutil.rmtree(entry, ignore_errors=True)  # RocksDB writes NAME.tmp, then renames
                continue
            if not _GEN.match(entry.name) or entry.name in keep or entry.name == current:
                continue
            published = entry / ".published"
            superseded = entry / ".superseded"
            if not published.exists():
                stale = True  # a writer was killed before publishing it
            else:
                since = superseded if superseded.exists() else published
                try:
                    stale = now - since.stat().st_mtime > KEEP_SUPERSEDED_SECONDS
                except OSError:
                    stale = True
            if stale:
                log.info("removing stale store generation %s", entry.name)
                shutil.rmtree(entry, ignore_errors=True)

    def generations(self) -> list[str]:
        """Names of the generation folders on disk (published or not), oldest first."""
        return sorted(e.name for e in self.root.iterdir() if _GEN.match(e.name))

    def replace_graphs(self, graphs: Mapping[str, Iterable[ox.Triple]]) -> None:
        """Replace named graphs in one new generation."""
        with self.writer() as w:
            w.replace_graphs(graphs)

    def append_graph(self, iri: str, data: bytes) -> None:
        """Add N-Triples to a named graph in one new generation."""
        with self.writer() as w:
            w.append_graph(iri, data)

    def drop_graph(self, iri: str) -> bool:
        """Drop a named graph in one new generation (no new generation when it is absent)."""
        if iri not in self.graph_names():
            return False
        with self.writer() as w:
            return w.drop_graph(iri)

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update in one new generation."""
        try:
            ox.Store().update(sparql)  # parse first: a syntax error must not cost a generation
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        except (OSError, RuntimeError):
            pass  # evaluation on an empty store (DROP GRAPH <g> …) says nothing about syntax
        with self.writer() as w:
            w.update(sparql)

    def graph_names(self) -> list[str]:
        """Named graphs of the published generation."""
        return sorted(
            g.value for g in self.reader().named_graphs() if isinstance(g, ox.NamedNode)
        )

    def dump(self, out: BinaryIO, media_type: str = NQUADS) -> None:
        """Write every quad of the published generation's named graphs (N-Quads or TriG)."""
        fmt = RDF_FORMATS[media_type if media_type in (NQUADS, TRIG) else NQUADS]
        ox.serialize(self.quads(), out, format=fmt)

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad of one named graph, or of all of them, from the published generation."""
        reader = self.reader()
        if graph is not None:
            yield from reader.quads_for_pattern(None, None, None, ox.NamedNode(graph))
            return
        for q in reader.quads_for_pattern(None, None, None):
            if not isinstance(q.graph_name, ox.DefaultGraph):
                yield q

    def version(self) -> str:
        """The name of the published generation (changes with every write)."""
        return self._current_target() or "empty"

    def close(self) -> None:
        """Drop the reader; the next call reopens."""
        with self._lock:
            self._reader = None
            self._reader_target = None


_DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_NOT_WRITABLE = (errno.EACCES, errno.EROFS, errno.EPERM)


def _os_error(exc: OSError, root: Path) -> StoreUnavailableError:
    """Our error for an I/O failure while writing, saying what to do.

    RocksDB's errors reach Python as ``OSError`` without an errno, with the system's message in
    the text, so both are looked at.
    """
    text = str(exc)
    if exc.errno in _DISK_FULL or any(
        words in text for words in ("No space left", "Disk quota", "File too large")
    ):
        return StoreUnavailableError(
            f"the disk holding {root} is full ({text}); free space and run the build again "
            "(the store still serves its last complete graph)"
        )
    if exc.errno in _NOT_WRITABLE or any(
        words in text for words in ("Read-only file system", "Permission denied")
    ):
        return StoreUnavailableError(
            f"cannot write the store at {root} ({text}); make the directory writable "
            "or choose another with POLICYKG_STORE=oxigraph:PATH "
            "(the store still serves its last complete graph)"
        )
    return StoreUnavailableError(f"cannot write the store at {root}: {text}")


def _bounded_by_limit(sparql: str, max_rows: int) -> bool:
    """Whether the query ends with a top-level ``LIMIT n`` (not in a comment) with n ≤ max_rows.

    A query's last tokens are its outermost solution modifiers, so such a query can be written by
    Oxigraph's native serialiser with no risk of passing the row cap.
    """
    text = sparql.rstrip()
    match = _TRAILING_LIMIT.search(text)
    if not match:
        return False
    line_start = text.rfind("\n", 0, match.start()) + 1
    if "#" in text[line_start : match.start()]:
        return False
    return int(match.group(1)) <= max_rows


def _limited(sparql: str, limit: int) -> str | None:
    """``sparql`` with its outermost solutions limited to ``limit``, or None when unsure how.

    A trailing top-level ``LIMIT n`` (n larger) is lowered; otherwise ``LIMIT`` is appended on
    a line of its own, which SPARQL's grammar accepts only as the outermost query's limit
    (after ``ORDER BY``, ``OFFSET`` …). Where it does not fit (a trailing ``VALUES`` block, a
    ``LIMIT`` after a ``#`` that was not a comment) Oxigraph refuses the text and the caller
    falls back to the text as written.
    """
    if operation_form(sparql) != "SELECT":
        return None
    text = sparql.rstrip()
    match = _TRAILING_LIMIT.search(text)
    if match and "#" not in text[text.rfind("\n", 0, match.start()) + 1 : match.start()]:
        return f"{text[: match.start(1)]}{limit}{text[match.end(1) :]}"
    return f"{sparql}\nLIMIT {limit}\n"  # after a commented-out LIMIT too


def run_query(
    store: ox.Store,
    sparql: str,
    *,
    accept: Sequence[str] = (),
    dataset: DatasetSpec | None = None,
    max_rows: int | None = None,
) -> QueryResult:
    """Evaluate ``sparql`` on an Oxigraph store and serialise the answer.

    The default graph is the union of all graphs unless ``dataset`` names graphs. Solutions are
    written by Oxigraph's own serialisers (several times faster than Python) whenever the row
    cap is sure to hold: when a trailing ``LIMIT`` already keeps them under ``max_rows``, and
    otherwise by asking Oxigraph for at most ``max_rows + 1`` solutions (the query limited
    with :func:`_limited`). Only when that extra row comes back, or the limit cannot be added,
    are the solutions written by :mod:`graph.results`, which stops at ``max_rows``.

    Raises:
        QuerySyntaxError: the query does not parse.
        NotAcceptableError: no acceptable media type for the result.
    """
    kwargs: dict[str, object] = {}
    if dataset is None or dataset.is_default:
        # The union would override the query's own FROM / FROM NAMED: keep those as written.
        if not has_dataset_clause(sparql):
            kwargs["use_default_graph_as_union"] = True
    else:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in dataset.default_graphs] or [
            ox.DefaultGraph()
        ]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in dataset.named_graphs]
    limited = None
    if max_rows is not None and not _bounded_by_limit(sparql, max_rows):
        limited = _limited(sparql, max_rows + 1)
    if limited is not None:
        try:
            media = choose_media_type("solutions", accept)
            solutions = store.query(limited, **kwargs)  # type: ignore[arg-type]
        except (SyntaxError, NotAcceptableError):
            pass  # evaluate the text as written: its own error, in the usual order
        else:
            body = solutions.serialize(format=RESULTS_FORMATS[media]) or b""  # type: ignore[union-attr]
            rows = count_rows(body, media, max_rows)
            if rows is None or rows <= max_rows:
                return QueryResult("solutions", body, media, rows=rows)
    try:
        result = store.query(sparql, **kwargs)  # type: ignore[arg-type]
    except SyntaxError as exc:
        raise QuerySyntaxError(str(exc)) from exc
    if isinstance(result, ox.QueryBoolean):
        media = choose_media_type("boolean", accept)
        return QueryResult("boolean", serialize_boolean(bool(result), media), media)
    if isinstance(result, ox.QueryTriples):
        media = choose_media_type("graph", accept)
        body, cut = serialize_triples(result, media, max_rows)
        return QueryResult("graph", body, media, truncated=cut)
    media = choose_media_type("solutions", accept)
    if max_rows is None or _bounded_by_limit(sparql, max_rows):
        body = result.serialize(format=RESULTS_FORMATS[media])
        return QueryResult("solutions", body or b"", media)
    variables = [v.value for v in result.variables]
    body, cut, rows = serialize_solutions(variables, result, media, max_rows)
    return QueryResult("solutions", body, media, truncated=cut, rows=rows)
