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
STOP_VERB_RE = re.compile("|".join(
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
            verb = STOP_VERB_RE.search(text, max(0, b - 4), b)
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
    cuts = [m for m in STOP_VERB_RE.finditer(text, start, head_begin)
            if not shielded[m.start() - start]]
    if kind == "industry":
        return cuts[-1].end() if cuts else start
    # verbs that live inside names (要素保障协调机制, 劳务对接机制) govern nothing
    cuts = [m for m in cuts if m.group(0) not in genre.NAME_INTERNAL_VERBS]
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


def instrument_type(matcher: Matcher, label: str) -> str | None:
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
) -> tuple[list[Discovery], list[Hit]]:
    """Instruments and industry classes the lexicon does not know, inside the given spans.

    Args:
        text: the view text.
        spans: view spans to search (the measures).
        hits: lexicon and abbreviation mentions (a discovery never overlaps one of its kind,
            except that it may replace known instruments it wholly contains: a known
            instrument followed by a head word (住所与经营场所分离登记 + 试点), or known names
            inside a longer name that a verb opens (建立|对口合作工作协调机制)).
        matcher: for instrument-type hints.
        id_base: base of minted IRIs.

    Returns:
        Discoveries in text order, and the known mentions they replace.
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
                                         iri, instrument_type(matcher, label)))
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
                straddled = [h for h in hits if h.kind == kind and h.begin < start < h.end]
                if straddled:  # a breaker character inside a name (对|口合作) ends nothing
                    start = straddled[0].begin
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
                if STOP_VERB_RE.fullmatch(modifier) or (
                    kind == "instrument" and len(modifier) > 2 and modifier.endswith("企业")
                ):
                    continue  # 支持示范区, 鼓励保险: a verb and its object; 上下游企业融资
                inner: list[Hit] = []
                if any(mine[start:h_end]):
                    inner = [h for h in hits if h.kind == kind and start <= h.begin < h_end]
                    # known names inside a longer one, with no verb between them and the head
                    # (对口合作|工作协调|机制; not 创业板|上市|融资)
                    whole = kind == "instrument" and bool(inner) and all(
                        h.end <= h_begin and start <= h.begin for h in inner) and not any(
                        m.group(0) not in genre.NAME_INTERNAL_VERBS
                        for m in STOP_VERB_RE.finditer(text, max(h.end for h in inner), h_begin))
                    if not whole or not inner or any(h in superseded for h in inner) or any(
                            mine[start:min(h.begin for h in inner)]):
                        continue
                if kind == "industry" and all(covered[start:h_end]):
                    continue
                iri = mint_iri(id_base, kind, label)
                itype = instrument_type(matcher, label) if kind == "instrument" else None
                out.append(Discovery(Hit(kind, start, h_end, label, (iri,)), label, kind, iri,
                                     itype))
                superseded.extend(inner)
                mine[start:h_end] = b"\x01" * (h_end - start)
    out.sort(key=lambda d: (d.hit.begin, d.hit.end))
    return out, superseded


def quoted_terms(
    text: str, spans: list[tuple[int, int]], hits: list[Hit], matcher: Matcher, id_base: str
) -> list[Discovery]:
    """Instruments the text coins in quotation marks.

    “拿地即开工”审批模式 and “一项目一专班”服务机制: a quoted term and a head word name an
    instrument (quotes included); “提前申报”等便利化措施, “园保贷”等融资产品: a quoted term
    listed as an example of measures, products or ways is one (the term alone).

    Args:
        text: the view text.
        spans: the measures' view spans.
        hits: mentions found so far (a quoted term the lexicon knows is left to it).
        matcher: for instrument-type hints.
        id_base: base of minted IRIs.

    Returns:
        The discoveries.
    """
    covered = bytearray(len(text) + 1)
    for hit in hits:
        if hit.kind in {"instrument", "industry", "region", "ministry"}:
            covered[hit.begin:hit.end] = b"\x01" * (hit.end - hit.begin)
    out = []
    for begin, end in spans:
        for match in genre.QUOTED_TERM_RE.finditer(text, begin, end):
            if match["head"]:
                b, e = match.start(), match.end("head")
            else:
                b, e = match.start("term"), match.end("term")
            if any(covered[match.start("term"):match.end("term")]) or any(covered[b:e]):
                continue
            label = text[b:e]
            iri = mint_iri(id_base, "instrument", label)
            out.append(Discovery(Hit("instrument", b, e, label, (iri,)), label, "instrument",
                                 iri, instrument_type(matcher, label)))
            covered[b:e] = b"\x01" * (e - b)
    return out
