"""The characters pdfium drops: single glyphs of a font that is neither embedded nor mapped.

pdfium draws a text object of such a font with no width when the machine has no font for it, and a
text object of one character then has an empty box and is left out of pdfium's text (a longer one
keeps its characters, as its box has the width of the advances). Reports made by CJK tools often
use such fonts with a predefined Unicode or GB CMap (UniGB-UCS2-H, GBK-EUC-H …): the character
codes themselves say which characters they are. This module reads the page's content stream
(with pdfminer.six, which pdfplumber brings) and returns the text of the k-th text-showing operator,
so that the k-th text object pdfium reports can be given its characters back. When a page cannot
be matched this way (forms, inline images, a font whose codes say nothing), it returns None and
the caller reads the document another way.
"""
from __future__ import annotations

import io
import re

_UNICODE_CMAP = re.compile(r"^Uni(?:GB|CNS|JIS|KS)-(?:UCS2|UTF16)-[HV]$")
_GB_CMAP = re.compile(r"^(?:GB|GBK|GBK2K|GBpc|GBT|GBKp)(?:-EUC)?-[HV]$")
_TEXT_OBJECT = re.compile(rb"/[^\s/\[\]()<>{}%]+\s+[-+.0-9]+\s+Tf\b|\bBT\b.*?\bET\b", re.S)
_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f",
            ord("("): b"(", ord(")"): b")", ord("\\"): b"\\"}


class Unmatched(Exception):
    """The content stream cannot be matched with pdfium's text objects."""


def shown_texts(data: bytes, page_indexes: list[int]) -> dict[int, list[str | None]] | None:
    """Page index → the text of every non-empty text-showing operator of the page, in order (None
    for one whose font's codes cannot be decoded); None when a page cannot be read this way."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    try:
        doc = PDFDocument(PDFParser(io.BytesIO(data)))
        wanted = set(page_indexes)
        out: dict[int, list[str | None]] = {}
        for index, page in enumerate(PDFPage.create_pages(doc)):
            if index not in wanted:
                continue
            fonts = {name: _decoder(resolve1(spec)) for name, spec in
                     (resolve1((page.resources or {}).get("Font")) or {}).items()}
            content = b"\n".join(resolve1(s).get_data() for s in (page.contents or []))
            # text is shown only inside BT … ET, and fonts are set there or just before: the rest
            # (the ruling lines of the tables, mostly) need not be tokenised
            out[index] = _show_ops(b"\n".join(_TEXT_OBJECT.findall(content)), fonts)
            if len(out) == len(wanted):
                break
        return out if len(out) == len(wanted) else None
    except Unmatched:
        return None
    except Exception:  # pdfminer raises many types on files it cannot read
        return None


def _decoder(font) -> str | None:
    """'utf-16-be' or 'gb18030' for a Type0 font whose CMap is a Unicode or GB one; else None."""
    from pdfminer.psparser import PSLiteral

    if not isinstance(font, dict):
        return None
    encoding = font.get("Encoding")
    name = encoding.name if isinstance(encoding, PSLiteral) else None
    if not name or _name(font.get("Subtype")) != "Type0":
        return None
    if _UNICODE_CMAP.match(name):
        return "utf-16-be"
    if _GB_CMAP.match(name):
        return "gb18030"
    return None


def _name(value) -> str | None:
    return getattr(value, "name", None)


_STRING = rb"\((?:[^\\()]|\\.)*\)|<[0-9A-Fa-f\s]*>"
_SHOW = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+[-+.\d]+\s+Tf\b"
                   rb"|(" + _STRING + rb")\s*(?:Tj|'|\")(?![^\s()<>\[\]{}/%])"
                   rb"|\[((?:" + _STRING + rb"|[-+.\d\s]+)*)\]\s*TJ\b", re.S)
_PART = re.compile(_STRING, re.S)


def _show_ops(content: bytes, fonts: dict[str, str | None]) -> list[str | None]:
    """The text of every non-empty text-showing operator (Tj ' " TJ), in order, decoded by the font
    Tf set. A string with nested parentheses or an operator in an odd place is not matched, and
    the count of operators no longer agrees with pdfium's count of text objects: the caller checks."""
    texts: list[str | None] = []
    font: str | None = None
    for m in _SHOW.finditer(content):
        name, single, array = m.groups()
        if name is not None:
            font = name.decode("latin-1")
            continue
        raw = _bytes(single) if single is not None else b"".join(_bytes(p) for p in _PART.findall(array))
        if raw:
            codec = fonts.get(font or "")
            texts.append(raw.decode(codec, errors="replace") if codec else None)
    return texts


def _bytes(token: bytes) -> bytes:
    if token[:1] == b"<":
        digits = re.sub(rb"\s", b"", token[1:-1])
        return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("ascii"))
    raw = token[1:-1]
    return _literal(raw + b")", 0)[0] if b"\\" in raw else raw


def _literal(data: bytes, i: int) -> tuple[bytes, int]:
    out = bytearray()
    depth = 1
    n = len(data)
    while i < n:
        ch = data[i]
        if ch == 0x5C:  # backslash
            nxt = data[i + 1] if i + 1 < n else 0
            if nxt in _ESCAPES:
                out += _ESCAPES[nxt]
                i += 2
            elif 0x30 <= nxt <= 0x37:
                j = i + 1
                while j < min(i + 4, n) and 0x30 <= data[j] <= 0x37:
                    j += 1
                out.append(int(data[i + 1: j], 8) & 0xFF)
                i = j
            elif nxt in b"\r\n":
                i += 2 + (nxt == 0x0D and data[i + 2: i + 3] == b"\n")
            else:
                i += 1
            continue
        if ch == 0x28:
            depth += 1
        elif ch == 0x29:
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
        out.append(ch)
        i += 1
    raise Unmatched("unterminated string")
