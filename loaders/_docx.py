"""Word .docx → text: paragraphs and table cells in document order, one per line."""

from __future__ import annotations

import io
import zipfile

from loaders.errors import LoaderError

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_text(data: bytes, name: str | None = None) -> str:
    """The text of a .docx, paragraph by paragraph (tables cell by cell).

    Args:
        data: the .docx bytes.
        name: file name for messages.

    Returns:
        Paragraph texts joined by newlines.

    Raises:
        LoaderError: the archive is not a readable Word document.
    """
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise LoaderError(
            f"the .docx cannot be opened ({exc}); save the document again as .docx",
            source=name,
        ) from None
    except Exception as exc:  # python-docx raises lxml errors for broken XML parts
        raise LoaderError(
            f"the .docx is broken ({type(exc).__name__}: {exc}); save it again as .docx",
            source=name,
        ) from None
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        if block.tag == _W + "p":
            lines.append(_paragraph(block))
        elif block.tag == _W + "tbl":
            for cell_paragraph in block.iter(_W + "p"):
                lines.append(_paragraph(cell_paragraph))
    return "\n".join(line for line in (raw.strip() for raw in lines) if line)


def _paragraph(element) -> str:  # type: ignore[no-untyped-def]
    parts: list[str] = []
    for node in element.iter():
        if node.tag == _W + "t" and node.text:
            parts.append(node.text)
        elif node.tag == _W + "tab":
            parts.append(" ")
        elif node.tag in (_W + "br", _W + "cr"):
            parts.append("\n")
    return "".join(parts)
