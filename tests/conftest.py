from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.core import codebook as cb
from pipeline.core.document import Document
from pipeline.core.parser import parse_document
from pipeline.core.readers import read_document
from pipeline.core.records import ReportRecord

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REAL = FIXTURES / "real"


def names_the_row(area: str, row: str, incomplete: str) -> bool:
    """Whether incomplete_table details name a §三 row (`application`) or a §二 item (`proactive`) as
    left NULL or blank: '§三 一、本年新收政府信息公开申请数量（原文第 12 行）：空白单元格 自然人'."""
    if area == "application":
        return f"§三 {cb.APPLICATION_ROW_LABELS[row]}（" in incomplete
    return area == "proactive" and f"§二 {cb.PROACTIVE_ITEM_LABELS[row]}（" in incomplete


def seed_path(prefix: str) -> Path:
    return next(RAW.glob(f"{prefix}_*.txt"))


def read(path: Path) -> Document:
    return read_document(path.read_bytes(), "txt")


def parse(path: Path) -> ReportRecord:
    return parse_document(read(path))


@pytest.fixture()
def raw(tmp_path) -> Path:
    """A copy of the five samples in a folder of its own, to add files to or change."""
    folder = tmp_path / "raw"
    folder.mkdir()
    for f in RAW.iterdir():
        shutil.copy(f, folder / f.name)
    return folder


@pytest.fixture(scope="session")
def seeds_golden() -> dict:
    return json.loads((FIXTURES / "seeds_golden.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def real_golden() -> dict:
    return json.loads((REAL / "golden.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session", autouse=True)
def ocr_pages_kept_in_a_temporary_folder(tmp_path_factory):
    """Scans OCR'd by the tests (hostile files, end-to-end builds) keep their pages out of ~/.cache."""
    import os

    if "DISCLOSURE_OCR_CACHE" not in os.environ:
        os.environ["DISCLOSURE_OCR_CACHE"] = str(tmp_path_factory.mktemp("ocr-pages"))
