"""Direction of industrial transfer in a measure: which region types industry leaves and joins.

Genre patterns (:mod:`loaders.genre`): "向 X 转移/集聚" (to X), "从/由 X …转移" (from X),
"Y 承接 X（产业）转移" (from X to Y), "疏解 X" (from X), "转移到 X" (to X). Only region-type
mentions found by the lexicon count, so the result is a set of ontology IRIs.
"""

from __future__ import annotations

import re

from loaders import genre
from loaders.matching import Hit

_SEGMENT_BREAK = "，；。：！？"


def _regions_in(hits: list[Hit], begin: int, end: int) -> list[str]:
    out: list[str] = []
    for hit in hits:
        if hit.kind == "region" and begin <= hit.begin and hit.end <= end:
            out.extend(c for c in hit.concepts if c not in out)
    return out


def _segment_start(text: str, pos: int, floor: int) -> int:
    while pos > floor and text[pos - 1] not in _SEGMENT_BREAK:
        pos -= 1
    return pos


def transfer_directions(
    text: str, begin: int, end: int, hits: list[Hit]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(transfers_from, transfers_to)`` region IRIs of the measure ``text[begin:end]``.

    Args:
        text: the view text.
        begin: start of the measure in the view.
        end: end of the measure in the view.
        hits: the measure's mentions (regions are used).

    Returns:
        Two tuples of region-type IRIs, without duplicates, in text order.
    """
    sources: list[str] = []
    targets: list[str] = []

    def add(into: list[str], iris: list[str]) -> None:
        into.extend(i for i in iris if i not in into)

    for match in genre.TRANSFER_TO_RE.finditer(text, begin, end):
        add(targets, _regions_in(hits, match.start("span"), match.end("span")))
        seg = _segment_start(text, match.start(), begin)
        add(sources, _regions_in(hits, seg, match.start()))
    for match in genre.TRANSFER_FROM_RE.finditer(text, begin, end):
        add(sources, _regions_in(hits, match.start("span"), match.end("span")))
    for match in genre.UNDERTAKE_RE.finditer(text, begin, end):
        add(sources, _regions_in(hits, match.start("span"), match.end("span")))
        seg = _segment_start(text, match.start(), begin)
        receivers = _regions_in(hits, seg, match.start())
        if not receivers and seg > begin:
            # "发挥大中城市…优势，主动承接…": the subject sits in the previous segment
            prev = _segment_start(text, seg - 1, begin)
            receivers = _regions_in(hits, prev, seg - 1)
        add(targets, receivers)
    for match in genre.RELIEVE_RE.finditer(text, begin, end):
        # the verb 疏解 takes the region right after it ("疏解超大特大城市…功能"); the noun
        # ("功能疏解带动…") does not
        first = next((h for h in hits if h.kind == "region" and h.begin >= match.start("span")),
                     None)
        if first is None or first.begin != match.start("span"):
            continue
        span_end = match.end("span")
        stop = re.search(r"[向到至]", text[match.start("span"):span_end])
        if stop:
            span_end = match.start("span") + stop.start()
        add(sources, _regions_in(hits, match.start("span"), span_end))
    for match in genre.MOVE_TO_RE.finditer(text, begin, end):
        add(targets, _regions_in(hits, match.start("span"), match.end("span")))
    sources = [s for s in sources if s not in targets] if targets else sources
    return tuple(sources), tuple(targets)
