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

from pipeline.core.document import Block, Document, Paragraph, Table, TableRow, merge_adjacent_tables
from pipeline.core.textnorm import DEBRIS, display_width, rows_from_cell_stream, strip_debris

_SEPARATOR_CELL = re.compile(r"^:?-{3,}:?$")
_PAGE_FOOTER = re.compile(r"^[—\-–－]\s*\d{1,3}\s*[—\-–－]$|^第\s*\d{1,3}\s*页(?:\s*[/,，]?\s*共\s*\d+\s*页)?$")
SENTENCE_END = "。！？；：!?;:）)》”"
_MIN_WRAPPED = 60  # a line this wide that stops mid-sentence was wrapped by a converter
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）])")


class DecodeError(ValueError):
    """The bytes are not text in any encoding we can recognise."""


_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding). Byte-order marks first, then strict UTF-8, GB18030, then detection."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc), enc
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
        raise DecodeError("unreadable encoding: not UTF-8, UTF-16, GB18030 or any detectable text encoding")
    return str(best), best.encoding


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _looks_chinese(text: str) -> bool:
    sample = text[:4000]
    return len(sample) - len(_CJK.sub("", sample)) >= max(1, len(sample.strip()) // 10)


def _pipe_cells(line: str) -> list[str] | None:
    s = line.strip()
    if len(s) < 2 or not (s.startswith("|") and s.endswith("|")):
        return None
    return [c.strip() for c in s[1:-1].split("|")]


def _is_separator_row(cells: list[str]) -> bool:
    """Only empty cells and Markdown rules ('---', ':--:')."""
    joined = "".join(cells)
    if not joined:
        return True
    if "-" not in joined:
        return False
    return all(not c or _SEPARATOR_CELL.match(c) for c in cells)


def text_to_document(text: str, encoding: str | None = None) -> Document:
    """One pass over the lines, each classified by its first characters; the per-line work is kept
    to a few string tests because this loop runs for every line of every plain-text report."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    raw_lines = text.split("\n")
    clean_lines = [strip_debris(l) for l in raw_lines] if DEBRIS.search(text) else raw_lines
    blocks: list[Block] = []
    rows: list[TableRow] = []
    pending: list[str] = []  # cells of a one-cell-per-line row
    pending_line = 0
    stream: list[tuple[int, str]] = []  # one-cell-per-line cells ending in ' |'
    prev_was_cell = False
    paragraph_lines: list[Paragraph] = []  # the lines of the paragraph being read
    wrap_width = _wrap_width(text)
    footer = _PAGE_FOOTER.match
    heading = _HEADING.match

    def flush_pending() -> None:
        nonlocal pending, stream
        if stream:
            at = 0  # a row's line is the line of its first cell
            for cells in rows_from_cell_stream([c for _, c in stream]):
                rows.append(TableRow(tuple(cells), stream[at][0]))
                at += len(cells)
            stream = []
        if pending:
            rows.append(TableRow(tuple(pending), pending_line))
            pending = []

    def flush_table() -> None:
        nonlocal rows
        if stream or pending:
            flush_pending()
        if rows:
            blocks.append(Table(tuple(rows)))
            rows = []

    for number, (raw, cleaned) in enumerate(zip(raw_lines, clean_lines), start=1):
        line = cleaned.rstrip()
        if not line:
            if raw[:1] != "\t":  # a blank line ends a row and a paragraph
                if stream or pending:
                    flush_pending()
                if paragraph_lines:
                    blocks.extend(_join_wrapped(paragraph_lines, wrap_width))
                    paragraph_lines = []
                prev_was_cell = False
                continue
            line = "\t"  # Word's export: one cell per line behind a tab, blank cells too
        lead_tab = line[0] == "\t"
        cells = None
        if "|" in line:
            if line[-1] == "|":  # ' |' or '予以公开 |': one cell per line, ending in a pipe
                s = line.lstrip()
                cell = "" if s == "|" else s[:-1].strip() if s[0] != "|" and s.count("|") == 1 else None
                if cell is not None:
                    if paragraph_lines:
                        blocks.extend(_join_wrapped(paragraph_lines, wrap_width))
                        paragraph_lines = []
                    if pending:
                        flush_pending()
                    stream.append((number, cell))
                    prev_was_cell = False
                    continue
            cells = _pipe_cells(line)
        if stream:
            flush_pending()
        if cells is None and "\t" in line and "\t" in (line[1:] if lead_tab else line):
            cells = [c.strip() for c in cleaned.split("\t")]  # a tab-separated row, trailing empty cells
            # kept (a blank 总计 at the end of a row)
        if cells is not None:
            if _is_separator_row(cells):
                continue
            if paragraph_lines:
                blocks.extend(_join_wrapped(paragraph_lines, wrap_width))
                paragraph_lines = []
            if pending:
                flush_pending()
            rows.append(TableRow(tuple(cells), number))
            prev_was_cell = False
            continue
        if lead_tab:  # one cell on its own line
            if paragraph_lines:
                blocks.extend(_join_wrapped(paragraph_lines, wrap_width))
                paragraph_lines = []
            if not pending:
                pending_line = number
            pending.append(line.strip())
            prev_was_cell = True
            continue
        stripped = line.strip()
        if prev_was_cell and pending and display_width(stripped) <= 60 and not heading(stripped):
            pending[-1] += stripped  # a wrapped cell label ('结果' / '维持')
            continue
        if footer(stripped):
            continue
        if rows or stream or pending:
            flush_table()
        prev_was_cell = False
        paragraph_lines.append(Paragraph(stripped, number))
    flush_table()
    if paragraph_lines:
        blocks.extend(_join_wrapped(paragraph_lines, wrap_width))
    return Document(tuple(merge_adjacent_tables(blocks)), "txt", encoding)


def is_page_footer(line: str) -> bool:
    """'— 3 —', '- 12 -', '第 2 页 共 9 页': page numbers a converter left in the text."""
    return bool(_PAGE_FOOTER.match(line.strip()))


_LONG_LINE = re.compile(r"^[^\t|\n]{20,}$", re.M)


def _wrap_width(text: str) -> int | None:
    """The width a PDF converter wrapped prose at, or None when lines are whole paragraphs."""
    # widths of 40 or more (a shorter line cannot be the widest when 8 are this long); a line of
    # fewer than 20 characters is narrower than 40 columns
    long = [w for w in (display_width(line.strip()) for line in _LONG_LINE.findall(text)) if w >= 40]
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
                        and not last.endswith(_ENDS_OR_TITLE) \
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
