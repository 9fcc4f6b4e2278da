"""A bounded soak of ``policykg serve``: many clients, mixed queries, figures at the end.

Run ``python -m bench.soak [--seconds 60] [--clients 32] [--url URL]``. Without ``--url`` it
starts ``policykg serve`` itself on a free loopback port over a new store in a temporary
folder (the server builds the bundled corpus into it first), with a 5 s query time limit.

Each client keeps one HTTP/1.1 connection and sends, at random: canned queries through the
REST API (every query of the catalogue with its example values), raw SPARQL by GET and POST
(SELECT, ASK, CONSTRUCT, DESCRIBE), resources and pages, and malformed queries that must be
answered 400. One more client sends a runaway query (a cartesian product; every other one
sorted, so that it also hits the workers' memory cap) every ``--runaway-every`` seconds, which
must be stopped with 503.

Every answer is classified: ``ok`` (the status the request must get), ``limited`` (a deliberate
limit: 503/504 with "Query timeout" or "Query too large") or ``error`` (anything else: a
5xx, a wrong status, a dropped connection). The server's resident memory (the server and its
query workers together) is sampled every second; "before" is taken after a warm-up, "after" at
the end, once the server is idle again. The figures are printed as a table and, with
``--json``, written as JSON.

``ServeProcess`` / :func:`start_serve` (a ``policykg serve`` child process) are used by the
reliability tests too (``tests/reliability``).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from bench.servers import free_port, tree_rss

ROOT = Path(__file__).resolve().parent.parent

# -- a `policykg serve` child process -------------------------------------------------------------


def clean_environ(**settings: Any) -> dict[str, str]:
    """This process's environment without ``POLICYKG_*``, plus ``settings`` as ``POLICYKG_*``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYKG_")}
    for key, value in settings.items():
        if value is not None:
            env[f"POLICYKG_{key.upper()}"] = str(value)
    return env


@dataclass
class ServeProcess:
    """A running ``policykg serve`` (in its own process group, with its query workers)."""

    url: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def rss(self) -> int:
        """Resident memory of the server and its query workers, in bytes."""
        return tree_rss(self.process.pid)

    def log_text(self) -> str:
        """What the server wrote to stdout and stderr so far (the access log included)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        """Whether the server process still runs."""
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group (server and workers), as a crash or OOM kill would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s)."""
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()


def start_serve(
    store: str,
    log_path: Path,
    *,
    port: int | None = None,
    settings: Mapping[str, Any] | None = None,
    user: int | None = None,
    pythonpath: str | None = None,
    timeout: float = 120.0,
) -> ServeProcess:
    """Start ``policykg serve`` over ``store`` and wait until ``/healthz`` answers 200.

    Args:
        store: the ``POLICYKG_STORE`` value.
        log_path: where the server's output goes.
        port: the port (a free one by default).
        settings: more ``POLICYKG_*`` settings by field name (``{"query_timeout": 5}``).
        user: run as this uid (and its gid), e.g. 65534 to drop root for permission tests.
        pythonpath: put this folder first on the server's ``PYTHONPATH``.
        timeout: seconds to wait for the server (it first builds an empty store).

    Raises:
        RuntimeError: the server exited or did not answer in time (with its output).
    """
    port = port or free_port()
    env = clean_environ(**dict(settings or {}))
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join([pythonpath, env.get("PYTHONPATH", "")]).rstrip(":")
    log = log_path.open("ab")
    extra: dict[str, Any] = {}
    if user is not None:
        extra = {"user": user, "group": user, "extra_groups": []}
        env["HOME"] = tempfile.gettempdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "graph.cli", "--store", store, "serve", "--port", str(port)],
        cwd=pythonpath or ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        **extra,
    )
    log.close()
    served = ServeProcess(f"http://127.0.0.1:{port}", port, process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"policykg serve exited with {process.returncode}:\n"
                               f"{served.log_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{served.url}/healthz", timeout=5) as response:
                if response.status == 200:
                    return served
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    served.kill()
    raise RuntimeError(f"policykg serve did not answer within {timeout:g} s:\n"
                       f"{served.log_text()[-3000:]}")


# -- the workload ---------------------------------------------------------------------------------

RAW_QUERIES = (
    "SELECT ?doc ?title WHERE { ?doc a <https://w3id.org/policykg/ontology#PolicyDocument> ; "
    "<http://purl.org/dc/terms/title> ?title } LIMIT 10",
    "SELECT (COUNT(*) AS ?n) WHERE { ?m a <https://w3id.org/policykg/ontology#Measure> }",
    "ASK { ?s a <https://w3id.org/policykg/ontology#Measure> }",
    "SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n) "
    "LIMIT 20",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s a <https://w3id.org/policykg/ontology#Measure> ; ?p ?o } "
    "LIMIT 200",
    "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?label "
    'FILTER(LANG(?label) = "zh" && CONTAINS(?label, "地区")) } LIMIT 50',
    "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 100",
    "DESCRIBE <https://w3id.org/policykg/id/ministry/MIIT>",
)
MALFORMED = (
    "SELECT * WHERE { ?s ?p }",
    "SELEKT ?s WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o ",
    'ASK { ?s ?p "unterminated }',
)
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
RUNAWAY_SORTED = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?f ?i"
PAGES = ("/", "/queries", "/api/v1/queries", "/api/v1/documents", "/api/v1/ministries",
         "/api/v1/measures?page=2", "/healthz")
LIMIT_ERRORS = ("Query timeout", "Query too large")


@dataclass(frozen=True)
class Request:
    """One request of the workload and the status it must get."""

    kind: str
    method: str
    path: str
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    expect: int = 200


@dataclass
class Tally:
    """What the clients saw."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    outcomes: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, outcome: str, status: int, seconds: float, note: str = "") -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            self.outcomes[outcome] += 1
            self.statuses[status] += 1
            if outcome == "error" and len(self.errors) < 20:
                self.errors.append(note)


def canned_paths(url: str) -> list[str]:
    """Every canned query's example run (``links.example`` of the catalogue)."""
    with urllib.request.urlopen(f"{url}/api/v1/queries", timeout=60) as response:
        catalogue = json.load(response)
    return [q["links"]["example"] for q in catalogue["queries"] if "example" in q["links"]]


def workload(canned: list[str]) -> list[tuple[Request, float]]:
    """The requests clients choose from, with their weights."""
    items: list[tuple[Request, float]] = []
    for path in canned:
        items.append((Request("canned", "GET", path), 40.0 / len(canned)))
    for query in RAW_QUERIES:
        items.append((Request("sparql-get", "GET", f"/sparql?query={quote(query, safe='')}",
                              headers=(("Accept", "application/sparql-results+json, "
                                        "text/turtle;q=0.9"),)), 15.0 / len(RAW_QUERIES)))
        items.append((Request("sparql-post", "POST", "/sparql", query.encode(),
                              (("Content-Type", "application/sparql-query"),)),
                      15.0 / len(RAW_QUERIES)))
    for path in PAGES:
        items.append((Request("pages", "GET", path,
                              headers=(("Accept", "text/html,application/json;q=0.9"),)),
                      20.0 / len(PAGES)))
    for query in MALFORMED:
        items.append((Request("malformed", "POST", "/sparql",
                              urlencode({"query": query}).encode(),
                              (("Content-Type", "application/x-www-form-urlencoded"),),
                              expect=400), 10.0 / len(MALFORMED)))
    return items


def _send(conn: http.client.HTTPConnection, req: Request) -> tuple[int, bytes]:
    conn.request(req.method, req.path, body=req.body, headers=dict(req.headers))
    response = conn.getresponse()
    return response.status, response.read()


def _classify(req: Request, status: int, body: bytes) -> str:
    if status == req.expect:
        return "ok"
    if status in (503, 504) and any(f'"{e}"'.encode() in body for e in LIMIT_ERRORS):
        return "limited"
    return "error"


def _client(url: str, items: list[tuple[Request, float]], tally: Tally, stop: float,
            seed: int) -> None:
    rng = random.Random(seed)
    requests, weights = zip(*items, strict=True)
    host = urlsplit(url)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
    while time.monotonic() < stop:
        req = rng.choices(requests, weights)[0]
        started = time.perf_counter()
        try:
            status, body = _send(conn, req)
        except (OSError, http.client.HTTPException) as exc:
            tally.add(req.kind, "error", 0, time.perf_counter() - started,
                      f"{req.method} {req.path[:120]}: {type(exc).__name__}: {exc}")
            conn.close()
            conn = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
            continue
        seconds = time.perf_counter() - started
        outcome = _classify(req, status, body)
        tally.add(req.kind, outcome, status, seconds,
                  f"{req.method} {req.path[:120]} → {status}: {body[:200]!r}")
    conn.close()


def _runaway_client(url: str, tally: Tally, stop: float, every: float) -> None:
    host = urlsplit(url)
    n = 0
    while time.monotonic() + every < stop:
        time.sleep(every)
        query = RUNAWAY_SORTED if n % 2 else RUNAWAY
        n += 1
        req = Request("runaway", "POST", "/sparql", urlencode({"query": query}).encode(),
                      (("Content-Type", "application/x-www-form-urlencoded"),), expect=503)
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=300)
        started = time.perf_counter()
        try:
            status, body = _send(conn, req)
            ok = status == 503 and any(f'"{e}"'.encode() in body for e in LIMIT_ERRORS)
            tally.add("runaway", "limited" if ok else "error", status,
                      time.perf_counter() - started, f"runaway → {status}: {body[:200]!r}")
        except (OSError, http.client.HTTPException) as exc:
            tally.add("runaway", "error", 0, time.perf_counter() - started,
                      f"runaway: {type(exc).__name__}: {exc}")
        finally:
            conn.close()


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def _metric(url: str, name: str) -> float | None:
    """The sum of every sample of one metric in ``/metrics``."""
    with urllib.request.urlopen(f"{url}/metrics", timeout=60) as response:
        text = response.read().decode("utf-8")
    values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
              if line.startswith(name) and (line[len(name)] in " {")]
    return sum(values) if values else None


def run_soak(
    url: str,
    *,
    seconds: float = 60.0,
    clients: int = 32,
    runaway_every: float = 10.0,
    warmup: float = 5.0,
    rss: Any = None,
    seed: int = 9,
    settle: float = 3.0,
) -> dict[str, Any]:
    """Run the soak against ``url`` and return its figures.

    Args:
        url: the server's base URL.
        seconds: how long the clients send (after the warm-up).
        clients: concurrent clients (one connection each).
        runaway_every: seconds between runaway queries (0: none).
        warmup: seconds of load before "RSS before" is taken (caches, workers started).
        rss: a callable returning the server's resident memory in bytes (None: not measured).
        seed: the clients' random seed.
        settle: idle seconds before "RSS after" is taken (as "before" follows the warm-up).
    """
    items = workload(canned_paths(url))
    warm = Tally()
    stop = time.monotonic() + warmup
    threads = [threading.Thread(target=_client, args=(url, items, warm, stop, seed + i))
               for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    requests_before = _metric(url, "policykg_http_requests_total") or 0.0
    samples: list[tuple[float, int]] = []
    rss_before = rss() if rss else None
    tally = Tally()
    started = time.monotonic()
    stop = started + seconds
    done = threading.Event()

    def sample() -> None:
        while not done.wait(1.0):
            if rss:
                samples.append((time.monotonic() - started, rss()))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    threads = [threading.Thread(target=_client, args=(url, items, tally, stop, seed * 1000 + i))
               for i in range(clients)]
    if runaway_every > 0:
        threads.append(threading.Thread(target=_runaway_client,
                                        args=(url, tally, stop, runaway_every)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    done.set()
    sampler.join()
    time.sleep(settle)  # a worker stopped by the last runaway query is reaped and replaced
    rss_after = rss() if rss else None
    all_latencies = [x for kind, xs in tally.latencies.items() if kind != "runaway" for x in xs]
    total = sum(tally.outcomes.values())
    requests_after = _metric(url, "policykg_http_requests_total") or 0.0
    figures: dict[str, Any] = {
        "seconds": round(elapsed, 1),
        "clients": clients,
        "requests": total,
        "requests_per_second": round(total / elapsed, 1) if elapsed else 0.0,
        "ok": tally.outcomes["ok"],
        "limited": tally.outcomes["limited"],
        "errors": tally.outcomes["error"],
        "error_samples": tally.errors,
        "statuses": dict(sorted(tally.statuses.items())),
        "latency_ms": {
            "p50": round(statistics.median(all_latencies) * 1000, 1) if all_latencies else 0.0,
            "p95": round(_percentile(all_latencies, 95) * 1000, 1),
            "p99": round(_percentile(all_latencies, 99) * 1000, 1),
            "max": round(max(all_latencies, default=0.0) * 1000, 1),
        },
        "p99_ms_by_kind": {k: round(_percentile(v, 99) * 1000, 1)
                           for k, v in sorted(tally.latencies.items())},
        "server_counted": int(requests_after - requests_before),
        "query_timeouts_total": _metric(url, "policykg_query_timeouts_total"),
    }
    if rss:
        figures["rss_mb"] = {
            "before": round((rss_before or 0) / 2**20, 1),
            "after": round((rss_after or 0) / 2**20, 1),
            "peak": round(max([s for _, s in samples] + [rss_after or 0]) / 2**20, 1),
        }
        figures["rss_samples_mb"] = [(round(t, 1), round(s / 2**20, 1)) for t, s in samples]
    return figures


def report(figures: Mapping[str, Any]) -> str:
    """The figures as a short text table."""
    lines = [
        f"soak: {figures['requests']} requests in {figures['seconds']} s from "
        f"{figures['clients']} clients ({figures['requests_per_second']}/s)",
        f"  ok {figures['ok']}, deliberate limits {figures['limited']}, "
        f"errors {figures['errors']}",
        f"  statuses {figures['statuses']}",
        "  latency ms: " + ", ".join(f"{k} {v}" for k, v in figures["latency_ms"].items()),
        "  p99 ms by kind: " + ", ".join(f"{k} {v}" for k, v in figures["p99_ms_by_kind"].items()),
        f"  server counted {figures['server_counted']} requests; "
        f"query timeouts {figures['query_timeouts_total']}",
    ]
    if "rss_mb" in figures:
        r = figures["rss_mb"]
        lines.append(f"  server RSS MB (with query workers): before {r['before']}, "
                     f"after {r['after']}, peak {r['peak']}")
    for sample in figures["error_samples"]:
        lines.append(f"  error: {sample}")
    return "\n".join(lines)


@contextlib.contextmanager
def own_server(settings: Mapping[str, Any], keep: Path | None = None) -> Iterator[ServeProcess]:
    """A ``policykg serve`` over a new store in a temporary folder (it builds the corpus)."""
    folder = Path(tempfile.mkdtemp(prefix="policykg-soak-"))
    try:
        server = start_serve(f"oxigraph:{folder / 'store'}", folder / "serve.log",
                             settings=settings)
        try:
            yield server
        finally:
            server.stop()
            if keep:
                shutil.copy(folder / "serve.log", keep)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Run the soak and print its figures; exit 1 when a request got an unexpected answer."""
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="an already running server (default: start one)")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--runaway-every", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=5.0,
                        help="POLICYKG_QUERY_TIMEOUT of the started server (default 5)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    def run(url: str, rss: Any) -> dict[str, Any]:
        return run_soak(url, seconds=args.seconds, clients=args.clients,
                        runaway_every=args.runaway_every, rss=rss)

    if args.url:
        figures = run(args.url.rstrip("/"), None)
    else:
        with own_server({"query_timeout": args.timeout}) as server:
            figures = run(server.url, server.rss)
    sys.stdout.write(report(figures) + "\n")
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n",
                             encoding="utf-8")
    return 1 if figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
