"""Spreadsheets (.xls, and .et as WPS Office saves it; .xlsx content too) → Document, with python-calamine.

Each sheet is read top to bottom. A merged range counts as one cell, as in a Word table: its value
where it starts, the columns it spans skipped, and blank in the rows below its first (a vertically
merged continuation). Consecutive rows of two or more cells, and rows that are one merged range,
make a table; a row holding one plain cell is a paragraph; an empty row ends a table. Numbers are
written as the sheet holds them (3 not 3.0); nothing is filled in.
"""
from __future__ import annotations

import datetime as dt
import io

from pipeline.core import codebook as cb
from pipeline.core.document import Block, Document, Paragraph, Table, TableRow
from pipeline.core.rejection import Rejected
from pipeline.core.textnorm import strip_debris

MAX_CELLS = 2_000_000


def read_sheet(data: bytes, source_format: str) -> Document:
    import python_calamine as pc

    try:
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.CalamineError as exc:  # PasswordError, XmlError, ZipError … ("Cannot detect file format")
        raise _unreadable(exc) from exc
    blocks: list[Block] = []
    line = 0
    for index in range(len(book.sheet_names)):
        try:
            sheet = book.get_sheet_by_index(index)
        except pc.CalamineError as exc:
            raise _unreadable(exc) from exc
        if sheet.total_height * max(sheet.total_width, 1) > MAX_CELLS:
            raise Rejected(cb.REJECT_TOO_LARGE,
                           f"sheet with {sheet.total_height} × {sheet.total_width} cells: not a report")
        try:
            grid = sheet.to_python(skip_empty_area=False)
            merged = sheet.merged_cell_ranges or []
        except pc.CalamineError as exc:
            raise _unreadable(exc) from exc
        line = _sheet_blocks(grid, merged, blocks, line)
    return Document(tuple(blocks), source_format, None)


def _unreadable(exc: Exception) -> Rejected:
    return Rejected(cb.REJECT_BROKEN, f"not a readable spreadsheet ({type(exc).__name__}: {str(exc)[:120]})")


def _sheet_blocks(grid: list[list], merged: list, blocks: list[Block], line: int) -> int:
    starts: dict[tuple[int, int], int] = {}  # (row, col) → last column of the range starting there
    covered: dict[tuple[int, int], int] = {}  # (row, first col) of continuation rows → last column
    for (r0, c0), (r1, c1) in merged:
        starts[(r0, c0)] = c1
        for r in range(r0 + 1, r1 + 1):
            covered[(r, c0)] = c1
    rows: list[TableRow] = []
    for r, values in enumerate(grid):
        line += 1
        cells: list[str] = []
        spanning = False
        c = 0
        while c < len(values):
            if (r, c) in starts:
                spanning = spanning or starts[(r, c)] > c
                cells.append(_text(values[c]))
                c = starts[(r, c)] + 1
            elif (r, c) in covered:
                cells.append("")
                c = covered[(r, c)] + 1
            else:
                cells.append(_text(values[c]))
                c += 1
        while cells and not cells[-1]:
            cells.pop()
        if not any(cells):
            if rows:
                blocks.append(Table(tuple(rows)))
                rows = []
            continue
        if len(cells) >= 2 or spanning:  # a row of cells, or one merged across columns (a table's title row)
            rows.append(TableRow(tuple(cells), line))
            continue
        if rows:
            blocks.append(Table(tuple(rows)))
            rows = []
        blocks.append(Paragraph(cells[0], line))
    if rows:
        blocks.append(Table(tuple(rows)))
    return line


def _text(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    return strip_debris(str(value)).strip()
