"""PDF with a text layer → Document, with pdfplumber (pdfminer.six underneath).

Ruled tables are read as tables (merged cells come back blank); the text outside them becomes
paragraphs, in reading order by position on the page. A table continued on the next page is
joined to its first part when nothing but a page number lies between. A PDF without a text
layer (a scan) is rejected: guessing numbers from images is not this pipeline's job.
"""
from __future__ import annotations

import io
import re

from pipeline.core.document import Block, Document, Paragraph, Table, TableRow, merge_adjacent_tables
from pipeline.core.readers.safety import UnsafeInput
from pipeline.core.readers.text import SENTENCE_END, is_page_footer
from pipeline.core.textnorm import strip_debris

MAX_PAGES = 300
_WS = re.compile(r"\s+")


def read_pdf(data: bytes) -> Document:
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    head = data[:1024]
    if b"%PDF-" not in head:
        raise UnsafeInput("not a PDF: the file has no %PDF header (a renamed or damaged file?)")
    blocks: list[Block] = []
    chars = 0
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > MAX_PAGES:
                raise UnsafeInput(f"PDF with {len(pdf.pages)} pages, more than {MAX_PAGES}: not an annual report")
            for number, page in enumerate(pdf.pages, start=1):
                page_blocks, n = _page_blocks(page, number)
                chars += n
                blocks.extend(page_blocks)
                page.flush_cache()
    except UnsafeInput:
        raise
    except (PDFSyntaxError, Exception) as exc:  # pdfminer raises many types on damaged files
        raise UnsafeInput(f"broken PDF: {type(exc).__name__}: {str(exc)[:200]}") from exc
    if chars < 20:
        raise UnsafeInput("no text layer: the PDF holds images only (a scan); OCR it first to load it")
    return Document(tuple(merge_adjacent_tables(blocks)), "pdf", None)


def _page_blocks(page, number: int) -> tuple[list[Block], int]:
    found = page.find_tables()
    boxes = [t.bbox for t in found]
    positioned: list[tuple[float, Table | dict]] = []
    for t in found:
        rows = []
        for i, row in enumerate(t.extract()):
            cells = tuple(_WS.sub("", strip_debris(c or "")) if _cjk(c) else _WS.sub(" ", strip_debris(c or "")).strip()
                          for c in row)
            if any(cells):
                rows.append(TableRow(cells, number * 1000 + i))
        if rows:
            positioned.append((t.bbox[1], Table(tuple(rows))))

    def outside(obj) -> bool:
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

    text_page = page.filter(outside) if boxes else page
    lines = [ln for ln in text_page.extract_text_lines(return_chars=False)
             if strip_debris(ln["text"]).strip() and not is_page_footer(strip_debris(ln["text"]).strip())]
    left = min((ln["x0"] for ln in lines), default=0.0)
    right = max((ln["x1"] for ln in lines), default=0.0)
    for ln in lines:
        positioned.append((ln["top"], ln))
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
        text = strip_debris(item["text"]).strip()
        size = max(item["bottom"] - item["top"], 6.0)
        if paragraph and item["x0"] > left + 0.8 * size:  # an indented first line starts a paragraph
            blocks.append(Paragraph(paragraph, start))
            paragraph = ""
        if not paragraph:
            start = number * 1000 + int(top)
        paragraph += text if _cjk(paragraph[-1:] + text[:1]) or not paragraph else " " + text
        short = item["x1"] < right - 1.5 * size
        if short and (text.endswith(SENTENCE_END) or item["x1"] - left < 0.6 * (right - left)):
            # a line that stops short after a full stop, or well short (a heading), ends its paragraph
            blocks.append(Paragraph(paragraph, start))
            paragraph = ""
    if paragraph:
        blocks.append(Paragraph(paragraph, start))
    return blocks, len(page.chars)


def _cjk(text: str | None) -> bool:
    return bool(text) and any("\u4e00" <= ch <= "\u9fff" for ch in text)  # type: ignore[union-attr]
