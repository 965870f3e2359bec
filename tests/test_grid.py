"""The grid reader (§二, §三, §四) on the layouts web pages and converters give, with real values."""
from __future__ import annotations

from pipeline.core import codebook as cb
from pipeline.core.readers.text import text_to_document
from tests.conftest import FIXTURES, parse

GRID = FIXTURES / "grid"


def test_page_pipe_rows_without_a_leading_pipe_are_read():
    """微山县两城镇 2020: '规章 | 0 | 0 | 0 | |', sub-table titles '第二十条第(一)项 | ||||'."""
    import json
    golden = json.loads((GRID / "golden.json").read_text(encoding="utf-8"))["201_weishan_liangcheng_2020.txt"]
    rec = parse(GRID / "201_weishan_liangcheng_2020.txt")
    assert rec.format_version == golden["report"]["format_version"] == "2019"
    assert golden["proactive"]["nonzero"] == {}
    assert set(rec.proactive.values()) == {0}  # all 22 cells of the complete 2019 table, none NULL
    for a in cb.APPLICANT_CODES:  # the application table is cut after row 2
        assert [rec.application[(row, a)] for row in ("1", "2", "3.1")] == [0, 0, None]


def test_page_one_cell_per_line_ending_in_a_pipe():
    """凤县 2020: '规范性文件 |' '2 |' '2 |' '9 |', one cell per line."""
    rec = parse(GRID / "113_fengxian_county_2020.txt")
    measures = ("made", "published", "total_published")
    assert [rec.proactive[("normative_documents", m)] for m in measures] == [2, 2, 9]


def test_rows_run_together_on_one_line_are_split_at_the_next_label():
    doc = text_to_document("（三）不予公开 | 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |2.其他法律行政法规禁止公开 | 0 "
                           "| 0 | 0 | 0 | 0 | 1 | 1 |\n")
    rows = [r.cells for r in doc.tables[0].rows]
    assert rows == [("（三）不予公开", "1.属于国家秘密") + ("0",) * 7,
                    ("2.其他法律行政法规禁止公开",) + ("0",) * 5 + ("1", "1")]


def test_rows_run_together_with_spaces_between_cells():
    doc = text_to_document("2.重复申请  16  0  0  0  0  0  16  3.要求提供公开出版物  1  0  0  0  0  0  1\n")
    assert [r.cells for r in doc.tables[0].rows] == [("2.重复申请", "16") + ("0",) * 5 + ("16",),
                                                     ("3.要求提供公开出版物", "1") + ("0",) * 5 + ("1",)]


def test_rows_separated_by_runs_of_spaces_or_ideographic_spaces():
    doc = text_to_document("本年度共收到申请 3 件，办结 3 件。\n规章  1  0  12\n行政许可\u300097\u3000—\n"
                           "行政处罚  1,561\n")
    assert [p.text for p in doc.paragraphs] == ["本年度共收到申请 3 件，办结 3 件。"]
    assert [r.cells for r in doc.tables[0].rows] == [("规章", "1", "0", "12"), ("行政许可", "97", "—"),
                                                     ("行政处罚", "1,561")]


def test_dates_and_page_numbers_spaced_out_are_not_rows():
    doc = text_to_document("规章  1  0  12\n第  2  页  共  9  页\n2024年  1  月  22  日\n"
                           "全年共收到政府信息公开申请  35  件\n")
    assert [r.cells for t in doc.tables for r in t.rows] == [("规章", "1", "0", "12")]
    # the page number is dropped; a filled-in figure in prose stays prose
    assert [p.text for p in doc.paragraphs] == ["2024年  1  月  22  日", "全年共收到政府信息公开申请  35  件"]


def test_a_header_spaced_out_is_not_joined_to_the_next_line():
    """A long line of cells separated by spaces is a header, not prose a converter wrapped; nor is
    the line before a markdown heading."""
    head = "信息内容  上一年项目数量  本年(2020)增/减  本年(2020)处理决定数量"
    prose = "本年度我县认真贯彻落实政务公开各项要求，坚持以公开为常态、不公开为例外的原则，稳步推进"
    doc = text_to_document(f"{head}\n行政许可000\n{prose}\n## 二、主动公开政府信息情况\n")
    assert [p.text for p in doc.paragraphs] == [head, "行政许可000", prose, "## 二、主动公开政府信息情况"]


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
    assert any("一行合并了" in f.detail and "三（六）1 申请人无正当理由逾期不补正" in f.detail
               for f in rec.findings)


# --- one test per rule of the grid reader: each fails when its rule is removed ---------------------

REAL = FIXTURES / "real"


def _shanghai(replace: dict[str, str]) -> str:
    """The Shanghai-office conversion with some of its lines rewritten."""
    lines = (REAL / "shanghai_office_2025_pdftext.txt").read_text(encoding="utf-8").split("\n")
    return "\n".join(replace.get(line, line) for line in lines)


def _parse(text: str):
    from pipeline.core.parser import parse_document
    return parse_document(text_to_document(text))


def test_label_run_into_one_digit_values_is_split_one_digit_a_cell():
    """'规章000' (and '| 规章000 |', a row of one cell): as many digits as cells, one each."""
    text = (GRID / "201_weishan_liangcheng_2020.txt").read_text(encoding="utf-8")
    text = text.replace("规章 | 0 | 0 | 0 | |", "| 规章000 |").replace("行政许可 | 0 | 0 | 0 | |", "行政许可000 | | | |")
    rec = _parse(text)
    assert [rec.proactive[("regulations", m)] for m in ("made", "published", "total_published")] == [0, 0, 0]
    assert [rec.proactive[("licensing", m)] for m in ("prior_items", "change", "decisions")] == [0, 0, 0]


def test_label_run_into_numbers_is_split_where_the_row_total_holds():
    """'1.本机关不掌握相关政府信息484280010513': of the ways to cut 12 digits into 7 numbers, one has
    484+28+0+0+1+0 = 513; a cut that no identity confirms is left NULL."""
    line = "| 1.本机关不掌握相关政府信息 | 484 | 28 | 0 | 0 | 1 | 0 | 513 |  |"
    rec = _parse(_shanghai({line: "| 1.本机关不掌握相关政府信息484280010513 |"}))
    assert [rec.application[("3.4.1", a)] for a in cb.APPLICANT_CODES] == [484, 28, 0, 0, 1, 0, 513]
    rec = _parse(_shanghai({line: "| 1.本机关不掌握相关政府信息484280010514 |"}))  # no cut adds up
    assert {rec.application[("3.4.1", a)] for a in cb.APPLICANT_CODES} == {None}


def test_a_proceeding_row_run_into_its_label_is_split_where_its_total_holds():
    """'行政复议40010555': cut into five numbers whose first four add up to the fifth."""
    text = ("某县人民政府2023年政府信息公开工作年度报告\n四、政府信息公开行政复议、行政诉讼情况\n"
            "类别 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |\n| 行政复议40010555 |\n"
            "行政诉讼（未经复议直接起诉） | 2 | 0 | 4 | 6 | 12 |\n行政诉讼（复议后起诉） | 6 | 0 | 9 | 7 | 22 |\n")
    rec = _parse(text)
    assert [rec.review_litigation[("review", o)] for o in cb.OUTCOME_CODES] == [40, 0, 10, 5, 55]
    assert rec.review_litigation[("litigation_direct", "total")] == 12


def test_a_wider_piece_of_the_table_is_read_on_its_right_hand_value_columns():
    """An unlabelled row of 8 cells in a 7-column piece: the values are the right-hand 7."""
    rec = _parse(_shanghai({"| 2 | 0 | 0 | 0 | 0 | 0 | 2 |": "| 0 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |"}))
    assert [rec.application[("3.2", a)] for a in cb.APPLICANT_CODES] == [2, 0, 0, 0, 0, 0, 2]


def test_header_columns_place_a_grid_row_whose_blanks_are_ambiguous():
    """Kewei's row 4 has a blank 总计; with a blank cell before its values too, only the header's
    grid positions say which blank is padding (§三), and likewise for §二."""
    header = "| 项目 |  | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |"
    text = ("某区科委2024年政府信息公开工作年度报告\n二、主动公开政府信息情况\n"
            "| 信息内容 |  | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n| 行政规范性文件 |  | 13 | 0 |  |\n"
            f"三、收到和处理政府信息公开申请情况\n{header}\n"
            "| 一、本年新收政府信息公开申请数量 |  | 32 | 2 | 0 | 0 | 0 | 0 | 34 |\n"
            "| 四、结转下年度继续办理 |  | 1 | 0 | 0 | 0 | 0 | 0 |  |\n")
    rec = _parse(text)
    assert [rec.application[("4", a)] for a in cb.APPLICANT_CODES] == [1, 0, 0, 0, 0, 0, None]
    assert [rec.proactive[("normative_documents", m)] for m in ("issued", "repealed", "in_force")] \
        == [13, 0, None]


def test_a_label_wrapped_over_two_lines_of_a_word_export_is_one_cell():
    """Seed 000's header cell '商业' ⏎ '企业' (the second line without the tab)."""
    from tests.conftest import read, seed_path
    rows = [r.cells for t in read(seed_path("000")).tables for r in t.rows]
    assert any("商业企业" in r and "科研机构" in r for r in rows)


def test_the_sections_title_names_no_single_proceeding():
    """Under §四's title (行政复议 and 行政诉讼) one unlabelled row of five belongs to no proceeding."""
    rec = _parse("某县人民政府2023年政府信息公开工作年度报告\n四、政府信息公开行政复议、行政诉讼情况\n"
                 "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |\n1 | 0 | 0 | 0 | 1 |\n")
    assert set(rec.review_litigation.values()) == {None}
    assert any(f.check_name == cb.CHECK_INCOMPLETE_TABLE and "未写明属于行政复议还是行政诉讼" in f.detail
               for f in rec.findings)


def test_a_label_naming_two_items_places_no_values():
    """'行政许可0' ran into the next rows' labels: the row names 行政许可 and 行政处罚; its number
    belongs to neither for sure (the cells stay NULL, never the wrong item's)."""
    rec = _parse("某县人民政府2023年政府信息公开工作年度报告\n二、主动公开政府信息情况\n"
                 "行政许可 | 行政处罚 | 29 |\n")
    assert rec.proactive[("licensing", "decisions")] is None
    assert rec.proactive[("penalty", "decisions")] is None


def test_a_cell_stream_row_ends_at_a_label_run_into_its_value():
    from pipeline.core.textnorm import rows_from_cell_stream
    cells = ["信息内容", "本年处理决定数量", "行政许可0", "第二十条第（六）项", "行政处罚", "29"]
    assert rows_from_cell_stream(cells) == [cells[:3], cells[3:]]


def test_numbers_run_together_in_one_value_cell():
    """Shanghai's rows with their numbers in one cell: kept apart by spaces ('201 5 0 0 0 0 206',
    §四's 15 numbers), or run together, cut where the row total holds ('20150000206')."""
    row31 = "| （一）予以公开 | 201 | 5 | 0 | 0 | 0 | 0 | 206 |"
    review = "| 40 | 0 | 10 | 5 | 55 | 2 | 0 | 4 | 6 | 12 | 6 | 0 | 9 | 7 | 22 |"
    rec = _parse(_shanghai({row31: "| （一）予以公开 | 201 5 0 0 0 0 206 |",
                            review: "| 40 0 10 5 55 2 0 4 6 12 6 0 9 7 22 |"}))
    assert [rec.application[("3.1", a)] for a in cb.APPLICANT_CODES] == [201, 5, 0, 0, 0, 0, 206]
    assert [rec.review_litigation[("review", o)] for o in cb.OUTCOME_CODES] == [40, 0, 10, 5, 55]
    assert rec.review_litigation[("litigation_after_review", "total")] == 22
    rec = _parse(_shanghai({row31: "| （一）予以公开 | 20150000206 |"}))
    assert [rec.application[("3.1", a)] for a in cb.APPLICANT_CODES] == [201, 5, 0, 0, 0, 0, 206]


def test_labels_torn_from_their_values_still_name_their_rows():
    """Seed 004 with its undivided （六）其他处理 row, every §三 label on a line of its own above its
    values (a converter's table): placed by order alone, the 其他处理 values would land in 3.6.1
    and the 总计 row in 3.6.2; the torn labels keep 3.6.x NULL and 3.7/4 right."""
    out = []
    for line in _seed_004_with_undivided_other_handling().split("\n"):
        cells = line.split("\t")
        first_number = next((i for i, c in enumerate(cells) if c.strip().isdigit()), None)
        if first_number and any(c.strip() for c in cells[:first_number]) and len(cells) - first_number == 7:
            out += ["".join(cells[:first_number]), "\t".join(cells[first_number:])]
        else:
            out.append(line)
    rec = _parse("\n".join(out))
    for row in ("3.6.1", "3.6.2", "3.6.3"):
        assert {rec.application[(row, a)] for a in cb.APPLICANT_CODES} == {None}
    assert rec.application[("3.7", "natural_person")] == 1 and rec.application[("3.1", "total")] == 1
    assert [rec.application[("4", a)] for a in cb.APPLICANT_CODES] == [0] * 7


def test_unlabelled_rows_fewer_than_their_gap_are_placed_only_where_the_identities_confirm():
    """Shanghai without its 3.其他 row and with the labels of its last two rows torn off: by order
    they would be 3.6.3 and 3.7; only 3.7 and 4 make 1 + 2 = 3.7 + 4 hold (1295 + 189 = 1191 + 293)."""
    rec = _parse(_shanghai({"| 3.其他 | 264 | 12 | 0 | 0 | 0 | 0 | 276 |": "",
                            "| （七）总计 | 1139 | 48 | 0 | 0 | 4 | 0 | 1191 |":
                                "| 1139 | 48 | 0 | 0 | 4 | 0 | 1191 |",
                            "| 四、结转下年度继续办理 | 290 | 3 | 0 | 0 | 0 | 0 | 293 |":
                                "| 290 | 3 | 0 | 0 | 0 | 0 | 293 |"}))
    assert (rec.application[("3.7", "total")], rec.application[("4", "total")]) == (1191, 293)
    assert rec.application[("3.6.3", "total")] is None


def test_unlabelled_rows_no_identity_confirms_stay_null():
    """Seed 004 with its undivided （六）其他处理 row and no labels at all: 23 rows for 25 codes, and
    zeros fit many placements; every row stays NULL rather than be placed by position."""
    lines = []
    for line in _seed_004_with_undivided_other_handling().split("\n"):
        cells = line.split("\t")
        if len(cells) >= 8 and cells[-1].strip().isdigit() and "第" not in line:
            lines.append("\t".join(cells[-7:]))
        else:
            lines.append(line)
    rec = _parse("\n".join(lines))
    assert {rec.application[(r, a)] for r in ("3.6.1", "3.7", "4") for a in cb.APPLICANT_CODES} == {None}
    assert any("表内的勾稽关系都不能确认是哪一行" in f.detail for f in rec.findings)


# --- older rules of the grid reader, each with a test that fails without it ------------------------

def _proactive(rows: str, year: int = 2023) -> dict:
    return _parse(f"某县人民政府{year}年政府信息公开工作年度报告\n二、主动公开政府信息情况\n{rows}").proactive


def test_a_stray_cell_of_a_merged_word_cell_is_no_row():
    """Seed 001's rows with the lone '0' a merged Word cell leaves between them."""
    from pipeline.core.document import Document, Paragraph, Table, TableRow
    from pipeline.core.parser import parse_document
    rows = (("三、本年度办理结果", "（一）予以公开") + ("0",) * 7, ("0",),
            ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）",) + ("0",) * 7)
    doc = Document((Paragraph("某镇人民政府2023年政府信息公开工作年度报告", 1), Paragraph("三、收到和处理政府信息公开申请情况", 2),
                    Table(tuple(TableRow(r, 3 + i) for i, r in enumerate(rows)))), "txt")
    rec = parse_document(doc)
    assert rec.application[("3.2", "total")] == 0
    assert not any("could not be placed" in f.detail for f in rec.findings)


def test_numbers_before_a_label_are_debris_not_part_of_it():
    from pipeline.core.parser.tables import split_label
    row = split_label(("0", "（四）无法提供", "1.本机关不掌握相关政府信息") + ("0",) * 7)  # seed 001
    assert row.label == "(四)无法提供1.本机关不掌握相关政府信息" and row.values == ("0",) * 7  # squeezed


def test_contradictory_label_fragments_trust_the_longest_keyword():
    from pipeline.core.parser.tables import _label_candidates
    assert _label_candidates("四、结转下年度继续办理上年结转", "2021") == frozenset({"4"})


def test_prose_in_the_article_20_section_is_not_a_row():
    prose = "本年度我县持续深化放管服改革，优化审批流程，压缩办理时限，全年办理行政许可 1200"
    got = _proactive(f"{prose}\n信息内容 | 本年处理决定数量 |\n行政许可 | 97 |\n")
    assert got[("licensing", "decisions")] == 97


def test_the_first_row_of_an_item_is_its_row():
    """A later line naming the item again ('其中行政许可 | 5') does not overwrite the table's row."""
    got = _proactive("信息内容 | 本年处理决定数量 |\n行政许可 | 97 |\n说明 |\n其中行政许可 | 5 |\n")
    assert got[("licensing", "decisions")] == 97


def test_article_20_measures_follow_the_header_order():
    got = _proactive("信息内容 | 本年增/减 | 上一年项目数量 | 处理决定数量 |\n行政许可 | -2 | 10 | 300 |\n", 2019)
    assert (got[("licensing", "change")], got[("licensing", "prior_items")]) == (-2, 10)


def test_a_negative_count_is_not_a_count():
    got = _proactive("信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n规章 | -1 | 0 | 5 |\n")
    assert [got[("regulations", m)] for m in ("issued", "repealed", "in_force")] == [None, 0, 5]


def test_the_wrap_width_is_measured_on_prose_not_on_rows_or_headers_spaced_out():
    """Twelve rows and headers separated by spaces are as wide as a converter's wrapped prose would
    be; taken for wrapped prose they would join §四's title to the heading under it."""
    rows = "\n".join(f"{i}.属于行政查询事项的申请  0  0  0  0  0  0  0" for i in range(6))
    heads = "\n".join("信息内容  本年制发件数  本年废止件数  现行有效件数" for i in range(10))
    doc = text_to_document(f"{rows}\n{heads}\n四、政府信息公开行政复议、行政诉讼情况\n（一）行政复议\n")
    assert [p.text for p in doc.paragraphs][-2:] == ["四、政府信息公开行政复议、行政诉讼情况", "（一）行政复议"]


def test_an_empty_cell_is_padding_before_a_written_blank_marker_is():
    """'规章 |  | 0 | 0 | — | |': which blank is padding is told by how it is written."""
    text = (GRID / "201_weishan_liangcheng_2020.txt").read_text(encoding="utf-8")
    rec = _parse(text.replace("规章 | 0 | 0 | 0 | |", "规章 |  | 0 | 0 | — | |"))
    measures = ("made", "published", "total_published")
    assert [rec.proactive[("regulations", m)] for m in measures] == [0, 0, None]


def test_a_group_title_with_a_spanned_blank_cell_is_no_row():
    """'| （四）无法提供 |  |' above Shanghai's row 3.4.1: a title, not a row of one blank value."""
    line = "| 1.本机关不掌握相关政府信息 | 484 | 28 | 0 | 0 | 1 | 0 | 513 |  |"
    rec = _parse(_shanghai({line: "| （四）无法提供 |  |\n" + line}))
    assert [rec.application[("3.4.1", a)] for a in cb.APPLICANT_CODES] == [484, 28, 0, 0, 1, 0, 513]
    assert rec.application[("3.4.2", "total")] == 48


def test_a_ruled_row_ending_in_a_blank_cell_is_read_at_the_columns_of_its_full_siblings():
    """上海市科委 2024 printed with ruling lines (benchmarks/scans.py; the §三 table as the PDF reader gives
    it, over two pages): row 4 '四、结转下年度继续办理 | | | 1 | 0 | 0 | 0 | 0 | 0 | ' has its 总计 blank and
    its label's covered cells blank, 9 cells after the label for 7 columns. The page's full rows of the
    same width hold their seven numbers at columns 3–9, so row 4 is read there: 总计 NULL, the rest kept."""
    import json

    from pipeline.core.document import Document, Paragraph, Table, TableRow
    from pipeline.core.parser import parse_document

    blocks, line = [], 0
    for block in json.loads((GRID / "kewei_2024_printed_s3.json").read_text(encoding="utf-8")):
        line += 1
        if isinstance(block, str):
            blocks.append(Paragraph(block, line))
        else:
            rows = []
            for cells in block:
                line += 1
                rows.append(TableRow(tuple(cells), line))
            blocks.append(Table(tuple(rows)))
    rec = parse_document(Document(tuple(blocks), "pdf"))
    assert [rec.application[("4", a)] for a in cb.APPLICANT_CODES] == [1, 0, 0, 0, 0, 0, None]
    assert [rec.application[("3.7", a)] for a in cb.APPLICANT_CODES] == [33, 2, 0, 0, 0, 0, 35]
    assert any(f.detail.startswith("§三 四、结转下年度继续办理（") and f.detail.endswith("空白单元格 总计")
               for f in rec.findings)
