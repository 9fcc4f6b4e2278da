"""A few hundred mutated requests against the live endpoint: never a 5xx, always alive.

Valid queries (samples and every canned query) are mutated: slices deleted, duplicated,
swapped or truncated; keywords, braces, quotes, escapes, odd Unicode and invalid UTF-8
inserted. Each goes by GET, form POST or direct POST with a random Accept header and random
protocol parameters. The seed is fixed, so a failure reproduces; the failing request is in
the assertion message.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import requests

from tests.api.live import EX, LABEL, Live, serve_sample

SEED = 20240611
REQUESTS = 400
SAMPLES = [
    f"SELECT ?s ?label WHERE {{ ?s a <{EX}Thing> ; <{LABEL}> ?label }} ORDER BY ?s LIMIT 5",
    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g HAVING (?n > 0)",
    'ASK { ?s ?p "事物1"@zh }',
    f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), \"{EX}\")) }}",
    f"DESCRIBE <{EX}thing2>",
    'SELECT * WHERE { ?s ?p ?o OPTIONAL { ?o ?q ?r } FILTER(REGEX(STR(?o), "^事", "i")) } '
    "LIMIT 10",
    "SELECT ?x WHERE { VALUES ?x { 1 2.5 \"a\" <http://e/x> } BIND(?x + 1 AS ?y) }",
    "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:p* ?o . ?o ^ex:q|ex:r ?z }",
    "SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 3 } MINUS { ?s a ?t } }",
]
INSERTS = [
    "{", "}", "(", ")", "<", ">", '"', "'", '"""', "\\", "\\u0041", "\\U0001F600", "#", "\n",
    "?", "$", "*", ".", ";", ",", "^^", "@zh", "_:b", "a", "[]", "<<", ">>", "<<(", ")>>",
    "SELECT", "WHERE", "FILTER", "OPTIONAL", "UNION", "GRAPH", "SERVICE", "LOAD", "FROM",
    "FROM NAMED", "BIND", "VALUES", "LIMIT 99999999999999999999", "OFFSET -1", "GROUP BY",
    "ORDER BY", "DESCRIBE *", "BASE <rel>", "PREFIX : <x>", "INSERT DATA", "\u0000",
    "\u2028", "\ufeff", "\ud7ff", "事物", "<!DOCTYPE x>", "1e999999", "0x10", "NaN",
    "REGEX(?s, \"((((((((((a*)*)*)*)*)*)*)*)*)*\")", "STRLEN(", "COUNT(DISTINCT *)",
]
ACCEPTS = [
    None, "*/*", "application/sparql-results+json", "application/sparql-results+xml",
    "text/csv", "text/tab-separated-values", "text/turtle", "application/n-triples",
    "application/ld+json", "application/rdf+xml", "text/html", "image/png", "garbage",
    "text/*;q=abc", ";;;,,,", "application/json;q=0, */*;q=0.1", "*/*;q=2",
]
PARAMS = [
    {}, {"format": "json"}, {"output": "nonsense"}, {"results": "csv"},
    {"default-graph-uri": f"{EX}g1"}, {"named-graph-uri": "not an iri"},
    {"default-graph-uri": ""}, {"format": "\u0000"},
]


def mutate(rng: random.Random, text: str) -> str:
    """One to four random edits of ``text``."""
    for _ in range(rng.randint(1, 4)):
        n = len(text)
        i, j = sorted(rng.randrange(n + 1) for _ in range(2))
        op = rng.randrange(6)
        if op == 0:
            text = text[:i] + text[j:]
        elif op == 1:
            text = text[:j] + text[i:j] + text[j:]
        elif op == 2:
            text = text[:i] + rng.choice(INSERTS) + text[i:]
        elif op == 3 and j < n:
            k = rng.randrange(j, n + 1)
            text = text[:i] + text[j:k] + text[i:j] + text[k:]
        elif op == 4:
            text = text[: rng.randrange(n + 1)]
        else:
            text = text[:i] + "".join(chr(rng.randrange(1, 0x3000)) for _ in range(3)) + text[i:]
    return text


@pytest.fixture(scope="module", params=["oxigraph", "memory"])
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    """A live server over the sample graphs, once per embedded backend."""
    directory = tmp_path_factory.mktemp("fuzz")
    with serve_sample(request.param, directory, admin_token="fuzz-token") as server:
        yield server


def _corpus() -> list[str]:
    from graph.catalogue import load_catalogue

    return SAMPLES + [q.text for q in load_catalogue().values()]


@pytest.mark.slow
def test_mutated_requests_never_get_a_5xx(live: Live) -> None:
    rng = random.Random(SEED)
    corpus = _corpus()
    statuses: dict[int, int] = {}
    session = requests.Session()
    for n in range(REQUESTS):
        text = mutate(rng, rng.choice(corpus))
        accept = rng.choice(ACCEPTS)
        headers = {"Accept": accept} if accept else {}
        params = dict(rng.choice(PARAMS))
        how = rng.randrange(5)
        if how == 0:
            response = session.get(
                f"{live.sparql}?query={quote(text, safe='')}", params=params, headers=headers,
                timeout=60,
            )
        elif how == 1:
            response = session.post(
                live.sparql, data={"query": text, **params}, headers=headers, timeout=60
            )
        elif how == 2:
            body = text.encode("utf-8", "surrogatepass")
            if rng.random() < 0.2:
                body = body[:-1] + b"\xff" + body[-1:]
            response = session.post(
                live.sparql, params=params, data=body, timeout=60,
                headers={**headers, "Content-Type": "application/sparql-query"},
            )
        elif how == 3:  # the same text as an update, with the token
            response = session.post(
                live.sparql, data={"update": text}, timeout=60,
                headers={**headers, "Authorization": "Bearer fuzz-token"},
            )
        else:
            response = session.post(
                live.sparql, data=text.encode("utf-8", "surrogatepass"), timeout=60,
                headers={**headers, "Content-Type": rng.choice(
                    ["text/plain", "application/sparql-query; charset=latin1", "", "x/y"]
                )},
            )
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500, (
            f"request {n} ({['GET', 'form', 'direct', 'update', 'odd type'][how]}, "
            f"Accept {accept!r}, params {params!r}) got {response.status_code}: "
            f"{response.text[:300]!r}\nquery: {text!r}"
        )
    alive = session.get(live.sparql, params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert alive.status_code == 200 and alive.json()["boolean"] is True
    assert sum(statuses.values()) == REQUESTS
    assert statuses.get(200, 0) > 20  # some mutations stay valid: the answers were real
