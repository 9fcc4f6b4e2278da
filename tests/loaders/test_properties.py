"""Properties (Hypothesis): any input either loads with exact offsets or raises LoaderError."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loaders import LoaderError, load_document
from loaders.normalize import make_view

# Pieces of the genre, so that generated texts reach headings, measures, lists and owners.
FRAGMENTS = [
    "一、", "二、", "三、", "十、", "（一）", "（二）", "1.", "2、", "（1）", "第一章", "第二章",
    "第一条",
    "第二条", "总体要求", "关于促进制造业有序转移的指导意见", "工信部联政法〔2021〕215号",
    "国发［２０１０］ 28 号", "各省、自治区、直辖市人民政府：", "导读", "2021年12月8日",
    "二〇一〇年八月三十一日", "支持", "引导", "推动", "鼓励", "严格", "要", "应当", "加快建设",
    "中西部和东北地区", "东部地区", "边境地区", "西部", "劳动密集型产业", "新材料", "高载能行业",
    "产业转移基金", "综合保税区", "示范区", "（以下简称示范区）", "工业和信息化部", "海关总署",
    "商务部", "海关", "金融机构", "向", "转移", "承接", "疏解", "从", "等", "、", "和", "，", "。",
    "；", "：", "！", "？", "“", "”", "（", "）", "《", "》", "\n", "\n\n", " ", "\u3000", "\t",
    "到2025年", "到“十四五”末", "２０２５", "ＡＢ", "．", "㈠", "⼯", "\r\n", "平台", "机制",
    "目录", "基金", "产业", "行业", "加工", "服务业", "重点项目库", "（牵头单位：商务部）",
    "等十部门联合印发", "是指", "为推动转移，制定本办法。", "家电", "工程机械",
    "传统", "特色产业", "零部件", "新能源汽车", "政策", "补贴", "对口合作", "产业投资基金",
    "产业园区", "“提前申报”", "等便利化措施", "审批模式", "办公厅", "发改地区〔2023〕729号",
    "协调机制", "竹", "等特色农业", "个主导产业",
]
TEXTS = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=60
).map("".join)
SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _check_offsets(record: Any) -> None:
    text = record.full_text
    for s in record.sections:
        assert text[s.begin:s.end] == s.text
        assert text[s.title_begin:s.title_end] == s.title or s.title_end == s.title_begin
    for t in record.targets:
        assert text[t.begin:t.end] == t.text
    for m in record.measures:
        assert text[m.begin:m.end] == m.text
        assert m.text.strip() == m.text and m.text
        for x in m.mentions:
            assert text[x.begin:x.end] == x.text
            assert m.begin <= x.begin < x.end <= m.end
        for a in m.owners:
            if a.begin is not None:
                assert text[a.begin:a.end] == a.evidence
    if record.preface:
        assert 0 <= record.preface[0] <= record.preface[1] <= len(text)
    assert record.slug.isascii() and record.slug


def _load_or_refuse(lexicon: Any, source: str | bytes) -> None:
    """Either a record whose every span slices its text, or a LoaderError with a message."""
    try:
        record = load_document(source, lexicon, name="generated")
    except LoaderError as exc:
        assert str(exc)
        return
    _check_offsets(record)


@SETTINGS
@given(TEXTS)
def test_any_text_loads_exactly_or_is_refused(lexicon: Any, text: str) -> None:
    _load_or_refuse(lexicon, text)


@SETTINGS
@given(st.binary(max_size=400))
def test_any_bytes_load_exactly_or_are_refused(lexicon: Any, data: bytes) -> None:
    _load_or_refuse(lexicon, data)


@SETTINGS
@given(TEXTS)
def test_encoded_text_loads_like_the_text(lexicon: Any, text: str) -> None:
    """The same text in GB18030 or UTF-8 bytes gives the same record (bar checksum)."""
    try:
        expected = load_document(text.replace("\r", ""), lexicon)
    except LoaderError:
        return
    try:
        data = text.replace("\r", "").encode("gb18030")
    except UnicodeEncodeError:
        return
    try:
        got = load_document(data, lexicon)
    except LoaderError:
        return  # bytes that look binary once encoded (control characters) may be refused
    assert [m.text for m in got.measures] == [m.text for m in expected.measures]


@SETTINGS
@given(st.text(max_size=200))
def test_view_offsets_point_at_their_source(text: str) -> None:
    view = make_view(text)
    assert len(view.origin) == len(view.text) + 1
    for i, char in enumerate(view.text):
        source = text[view.origin[i]]
        assert (char == source or char in " \n（），；：！？.、。-/%+=<>&#@"
                or not source.isascii() or source in "(),;:!?")
    for b in range(len(view.text)):
        for e in range(b + 1, min(len(view.text), b + 4) + 1):
            sb, se = view.span(b, e)
            assert 0 <= sb < se <= len(text)
