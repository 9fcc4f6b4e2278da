"""graph.namespace mirrors the ontology: every pol: term, and nothing else."""

from __future__ import annotations

from rdflib import Graph, URIRef

from graph.namespace import DOC, MINISTRY, POL, POLID, PREFIXES, REGION


def test_namespace_matches_ontology(onto: Graph) -> None:
    defined = {
        str(s)[len(str(POL)) :]
        for s in onto.subjects()
        if isinstance(s, URIRef) and str(s).startswith(str(POL))
    }
    assert defined == set(POL.__annotations__)


def test_unknown_term_raises() -> None:
    try:
        POL.Mesure  # noqa: B018 - the attribute access is the test
    except AttributeError as exc:
        assert "Mesure" in str(exc)
    else:
        raise AssertionError("POL.Mesure should raise: _fail = True")


def test_prefixes_cover_the_individual_namespaces() -> None:
    assert PREFIXES["pol"] == "https://w3id.org/policykg/ontology#"
    assert PREFIXES["ministry"] == str(MINISTRY) == "https://w3id.org/policykg/id/ministry/"
    assert PREFIXES["region"] == str(REGION)
    assert PREFIXES["doc"] == str(DOC) == str(POLID) + "doc/"
    for prefix in ("province", "industry", "instrument", "itype", "polid", "skos", "dcterms"):
        assert PREFIXES[prefix].endswith(("/", "#"))


def test_every_individual_lives_under_its_prefix(onto: Graph) -> None:
    from rdflib import OWL, RDF

    for s in onto.subjects(RDF.type, OWL.NamedIndividual):
        iri = str(s)
        if iri.startswith(str(POL)):
            continue  # the concept schemes
        assert any(
            iri.startswith(PREFIXES[p])
            for p in ("ministry", "region", "province", "industry", "instrument", "itype")
        ), iri
