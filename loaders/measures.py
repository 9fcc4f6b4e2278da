"""Sentences → measures and targets: which words commit to something, with which verb.

A measure is a sentence of the body that says who should do what; where a sentence joins
several commitments with ；, each clause is a measure of its own. A target is a sentence that
sets a goal for a year (到2025年 …). Both keep their exact span of the view, which the caller
maps back to the stored text. The rules are those of the genre (:mod:`loaders.genre`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from loaders import genre
from loaders.structure import Block, Layout

_VERB_RE = re.compile("|".join(sorted(map(re.escape, genre.POLICY_VERBS), key=len, reverse=True)))
# Adverbial openings before the main verb: "通过…等方式" always, "在…条件下，" when it has no verb.
_MEANS_RE = re.compile(
    r"(?:通过|以)[^，；。]{0,40}?(?:等)?(?:方式|形式|途径|手段|为主要载体|为重点|为抓手|为依托|为中心)，?"
)
_FRAME_RE = re.compile(
    r"(?:在|按照|依据|根据|围绕|结合|针对|对于?|依托|利用|借助|基于|面向|以|为|经)[^，；。]{0,60}?，"
)
_OPENERS = "“‘「『（《"
_CLOSERS = "”’」』）》"
_NOTE_RE = re.compile(r"负责|牵头|责任单位|配合|参与单位|按职责分工")
_TARGET_START_RE = re.compile(
    r"^(?:力争|争取|计划|预计|目标是|主要目标是|主要目标：|发展目标：)?(?:到|至)"
)


@dataclass(slots=True)
class MeasureSpan:
    """A commitment found in the view (offsets in the view)."""

    begin: int
    end: int
    section: int
    item: str | None
    verb: str | None
    item_key: int


@dataclass(slots=True)
class TargetSpan:
    """A goal with its year (offsets in the view)."""

    begin: int
    end: int
    section: int
    year: int


@dataclass(slots=True)
class NoteSpan:
    """A parenthetical that names who is responsible for an item: （…牵头，…按职责分工负责）."""

    begin: int
    end: int
    item_key: int


def split_sentences(text: str, begin: int, end: int) -> list[tuple[int, int]]:
    """Sentences of ``text[begin:end]``: up to 。！？ (with closing quotes) outside quotes.

    Args:
        text: the view text.
        begin: start of the block.
        end: end of the block.

    Returns:
        Spans (view offsets) with surrounding spaces excluded; the final punctuation included.
    """
    spans: list[tuple[int, int]] = []
    depth = 0
    start = begin
    i = begin
    while i < end:
        char = text[i]
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            depth = max(0, depth - 1)
        elif char in genre.SENTENCE_END and (depth == 0 or i - start > 300):
            j = i + 1
            while j < end and text[j] in _CLOSERS + genre.SENTENCE_END:
                j += 1
            spans.append((start, j))
            start, depth = j, 0
            i = j
            continue
        i += 1
    if start < end:
        spans.append((start, end))
    return [(b, e) for b, e in (_trim(text, b, e) for b, e in spans) if e > b]


def split_clauses(text: str, begin: int, end: int) -> list[tuple[int, int]]:
    """Clauses of a sentence at ；outside brackets (the ；itself belongs to neither side)."""
    spans: list[tuple[int, int]] = []
    depth = 0
    start = begin
    for i in range(begin, end):
        char = text[i]
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            depth = max(0, depth - 1)
        elif char == genre.CLAUSE_SEP and depth == 0:
            spans.append((start, i))
            start = i + 1
    spans.append((start, end))
    return [(b, e) for b, e in (_trim(text, b, e) for b, e in spans) if e > b]


def _trim(text: str, begin: int, end: int) -> tuple[int, int]:
    while begin < end and text[begin] in " \n，、":
        begin += 1
    while end > begin and text[end - 1] in " \n，、":
        end -= 1
    return begin, end


def leading_verb(text: str, begin: int, end: int, masked: bytearray | None = None) -> str | None:
    """The first policy verb of a clause, after adverbial openings (通过…方式, 在…条件下，).

    Verbs inside a recognised name (发展 in 发展改革委) are skipped through ``masked``.

    Args:
        text: the view text.
        begin: clause start.
        end: clause end.
        masked: one byte per view character, non-zero inside a lexicon mention.

    Returns:
        The verb as written, or None when the clause has none.
    """
    clause = text[begin:end]

    def first_verb(start: int, stop: int) -> str | None:
        for match in _VERB_RE.finditer(clause, start, stop):
            at = begin + match.start()
            if masked is not None and any(masked[at: begin + match.end()]):
                continue
            return match.group(0)
        return None

    pos = 0
    while pos < len(clause):
        means = _MEANS_RE.match(clause, pos)
        if means:
            pos = means.end()
            continue
        frame = _FRAME_RE.match(clause, pos)
        if frame and first_verb(pos, frame.end()) is None:
            pos = frame.end()
            continue
        break
    if pos >= len(clause):
        pos = 0
    return first_verb(pos, len(clause)) or first_verb(0, pos)


def target_year(clause: str) -> int | None:
    """The year a clause sets a goal for (到2025年, 到“十四五”末), or None."""
    match = genre.TARGET_RE.search(clause)
    if match and match.group(0)[0] in "到至":
        year = int(match["year"])
        if 1990 <= year <= 2100:
            return year
    plan = genre.PLAN_PERIOD_RE.search(clause)
    if plan:
        return genre.PLAN_PERIOD_END.get(plan["plan"])
    deadline = re.search(r"(?P<year>(?:19|20)\d{2})年(?:底)?(?:前|以前)", clause)
    if deadline:
        return int(deadline["year"])
    return None


def is_commitment(clause: str, verb: str | None) -> bool:
    """True for a clause that commits someone to act (a verb or a modal, not a definition)."""
    if len(clause) < 6:
        return False
    if genre.LEAD_IN_RE.search(clause) or genre.DEFINITION_RE.search(clause):
        return False
    if genre.PURPOSE_RE.search(clause):
        return False
    if genre.STATEMENT_RE.search(clause) and not genre.MODALS_RE.search(clause):
        return False
    return verb is not None or bool(genre.MODALS_RE.search(clause))


def extract_spans(
    text: str, layout: Layout, masked: bytearray | None = None
) -> tuple[list[MeasureSpan], list[TargetSpan], list[NoteSpan]]:
    """Measures, targets and responsibility notes of the body.

    Measures and targets come from the sections only (a 导读 or the preamble may repeat the
    targets); a document without numbered sections is read as one implicit section.

    Args:
        text: the view text.
        layout: the parsed layout.
        masked: positions inside lexicon mentions (see :func:`leading_verb`).

    Returns:
        ``(measures, targets, notes)`` in document order.
    """
    measures: list[MeasureSpan] = []
    targets: list[TargetSpan] = []
    notes: list[NoteSpan] = []
    implicit = layout.implicit_section
    blocks = [b for b in layout.blocks if b.section > 0 or implicit]
    content_items = {b.item_key for b in blocks if not b.title}
    for index, block in enumerate(blocks):
        section = block.section if block.section > 0 else 1
        if block.title and not (block.title_only and block.item_key not in content_items):
            continue
        if block.title_only and index + 1 < len(blocks):
            following = blocks[index + 1]
            if following.section == block.section and (following.item or "").startswith(
                block.item or "\0"
            ):
                continue  # "（一）精准承接重点产业。" heads the items 1. 2. under it
        _block_spans(text, block, section, masked, measures, targets, notes)
    return measures, targets, notes


def _block_spans(
    text: str,
    block: Block,
    section: int,
    masked: bytearray | None,
    measures: list[MeasureSpan],
    targets: list[TargetSpan],
    notes: list[NoteSpan],
) -> None:
    for s_begin, s_end in split_sentences(text, block.begin, block.end):
        sentence = text[s_begin:s_end]
        if sentence[0] == "（" and sentence.rstrip("。")[-1:] == "）":
            if _NOTE_RE.search(sentence):
                notes.append(NoteSpan(s_begin, s_end, block.item_key))
            continue
        clauses = split_clauses(text, s_begin, s_end)
        if _TARGET_START_RE.match(sentence) and target_year(sentence) is not None:
            _targets_of(text, clauses, section, targets, s_end)
            continue
        year = target_year(sentence)
        if year is not None:
            targets.append(TargetSpan(s_begin, s_end, section, year))
        verbs = [leading_verb(text, b, e, masked) for b, e in clauses]
        committed = [is_commitment(text[b:e], v) for (b, e), v in zip(clauses, verbs, strict=True)]
        if len(clauses) > 1 and sum(committed) >= 2:
            pending: MeasureSpan | None = None
            for (b, e), verb, ok in zip(clauses, verbs, committed, strict=True):
                last = e == clauses[-1][1]
                end = s_end if last else e
                if ok:
                    pending = MeasureSpan(b, end, section, block.item, verb, block.item_key)
                    measures.append(pending)
                elif pending is not None:
                    pending.end = end
            continue
        verb = next((v for v in verbs if v), None)
        if is_commitment(sentence, verb):
            measures.append(MeasureSpan(s_begin, s_end, section, block.item, verb, block.item_key))


def _targets_of(
    text: str, clauses: list[tuple[int, int]], section: int, targets: list[TargetSpan], s_end: int
) -> None:
    """A target sentence; a clause that names another year starts a target of its own."""
    current: TargetSpan | None = None
    for b, e in clauses:
        clause = text[b:e]
        year = target_year(clause) if _TARGET_START_RE.match(clause) else None
        end = s_end if e == clauses[-1][1] else e
        if year is not None or current is None:
            current = TargetSpan(b, end, section, year or target_year(clause) or 0)
            targets.append(current)
        else:
            current.end = end
    for target in targets:
        if target.year == 0:
            target.year = target_year(text[target.begin: target.end]) or 0
    targets[:] = [t for t in targets if t.year]
