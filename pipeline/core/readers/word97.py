"""Old Word .doc (Word 97–2003 binary) and .wps (WPS Office saves the same format) → Document, in pure
Python over olefile: the main text through the piece table, the tables from Word's own cell marks.

In the binary format every table cell ends with a cell mark (\\x07) and every row with one more
paragraph, also ending in \\x07, whose properties say "table row end" (sprmPFTtp). The cell marks give
the cells exactly as Word's text export does — a horizontally merged cell once, a vertically merged
continuation cell blank — so the rows come out as the .docx reader gives them. Field instructions are
dropped and their results kept. Files this module cannot read (Word 6/95, encrypted, no piece table,
damaged) raise `Rejected` with the reason `needs_converter`; the caller may then try LibreOffice.
"""
from __future__ import annotations

import io
import struct
from bisect import bisect_right

from pipeline.core import codebook as cb
from pipeline.core.document import Block, Document, Paragraph, Table, TableRow
from pipeline.core.rejection import Rejected
from pipeline.core.textnorm import strip_debris

_SPRM_TTP, _SPRM_INNER_TTP, _SPRM_IN_TABLE, _SPRM_ITAP = 0x2417, 0x244C, 0x2416, 0x6649
_SPRM_HUGE_PAPX, _SPRM_DEF_TABLE = 0x6646, 0xD608
_ROW_END, _CELL_PARA = "\uE000", "\uE001"  # private marks for the paragraph ends in tables
_CELL, _PARA = "\x07", "\r"
_DROP = dict.fromkeys(map(ord, "\x00\x01\x02\x03\x04\x05\x06\x08\x0e\x0f\x10\x11\x12"
                          "\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1f"), None) \
    | {0x0B: "\n", 0x0C: "\r", 0x1E: "-", 0xA0: " "}  # line break, page break, non-breaking hyphen and space


def _needs_converter(why: str) -> Rejected:
    """The file is not Word 97+ binary this module can read."""
    return Rejected(cb.REJECT_NEEDS_CONVERTER, why)


def read_word97(data: bytes, source_format: str = "doc") -> Document:
    try:
        text = _main_text(data)
    except struct.error as exc:  # a structure that runs past the end of its stream: a damaged file
        raise _needs_converter(f"damaged Word file ({exc})") from exc
    return Document(tuple(_blocks(text)), source_format, None)


# what olefile raises on a damaged compound file: OleFileError (an OSError), ValueError (a sector table
# of the wrong length), struct.error
_OLE_ERRORS = (OSError, ValueError, struct.error)


def _stream(ole, name: str) -> bytes:
    try:
        return ole.openstream(name).read()
    except _OLE_ERRORS as exc:  # a stream olefile cannot follow (a bad sector chain)
        raise _needs_converter(f"damaged Word file: its {name} stream cannot be read "
                               f"({type(exc).__name__}: {str(exc)[:120]})") from exc


def _main_text(data: bytes) -> str:
    """The main document's characters, with the row-end marks and the paragraph ends inside table
    cells replaced by private marks."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except _OLE_ERRORS as exc:
        raise _needs_converter(f"not an OLE compound file ({exc})") from exc
    if not ole.exists("WordDocument"):
        raise _needs_converter("no WordDocument stream (not a Word 97-2003 file)")
    word = _stream(ole, "WordDocument")
    ident, nfib = struct.unpack_from("<HH", word, 0)
    flags = struct.unpack_from("<H", word, 0x0A)[0]
    if ident != 0xA5EC or nfib < 0x00C1:
        raise _needs_converter(f"Word file version {nfib:#x} older than Word 97")
    if flags & 0x0100:
        raise _needs_converter("encrypted Word file")
    table_name = "1Table" if flags & 0x0200 else "0Table"
    if not ole.exists(table_name):
        raise _needs_converter(f"no {table_name} stream")
    table = _stream(ole, table_name)
    csw = struct.unpack_from("<H", word, 32)[0]
    at = 34 + 2 * csw
    cslw = struct.unpack_from("<H", word, at)[0]
    lw = at + 2
    ccp_text = struct.unpack_from("<i", word, lw + 12)[0]
    fc_lcb = lw + 4 * cslw + 2

    def pair(index: int) -> tuple[int, int]:
        return struct.unpack_from("<II", word, fc_lcb + 8 * index)

    fc_clx, lcb_clx = pair(33)
    fc_papx, lcb_papx = pair(13)
    pieces = _pieces(table[fc_clx: fc_clx + lcb_clx])
    chars: list[str] = []
    positions: list[tuple[int, int, int, bool]] = []  # (cp start, cp end, fc start, compressed)
    for cp0, cp1, fc, compressed in pieces:
        if cp0 >= ccp_text:
            break
        cp1 = min(cp1, ccp_text)
        n = cp1 - cp0
        if compressed:
            chars.append(word[fc: fc + n].decode("cp1252", errors="replace"))
        else:
            chars.append(word[fc: fc + 2 * n].decode("utf-16-le", errors="replace"))
        if len(chars[-1]) != max(n, 0):
            raise _needs_converter("damaged Word file: a piece of its text lies past the end of the "
                                   "WordDocument stream")
        positions.append((cp0, cp1, fc, compressed))
    text = list("".join(chars))
    if positions and max(p[1] for p in positions) > len(text):
        raise _needs_converter("damaged Word file: its piece table does not match its text")
    data_stream = _stream(ole, "Data") if ole.exists("Data") else b""
    marks = _table_paragraphs(word, table[fc_papx: fc_papx + lcb_papx], data_stream)
    if marks:
        starts = [m[0] for m in marks]
        for cp0, cp1, fc, compressed in positions:
            width = 1 if compressed else 2
            for cp in range(cp0, cp1):
                ch = text[cp]
                if ch != _CELL and ch != _PARA:
                    continue
                at = fc + (cp - cp0) * width
                k = bisect_right(starts, at) - 1
                if k < 0 or not marks[k][0] <= at < marks[k][1]:
                    continue
                if ch == _CELL and marks[k][2]:
                    text[cp] = _ROW_END
                elif ch == _PARA:
                    text[cp] = _CELL_PARA
    return "".join(text)


def _pieces(clx: bytes) -> list[tuple[int, int, int, bool]]:
    i = 0
    while i < len(clx) and clx[i] == 0x01:  # Prc: property modifiers of the pieces, skipped
        i += 3 + struct.unpack_from("<H", clx, i + 1)[0]
    if i >= len(clx) or clx[i] != 0x02:
        raise _needs_converter("no piece table")
    lcb = struct.unpack_from("<I", clx, i + 1)[0]
    plc = clx[i + 5: i + 5 + lcb]
    n = (lcb - 4) // 12
    cps = struct.unpack_from(f"<{n + 1}i", plc, 0)
    out = []
    for k in range(n):
        fc_raw = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * k + 2)[0]
        compressed = bool(fc_raw & 0x40000000)
        fc = (fc_raw & 0x3FFFFFFF) // 2 if compressed else fc_raw & 0x3FFFFFFF
        out.append((cps[k], cps[k + 1], fc, compressed))
    return out


def _table_paragraphs(word: bytes, plc: bytes, data: bytes) -> list[tuple[int, int, bool]]:
    """File-position ranges of the paragraphs in tables, each with whether it is a row end."""
    if len(plc) < 8:
        return []
    n = (len(plc) - 4) // 8
    pages = struct.unpack_from(f"<{n}I", plc, 4 * (n + 1))
    out: list[tuple[int, int]] = []
    for pn in pages:
        page = word[pn * 512: pn * 512 + 512]
        if len(page) < 512:
            continue
        crun = page[511]
        if crun and 4 * (crun + 1) + 13 * (crun - 1) > 511:
            raise _needs_converter("damaged Word file: a page of paragraph properties holds too many runs")
        fcs = struct.unpack_from(f"<{crun + 1}I", page, 0)
        for k in range(crun):
            offset = page[4 * (crun + 1) + 13 * k] * 2
            if offset:
                in_table, row_end = _table_properties(page, offset, data)
                if in_table or row_end:
                    out.append((fcs[k], fcs[k + 1], row_end))
    return sorted(out)


def _table_properties(page: bytes, offset: int, data: bytes) -> tuple[bool, bool]:
    """(in a table, a row end) from a paragraph's properties in a formatted disk page (or in the Data
    stream, where a paragraph's properties are too large for the page: sprmPHugePapx)."""
    cb = page[offset]
    if cb == 0:
        size, start = 2 * page[offset + 1], offset + 2
    else:
        size, start = 2 * cb - 1, offset + 1
    return _grpprl_flags(page[start + 2: start + size], data)  # after the style index


def _grpprl_flags(grpprl: bytes, data: bytes) -> tuple[bool, bool]:
    i = 0
    in_table = row_end = False
    n = len(grpprl)
    while i + 2 <= n:
        sprm = struct.unpack_from("<H", grpprl, i)[0]
        i += 2
        spra = sprm >> 13
        if i < n:
            if sprm in (_SPRM_TTP, _SPRM_INNER_TTP) and grpprl[i]:
                row_end = True
            elif sprm == _SPRM_IN_TABLE and grpprl[i]:
                in_table = True
            elif sprm == _SPRM_ITAP and any(grpprl[i: i + 4]):
                in_table = True
            elif sprm == _SPRM_HUGE_PAPX and i + 4 <= n and data:
                at = struct.unpack_from("<I", grpprl, i)[0]
                if at + 2 <= len(data):
                    huge = data[at + 2: at + 2 + struct.unpack_from("<H", data, at)[0]]
                    t, r = _grpprl_flags(huge, b"")
                    in_table, row_end = in_table or t, row_end or r
        if spra in (0, 1):
            i += 1
        elif spra in (2, 4, 5):
            i += 2
        elif spra == 3:
            i += 4
        elif spra == 7:
            i += 3
        elif sprm == _SPRM_DEF_TABLE and i + 2 <= n:  # a two-byte size, counting itself less one
            i += 1 + struct.unpack_from("<H", grpprl, i)[0]
        elif i < n:  # variable length: a size byte
            i += 1 + grpprl[i]
        else:
            break
    return in_table, row_end


def _fields(text: str) -> str:
    """Field instructions (\\x13 … \\x14) dropped, results (\\x14 … \\x15) kept, nested fields too."""
    if "\x13" not in text:
        return text
    out: list[str] = []
    stack: list[bool] = []  # per open field: True while in its instruction part
    for ch in text:
        if ch == "\x13":
            stack.append(True)
        elif ch == "\x14" and stack:
            stack[-1] = False
        elif ch == "\x15" and stack:
            stack.pop()
        elif not any(stack):
            out.append(ch)
    return "".join(out)


def _blocks(text: str) -> list[Block]:
    """Paragraphs and table rows, numbered as the .docx reader numbers its elements (a table counts
    one, and each of its rows one)."""
    text = _fields(text).translate(_DROP)
    blocks: list[Block] = []
    rows: list[TableRow] = []
    cells: list[str] = []
    cell_parts: list[str] = []
    buffer: list[str] = []
    index = 0
    for ch in text:
        if ch == _PARA:
            if rows:
                blocks.append(Table(tuple(rows)))
                rows = []
            index += 1
            paragraph = strip_debris("".join(buffer)).strip()
            if paragraph:
                blocks.append(Paragraph(paragraph, index))
            buffer = []
        elif ch == _CELL_PARA:
            cell_parts.append(strip_debris("".join(buffer)).strip())
            buffer = []
        elif ch == _CELL:
            cell_parts.append(strip_debris("".join(buffer)).strip())
            cells.append("".join(cell_parts))
            cell_parts, buffer = [], []
        elif ch == _ROW_END:
            if not rows:
                index += 1
            index += 1
            rows.append(TableRow(tuple(cells), index))
            cells, cell_parts, buffer = [], [], []
        else:
            buffer.append(ch)
    if rows:
        blocks.append(Table(tuple(rows)))
    tail = strip_debris("".join(buffer)).strip()
    if tail:
        blocks.append(Paragraph(tail, index + 1))
    return blocks
