"""RDF namespaces of policykg: the ontology's terms (``POL``) and the individuals' prefixes.

``POL`` mirrors every term that ``ontology/policykg.ttl`` defines in the ``pol:`` namespace, so a
typo such as ``POL.Mesure`` raises instead of minting a new IRI (``_fail = True``); a test
checks the mirror against the ontology both ways. The individual namespaces use the default
base ``https://w3id.org/policykg/id/``; a deployment that configures another base mints its
own IRIs from the setting and uses these only for the ontology's curated individuals.
"""

from __future__ import annotations

from rdflib import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD, URIRef
from rdflib.namespace import DefinedNamespace, Namespace

ONTOLOGY_IRI = "https://w3id.org/policykg/ontology"
"""The ontology's IRI (its version IRI is read from the file: ``graph.ontology.version_iri``)."""


class POL(DefinedNamespace):
    """Policy ontology terms (mirror of ontology/policykg.ttl)."""

    _NS = Namespace("https://w3id.org/policykg/ontology#")
    _fail = True  # a typo such as POL.Mesure raises instead of minting a new IRI

    # Classes
    Attribution: URIRef  # Why a measure belongs to a department: an explicit mention in the
    CompositeRegionType: URIRef  # A region type that names several others at once (中西部 = the
    DiscoveredConcept: URIRef  # A concept the extractor found in a document and the ontology
    GeographicRegionType: URIRef  # A kind of region by location: coastal, inland, along the
    IndustryClass: URIRef  # A kind of industry a policy names (labour-intensive industries,
    InstrumentType: URIRef  # A category of instrument: Rothwell and Zegveld's supply-side,
    MacroRegion: URIRef  # One of the four economic regions of the National Bureau of
    Measure: URIRef  # One commitment of a document: a sentence or clause that says who should
    Issuance: URIRef  # One department's place in a document's list of issuers.
    Mention: URIRef  # A stretch of a measure's text that names a concept of the ontology (or a
    Ministry: URIRef  # A State Council department that issues or carries out policy: a ministry
    PolicyDocument: URIRef  # One issued policy document (an opinion, notice, plan or measures),
    PolicyInstrument: URIRef  # A concrete tool a measure uses (an industrial transfer fund, a
    Province: URIRef  # One of the 31 provincial-level divisions of mainland China (provinces,
    RegionType: URIRef  # A kind of region a policy addresses (the eastern region, border areas,
    Section: URIRef  # A numbered part of a document's body (一、二、三 …), with its heading and …
    SpecialRegionMeasure: URIRef  # A measure that targets at least one special region type (a
    SpecialRegionType: URIRef  # A kind of region given dedicated support because of its
    StrategicRegion: URIRef  # A region of a national regional strategy (Jing-Jin-Ji, Yangtze …
    Target: URIRef  # A goal the document states, with the year it is due (到2025年 …).
    TransferMeasure: URIRef  # A measure that says where industry moves from or to (a defined
    UrbanMeasure: URIRef  # A measure that targets at least one urban region type (a defined …
    UrbanRegionType: URIRef  # A kind of city or town by size, function or rank: central cities,

    # Object properties
    administeredBy: URIRef  # A department that makes, issues or runs the instrument.
    administers: URIRef  # An instrument the department runs; the inverse of pol:administeredBy.
    comprisedIn: URIRef  # A composite region type that names this one; the inverse of
    comprises: URIRef  # A region type that the composite names (中西部 → the central and the
    concernsIndustry: URIRef  # An industry class the measure is about.
    concernsRegion: URIRef  # A region type a measure involves in any role (addressed, source or
    denotes: URIRef  # A concept the mention names; a mention of a composite region type denotes
    discoveredIn: URIRef  # A document in which the extractor discovered the concept.
    hasAttribution: URIRef  # An attribution that explains an ownership of the measure; the
    hasMeasure: URIRef  # A measure (or target) in the section; the inverse of pol:inSection.
    hasMention: URIRef  # A mention in the measure's text; the inverse of pol:inMeasure.
    hasPart: URIRef  # A section, measure or target of the document; the inverse of pol:inDocument.
    hasProvince: URIRef  # A provincial-level division of the region type; the inverse of
    hasSection: URIRef  # A numbered section of the document's body.
    hasTarget: URIRef  # A target the document states.
    inDocument: URIRef  # The document a section, measure or target belongs to.
    industryConcernedBy: URIRef  # A measure about the industry class; the inverse of
    inMeasure: URIRef  # The measure whose text holds the mention.
    inRegion: URIRef  # A region type the provincial-level division belongs to: its macro
    inSection: URIRef  # The section a measure or target is in.
    instrumentType: URIRef  # The type of a policy instrument (the most specific sub-category).
    instrumentUsedBy: URIRef  # A measure that uses the instrument; the inverse of
    issued: URIRef  # A document the department issued or co-issued; the inverse of pol:issuedBy.
    issuedBy: URIRef  # A department that issued the document, in the order the document lists …
    hasIssuance: URIRef  # One entry of the document's list of issuers.
    issuer: URIRef  # The department of an issuance.
    leadIssuer: URIRef  # The first issuer the document lists, the lead department; the prefix
    ofMeasure: URIRef  # The measure the attribution is about.
    oversees: URIRef  # An industry class the department manages; the inverse of pol:overseenBy.
    overseenBy: URIRef  # The department that manages the industry (narrower classes inherit it).
    ownedBy: URIRef  # A department responsible for the measure; every ownership has a
    owns: URIRef  # A measure the department is responsible for; the inverse of pol:ownedBy.
    remitCovers: URIRef  # An instrument or industry class within the department's remit.
    targetedBy: URIRef  # A measure that addresses the region type; the inverse of
    targetsRegion: URIRef  # A region type the measure addresses; composites are expanded (中西部 →
    toMinistry: URIRef  # The department the attribution gives the measure to.
    transfersFrom: URIRef  # For a transfer measure: the region type industry moves from.
    transfersTo: URIRef  # For a transfer measure: the region type industry moves to.
    typeOfInstrument: URIRef  # An instrument of this type; the inverse of pol:instrumentType.
    usesInstrument: URIRef  # A concrete instrument the measure uses.
    withinRemitOf: URIRef  # A department whose remit covers the concept (instrument or industry).

    # Data properties
    actionVerb: URIRef  # The leading policy verb of the measure (引导, 支持, 鼓励, 推动, 严格 …).
    addressee: URIRef  # Whom the document is addressed to (主送), as written.
    basis: URIRef  # Why the measure is the department's: "explicit" (the text names it),
    beginOffset: URIRef  # Where the text starts in the document's full text (Unicode code
    discovered: URIRef  # True when the extractor found the concept in a text and the ontology
    documentNumber: URIRef  # The document number (文号), e.g. 工信部联政法〔2021〕215号.
    endOffset: URIRef  # Where the text ends in the document's full text (Unicode code points,
    evidence: URIRef  # The words that show the attribution (the department name or keyword
    extractorVersion: URIRef  # The version of the extractor that produced the graph.
    fullText: URIRef  # The document's whole text (@zh); every offset counts code points into it.
    mentionKind: URIRef  # What kind of concept the mention names: region, industry, instrument
    ontologyVersion: URIRef  # The version IRI of the ontology the extraction used.
    ordinal: URIRef  # The position within the parent, counted from 1.
    sectionNumber: URIRef  # The section's numeral as written (e.g. 三).
    sourceSha256: URIRef  # The SHA-256 digest of the source file's bytes (64 hex digits).
    targetYear: URIRef  # The year the target is due, as an integer (xsd:gYear is not an OWL 2
    text: URIRef  # The exact source text (@zh), equal to fullText[begin:end] of its document.

    # Annotation properties
    mandateKeyword: URIRef  # A word of the department's remit (@zh); a measure whose text
    typeKeyword: URIRef  # A word (@zh) that suggests this type for an instrument the ontology

    # Concept schemes
    IndustryClasses: URIRef  # The kinds of industry industrial policy names.
    Instruments: URIRef  # Concrete instruments industrial policy uses.
    InstrumentTypes: URIRef  # Rothwell and Zegveld's classification of policy instruments and
    Ministries: URIRef  # State Council departments that issue or carry out industrial policy.
    Provinces: URIRef  # The 31 provincial-level divisions of mainland China.
    RegionTypes: URIRef  # The kinds of region industrial policy addresses.


ORG = Namespace("http://www.w3.org/ns/org#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
VANN = Namespace("http://purl.org/vocab/vann/")

POLID = Namespace("https://w3id.org/policykg/id/")
MINISTRY = Namespace("https://w3id.org/policykg/id/ministry/")
REGION = Namespace("https://w3id.org/policykg/id/region/")
PROVINCE = Namespace("https://w3id.org/policykg/id/province/")
INDUSTRY = Namespace("https://w3id.org/policykg/id/industry/")
INSTRUMENT = Namespace("https://w3id.org/policykg/id/instrument/")
ITYPE = Namespace("https://w3id.org/policykg/id/itype/")
DOC = Namespace("https://w3id.org/policykg/id/doc/")

PREFIXES: dict[str, str] = {
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "org": str(ORG),
    "eli": str(ELI),
    "vann": str(VANN),
    "pol": str(POL),
    "polid": str(POLID),
    "ministry": str(MINISTRY),
    "region": str(REGION),
    "province": str(PROVINCE),
    "industry": str(INDUSTRY),
    "instrument": str(INSTRUMENT),
    "itype": str(ITYPE),
    "doc": str(DOC),
}
"""Every prefix that queries and serialisations use, prefix → namespace IRI."""
