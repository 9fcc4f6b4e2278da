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
    assert "生态友好型产业" in found
    known = {x.text for m in r.measures for x in m.mentions
             if x.kind == "industry" and not x.discovered}
    assert {"家电", "工程机械", "轨道交通装备产业"} <= known  # named by the ontology now


def _industries(record: Any) -> list[tuple[str, bool]]:
    return [(x.text, x.discovered) for m in record.measures for x in m.mentions
            if x.kind == "industry"]


def test_list_closed_by_a_class_of_industry(load: Any) -> None:
    """Unknown product sectors in a list closed by 等 + a class: members are industries."""
    r = load(DOC.format(body="支持发展冰雕器具、雪橇装备、滑雪服饰等冰雪产业。"))
    found = _industries(r)
    assert ("冰雕器具", True) in found and ("雪橇装备", True) in found
    assert ("滑雪服饰", True) in found


def test_list_of_purposes_is_not_a_list_of_sectors(load: Any) -> None:
    """X、Y等…产业 where no member names a sector: none is one (the seed's wording, and another)."""
    r = load(DOC.format(body="促进救援、防疫等应急物资产业科学布局。"))
    assert [t for t, _ in _industries(r)] == ["应急物资产业"]
    r = load(DOC.format(body="支持抗灾、救护等应急装备产业加快发展。"))
    assert [t for t, _ in _industries(r)] == ["应急装备产业"]


def test_single_character_member_only_in_a_closed_list(load: Any) -> None:
    r = load(DOC.format(body="支持做强茶叶、竹等特色农业。"))
    assert ("竹", True) in _industries(r)
    r = load(DOC.format(body="支持发展茶叶和竹。"))
    assert "竹" not in [t for t, _ in _industries(r)]


def test_list_goes_on_after_two_known_members(load: Any) -> None:
    r = load(DOC.format(body="因地制宜发展生态旅游、康养、林下经济和冰川观光，健全机制。"))
    assert ("冰川观光", True) in _industries(r)
    r = load(DOC.format(body="鼓励在东部地区保留研发设计、品牌营销和结算中心。"))
    assert "结算中心" not in [t for t, _ in _industries(r)]


def test_member_widens_a_known_class_it_ends_with(load: Any) -> None:
    r = load(DOC.format(body="推动纺织服装、家居建材等传统产业转移。"))
    (member,) = [x for m in r.measures for x in m.mentions if x.text == "家居建材"]
    assert [iri_key(c) for c in member.concepts] == ["building-materials"]


def test_narrowed_and_segment_classes_keep_their_concept(load: Any) -> None:
    r = load(DOC.format(body="支持发展白酒等传统特色产业，鼓励发展新能源汽车零部件。"))
    mentions = {x.text: [iri_key(c) for c in x.concepts]
                for m in r.measures for x in m.mentions if x.kind == "industry"}
    assert mentions["传统特色产业"] == ["characteristic"]
    assert mentions["新能源汽车零部件"] == ["new-energy-vehicles"]


def test_leading_industries_are_not_a_class(load: Any) -> None:
    r = load(DOC.format(body="原则上聚焦1至2个主导产业。"))
    assert _industries(r) == []


def _instruments(record: Any) -> list[tuple[str, bool]]:
    return [(x.text, x.discovered) for m in record.measures for x in m.mentions
            if x.kind == "instrument"]


def test_a_policy_named_after_a_tool_is_the_tool(load: Any) -> None:
    r = load(DOC.format(body="落实职业培训补贴政策和研发费用加计扣除政策。"))
    assert _instruments(r) == [("职业培训补贴政策", False), ("研发费用加计扣除政策", False)]


def test_adjacent_instruments_name_one(load: Any) -> None:
    r = load(DOC.format(body="设立对口合作产业投资基金。"))
    assert _instruments(r) == [("对口合作产业投资基金", True)]
    (d,) = r.discovered
    assert iri_key(d.instrument_type) == "funding"


def test_verbs_inside_names_do_not_cut_them(load: Any) -> None:
    r = load(DOC.format(body="国家发展改革委建立要素保障协调机制和对口合作工作协调机制。"))
    assert _instruments(r) == [("要素保障协调机制", True), ("对口合作工作协调机制", True)]
    r = load(DOC.format(body="支持企业在科创板上市融资。"))
    assert ("科创板", False) in _instruments(r)


def test_a_class_before_a_park_narrows_it(load: Any) -> None:
    r = load(DOC.format(body="支持县城建设特色产业园区。"))
    (park,) = [x for m in r.measures for x in m.mentions if x.kind == "instrument"]
    assert park.text == "特色产业园区"
    assert [iri_key(c) for c in park.concepts] == ["development-zone"]


def test_quoted_coinages(load: Any) -> None:
    r = load(DOC.format(body="推行“拿地即开工”审批模式，推广“提前申报”等便利化措施。"))
    assert _instruments(r) == [("“拿地即开工”审批模式", True), ("提前申报", True)]
    r = load(DOC.format(body="坚决遏制“两高”项目盲目发展，做好“十四五”时期衔接。"))
    assert not [t for t, d in _instruments(r) if d]


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


def test_list_members_after_a_separator_are_nouns(load: Any) -> None:
    """服务 is a verb, but not at the head of a member after 、; 有 begins 有机硅."""
    r = load(DOC.format(body="培育稀土材料、有机硅、光纤预制棒等新材料产业，"
                              "支持发展跨境电商、服务外包等生产性服务业。"))
    found = [t for t, _ in _industries(r)]
    assert "有机硅" in found and "服务外包" in found
    assert "机硅" not in found and "外包" not in found
