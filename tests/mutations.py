"""Layout mutations for the metamorphic tests: a document is written back out as text with one
change of layout (separators, outer pipes, line ends, blank lines, header cells split or merged, a
table cut into pieces under headings, markdown headings and rules, odd spaces, full-width digits,
blank markers), and the parsed record must not change.

Written apart from `pipeline.synth`: these are the layouts web pages and converters produce, not
the ones the project's generator renders.
"""
from __future__ import annotations

from typing import Callable

from pipeline.core.document import Document, Paragraph, Table
from pipeline.core.textnorm import cell_kind

Rows = list[list[str]]
FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


def _is_header(cells: list[str]) -> bool:
    return len(cells) > 1 and not any(cell_kind(c) == "number" for c in cells) \
        and any(cell_kind(c) == "text" for c in cells)


def _values_start(cells: list[str]) -> int:
    """Index of the first cell after the last text cell (the row's values)."""
    return max((i for i, c in enumerate(cells) if cell_kind(c) == "text"), default=-1) + 1


# --- how a row is written --------------------------------------------------------------------

def tab_row(cells: list[str]) -> str:
    return "\t".join(cells) if len(cells) > 1 else cells[0] + "\t"


def pipe_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def end_pipe_row(cells: list[str]) -> str:
    """A web page copied as text: a pipe after every cell, none before the first."""
    return " | ".join(cells) + " |"


def inner_pipe_row(cells: list[str]) -> str:
    """Pipes only between cells; a row of one cell keeps a pipe after it (a sub-table title), and
    so does a row ending in an empty cell (without it the empty cell would be lost)."""
    return " | ".join(cells) + (" |" if len(cells) == 1 or not cells[-1].strip() else "")


def tight_pipe_row(cells: list[str]) -> str:
    """Empty cells written as '||' and no spaces around the pipes ('a|0||0|')."""
    return "|".join(cells) + "|"


def _spaced(sep: str) -> Callable[[list[str]], str]:
    def row(cells: list[str]) -> str:
        # spaces cannot show an empty cell: a page writes a blank marker there
        return sep.join(c.replace("  ", " ") or "—" for c in cells)
    return row


def full_width_pipe_row(cells: list[str]) -> str:
    """A Chinese page's full-width bars: '｜规章｜0｜0｜0｜'."""
    return "｜" + "｜".join(cells) + "｜"


ROW_WRITERS: dict[str, Callable[[list[str]], str]] = {"full_width_pipes": full_width_pipe_row,
    "tabs": tab_row, "pipes": pipe_row, "pipe_at_end": end_pipe_row, "inner_pipes": inner_pipe_row,
    "tight_pipes": tight_pipe_row, "two_spaces": _spaced("  "), "ideographic_space": _spaced("\u3000"),
}


# --- what is changed in the rows of a table --------------------------------------------------

def split_headers(rows: Rows) -> Rows:
    """Every header row over two lines: each cell's text cut in two, the halves one under the other."""
    out: Rows = []
    for cells in rows:
        if _is_header(cells):
            out.append([c[: (len(c) + 1) // 2] for c in cells])
            out.append([c[(len(c) + 1) // 2:] for c in cells])
        else:
            out.append(cells)
    return out


def merge_headers(rows: Rows) -> Rows:
    """Consecutive header rows written as one row (their cells one after another)."""
    out: Rows = []
    for cells in rows:
        if out and _is_header(cells) and _is_header(out[-1]):
            out[-1] = out[-1] + cells
        else:
            out.append(list(cells))
    return out


def nbsp_cells(rows: Rows) -> Rows:
    """Numbers padded with no-break spaces, labels with ideographic spaces inside."""
    def one(c: str) -> str:
        kind = cell_kind(c)
        if kind == "number":
            return "\u00a0" + c + "\u00a0"
        if kind == "text" and len(c) > 2:
            return c[:2] + "\u3000" + c[2:]
        return c
    return [[one(c) for c in cells] for cells in rows]


def full_width(rows: Rows) -> Rows:
    """Digits full-width, numbers of four digits or more with thousands separators."""
    def one(c: str) -> str:
        if cell_kind(c) != "number" or not c.strip().isdigit():
            return c
        s = c.strip()
        if len(s) >= 4:
            s = f"{int(s):,}"
        return s.translate(FULL_WIDTH)
    return [[one(c) for c in cells] for cells in rows]


def blank_marker(marker: str) -> Callable[[Rows], Rows]:
    """Every empty cell among a row's values written as a blank marker."""
    def mutate(rows: Rows) -> Rows:
        out = []
        for cells in rows:
            start = _values_start(cells)
            if not any(cell_kind(c) == "number" for c in cells[start:]):
                out.append(cells)
                continue
            out.append(cells[:start] + [c if c.strip() else marker for c in cells[start:]])
        return out
    return mutate


def year_headers(rows: Rows) -> Rows:
    """Header cells stamped with the year ('本年(2023)制发件数') and a typo ('现行有效件')."""
    def one(c: str) -> str:
        return c.replace("本年", "本年(2023)", 1).replace("件数", "件", 1)
    return [[one(c) for c in cells] if _is_header(cells) else cells for cells in rows]


def run_together(rows: Rows) -> Rows:
    """Two data rows run into one line, as a page copied without its row breaks."""
    out: Rows = []
    joined = False
    for cells in rows:
        numbers = any(cell_kind(c) == "number" for c in cells)
        if numbers and out and not joined and any(cell_kind(c) == "number" for c in out[-1]) \
                and cell_kind(cells[0]) == "text":
            out[-1] = out[-1] + cells
            joined = True
        else:
            out.append(list(cells))
            joined = False
    return out


def header_repeated(rows: Rows) -> Rows:
    """The header rows repeated after the middle data row, as after a page break."""
    header = []
    for cells in rows:
        if any(cell_kind(c) == "number" for c in cells):
            break
        header.append(cells)
    data = [i for i, cells in enumerate(rows) if any(cell_kind(c) == "number" for c in cells)]
    if not header or len(data) < 2:
        return rows
    cut = data[len(data) // 2]
    return rows[:cut] + [list(h) for h in header] + rows[cut:]


def right_aligned_piece(rows: Rows) -> Rows:
    """The second half of the table with one more column on the left (a converter's piece of a
    different width: the values stay aligned on the right)."""
    data = [i for i, cells in enumerate(rows) if any(cell_kind(c) == "number" for c in cells)]
    if len(data) < 2:
        return rows
    cut = data[len(data) // 2]
    return rows[:cut] + [[""] + cells for cells in rows[cut:]]


ROW_CHANGES: dict[str, Callable[[Rows], Rows]] = {
    "headers_split": split_headers, "headers_merged": merge_headers, "nbsp": nbsp_cells,
    "full_width": full_width, "year_headers": year_headers, "run_together": run_together,
    "header_repeated": header_repeated, "right_aligned_piece": right_aligned_piece,
    **{f"blank_{m}": blank_marker(m) for m in ("/", "-", "—", "——", "无")},
}


# --- §四 written in pieces ------------------------------------------------------------------

PROCEEDING_TITLES = ("行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）")
OUTCOME_HEADER = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def _review_row(doc: Document) -> tuple[int, int] | None:
    """(block, row) of the row holding §四's 15 values."""
    for b, block in enumerate(doc.blocks):
        if isinstance(block, Table):
            for r, row in enumerate(block.rows):
                values = list(row.cells[_values_start(list(row.cells)):])
                if len(values) >= 15 and sum(cell_kind(c) == "number" for c in values) >= 12:
                    # only a table of its own (seed 003's row sits in §三's table, its heading lost)
                    alone = not any(cell_kind(c) == "number" for row in block.rows[:r] for c in row.cells)
                    return (b, r) if alone else None
    return None


def _review_values(doc: Document) -> tuple[int, list[str]] | None:
    at = _review_row(doc)
    if at is None:
        return None
    cells = list(doc.blocks[at[0]].rows[at[1]].cells)  # type: ignore[union-attr]
    values = cells[_values_start(cells):]
    while len(values) > 15 and not values[-1].strip():
        values.pop()
    while len(values) > 15 and not values[0].strip():
        values.pop(0)
    return (at[0], values) if len(values) == 15 else None


def _replace_block(doc: Document, b: int, blocks: list) -> Document:
    return Document(doc.blocks[:b] + tuple(blocks) + doc.blocks[b + 1:], doc.source_format, doc.encoding)


def _row(cells: list[str]):
    from pipeline.core.document import TableRow
    return TableRow(tuple(cells), 0)


def review_in_pieces(doc: Document) -> Document:
    """§四 as three small tables, each under a heading naming its proceeding, litigation first
    (the headings place them, not their order; the table's own header rows are dropped)."""
    found = _review_values(doc)
    if found is None:
        return doc
    b, values = found
    blocks: list = []
    for i in (1, 2, 0):
        title = PROCEEDING_TITLES[i]
        blocks.append(Paragraph(f"### （{'一二三'[i]}）{title}", 0))
        blocks.append(Table((_row(OUTCOME_HEADER), _row(values[5 * i: 5 * i + 5]))))
    return _replace_block(doc, b, blocks)


def review_header_apart(doc: Document) -> Document:
    """§四's header rows in one table, its 15 values in another after a note."""
    at = _review_row(doc)
    found = _review_values(doc)
    if at is None or found is None or at[1] == 0:
        return doc
    b, values = found
    table = doc.blocks[b]
    head = table.rows[: at[1]]  # type: ignore[union-attr]
    return _replace_block(doc, b, [Table(head), Paragraph("单位：件", 0),
                                   Table((_row(values),))])


def review_unlabelled_rows(doc: Document) -> Document:
    """§四 under a header naming the proceedings, its values as three unlabelled rows of five."""
    found = _review_values(doc)
    if found is None:
        return doc
    b, values = found
    header = [_row(["行政复议", "", "", "", "", "行政诉讼"]), _row(OUTCOME_HEADER)]
    rows = [_row(values[5 * i: 5 * i + 5]) for i in range(3)]
    return _replace_block(doc, b, [Table(tuple(header + rows))])


def review_labelled_rows(doc: Document) -> Document:
    """§四 as one labelled row per proceeding, in an order of its own."""
    found = _review_values(doc)
    if found is None:
        return doc
    b, values = found
    rows = [_row(["行政复议/行政诉讼"] + OUTCOME_HEADER)]
    rows += [_row([PROCEEDING_TITLES[i]] + values[5 * i: 5 * i + 5]) for i in (2, 0, 1)]
    return _replace_block(doc, b, [Table(tuple(rows))])


def review_rows_cut(doc: Document) -> Document:
    """§四's 15 values cut into unlabelled rows of 8 and 7 (a converter's page width)."""
    found = _review_values(doc)
    if found is None:
        return doc
    b, values = found
    at = _review_row(doc)
    table = doc.blocks[b]
    head = table.rows[: at[1]]  # type: ignore
    return _replace_block(doc, b, [Table(tuple(head) + (_row(values[:8]), _row(values[8:])))])


DOCUMENT_CHANGES = {"review_labelled_rows": review_labelled_rows, "review_rows_cut": review_rows_cut,
                    "review_in_pieces": review_in_pieces, "review_header_apart": review_header_apart,
                    "review_unlabelled_rows": review_unlabelled_rows}


# --- writing a document out ------------------------------------------------------------------

def write(doc: Document, row: Callable[[list[str]], str] = tab_row,
          change: Callable[[Rows], Rows] = lambda rows: rows, *, pieces: bool = False,
          markdown: bool = False, blank_lines: bool = False, crlf: bool = False) -> str:
    """The document as text: paragraphs one per line, tables row by row.

    pieces: every table cut in two before its middle data row, a heading line between the halves;
    markdown: section headings as '## …' and a '|---|' rule under each table's first row;
    blank_lines: a blank line after every row; crlf: Windows line ends."""
    lines: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            text = block.text
            if markdown and text[:2] in {f"{n}、" for n in "一二三四五六"}:
                text = "## " + text
            lines += ["", text, ""] if markdown else [text]
            continue
        assert isinstance(block, Table)
        rows = change([list(r.cells) for r in block.rows])
        cut = -1
        if pieces:
            data = [i for i, cells in enumerate(rows) if any(cell_kind(c) == "number" for c in cells)]
            cut = data[len(data) // 2] if len(data) > 1 else -1
        for i, cells in enumerate(rows):
            if i == cut:
                lines += ["", "#### （续表）" if markdown else "（续表）", ""]
            lines.append(row(cells))
            if markdown and i == 0:
                lines.append("|" + "---|" * max(1, len(cells)))
            if blank_lines:
                lines.append("")
        lines.append("")
    text = "\n".join(lines) + "\n"
    return text.replace("\n", "\r\n") if crlf else text


def mutations() -> dict[str, Callable[[Document], str]]:
    """Every mutation by name: one layout change each, the rest written as tab rows."""
    out: dict[str, Callable[[Document], str]] = {}
    for name, row in ROW_WRITERS.items():
        out[f"rows_{name}"] = lambda d, row=row: write(d, row)
    for name, change in ROW_CHANGES.items():
        out[name] = lambda d, change=change: write(d, end_pipe_row, change)
    out["crlf"] = lambda d: write(d, pipe_row, crlf=True)
    out["blank_lines"] = lambda d: write(d, pipe_row, blank_lines=True)
    out["pieces"] = lambda d: write(d, end_pipe_row, pieces=True)
    out["markdown"] = lambda d: write(d, pipe_row, markdown=True, pieces=True)
    for name, change_doc in DOCUMENT_CHANGES.items():
        out[name] = lambda d, change_doc=change_doc: write(change_doc(d), pipe_row, markdown=True)
    out["everything"] = lambda d: write(d, end_pipe_row, lambda r: full_width(nbsp_cells(split_headers(r))),
                                        pieces=True, markdown=True, blank_lines=True, crlf=True)
    return out
