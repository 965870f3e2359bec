"""Split a document into the six sections of the standard outline.

Headings are recognised by their words (「收到和处理政府信息公开申请情况」), not by their numeral:
real reports renumber, merge or move sections (tables in an appendix numbered 一–三).
Table rows outside any table section are assigned by what they hold.
"""
from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass, field
from typing import NamedTuple

from pipeline.core import codebook as cb
from pipeline.core.document import Document, Paragraph, Table
from pipeline.core.textnorm import cell_kind, rows_from_cell_stream, squeeze

_HEADING_PREFIX = re.compile(r"^(?:#+\s*)?(?:表[一二三四五六七八九十\d]+[:：]?)?"
                             r"(?:[一二三四五六七八九十]+[、.．]|第[一二三四五六七八九十]+部分[、:：]?)?")


class Item(NamedTuple):
    """A paragraph (cells == ()) or a table row, with the section it belongs to."""

    section: str | None
    line: int
    text: str = ""
    cells: tuple[str, ...] = ()

    @property
    def is_row(self) -> bool:
        return bool(self.cells)


@dataclass
class Sections:
    items: list[Item]
    headings: dict[str, int] = field(default_factory=dict)  # section → line of its heading
    _by_section: dict[str | None, list[Item]] = field(init=False, default_factory=dict,
                                                      repr=False)  # an index

    def __post_init__(self) -> None:
        for item in self.items:
            self._by_section.setdefault(item.section, []).append(item)

    def paragraphs(self, *sections: str | None) -> list[str]:
        return [i.text for i in self.items if not i.cells and i.section in sections]

    def rows(self, section: str) -> list[Item]:
        """Every item of the section, in order (rows and the paragraphs between them)."""
        return self._by_section.get(section, [])


_SENTENCE = re.compile(r"[。；;]$|\d+(?:余|多)?[条件篇个次份项]")


@lru_cache(maxsize=1 << 14)
def heading_section(text: str) -> str | None:
    """The section a paragraph is the heading of, or None when it is not a heading."""
    s = squeeze(text)
    if not s or len(s) > 40:
        return None
    enumerated = bool(re.match(r"^(?:#+)?(?:表[一二三四五六七八九十\d]+[:：]?)?[一二三四五六七八九十]+[、.．]", s))
    if not enumerated and (len(s) > 26 or _SENTENCE.search(s)):
        return None  # '全年共主动公开政府信息1705条。' is a sentence, not a heading
    body = _HEADING_PREFIX.sub("", s)
    if body.startswith(("(", "（")):
        return None  # sub-heading such as （一）主动公开情况
    for section in cb.SECTIONS:
        if any(k in body for k in section.keywords):
            if section.code == cb.SECTION_REVIEW and "诉讼" not in body and not enumerated:
                continue
            return section.code
    return _misread_heading(s, body)


_ORDINAL = re.compile(r"^([一二三四五六])[、.．]")
MISREAD_HEADING_RATIO = 0.7


def _misread_heading(s: str, body: str) -> str | None:
    """A heading with characters misread (OCR: '三、收翻和处理政府信想公开申况'): the section its numeral
    stands for in the standard outline (一 总体情况 … 六 其他需要报告的事项), when the text is close to
    that section's title (difflib ratio ≥ 0.7). Only that one section is compared: '四、政府信息公开申请
    情况' of a report with its own outline is near §三's title but is not §四's."""
    import difflib

    found = _ORDINAL.match(s)
    if not found or len(body) < 6:
        return None
    section = cb.SECTIONS["一二三四五六".index(found.group(1))]
    ratio = difflib.SequenceMatcher(None, body, section.label_zh).ratio()
    return section.code if ratio >= MISREAD_HEADING_RATIO else None


_REVIEW_MIN_NUMBERS = 12  # §四 is the only table with a row of a dozen numbers or more


@lru_cache(maxsize=1 << 14)
def _row_section(cells: tuple[str, ...]) -> str | None:
    """Guess the table section of a row that sits outside any table section."""
    numbers = sum(1 for c in cells if cell_kind(c) == "number")
    if numbers >= _REVIEW_MIN_NUMBERS:
        return cb.SECTION_REVIEW
    text = squeeze("".join(cells))
    if any(k in text for item in cb.PROACTIVE_ITEMS for k in item.keywords) or "第二十条" in text:
        return cb.SECTION_PROACTIVE
    if any(k in text for row in cb.APPLICATION_ROWS for k in row.keywords) or "申请人情况" in text:
        return cb.SECTION_APPLICATION
    return None


_CELL_LIKE_MAX = 40


@lru_cache(maxsize=1 << 14)
def _as_cells(text: str) -> tuple[str, ...] | None:
    """A short paragraph inside a table section read as table cells (a table flattened into one
    cell per paragraph, or a loose line such as '行政许可 97'); None for prose."""
    s = text.strip()
    if len(squeeze(s)) > _CELL_LIKE_MAX or s.endswith(("。", "；", ";")):
        return None
    if cell_kind(s) != "text":
        return (s,)
    return tuple(s.split())


def split_sections(doc: Document) -> Sections:
    items: list[Item] = []
    headings: dict[str, int] = {}
    current: str | None = None
    loose: list[tuple[int, str, tuple[str, ...]]] = []  # short paragraphs of a table section, as cells

    def flush_loose() -> None:
        if not loose:
            return
        cells = [(line, c) for line, _, cs in loose for c in cs]
        if sum(1 for _, c in cells if cell_kind(c) == "number") >= 2:
            at = 0  # a row's line is the line of its first cell
            for row in rows_from_cell_stream([c for _, c in cells]):
                items.append(Item(current, cells[at][0], "", tuple(row)))
                at += len(row)
        else:
            items.extend(Item(current, line, text=text) for line, text, _ in loose)
        loose.clear()

    for block in doc.blocks:
        if isinstance(block, Paragraph):
            found = heading_section(block.text)
            if found is None and current in cb.TABLE_SECTIONS:
                cells = _as_cells(block.text)
                if cells is not None:
                    loose.append((block.line, block.text, cells))
                    continue
            flush_loose()
            if found is not None and found not in headings:
                headings[found] = block.line
                current = found
            elif found is not None and found in cb.TABLE_SECTIONS:
                current = found  # an appendix heading repeats a table section's title
            items.append(Item(current, block.line, text=block.text))
            continue
        assert isinstance(block, Table)
        flush_loose()
        in_table_section = current in cb.TABLE_SECTIONS
        for cells, line in block.rows:
            section = current if in_table_section else _row_section(cells)
            if section == cb.SECTION_APPLICATION and len(cells) >= _REVIEW_MIN_NUMBERS \
                    and _row_section(cells) == cb.SECTION_REVIEW:
                section = cb.SECTION_REVIEW  # a §四 row whose heading was lost (seed 003)
            items.append(Item(section, line, "", cells))
    flush_loose()
    return Sections(items, headings)
