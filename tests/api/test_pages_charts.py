"""The charts: their numbers (checked against the fixture), the SVG, the tables and the CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from bs4 import BeautifulSoup

BASE = "https://w3id.org/policykg/id/"
DOC = BASE + "doc/demo-2099-1"


def _csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheet programs then read the Chinese labels
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_instrument_mix_counts_uses_by_top_level_type(pages_client: Any) -> None:
    rows = _csv(pages_client.get("/charts/instrument-mix.csv"))
    got = {
        (r["section_number"], r["instrument_type"].rsplit("/", 1)[-1]): int(r["uses"]) for r in rows
    }
    # measure 1 uses a fund (funding -> supply-side); measure 2 a bonded zone (trade ->
    # demand-side) and a negative list (regulation -> environmental)
    assert got == {("二", "supply-side"): 1, ("二", "demand-side"): 1, ("二", "environmental"): 1}
    assert {r["instrument_type_label"] for r in rows} == {"供给型", "需求型", "环境型"}
    assert [r["instrument_type"].rsplit("/", 1)[-1] for r in rows] == [
        "supply-side",
        "demand-side",
        "environmental",
    ]


def test_instrument_mix_of_one_document_and_a_bad_filter(pages_client: Any) -> None:
    rows = _csv(pages_client.get(f"/charts/instrument-mix.csv?doc={DOC}"))
    assert {r["document"] for r in rows} == {DOC}
    assert _csv(pages_client.get(f"/charts/instrument-mix.csv?doc={DOC}-other")) == []
    assert pages_client.get("/charts/instrument-mix.csv?doc=http://elsewhere/x").status_code == 404
    assert pages_client.get(f"/charts/instrument-mix.csv?doc={BASE}a%20b").status_code == 404


def test_department_region_matrix(pages_client: Any) -> None:
    rows = _csv(pages_client.get("/charts/department-region.csv?lang=en"))
    got = {
        (r["ministry"].rsplit("/", 1)[-1], r["region_type"].rsplit("/", 1)[-1]): int(r["measures"])
        for r in rows
    }
    assert got == {
        ("MIIT", "central"): 1,
        ("MIIT", "western"): 1,
        ("MIIT", "border-area"): 1,
        ("NDRC", "central"): 1,
        ("NDRC", "western"): 1,
        ("GACC", "border-area"): 1,
    }
    assert "General Administration of Customs" in {r["ministry_label"] for r in rows}


def test_transfer_flows(pages_client: Any) -> None:
    rows = _csv(pages_client.get("/charts/transfer-flows.csv"))
    got = {
        (r["from"].rsplit("/", 1)[-1], r["to"].rsplit("/", 1)[-1]): (
            int(r["measures"]),
            r["industries"],
        )
        for r in rows
    }
    assert got == {
        ("eastern", "central"): (1, "劳动密集型产业"),
        ("eastern", "western"): (1, "劳动密集型产业"),
    }


def test_charts_page_draws_accessible_svg_with_tables(pages_client: Any) -> None:
    response = pages_client.get("/charts")
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    charts = soup.select("figure.chart")
    assert [c["id"] for c in charts] == ["chart-mix", "chart-matrix", "chart-flows"]
    for chart in charts:
        svg = chart.select_one("svg.chart-svg")
        assert svg["role"] == "img"
        ids = svg["aria-labelledby"].split()
        assert [svg.select_one(f"#{i}").name for i in ids] == ["title", "desc"]
        assert chart.select_one("details table.data tbody tr")
        assert chart.select_one("a[download]")["href"].startswith("/charts/")
        assert not svg.select("a, script")
    mix = soup.select_one("#chart-mix")
    assert len(mix.select("svg.chart-svg rect")) == 3  # one segment per instrument type
    matrix = soup.select_one("#chart-matrix")
    assert [t.get_text() for t in matrix.select("svg text.cell-value")] == ["1"] * 6
    flows = soup.select_one("#chart-flows")
    assert len(flows.select("svg path.band")) == 2
    assert "劳动密集型产业" in flows.select_one("svg path.band title").get_text()


def test_charts_are_empty_but_fine_on_an_empty_graph(make_app: Any, empty_store: Any) -> None:
    client = make_app(empty_store).test_client()
    soup = BeautifulSoup(client.get("/charts").get_data(as_text=True), "html.parser")
    assert len(soup.select("figure.chart p.muted")) == 3
    assert client.get("/charts/transfer-flows.csv").data.decode("utf-8").count("\n") == 1
    assert client.get("/").status_code == 200
