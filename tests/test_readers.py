"""Readers: encodings and table layouts, on real lines from the samples."""
from __future__ import annotations

import pytest

from pipeline.core.document import Paragraph, Table
from pipeline.core.readers import Rejected, read_document
from pipeline.core.readers.text import decode, text_to_document
from tests.conftest import REAL, read, seed_path


def test_cell_per_line_layout_keeps_rows_and_drops_bookmark_debris():
    doc = read(seed_path("001"))
    rows = [r.cells for t in doc.tables for r in t.rows]
    assert ("规章", "0", "0", "0") in rows
    assert ("一、本年新收政府信息公开申请数量",) + ("0",) * 7 in rows  # '[bookmark: _Hlk66973412]' removed
    # the stray '0' of a merged Word cell stays a cell of its own, before the label it precedes
    assert ("0", "（四）无法提供", "1.本机关不掌握相关政府信息") + ("0",) * 7 in rows
    # a label wrapped over two lines is one cell
    assert any("结果维持" in r for r in rows)
    assert not any("bookmark" in c for r in rows for c in r)


def test_tab_separated_layout_of_seed_003():
    doc = read(seed_path("003"))
    rows = [r.cells for t in doc.tables for r in t.rows]
    assert ("规章", "0", "0", "0") in rows
    # the source line ends in a tab: the empty cell after 总计 is kept, as the file has it
    assert ("", "(二)部分公开(区分处理的,只计这一情形,不计其他情形)") + ("0",) * 7 + ("",) in rows
    assert ("0",) * 15 in rows  # the §四 row whose heading is lost
    assert not any(set(r) == {"---"} for r in rows)  # markdown rule lines are dropped


def test_pipe_rows_and_loose_lines_of_a_pdf_conversion():
    doc = read(REAL / "kewei_2024_pdftext.txt")
    rows = [r.cells for t in doc.tables for r in t.rows]
    assert ("四、结转下年度继续办理", "1", "0", "0", "0", "0", "0", "") in rows
    assert "行政许可 97" in [p.text for p in doc.paragraphs]


def test_hard_wrapped_pdf_lines_are_joined_into_paragraphs():
    doc = read(REAL / "shanghai_office_2025_pdftext.txt")
    text = " ".join(p.text for p in doc.paragraphs)
    assert "统计期限为 2025年 1 月 1 日至 12 月 31 日" in text  # '2025⏎年' rejoined
    assert "— 5 —" in REAL.joinpath("shanghai_office_2025_pdftext.txt").read_text(encoding="utf-8")
    assert not any(p.text.startswith("—") for p in doc.paragraphs)  # page footers dropped


@pytest.mark.parametrize("encoding, detected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("gbk", "gb18030"),
    ("utf-16", "utf-16")])
def test_encodings_are_detected(encoding, detected):
    original = seed_path("004").read_text(encoding="utf-8")
    text, used = decode(original.encode(encoding))
    assert text == original
    assert used == detected


def test_same_document_from_any_encoding():
    original = seed_path("002").read_text(encoding="utf-8")
    a = read_document(original.encode("utf-8"), "txt")
    b = read_document(original.encode("gb18030"), "txt")
    assert a.blocks == b.blocks


@pytest.mark.parametrize("data, reason", [
    (b"", "empty file"),
    (b"   \n\n", "empty file"),
    (b"\x00\x01\x02binary\x00", "binary"),
])
def test_bad_bytes_are_rejected_with_a_reason(data, reason):
    with pytest.raises(Rejected, match=reason):
        read_document(data, "txt")


def test_unknown_format_is_rejected():
    with pytest.raises(Rejected, match="unsupported file type"):
        read_document(b"PK\x03\x04", "unknown")


def test_document_blocks_are_in_reading_order():
    doc = text_to_document("一、总体情况\n正文。\n\t规章\n\t0\n\n二、主动公开政府信息情况\n")
    kinds = [type(b) for b in doc.blocks]
    assert kinds == [Paragraph, Paragraph, Table, Paragraph]
