"""T1 and T2 of QUERIES.md §9.8: every .rq file is valid and lint-clean; the lint rules bite.

The negative cases write small broken files into ``tmp_path`` and check that the rule meant to
catch each one does, so a lint rule that silently stopped working would fail here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.catalogue import (
    HEADER_SCHEMA,
    SLOT,
    CatalogueError,
    header_problems,
    lint_query,
    load_catalogue,
    load_query,
    parse_header,
)

CATALOGUE = load_catalogue()
NAMES = sorted(CATALOGUE)
_LINT: dict[str, list[str]] = {}


def lint(name: str) -> list[str]:
    """The lint report of a packaged query (computed once: both engines parse each file)."""
    if name not in _LINT:
        _LINT[name] = lint_query(CATALOGUE[name])
    return _LINT[name]
ASKED_BY_THE_ISSUE = {
    "departments_for_region_type", "measures_for_region_type", "measures_for_industry",
    "measures_for_province", "measures_owned_by", "instruments_by_ministry", "instrument_mix",
    "transfer_flows", "ministry_collaboration", "document_targets", "search_measures",
    "measure_provenance",
}


def test_the_issue_s_queries_are_all_there() -> None:
    assert set(CATALOGUE) >= ASKED_BY_THE_ISSUE
    assert len(CATALOGUE) >= len(ASKED_BY_THE_ISSUE) + 5  # and the ones analysts ask next


@pytest.mark.parametrize("name", NAMES)
def test_query_file_is_valid(name: str) -> None:
    """T1: parses in Oxigraph and rdflib, header fits the schema, slots ↔ params one-to-one."""
    query = CATALOGUE[name]
    assert header_problems(query.header) == []
    assert query.path.name == f"{name}.rq"
    rule1_and_2 = [p for p in lint(name) if p.startswith(("rule 1", "rule 2"))]
    assert rule1_and_2 == []
    slots = [m["var"] for m in SLOT.finditer(query.text)]
    assert sorted(slots) == sorted(query.params)
    assert len(set(slots)) == len(slots)
    for lang in ("zh", "en"):
        assert query.summary(lang) and query.text_in("description", lang)


def test_names_are_unique_and_url_safe() -> None:
    assert len({n.lower() for n in NAMES}) == len(NAMES)
    assert all(n.replace("_", "").isalnum() and n.isascii() and n == n.lower() for n in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_query_lint(name: str) -> None:
    """T2: rules 3 to 8 hold."""
    assert lint(name) == []


@pytest.mark.parametrize("name", NAMES)
def test_answers_lead_back_to_the_words(name: str) -> None:
    """Every SELECT answer carries a sentence (text or evidence) or is a listing of concepts."""
    query = CATALOGUE[name]
    if query.kind != "select":
        return
    listings = {"ministries", "region_types", "provinces", "industries", "instruments",
                "documents", "sections", "document_issuers"}
    if name in listings:
        return
    columns = set(query.columns)
    assert columns & {"text", "evidence", "words"}, f"{name} returns no source words"
    assert columns & {"measure", "target", "mention"}, f"{name} names no measure or target"


# -- the rules bite ----------------------------------------------------------------------------

W = "SELECT ?region ?m WHERE {\n  "
HEADER = """#+ summary: {zh: 测试, en: Test}
#+ description: {zh: 测试, en: Test}
#+ tags: [test]
#+ params:
#+   region: {type: iri, class: pol:RegionType, required: true}
#+ columns:
#+   region: {type: iri}
#+   m: {type: iri}
#+ pagination: 10
#+ examples:
#+   - params: {region: region:border-area}
PREFIX pol: <https://w3id.org/policykg/ontology#>
"""
GOOD = HEADER + """SELECT ?region ?m WHERE {
  VALUES ?region { UNDEF }
  ?m pol:targetsRegion ?region .
}
ORDER BY ?m
"""


def write(tmp_path: Path, text: str, name: str = "probe") -> Path:
    path = tmp_path / f"{name}.rq"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    return lint_query(load_query(write(tmp_path, text)))


def test_a_clean_probe_passes(tmp_path: Path) -> None:
    assert problems(tmp_path, GOOD) == []


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        # rule 1: does not parse
        ("SELECT ?region ?m WHERE {\n  VALUES ?region { UNDEF }\n  ?m pol:targetsRegion ?region \n"
         "ORDER BY ?m\n", "rule 1"),
        # rule 3: the slot is not first
        (W + "?m pol:targetsRegion ?region .\n  VALUES ?region { UNDEF }\n}\nORDER BY ?m\n",
         "rule 3"),
        # rule 3: the slot is inside a nested group
        (W + "{\n  VALUES ?region { UNDEF }\n  ?m pol:targetsRegion ?region .\n  }\n}\n"
         "ORDER BY ?m\n", "rule 3"),
        # rule 4: SERVICE
        ("SELECT ?region ?m WHERE {\n  VALUES ?region { UNDEF }\n  SERVICE <http://example.org/s> "
         "{ ?m pol:targetsRegion ?region }\n}\nORDER BY ?m\n", "rule 4"),
        # rule 5: BIND assigns the parameter
        ("SELECT ?region ?m WHERE {\n  VALUES ?region { UNDEF }\n  ?m pol:targetsRegion ?r .\n"
         "  BIND(?r AS ?region)\n}\nORDER BY ?m\n", "rule 5"),
        # rule 5: another VALUES block names it
        ("SELECT ?region ?m WHERE {\n  VALUES ?region { UNDEF }\n  ?m pol:targetsRegion ?region .\n"
         "  VALUES ?region { pol:x }\n}\nORDER BY ?m\n", "rule 5"),
        # rule 5: used only inside OPTIONAL
        ("SELECT ?region ?m WHERE {\n  VALUES ?region { UNDEF }\n  ?m a pol:Measure .\n"
         "  OPTIONAL { ?m pol:targetsRegion ?region }\n}\nORDER BY ?m\n", "rule 5"),
        # rule 6: the parameter is not projected (rule 7 fires too)
        ("SELECT ?m WHERE {\n  VALUES ?region { UNDEF }\n  ?m pol:targetsRegion ?region .\n}\n"
         "ORDER BY ?m\n", "rule 6"),
        # rule 7: the projection differs from the columns
        ("SELECT ?region ?m ?x WHERE {\n  VALUES ?region { UNDEF }\n"
         "  ?m pol:targetsRegion ?region ; pol:text ?x .\n}\nORDER BY ?m\n", "rule 7"),
        # rule 8: no ORDER BY
        (W + "VALUES ?region { UNDEF }\n  ?m pol:targetsRegion ?region .\n}\n", "rule 8"),
        # rule 8: a top-level LIMIT
        (W + "VALUES ?region { UNDEF }\n  ?m pol:targetsRegion ?region .\n}\nORDER BY ?m\n"
         "LIMIT 5\n", "rule 8"),
    ],
)
def test_each_lint_rule_catches_its_fault(tmp_path: Path, body: str, rule: str) -> None:
    found = problems(tmp_path, HEADER + body)
    assert any(p.startswith(rule) for p in found), found


def test_slot_lines_must_match_the_parameters(tmp_path: Path) -> None:
    two_slots = GOOD.replace("VALUES ?region { UNDEF }", "VALUES ?region { UNDEF }\n"
                             "  VALUES ?region { UNDEF }")
    with pytest.raises(CatalogueError, match="exactly one slot"):
        load_query(write(tmp_path, two_slots))
    stray = GOOD.replace("VALUES ?region { UNDEF }", "VALUES ?region { UNDEF }\n"
                         "  VALUES ?other { UNDEF }")
    with pytest.raises(CatalogueError, match="no declared parameter"):
        load_query(write(tmp_path, stray))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("#+ tags: [test]\n", ""), "tags"),
        (("{type: iri, class: pol:RegionType, required: true}", "{type: iri, required: true}"),
         "class"),
        (("{type: iri, class: pol:RegionType, required: true}", "{type: url, class: pol:X}"),
         "type"),
        (("#+ pagination: 10", "#+ pagination: many"), "pagination"),
        (("#+ params:\n#+   region:", "#+ params:\n#+   page:"), "page"),
        (("#+ summary: {zh: 测试, en: Test}", "#+ summary: {zh: 测试}"), "summary"),
    ],
)
def test_the_header_schema_refuses_bad_headers(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    with pytest.raises(CatalogueError, match="schema") as caught:
        load_query(write(tmp_path, text))
    assert message in str(caught.value)


def test_only_select_and_construct_are_canned(tmp_path: Path) -> None:
    ask = GOOD.replace("SELECT ?region ?m WHERE {", "ASK {").replace("ORDER BY ?m\n", "")
    with pytest.raises(CatalogueError, match=r"SELECT .* or a CONSTRUCT"):
        load_query(write(tmp_path, ask))


def test_bad_names_and_yaml_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="snake_case"):
        load_query(write(tmp_path, GOOD, name="Bad-Name"))
    with pytest.raises(CatalogueError, match="YAML"):
        load_query(write(tmp_path, "#+ summary: [unclosed\n" + GOOD))


def test_header_parsing_stops_at_the_query() -> None:
    header = parse_header("#+ a: 1\n# a plain comment\n#+ b: 2\nSELECT * {}\n#+ c: 3\n")
    assert header == {"a": 1, "b": 2}
    assert HEADER_SCHEMA["required"] == ["summary", "description", "tags", "examples"]
