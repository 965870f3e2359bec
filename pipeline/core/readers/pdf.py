"""PDF with a text layer → Document: pdfium's characters and ruling lines, cells rebuilt from the lines.

Ruled tables are read as tables: the ruling lines (stroked lines and the edges of rectangles) are
snapped and joined, their crossings give the cells (a merged cell is one cell; the grid positions it
covers come back blank), and each character goes to the cell that holds its centre. The text outside
the tables becomes paragraphs, in reading order by position on the page. A table continued on the
next page is joined to its first part when nothing but a page number lies between.

pdfium cannot place a character whose font is neither embedded nor mapped to a font on this machine
when the character is drawn alone (its box is empty, so pdfium leaves it out of the text). Such
characters are taken back from the content stream where the font's CMap says which they are
(`pdf_glyphs`); a document where that fails is read again with pdfplumber (pdfminer.six
underneath), which needs no font, and the Document says so in its `note` (it reaches raw_file).
A PDF without a text layer (a scan) is read by OCR (`ocr`), unless DISCLOSURE_OCR=off.
"""
from __future__ import annotations

import ctypes
import io
import re
from bisect import bisect_left, bisect_right
from typing import NamedTuple

from pipeline.core import codebook as cb
from pipeline.core.document import Block, Document, Paragraph, Table, TableRow, merge_adjacent_tables
from pipeline.core.readers.text import SENTENCE_END, is_page_footer
from pipeline.core.rejection import Rejected
from pipeline.core.textnorm import strip_debris

MAX_PAGES = 300
_WS = re.compile(r"\s+")
SNAP = 3.0  # pdfplumber's defaults: snap, join and intersection tolerances, shortest edge
MIN_EDGE = 3.0
LINE_TOLERANCE = 3.0  # characters whose vertical centres lie this close are one line
WORD_GAP = 3.0  # a gap wider than this between characters is a space
FALLBACK_NOTE = ("read with pdfplumber: pdfium could not place {n} character(s) drawn in a font that is "
                 "neither embedded nor mapped")


class Char(NamedTuple):
    text: str
    x0: float
    top: float
    x1: float
    bottom: float


class Line(NamedTuple):
    text: str
    x0: float
    top: float
    x1: float
    bottom: float


class PageContent(NamedTuple):
    tables: list[tuple[float, Table]]  # (top, table)
    lines: list[Line]  # text outside the tables
    chars: int


def read_pdf(data: bytes) -> Document:
    head = data[:1024]
    if b"%PDF-" not in head:
        raise Rejected(cb.REJECT_WRONG_TYPE,
                       "not a PDF: the file has no %PDF header (a renamed or damaged file?)")
    pages, lost = _pdfium_pages(data)
    note = None
    if lost:
        pages = _plumber_pages(data)
        note = FALLBACK_NOTE.format(n=lost)
    if sum(p.chars for p in pages) < 20:
        from pipeline.core.readers import ocr

        if ocr.mode() == "off":
            raise Rejected(cb.REJECT_NO_TEXT, "no text layer: the PDF holds images only (a scan), and OCR is "
                           "off (DISCLOSURE_OCR=off)", retry=True)
        pages, note = ocr.ocr_pdf(data)
        if sum(p.chars for p in pages) < 20:
            raise Rejected(cb.REJECT_NO_TEXT,
                           "no text layer, and OCR found no text: the PDF holds images without text")
    blocks: list[Block] = []
    confidence: dict[int, tuple[float, ...]] = {}
    for number, page in enumerate(pages, start=1):
        blocks.extend(_page_blocks(page, number))
        for _, rows, *scores in page.tables:  # OCR'd tables carry each cell's confidence
            if scores:
                confidence.update((number * 1000 + i, s) for i, s in enumerate(scores[0]))
    return Document(tuple(merge_adjacent_tables(blocks)), "pdf", None, note, confidence or None)


# --- pdfium -----------------------------------------------------------------------------------------

class _Dropped(NamedTuple):
    ordinal: int  # among the page's text objects
    x: float  # origin, top-down coordinates
    y: float
    size: float


def _pdfium_pages(data: bytes) -> tuple[list[PageContent], int]:
    """Every page's tables and lines, and how many characters could not be placed (0 when none)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as c

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:  # a damaged file, with pdfium's reason
        raise Rejected(cb.REJECT_BROKEN, f"broken PDF: {type(exc).__name__}: {str(exc)[:200]}") from exc
    read = []
    try:
        if len(pdf) > MAX_PAGES:
            raise Rejected(cb.REJECT_TOO_LARGE,
                           f"PDF with {len(pdf)} pages, more than {MAX_PAGES}: not an annual report")
        for index in range(len(pdf)):
            try:
                page = pdf[index]
            except pdfium.PdfiumError as exc:  # a damaged page object (e.g. one that refers to itself)
                raise Rejected(cb.REJECT_BROKEN,
                               f"broken PDF: page {index + 1} cannot be loaded ({str(exc)[:200]})") from exc
            try:
                height = page.get_height()
                try:
                    textpage = page.get_textpage()
                except pdfium.PdfiumError as exc:  # pdfium cannot build the page's text
                    raise Rejected(cb.REJECT_BROKEN, f"broken PDF: the text of page {index + 1} cannot be "
                                   f"read ({str(exc)[:200]})") from exc
                try:
                    chars = _chars(c, textpage.raw, height)
                    objects, dropped = _dropped_glyphs(c, page.raw, textpage.raw, height)
                finally:
                    textpage.close()
                edges = _edges(c, page.raw, height)
            finally:
                page.close()
            read.append((chars, edges, objects, dropped))
    finally:
        pdf.close()
    lost = sum(len(r[3]) for r in read)
    if lost:
        from pipeline.core.readers.pdf_glyphs import shown_texts

        shown = shown_texts(data, {i: [d.ordinal for d in r[3]] for i, r in enumerate(read) if r[3]})
        for index, (chars, _, objects, dropped) in enumerate(read):
            count, texts = shown.get(index, (-1, {})) if shown is not None else (-1, {})
            if dropped and count == objects:  # the operators match pdfium's text objects one to one
                for d in dropped:
                    text = texts.get(d.ordinal)
                    if text and len(text) <= 4 and not text.isspace():
                        lost -= 1
                        chars.extend(Char(ch, d.x + k * d.size, d.y - 0.75 * d.size, d.x + (k + 1) * d.size,
                                          d.y + 0.25 * d.size) for k, ch in enumerate(text))
    return [_assemble(chars, edges) for chars, edges, _, _ in read], lost


def _chars(c, textpage, height: float) -> list[Char]:
    n = c.FPDFText_CountChars(textpage)
    if n <= 0:
        return []
    buf = (ctypes.c_ushort * (n + 1))()
    c.FPDFText_GetText(textpage, 0, n, buf)
    text = ctypes.string_at(buf, 2 * n).decode("utf-16-le", errors="replace")
    if len(text) != n:  # characters outside the BMP: fetch one at a time
        text = "".join(chr(c.FPDFText_GetUnicode(textpage, i)) for i in range(n))
    rect = c.FS_RECTF()
    box = c.FPDFText_GetLooseCharBox
    ref = ctypes.byref(rect)
    out = []
    for i, ch in enumerate(text):
        if ch.isspace() or ch == "\ufffe" or ch == "\x00":
            if ch == " " and not c.FPDFText_IsGenerated(textpage, i):  # pdfium adds spaces of its own
                box(textpage, i, ref)
                if rect.right - rect.left > 0.01:
                    out.append(Char(" ", rect.left, height - rect.top, rect.right, height - rect.bottom))
            continue
        box(textpage, i, ref)
        out.append(Char(ch, rect.left, height - rect.top, rect.right, height - rect.bottom))
    return out


def _dropped_glyphs(c, page, textpage, height: float) -> tuple[int, list[_Dropped]]:
    """How many text objects the page has, and those of which pdfium's text holds no character while
    their box is empty: a glyph pdfium could not place (not an empty string)."""
    dropped: list[_Dropped] = []
    text_type = c.FPDF_PAGEOBJ_TEXT
    ordinal = 0
    left, bottom, right, top = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    size = ctypes.c_float()
    matrix = c.FS_MATRIX()
    for i in range(c.FPDFPage_CountObjects(page)):
        obj = c.FPDFPage_GetObject(page, i)
        if c.FPDFPageObj_GetType(obj) != text_type:
            continue
        if c.FPDFTextObj_GetText(obj, textpage, None, 0) <= 2:
            c.FPDFPageObj_GetBounds(obj, left, bottom, right, top)
            if right.value - left.value < 0.01:
                c.FPDFTextObj_GetFontSize(obj, size)
                c.FPDFPageObj_GetMatrix(obj, matrix)
                scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5 or 1.0
                dropped.append(_Dropped(ordinal, matrix.e, height - matrix.f, size.value * scale))
        ordinal += 1
    return ordinal, dropped


def _edges(c, page, height: float) -> list[tuple[str, float, float, float]]:
    """Ruling lines as ('h', y, x0, x1) / ('v', x, top, bottom), top-down coordinates."""
    out: list[tuple[str, float, float, float]] = []
    left, bottom, right, top = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    x, y = ctypes.c_float(), ctypes.c_float()
    matrix = c.FS_MATRIX()

    def add(x0: float, y0: float, x1: float, y1: float) -> None:
        if abs(y1 - y0) < 1.0 and abs(x1 - x0) >= MIN_EDGE:
            out.append(("h", height - (y0 + y1) / 2, min(x0, x1), max(x0, x1)))
        elif abs(x1 - x0) < 1.0 and abs(y1 - y0) >= MIN_EDGE:
            out.append(("v", (x0 + x1) / 2, height - max(y0, y1), height - min(y0, y1)))

    def walk(objects) -> None:
        for obj in objects:
            kind = c.FPDFPageObj_GetType(obj)
            if kind == c.FPDF_PAGEOBJ_FORM:
                walk(c.FPDFFormObj_GetObject(obj, j) for j in range(c.FPDFFormObj_CountObjects(obj)))
                continue
            if kind != c.FPDF_PAGEOBJ_PATH:
                continue
            c.FPDFPageObj_GetBounds(obj, left, bottom, right, top)
            w, h = right.value - left.value, top.value - bottom.value
            if w < 2.0 or h < 2.0:  # a hairline rectangle or a line: one edge
                if w >= MIN_EDGE or h >= MIN_EDGE:
                    mid_y, mid_x = (top.value + bottom.value) / 2, (left.value + right.value) / 2
                    if w >= h:
                        add(left.value, mid_y, right.value, mid_y)
                    else:
                        add(mid_x, bottom.value, mid_x, top.value)
                continue
            c.FPDFPageObj_GetMatrix(obj, matrix)
            a, b, cc, d, e, f = matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f
            start = prev = None
            for k in range(c.FPDFPath_CountSegments(obj)):
                seg = c.FPDFPath_GetPathSegment(obj, k)
                c.FPDFPathSegment_GetPoint(seg, x, y)
                point = (a * x.value + cc * y.value + e, b * x.value + d * y.value + f)
                kind = c.FPDFPathSegment_GetType(seg)
                if kind == c.FPDF_SEGMENT_MOVETO:
                    start = point
                elif prev is not None and kind == c.FPDF_SEGMENT_LINETO:
                    add(prev[0], prev[1], point[0], point[1])
                if c.FPDFPathSegment_GetClose(seg) and start is not None:
                    add(point[0], point[1], start[0], start[1])
                prev = point

    walk(c.FPDFPage_GetObject(page, i) for i in range(c.FPDFPage_CountObjects(page)))
    return out


# --- cells from ruling lines (pdfplumber's "lines" strategy, on merged edges) ---------------------

def _merge(edges: list[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
    """Snap edges of one orientation whose positions lie within SNAP, then join overlapping ones."""
    edges = sorted(edges)
    snapped: list[tuple[float, float, float]] = []
    i = 0
    while i < len(edges):
        j = i
        while j + 1 < len(edges) and edges[j + 1][0] - edges[j][0] <= SNAP:
            j += 1
        group = edges[i: j + 1]
        pos = sum(e[0] for e in group) / len(group)
        for _, a, b in sorted(group, key=lambda e: e[1]):
            if snapped and snapped[-1][0] == pos and a <= snapped[-1][2] + SNAP:
                snapped[-1] = (pos, snapped[-1][1], max(b, snapped[-1][2]))
            else:
                snapped.append((pos, a, b))
        i = j + 1
    return [e for e in snapped if e[2] - e[1] >= MIN_EDGE]


def _cells(edges: list[tuple[str, float, float, float]]) -> list[list[tuple[float, float, float, float]]]:
    """Tables (each a list of cell boxes x0, top, x1, bottom), top to bottom."""
    hs = _merge([e[1:] for e in edges if e[0] == "h"])
    vs = _merge([e[1:] for e in edges if e[0] == "v"])
    if not hs or not vs:
        return []
    points: dict[tuple[float, float], tuple[set[int], set[int]]] = {}
    for vi, (x, top, bottom) in enumerate(vs):
        for hi, (y, x0, x1) in enumerate(hs):
            if top - SNAP <= y <= bottom + SNAP and x0 - SNAP <= x <= x1 + SNAP:
                entry = points.setdefault((x, y), (set(), set()))
                entry[0].add(vi)
                entry[1].add(hi)
    by_x: dict[float, list[float]] = {}
    by_y: dict[float, list[float]] = {}
    for x, y in sorted(points):
        by_x.setdefault(x, []).append(y)
    for x, y in sorted(points, key=lambda p: (p[1], p[0])):
        by_y.setdefault(y, []).append(x)
    cells = []
    for (x, y), (v_ids, h_ids) in points.items():
        below = [yy for yy in by_x[x] if yy > y and points[(x, yy)][0] & v_ids]
        right = [xx for xx in by_y[y] if xx > x and points[(xx, y)][1] & h_ids]
        found = None
        for yy in below:
            for xx in right:
                corner = points.get((xx, yy))
                if corner and corner[0] & points[(xx, y)][0] and corner[1] & points[(x, yy)][1]:
                    found = (x, y, xx, yy)
                    break
            if found:
                break
        if found:
            cells.append(found)
    # tables: cells that share a corner
    parent = list(range(len(cells)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    owner: dict[tuple[float, float], int] = {}
    for i, (x0, top, x1, bottom) in enumerate(cells):
        for corner in ((x0, top), (x0, bottom), (x1, top), (x1, bottom)):
            if corner in owner:
                parent[root(i)] = root(owner[corner])
            else:
                owner[corner] = i
    groups: dict[int, list[tuple[float, float, float, float]]] = {}
    for i, cell in enumerate(cells):
        groups.setdefault(root(i), []).append(cell)
    tables = [g for g in groups.values() if len(g) > 1]
    return sorted(tables, key=lambda t: min((cell[1], cell[0]) for cell in t))


def _text_of(chars: list[Char]) -> str:
    """Characters → text: lines by their tops, words split where the gap is wide or a space stands."""
    if not chars:
        return ""
    lines = _cluster_lines(chars)
    return "\n".join(_line_text(line) for line in lines)


def _cluster_lines(chars: list[Char]) -> list[list[Char]]:
    """Characters whose vertical centres lie within LINE_TOLERANCE of the previous one form a line
    (centres, not tops: pdfium's boxes follow each font's ascent, so a bold heading and the regular
    text after it on one line have tops 3 points apart)."""
    ordered = sorted(chars, key=lambda ch: ch.top + ch.bottom)
    lines: list[list[Char]] = []
    last = None
    for ch in ordered:
        middle = (ch.top + ch.bottom) / 2
        if last is not None and middle - last <= LINE_TOLERANCE:
            lines[-1].append(ch)
        else:
            lines.append([ch])
        last = middle
    return [sorted(line, key=lambda ch: ch.x0) for line in lines]


def _line_text(line: list[Char]) -> str:
    parts: list[str] = []
    prev_x1 = None
    for ch in line:
        if ch.text == " ":
            if parts and parts[-1] != " ":
                parts.append(" ")
            prev_x1 = None
            continue
        if prev_x1 is not None and ch.x0 > prev_x1 + WORD_GAP and parts[-1] != " ":
            parts.append(" ")
        parts.append(ch.text)
        prev_x1 = ch.x1
    return "".join(parts).strip()


def _assemble(chars: list[Char], edges: list[tuple[str, float, float, float]], cell_hook=None) -> PageContent:
    """Tables from the ruling lines, each character in the cell that holds its centre (as pdfplumber's
    Table.extract: rows by cell tops, a column per distinct cell left edge, covered positions blank);
    the characters outside every table become lines. With `cell_hook` (characters → a number, OCR's
    confidence), each table also carries that number for every cell."""
    tables: list[tuple[float, tuple[tuple[str, ...], ...]]] = []
    taken = [False] * len(chars)
    centres = [((ch.x0 + ch.x1) / 2, (ch.top + ch.bottom) / 2) for ch in chars]
    for cells in _cells(edges):
        xs = sorted({cell[0] for cell in cells})
        tops = sorted({cell[1] for cell in cells})
        col_of = {x: k for k, x in enumerate(xs)}
        row_of = {y: k for k, y in enumerate(tops)}
        # the fine grid of every cell edge: each slot belongs to the cell that covers it
        gx = sorted({v for cell in cells for v in (cell[0], cell[2])})
        gy = sorted({v for cell in cells for v in (cell[1], cell[3])})
        slot: dict[tuple[int, int], tuple[int, int]] = {}
        for x0, top, x1, bottom in cells:
            where = (row_of[top], col_of[x0])
            for i in range(bisect_left(gx, x0), bisect_left(gx, x1)):
                for j in range(bisect_left(gy, top), bisect_left(gy, bottom)):
                    slot.setdefault((i, j), where)
        texts: dict[tuple[int, int], list[Char]] = {}
        left, right, top_edge, bottom_edge = gx[0], gx[-1], gy[0], gy[-1]
        for k, (cx, cy) in enumerate(centres):
            if taken[k] or not (left <= cx <= right and top_edge <= cy <= bottom_edge):
                continue
            taken[k] = True
            where = slot.get((bisect_right(gx, cx) - 1, bisect_right(gy, cy) - 1))
            if where is not None:
                texts.setdefault(where, []).append(chars[k])
        grid = [[""] * len(xs) for _ in tops]
        scores = [[1.0] * len(xs) for _ in tops]
        for (r, col), members in texts.items():
            grid[r][col] = _clean(_text_of(members))
            if cell_hook is not None:
                scores[r][col] = cell_hook(members)
        keep = [r for r, row in enumerate(grid) if any(row)]
        rows = tuple(tuple(grid[r]) for r in keep)
        if rows and cell_hook is None:
            tables.append((top_edge, rows))
        elif rows:
            tables.append((top_edge, rows, tuple(tuple(scores[r]) for r in keep)))  # type: ignore[arg-type]
    lines = []
    for line in _cluster_lines([ch for ch, hidden in zip(chars, taken) if not hidden]):
        text = _line_text(line)
        if text:
            ink = [ch for ch in line if ch.text != " "]
            lines.append(Line(text, min(ch.x0 for ch in ink), min(ch.top for ch in line),
                              max(ch.x1 for ch in ink), max(ch.bottom for ch in line)))
    return PageContent(tables, lines, sum(1 for ch in chars if ch.text != " "))  # type: ignore[arg-type]


def _clean(cell: str) -> str:
    cell = strip_debris(cell)
    return _WS.sub("", cell) if _cjk(cell) else _WS.sub(" ", cell).strip()


# --- pdfplumber (fallback) ----------------------------------------------------------------------

def _plumber_pages(data: bytes) -> list[PageContent]:
    import pdfplumber
    from pdfminer.psexceptions import PSException
    from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

    pages = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > MAX_PAGES:
                raise Rejected(cb.REJECT_TOO_LARGE, f"PDF with {len(pdf.pages)} pages, more than "
                               f"{MAX_PAGES}: not an annual report")
            for page in pdf.pages:
                pages.append(_plumber_page(page))
                page.flush_cache()
    except (PSException, PdfminerException, MalformedPDFException) as exc:  # pdfminer's PDFSyntaxError …
        raise Rejected(cb.REJECT_BROKEN, f"broken PDF: {type(exc).__name__}: {str(exc)[:200]}") from exc
    return pages


def _plumber_page(page) -> PageContent:
    found = page.find_tables()
    boxes = [t.bbox for t in found]
    tables = []
    for t in found:
        cleaned = (tuple(_clean(c or "") for c in row) for row in t.extract())
        rows = tuple(cells for cells in cleaned if any(cells))
        if rows:
            tables.append((t.bbox[1], rows))

    def outside(obj) -> bool:
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

    text_page = page.filter(outside) if boxes else page
    lines = [Line(ln["text"], ln["x0"], ln["top"], ln["x1"], ln["bottom"])
             for ln in text_page.extract_text_lines(return_chars=False)]
    return PageContent(tables, lines, len(page.chars))  # type: ignore[arg-type]


# --- layout: tables and lines → blocks ------------------------------------------------------------

def _page_blocks(page: PageContent, number: int) -> list[Block]:
    positioned: list[tuple[float, object]] = []
    for top, rows, *_ in page.tables:
        positioned.append((top, Table(tuple(TableRow(cells, number * 1000 + i)  # type: ignore[arg-type]
                                            for i, cells in enumerate(rows)))))
    lines = [ln for ln in page.lines
             if strip_debris(ln.text).strip() and not is_page_footer(strip_debris(ln.text).strip())]
    left = min((ln.x0 for ln in lines), default=0.0)
    right = max((ln.x1 for ln in lines), default=0.0)
    positioned.extend((ln.top, ln) for ln in lines)
    positioned.sort(key=lambda p: p[0])
    blocks: list[Block] = []
    paragraph = ""
    start = 0
    for top, item in positioned:
        if isinstance(item, Table):
            if paragraph:
                blocks.append(Paragraph(paragraph, start))
                paragraph = ""
            blocks.append(item)
            continue
        assert isinstance(item, Line)
        text = strip_debris(item.text).strip()
        size = max(item.bottom - item.top, 6.0)
        if paragraph and item.x0 > left + 0.8 * size:  # an indented first line starts a paragraph
            blocks.append(Paragraph(paragraph, start))
            paragraph = ""
        if not paragraph:
            start = number * 1000 + int(top)
        paragraph += text if _cjk(paragraph[-1:] + text[:1]) or not paragraph else " " + text
        short = item.x1 < right - 1.5 * size
        if short and (text.endswith(SENTENCE_END) or item.x1 - left < 0.6 * (right - left)):
            # a line that stops short after a full stop, or well short (a heading), ends its paragraph
            blocks.append(Paragraph(paragraph, start))
            paragraph = ""
    if paragraph:
        blocks.append(Paragraph(paragraph, start))
    return blocks


def _cjk(text: str | None) -> bool:
    return bool(text) and any("\u4e00" <= ch <= "\u9fff" for ch in text)  # type: ignore[union-attr]
