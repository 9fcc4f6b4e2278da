"""A bounded soak of ``policykg serve`` in CI: 25 s, 32 clients on loopback, mixed queries.

The same load as ``python -m bench.soak`` (whose full 60 s run is recorded in
docs/reliability.md), shorter. It fails on any answer other than the one each request must get
or a deliberate limit, and when the server's memory grows across the run. The figures are
printed (requests, errors, latency percentiles, RSS before and after).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.soak import report, run_soak

SECONDS = 25.0
CLIENTS = 32
GROWTH_MIB = 96
"""How much the resident memory of the server and its workers may grow between the warm-up and
the end (allocator noise and caches settling, not a leak: a leak of one request's body per
request would pass this in seconds)."""


@pytest.mark.slow
def test_soak(store_copy: Path, serve: Any, capsys: pytest.CaptureFixture[str]) -> None:
    server = serve(store_copy, query_timeout=5.0)
    figures = run_soak(server.url, seconds=SECONDS, clients=CLIENTS, runaway_every=8.0,
                       warmup=4.0, rss=server.rss)
    with capsys.disabled():
        print("\n" + report(figures))
    assert figures["errors"] == 0, figures["error_samples"]
    assert figures["requests"] > 20 * SECONDS  # the load was real
    assert figures["limited"] >= 2  # the runaway queries were stopped …
    assert figures["statuses"].get(400, 0) > 0  # … and the malformed ones refused
    assert abs(figures["server_counted"] - figures["requests"]) <= 5
    assert figures["query_timeouts_total"] >= 1
    rss = figures["rss_mb"]
    assert rss["after"] - rss["before"] < GROWTH_MIB, figures["rss_samples_mb"]
    assert server.alive()
