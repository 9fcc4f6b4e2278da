"""HTML page → text: drop navigation, menus, footers and scripts; keep the document's words.

Ministry and government sites wrap a document in site chrome (menus, breadcrumbs, "related
documents" lists, share buttons, copyright footers) and sometimes put the title and 文号 in a
metadata table above the body. Everything that is not chrome is kept, one block element per
line, so the structure parser still sees the title, the number, the date and the body.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, ProcessingInstruction, Tag

from loaders.errors import LoaderError

_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "nav", "header", "footer",
              "aside", "form", "button", "select", "input", "textarea", "svg", "canvas", "object",
              "embed", "head", "link", "meta")
_CHROME_HINT_RE = re.compile(
    r"(?:^|[-_ ])(?:nav|navbar|menu|breadcrumb|crumb|footer|foot|header|top-?bar|sidebar|"
    r"share|social|related|xgwj|xgxx|print|search|login|banner|copyright|bottom|dyfx|fx)"
    r"(?:$|[-_ \d])",
    re.I,
)
_BLOCK_TAGS = frozenset({
    "p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "td", "th", "table",
    "section", "article", "main", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "hr",
    "center", "caption", "figcaption", "address",
})
# Lines that are site furniture rather than the document (a rule of government sites).
_FURNITURE_RE = re.compile(
    r"版权所有|ICP备|网站标识码|公网安备|主办单位|承办单位|技术支持|联系我们|网站地图|"
    r"当前位置|您现在的位置|首页\s*[>＞»]|【?字(?:体|号)[:：]?\s*[大中小]|打印本页|关闭窗口|"
    r"分享到|扫一扫|收藏本页|返回顶部|浏览次数|阅读次数"
)


def html_text(markup: str, name: str | None = None) -> str:
    """The readable text of a published page, one block per line.

    Args:
        markup: the decoded HTML.
        name: file name for messages.

    Returns:
        The page text without site chrome.

    Raises:
        LoaderError: the page holds no text at all once chrome is removed.
    """
    soup = BeautifulSoup(markup, "lxml")
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for tag in list(soup.find_all(True)):
        if tag.decomposed or not isinstance(tag, Tag):
            continue
        attrs = " ".join([str(tag.get("id") or ""), *(tag.get("class") or [])])
        if attrs.strip() and _CHROME_HINT_RE.search(attrs) and not _holds_prose(tag):
            tag.decompose()
    for tag in list(soup.find_all(["ul", "ol", "div", "table", "p", "td"])):
        if not tag.decomposed and _is_link_list(tag):
            tag.decompose()
    root = soup.body or soup
    pieces: list[str] = []
    _walk(root, pieces)
    lines = []
    for raw in "".join(pieces).split("\n"):
        line = raw.strip(" \t\u00a0\u3000\r")
        if line and not _FURNITURE_RE.search(line):
            lines.append(line)
    text = "\n".join(lines)
    if not text.strip():
        raise LoaderError("the HTML page has no text outside its navigation", source=name)
    return text


def _walk(node: Tag, out: list[str]) -> None:
    for child in node.children:
        if isinstance(child, Tag):
            block = child.name in _BLOCK_TAGS
            if block:
                out.append("\n")
            _walk(child, out)
            if block:
                out.append("\n")
        elif not isinstance(child, Doctype | Declaration | ProcessingInstruction):
            # a page without <body> is walked from the top: its DOCTYPE is not text
            out.append(re.sub(r"[ \t\r\n]+", " ", str(child)))


def _cjk(text: str) -> int:
    return sum(1 for c in text if "\u4e00" <= c <= "\u9fff")


def _holds_prose(tag: Tag) -> bool:
    """True when a block holds sentences (a document body), whatever its class says."""
    text = tag.get_text()
    return _cjk(text) > 200 and text.count("。") >= 3


def _is_link_list(tag: Tag) -> bool:
    """A block that is mostly links and has no sentences: a menu or a list of other pages."""
    text = tag.get_text()
    total = _cjk(text)
    if total == 0 or "。" in text:
        return False
    linked = sum(_cjk(a.get_text()) for a in tag.find_all("a"))
    return linked >= 0.6 * total and len(tag.find_all("a")) >= 2
