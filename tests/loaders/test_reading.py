"""Reading: encodings and formats come from the bytes; bad input is refused with where and why."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from loaders import LoaderError, read_text
from loaders.reading import DOCX, HTML, PDF, TEXT
from tests.loaders.conftest import DATA, EVAL

SAMPLE = "关于促进制造业有序转移的指导意见\n一、总体要求\n引导劳动密集型产业向中西部地区转移。\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312", "utf-16"])
def test_encodings_are_detected_from_the_bytes(encoding: str) -> None:
    read = read_text(SAMPLE.encode(encoding), name="misleading.html")
    assert read.text == SAMPLE
    assert read.media_type == TEXT


def test_gb18030_file_of_the_eval_set(eval_dir: Path) -> None:
    path = eval_dir / "01_zhongxibu_chengjie.txt"
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    read = read_text(path)
    assert read.encoding == "gb18030"
    assert "\r" not in read.text
    assert read.text.startswith("国务院关于中西部地区承接产业转移的指导意见")


def test_bom_is_dropped(eval_dir: Path) -> None:
    read = read_text(eval_dir / "05_shengji_shishi.txt")
    assert read.text.startswith("某省人民政府办公厅")


def test_str_is_the_text_itself() -> None:
    read = read_text(SAMPLE)
    assert read.text == SAMPLE
    assert read.encoding is None


def test_html_page_loses_its_navigation(eval_dir: Path) -> None:
    read = read_text(eval_dir / "02_shifanqu_guanli.html")
    assert read.media_type == HTML
    for chrome in ("首页", "机构设置", "相关文件", "版权所有", "分享到", "_hmt", "当前位置"):
        assert chrome not in read.text
    lines = read.text.split("\n")
    assert lines[0] == "国家发展改革委关于印发《承接产业转移示范区管理办法》的通知"
    assert "发改地区〔2023〕729号" in lines
    assert "第十三条　本办法由国家发展改革委负责解释，自印发之日起施行。" in lines


def test_html_with_declared_gbk_charset() -> None:
    page = ('<html><head><meta charset="gbk"></head><body><div class="nav"><a>首页</a>'
            '<a>新闻</a></div><p>一、总体要求</p><p>支持中西部地区承接产业转移。</p></body></html>')
    read = read_text(page.encode("gbk"))
    assert read.media_type == HTML
    assert read.encoding == "gb18030"
    assert read.text == "一、总体要求\n支持中西部地区承接产业转移。"


def _docx(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    table = document.add_table(rows=1, cols=1)
    table.cell(0, 0).text = "表格中的文字。"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_paragraphs_and_tables() -> None:
    data = _docx(["关于推动产业转移的通知", "一、总体要求", "支持中西部地区承接产业转移。"])
    read = read_text(data, name="x.txt")
    assert read.media_type == DOCX
    assert read.text == (
        "关于推动产业转移的通知\n一、总体要求\n支持中西部地区承接产业转移。\n表格中的文字。"
    )


def test_docx_document_extracts_like_its_text(load: Any, eval_dir: Path) -> None:
    text = (eval_dir / "03_laogongye_shifanqu.txt").read_text(encoding="utf-8")
    from_docx = load(_docx(text.split("\n")), name="laogongye.docx")
    from_text = load(eval_dir / "03_laogongye_shifanqu.txt")
    assert from_docx.media_type == DOCX
    assert [m.text for m in from_docx.measures] == [m.text for m in from_text.measures]
    assert from_docx.issuers == from_text.issuers


def test_pdf_is_reflowed_and_radicals_folded(load: Any, eval_dir: Path) -> None:
    """A PDF printed by Chromium: wrapped lines joined, Kangxi radicals read as ideographs."""
    record = load(DATA / "laogongye_shifanqu.pdf")
    from_text = load(eval_dir / "03_laogongye_shifanqu.txt")
    assert record.media_type == PDF
    assert "⼯" not in record.full_text and "⻓" not in record.full_text
    assert record.number == "发改振兴〔2021〕1618号"
    assert [m.text for m in record.measures] == [m.text for m in from_text.measures]


def test_sha256_is_of_the_bytes() -> None:
    import hashlib

    data = SAMPLE.encode("gb18030")
    assert read_text(data).sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"   \n\t  \n", "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "PNG image"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "legacy Office"),
        ("一、总体要求\n".encode() + b"\x00\x01\x02binary", "binary"),
        (b"PK\x03\x04not really a zip", "ZIP"),
        (b"%PDF-1.4\nnot a pdf at all", "PDF"),
    ],
)
def test_bad_input_is_refused_with_a_reason(data: bytes, words: str) -> None:
    with pytest.raises(LoaderError, match=words):
        read_text(data, name="upload.bin")


def test_undecodable_bytes_say_where() -> None:
    data = "第一行\n第二行".encode() + b"\n\xff\xfe\xfa\x80\x81\x82"
    with pytest.raises(LoaderError) as caught:
        read_text(data, name="bad.txt")
    message = str(caught.value)
    assert "bad.txt" in message and "line 3" in message and "byte offset 20" in message
    assert caught.value.line == 3 and caught.value.offset == 20


def test_binary_with_nul_says_where() -> None:
    with pytest.raises(LoaderError) as caught:
        read_text(b"abc\ndef\x00", name="x")
    assert caught.value.line == 2 and caught.value.offset == 7


def test_zip_without_word_document() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(LoaderError, match=r"not a Word \.docx"):
        read_text(buffer.getvalue())


def test_missing_file_and_unknown_media_type(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match="cannot read the file"):
        read_text(tmp_path / "nope.txt")
    with pytest.raises(LoaderError, match="unknown media type"):
        read_text(b"x", media_type="text/markdown")


def test_forced_media_type_wins() -> None:
    markup = "<p>一、总体要求</p>"
    assert read_text(markup.encode(), media_type=TEXT).text == markup
    assert read_text(markup.encode(), media_type=HTML).text == "一、总体要求"


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    blank = (
        b"%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 100 100]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
    with pytest.raises(LoaderError, match=r"no text layer|cannot be read|broken"):
        read_text(blank, name="scan.pdf")


def test_eval_pdf_fixture_is_present() -> None:
    assert (DATA / "laogongye_shifanqu.pdf").stat().st_size > 1000
    assert (EVAL / "02_shifanqu_guanli.html").exists()
