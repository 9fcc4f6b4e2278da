"""``has_relative_iri`` decides most texts with one regular expression; the answer is the same
as tokenizing the whole text (the prefilter only skips texts that cannot hold such a token)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from graph.sparql_text import _SCHEME, has_relative_iri, tokens


def by_tokens(text: str) -> bool:
    return any(t.kind == "iri" and not _SCHEME.match(t.text[1:-1]) for t in tokens(text))


CASES = [
    "SELECT * { <a> ?p ?o }",
    "SELECT * { <http://x/a> ?p ?o }",
    'SELECT * { ?s ?p "<a>" }',
    "SELECT * { ?s ?p ?o } # <a>",
    "SELECT * { ?a ?b ?c FILTER(?a<?b && ?c>?a) }",
    "BASE <http://x/> SELECT * { <rel/x:y> ?p ?o }",
    "SELECT * { <> ?p ?o }",
    "SELECT * { <#frag> ?p ?o }",
    "PREFIX p: <urn:x:> SELECT * { p:a ?p ?o }",
]


def test_known_cases() -> None:
    for text in CASES:
        assert has_relative_iri(text) == by_tokens(text), text
    assert has_relative_iri("SELECT * { <a> ?p ?o }")
    assert not has_relative_iri("SELECT * { <http://x/a> ?p ?o }")


@settings(max_examples=300, derandomize=True)
@given(st.text(alphabet='<>:"#\n a/h1?{}\\\'', max_size=40))
def test_same_answer_as_the_tokenizer(text: str) -> None:
    assert has_relative_iri(text) == by_tokens(text)
