"""Lists of industries: "纺织、服装、家电等劳动密集型产业", "生态旅游、康养、林下经济和清洁能源".

The genre names sectors in enumerations far more often than one by one, and most members of
such a list are product sectors the ontology does not name (白酒, 冰雪装备 …). A list is read
as a list of industries when

- it is closed by 等 and a phrase that names a class of industry (…等劳动密集型产业, …等传统
  特色产业, …等智能制造装备, …等产业转移), or
- one of its members is an industry the lexicon knows (then the members on both sides are
  industries too).

Members are the runs between 、/和/及/与; the first one loses the verb that opens the clause
(承接|笔记本电脑). A member the lexicon knows keeps its mention; a member whose end is a known
class (家居|建材) widens that mention; any other short member becomes a discovered industry.
A member that is something else (a region, an instrument, a verb phrase) ends the list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from loaders import genre
from loaders.entities import STOP_VERB_RE, Discovery, mint_iri
from loaders.matching import Hit

_ITEM_BREAK = set("，；。：（）“”《》！？")


@dataclass(slots=True)
class _Item:
    begin: int
    end: int


def _closer_end(text: str, at: int, stop: int, industry_at: dict[int, Hit]) -> int | None:
    """End of the class phrase after the 等 at ``at`` when it names industries, else None."""
    pos = at + 1
    known = industry_at.get(pos)
    if known is not None:
        return known.end
    phrase = genre.LIST_CLOSER_RE.match(text, pos, stop)
    return phrase.end() if phrase else None


def _items_left(text: str, end: int, floor: int) -> list[_Item]:
    """Members of a list ending at ``end``, right to left, as far as separators reach."""
    items = []
    pos = end
    while pos > floor:
        start = pos
        while start > floor and text[start - 1] not in genre.LIST_SEPARATORS \
                and text[start - 1] not in _ITEM_BREAK \
                and text[start - 1] not in genre.ITEM_BREAKERS \
                and pos - start <= genre.MAX_LIST_ITEM + 6:
            start -= 1
        items.append(_Item(start, pos))
        if start <= floor or text[start - 1] not in genre.LIST_SEPARATORS:
            break
        pos = start - 1
    return items


def _items_right(text: str, begin: int, ceiling: int) -> list[_Item]:
    """Members of a list after a separator at ``begin``, left to right, each ending at a
    separator, 等 or a punctuation mark (else it is no member)."""
    items = []
    pos = begin
    while pos < ceiling and text[pos] in genre.LIST_SEPARATORS:
        start = pos + 1
        stop = start
        while stop < ceiling and text[stop] not in genre.LIST_SEPARATORS \
                and text[stop] not in _ITEM_BREAK and text[stop] != "等" \
                and stop - start <= genre.MAX_LIST_ITEM:
            stop += 1
        if stop < ceiling and text[stop] not in genre.LIST_SEPARATORS \
                and text[stop] not in _ITEM_BREAK and text[stop] != "等":
            break
        items.append(_Item(start, stop))
        pos = stop
    return items


def list_items(
    text: str,
    spans: list[tuple[int, int]],
    hits: list[Hit],
    id_base: str,
) -> tuple[list[Discovery], dict[tuple[int, int], Hit]]:
    """Members of lists of industries in the measures.

    Args:
        text: the view text.
        spans: the measures' view spans.
        hits: every mention found so far (lexicon, abbreviations, discoveries).
        id_base: base of minted IRIs.

    Returns:
        New discovered industries, and the widened industry mentions by the span they had.
    """
    covered = bytearray(len(text) + 1)
    for hit in hits:
        covered[hit.begin:hit.end] = b"\x01" * (hit.end - hit.begin)
    covered_by_other = bytearray(len(text) + 1)
    for hit in hits:
        if hit.kind in {"instrument", "region", "ministry"}:
            covered_by_other[hit.begin:hit.end] = b"\x01" * (hit.end - hit.begin)
    industry_at = {h.begin: h for h in hits if h.kind == "industry"}
    industry_end = {h.end: h for h in hits if h.kind == "industry"}
    by_span = {(h.begin, h.end): h for h in hits}
    widened: dict[tuple[int, int], Hit] = {}
    out: list[Discovery] = []

    def take(item: _Item, closed: bool) -> bool:
        """Record the member; False when it is not an industry (the list ends there)."""
        # the verb that governs a list stands before its first member (承接|笔记本电脑、手机);
        # a member after a separator is a noun, whatever it begins with (服务外包, 服务型制造)
        first = item.begin == 0 or text[item.begin - 1] not in genre.LIST_SEPARATORS
        cuts = [m.end() for m in STOP_VERB_RE.finditer(text, item.begin, item.end)] if first else []
        start = cuts[-1] if cuts else item.begin
        words = text[start:item.end]
        if not words or (len(words) < 2 and not closed) or len(words) > genre.MAX_LIST_ITEM:
            return False
        if not all("\u4e00" <= c <= "\u9fff" for c in words) or words in genre.GENERIC_MODIFIERS:
            return False
        if any(c in genre.ITEM_BREAKERS for c in words):
            return False
        known = by_span.get((start, item.end))
        if known is not None:
            return known.kind == "industry"
        if not any(covered[start:item.end]):
            iri = mint_iri(id_base, "industry", words)
            out.append(Discovery(Hit("industry", start, item.end, words, (iri,)), words,
                                 "industry", iri, None))
            covered[start:item.end] = b"\x01" * (item.end - start)
            return True
        tail = industry_end.get(item.end)
        if tail is not None and tail.begin > start and not any(covered[start:tail.begin]) \
                and tail.begin - start <= 4 \
                and text[start:tail.begin] not in genre.GENERIC_MODIFIERS:
            widened[(tail.begin, tail.end)] = replace(tail, begin=start, form=words)
            covered[start:tail.begin] = b"\x01" * (tail.begin - start)
            return True
        return False

    def sector_like(item: _Item) -> bool:
        """A member the lexicon knows as an industry, or one ending in a word for a sector."""
        known = [h for h in hits if h.kind == "industry" and h.end == item.end
                 and item.begin <= h.begin]
        return bool(known) or text[item.begin:item.end].endswith(genre.SECTOR_ENDINGS)

    for begin, end in spans:
        for match in re.finditer("等", text[begin:end]):
            at = begin + match.start()
            if _closer_end(text, at, end, industry_at) is None:
                continue
            items = _items_left(text, at, begin)
            if not any(sector_like(item) for item in items):
                continue  # 抗灾、救护等应急装备产业: the members are purposes, not sectors
            for item in items:
                if not take(item, closed=True):
                    break
        for start in sorted(s for s in industry_at if begin <= s < end):
            hit = industry_at[start]
            if hit.end > end or any(covered_by_other[start:hit.end]):
                continue  # 物流 in 物流园区 names a park, not a member of a list
            left = _items_left(text, start - 1, begin) if start > begin and \
                text[start - 1] in genre.LIST_SEPARATORS else []
            for item in left:
                if not take(item, closed=False):
                    break
            right = _items_right(text, hit.end, end) if hit.end < end and \
                text[hit.end] in genre.LIST_SEPARATORS else []
            if right and sum(sector_like(i) for i in left) >= 1:
                for item in right:  # two known members before: the list goes on after them
                    if not take(item, closed=False):
                        break
    return out, widened
