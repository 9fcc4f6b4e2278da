"""Text PDF → text: extract the lines, drop page furniture and join lines the layout wrapped.

A PDF holds lines, not paragraphs. Official documents are set in lines of equal width, so a
line that reaches the full width and does not end a sentence continues in the next line; a
shorter line ends its paragraph (headings, the last line of a paragraph). Ideographs that a
font maps to Kangxi radicals (⼯ for 工) are read as the ideographs they print. Scanned PDFs
carry no text and are refused with a message that says so.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata

from loaders.errors import LoaderError

_PAGE_NUMBER_RE = re.compile(r"^[-—–－\s]*(?:第\s*)?\d{1,4}\s*(?:页)?[-—–－\s]*$|^\d+\s*/\s*\d+$")
_ENDS_PARAGRAPH = (*"。！？；：”」）", ":")


_RADICALS = {
    code: folded
    for code in [*range(0x2E80, 0x2FE0), *range(0xF900, 0xFB00)]
    if len(folded := unicodedata.normalize("NFKC", chr(code))) == 1 and folded != chr(code)
}
# CJK Radicals Supplement forms have no decomposition; the ideographs they stand for, after
# Unicode's EquivalentUnifiedIdeograph.txt (the forms PDF fonts emit for simplified text).
_RADICALS.update(str.maketrans(
    "⺟⺠⺧⺮⻅⻆⻈⻉⻋⻌⻐⻓⻔⻙⻚⻛⻜⻠⻢⻥⻦⻧⻨⻩⻪⻬⻮⻰⻳",
    "母民牛竹见角讠贝车辶钅长门韦页风飞饣马鱼鸟卤麦黄黾齐齿龙龟",
))


def pdf_text(data: bytes, name: str | None = None) -> str:
    """The text of a text PDF, with wrapped lines joined into paragraphs.

    Args:
        data: the PDF bytes.
        name: file name for messages.

    Returns:
        One paragraph per line.

    Raises:
        LoaderError: the PDF is broken, encrypted, or has no text layer.
    """
    from pdfminer.high_level import extract_text
    from pdfminer.layout import LAParams
    from pdfminer.pdfparser import PDFSyntaxError

    quiet = [logging.getLogger(n) for n in ("pdfminer", "pdfminer.pdffont", "pdfminer.pdfpage")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:  # font warnings of CJK PDFs say nothing about the text
        logger.setLevel(logging.ERROR)
    try:
        raw = extract_text(io.BytesIO(data), laparams=LAParams(line_margin=0.3))
    except PDFSyntaxError as exc:
        raise LoaderError(f"the PDF is broken ({exc}); export it again", source=name) from None
    except Exception as exc:  # pdfminer raises many kinds (encryption, bad streams)
        raise LoaderError(
            f"the PDF cannot be read ({type(exc).__name__}: {exc}); export it again as a "
            "text PDF without a password", source=name,
        ) from None
    finally:
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)
    raw = raw.translate(_RADICALS)  # fonts that map ideographs to Kangxi radicals (⼯ for 工)
    lines = [line.strip() for line in raw.replace("\f", "\n").split("\n")]
    lines = [line for line in lines if line and not _PAGE_NUMBER_RE.match(line)]
    if not lines:
        raise LoaderError(
            "the PDF has no text layer (a scan?); give a text PDF or the text itself",
            source=name,
        )
    return "\n".join(_reflow(lines))


def _width(line: str) -> int:
    return sum(2 if ord(c) > 0x2E80 else 1 for c in line if not c.isspace())


def _reflow(lines: list[str]) -> list[str]:
    widths = sorted(_width(line) for line in lines)
    full = widths[int(len(widths) * 0.9)] if widths else 0
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        current += line
        # a line short of the full measure by more than three characters (an indented first
        # line is two short) ends its paragraph
        if _width(line) < full - 6 or line.endswith(_ENDS_PARAGRAPH):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs
