"""Bytes → text: find the format and the encoding from the content, never from the file name.

Plain text may be UTF-8 (with or without BOM), UTF-16 with a BOM, or GB18030/GBK/GB2312, the
encodings Chinese government sites and Word exports use; HTML pages as ministries publish them
lose their navigation and keep the body; .docx and text PDFs are read for their paragraphs.
The text returned is what the graph stores as ``pol:fullText``: every offset the extractor
reports points into it.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from loaders.errors import LoaderError

log = logging.getLogger(__name__)

TEXT = "text/plain"
HTML = "text/html"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
MEDIA_TYPES = (TEXT, HTML, DOCX, PDF)

MAX_BYTES = 50 * 1024 * 1024
MAX_CHARS = 500_000
"""Characters of text a document may have (the longest national plans have about 150 000);
extraction time grows faster than the text, so a bigger input is refused rather than read."""
MAX_DOCX_PART = 32 * 1024 * 1024
"""Uncompressed bytes one XML part of a .docx may have (a long document's is a few MB)."""
MAX_DOCX_TOTAL = 128 * 1024 * 1024
"""Uncompressed bytes all parts of a .docx may have together (zip bombs declare far more)."""

_BINARY_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"Rar!": "a RAR archive",
    b"\x7fELF": "an executable",
    b"MZ": "a Windows executable",
    b"\xd0\xcf\x11\xe0": "a legacy Office file (.doc/.xls); save it as .docx",
}
_HTML_SNIFF_RE = re.compile(r"<(?:!doctype\s+html|html|head|body|meta|div|p|table|title)\b", re.I)
_DTD_RE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.I)


@dataclass(frozen=True, slots=True)
class SourceText:
    """A decoded document, ready for structure parsing.

    Attributes:
        text: the text stored as ``pol:fullText`` (line ends are ``\\n``).
        media_type: the detected format (one of :data:`MEDIA_TYPES`).
        encoding: the detected character encoding of the bytes (``None`` for .docx/.pdf).
        name: the file name or label, for messages and ``dcterms:source``.
        sha256: hex digest of the bytes as received.
    """

    text: str
    media_type: str
    encoding: str | None
    name: str | None
    sha256: str


def read_text(
    source: Path | bytes | str,
    *,
    name: str | None = None,
    media_type: str | None = None,
) -> SourceText:
    """Read a document of any supported format into text.

    Args:
        source: a path, the raw bytes, or already decoded text (a ``str`` is the text itself,
            not a file name: pass a :class:`~pathlib.Path` for a file).
        name: the file name when ``source`` is bytes or text (used in messages only: the format
            and encoding are found from the content).
        media_type: force a format (one of :data:`MEDIA_TYPES`) instead of detecting it.

    Returns:
        The decoded text with its format, encoding and checksum.

    Raises:
        LoaderError: the input is empty, binary, in an unknown encoding, or a broken
            .docx/.pdf; the message says where.
    """
    if media_type is not None and media_type not in MEDIA_TYPES:
        raise LoaderError(
            f"unknown media type {media_type!r}; choose one of {list(MEDIA_TYPES)} or leave it "
            "out to detect the format", source=name
        )
    if isinstance(source, Path):
        name = name or source.name
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise LoaderError(f"cannot read the file: {exc.strerror or exc}", source=name) from None
    elif isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str):
        digest = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
        text = _clean_text(source, name)
        kind = media_type or (HTML if _looks_like_html(text) else TEXT)
        if kind == HTML:
            text = _html_text(text, name)
        elif kind != TEXT:
            raise LoaderError(f"{kind} cannot be given as text; pass the bytes", source=name)
        _check_not_empty(text, name)
        _check_length(text, name)
        return SourceText(text, kind, None, name, digest)
    else:
        raise LoaderError(
            f"cannot read a {type(source).__name__}; pass a pathlib.Path, bytes or str",
            source=name,
        )
    return _read_bytes(data, name, media_type)


def _read_bytes(data: bytes, name: str | None, media_type: str | None) -> SourceText:
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise LoaderError("the file is empty; give a policy document with text", source=name)
    if len(data) > MAX_BYTES:
        raise LoaderError(
            f"the file has {len(data)} bytes, more than the {MAX_BYTES} a policy document may "
            "have; split it", source=name
        )
    kind = media_type or _sniff(data, name)
    if kind == PDF:
        from loaders._pdf import pdf_text

        text = pdf_text(data, name)
        encoding = None
    elif kind == DOCX:
        from loaders._docx import docx_text

        text = docx_text(data, name)
        encoding = None
    else:
        decoded, encoding = decode(data, name)
        text = _clean_text(decoded, name)
        if kind is None:
            kind = HTML if _looks_like_html(text) else TEXT
        if kind == HTML:
            text = _html_text(text, name)
    _check_not_empty(text, name)
    _check_length(text, name)
    log.debug("read %s as %s (%s), %d characters", name, kind, encoding, len(text))
    return SourceText(text, kind, encoding, name, digest)


def _sniff(data: bytes, name: str | None) -> str | None:
    """PDF or DOCX from the magic bytes; None for text-like content (decided after decoding)."""
    head = data[:8]
    if data.lstrip()[:5] == b"%PDF-":
        return PDF
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "word/document.xml" in names:
                    _check_docx_parts(archive, name)
                    return DOCX
        except zipfile.BadZipFile:
            raise LoaderError(
                "the file starts like a ZIP/.docx archive but is broken (byte offset 0); "
                "save the document again", source=name
            ) from None
        raise LoaderError(
            "the file is a ZIP archive but not a Word .docx (no word/document.xml); give the "
            "document itself as .txt, .html, .docx or .pdf", source=name, offset=0
        )
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise LoaderError(
                f"the file is {what}, not a policy text; give .txt, .html, .docx or .pdf",
                source=name, offset=0,
            )
    return None


def _check_docx_parts(archive: zipfile.ZipFile, name: str | None) -> None:
    """Refuse a .docx that would expand too far (a zip bomb) or whose XML declares a DTD.

    Sizes are read from the archive's directory before anything is decompressed; Python's
    ``zipfile`` never inflates a member past its declared size (it fails the CRC check), so a
    lying directory cannot get around this. Word never writes a DTD, and entity declarations
    are how XML expands a few bytes into gigabytes ("billion laughs") or reads other files.
    """
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.filename.endswith((".xml", ".rels")) and info.file_size > MAX_DOCX_PART:
            raise LoaderError(
                f"the .docx part {info.filename} would expand to {info.file_size:,} bytes, more "
                f"than the {MAX_DOCX_PART:,} a document needs; refused as a possible zip bomb "
                "(save the document again, or split it)", source=name, offset=0,
            )
    if total > MAX_DOCX_TOTAL:
        raise LoaderError(
            f"the .docx would expand to {total:,} bytes, more than the {MAX_DOCX_TOTAL:,} a "
            "document needs; refused as a possible zip bomb (save it again without large "
            "embedded files)", source=name, offset=0,
        )
    for info in archive.infolist():
        if info.filename.endswith((".xml", ".rels")):
            with archive.open(info) as part:
                head = part.read(4096)
            if _DTD_RE.search(head):
                raise LoaderError(
                    f"the .docx part {info.filename} declares a DTD or XML entities, which Word "
                    "never writes (they can expand to gigabytes or read other files); save the "
                    "document again from Word or LibreOffice", source=name, offset=0,
                )


def _check_length(text: str, name: str | None) -> None:
    if len(text) > MAX_CHARS:
        raise LoaderError(
            f"the document has {len(text):,} characters of text, more than the {MAX_CHARS:,} a "
            "policy document may have; split it into its parts", source=name,
        )


def decode(data: bytes, name: str | None = None) -> tuple[str, str]:
    """Decode text bytes, detecting the encoding from the bytes themselves.

    Order: a byte-order mark; strict UTF-8; the charset an HTML ``<meta>`` declares; strict
    GB18030 (a superset of GBK and GB2312); finally ``charset_normalizer``'s best guess when it
    yields mostly CJK text.

    Args:
        data: the raw bytes.
        name: file name for messages.

    Returns:
        ``(text, encoding)``.

    Raises:
        LoaderError: the bytes are binary or cannot be decoded; the message gives the byte
            offset and line of the first undecodable byte.
    """
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"),
                          (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return _check_text(data.decode(encoding), name), encoding
            except UnicodeDecodeError as exc:
                raise _decode_error(data, exc, name, encoding) from None
    if b"\x00" in data:
        at = data.index(b"\x00")
        raise LoaderError(
            "the file is binary (it holds NUL bytes), not a policy text; give .txt, .html, "
            ".docx or .pdf", source=name, line=data.count(b"\n", 0, at) + 1, offset=at,
        )
    try:
        return _check_text(data.decode("utf-8"), name), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    declared = _META_CHARSET_RE.search(data[:4096])
    candidates = ["gb18030"]
    if declared:
        label = declared.group(1).decode("ascii", "replace").lower()
        if label not in {"utf-8", "utf8", "gb2312", "gbk", "gb18030"}:
            candidates.insert(0, label)
    for encoding in candidates:
        try:
            return _check_text(data.decode(encoding), name), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding not in {"utf_8", "gb18030"}:
        text = str(best)
        cjk = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
        if cjk >= 0.3 * max(1, sum(1 for c in text if not c.isspace())):
            return _check_text(text, name), best.encoding
    raise _decode_error(data, utf8_error, name, "UTF-8 or GB18030")


def _decode_error(
    data: bytes, exc: UnicodeDecodeError, name: str | None, tried: str
) -> LoaderError:
    at = exc.start
    bad = data[at : at + 4].hex(" ")
    return LoaderError(
        f"cannot decode the text as {tried}: invalid bytes {bad} at byte offset {at}; save the "
        "file as UTF-8 (or GB18030) text", source=name, line=data.count(b"\n", 0, at) + 1,
        offset=at,
    )


_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x19\x1b-\x1f\x7f-\x9f]")
_STRAY_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _check_text(text: str, name: str | None) -> str:
    controls = [m.start() for m in _CONTROL_RE.finditer(text)]
    if controls and len(controls) > max(2, len(text) // 100):
        at = controls[0]
        raise LoaderError(
            f"the file looks binary ({len(controls)} control characters, the first U+"
            f"{ord(text[at]):04X}); give a policy text as .txt, .html, .docx or .pdf",
            source=name, line=text.count("\n", 0, at) + 1, offset=at,
        )
    return text


def _clean_text(text: str, name: str | None) -> str:
    """Line ends to ``\\n``, no BOM, no stray control characters, no lone surrogates."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return _STRAY_RE.sub(" ", text)


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:2000]
    return head.startswith("<") and bool(_HTML_SNIFF_RE.search(head))


def _html_text(markup: str, name: str | None) -> str:
    from loaders._html import html_text

    return html_text(markup, name)


def _check_not_empty(text: str, name: str | None) -> None:
    if not text.strip():
        raise LoaderError("the document has no text; give a policy document with text",
                          source=name)
