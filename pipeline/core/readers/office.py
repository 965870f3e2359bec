"""Old Office formats: Word 97–2003 .doc and WPS .wps, spreadsheets .xls and WPS .et.

.doc/.wps are read in pure Python (`word97`). Where that fails, or where its tables' identities do
not hold, LibreOffice headless converts the file to .docx when it is installed (`soffice`; about 2 s a
file and a few seconds to start), and of the two readings the one whose identities hold is kept.
Without LibreOffice a file the pure-Python reader cannot read is rejected with "needs LibreOffice".
Spreadsheets are read with python-calamine (`sheet`), and converted by LibreOffice when calamine
cannot open them.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from pipeline.core import codebook as cb
from pipeline.core.document import Document
from pipeline.core.rejection import Rejected

CONVERT_TIMEOUT_S = 180
INSTALL_HINT = "apt-get install libreoffice-writer-nogui libreoffice-calc-nogui"


def soffice() -> str | None:
    """LibreOffice's command line, when installed (DISCLOSURE_SOFFICE=off disables it)."""
    if os.environ.get("DISCLOSURE_SOFFICE", "").lower() in ("off", "0", "no"):
        return None
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(data: bytes, suffix: str, target: str) -> bytes:
    """The file converted by LibreOffice headless to `target` (docx, xlsx), in a private profile."""
    command = soffice()
    if command is None:
        raise Rejected(cb.REJECT_NEEDS_CONVERTER, f"needs LibreOffice to be read ({INSTALL_HINT})")
    with tempfile.TemporaryDirectory(prefix="disclosure-lo-") as tmp:
        source = Path(tmp, "in" + suffix)
        source.write_bytes(data)
        try:
            subprocess.run([command, f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                            "--convert-to", target, "--outdir", str(Path(tmp, "out")), str(source)],
                           check=True, capture_output=True, timeout=CONVERT_TIMEOUT_S)
            return Path(tmp, "out", "in." + target).read_bytes()
        except (subprocess.SubprocessError, OSError) as exc:
            raise Rejected(cb.REJECT_BROKEN,
                           f"LibreOffice could not convert the file ({type(exc).__name__})") from exc


def read_word(data: bytes, source_format: str) -> Document:
    from pipeline.core.readers.docx import read_docx
    from pipeline.core.readers.word97 import read_word97

    try:
        direct: Document | None = read_word97(data, source_format)
        reason = ""
    except Rejected as exc:  # a Word file the pure-Python reader cannot read (Word 6/95, encrypted, damaged)
        direct, reason = None, str(exc)
    if direct is not None and identity_failures(direct) == 0:
        return direct
    if soffice() is None:
        if direct is not None:
            return direct
        raise Rejected(cb.REJECT_NEEDS_CONVERTER, f"needs LibreOffice to be read: {reason} ({INSTALL_HINT})")
    try:
        converted = _as(read_docx(convert(data, "." + source_format, "docx")), source_format,
                        "converted to .docx by LibreOffice")
    except Rejected:
        if direct is not None:
            return direct
        raise
    if direct is None or identity_failures(converted) < identity_failures(direct):
        return converted
    return direct


def read_spreadsheet(data: bytes, source_format: str) -> Document:
    from pipeline.core.readers.sheet import read_sheet

    try:
        return read_sheet(data, source_format)
    except Rejected as exc:
        if exc.reason != cb.REJECT_BROKEN:  # too large: converting it would not make it smaller
            raise
        if soffice() is None:
            raise Rejected(exc.reason, f"{exc}; LibreOffice might read it ({INSTALL_HINT})") from exc
        return _as(read_sheet(convert(data, "." + source_format, "xlsx"), source_format), source_format,
                   "converted to .xlsx by LibreOffice")


def _as(doc: Document, source_format: str, note: str) -> Document:
    return Document(doc.blocks, source_format, doc.encoding, note)


def identity_failures(doc: Document) -> int:
    """How many of §三's identities fail in the report read from `doc` (per applicant: new + carried
    over = handled + carried forward, and handled = the sum of the outcomes), plus its incomplete
    tables; a document that is not a report counts as failing everything."""
    from pipeline.core.parser import parse_document

    try:
        rec = parse_document(doc)
    except Rejected:  # not a report
        return 1 << 20
    app = rec.application
    rows = {row for row, _ in app}
    leaves = [r for r in rows if r.startswith("3.") and r != cb.ROW_TOTAL_HANDLED
              and not any(other.startswith(r + ".") for other in rows)]
    failures = sum(1 for f in rec.findings if f.check_name == cb.CHECK_INCOMPLETE_TABLE)
    for applicant in {a for _, a in app}:
        def v(row: str):
            return app.get((row, applicant))
        terms = [v(row) for row in (cb.ROW_RECEIVED, cb.ROW_CARRIED_OVER, cb.ROW_TOTAL_HANDLED,
                                    cb.ROW_CARRIED_FORWARD)]
        if None not in terms and terms[0] + terms[1] != terms[2] + terms[3]:
            failures += 1
        outcomes = [v(r) for r in leaves]
        handled = v(cb.ROW_TOTAL_HANDLED)
        if handled is not None and None not in outcomes and sum(outcomes) != handled:
            failures += 1
    return failures
