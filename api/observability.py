"""What operators see: one structured log line per request, ``GET /healthz``, ``GET /metrics``.

- **Access log**: one JSON object per request with the method, the path (without its query
  string), the route, the status, the duration in milliseconds, the size of the answer and
  ``qhash``, a short hash of the query (the SPARQL text for ``/sparql``, the query string and
  body elsewhere). The query text, the query string and every header (so the admin token) stay
  out of the log: the hash lets an operator match repeated queries without keeping what users
  asked. ``policykg serve`` turns the log on (:func:`enable_access_log`: stderr); a library
  user of :func:`api.create_app` gets no log unless it does the same.
- **/healthz**: 200 with the version, the store's kind, version and cheap counts (graphs,
  documents; triples once counted for this store version) when a query runs; 503 with the
  store's own message when it does not. For load balancers and ``curl``.
- **/metrics**: the Prometheus text format (version 0.0.4): requests by method, route and
  status; a latency histogram per route; query timeouts; workers stopped; the store's size
  (triples, graphs, documents, bytes on disk for ``oxigraph:``); the process's resident memory.

The per-request cost is small: counting takes about 3 µs (each server thread counts into its
own shard: no lock, no shared write; ``/metrics`` adds the shards up when scraped), writing the
log line about 15 µs more (one ``write(2)``, no logging handler lock). Labels are bounded:
the route is the URL rule (``/api/v1/queries/<name>/results``), never the raw path, and unknown
methods count as ``OTHER``, so hostile requests cannot grow the counters without bound.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
import time
from bisect import bisect_left
from pathlib import Path
from typing import IO, Any

from flask import Blueprint, Flask, Request, Response, current_app, request

from api.services import Services, get_services

bp = Blueprint("observability", __name__)

BUCKETS: tuple[float, ...] = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
)
"""Upper bounds (seconds) of the latency histogram's buckets; one more counts the rest."""
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"})
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"
COUNT_TIMEOUT = 10.0
"""Seconds the triple count of ``/metrics`` may take (once per store version)."""
HEALTH_TIMEOUT = 5.0
"""Seconds the probe query of ``/healthz`` may take."""
_SPARQL_BODIES = ("application/sparql-query", "application/sparql-update")
_START = "policykg.start"
_EXTENSION = "policykg.metrics"


class _Shard:
    """What one server thread counted; only that thread writes it."""

    __slots__ = ("latency", "requests", "sums")

    def __init__(self) -> None:
        self.requests: dict[tuple[str, str, int], int] = {}
        self.latency: dict[str, list[int]] = {}
        self.sums: dict[str, float] = {}


class Metrics:
    """Request counters and latency histograms of one app, kept per thread and summed on read."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._shards: list[_Shard] = []
        self._shards_lock = threading.Lock()  # taken once per thread, when its shard is made
        self._store_lock = threading.Lock()
        self._store_stats: tuple[str, dict[str, float]] | None = None
        self.started = time.time()

    def _shard(self) -> _Shard:
        shard = getattr(self._local, "shard", None)
        if shard is None:
            shard = self._local.shard = _Shard()
            with self._shards_lock:
                self._shards.append(shard)
        return shard

    def record(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one finished request (lock-free: the calling thread's own shard)."""
        shard = self._shard()
        key = (method, route, status)
        requests = shard.requests
        requests[key] = requests.get(key, 0) + 1
        hist = shard.latency.get(route)
        if hist is None:
            hist = shard.latency[route] = [0] * (len(BUCKETS) + 1)
        hist[bisect_left(BUCKETS, seconds)] += 1
        shard.sums[route] = shard.sums.get(route, 0.0) + seconds

    def totals(
        self,
    ) -> tuple[dict[tuple[str, str, int], int], dict[str, list[int]], dict[str, float]]:
        """Every shard added up: (requests by key, histogram counts by route, sums by route)."""
        with self._shards_lock:
            shards = list(self._shards)
        requests: dict[tuple[str, str, int], int] = {}
        latency: dict[str, list[int]] = {}
        sums: dict[str, float] = {}
        for shard in shards:
            for key, n in dict(shard.requests).items():  # dict() copies under the GIL
                requests[key] = requests.get(key, 0) + n
            for route, counts in dict(shard.latency).items():
                into = latency.setdefault(route, [0] * (len(BUCKETS) + 1))
                for i, n in enumerate(list(counts)):
                    into[i] += n
            for route, total in dict(shard.sums).items():
                sums[route] = sums.get(route, 0.0) + total
        return requests, latency, sums

    def store_stats(self, svc: Services) -> dict[str, float]:
        """Graphs, documents, triples and bytes on disk, computed once per store version.

        Raises:
            graph.errors.GraphError: the store cannot be read.
        """
        version = svc.store.version()
        cached = self._store_stats
        if cached is not None and cached[0] == version:
            return cached[1]
        with self._store_lock:
            cached = self._store_stats
            if cached is not None and cached[0] == version:
                return cached[1]
            stats = _count_store(svc)
            self._store_stats = (version, stats)
            return stats


def _count_store(svc: Services) -> dict[str, float]:
    from graph.errors import QueryTimeoutError
    from graph.store import SRJ

    names = svc.store.graph_names()
    docs = f"{svc.settings.base}doc/"
    stats: dict[str, float] = {
        "graphs": len(names),
        "documents": sum(1 for g in names if g.startswith(docs) and "/" not in g[len(docs):]),
    }
    try:
        result = svc.run(
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
            accept=(SRJ,),
            timeout=min(COUNT_TIMEOUT, svc.settings.query_timeout),
        )
        rows = json.loads(result.body)["results"]["bindings"]
        stats["triples"] = int(rows[0]["n"]["value"]) if rows else 0
    except QueryTimeoutError:
        stats["triples"] = float("nan")  # too big to count within the limit: say "unknown"
    size = _store_bytes(svc)
    if size is not None:
        stats["bytes"] = size
    return stats


def _store_bytes(svc: Services) -> int | None:
    """Bytes on disk of the published generation of an ``oxigraph:`` store (None otherwise)."""
    spec = getattr(svc.store, "spec", None)
    root = getattr(svc.store, "root", None)
    if spec is None or spec.kind != "oxigraph" or root is None:
        return None
    try:
        target = Path(root) / os.readlink(Path(root) / "current")
    except OSError:
        return 0
    total = 0
    for entry in target.rglob("*"):
        try:
            if entry.is_file() and not entry.is_symlink():
                total += entry.stat().st_size
        except OSError:
            continue
    return total


def metrics_of(app: Any) -> Metrics:
    """The :class:`Metrics` of an app built by :func:`api.create_app`."""
    return app.extensions[_EXTENSION]


# -- the request hooks --------------------------------------------------------------------------


def _cached_text(req: Request, name: str) -> str | None:
    """A parameter the view already read (URL, or a form it parsed); never parses a body."""
    value = req.args.get(name)
    if value is None:
        form = req.__dict__.get("form")  # set only once the view parsed the form
        if form is not None:
            value = form.get(name)
    return value


def query_hash(req: Request) -> str:
    """A short hash of what the request asks: the SPARQL text, else the query string and body.

    Only data the view already read is hashed, so a refused body (413) is never read here.
    """
    text: str | bytes | None = None
    if req.path.startswith("/sparql"):
        text = _cached_text(req, "query") or _cached_text(req, "update")
        if text is None and req.mimetype in _SPARQL_BODIES:
            text = getattr(req, "_cached_data", None)  # the body is the query
            if isinstance(text, bytes):
                text = text.removeprefix(b"\xef\xbb\xbf")
    if text is None:
        body = getattr(req, "_cached_data", None) or b""
        text = req.query_string + (b"\0" + body if body else b"")
    if not text:
        return "-"
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def _json_string(text: str) -> str:
    """``text`` as a JSON string; without ``json.dumps`` when nothing needs escaping."""
    if text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return json.dumps(text, ensure_ascii=False)


def access_line(req: Request, method: str, route: str, status: int, seconds: float,
                size: int | None) -> str:
    """One access-log line: a JSON object (see the module docstring) and a newline."""
    return (
        f'{{"ts":{time.time():.3f},"method":"{method}",'
        f'"path":{_json_string(req.path[:300])},'
        f'"route":{_json_string(route)},"status":{status},'
        f'"ms":{seconds * 1000:.2f},"bytes":{"null" if size is None else size},'
        f'"qhash":"{query_hash(req)}"}}\n'
    )


# -- the views ----------------------------------------------------------------------------------


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("policykg")
    except PackageNotFoundError:
        return "unknown"


@bp.get("/healthz")
def healthz() -> Response:
    """200 when a query runs on the store, 503 with the store's message when not."""
    from graph.errors import GraphError
    from graph.store import SRJ

    svc = get_services()
    body: dict[str, Any] = {"status": "ok", "version": _version()}
    store: dict[str, Any] = {"kind": svc.store.spec.kind}
    body["store"] = store
    try:
        svc.run("ASK {}", accept=(SRJ,), timeout=min(HEALTH_TIMEOUT, svc.settings.query_timeout))
        store["version"] = svc.store.version()
        names = svc.store.graph_names()
        docs = f"{svc.settings.base}doc/"
        store["graphs"] = len(names)
        store["documents"] = sum(
            1 for g in names if g.startswith(docs) and "/" not in g[len(docs):]
        )
        cached = metrics_of(current_app)._store_stats
        if cached is not None and cached[0] == store["version"] and "triples" in cached[1]:
            store["triples"] = cached[1]["triples"]
        status = 200
    except (GraphError, OSError) as exc:
        body["status"] = "unavailable"
        body["message"] = str(exc)
        status = 503
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status,
        content_type="application/json; charset=utf-8",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _labels(**labels: Any) -> str:
    def esc(value: Any) -> str:
        return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')

    return "{" + ",".join(f'{k}="{esc(v)}"' for k, v in labels.items()) + "}"


def _number(value: float) -> str:
    if value != value:  # NaN
        return "NaN"
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _rss_bytes() -> int | None:
    try:
        with open("/proc/self/statm", encoding="utf-8") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def render_metrics(app: Any) -> str:
    """The app's metrics in the Prometheus text format (see the module docstring)."""
    from graph.errors import GraphError

    svc: Services = app.extensions["policykg"]
    metrics = metrics_of(app)
    requests, latency, sums = metrics.totals()
    out: list[str] = []

    def family(name: str, kind: str, help_text: str) -> None:
        out.append(f"# HELP {name} {help_text}")
        out.append(f"# TYPE {name} {kind}")

    family(
        "policykg_http_requests_total", "counter", "HTTP requests answered, by route and status."
    )
    for (method, route, status), n in sorted(requests.items()):
        labels = _labels(method=method, route=route, status=status)
        out.append(f"policykg_http_requests_total{labels} {n}")

    family(
        "policykg_http_request_duration_seconds", "histogram",
        "Time from the request's dispatch to its response, by route.",
    )
    for route in sorted(latency):
        counts, running = latency[route], 0
        for bound, n in zip((*BUCKETS, float("inf")), counts, strict=True):
            running += n
            le = "+Inf" if bound == float("inf") else repr(bound)
            labels = _labels(route=route, le=le)
            out.append(f"policykg_http_request_duration_seconds_bucket{labels} {running}")
        labels = _labels(route=route)
        out.append(f"policykg_http_request_duration_seconds_sum{labels} {sums.get(route, 0.0)!r}")
        out.append(f"policykg_http_request_duration_seconds_count{labels} {running}")

    family(
        "policykg_query_timeouts_total", "counter",
        "Queries stopped at the time limit (or that found every worker busy for that long).",
    )
    out.append(f"policykg_query_timeouts_total {svc.timeouts}")
    killed = getattr(svc.executor, "killed", None)
    if killed is not None:
        family(
            "policykg_query_workers_stopped_total", "counter",
            "Query worker processes stopped because their query ran out of time.",
        )
        out.append(f"policykg_query_workers_stopped_total {killed}")

    family("policykg_store_up", "gauge", "1 when the store could be read for these metrics.")
    try:
        stats = metrics.store_stats(svc)
        up = 1
    except (GraphError, OSError):
        stats, up = {}, 0
    out.append(f"policykg_store_up {up}")
    for key, help_text in (
        ("triples", "Triples in the store's named graphs (counted once per store version)."),
        ("graphs", "Named graphs in the store."),
        ("documents", "Documents in the store."),
        ("bytes", "Bytes on disk of the published store generation (oxigraph: stores)."),
    ):
        if key in stats:
            family(f"policykg_store_{key}", "gauge", help_text)
            out.append(f"policykg_store_{key} {_number(stats[key])}")

    family("policykg_info", "gauge", "The running version and store kind.")
    out.append(f"policykg_info{_labels(version=_version(), store=svc.store.spec.kind)} 1")
    family("process_start_time_seconds", "gauge", "When the app was built (Unix time).")
    out.append(f"process_start_time_seconds {metrics.started!r}")
    rss = _rss_bytes()
    if rss is not None:
        family("process_resident_memory_bytes", "gauge", "Resident memory of the server process.")
        out.append(f"process_resident_memory_bytes {rss}")
    return "\n".join(out) + "\n"


@bp.get("/metrics")
def metrics() -> Response:
    """The Prometheus text exposition of :func:`render_metrics`."""
    response = Response(render_metrics(current_app), content_type=PROMETHEUS_TEXT)
    response.headers["Cache-Control"] = "no-store"
    return response


# -- wiring -------------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Count and log every request of ``app`` and serve ``/healthz`` and ``/metrics``.

    Call it first in the factory, so that its timer starts before the other hooks run. The
    hooks close over the app's :class:`Metrics`: no lookup, no lock per request.
    """
    metrics = Metrics()
    app.extensions[_EXTENSION] = metrics
    record = metrics.record
    clock = time.perf_counter

    def start() -> None:
        request.environ[_START] = clock()

    def finish(response: Response) -> Response:
        req: Request = request._get_current_object()  # type: ignore[attr-defined]
        started = req.environ.get(_START)
        if started is None:
            return response
        seconds = clock() - started
        method = req.method if req.method in METHODS else "OTHER"
        rule = req.url_rule
        route = rule.rule if rule is not None else "unmatched"
        status = response.status_code
        record(method, route, status, seconds)
        sink = _sink
        if sink is not None:
            sink(access_line(req, method, route, status, seconds,
                             response.calculate_content_length()))
        return response

    app.before_request(start)
    app.after_request(finish)
    app.register_blueprint(bp)


_sink: Any = None
"""Where access-log lines go (set by :func:`enable_access_log`); None: nowhere."""


def enable_access_log(stream: IO[str] | None = None) -> Any:
    """Write the access log, one JSON line per request, to ``stream`` (stderr by default).

    A stream with a file descriptor (stderr, a file, a pipe) gets each line with one
    ``write(2)``: no lock and no buffering, and lines from different threads never interleave
    (one short write to a pipe or an ``O_APPEND`` file is atomic).

    Returns:
        A function that turns the log off again.
    """
    global _sink
    stream = stream or sys.stderr
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        fd = None
    if fd is not None:
        stream.flush()

        def sink(line: str) -> None:
            os.write(fd, line.encode("utf-8", "replace"))
    else:
        lock = threading.Lock()  # an in-memory stream (tests): not on the serving path

        def sink(line: str) -> None:
            with lock:
                stream.write(line)

    _sink = sink

    def disable() -> None:
        global _sink
        if _sink is sink:
            _sink = None

    return disable
