"""An ontologist who saved the RDF/XML file instead of the Turtle source loses nothing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic

from graph.ontology import OntologyError, check_sources, import_owl, render_owl
from ontology import ONTOLOGY_OWL, ONTOLOGY_TTL

SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
BORDER = rdflib.URIRef("https://w3id.org/policykg/id/region/border-area")


@pytest.fixture
def copies(tmp_path: Path) -> tuple[Path, Path]:
    ttl, owl = tmp_path / "policykg.ttl", tmp_path / "policykg.owl"
    shutil.copy(str(ONTOLOGY_TTL), ttl)
    shutil.copy(str(ONTOLOGY_OWL), owl)
    os.utime(owl, (ttl.stat().st_mtime, ttl.stat().st_mtime))
    return ttl, owl


def _edit_owl(owl: Path) -> None:
    graph = rdflib.Graph().parse(owl, format="xml")
    graph.add((BORDER, SKOS.altLabel, rdflib.Literal("沿边地带", lang="zh")))
    owl.write_text(graph.serialize(format="xml"), encoding="utf-8")
    stat = owl.stat()
    os.utime(owl, (stat.st_atime, stat.st_mtime + 10))


def test_unedited_sources_pass(copies: tuple[Path, Path]):
    ttl, owl = copies
    check_sources(ttl=ttl, owl=owl)
    assert render_owl(check=True, ttl=ttl, owl=owl)


def test_an_edit_saved_into_the_owl_stops_the_build_with_what_to_do(copies: tuple[Path, Path]):
    ttl, owl = copies
    _edit_owl(owl)
    with pytest.raises(OntologyError, match="ontology import"):
        check_sources(ttl=ttl, owl=owl)


def test_import_makes_the_owl_edit_the_source(copies: tuple[Path, Path]):
    ttl, owl = copies
    _edit_owl(owl)
    edited = rdflib.Graph().parse(owl, format="xml")
    import_owl(ttl=ttl, owl=owl)
    source = rdflib.Graph().parse(ttl, format="turtle")
    assert (BORDER, SKOS.altLabel, rdflib.Literal("沿边地带", lang="zh")) in source
    assert isomorphic(source, edited)
    assert render_owl(check=True, ttl=ttl, owl=owl)  # the .owl is the rendering again
    check_sources(ttl=ttl, owl=owl)
