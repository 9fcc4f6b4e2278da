"""The servers under test, on free loopback ports: ``policykg serve`` and Oxigraph server.

- :func:`start_ours`: the production server exactly as users start it (``policykg serve``) over
  an already built embedded store.
- :func:`start_peer`: ``oxigraph serve-read-only --union-default-graph`` (the PyPI ``oxigraph``
  binary next to the interpreter) over a copy of the same data, loaded from a dump of our
  store with ``oxigraph load`` and compacted like our builds are (``oxigraph optimize``). It
  gets the same time limit as ours (``--timeout-s``).
- :func:`start_peer_writable`: ``oxigraph serve`` on an empty folder, for building through
  ``sparql:``.

Every process is started in its own session and killed (with its children, the query
workers) when its context ends.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.load import Client, build_request, wait_until_up

OXIGRAPH_INSTALL = "install the test extra (.venv/bin/pip install -e '.[test]': PyPI oxigraph)"


def oxigraph_binary() -> Path:
    """The ``oxigraph`` server binary of this virtualenv (or on PATH).

    Raises:
        FileNotFoundError: it is not installed (the message says how to install it).
    """
    here = Path(sys.executable).parent / "oxigraph"
    if here.exists():
        return here
    found = shutil.which("oxigraph")
    if found:
        return Path(found)
    raise FileNotFoundError(f"no `oxigraph` server binary; {OXIGRAPH_INSTALL}")


def free_port() -> int:
    """A loopback TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes (0 when it is gone)."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += proc.memory_info().rss
    return total


@dataclass
class Running:
    """A started server."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    startup: float
    """Seconds from starting the process to its first successful answer."""

    def rss_mib(self) -> float:
        """Resident memory of the server and its children (query workers), MiB (NaN if gone)."""
        rss = tree_rss(self.process.pid)
        return rss / 2**20 if rss else float("nan")


@contextlib.contextmanager
def _process(
    name: str, command: list[str], log: Path, url: str, probe: str,
    env: Mapping[str, str] | None = None, timeout: float = 120.0,
) -> Iterator[Running]:
    with open(log, "ab") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})}, start_new_session=True,
        )
    try:
        deadline = started + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited at start (exit {process.returncode}); "
                                   f"see {log}")
            try:
                wait_until_up(probe, timeout=0.5)
            except TimeoutError:
                if time.perf_counter() > deadline:
                    raise RuntimeError(
                        f"{name} did not answer within {timeout:g} s; see {log}"
                    ) from None
                continue
            if _answers(probe):
                break
            time.sleep(0.02)
        yield Running(name, url, process, time.perf_counter() - started)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def _answers(url: str) -> bool:
    """Whether ``url`` (a query) answers 200 right now."""
    conn = Client(url)
    try:
        status, _ = conn.send(build_request(url, accept="application/sparql-results+json").raw)
        return status == 200
    except OSError:
        return False
    finally:
        conn.close()


_PROBE = "?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D"


def start_ours(store: Path, log: Path, env: Mapping[str, str] | None = None,
               timeout: float = 120.0) -> contextlib.AbstractContextManager[Running]:
    """``policykg serve`` over ``oxigraph:store`` (``env`` adds ``POLICYKG_*`` settings)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "graph.cli", "--store", f"oxigraph:{store}", "serve",
               "--host", "127.0.0.1", "--port", str(port)]
    return _process("policykg serve", command, log, url, f"{url}/sparql{_PROBE}", env, timeout)


def load_peer(dump: Path, location: Path, log: Path) -> float:
    """Load an N-Quads dump into a new Oxigraph folder and compact it; return the seconds."""
    binary = str(oxigraph_binary())
    shutil.rmtree(location, ignore_errors=True)
    started = time.perf_counter()
    with open(log, "ab") as out:
        subprocess.run([binary, "load", "--location", str(location), "--file", str(dump)],
                       stdout=out, stderr=subprocess.STDOUT, check=True)
        subprocess.run([binary, "optimize", "--location", str(location)],
                       stdout=out, stderr=subprocess.STDOUT, check=True)
    return time.perf_counter() - started


def start_peer(location: Path, log: Path, timeout_s: float = 30.0,
               timeout: float = 120.0) -> contextlib.AbstractContextManager[Running]:
    """``oxigraph serve-read-only`` over ``location``, union default graph, ``timeout_s``."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(oxigraph_binary()), "serve-read-only", "--location", str(location),
               "--bind", f"127.0.0.1:{port}", "--union-default-graph",
               "--timeout-s", f"{timeout_s:g}"]
    return _process("oxigraph serve-read-only", command, log, url, f"{url}/query{_PROBE}",
                    None, timeout)


def start_peer_writable(location: Path, log: Path,
                        timeout: float = 120.0) -> contextlib.AbstractContextManager[Running]:
    """``oxigraph serve --union-default-graph`` (read-write) over a new folder, for builds
    through ``sparql:`` (which needs the union default graph)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(oxigraph_binary()), "serve", "--location", str(location),
               "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
    return _process("oxigraph serve", command, log, url, f"{url}/query{_PROBE}", None, timeout)
