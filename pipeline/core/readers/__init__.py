"""Readers: raw bytes → `Document`, whatever the file format. Bad input raises `Rejected`.

Each format goes through a maintained library (lxml, pypdfium2, pdfplumber as fallback); the guards
in `safety` run first so that no library ever sees a zip bomb or an entity declaration. A reader
catches only the exceptions by which its library says a file is damaged (and raises `Rejected`
with the reason); anything else is a bug and goes up as it is.
"""
from __future__ import annotations

from pipeline.core import codebook as cb
from pipeline.core.document import Document
from pipeline.core.readers.text import decode, text_to_document
from pipeline.core.rejection import Rejected

__all__ = ["Rejected", "read_document", "sniff"]

# what the bytes really are, by their signature: kind → (magic, what a person reads)
PDF, ZIP, PNG, JPEG, GIF, OLE = "pdf", "zip", "png", "jpeg", "gif", "ole"
_SIGNATURES = {PDF: (b"%PDF-", "a PDF"), ZIP: (b"PK\x03\x04", "a zip archive (or Office file)"),
               PNG: (b"\x89PNG", "a PNG image"), JPEG: (b"\xff\xd8\xff", "a JPEG image"),
               GIF: (b"GIF8", "a GIF image"),
               OLE: (b"\xd0\xcf\x11\xe0", "an old binary Office file (.doc/.xls)")}


def sniff(data: bytes) -> str | None:
    """The kind of the bytes from their signature (PDF, ZIP, …; None when no known signature)."""
    return next((kind for kind, (magic, _) in _SIGNATURES.items() if data.startswith(magic)), None)


def _described(kind: str | None, otherwise: str) -> str:
    return _SIGNATURES[kind][1] if kind else otherwise


def read_document(data: bytes, source_format: str) -> Document:
    if not data.strip():
        raise Rejected(cb.REJECT_EMPTY, "empty file")
    actual = sniff(data)
    if source_format == "txt":
        if actual or (b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff"))):
            raise Rejected(cb.REJECT_WRONG_TYPE, "binary content in a .txt file "
                           f"({_described(actual, 'NUL bytes')}): not a text report")
        text, encoding = decode(data)
        return text_to_document(text, encoding)
    if source_format == "docx":
        if actual == OLE:  # an old .doc saved under the new name
            from pipeline.core.readers.office import read_word
            return read_word(data, "doc")
        if actual != ZIP:
            raise Rejected(cb.REJECT_WRONG_TYPE, "not a Word .docx file: the bytes are "
                           + _described(actual, "not a zip archive"))
        from pipeline.core.readers.docx import read_docx
        return read_docx(data)
    if source_format == "html":
        if actual:
            raise Rejected(cb.REJECT_WRONG_TYPE, f"not a web page: the bytes are {_described(actual, '')}")
        from pipeline.core.readers.html import read_html
        return read_html(data)
    if source_format == "pdf":
        from pipeline.core.readers.pdf import read_pdf
        return read_pdf(data)
    if source_format == "doc":  # .doc and .wps
        if actual == ZIP:  # a .docx saved under the old name
            from pipeline.core.readers.docx import read_docx
            return read_docx(data)
        if actual != OLE:
            raise Rejected(cb.REJECT_WRONG_TYPE, "not a Word/WPS document: the bytes are "
                           + _described(actual, "not an Office file"))
        from pipeline.core.readers.office import read_word
        return read_word(data, source_format)
    if source_format == "xls":  # .xls, .et and .xlsx
        if actual not in (OLE, ZIP):
            raise Rejected(cb.REJECT_WRONG_TYPE, "not a spreadsheet: the bytes are "
                           + _described(actual, "not an Office file"))
        from pipeline.core.readers.office import read_spreadsheet
        return read_spreadsheet(data, source_format)
    raise Rejected(cb.REJECT_WRONG_TYPE, "unsupported file type: only .txt, .docx, .doc, .wps, .xls, .xlsx, "
                   ".et, .html/.htm and .pdf reports are read")
