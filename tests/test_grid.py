"""The grid reader (§二, §三, §四) on the layouts web pages and converters give, with real values."""
from __future__ import annotations

from pipeline.core import codebook as cb
from pipeline.core.readers.text import text_to_document
from tests.conftest import FIXTURES, parse

GRID = FIXTURES / "grid"


def test_page_pipe_rows_without_a_leading_pipe_are_read():
    """微山县两城镇 2020: '规章 | 0 | 0 | 0 | |', sub-table titles '第二十条第(一)项 | ||||'."""
    rec = parse(GRID / "201_weishan_liangcheng_2020.txt")
    assert rec.format_version == "2019"
    assert set(rec.proactive.values()) == {0}  # all 22 cells of the complete 2019 table, none NULL
    for a in cb.APPLICANT_CODES:  # the application table is cut after row 2
        assert (rec.application[("1", a)], rec.application[("2", a)], rec.application[("3.1", a)]) == (0, 0, None)


def test_page_one_cell_per_line_ending_in_a_pipe():
    """凤县 2020: '规范性文件 |' '2 |' '2 |' '9 |', one cell per line."""
    rec = parse(GRID / "113_fengxian_county_2020.txt")
    assert [rec.proactive[("normative_documents", m)] for m in ("made", "published", "total_published")] == [2, 2, 9]


def test_rows_run_together_on_one_line_are_split_at_the_next_label():
    doc = text_to_document("（三）不予公开 | 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |2.其他法律行政法规禁止公开 | 0 "
                           "| 0 | 0 | 0 | 0 | 1 | 1 |\n")
    rows = [r.cells for r in doc.tables[0].rows]
    assert rows == [("（三）不予公开", "1.属于国家秘密") + ("0",) * 7,
                    ("2.其他法律行政法规禁止公开",) + ("0",) * 5 + ("1", "1")]


def test_rows_separated_by_runs_of_spaces_or_ideographic_spaces():
    doc = text_to_document("本年度共收到申请 3 件，办结 3 件。\n规章  1  0  12\n行政许可\u300097\u3000—\n")
    assert [p.text for p in doc.paragraphs] == ["本年度共收到申请 3 件，办结 3 件。"]
    assert [r.cells for r in doc.tables[0].rows] == [("规章", "1", "0", "12"), ("行政许可", "97", "—")]


def _seed_004_with_undivided_other_handling() -> str:
    """Seed 004 as tab rows, its three 3.6.x rows printed as one （六）其他处理 row (2019 style)."""
    from tests.mutations import tab_row, write
    from tests.conftest import read, seed_path
    lines = write(read(seed_path("004")), tab_row).split("\n")
    first = next(i for i, l in enumerate(lines) if "逾期不补正" in l)
    return "\n".join(lines[:first] + ["\t（六）其他处理\t0\t0\t0\t0\t0\t0\t0"] + lines[first + 3:])


def test_undivided_other_handling_row_of_a_2021_table_is_not_put_into_3_6_1():
    from pipeline.core.parser import parse_document
    rec = parse_document(text_to_document(_seed_004_with_undivided_other_handling()))
    assert rec.format_version == "2021"
    for row in ("3.6.1", "3.6.2", "3.6.3"):
        assert {rec.application[(row, a)] for a in cb.APPLICANT_CODES} == {None}
    assert rec.application[("3.7", "natural_person")] == 1 and rec.application[("4", "total")] == 0
    assert rec.application[("3.5.5", "total")] == 0
    assert any("undivided" in f.detail and "3.6.1" in f.detail for f in rec.findings)
