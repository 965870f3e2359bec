"""The three statistics tables: Article 20 (§二), applications (§三), review and litigation (§四).

Rows are found by their labels; where a converter has torn labels off their rows, the rows are
aligned to the format's row order with the surviving labels as anchors. Cells that cannot be
placed stay NULL and are reported; numbers are never shifted into other cells.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from pipeline.core import codebook as cb
from pipeline.core.parser.sections import Item
from pipeline.core.records import Finding
from pipeline.core.textnorm import cell_kind, label_key, parse_number, squeeze, strip_enumerator

N_APPLICANTS = len(cb.APPLICANT_CODES)


class LabelledRow(NamedTuple):
    label: str  # label cells joined, squeezed
    values: tuple[str, ...]  # the cells after the label
    line: int
    cells: tuple[str, ...] = ()  # the whole row as read


@lru_cache(maxsize=1 << 15)
def split_label(cells: tuple[str, ...]) -> LabelledRow:
    """Label = the text cells; values = the cells after the last text cell.

    Cells before a label that are numbers are debris of merged Word cells (seed 001) and dropped.
    """
    kinds = [cell_kind(c) for c in cells]
    last_text = max((i for i, k in enumerate(kinds) if k == "text"), default=-1)
    label = "".join(squeeze(c) for c, k in zip(cells[: last_text + 1], kinds) if k == "text")
    return LabelledRow(label, tuple(cells[last_text + 1:]), 0, tuple(cells))


@lru_cache(maxsize=1 << 15)
def fit_values(values: tuple[str, ...], width: int) -> tuple[str, ...] | None:
    """The row's `width` value cells, trimming surplus blank cells at either end. None when the
    row has too few cells, or when the trim is ambiguous: with blanks at both ends, which blank is
    padding and which a blank cell cannot be told, and numbers are never guessed into place."""
    surplus = len(values) - width
    if surplus < 0:
        return None
    blank = [cell_kind(v) == "blank" for v in values]
    lead = next((i for i, b in enumerate(blank) if not b), len(blank))  # linear in the row's cells
    trail = next((i for i, b in enumerate(reversed(blank)) if not b), len(blank))
    options = set(range(max(0, surplus - trail), min(lead, surplus) + 1))
    meanings = {tuple("" if blank[i + j] else values[i + j] for j in range(width)) for i in options}
    if len(meanings) != 1:
        return None
    return tuple(values[min(options): min(options) + width])


@lru_cache(maxsize=1 << 15)
def to_int(cell: str) -> int | None:
    v = parse_number(cell)
    return int(v) if v is not None and float(v).is_integer() else None


@lru_cache(maxsize=1 << 15)
def _to_ints(cells: tuple[str, ...]) -> tuple[int | None, ...]:
    return tuple(to_int(c) for c in cells)


@lru_cache(maxsize=None)
def _row_keys(row_code: str) -> tuple[tuple[str, str], ...]:
    return tuple((row_code, a) for a in cb.APPLICANT_CODES)


@lru_cache(maxsize=1 << 15)
def _has_number(cells: tuple[str, ...]) -> bool:
    return any(cell_kind(c) == "number" for c in cells)


# --- §三 application matrix -------------------------------------------------------------------

@lru_cache(maxsize=1 << 14)
def _label_candidates(label: str, format_version: str) -> frozenset[str] | None:
    """Row codes a label can denote; None for no usable label."""
    key = label_key(label)
    if not key:
        return None
    rows = cb.application_rows(format_version)
    codes = {r.code for r in rows}
    bare = label_key(strip_enumerator(squeeze(label)))
    sets: list[tuple[int, frozenset[str]]] = []
    for r in rows:
        for kw in r.keywords:
            if kw in key:
                sets.append((len(kw), frozenset({r.code})))
        if bare in r.exact:
            sets.append((len(bare), frozenset({r.code})))
    specific = list(sets)
    for g in cb.APPLICATION_GROUPS:
        if format_version not in g.formats:
            continue
        for kw in g.keywords:
            if kw in key:
                children = frozenset(c for c in codes if c.startswith(g.code + "."))
                sets.append((0, children))
    if not sets:
        return None
    merged: dict[frozenset[str], int] = {}
    for n, s in sets:
        merged[s] = max(n, merged.get(s, 0))
    result = frozenset(codes)
    for s in merged:
        result &= s
    if result:
        return result
    if specific:  # contradictory hints: trust the longest specific keyword
        best = max(n for n, _ in specific)
        return frozenset().union(*(s for n, s in specific if n == best))
    return None


@lru_cache(maxsize=1 << 15)
def _is_header(label: str) -> bool:
    key = label_key(label)
    return any(a.label_zh in key for a in cb.APPLICANTS[:-2]) or "申请人情况" in key or "勾稽关系" in key


def _applicant_columns(rows: list[tuple[str, ...]]) -> dict[int, tuple[int, ...]]:
    """Where each applicant column sits, from the header rows, for rows of a full grid (a table
    whose rows all have one cell per grid column, as converters write pipe tables). Keyed by the
    row width the positions hold for; empty when the headers do not name all seven columns."""
    found: dict[int, dict[str, int]] = {}
    for cells in rows:
        for i, cell in enumerate(cells):
            key = label_key(cell)
            for a in cb.APPLICANTS:
                if key and (key == a.label_zh or key in a.keywords):
                    found.setdefault(len(cells), {}).setdefault(a.code, i)
    out = {}
    for width, cols in found.items():
        order = tuple(cols.get(a) for a in cb.APPLICANT_CODES)
        if None not in order and list(order) == sorted(set(order)):  # type: ignore[type-var]
            out[width] = order
    return out  # type: ignore[return-value]


def _at_header_columns(row: LabelledRow, columns: tuple[int, ...] | None) -> tuple[str, ...] | None:
    if not columns:
        return None
    first_value = len(row.cells) - len(row.values)
    picked = tuple(row.cells[i] for i in columns)
    rest = [c for i, c in enumerate(row.cells) if i >= first_value and i not in columns]
    if min(columns) < first_value or any(cell_kind(c) == "text" for c in picked) \
            or any(cell_kind(c) != "blank" for c in rest):
        return None
    return picked


def _in_order(cands: list[frozenset[str] | None], codes: tuple[str, ...]) -> list[int | None] | None:
    """The placement of a well-formed table without the search: every row labelled with exactly
    one code, in the format's order; or every row on the next code with no code skipped, which
    costs nothing in `_align`'s terms and is its only such solution (rows whose label a converter
    moved into the header row). None when any row needs `_align`."""
    if len(cands) <= len(codes) and all(c is None or codes[i] in c for i, c in enumerate(cands)):
        return list(range(len(cands)))
    index = {c: i for i, c in enumerate(codes)}
    out: list[int | None] = []
    last = -1
    for c in cands:
        if c is None or len(c) != 1:
            return None
        k = index[next(iter(c))]
        if k <= last:
            return None
        out.append(k)
        last = k
    return out


def _align(cands: list[frozenset[str] | None], codes: tuple[str, ...]) -> list[int | None]:
    """Assign rows to codes in order: labels are anchors, unlabeled rows fill the gaps.

    Minimises: labelled rows placed against their label (60) or left out (50), unlabelled rows
    left out (5), codes skipped between or before assigned rows (1 each; codes skipped after the
    last row are a truncated table, free).
    """
    n, m = len(cands), len(codes)
    INF = float("inf")
    # best[i][j]: cost with rows[:i] placed and the last assigned code index j-1 (j=0: none yet).
    # Placing row i on code k from state j costs (k - j) skips plus the label penalty; the minimum
    # over j <= k of best[i][j] - j is a running prefix minimum, so each row costs O(m), not O(m²).
    best = [[INF] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int | None] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for i in range(n):
        c = cands[i]
        drop = 5 if c is None else 50
        row, nxt, nback = best[i], best[i + 1], back[i + 1]
        for j in range(m + 1):  # leave row i unassigned
            if row[j] + drop < nxt[j]:
                nxt[j], nback[j] = row[j] + drop, (j, None)
        run, run_j = INF, 0
        for k in range(m):  # assign row i to code k, coming from the best state j <= k
            if row[k] - k < run:
                run, run_j = row[k] - k, k
            if run == INF:
                continue
            cost = run + k + (0 if c is None or codes[k] in c else 60)
            if cost < nxt[k + 1]:
                nxt[k + 1], nback[k + 1] = cost, (run_j, k)
    j = min(range(m + 1), key=lambda jj: best[n][jj])
    out: list[int | None] = [None] * n
    for i in range(n, 0, -1):
        prev_j, k = back[i][j]  # type: ignore[misc]
        out[i - 1] = k
        j = prev_j
    return out


def parse_application(items: list[Item], format_version: str) -> tuple[dict, list[Finding]]:
    codes = cb.application_row_codes(format_version)
    grid: dict[tuple[str, str], int | None] = dict.fromkeys(cb.APPLICATION_CELLS[format_version])
    findings: list[Finding] = []
    rows: list[LabelledRow] = []
    header_columns: dict[int, tuple[int, ...]] | None = None  # found only when a row needs it
    for it in items:
        if not it.cells:
            continue
        lr = split_label(it.cells)
        if not _has_number(lr.values) and (not lr.label or _is_header(lr.label)
                                      or _label_candidates(lr.label, format_version) is None):
            continue  # header or title row
        if not lr.values:
            continue
        if not lr.label and fit_values(lr.values, N_APPLICANTS) is None and len(lr.values) < N_APPLICANTS:
            continue  # stray cells of a merged Word cell ('0' alone between rows, seed 001)
        rows.append(LabelledRow(lr.label, lr.values, it.line, lr.cells))
    if not rows:
        findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                "§三 application table not found; all its cells are NULL"))
        return grid, findings
    cands = [_label_candidates(r.label, format_version) if r.label and not _is_header(r.label) else None
             for r in rows]
    placement = _in_order(cands, codes) or _align(cands, codes)
    placed: set[str] = set()
    for row, k in zip(rows, placement):
        if k is None:
            findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                    f"§三 line {row.line}: row '{row.label[:30]}' could not be placed; ignored"))
            continue
        code = codes[k]
        vals = fit_values(row.values, N_APPLICANTS)
        if vals is None:  # ambiguous blanks: the header's grid positions decide, if the row is a grid row
            if header_columns is None:
                header_columns = _applicant_columns([it.cells for it in items if it.is_row])
            vals = _at_header_columns(row, header_columns.get(len(row.cells)))
        if vals is None and len(row.values) > N_APPLICANTS and not row.label:
            vals = row.values[-N_APPLICANTS:]
        placed.add(code)
        if vals is None:
            findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                    f"§三 row {code}: {len(row.values)} cells for {N_APPLICANTS} columns; "
                                    "left NULL"))
            continue
        ints = _to_ints(vals)
        grid.update(zip(_row_keys(code), ints))
        if None in ints:
            blanks = [a for a, v in zip(cb.APPLICANT_CODES, ints) if v is None]
            findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                    f"§三 row {code}: blank cells {', '.join(blanks)}"))
    missing = [c for c in codes if c not in placed]
    if missing:
        findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                f"§三 rows missing from the source: {', '.join(missing)}"))
    return grid, findings


# --- §四 review and litigation ----------------------------------------------------------------

def parse_review(items: list[Item]) -> tuple[dict, list[Finding]]:
    grid: dict[tuple[str, str], int | None] = dict.fromkeys(cb.REVIEW_GRID)
    width = len(cb.REVIEW_GRID)
    per_proceeding = len(cb.OUTCOME_CODES)
    found_rows = 0
    for it in items:
        if not it.cells:
            continue
        lr = split_label(it.cells)
        if not _has_number(lr.values):
            continue
        vals = fit_values(lr.values, width)
        if vals is not None:
            for key, cell in zip(cb.REVIEW_GRID, vals):
                grid[key] = to_int(cell)
            found_rows += 1
            break
        key = label_key(lr.label)  # a layout with one row per proceeding
        proc = next((p.code for p in reversed(cb.PROCEEDINGS) if any(k in key for k in p.keywords)), None)
        vals = fit_values(lr.values, per_proceeding)
        if proc and vals is not None:
            for o, cell in zip(cb.OUTCOME_CODES, vals):
                grid[(proc, o)] = to_int(cell)
            found_rows += 1
    findings: list[Finding] = []
    if not found_rows:
        findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                "§四 review/litigation figures not found; all 15 cells are NULL"))
        return grid, findings
    blanks = [f"{p}/{o}" for (p, o), v in grid.items() if v is None]
    if blanks:
        findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                f"§四 blank or unplaceable cells: {', '.join(blanks)}"))
    return grid, findings


# --- §二 Article 20 table ---------------------------------------------------------------------

_MONEY = re.compile(r"^([+-]?\d+(?:\.\d+)?)(万元|元)$")


@lru_cache(maxsize=1 << 14)
def _proactive_value(cell: str, measure: str) -> float | None:
    s = squeeze(cell).replace(",", "")
    m = _MONEY.match(s)
    if m and measure in cb.MONEY_MEASURES:
        v = float(m.group(1))
        return v / 10000 if m.group(2) == "元" else v
    v = parse_number(cell)
    if v is not None and v < 0 and measure not in cb.SIGNED_MEASURES:
        return None
    return v


@lru_cache(maxsize=1 << 14)
def _item_of(label: str, format_version: str) -> str | None:
    key = label_key(label)
    best: tuple[int, str] | None = None
    for item in cb.PROACTIVE_ITEMS:
        if format_version not in item.formats:
            continue
        for kw in item.keywords:
            if kw in key and (best is None or len(kw) > best[0]):
                best = (len(kw), item.code)
    return best[1] if best else None


@lru_cache(maxsize=1 << 14)
def _header_measures(label_and_cells: str, format_version: str) -> tuple[str, ...]:
    key = label_key(label_and_cells)
    hits = []
    for m in cb.PROACTIVE_MEASURES:
        if format_version not in m.formats:
            continue
        pos = min((key.find(k) for k in m.keywords if k in key), default=-1)
        if pos >= 0:
            hits.append((pos, m.code))
    return tuple(code for _, code in sorted(hits))


def _measure_columns(header_cells: tuple[str, ...], measures: tuple[str, ...],
                     format_version: str) -> tuple[int, ...] | None:
    """The column of each measure in a header row, or None unless all are found, in order."""
    positions = []
    for m in measures:
        code = next(c for c in cb.PROACTIVE_MEASURES if c.code == m and format_version in c.formats)
        at = [i for i, cell in enumerate(header_cells) if any(k in label_key(cell) for k in code.keywords)]
        if not at:
            return None
        positions.append(at[0])
    return tuple(positions) if positions == sorted(set(positions)) else None


def parse_proactive(items: list[Item], format_version: str) -> tuple[dict, list[Finding]]:
    grid_spec = cb.PROACTIVE_GRID[format_version]
    grid: dict[tuple[str, str], float | None] = dict.fromkeys(cb.PROACTIVE_CELLS[format_version])
    findings: list[Finding] = []
    seen: set[str] = set()
    header: tuple[str, ...] = ()
    header_cells: tuple[str, ...] = ()
    any_row = False
    for it in items:
        if not it.cells and len(squeeze(it.text)) > 40:
            continue  # prose, not a loose table line such as '行政许可 97'
        cells = it.cells if it.cells else tuple(squeeze(t) for t in re.split(r"\s+", it.text.strip()))
        lr = split_label(cells)
        item = _item_of(lr.label, format_version)
        if item is None:
            measures = _header_measures(" ".join(cells), format_version)
            if measures:
                header, header_cells = measures, cells
            continue
        if item in seen or item not in grid_spec:
            continue
        any_row = True
        expected = grid_spec[item]
        measures = header if set(header) == set(expected) else expected
        vals = fit_values(lr.values, len(measures))
        if vals is None and it.cells and len(header_cells) == len(cells):  # a grid row: the header places it
            vals = _at_header_columns(lr, _measure_columns(header_cells, measures, format_version))
        if vals is None:
            if not it.cells and not lr.values:
                continue  # a prose line naming the item, not a table row
            seen.add(item)
            findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                    f"§二 {item}: {len(lr.values)} cells for {len(measures)} columns "
                                    f"({', '.join(measures)}); left NULL"))
            continue
        seen.add(item)
        for m, cell in zip(measures, vals):
            grid[(item, m)] = _proactive_value(cell, m)
        blanks = [m for m in measures if grid[(item, m)] is None]
        if blanks:
            findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                    f"§二 {item}: blank cells {', '.join(blanks)}"))
    if not any_row:
        findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                "§二 Article 20 table not found; all its cells are NULL"))
        return grid, findings
    missing = [i for i in grid_spec if i not in seen]
    if missing:
        findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                f"§二 rows missing: {', '.join(missing)}"))
    return grid, findings
