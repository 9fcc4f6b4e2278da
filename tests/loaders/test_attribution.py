"""Owners: explicit naming, remit keywords, lead rule; each with its basis and its words."""

from __future__ import annotations

from typing import Any

from tests.loaders.conftest import iri_key

SEED_ISSUERS = 10


def _owners(record: Any, start: str) -> list[tuple[str, str, str]]:
    (measure,) = [m for m in record.measures if start in m.text]
    return [(iri_key(a.ministry), a.basis, a.evidence) for a in measure.owners]


def test_every_attribution_has_evidence_that_slices_the_text(seed_record: Any) -> None:
    for m in seed_record.measures:
        assert m.owners, m.text
        for a in m.owners:
            assert a.basis in {"explicit", "mandate", "lead"}
            if a.begin is not None:
                assert seed_record.full_text[a.begin:a.end] == a.evidence
            if a.basis != "lead":
                assert m.begin <= a.begin and a.end <= m.end


def test_mandate_keywords(seed_record: Any) -> None:
    # the instrument's own name is the evidence: 海关信用等级 is run by customs
    assert _owners(seed_record, "海关信用等级") == [("GACC", "mandate", "海关信用等级")]
    assert _owners(seed_record, "积极发展多式联运") == [("MOT", "mandate", "多式联运")]
    assert ("SAMR", "mandate", "证照分离") in _owners(seed_record, "证照分离")


def test_a_jointly_run_instrument_belongs_to_each_department(seed_record: Any) -> None:
    """鼓励外商投资产业目录 is issued by the NDRC and MOFCOM (pol:administeredBy)."""
    owners = _owners(seed_record, "适时修订鼓励外商投资产业目录")
    assert {(k, b) for k, b, _ in owners} == {
        ("NDRC", "mandate"), ("MOFCOM", "mandate"), ("MIIT", "mandate")}
    assert ("MOFCOM", "mandate", "鼓励外商投资产业目录") in owners


def test_the_instrument_speaks_for_the_keywords_inside_its_name(load: Any) -> None:
    """西部大开发 is the NDRC's word, but 西部大开发税收优惠 is run by MOF and STA."""
    r = load("关于某事的意见\n一、任务\n落实西部大开发税收优惠政策。\n")
    assert {iri_key(a.ministry) for a in r.measures[0].owners} == {"MOF", "STA"}


def test_the_sector_decides_only_without_a_word_of_the_remit(load: Any) -> None:
    text = ("国家发展改革委 工业和信息化部关于某事的通知\n一、任务\n"
            "支持发展工业母机和工程机械。\n支持工业母机企业申报中央预算内投资。\n"
            "国家发展改革委\n工业和信息化部\n2024年1月2日\n")
    sector, budget = load(text).measures
    assert [(iri_key(a.ministry), a.basis, a.evidence) for a in sector.owners] == [
        ("MIIT", "mandate", "工业母机")]
    assert [iri_key(a.ministry) for a in budget.owners] == ["NDRC"]


def test_lead_rule_names_its_words(seed_record: Any) -> None:
    owners = _owners(seed_record, "加快县城补短板")
    assert owners == [("MIIT", "lead", "工业和信息化部")]
    (measure,) = [m for m in seed_record.measures if "加快县城补短板" in m.text]
    lead = measure.owners[0]
    assert lead.begin < seed_record.sections[0].begin  # the words are in the header


def test_explicit_department(seed_record: Any) -> None:
    assert _owners(seed_record, "各地工业和信息化主管部门要同相关部门") == [
        ("MIIT", "explicit", "工业和信息化主管部门")]


def test_no_measure_is_owned_by_every_issuer(seed_record: Any) -> None:
    assert max(len(m.owners) for m in seed_record.measures) < SEED_ISSUERS
    owners = {iri_key(a.ministry) for m in seed_record.measures for a in m.owners}
    assert owners <= {iri_key(i) for i in seed_record.issuers}


def test_border_area_measures_belong_to_the_departments_of_that_remit(seed_record: Any) -> None:
    """departments-for-region-type with 边境地区: evidence-based, not all ten issuers."""
    owners = {
        iri_key(a.ministry)
        for m in seed_record.measures
        if any(iri_key(r) == "border-area" for r in m.regions)
        for a in m.owners
    }
    assert "MOFCOM" in owners
    assert len(owners) <= 2
    assert not {"MOHRSS", "MEE", "MOT", "PBOC", "SAMR", "MOST"} & owners


def test_only_issuers_qualify_by_remit(eval_record: Any) -> None:
    r = eval_record("03")  # issued by NDRC, MOST, MIIT, MNR: no MOF, STA or MOE
    owners = {iri_key(a.ministry) for m in r.measures for a in m.owners}
    assert owners <= {"NDRC", "MOST", "MIIT", "MNR"}


def test_named_departments_exclude_keyword_guesses(eval_record: Any) -> None:
    r = eval_record("04")
    (measure,) = [m for m in r.measures if m.text.startswith("银保监会要指导")]
    assert [(iri_key(a.ministry), a.basis) for a in measure.owners] == [("NFRA", "explicit")]


def test_item_note_names_the_owners(load: Any) -> None:
    text = ("关于某事的通知\n一、重点任务\n（一）推进转移。支持企业转移。加强公共服务。"
            "（工业和信息化部牵头，商务部按职责分工负责）\n（二）其他。鼓励各地创新。\n")
    r = load(text)
    first, second, third = r.measures
    for m in (first, second):
        assert [(iri_key(a.ministry), a.basis) for a in m.owners] == [
            ("MIIT", "explicit"), ("MOFCOM", "explicit")]
        assert all(r.full_text[a.begin:a.end] == a.evidence for a in m.owners)
    assert third.owners == ()  # no issuer, no words: nobody


def test_state_council_document_has_no_lead(eval_record: Any) -> None:
    r = eval_record("01")
    assert r.issuers == ()
    assert all(a.basis != "lead" for m in r.measures for a in m.owners)
