"""Building the highlighted source text from offsets (api.highlight), without a server."""

from __future__ import annotations

from bs4 import BeautifulSoup

from api.highlight import Span, highlight


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def test_plain_text_is_escaped_and_kept_whole() -> None:
    text = '甲<script>alert("x")</script>&乙'
    html = highlight(text)
    assert "<script>" not in html
    assert _soup(html).get_text() == text


def test_measures_become_links_with_anchors_and_mentions_nest_inside() -> None:
    text = "一、引导东部地区产业转移。其他。"
    m = Span(2, 13, href="/id/m/1", anchor="measure-1", title="措施 1")
    x = Span(4, 8, "region", title="区域: 东部地区")
    soup = _soup(highlight(text, [m], [x]))
    link = soup.select_one("a.measure")
    assert link["id"] == "measure-1" and link["href"] == "/id/m/1"
    assert link.get_text() == text[2:13]
    mention = link.select_one("span.mention.mention-region")
    assert mention.get_text() == "东部地区"
    assert mention["title"] == "区域: 东部地区"
    assert soup.get_text() == text


def test_offsets_count_code_points_not_utf16_units() -> None:
    text = "𠀀𠀁试点城市"  # two characters outside the BMP first
    soup = _soup(highlight(text, mentions=[Span(2, 6, "region")]))
    assert soup.select_one(".mention-region").get_text() == "试点城市"


def test_overlapping_mentions_take_the_innermost_and_lose_nothing() -> None:
    text = "中西部地区城市群"
    outer = Span(0, 8, "region")
    inner = Span(5, 8, "industry")
    crossing = Span(3, 6, "instrument")
    soup = _soup(highlight(text, mentions=[outer, inner, crossing]))
    pieces = [(s.get_text(), s["class"][1]) for s in soup.select(".mention")]
    assert "".join(p for p, _ in pieces) == text
    # where spans overlap, the shorter (then the later-starting) one colours the piece
    assert pieces == [
        ("中西部", "mention-region"),
        ("地区", "mention-instrument"),
        ("城市群", "mention-industry"),
    ]
    assert soup.get_text() == text


def test_a_measure_split_by_another_keeps_one_anchor() -> None:
    text = "ABCDEFGH"
    outer = Span(0, 8, href="/a", anchor="measure-1")
    inner = Span(2, 4, href="/b", anchor="measure-2")
    soup = _soup(highlight(text, [outer, inner]))
    links = soup.select("a.measure")
    assert [a.get_text() for a in links] == ["AB", "CD", "EFGH"]
    assert [a.get("id") for a in links] == ["measure-1", "measure-2", None]
    assert [a["href"] for a in links] == ["/a", "/b", "/a"]


def test_shift_moves_document_offsets_into_a_part() -> None:
    document = "前言。正文：引导产业转移。"
    part = document[3:]
    soup = _soup(highlight(part, [Span(6, 13, href="/m")], shift=3))
    assert soup.select_one("a.measure").get_text() == "引导产业转移。"


def test_spans_outside_the_text_or_empty_are_ignored() -> None:
    text = "短文本"
    html = highlight(text, [Span(1, 99, href="/x"), Span(2, 2, href="/y")], [Span(-1, 2, "region")])
    assert html == "短文本"


def test_attribute_values_are_escaped() -> None:
    html = highlight("文本", [Span(0, 2, href='/x" onclick="evil', title="<b>")])
    link = _soup(html).select_one("a")
    assert link["href"] == '/x" onclick="evil'
    assert "onclick" not in link.attrs
