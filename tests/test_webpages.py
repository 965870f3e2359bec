"""Reports copied from web pages (`tests/webpages.py`, written apart from the project's generator)
parse back to their truth: every cell of §二, §三 and §四, or NULL with a finding, never a wrong number."""
from __future__ import annotations

import os
import random
from collections import Counter

import pytest

from pipeline.core import codebook as cb
from pipeline.core.parser import parse_document
from pipeline.core.readers.text import text_to_document
from pipeline.synth.model import random_report
from tests.conftest import names_the_row
from tests.webpages import apply_truth, draw_knobs, render_page

FAULTS = ("balance_break", "row_total_break", "outcome_break", "review_break", "blank_cells", "truncated")
# WEB_PAGES=2000 pytest tests/test_webpages.py -s  for a longer hunt
N = int(os.environ.get("WEB_PAGES", "40"))


def page(seed: int):
    rng = random.Random(seed)
    faults = {f for f in FAULTS if rng.random() < 0.08}
    rep = random_report(rng, faults)
    knobs = draw_knobs(rng)
    text = render_page(rep, knobs, rng)
    apply_truth(rep, knobs)
    return rep, knobs, text


def misses(rep, text: str) -> tuple[list[str], list[str]]:
    """(wrong numbers, cells left NULL) against the truth."""
    rec = parse_document(text_to_document(text))
    incomplete = " ".join(f.detail for f in rec.findings if f.check_name == cb.CHECK_INCOMPLETE_TABLE)
    wrong, null = [], []
    if rec.format_version != rep.format_version:
        wrong.append(f"format {rec.format_version}")
    for area in ("proactive", "application", "review_litigation"):
        got, want = getattr(rec, area), getattr(rep, area)
        for key, v in want.items():
            g = got.get(key)
            if g == v or (g is not None and v is not None and abs(g - v) < 1e-6):
                continue
            # a row with a blank cell beside padding is ambiguous: NULL with a finding is right
            row_has_blank = None in (w for k, w in want.items() if k[0] == key[0])
            said = names_the_row(area, key[0], incomplete)
            if g is None and row_has_blank and said:
                continue
            (null if g is None else wrong).append(f"{area} {key}: {g!r} != {v!r}")
    return wrong, null


@pytest.mark.parametrize("seed", range(N))
def test_web_page_tables_parse_back(seed):
    rep, knobs, text = page(seed)
    wrong, null = misses(rep, text)
    assert not wrong and not null, f"{knobs}\n" + "\n".join((wrong + null)[:12])


if __name__ == "__main__":  # python -m tests.test_webpages N: accuracy by layout family
    import sys
    cells, bad, fams = Counter(), Counter(), Counter()
    for seed in range(int(sys.argv[1]) if len(sys.argv) > 1 else 500):
        rep, knobs, text = page(seed)
        wrong, null = misses(rep, text)
        n = len(rep.proactive) + len(rep.application) + len(rep.review_litigation)
        for fam in (knobs.separator, knobs.review, f"blank={knobs.blank!r}",
                    f"run_together={knobs.run_together}", f"year_headers={knobs.year_headers}",
                    f"glued={knobs.glued}", f"undivided={knobs.undivided}",
                    f"split_header={knobs.split_header}", f"page_break={knobs.page_break}",
                    f"torn_labels={knobs.torn_labels}", f"padding={knobs.padding}"):
            cells[fam] += n
            bad[fam] += len(wrong) + len(null)
        if wrong or null:
            fams[knobs.name] += 1
            if len(sys.argv) > 2:
                print(seed, knobs, (wrong + null)[:5])
    for fam in sorted(cells):
        print(f"{fam:28s} {100 * (1 - bad[fam] / cells[fam]):7.2f}%")
