"""Plain records that the loaders hand to ``graph/``.

Everything here is immutable data with no RDF library behind it: ``graph.build`` turns a
:class:`DocumentRecord` into quads, the tests compare records directly. Offsets are Unicode
code points into :attr:`DocumentRecord.full_text`, end-exclusive (Python slicing), so that
``record.full_text[m.begin:m.end] == m.text`` holds for every span.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

MentionKind = Literal["region", "industry", "instrument", "ministry"]
AttributionBasis = Literal["explicit", "mandate", "lead"]


@dataclass(frozen=True, slots=True)
class Mention:
    """A stretch of text that names a concept of the lexicon (or a discovered one).

    ``concepts`` holds more than one IRI when the words name a composite that expands
    (中西部 → the central and the western region).
    """

    kind: MentionKind
    begin: int
    end: int
    text: str
    concepts: tuple[str, ...]
    discovered: bool = False


@dataclass(frozen=True, slots=True)
class Attribution:
    """Why a measure belongs to a department: the basis and the words that show it."""

    ministry: str
    basis: AttributionBasis
    evidence: str
    begin: int | None = None
    end: int | None = None


@dataclass(frozen=True, slots=True)
class DiscoveredConcept:
    """An instrument or industry class the ontology does not know yet, found by genre rules."""

    iri: str
    kind: Literal["instrument", "industry"]
    label: str
    instrument_type: str | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """A stated goal with its year (到2025年 …)."""

    ordinal: int
    section: int
    year: int
    begin: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Measure:
    """One commitment: a sentence, or a clause of a sentence joined by ；."""

    ordinal: int  # 1-based position in the whole document
    section: int  # ordinal of the section it belongs to
    begin: int
    end: int
    text: str
    verb: str | None = None
    mentions: tuple[Mention, ...] = ()
    regions: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    ministries: tuple[str, ...] = ()  # departments named in the text
    owners: tuple[Attribution, ...] = ()
    transfers_from: tuple[str, ...] = ()
    transfers_to: tuple[str, ...] = ()
    subsection: str | None = None  # the label of a nested heading such as （一）, when present


@dataclass(frozen=True, slots=True)
class Section:
    """A numbered part of the body (一、二、…), with its heading and its whole span."""

    ordinal: int
    number: str  # the numeral as written, e.g. "三"
    title: str
    begin: int
    end: int
    text: str
    title_begin: int = 0
    title_end: int = 0


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """Everything the loader found in one document."""

    slug: str
    title: str
    full_text: str
    number: str | None = None  # 文号, e.g. 工信部联政法〔2021〕215号
    issuers: tuple[str, ...] = ()  # ministry IRIs in the order the document lists them
    addressees: str | None = None  # 主送
    issued: str | None = None  # ISO date, when the text gives one
    preface: tuple[int, int] | None = None  # span of a 导读 when present
    sections: tuple[Section, ...] = ()
    measures: tuple[Measure, ...] = ()
    targets: tuple[Target, ...] = ()
    discovered: tuple[DiscoveredConcept, ...] = ()
    source: str | None = None  # file name or URL the text came from
    media_type: str = "text/plain"
    sha256: str = ""
    extractor_version: str = ""
    notes: tuple[str, ...] = field(default=())
