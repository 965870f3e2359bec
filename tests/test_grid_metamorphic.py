"""Metamorphic tests: every real fixture with tables (and generated reports), written out again
with one layout change, parses to the same record."""
from __future__ import annotations

import random

import pytest

from pipeline.core.parser import parse_document
from pipeline.core.readers.text import text_to_document
from pipeline.synth.model import random_report
from pipeline.synth.render import Variant, render
from tests.conftest import FIXTURES, RAW, REAL, read
from tests.mutations import mutations

GRID = FIXTURES / "grid"
REAL_FILES = sorted(RAW.glob("*.txt")) + [REAL / "kewei_2024_pdftext.txt",
                                           REAL / "shanghai_office_2025_pdftext.txt",
                                           GRID / "201_weishan_liangcheng_2020.txt",
                                           GRID / "113_fengxian_county_2020.txt"]
MUTATIONS = mutations()


def _generated() -> list[tuple[str, str]]:
    """A few generated reports of both formats, with and without faults, as tab rows."""
    out = []
    for seed, fmt, faults in ((1, "2021", set()), (2, "2019", set()), (3, "2021", {"blank_cells"}),
                              (4, "2019", {"blank_cells", "outcome_break"})):
        rep = random_report(random.Random(seed), faults, fmt)
        text = render(rep, Variant("txt", "tab_rows", "utf-8"), random.Random(seed)).decode("utf-8")
        out.append((f"generated_{seed}_{fmt}", text))
    return out


SOURCES = {p.name: None for p in REAL_FILES} | dict(_generated())


def _doc(name: str):
    text = SOURCES[name]
    if text is None:
        return read(next(p for p in REAL_FILES if p.name == name))
    return text_to_document(text)


def _tables(rec) -> tuple:
    return rec.format_version, rec.report_year, rec.proactive, rec.application, rec.review_litigation


_BASE: dict[str, tuple] = {}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
@pytest.mark.parametrize("name", sorted(SOURCES))
def test_layout_mutation_does_not_change_the_record(name, mutation):
    doc = _doc(name)
    if name not in _BASE:
        _BASE[name] = _tables(parse_document(doc))
    got = _tables(parse_document(text_to_document(MUTATIONS[mutation](doc))))
    want = _BASE[name]
    diffs = [f"{area}: {k} {want[i].get(k)!r} -> {got[i].get(k)!r}" for i, area in
             ((2, "proactive"), (3, "application"), (4, "review"))
             for k in want[i] if want[i][k] != got[i].get(k)]
    assert got[:2] == want[:2]
    assert not diffs, "\n".join(diffs[:20]) + f"\n({len(diffs)} cells)"
