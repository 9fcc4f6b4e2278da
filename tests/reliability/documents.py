"""Bad documents made on the spot: each one a way a real upload goes wrong.

Nothing here is read from disk: the files are built in memory (a zip bomb, a PDF without a
text layer, a .docx with a DTD …) so that the tests say exactly what they feed the loaders.
"""

from __future__ import annotations

import io
import zipfile
import zlib

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def docx_bytes(document_xml: bytes | str) -> bytes:
    """A minimal .docx whose ``word/document.xml`` is ``document_xml``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("word/document.xml", document_xml)
    return out.getvalue()


def docx_of(paragraphs: list[str]) -> bytes:
    """A valid .docx holding ``paragraphs``."""
    from xml.sax.saxutils import escape

    body = "".join(f"<w:p><w:r><w:t>{escape(p)}</w:t></w:r></w:p>" for p in paragraphs)
    return docx_bytes(
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>'
    )


def zip_bomb_docx(megabytes: int = 256) -> bytes:
    """A .docx of a few hundred KB whose ``document.xml`` expands to ``megabytes`` MiB."""
    head = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}"><w:body><w:p>'
    chunk = b"<w:r><w:t>" + b"A" * 65_000 + b"</w:t></w:r>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(head.encode())
            for _ in range(megabytes * 2**20 // len(chunk)):
                part.write(chunk)
            part.write(b"</w:p></w:body></w:document>")
    return out.getvalue()


def billion_laughs_docx() -> bytes:
    """A .docx whose document.xml declares nested entities (a billion laughs, ~3 GB expanded)."""
    entities = ['<!ENTITY lol0 "lollollollollollollollollollol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<!DOCTYPE w:document [{''.join(entities)}]>\n"
        f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>'
        "</w:body></w:document>"
    )
    return docx_bytes(xml)


def external_entity_docx(url: str) -> bytes:
    """A .docx whose document.xml pulls an external entity from ``url`` (XXE)."""
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<!DOCTYPE w:document [<!ENTITY ext SYSTEM "{url}">]>\n'
        f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&ext;</w:t></w:r></w:p>'
        "</w:body></w:document>"
    )
    return docx_bytes(xml)


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF file of numbered ``objects`` (object 1 is the catalog), with a correct xref."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
            "%%EOF\n").encode()
    return bytes(out)


def _stream(data: bytes, extra: str = "") -> bytes:
    return f"<< /Length {len(data)} {extra}>>\nstream\n".encode() + data + b"\nendstream"


def image_only_pdf() -> bytes:
    """A one-page PDF that shows a grey image and holds no text at all (a scan)."""
    pixels = zlib.compress(bytes(range(256)) * 64)  # a 128 x 128 grey gradient
    content = b"q 400 0 0 400 100 200 cm /Im1 Do Q"
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
        _stream(content),
        _stream(pixels, "/Type /XObject /Subtype /Image /Width 128 /Height 128 "
                "/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode "),
    ])


def text_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with ASCII text lines in Helvetica (a text layer a reader can extract)."""
    ops = ["BT /F1 12 Tf 72 760 Td 14 TL"]
    for line in lines:
        safe = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({safe}) Tj T*")
    ops.append("ET")
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        _stream("\n".join(ops).encode("latin-1")),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


def undecodable_text() -> bytes:
    """Bytes that are neither UTF-8 nor GB18030 and hold no NUL (a text file gone wrong)."""
    # 0x80 and 0xFF are never valid lead bytes in GB18030, nor start a UTF-8 sequence.
    return ("关于支持产业转移的通知\n".encode() + b"\x80\xff\x80\xff" * 64 +
            "一、加强规划引导\n".encode())
