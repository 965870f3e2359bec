"""The three statistics tables: Article 20 (§二), applications (§三), review and litigation (§四).

Rows are found by their labels; where a converter has torn labels off their rows, the rows are
aligned to the format's row order with the surviving labels as anchors. Cells that cannot be
placed stay NULL and are reported; numbers are never shifted into other cells.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from typing import Callable, NamedTuple

from pipeline.core import codebook as cb
from pipeline.core.parser.sections import Item
from pipeline.core.records import Finding
from pipeline.core.textnorm import cell_kind, fold_width, label_key, parse_number, squeeze, strip_enumerator

N_APPLICANTS = len(cb.APPLICANT_CODES)


@dataclass(frozen=True)
class GridSettings:
    """Every tolerance of the grid reader in one place."""

    identity_tolerance: int = 0  # an identity holds when its sides differ by at most this
    max_glued_digits: int = 16  # digits run into a label ('规章000') split only up to this many
    # `_align`'s costs: a labelled row placed against its label, a labelled or an unlabelled row
    # left out, a code skipped between placed rows
    cost_against_label: int = 60
    cost_drop_labelled: int = 50
    cost_drop_unlabelled: int = 5
    cost_skip: int = 1
    max_gap_placements: int = 5000  # ways to place unlabelled rows in a gap tried against the identities


SETTINGS = GridSettings()


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
    if len(meanings) > 1:  # a written blank marker ('/', '—') is a cell; an empty cell may be padding
        empty = [not v.strip() for v in values]
        options = {i for i in options if all(empty[:i]) and all(empty[i + width:])}
        meanings = {tuple("" if blank[i + j] else values[i + j] for j in range(width)) for i in options}
    if len(meanings) != 1:
        return None
    return tuple(values[min(options): min(options) + width])


_GLUED = re.compile(r"^(.*[^\d\s.,，])([\d\s]*\d)$")


def _is_glued(label: str) -> bool:
    """A label with numbers run into it ('规章000')."""
    return label[-1:].isdigit() and _GLUED.match(label) is not None


_TRAILING_NUMBERS = re.compile(r"\d[\d\s]*$")


def _run_together_digits(row: LabelledRow) -> tuple[str, list[str]] | None:
    """(digits as written, the value cells after them) of a row whose numbers ran together: into
    its label ('规章000', '规章 1 12 5') or into one value cell ('予以公开 | 1000001')."""
    rest = list(row.values)
    while rest and cell_kind(rest[-1]) == "blank":
        rest.pop()
    if _is_glued(row.label):
        label_cells = row.cells[: len(row.cells) - len(row.values)]
        last = next(c for c in reversed(label_cells) if cell_kind(c) == "text")
        m = _TRAILING_NUMBERS.search(fold_width(last).strip())
        return (m.group(0), rest) if m else None
    if len(rest) == 1 and len(squeeze(rest[0])) > 1 and squeeze(rest[0]).isdigit():
        return fold_width(rest[0]).strip(), []
    return None


def unglue(row: LabelledRow, width: int,
           holds: Callable[[tuple[int | None, ...]], bool] | None = None) -> tuple[str, ...] | None:
    """The values of a row whose numbers ran together ('规章000', '（一）予以公开 | 1000001'): the
    numbers as spaces kept them apart, or one digit per cell when the digits are exactly as many;
    otherwise the cut whose numbers satisfy the identity `holds`, when exactly one does; else None
    (never a guess)."""
    found_digits = _run_together_digits(row)
    if found_digits is None:
        return None
    digits, rest = found_digits
    need = width - len(rest)
    if need <= 0:
        return None
    if len(digits.split()) > 1:  # spaces kept the numbers apart
        parts = digits.split()
        return tuple(parts) + tuple(rest) if len(parts) == need else None
    if len(digits) == need:
        return tuple(digits) + tuple(rest)
    if holds is None or len(digits) < need or len(digits) > SETTINGS.max_glued_digits:
        return None
    found = set()
    for cuts in combinations(range(1, len(digits)), need - 1):
        parts = [digits[a:b] for a, b in zip((0,) + cuts, cuts + (len(digits),))]
        if any(len(p) > 1 and p[0] == "0" for p in parts):
            continue
        vals = tuple(parts) + tuple(rest)
        if holds(_to_ints(vals)):
            found.add(vals)
            if len(found) > 1:
                return None
    return found.pop() if found else None


def fit_or_unglue(row: LabelledRow, width: int,
                  holds: Callable[[tuple[int | None, ...]], bool] | None = None) -> tuple[str, ...] | None:
    """`fit_values`, except for a label with numbers run into it and only blanks after it
    ('行政许可8 | | |'): those numbers are the row's values."""
    vals = fit_values(row.values, width)
    if vals is not None and _has_number(vals):
        return vals
    return unglue(row, width, holds) or vals


def row_total_holds(vals: tuple[int | None, ...]) -> bool:
    """§三: a row's 总计 is the sum of its six applicant cells (every cell a number)."""
    return None not in vals and abs(sum(vals[:-1]) - vals[-1]) <= SETTINGS.identity_tolerance  # type: ignore


def review_totals_hold(vals: tuple[int | None, ...]) -> bool:
    """§四: each proceeding's 总计 is 维持 + 纠正 + 其他 + 尚未审结 (every cell a number)."""
    n = len(cb.OUTCOME_CODES)
    return None not in vals and all(abs(sum(vals[i: i + n - 1]) - vals[i + n - 1])  # type: ignore
                                    <= SETTINGS.identity_tolerance for i in range(0, len(vals), n))


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


def _sibling_columns(rows: list[LabelledRow], width: int) -> tuple[int, ...] | None:
    """The grid columns of the seven values in rows `width` cells wide (a table from ruling lines:
    one cell per grid column, a merged cell's covered positions blank), from the rows of that width
    whose seven values are all numbers: only when at least two such rows agree and none disagrees.
    A row with a blank cell at its end is then read at those columns (not guessed from its count)."""
    found = set()
    for other in rows:
        if len(other.cells) != width:
            continue
        numbers = tuple(i for i, c in enumerate(other.cells) if cell_kind(c) == "number")
        if len(numbers) == N_APPLICANTS:
            found.add(numbers)
    agreeing = sum(1 for other in rows if len(other.cells) == width and tuple(
        i for i, c in enumerate(other.cells) if cell_kind(c) == "number") in found)
    return next(iter(found)) if len(found) == 1 and agreeing >= 2 else None


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
        drop = SETTINGS.cost_drop_unlabelled if c is None else SETTINGS.cost_drop_labelled
        row, nxt, nback = best[i], best[i + 1], back[i + 1]
        for j in range(m + 1):  # leave row i unassigned
            if row[j] + drop < nxt[j]:
                nxt[j], nback[j] = row[j] + drop, (j, None)
        run, run_j = INF, 0
        for k in range(m):  # assign row i to code k, coming from the best state j <= k
            if row[k] - k * SETTINGS.cost_skip < run:
                run, run_j = row[k] - k * SETTINGS.cost_skip, k
            if run == INF:
                continue
            against = 0 if c is None or codes[k] in c else SETTINGS.cost_against_label
            cost = run + k * SETTINGS.cost_skip + against
            if cost < nxt[k + 1]:
                nxt[k + 1], nback[k + 1] = cost, (run_j, k)
    j = min(range(m + 1), key=lambda jj: best[n][jj])
    out: list[int | None] = [None] * n
    for i in range(n, 0, -1):
        prev_j, k = back[i][j]  # type: ignore[misc]
        out[i - 1] = k
        j = prev_j
    return out


_BALANCE = (cb.ROW_RECEIVED, cb.ROW_CARRIED_OVER, cb.ROW_TOTAL_HANDLED, cb.ROW_CARRIED_FORWARD)


def _identities_confirm(by_code: dict[str, tuple[int | None, ...]], touched: set[str],
                        format_version: str) -> bool:
    """True when the identities that involve the `touched` rows can be assessed for at least one
    applicant and hold wherever they can: outcome rows sum to 3.7; row 1 + row 2 = 3.7 + row 4."""
    outcomes = cb.outcome_row_codes(format_version)
    checks = []
    if touched & set(outcomes) or cb.ROW_TOTAL_HANDLED in touched:
        checks.append((outcomes, (cb.ROW_TOTAL_HANDLED,)))
    if touched & set(_BALANCE):
        checks.append((_BALANCE[:2], _BALANCE[2:]))
    assessed = False
    tol = SETTINGS.identity_tolerance
    for left, right in checks:
        rows = [by_code.get(c) for c in left + right]
        if any(r is None for r in rows):
            continue
        for a in range(N_APPLICANTS):
            terms = [r[a] for r in rows]  # type: ignore[index]
            if None in terms:
                continue
            assessed = True
            if abs(sum(terms[: len(left)]) - sum(terms[len(left):])) > tol:  # type: ignore[arg-type]
                return False
    return assessed


def _resolve_gaps(cands: list[frozenset[str] | None], placement: list[int | None], codes: tuple[str, ...],
                  values: list[tuple[str, ...] | None], format_version: str
                  ) -> tuple[list[int | None], set[int]]:
    """Unlabelled rows placed by order alone, fewer than the codes between the labelled rows around
    them: the order does not say which codes they are. Of the ways to place them (in order), take
    the one the identities confirm, when exactly one does; otherwise those rows stay NULL
    (returned as unresolved). Never a number moved by position alone."""
    placement = list(placement)
    runs: list[tuple[list[int], range]] = []
    run: list[int] = []
    prev = -1
    for i, (c, k) in enumerate(zip(cands, placement)):
        if k is None:
            continue
        if c is None:
            run.append(i)
            continue
        if run:
            runs.append((run, range(prev + 1, k)))
            run = []
        prev = k
    if run:
        runs.append((run, range(prev + 1, len(codes))))
    unresolved: set[int] = set()
    ints = [None if v is None else _to_ints(v) for v in values]
    for run, gap in runs:
        if len(run) >= len(gap):
            continue  # every code of the gap has its row: the order is the only placement
        confirmed = []
        for n, chosen in enumerate(combinations(gap, len(run))):
            if n >= SETTINGS.max_gap_placements:
                confirmed = []
                break
            trial = list(placement)
            for i, k in zip(run, chosen):
                trial[i] = k
            by_code = {codes[k]: v for k, v in zip(trial, ints) if k is not None and v is not None}
            if _identities_confirm(by_code, {codes[k] for k in chosen}, format_version):
                confirmed.append(chosen)
                if len(confirmed) > 1:
                    break
        if len(confirmed) == 1:
            for i, k in zip(run, confirmed[0]):
                placement[i] = k
        else:
            unresolved.update(run)
    return placement, unresolved


@lru_cache(maxsize=1 << 14)
def _torn_label(text: str, format_version: str) -> bool:
    """A short line that names exactly one §三 row (or one group): a label torn from its values."""
    if not text or len(text) > 60 or _is_header(text):
        return False
    cands = _label_candidates(text, format_version)
    return cands is not None and len(cands) < len(cb.application_row_codes(format_version))


def _undivided_groups(cands: list[frozenset[str] | None], placement: list[int | None],
                      codes: tuple[str, ...]) -> set[frozenset[str]]:
    """Groups printed as one undivided row (a 2021 table with a single （六）其他处理 row): a row whose
    label names only the group, with no row placed on any other code of the group."""
    out = set()
    for i, (c, k) in enumerate(zip(cands, placement)):
        if c is None or len(c) < 2 or k is None:
            continue
        others = {codes[kk] for j, kk in enumerate(placement) if j != i and kk is not None}
        if not c & others:
            out.add(c)
    return out


def parse_application(items: list[Item], format_version: str, sources: dict | None = None,
                      where=cb.place_line) -> tuple[dict, list[Finding]]:
    """§三. `sources`, when given, gets (line, cell text as read) for every cell placed; `where` names a
    source line in findings (a PDF's page)."""
    codes = cb.application_row_codes(format_version)
    grid: dict[tuple[str, str], int | None] = dict.fromkeys(cb.APPLICATION_CELLS[format_version])
    findings: list[Finding] = []
    rows: list[LabelledRow] = []
    header_columns: dict[int, tuple[int, ...]] | None = None  # found only when a row needs it
    torn: str | None = None  # a row label on a line of its own, above the values it was torn from
    for it in items:
        if not it.cells:
            torn = it.text if _torn_label(squeeze(it.text), format_version) else None
            continue
        lr = split_label(it.cells)
        glued = _is_glued(lr.label)
        if not _has_number(lr.values) and not glued and (
                not lr.label or _is_header(lr.label) or _label_candidates(lr.label, format_version) is None):
            torn = None
            continue  # header or title row
        if not glued and not _has_number(lr.values) and len(lr.values) < N_APPLICANTS:
            # a label with no values, or only a spanned cell's blanks: a group title, or a torn label
            torn = lr.label if _torn_label(lr.label, format_version) else None
            continue
        if not lr.label and fit_values(lr.values, N_APPLICANTS) is None and len(lr.values) < N_APPLICANTS:
            continue  # stray cells of a merged Word cell ('0' alone between rows, seed 001)
        label = lr.label or squeeze(torn or "")
        rows.append(LabelledRow(label, lr.values, it.line, lr.cells))
        torn = None
    if not rows:
        findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                cb.detail_table_not_found("§三")))
        return grid, findings
    cands = [_label_candidates(r.label, format_version) if r.label and not _is_header(r.label) else None
             for r in rows]
    placement = _in_order(cands, codes) or _align(cands, codes)
    undivided = _undivided_groups(cands, placement, codes)

    def row_values(row: LabelledRow) -> tuple[str, ...] | None:
        nonlocal header_columns
        vals = fit_or_unglue(row, N_APPLICANTS, row_total_holds)
        if vals is None:  # ambiguous blanks: the header's grid positions decide, if the row is a grid row
            if header_columns is None:
                header_columns = _applicant_columns([it.cells for it in items if it.is_row])
            vals = _at_header_columns(row, header_columns.get(len(row.cells)))
        if vals is None:  # or the columns every full row of this width holds its seven numbers in
            vals = _at_header_columns(row, _sibling_columns(rows, len(row.cells)))
        if vals is None and len(row.values) > N_APPLICANTS and not row.label:
            vals = row.values[-N_APPLICANTS:]  # a piece of the table wider on the left: values on the right
        return vals

    values = [row_values(r) if k is not None else None for r, k in zip(rows, placement)]
    unresolved: set[int] = set()
    if None in cands:  # unlabelled rows: placed by order only where the order leaves no choice
        placement, unresolved = _resolve_gaps(cands, placement, codes, values, format_version)
    placed: set[str] = set()
    for i, (row, k, c, vals) in enumerate(zip(rows, placement, cands, values)):
        if i in unresolved:
            findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                    cb.detail_ambiguous_row(where(row.line))))
            continue
        if k is None:
            findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                    cb.detail_unplaced_row(where(row.line), row.label[:30])))
            continue
        if c is not None and c in undivided:
            findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                    cb.detail_undivided_row(where(row.line), row.label[:30], sorted(c))))
            continue
        code = codes[k]
        placed.add(code)
        if vals is None:
            findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                    cb.detail_row_width("§三", cb.APPLICATION_ROW_LABELS[code],
                                                        where(row.line), len(row.values),
                                                        list(cb.APPLICANT_LABELS.values()))))
            continue
        ints = _to_ints(vals)
        grid.update(zip(_row_keys(code), ints))
        if sources is not None:
            sources.update(zip(_row_keys(code), ((row.line, v) for v in vals)))
        if None in ints:
            blanks = [cb.APPLICANT_LABELS[a] for a, v in zip(cb.APPLICANT_CODES, ints) if v is None]
            findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                    cb.detail_blank_cells("§三", cb.APPLICATION_ROW_LABELS[code],
                                                          where(row.line), blanks)))
    missing = [c for c in codes if c not in placed]
    if missing:
        findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                cb.detail_rows_missing("§三", list(map(cb.application_row_short, missing)))))
    return grid, findings


# --- §四 review and litigation ----------------------------------------------------------------

_LITIGATION = "litigation"  # a text naming 行政复议 and 诉讼 together: not one proceeding of the grid
_REVIEW_LABEL = cb.PROCEEDING_LABELS[cb.PROCEEDING_REVIEW]


@lru_cache(maxsize=1 << 12)
def _proceedings_named(text: str) -> tuple[str, ...]:
    """The proceedings a heading, title or label names, most specific first. A text naming 行政复议
    together with 诉讼 (the section's title, a two-level header) names more than one."""
    key = label_key(text)
    named = tuple(p.code for p in reversed(cb.PROCEEDINGS) if any(k in key for k in p.keywords))
    if named == (cb.PROCEEDING_REVIEW,) and "诉讼" in key:
        return named + (_LITIGATION,)
    if len(named) > 1 and cb.PROCEEDING_REVIEW in named and _REVIEW_LABEL not in key.replace("复议后", ""):
        named = tuple(n for n in named if n != cb.PROCEEDING_REVIEW)  # '复议后起诉' is not 行政复议
    return named


def _review_from_pieces(pieces: list[tuple[str, ...]], width: int) -> tuple[str, ...] | None:
    """§四's values from unlabelled rows of other lengths, when together they are exactly `width`
    cells (as cut, or without the blank padding at the rows' ends); None otherwise."""
    if len(pieces) < 2:
        return None
    cells = tuple(c for p in pieces for c in p)
    if len(cells) == width:
        return cells
    trimmed = []
    for p in pieces:
        kinds = [cell_kind(c) != "blank" for c in p]
        if True in kinds:
            trimmed.extend(p[kinds.index(True): len(p) - kinds[::-1].index(True)])
    return tuple(trimmed) if len(trimmed) == width else None


def parse_review(items: list[Item], sources: dict | None = None) -> tuple[dict, list[Finding]]:
    """§四 in any of its layouts: one row of 15 values (under a two-level header or none); one row
    per proceeding, named by its label or by the heading or title above it (three small tables);
    the 15 values cut into unlabelled pieces (three rows of 5 under a header, or a converter's rows
    of other lengths), read in the template's order when they are exactly 15 cells."""
    grid: dict[tuple[str, str], int | None] = dict.fromkeys(cb.REVIEW_GRID)
    width = len(cb.REVIEW_GRID)
    per_proceeding = len(cb.OUTCOME_CODES)
    found_rows = 0
    named_above: str | None = None  # the proceeding a heading or a header row above names
    unnamed: list[tuple[str, ...]] = []  # rows of 5 values under no proceeding's name
    pieces: list[tuple[str, ...]] = []  # the values of every unlabelled row with numbers
    for it in items:
        if not it.cells or not _has_number(it.cells) and not _is_glued(split_label(it.cells).label):
            named = _proceedings_named(it.text or "".join(it.cells))
            if named:
                named_above = named[0] if len(named) == 1 else None
            continue
        lr = split_label(it.cells)
        if not lr.label:
            pieces.append(lr.values)
        vals = fit_or_unglue(lr, width)
        if vals is not None:
            for key, cell in zip(cb.REVIEW_GRID, vals):
                grid[key] = to_int(cell)
                if sources is not None:
                    sources[key] = (it.line, cell)
            found_rows += 1
            break
        vals = fit_or_unglue(lr, per_proceeding, review_totals_hold)
        if vals is None:
            continue
        named = _proceedings_named(_GLUED.sub(r"\1", lr.label)) if lr.label else ()
        proc = named[0] if named else named_above
        if proc is None or proc == _LITIGATION:
            unnamed.append(vals)
            continue
        for o, cell in zip(cb.OUTCOME_CODES, vals):
            grid[(proc, o)] = to_int(cell)
            if sources is not None:
                sources[(proc, o)] = (it.line, cell)
        named_above = None  # a heading names the one table under it
        found_rows += 1
    findings: list[Finding] = []
    if not found_rows:  # three unlabelled rows of five, or other pieces: 15 cells in the template's order
        vals = _review_from_pieces(pieces, width)
        if vals is not None:
            for key, cell in zip(cb.REVIEW_GRID, vals):
                grid[key] = to_int(cell)
                if sources is not None:
                    sources[key] = (None, cell)  # pieces of several rows: the cell, not one line
            found_rows, unnamed = 1, []
    if unnamed:
        findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                cb.detail_unnamed_review_rows(len(unnamed), per_proceeding)))
    if not found_rows:
        if not unnamed:
            findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                    cb.detail_table_not_found("§四")))
        return grid, findings
    blanks = [f"{cb.PROCEEDING_LABELS[p]}·{cb.OUTCOME_LABELS[o]}"
              for (p, o), v in grid.items() if v is None]
    if blanks:
        findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                cb.detail_review_blanks(blanks)))
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
    named = set()
    for item in cb.PROACTIVE_ITEMS:
        if format_version not in item.formats:
            continue
        for kw in item.keywords:
            if kw in key:
                named.add(item.code)
                if best is None or len(kw) > best[0]:
                    best = (len(kw), item.code)
    if len(named) > 1:  # labels of several rows run together: which one the values belong to is unknown
        return None
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


def parse_proactive(items: list[Item], format_version: str, sources: dict | None = None,
                    where=cb.place_line) -> tuple[dict, list[Finding]]:
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
        vals = fit_or_unglue(lr, len(measures))
        if vals is None and it.cells and len(header_cells) == len(cells):  # a grid row: the header places it
            vals = _at_header_columns(lr, _measure_columns(header_cells, measures, format_version))
        if vals is None:
            if not it.cells and not lr.values:
                continue  # a prose line naming the item, not a table row
            seen.add(item)
            findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                    cb.detail_row_width("§二", cb.PROACTIVE_ITEM_LABELS[item],
                                                        where(it.line), len(lr.values),
                                                        [cb.PROACTIVE_MEASURE_LABELS[m] for m in measures])))
            continue
        seen.add(item)
        for m, cell in zip(measures, vals):
            grid[(item, m)] = _proactive_value(cell, m)
            if sources is not None:
                sources[(item, m)] = (it.line, cell)
        blanks = [m for m in measures if grid[(item, m)] is None]
        if blanks:
            findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                    cb.detail_blank_cells("§二", cb.PROACTIVE_ITEM_LABELS[item],
                                                          where(it.line),
                                                          [cb.PROACTIVE_MEASURE_LABELS[m] for m in blanks])))
    if not any_row:
        findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                cb.detail_table_not_found("§二")))
        return grid, findings
    missing = [i for i in grid_spec if i not in seen]
    if missing:
        findings.append(Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
                                cb.detail_rows_missing("§二", [cb.PROACTIVE_ITEM_LABELS[i] for i in missing])))
    return grid, findings
