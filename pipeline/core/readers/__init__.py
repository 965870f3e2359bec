"""Readers: raw bytes → `Document`, whatever the file format. Bad input raises `Rejected`."""
from __future__ import annotations

from pipeline.core.document import Document
from pipeline.core.readers.text import DecodeError, decode, text_to_document


class Rejected(ValueError):
    """The file cannot be read as a report; the message says why, for a person."""


def read_document(data: bytes, source_format: str) -> Document:
    if not data.strip():
        raise Rejected("empty file")
    if source_format == "txt":
        if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise Rejected("binary content in a .txt file (NUL bytes): not a text report")
        try:
            text, encoding = decode(data)
        except DecodeError as exc:
            raise Rejected(str(exc)) from exc
        return text_to_document(text, encoding)
    if source_format == "unknown":
        raise Rejected("unsupported file type: only .txt, .docx, .html/.htm and .pdf reports are read")
    raise Rejected(f"no reader for .{source_format} files yet; convert the report to text to load it")
