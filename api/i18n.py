"""The pages' language: Chinese by default, English on request, and the UI strings of both.

Labels of things in the graph come from the ontology (``skos:prefLabel`` in ``@zh``/``@en``);
this module only holds the words of the pages themselves (navigation, headings, legends), so
that every visible string exists in both languages. ``?lang=en`` switches and is remembered
in a cookie; ``?lang=zh`` switches back.

The hooks are registered app-wide (by :mod:`api.pages`), so a template of another blueprint
that extends ``base.html`` (the query page) gets ``t``, ``lang`` and the switch link too.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Response, g, request

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
COOKIE = "policykg_lang"
HTML_LANG = {"zh": "zh-Hans", "en": "en"}

UI: dict[str, dict[str, str]] = {
    "zh": {
        "site_name": "中国产业政策知识图谱",
        "site_tagline": "把政策文件中的措施、部门、区域、产业和政策工具连成可查询的图谱。",
        "skip": "跳到正文",
        "nav_label": "主导航",
        "home": "首页",
        "query": "SPARQL 查询",
        "catalogue": "常用查询",
        "charts": "图表",
        "api_docs": "API 文档",
        "switch_to": "English",
        "switch_label": "切换到英文",
        "footer": "数据以关联数据发布：每个 IRI 都可解引用为网页或 RDF。",
        "rdf_formats": "机器可读格式",
        "documents": "政策文件",
        "measures": "政策措施",
        "triples": "三元组",
        "ministries": "部门",
        "region_types": "区域类型",
        "provinces": "省级行政区",
        "industries": "产业类别",
        "instruments": "政策工具",
        "instrument_types": "政策工具类型",
        "graph_holds": "图谱内容",
        "start_here": "从这里开始",
        "start_query": "用 SPARQL 直接查询图谱",
        "start_catalogue": "浏览常用查询（不必写 SPARQL）",
        "start_charts": "看图：政策工具组合、部门\u00d7区域、产业转移流向",
        "start_api": "REST API 文档",
        "browse": "浏览",
        "document": "政策文件",
        "section": "章节",
        "measure": "措施",
        "measure_n": "措施 {n}",
        "section_n": "第{n}部分",
        "number": "文号",
        "issued": "发布日期",
        "issued_by": "发文部门",
        "lead_issuer": "牵头部门",
        "addressee": "主送",
        "source": "来源",
        "sections": "章节",
        "full_text": "全文",
        "full_text_help": "每条措施都是链接，点击可查看该措施；彩色标记表示提及的概念。",
        "legend": "图例",
        "legend_measure": "措施（点击查看）",
        "kind_region": "区域",
        "kind_industry": "产业",
        "kind_instrument": "政策工具",
        "kind_ministry": "部门",
        "targets": "目标",
        "target_year": "目标年份",
        "sentence": "原文",
        "in_source": "在原文中查看",
        "verb": "政策动词",
        "linked_concepts": "关联概念",
        "owners": "负责部门",
        "basis": "依据",
        "evidence": "证据",
        "basis_explicit": "原文明确提及",
        "basis_mandate": "符合部门职责关键词",
        "basis_lead": "牵头部门规则",
        "transfer": "转移方向",
        "transfer_from": "转出地",
        "transfer_to": "转入地",
        "none": "无",
        "instrument_type": "工具类型",
        "measures_by_section": "按章节列出的措施",
        "co_owners": "共同负责部门",
        "shared_measures": "共同措施数",
        "documents_issued": "发布的文件",
        "uses": "使用次数",
        "count": "数量",
        "provinces_in": "所属省级行政区",
        "region_types_of": "所属区域类型",
        "measures_applying": "适用的措施",
        "why": "原因",
        "why_direct": "直接针对 {r}",
        "why_via": "针对 {r}，{via}",
        "why_in": "{p} 属于 {r}",
        "why_narrower": "{a} 是 {b} 的一部分",
        "why_comprises": "{b} 包括 {a}",
        "why_named": "原文提到 {p}",
        "relation": "关系",
        "rel_targets": "针对",
        "rel_from": "转出",
        "rel_to": "转入",
        "broader": "上位概念",
        "narrower": "下位概念",
        "comprises": "包括",
        "part_of": "属于",
        "definition": "定义",
        "alt_labels": "又称",
        "mandate": "职责关键词",
        "text": "文本",
        "properties": "属性",
        "property": "属性",
        "value": "值",
        "not_found_title": "找不到该资源",
        "not_found": "图谱中没有关于 {iri} 的描述。",
        "not_found_help": "请检查链接，或从首页开始浏览。",
        "error_title": "出错了",
        "catalogue_title": "常用查询",
        "catalogue_intro": "不用写 SPARQL：选一个问题、填入参数即可得到答案。"
        "每个查询也可以通过 REST API 调用。",
        "tag_other": "其他",
        "run": "查询",
        "parameters": "参数",
        "results": "结果",
        "no_results": "没有结果。",
        "rows": "{n} 行",
        "truncated": "结果已截断，仅显示前 {n} 行。",
        "as_json": "JSON（REST API）",
        "sparql_text": "SPARQL 查询语句",
        "required": "必填",
        "choose": "请选择",
        "chart_mix": "各章节的政策工具组合",
        "chart_mix_desc": "每个章节中措施使用政策工具的次数，按供给型、需求型、环境型分层堆叠。",
        "chart_matrix": "部门 \u00d7 区域类型",
        "chart_matrix_desc": "每个部门负责的、针对各区域类型的措施数量；颜色越深，措施越多。",
        "chart_flows": "产业转移流向",
        "chart_flows_desc": "转移措施中产业从哪里转出、转入哪里；线条宽度为措施数量。",
        "download_csv": "下载数据（CSV）",
        "data_table": "数据表",
        "no_data": "暂无数据。",
        "untyped": "未分类",
        "measures_count": "措施数",
        "industries_moved": "涉及产业",
        "chart_mix_doc": "本文件各章节的政策工具组合",
        "generated": "抽取信息",
        "type": "类型",
        "examples": "示例",
        "description": "说明",
    },
    "en": {
        "site_name": "Chinese Industrial Policy Knowledge Graph",
        "site_tagline": "Measures, departments, regions, industries and policy instruments from "
        "policy documents, linked into a graph you can query.",
        "skip": "Skip to content",
        "nav_label": "Main navigation",
        "home": "Home",
        "query": "SPARQL query",
        "catalogue": "Queries catalogue",
        "charts": "Charts",
        "api_docs": "API docs",
        "switch_to": "中文",
        "switch_label": "Switch to Chinese",
        "footer": "Published as Linked Data: every IRI dereferences to a page or to RDF.",
        "rdf_formats": "Machine-readable formats",
        "documents": "Policy documents",
        "measures": "Measures",
        "triples": "Triples",
        "ministries": "Departments",
        "region_types": "Region types",
        "provinces": "Provinces",
        "industries": "Industries",
        "instruments": "Policy instruments",
        "instrument_types": "Instrument types",
        "graph_holds": "What the graph holds",
        "start_here": "Start here",
        "start_query": "Query the graph in SPARQL",
        "start_catalogue": "Browse ready-made questions (no SPARQL needed)",
        "start_charts": "Charts: instrument mix, department \u00d7 region, industry transfer flows",
        "start_api": "REST API documentation",
        "browse": "Browse",
        "document": "Policy document",
        "section": "Section",
        "measure": "Measure",
        "measure_n": "Measure {n}",
        "section_n": "Section {n}",
        "number": "Document number",
        "issued": "Issued",
        "issued_by": "Issued by",
        "lead_issuer": "Lead issuer",
        "addressee": "Addressed to",
        "source": "Source",
        "sections": "Sections",
        "full_text": "Full text",
        "full_text_help": "Every measure is a link to its page; coloured marks are the concepts "
        "it mentions.",
        "legend": "Legend",
        "legend_measure": "Measure (click to open)",
        "kind_region": "Region",
        "kind_industry": "Industry",
        "kind_instrument": "Instrument",
        "kind_ministry": "Department",
        "targets": "Targets",
        "target_year": "Target year",
        "sentence": "Source sentence",
        "in_source": "Show in the source text",
        "verb": "Policy verb",
        "linked_concepts": "Linked concepts",
        "owners": "Responsible departments",
        "basis": "Basis",
        "evidence": "Evidence",
        "basis_explicit": "named in the text",
        "basis_mandate": "matches the department's remit",
        "basis_lead": "lead-department rule",
        "transfer": "Transfer direction",
        "transfer_from": "From",
        "transfer_to": "To",
        "none": "none",
        "instrument_type": "Instrument type",
        "measures_by_section": "Measures by section",
        "co_owners": "Co-owning departments",
        "shared_measures": "Shared measures",
        "documents_issued": "Documents issued",
        "uses": "Uses",
        "count": "Count",
        "provinces_in": "Provinces in it",
        "region_types_of": "Region types it belongs to",
        "measures_applying": "Measures that apply",
        "why": "Why",
        "why_direct": "targets {r} directly",
        "why_via": "targets {r}; {via}",
        "why_in": "{p} is in {r}",
        "why_narrower": "{a} is part of {b}",
        "why_comprises": "{b} comprises {a}",
        "why_named": "the text names {p}",
        "relation": "Relation",
        "rel_targets": "targets",
        "rel_from": "moves industry from",
        "rel_to": "moves industry to",
        "broader": "Broader",
        "narrower": "Narrower",
        "comprises": "Comprises",
        "part_of": "Part of",
        "definition": "Definition",
        "alt_labels": "Also called",
        "mandate": "Remit keywords",
        "text": "Text",
        "properties": "Properties",
        "property": "Property",
        "value": "Value",
        "not_found_title": "Not found",
        "not_found": "The graph holds nothing about {iri}.",
        "not_found_help": "Check the link, or start browsing from the home page.",
        "error_title": "Something went wrong",
        "catalogue_title": "Queries catalogue",
        "catalogue_intro": "No SPARQL needed: pick a question, fill in its parameters and get "
        "the answer. Every query is also available through the REST API.",
        "tag_other": "Other",
        "run": "Run",
        "parameters": "Parameters",
        "results": "Results",
        "no_results": "No results.",
        "rows": "{n} rows",
        "truncated": "Results cut: only the first {n} rows are shown.",
        "as_json": "JSON (REST API)",
        "sparql_text": "SPARQL text",
        "required": "required",
        "choose": "Choose",
        "chart_mix": "Instrument mix by section",
        "chart_mix_desc": "How often the measures of each section use policy instruments, "
        "stacked by supply-side, demand-side and environmental instruments.",
        "chart_matrix": "Department \u00d7 region type",
        "chart_matrix_desc": "Measures each department owns that target each region type; "
        "darker means more measures.",
        "chart_flows": "Industry transfer flows",
        "chart_flows_desc": "Where transfer measures move industry from and to; the width of a "
        "band is the number of measures.",
        "download_csv": "Download the data (CSV)",
        "data_table": "Data table",
        "no_data": "No data yet.",
        "untyped": "untyped",
        "measures_count": "Measures",
        "industries_moved": "Industries",
        "chart_mix_doc": "Instrument mix by section of this document",
        "generated": "Extraction",
        "type": "Type",
        "examples": "Examples",
        "description": "Description",
    },
}


def current_lang() -> str:
    """The language of the page being rendered (``zh`` or ``en``)."""
    return getattr(g, "lang", DEFAULT_LANG)


def translate(key: str, /, **values: Any) -> str:
    """The UI string ``key`` in the current language, with ``{name}`` fields filled in.

    An unknown key shows as itself rather than failing the page; a test checks that every key
    the templates use exists in both languages.
    """
    text = UI[current_lang()].get(key) or UI[DEFAULT_LANG].get(key) or key
    return text.format(**values) if values else text


def choose_language() -> None:
    """Pick the request's language: ``?lang=``, then the cookie, then Chinese."""
    asked = request.args.get("lang")
    if asked in LANGS:
        g.lang = asked
        return
    remembered = request.cookies.get(COOKIE)
    g.lang = remembered if remembered in LANGS else DEFAULT_LANG


def remember_language(response: Response) -> Response:
    """Store an explicit ``?lang=`` choice in a cookie, for HTML responses only."""
    asked = request.args.get("lang")
    if asked in LANGS and response.mimetype == "text/html":
        response.set_cookie(COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def switch_url(lang: str) -> str:
    """The current page in ``lang`` (other query parameters kept)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    args.append(("lang", lang))
    return f"{request.path}?{urlencode(args)}"


def template_context() -> dict[str, Any]:
    """What every template sees: ``t``, ``lang``, ``html_lang`` and the switch link."""
    lang = current_lang()
    other = "en" if lang == "zh" else "zh"
    return {
        "t": translate,
        "lang": lang,
        "html_lang": HTML_LANG[lang],
        "other_lang": other,
        "other_html_lang": HTML_LANG[other],
        "lang_switch_url": switch_url(other),
    }
