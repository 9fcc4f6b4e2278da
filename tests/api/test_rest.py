"""The REST API over the canned queries: T5, T6, T9 to T12 of QUERIES.md §9.8, and caching.

Each test runs on the hand-written fixture (``tests/data/queries.trig``) in the embedded stores
(rdflib memory, Oxigraph) and behind a real ``oxigraph serve`` (``sparql:`` store).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from api import create_app
from graph.catalogue import SLOT, load_catalogue
from graph.errors import QueryTimeoutError
from tests.queries.fixture import (
    BACKENDS,
    fixture_app,
    fixture_store,
    open_fixture_store,
    services_of,
)

CATALOGUE = load_catalogue()
ID = "https://w3id.org/policykg/id/"
STORES = [*BACKENDS, pytest.param("served", marks=pytest.mark.oxigraph_server)]


@pytest.fixture(scope="module", params=STORES)
def rest_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """The fixture graph in each kind of store (module-wide; tests do not write)."""
    with fixture_store(request.param, tmp_path_factory.mktemp(f"rest-{request.param}")) as store:
        yield store


@pytest.fixture(scope="module")
def app(rest_store: Any) -> Iterator[Any]:
    with fixture_app(rest_store) as application:
        yield application


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


class Spy:
    """Records the query texts an app runs (through Services.run and on the store itself)."""

    def __init__(self, app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.texts: list[str] = []
        self.store_texts: list[str] = []
        svc = services_of(app)
        original_run = svc.run
        original_query = svc.store.query

        def run(sparql: str, **kwargs: Any) -> Any:
            self.texts.append(sparql)
            return original_run(sparql, **kwargs)

        def query(sparql: str, **kwargs: Any) -> Any:
            self.store_texts.append(sparql)
            return original_query(sparql, **kwargs)

        monkeypatch.setattr(svc, "run", run)
        monkeypatch.setattr(svc.store, "query", query)


def results(client: Any, name: str, **params: Any) -> Any:
    response = client.get(f"/api/v1/queries/{name}/results", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


# -- T5: hostile literals are inert -----------------------------------------------------------

HOSTILE_LITERALS = [
    'x") || true || CONTAINS("a", "',
    'a"b',
    "\\",
    '"""',
    "}\nUNION { ?s ?p ?o }",
    "\x00",
    "\u2028",
    "x" * 10_000,
    "'; DROP GRAPH <x> ; '",
    "\\u0022) || true #",
]
UNPAGED = re.compile(r"\nLIMIT \d+\nOFFSET \d+\n\Z")


@pytest.mark.parametrize("value", HOSTILE_LITERALS, ids=lambda v: repr(v[:20]))
def test_literal_injection_is_inert(
    value: str, app: Any, client: Any, rest_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """T5: 200 with zero rows (400 over max_length); the executed text differs from the file
    only inside the slot; the graph is unchanged."""
    query = CATALOGUE["search_measures"]
    before = rest_store.count_triples()
    spy = Spy(app, monkeypatch)
    response = client.get("/api/v1/queries/search_measures/results",
                          query_string={"keyword": value})
    if len(value) > query.params["keyword"].max_length:
        assert response.status_code == 400
        assert "keyword" in response.get_json()["message"]
        assert spy.texts == []
    else:
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json()["results"] == []
        executed = [t for t in spy.texts if "VALUES ?keyword" in t]
        assert len(executed) == 1
        assert UNPAGED.search(executed[0])  # the server adds LIMIT/OFFSET, nothing else
        text = UNPAGED.sub("", executed[0])
        slot = next(m for m in SLOT.finditer(query.text) if m["var"] == "keyword")
        filled_end = text.index("\n", slot.start())
        filled = text[slot.start():filled_end]
        assert filled.startswith('  VALUES ?keyword { "') and filled.endswith('" }')
        restored = text[:slot.start()] + slot[0] + text[filled_end:]
        assert restored == query.text  # byte for byte outside the slot
    monkeypatch.undo()
    assert rest_store.count_triples() == before


def test_hostile_literal_in_a_language_tagged_or_optional_slot(client: Any) -> None:
    for name, param in (("measures", "q"), ("action_verbs", "verb")):
        body = results(client, name, **{param: '") } UNION { ?a ?b ?c } #'[:10]})
        assert body["results"] == []


# -- T6: hostile IRIs are refused before any query runs ----------------------------------------

HOSTILE_IRIS = [
    f"{ID}region/x> . ?s ?p ?o . <y",
    "javascript:alert(1)",
    "http://evil.example/x",
    "../region/x",
    "province:yunnan",
    f"<{ID}region/border-area>",
    f"{ID}region/border-area#",
    "region:border-area> } UNION { ?s ?p ?o",
]


@pytest.mark.parametrize("value", HOSTILE_IRIS)
def test_iri_injection_is_rejected(
    value: str, app: Any, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """T6: 400 naming ``region`` and the valid values; no query with the value ran."""
    results(client, "departments_for_region_type", region="region:border-area")  # warm caches
    spy = Spy(app, monkeypatch)
    response = client.get("/api/v1/queries/departments_for_region_type/results",
                          query_string={"region": value})
    assert response.status_code == 400
    message = response.get_json()["message"]
    assert message.startswith("region must be one of")
    assert "region:border-area (边境地区)" in message
    assert spy.texts == []
    # At most the fixed lookup of the class's members ran (its cache follows the store's
    # version, which a remote store renews every few seconds); never a text with the value.
    assert all("SELECT DISTINCT ?m ?label" in t and value not in t for t in spy.store_texts)


def test_iri_parameters_take_iris_curies_and_names(client: Any) -> None:
    """Users can type words: the exact zh or en name works like the IRI."""
    answers = [
        results(client, "departments_for_region_type", region=value)["results"]
        for value in (f"{ID}region/border-area", "region:border-area", "边境地区", "border areas")
    ]
    assert answers[0] and all(a == answers[0] for a in answers)
    assert {r["ministryLabel"] for r in answers[0]} == {"海关总署", "工业和信息化部"}


def test_results_lead_back_to_the_words(client: Any) -> None:
    body = results(client, "departments_for_region_type", region="边境地区")
    assert body["params"] == {"region": f"{ID}region/border-area"}
    for row in body["results"]:
        assert row["measure"].startswith(f"{ID}doc/")
        assert "边境地区" in row["evidence"]
        assert isinstance(row["measures"], int)


# -- T9: content negotiation ------------------------------------------------------------------


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_content_negotiation(client: Any) -> None:
    url = "/api/v1/queries/measures_for_region_type/results?region=中部地区&region=西部地区"
    plain = client.get(url)
    assert plain.mimetype == "application/json"
    rows = plain.get_json()["results"]
    assert rows
    srj = client.get(url, headers={"Accept": "application/sparql-results+json"})
    assert srj.mimetype == "application/sparql-results+json"
    bindings = srj.get_json()["results"]["bindings"]
    as_csv = client.get(url + "&format=csv", headers={"Accept": "application/json"})
    assert as_csv.mimetype == "text/csv"
    assert as_csv.get_data(as_text=True).startswith("region,matched,matchedLabel,measure,")
    assert "\r\n" in as_csv.get_data(as_text=True)
    table = _csv_rows(as_csv.get_data(as_text=True))
    by_accept = client.get(url, headers={"Accept": "text/csv"})
    assert by_accept.mimetype == "text/csv"
    assert _csv_rows(by_accept.get_data(as_text=True)) == table
    # the same rows in all three
    keys = [(r["measure"], r["region"], r["matched"]) for r in rows]
    assert [(b["measure"]["value"], b["region"]["value"], b["matched"]["value"])
            for b in bindings] == keys
    assert [(r["measure"], r["region"], r["matched"]) for r in table] == keys
    assert [r["text"] for r in table] == [r["text"] for r in rows]


@pytest.mark.parametrize(("query", "headers"), [
    ("format=xml", {}),
    ("", {"Accept": "image/png"}),
])
def test_unknown_formats_give_406_with_the_choices(client: Any, query: str, headers: dict) -> None:
    response = client.get(f"/api/v1/queries/documents/results?{query}", headers=headers)
    assert response.status_code == 406
    message = response.get_json()["message"]
    assert "json" in message and "csv" in message and "srj" in message


def test_graph_queries_come_as_json_ld_or_turtle(client: Any) -> None:
    measure = f"{ID}doc/2021-215-fdd91f/measure/2"
    url = f"/api/v1/queries/measure_graph/results?measure={measure}"
    framed = client.get(url)
    assert framed.mimetype == "application/ld+json"
    doc = framed.get_json()
    assert doc["id"] == measure and doc["text"] == "引导劳动密集型产业向中西部地区有序转移。"
    turtle = client.get(url + "&format=ttl")
    assert turtle.mimetype == "text/turtle"
    assert "引导劳动密集型产业" in turtle.get_data(as_text=True)
    assert client.get(url + "&page=2").status_code == 400  # not paginated


# -- T10: pagination ------------------------------------------------------------------------------


def _link(response: Any, rel: str) -> str | None:
    header = response.headers.get("Link", "")
    found = re.search(rf'<([^>]+)>; rel="{rel}"', header)
    return found.group(1) if found else None


def test_pagination(client: Any) -> None:
    whole = results(client, "measures", page_size=1000)["results"]
    assert len(whole) >= 5
    collected: list[dict[str, Any]] = []
    url: str | None = "/api/v1/queries/measures/results?page_size=2"
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.get_json()
        collected += body["results"]
        assert _link(response, "first")
        if body["page"]["number"] > 1:
            assert _link(response, "prev")
        url = _link(response, "next")
        assert url == body["page"].get("next")
        pages += 1
        assert pages < 20
    assert collected == whole
    assert pages == (len(whole) + 1) // 2
    counted = results(client, "measures", page_size=2, count="true")
    assert counted["page"]["total"] == len(whole)


@pytest.mark.parametrize("bad", [{"page": "0"}, {"page": "abc"}, {"page": "-1"},
                                 {"page_size": "0"}, {"page_size": "5000"}, {"count": "maybe"}])
def test_bad_page_controls_give_400(client: Any, bad: dict[str, str]) -> None:
    response = client.get("/api/v1/queries/measures/results", query_string=bad)
    assert response.status_code == 400
    assert next(iter(bad)) in response.get_json()["message"]


def test_post_answers_like_get(client: Any) -> None:
    get = results(client, "measures_for_region_type", region=["region:central", "region:western"])
    post = client.post("/api/v1/queries/measures_for_region_type/results",
                       json={"params": {"region": ["中部地区", "西部地区"]}})
    assert post.status_code == 200
    assert post.get_json()["results"] == get["results"]
    assert client.post("/api/v1/queries/measures/results", data="x").status_code == 415
    bad = client.post("/api/v1/queries/measures/results", json={"params": [], "page": 1})
    assert bad.status_code == 400


# -- T11: the catalogue ---------------------------------------------------------------------------


def test_catalogue(client: Any) -> None:
    listing = client.get("/api/v1/queries").get_json()
    names = [q["name"] for q in listing["queries"]]
    assert sorted(names) == sorted(CATALOGUE) and listing["count"] == len(CATALOGUE)
    for entry in listing["queries"]:
        query = CATALOGUE[entry["name"]]
        one = client.get(entry["links"]["self"]).get_json()
        assert one["sparql"] == query.text
        raw = client.get(entry["links"]["self"] + "?format=rq")
        assert raw.mimetype == "application/sparql-query"
        assert raw.get_data(as_text=True) == query.path.read_text(encoding="utf-8")
        assert set(one["params"]) == set(query.params)
        for name, spec in one["params"].items():
            if spec.get("class") == "pol:RegionType":
                assert f"{ID}region/border-area" in spec["enum"]
                assert any(c["labels"] and "边境地区" in c["labels"] for c in one["params"][name]
                           ["choices"])


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_try_links_open_the_query_page_with_the_example(client: Any, name: str) -> None:
    entry = client.get(f"/api/v1/queries/{name}").get_json()
    link = entry["links"]["try"]
    parts = urlsplit(link)
    assert parts.path == "/sparql"
    text = parse_qs(parts.query)["query"][0]
    query = CATALOGUE[name]
    for given in query.examples[0]["params"]:
        assert f"VALUES ?{given} {{ UNDEF }}" not in text
    assert not text.startswith("#+")
    page = client.get(link, headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    accept = ("application/sparql-results+json" if query.kind == "select"
              else "application/n-triples")
    ran = client.get(link, headers={"Accept": accept})
    assert ran.status_code == 200, ran.get_data(as_text=True)
    example = client.get(entry["links"]["example"])
    assert example.status_code == 200


# -- T12: errors ----------------------------------------------------------------------------------


def test_errors(app: Any, client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    unknown = client.get("/api/v1/queries/measures_owned_by/results?ministry=GACC&regoin=x")
    assert unknown.status_code == 400
    assert "regoin" in unknown.get_json()["message"]
    assert "accepted: basis, ministry" in unknown.get_json()["message"]
    missing = client.get("/api/v1/queries/measures_owned_by/results")
    assert missing.status_code == 400 and "ministry" in missing.get_json()["message"]
    nope = client.get("/api/v1/queries/no_such_query/results")
    assert nope.status_code == 404
    assert "departments_for_region_type" in nope.get_json()["message"]
    svc = services_of(app)

    def slow(sparql: str, **kwargs: Any) -> Any:
        raise QueryTimeoutError("the query ran past 30 s and was stopped")

    monkeypatch.setattr(svc, "run", slow)
    timed_out = client.get("/api/v1/queries/documents/results")
    assert timed_out.status_code == 504
    assert timed_out.get_json()["error"] == "Query timeout"
    monkeypatch.undo()
    assert client.get("/api/v1/queries/documents/results").status_code == 200


def test_errors_never_show_the_query(app: Any, client: Any, monkeypatch: pytest.MonkeyPatch
                                     ) -> None:
    def broken(sparql: str, **kwargs: Any) -> Any:
        raise RuntimeError(f"engine exploded on {sparql}")

    monkeypatch.setattr(services_of(app), "run", broken)
    response = client.get("/api/v1/queries/documents/results")
    assert response.status_code == 500
    assert "SELECT" not in response.get_data(as_text=True)


SLOW = """#+ summary: {zh: 慢查询, en: A deliberately slow query}
#+ description: {zh: 测试时间限制, en: Tests the time limit}
#+ tags: [test]
#+ columns:
#+   n: {type: integer}
#+ examples:
#+   - params: {}
SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }
"""


@pytest.mark.slow
def test_a_real_time_limit_gives_504_and_the_server_keeps_serving(tmp_path: Path) -> None:
    """T12 on the embedded store: the worker running the query is stopped at the limit."""
    folder = tmp_path / "queries"
    folder.mkdir()
    (folder / "slow.rq").write_text(SLOW, encoding="utf-8")
    source = CATALOGUE["documents"].path
    (folder / "documents.rq").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    store = open_fixture_store("oxigraph", tmp_path)
    application = create_app({"store": "memory:", "query_timeout": 1.0}, store=store,
                             queries=folder)
    try:
        client = application.test_client()
        response = client.get("/api/v1/queries/slow/results")
        assert response.status_code == 504, response.get_data(as_text=True)
        assert client.get("/api/v1/queries/documents/results").status_code == 200
    finally:
        services_of(application).close()
        store.close()


# -- caching ------------------------------------------------------------------------------------


def test_etags_follow_the_graph_and_the_request(client: Any) -> None:
    url = "/api/v1/queries/departments_for_region_type/results?region=边境地区"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public")
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    other = client.get(url + "&format=csv")
    assert other.headers["ETag"] != etag
    same_by_name = client.get(url.replace("边境地区", "region:border-area"))
    assert same_by_name.headers["ETag"] == etag  # the bound query is the same


def test_etag_changes_when_the_graph_changes(tmp_path: Path) -> None:
    store = open_fixture_store("memory", tmp_path)
    application = create_app({"store": "memory:"}, store=store)
    client = application.test_client()
    url = "/api/v1/queries/documents/results"
    etag = client.get(url).headers["ETag"]
    store.drop_graph(f"{ID}doc/test-2022-001")
    after = client.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["ETag"] != etag
    assert len(after.get_json()["results"]) == 1
    services_of(application).close()


def test_json_values_are_typed_by_the_columns(client: Any) -> None:
    rows = results(client, "measures", page_size=1000)["results"]
    row = next(r for r in rows if r["measure"].endswith("2021-215-fdd91f/measure/3"))
    assert row["begin"] < row["end"] and isinstance(row["ordinal"], int)
    assert row["regions"] == sorted([f"{ID}region/eastern", f"{ID}region/western"])
    assert row["instruments"] == [f"{ID}instrument/industrial-transfer-fund"]
    assert row["region"] is None  # an unset filter is projected as null
    docs = results(client, "documents")["results"]
    assert all(isinstance(d["measures"], int) for d in docs)
    assert json.dumps(docs, ensure_ascii=False)
