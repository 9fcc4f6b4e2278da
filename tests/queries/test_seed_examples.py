"""The catalogue's examples on the real graph: the bundled document, built as ``policykg build``
builds it (the ``seed_store`` fixture), answers every example with at least its ``min_rows``.

The fixture tests pin the queries' logic; this one checks that the examples shown to analysts
("Try it") find something in the data they will actually query.
"""

from __future__ import annotations

from typing import Any

import pytest

from graph.catalogue import bind_request, class_members, load_catalogue
from graph.namespace import PREFIXES
from tests.queries.test_binding import EXAMPLES, rows, triples

CATALOGUE = load_catalogue()


@pytest.mark.parametrize(("name", "index"), EXAMPLES)
def test_examples_find_rows_in_the_seed(name: str, index: int, seed_store: Any) -> None:
    query = CATALOGUE[name]
    example = query.examples[index]
    text, _ = bind_request(
        query, dict(example.get("params") or {}), prefixes=PREFIXES,
        members_of=lambda cls: class_members(seed_store, cls, PREFIXES),
    )
    if query.kind == "construct":
        found: Any = triples(seed_store, text)
    else:
        found = rows(seed_store, text, query)
    expect = example.get("expect") or {}
    assert len(found) >= expect.get("min_rows", 0)
    assert len(found) <= expect.get("max_rows", len(found))


def test_the_seed_answers_the_cards_question(seed_store: Any) -> None:
    """Which departments own measures for border areas, with the sentence each rests on."""
    query = CATALOGUE["departments_for_region_type"]
    text, _ = bind_request(query, {"region": "边境地区"}, prefixes=PREFIXES,
                           members_of=lambda cls: class_members(seed_store, cls, PREFIXES))
    answer = seed_store.select(text)
    assert answer
    for row in answer:
        assert "边境" in row["evidence"]["value"]
        assert row["measure"]["value"].startswith("https://w3id.org/policykg/id/doc/")
