"""Every canned query gives on Virtuoso the rows it gives on Oxigraph (examples and unbound).

Virtuoso 7 needed three changes to queries that are correct SPARQL 1.1 (each file says where):
a parameter that a sub-select or a UNION branch also binds is typed at the top level (or the
``UNDEF`` slot makes Virtuoso drop its value); ``CONTAINS(…, STR(?keyword))`` finds nothing in
Chinese text, so the keyword is compared without ``STR``; and a GROUP BY over OPTIONAL
sub-selects does not compile, so lists are built in sub-selects.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from graph.catalogue import bind_request, class_members, load_catalogue
from graph.namespace import PREFIXES
from tests.queries.test_binding import EXAMPLES, rows, triples

CATALOGUE = load_catalogue()
pytestmark = pytest.mark.virtuoso


@pytest.fixture(scope="module")
def virtuoso_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from tests.queries.fixture import virtuoso_fixture

    with virtuoso_fixture(tmp_path_factory.mktemp("q-virtuoso")) as store:
        yield store


def _answer(store: Any, name: str, text: str) -> Any:
    query = CATALOGUE[name]
    return triples(store, text) if query.kind == "construct" else rows(store, text, query)


@pytest.mark.parametrize(("name", "index"), EXAMPLES)
def test_examples_answer_alike_on_virtuoso(
    name: str, index: int, virtuoso_store: Any, oxigraph_fixture_store: Any
) -> None:
    query = CATALOGUE[name]
    params = dict(query.examples[index].get("params") or {})
    text, _ = bind_request(
        query, params, prefixes=PREFIXES,
        members_of=lambda cls: class_members(oxigraph_fixture_store, cls, PREFIXES),
    )
    assert _answer(virtuoso_store, name, text) == _answer(oxigraph_fixture_store, name, text)


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_files_run_as_is_alike_on_virtuoso(
    name: str, virtuoso_store: Any, oxigraph_fixture_store: Any
) -> None:
    """The files themselves (every slot UNDEF), as an analyst pastes them into a query page."""
    text = CATALOGUE[name].text
    assert _answer(virtuoso_store, name, text) == _answer(oxigraph_fixture_store, name, text)
