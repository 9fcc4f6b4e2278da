"""Mentions in the body: lexicon matches, abbreviations the text defines, and discoveries.

Three sources, all in view offsets:

1. the lexicon (:mod:`loaders.matching`), which knows what the ontology names;
2. abbreviations the document defines — "承接产业转移示范区（以下简称示范区）" makes every later
   示范区 a mention of the same concept;
3. discovery: noun phrases whose head is a genre word for an instrument (…基金, …平台, …目录,
   …机制 …) or an industry (…产业, …行业 …) that the lexicon does not cover become concepts of
   their own, with an IRI minted from their words (the same words give the same IRI in every
   document) and, for instruments, a type guessed from the ontology's ``pol:typeKeyword``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from loaders import genre
from loaders.matching import Hit, Matcher

_ABBREVIATION_RE = re.compile(r"（以下(?:简称|称)[“\"]?(?P<abbr>[^）”\"，；。]{1,16})[”\"]?）")
_STOP_VERB_RE = re.compile("|".join(
    re.escape(v) for v in sorted({*genre.POLICY_VERBS, *genre.OBJECT_VERBS}, key=len, reverse=True)
))
_QUANTIFIERS = ("一批", "一系列", "一些", "若干", "多个", "各类", "各种", "一个", "一级")
_GENERIC_INSTRUMENTS = ("工作机制", "长效机制", "体制机制", "政策机制", "工作体系")


@dataclass(frozen=True, slots=True)
class Discovery:
    """A concept found by genre rules, with the mention that found it."""

    hit: Hit
    label: str
    kind: str
    iri: str
    instrument_type: str | None


def mint_iri(id_base: str, kind: str, label: str) -> str:
    """Deterministic IRI of a discovered concept: ``{base}{kind}/d-<hash of the words>``."""
    digest = hashlib.sha1(label.encode("utf-8")).hexdigest()[:10]
    return f"{id_base}{kind}/d-{digest}"


def abbreviation_hits(text: str, hits: list[Hit]) -> list[Hit]:
    """Mentions through abbreviations the text defines right after a recognised name.

    Args:
        text: the view text.
        hits: mentions found so far (of any kind), sorted by position.

    Returns:
        New mentions of the abbreviation after its definition, of the same kind and concepts as
        the name it abbreviates, where no mention of that kind is already.
    """
    found: list[Hit] = []
    for match in _ABBREVIATION_RE.finditer(text):
        abbr = match["abbr"]
        named = [h for h in hits if h.end == match.start()]
        if not named:
            continue
        source = max(named, key=lambda h: h.end - h.begin)
        taken = [(h.begin, h.end) for h in hits if h.kind == source.kind]
        for use in re.finditer(re.escape(abbr), text[match.end():]):
            b, e = match.end() + use.start(), match.end() + use.end()
            if any(tb < e and b < te for tb, te in taken):
                continue
            found.append(Hit(source.kind, b, e, abbr, source.concepts))
    return found


def short_form_hits(
    text: str, hits: list[Hit], known_forms: set[str], title_end: int = 0
) -> list[Hit]:
    """Bare head words that stand for the one instrument of that kind the document names.

    A text that names 产业转型升级示范区 and then says "支持示范区…" means that zone: when the
    title (else the whole document) mentions exactly one instrument ending in a head word
    (示范区, 试验区, 合作区 …) and that word is not a name of its own, its bare uses (after a
    verb, a particle or a punctuation mark) are mentions of that instrument.

    Args:
        text: the view text.
        hits: mentions found so far (any kind), sorted by position.
        known_forms: surface forms the lexicon knows for instruments.
        title_end: view offset where the title line ends (the title names the topic).

    Returns:
        The new mentions.
    """
    found: list[Hit] = []
    taken = bytearray(len(text) + 1)
    for hit in hits:
        if hit.kind == "instrument":
            taken[hit.begin:hit.end] = b"\x01" * (hit.end - hit.begin)
    for head in genre.INSTRUMENT_HEADS:
        if len(head) < 3 or head in known_forms:
            continue
        named = [h for h in hits
                 if h.kind == "instrument" and h.form.endswith(head) and h.form != head]
        owners = {h.concepts for h in named if h.end <= title_end} or {h.concepts for h in named}
        if len(owners) != 1:
            continue
        (concepts,) = owners
        for match in re.finditer(re.escape(head), text):
            b, e = match.start(), match.end()
            if any(taken[b:e]):
                continue
            before = text[b - 1] if b else "\n"
            verb = _STOP_VERB_RE.search(text, max(0, b - 4), b)
            bare = (not "\u4e00" <= before <= "\u9fff" or before in genre.PHRASE_BREAKERS
                    or (verb is not None and verb.end() == b))
            if bare:
                found.append(Hit("instrument", b, e, head, concepts))
                taken[b:e] = b"\x01" * (e - b)
    return found


def _left_edge(text: str, head_begin: int, limit: int, blocked: bytearray) -> int:
    """Start of the longest run of Chinese words before a head word, up to a breaker.

    ``blocked[i]`` is non-zero when position ``i`` lies inside or just after a name the phrase
    must not swallow (a department, a region).
    """
    pos = head_begin
    floor = max(limit, head_begin - genre.MAX_PHRASE)
    while pos > floor:
        char = text[pos - 1]
        if not ("\u4e00" <= char <= "\u9fff" or char in "“”（）"):
            break
        if char in genre.PHRASE_BREAKERS and char not in "“”（）":
            break
        if blocked[pos]:
            break
        if any(text.startswith(q, pos - len(q)) for q in _QUANTIFIERS):
            break
        pos -= 1
    return pos


def _cut_at_verbs(text: str, start: int, head_begin: int, kind: str) -> int:
    """Move the start of a phrase past the verb that governs it.

    An industry phrase starts after the last verb before its head ("推动|产业" is a verb and its
    object, not a class); an instrument phrase after the last verb that still leaves a modifier
    of two characters, since verbs also live inside instrument names (产业发展平台).
    """
    shielded = bytearray(head_begin - start + 1)
    for compound in genre.COMPOUND_MODIFIERS:
        at = text.find(compound, start, head_begin)
        while at >= 0:
            shielded[at - start: at - start + len(compound)] = b"\x01" * len(compound)
            at = text.find(compound, at + 1, head_begin)
    cuts = [m for m in _STOP_VERB_RE.finditer(text, start, head_begin)
            if not shielded[m.start() - start]]
    if kind == "industry":
        return cuts[-1].end() if cuts else start
    for cut in reversed(cuts):
        if head_begin - cut.end() >= genre.MIN_MODIFIER:
            return cut.end()
    return start


def _balance_quotes(text: str, start: int, head_begin: int) -> int:
    """Move the start so that quotes and brackets inside the phrase pair up."""
    for opener, closer in (("“", "”"), ("（", "）")):
        while start < head_begin and text[start] == closer:
            start += 1
        if text.count(opener, start, head_begin) != text.count(closer, start, head_begin):
            start = max(start, text.rfind(closer, start, head_begin) + 1)
    return start


def _instrument_type(matcher: Matcher, label: str) -> str | None:
    """The instrument type whose keyword sits closest to the end of the phrase."""
    best: tuple[int, int] | None = None
    chosen = None
    for word, itype in matcher.type_hints:
        at = label.rfind(word)
        if at < 0:
            continue
        key = (at + len(word), len(word))
        if best is None or key > best:
            best, chosen = key, itype
    return chosen


def discover(
    text: str,
    spans: list[tuple[int, int]],
    hits: list[Hit],
    matcher: Matcher,
    id_base: str,
) -> list[Discovery]:
    """Instruments and industry classes the lexicon does not know, inside the given spans.

    Args:
        text: the view text.
        spans: view spans to search (the measures).
        hits: lexicon and abbreviation mentions (a discovery never overlaps one of its kind,
            except that a known instrument followed by a head word is replaced, in ``hits``,
            by the longer instrument they name together).
        matcher: for instrument-type hints.
        id_base: base of minted IRIs.

    Returns:
        Discoveries in text order.
    """
    heads = {
        "instrument": tuple(sorted(genre.INSTRUMENT_HEADS, key=len, reverse=True)),
        "industry": tuple(sorted(genre.INDUSTRY_HEADS, key=len, reverse=True)),
    }
    size = len(text) + 1
    taken = {"instrument": bytearray(size), "industry": bytearray(size)}
    covered = bytearray(size)  # inside any mention
    names = bytearray(size)  # inside or just after a department or region
    ends_at = {(h.kind, h.end): h for h in hits if h.kind in taken}
    for hit in hits:
        if hit.kind in taken:
            taken[hit.kind][hit.begin:hit.end] = b"\x01" * (hit.end - hit.begin)
        covered[hit.begin:hit.end] = b"\x01" * (hit.end - hit.begin)
        if hit.kind in {"ministry", "region"}:
            names[hit.begin + 1:hit.end + 1] = b"\x01" * (hit.end - hit.begin)
    out: list[Discovery] = []
    superseded: list[Hit] = []
    head_re = {k: re.compile("|".join(map(re.escape, v))) for k, v in heads.items()}
    for begin, end in spans:
        for kind, pattern in head_re.items():
            mine = taken[kind]
            for match in pattern.finditer(text, begin, end):
                h_begin, h_end = match.start(), match.end()
                if any(mine[h_begin:h_end]):
                    continue
                before = ends_at.get((kind, h_begin))
                if before is not None and kind == "instrument" and not pattern.match(text, h_end) \
                        and not text.startswith(genre.NOT_AFTER_INSTRUMENT, h_end):
                    # a known instrument and a head right after it name a new instrument
                    # (住所与经营场所分离登记 + 试点, 首台（套）重大技术装备 + 保险)
                    label = text[before.begin:h_end]
                    iri = mint_iri(id_base, kind, label)
                    superseded.append(before)
                    out.append(Discovery(Hit(kind, before.begin, h_end, label, (iri,)), label, kind,
                                         iri, _instrument_type(matcher, label)))
                    mine[h_begin:h_end] = b"\x01" * (h_end - h_begin)
                    continue
                follow = text[h_end:h_end + 2]
                if pattern.match(text, h_end) and kind == "instrument":
                    continue  # 试点园区: the later head ends the phrase
                if kind == "industry" and follow.startswith(genre.NOT_AFTER_HEAD):
                    continue
                if kind == "instrument" and follow.startswith(genre.NOT_AFTER_INSTRUMENT):
                    continue
                start = _left_edge(text, h_begin, begin, names)
                start = _cut_at_verbs(text, start, h_begin, kind)
                start = _balance_quotes(text, start, h_begin)
                label = text[start:h_end]
                modifier = text[start:h_begin]
                if len(modifier.strip("“”")) < genre.MIN_MODIFIER and not (
                    kind == "industry" and match.group(0) in genre.SECTOR_HEADS and not modifier
                ):
                    continue
                if modifier in genre.GENERIC_MODIFIERS or label.endswith(_GENERIC_INSTRUMENTS):
                    continue
                if kind == "industry" and modifier.endswith(genre.GENERIC_ENDINGS):
                    continue
                if _STOP_VERB_RE.fullmatch(modifier) or (
                    kind == "instrument" and len(modifier) > 2 and modifier.endswith("企业")
                ):
                    continue  # 支持示范区, 鼓励保险: a verb and its object; 上下游企业融资
                if any(mine[start:h_end]):
                    continue
                if kind == "industry" and all(covered[start:h_end]):
                    continue
                iri = mint_iri(id_base, kind, label)
                itype = _instrument_type(matcher, label) if kind == "instrument" else None
                out.append(Discovery(Hit(kind, start, h_end, label, (iri,)), label, kind, iri,
                                     itype))
                mine[start:h_end] = b"\x01" * (h_end - start)
    out.sort(key=lambda d: (d.hit.begin, d.hit.end))
    for hit in superseded:
        hits.remove(hit)
    return out


def list_items(
    text: str,
    spans: list[tuple[int, int]],
    hits: list[Hit],
    id_base: str,
) -> list[Discovery]:
    """Members of a list of industries: "纺织、服装、家电等劳动密集型产业" → 家电 is one too.

    A list closed by 等 + an industry (or 产业链/产业/行业), or coordinated with an industry
    mention by 、/和/及/与, names industries in each item. Items the lexicon already knows keep
    their mention; short unknown items become discovered industry classes.

    Args:
        text: the view text.
        spans: the measures' view spans.
        hits: every mention found so far (lexicon, abbreviations, discoveries).
        id_base: base of minted IRIs.

    Returns:
        New discoveries.
    """
    covered = bytearray(len(text) + 1)
    for hit in hits:
        covered[hit.begin:hit.end] = b"\x01" * (hit.end - hit.begin)
    # an industry mention that ends a noun phrase (not 物流 in 物流园区)
    industry_starts = {h.begin for h in hits if h.kind == "industry"
                       and (h.end >= len(text) or text[h.end] in genre.PHRASE_BREAKERS
                            or not "\u4e00" <= text[h.end] <= "\u9fff")}
    out: list[Discovery] = []
    for begin, end in spans:
        closers = [(m.start(), m.start()) for m in genre.LIST_CLOSER_RE.finditer(text, begin, end)]
        closers += [(s - 1, s) for s in industry_starts
                    if begin < s < end and text[s - 1] in genre.LIST_SEPARATORS + "等"]
        for sep_at, _ in sorted(set(closers)):
            pos = sep_at
            while pos > begin:
                item_end = pos
                item_start = item_end
                while item_start > begin and text[item_start - 1] not in genre.LIST_SEPARATORS \
                        and text[item_start - 1] not in "，；。：（）“”" \
                        and item_end - item_start < genre.MAX_LIST_ITEM + 4:
                    item_start -= 1
                cut = [m.end() for m in _STOP_VERB_RE.finditer(text, item_start, item_end)]
                start = cut[-1] if cut else item_start
                item = text[start:item_end]
                stop_here = start > item_start or item_start <= begin or \
                    text[item_start - 1] not in genre.LIST_SEPARATORS
                if (
                    2 <= len(item) <= genre.MAX_LIST_ITEM
                    and all("\u4e00" <= c <= "\u9fff" for c in item)
                    and not any(covered[start:item_end])
                    and not any(c in genre.PHRASE_BREAKERS for c in item)
                    and item not in genre.GENERIC_MODIFIERS
                ):
                    iri = mint_iri(id_base, "industry", item)
                    out.append(Discovery(Hit("industry", start, item_end, item, (iri,)), item,
                                         "industry", iri, None))
                    covered[start:item_end] = b"\x01" * (item_end - start)
                elif not all(covered[start:item_end]) and item:
                    stop_here = True  # a non-item (a verb phrase, a region): the list ends
                if stop_here:
                    break
                pos = item_start - 1
    return out
