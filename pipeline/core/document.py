"""The document model every reader produces and the parser consumes.

A document is a flat sequence of blocks in reading order: paragraphs of prose and table rows
(cells as strings). Tables keep their rows together; the parser never knows the source format.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Union

# Paragraphs and rows are named tuples: a report has hundreds of them, and a named tuple is built
# in less than half the time of a frozen dataclass (both immutable).


class Paragraph(NamedTuple):
    text: str
    line: int  # 1-based line (or element index) where it starts in the source


class TableRow(NamedTuple):
    cells: tuple[str, ...]
    line: int


class Table(NamedTuple):
    rows: tuple[TableRow, ...]

    @property
    def line(self) -> int:
        return self.rows[0].line if self.rows else 0


Block = Union[Paragraph, Table]


@dataclass(frozen=True)
class Document:
    blocks: tuple[Block, ...]
    source_format: str
    encoding: str | None = None
    note: str | None = None  # how the text was read, when raw_file should say so (OCR, a fallback reader)
    confidence: dict[int, tuple[float, ...]] | None = None  # OCR: row line → each cell's confidence

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def text_lines(self) -> list[str]:
        """Every paragraph, and every row with its cells joined by spaces, in reading order."""
        out: list[str] = []
        for b in self.blocks:
            if isinstance(b, Paragraph):
                out.append(b.text)
            else:
                out.extend(" ".join(r.cells) for r in b.rows)
        return out

    def plain_text(self) -> str:
        """Every paragraph and row, one per line (for searches over the whole report)."""
        return "\n".join(self.text_lines())


def merge_adjacent_tables(blocks: list[Block]) -> list[Block]:
    """Join tables that follow each other with nothing between (a table continued on a new page)."""
    out: list[Block] = []
    for b in blocks:
        if isinstance(b, Table) and out and isinstance(out[-1], Table):
            out[-1] = Table(out[-1].rows + b.rows)
        else:
            out.append(b)
    return out
