"""Word .docx → Document, reading `word/document.xml` itself with lxml (after the zip and XML guards).

Each table row becomes one cell per <w:tc>, as Word's own text export does: a horizontally merged
cell (gridSpan) appears once, a vertically merged continuation cell (vMerge without restart)
appears blank. Content controls (<w:sdt>) are unwrapped wherever they stand: around paragraphs,
tables, rows or cells. A table whose cells hold tables is a layout table around the report: its
content is read in order as if it stood in the body. Deleted text (tracked changes) is left out;
inserted text is read.
"""
from __future__ import annotations

import posixpath

from pipeline.core import codebook as cb
from pipeline.core.document import Block, Document, Paragraph, Table, TableRow
from pipeline.core.readers.safety import ZIP_ERRORS, check_xml_parts, open_zip
from pipeline.core.rejection import Rejected
from pipeline.core.textnorm import strip_debris

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _TBL, _TR, _TC = W + "p", W + "tbl", W + "tr", W + "tc"
_SDT, _SDT_CONTENT = W + "sdt", W + "sdtContent"
_R, _T, _TAB, _BR, _CR = W + "r", W + "t", W + "tab", W + "br", W + "cr"
_NB_HYPHEN, _PTAB = W + "noBreakHyphen", W + "ptab"
_TC_PR, _V_MERGE, _VAL, _TYPE = W + "tcPr", W + "vMerge", W + "val", W + "type"
# run containers inside a paragraph whose runs are text of the paragraph (w:del is not)
_RUN_HOLDERS = {W + "hyperlink", W + "ins", W + "smartTag", W + "fldSimple", W + "customXml", _SDT,
                _SDT_CONTENT, W + "moveTo", W + "dir", W + "bdo"}
_OFFICE_DOCUMENT = "/officeDocument"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def read_docx(data: bytes) -> Document:
    from lxml import etree

    archive = open_zip(data, "Word document")
    check_xml_parts(archive, "Word document")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        body = etree.fromstring(archive.read(_main_part(archive, parser)), parser).find(W + "body")
    except (*ZIP_ERRORS, etree.XMLSyntaxError) as exc:  # no such part, a damaged member, malformed XML
        raise Rejected(cb.REJECT_BROKEN,
                       f"not a readable Word document ({type(exc).__name__}: {str(exc)[:120]})") from exc
    if body is None:
        raise Rejected(cb.REJECT_BROKEN, "not a readable Word document (no w:body in the main part)")
    blocks: list[Block] = []
    _walk(body, blocks, [0])
    return Document(tuple(blocks), "docx", None)


def _main_part(archive, parser) -> str:
    """The main document part named by the package relationships (word/document.xml as a rule)."""
    from lxml import etree

    try:
        rels = etree.fromstring(archive.read("_rels/.rels"), parser)
    except KeyError:
        return "word/document.xml"
    for rel in rels.iter(_REL):
        if rel.get("Type", "").endswith(_OFFICE_DOCUMENT):
            return posixpath.normpath(rel.get("Target", "").lstrip("/"))
    return "word/document.xml"


def _walk(container, blocks: list[Block], index: list[int]) -> None:
    """Paragraphs and tables in document order; `index` counts them (and table rows) as python-docx's
    reader did, so that lines are stable."""
    for child in _unwrapped(container):
        tag = child.tag
        if tag == _P:
            index[0] += 1
            text = strip_debris(_paragraph_text(child)).strip()
            if text:
                blocks.append(Paragraph(text, index[0]))
        elif tag == _TBL:
            index[0] += 1
            rows = [[_cell(tc) for tc in _unwrapped(tr) if tc.tag == _TC]
                    for tr in _unwrapped(child) if tr.tag == _TR]
            if any(nested for row in rows for _, _, nested in row):
                for row in rows:  # a layout table: its cells' content, in reading order
                    for tc, _, _ in row:
                        _walk(tc, blocks, index)
                continue
            out = []
            for row in rows:
                index[0] += 1
                out.append(TableRow(tuple(text for _, text, _ in row), index[0]))
            if out:
                blocks.append(Table(tuple(out)))


def _cell(tc) -> tuple[object, str, bool]:
    """(the w:tc, its text — blank when it continues a vertical merge —, whether it holds a table)."""
    texts: list[str] = []
    nested = False
    for child in _unwrapped(tc):
        tag = child.tag
        if tag == _P:
            texts.append(strip_debris(_paragraph_text(child)).strip())
        elif tag == _TBL:
            nested = True
        elif tag == _TC_PR:
            merge = child.find(_V_MERGE)
            if merge is not None and merge.get(_VAL, "continue") == "continue":
                return tc, "", any(e.tag == _TBL for e in _unwrapped(tc))
    return tc, "".join(texts), nested


def _unwrapped(element):
    """Children, with content controls replaced by their content."""
    for child in element:
        if child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _unwrapped(content)
        else:
            yield child


def _paragraph_text(p) -> str:
    parts: list[str] = []
    _runs_text(p, parts)
    return "".join(parts)


def _runs_text(element, parts: list[str]) -> None:
    for child in element:
        tag = child.tag
        if tag == _R:
            for e in child:
                t = e.tag
                if t == _T:
                    parts.append(e.text or "")
                elif t == _TAB or t == _PTAB:
                    parts.append("\t")
                elif t == _BR:
                    if e.get(_TYPE, "textWrapping") == "textWrapping":
                        parts.append("\n")
                elif t == _CR:
                    parts.append("\n")
                elif t == _NB_HYPHEN:
                    parts.append("-")
        elif tag in _RUN_HOLDERS:
            _runs_text(child, parts)
