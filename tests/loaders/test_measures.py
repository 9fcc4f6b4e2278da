"""Measures: commitments with exact offsets, their verbs and sections; clauses split at ；."""

from __future__ import annotations

from typing import Any

import pytest

from loaders import LoaderError
from loaders.measures import leading_verb, split_clauses, split_sentences, target_year

DOC = "关于某事的意见\n{number}\n一、重点任务\n{body}\n"


def test_seed_measure_count_and_offsets(seed_record: Any) -> None:
    r = seed_record
    assert 45 <= len(r.measures) <= 75
    assert [m.ordinal for m in r.measures] == list(range(1, len(r.measures) + 1))
    sections = {s.ordinal: s for s in r.sections}
    for m in r.measures:
        assert r.full_text[m.begin:m.end] == m.text
        assert sections[m.section].begin <= m.begin and m.end <= sections[m.section].end
    assert {m.section for m in r.measures} == set(range(1, 10))


def test_seed_measures_come_from_the_body(seed_record: Any) -> None:
    body = seed_record.sections[0].begin
    assert all(m.begin >= body for m in seed_record.measures)
    assert not any(m.text.startswith("到2025年") for m in seed_record.measures)


@pytest.mark.parametrize(
    ("start", "verb"),
    [
        ("引导劳动密集型产业重点向中西部", "引导"),
        ("在满足产业、能源、碳排放等政策的条件下", "支持"),
        ("通过共建产业园区等方式推动产业", "推动"),
        ("严格实施产能置换办法", "严格"),
        ("以城市群为中心", "建设"),
        ("对向中西部地区进行整体性梯度转移的企业", "实施"),
        ("依托国家级开发区深化高新技术领域国际合作", "深化"),
        ("西部地区有序承接东部地区产业转移", "承接"),
        ("各地工业和信息化主管部门要同相关部门", "加强"),
    ],
)
def test_seed_leading_verbs(seed_record: Any, start: str, verb: str) -> None:
    (measure,) = [m for m in seed_record.measures if m.text.startswith(start)]
    assert measure.verb == verb


def test_clauses_joined_by_semicolons_are_separate_measures(load: Any) -> None:
    body = ("加快建设产业园区；支持企业技术改造；鼓励金融机构加大信贷投放。"
            "重点支持以下领域：")
    r = load(DOC.format(number="某发〔2023〕1号", body=body))
    assert [m.text for m in r.measures] == [
        "加快建设产业园区", "支持企业技术改造", "鼓励金融机构加大信贷投放。"]
    assert [m.verb for m in r.measures] == ["加快", "支持", "鼓励"]
    for m in r.measures:
        assert r.full_text[m.begin:m.end] == m.text


def test_a_clause_without_commitment_stays_with_its_sentence(load: Any) -> None:
    r = load(DOC.format(number="", body="支持企业技术改造，具体办法另行制定；期限三年。"))
    (measure,) = r.measures
    assert measure.text == "支持企业技术改造，具体办法另行制定；期限三年。"


def test_sentences_respect_quotes_and_closers() -> None:
    text = "推进“证照分离。改革”试点。支持企业！"
    assert [text[b:e] for b, e in split_sentences(text, 0, len(text))] == [
        "推进“证照分离。改革”试点。", "支持企业！"]
    clause = "甲；乙（丙；丁）；戊"
    assert [clause[b:e] for b, e in split_clauses(clause, 0, len(clause))] == [
        "甲", "乙（丙；丁）", "戊"]


def test_targets_and_plan_periods() -> None:
    assert target_year("到2025年，产业结构更加优化") == 2025
    assert target_year("到“十四五”末，基本建成") == 2025
    assert target_year("2023年底前完成清理") == 2023
    assert target_year("2021年以来，成效显著") is None


def test_two_years_in_one_target_sentence(load: Any) -> None:
    body = "到2025年，示范区建设取得明显进展；到2035年，全面建成现代产业体系。支持企业发展。"
    r = load(DOC.format(number="", body=body))
    assert [(t.year, t.text) for t in r.targets] == [
        (2025, "到2025年，示范区建设取得明显进展"), (2035, "到2035年，全面建成现代产业体系。")]
    assert [m.text for m in r.measures] == ["支持企业发展。"]


def test_full_width_digits_in_targets(eval_record: Any) -> None:
    r = eval_record("04")
    assert [t.year for t in r.targets] == [2025]
    assert r.targets[0].text.startswith("到２０２５年")


def test_responsibility_note_is_not_a_measure(eval_record: Any) -> None:
    r = eval_record("05")
    assert not any(m.text.startswith("（牵头单位") for m in r.measures)


def test_document_without_numbered_parts(load: Any) -> None:
    r = load("关于做好承接产业转移工作的通知\n各省工业和信息化主管部门：\n"
             "请支持中西部地区承接劳动密集型产业。要加强跟踪评估。\n")
    assert len(r.sections) == 1 and r.sections[0].number == ""
    assert len(r.measures) == 2
    assert any("one section" in note for note in r.notes)


@pytest.mark.parametrize(
    "text",
    [
        "关于某事的通知\n一、总体要求\n产业转移是优化布局的有效途径。\n",
        "Just some English text without any Chinese at all.",
        "天气很好。我们去公园。",
    ],
)
def test_text_without_measures_is_refused(load: Any, text: str) -> None:
    with pytest.raises(LoaderError, match=r"no policy measures|no Chinese"):
        load(text, name="note.txt")


def test_leading_verb_skips_names() -> None:
    text = "国家发展改革委负责审核"
    masked = bytearray(len(text))
    masked[0:7] = b"\x01" * 7
    assert leading_verb(text, 0, len(text), masked) == "负责"
    assert leading_verb(text, 0, len(text)) == "发展"


def test_a_path_given_as_str_gets_a_hint(load: Any, seed_path: Any) -> None:
    with pytest.raises(LoaderError, match=r"pass pathlib\.Path"):
        load(str(seed_path))
