"""Real SPARQL servers for the tests: ``oxigraph serve`` and Virtuoso, each in a temporary folder.

Each server listens on a free loopback port, is waited for until it answers a query, and is
killed at teardown. A server that cannot be started fails the test with what to install
(tests that need one carry the ``oxigraph_server`` or ``virtuoso`` marker; CI installs both).

Fixtures (session scoped: a server starts once per test run and process):

- ``oxigraph_server`` → a :class:`Server` running ``oxigraph serve --union-default-graph``
  from the virtualenv's ``oxigraph`` binary (PyPI package ``oxigraph``).
- ``virtuoso_server`` → a :class:`Server` running Debian's ``/usr/bin/virtuoso-t`` with its
  own ``virtuoso.ini`` (a fresh database, user ``dba``/``dba``, updates at ``/sparql-auth``
  behind Digest authentication, the default result cap of 10 000 rows).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench import servers as bench_servers
from bench.servers import free_port

VIRTUOSO = Path("/usr/bin/virtuoso-t")
VIRTUOSO_INSTALL = "install Debian's virtuoso-opensource (apt-get install virtuoso-opensource)"


@dataclass
class Server:
    """A SPARQL server process started by the tests."""

    name: str
    query_url: str
    update_url: str
    directory: Path
    command: list[str]
    user: str | None = None
    password: str | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def store_spec(self) -> str:
        """The ``POLICYKG_STORE`` value that names this server."""
        spec = f"sparql:{self.query_url};update={self.update_url}"
        if self.user:
            spec += f";user={self.user};password={self.password}"
        return spec

    def start(self, timeout: float = 60.0) -> None:
        """Start the process and wait until it answers a query.

        Raises:
            RuntimeError: the process died or did not answer in time (with its log).
        """
        log = open(self.directory / "server.log", "ab")  # noqa: SIM115 - lives with the process
        self.process = subprocess.Popen(
            self.command,
            cwd=self.directory,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.log_tail()}")
            if self.answers():
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {timeout} s:\n{self.log_tail()}")

    def answers(self) -> bool:
        """Whether the server answers an ASK query right now."""
        query = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
        request = urllib.request.Request(
            f"{self.query_url}?{query}", headers={"Accept": "application/sparql-results+xml"}
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        """Kill the process (the whole process group) and wait for it."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's log, for failure messages."""
        path = self.directory / "server.log"
        if not path.exists():
            return "(no log)"
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def oxigraph_binary() -> Path:
    """The ``oxigraph`` command of the virtualenv running the tests.

    Raises:
        pytest.fail.Exception: the binary is missing (with what to install).
    """
    try:
        return bench_servers.oxigraph_binary()
    except FileNotFoundError as exc:
        pytest.fail(str(exc))


def make_oxigraph_server(directory: Path, port: int | None = None) -> Server:
    """An ``oxigraph serve`` on a free port with its data in ``directory`` (not started)."""
    port = port or free_port()
    directory.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{port}"
    return Server(
        name="oxigraph serve",
        query_url=f"{base}/query",
        update_url=f"{base}/update",
        directory=directory,
        command=[
            str(oxigraph_binary()),
            "serve",
            "--location",
            str(directory / "data"),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
    )


VIRTUOSO_INI = """\
; Written by tests/servers.py: a throw-away Virtuoso database on loopback ports.
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {dir}/virtuoso-temp.db
TransactionFile    = {dir}/virtuoso-temp.trx

[Parameters]
ServerPort         = 127.0.0.1:{sql_port}
DisableUnixSocket  = 1
CheckpointInterval = 60
NumberOfBuffers    = 20000
MaxDirtyBuffers    = 15000
MaxQueryMem        = 1G
DirsAllowed        = ., {dir}
CaseMode           = 2

[HTTPServer]
ServerPort         = 127.0.0.1:{http_port}
ServerRoot         = {dir}/vsp
ServerThreads      = 10
MaxClientConnections = 10
Charset            = UTF-8

[SPARQL]
; The default cap that the store must page around.
ResultSetMaxRows           = 10000
MaxQueryExecutionTime      = 120
; No MaxQueryCostEstimationTime (Debian's ini sets 400): with it, Virtuoso 7.2 costs every
; INSERT DATA operation and a 2 000-triple update takes ~40 s instead of ~0.2 s.
"""


def make_virtuoso_server(directory: Path) -> Server:
    """A Virtuoso with a fresh database in ``directory`` on free ports (not started).

    Raises:
        pytest.fail.Exception: Virtuoso is not installed (with what to install).
    """
    if not VIRTUOSO.exists():
        pytest.fail(f"{VIRTUOSO} is missing; {VIRTUOSO_INSTALL}")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "vsp").mkdir(exist_ok=True)
    http_port, sql_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(
        VIRTUOSO_INI.format(dir=directory, sql_port=sql_port, http_port=http_port),
        encoding="utf-8",
    )
    base = f"http://127.0.0.1:{http_port}"
    return Server(
        name="virtuoso",
        query_url=f"{base}/sparql",
        update_url=f"{base}/sparql-auth",
        directory=directory,
        command=[str(VIRTUOSO), "+foreground", "+configfile", str(ini)],
        user="dba",
        password="dba",
    )


@contextlib.contextmanager
def running(server: Server, timeout: float = 90.0) -> Iterator[Server]:
    """Start ``server``, yield it, and kill it afterwards.

    Raises:
        pytest.fail.Exception: the server did not start (with its log).
    """
    try:
        server.start(timeout)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """An ``oxigraph serve`` process for the whole test session."""
    with running(make_oxigraph_server(tmp_path_factory.mktemp("oxigraph-server"))) as server:
        yield server


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A Virtuoso process for the whole test session."""
    with running(make_virtuoso_server(tmp_path_factory.mktemp("virtuoso"))) as server:
        yield server
