"""A small, bounded HTTP/1.1 load generator for loopback benchmarks (no third-party client).

Both servers under test get exactly the same client, so the client's own cost cancels out of
the ours/peer ratios. It is kept lean on purpose (pre-encoded requests, keep-alive connections,
no header objects) because on a 2-core machine every microsecond the client spends is a
microsecond taken from the server:

- :class:`Client`: one keep-alive connection, requests one after another (blocking sockets),
  for sequential latency.
- :func:`throughput`: ``clients`` keep-alive connections on one asyncio loop, each sending its
  next request as soon as the previous answer is read, for a fixed time *and* at most a fixed
  number of requests (the loop always stops by itself).

Responses are read completely (``Content-Length`` or chunked), so a server that streams its
answer is timed to its last byte. Only loopback addresses are accepted.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit


class HttpError(RuntimeError):
    """A server answered with something this client cannot read, or closed the connection."""


@dataclass(frozen=True, slots=True)
class Request:
    """One pre-encoded HTTP/1.1 request (the bytes are built once, sent many times)."""

    label: str
    raw: bytes


def build_request(
    url: str,
    *,
    label: str = "",
    accept: str | None = None,
    params: dict[str, str] | None = None,
    body: bytes | None = None,
    content_type: str | None = None,
) -> Request:
    """A GET (or a POST when ``body`` is given) to ``url`` with ``params`` in its query string.

    Raises:
        ValueError: ``url`` is not on a loopback address.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    _check_loopback(host)
    target = parts.path or "/"
    query = "&".join(q for q in (parts.query, urlencode(params or {})) if q)
    if query:
        target += "?" + query
    lines = [f"{'POST' if body is not None else 'GET'} {target} HTTP/1.1", f"Host: {parts.netloc}"]
    if accept:
        lines.append(f"Accept: {accept}")
    if body is not None:
        lines.append(f"Content-Type: {content_type or 'application/octet-stream'}")
        lines.append(f"Content-Length: {len(body)}")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
    return Request(label or target, raw)


def _check_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise ValueError(f"benchmarks only target loopback addresses, not {host!r}")


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    _check_loopback(host)
    return host, parts.port or 80


# -- reading a response --------------------------------------------------------------------


def _head(lines: list[bytes]) -> tuple[int, int | None, bool, bool]:
    """(status, content length, chunked, keep-alive) of a response head."""
    try:
        status = int(lines[0].split(None, 2)[1])
    except (IndexError, ValueError):
        raise HttpError(f"not an HTTP status line: {lines[0][:80]!r}") from None
    length: int | None = None
    chunked = False
    keep = True
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            keep = b"close" not in value.lower()
    return status, length, chunked, keep


class Client:
    """One keep-alive connection with blocking reads (for sequential latency)."""

    def __init__(self, address: tuple[str, int] | str) -> None:
        self.address = _address(address) if isinstance(address, str) else address
        self.sock: socket.socket | None = None
        self.file = None

    def _connect(self) -> None:
        self.close()
        self.sock = socket.create_connection(self.address, timeout=120)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb", buffering=65536)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
        if self.sock is not None:
            self.sock.close()
        self.sock = self.file = None

    def timed(self, request: Request) -> tuple[int, int, float]:
        """Send ``request`` and read the whole answer: (status, body bytes, milliseconds)."""
        started = time.perf_counter()
        status, size = self.send(request.raw)
        return status, size, (time.perf_counter() - started) * 1000

    def send(self, raw: bytes) -> tuple[int, int]:
        """Send one request, read its whole answer: (status, body bytes)."""
        if self.sock is None:
            self._connect()
        assert self.sock is not None and self.file is not None
        self.sock.sendall(raw)
        f = self.file
        lines = []
        while True:
            line = f.readline(65537)
            if not line:
                self.close()
                raise HttpError("the server closed the connection before answering")
            if line in (b"\r\n", b"\n"):
                break
            lines.append(line.rstrip(b"\r\n"))
        status, length, chunked, keep = _head(lines)
        size = 0
        if chunked:
            while True:
                chunk = int(f.readline().split(b";", 1)[0], 16)
                if chunk == 0:
                    while f.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                size += len(f.read(chunk))
                f.readline()
        elif length is not None:
            size = len(f.read(length))
        else:
            size = len(f.read())
            keep = False
        if not keep:
            self.close()
        return status, size


async def _read_async(reader: asyncio.StreamReader) -> tuple[int, int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    status, length, chunked, keep = _head(head.split(b"\r\n")[:-2])
    size = 0
    if chunked:
        while True:
            chunk = int((await reader.readline()).split(b";", 1)[0], 16)
            if chunk == 0:
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass
                break
            size += len(await reader.readexactly(chunk + 2)) - 2
    elif length is not None:
        size = len(await reader.readexactly(length))
    else:
        size = len(await reader.read())
        keep = False
    return status, size, keep


# -- measurements --------------------------------------------------------------------------


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile; NaN for no samples."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class Throughput:
    """What ``clients`` concurrent connections achieved."""

    clients: int
    seconds: float
    completed: int
    errors: int
    samples: list[float]

    @property
    def rate(self) -> float:
        """Successful requests per second."""
        return self.completed / self.seconds if self.seconds else 0.0

    @property
    def p50(self) -> float:
        """Median latency under load (ms)."""
        return percentile(self.samples, 50)

    @property
    def p99(self) -> float:
        """99th percentile latency under load (ms)."""
        return percentile(self.samples, 99)


def throughput(
    url: str,
    requests: Sequence[Request],
    *,
    clients: int,
    duration: float,
    max_requests: int = 100_000,
    warmup: float = 0.5,
) -> Throughput:
    """Run ``clients`` connections that cycle through ``requests`` for ``duration`` seconds.

    Each client starts at a different place in the list, so the mix is the same at every
    moment. The run stops at ``duration`` or after ``max_requests``, whichever comes first;
    the rate counts the answers completed between the end of the first ``warmup`` seconds and
    the end, whenever they were sent (queued requests would otherwise go uncounted).
    """
    if not requests:
        raise ValueError("no requests to send")
    address = _address(url)
    return asyncio.run(
        _throughput(address, requests, clients, duration, max_requests, warmup)
    )


async def _throughput(
    address: tuple[str, int],
    requests: Sequence[Request],
    clients: int,
    duration: float,
    max_requests: int,
    warmup: float,
) -> Throughput:
    loop = asyncio.get_running_loop()
    start = loop.time()
    counted_from = start + warmup
    stop = counted_from + duration
    samples: list[float] = []
    state = {"sent": 0, "errors": 0, "done": 0}

    async def client(offset: int) -> None:
        reader, writer = await asyncio.open_connection(*address)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        n = offset
        try:
            while loop.time() < stop and state["sent"] < max_requests:
                req = requests[n % len(requests)]
                n += 1
                state["sent"] += 1
                t0 = loop.time()
                try:
                    writer.write(req.raw)
                    status, _, keep = await _read_async(reader)
                except (OSError, EOFError, asyncio.IncompleteReadError, HttpError, ValueError):
                    status, keep = 0, False  # counted as an error; a new connection follows
                t1 = loop.time()
                if counted_from <= t1 <= stop:  # completions in the window, whenever sent
                    if 200 <= status < 300:
                        state["done"] += 1
                        samples.append((t1 - t0) * 1000)
                    else:
                        state["errors"] += 1
                if not keep:
                    writer.close()
                    reader, writer = await asyncio.open_connection(*address)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    tasks = [asyncio.create_task(client(i * len(requests) // clients)) for i in range(clients)]
    await asyncio.gather(*tasks)
    end = min(loop.time(), stop)
    return Throughput(clients, max(end - counted_from, 1e-9), state["done"], state["errors"],
                      samples)


def wait_until_up(url: str, timeout: float = 60.0) -> float:
    """Seconds until ``url`` answers with any HTTP status.

    Raises:
        TimeoutError: no answer within ``timeout`` seconds.
    """
    address = _address(url)
    started = time.perf_counter()
    raw = build_request(url).raw
    while True:
        conn = Client(address)
        try:
            conn.send(raw)
            return time.perf_counter() - started
        except (OSError, HttpError):
            if time.perf_counter() - started > timeout:
                raise TimeoutError(f"{url} did not answer within {timeout:g} s") from None
            time.sleep(0.02)
        finally:
            conn.close()
