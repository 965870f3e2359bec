"""The .docx reader on word/document.xml: the Document python-docx's object model gave, and the Word
structures it did not read: content controls (w:sdt), tables nested in a layout table, tracked changes."""
from __future__ import annotations

import io
import random
import re
import zipfile

import pytest

from pipeline.core import codebook as cb
from pipeline.core.document import Document, Paragraph, Table, TableRow
from pipeline.core.readers import Rejected, read_document
from pipeline.core.textnorm import strip_debris
from pipeline.synth.model import random_report
from pipeline.synth.render import Variant, render
from tests.conftest import FIXTURES

TEMPLATE = FIXTURES / "formats" / "official_template_2021.docx"


def python_docx_document(data: bytes) -> Document:
    """What the former reader built with python-docx's object model (the reference)."""
    import docx
    from docx.table import Table as DocxTable, _Cell

    word = docx.Document(io.BytesIO(data))
    blocks, index = [], 0
    for part in word.iter_inner_content():
        index += 1
        if isinstance(part, DocxTable):
            rows = []
            for tr in part._tbl.tr_lst:
                index += 1
                rows.append(TableRow(tuple("" if tc.vMerge == "continue" else "".join(
                    strip_debris(p.text).strip() for p in _Cell(tc, part).paragraphs) for tc in tr.tc_lst),
                    index))
            blocks.append(Table(tuple(rows)))
        elif strip_debris(part.text).strip():
            blocks.append(Paragraph(strip_debris(part.text).strip(), index))
    return Document(tuple(blocks), "docx", None)


@pytest.fixture(scope="module")
def generated_docx() -> bytes:
    rep = random_report(random.Random(5), {"blank_cells"}, cb.FORMAT_2021)
    return render(rep, Variant("docx", "word_tables", "zip"), random.Random(5))


def with_document_xml(data: bytes, edit) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "word/document.xml":
                body = edit(body.decode("utf-8")).encode("utf-8")
            dst.writestr(item, body)
    return out.getvalue()


def content(doc: Document) -> list:
    return [b.text if isinstance(b, Paragraph) else [r.cells for r in b.rows] for b in doc.blocks]


@pytest.mark.parametrize("source", ["generated", "template"])
def test_same_document_as_python_docx(source, generated_docx):
    data = generated_docx if source == "generated" else TEMPLATE.read_bytes()
    assert read_document(data, "docx") == python_docx_document(data)


def test_template_tables_keep_merged_cells_once():
    doc = read_document(TEMPLATE.read_bytes(), "docx")
    assert [len(t.rows) for t in doc.tables] == [14, 28, 4]
    rows = [r.cells for r in doc.tables[1].rows]
    assert sum("（三）不予公开" in c for r in rows for c in r) == 1  # vMerge restart once, continuations blank
    assert rows[0][0] == "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def test_content_controls_are_read(generated_docx):
    def wrap(xml: str) -> str:
        # a paragraph, a whole table row and a single cell inside content controls
        sdt = "<w:sdt><w:sdtPr/><w:sdtContent>{}</w:sdtContent></w:sdt>"
        xml = re.sub(r"(<w:p[ >].*?</w:p>)", lambda m: sdt.format(m.group(1)), xml, count=1, flags=re.S)
        xml = re.sub(r"(<w:tr[ >].*?</w:tr>)", lambda m: sdt.format(m.group(1)), xml, count=1, flags=re.S)
        return re.sub(r"(<w:tc>.*?</w:tc>)", lambda m: sdt.format(m.group(1)), xml, count=3, flags=re.S)
    wrapped = with_document_xml(generated_docx, wrap)
    assert b"<w:sdt>" in zipfile.ZipFile(io.BytesIO(wrapped)).read("word/document.xml")
    assert read_document(wrapped, "docx") == read_document(generated_docx, "docx")
    assert python_docx_document(wrapped) != python_docx_document(generated_docx)  # the object model lost them


def test_tables_inside_a_layout_table_are_read_in_order(generated_docx):
    def nest(xml: str) -> str:
        body = xml.index("<w:body>") + len("<w:body>")
        end = xml.index("<w:sectPr")
        return (xml[:body] + "<w:tbl><w:tr><w:tc>" + xml[body:end] + "<w:p/></w:tc></w:tr></w:tbl>"
                + xml[end:])
    nested = with_document_xml(generated_docx, nest)
    assert content(read_document(nested, "docx")) == content(read_document(generated_docx, "docx"))


def test_tracked_deletions_are_left_out_and_insertions_read(generated_docx):
    def track(xml: str) -> str:
        first = xml.index("<w:r>")
        return (xml[:first] + '<w:del w:id="1"><w:r><w:delText>删除</w:delText></w:r></w:del>'
                '<w:ins w:id="2"><w:r><w:t>插入</w:t></w:r></w:ins>' + xml[first:])
    doc = read_document(with_document_xml(generated_docx, track), "docx")
    assert doc.blocks[0].text.startswith("插入") and "删除" not in doc.plain_text()


def test_missing_main_part_is_rejected(generated_docx):
    src = zipfile.ZipFile(io.BytesIO(generated_docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            if item.filename != "word/document.xml":
                dst.writestr(item, src.read(item))
    with pytest.raises(Rejected, match="not a readable Word document"):
        read_document(out.getvalue(), "docx")
