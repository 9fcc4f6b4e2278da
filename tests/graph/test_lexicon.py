"""The lexicon read from the ontology: what the extractor can recognise comes from there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import rdflib
from rdflib.namespace import SKOS

from graph.lexicon import build_lexicon, clear_cache
from loaders import load_document

ID = "https://w3id.org/policykg/id/"


def test_kinds_labels_and_annotations(lexicon: Any) -> None:
    concepts = lexicon.concepts
    miit = concepts[ID + "ministry/MIIT"]
    assert miit.kind == "ministry" and miit.label == "工业和信息化部"
    assert "工信部" in miit.labels and "MIIT" in miit.labels
    assert "产能置换" in miit.mandate_keywords
    composite = concepts[ID + "region/central-western"]
    assert set(composite.members) == {ID + "region/central", ID + "region/western"}
    assert concepts[ID + "province/yunnan"].regions
    fund = concepts[ID + "instrument/industrial-transfer-fund"]
    assert fund.instrument_type == ID + "itype/funding"
    assert ID + "industry/manufacturing" in concepts[ID + "industry/advanced-manufacturing"].broader
    assert "基金" in lexicon.instrument_type_hints[ID + "itype/funding"]
    assert lexicon.ontology_version.startswith("https://w3id.org/policykg/ontology/")
    kinds = {c.kind for c in concepts.values()}
    assert kinds == {"ministry", "region", "province", "industry", "instrument", "itype"}


def test_built_once_per_file(lexicon: Any) -> None:
    assert build_lexicon() is build_lexicon()


def test_id_base_is_for_minted_iris_only() -> None:
    other = build_lexicon(id_base="https://example.org/id/")
    assert other.id_base == "https://example.org/id/"
    assert ID + "ministry/MIIT" in other.concepts
    record = load_document("关于某事的意见\n一、任务\n鼓励各地建立产业转移重点项目库。", other)
    assert record.discovered[0].iri.startswith("https://example.org/id/instrument/d-")


def test_an_alt_label_added_in_the_ontology_is_found(tmp_path: Path) -> None:
    """Edit the ontology, not the code: a new altLabel is recognised by the next build."""
    from ontology import ONTOLOGY_TTL

    # 澜湄湾 names no region: a made-up word, so no ontology edit can make it known by accident
    text = "关于某事的意见\n一、任务\n支持澜湄湾区承接产业转移。\n"
    before = load_document(text, build_lexicon())
    assert before.measures[0].regions == ()
    graph = rdflib.Graph().parse(data=Path(str(ONTOLOGY_TTL)).read_text(encoding="utf-8"),
                                 format="turtle")
    graph.add((rdflib.URIRef(ID + "region/coastal"), SKOS.altLabel,
               rdflib.Literal("澜湄湾区", lang="zh")))
    path = tmp_path / "edited.ttl"
    graph.serialize(path, format="turtle")
    after = load_document(text, build_lexicon(path))
    assert after.measures[0].regions == (ID + "region/coastal",)
    path.write_text(path.read_text(encoding="utf-8").replace('"澜湄湾区"@zh', '"湄湾区"@zh'),
                    encoding="utf-8")
    clear_cache()
    changed = load_document(text, build_lexicon(path))
    assert [x.text for x in changed.measures[0].mentions if x.kind == "region"] == ["湄湾区"]


def test_greater_bay_area_short_form(lexicon: Any) -> None:
    """The short form 大湾区 names the Greater Bay Area (a strategic region)."""
    record = load_document("关于某事的意见\n一、任务\n支持大湾区企业向中西部地区转移。\n", lexicon)
    regions = [m for m in record.measures[0].mentions if m.kind == "region"]
    assert regions[0].text == "大湾区"
    assert regions[0].concepts == (ID + "region/greater-bay-area",)


def test_bad_ontology_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not found"):
        build_lexicon(tmp_path / "missing.ttl")
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix : <x> . this is not turtle", encoding="utf-8")
    with pytest.raises(ValueError, match="cannot read the ontology"):
        build_lexicon(broken)
    empty = tmp_path / "empty.ttl"
    empty.write_text("@prefix owl: <http://www.w3.org/2002/07/owl#> .\n", encoding="utf-8")
    with pytest.raises(ValueError, match="names no ministry"):
        build_lexicon(empty)


def test_graph_input_is_not_cached() -> None:
    from ontology import ONTOLOGY_TTL

    graph = rdflib.Graph().parse(Path(str(ONTOLOGY_TTL)), format="turtle")
    assert build_lexicon(graph) is not build_lexicon(graph)


def test_codes_and_remits_come_from_the_ontology(lexicon: Any) -> None:
    concepts = lexicon.concepts
    assert "发改" in concepts[ID + "ministry/NDRC"].document_codes  # skos:hiddenLabel
    assert "发改" not in concepts[ID + "ministry/NDRC"].labels  # never matched in text
    catalogue = concepts[ID + "instrument/encouraged-fdi-catalogue"]
    assert set(catalogue.remit) == {ID + "ministry/NDRC", ID + "ministry/MOFCOM"}
    assert concepts[ID + "industry/manufacturing"].remit == (ID + "ministry/MIIT",)
    assert concepts[ID + "industry/machine-tools"].remit == ()  # inherited, not asserted


def test_industry_remit_is_inherited_along_broader(lexicon: Any) -> None:
    from loaders.matching import matcher_for

    matcher = matcher_for(lexicon)
    assert matcher.industry_remit(ID + "industry/machine-tools") == (ID + "ministry/MIIT",)
    # a class with its own department does not inherit its parents'
    assert matcher.industry_remit(ID + "industry/agri-processing") == (ID + "ministry/MARA",)
    assert matcher.industry_remit(ID + "industry/d-unknown") == ()
