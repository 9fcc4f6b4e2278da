"""Lexical facts about SPARQL text and the checks that run before a query (graph.sparql_text)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from graph.errors import QueryRefusedError, QuerySyntaxError
from graph.sparql_text import (
    add_using,
    base_prefix,
    check_text,
    has_dataset_clause,
    has_relative_iri,
    has_using_or_with,
    operation_form,
    refuse_xml_dtd,
    shift_error,
)


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * {}", "SELECT"),
        ("PREFIX ex: <http://ex/> # a comment\nBASE <http://b/>\nask {}", "ASK"),
        ("prefix : <http://ex/> CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <http://ex/a>", "DESCRIBE"),
        ("PREFIX ex: <http://ex/> INSERT DATA { ex:a ex:b ex:c }", "INSERT"),
        ("# only a comment", None),
    ],
)
def test_operation_form(text: str, form: str | None) -> None:
    assert operation_form(text) == form


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT * FROM <http://g> WHERE { ?s ?p ?o }", True),
        ("SELECT * FROM NAMED <http://g> { GRAPH ?g { ?s ?p ?o } }", True),
        ("CONSTRUCT { ?s ?p ?o } from <http://g> WHERE { ?s ?p ?o }", True),
        ('SELECT * WHERE { ?s ?p "FROM" }', False),
        ("SELECT * WHERE { ?s <http://ex/from> ?o } # FROM <x>", False),
        ("PREFIX from: <http://ex/> SELECT * WHERE { ?s from:x ?from }", False),
        ("SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } } }", False),
    ],
)
def test_dataset_clause(text: str, expected: bool) -> None:
    assert has_dataset_clause(text) is expected


def test_relative_iris_are_found_and_based() -> None:
    assert has_relative_iri("CONSTRUCT { <s> <p> 1 } WHERE {}")
    assert not has_relative_iri("SELECT * WHERE { <http://ex/s> ?p ?o FILTER(?o < 3) }")
    store = ox.Store()
    text = base_prefix("http://example.org/sparql") + "CONSTRUCT { <s> <p> 1 } WHERE {}"
    (triple,) = list(store.query(text))  # type: ignore[arg-type]
    assert triple.subject == ox.NamedNode("http://example.org/s")


def test_shifted_error_points_into_the_original_text() -> None:
    prefix = base_prefix("http://example.org/sparql")
    with pytest.raises(SyntaxError) as info:
        ox.Store().query(prefix + "SELECT * WHERE { <s> ?p ?o")
    shifted = shift_error(QuerySyntaxError(str(info.value)), prefix)
    assert "at 1:" in str(shifted)
    rdflib_style = QuerySyntaxError("Expected x (at char 40), (line:2, col:5)")
    assert "(at char 9), (line:1, col:5)" in str(shift_error(rdflib_style, "x" * 30 + "\n"))


def test_using_goes_before_where_of_each_modify() -> None:
    update = (
        "PREFIX ex: <http://ex/>\nCLEAR ALL ;\nINSERT DATA { ex:a ex:b ex:c } ;\n"
        "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o } ;\n"
        "INSERT { ?s a ex:T } WHERE { ?s ?p ?o }"
    )
    out = add_using(update, ["http://g/1"], ["http://g/2"])
    assert out.count("USING <http://g/1> USING NAMED <http://g/2> WHERE") == 2
    assert "INSERT DATA { ex:a ex:b ex:c }" in out
    ox.Store().update(out)  # still valid SPARQL


def test_delete_where_is_written_out_with_using() -> None:
    out = add_using("DELETE WHERE { ?s ?p ?o }", ["http://g/1"], [])
    assert out == "DELETE { ?s ?p ?o } USING <http://g/1> WHERE { ?s ?p ?o }"
    ox.Store().update(out)


def test_using_and_with_are_seen() -> None:
    assert has_using_or_with("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert has_using_or_with("DELETE { ?s ?p ?o } USING <http://g> WHERE { ?s ?p ?o }")
    assert not has_using_or_with('INSERT DATA { <http://a> <http://b> "USING WITH" }')


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o OPTIONAL { service silent ?s { ?a ?b ?c } } }",
        r"SELECT * WHERE { \u0053ERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE <http://x> { ?s ?p ?o }",  # cannot be checked: refused
    ],
)
def test_service_is_refused(text: str) -> None:
    with pytest.raises(QueryRefusedError, match="SERVICE"):
        check_text(text)


def test_service_as_a_word_is_fine() -> None:
    check_text('SELECT * WHERE { ?s ?p "customer service" }')
    check_text("PREFIX ex: <http://ex/> SELECT * WHERE { ?s ex:service ?o }")
    check_text("SELECT * WHERE { SERVICE <http://x> { ?s ?p ?o } }", allow_service=True)


def test_load_is_refused_in_updates() -> None:
    with pytest.raises(QueryRefusedError, match="LOAD"):
        check_text("LOAD <http://127.0.0.1:9/data.ttl>", update=True)
    with pytest.raises(QueryRefusedError, match="LOAD"):
        check_text("CLEAR ALL ; load silent <file:///etc/passwd> INTO GRAPH <g>", update=True)
    check_text('INSERT DATA { <http://a> <http://b> "LOAD" }', update=True)


@pytest.mark.parametrize(
    "payload",
    [
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><rdf:RDF/>',
        b"<!entity x SYSTEM 'file:///etc/passwd'>",
        '"<!DOCTYPE x>"^^rdf:XMLLiteral',
    ],
)
def test_dtds_are_refused(payload: bytes | str) -> None:
    with pytest.raises(QueryRefusedError, match="DOCTYPE"):
        refuse_xml_dtd(payload)
