"""Source text as HTML with its measures as links and its mentions marked, built from offsets.

Offsets are Unicode code points, end-exclusive, exactly as the graph stores them
(``pol:beginOffset``/``pol:endOffset`` into ``pol:fullText``), so Python slicing cuts the text.
The text is cut at every span boundary and each piece is escaped on its own: whatever the text
holds, the only markup in the result is the one written here. Spans may nest or overlap (two
mentions of one phrase, a mention crossing a measure's edge): each piece takes the innermost
measure and the innermost mention that cover it, so nothing is lost or doubled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from markupsafe import Markup, escape


@dataclass(frozen=True, slots=True)
class Span:
    """One stretch of the text to mark.

    Attributes:
        begin: first code point (in the same coordinates as the other spans).
        end: one past the last code point.
        kind: for mentions ``region``/``industry``/``instrument``/``ministry``; ``measure`` else.
        href: where a measure links to (its page).
        anchor: the HTML id of a measure, so the text can be opened at it.
        title: a tooltip (for mentions: what the words denote).
    """

    begin: int
    end: int
    kind: str = "measure"
    href: str | None = None
    anchor: str | None = None
    title: str | None = None


def _innermost(spans: Sequence[Span], a: int, b: int) -> Span | None:
    covering = [s for s in spans if s.begin <= a and s.end >= b]
    return min(covering, key=lambda s: (s.end - s.begin, -s.begin)) if covering else None


def _clip(spans: Sequence[Span], size: int) -> list[Span]:
    return [s for s in spans if 0 <= s.begin < s.end <= size]


def _mention_html(text: str, mention: Span | None) -> str:
    if mention is None:
        return str(escape(text))
    title = f' title="{escape(mention.title)}"' if mention.title else ""
    kind = escape(mention.kind)
    return f'<span class="mention mention-{kind}"{title}>{escape(text)}</span>'


def highlight(
    text: str, measures: Sequence[Span] = (), mentions: Sequence[Span] = (), *, shift: int = 0
) -> Markup:
    """The text as safe HTML, measures wrapped in links and mentions in coloured spans.

    Args:
        text: the plain text (a document's full text, or a part of it).
        measures: spans that become ``<a class="measure" href=… id=…>``.
        mentions: spans that become ``<span class="mention mention-KIND">``.
        shift: subtracted from every span's offsets, for a text that starts inside the
            document (a section, a measure) while the spans count from the document's start.

    Returns:
        HTML that can go into a template as is; spans outside the text are left out.
    """
    size = len(text)

    def moved(spans: Sequence[Span]) -> list[Span]:
        if not shift:
            return _clip(spans, size)
        return _clip(
            [
                Span(s.begin - shift, s.end - shift, s.kind, s.href, s.anchor, s.title)
                for s in spans
            ],
            size,
        )

    measure_spans, mention_spans = moved(measures), moved(mentions)
    cuts = sorted(
        {0, size}
        | {s.begin for s in (*measure_spans, *mention_spans)}
        | {s.end for s in (*measure_spans, *mention_spans)}
    )
    # Pieces of text with the measure and the mention that hold them, merged when both repeat.
    pieces: list[tuple[Span | None, Span | None, str]] = []
    for a, b in pairwise(cuts):
        owner = _innermost(measure_spans, a, b)
        mention = _innermost(mention_spans, a, b)
        if pieces and pieces[-1][0] is owner and pieces[-1][1] is mention:
            pieces[-1] = (owner, mention, pieces[-1][2] + text[a:b])
        else:
            pieces.append((owner, mention, text[a:b]))

    out: list[str] = []
    open_measure: Span | None = None
    anchored: set[str] = set()
    for owner, mention, chunk in pieces:
        if owner is not open_measure:
            if open_measure is not None:
                out.append("</a>")
            if owner is not None:
                attrs = ['class="measure"']
                if owner.anchor and owner.anchor not in anchored:
                    anchored.add(owner.anchor)
                    attrs.append(f'id="{escape(owner.anchor)}"')
                if owner.href:
                    attrs.append(f'href="{escape(owner.href)}"')
                if owner.title:
                    attrs.append(f'title="{escape(owner.title)}"')
                out.append(f"<a {' '.join(attrs)}>")
            open_measure = owner
        out.append(_mention_html(chunk, mention))
    if open_measure is not None:
        out.append("</a>")
    return Markup("".join(out))
