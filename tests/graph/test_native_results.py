"""Oxigraph writes capped SELECT answers itself, and the row cap still holds exactly.

``run_query`` asks Oxigraph for at most ``max_rows + 1`` solutions and keeps its serialisation
unless the extra row came back; these tests compare it with the Python writer
(:func:`graph.results.serialize_solutions`) at, under and over the cap, in every format.
"""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
import pytest

from graph.errors import NotAcceptableError, QuerySyntaxError
from graph.results import COUNT_BELOW, count_rows
from graph.store import CSV, SRJ, SRX, TSV
from graph.store_oxigraph import _limited, run_query

P = ox.NamedNode("http://example.org/p")
FORMATS = [SRJ, SRX, CSV, TSV]


@pytest.fixture(scope="module")
def store() -> ox.Store:
    """Ten subjects in a named graph, with awkward literals (newlines, quotes, commas, tags)."""
    s = ox.Store()
    g = ox.NamedNode("http://example.org/g")
    for i in range(10):
        text = f'line {i}\nsecond, "quoted" <result>' if i % 2 else f"plain {i}"
        s.add(ox.Quad(ox.NamedNode(f"http://example.org/s{i}"), P, ox.Literal(text), g))
    return s


def rows(body: bytes, media: str) -> int:
    """Count solutions by parsing the body properly."""
    if media == SRJ:
        return len(json.loads(body)["results"]["bindings"])
    if media == SRX:
        return body.count(b"<result>")
    text = body.decode("utf-8")
    if media == CSV:
        return sum(1 for _ in csv.reader(io.StringIO(text, newline=""))) - 1
    return len(text.split("\n")) - 2


QUERY = "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o } ORDER BY ?s"


@pytest.mark.parametrize("media", FORMATS)
@pytest.mark.parametrize(("cap", "expected", "cut"), [(20, 10, False), (10, 10, False),
                                                       (9, 9, True), (3, 3, True)])
def test_cap_holds_in_every_format(store, media, cap, expected, cut) -> None:
    result = run_query(store, QUERY, accept=(media,), max_rows=cap)
    assert result.media_type == media
    assert rows(result.body, media) == expected
    assert result.truncated is cut


@pytest.mark.parametrize("media", FORMATS)
def test_native_answer_equals_the_python_writer(store, media) -> None:
    native = run_query(store, QUERY, accept=(media,), max_rows=100)
    assert native.rows == 10
    python = run_query(store, QUERY, accept=(media,), max_rows=9)  # over the cap: Python
    assert python.rows == 9
    if media == SRJ:
        a = json.loads(native.body)["results"]["bindings"][:9]
        assert a == json.loads(python.body)["results"]["bindings"]
    elif media == CSV:
        a = list(csv.reader(io.StringIO(native.body.decode(), newline="")))[:10]
        assert a == list(csv.reader(io.StringIO(python.body.decode(), newline="")))
    elif media == TSV:
        assert native.body.decode().split("\n")[:10] == python.body.decode().split("\n")[:10]


def test_the_first_rows_are_kept_when_cut(store) -> None:
    result = run_query(store, QUERY, accept=(SRJ,), max_rows=4)
    subjects = [b["s"]["value"] for b in json.loads(result.body)["results"]["bindings"]]
    assert subjects == [f"http://example.org/s{i}" for i in range(4)]


def test_empty_rows_count(store) -> None:
    """Unbound variables make rows of two bytes; the cap still counts them."""
    query = "SELECT ?x WHERE { ?s <http://example.org/p> ?o }"
    for media in FORMATS:
        cut = run_query(store, query, accept=(media,), max_rows=5)
        assert cut.truncated, media
        assert rows(cut.body, media) == 5, media
        whole = run_query(store, query, accept=(media,), max_rows=10)
        assert not whole.truncated, media
        assert rows(whole.body, media) == 10, media


@pytest.mark.parametrize("query", [
    # a trailing VALUES block: no LIMIT may follow it, so the text runs as written
    "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o } VALUES ?z { 1 }",
    # a larger LIMIT of the query's own is lowered
    "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o } LIMIT 1000",
    # a comment on the last line
    "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o }\n# the end",
    # a '#' in an IRI on the LIMIT's line: the appended LIMIT is refused, the text runs as is
    "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o FILTER(?s != <http://x#y>) } LIMIT 900",
    # an OFFSET
    "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o } ORDER BY ?s OFFSET 2",
])
def test_odd_endings_keep_the_cap(store, query) -> None:
    total = len(list(store.query(query, use_default_graph_as_union=True)))
    result = run_query(store, query, accept=(SRJ,), max_rows=4)
    assert rows(result.body, SRJ) == min(total, 4)
    assert result.truncated is (total > 4)
    whole = run_query(store, query, accept=(SRJ,), max_rows=100)
    assert rows(whole.body, SRJ) == total
    assert not whole.truncated


def test_limited_text() -> None:
    assert _limited("SELECT * { ?s ?p ?o }", 5).endswith("\nLIMIT 5\n")
    assert _limited("SELECT * { ?s ?p ?o } LIMIT 900 OFFSET 3", 5).endswith("LIMIT 5 OFFSET 3")
    assert _limited("ASK { ?s ?p ?o }", 5) is None
    assert _limited("CONSTRUCT WHERE { ?s ?p ?o }", 5) is None
    assert _limited("SELECT * { ?s ?p ?o } # LIMIT 900", 5).endswith("\nLIMIT 5\n")


def test_syntax_errors_keep_their_own_message(store) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        run_query(store, "SELECT ?s WHERE { ?s ?p }", max_rows=5)
    with pytest.raises(QuerySyntaxError) as plain:
        run_query(store, "SELECT ?s WHERE { ?s ?p }")
    assert str(caught.value) == str(plain.value)


def test_syntax_error_wins_over_not_acceptable(store) -> None:
    with pytest.raises(QuerySyntaxError):
        run_query(store, "SELECT ?s WHERE { ?s ?p }", accept=("image/png",), max_rows=5)
    with pytest.raises(NotAcceptableError):
        run_query(store, QUERY, accept=("image/png",), max_rows=5)


@pytest.mark.parametrize("media", FORMATS)
def test_count_rows_is_exact(store, media) -> None:
    body = run_query(store, QUERY, accept=(media,)).body
    assert count_rows(body, media) == 10
    assert count_rows(body, media, cap=9) == 10


def test_a_long_answer_far_under_the_cap_is_not_parsed_to_count() -> None:
    """Between COUNT_BELOW and the size the cap needs, JSON is not parsed (rows unknown)."""
    s = ox.Store()
    long = "x" * 1000
    for i in range(200):
        s.add(ox.Quad(ox.NamedNode(f"http://example.org/s{i}"), P, ox.Literal(long + str(i))))
    query = "SELECT ?o WHERE { ?s <http://example.org/p> ?o }"
    result = run_query(s, query, accept=(SRJ,), max_rows=100_000)
    assert len(result.body) > COUNT_BELOW
    assert result.rows is None and not result.truncated
    assert rows(result.body, SRJ) == 200
    cut = run_query(s, query, accept=(SRJ,), max_rows=150)  # long enough to pass: counted
    assert cut.truncated and cut.rows == 150
    tsv = run_query(s, query, accept=(TSV,), max_rows=100_000)
    assert tsv.rows == 200  # TSV is always counted
