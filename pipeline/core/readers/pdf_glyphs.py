"""The characters pdfium drops: single glyphs of a font that is neither embedded nor mapped.

pdfium draws a text object of such a font with no width when the machine has no font for it, and a
text object of one character then has an empty box and is left out of pdfium's text (a longer one
keeps its characters, as its box has the width of the advances). Reports made by CJK tools often
use such fonts with a predefined Unicode or GB CMap (UniGB-UCS2-H, GBK-EUC-H …): the character
codes themselves say which characters they are. This module reads the page's content stream
(with pdfminer.six, which pdfplumber brings) and gives the text of the k-th text-showing operator,
so that the k-th text object pdfium reports can be given its characters back. When a page cannot
be matched this way (the counts disagree, a font whose codes say nothing), that page is left as it is and
the caller reads the document another way.
"""
from __future__ import annotations

import io
import re

_UNICODE_CMAP = re.compile(r"^Uni(?:GB|CNS|JIS|KS)-(?:UCS2|UTF16)-[HV]$")
_GB_CMAP = re.compile(r"^(?:GB|GBK|GBK2K|GBpc|GBT|GBKp)(?:-EUC)?-[HV]$")
_TEXT_OBJECT = re.compile(rb"/[^\s/\[\]()<>{}%]+\s+[-+.0-9]+\s+Tf\b|\bBT\b.*?\bET\b", re.S)
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|\r\n|.)", re.S)
_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f",
            ord("("): b"(", ord(")"): b")", ord("\\"): b"\\"}


Shown = dict[int, tuple[int, dict[int, "str | None"]]]


def shown_texts(data: bytes, wanted: dict[int, list[int]]) -> Shown | None:
    """For each page index in `wanted`: how many non-empty text-showing operators the page has, and
    the text of those at the wanted ordinals (None where the font's codes cannot be decoded); None
    when a page cannot be read this way."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    try:
        doc = PDFDocument(PDFParser(io.BytesIO(data)))
        out: dict[int, tuple[int, dict[int, str | None]]] = {}
        for index, page in enumerate(PDFPage.create_pages(doc)):
            if index not in wanted:
                continue
            specs = resolve1((page.resources or {}).get("Font")) or {}
            content = b"\n".join(resolve1(s).get_data() for s in (page.contents or []))
            # text is shown only inside BT … ET, and fonts are set there or just before: the rest
            # (the ruling lines of the tables, mostly) need not be tokenised
            count, raw = _show_ops(b"\n".join(_TEXT_OBJECT.findall(content)), set(wanted[index]))
            texts = {}
            for ordinal, (font, codes) in raw.items():
                codec = _decoder(resolve1(specs.get(font))) if font in specs else None
                texts[ordinal] = codes.decode(codec, errors="replace") if codec else None
            out[index] = (count, texts)
            if len(out) == len(wanted):
                break
        return out if len(out) == len(wanted) else None
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


def _show_ops(content: bytes, wanted: set[int]) -> tuple[int, dict[int, tuple[str | None, bytes]]]:
    """How many non-empty text-showing operators (Tj ' " TJ) the content has, and for those at the
    wanted ordinals the font Tf set and the character codes. A string with nested parentheses or an
    operator in an odd place is not matched: the count then disagrees with pdfium's count of text
    objects, which the caller checks."""
    out: dict[int, tuple[str | None, bytes]] = {}
    font: str | None = None
    count = 0
    for m in _SHOW.finditer(content):
        name, single, array = m.groups()
        if name is not None:
            font = name.decode("latin-1")
            continue
        parts = [single] if single is not None else _PART.findall(array)
        if not any(len(p) > 2 and p.strip(b"<> \t\r\n") for p in parts):
            continue  # an empty string: pdfium makes no text object of it
        if count in wanted:
            out[count] = (font, b"".join(_bytes(p) for p in parts))
        count += 1
    return count, out


def _bytes(token: bytes) -> bytes:
    if token[:1] == b"<":
        digits = re.sub(rb"\s", b"", token[1:-1])
        return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("ascii"))
    raw = token[1:-1]
    return _ESCAPE.sub(_unescape, raw) if b"\\" in raw else raw


def _unescape(m: re.Match) -> bytes:
    code = m.group(1)
    if code[:1].isdigit() and code[:1] < b"8":
        return bytes([int(code, 8) & 0xFF])
    return _ESCAPES.get(code[0], b"") if code[:1] in b"\r\n" else _ESCAPES.get(code[0], code)
