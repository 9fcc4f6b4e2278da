"""Hostile input at ``/sparql`` and at every REST parameter: never a 5xx, never a hang.

Hypothesis builds valid SPARQL from a small grammar (prologues, triple patterns, paths,
FILTER expressions, OPTIONAL / UNION / MINUS / GRAPH / sub-queries, modifiers) and then mutates
it (cuts, duplications, inserted tokens, NUL and invalid UTF-8); raw bytes go in as bodies;
2 MB bodies, deep nesting and NUL bytes are sent on purpose. Every REST route gets hostile
values for each parameter its query declares and for the controls (page, page_size, format,
count). After each batch the server must still answer ``/healthz`` and a real query.

One live server over the built corpus (the embedded store, worker processes): the store
backend does not change what reaches the parser. Hypothesis runs derandomized, so CI draws the
same examples every time and a failure reproduces.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability.conftest import ADMIN_TOKEN, live_copy

EXAMPLES = 150
POL = "https://w3id.org/policykg/ontology#"
ID = "https://w3id.org/policykg/id/"
LIMITS = ("Query timeout", "Query too large")

# -- the grammar ----------------------------------------------------------------------------------

variables = st.sampled_from(["?s", "?p", "?o", "?m", "?doc", "?x", "$y", "?label"])
iris = st.sampled_from([
    f"<{POL}Measure>", f"<{POL}PolicyDocument>", f"<{POL}responsibleAgency>",
    "<http://www.w3.org/2004/02/skos/core#prefLabel>", f"<{ID}ministry/MIIT>", "rdf:type",
    "skos:prefLabel", "pol:Measure", "<relative>", "a",
])
literals = st.one_of(
    st.sampled_from(['"地区"@zh', '"transfer"@en', "42", "3.5", "1e3", "true",
                     '"2021-01-01"^^xsd:date', '"""长\n文本"""', "'单'"]),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=8).map(
        lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        .replace("\r", "\\r") + '"'),
)
terms = st.one_of(variables, iris, literals)
paths = st.one_of(
    iris,
    st.tuples(iris, st.sampled_from(["*", "+", "?"])).map("".join),
    st.tuples(iris, iris).map(lambda t: f"{t[0]}/{t[1]}"),
    st.tuples(iris, iris).map(lambda t: f"({t[0]}|^{t[1]})"),
)
triples = st.tuples(st.one_of(variables, iris), st.one_of(variables, paths), terms).map(
    lambda t: f"{t[0]} {t[1]} {t[2]} ."
)
expressions = st.recursive(
    st.one_of(terms, variables.map(lambda v: f"BOUND({v})")),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["=", "!=", "<", ">=", "&&", "||", "+", "*"]), inner)
        .map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda e: f"!({e})"),
        st.tuples(st.sampled_from(["STR", "LANG", "STRLEN", "UCASE", "isIRI", "DATATYPE"]),
                  inner).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(inner, st.sampled_from(['"^地"', '"(a|b)*c"', '"."', '"["'])).map(
            lambda t: f'REGEX(STR({t[0]}), {t[1]}, "i")'),
    ),
    max_leaves=6,
)
groups = st.recursive(
    st.lists(triples, min_size=1, max_size=3).map(lambda ts: "{ " + " ".join(ts) + " }"),
    lambda inner: st.one_of(
        st.tuples(inner, expressions).map(lambda t: t[0][:-1] + f" FILTER({t[1]}) }}"),
        st.tuples(inner, inner).map(lambda t: f"{{ {t[0]} UNION {t[1]} }}"),
        st.tuples(inner, inner).map(lambda t: t[0][:-1] + f" OPTIONAL {t[1]} }}"),
        st.tuples(inner, inner).map(lambda t: t[0][:-1] + f" MINUS {t[1]} }}"),
        st.tuples(st.one_of(variables, iris), inner).map(lambda t: f"{{ GRAPH {t[0]} {t[1]} }}"),
        st.tuples(inner, variables, expressions).map(
            lambda t: t[0][:-1] + f" BIND({t[2]} AS {t[1]}x) }}"),
        inner.map(lambda g: f"{{ {{ SELECT * WHERE {g} LIMIT 5 }} }}"),
    ),
    max_leaves=5,
)
PROLOGUE = ("PREFIX pol: <https://w3id.org/policykg/ontology#>\n"
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
            "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n")
queries = st.one_of(
    st.tuples(st.sampled_from(["SELECT *", "SELECT DISTINCT ?s", "SELECT (COUNT(*) AS ?n)",
                               "SELECT ?s (SAMPLE(?o) AS ?one)"]), groups,
              st.sampled_from(["", " LIMIT 10", " ORDER BY ?s LIMIT 3", " GROUP BY ?s",
                               " OFFSET 2 LIMIT 2", " LIMIT 100000"]))
    .map(lambda t: f"{PROLOGUE}{t[0]} WHERE {t[1]}{t[2]}"),
    groups.map(lambda g: f"{PROLOGUE}ASK {g}"),
    groups.map(lambda g: f"{PROLOGUE}CONSTRUCT {{ ?s ?p ?o }} WHERE {g} LIMIT 20"),
    st.sampled_from([f"DESCRIBE <{ID}ministry/MIIT>", "DESCRIBE ?s WHERE { ?s a ?t } LIMIT 2"]),
)
INSERTS = ["{", "}", "(", ")", "[", "]", '"', "'", "<", ">", "\\", "\\u0000", "#", "\x00",
           "SERVICE <http://127.0.0.1:9/>", "LOAD", "FROM <file:///etc/passwd>", "GRAPH",
           "<!DOCTYPE x>", "\ud800", "\ufffe", "\u2028", "事", ";", ",", "^^", "@", "_:b",
           "LIMIT -1", "VALUES ?s { 1 }", "{" * 300, "(" * 300, "!" * 300]


@st.composite
def mutated_queries(draw: st.DrawFn) -> str:
    """A grammar-built query, then zero to three edits."""
    text = draw(queries)
    for _ in range(draw(st.integers(0, 3))):
        n = len(text)
        i = draw(st.integers(0, n))
        j = draw(st.integers(i, n))
        op = draw(st.sampled_from(["delete", "duplicate", "insert", "truncate"]))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        elif op == "insert":
            text = text[:i] + draw(st.sampled_from(INSERTS)) + text[i:]
        else:
            text = text[:i]
    return text


# -- the server -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live(seed_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with live_copy(seed_template, tmp_path_factory.mktemp("hostile"), threads=4,
                   admin_token=ADMIN_TOKEN, query_timeout=5.0) as (server, _):
        yield server


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


def assert_answered(response: requests.Response, what: str) -> None:
    """No 5xx, except a deliberate limit (503 with the limit's own error name)."""
    if response.status_code >= 500:
        limited = response.status_code in (503, 504) and any(
            f'"{name}"' in response.text for name in LIMITS)
        assert limited, f"{what} → {response.status_code}: {response.text[:300]}"


def assert_alive(live: Any, session: requests.Session) -> None:
    health = session.get(f"{live.url}/healthz", timeout=30)
    assert health.status_code == 200, health.text
    ask = session.get(live.sparql, timeout=30, params={"query": f"ASK {{ ?m a <{POL}Measure> }}"},
                      headers={"Accept": "application/sparql-results+json"})
    assert ask.status_code == 200 and ask.json()["boolean"] is True


FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


# -- /sparql --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_grammar_built_and_mutated_queries(live: Any, session: requests.Session) -> None:
    statuses: dict[int, int] = {}

    @FUZZ
    @given(text=mutated_queries(), how=st.sampled_from(["get", "form", "direct"]),
           accept=st.sampled_from([None, "*/*", "text/csv", "application/sparql-results+xml",
                                   "text/turtle", "application/ld+json", "x/y;q=abc"]))
    def check(text: str, how: str, accept: str | None) -> None:
        headers = {"Accept": accept} if accept else {}
        body = text.encode("utf-8", "surrogatepass")
        if how == "get":
            r = session.get(f"{live.sparql}?query={quote(body, safe='')}", headers=headers,
                            timeout=60)
        elif how == "form":
            r = session.post(live.sparql, timeout=60, headers={
                **headers, "Content-Type": "application/x-www-form-urlencoded"},
                data=b"query=" + quote(body, safe="").encode())
        else:
            r = session.post(live.sparql, data=body, timeout=60, headers={
                **headers, "Content-Type": "application/sparql-query"})
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        assert_answered(r, f"{how} {text!r}")

    check()
    assert_alive(live, session)
    assert statuses.get(200, 0) > EXAMPLES // 10, statuses  # the grammar does make real queries
    assert statuses.get(400, 0) > 0, statuses


@pytest.mark.slow
def test_raw_bytes_bodies_and_updates(live: Any, session: requests.Session) -> None:
    @FUZZ
    @given(data=st.binary(max_size=2000),
           kind=st.sampled_from(["application/sparql-query", "application/sparql-update",
                                 "application/x-www-form-urlencoded", "text/plain",
                                 "application/sparql-query; charset=utf-16", ""]),
           token=st.booleans())
    def check(data: bytes, kind: str, token: bool) -> None:
        headers = {"Content-Type": kind}
        if token:
            headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        r = session.post(live.sparql, data=data, headers=headers, timeout=60)
        assert_answered(r, f"{kind} {data[:200]!r}")

    check()
    assert_alive(live, session)


@pytest.mark.slow
def test_huge_deep_and_broken_requests(live: Any, session: requests.Session) -> None:
    two_mb = "SELECT * WHERE { ?s ?p ?o } #" + "x" * (2 * 1024 * 1024)
    cases: list[tuple[str, dict[str, Any], set[int]]] = [
        ("2 MB direct body", {"data": two_mb.encode(),
                              "headers": {"Content-Type": "application/sparql-query"}}, {413}),
        ("2 MB form", {"data": {"query": two_mb}}, {413}),
        ("2 MB update", {"data": {"update": two_mb},
                         "headers": {"Authorization": f"Bearer {ADMIN_TOKEN}"}}, {413}),
        ("invalid UTF-8 body", {"data": b"SELECT * WHERE { ?s ?p \"\xff\xfe\" }",
                                "headers": {"Content-Type": "application/sparql-query"}}, {400}),
        ("invalid UTF-8 form", {"data": b"query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%22%FF%22%7D",
                                "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
         {200, 400}),
        ("NUL in body", {"data": b"SELECT * WHERE { ?s ?p \"a\x00b\" }",
                         "headers": {"Content-Type": "application/sparql-query"}}, {200, 400}),
        ("deep braces", {"data": {"query": "SELECT * WHERE " + "{" * 20000 + "}" * 20000}},
         {403}),
        ("deep parentheses", {"data": {"query": "SELECT * WHERE { FILTER(" + "(" * 20000 + "1"
                                       + ")" * 20000 + ") }"}}, {403}),
        ("deep property lists", {"data": {"query": "SELECT * WHERE { ?s <p:p> "
                                          + "[ <p:p> " * 20000 + "1" + "]" * 20000 + " }"}},
         {403}),
        ("long negation", {"data": {"query": "ASK { FILTER(" + "!" * 50000 + "true) }"}}, {403}),
        ("deep update", {"data": {"update": "INSERT DATA " + "{" * 20000 + "}" * 20000},
                         "headers": {"Authorization": f"Bearer {ADMIN_TOKEN}"}}, {403}),
    ]
    for name, kwargs, expected in cases:
        r = session.post(live.sparql, timeout=60, **kwargs)
        assert r.status_code in expected, f"{name} → {r.status_code}: {r.text[:300]}"
    # Streamed without a Content-Length: stopped at the limit all the same.
    host = urlsplit(live.url)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
    try:
        chunks = (two_mb[i:i + 65536].encode() for i in range(0, len(two_mb), 65536))
        conn.request("POST", "/sparql", body=chunks, encode_chunked=True,
                     headers={"Content-Type": "application/sparql-query"})
        assert conn.getresponse().status == 413
    finally:
        conn.close()
    # A 2 MB query in the URL: refused by the HTTP server itself, not a failure.
    long_get = session.get(f"{live.sparql}?query={quote(two_mb[:2_000_000])}", timeout=60)
    assert long_get.status_code < 500 or long_get.status_code == 431 or (
        long_get.status_code in (400, 414)), long_get.status_code
    assert_alive(live, session)


# -- every REST parameter -------------------------------------------------------------------------

HOSTILE = ["", " ", "\x00", "%00", "\ud800", "\ufffe", "a" * 5000, "事" * 2000, "-1", "0",
           "99999999999999999999999", "1e309", "NaN", "true", "<http://x>", "http://x> } ; DROP",
           "https://w3id.org/policykg/id/ministry/MIIT", "ministry/MIIT", "../../etc/passwd",
           "javascript:alert(1)", '"; SELECT', "{{}}", "'", "?s", "_:b", "[]", "\\u0000"]


@pytest.fixture(scope="module")
def rest_targets(live: Any) -> list[tuple[str, list[str]]]:
    """(path, parameter names) of every canned query and collection."""
    catalogue = requests.get(f"{live.url}/api/v1/queries", timeout=60).json()["queries"]
    targets = [(f"/api/v1/queries/{q['name']}/results", list(q["params"])) for q in catalogue]
    for collection in ("documents", "measures", "ministries", "region-types", "provinces",
                       "industries", "instruments"):
        targets.append((f"/api/v1/{collection}", ["document", "region", "ministry", "keyword"]))
    return targets


@pytest.mark.slow
def test_every_rest_parameter_takes_hostile_values(
    live: Any, session: requests.Session, rest_targets: list[tuple[str, list[str]]]
) -> None:
    @FUZZ
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        path, names = data.draw(st.sampled_from(rest_targets))
        names = [*names, "page", "page_size", "format", "count", "unknown"]
        chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3))
        value = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30))
        params = [(n, data.draw(value)) for n in chosen]
        how = data.draw(st.sampled_from(["get", "post"]))
        if how == "get":
            query = "&".join(f"{quote(n)}={quote(v.encode('utf-8', 'surrogatepass'), safe='')}"
                             for n, v in params)
            r = session.get(f"{live.url}{path}?{query}", timeout=60)
        else:
            body = {"params": {n: v for n, v in params
                               if n not in ("page", "page_size", "format", "count")},
                    **{n: v for n, v in params if n in ("page", "page_size", "format")}}
            raw = data.draw(st.sampled_from(["json", "garbage", "array"]))
            if raw == "json":
                payload = requests.models.complexjson.dumps(body).encode()
            elif raw == "array":
                payload = b"[1, 2, 3]"
            else:
                payload = data.draw(st.binary(max_size=200))
            r = session.post(f"{live.url}{path}", data=payload, timeout=60,
                             headers={"Content-Type": "application/json"})
        assert_answered(r, f"{how} {path} {params!r}")

    check()

    @FUZZ
    @given(key=st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40)),
           where=st.sampled_from(["/api/v1/measures/", "/api/v1/documents/", "/id/",
                                  "/queries/", "/api/v1/queries/", "/api/v1/ministries/"]))
    def keys(key: str, where: str) -> None:
        r = session.get(f"{live.url}{where}{quote(key.encode('utf-8', 'surrogatepass'))}",
                        timeout=60, headers={"Accept": "text/html,application/json;q=0.9"})
        assert_answered(r, f"{where}{key!r}")

    keys()
    assert_alive(live, session)
