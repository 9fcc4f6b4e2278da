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
_QUOTED_RE = re.compile(r"“(?P<term>[^“”，。；、：]{2,12})”")
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


def verb_matches(
    text: str, begin: int, end: int, known: bytearray | None = None
) -> list[re.Match[str]]:
    """Policy and object verbs between ``begin`` and ``end`` that act as verbs.

    Not a verb: one followed by a noun it forms a compound with (发展|水平, 服务|能力 — see
    genre.NOMINAL_AFTER_VERB), or one that opens or sits inside a name the lexicon knows
    (服务|外包, 服务|型制造), when ``known`` marks the known mentions.
    """
    return [m for m in STOP_VERB_RE.finditer(text, begin, end)
            if not text.startswith(genre.NOMINAL_AFTER_VERB, m.end())
            and not (known is not None and known[m.start()])]


def _cut_at_verbs(
    text: str, start: int, head_begin: int, kind: str, known: bytearray | None = None
) -> int:
    """Move the start of a phrase past the verb that governs it.

    An industry phrase starts after the last verb before its head ("推动|产业" is a verb and its
    object, not a class); an instrument phrase after the last verb that still leaves a modifier
    of two characters, since verbs also live inside instrument names (技术发展平台). Verbs
    used as nouns or inside a known mention (``known``) cut nothing (see :func:`verb_matches`).
    """
    shielded = bytearray(head_begin - start + 1)
    for compound in genre.COMPOUND_MODIFIERS:
        at = text.find(compound, start, head_begin)
        while at >= 0:
            shielded[at - start: at - start + len(compound)] = b"\x01" * len(compound)
            at = text.find(compound, at + 1, head_begin)
    cuts = [m for m in verb_matches(text, start, head_begin, known)
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


def _after_known(text: str, inner: list[Hit], head_begin: int, mine: bytearray) -> int | None:
    """Start of a name that follows known instruments it does not continue, or None.

    "国家级开发区公共服务平台" is a zone and a platform in it, not one name (a verb, 服务, sits
    between them): the discovered name begins after the last known one when what is left
    before the head is a modifier of its own.
    """
    if not inner:  # what covers the phrase is a name discovered just before (产业联盟|协调机制)
        return None
    start = max(h.end for h in inner)
    modifier = text[start:head_begin]
    if (start >= head_begin or any(mine[start:head_begin]) or len(modifier) < genre.MIN_MODIFIER
            or modifier in genre.GENERIC_MODIFIERS or STOP_VERB_RE.fullmatch(modifier)
            or not all("\u4e00" <= c <= "\u9fff" for c in modifier)):
        return None
    return start


def _counted_or_listed(
    text: str, start: int, end: int, hits: list[Hit], found: list[Discovery]
) -> bool:
    """True when a centre or base is named as a tool: counted or listed with other tools.

    "培育一批…中心", "建设国家物流枢纽和骨干冷链物流基地", "支持工业设计中心、制造业创新中心":
    centres and bases the state designates come in numbers or in a list of instruments; "建设
    现代农业生产基地、区域航运中心" says what a region should become, with no tool beside it.
    """
    if text.endswith(_QUANTIFIERS, 0, start):
        return True
    instruments = [h for h in hits if h.kind == "instrument"] + [d.hit for d in found]
    before = start > 0 and text[start - 1] in genre.COORDINATORS and any(
        h.end == start - 1 for h in instruments)
    after = end < len(text) and text[end] in genre.COORDINATORS and any(
        h.begin == end + 1 for h in instruments)
    return before or after


def _strip_generic(text: str, begin: int, end: int) -> int:
    """Start of ``text[begin:end]`` after leading generic words (本|地区|国民经济 → 国民经济)."""
    generic = sorted(genre.GENERIC_MODIFIERS, key=len, reverse=True)
    moved = True
    while moved and begin < end:
        moved = False
        for word in generic:
            if text.startswith(word, begin) and begin + len(word) < end:
                begin += len(word)
                moved = True
                break
    return begin


def _coordinated_start(
    text: str,
    start: int,
    head_begin: int,
    context: tuple[int, bytearray, bytearray, bytearray],
    heads: re.Pattern[str],
) -> int:
    """Start of a name whose modifiers are coordinated before one head.

    "跨区域经济统计分成和税收分享制度", "产值分计、税收分成机制": the genre writes two
    modifiers joined by 和/及/与/、 before a shared head, and the name is the whole phrase. The
    first modifier joins when it is a short run of words that names nothing (no known mention
    and no instrument head of its own, which would make it a name in a list: 全员聘任制和绩效
    工资制度) and the second is short too.

    Args:
        text: the view text.
        start: where the name starts without the first modifier.
        head_begin: where its head word starts.
        context: the measure's start, the department/region stops, what any mention covers and
            what instrument mentions cover.
        heads: the instrument heads' pattern.
    """
    floor, names, covered, mine = context
    if start - 1 <= floor or text[start - 1] not in genre.COORDINATORS \
            or not genre.MIN_MODIFIER <= head_begin - start <= 6:
        return start
    sep = start - 1
    first = _cut_at_verbs(text, _left_edge(text, sep, floor, names), sep, "industry", covered)
    first = _strip_generic(text, first, sep)
    words = text[first:sep]
    if not genre.MIN_COORDINATED_MODIFIER <= len(words) <= genre.MAX_COORDINATED_MODIFIER \
            or any(covered[first:sep]) or any(mine[first:sep]) \
            or words in genre.GENERIC_MODIFIERS or STOP_VERB_RE.fullmatch(words) \
            or any(heads.match(text, i) for i in range(first, sep)) \
            or not all("\u4e00" <= c <= "\u9fff" for c in words):
        return start
    return first


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
    named = bytearray(size)  # inside a department or region
    ends_at = {(h.kind, h.end): h for h in hits if h.kind in taken}
    for hit in hits:
        if hit.kind in taken:
            taken[hit.kind][hit.begin:hit.end] = b"\x01" * (hit.end - hit.begin)
        covered[hit.begin:hit.end] = b"\x01" * (hit.end - hit.begin)
        if hit.kind in {"ministry", "region"}:
            named[hit.begin:hit.end] = b"\x01" * (hit.end - hit.begin)
            if not (hit.kind == "region" and text.startswith(genre.REGION_NOUNS, hit.end)):
                names[hit.begin + 1:hit.end + 1] = b"\x01" * (hit.end - hit.begin)
    out: list[Discovery] = []
    superseded: list[Hit] = []
    head_re = {k: re.compile("|".join(map(re.escape, v))) for k, v in heads.items()}
    for begin, end in spans:
        for kind, pattern in head_re.items():
            mine = taken[kind]
            for match in pattern.finditer(text, begin, end):
                h_begin, h_end = match.start(), match.end()
                if any(mine[h_begin:h_end]) or any(named[h_begin:h_end]):
                    continue  # 中心 in 中心城市 is part of a region's name
                before = ends_at.get((kind, h_begin))
                if before is not None and kind == "instrument" and not pattern.match(text, h_end) \
                        and not text.startswith(genre.NOT_AFTER_INSTRUMENT, h_end):
                    # a known instrument and a head right after it name a new instrument
                    # (住所与经营场所分离登记 + 试点, 首台（套）重大技术装备 + 保险)
                    start = _coordinated_start(text, before.begin, h_begin,
                                               (begin, names, covered, mine), pattern)
                    label = text[start:h_end]
                    iri = mint_iri(id_base, kind, label)
                    superseded.append(before)
                    out.append(Discovery(Hit(kind, start, h_end, label, (iri,)), label, kind,
                                         iri, instrument_type(matcher, label)))
                    mine[start:h_end] = b"\x01" * (h_end - start)
                    continue
                follow = text[h_end:h_end + 2]
                if pattern.match(text, h_end) and kind == "instrument":
                    continue  # 试点园区: the later head ends the phrase
                if kind == "industry" and follow.startswith(genre.NOT_AFTER_HEAD):
                    continue
                if kind == "instrument" and follow.startswith(genre.NOT_AFTER_INSTRUMENT):
                    continue
                start = _left_edge(text, h_begin, begin, names)
                start = _cut_at_verbs(text, start, h_begin, kind, covered)
                start = _balance_quotes(text, start, h_begin)
                straddled = [h for h in hits if h.kind == kind and h.begin < start < h.end]
                if straddled:  # a breaker character inside a name (对|口合作) ends nothing
                    start = straddled[0].begin
                label = text[start:h_end]
                modifier = text[start:h_begin]
                least = genre.HEAD_MIN_MODIFIER.get(match.group(0), genre.MIN_MODIFIER)
                if len(modifier.strip("“”")) < least and not (
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
                if match.group(0) in genre.HEAD_MIN_MODIFIER and not _counted_or_listed(
                        text, start, h_end, hits, out):
                    continue  # 建成…现代农业生产基地: a region's role, not a tool
                inner: list[Hit] = []
                if any(mine[start:h_end]):
                    inner = [h for h in hits if h.kind == kind and start <= h.begin < h_end]
                    # known names inside a longer one, with no verb between them and the head
                    # (对口合作|工作协调|机制; not 创业板|上市|融资)
                    whole = kind == "instrument" and bool(inner) and all(
                        h.end <= h_begin and start <= h.begin for h in inner) and not any(
                        m.group(0) not in genre.NAME_INTERNAL_VERBS
                        for m in verb_matches(text, max(h.end for h in inner), h_begin, covered))
                    if not whole or not inner or any(h in superseded for h in inner) or any(
                            mine[start:min(h.begin for h in inner)]):
                        start = _after_known(text, inner, h_begin, mine) if kind == "instrument" \
                            else None
                        if start is None:
                            continue
                        label, inner = text[start:h_end], []
                if kind == "industry" and all(covered[start:h_end]):
                    continue
                if kind == "instrument":
                    start = _coordinated_start(text, start, h_begin, (begin, names, covered, mine),
                                               pattern)
                    label = text[start:h_end]
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
        out.extend(_listed_quoted_terms(text, (begin, end), hits, covered, matcher, id_base))
    return out


def _listed_quoted_terms(
    text: str, span: tuple[int, int], hits: list[Hit], covered: bytearray, matcher: Matcher,
    id_base: str,
) -> list[Discovery]:
    """Quoted terms listed next to a known instrument are instruments (the term alone).

    "推行区域评估、告知承诺制和“一枚印章管审批”": a coined term joined by 和/及/与/、 to a
    tool the lexicon knows is a tool of the same list.
    """
    ends = {h.end for h in hits if h.kind == "instrument"}
    begins = {h.begin for h in hits if h.kind == "instrument"}
    out = []
    for match in _QUOTED_RE.finditer(text, *span):
        b, e = match.start("term"), match.end("term")
        before = match.start() - 1
        after = match.end()
        listed = (before >= 0 and text[before] in genre.COORDINATORS and before in ends) or (
            after < len(text) and text[after] in genre.COORDINATORS and after + 1 in begins)
        if not listed or any(covered[b:e]):
            continue
        label = text[b:e]
        iri = mint_iri(id_base, "instrument", label)
        out.append(Discovery(Hit("instrument", b, e, label, (iri,)), label, "instrument", iri,
                             instrument_type(matcher, label)))
        covered[b:e] = b"\x01" * (e - b)
    return out
