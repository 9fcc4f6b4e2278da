"""``python -m bench run``: build, serving latency and throughput, ours against Oxigraph server.

For each corpus size (synthetic documents from :mod:`bench.corpus`, seed 0):

1. **Build** the documents into a new embedded store, and (up to ``--remote-max`` documents)
   into a new ``oxigraph serve`` through ``sparql:``; documents/s, triples/s, peak memory.
2. **Serve** (sizes in ``--serve``): dump the embedded store, load the dump into Oxigraph's own
   format, start ``oxigraph serve-read-only`` on it and ``policykg serve`` on ours.
   - Sequential latency, pair by pair (:mod:`bench.workload`), ours and peer interleaved
     sample by sample so that whatever else the machine does hits both alike. Ours runs once
     with the canned-answer cache off (``POLICYKG_RESPONSE_CACHE=0``: every REST request runs
     its query) and once as shipped (REST answers served from the cache after the first).
   - Throughput with 1, 8 and 32 concurrent clients on the interactive mix: the ``sparql``
     pairs that both servers answer in under ``--mix-limit`` seconds.
   - Start-up: seconds from starting ``policykg serve`` to its first answer.
3. **Extraction** of the seed, warm (``bench.extraction``).

Every ratio is ours/peer from the same run; latency ratios > 1 and throughput ratios < 1 mean
we are slower. Results go to ``OUT/results.json``; :mod:`bench.report` prints and plots them.
"""

from __future__ import annotations

import json
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import servers
from bench.build import run_build
from bench.load import Client, HttpError, Request, build_request, percentile, throughput
from bench.workload import Pair, analyst_pairs, canned_pairs

TIME_LIMIT = 30.0
"""Seconds both servers give a query (ours: POLICYKG_QUERY_TIMEOUT's default)."""


@dataclass
class Options:
    """What one run does."""

    out: Path
    build_sizes: list[int]
    serve_sizes: list[int]
    remote_max: int = 1000
    repeat: int = 20
    budget: float = 8.0
    """Seconds of samples per pair (a slow query gets fewer, at least ``min_samples``)."""
    min_samples: int = 3
    duration: float = 10.0
    """Seconds of each throughput point."""
    clients: tuple[int, ...] = (1, 8, 32)
    mix_limit: float = 1.0
    only: list[str] | None = None
    say: Callable[[str], None] = print
    extraction_repeat: int = 30


@dataclass
class Sample:
    """Sequential latency of one pair on one server."""

    ms: list[float] = field(default_factory=list)
    first_ms: float = 0.0
    status: int = 0
    size: int = 0
    errors: int = 0
    limited: bool = False
    """The query ran into the time limit (no ratio is reported)."""

    def summary(self) -> dict[str, Any]:
        """Plain data."""
        return {
            "p50": statistics.median(self.ms) if self.ms else None,
            "p99": percentile(self.ms, 99) if self.ms else None,
            "n": len(self.ms), "first": self.first_ms, "status": self.status,
            "bytes": self.size, "errors": self.errors, "time_limit": self.limited,
        }


SPARQL_QUERY = "application/sparql-query"


def _peer_request(peer: str, pair: Pair) -> Request:
    return build_request(f"{peer}/query", body=pair.peer_query.encode("utf-8"),
                         content_type=SPARQL_QUERY, accept=pair.peer_accept, label=pair.name)


def _ours_request(ours: str, pair: Pair) -> Request:
    if pair.kind == "sparql":
        return build_request(ours + pair.ours_path, body=pair.peer_query.encode("utf-8"),
                             content_type=SPARQL_QUERY, accept=pair.ours_accept, label=pair.name)
    return build_request(ours + pair.ours_path, accept=pair.ours_accept, label=pair.name)


def _ok(status: int) -> bool:
    return 200 <= status < 300


def _timed(client: Client, request: Request) -> tuple[int, int, float]:
    """(status, bytes, ms); status 0 when the connection failed (it is reopened next time)."""
    started = time.perf_counter()
    try:
        return client.timed(request)
    except (HttpError, OSError):
        client.close()
        return 0, 0, (time.perf_counter() - started) * 1000


def measure_pairs(ours: str, peer: str, pairs: Sequence[Pair], opts: Options,
                  tag: str) -> list[dict[str, Any]]:
    """Interleaved sequential latency of each pair on both servers."""
    a, b = Client(ours), Client(peer)
    out = []
    try:
        for pair in pairs:
            reqs = (_ours_request(ours, pair), _peer_request(peer, pair))
            samples = (Sample(), Sample())
            for client, req, sample in zip((a, b), reqs, samples, strict=True):
                sample.status, sample.size, sample.first_ms = _timed(client, req)
                sample.limited = sample.first_ms >= TIME_LIMIT * 1000 * 0.95 or sample.status in (
                    503, 504)
            slowest = max(s.first_ms for s in samples) / 1000
            n = max(opts.min_samples, min(opts.repeat, int(opts.budget / max(slowest, 1e-3))))
            if any(s.limited for s in samples):
                n = 0
            for _ in range(n):
                for client, req, sample in zip((a, b), reqs, samples, strict=True):
                    status, size, ms = _timed(client, req)
                    sample.status, sample.size = status, size
                    if _ok(status):
                        sample.ms.append(ms)
                    else:
                        sample.errors += 1
            row = {"name": pair.name, "kind": pair.kind, "tag": tag,
                   "ours": samples[0].summary(), "peer": samples[1].summary()}
            o, p = row["ours"]["p50"], row["peer"]["p50"]
            row["ratio_p50"] = o / p if o and p else None
            o99, p99 = row["ours"]["p99"], row["peer"]["p99"]
            row["ratio_p99"] = o99 / p99 if o99 and p99 else None
            out.append(row)
            opts.say(_pair_line(row))
    finally:
        a.close()
        b.close()
    return out


def _pair_line(row: dict[str, Any]) -> str:
    def ms(x: float | None) -> str:
        return f"{x:9.2f}" if x is not None else "        -"

    o, p = row["ours"], row["peer"]
    ratio = f"{row['ratio_p50']:6.2f}" if row["ratio_p50"] else "     -"
    note = "  (time limit)" if o["time_limit"] or p["time_limit"] else ""
    if o["status"] and not _ok(o["status"]) and not o["time_limit"]:
        note += f"  (ours answered {o['status']})"
    return (f"  {row['tag']:<7} {row['kind']:<6} {row['name']:<30} ours p50 {ms(o['p50'])} "
            f"p99 {ms(o['p99'])}  peer p50 {ms(p['p50'])} p99 {ms(p['p99'])}  "
            f"ours/peer {ratio}{note}")


def measure_throughput(ours: str, peer: str, mix: Sequence[Pair], opts: Options,
                       tag: str) -> list[dict[str, Any]]:
    """Requests/s of both servers on ``mix`` with each number of clients, alternately."""
    ours_reqs = [_ours_request(ours, p) for p in mix]
    peer_reqs = [_peer_request(peer, p) for p in mix]
    out = []
    for clients in opts.clients:
        a = throughput(ours, ours_reqs, clients=clients, duration=opts.duration)
        b = throughput(peer, peer_reqs, clients=clients, duration=opts.duration)
        row = {
            "tag": tag, "clients": clients,
            "ours": {"rate": a.rate, "p50": a.p50, "p99": a.p99, "errors": a.errors,
                     "completed": a.completed},
            "peer": {"rate": b.rate, "p50": b.p50, "p99": b.p99, "errors": b.errors,
                     "completed": b.completed},
            "ratio": a.rate / b.rate if b.rate else None,
        }
        out.append(row)
        opts.say(f"  {tag:<7} {clients:>2} clients  ours {a.rate:8.1f} req/s (p50 {a.p50:7.1f} "
                 f"ms, {a.errors} errors)  peer {b.rate:8.1f} req/s (p50 {b.p50:7.1f} ms, "
                 f"{b.errors} errors)  ours/peer {row['ratio']:.2f}" if row["ratio"] else
                 f"  {tag} {clients} clients: peer completed nothing")
    return out


def _dump(store: Path, out: Path) -> int:
    from graph.store import NQUADS, open_store

    with open_store(f"oxigraph:{store}", read_only=True) as st, open(out, "wb") as f:
        st.dump(f, NQUADS)
    return out.stat().st_size


def serve_size(size: int, store: Path, opts: Options) -> dict[str, Any]:
    """Every serving figure for one built store."""
    work = opts.out / f"serve-{size}"
    work.mkdir(parents=True, exist_ok=True)
    dump = work / "dump.nq"
    _dump(store, dump)
    peer_dir = work / "peer"
    load_s = servers.load_peer(dump, peer_dir, work / "peer-load.log")
    dump.unlink()
    result: dict[str, Any] = {"size": size, "peer_load_s": load_s}
    from graph.store import open_store

    with open_store(f"oxigraph:{store}", read_only=True) as st:
        pairs = canned_pairs(st, opts.only) + analyst_pairs()
    if opts.only:
        pairs = [p for p in pairs if p.name in opts.only or p.name.removeprefix("raw:")
                 in opts.only]
    with servers.start_peer(peer_dir, work / "peer.log", timeout_s=TIME_LIMIT) as peer:
        opts.say(f"serving {size} documents: ours and Oxigraph server side by side")
        with servers.start_ours(store, work / "ours-nocache.log",
                                env={"POLICYKG_RESPONSE_CACHE": "0"}) as ours:
            uncached = measure_pairs(ours.url, peer.url, pairs, opts, "uncached")
            mix = [p for p, row in zip(pairs, uncached, strict=True)
                   if p.kind == "sparql" and _fast(row, opts.mix_limit)]
            if not mix:
                mix = [p for p in pairs if p.name.startswith("raw:")][:2]
            opts.say(f"  throughput mix ({len(mix)} queries): {', '.join(p.name for p in mix)}")
            tput = measure_throughput(ours.url, peer.url, mix, opts, "sparql")
            result["rss_ours_mib"] = ours.rss_mib()
        result["rss_peer_mib"] = peer.rss_mib()
        with servers.start_ours(store, work / "ours.log") as ours:
            result["startup_s"] = ours.startup
            opts.say(f"  policykg serve answered its first query {ours.startup:.2f} s after start")
            rest = [p for p in pairs if p.kind == "rest"]
            cached = measure_pairs(ours.url, peer.url, rest, opts, "cached")
            rest_mix = [p for p, row in zip(rest, cached, strict=True)
                        if _fast(row, opts.mix_limit, side="peer")]
            if rest_mix:
                tput += measure_throughput(ours.url, peer.url, rest_mix, opts, "rest")
    result["pairs"] = uncached + cached
    result["mix"] = [p.name for p in mix]
    result["rest_mix"] = [p.name for p in rest_mix]
    result["throughput"] = tput
    shutil.rmtree(peer_dir, ignore_errors=True)
    return result


def _fast(row: dict[str, Any], limit: float, side: str = "both") -> bool:
    sides = ("ours", "peer") if side == "both" else (side,)
    for s in sides:
        p50 = row[s]["p50"]
        if p50 is None or p50 > limit * 1000 or row[s]["errors"]:
            return False
    return True


def measure_extraction(opts: Options) -> dict[str, Any]:
    """Warm extraction time of the seed (``python -m bench.extraction``)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.extraction", "--repeat", str(opts.extraction_repeat)],
        capture_output=True, text=True, check=True,
    )
    out: dict[str, Any] = {"output": done.stdout}
    for key in ("lexicon build", "cold extraction", "warm extraction"):
        match = re.search(rf"{key}\s+([\d.]+) ms wall", done.stdout)
        out[key.replace(" ", "_") + "_ms"] = float(match.group(1)) if match else None
    return out


def _machine() -> dict[str, Any]:
    import os

    import pyoxigraph

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        version = subprocess.run([str(servers.oxigraph_binary()), "--version"],
                                 capture_output=True, text=True, check=False).stdout.strip()
    except FileNotFoundError:
        version = "missing"
    load = os.getloadavg()
    return {"cpus": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "pyoxigraph": pyoxigraph.__version__, "oxigraph_server": version,
            "load_before": load}


def run(opts: Options, command: str) -> dict[str, Any]:
    """The whole benchmark; writes and returns the results."""
    from bench.corpus import write_corpus

    opts.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"command": command, "started": time.strftime("%Y-%m-%d %H:%M"),
                               "machine": _machine(), "builds": [], "serving": []}
    opts.say(f"machine: {results['machine']}")
    results["extraction"] = measure_extraction(opts)
    opts.say(f"extraction of the seed, warm: {results['extraction']['warm_extraction_ms']} ms")
    sizes = sorted(set(opts.build_sizes) | set(opts.serve_sizes))
    for size in sizes:
        corpus = opts.out / f"corpus-{size}"
        shutil.rmtree(corpus, ignore_errors=True)
        files = sorted(write_corpus(size, corpus, seed=0))
        store = opts.out / f"store-{size}"
        shutil.rmtree(store, ignore_errors=True)
        fig = run_build("embedded", f"oxigraph:{store}", files, opts.out / f"build-{size}.log")
        results["builds"].append(fig.as_dict())
        opts.say(_build_line(fig))
        if size <= opts.remote_max and size in opts.build_sizes:
            remote = opts.out / f"remote-{size}"
            shutil.rmtree(remote, ignore_errors=True)
            with servers.start_peer_writable(remote, opts.out / f"remote-{size}.log") as srv:
                spec = f"sparql:{srv.url}/query;update={srv.url}/update"
                fig = run_build("oxigraph-serve", spec, files,
                                opts.out / f"build-remote-{size}.log")
            shutil.rmtree(remote, ignore_errors=True)
            results["builds"].append(fig.as_dict())
            opts.say(_build_line(fig))
        if size in opts.serve_sizes:
            results["serving"].append(serve_size(size, store, opts))
        shutil.rmtree(store, ignore_errors=True)
        shutil.rmtree(corpus, ignore_errors=True)
        (opts.out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False),
                                               encoding="utf-8")
    results["finished"] = time.strftime("%Y-%m-%d %H:%M")
    (opts.out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False),
                                           encoding="utf-8")
    return results


def _build_line(fig: Any) -> str:
    return (f"build {fig.documents:>5} documents into {fig.target:<14} {fig.seconds:8.2f} s  "
            f"{fig.docs_per_s:7.2f} docs/s  {fig.triples_per_s:9.0f} triples/s  "
            f"peak RSS {fig.peak_rss_mib:6.0f} MiB"
            + (f"  ({fig.refused} refused)" if fig.refused else ""))
