"""The vocabulary the extractor recognises, as plain data.

``graph.lexicon.build_lexicon`` fills these records from the OWL ontology (prefLabels,
altLabels, mandate keywords, document-number codes, remits, composites, broader links), so the
ontology stays the single
source of truth: the loaders never hold a word of the domain themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ConceptKind = Literal["region", "industry", "instrument", "ministry", "province", "itype"]


@dataclass(frozen=True, slots=True)
class Concept:
    """One individual of the ontology, with every surface form the text may use for it."""

    iri: str
    kind: ConceptKind
    label: str  # the zh prefLabel
    labels: tuple[str, ...] = ()  # every zh/en pref and alt label, for matching
    broader: tuple[str, ...] = ()
    members: tuple[str, ...] = ()  # a composite region type expands to these (中西部 → 中部, 西部)
    mandate_keywords: tuple[str, ...] = ()  # ministries only
    instrument_type: str | None = None  # instruments only
    regions: tuple[str, ...] = ()  # provinces only: the region types they are in
    document_codes: tuple[str, ...] = ()
    """Ministries only: issuing-office codes their document numbers begin with (skos:hiddenLabel,
    发改地区〔2023〕729号 → 发改); used to find a document's lead issuer, never in running text."""
    remit: tuple[str, ...] = ()
    """Instruments and industries: the ministries whose remit covers them (pol:administeredBy,
    pol:overseenBy; an industry without its own inherits none here, see ``broader``)."""


@dataclass(frozen=True, slots=True)
class Lexicon:
    """All concepts by IRI, plus the version of the ontology they came from."""

    concepts: dict[str, Concept] = field(default_factory=dict)
    ontology_version: str = ""
    id_base: str = "https://w3id.org/policykg/id/"
    """Base of individual IRIs; discovered concepts are minted under it."""
    instrument_type_hints: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """itype IRI → words that suggest it (the ontology's pol:typeKeyword)."""

    def of_kind(self, kind: ConceptKind) -> list[Concept]:
        """The concepts of one kind, in IRI order so results are deterministic."""
        return sorted((c for c in self.concepts.values() if c.kind == kind), key=lambda c: c.iri)
