"""Charts drawn on the server as SVG, each with its data as a table and as CSV.

Three pictures: the instrument mix by section (supply-side / demand-side / environmental, a
stacked bar), the department x region-type matrix (a heat map) and the transfer flows (from →
to region types with their industries, a flow diagram). Server-side SVG needs no JavaScript and
no package, works under a CSP without inline scripts, and is accessible: each chart carries a
``<title>``/``<desc>`` and the same numbers as an HTML table below it.

Chart data comes from SPARQL over the store (through ``Services.run``); layouts are plain
numbers computed here and drawn by ``templates/_charts.html``. CSV files start with a UTF-8
byte-order mark, so that spreadsheet programs open the Chinese labels correctly.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Response, abort, render_template, request

from api import entities as ent
from api import pages
from api.i18n import translate as _t
from api.services import get_services

bp = Blueprint("charts", __name__, url_prefix="/charts")
pages.init_blueprint(bp)

TYPE_ORDER = ("supply-side", "demand-side", "environmental")
"""Top-level instrument types (Rothwell & Zegveld), in the order the bars stack them."""
TYPE_COLOURS = {"supply-side": "#1f5f99", "demand-side": "#b85c00", "environmental": "#2e7d32"}
OTHER_COLOURS = ("#6a3d9a", "#8c564b", "#555555")
UNTYPED = ""
FLOW_COLOURS = ("#1f5f99", "#b85c00", "#2e7d32", "#6a3d9a", "#a3195b", "#00707a", "#7a5c00")


def _labels() -> ent.Labels:
    return pages.labels()


def _doc_param() -> str | None:
    """The ``?doc=`` filter: an IRI under the base, or 404."""
    doc = request.args.get("doc")
    if not doc:
        return None
    if not doc.startswith(get_services().settings.base):
        abort(404, "doc must be the IRI of a document of this graph")
    try:
        ent.term(doc)
    except ValueError:
        abort(404, "doc is not a valid IRI")
    return doc


def _csv(rows: Iterable[Iterable[Any]], header: list[str], name: str) -> Response:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# Instrument mix -------------------------------------------------------------------------------


def _type_key(top: str) -> str:
    return top.rstrip("/").rsplit("/", 1)[-1] if top else UNTYPED


def instrument_mix(doc: str | None = None) -> list[dict[str, Any]]:
    """Instrument uses (measure x instrument) per section and top-level instrument type.

    Args:
        doc: only this document's sections; every document when None.

    Returns:
        One row per section and type: ``doc``, ``section``, ``sord``, ``number``, ``top``,
        ``uses``; sections in document order, types in :data:`TYPE_ORDER`.
    """
    only = f"VALUES ?doc {{ {ent.term(doc)} }}" if doc else ""
    rows = ent.select(
        f"""SELECT DISTINCT ?doc ?section ?sord ?num ?m ?i ?top WHERE {{
  {only}
  ?m a pol:Measure ; pol:inSection ?section ; pol:usesInstrument ?i .
  ?section pol:inDocument ?doc .
  OPTIONAL {{ ?section pol:ordinal ?sord }}
  OPTIONAL {{ ?section pol:sectionNumber ?num }}
  OPTIONAL {{ ?i pol:instrumentType ?t . ?t skos:broader* ?top .
             FILTER NOT EXISTS {{ ?top skos:broader ?above }} }}
}}"""
    )
    uses: dict[tuple[str, str, int, str, str], set[tuple[str, str]]] = defaultdict(set)
    for r in rows:
        sord = ent.to_int(r.get("sord"))
        key = (r["doc"], r["section"], sord, r.get("num", ""), r.get("top", ""))
        uses[key].add((r["m"], r["i"]))

    def order(key: tuple[str, str, int, str, str]) -> tuple[Any, ...]:
        t = _type_key(key[4])
        rank = TYPE_ORDER.index(t) if t in TYPE_ORDER else len(TYPE_ORDER) + (t == UNTYPED)
        return (key[0], key[2], key[1], rank, t)

    return [
        {"doc": k[0], "section": k[1], "sord": k[2], "number": k[3], "top": k[4], "uses": len(v)}
        for k, v in sorted(uses.items(), key=lambda kv: order(kv[0]))
    ]


def _type_colour(top: str, others: list[str]) -> str:
    key = _type_key(top)
    if key in TYPE_COLOURS:
        return TYPE_COLOURS[key]
    if not top:
        return "#767676"
    if top not in others:
        others.append(top)
    return OTHER_COLOURS[others.index(top) % len(OTHER_COLOURS)]


def _ticks(maximum: int) -> list[int]:
    if maximum <= 0:
        return [0]
    step = max(1, round(maximum / 5))
    return list(range(0, maximum + step, step))


def instrument_mix_chart(doc: str | None = None) -> dict[str, Any]:
    """The stacked-bar layout of :func:`instrument_mix`: one bar per section."""
    rows = instrument_mix(doc)
    lab = _labels()
    lab.fetch(
        [r["section"] for r in rows]
        + [r["top"] for r in rows if r["top"]]
        + [r["doc"] for r in rows]
    )
    sections: dict[str, dict[str, Any]] = {}
    tops: list[str] = []
    for r in rows:
        sec = sections.setdefault(
            r["section"],
            {"iri": r["section"], "doc": r["doc"], "number": r["number"], "parts": []},
        )
        sec["parts"].append((r["top"], r["uses"]))
        if r["top"] not in tops:
            tops.append(r["top"])
    tops.sort(
        key=lambda t: (
            TYPE_ORDER.index(_type_key(t))
            if _type_key(t) in TYPE_ORDER
            else len(TYPE_ORDER) + (t == UNTYPED),
            t,
        )
    )
    others: list[str] = []
    legend = [
        {"iri": t, "label": lab(t) if t else _t("untyped"), "colour": _type_colour(t, others)}
        for t in tops
    ]
    colour = {item["iri"]: item["colour"] for item in legend}
    maximum = max((sum(n for _, n in s["parts"]) for s in sections.values()), default=0)
    ticks = _ticks(maximum)
    top_value = ticks[-1] or 1
    label_w, bar_w, row_h, top = 230, 430, 30, 40
    bars = []
    multi_doc = len({s["doc"] for s in sections.values()}) > 1
    for index, sec in enumerate(sections.values()):
        title = lab(sec["iri"])
        numbered = sec["number"] and sec["number"] not in title
        name = f"{sec['number']}、{title}" if numbered else title
        if multi_doc:
            name = f"{lab(sec['doc'])[:12]}… {name}"
        x = label_w
        segments = []
        for t, n in sec["parts"]:
            width = bar_w * n / top_value
            segments.append(
                {
                    "x": x,
                    "width": width,
                    "colour": colour[t],
                    "n": n,
                    "type": lab(t) if t else _t("untyped"),
                }
            )
            x += width
        bars.append(
            {
                "y": top + index * row_h,
                "label": name,
                "short": name if len(name) <= 16 else name[:15] + "…",
                "href": pages.local_url(sec["iri"]),
                "segments": segments,
                "total": sum(n for _, n in sec["parts"]),
            }
        )
    height = top + len(bars) * row_h + 30
    return {
        "id": "mix",
        "title": _t("chart_mix_doc") if doc else _t("chart_mix"),
        "desc": _t("chart_mix_desc"),
        "legend": legend,
        "bars": bars,
        "ticks": [{"x": label_w + bar_w * v / top_value, "value": v} for v in ticks],
        "width": label_w + bar_w + 40,
        "height": height,
        "axis_y": top + len(bars) * row_h,
        "label_w": label_w,
        "csv": "/charts/instrument-mix.csv" + (f"?{_query('doc', doc)}" if doc else ""),
    }


def _query(name: str, value: str) -> str:
    from urllib.parse import urlencode

    return urlencode({name: value})


# Department x region type ---------------------------------------------------------------------


def department_region() -> dict[tuple[str, str], int]:
    """Measures per (department, region type): owned by the one and targeting the other."""
    rows = ent.select(
        """SELECT DISTINCT ?ministry ?region ?m WHERE {
  ?m a pol:Measure ; pol:ownedBy ?ministry ; pol:targetsRegion ?region .
}"""
    )
    counts: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in rows:
        counts[(r["ministry"], r["region"])].add(r["m"])
    return {k: len(v) for k, v in counts.items()}


def _shade(value: int, maximum: int) -> tuple[str, str]:
    """Fill and text colour of a heat-map cell (dark text on light cells, white on dark)."""
    if value <= 0:
        return "#f7f7f7", "#595959"
    low, high = (222, 235, 247), (8, 48, 107)
    f = value / maximum if maximum else 1.0
    f = 0.15 + 0.85 * f
    rgb = tuple(round(lo + (hi - lo) * f) for lo, hi in zip(low, high, strict=True))
    return "#{:02x}{:02x}{:02x}".format(*rgb), ("#ffffff" if f > 0.5 else "#0b1f33")


def department_region_chart() -> dict[str, Any]:
    """The heat-map layout of :func:`department_region`."""
    counts = department_region()
    lab = _labels()
    ministries = sorted({m for m, _ in counts})
    regions = sorted({r for _, r in counts})
    lab.fetch(ministries + regions)
    row_total = {m: sum(n for (mm, _), n in counts.items() if mm == m) for m in ministries}
    col_total = {r: sum(n for (_, rr), n in counts.items() if rr == r) for r in regions}
    ministries.sort(key=lambda m: (-row_total[m], lab(m)))
    regions.sort(key=lambda r: (-col_total[r], lab(r)))
    maximum = max(counts.values(), default=0)
    label_w, cell, top = 200, 36, 130
    cells = []
    for i, m in enumerate(ministries):
        for j, r in enumerate(regions):
            n = counts.get((m, r), 0)
            fill, ink = _shade(n, maximum)
            cells.append(
                {
                    "x": label_w + j * cell,
                    "y": top + i * cell,
                    "n": n,
                    "fill": fill,
                    "ink": ink,
                    "title": f"{lab(m)} \u00d7 {lab(r)}: {n}",
                }
            )
    return {
        "id": "matrix",
        "title": _t("chart_matrix"),
        "desc": _t("chart_matrix_desc"),
        "rows": [
            {"iri": m, "label": lab(m), "y": top + i * cell, "href": pages.local_url(m)}
            for i, m in enumerate(ministries)
        ],
        "columns": [
            {"iri": r, "label": lab(r), "x": label_w + j * cell, "href": pages.local_url(r)}
            for j, r in enumerate(regions)
        ],
        "cells": cells,
        "counts": counts,
        "cell": cell,
        "top": top,
        "width": label_w + len(regions) * cell + 20,
        "height": top + len(ministries) * cell + 10,
        "csv": "/charts/department-region.csv",
    }


# Transfer flows -------------------------------------------------------------------------------


def transfer_flows() -> list[dict[str, Any]]:
    """Transfer measures grouped by (from, to): the measures and the industries they move."""
    rows = ent.select(
        """SELECT DISTINCT ?m ?from ?to ?industry WHERE {
  ?m a pol:Measure ; pol:transfersFrom ?from ; pol:transfersTo ?to .
  OPTIONAL { ?m pol:concernsIndustry ?industry }
}"""
    )
    flows: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(
        lambda: {"measures": set(), "industries": set()}
    )
    for r in rows:
        flow = flows[(r["from"], r["to"])]
        flow["measures"].add(r["m"])
        if r.get("industry"):
            flow["industries"].add(r["industry"])
    return [
        {
            "from": f,
            "to": t,
            "measures": sorted(v["measures"]),
            "industries": sorted(v["industries"]),
        }
        for (f, t), v in sorted(flows.items(), key=lambda kv: (-len(kv[1]["measures"]), kv[0]))
    ]


def transfer_flows_chart() -> dict[str, Any]:
    """A two-column flow diagram: sources left, destinations right, bands as wide as counts."""
    flows = transfer_flows()
    lab = _labels()
    lab.fetch(
        [f["from"] for f in flows]
        + [f["to"] for f in flows]
        + [i for f in flows for i in f["industries"]]
    )
    out_total: dict[str, int] = defaultdict(int)
    in_total: dict[str, int] = defaultdict(int)
    for f in flows:
        out_total[f["from"]] += len(f["measures"])
        in_total[f["to"]] += len(f["measures"])
    sources = sorted(out_total, key=lambda r: (-out_total[r], lab(r)))
    targets = sorted(in_total, key=lambda r: (-in_total[r], lab(r)))
    total = sum(out_total.values())
    gap, top, unit_max = 14, 20, 40.0
    height_for_bands = max(160.0, 28.0 * max(len(sources), len(targets), 1))
    unit = min(unit_max, height_for_bands / total) if total else 0
    x0, x1, node_w, width = 190, 530, 14, 740

    def place(names: list[str], totals: dict[str, int]) -> dict[str, dict[str, float]]:
        y = float(top)
        nodes = {}
        for name in names:
            h = max(totals[name] * unit, 4.0)
            nodes[name] = {"y": y, "h": h, "cursor": y}
            y += h + gap
        return nodes

    left, right = place(sources, out_total), place(targets, in_total)
    colours = {s: FLOW_COLOURS[i % len(FLOW_COLOURS)] for i, s in enumerate(sources)}
    bands = []
    for f in sorted(flows, key=lambda f: (sources.index(f["from"]), targets.index(f["to"]))):
        h = len(f["measures"]) * unit
        a, b = left[f["from"]], right[f["to"]]
        ya, yb = a["cursor"], b["cursor"]
        a["cursor"] += h
        b["cursor"] += h
        xa, xb = x0 + node_w, x1
        xm = (xa + xb) / 2
        path = (
            f"M{xa:.1f},{ya:.1f} C{xm:.1f},{ya:.1f} {xm:.1f},{yb:.1f} {xb:.1f},{yb:.1f} "
            f"L{xb:.1f},{yb + h:.1f} C{xm:.1f},{yb + h:.1f} {xm:.1f},{ya + h:.1f} "
            f"{xa:.1f},{ya + h:.1f} Z"
        )
        industries = ", ".join(lab(i) for i in f["industries"]) or _t("none")
        bands.append(
            {
                "path": path,
                "colour": colours[f["from"]],
                "title": f"{lab(f['from'])} → {lab(f['to'])}: {len(f['measures'])} "
                f"({_t('industries_moved')}: {industries})",
            }
        )
    bottom = max([n["y"] + n["h"] for n in (*left.values(), *right.values())], default=float(top))
    return {
        "id": "flows",
        "title": _t("chart_flows"),
        "desc": _t("chart_flows_desc"),
        "flows": flows,
        "left": [
            {
                "iri": s,
                "label": lab(s),
                "n": out_total[s],
                "x": x0,
                "w": node_w,
                "colour": colours[s],
                **left[s],
            }
            for s in sources
        ],
        "right": [
            {"iri": t, "label": lab(t), "n": in_total[t], "x": x1, "w": node_w, **right[t]}
            for t in targets
        ],
        "bands": bands,
        "width": width,
        "height": bottom + top,
        "csv": "/charts/transfer-flows.csv",
    }


# Routes ---------------------------------------------------------------------------------------


@bp.get("", strict_slashes=False)
def index() -> str:
    """All charts on one page."""
    return render_template(
        "charts.html",
        mix=instrument_mix_chart(),
        matrix=department_region_chart(),
        flows=transfer_flows_chart(),
    )


@bp.get("/instrument-mix.csv")
def instrument_mix_csv() -> Response:
    """The data of the instrument-mix chart (``?doc=`` for one document)."""
    rows = instrument_mix(_doc_param())
    lab = _labels()
    lab.fetch([r["section"] for r in rows] + [r["top"] for r in rows if r["top"]])
    return _csv(
        (
            [
                r["doc"],
                r["section"],
                r["number"],
                lab(r["section"]),
                r["top"],
                lab(r["top"]) if r["top"] else _t("untyped"),
                r["uses"],
            ]
            for r in rows
        ),
        [
            "document",
            "section",
            "section_number",
            "section_title",
            "instrument_type",
            "instrument_type_label",
            "uses",
        ],
        "instrument-mix.csv",
    )


@bp.get("/department-region.csv")
def department_region_csv() -> Response:
    """The data of the department x region-type heat map (non-zero cells)."""
    counts = department_region()
    lab = _labels()
    lab.fetch([m for m, _ in counts] + [r for _, r in counts])
    return _csv(
        (
            [m, lab(m), r, lab(r), n]
            for (m, r), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ),
        ["ministry", "ministry_label", "region_type", "region_type_label", "measures"],
        "department-region.csv",
    )


@bp.get("/transfer-flows.csv")
def transfer_flows_csv() -> Response:
    """The data of the transfer-flow diagram."""
    flows = transfer_flows()
    lab = _labels()
    lab.fetch(
        [f["from"] for f in flows]
        + [f["to"] for f in flows]
        + [i for f in flows for i in f["industries"]]
    )
    return _csv(
        (
            [
                f["from"],
                lab(f["from"]),
                f["to"],
                lab(f["to"]),
                len(f["measures"]),
                "; ".join(lab(i) for i in f["industries"]),
                " ".join(f["industries"]),
            ]
            for f in flows
        ),
        ["from", "from_label", "to", "to_label", "measures", "industries", "industry_iris"],
        "transfer-flows.csv",
    )
