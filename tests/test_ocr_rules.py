"""The rules applied to OCR'd pages, tested on OCR output kept as JSON (no OCR here: milliseconds).

Fixtures: the real Huai'an report scanned by `benchmarks/scans.py` —
- ocr_huaian_p4_150dpi.json: page 4 at 150 dpi, -1.5° skew, JPEG 40 (its characters, ruling lines and
  the second reading of every number cell, as `ocr._page` returns them);
- ocr_huaian_p1_144dpi.json: page 1 at 144 dpi, +0.6°, JPEG 60 (title and opening prose);
- scan_cell_3001_150dpi.png: one §三 cell ('3001') of the first, straightened, as faint as the scan made it.
"""
from __future__ import annotations

import json

import pytest

from pipeline.core.parser.sections import heading_section
from pipeline.core.readers import ocr
from pipeline.core.readers import pdf as pdf_reader
from tests.conftest import FIXTURES

FORMATS = FIXTURES / "formats"


def page(name: str) -> dict:
    found = json.loads((FORMATS / name).read_text(encoding="utf-8"))
    return {k: [tuple(x) for x in v] for k, v in found.items()}


def assemble(found: dict, number: int = 4):
    return ocr._assemble(found["chars"], found["edges"], pdf_reader, number, found["checks"])


def rows_of(content) -> list[tuple[str, ...]]:
    return [row for _, rows, _ in content.tables for row in rows]


ROW_1 = "一、本年新收政府信息公开申请数量"  # printed: 3001 53 0 0 61 4 3119


def row(content, label: str) -> tuple[str, ...]:
    return next(r for r in rows_of(content) if r[0] == label)


def test_two_readings_that_disagree_are_settled_by_the_row_total():
    """The page read 3119 as '8119' (confidence 0.82); the cell read again on its own says '3119'. Only
    3119 makes 3001 + 53 + 0 + 0 + 61 + 4 the row's total: it is kept, and the note says so."""
    content, _, blanked, settled = assemble(page("ocr_huaian_p4_150dpi.json"))
    assert row(content, ROW_1)[3:] == ("3001", "53", "0", "0", "61", "4", "3119")
    assert ("page 4 row 4 cell 10 read '8119' and '3119': '3119' kept, the row's total holds with it"
            in settled)


def test_two_readings_that_disagree_with_no_total_to_settle_them_are_blank():
    found = page("ocr_huaian_p4_150dpi.json")
    at = next(i for i, c in enumerate(found["checks"]) if c[4] == "3119")
    # a second reading the total does not hold with
    found["checks"][at] = found["checks"][at][:4] + ("3118", 0.99)
    content, _, blanked, settled = assemble(found)
    assert row(content, ROW_1)[3:] == ("3001", "53", "0", "0", "61", "4", "")  # NULL, not a guess
    assert "page 4 row 4 cell 10 read '8119' and '3118' (two readings disagree)" in blanked
    assert not [s for s in settled if "row 4 cell 10" in s]


def test_a_doubtful_reading_is_kept_only_when_the_second_reading_agrees():
    found = page("ocr_huaian_p4_150dpi.json")
    chars = found["chars"]
    x0, top, x1, bottom, again, _ = next(c for c in found["checks"] if c[4] == "1362")
    inside = [i for i, c in enumerate(chars)
              if x0 <= (c[1] + c[3]) / 2 < x1 and top <= (c[2] + c[4]) / 2 < bottom]
    for i in inside:
        chars[i] = chars[i][:5] + (0.3,)  # the page read it doubtfully
    content, _, blanked, _ = assemble(found)
    assert row(content, "本年度办理结果")[-1] == "1362"  # confirmed by the second reading: kept
    at = next(i for i, c in enumerate(found["checks"]) if c[4] == "1362")
    found["checks"][at] = found["checks"][at][:5] + (0.4,)
    content, _, blanked, _ = assemble(found)
    assert row(content, "本年度办理结果")[-1] == "1362"  # two doubtful readings that agree: kept too
    found["checks"] = [c for c in found["checks"] if c[4] not in ("1362", "1288")]
    # 1288, in the same row, doubtful too and not read again
    x0, top, x1, bottom = 251.25, 504.75, 284.75, 528.25
    for i, c in enumerate(chars):
        if x0 <= (c[1] + c[3]) / 2 < x1 and top <= (c[2] + c[4]) / 2 < bottom:
            chars[i] = c[:5] + (0.3,)
    content, _, blanked, _ = assemble(found)
    assert row(content, "本年度办理结果")[3:] == ("", "21", "0", "0", "50", "3", "")  # two doubts: no identity
    assert any("'1362' (0.30)" in b for b in blanked) and any("'1288' (0.30)" in b for b in blanked)


def test_a_doubtful_reading_alone_in_its_row_is_kept_when_the_row_total_holds_with_it():
    """1362 read at 0.30 with no second reading: 1288 + 21 + 0 + 0 + 50 + 3 = 1362 holds with it, every
    other cell of the row read with confidence: kept, and the note says why."""
    found = page("ocr_huaian_p4_150dpi.json")
    x0, top, x1, bottom, *_ = next(c for c in found["checks"] if c[4] == "1362")
    found["checks"] = [c for c in found["checks"] if c[4] != "1362"]
    for i, c in enumerate(found["chars"]):
        if x0 <= (c[1] + c[3]) / 2 < x1 and top <= (c[2] + c[4]) / 2 < bottom:
            found["chars"][i] = c[:5] + (0.3,)
    content, _, blanked, settled = assemble(found)
    assert row(content, "本年度办理结果")[3:] == ("1288", "21", "0", "0", "50", "3", "1362")
    assert any("read '1362' (0.30): kept, the row's total holds with it" in s for s in settled)


def test_every_number_of_the_page_is_the_printed_one_or_blank():
    """§三 on page 4 as printed (the text layer of the real PDF): no OCR'd number differs."""
    from pipeline.core.readers import read_document

    truth = {}
    for table in read_document((FORMATS / "huaian_city_2024.pdf").read_bytes(), "pdf").tables:
        for r in table.rows:
            if len(r.cells) == 10 and r.cells[-1].isdigit():
                truth[r.cells[3:]] = True
    content, *_ = assemble(page("ocr_huaian_p4_150dpi.json"))
    got = [r[3:] for r in rows_of(content) if len(r) == 10 and any(c.isdigit() for c in r[3:])]
    assert len(got) >= 12
    for values in got:
        assert any(all(v in ("", w) for v, w in zip(values, t)) for t in truth), values


def test_ocr_lines_close_the_gaps_between_chinese_characters_and_drop_specks_before_units():
    """Page 1 as OCR'd: '淮安 市人民政 府' / '2024.年政 府信息公 开工作年 度报告' (gaps where the detector's
    boxes end, a speck read as a point): the title is found again."""
    content, *_ = assemble(page("ocr_huaian_p1_144dpi.json"), 1)
    texts = [line.text for line in content.lines]
    assert "淮安市人民政府" in texts
    assert "2024年政府信息公开工作年度报告" in texts
    assert any("统计期限自 2024 年 1 月 1 日至 2024 年 12 月 31 日" in t for t in texts)  # figures keep their spaces


def test_a_misread_section_heading_is_known_by_its_numeral_and_likeness():
    assert heading_section("三、收翻和处理政府信想公开申况") == "application"  # the 150 dpi scan's §三 heading
    assert heading_section("四、政府信息公开行政重议、行政诉讼情况") == "review"
    assert heading_section("四、政府信息公开申请情况") is None  # 上海市科委's own outline: near §三's title, not §四's
    assert heading_section("三、主动公开工作情况") is None


def test_the_ink_of_a_faint_cell_is_found_against_its_own_paper():
    """The '3001' cell of the 150 dpi scan: its darkest pixel is 133, so a fixed threshold of 128 finds
    no ink and the cell was never read again; halfway between its darkest pixel and its paper does."""
    cv2 = pytest.importorskip("cv2")
    crop = cv2.imread(str(FORMATS / "scan_cell_3001_150dpi.png"), cv2.IMREAD_GRAYSCALE)
    assert (crop < 128).sum() == 0
    assert len(ocr._ink(crop)) >= 100
    assert len(ocr._ink(crop[:, :8])) == 0  # paper and a speck or two: no ink


def test_a_second_reading_of_a_lone_digit_as_a_letter_confirms_it():
    """Read on its own, a '0' comes back as 'o', 'º' or 'ó' (here: 'º' on page 4; on the Shanghai
    office's page 3 two in one row, which its total could settle for neither): inside a number cell
    these are the digit, and the two readings agree."""
    found = page("ocr_huaian_p4_150dpi.json")
    letters = [c for c in found["checks"] if c[4] in ("o", "º", "ó")]
    assert len(letters) == 1
    _, _, blanked, settled = assemble(found)
    assert not [s for s in settled + blanked if "two readings" in s or "read '0' and" in s]


def test_lone_round_glyphs_in_a_row_of_values_are_0_only_when_the_rows_total_holds_with_them():
    """Huai'an page 4 printed by the agency, scanned at 150 dpi, -1.2°, JPEG 45 (benchmarks/scans_printed.py):
    in row 3.2 (447 7 0 0 0 0 454) the detector misses two small '0's and each read on its own from its
    ink gives '。'. 447 + 7 + 0 + 0 + 0 = 454 holds only with both at 0 (counts are never negative), so
    both are 0, and the note says why; with a total that does not hold they stay blank."""
    found = page("ocr_huaian_p4_150dpi_q45.json")
    assert len([c for c in found["chars"] if c[0] == "。"]) == 2
    content, _, blanked, settled = assemble(found)
    assert next(r for r in rows_of(content) if r[-1] == "454")[3:] == ("447", "7", "0", "0", "0", "0", "454")
    assert sum("read '。': '0' kept, the row's total holds only with it" in s for s in settled) == 2
    assert not blanked

    x0, top, x1, bottom, *_ = next(c for c in found["checks"] if c[4] == "454")
    inside = [c for c in found["chars"] if x0 <= (c[1] + c[3]) / 2 < x1 and top <= (c[2] + c[4]) / 2 < bottom]
    last = max(inside, key=lambda c: c[1])
    found["chars"] = [("5",) + c[1:] if c is last else c for c in found["chars"]]
    found["checks"] = [c[:4] + ("455",) + c[5:] if c[4] == "454" else c for c in found["checks"]]
    content, _, blanked, settled = assemble(found)
    assert next(r for r in rows_of(content) if r[-1] == "455")[3:] == ("447", "7", "0", "", "", "0", "455")
    assert sum("'。' (not a number)" in b for b in blanked) == 2
    assert not [s for s in settled if "'。'" in s]


def test_a_red_seal_over_the_text_is_lifted_and_the_figure_under_it_read():
    """The last page of the Huai'an report scanned in colour (200 dpi, RGB) with the agency's red round
    seal stamped over the end of its text: '处理费 3940 元' under the seal. Grey as the mean of the three
    channels, the seal is as dark as the print and the line is lost; red ink as light as its red
    channel, the print under it is read. Black stays black, grey paper grey."""
    cv2 = pytest.importorskip("cv2")
    import numpy as np

    rgb = cv2.cvtColor(cv2.imread(str(FORMATS / "scan_seal_fee_200dpi.png")), cv2.COLOR_BGR2RGB)
    gray = ocr._gray(rgb)
    assert gray.shape == rgb.shape[:2] and gray.dtype == np.uint8
    assert ocr._gray(np.array([[[0, 0, 0], [200, 200, 200], [215, 30, 40]]], dtype=np.uint8)).tolist() == [
        [0, 200, 215]]
    assert (gray < 128).sum() < 0.6 * (rgb.mean(axis=2) < 128).sum()
    result = ocr._engine()(np.stack([gray] * 3, axis=2))
    assert "处理费3940" in "".join(result.txts or ())  # "元" too when read alone (not by a used engine)


def test_a_shaded_row_gives_its_four_rules_and_keeps_the_rows_around_it():
    """Page 3 of the 150 dpi scan, the top of §二 (scan_shaded_rows_150dpi.png, put back where it was on
    a page of its paper): the grey-filled row 第二十条第（一）项 is ink to the threshold; read as one thick
    rule it hid its own borders and the table was lost (§二's rows missing). As a band it is a cell
    of its own, and the rows under it (信息内容 …, 规章 1 0 11) are their four cells each."""
    cv2 = pytest.importorskip("cv2")
    import numpy as np

    crop = cv2.imread(str(FORMATS / "scan_shaded_rows_150dpi.png"), cv2.IMREAD_GRAYSCALE)
    page = np.full((1684, 1191), int(np.median(crop)), np.uint8)
    page[930:930 + crop.shape[0], 60:60 + crop.shape[1]] = crop
    edges, rules = ocr._rules(page)
    tables = pdf_reader._cells(edges)
    assert [len(t) for t in tables] == [9]
    tops = sorted({round(c[1]) for c in tables[0]})
    assert len(tops) == 3  # the band, the header row, the 规章 row
    band = [c for c in tables[0] if round(c[1]) == tops[0]]
    assert len(band) == 1 and band[0][2] - band[0][0] > 400  # one cell across the table
    assert rules[960:1000, 300:600].max() == 0  # the band is not whitened out as a rule: its text is read


def test_a_lone_bar_where_a_figure_stands_is_1_only_when_the_rows_total_holds_with_it():
    """At 150 dpi the detector reads a row's first '1' as 'i' (Huai'an row 3.5.5): the row then had six
    cells for seven columns and was lost whole. The row's width says the bar stands where its first
    value does: it is '1' when the row's total holds with it, else blank. Here row 3.3.1 (2 0 0 0 0 0 2)
    as if printed 1 0 0 0 0 0 1 and its first '1' read 'i'; then with a total of 2, which it does not fit."""
    found = page("ocr_huaian_p4_150dpi_q45.json")
    label = next(c for c in found["chars"] if c[0] == "秘")
    middle = (label[2] + label[4]) / 2
    digits = sorted((c for c in found["chars"] if abs((c[2] + c[4]) / 2 - middle) < 4 and c[0].isdigit()
                     and c[1] > 200), key=lambda c: c[1])
    value, total = digits[0], digits[-1]
    assert (value[0], total[0], len(digits)) == ("2", "2", 7)

    def read_as(first: str, last: str) -> tuple:
        changed = dict(found, chars=[(first,) + c[1:] if c is value else (last,) + c[1:] if c is total else c
                                     for c in found["chars"]],
                       checks=[k for k in found["checks"]  # the cells read again on their own: not these two
                               if not any(k[0] <= (c[1] + c[3]) / 2 < k[2]
                                          and k[1] <= (c[2] + c[4]) / 2 < k[3] for c in (value, total))])
        content, _, blanked, settled = assemble(changed)
        return next(r for r in rows_of(content) if r[2:3] == ("1.属于国家秘密",))[3:], blanked, settled

    row, _, settled = read_as("i", "1")
    assert row == ("1", "0", "0", "0", "0", "0", "1")
    assert any("read 'i': '1' kept, the row's total holds with it" in s for s in settled), settled
    row, blanked, _ = read_as("i", "2")  # 1 + 0 + … ≠ 2: the bar is not a figure the row confirms
    assert row == ("", "0", "0", "0", "0", "0", "2")
    assert any("'i' (not a number)" in b for b in blanked), blanked
