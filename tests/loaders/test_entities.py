"""Mentions: lexicon matches (longest wins, composites expand), abbreviations, discoveries."""

from __future__ import annotations

from typing import Any

from loaders.entities import mint_iri
from loaders.matching import matcher_for
from tests.loaders.conftest import iri_key

DOC = "关于某事的意见\n一、重点任务\n{body}\n"


def _mentions(record: Any, kind: str) -> list[tuple[str, list[str]]]:
    return [(x.text, sorted(iri_key(c) for c in x.concepts))
            for m in record.measures for x in m.mentions if x.kind == kind]


def test_longest_match_and_composites(load: Any) -> None:
    r = load(DOC.format(body="引导东部地区产业向中西部和东北地区、中西部、西部和东北地区转移。"))
    assert _mentions(r, "region") == [
        ("东部地区", ["eastern"]),
        ("中西部和东北地区", ["central", "northeast", "western"]),
        ("中西部", ["central", "western"]),
        ("西部和东北地区", ["northeast", "western"]),
    ]
    (measure,) = r.measures
    assert set(map(iri_key, measure.regions)) == {"eastern", "central", "western", "northeast"}


def test_mentions_slice_the_stored_text(seed_record: Any) -> None:
    for m in seed_record.measures:
        for x in m.mentions:
            assert seed_record.full_text[x.begin:x.end] == x.text
            assert m.begin <= x.begin and x.end <= m.end


def test_spaces_and_full_width_forms_still_match(load: Any) -> None:
    r = load(DOC.format(body="支持中 西 部地区发展新材料产业，设立产业转移基金。"))
    (measure,) = r.measures
    regions = [x for x in measure.mentions if x.kind == "region"]
    assert [(x.text, x.begin) for x in regions] == [("中 西 部地区", r.full_text.index("中 西"))]
    assert [iri_key(c) for c in measure.instruments] == ["industrial-transfer-fund"]


def test_measure_concepts_are_deduplicated(seed_record: Any) -> None:
    (measure,) = [m for m in seed_record.measures if m.text.startswith("支持资源型地区")]
    assert [iri_key(c) for c in measure.regions] == ["resource-based"]
    assert [x.text for x in measure.mentions if x.kind == "region"] == ["资源型地区", "资源型地区"]


def test_region_inside_an_instrument_name_is_a_region_too(seed_record: Any) -> None:
    (measure,) = [m for m in seed_record.measures if m.text.startswith("落实西部地区鼓励类")]
    assert [iri_key(c) for c in measure.regions] == ["western"]
    assert "western-encouraged-catalogue" in map(iri_key, measure.instruments)


def test_department_names_hide_nothing_else(load: Any) -> None:
    """发展 and 航空 inside a department's name are neither a verb nor an industry."""
    r = load(DOC.format(body="中国民用航空局负责机场建设。"))
    (measure,) = r.measures
    assert measure.verb == "负责"
    assert measure.industries == ()
    assert [iri_key(c) for c in measure.ministries] == ["CAAC"]


def test_discovered_instruments_are_typed_and_deterministic(seed_record: Any, load: Any) -> None:
    found = {d.label: d for d in seed_record.discovered}
    assert "产业转移重点项目库" in found
    fund = found["产业转移重点项目库"]
    assert fund.kind == "instrument"
    assert fund.iri == mint_iri("https://w3id.org/policykg/id/", "instrument", "产业转移重点项目库")
    assert fund.iri.startswith("https://w3id.org/policykg/id/instrument/d-")
    assert iri_key(fund.instrument_type) == "information-support"
    other = load(DOC.format(body="鼓励各市建立产业转移重点项目库。"))
    assert [d.iri for d in other.discovered] == [fund.iri]
    for m in seed_record.measures:
        for x in m.mentions:
            assert x.discovered == any("/d-" in c for c in x.concepts)


def test_discovery_keeps_verbs_and_generic_words_out(seed_record: Any) -> None:
    labels = {d.label for d in seed_record.discovered}
    for bad in ("推动产业", "支持产业", "关联产业", "引导产业", "满足产业"):
        assert not any(label.endswith(bad) for label in labels), bad


def test_discovered_industries_from_lists(eval_record: Any) -> None:
    r = eval_record("01")
    found = {d.label for d in r.discovered if d.kind == "industry"}
    assert {"家电", "工程机械", "轨道交通装备产业", "生态友好型产业"} <= found


def test_abbreviation_defined_by_the_text(eval_record: Any) -> None:
    r = eval_record("02")
    (third,) = [m for m in r.measures if m.subsection == "第三条"]
    (zone,) = [x for x in third.mentions if x.kind == "instrument"]
    assert zone.text == "示范区"
    assert iri_key(zone.concepts[0]) == "industry-transfer-demonstration-zone"


def test_short_form_refers_to_the_instrument_of_the_title(eval_record: Any) -> None:
    r = eval_record("03")
    zones = [x for m in r.measures for x in m.mentions if x.text == "示范区"]
    assert zones
    assert {iri_key(x.concepts[0]) for x in zones} == {
        "industrial-transformation-demonstration-zone"}


def test_matcher_is_built_once_per_lexicon(lexicon: Any) -> None:
    assert matcher_for(lexicon) is matcher_for(lexicon)
