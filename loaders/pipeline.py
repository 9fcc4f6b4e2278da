"""One document in, one :class:`~loaders.records.DocumentRecord` out: read, parse, extract.

The steps, each in its own module: :mod:`~loaders.reading` (bytes → text),
:mod:`~loaders.normalize` (the view the rules read), :mod:`~loaders.structure` (header and
numbered parts), :mod:`~loaders.measures` (commitments, verbs, targets),
:mod:`~loaders.matching` and :mod:`~loaders.entities` (mentions), :mod:`~loaders.transfer`
and :mod:`~loaders.attribution`. Every span is mapped back to the stored text here, once.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import re
from dataclasses import replace
from pathlib import Path

from loaders import genre
from loaders.attribution import attribute
from loaders.entities import (
    STOP_VERB_RE,
    Discovery,
    abbreviation_hits,
    discover,
    quoted_terms,
    short_form_hits,
)
from loaders.errors import LoaderError
from loaders.extend import (
    extend_industries,
    extend_instruments,
    join_adjacent_industries,
    latin_abbreviation,
    policy_suffix,
)
from loaders.lexicon import Lexicon
from loaders.lists import list_items
from loaders.matching import Hit, Matcher, matcher_for
from loaders.measures import MeasureSpan, NoteSpan, extract_spans
from loaders.normalize import TextView, make_view
from loaders.reading import SourceText, read_text
from loaders.records import (
    Attribution,
    DiscoveredConcept,
    DocumentRecord,
    Measure,
    Mention,
    Section,
    Target,
)
from loaders.structure import Layout, parse_layout
from loaders.transfer import transfer_directions

log = logging.getLogger(__name__)

EXTRACTOR_VERSION = "0.1.0"

_SEPARATORS = set("、，,和及与暨 \u3000")


def load_document(
    source: Path | bytes | str,
    lexicon: Lexicon,
    *,
    name: str | None = None,
    media_type: str | None = None,
) -> DocumentRecord:
    """Read a policy document and extract its structure, measures, mentions and owners.

    Args:
        source: a path, the raw bytes, or the text itself (a ``str`` is text, not a path).
        lexicon: the vocabulary built from the ontology (``graph.lexicon.build_lexicon``).
        name: the file name when ``source`` is bytes or text (messages, ``dcterms:source``).
        media_type: force the format instead of detecting it from the content.

    Returns:
        The record; every span satisfies ``full_text[begin:end] == text``.

    Raises:
        LoaderError: the input is empty, binary, undecodable, or has no recognisable
            structure or measures; nothing is returned in that case.
    """
    read = read_text(source, name=name, media_type=media_type)
    try:
        return extract_record(read, lexicon)
    except LoaderError as exc:
        if isinstance(source, str) and _looks_like_path(source):
            raise LoaderError(
                f"{exc}; a str is read as the document's text: to load the file "
                f"{source!r}, pass pathlib.Path({source!r})"
            ) from None
        raise


def _looks_like_path(text: str) -> bool:
    if "\n" in text or len(text) > 400:
        return False
    try:
        return Path(text).is_file()
    except (OSError, ValueError):
        return False


def extract_record(read: SourceText, lexicon: Lexicon) -> DocumentRecord:
    """The extraction steps after reading (see :func:`load_document`).

    Raises:
        LoaderError: no recognisable structure or measures.
    """
    label = read.name or "document"
    view = make_view(read.text)
    if not re.search(r"[\u4e00-\u9fff]", view.text):
        raise LoaderError(
            "the text holds no Chinese characters; give a Chinese policy document "
            "(traditional-script pages are not supported either)", source=label, line=1,
        )
    matcher = matcher_for(lexicon)
    layout = parse_layout(view)
    ministry_hits = matcher.find(view.text, "ministry")
    masked = bytearray(len(view.text))
    for hit in ministry_hits:
        masked[hit.begin:hit.end] = b"\x01" * (hit.end - hit.begin)
    spans, targets, notes = extract_spans(view.text, layout, masked)
    if not spans:
        where = layout.lines[layout.body_start_line].begin if layout.lines and \
            layout.body_start_line < len(layout.lines) else 0
        raise LoaderError(
            "no policy measures found: no sentence of the body commits anyone to act (no "
            "policy verb such as 支持/推动/鼓励 and no 要/应 in numbered parts 一、二、… or in "
            "the text); give a policy document of the genre",
            source=label, line=view.line_of(where) if view.text else 1,
        )
    issuers, lead_evidence, issuer_notes = _issuers(view, layout, ministry_hits, matcher)
    body_hits, discoveries = _body_mentions(view, matcher, lexicon,
                                            [(s.begin, s.end) for s in spans],
                                            layout.title_span[1] if layout.title_span else 0)
    all_hits = sorted(body_hits + [d.hit for d in discoveries], key=lambda h: (h.begin, h.end))
    keyword_hits = matcher.keywords(view.text)
    note_owners = _note_hits(notes, ministry_hits)
    sections = _sections(view, layout)
    within = _Within(all_hits), _Within(ministry_hits), _Within(keyword_hits)
    measures = [
        _measure(view, ordinal, span, *(w.between(span.begin, span.end) for w in within),
                 note_owners.get(span.item_key, []), issuers, lead_evidence, matcher)
        for ordinal, span in enumerate(spans, start=1)
    ]
    target_records = []
    for ordinal, t in enumerate(targets, start=1):
        b, e = view.span(t.begin, t.end)
        target_records.append(Target(ordinal, t.section, t.year, b, e, read.text[b:e]))
    discovered = {}
    for d in discoveries:
        discovered.setdefault(d.iri, DiscoveredConcept(d.iri, d.kind, d.label,  # type: ignore[arg-type]
                                                       d.instrument_type))
    notes_out = [*layout.notes, *issuer_notes]
    if layout.implicit_section:
        notes_out.append("no numbered parts (一、…); the body is read as one section")
    record = DocumentRecord(
        slug=_slug(layout),
        title=_title_text(view, layout),
        full_text=read.text,
        number=_number_text(layout),
        issuers=issuers,
        addressees=_source_slice(view, layout.addressee_span),
        issued=layout.issued,
        preface=view.span(*layout.preface_span) if layout.preface_span else None,
        sections=tuple(sections),
        measures=tuple(measures),
        targets=tuple(target_records),
        discovered=tuple(discovered.values()),
        source=read.name,
        media_type=read.media_type,
        sha256=read.sha256,
        extractor_version=EXTRACTOR_VERSION,
        notes=tuple(notes_out),
    )
    log.debug("%s: %d sections, %d measures, %d targets", label, len(sections), len(measures),
              len(target_records))
    return record


class _Within:
    """Hits sorted by start, with a fast look-up of those inside a span."""

    def __init__(self, hits: list[Hit]) -> None:
        self.hits = sorted(hits, key=lambda h: (h.begin, h.end))
        self.starts = [h.begin for h in self.hits]

    def between(self, begin: int, end: int) -> list[Hit]:
        lo = bisect.bisect_left(self.starts, begin)
        hi = bisect.bisect_left(self.starts, end, lo)
        return [h for h in self.hits[lo:hi] if h.end <= end]


def _title_text(view: TextView, layout: Layout) -> str:
    """The title as the source writes it, with word spacing kept and letter spacing dropped.

    "国家发展改革委 工业和信息化部 …关于…" keeps the spaces between the departments' names;
    a title set in spread letters ("关 于 …") or wrapped over two lines is joined.
    """
    if layout.title_span is None:
        return layout.title
    b, e = view.span(*layout.title_span)
    parts = []
    for line in view.source[b:e].split("\n"):
        tokens = line.split()
        spaced = len(tokens) > 1 and sum(map(len, tokens)) / len(tokens) >= 4
        parts.append((" " if spaced else "").join(tokens))
    joined = "".join(parts)
    if make_view(joined).text.replace(" ", "") == layout.title.replace(" ", ""):
        return joined
    return layout.title


def _source_slice(view: TextView, span: tuple[int, int] | None) -> str | None:
    if span is None:
        return None
    b, e = view.span(*span)
    return view.source[b:e].strip() or None


def _number_text(layout: Layout) -> str | None:
    """The 文号 in canonical form (ASCII digits, 〔〕 brackets, no spaces)."""
    if not layout.number or layout.number_year is None:
        return None
    return f"{layout.number_prefix}〔{layout.number_year}〕{layout.number_serial}号"


def _slug(layout: Layout) -> str:
    """Deterministic ASCII slug: ``<year>-<serial>-<hash>`` from the 文号, else ``t-<hash>``."""
    number = _number_text(layout)
    if number:
        digest = hashlib.sha1(number.encode("utf-8")).hexdigest()[:6]
        return f"{layout.number_year}-{layout.number_serial}-{digest}"
    digest = hashlib.sha1((layout.title or "").encode("utf-8")).hexdigest()[:10]
    return f"t-{digest}"


def _sections(view: TextView, layout: Layout) -> list[Section]:
    out = []
    if layout.implicit_section:
        body = [line for line in layout.lines if line.index >= layout.body_start_line]
        if body:
            b, e = view.span(body[0].begin, body[-1].end)
            out.append(Section(1, "", "", b, e, view.source[b:e], b, b))
        return out
    for s in layout.sections:
        b, e = view.span(s.begin, s.end)
        tb, te = view.span(s.title_begin, s.title_end) if s.title_end > s.title_begin else (b, b)
        out.append(Section(s.ordinal, s.number, s.title, b, e, view.source[b:e], tb, te))
    return out


def _mentions(view: TextView, matcher: Matcher, title_end: int) -> list[Hit]:
    """Lexicon, abbreviation and short-form mentions of the whole view (filtered later)."""
    hits = matcher.find_all(view.text)
    hits.extend(abbreviation_hits(view.text, hits))
    hits.sort(key=lambda h: (h.begin, h.end))
    hits.extend(short_form_hits(view.text, hits, matcher.forms("instrument"), title_end))
    hits.sort(key=lambda h: (h.begin, h.end))
    return hits


def _body_mentions(
    view: TextView, matcher: Matcher, lexicon: Lexicon, spans: list[tuple[int, int]],
    title_end: int,
) -> tuple[list[Hit], list[Discovery]]:
    """Known mentions (some widened to the whole phrase) and discovered ones, in that order:
    lexicon; abbreviations and short forms; narrowed and compounded names; noun phrases with a
    genre head; quoted coinages; members of industry lists; tools named as policies."""
    text = view.text
    hits = _mentions(view, matcher, title_end)
    verb_ends = {m.end() for m in STOP_VERB_RE.finditer(text)}
    hits = join_adjacent_industries(text, extend_industries(text, hits, verb_ends))
    hits, found = extend_instruments(text, hits, matcher, lexicon.id_base, verb_ends)
    phrases, superseded = discover(text, spans, hits + [d.hit for d in found], matcher,
                                   lexicon.id_base)
    gone = {id(h) for h in superseded}
    found = [d for d in found if id(d.hit) not in gone] + phrases
    hits = [h for h in hits if id(h) not in gone]
    found += quoted_terms(text, spans, hits + [d.hit for d in found], matcher, lexicon.id_base)
    listed, widened = list_items(text, spans, hits + [d.hit for d in found], lexicon.id_base)
    hits = [widened.get((h.begin, h.end), h) for h in hits]
    found = [replace(d, hit=widened.get((d.hit.begin, d.hit.end), d.hit)) for d in found]
    found += listed
    hits = latin_abbreviation(text, policy_suffix(text, hits))
    suffixed = latin_abbreviation(text, policy_suffix(text, [d.hit for d in found]))
    found = [replace(d, hit=h) for d, h in zip(found, suffixed, strict=True)]
    return hits, found


def _note_hits(notes: list[NoteSpan], ministry_hits: list[Hit]) -> dict[int, list[Hit]]:
    out: dict[int, list[Hit]] = {}
    for note in notes:
        inside = [h for h in ministry_hits if note.begin <= h.begin and h.end <= note.end]
        out.setdefault(note.item_key, []).extend(inside)
    return out


def _measure(
    view: TextView,
    ordinal: int,
    span: MeasureSpan,
    hits: list[Hit],
    ministry_hits: list[Hit],
    keyword_hits: list[Hit],
    note_hits: list[Hit],
    issuers: tuple[str, ...],
    lead_evidence: tuple[str, int | None, int | None] | None,
    matcher: Matcher,
) -> Measure:
    source = view.source
    inside = hits
    mentions = []
    for hit in inside:
        b, e = view.span(hit.begin, hit.end)
        mentions.append(Mention(hit.kind, b, e, source[b:e], hit.concepts,  # type: ignore[arg-type]
                                discovered=any("/d-" in c for c in hit.concepts)))

    def iris(kind: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for h in inside if h.kind == kind for c in h.concepts))

    owners = []
    sectors = [Hit("remit", h.begin, h.end, h.form, remit) for h in inside if h.kind == "industry"
               for remit in [tuple(dict.fromkeys(m for c in h.concepts
                                                 for m in matcher.industry_remit(c)))] if remit]
    for owner in attribute(view.text, span.begin, span.end, ministry_hits, keyword_hits,
                           note_hits, issuers, lead_evidence, sectors):
        if owner.begin is not None and owner.end is not None and owner.basis != "lead":
            b, e = view.span(owner.begin, owner.end)
            owners.append(Attribution(owner.ministry, owner.basis, source[b:e], b, e))  # type: ignore[arg-type]
        else:
            owners.append(Attribution(owner.ministry, owner.basis, owner.evidence,  # type: ignore[arg-type]
                                      owner.begin, owner.end))
    sources, targets = transfer_directions(view.text, span.begin, span.end, inside)
    b, e = view.span(span.begin, span.end)
    return Measure(
        ordinal=ordinal,
        section=span.section,
        begin=b,
        end=e,
        text=source[b:e],
        verb=span.verb,
        mentions=tuple(mentions),
        regions=iris("region"),
        industries=iris("industry"),
        instruments=iris("instrument"),
        ministries=iris("ministry"),
        owners=tuple(owners),
        transfers_from=sources,
        transfers_to=targets,
        subsection=span.item,
    )


def _past_office(text: str) -> str:
    """``text`` without a leading department office (办公厅 …): a notice of a department's
    general office is the department's own ("国家发展改革委办公厅 工业和信息化部办公厅关于…")."""
    found = genre.OFFICE_SUFFIX_RE.match(text)
    return text[found.end():] if found else text


def _issuers(
    view: TextView, layout: Layout, ministry_hits: list[Hit], matcher: Matcher
) -> tuple[tuple[str, ...], tuple[str, int | None, int | None] | None, list[str]]:
    """Issuing departments in the order the document lists them, and the lead's words.

    Sources: a dated signature block; a header list ("A、B、C等十部门联合印发"); departments
    (or their general offices) opening the title ("商务部等5部门关于…"); the 文号's prefix, by
    a department's name or its code (工信部联政法 → 工信部, 发改地区 → 发改, ontology
    ``skos:hiddenLabel``).
    """
    text = view.text
    notes: list[str] = []
    header_end = layout.header_end
    candidates: list[list[Hit]] = []
    if layout.signature_lines:
        sig = [h for h in ministry_hits
               if any(line.begin <= h.begin and h.end <= line.end
                      for line in layout.signature_lines)]
        if sig:
            candidates.append(sig)
    header_hits = [h for h in ministry_hits if h.end <= header_end]
    runs: list[list[Hit]] = []
    current: list[Hit] = []
    for hit in header_hits:
        between = _past_office(text[current[-1].end:hit.begin]) if current else ""
        if current and all(c in _SEPARATORS for c in between):
            current.append(hit)
        else:
            if current:
                runs.append(current)
            current = [hit]
    if current:
        runs.append(current)
    count_claim: int | None = None
    for run in runs:
        after = _past_office(text[run[-1].end: run[-1].end + 20])
        if genre.ISSUE_VERB_RE.match(after) or genre.COUNT_OF_ISSUERS_RE.match(after) or \
                after.startswith("关于") or after.startswith("等"):
            candidates.append(run)
            claim = genre.COUNT_OF_ISSUERS_RE.match(after)
            if claim:
                value = genre.cn_number(claim["n"])
                if value and len(run) > 1:
                    count_claim = value
    best: list[Hit] = max(candidates, key=len) if candidates else []
    issuers = list(dict.fromkeys(c for h in best for c in h.concepts))
    lead_hit = best[0] if best else None
    prefix = layout.number_prefix
    by_code = matcher.issuer_of_code(prefix) if prefix else None
    if by_code is not None:
        form, concepts = by_code
        lead = concepts[0]
        if lead not in issuers:
            issuers.insert(0, lead)
            lead_hit = None
            if layout.number_span:
                b = layout.number_span[0]
                lead_hit = Hit("ministry", b, b + len(form), form, concepts)
    if count_claim and count_claim != len(issuers):
        notes.append(f"the header speaks of {count_claim} departments but {len(issuers)} were "
                     "recognised")
    evidence = None
    if lead_hit is not None:
        b, e = view.span(lead_hit.begin, lead_hit.end)
        evidence = (view.source[b:e], b, e)
    return tuple(issuers), evidence, notes
