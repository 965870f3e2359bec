"""Text normalisation shared by readers and parser: width, spaces, Word debris, numbers.

The per-cell functions are memoised: report tables repeat the same few cells ('0', row labels)
thousands of times per file, and these calls were most of the parse time."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Word/Pandoc debris: bookmarks, comment anchors, zero-width and other invisible characters.
# (`[^\[\]]`: a run of '[comment' without a closing bracket is scanned once, not once per '[')
DEBRIS = re.compile(r"\[(?:bookmark|_?anchor|comment)[^\[\]]*\]|[\u200b-\u200f\u2060\ufeff\u00ad]", re.I)
_SPACES = re.compile(r"[\s\u3000\u00a0]+")
_PUNCT = re.compile(r"[\s\u3000\u00a0,，.。、;；:：!！?？'\"“”‘’()（）\[\]【】〔〕<>《》〈〉\-—–_/\\|*·…]+")
_ENUMERATOR = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+[.．、])+")

BLANK_MARKERS = frozenset({"", "/", "-", "—", "——", "–", "－", "无", "空", "\\", "--", "---", "×", "x", "X"})


@lru_cache(maxsize=1 << 16)
def strip_debris(text: str) -> str:
    return DEBRIS.sub("", text)


def fold_width(text: str) -> str:
    """Full-width digits, letters and punctuation to their ASCII forms (NFKC), keeping CJK."""
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=1 << 16)
def squeeze(text: str) -> str:
    """Debris removed, width folded, and no white space at all: for Chinese text where spaces are
    layout, not meaning."""
    return _SPACES.sub("", fold_width(strip_debris(text)))


@lru_cache(maxsize=1 << 16)
def label_key(text: str) -> str:
    """A label reduced to its words: no debris, spaces, punctuation or width differences."""
    return _PUNCT.sub("", squeeze(text))


def strip_enumerator(text: str) -> str:
    """'（三）1.属于国家秘密' → '属于国家秘密' (on squeezed text)."""
    return _ENUMERATOR.sub("", text)


_LEADING_NUMBER = re.compile(r"^([+-]?\d+(?:\.\d+)?)(?:\((?:其中|含|包括)[^)]*\))?$")


def is_blank(cell: str) -> bool:
    return squeeze(cell) in BLANK_MARKERS


@lru_cache(maxsize=1 << 16)
def parse_number(cell: str) -> float | None:
    """A table cell's number, or None when the cell holds none.

    Spaces and thousands separators inside the number are ignored ('1 259', '1,295');
    a trailing annotation in brackets is dropped ('22（其中修订16件）').
    """
    s = squeeze(cell).replace(",", "").replace("，", "")
    for suffix in ("万元", "元", "件", "个", "项", "次", "条"):
        if s.endswith(suffix) and len(s) > len(suffix):
            s = s[: -len(suffix)]
    m = _LEADING_NUMBER.match(s)
    return float(m.group(1)) if m else None


@lru_cache(maxsize=1 << 16)
def cell_kind(cell: str) -> str:
    """'number', 'blank' or 'text'."""
    if is_blank(cell):
        return "blank"
    if parse_number(cell) is not None:
        return "number"
    return "text"


def display_width(text: str) -> int:
    """Width in half-width columns as a Chinese terminal shows it: ASCII 1, CJK, full-width forms
    and symbols (“ ” — …, three bytes in UTF-8) 2. Counted from the UTF-8 length: each extra byte
    beyond the first adds half a column, which is exact for ASCII and three-byte characters and a
    good estimate for the rest, in a fraction of the time of a per-character Unicode lookup."""
    n = len(text)
    return n + (len(text.encode("utf-8", "surrogatepass")) - n) // 2


def rows_from_cell_stream(cells: list[str]) -> list[list[str]]:
    """Cells that arrive one after another without row boundaries (a web page copied one cell per
    line, a flattened table): a new row starts at a label cell that follows a value cell, or a label
    with its values run into it ('规章000')."""
    rows: list[list[str]] = []
    current: list[str] = []
    has_value = False
    for cell in cells:
        kind = cell_kind(cell)
        if kind == "text" and has_value:
            rows.append(current)
            current, has_value = [], False
        current.append(cell)
        has_value = has_value or kind != "text" or cell[-1:].isdigit()
    if current:
        rows.append(current)
    return rows
