"""The layout of a policy document: header, preface, addressees, numbered parts, signature.

Works on the normalised view (one line per paragraph) and needs no vocabulary: everything here
is a rule of the genre (headings 一、/（一）/1./第一条, the 文号 line, the 主送 line ending in a
colon, the dated signature). Department names in the header are found later, by the lexicon.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from loaders import genre
from loaders.normalize import TextView


@dataclass(frozen=True, slots=True)
class Line:
    """One paragraph of the view: its index, its view span and its text."""

    index: int
    begin: int
    end: int
    text: str


@dataclass(slots=True)
class Block:
    """A run of a paragraph that holds sentences (not a heading), with its item label."""

    begin: int
    end: int
    section: int  # ordinal of the section (0: outside any section)
    item: str | None = None  # label path of the nested item, e.g. "（二）" or "（二）3."
    title_only: bool = False  # the lead-in title of an item with nothing after it on its line
    title: bool = False  # a lead-in title ("（一）指导思想。"), not text of its own
    item_key: int = 0  # identifies the item (paragraphs of one item share it)


@dataclass(slots=True)
class SectionSpan:
    """A top-level part of the body in view offsets."""

    ordinal: int
    number: str
    title: str
    begin: int
    end: int
    title_begin: int
    title_end: int


@dataclass(slots=True)
class Layout:
    """Where everything is, in view offsets (converted to source offsets by the caller)."""

    lines: list[Line]
    title: str = ""
    title_span: tuple[int, int] | None = None
    number: str | None = None
    number_span: tuple[int, int] | None = None
    number_prefix: str | None = None
    number_year: int | None = None
    number_serial: int | None = None
    addressee_span: tuple[int, int] | None = None
    preface_span: tuple[int, int] | None = None
    header_end: int = 0  # view offset where the header (before the body) ends
    body_start_line: int = 0
    issued: str | None = None
    signature_lines: list[Line] = field(default_factory=list)
    sections: list[SectionSpan] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    implicit_section: bool = False
    notes: list[str] = field(default_factory=list)


def split_lines(view: TextView) -> list[Line]:
    """The paragraphs of the view with their offsets."""
    lines = []
    start = 0
    text = view.text
    for index, chunk in enumerate(text.split("\n")):
        lines.append(Line(index, start, start + len(chunk), chunk))
        start += len(chunk) + 1
    return [line for line in lines if line.text]


def _top_heading(text: str) -> tuple[str, str, int] | None:
    """(kind, numeral, offset of the rest) when ``text`` opens with a top-level heading."""
    match = genre.CHAPTER_RE.match(text)
    if match:
        return "chapter", match["num"], match.start("rest")
    match = genre.SECTION_RE.match(text)
    if match:
        return "section", match["num"], match.start("rest")
    return None


def _is_number_line(text: str) -> tuple[int, int] | None:
    """Span (within the line) of a 文号 when the line is essentially just that number."""
    match = genre.DOC_NUMBER_RE.search(text)
    if not match:
        return None
    rest = (text[: match.start()] + text[match.end():]).strip("（）()[]【】 ")
    rest = rest.removeprefix("发文字号").removeprefix("文号").removeprefix("字号").strip("：: ")
    if len(rest) <= 2 or genre.TITLE_END_RE.search(rest):
        return match.start(), match.end()
    return None


def _is_title(text: str) -> bool:
    return (
        len(text) <= 80
        and "。" not in text
        and not text.endswith("：")
        and not text.startswith("各")
        and bool(genre.TITLE_END_RE.search(text))
        and not _top_heading(text)
    )


def _is_date_line(text: str) -> str | None:
    """The ISO date when a line is only a date (2021年12月8日, 二〇一〇年八月三十一日)."""
    stripped = text.strip("（）() ")
    match = genre.DATE_RE.fullmatch(stripped)
    if match:
        return _iso(match)
    match = genre.CN_DATE_RE.fullmatch(stripped)
    if match:
        year = "".join(str(genre.CN_DIGITS[c]) for c in match["y"])
        month, day = genre.cn_number(match["m"]), genre.cn_number(match["d"])
        if month and day and 1 <= month <= 12 and 1 <= day <= 31:
            return f"{year}-{month:02d}-{day:02d}"
    return None


def _iso(match) -> str | None:  # type: ignore[no-untyped-def]
    year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
    if 1 <= month <= 12 and 1 <= day <= 31:
        return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def parse_layout(view: TextView) -> Layout:
    """Find header, preface, sections, items and text blocks of a document.

    Args:
        view: the normalised view of the document.

    Returns:
        The layout in view offsets. It may have no sections (the caller decides whether the
        document is usable).
    """
    lines = split_lines(view)
    layout = Layout(lines=lines)
    if not lines:
        return layout
    heads = _find_top_headings(lines)
    _parse_header(layout, lines, heads[0][0] if heads else None)
    _parse_dates(layout, lines)
    _parse_body(layout, lines, heads)
    return layout


def _find_top_headings(lines: list[Line]) -> list[tuple[int, str, str, int]]:
    """Top-level headings as (line index, kind, numeral, rest offset), numbered in sequence.

    A heading counts only when its numeral follows the previous one (一 after nothing or after a
    finished series, 二 after 一 …), so a stray "三、" inside a sentence list cannot open a part.
    Chapters (第一章) win over 一、 when a document has both.
    """
    found: dict[str, list[tuple[int, str, str, int]]] = {"chapter": [], "section": []}
    expected: dict[str, int] = {"chapter": 1, "section": 1}
    for line in lines:
        head = _top_heading(line.text)
        if head is None:
            continue
        kind, numeral, rest = head
        value = genre.cn_number(numeral)
        if value is None:
            continue
        if value == expected[kind] or (value == 1 and found[kind]):
            found[kind].append((line.index, kind, numeral, rest))
            expected[kind] = value + 1
    if found["chapter"]:
        return found["chapter"]
    if found["section"]:
        return found["section"]
    articles: list[tuple[int, str, str, int]] = []
    expected_article = 1
    for line in lines:
        match = genre.ARTICLE_RE.match(line.text)
        if match and genre.cn_number(match["num"]) in (expected_article, 1):
            articles.append((line.index, "article", match["num"], match.start("rest")))
            expected_article = (genre.cn_number(match["num"]) or 0) + 1
    return articles


def _parse_header(layout: Layout, lines: list[Line], first_head: int | None) -> None:
    header = [line for line in lines if first_head is None or line.index < first_head][:60]
    if not header:
        header = lines[:1]
    # 文号
    number_at: int | None = None
    for i, line in enumerate(header[:40]):
        span = _is_number_line(line.text)
        if span is None:
            continue
        match = genre.DOC_NUMBER_RE.search(line.text)
        assert match is not None
        layout.number = match.group(0).replace(" ", "")
        layout.number_prefix = match["prefix"]
        layout.number_year = int(match["year"])
        layout.number_serial = int(match["serial"])
        layout.number_span = (line.begin + match.start(), line.begin + match.end())
        number_at = i
        remainder = line.text[: match.start()].strip("（(【[ ")
        if genre.TITLE_END_RE.search(remainder) and len(remainder) >= 6:
            layout.title = remainder
            layout.title_span = (line.begin, line.begin + len(remainder))
        break
    # Title
    title_at: int | None = None
    if not layout.title:
        window = range(number_at - 1, max(-1, number_at - 4), -1) if number_at else range(0)
        candidates = [i for i in window if _is_title(header[i].text)]
        if not candidates:
            candidates = [i for i, line in enumerate(header[:40]) if _is_title(line.text)]
            # prefer a standalone title over one quoted in a headline
        if candidates:
            title_at = candidates[0]
            line = header[title_at]
            begin, text = line.begin, line.text
            if title_at > 0:
                prev = header[title_at - 1]
                wrapped = (  # "…关于" + "X的意见", or the issuers' names + "关于X的通知"
                    ("关于" in prev.text and "关于" not in text and len(prev.text) <= 40)
                    or (text.startswith("关于") and len(prev.text) <= 60
                        and genre.ISSUER_LINE_END_RE.search(prev.text) is not None)
                )
                if (
                    wrapped
                    and not any(p in prev.text for p in "。，：；")
                    and not _is_number_line(prev.text)
                    and not genre.PREFACE_HEAD_RE.match(prev.text)
                ):
                    begin, text = prev.begin, prev.text + text
            layout.title, layout.title_span = text, (begin, line.end)
    if not layout.title:
        for line in header[:5]:
            quoted = genre.TITLE_QUOTED_RE.search(line.text)
            if quoted and genre.TITLE_END_RE.search(quoted["title"]):
                layout.title = quoted["title"]
                layout.title_span = (line.begin + quoted.start("title"),
                                     line.begin + quoted.end("title"))
                break
    if not layout.title:
        first = lines[0]
        cut = min(len(first.text), 60)
        for stop in "。；，":
            at = first.text.find(stop)
            if 0 < at < cut:
                cut = at
        layout.title = first.text[:cut]
        layout.title_span = (first.begin, first.begin + cut)
        layout.notes.append("no title line of the genre found; the first line stands in")
    # Preface (导读)
    anchors = [i for i in (title_at, number_at) if i is not None]
    for i, line in enumerate(header):
        if not genre.PREFACE_HEAD_RE.match(line.text):
            continue
        end_i = i
        if len(line.text) <= 6 and i + 1 < len(header):  # the heading alone: take what follows
            end_i = i + 1
            later = [a for a in anchors if a > i]
            if later:
                end_i = max(end_i, later[0] - 1)
                while end_i > i and _is_title(header[end_i].text):
                    end_i -= 1
        layout.preface_span = (line.begin, header[end_i].end)
        break
    # 主送
    start_i = max([a for a in anchors] + [-1]) + 1
    addressee_at: int | None = None
    for i in range(start_i, len(header)):
        text = header[i].text
        if (
            text.endswith("：")
            and 3 <= len(text) <= 600
            and genre.ADDRESSEE_HINT_RE.search(text)
            and "。" not in text
        ):
            addressee_at = i
            line = header[i]
            layout.addressee_span = (line.begin, line.end - 1)
            break
    last = max(
        [a for a in (addressee_at, number_at, title_at) if a is not None]
        + ([_line_at(header, layout.preface_span[1])] if layout.preface_span else [])
        + [-1]
    )
    body_index = header[last].index + 1 if last >= 0 else lines[0].index
    if title_at is not None and addressee_at is None and number_at is None and last == title_at:
        body_index = header[title_at].index + 1
    layout.body_start_line = body_index
    following = [line for line in lines if line.index >= body_index]
    layout.header_end = following[0].begin if following else lines[-1].end


def _line_at(header: list[Line], view_offset: int) -> int:
    for i, line in enumerate(header):
        if line.begin <= view_offset <= line.end:
            return i
    return -1


def _parse_dates(layout: Layout, lines: list[Line]) -> None:
    """The issue date: a dated signature line, else a labelled date (成文日期/发布日期)."""
    for line in lines:
        if line.index < layout.body_start_line and not genre.DATE_LABEL_RE.search(line.text):
            continue
        iso = _is_date_line(line.text)
        if iso:
            layout.issued = iso
            i = lines.index(line)
            sig = []
            j = i - 1
            while j >= 0 and len(lines[j].text) <= 40 and not any(
                p in lines[j].text for p in "。，；：！？"
            ) and not _top_heading(lines[j].text) and lines[j].index >= layout.body_start_line:
                sig.insert(0, lines[j])
                j -= 1
                if len(sig) >= 20:
                    break
            layout.signature_lines = sig
            return
    labelled: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        label = genre.DATE_LABEL_RE.search(line.text)
        if not label:
            continue
        tail = line.text[label.end():]
        if not tail.strip() and i + 1 < len(lines):
            tail = lines[i + 1].text
        match = genre.DATE_RE.search(tail) or genre.ISO_DATE_RE.search(tail)
        if match and (iso := _iso(match)):
            rank = 0 if "成文" in label.group(0) else 1
            labelled.append((rank, iso))
    if labelled:
        layout.issued = min(labelled)[1]


def _parse_body(layout: Layout, lines: list[Line], heads: list[tuple[int, str, str, int]]) -> None:
    furniture = {line.index for line in layout.signature_lines}
    for line in lines:
        if (
            _is_date_line(line.text)
            or genre.PUBLIC_NOTE_RE.match(line.text)
            or genre.ATTACHMENT_RE.match(line.text)
            or (layout.title and line.text == layout.title)
        ):
            furniture.add(line.index)
    body = [line for line in lines if line.index >= layout.body_start_line]
    head_at = {index: (kind, numeral, rest) for index, kind, numeral, rest in heads}
    section = 0
    item_levels: dict[int, str] = {}
    item_key = 0
    for line in body:
        if line.index in furniture:
            continue
        text = line.text
        head = head_at.get(line.index)
        if head is not None:
            kind, numeral, rest = head
            section += 1
            item_levels.clear()
            item_key += 1
            title, content_from = _heading_title(text, rest, kind)
            layout.sections.append(SectionSpan(
                ordinal=section, number=numeral, title=title, begin=line.begin, end=line.end,
                title_begin=line.begin + rest, title_end=line.begin + rest + len(title),
            ))
            if kind == "article" and content_from < len(text):
                layout.blocks.append(Block(line.begin + content_from, line.end, section,
                                           f"第{numeral}条", item_key=item_key))
            elif content_from < len(text):
                layout.blocks.append(Block(line.begin + content_from, line.end, section,
                                           None, item_key=item_key))
            continue
        if layout.sections:
            layout.sections[-1].end = line.end
        level, label, rest = _item_label(text, heads[0][1] if heads else None)
        if level:
            for deeper in [k for k in item_levels if k >= level]:
                del item_levels[deeper]
            item_levels[level] = label
            item_key += 1
            path = "".join(item_levels[k] for k in sorted(item_levels))
            title_end = _item_title_end(text, rest, label)
            if title_end is not None:
                title_block = Block(line.begin + rest, line.begin + title_end, section, path,
                                    title=True, item_key=item_key)
                if title_end >= len(text.rstrip("。")) or title_end >= len(text) - 1:
                    title_block.title_only = True
                    layout.blocks.append(title_block)
                    continue
                layout.blocks.append(title_block)
                layout.blocks.append(Block(line.begin + title_end + 1, line.end, section, path,
                                           item_key=item_key))
            else:
                layout.blocks.append(Block(line.begin + rest, line.end, section, path,
                                           item_key=item_key))
            continue
        path = "".join(item_levels[k] for k in sorted(item_levels)) or None
        layout.blocks.append(Block(line.begin, line.end, section, path, item_key=item_key))
    if not layout.sections:
        layout.implicit_section = True


def _heading_title(text: str, rest: int, kind: str) -> tuple[str, int]:
    """Title of a top-level heading and where its own text (if any) starts on the line."""
    body = text[rest:]
    if kind == "article":
        return "", rest
    stop = body.find("。")
    if 0 < stop <= genre.MAX_SECTION_TITLE and stop < len(body) - 1:
        return body[:stop], rest + stop + 1
    if stop == len(body) - 1 and stop <= genre.MAX_SECTION_TITLE:
        return body[:stop], len(text)
    if len(body) <= genre.MAX_SECTION_TITLE:
        return body, len(text)
    return "", rest


def _item_label(text: str, top_kind: str | None) -> tuple[int, str, int]:
    """(level, label, offset of the rest) of a nested item label, or (0, "", 0)."""
    if top_kind == "chapter":
        match = genre.ARTICLE_RE.match(text)
        if match:
            return 2, text[: match.start("rest")], match.start("rest")
    for level, pattern in ((2, genre.SUB_PAREN_CN_RE), (3, genre.SUB_DIGIT_RE),
                           (4, genre.SUB_PAREN_DIGIT_RE)):
        match = pattern.match(text)
        if match:
            return level, text[: match.start("rest")], match.start("rest")
    return 0, "", 0


def _item_title_end(text: str, rest: int, label: str) -> int | None:
    """End (line offset, before its 。) of an item's lead-in title, when it has one."""
    if label.startswith("第"):
        return None
    body = text[rest:]
    stop = len(body)
    for mark in "。！？":
        at = body.find(mark)
        if at >= 0:
            stop = min(stop, at)
    if stop == 0 or stop > genre.MAX_ITEM_TITLE:
        return None
    if stop == len(body) and any(p in body for p in "，；"):
        return None
    return rest + stop
