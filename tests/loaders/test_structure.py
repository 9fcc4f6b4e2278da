"""Structure: title, 文号, issuers, addressees, date, preface, sections and nested items."""

from __future__ import annotations

from typing import Any

import pytest

from loaders.normalize import make_view
from loaders.structure import parse_layout
from tests.loaders.conftest import iri_key

SEED_SECTIONS = [
    ("一", "总体要求"),
    ("二", "推进产业国内梯度转移"),
    ("三", "引导各地发挥比较优势承接产业转移"),
    ("四", "鼓励特殊类型地区承接发展特色产业"),
    ("五", "推动中心城市和城市群高质量承接产业转移"),
    ("六", "促进产业转移国际合作"),
    ("七", "创新产业转移合作模式"),
    ("八", "完善支持产业转移的体制机制"),
    ("九", "优化产业转移政策环境"),
]
SEED_ISSUERS = ["MIIT", "NDRC", "MOST", "MOHRSS", "MEE", "MOT", "MOFCOM", "PBOC", "GACC", "SAMR"]


def test_seed_header(seed_record: Any) -> None:
    r = seed_record
    assert r.title == "关于促进制造业有序转移的指导意见"
    assert r.number == "工信部联政法〔2021〕215号"
    assert [iri_key(i) for i in r.issuers] == SEED_ISSUERS
    assert r.issued is None
    assert r.addressees.startswith("各省、自治区、直辖市及计划单列市")
    assert r.addressees.endswith("各有关单位")
    assert r.slug.startswith("2021-215-") and r.slug.isascii()


def test_seed_sections(seed_record: Any) -> None:
    r = seed_record
    assert [(s.number, s.title) for s in r.sections] == SEED_SECTIONS
    assert [s.ordinal for s in r.sections] == list(range(1, 10))
    for s in r.sections:
        assert r.full_text[s.begin:s.end] == s.text
        assert r.full_text[s.title_begin:s.title_end] == s.title
        assert s.text.startswith(f"{s.number}、{s.title}")
    assert r.sections[-1].text.endswith("确保各项工作落到实处。")


def test_seed_preface_is_the_daodu_and_not_the_body(seed_record: Any) -> None:
    r = seed_record
    begin, end = r.preface
    preface = r.full_text[begin:end]
    assert preface.startswith("导 读")
    assert "等十部门近日联合发布" in preface
    assert end <= r.full_text.index("工信部联政法〔2021〕215号")


def test_target_from_the_body_only(seed_record: Any) -> None:
    """The 导读 repeats the 2025 target; only the one in the body is a target."""
    (target,) = seed_record.targets
    assert target.year == 2025 and target.section == 1
    assert target.begin > seed_record.sections[0].begin
    assert seed_record.full_text[target.begin:target.end] == target.text
    assert target.text.startswith("到2025年，产业转移政策环境更加完善")


@pytest.mark.parametrize(
    ("prefix", "title", "number", "issuers", "sections", "issued"),
    [
        ("01", "国务院关于中西部地区承接产业转移的指导意见", "国发〔2010〕28号", [], 6,
         "2010-08-31"),
        ("02", "国家发展改革委关于印发《承接产业转移示范区管理办法》的通知",
         "发改地区〔2023〕729号", ["NDRC"], 5, "2023-06-08"),
        ("03", "关于印发“十四五”支持老工业城市和资源型城市产业转型升级示范区"
               "高质量发展实施方案的通知",
         "发改振兴〔2021〕1618号", ["NDRC", "MOST", "MIIT", "MNR"], 3, "2021-11-19"),
        ("04", "关于加强产融合作推动先进制造业集群发展的通知", "工信部联产业〔2022〕121号",
         ["MIIT", "PBOC", "NFRA", "CSRC"], 3, None),
        ("05", "某省人民政府办公厅关于促进制造业有序承接产业转移的实施意见",
         "某政办发〔2022〕36号", [], 3, None),
        ("06", "商务部等5部门关于推动边境经济合作区高质量发展的指导意见", "商合发〔2023〕88号",
         ["MOFCOM", "NDRC", "MOF", "GACC", "NEAC"], 4, "2023-09-15"),
    ],
)
def test_headers_of_the_genre(
    eval_record: Any, prefix: str, title: str, number: str, issuers: list[str], sections: int,
    issued: str | None,
) -> None:
    r = eval_record(prefix)
    assert r.title == title
    assert r.number == number
    assert [iri_key(i) for i in r.issuers] == issuers
    assert len(r.sections) == sections
    assert r.issued == issued


def test_chapters_and_articles(eval_record: Any) -> None:
    r = eval_record("02")
    assert [(s.number, s.title) for s in r.sections] == [
        ("一", "总则"), ("二", "创建申报"), ("三", "建设管理"), ("四", "考核评估"), ("五", "附则")]
    labels = {m.subsection for m in r.measures}
    assert "第三条" in labels and "第十二条" in labels
    # the purpose statement (第一条) and the definition (第二条) are not measures
    assert not any(m.subsection in {"第一条", "第二条"} for m in r.measures)


def test_nested_items_and_their_titles(eval_record: Any) -> None:
    r = eval_record("01")
    first = [m for m in r.measures if m.section == 2]
    assert [m.subsection for m in first] == ["（一）", "（二）", "（三）", "（四）", "（五）"]
    # lead-in titles such as "（一）劳动密集型产业。" are not measures
    assert not any(m.text.startswith("劳动密集型产业。") for m in r.measures)
    deeper = eval_record("05")
    assert {m.subsection for m in deeper.measures if m.section == 2} == {
        "（一）1.", "（一）2.", "（二）1.", "（二）2.", "（三）1.", "（三）2."}


def test_title_split_over_two_lines() -> None:
    view = make_view("国务院关于中西部地区\n承接产业转移的指导意见\n国发〔2010〕28号\n"
                     "各省人民政府：\n一、总体要求\n支持中西部地区承接产业转移。")
    layout = parse_layout(view)
    assert layout.title == "国务院关于中西部地区承接产业转移的指导意见"
    assert layout.number == "国发〔2010〕28号"


def test_number_with_other_brackets_and_full_width_digits() -> None:
    view = make_view("关于某事的通知\n工信部规［２０２３］ ７ 号\n一、要求\n支持企业发展。")
    layout = parse_layout(view)
    assert (layout.number_prefix, layout.number_year, layout.number_serial) == ("工信部规", 2023, 7)


def test_numbering_must_follow_in_order() -> None:
    """A stray "三、" inside text does not open a section; a new series may start at 一."""
    view = make_view(
        "关于某事的意见\n一、总体要求\n支持发展。\n三、这不是标题\n二、重点任务\n推动转移。"
    )
    layout = parse_layout(view)
    assert [s.number for s in layout.sections] == ["一", "二"]


@pytest.mark.parametrize(
    ("number", "lead"),
    [
        ("发改地区〔2023〕729号", "NDRC"),     # an office code (skos:hiddenLabel), not a name
        ("商资发〔2023〕18号", "MOFCOM"),
        ("国科发区〔2020〕41号", "MOST"),
        ("银发〔2020〕226号", "PBOC"),
        ("工信部联政法〔2021〕215号", "MIIT"),  # a name: 工信部
        ("某政办发〔2022〕36号", None),        # a province's code names no department
    ],
)
def test_lead_issuer_from_the_number(load: Any, number: str, lead: str | None) -> None:
    """Without a signature or a list of issuers, the 文号's code names the lead department."""
    r = load(f"关于某事的通知\n{number}\n各有关单位：\n一、任务\n支持企业发展。\n")
    assert [iri_key(i) for i in r.issuers] == ([lead] if lead else [])


def test_issuer_codes_are_never_matched_in_running_text(load: Any) -> None:
    r = load("关于某事的通知\n一、任务\n支持发改、商资和银发领域企业发展。\n")
    assert not [x for m in r.measures for x in m.mentions if x.kind == "ministry"]


def test_general_offices_issue_for_their_departments(load: Any) -> None:
    r = load("国家发展改革委办公厅 工业和信息化部办公厅关于某事的通知\n"
             "发改办产业〔2024〕12号\n各有关单位：\n一、任务\n支持企业发展。\n")
    assert [iri_key(i) for i in r.issuers] == ["NDRC", "MIIT"]


def test_title_wrapped_after_the_issuers() -> None:
    view = make_view("国家发展改革委 自然资源部 中国人民银行\n关于强化要素保障的通知\n"
                     "发改地区〔2024〕8号\n各省人民政府：\n一、任务\n支持企业发展。")
    layout = parse_layout(view)
    assert layout.title == "国家发展改革委自然资源部中国人民银行关于强化要素保障的通知"
