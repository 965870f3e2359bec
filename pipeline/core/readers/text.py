"""Plain-text reports: encodings and the table layouts seen when text is copied out of Word or PDF.

Layouts (detected line by line, so one file may mix them):
- one cell per line: each cell on its own line behind a tab, rows separated by blank lines
  (Word's text export); a following line without a tab continues the cell (a wrapped label);
- tab-separated rows: one row per line, cells separated by tabs;
- pipe rows: ``| a | b | c |`` (Markdown tables from PDF converters); ``|---|`` lines are dropped;
- one cell per line ending in `` |`` (a web table copied as text): a stream of cells, cut into rows
  where a label follows a value;
- everything else is a paragraph. Lines hard-wrapped by a PDF converter are joined back.
"""
from __future__ import annotations

import codecs
import re
from collections import Counter
from typing import Any

from pipeline.core import codebook as cb
from pipeline.core.document import Block, Document, Paragraph, Table, TableRow, merge_adjacent_tables
from pipeline.core.rejection import Rejected
from pipeline.core.textnorm import DEBRIS, cell_kind, display_width, rows_from_cell_stream, strip_debris

_SEPARATOR_CELL = re.compile(r"^:?-{3,}:?$")
_PAGE_FOOTER = re.compile(r"^[—\-–－]\s*\d{1,3}\s*[—\-–－]$|^第\s*\d{1,3}\s*页(?:\s*[/,，]?\s*共\s*\d+\s*页)?$")
SENTENCE_END = "。！？；：!?;:）)》”"
_MIN_WRAPPED = 60  # a line this wide that stops mid-sentence was wrapped by a converter
_HEADING = re.compile(r"^\s*(?:#+\s*)?(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）])")


_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding). Byte-order marks first, then strict UTF-8, GB18030, then detection."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as exc:  # a UTF-16 file cut at an odd byte, say
                raise Rejected(cb.REJECT_BROKEN, f"unreadable encoding: the file starts with a {enc} "
                               f"byte-order mark but is not {enc} text ({exc.reason} at byte {exc.start})") \
                    from exc
    for enc in ("utf-8", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if enc == "utf-8" or _looks_chinese(text):
            return text, enc
    from charset_normalizer import from_bytes  # detection only where the cheap paths failed

    best = from_bytes(data).best()
    if best is None:
        raise Rejected(cb.REJECT_BROKEN,
                       "unreadable encoding: not UTF-8, UTF-16, GB18030 or any detectable text encoding")
    return str(best), best.encoding


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _looks_chinese(text: str) -> bool:
    sample = text[:4000]
    return len(sample) - len(_CJK.sub("", sample)) >= max(1, len(sample.strip()) // 10)


# --- stage 1: each line's cells -----------------------------------------------------------------
# A line is one of: blank, a whole row of cells, one cell of a row laid out one cell per line, or prose.

_BARS = str.maketrans({"｜": "|", "│": "|"})
BLANK, ROW, TAB_CELL, PIPE_CELL, RULE, PROSE = "blank", "row", "tab_cell", "pipe_cell", "rule", "prose"
_SPACE_SEPARATOR = re.compile(r"[ \u00a0\u3000]{2,}|\u3000")
_MAX_SPACED_CELL = 80  # a cell of a space-separated row is a label or a number, never a long sentence


def _pipe_cells(line: str) -> list[str] | None:
    """The cells of a pipe row, with or without its outer pipes ('| a | b |', 'a | b |', 'a | b');
    None when the line has no inner pipe (one cell ending in ' |' is not a row)."""
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    if "|" not in s:
        return None
    return [c.strip() for c in s.split("|")]


def _spaced_cells(line: str) -> list[str] | None:
    """A row whose cells are separated by runs of two or more spaces or by U+3000: short cells, the
    last a number or a blank marker ('行政许可  97', '规章  1  0  12'); None for prose."""
    cells = _SPACE_SEPARATOR.split(line.strip())
    if len(cells) < 2 or any(display_width(c) > _MAX_SPACED_CELL for c in cells):
        return None
    if cell_kind(cells[-1]) == "text":  # '共收到申请  35  件' is prose; a row ends in a value
        return None
    return [c.strip() for c in cells]


def _is_separator_row(cells: list[str]) -> bool:
    """Only empty cells and Markdown rules ('---', ':--:')."""
    joined = "".join(cells)
    if not joined:
        return True
    if "-" not in joined:
        return False
    return all(not c or _SEPARATOR_CELL.match(c) for c in cells)


def split_line(raw: str, cleaned: str) -> tuple[str, Any]:
    """Stage 1: (kind, content) of one line: the cells of a ROW (a list; a list of rows when rows
    ran together), the one cell of a TAB_CELL or PIPE_CELL line, the text of PROSE, else None.
    `raw` is the line as read, `cleaned` the line without Word debris."""
    line = cleaned.rstrip()
    if not line:
        if raw[:1] != "\t":
            return BLANK, None
        return TAB_CELL, ""  # Word's export: one cell per line behind a tab, blank cells too
    if "|" in line:
        s = line.lstrip()
        if s == "|":
            return PIPE_CELL, ""
        if line[-1] == "|" and s[0] != "|" and s.count("|") == 1:
            return PIPE_CELL, s[:-1].strip()  # '予以公开 |': one cell per line, ending in a pipe
        cells = _pipe_cells(line)
        if cells is None and len(s) > 2 and s[0] == "|" == line[-1]:
            cells = [s[1:-1].strip()]  # '| 规章000 |': a row of one cell
        if cells is not None:
            return (RULE, None) if _is_separator_row(cells) else (ROW, split_run_together(cells))
    if "\t" in line:
        if line[0] != "\t" or "\t" in line[1:]:
            # a tab-separated row; trailing empty cells kept (a blank 总计 at the end of a row)
            cells = [c.strip() for c in cleaned.split("\t")]
            return (RULE, None) if _is_separator_row(cells) else (ROW, cells)
        return TAB_CELL, line.strip()
    if _has_gap(line):
        cells = _spaced_cells(line)
        if cells is not None:
            return ROW, split_run_together(cells)
    return PROSE, line.strip()


def _has_gap(text: str) -> bool:
    """Two spaces, U+3000 or NBSP inside (cheap string tests before the regular expression)."""
    return ("  " in text or "\u3000" in text or "\u00a0" in text) \
        and _SPACE_SEPARATOR.search(text.strip()) is not None


def split_run_together(cells: list[str]) -> list[str] | list[list[str]]:
    """Two table rows run into one line ('… | 0 | 0 |2.其他法律行政法规禁止公开 | 0 | …'): a list of
    rows when a label follows a number; otherwise the cells unchanged."""
    seen_number = False
    for c in cells:
        kind = cell_kind(c)
        if kind == "number":
            seen_number = True
        elif kind == "text" and seen_number:
            return rows_from_cell_stream(cells)
    return cells


# --- stage 2: lines → rows and paragraphs ---------------------------------------------------------

class _Builder:
    """Collects the blocks: rows into tables, one-cell-per-line cells into rows, prose into
    paragraphs (joining lines a converter wrapped)."""

    def __init__(self, wrap_width: int | None) -> None:
        self.blocks: list[Block] = []
        self.rows: list[TableRow] = []
        self.cell_row: list[str] = []  # cells of a row laid out one cell per line behind a tab
        self.cell_row_line = 0
        self.stream: list[tuple[int, str]] = []  # cells ending in ' |', one per line
        self.prose: list[Paragraph] = []
        self.wrap_width = wrap_width

    def end_prose(self) -> None:
        if self.prose:
            self.blocks.extend(_join_wrapped(self.prose, self.wrap_width))
            self.prose = []

    def end_row(self) -> None:
        """A blank line or another layout ends the row being collected cell by cell."""
        if self.stream:
            cells = [c for _, c in self.stream]
            at = 0  # a row's line is the line of its first cell
            for row in rows_from_cell_stream(cells):
                self.rows.append(TableRow(tuple(row), self.stream[at][0]))
                at += len(row)
            self.stream = []
        if self.cell_row:
            self.rows.append(TableRow(tuple(self.cell_row), self.cell_row_line))
            self.cell_row = []

    def end_table(self) -> None:
        self.end_row()
        if self.rows:
            self.blocks.append(Table(tuple(self.rows)))
            self.rows = []

    def row(self, cells: list, number: int) -> None:
        if self.prose:
            self.end_prose()
        if self.stream or self.cell_row:
            self.end_row()
        if cells and isinstance(cells[0], list):  # rows run together on one line
            self.rows.extend(TableRow(tuple(r), number) for r in cells)
        else:
            self.rows.append(TableRow(tuple(cells), number))

    def tab_cell(self, cell: str, number: int) -> None:
        if self.prose:
            self.end_prose()
        if self.stream:
            self.end_row()
        if not self.cell_row:
            self.cell_row_line = number
        self.cell_row.append(cell)

    def pipe_cell(self, cell: str, number: int) -> None:
        if self.prose:
            self.end_prose()
        if self.cell_row:
            self.end_row()
        self.stream.append((number, cell))

    def paragraph(self, text: str, number: int) -> None:
        if self.rows or self.stream or self.cell_row:
            self.end_table()
        self.prose.append(Paragraph(text, number))

    def finish(self) -> list[Block]:
        self.end_table()
        self.end_prose()
        return merge_adjacent_tables(self.blocks)


def text_to_document(text: str, encoding: str | None = None) -> Document:
    """Stage 1 splits each line into cells (`split_line`); stage 2 forms rows, tables and
    paragraphs (`_Builder`). The sections and the grids are read from these by the parser."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "｜" in text or "│" in text:  # full-width and box-drawing bars as cell separators
        text = text.translate(_BARS)
    raw_lines = text.split("\n")
    clean_lines = [strip_debris(l) for l in raw_lines] if DEBRIS.search(text) else raw_lines
    lines = [split_line(raw, cleaned) for raw, cleaned in zip(raw_lines, clean_lines)]
    out = _Builder(_wrap_width([text for kind, text in lines if kind == PROSE and len(text) >= 20
                                and not _has_gap(text)]))  # not a header spaced out
    prev = BLANK
    for number, (kind, content) in enumerate(lines, start=1):
        if kind == BLANK:  # a blank line ends a row and a paragraph
            if out.stream or out.cell_row:
                out.end_row()
            if out.prose:
                out.end_prose()
        elif kind == TAB_CELL:
            out.tab_cell(content, number)
        elif kind == PROSE:
            prose = content
            if prev == TAB_CELL and out.cell_row and _is_wrapped_label(prose):
                out.cell_row[-1] += prose  # a wrapped cell label ('结果' / '维持')
                continue  # the next line may continue it too
            if not _PAGE_FOOTER.match(prose):
                out.paragraph(prose, number)
        elif kind == ROW:
            out.row(content, number)
        elif kind == PIPE_CELL:
            out.pipe_cell(content, number)
        prev = kind
    return Document(tuple(out.finish()), "txt", encoding)


def _is_wrapped_label(text: str) -> bool:
    """A short line after a cell that is not a heading: the rest of a label Word wrapped."""
    return display_width(text) <= 60 and not _HEADING.match(text)


def is_page_footer(line: str) -> bool:
    """'— 3 —', '- 12 -', '第 2 页 共 9 页': page numbers a converter left in the text."""
    return bool(_PAGE_FOOTER.match(line.strip()))


def _wrap_width(prose: list[str]) -> int | None:
    """The width a PDF converter wrapped prose at, or None when lines are whole paragraphs. Only
    prose lines count (rows, and headers spaced out, are as wide as their table)."""
    # widths of 40 or more (a shorter line cannot be the widest when 8 are this long); a line of
    # fewer than 20 characters is narrower than 40 columns
    long = [w for w in map(display_width, prose) if w >= 40]
    if len(long) < 8:
        return None
    mode, freq = Counter(w // 4 for w in long).most_common(1)[0]
    near = sum(1 for w in long if abs(w // 4 - mode) <= 1)
    if near < 0.5 * len(long) or max(long) > 4 * (mode * 4 + 4):
        return None
    return mode * 4


_ENDS = tuple(SENTENCE_END)
_ENDS_OR_TITLE = (*SENTENCE_END, "报告", "年报")
# a line that starts a page's metadata field (标 题:, 发布机构:, 来源:) or a breadcrumb stands alone
_FIELD_START = re.compile(r"^\s*(?:标\s*题|名\s*称|索\s*引\s*号|发布机构|发文机关|成文日期|发布日期|发布时间|来\s*源|"
                          r"当前位置|您现在|您的位置)\s*[:：|]?")


def _join_wrapped(lines: list[Paragraph], wrap_width: int | None) -> list[Paragraph]:
    """Consecutive lines of prose → paragraphs, joining the lines a converter wrapped."""
    if len(lines) == 1:  # most paragraphs are one line
        return lines
    if wrap_width is None:  # too few lines to measure the wrap: join only lines cut mid-sentence
        groups: list[tuple[int, list[str]]] = []  # (first line, the lines joined)
        for text, number in lines:
            if groups:
                start, parts = groups[-1]
                last = parts[-1]
                if len(last) * 2 >= _MIN_WRAPPED and display_width(last) >= _MIN_WRAPPED \
                        and not last.endswith(_ENDS_OR_TITLE) and not _has_gap(last) \
                        and not _HEADING.match(text) and not _FIELD_START.match(text) \
                        and start + len(parts) == number:
                    parts.append(text)
                    continue
            groups.append((number, [text]))
        return [Paragraph("".join(parts), start) for start, parts in groups]
    out: list[Paragraph] = []
    start, buf = 0, ""
    for text, number in lines:
        if buf and buf.endswith(_ENDS) and _HEADING.match(text):
            out.append(Paragraph(buf, start))  # '…检查。' then '二、主动公开…': a new paragraph
            buf = ""
        if not buf:
            start = number
        buf += text
        if display_width(text) < wrap_width - 8 or text.endswith(_ENDS) and display_width(text) < \
                wrap_width - 2 or buf == text and text.endswith("报告"):  # a title line stands alone
            out.append(Paragraph(buf, start))
            buf = ""
    if buf:
        out.append(Paragraph(buf, start))
    return out
