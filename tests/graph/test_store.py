"""The store suite: the same operations and the same answers on all four stores.

Runs on ``memory:`` (rdflib), ``oxigraph:PATH`` (embedded), and ``sparql:`` against two real
servers started by the tests (``oxigraph serve`` and Virtuoso). The data is hand-written, with
the kinds of terms a build writes: Chinese text with newlines and quotes, language tags,
integers, non-negative integers, dates, booleans, and blank-node structures like the
ontology's OWL restrictions and lists.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from graph.errors import NotAcceptableError, QuerySyntaxError
from graph.store import CSV, NQUADS, NTRIPLES, SRJ, SRX, TRIG, TSV, TURTLE, DatasetSpec

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
G1, G2, G3 = f"{EX}graph/1", f"{EX}graph/2", f"{EX}graph/3"


def iri(name: str) -> ox.NamedNode:
    return ox.NamedNode(EX + name)


def lit(value: str, datatype: str | None = None, lang: str | None = None) -> ox.Literal:
    if lang:
        return ox.Literal(value, language=lang)
    if datatype:
        return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))
    return ox.Literal(value)


def doc_triples(n: int, text: str = "引导劳动密集型产业向中西部地区转移") -> list[ox.Triple]:
    """A small document-like graph: typed nodes, text, offsets, a flag, a date."""
    t = ox.Triple
    d = iri(f"doc/{n}")
    out = [
        t(d, ox.NamedNode(RDF + "type"), iri("Document")),
        t(d, iri("title"), lit(f"关于第{n}号文件的通知", lang="zh")),
        t(d, iri("issued"), lit("2021-12-08", "date")),
        t(d, iri("fullText"), lit(f"第一行\n第二行 “引号” \"quotes\" \\ 反斜杠 𠀀 {n}", lang="zh")),
        t(d, iri("discovered"), lit("true", "boolean")),
    ]
    for m in range(1, 4):
        node = iri(f"doc/{n}/measure/{m}")
        out += [
            t(node, ox.NamedNode(RDF + "type"), iri("Measure")),
            t(node, iri("inDocument"), d),
            t(node, iri("ordinal"), lit(str(m), "integer")),
            t(node, iri("beginOffset"), lit(str(10 * m), "nonNegativeInteger")),
            t(node, iri("text"), lit(f"{text}（{m}）", lang="zh")),
            t(node, iri("verb"), lit("引导")),
        ]
    return out


def restriction_triples() -> list[ox.Triple]:
    """An OWL-like structure with blank nodes: a restriction inside an RDF list."""
    t = ox.Triple
    r, l1, l2 = ox.BlankNode("r"), ox.BlankNode("l1"), ox.BlankNode("l2")
    first, rest = ox.NamedNode(RDF + "first"), ox.NamedNode(RDF + "rest")
    return [
        t(iri("Special"), iri("intersectionOf"), l1),
        t(l1, first, iri("Measure")),
        t(l1, rest, l2),
        t(l2, first, r),
        t(l2, rest, ox.NamedNode(RDF + "nil")),
        t(r, iri("onProperty"), iri("targets")),
        t(r, iri("someValuesFrom"), iri("SpecialRegion")),
    ]


def same_quads(a: list[ox.Quad], b: list[ox.Quad]) -> bool:
    """Whether two lists of quads hold the same graphs, up to blank node names."""

    def graphs(quads: list[ox.Quad]) -> dict[str, Graph]:
        triples: dict[str, list[ox.Triple]] = {}
        for q in quads:
            triples.setdefault(q.graph_name.value, []).append(q.triple)
        out = {}
        for name, items in triples.items():
            data = ox.serialize(items, format=ox.RdfFormat.N_TRIPLES) or b""
            out[name] = Graph().parse(data=data.decode(), format="nt")
        return out

    left, right = graphs(a), graphs(b)
    return left.keys() == right.keys() and all(isomorphic(left[k], right[k]) for k in left)


def graph_quads(graph: str, triples: list[ox.Triple]) -> list[ox.Quad]:
    return [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph)) for t in triples]


def rows(store: Any, sparql: str, **kwargs: Any) -> list[dict[str, tuple[str, ...]]]:
    """SELECT rows as comparable tuples (type, value, datatype/lang), sorted."""
    out = []
    for row in store.select(sparql, **kwargs):
        item = {}
        for var, term in row.items():
            kind = "literal" if term["type"] == "typed-literal" else term["type"]
            extra = term.get("xml:lang", "").lower() or term.get("datatype", "")
            if kind == "bnode":
                item[var] = ("bnode",)
            else:
                item[var] = (kind, term["value"], extra)
        out.append(item)
    return sorted(out, key=lambda r: json.dumps(r, sort_keys=True))


# -- writing and listing -------------------------------------------------------------------


def test_replace_lists_and_unions(any_store: Any) -> None:
    any_store.replace_graphs({G1: doc_triples(1), G2: doc_triples(2)})
    assert any_store.graph_names() == [G1, G2]
    found = rows(any_store, f"SELECT ?d WHERE {{ ?d a <{EX}Document> }}")
    assert found == [{"d": ("uri", f"{EX}doc/1", "")}, {"d": ("uri", f"{EX}doc/2", "")}]
    assert any_store.count_triples() == 2 * len(doc_triples(1))


def test_replace_replaces_the_whole_graph(any_store: Any) -> None:
    any_store.replace_graphs({G1: doc_triples(1)})
    before = any_store.version()
    any_store.replace_graphs({G1: doc_triples(1, text="新的文本")[:11]})
    assert any_store.version() != before
    texts = rows(any_store, f"SELECT ?t WHERE {{ GRAPH <{G1}> {{ ?m <{EX}text> ?t }} }}")
    assert texts == [{"t": ("literal", "新的文本（1）", "zh")}]
    assert any_store.count_triples() == 11


def test_replace_with_nothing_empties_the_graph(any_store: Any) -> None:
    any_store.replace_graphs({G1: doc_triples(1), G2: doc_triples(2)})
    any_store.replace_graphs({G1: []})
    assert any_store.graph_names() == [G2]


def test_drop_graph(any_store: Any) -> None:
    any_store.replace_graphs({G1: doc_triples(1), G2: doc_triples(2)})
    assert any_store.drop_graph(G1) is True
    assert any_store.drop_graph(G1) is False
    assert any_store.graph_names() == [G2]
    assert not any_store.ask(f"ASK {{ <{EX}doc/1> ?p ?o }}")
    assert any_store.ask(f"ASK {{ <{EX}doc/2> ?p ?o }}")


def test_writer_session(any_store: Any) -> None:
    with any_store.writer() as w:
        w.replace_graphs({G1: doc_triples(1)})
        w.replace_graphs({G2: doc_triples(2)})
        assert w.graph_names() == [G1, G2]
        assert w.drop_graph(G1)
    assert any_store.graph_names() == [G2]


def keeps_derived_integer_types(store: Any) -> bool:
    """Whether a store gives back ``xsd:nonNegativeInteger`` as written.

    Oxigraph (embedded and server, 0.5) stores every integer type derived from
    ``xsd:integer`` as ``xsd:integer``: the value survives, the datatype IRI does not.
    """
    if store.spec.kind == "sparql":
        return store.is_virtuoso
    return store.spec.kind == "memory"


def as_stored(store: Any, quads: list[ox.Quad]) -> list[ox.Quad]:
    """What ``store`` is expected to give back for ``quads``."""
    if keeps_derived_integer_types(store):
        return quads
    nni = XSD + "nonNegativeInteger"
    out = []
    for q in quads:
        o = q.object
        if isinstance(o, ox.Literal) and o.datatype.value == nni:
            o = lit(o.value, "integer")
        out.append(ox.Quad(q.subject, q.predicate, o, q.graph_name))
    return out


def test_derived_integer_types(any_store: Any) -> None:
    any_store.replace_graphs({G1: doc_triples(1)})
    found = rows(any_store, f"SELECT ?b WHERE {{ <{EX}doc/1/measure/2> <{EX}beginOffset> ?b }}")
    kept = keeps_derived_integer_types(any_store)
    assert found == [{"b": ("literal", "20", XSD + ("nonNegativeInteger" if kept else "integer"))}]
    # Either way the value compares as a number.
    assert any_store.ask(f"ASK {{ ?m <{EX}beginOffset> ?b FILTER(?b = 20 && ?b > 19) }}")


def test_terms_round_trip(any_store: Any) -> None:
    """Every kind of term comes back as written, blank-node structure included."""
    written = graph_quads(G1, doc_triples(1)) + graph_quads(G2, restriction_triples())
    written = as_stored(any_store, written)
    any_store.replace_graphs({G1: doc_triples(1), G2: restriction_triples()})
    back = list(any_store.quads())
    assert len(back) == len(written)
    assert same_quads(back, written)
    one = list(any_store.quads(G2))
    assert same_quads(one, graph_quads(G2, restriction_triples()))


@pytest.mark.parametrize("media", [NQUADS, TRIG])
def test_dump_is_complete(any_store: Any, media: str) -> None:
    any_store.replace_graphs({G1: doc_triples(1), G2: restriction_triples()})
    out = io.BytesIO()
    any_store.dump(out, media)
    fmt = ox.RdfFormat.N_QUADS if media == NQUADS else ox.RdfFormat.TRIG
    back = list(ox.parse(out.getvalue(), format=fmt))
    written = graph_quads(G1, doc_triples(1)) + graph_quads(G2, restriction_triples())
    assert same_quads(back, as_stored(any_store, written))


# -- queries ---------------------------------------------------------------------------------


def test_select_formats_agree(any_store: Any) -> None:
    any_store.replace_graphs({G1: doc_triples(1)})
    query = f"SELECT ?m ?o WHERE {{ ?m <{EX}ordinal> ?o }} ORDER BY ?o"
    srj = json.loads(any_store.query(query, accept=(SRJ,)).body)
    assert [b["o"]["value"] for b in srj["results"]["bindings"]] == ["1", "2", "3"]
    assert all(b["o"]["datatype"] == XSD + "integer" for b in srj["results"]["bindings"])
    srx = any_store.query(query, accept=(SRX,))
    assert srx.media_type == SRX
    parsed = list(ox.parse_query_results(srx.body, format=ox.QueryResultsFormat.XML))
    assert [s["o"].value for s in parsed] == ["1", "2", "3"]
    table = any_store.query(query, accept=(CSV,))
    assert table.media_type == CSV
    lines = list(csv.reader(io.StringIO(table.body.decode())))
    assert lines[0] == ["m", "o"] and [r[1] for r in lines[1:]] == ["1", "2", "3"]
    tsv = any_store.query(query, accept=(TSV,))
    assert tsv.body.decode().splitlines()[0] == "?m\t?o"
    assert tsv.rows in (3, None)  # None: the engine wrote it without counting


@pytest.mark.parametrize("media", [SRJ, SRX, CSV, TSV])
def test_ask(any_store: Any, media: str) -> None:
    any_store.replace_graphs({G1: doc_triples(1)})
    yes = any_store.query(f"ASK {{ ?m <{EX}verb> \"引导\" }}", accept=(media,))
    no = any_store.query(f"ASK {{ ?m <{EX}verb> \"推动\" }}", accept=(media,))
    assert yes.kind == no.kind == "boolean"
    assert yes.media_type == media
    assert b"true" in yes.body and b"false" in no.body
    assert any_store.ask(f"ASK {{ ?m <{EX}verb> \"引导\" }}") is True


@pytest.mark.parametrize("media", [NTRIPLES, TURTLE])
def test_construct(any_store: Any, media: str) -> None:
    any_store.replace_graphs({G1: doc_triples(1)})
    sparql = f"CONSTRUCT {{ ?m <{EX}p> ?t }} WHERE {{ ?m <{EX}text> ?t }}"
    result = any_store.query(sparql, accept=(media,))
    assert result.kind == "graph" and result.media_type == media
    fmt = ox.RdfFormat.N_TRIPLES if media == NTRIPLES else ox.RdfFormat.TURTLE
    triples = {(q.subject.value, q.object.value) for q in ox.parse(result.body, format=fmt)}
    assert triples == {(f"{EX}doc/1/measure/{m}", f"引导劳动密集型产业向中西部地区转移（{m}）")
                       for m in (1, 2, 3)}
    assert len(any_store.construct(sparql)) == 3


def test_describe_names_the_resource(any_store: Any) -> None:
    any_store.replace_graphs({G1: doc_triples(1)})
    triples = any_store.construct(f"DESCRIBE <{EX}doc/1>")
    assert {t.predicate.value for t in triples if t.subject.value == f"{EX}doc/1"} >= {
        f"{EX}title", f"{EX}issued", f"{EX}fullText"
    }


def test_aggregates_and_filters(any_store: Any) -> None:
    any_store.replace_graphs({G1: doc_triples(1), G2: doc_triples(2)})
    found = rows(
        any_store,
        f"""SELECT ?d (COUNT(?m) AS ?n) (SUM(?b) AS ?offsets) WHERE {{
              ?m <{EX}inDocument> ?d ; <{EX}beginOffset> ?b .
              FILTER(LANGMATCHES(LANG("x"@zh), "zh"))
            }} GROUP BY ?d""",
    )
    assert [(r["d"][1], r["n"][1], r["offsets"][1]) for r in found] == [
        (f"{EX}doc/1", "3", "60"),
        (f"{EX}doc/2", "3", "60"),
    ]


def test_max_rows_cuts_and_says_so(any_store: Any) -> None:
    any_store.replace_graphs({G1: doc_triples(1), G2: doc_triples(2)})
    sparql = f"SELECT ?m WHERE {{ ?m a <{EX}Measure> }}"
    cut = any_store.query(sparql, accept=(SRJ,), max_rows=4)
    assert cut.truncated and cut.rows == 4
    assert len(json.loads(cut.body)["results"]["bindings"]) == 4
    whole = any_store.query(sparql, accept=(SRJ,), max_rows=6)
    assert not whole.truncated and whole.rows == 6


def test_dataset_of_the_protocol(any_store: Any) -> None:
    any_store.replace_graphs({G1: doc_triples(1), G2: doc_triples(2)})
    sparql = f"SELECT ?d WHERE {{ ?d a <{EX}Document> }}"
    only = rows(any_store, sparql, dataset=DatasetSpec(default_graphs=(G2,)))
    assert only == [{"d": ("uri", f"{EX}doc/2", "")}]
    named = rows(
        any_store,
        f"SELECT ?g WHERE {{ GRAPH ?g {{ ?d a <{EX}Document> }} }}",
        dataset=DatasetSpec(named_graphs=(G1,)),
    )
    assert named == [{"g": ("uri", G1, "")}]


def test_bad_query_is_a_syntax_error(any_store: Any) -> None:
    with pytest.raises(QuerySyntaxError):
        any_store.query("SELECT ?x WHERE { ?x ?y }")


def test_unacceptable_media_type(any_store: Any) -> None:
    with pytest.raises(NotAcceptableError):
        any_store.query("SELECT * WHERE { ?s ?p ?o }", accept=(TURTLE,))
    with pytest.raises(NotAcceptableError):
        any_store.query("CONSTRUCT WHERE { ?s ?p ?o }", accept=(SRJ,))


def test_many_rows_are_read_completely(any_store: Any) -> None:
    """Internal reads see every triple even past Virtuoso's 10 000-row result cap."""
    big = [ox.Triple(iri(f"s/{i}"), iri("p"), lit(str(i), "integer")) for i in range(10_050)]
    any_store.replace_graphs({G3: big})
    assert len(list(any_store.quads(G3))) == 10_050
    assert any_store.count_triples() == 10_050
    answer = any_store.query(f"SELECT ?s WHERE {{ ?s <{EX}p> ?o }}", accept=(SRJ,))
    got = len(json.loads(answer.body)["results"]["bindings"])
    # A server that cuts says so; the others answer in full.
    assert (got == 10_050 and not answer.truncated) or (got < 10_050 and answer.truncated)
