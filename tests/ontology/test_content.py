"""What the ontology says: metadata, labels, OWL 2 DL habits, and the facts of each scheme."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, SKOS, XSD

from graph.namespace import INDUSTRY, INSTRUMENT, ITYPE, MINISTRY, POL, PROVINCE, REGION

ONTOLOGY = URIRef("https://w3id.org/policykg/ontology")
README = Path(__file__).resolve().parents[2] / "ontology" / "README.md"


def langs(g: Graph, s: URIRef, p: URIRef) -> Counter[str]:
    return Counter(o.language or "" for o in g.objects(s, p) if isinstance(o, Literal))


def individuals(g: Graph, cls: URIRef) -> set[URIRef]:
    return {s for s in g.subjects(RDF.type, cls) if isinstance(s, URIRef)}


def zh(g: Graph, s: URIRef, p: URIRef = SKOS.prefLabel) -> set[str]:
    return {str(o) for o in g.objects(s, p) if isinstance(o, Literal) and o.language == "zh"}


# --- The ontology header -----------------------------------------------------------------------


def test_header_metadata(onto: Graph) -> None:
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in onto
    version = onto.value(ONTOLOGY, OWL.versionIRI)
    assert version is not None and str(version).startswith(str(ONTOLOGY) + "/")
    for prop in (DCTERMS.title, DCTERMS.description):
        assert {"zh", "en"} <= set(langs(onto, ONTOLOGY, prop)), prop
    for prop in (DCTERMS.license, DCTERMS.creator, DCTERMS.modified):
        assert onto.value(ONTOLOGY, prop) is not None, prop
    assert not list(onto.objects(None, OWL.imports)), "no owl:imports: declare reused terms locally"


# --- Classes and properties ----------------------------------------------------------------------

KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


def own_terms(g: Graph) -> list[URIRef]:
    return sorted(
        {s for k in KINDS for s in g.subjects(RDF.type, k) if str(s).startswith(str(POL))}
    )


def test_contract_terms_exist(onto: Graph) -> None:
    """Every class and property of ONTOLOGY.md and of the data model, with its OWL kind."""
    classes = [
        "PolicyDocument",
        "Section",
        "Measure",
        "Target",
        "Ministry",
        "RegionType",
        "Province",
        "IndustryClass",
        "PolicyInstrument",
        "InstrumentType",
        "Attribution",
        "Mention",
        "MacroRegion",
        "SpecialRegionType",
        "UrbanRegionType",
        "CompositeRegionType",
        "SpecialRegionMeasure",
    ]
    objects = [
        "issuedBy",
        "hasSection",
        "inDocument",
        "inSection",
        "hasTarget",
        "targetsRegion",
        "transfersFrom",
        "transfersTo",
        "concernsIndustry",
        "usesInstrument",
        "instrumentType",
        "ownedBy",
        "owns",
        "inRegion",
        "ofMeasure",
        "toMinistry",
        "hasAttribution",
        "inMeasure",
        "hasMention",
        "denotes",
        "leadIssuer",
        "hasMeasure",
        "comprises",
        "discoveredIn",
    ]
    datas = [
        "documentNumber",
        "targetYear",
        "actionVerb",
        "text",
        "beginOffset",
        "endOffset",
        "ordinal",
        "fullText",
        "sectionNumber",
        "addressee",
        "basis",
        "evidence",
        "mentionKind",
        "discovered",
        "extractorVersion",
        "ontologyVersion",
        "sourceSha256",
    ]
    for names, kind in ((classes, OWL.Class), (objects, OWL.ObjectProperty)):
        for name in names:
            assert (POL[name], RDF.type, kind) in onto, name
    for name in datas:
        assert (POL[name], RDF.type, OWL.DatatypeProperty) in onto, name
    for name in ("mandateKeyword", "typeKeyword"):
        assert (POL[name], RDF.type, OWL.AnnotationProperty) in onto, name
    assert (
        POL.PolicyDocument,
        RDFS.subClassOf,
        URIRef("http://data.europa.eu/eli/ontology#LegalResource"),
    ) in onto
    assert (
        POL.Ministry,
        RDFS.subClassOf,
        URIRef("http://www.w3.org/ns/org#FormalOrganization"),
    ) in onto
    assert (POL.leadIssuer, RDFS.subPropertyOf, POL.issuedBy) in onto
    assert (POL.hasAttribution, OWL.inverseOf, POL.ofMeasure) in onto
    assert (POL.hasMeasure, OWL.inverseOf, POL.inSection) in onto
    assert (POL.ownedBy, OWL.inverseOf, POL.owns) in onto


@pytest.mark.parametrize("prop", [RDFS.label, SKOS.prefLabel, SKOS.definition])
def test_every_term_is_described_in_chinese_and_english(onto: Graph, prop: URIRef) -> None:
    missing = [t for t in own_terms(onto) if not {"zh", "en"} <= set(langs(onto, t, prop))]
    assert not missing, f"{prop} missing in zh or en on {missing}"
    doubled = [
        t
        for t in own_terms(onto)
        if prop == SKOS.prefLabel and max(langs(onto, t, prop).values()) > 1
    ]
    assert not doubled, f"more than one prefLabel per language on {doubled}"


def test_every_property_has_domain_and_range(onto: Graph) -> None:
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for p in onto.subjects(RDF.type, kind):
            if str(p).startswith(str(POL)):
                assert onto.value(p, RDFS.domain) is not None, f"{p} has no rdfs:domain"
                assert onto.value(p, RDFS.range) is not None, f"{p} has no rdfs:range"


def test_text_ranges_are_plain_literals_and_years_integers(onto: Graph) -> None:
    plain = RDF.PlainLiteral
    for name in ("text", "fullText", "evidence", "addressee"):
        assert onto.value(POL[name], RDFS.range) == plain, name
    assert onto.value(POL.targetYear, RDFS.range) == XSD.integer
    forbidden = {XSD.gYear, XSD.date, XSD.gYearMonth}
    assert not [t for t in onto.triples((None, RDFS.range, None)) if t[2] in forbidden]


def test_disjointness(onto: Graph) -> None:
    """A measure is not a ministry, nor a section, nor any other kind of thing."""
    from rdflib.collection import Collection

    sets = [
        set(Collection(onto, onto.value(ax, OWL.members)))
        for ax in onto.subjects(RDF.type, OWL.AllDisjointClasses)
    ]
    main = {POL.Measure, POL.Ministry, POL.Section, POL.PolicyDocument, POL.RegionType}
    assert any(main <= s for s in sets)
    assert any({POL.MacroRegion, POL.SpecialRegionType, POL.CompositeRegionType} <= s for s in sets)


# --- Individuals: OWL 2 DL habits ----------------------------------------------------------------

SCHEMES = {
    POL.Ministry: POL.Ministries,
    POL.RegionType: POL.RegionTypes,
    POL.Province: POL.Provinces,
    POL.IndustryClass: POL.IndustryClasses,
    POL.PolicyInstrument: POL.Instruments,
    POL.InstrumentType: POL.InstrumentTypes,
}


def test_individuals_are_named_concepts_in_their_scheme(onto: Graph) -> None:
    for cls, scheme in SCHEMES.items():
        members = individuals(onto, cls)
        assert members, cls
        for s in members:
            types = set(onto.objects(s, RDF.type))
            assert {OWL.NamedIndividual, SKOS.Concept} <= types, s
            assert (s, SKOS.inScheme, scheme) in onto, s
            assert set(langs(onto, s, SKOS.prefLabel)) == {"zh", "en"}, s
            assert max(langs(onto, s, SKOS.prefLabel).values()) == 1, s


def test_no_punning(onto: Graph) -> None:
    """Individuals are never classes or properties (OWL 2 DL, ONTOLOGY.md)."""
    named = set(onto.subjects(RDF.type, OWL.NamedIndividual))
    for kind in KINDS:
        both = named & set(onto.subjects(RDF.type, kind))
        assert not both, f"{kind} and individual: {both}"


def test_labels_are_unique_and_not_too_short(onto: Graph) -> None:
    """Labels drive longest-match extraction: one surface form, one concept, no bare 中心."""
    owners: dict[str, set[URIRef]] = defaultdict(set)
    for cls in SCHEMES:
        for s in individuals(onto, cls):
            for p in (SKOS.prefLabel, SKOS.altLabel):
                for label in zh(onto, s, p):
                    owners[label].add(s)
    shared = {k: v for k, v in owners.items() if len(v) > 1}
    assert not shared, shared
    assert not [k for k in owners if len(k) < 2], "a one-character label would misfire"
    for generic in ("中心", "产业", "地区", "发展", "城市", "企业", "基地"):
        assert generic not in owners, generic


def test_document_codes_are_unique_and_only_on_departments(onto: Graph) -> None:
    """skos:hiddenLabel holds the codes document numbers begin with (发改, 商资): each names one
    department and is no visible label of anything."""
    owners: dict[str, set[URIRef]] = defaultdict(set)
    for s, o in onto.subject_objects(SKOS.hiddenLabel):
        owners[str(o)].add(s)
        assert (s, RDF.type, POL.Ministry) in onto, s
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}
    visible = {str(o) for p in (SKOS.prefLabel, SKOS.altLabel) for o in onto.objects(None, p)}
    assert not set(owners) & visible
    assert "发改" in zh(onto, MINISTRY.NDRC, SKOS.hiddenLabel)


def test_jointly_run_instruments_name_each_department(onto: Graph) -> None:
    catalogue = INSTRUMENT["encouraged-fdi-catalogue"]
    assert set(onto.objects(catalogue, POL.administeredBy)) == {MINISTRY.NDRC, MINISTRY.MOFCOM}
    for s, o in onto.subject_objects(POL.administeredBy):
        assert (s, RDF.type, POL.PolicyInstrument) in onto and (o, RDF.type, POL.Ministry) in onto
    for s, o in onto.subject_objects(POL.overseenBy):
        assert (s, RDF.type, POL.IndustryClass) in onto and (o, RDF.type, POL.Ministry) in onto


# --- Ministries ----------------------------------------------------------------------------------

SEED_ISSUERS = {
    "MIIT": ("工业和信息化部", {"工信部", "MIIT"}),
    "NDRC": ("国家发展和改革委员会", {"国家发展改革委", "发改委", "NDRC"}),
    "MOST": ("科学技术部", {"科技部", "MOST"}),
    "MOHRSS": ("人力资源和社会保障部", {"人社部", "人力资源社会保障部", "MOHRSS"}),
    "MEE": ("生态环境部", {"MEE"}),
    "MOT": ("交通运输部", {"MOT"}),
    "MOFCOM": ("商务部", {"MOFCOM"}),
    "PBOC": ("中国人民银行", {"人民银行", "央行", "PBOC"}),
    "GACC": ("海关总署", {"GACC"}),
    "SAMR": ("国家市场监督管理总局", {"市场监管总局", "SAMR"}),
}


@pytest.mark.parametrize("key", sorted(SEED_ISSUERS))
def test_issuers_have_official_names_and_abbreviations(onto: Graph, key: str) -> None:
    iri = MINISTRY[key]
    name, alts = SEED_ISSUERS[key]
    assert (iri, RDF.type, POL.Ministry) in onto
    assert zh(onto, iri) == {name}
    labels = {str(o) for o in onto.objects(iri, SKOS.altLabel)}
    assert alts <= labels, alts - labels


def test_other_co_issuing_departments(onto: Graph) -> None:
    ministries = individuals(onto, POL.Ministry)
    for key in ("MOF", "MNR", "NEA", "MOE", "MOHURD", "MARA", "SASAC", "STA", "NFRA", "CSRC"):
        assert MINISTRY[key] in ministries, key
    assert len(ministries) >= 25


GENERIC = {
    "发展",
    "产业",
    "建设",
    "推动",
    "支持",
    "企业",
    "政策",
    "地区",
    "制造业",
    "转移",
    "合作",
    "创新",
    "服务",
    "管理",
    "机制",
    "体系",
    "平台",
    "项目",
    "园区",
    "升级",
}


def test_mandate_keywords_are_specific(onto: Graph) -> None:
    owner: dict[str, set[URIRef]] = defaultdict(set)
    for m in individuals(onto, POL.Ministry):
        keywords = zh(onto, m, POL.mandateKeyword)
        assert len(keywords) >= 3, f"{m} needs mandate keywords"
        assert all(len(k) >= 2 for k in keywords), m
        assert not keywords & GENERIC, (m, keywords & GENERIC)
        for k in keywords:
            owner[k].add(m)
    shared = {k: v for k, v in owner.items() if len(v) > 1}
    assert not shared, f"a mandate keyword must point to one department: {shared}"


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("GACC", {"海关", "保税", "综合保税区"}),
        ("PBOC", {"金融", "信贷"}),
        ("MOHRSS", {"职业技能", "职业资格", "技能人才"}),
        ("MOFCOM", {"外商投资", "边境经济合作区", "加工贸易"}),
        ("MNR", {"用地"}),
    ],
)
def test_mandates_cover_the_remit(onto: Graph, key: str, words: set[str]) -> None:
    assert words <= zh(onto, MINISTRY[key], POL.mandateKeyword)


# --- Region types and provinces ------------------------------------------------------------------


def test_macro_regions_and_special_types(onto: Graph) -> None:
    macro = individuals(onto, POL.MacroRegion)
    assert macro == {REGION.eastern, REGION.central, REGION.western, REGION.northeast}
    for key in (
        "border-area",
        "old-revolutionary-base",
        "poverty-alleviated",
        "underdeveloped",
        "resource-based",
        "old-industrial-base",
    ):
        assert (REGION[key], RDF.type, POL.SpecialRegionType) in onto, key
    for key in (
        "central-city",
        "sub-central-city",
        "city-cluster",
        "megacity",
        "large-medium-city",
        "county-town",
    ):
        assert (REGION[key], RDF.type, POL.UrbanRegionType) in onto, key
    assert (REGION["poverty-alleviated"], SKOS.broader, REGION.underdeveloped) in onto
    assert {"老工业城市", "老工业基地"} <= zh(
        onto, REGION["old-industrial-base"], SKOS.altLabel
    ) | zh(onto, REGION["old-industrial-base"])


@pytest.mark.parametrize(
    ("key", "label", "members"),
    [
        ("central-western", "中西部", {"central", "western"}),
        ("central-western-northeast", "中西部和东北地区", {"central", "western", "northeast"}),
        ("eastern-central-western", "东中西部", {"eastern", "central", "western"}),
    ],
)
def test_composites_comprise_their_members(
    onto: Graph, key: str, label: str, members: set[str]
) -> None:
    iri = REGION[key]
    assert label in zh(onto, iri) | zh(onto, iri, SKOS.altLabel)
    assert (iri, RDF.type, POL.CompositeRegionType) in onto
    assert set(onto.objects(iri, POL.comprises)) == {REGION[m] for m in members}


def test_every_region_type_has_one_subclass_at_most(onto: Graph) -> None:
    subs = (
        POL.MacroRegion,
        POL.SpecialRegionType,
        POL.UrbanRegionType,
        POL.GeographicRegionType,
        POL.CompositeRegionType,
        POL.StrategicRegion,
    )
    for r in individuals(onto, POL.RegionType):
        assert sum((r, RDF.type, c) in onto for c in subs) <= 1, r


def test_broader_has_no_cycles(onto: Graph) -> None:
    for s in {s for s, _ in onto.subject_objects(SKOS.broader)}:
        seen: set[URIRef] = set()
        todo = list(onto.objects(s, SKOS.broader))
        while todo:
            x = todo.pop()
            assert x != s, f"skos:broader cycle through {s}"
            if x not in seen:
                seen.add(x)
                todo.extend(onto.objects(x, SKOS.broader))


def test_provinces(onto: Graph) -> None:
    provinces = individuals(onto, POL.Province)
    assert len(provinces) == 31
    counts = Counter(
        r
        for p in provinces
        for r in onto.objects(p, POL.inRegion)
        if (r, RDF.type, POL.MacroRegion) in onto
    )
    assert counts == {
        REGION.eastern: 10,
        REGION.central: 6,
        REGION.western: 12,
        REGION.northeast: 3,
    }
    codes = [str(onto.value(p, SKOS.notation)) for p in provinces]
    assert len(set(codes)) == 31 and all(re.fullmatch(r"CN-[A-Z]{2}", c) for c in codes)
    border = {p for p in provinces if (p, POL.inRegion, REGION["border-area"]) in onto}
    assert {str(p).rsplit("/", 1)[-1] for p in border} == {
        "liaoning",
        "jilin",
        "heilongjiang",
        "inner-mongolia",
        "gansu",
        "xinjiang",
        "xizang",
        "yunnan",
        "guangxi",
    }
    assert str(onto.value(PROVINCE.yunnan, SKOS.notation)) == "CN-YN"
    assert "内蒙古" in zh(onto, PROVINCE["inner-mongolia"], SKOS.altLabel)


# --- Industries, instruments, instrument types ---------------------------------------------------


def test_energy_intensive_industries_with_gbt_codes(onto: Graph) -> None:
    energy = INDUSTRY["energy-intensive"]
    assert {"高载能行业", "高耗能行业"} <= zh(onto, energy) | zh(onto, energy, SKOS.altLabel)
    codes = {
        str(onto.value(s, SKOS.notation))
        for s in onto.subjects(SKOS.broader, energy)
        if onto.value(s, SKOS.notation) is not None
    }
    assert codes == {"C25", "C26", "C30", "C31", "C32", "D44"}


def broader_closure(g: Graph, s: URIRef) -> set[URIRef]:
    found: set[URIRef] = set()
    todo = list(g.objects(s, SKOS.broader))
    while todo:
        x = todo.pop()
        if x not in found:
            found.add(x)
            todo.extend(g.objects(x, SKOS.broader))
    return found


def test_industry_hierarchy(onto: Graph) -> None:
    for key in (
        "labour-intensive",
        "technology-intensive",
        "capital-intensive",
        "advanced-manufacturing",
        "high-tech",
        "producer-services",
        "energy-chemical",
        "agri-processing",
        "processing-trade",
    ):
        assert (INDUSTRY[key], RDF.type, POL.IndustryClass) in onto, key
    for member in ("new-materials", "biotechnology", "next-generation-it", "high-end-equipment"):
        assert (INDUSTRY[member], SKOS.broader, INDUSTRY["strategic-emerging"]) in onto
    for service in ("software-development", "information-services", "industrial-design"):
        assert INDUSTRY["producer-services"] in broader_closure(onto, INDUSTRY[service]), service
    assert {"劳动密集型产业", "劳动密集型行业"} <= zh(onto, INDUSTRY["labour-intensive"]) | zh(
        onto, INDUSTRY["labour-intensive"], SKOS.altLabel
    )


def test_instrument_types(onto: Graph) -> None:
    tops = {ITYPE["supply-side"], ITYPE["demand-side"], ITYPE.environmental}
    subs = {
        "supply-side": {
            "funding",
            "talent",
            "technical-support",
            "public-services",
            "infrastructure",
        },
        "demand-side": {
            "public-procurement",
            "service-outsourcing",
            "trade-control",
            "overseas-exchange",
            "demonstration",
        },
        "environmental": {
            "goal-planning",
            "financial-support",
            "tax-incentive",
            "regulation",
            "strategic-measures",
        },
    }
    for top, members in subs.items():
        found = {str(s).rsplit("/", 1)[-1] for s in onto.subjects(SKOS.broader, ITYPE[top])}
        assert members <= found, members - found
    for t in individuals(onto, POL.InstrumentType):
        assert {"zh", "en"} <= set(langs(onto, t, SKOS.definition)), t
        if t not in tops:
            assert zh(onto, t, POL.typeKeyword), f"{t} needs type keywords"
    assert "基金" in zh(onto, ITYPE.funding, POL.typeKeyword)
    assert "负面清单" in zh(onto, ITYPE.regulation, POL.typeKeyword)
    assert "试点" in zh(onto, ITYPE.demonstration, POL.typeKeyword)


def test_instruments_are_typed(onto: Graph) -> None:
    for i in individuals(onto, POL.PolicyInstrument):
        types = list(onto.objects(i, POL.instrumentType))
        assert len(types) == 1 and (types[0], RDF.type, POL.InstrumentType) in onto, i
    for key, itype in (
        ("negative-list", "regulation"),
        ("industrial-transfer-fund", "funding"),
        ("comprehensive-bonded-zone", "trade-control"),
        ("industry-transfer-guidance-catalogue", "goal-planning"),
    ):
        assert (INSTRUMENT[key], POL.instrumentType, ITYPE[itype]) in onto, key


# --- Sources ------------------------------------------------------------------------------------


def test_outside_facts_carry_sources(onto: Graph) -> None:
    for s in onto.subjects(SKOS.notation, None):
        if (s, RDF.type, OWL.NamedIndividual) in onto:
            assert onto.value(s, DCTERMS.source) is not None, f"{s} has a code but no source"
    for s in individuals(onto, POL.MacroRegion) | individuals(onto, POL.Ministry):
        assert onto.value(s, DCTERMS.source) is not None, s
    text = README.read_text(encoding="utf-8")
    for source in ("GB/T 4754-2017", "ISO 3166-2:CN", "东西中部和东北地区划分方法", "Rothwell"):
        assert source in text, f"ontology/README.md should list {source}"
