"""Scans read by offline OCR: one page of the real Huai'an report as a scanner gives it (grey, skewed,
speckled, JPEG; tests/fixtures/formats/make_scan.py). OCR costs seconds per page: the page is read once
per test session."""
from __future__ import annotations

import os
import re

import pytest

from pipeline.core.readers import Rejected, ocr, read_document
from tests.conftest import FIXTURES

FORMATS = FIXTURES / "formats"
SCAN = FORMATS / "scan_huaian_p4.pdf"


@pytest.fixture(scope="module")
def ocr_cache(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ocr-cache")
    before = os.environ["DISCLOSURE_OCR_CACHE"]  # set for the session by conftest
    os.environ["DISCLOSURE_OCR_CACHE"] = str(folder)
    yield folder
    os.environ["DISCLOSURE_OCR_CACHE"] = before


@pytest.fixture(scope="module")
def scanned(ocr_cache):
    return read_document(SCAN.read_bytes(), "pdf")


@pytest.fixture(scope="module")
def text_layer_rows():
    doc = read_document((FORMATS / "huaian_city_2024.pdf").read_bytes(), "pdf")
    return {label(r.cells): r.cells for t in doc.tables for r in t.rows
            if len(r.cells) == 10 and r.cells[-1].isdigit()}


def label(cells) -> str:
    """The row's own label, without brackets (OCR reads （ as ( at times)."""
    return re.sub(r"[()（）\s]", "", cells[2] or cells[1] or cells[0])


def test_scan_is_read_by_ocr_and_says_so(scanned):
    assert scanned.note.startswith("text from OCR (rapidocr PP-OCRv6, 1 page(s), mean confidence")
    assert scanned.confidence and all(0 <= c <= 1 for cells in scanned.confidence.values() for c in cells)
    rows = [r.cells for t in scanned.tables for r in t.rows]
    assert ("行政处罚", "3985758") in rows and ("行政事业性收费", "96171.6") in rows


def test_ocr_numbers_are_right_or_blank(scanned, text_layer_rows):
    """Every number OCR gives in §三 is the number printed; one it could not read is blank, never a guess."""
    right = blank = 0
    for table in scanned.tables:
        for row in table.rows:
            truth = text_layer_rows.get(label(row.cells)) if len(row.cells) == 10 else None
            if truth is None:
                continue
            for got, want in zip(row.cells[3:], truth[3:]):
                assert got in ("", want), (row.cells, truth)
                right += got == want
                blank += got == ""
    assert right >= 85  # of the 14 × 7 values of §三 on this page: 89 right, the rest blank, none wrong


def test_ocr_pages_are_kept_and_not_read_again(scanned, ocr_cache, monkeypatch):
    assert len(list(ocr_cache.glob("*.0.v*.json"))) == 1
    monkeypatch.setattr(ocr, "_engine", lambda: pytest.fail("the page was OCR'd again"))
    again = read_document(SCAN.read_bytes(), "pdf")
    assert again.blocks == scanned.blocks and again.note == scanned.note


def test_ocr_off_rejects_a_scan(monkeypatch):
    monkeypatch.setenv("DISCLOSURE_OCR", "off")
    with pytest.raises(Rejected, match="OCR is off"):
        read_document(SCAN.read_bytes(), "pdf")
