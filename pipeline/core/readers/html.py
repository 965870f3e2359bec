"""Government web pages (.html/.htm) → Document, with lxml's HTML parser.

The charset comes from a byte-order mark or the page's meta tag, else it is detected. Page
chrome (scripts, navigation, share and font-size widgets, footers) is dropped. A table that
holds other tables is layout, not data: its cells are read as containers. Data tables become
rows with one cell per <td>/<th>; a cell covered by a rowspan from above appears blank, as in
Word's text export, so the parser sees the same shapes whatever the source.
"""
from __future__ import annotations

import re

from pipeline.core import codebook as cb
from pipeline.core.document import Block, Document, Paragraph, Table, TableRow
from pipeline.core.readers.safety import reject_entity_declarations
from pipeline.core.readers.text import decode
from pipeline.core.rejection import Rejected
from pipeline.core.textnorm import strip_debris

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_SKIP_TAGS = {"script", "style", "noscript", "nav", "header", "footer", "form", "button", "select", "iframe",
              "object", "embed", "svg", "canvas", "template", "head", "aside", "input", "textarea"}
_CHROME = re.compile(r"nav|menu|breadcrumb|crumb|share|fontsize|font-size|zihao|toolbar|footer|header|"
                     r"print|sidebar|related|bdshare|copyright|topbar|position|location", re.I)
_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article", "main",
               "blockquote", "pre", "center", "dl", "dt", "dd", "tr", "body", "html", "caption", "address"}
_WS = re.compile(r"[ \t\r\n\f]+")

_GB_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030"}


def decode_html(data: bytes) -> tuple[str, str]:
    """(text, encoding): BOM, then the meta charset, then the text reader's detection."""
    if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        m = _META_CHARSET.search(data[:4096])
        if m:
            declared = m.group(1).decode("ascii").lower()
            enc = _GB_ALIASES.get(declared, declared)
            try:
                return data.decode(enc), enc
            except (LookupError, UnicodeDecodeError):
                pass  # a wrong declaration is common; fall back to detection
    return decode(data)


def read_html(data: bytes) -> Document:
    import lxml.html
    from lxml import etree

    reject_entity_declarations(data[:8192], "web page")
    text, encoding = decode_html(data)
    parser = lxml.html.HTMLParser(encoding="utf-8", no_network=True, remove_comments=True, remove_pis=True)
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    except etree.LxmlError as exc:  # ParserError ("Document is empty"), a syntax error lxml gives up on
        raise Rejected(cb.REJECT_BROKEN, f"unreadable web page: {exc}") from exc
    walker = _Walker()
    for field in _head_fields(root):  # the page's own title and metadata, as the page shows them
        walker.line.append(field)
        walker.flush()
    walker.walk(root)
    walker.flush()
    return Document(tuple(walker.blocks), "html", encoding)


# <meta> fields of the government site platforms (ArticleTitle, PubDate, ContentSource), and <title>
_META_FIELDS = (("articletitle", "标题"), ("pubdate", "发布日期"), ("contentsource", "发布机构"))
_TITLE_SUFFIX = re.compile(r"\s*(?:[_|｜]|--|——|-\s).*$")


def _head_fields(root) -> list[str]:
    """'标题：…', '发布日期：…', '发布机构：…' from the page head, where the page states them. The <title>
    is used without its site name ('…年度报告_某某县人民政府') when there is no ArticleTitle."""
    meta = {(m.get("name") or "").strip().lower(): (m.get("content") or "").strip()
            for m in root.xpath("//head/meta[@name][@content]")}
    fields = [f"{label}：{_WS.sub(' ', meta[name])}" for name, label in _META_FIELDS if meta.get(name)]
    if not meta.get("articletitle"):
        title = root.xpath("string(//head/title)")
        title = _TITLE_SUFFIX.sub("", _WS.sub(" ", strip_debris(title)).strip())
        if title:
            fields.insert(0, f"标题：{title}")
    return fields


class _Walker:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.line: list[str] = []
        self.index = 0

    def flush(self) -> None:
        text = _WS.sub(" ", strip_debris("".join(self.line))).strip()
        self.line = []
        if text:
            self.index += 1
            self.blocks.append(Paragraph(text, self.index))

    def walk(self, el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP_TAGS or _is_chrome(el):
            self._tail(el)
            return
        if tag == "br":
            self.flush()
            self._tail(el)
            return
        if tag == "table" and not el.xpath(".//table"):
            self.flush()
            self._table(el)
            self._tail(el)
            return
        block = tag in _BLOCK_TAGS or tag in ("table", "td", "th")
        if block:
            self.flush()
        if el.text and tag:
            self.line.append(el.text)
        for child in el:
            self.walk(child)
        if block:
            self.flush()
        self._tail(el)

    def _tail(self, el) -> None:
        if el.tail:
            self.line.append(el.tail)

    def _table(self, table) -> None:
        rows: list[TableRow] = []
        covered: dict[tuple[int, int], bool] = {}  # (row, col) cells taken by a rowspan from above
        spanned = 0
        for r, tr in enumerate(table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")):
            cells: list[str] = []
            col = 0
            for td in tr.xpath("./td|./th"):
                while covered.pop((r, col), False):
                    cells.append("")
                    col += 1
                text = _WS.sub(" ", strip_debris(td.text_content())).strip()
                span = _int_attr(td, "colspan")
                spanned += span * _int_attr(td, "rowspan")
                if spanned > MAX_TABLE_CELLS:  # rowspan/colspan bombs: bounded work and memory
                    raise Rejected(cb.REJECT_TOO_LARGE, f"a web-page table of more than {MAX_TABLE_CELLS:,} "
                                   "cells (counting rowspan and colspan): not a report table; refused")
                for dr in range(1, _int_attr(td, "rowspan")):
                    for dc in range(span):
                        covered[(r + dr, col + dc)] = True
                cells.append(text)
                col += span
            while covered.pop((r, col), False):
                cells.append("")
                col += 1
            self.index += 1
            if any(cells):
                rows.append(TableRow(tuple(cells), self.index))
        if rows:
            self.blocks.append(Table(tuple(rows)))


MAX_TABLE_CELLS = 200_000  # a report's largest table has some 300 cells


def _int_attr(el, name: str) -> int:
    try:
        return max(1, min(int(el.get(name, "1")), 100))
    except ValueError:
        return 1


def _is_chrome(el) -> bool:
    ident = f"{el.get('class', '')} {el.get('id', '')}" if isinstance(el.tag, str) else ""
    return bool(ident.strip()) and bool(_CHROME.search(ident))
