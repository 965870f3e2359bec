"""Readers: raw bytes → `Document`, whatever the file format. Bad input raises `Rejected`.

Each format goes through a maintained library (lxml, pypdfium2, pdfplumber as fallback); the guards
in `safety` run first so that no library ever sees a zip bomb or an entity declaration.
"""
from __future__ import annotations

from pipeline.core.document import Document
from pipeline.core.readers.safety import UnsafeInput
from pipeline.core.readers.text import DecodeError, decode, text_to_document


class Rejected(ValueError):
    """The file cannot be read as a report; the message says why, for a person."""


_SIGNATURES = ((b"%PDF-", "a PDF"), (b"PK\x03\x04", "a zip archive (or Office file)"),
               (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
               (b"\xd0\xcf\x11\xe0", "an old binary Office file (.doc/.xls)"))
_OLE = "an old binary Office file (.doc/.xls)"
_ZIP = "a zip archive (or Office file)"


def sniff(data: bytes) -> str | None:
    """What the bytes really are, from their signature (None when no known signature)."""
    return next((what for magic, what in _SIGNATURES if data.startswith(magic)), None)


def read_document(data: bytes, source_format: str) -> Document:
    if not data.strip():
        raise Rejected("empty file")
    try:
        return _read(data, source_format)
    except (UnsafeInput, DecodeError) as exc:
        raise Rejected(str(exc)) from exc


def _read(data: bytes, source_format: str) -> Document:
    actual = sniff(data)
    if source_format == "txt":
        if actual or (b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff"))):
            raise Rejected(f"binary content in a .txt file ({actual or 'NUL bytes'}): not a text report")
        text, encoding = decode(data)
        return text_to_document(text, encoding)
    if source_format == "docx":
        if actual == _OLE:  # an old .doc saved under the new name
            from pipeline.core.readers.office import read_word
            return read_word(data, "doc")
        if actual != _ZIP:
            raise Rejected(f"not a Word .docx file: the bytes are {actual or 'not a zip archive'}")
        from pipeline.core.readers.docx import read_docx
        return read_docx(data)
    if source_format == "html":
        if actual:
            raise Rejected(f"not a web page: the bytes are {actual}")
        from pipeline.core.readers.html import read_html
        return read_html(data)
    if source_format == "pdf":
        from pipeline.core.readers.pdf import read_pdf
        return read_pdf(data)
    if source_format == "doc":  # .doc and .wps
        if actual == _ZIP:  # a .docx saved under the old name
            from pipeline.core.readers.docx import read_docx
            return read_docx(data)
        if actual != _OLE:
            raise Rejected(f"not a Word/WPS document: the bytes are {actual or 'not an Office file'}")
        from pipeline.core.readers.office import read_word
        return read_word(data, source_format)
    if source_format == "xls":  # .xls, .et and .xlsx
        if actual not in (_OLE, _ZIP):
            raise Rejected(f"not a spreadsheet: the bytes are {actual or 'not an Office file'}")
        from pipeline.core.readers.office import read_spreadsheet
        return read_spreadsheet(data, source_format)
    raise Rejected("unsupported file type: only .txt, .docx, .doc, .wps, .xls, .xlsx, .et, .html/.htm "
                   "and .pdf reports are read")
