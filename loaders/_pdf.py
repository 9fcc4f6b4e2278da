"""Text PDF → text: extract the lines, drop page furniture and join lines the layout wrapped.

A PDF holds lines, not paragraphs. Official documents are set in lines of equal width, so a
line that reaches the full width and does not end a sentence continues in the next line; a
shorter line ends its paragraph (headings, the last line of a paragraph). Scanned PDFs carry
no text and are refused with a message that says so.
"""

from __future__ import annotations

import io
import re

from loaders.errors import LoaderError

_PAGE_NUMBER_RE = re.compile(r"^[-—–－\s]*(?:第\s*)?\d{1,4}\s*(?:页)?[-—–－\s]*$|^\d+\s*/\s*\d+$")
_ENDS_PARAGRAPH = (*"。！？；：”」）", ":")


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

    try:
        raw = extract_text(io.BytesIO(data), laparams=LAParams(line_margin=0.3))
    except PDFSyntaxError as exc:
        raise LoaderError(f"the PDF is broken ({exc}); export it again", source=name) from None
    except Exception as exc:  # pdfminer raises many kinds (encryption, bad streams)
        raise LoaderError(
            f"the PDF cannot be read ({type(exc).__name__}: {exc}); export it again as a "
            "text PDF without a password", source=name,
        ) from None
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
        if _width(line) < full - 4 or line.endswith(_ENDS_PARAGRAPH):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs
