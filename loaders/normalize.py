"""A normalised view of the stored text, with a map back to its offsets.

Policy texts come with full-width digits (２０２５年), half-width punctuation in Chinese
sentences, spaces inside words ("导  读", "科 技 部"), ideographic spaces and, from PDFs, Kangxi
radicals in place of ideographs. The extractor reads the *view*, where all of that is
canonical, and reports spans of the *stored* text (``pol:fullText``), so that
``full_text[begin:end]`` is always the exact source of a fact. The stored text itself is never
rewritten here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Horizontal whitespace that separates nothing in Chinese text.
_SPACES = frozenset(
    " \t\f\v\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u200b\u200c\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
)
# Half-width punctuation that Chinese prose writes full-width; mapped unless between ASCII words.
_TO_FULL = {"(": "（", ")": "）", ",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}
# Full-width symbols folded to ASCII (％＋－／＝＜＞＆＃＠).
_FULL_SYMBOLS = "\uff05\uff0b\uff0d\uff0f\uff1d\uff1c\uff1e\uff06\uff03\uff20"
# Full-width or variant forms mapped to their plain form.
_SPECIAL = {"\uff0e": ".", "\uff64": "、", "\uff61": "。", "\u2024": ".", "\ufe50": "，",
            "\ufe51": "、", "\ufe52": ".", "\ufe54": "；", "\ufe55": "：", "\u2236": "："}


def _fold(char: str) -> str:
    """Canonical form of one character (may be several characters, or the same one)."""
    code = ord(char)
    if char in _SPECIAL:
        return _SPECIAL[char]
    if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
        return chr(code - 0xFEE0)  # full-width digit or letter
    if char in _FULL_SYMBOLS:
        return chr(code - 0xFEE0)
    if 0x2E80 <= code <= 0x2FDF or 0xF900 <= code <= 0xFAFF or 0x3220 <= code <= 0x3243:
        folded = unicodedata.normalize("NFKC", char)  # radicals, compatibility ideographs, ㈠
        return "".join(_TO_FULL.get(c, c) for c in folded)
    return char


@dataclass(frozen=True, slots=True)
class TextView:
    """The normalised text and, for each of its characters, the offset it came from.

    Attributes:
        source: the stored text the offsets point into.
        text: the normalised view the extractor reads.
        origin: ``origin[i]`` is the offset in ``source`` of ``text[i]``; one entry longer than
            ``text``, the last being ``len(source)``.
    """

    source: str
    text: str
    origin: tuple[int, ...]

    def span(self, begin: int, end: int) -> tuple[int, int]:
        """Offsets in the stored text of the view's ``text[begin:end]`` (end-exclusive).

        Args:
            begin: start in the view.
            end: end in the view, ``begin < end``.

        Returns:
            ``(source_begin, source_end)``; the source slice holds exactly the characters the
            view's slice came from, plus any spaces the view dropped between them.
        """
        if end <= begin:
            point = self.origin[begin] if begin < len(self.text) else len(self.source)
            return point, point
        return self.origin[begin], self.origin[end - 1] + 1

    def source_text(self, begin: int, end: int) -> str:
        """The stored text behind ``text[begin:end]``."""
        b, e = self.span(begin, end)
        return self.source[b:e]

    def line_of(self, view_offset: int) -> int:
        """1-based line number in the stored text of a view offset (for error messages)."""
        point = self.origin[min(view_offset, len(self.origin) - 1)]
        return self.source.count("\n", 0, point) + 1


def _is_word(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _make_view_slow(source: str) -> TextView:
    """Character by character (reference implementation; used when a character folds to
    several, such as ㈠ → （一）).

    """
    out: list[str] = []
    origin: list[int] = []
    n = len(source)
    pending_space = -1  # offset of a dropped space that may separate two ASCII words
    for i, char in enumerate(source):
        if char in _SPACES:
            if pending_space < 0:
                pending_space = i
            continue
        if char == "\n" or char == "\r":
            pending_space = -1
            if out and out[-1] != "\n":
                out.append("\n")
                origin.append(i)
            continue
        folded = _fold(char)
        if len(folded) == 1 and folded in _TO_FULL:
            prev = out[-1] if out else ""
            nxt = source[i + 1] if i + 1 < n else ""
            if not (_is_word(prev) and _is_word(_fold(nxt) if nxt else "")):
                folded = _TO_FULL[folded]
        if pending_space >= 0 and out and _is_word(out[-1]) and _is_word(folded[0]):
            out.append(" ")
            origin.append(pending_space)
        pending_space = -1
        for piece in folded:
            out.append(piece)
            origin.append(i)
    while out and out[-1] == "\n":
        out.pop()
        origin.pop()
    origin.append(n)
    return TextView(source=source, text="".join(out), origin=tuple(origin))


_FOLD_TABLE: dict[int, str] = {}
for _code in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]:
    _FOLD_TABLE[_code] = chr(_code - 0xFEE0)
for _char in _FULL_SYMBOLS:
    _FOLD_TABLE[ord(_char)] = chr(ord(_char) - 0xFEE0)
for _char, _to in _SPECIAL.items():
    _FOLD_TABLE[ord(_char)] = _to
for _code in [*range(0x2E80, 0x2FE0), *range(0xF900, 0xFB00)]:
    _folded = unicodedata.normalize("NFKC", chr(_code))
    if len(_folded) == 1 and _folded != chr(_code):
        _FOLD_TABLE[_code] = _TO_FULL.get(_folded, _folded)
_MULTI_RE = re.compile("[\u3220-\u3243]")
_TOKEN_RE = re.compile("[" + re.escape("".join(sorted(_SPACES))) + "]+|[\n\r]|[(),;:!?]")


def make_view(source: str) -> TextView:
    """Build the normalised view of ``source``.

    Lines are kept (one line = one paragraph), blank lines are dropped, horizontal spaces are
    removed except a single one between two ASCII words, and characters are folded as the
    module docstring says. Works run by run (``str.translate`` and one regex pass), so a long
    document costs a few milliseconds.

    Args:
        source: the stored text (already decoded, with ``\\n`` line ends).

    Returns:
        The view with its offset map.
    """
    if _MULTI_RE.search(source):
        return _make_view_slow(source)
    folded = source.translate(_FOLD_TABLE)
    out: list[str] = []
    origin: list[int] = []
    last = ""
    pos = 0
    n = len(folded)
    for match in _TOKEN_RE.finditer(folded):
        start = match.start()
        if start > pos:
            run = folded[pos:start]
            out.append(run)
            origin.extend(range(pos, start))
            last = run[-1]
        token = match.group(0)
        pos = match.end()
        if token in ("\n", "\r"):
            if last and last != "\n":
                out.append("\n")
                origin.append(start)
                last = "\n"
            continue
        nxt = folded[pos] if pos < n else ""
        if token in _TO_FULL:
            char = token if _is_word(last) and _is_word(nxt) else _TO_FULL[token]
        elif _is_word(last) and _is_word(nxt):
            char = " "
        else:
            continue
        out.append(char)
        origin.append(start)
        last = char
    if pos < n:
        out.append(folded[pos:])
        origin.extend(range(pos, n))
    text = "".join(out)
    while text.endswith("\n"):
        text = text[:-1]
        origin.pop()
    origin.append(len(source))
    return TextView(source=source, text=text, origin=tuple(origin))
