"""Rules added for text the extractor was never tuned on: heads, boundaries, vocabulary.

Every sentence here is our own wording (none is taken from an evaluation document); each test
fails without the rule its docstring names.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.loaders.conftest import iri_key

DOC = "关于某事的意见\n一、重点任务\n{body}\n"


def _texts(record: Any, kind: str) -> list[str]:
    return [x.text for m in record.measures for x in m.mentions if x.kind == kind]


def _instruments(load: Any, body: str) -> list[str]:
    return _texts(load(DOC.format(body=body)), "instrument")


@pytest.mark.parametrize(("body", "name"), [
    ("全面实行安全生产责任制。", "安全生产责任制"),          # …制 heads
    ("建立绿色工厂评价指标体系。", "绿色工厂评价指标体系"),  # …指标体系
    ("修订开发区综合发展水平评价办法。", "开发区综合发展水平评价办法"),  # …评价办法, 发展|水平
])
def test_heads_of_named_systems_and_rules(load: Any, body: str, name: str) -> None:
    """INSTRUMENT_HEADS: 承诺制/责任制…, 指标体系/标准体系, 评价办法/管理办法 name tools."""
    assert name in _instruments(load, body)


def test_centres_and_bases_when_counted_or_listed(load: Any) -> None:
    """中心/基地 name a tool only when counted (一批) or listed beside a tool, with a long
    modifier; a base or centre a region should become is no tool."""
    assert "职业技能实训基地" in _instruments(load, "支持建设一批职业技能实训基地。")
    assert "产品质量检验中心" in _instruments(load, "支持建设产品质量检验中心和中试基地。")
    assert _instruments(load, "打造区域性航运交易中心。") == []


def test_a_head_inside_a_region_name_is_no_head(load: Any) -> None:
    """中心 in 中心城市 belongs to the region type."""
    record = load(DOC.format(body="支持建设一批区域交通枢纽中心城市。"))
    assert _texts(record, "instrument") == []
    assert _texts(record, "region") == ["中心城市"]


def test_a_negated_verb_of_conformity_is_cut(load: Any) -> None:
    """符合 is a verb: 不符合 stays out of the list's name and no industry is made of it."""
    record = load(DOC.format(body="严禁引进不符合产业准入目录的项目。"))
    assert _texts(record, "instrument") == ["产业准入目录"]
    assert _texts(record, "industry") == []


def test_a_name_after_a_known_tool_it_does_not_continue(load: Any) -> None:
    """A verb (服务) between a known zone and a head: the platform is a name of its own."""
    assert _instruments(load, "建设边境经济合作区综合服务平台。") == [
        "边境经济合作区", "综合服务平台"]


@pytest.mark.parametrize(("body", "names"), [
    ("建立成本分担和收益共享机制。", ["成本分担和收益共享机制"]),
    ("建立园区建设成本分担和收益共享机制。", ["成本分担和收益共享机制"]),
    ("完善产值、利润分享机制。", ["利润分享机制"]),  # a one-word conjunct stays outside
    ("落实首问负责制和限时办结制度。", ["首问负责制", "限时办结制度"]),  # two names
])
def test_coordinated_modifiers_share_one_head(load: Any, body: str, names: list[str]) -> None:
    """Two modifiers joined by 和/、 before one head make one name."""
    assert _instruments(load, body) == names


def test_nominal_development_inside_a_name(load: Any) -> None:
    """高质量发展, 创新发展 are nouns inside names: their 发展 does not cut the phrase."""
    assert "园区高质量发展综合评价体系" in _instruments(load, "建立园区高质量发展综合评价体系。")
    assert "服务贸易创新发展试点" in _instruments(load, "推进服务贸易创新发展试点。")


def test_latin_abbreviation_in_parentheses(load: Any) -> None:
    """An English abbreviation in parentheses after a tool is part of its name."""
    assert _instruments(load, "鼓励设立创业投资基金（VC）。") == ["创业投资基金（VC）"]


def test_quoted_term_listed_with_a_known_tool(load: Any) -> None:
    """A coined term joined by 和 to a known tool is a tool (without its quotes)."""
    assert _instruments(load, "全面推行告知承诺制和“容缺受理”。") == ["告知承诺制", "容缺受理"]


def test_class_word_after_a_narrowed_class(load: Any) -> None:
    """特色 + 轻工 + 产业: the class word after a known class belongs to the mention."""
    record = load(DOC.format(body="发展特色轻工产业。"))
    assert _texts(record, "industry") == ["特色轻工产业"]


def test_touching_classes_name_one_segment(load: Any) -> None:
    """钢铁 + 物流 written as one word is logistics (the head), over both spans."""
    record = load(DOC.format(body="推动钢铁物流发展。"))
    ((text, concepts),) = [(x.text, x.concepts) for m in record.measures for x in m.mentions
                           if x.kind == "industry"]
    assert text == "钢铁物流"
    assert [iri_key(c) for c in concepts] == ["logistics"]


def test_vocabulary_added_to_the_ontology(load: Any) -> None:
    """Tools and sectors the genre names without a head word come from the ontology."""
    record = load(DOC.format(body=(
        "推广合同能源管理，落实增值税加计抵减，制定国家标准和团体标准；开展区域评估，"
        "探索托管运营、一区多园和区政合一。发展服务外包、服务型制造、技术转移、"
        "知识产权运营和再生资源回收利用，鼓励消费品企业创新。")))
    instruments = {x.text: iri_key(x.concepts[0]) for m in record.measures for x in m.mentions
                   if x.kind == "instrument"}
    assert instruments == {
        "合同能源管理": "energy-performance-contracting",
        "增值税加计抵减": "vat-additional-deduction",
        "国家标准": "national-standard",
        "团体标准": "association-standard",
        "区域评估": "regional-assessment",
        "托管运营": "entrusted-operation",
        "一区多园": "one-zone-many-parks",
        "区政合一": "zone-government-integration",
    }
    assert _texts(record, "industry") == [
        "服务外包", "服务型制造", "技术转移", "知识产权运营", "再生资源回收利用", "消费品"]


def test_region_economy_inside_a_name(load: Any) -> None:
    """县域 + 经济 is a noun: the region word does not stop the name reaching left."""
    record = load(DOC.format(body="完善县域经济综合评价体系。"))
    assert _texts(record, "instrument") == ["县域经济综合评价体系"]
    assert _texts(record, "region") == ["县域"]


def test_development_evaluation_is_a_noun(load: Any) -> None:
    """发展 before 评价 is nominal: the known zone and the mechanism make one name."""
    assert _instruments(load, "完善开发区发展评价机制。") == ["开发区发展评价机制"]


def test_a_name_over_an_earlier_discovery_is_no_crash(load: Any) -> None:
    """A head whose phrase covers a name discovered just before, with no known tool in it,
    is left alone (the rule for names after a known tool needs a known tool)."""
    assert _instruments(load, "建立产业联盟协调机制。") == ["产业联盟"]
