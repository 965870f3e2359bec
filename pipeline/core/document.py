"""The document model every reader produces and the parser consumes.

A document is a flat sequence of blocks in reading order: paragraphs of prose and table rows
(cells as strings). Tables keep their rows together; the parser never knows the source format.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True)
class Paragraph:
    text: str
    line: int  # 1-based line (or element index) where it starts in the source


@dataclass(frozen=True)
class TableRow:
    cells: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Table:
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

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def plain_text(self) -> str:
        """Every paragraph and cell, one per line (for searches over the whole report)."""
        out: list[str] = []
        for b in self.blocks:
            if isinstance(b, Paragraph):
                out.append(b.text)
            else:
                out.extend(" ".join(r.cells) for r in b.rows)
        return "\n".join(out)


def merge_adjacent_tables(blocks: list[Block]) -> list[Block]:
    """Join tables that follow each other with nothing between (a table continued on a new page)."""
    out: list[Block] = []
    for b in blocks:
        if isinstance(b, Table) and out and isinstance(out[-1], Table):
            out[-1] = Table(out[-1].rows + b.rows)
        else:
            out.append(b)
    return out
