"""Old Word (.doc), WPS (.wps) and spreadsheet (.xls/.et) files, made from the official 2021 template
filled with a real report's numbers (tests/fixtures/formats/make_formats.py): read into the same
tables as the .docx they were saved from."""
from __future__ import annotations

import json
import shutil

import pytest

from pipeline.core import codebook as cb
from pipeline.core.document import Document, Paragraph, Table, TableRow
from pipeline.core.files import RawFileRef, parse_file
from pipeline.core.readers import Rejected, office, read_document
from tests.conftest import FIXTURES

FORMATS = FIXTURES / "formats"
GOLDEN = json.loads((FORMATS / "huaian_city_2024.golden.json").read_text(encoding="utf-8"))[
    "huaian_city_2024.pdf"]


@pytest.fixture(autouse=True)
def no_libreoffice(monkeypatch):
    """The pure-Python readers, whether or not this machine has LibreOffice (tests that want it say so)."""
    monkeypatch.setenv("DISCLOSURE_SOFFICE", "off")


def parsed(name: str):
    path = FORMATS / name
    return parse_file(RawFileRef(path, name))


def content(doc) -> list:
    return [b.text if isinstance(b, Paragraph) else [r.cells for r in b.rows] for b in doc.blocks]


@pytest.mark.parametrize("name", ["report.doc", "report.wps"])
def test_word97_reads_the_same_document_as_the_docx(name):
    word = read_document((FORMATS / name).read_bytes(), "doc")
    docx = read_document((FORMATS / "report.docx").read_bytes(), "docx")
    assert content(word) == content(docx)
    assert [r.line for t in word.tables for r in t.rows] == [r.line for t in docx.tables for r in t.rows]
    rows = [r.cells for t in word.tables for r in t.rows]
    # a vertically merged cell once, blank below; values as typed in the Word table
    assert ("", "（三）不予公开", "1.属于国家秘密", "2", "0", "0", "0", "0", "0", "2") in rows
    assert ("", "", "2.其他法律行政法规禁止公开", "30", "1", "0", "0", "0", "0", "31") in rows


@pytest.mark.parametrize("name", ["report.doc", "report.wps", "report.xls"])
def test_old_formats_give_the_same_tables_as_the_docx(name):
    got, want = parsed(name), parsed("report.docx")
    assert got.status == want.status == cb.STATUS_PARSED and got.error is None
    assert got.source_format == {"doc": "doc", "wps": "doc", "xls": "xls"}[name.rsplit(".", 1)[1]]
    for area in ("application", "proactive", "review_litigation"):
        assert getattr(got.report, area) == getattr(want.report, area), area
    for key, value in GOLDEN["application"]["nonzero"].items():
        assert got.report.application[tuple(key.split("/"))] == value, key
    assert got.report.agency_name == "淮安市人民政府" and got.report.processing_fee_yuan == 3940


def test_spreadsheet_merged_ranges_are_one_cell():
    doc = read_document((FORMATS / "report.xls").read_bytes(), "xls")
    rows = [r.cells for t in doc.tables for r in t.rows]
    assert ("信息内容", "本年制发件数", "本年废止件数", "现行有效件数") in rows
    assert ("行政事业性收费", "96171.6") in rows  # a number as the sheet holds it
    assert ("一、本年新收政府信息公开申请数量", "3001", "53", "0", "0", "61", "4", "3119") in rows


def test_doc_named_docx_and_docx_named_doc_are_read(tmp_path):
    want = parsed("report.docx").report.application
    (tmp_path / "a.docx").write_bytes((FORMATS / "report.doc").read_bytes())
    (tmp_path / "b.doc").write_bytes((FORMATS / "report.docx").read_bytes())
    for name in ("a.docx", "b.doc"):
        assert parse_file(RawFileRef(tmp_path / name, name)).report.application == want


def test_et_is_read_as_a_spreadsheet(tmp_path):
    path = tmp_path / "report.et"
    shutil.copy(FORMATS / "report.xls", path)
    got = parse_file(RawFileRef(path, path.name))
    assert got.source_format == "xls" and got.report.application == parsed("report.docx").report.application


@pytest.mark.parametrize("fmt, data, reason", [
    ("doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "needs LibreOffice"),
    ("doc", "只是改了扩展名的文本".encode(), "not a Word/WPS document"),
    ("xls", b"%PDF-1.4 renamed", "not a spreadsheet"),
    ("xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "not a readable spreadsheet"),
])
def test_unreadable_old_files_are_rejected_with_a_reason(fmt, data, reason):
    with pytest.raises(Rejected, match=reason):
        read_document(data, fmt)


def test_identity_failures_count_broken_sums():
    doc = read_document((FORMATS / "report.doc").read_bytes(), "doc")
    assert office.identity_failures(doc) == 0
    # row 1 总计 read as 3118 instead of 3119: new + carried over no longer equals handled + carried forward
    blocks = tuple(Table(tuple(TableRow(tuple("3118" if c == "3119" else c for c in r.cells), r.line)
                               for r in b.rows)) if isinstance(b, Table) else b for b in doc.blocks)
    assert office.identity_failures(Document(blocks, "doc")) == 1


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_conversion_reads_the_same_tables(monkeypatch):
    monkeypatch.delenv("DISCLOSURE_SOFFICE")
    from pipeline.core.readers.docx import read_docx
    converted = read_docx(office.convert((FORMATS / "report.doc").read_bytes(), ".doc", "docx"))
    docx = read_document((FORMATS / "report.docx").read_bytes(), "docx")
    assert [[r.cells for r in t.rows] for t in converted.tables] == \
        [[r.cells for r in t.rows] for t in docx.tables]


def test_warehouse_holds_the_same_grid_from_every_format(tmp_path):
    import duckdb

    from pipeline.core.build import build_warehouse

    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("report.docx", "report.doc", "report.wps", "report.xls"):
        (raw / name).write_bytes((FORMATS / name).read_bytes())
    (raw / "report.et").write_bytes((FORMATS / "report.xls").read_bytes())
    build_warehouse(raw, tmp_path / "w.duckdb", workers=1)
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    files = dict(con.execute("SELECT source_path, source_format || ' ' || status FROM raw_file").fetchall())
    assert files == {"report.docx": "docx parsed", "report.doc": "doc parsed", "report.wps": "doc parsed",
                     "report.xls": "xls parsed", "report.et": "xls parsed"}
    # .doc/.wps and .xls/.et are the same bytes: one report each; the .docx a third, all with the same grid
    grids = con.execute("""SELECT f.source_format, list(a.count ORDER BY a.row_code, a.applicant)
                           FROM fact_application a
                           JOIN (SELECT DISTINCT report_id, source_format FROM raw_file) f USING (report_id)
                           GROUP BY f.source_format""").fetchall()
    assert len({tuple(g) for _, g in grids}) == 1 and len(grids) == 3
    assert con.execute("SELECT count(*) FROM dim_report").fetchone()[0] == 3
