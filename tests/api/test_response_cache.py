"""Canned answers are kept per store version: a repeat runs no query, a write shows at once."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Response

from api.cache import ResponseCache
from graph.errors import QueryTimeoutError


def counting(app: Any) -> list[str]:
    """Record every query the app runs (the cache's misses)."""
    svc = app.extensions["policykg"]
    ran: list[str] = []
    run = svc.run

    def spy(sparql: str, **kwargs: Any) -> Any:
        ran.append(sparql)
        return run(sparql, **kwargs)

    svc.run = spy
    return ran


def test_a_repeat_runs_no_query_and_gets_the_same_answer(seed_store, make_app) -> None:
    app = make_app(seed_store)
    ran = counting(app)
    client = app.test_client()
    first = client.get("/api/v1/queries/measures/results?page=1")
    assert first.status_code == 200 and ran
    before = len(ran)
    second = client.get("/api/v1/queries/measures/results?page=1")
    assert len(ran) == before  # nothing ran
    assert second.data == first.data
    for header in ("ETag", "Link", "Content-Type", "Cache-Control"):
        assert second.headers.get(header) == first.headers.get(header)
    assert second.headers["Access-Control-Allow-Origin"] == "*"  # per-request hooks still run
    other = client.get("/api/v1/queries/measures/results?page=2")
    assert len(ran) > before  # another page is another answer
    assert other.data != first.data


def test_the_same_values_spelled_differently_share_an_answer(seed_store, make_app) -> None:
    app = make_app(seed_store)
    ran = counting(app)
    client = app.test_client()
    by_curie = client.get("/api/v1/queries/ministries/results?ministry=ministry:GACC")
    before = len(ran)
    by_label = client.get("/api/v1/queries/ministries/results?ministry=海关总署")
    assert len(ran) == before
    assert by_label.get_json() == by_curie.get_json()


def test_a_write_is_seen_at_once(empty_store, make_app) -> None:
    app = make_app(empty_store)
    client = app.test_client()
    url = "/api/v1/queries/ministries/results"
    from graph.loading import ONTOLOGY_GRAPH, ontology_triples

    assert client.get(url).get_json()["results"] == []
    assert client.get(url).get_json()["results"] == []  # kept, and still right
    empty_store.replace_graphs({ONTOLOGY_GRAPH: ontology_triples()})
    after = client.get(url).get_json()["results"]
    assert "https://w3id.org/policykg/id/ministry/GACC" in [r["ministry"] for r in after]


def test_zero_turns_it_off(seed_store, make_app) -> None:
    app = make_app(seed_store, response_cache=0)
    ran = counting(app)
    client = app.test_client()
    client.get("/api/v1/queries/ministries/results")
    before = len(ran)
    client.get("/api/v1/queries/ministries/results")
    assert len(ran) > before


def test_errors_are_not_kept(seed_store, make_app) -> None:
    app = make_app(seed_store)
    svc = app.extensions["policykg"]
    run = svc.run
    calls = {"n": 0}

    def flaky(sparql: str, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise QueryTimeoutError("too slow")
        return run(sparql, **kwargs)

    svc.run = flaky
    client = app.test_client()
    assert client.get("/api/v1/queries/ministries/results").status_code == 504
    assert client.get("/api/v1/queries/ministries/results").status_code == 200


def test_setting_from_the_environment(monkeypatch) -> None:
    from graph.config import load_settings
    from graph.errors import ConfigError

    monkeypatch.setenv("POLICYKG_RESPONSE_CACHE", "0")
    assert load_settings().response_cache == 0
    monkeypatch.setenv("POLICYKG_RESPONSE_CACHE", "-1")
    with pytest.raises(ConfigError):
        load_settings()
    monkeypatch.setenv("POLICYKG_QUERY_WORKERS", "0")  # 0 stays refused where it means nothing
    monkeypatch.setenv("POLICYKG_RESPONSE_CACHE", "8")
    with pytest.raises(ConfigError):
        load_settings()


def test_lru_within_the_budget() -> None:
    cache = ResponseCache(budget=8 * 1000)
    for n in range(20):
        cache.put("v1", f"k{n}", Response(b"x" * 700))
    assert cache.used <= cache.budget
    assert cache.get("v1", "k0") is None  # the oldest went first
    assert cache.get("v1", "k19").get_data() == b"x" * 700
    cache.put("v1", "big", Response(b"x" * 2000))  # over an eighth of the budget
    assert cache.get("v1", "big") is None
    assert cache.get("v2", "k19") is None and len(cache) == 0  # a new version drops the old
    cache.put("v2", "err", Response(b"no", status=503))
    assert cache.get("v2", "err") is None
