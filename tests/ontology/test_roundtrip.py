"""What an ontologist does in Protégé changes what the next build finds.

Through the OWL API (the library Protégé uses) an ``skos:altLabel`` is added to a region type and
the ontology saved; the lexicon is rebuilt from the saved file and the same document extracted
again: a mention the extractor did not find before is found now, and the measure targets the
region type. The saved file stays OWL 2 DL with exactly one more axiom.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import SKOS

from graph.lexicon import build_lexicon
from graph.namespace import REGION
from graph.validate import check_dl_profile, run_owlapi_tool
from loaders import load_document
from ontology import ONTOLOGY_TTL

pytestmark = pytest.mark.java

NEW_LABEL = "革命根据地"  # a surface form for 革命老区 that the ontology does not have yet
CONCEPT = str(REGION["old-revolutionary-base"])
NOTICE = (
    "关于支持革命根据地加快产业发展的通知\n\n"
    "各省、自治区、直辖市工业和信息化主管部门：\n\n"
    "一、总体要求\n\n"
    f"支持{NEW_LABEL}发展特色产业，引导劳动密集型产业有序转移。\n\n"
    "二、保障措施\n\n"
    "鼓励有条件的地区设立产业转移基金。\n"
)


def mentions_of(path: Path, ontology: Path) -> list[tuple[str, tuple[str, ...]]]:
    record = load_document(path, build_lexicon(ontology))
    return [(m.text, m.concepts) for measure in record.measures for m in measure.mentions]


def regions_of(path: Path, ontology: Path) -> set[str]:
    record = load_document(path, build_lexicon(ontology))
    return {r for measure in record.measures for r in measure.regions}


def test_altlabel_added_through_the_owl_api_is_found_by_the_next_build(tmp_path: Path) -> None:
    source = tmp_path / "policykg.ttl"
    shutil.copyfile(Path(str(ONTOLOGY_TTL)), source)
    notice = tmp_path / "notice.txt"
    notice.write_text(NOTICE, encoding="utf-8")
    assert Literal(NEW_LABEL, lang="zh") not in set(
        Graph().parse(source).objects(None, SKOS.altLabel)
    )

    before = mentions_of(notice, source)
    assert (NEW_LABEL, (CONCEPT,)) not in before
    assert CONCEPT not in regions_of(notice, source)
    assert before, "the notice has other mentions: the extractor works on it"

    edited = tmp_path / "edited.ttl"
    done = run_owlapi_tool("AddAltLabel", str(source), str(edited), CONCEPT, NEW_LABEL, "zh")
    assert done.returncode == 0, done.stderr
    saved = Graph().parse(edited, format="turtle")
    assert (REGION["old-revolutionary-base"], SKOS.altLabel, Literal(NEW_LABEL, lang="zh")) in saved

    after = mentions_of(notice, edited)
    assert (NEW_LABEL, (CONCEPT,)) in after
    assert CONCEPT in regions_of(notice, edited)
    assert set(before) < set(after)

    original, changed = check_dl_profile(source), check_dl_profile(edited)
    assert changed.ok, changed.text
    assert changed.axioms == original.axioms + 1


def test_the_edit_tool_refuses_an_unknown_individual(tmp_path: Path) -> None:
    source = tmp_path / "policykg.ttl"
    shutil.copyfile(Path(str(ONTOLOGY_TTL)), source)
    done = run_owlapi_tool(
        "AddAltLabel", str(source), str(tmp_path / "out.ttl"), str(REGION["nowhere"]), "某地", "zh"
    )
    assert done.returncode == 2
    assert "is not an individual" in done.stderr
    assert not (tmp_path / "out.ttl").exists()
