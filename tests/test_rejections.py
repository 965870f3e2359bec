"""One `Rejected` with a reason: a broken file says it is broken, a reader bug says it is an internal
error naming the file (not "broken"), and a reader catches only what its library raises on damage."""
from __future__ import annotations

import ast
import io
import pickle
import shutil
import zipfile
from pathlib import Path

import pytest

from pipeline.core import codebook as cb
from pipeline.core.files import RawFileRef, parse_file
from pipeline.core.readers import read_document
from pipeline.core.rejection import Rejected
from tests.conftest import FIXTURES, ROOT, seed_path

FORMATS = FIXTURES / "formats"
SAMPLES = {"pdf": FORMATS / "huaian_city_2024.pdf", "docx": FORMATS / "report.docx",
           "doc": FORMATS / "report.doc", "xls": FORMATS / "report.xls", "txt": seed_path("001")}


@pytest.fixture(autouse=True)
def no_libreoffice(monkeypatch):
    monkeypatch.setenv("DISCLOSURE_SOFFICE", "off")


def parsed(tmp_path: Path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return parse_file(RawFileRef(path, name))


class Boom(Exception):
    """What no library raises on a damaged file: it stands for a bug."""


def _boom(*args, **kwargs):
    raise Boom("a bug, not the file")


def _html_page() -> bytes:
    return ("<html><body><p>某县人民政府2023年政府信息公开工作年度报告</p>"
            + "".join(f"<p>{line}</p>" for line in seed_path("001").read_text(encoding="utf-8").splitlines())
            + "</body></html>").encode()


def _break_library(monkeypatch, fmt: str) -> None:
    """The library a reader calls raises an exception that does not mean a damaged file."""
    if fmt == "pdf":
        import pypdfium2
        monkeypatch.setattr(pypdfium2, "PdfDocument", _boom)
    elif fmt == "docx":
        from lxml import etree
        monkeypatch.setattr(etree, "fromstring", _boom)
    elif fmt == "doc":
        import olefile
        monkeypatch.setattr(olefile, "OleFileIO", _boom)
    elif fmt == "xls":
        import python_calamine

        class Workbook:
            from_filelike = staticmethod(_boom)
        monkeypatch.setattr(python_calamine, "CalamineWorkbook", Workbook)
    elif fmt == "html":
        import lxml.html
        monkeypatch.setattr(lxml.html, "document_fromstring", _boom)
    elif fmt == "txt":
        from pipeline.core.readers import text
        monkeypatch.setattr(text, "text_to_document", _boom)
        import pipeline.core.readers as readers
        monkeypatch.setattr(readers, "text_to_document", _boom)


@pytest.mark.parametrize("fmt", ["pdf", "docx", "doc", "xls", "html", "txt"])
def test_a_library_failing_for_another_reason_is_an_internal_error_naming_the_file(fmt, tmp_path,
                                                                                   monkeypatch):
    data = _html_page() if fmt == "html" else SAMPLES[fmt].read_bytes()
    name = f"sub/report.{fmt}"
    (tmp_path / "sub").mkdir()
    assert parsed(tmp_path, name, data).status != cb.STATUS_REJECTED  # the file itself is fine
    _break_library(monkeypatch, fmt)
    got = parsed(tmp_path, name, data)
    assert got.status == cb.STATUS_REJECTED
    assert got.error.startswith("internal error (a bug in the pipeline, not a broken file; please report it")
    assert name in got.error and "Boom: a bug, not the file" in got.error and "read stage" in got.error
    for says_broken in ("broken", "not a readable", "unreadable", "needs LibreOffice"):
        assert says_broken not in got.error.replace("not a broken file", "")


def test_a_parser_bug_is_an_internal_error_at_the_parse_stage(tmp_path, monkeypatch):
    from pipeline.core import files
    monkeypatch.setattr(files, "parse_document", _boom)
    got = parsed(tmp_path, "r.txt", SAMPLES["txt"].read_bytes())
    assert got.status == cb.STATUS_REJECTED and "at the parse stage of r.txt: Boom" in got.error


def _docx_with(member: str, body: bytes | None = None, corrupt_deflate: bool = False) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(SAMPLES["docx"].read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            replaced = item.filename == member and body is not None
            dst.writestr(item.filename, body if replaced else src.read(item))
    data = out.getvalue()
    if corrupt_deflate:  # garble the compressed bytes of the member (its local header stays intact)
        at = data.index(member.encode()) + len(member) + 40
        data = data[:at] + bytes(b ^ 0x5A for b in data[at: at + 400]) + data[at + 400:]
    return data


@pytest.mark.parametrize("name, data, reason, words", [
    ("damaged.pdf", b"%PDF-1.7\n1 0 obj <</Type /Catalog>> garbage without xref", cb.REJECT_BROKEN,
     "broken PDF"),
    ("renamed.pdf", "这不是PDF".encode(), cb.REJECT_WRONG_TYPE, "not a PDF"),
    ("cut.docx", SAMPLES["docx"].read_bytes()[:3000], cb.REJECT_BROKEN, "broken archive"),
    ("xml.docx", _docx_with("word/document.xml", b"<w:document><w:body><w:p>"), cb.REJECT_BROKEN,
     "not a readable Word document (XMLSyntaxError"),
    ("deflate.docx", _docx_with("word/document.xml", corrupt_deflate=True), cb.REJECT_BROKEN,
     "broken archive"),
    ("cut.doc", SAMPLES["doc"].read_bytes()[:5000], cb.REJECT_NEEDS_CONVERTER, "needs LibreOffice"),
    ("garbage.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), cb.REJECT_BROKEN,
     "not a readable spreadsheet"),
    ("comment.html", b"<!-- nothing but a comment -->", cb.REJECT_BROKEN, "unreadable web page"),
    ("odd.txt", b"\xff\xfe" + "年报".encode("utf-16-le") + b"\x00", cb.REJECT_BROKEN, "unreadable encoding"),
    ("empty.txt", b"  \n", cb.REJECT_EMPTY, "empty file"),
    ("notice.txt", "关于做好值班工作的通知\n各单位：请安排好值班。\n".encode(), cb.REJECT_NOT_A_REPORT,
     "not a government information disclosure annual report"),
])
def test_a_broken_file_still_says_what_is_wrong(name, data, reason, words, tmp_path):
    fmt = cb.FILE_EXTENSIONS[Path(name).suffix]
    with pytest.raises(Rejected) as caught:
        from pipeline.core.parser import parse_document
        parse_document(read_document(data, fmt))
    assert caught.value.reason == reason and words in str(caught.value)
    got = parsed(tmp_path, name, data)
    assert got.status == cb.STATUS_REJECTED and words in got.error and "internal error" not in got.error


def test_a_file_over_the_size_limit_is_rejected_unread_with_its_hash(tmp_path):
    got = parse_file(RawFileRef(SAMPLES["txt"], "big.txt"), max_bytes=100)
    assert got.status == cb.STATUS_REJECTED and got.error.startswith("file too large: ")
    assert got.bytes == SAMPLES["txt"].stat().st_size and got.file_sha256 != "0" * 64


def test_rejected_carries_a_codebook_reason_and_survives_pickling():
    exc = pickle.loads(pickle.dumps(Rejected(cb.REJECT_BROKEN, "broken PDF: x")))
    assert (exc.reason, str(exc)) == (cb.REJECT_BROKEN, "broken PDF: x")
    with pytest.raises(ValueError, match="unknown rejection reason"):
        Rejected("broken_pdf", "a reason the codebook does not know")


# A reader may catch a broad exception only where it is not reading a file's content: the OCR engine's
# start (an environment without the engine), the best-effort recovery of dropped PDF glyphs (its failure
# means the pdfplumber fallback, not a rejection).
_BROAD_CATCH_ALLOWED = {("ocr.py", "_started_engine"), ("pdf_glyphs.py", "shown_texts")}


def test_readers_and_parser_catch_no_blanket_exception():
    found = []
    for path in sorted([*(ROOT / "pipeline/core/readers").glob("*.py"),
                        *(ROOT / "pipeline/core/parser").glob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]:
            for handler in [n for n in ast.walk(func) if isinstance(n, ast.ExceptHandler)]:
                caught = handler.type
                names = [caught] if not isinstance(caught, ast.Tuple) else list(caught.elts)
                if caught is None or any(isinstance(n, ast.Name) and n.id in ("Exception", "BaseException")
                                         for n in names):
                    if (path.name, func.name) not in _BROAD_CATCH_ALLOWED:
                        found.append(f"{path.name}:{handler.lineno} in {func.name}")
    assert not found, f"blanket except in a reader (a bug would pass for a broken file): {found}"


def test_a_bug_making_one_files_frames_rejects_that_file_as_an_internal_error(tmp_path, monkeypatch):
    """In a parse worker's batch: the file whose frames fail is rejected naming itself and the stage; the
    other files of the batch load."""
    from pipeline.core import files, normalize

    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_bytes(SAMPLES["txt"].read_bytes())
    bad.write_bytes(seed_path("004").read_bytes())
    real = normalize.unit_frames

    def unit_frames(parsed):
        if any(p.source_path == "bad.txt" and p.report is not None for p in parsed):
            raise Boom("a bug, not the file")
        return real(parsed)
    monkeypatch.setattr(normalize, "unit_frames", unit_frames)
    (tmp_path / "segments").mkdir()
    frames, _ = files._parse_batch_to_frames([RawFileRef(good, "good.txt"), RawFileRef(bad, "bad.txt")],
                                             10 ** 8, segment_dir=tmp_path / "segments")
    status = dict(frames["parse_result"].select("error", "status").iter_rows())
    assert sorted(status.values()) == [cb.STATUS_PARSED, cb.STATUS_REJECTED]
    error = next(e for e, s in status.items() if s == cb.STATUS_REJECTED)
    assert error.startswith("internal error (a bug in the pipeline, not a broken file")
    assert "at the normalise stage of bad.txt: Boom: a bug, not the file" in error


def test_a_scan_rejected_with_ocr_off_is_read_again_once_ocr_is_on(tmp_path, monkeypatch):
    """DISCLOSURE_OCR=off rejects a scan for the run's setting, not for its content: not cached."""
    from pipeline.core.build import parse_folder

    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(ROOT / "tests/fixtures/formats/scan_huaian_p4.pdf", raw / "scan.pdf")
    monkeypatch.setenv("DISCLOSURE_OCR", "off")
    first = parse_folder(raw, tmp_path / "cache")
    assert first.units["parse_result"].select("status", "retry").rows() == [(cb.STATUS_REJECTED, True)]
    again = parse_folder(raw, tmp_path / "cache")
    assert again.parsed_now == 1 and again.from_cache == 0
