"""The PDF reader: pdfium's characters and ruling lines give the same Document as pdfplumber did, on a
real published PDF and on generated ones; glyphs pdfium drops are taken back from the content stream;
where they cannot be, the document is read with pdfplumber and raw_file says so."""
from __future__ import annotations

import json
import random

import pytest

from pipeline.core import codebook as cb
from pipeline.core.document import Paragraph, merge_adjacent_tables
from pipeline.core.files import RawFileRef, parse_file
from pipeline.core.readers import pdf, pdf_glyphs, read_document
from pipeline.synth.model import random_report
from pipeline.synth.render import Variant, render
from tests.conftest import FIXTURES

FORMATS = FIXTURES / "formats"
HUAIAN = FORMATS / "huaian_city_2024.pdf"


def blocks_of(pages):
    out = []
    for number, page in enumerate(pages, start=1):
        out.extend(pdf._page_blocks(page, number))
    return merge_adjacent_tables(out)


def content(blocks) -> list:
    """Paragraph texts and table rows, without the line numbers (pdfium's and pdfminer's character
    boxes differ by a point or two, and a paragraph's line is its top on the page)."""
    return [b.text if isinstance(b, Paragraph) else [r.cells for r in b.rows] for b in blocks]


@pytest.fixture(scope="module")
def generated_pdf() -> bytes:
    rep = random_report(random.Random(3), set(), cb.FORMAT_2021)
    return render(rep, Variant("pdf", "text_layer", "pdf"), random.Random(3))


def test_real_pdf_reads_as_pdfplumber_read_it():
    data = HUAIAN.read_bytes()
    pages, lost = pdf._pdfium_pages(data)
    assert lost == 0  # its fonts are embedded
    assert content(blocks_of(pages)) == content(blocks_of(pdf._plumber_pages(data)))


def test_real_pdf_tables_and_values():
    parsed = parse_file(RawFileRef(HUAIAN, HUAIAN.name))
    golden = json.loads((FORMATS / "huaian_city_2024.golden.json").read_text(encoding="utf-8"))[HUAIAN.name]
    assert parsed.status == cb.STATUS_PARSED and parsed.error is None
    rec = parsed.report
    for key, want in golden["application"]["nonzero"].items():
        row, applicant = key.split("/")
        assert rec.application[(row, applicant)] == want, key
    for key, want in golden["review_litigation"]["nonzero"].items():
        assert rec.review_litigation[tuple(key.split("/"))] == want, key
    assert rec.agency_name == "淮安市人民政府" and rec.report_year == 2024
    doc = read_document(HUAIAN.read_bytes(), "pdf")
    rows = [r.cells for t in doc.tables for r in t.rows]
    # the application table breaks from page 4 to page 5 inside （四）无法提供: one table, every row
    assert ("", "（四）无", "1.本机关不掌握相关政府信息", "746", "12", "0", "0", "10", "1", "769") in rows
    assert ("", "法提供", "2.没有现成信息需要另行制作", "11", "0", "0", "0", "0", "0", "11") in rows


def test_generated_pdf_dropped_glyphs_are_taken_back(generated_pdf):
    pages, lost = pdf._pdfium_pages(generated_pdf)
    assert lost == 0
    assert content(blocks_of(pages)) == content(blocks_of(pdf._plumber_pages(generated_pdf)))
    rows = [r.cells for t in pdf.Document(tuple(blocks_of(pages)), "pdf").tables for r in t.rows]
    # '业' of 商业企业 and '构' of 科研机构 stand alone on the second line of their narrow cells:
    # STSong-Light is not embedded, so pdfium alone would read 商业企 and 科研机
    assert any("商业企业" in r and "科研机构" in r for r in rows)


def test_pdf_falls_back_to_pdfplumber_and_says_so(generated_pdf, tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_glyphs, "shown_texts", lambda data, wanted: None)
    doc = read_document(generated_pdf, "pdf")
    assert doc.note and doc.note.startswith("read with pdfplumber")
    assert list(doc.blocks) == blocks_of(pdf._plumber_pages(generated_pdf))
    path = tmp_path / "r.pdf"
    path.write_bytes(generated_pdf)
    parsed = parse_file(RawFileRef(path, path.name))
    assert parsed.status == cb.STATUS_PARSED and parsed.error == doc.note


def test_content_stream_texts_by_font():
    content = (b"q 0 0 1 rg 10 10 100 100 re f Q BT /F1 10.5 Tf 1 0 0 1 78 689 Tm (\x00A\\000B) Tj "
               b"/F2 9 Tf [<4e2d> -120 (\\(x\\))] TJ ET "
               b"BT /F1 7.5 Tf <5e74> Tj () Tj ET")
    assert pdf_glyphs._show_ops(content, {0, 1, 2}) == (
        3, {0: ("F1", b"\x00A\x00B"), 1: ("F2", b"\x4e\x2d(x)"), 2: ("F1", b"\x5e\x74")})


@pytest.mark.parametrize("data, reason", [
    (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "broken PDF"),
    (b"not a pdf at all", "no %PDF header"),
])
def test_damaged_pdfs_are_rejected(data, reason):
    from pipeline.core.readers import Rejected
    with pytest.raises(Rejected, match=reason):
        read_document(data, "pdf")
