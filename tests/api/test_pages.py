"""The pages for people: home, resource pages, language, security headers, queries catalogue."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from bs4 import BeautifulSoup

BASE = "https://w3id.org/policykg/id/"
DOC = "doc/demo-2099-1"
TRIG_TEXT_MARKER = "pol:fullText"


def _text_of(html: str, css_class: str = "fulltext") -> str:
    """The text inside ``<div class=css_class …>`` exactly (BeautifulSoup folds blank lines)."""
    start = html.index(f'<div class="{css_class}"')
    inner = html[html.index(">", start) + 1 : html.index("</div>", start)]
    return unescape(re.sub(r"<[^>]+>", "", inner))


def _soup(response: Any) -> BeautifulSoup:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _page(client: Any, path: str, expect: int = 200) -> BeautifulSoup | None:
    response = client.get(path, headers={"Accept": "text/html"})
    if expect != 200:
        assert response.status_code == expect
        return None
    return _soup(response)


def _full_text(store: Any) -> str:
    rows = store.select(
        f"SELECT ?t WHERE {{ <{BASE}{DOC}> <https://w3id.org/policykg/ontology#fullText> ?t }}"
    )
    return rows[0]["t"]["value"]


def _spans(store: Any, cls: str) -> list[dict[str, Any]]:
    rows = store.select(
        f"""PREFIX pol: <https://w3id.org/policykg/ontology#>
SELECT ?x ?b ?e ?kind WHERE {{ ?x a pol:{cls} ; pol:beginOffset ?b ; pol:endOffset ?e .
  OPTIONAL {{ ?x pol:mentionKind ?kind }} }}"""
    )
    return [
        {
            "iri": r["x"]["value"],
            "begin": int(r["b"]["value"]),
            "end": int(r["e"]["value"]),
            "kind": r.get("kind", {}).get("value"),
        }
        for r in rows
    ]


# Home --------------------------------------------------------------------------------------


def test_home_says_what_the_graph_holds(pages_client: Any, pages_store: Any) -> None:
    soup = _page(pages_client, "/")
    count = {
        dd["data-count"]: int(dd.get_text().replace(",", ""))
        for dd in soup.select("dd")
        if dd.has_attr("data-count")
    }
    assert count["documents"] == 1
    assert count["measures"] == 3
    assert count["triples"] == pages_store.count_triples()
    assert count["ministries"] == 4
    hrefs = {a["href"] for a in soup.select("main a")}
    assert {"/sparql", "/queries", "/api/v1/docs", "/charts"} <= hrefs
    assert f"/id/{DOC}" in hrefs
    assert soup.html["lang"] == "zh-Hans"
    nav = [a["href"] for a in soup.select("header nav a")]
    assert {"/", "/sparql", "/queries", "/api/v1/docs"} <= set(nav)


# Document page -----------------------------------------------------------------------------


def test_document_text_links_every_measure_at_its_offsets(
    pages_client: Any, pages_store: Any
) -> None:
    response = pages_client.get(f"/id/{DOC}")
    text = _full_text(pages_store)
    assert _text_of(response.get_data(as_text=True)) == text  # nothing added, nothing lost
    box = _soup(response).select_one(".fulltext")
    measures = _spans(pages_store, "Measure")
    links = box.select("a.measure")
    assert len(links) == len(measures) == 3
    for m in measures:
        n = m["iri"].rsplit("/", 1)[-1]
        link = box.select_one(f"a.measure#measure-{n}")
        assert link is not None
        assert link["href"] == "/id/" + m["iri"][len(BASE) :]
        assert link.get_text() == text[m["begin"] : m["end"]]


def test_document_text_colours_mentions_by_kind(pages_client: Any, pages_store: Any) -> None:
    soup = _page(pages_client, f"/id/{DOC}")
    text = _full_text(pages_store)
    marked = [
        (s.get_text(), c)
        for s in soup.select(".fulltext .mention")
        for c in s["class"]
        if c.startswith("mention-")
    ]
    expected = [
        (text[m["begin"] : m["end"]], f"mention-{m['kind']}")
        for m in sorted(_spans(pages_store, "Mention"), key=lambda m: m["begin"])
    ]
    assert marked == expected
    legend = {s["class"][-1] for s in soup.select(".legend .mention")}
    assert legend == {
        "mention-region",
        "mention-industry",
        "mention-instrument",
        "mention-ministry",
    }
    # the mention after an astral character (counted as one code point) is cut right
    assert ("试点城市", "mention-region") in marked


def test_document_text_is_escaped(pages_client: Any) -> None:
    html = pages_client.get(f"/id/{DOC}").get_data(as_text=True)
    assert "&lt;探索&gt;" in html
    assert "<探索>" not in html
    assert "&#34;合作&#34;" in html or "&quot;合作&quot;" in html


def test_document_page_shows_metadata_sections_and_mix(pages_client: Any) -> None:
    soup = _page(pages_client, f"/id/{DOC}")
    assert soup.h1.get_text(strip=True) == "关于推进示范产业协作的通知"
    facts = soup.select_one("dl.facts").get_text()
    assert "示例部〔2099〕1号" in facts
    assert "工业和信息化部" in facts
    toc = [a.get_text(strip=True) for a in soup.select(".toc a")]
    assert toc == ["一、总体要求", "二、重点任务"]
    assert soup.select_one("#chart-mix svg title").get_text() == "本文件各章节的政策工具组合"
    assert soup.select_one('link[rel="alternate"][type="text/turtle"]')["href"].endswith(
        "?format=ttl"
    )


# Measure page ------------------------------------------------------------------------------


def test_measure_page_shows_sentence_concepts_owners_and_evidence(pages_client: Any) -> None:
    soup = _page(pages_client, f"/id/{DOC}/measure/2")
    assert soup.select_one("blockquote.sentence").get_text() == (
        "支持边境地区发展外向型产业，海关总署在综合保税区推行负面清单管理。"
    )
    assert [s.get_text() for s in soup.select("blockquote.sentence .mention-instrument")] == [
        "综合保税区",
        "负面清单",
    ]
    source = soup.select_one("a.source-link")["href"]
    assert source == f"/id/{DOC}#measure-2"
    rows = [
        [c.get_text(strip=True) for c in tr.select("th, td")]
        for tr in soup.select("#owners-h ~ table tbody tr")
    ]
    assert rows == [
        ["海关总署", "符合部门职责关键词", "综合保税区"],
        ["工业和信息化部", "牵头部门规则", "无"],
    ]
    concepts = soup.select_one("#concepts-h ~ dl").get_text()
    assert "边境地区" in concepts and "外向型产业" in concepts
    assert "需求型" in concepts  # the top-level type of the bonded zone's instrument type
    assert "支持" in soup.select_one("dl.facts").get_text()


def test_measure_page_shows_transfer_direction(pages_client: Any) -> None:
    soup = _page(pages_client, f"/id/{DOC}/measure/1")
    transfer = soup.select_one("p.transfer")
    sides = [
        [a.get_text() for a in span.select("a")]
        for span in transfer.select("span")
        if span.select("a")
    ]
    assert sides == [["东部地区"], ["中部地区", "西部地区"]]


# Concept pages -----------------------------------------------------------------------------


def test_ministry_page_groups_measures_and_lists_instruments_and_co_owners(
    pages_client: Any,
) -> None:
    soup = _page(pages_client, "/id/ministry/MIIT")
    assert soup.h1.get_text(strip=True) == "工业和信息化部"
    groups = soup.select("#by-section-h ~ section.group")
    assert len(groups) == 1
    assert "二、重点任务" in groups[0].h3.get_text() or "重点任务" in groups[0].h3.get_text()
    assert len(groups[0].select("ol.measures > li")) == 3
    instruments = {a.get_text() for a in soup.select("#instr-h ~ table a")}
    assert instruments == {"产业转移基金", "综合保税区", "负面清单"}
    co = {
        tr.a.get_text(): tr.select_one("td.num").get_text()
        for tr in soup.select("#co-h ~ table tbody tr")
    }
    assert co == {"国家发展和改革委员会": "1", "海关总署": "1"}
    assert "示例定义" in soup.select_one(".definition").get_text()


def test_region_page_lists_measures_and_provinces(pages_client: Any) -> None:
    soup = _page(pages_client, "/id/region/border-area")
    measures = [a["href"] for a in soup.select("ol.measures .measure-head > a")]
    assert measures == [f"/id/{DOC}/measure/2"]
    assert [a.get_text() for a in soup.select("#p-h ~ ul a")] == ["云南省"]
    frontier = _page(pages_client, "/id/region/frontier")
    assert "云南省" in frontier.select_one("#p-h ~ ul").get_text()


def test_region_page_includes_measures_of_composites(pages_client: Any) -> None:
    soup = _page(pages_client, "/id/region/central-western")
    assert soup.select("ol.measures > li") == []  # nothing targets the composite itself
    western = _page(pages_client, "/id/region/western")
    why = western.select_one("ol.measures p.why").get_text()
    assert "西部地区" in why


def test_province_page_says_why_each_measure_applies(pages_client: Any) -> None:
    soup = _page(pages_client, "/id/province/yunnan")
    items = {
        li.select_one(".measure-head > a")["href"]: li.select_one("p.why").get_text()
        for li in soup.select("ol.measures > li")
    }
    assert set(items) == {f"/id/{DOC}/measure/1", f"/id/{DOC}/measure/2"}
    assert "云南省 属于 边境地区" in items[f"/id/{DOC}/measure/2"]
    assert "云南省 属于 西部地区" in items[f"/id/{DOC}/measure/1"]
    zhejiang = _page(pages_client, "/id/province/zhejiang")
    why = zhejiang.select_one("ol.measures p.why").get_text()
    assert "转出 东部地区" in why


def test_instrument_type_page_reaches_instruments_of_narrower_types(pages_client: Any) -> None:
    soup = _page(pages_client, "/id/itype/supply-side")
    assert [a.get_text() for a in soup.select("#i-h ~ table tbody td:first-child a")] == [
        "产业转移基金"
    ]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/id/industry/labour-intensive", f"/id/{DOC}/measure/1"),
        ("/id/instrument/negative-list", f"/id/{DOC}/measure/2"),
        (f"/id/{DOC}/section/2", f"/id/{DOC}/measure/3"),
    ],
)
def test_concept_pages_list_their_measures(pages_client: Any, path: str, expected: str) -> None:
    soup = _page(pages_client, path)
    assert expected in [a["href"] for a in soup.select("ol.measures .measure-head > a")]


def test_other_resources_get_a_property_table(pages_client: Any) -> None:
    soup = _page(pages_client, f"/id/{DOC}/measure/2/attribution/GACC")
    cells = soup.select("table.data tbody td")
    assert any("综合保税区" in c.get_text() for c in cells)
    assert any(a["href"] == "/id/ministry/GACC" for a in soup.select("table.data a"))


# Language ----------------------------------------------------------------------------------


def test_english_is_available_and_remembered(pages_client: Any) -> None:
    response = pages_client.get("/id/ministry/MIIT?lang=en")
    soup = _soup(response)
    assert soup.html["lang"] == "en"
    assert soup.h1.get_text(strip=True) == "Ministry of Industry and Information Technology"
    assert "Co-owning departments" in soup.get_text()
    assert "policykg_lang=en" in response.headers["Set-Cookie"]
    again = _page(pages_client, "/id/ministry/MIIT")
    assert again.html["lang"] == "en"
    switch = again.select_one("a.lang-switch")
    assert switch["href"].endswith("lang=zh") and switch.get_text(strip=True) == "中文"
    back = _page(pages_client, switch["href"])
    assert back.html["lang"] == "zh-Hans"
    assert _page(pages_client, "/").html["lang"] == "zh-Hans"


def test_every_ui_string_exists_in_both_languages() -> None:
    from api.i18n import UI

    assert set(UI["zh"]) == set(UI["en"])
    assert all(UI["zh"].values()) and all(UI["en"].values())


def test_templates_use_only_known_ui_strings() -> None:
    from pathlib import Path

    from api.i18n import UI

    used: set[str] = set()
    for path in (Path(__file__).resolve().parents[2] / "api" / "templates").glob("*.html"):
        used |= set(re.findall(r"\bt\('([a-z_]+)'\s*[,)]", path.read_text(encoding="utf-8")))
    assert used - set(UI["en"]) == set()


# Headers and markup ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", f"/id/{DOC}", "/queries", "/charts", "/id/nowhere"])
def test_html_pages_carry_security_headers_and_no_inline_code(pages_client: Any, path: str) -> None:
    response = pages_client.get(path, headers={"Accept": "text/html"})
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert all(s.get("src") for s in soup.find_all("script"))
    assert not soup.select("[style]") and not soup.find_all("style")
    assert not any(k.startswith("on") for tag in soup.find_all(True) for k in tag.attrs)


def test_rdf_responses_have_no_html_headers(pages_client: Any) -> None:
    response = pages_client.get(f"/id/{DOC}?format=ttl")
    assert "Content-Security-Policy" not in response.headers


def test_the_query_page_can_extend_base(pages_client: Any) -> None:
    from flask import render_template_string

    app = pages_client.application
    with app.test_request_context("/sparql?lang=en"):
        app.preprocess_request()
        html = render_template_string(
            '{% extends "base.html" %}{% block content %}<h1>Query</h1>{% endblock %}'
        )
    soup = BeautifulSoup(html, "html.parser")
    assert soup.html["lang"] == "en"
    assert soup.select_one('header nav a[href="/sparql"]')["aria-current"] == "page"
    assert soup.select_one("a.lang-switch")["href"] == "/sparql?lang=zh"


# Queries catalogue -------------------------------------------------------------------------


def test_catalogue_groups_queries_by_tag(pages_client: Any) -> None:
    soup = _page(pages_client, "/queries")
    tags = [h.get_text() for h in soup.select("main section h2")]
    assert "regions" in tags or "ministries" in tags
    links = [a["href"] for a in soup.select("ul.queries a")]
    assert "/queries/departments_for_region_type" in links


def test_border_area_question_answers_with_links_to_measures(pages_client: Any) -> None:
    soup = _page(pages_client, "/queries/departments_for_region_type?region=region:border-area")
    select = soup.select_one('select[name="region"]')
    assert select.select_one("option[selected]")["value"] == BASE + "region/border-area"
    rows = soup.select("table.results tbody tr")
    ministries = {a.get_text() for a in soup.select('table.results a[href^="/id/ministry/"]')}
    assert ministries == {"海关总署", "工业和信息化部"}
    measures = {a["href"] for a in soup.select('table.results a[href*="/measure/"]')}
    assert measures == {f"/id/{DOC}/measure/2"}
    assert len(rows) == 2
    api = soup.select_one('a[href^="/api/v1/queries/departments_for_region_type/results"]')
    assert "region=region%3Aborder-area" in api["href"]


def test_question_form_without_values_shows_no_results(pages_client: Any) -> None:
    soup = _page(pages_client, "/queries/departments_for_region_type")
    assert soup.select_one("form.query-form")
    assert soup.select_one("table.results") is None
    labels = [o.get_text() for o in soup.select('select[name="region"] option')]
    assert "边境地区" in labels


def test_bad_parameters_are_explained_on_the_page(pages_client: Any) -> None:
    response = pages_client.get("/queries/departments_for_region_type?region=region:atlantis")
    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "region must be one of" in soup.select_one(".error").get_text()
    assert pages_client.get("/queries/no_such_query").status_code == 404


def test_a_label_as_value_selects_its_option(pages_client: Any) -> None:
    soup = _page(pages_client, "/queries/departments_for_region_type?region=边境地区")
    selected = soup.select_one('select[name="region"] option[selected]')
    assert selected["value"] == BASE + "region/border-area"
    assert soup.h1.get_text() == "哪些部门负责面向 边境地区 的措施？"


def test_a_graph_query_shows_its_triples(pages_client: Any) -> None:
    soup = _page(pages_client, f"/queries/measure_graph?measure={BASE}{DOC}/measure/2")
    heads = [th.get_text() for th in soup.select("table.results thead th")]
    assert heads == ["subject", "predicate", "object"]
    objects = [td.get_text(strip=True) for td in soup.select("table.results tbody td:last-child")]
    assert "支持边境地区发展外向型产业，海关总署在综合保税区推行负面清单管理。" in objects


def test_cached_counts_and_labels_follow_the_store(make_app: Any, empty_store: Any) -> None:
    from tests.api.screenshots import load_trig

    client = make_app(empty_store).test_client()
    before = _page(client, "/")
    assert before.select_one('[data-count="documents"]').get_text() == "0"
    assert _page(client, "/id/ministry/MIIT", expect=404) is None
    load_trig(empty_store)
    after = _page(client, "/")
    assert after.select_one('[data-count="documents"]').get_text() == "1"
    assert _page(client, "/id/ministry/MIIT").h1.get_text(strip=True) == "工业和信息化部"
