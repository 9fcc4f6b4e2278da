"""Longer names built around a known one: the genre narrows and compounds what it names.

A document rarely uses a class or a tool by its bare name. It narrows a class with an adjective
(传统 + 特色产业), names a segment of it (新能源汽车 + 零部件), writes a policy after a tool
(职业培训补贴 + 政策), joins two tools into one (对口合作 + 产业投资基金) or puts a class in
front of a park (特色产业 + 产业园区). The ontology names the known part; these rules find the
whole phrase, so that the mention covers what the text names.

Where the longer phrase is still the known concept (a traditional characteristic industry is
a characteristic industry, a subsidy policy is the subsidy), the mention keeps the concept and
only its span grows. Where two instruments make a new one, it is a discovered concept.
"""

from __future__ import annotations

from dataclasses import replace

from loaders import genre
from loaders.entities import Discovery, instrument_type, mint_iri
from loaders.matching import Hit, Matcher


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def _boundary_before(text: str, pos: int, verb_ends: set[int]) -> bool:
    """True when a phrase may start at ``pos``: after a non-Chinese character, a function word,
    a list separator, or right after a verb."""
    if pos <= 0:
        return True
    before = text[pos - 1]
    return (not _is_cjk(before) or before in genre.PHRASE_BREAKERS
            or before in genre.LIST_SEPARATORS or pos in verb_ends)


def _boundary_after(text: str, pos: int) -> bool:
    """True when a phrase may end at ``pos``: before a non-Chinese character, a function word,
    a list separator or 等."""
    if pos >= len(text):
        return True
    after = text[pos]
    return not _is_cjk(after) or after in genre.PHRASE_BREAKERS or after in genre.LIST_SEPARATORS


def extend_industries(text: str, hits: list[Hit], verb_ends: set[int]) -> list[Hit]:
    """Industry mentions widened over a narrowing adjective or a segment noun.

    传统特色产业 → 特色产业 (industry:characteristic) over 6 characters; 新能源汽车零部件 →
    新能源汽车 over 8. Only where the wider phrase stands alone (boundaries on both sides) and
    overlaps no other mention.

    Args:
        text: the view text.
        hits: every mention found so far, sorted by position.
        verb_ends: view offsets where a policy or object verb ends.

    Returns:
        ``hits`` with widened industry mentions in place of the known ones.
    """
    taken = bytearray(len(text) + 1)
    for hit in hits:
        if hit.kind != "region":
            taken[hit.begin:hit.end] = b"\x01" * (hit.end - hit.begin)
    out = []
    for hit in hits:
        if hit.kind != "industry":
            out.append(hit)
            continue
        begin, end = hit.begin, hit.end
        for modifier in genre.CLASS_MODIFIERS:
            at = begin - len(modifier)
            if (at >= 0 and text.startswith(modifier, at) and not any(taken[at:begin])
                    and _boundary_before(text, at, verb_ends)):
                begin = at
                break
        for suffix in genre.INDUSTRY_SUFFIXES:
            stop = end + len(suffix)
            if (text.startswith(suffix, end) and not any(taken[end:stop])
                    and _boundary_after(text, stop)):
                end = stop
                break
        if (begin, end) == (hit.begin, hit.end):
            out.append(hit)
        else:
            out.append(replace(hit, begin=begin, end=end, form=text[begin:end]))
            taken[begin:end] = b"\x01" * (end - begin)
    return out


def extend_instruments(
    text: str, hits: list[Hit], matcher: Matcher, id_base: str, verb_ends: set[int]
) -> tuple[list[Hit], list[Discovery]]:
    """Instrument mentions joined or widened: adjacent tools, a class before a park.

    - two known instruments with nothing between them name one new instrument (对口合作 +
      产业投资基金 → 对口合作产业投资基金, a discovered concept typed by its head);
    - an industry class right before a known park (特色产业 + 产业园区 → 特色产业园区) names
      a park of that class: the park's mention covers both.

    Args:
        text: the view text.
        hits: every mention found so far, sorted by position.
        matcher: for the instrument type of a joined name.
        id_base: base of minted IRIs.
        verb_ends: view offsets where a policy or object verb ends.

    Returns:
        The new list of hits (joined instruments removed) and the discoveries that replace them.
    """
    instruments = sorted((h for h in hits if h.kind == "instrument"), key=lambda h: h.begin)
    drop: set[int] = set()
    found: list[Discovery] = []
    i = 0
    while i < len(instruments):
        j = i
        while j + 1 < len(instruments) and instruments[j + 1].begin == instruments[j].end:
            j += 1
        if j > i:
            first, last = instruments[i], instruments[j]
            label = text[first.begin:last.end]
            iri = mint_iri(id_base, "instrument", label)
            found.append(Discovery(Hit("instrument", first.begin, last.end, label, (iri,)),
                                   label, "instrument", iri, instrument_type(matcher, label)))
            drop.update(id(h) for h in instruments[i:j + 1])
        i = j + 1
    industries = [h for h in hits if h.kind == "industry"]
    out = []
    for hit in hits:
        if id(hit) in drop:
            continue
        if hit.kind == "instrument" and hit.form.endswith(genre.PARK_HEADS):
            before = [h for h in industries if h.begin < hit.begin <= h.end <= hit.end]
            if before and _boundary_before(text, before[0].begin, verb_ends):
                hit = replace(hit, begin=before[0].begin, form=text[before[0].begin:hit.end])
        out.append(hit)
    return out, found


def policy_suffix(text: str, hits: list[Hit]) -> list[Hit]:
    """Instrument mentions followed by 政策 take it in: 职业培训补贴政策 is the subsidy."""
    out = []
    for hit in hits:
        stop = hit.end + len(genre.POLICY_SUFFIX)
        if hit.kind == "instrument" and text.startswith(genre.POLICY_SUFFIX, hit.end) and (
            stop >= len(text) or not _is_cjk(text[stop]) or text[stop] in genre.PHRASE_BREAKERS
            or text[stop] in genre.LIST_SEPARATORS
        ):
            hit = replace(hit, end=stop, form=text[hit.begin:stop])
        out.append(hit)
    return out


def join_adjacent_industries(text: str, hits: list[Hit]) -> list[Hit]:
    """Known classes written as one word name the last one's segment.

    汽车物流 is logistics for cars, 制造业服务外包 outsourcing for manufacturers: when industry
    mentions touch, the text names one class, the last (the head), over all their spans.
    """
    industries = sorted((h for h in hits if h.kind == "industry"), key=lambda h: h.begin)
    groups: list[list[Hit]] = []
    for hit in industries:
        if groups and groups[-1][-1].end == hit.begin:
            groups[-1].append(hit)
        else:
            groups.append([hit])
    merged: dict[int, Hit] = {}
    drop: set[int] = set()
    for group in groups:
        if len(group) > 1:
            first, last = group[0], group[-1]
            merged[id(last)] = replace(last, begin=first.begin, form=text[first.begin:last.end])
            drop.update(id(h) for h in group[:-1])
    return [merged.get(id(h), h) for h in hits if id(h) not in drop]


def latin_abbreviation(text: str, hits: list[Hit]) -> list[Hit]:
    """Instrument mentions take in the English abbreviation the text adds in parentheses.

    基础设施领域不动产投资信托基金（REITs） is one name: the abbreviation says what the words
    name, it does not begin a new one.
    """
    out = []
    for hit in hits:
        match = genre.LATIN_ABBREVIATION_RE.match(text, hit.end) if hit.kind == "instrument" \
            else None
        if match:
            hit = replace(hit, end=match.end(), form=text[hit.begin:match.end()])
        out.append(hit)
    return out
