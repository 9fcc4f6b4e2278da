"""Building: documents → named graphs, provenance, the inferred graph, and the same answers to
every canned query on all four stores."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from graph.config import DEFAULT_BASE
from graph.loading import (
    DISCOVERED_GRAPH,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    build_documents,
    delete_documents,
)
from graph.store import NQUADS, open_store
from tests.graph.conftest import open_kind

PROV_ENDED = "http://www.w3.org/ns/prov#endedAtTime"
XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGERS = {XSD + t for t in ("integer", "nonNegativeInteger", "int", "long", "positiveInteger")}


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The seed and four synthetic documents (bench.corpus, fixed seed)."""
    from bench.corpus import write_corpus
    from corpus import default_documents

    synthetic = write_corpus(4, tmp_path_factory.mktemp("corpus"), seed=7)
    return [*default_documents(), *synthetic]


def graphs_of(store: Any, drop: str | None = PROV_ENDED) -> dict[str, Graph]:
    """Every named graph of a store as an rdflib graph (without the build time)."""
    out: dict[str, Graph] = {}
    for name in store.graph_names():
        triples = [q.triple for q in store.quads(name) if q.predicate.value != drop]
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        out[name] = Graph().parse(data=data.decode(), format="nt")
    return out


# -- what a build writes ---------------------------------------------------------------------


def test_seed_build_writes_four_kinds_of_graph(tmp_path: Path, seed_path: Path) -> None:
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    report = build_documents(store, [seed_path], base=DEFAULT_BASE)
    assert report.ok, report.failures
    [doc] = report.documents
    assert store.graph_names() == sorted([doc, ONTOLOGY_GRAPH, DISCOVERED_GRAPH, INFERRED_GRAPH])
    # The document graph carries its provenance: file, extractor, ontology, source hash, time.
    rows = store.select(
        f"""PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX pol: <https://w3id.org/policykg/ontology#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?source ?extractor ?ontology ?sha ?ended WHERE {{ GRAPH <{doc}> {{
          <{doc}> dcterms:source ?source ; prov:wasGeneratedBy ?a .
          ?a pol:extractorVersion ?extractor ; pol:ontologyVersion ?ontology ;
             pol:sourceSha256 ?sha ; prov:endedAtTime ?ended }} }}"""
    )
    assert len(rows) == 1
    row = rows[0]
    assert row["source"]["value"] == seed_path.name
    assert row["ontology"]["value"].startswith("https://w3id.org/policykg/ontology/")
    assert re.fullmatch(r"[0-9a-f]{64}", row["sha"]["value"])
    assert row["ended"]["datatype"] == XSD + "dateTime"
    # Ownership is explained: every pol:ownedBy has its pol:Attribution in the same graph.
    assert not store.ask(
        f"""PREFIX pol: <https://w3id.org/policykg/ontology#>
        ASK {{ GRAPH <{doc}> {{ ?m pol:ownedBy ?x FILTER NOT EXISTS {{
          ?a a pol:Attribution ; pol:ofMeasure ?m ; pol:toMinistry ?x }} }} }}"""
    )


def test_inferred_graph_holds_what_the_ontology_implies(tmp_path: Path, seed_path: Path) -> None:
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    build_documents(store, [seed_path], base=DEFAULT_BASE)
    prefix = "PREFIX pol: <https://w3id.org/policykg/ontology#>\n"
    inferred = f"GRAPH <{INFERRED_GRAPH}>"
    # Inverse properties: every measure's section lists it back.
    assert store.ask(prefix + f"ASK {{ {inferred} {{ ?r pol:targetedBy ?m }} }}")
    assert not store.ask(
        prefix + "ASK { ?m pol:targetsRegion ?r FILTER NOT EXISTS { ?r pol:targetedBy ?m } }"
    )
    # skos:broader closure, for industries and for regions.
    assert store.ask(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        f"ASK {{ {inferred} {{ ?a skos:broaderTransitive ?c }} ?a skos:broader ?b . "
        "?b skos:broader ?c }"
    )
    # Class membership: a measure for a special region type is a pol:SpecialRegionMeasure.
    special = store.select(
        prefix + "SELECT DISTINCT ?m WHERE { ?m a pol:Measure ; pol:targetsRegion ?r . "
        "?r a pol:SpecialRegionType }"
    )
    members = store.select(prefix + "SELECT DISTINCT ?m WHERE { ?m a pol:SpecialRegionMeasure }")
    assert special and {r["m"]["value"] for r in special} == {r["m"]["value"] for r in members}
    # Nothing asserted is repeated in the inferred graph.
    assert not store.ask(
        f"ASK {{ {inferred} {{ ?s ?p ?o }} GRAPH ?g {{ ?s ?p ?o }} "
        f"FILTER(?g != <{INFERRED_GRAPH}>) }}"
    )


def test_python_reasoner_matches_the_sparql_rules(small_corpus: list[Path], tmp_path: Path) -> None:
    """The per-document reasoner used by builds concludes what the SPARQL rules conclude over
    the whole store (the reference)."""
    from graph.reasoning import materialise

    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    build_documents(store, small_corpus, base=DEFAULT_BASE, workers=1)
    built = {q.triple for q in store.quads(INFERRED_GRAPH)}
    with store.writer() as writer:
        materialise(writer)
    reference = {q.triple for q in store.quads(INFERRED_GRAPH)}
    assert len(reference) > 4000
    assert built == reference


def test_rebuild_is_idempotent(small_corpus: list[Path], tmp_path: Path) -> None:
    """Building the same documents twice gives the same graphs, except the build time."""
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    build_documents(store, small_corpus, base=DEFAULT_BASE)
    first = graphs_of(store)
    report = build_documents(store, list(reversed(small_corpus)), base=DEFAULT_BASE, workers=1)
    assert report.ok
    second = graphs_of(store)
    assert first.keys() == second.keys()
    for name in first:
        assert isomorphic(first[name], second[name]), name
    assert len(first) == len(small_corpus) + 3


def test_delete_document_drops_its_graph_and_conclusions(
    small_corpus: list[Path], tmp_path: Path
) -> None:
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    report = build_documents(store, small_corpus[:3], base=DEFAULT_BASE)
    gone = report.documents[0]
    assert delete_documents(store, [gone, f"{DEFAULT_BASE}doc/none"]) == [gone]
    assert gone not in store.graph_names()
    assert not store.ask(f"ASK {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p <{gone}> }} }}")
    assert not store.ask(
        f'ASK {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?s), "{gone}/")) }}'
    )
    # What is left equals a fresh build of the two remaining documents.
    fresh = open_store(f"oxigraph:{tmp_path / 'fresh'}")
    build_documents(fresh, small_corpus[1:3], base=DEFAULT_BASE)
    for derived in (INFERRED_GRAPH, DISCOVERED_GRAPH):
        assert isomorphic(graphs_of(store)[derived], graphs_of(fresh)[derived]), derived


def test_adding_a_document_keeps_the_others_conclusions(
    small_corpus: list[Path], tmp_path: Path
) -> None:
    """A build of one more document (an upload) recomputes conclusions for all documents."""
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    build_documents(store, small_corpus[:2], base=DEFAULT_BASE)
    build_documents(store, small_corpus[2:3], base=DEFAULT_BASE)
    together = open_store(f"oxigraph:{tmp_path / 'together'}")
    build_documents(together, small_corpus[:3], base=DEFAULT_BASE)
    for derived in (INFERRED_GRAPH, DISCOVERED_GRAPH):
        assert isomorphic(graphs_of(store)[derived], graphs_of(together)[derived]), derived


def test_a_concept_found_by_several_documents_is_described_once(
    small_corpus: list[Path], tmp_path: Path
) -> None:
    """Its documents' graphs say only where it was found; label and type are stated once, so
    the union default graph (a bag on Oxigraph) gives one row per concept and label."""
    prefix = ("PREFIX pol: <https://w3id.org/policykg/ontology#>\n"
              "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n")
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    build_documents(store, small_corpus, base=DEFAULT_BASE)
    shared = store.select(
        prefix + "SELECT ?c (COUNT(DISTINCT ?d) AS ?n) WHERE { ?c pol:discoveredIn ?d } "
        "GROUP BY ?c HAVING (COUNT(DISTINCT ?d) > 1)"
    )
    assert shared, "the corpus must have a concept that two documents discovered"
    rows = store.select(
        prefix + "SELECT ?c ?label ?type WHERE { ?c pol:discovered true ; "
        "skos:prefLabel ?label ; a ?type }"
    )
    keys = [(r["c"]["value"], r["label"]["value"], r["type"]["value"]) for r in rows]
    assert keys and len(keys) == len(set(keys))
    assert not store.ask(
        prefix
        + f"ASK {{ GRAPH ?g {{ ?c pol:discovered true }} FILTER(?g != <{DISCOVERED_GRAPH}>) }}"
    )


# -- the same answers on all four stores --------------------------------------------------------


def _normal(term: dict[str, str]) -> tuple[str, ...]:
    kind = "literal" if term["type"] == "typed-literal" else term["type"]
    if kind == "bnode":
        return ("bnode",)
    value = term["value"]
    extra = term.get("xml:lang", "").lower() or term.get("datatype", "")
    if extra == XSD + "string":
        extra = ""
    if extra in INTEGERS:  # Oxigraph keeps the value of derived integer types, not the type
        extra, value = XSD + "integer", str(int(value))
    tokens = value.split(" ")
    if len(tokens) > 1 and all(t.startswith(("http://", "https://")) for t in tokens):
        value = " ".join(sorted(tokens))  # a GROUP_CONCAT of IRIs: engines join in any order
    return (kind, value, extra)


def _normal_triple(triple: ox.Triple) -> tuple[str, ...]:
    out = []
    for term in triple:
        if isinstance(term, ox.BlankNode):
            out.append("_")
        elif isinstance(term, ox.Literal) and term.datatype.value in INTEGERS:
            out.append(f'"{int(term.value)}"^^<{XSD}integer>')
        else:
            out.append(str(term))
    return tuple(out)


def answers(store: Any) -> dict[str, list[Any]]:
    """Every canned query's example runs and the stats, normalised for comparison."""
    from graph.catalogue import bind_request, class_members, load_catalogue
    from graph.namespace import PREFIXES
    from graph.stats import graph_stats

    out: dict[str, list[Any]] = {}
    for name, query in sorted(load_catalogue().items()):
        for i, example in enumerate(query.examples):
            text, _ = bind_request(
                query,
                dict(example.get("params") or {}),
                prefixes=PREFIXES,
                members_of=lambda cls: class_members(store, cls, PREFIXES),
            )
            if query.kind in ("construct", "describe"):
                triples = store.construct(text)
                out[f"{name}[{i}]"] = sorted({_normal_triple(t) for t in triples})
                continue
            rows = store.select(text)
            # Compared as sets: where a query does not ask for DISTINCT, engines differ in how
            # often a row repeats (Oxigraph and Virtuoso join the union default graph as a bag
            # of quads, rdflib as a set of triples; a concept discovered by two documents is
            # described in both graphs).
            out[f"{name}[{i}]"] = sorted(
                {tuple(sorted((k, _normal(v)) for k, v in row.items())) for row in rows},
                key=repr,
            )
    stats = graph_stats(store)
    stats.pop("version")
    out["stats"] = [sorted(stats.items())]
    return out


@pytest.mark.slow
@pytest.mark.oxigraph_server
@pytest.mark.virtuoso
def test_every_canned_query_agrees_on_all_stores(
    small_corpus: list[Path], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # The seed and one synthetic document: two documents are enough for the queries that
    # aggregate across documents, and rdflib's engine (memory:) grows steeply with the data
    # (instrument_mix alone: 30 s on two documents, over 4 minutes on five).
    documents = small_corpus[:2]
    results: dict[str, dict[str, list[Any]]] = {}
    for kind in ("memory", "oxigraph", "sparql-oxigraph", "sparql-virtuoso"):
        store = open_kind(kind, request, tmp_path / kind)
        report = build_documents(store, documents, base=DEFAULT_BASE)
        assert report.ok, (kind, report.failures)
        results[kind] = answers(store)
        store.close()
    reference = results["memory"]
    assert len(reference) > 20
    assert sum(bool(rows) for rows in reference.values()) > 15, "examples must find something"
    differ = {
        (kind, key.split("[")[0])
        for kind, got in results.items()
        for key in reference
        if got[key] != reference[key]
    }
    assert differ == set(KNOWN_ENGINE_BUGS), (
        f"stores disagree on {sorted(differ - set(KNOWN_ENGINE_BUGS))}; "
        f"known disagreements that no longer show: {sorted(set(KNOWN_ENGINE_BUGS) - differ)}"
    )


KNOWN_ENGINE_BUGS: dict[tuple[str, str], str] = {
    ("sparql-virtuoso", "transfer_flows"): (
        "Virtuoso 7.2 drops the rows of a measure that states an origin and no destination: "
        "`VALUES ?destination { UNDEF }` joined with `OPTIONAL { ?m pol:transfersTo "
        "?destination }` keeps only rows where the OPTIONAL matched (checked by hand on the "
        "seed's measure 19). Rewrites tried on the seed against Virtuoso 7.2, none right in "
        "all four cases (no parameter, origin, destination, both): slots commented out "
        "(then the BOUND filters lose destination-only rows, and `measures` no longer "
        "compiles: SQ156); VALUES at the end; the OPTIONALs in sub-selects (SP031 when "
        "bound); flat label OPTIONALs; one UNION branch per case (right unbound, SP031 "
        "when bound)"
    ),
}
"""Disagreements seen and explained; the test fails when one disappears, so the entry goes."""


def test_dump_of_a_build_loads_back(tmp_path: Path, seed_path: Path) -> None:
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    build_documents(store, [seed_path], base=DEFAULT_BASE)
    out = io.BytesIO()
    store.dump(out, NQUADS)
    back = open_store("memory:")
    quads = list(ox.parse(out.getvalue(), format=ox.RdfFormat.N_QUADS))
    by_graph: dict[str, list[ox.Triple]] = {}
    for q in quads:
        by_graph.setdefault(q.graph_name.value, []).append(q.triple)
    back.replace_graphs(by_graph)
    assert back.count_triples() == store.count_triples()
    assert graphs_of(back).keys() == graphs_of(store).keys()


def test_deleting_every_finder_of_a_concept_removes_its_description(
    small_corpus: list[Path],
) -> None:
    """On a store whose sessions stage derived graphs (memory:, sparql:), the description goes
    with the last document that discovered the concept, though nothing is staged to replace it."""
    store = open_store("memory:")
    report = build_documents(store, small_corpus[:2], base=DEFAULT_BASE)
    assert DISCOVERED_GRAPH in store.graph_names()
    assert delete_documents(store, report.documents) == report.documents
    assert DISCOVERED_GRAPH not in store.graph_names()
    assert not store.ask("ASK { ?c <https://w3id.org/policykg/ontology#discovered> ?x }")
