"""The checks experts run: each fires on a report that breaks it, with the numbers, and stays
silent on the seeds and on the real reports of tests/fixtures/real."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipeline.core import checks
from pipeline.core import codebook as cb
from pipeline.core.build import build_warehouse, parse_folder

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
REAL = ROOT / "tests" / "fixtures" / "real"
NEW_CHECKS = (cb.CHECK_IN_FORCE_MISMATCH, cb.CHECK_PROSE_YEAR_MISMATCH, cb.CHECK_PROCESSING_FEE_CONFLICT,
              cb.CHECK_EMPTY_SECTION, cb.CHECK_TEXT_TABLE_MISMATCH, cb.CHECK_CARRYOVER_MISMATCH,
              cb.CHECK_SIMILAR_PROSE)


def built_frames(raw: Path, cache: Path, workers: int = 1) -> dict[str, pl.DataFrame]:
    """The contract tables as the nightly build publishes them, as frames."""
    return parse_folder(raw, cache, workers=workers).frames


@pytest.fixture(scope="module")
def seed_frames(tmp_path_factory) -> dict[str, pl.DataFrame]:
    return built_frames(RAW, tmp_path_factory.mktemp("seeds") / "cache")


def _seed_text() -> str:
    return next(RAW.glob("000_*.txt")).read_text(encoding="utf-8")


def _found(tmp_path: Path, texts: dict[str, str], check: str) -> dict[str, list[str]]:
    raw = tmp_path / "raw"
    raw.mkdir(exist_ok=True)
    for name, text in texts.items():
        (raw / name).write_text(text, encoding="utf-8")
    frames = built_frames(raw, tmp_path / "cache")
    paths = dict(frames["dim_report"].select("report_id", "source_path").iter_rows())
    out: dict[str, list[str]] = {}
    for rid, name, _, detail in frames["dq_finding"].iter_rows():
        if name == check:
            out.setdefault(paths[rid], []).append(detail)
    return out


def test_new_checks_are_silent_on_the_seeds(seed_frames):
    assert seed_frames["dq_finding"].filter(pl.col("check_name").is_in(NEW_CHECKS)).is_empty()


def test_new_checks_are_silent_on_the_real_reports(tmp_path):
    """The real reports (pages, two txt, one pdf) and the independent tester's pages, all in one
    folder: similar_prose compares every pair of them too."""
    independent = ROOT / "tests" / "fixtures" / "independent" / "pages"
    real = [*REAL.glob("pages/*.txt"), *REAL.glob("pdf/*.pdf"), *REAL.glob("*.txt")]
    raw = tmp_path / "raw"
    raw.mkdir()
    for path in [*real, *independent.iterdir()]:
        shutil.copy(path, raw / path.name)
    frames = built_frames(raw, tmp_path / "cache", workers=2)
    assert frames["dim_report"].height >= 97
    assert frames["dq_finding"].filter(pl.col("check_name").is_in(NEW_CHECKS)).is_empty()


def test_every_check_has_a_chinese_description():
    for check in cb.CHECKS:
        assert check.description_zh and check.label_zh, f"{check.name} has no Chinese description or label"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in check.description_zh + check.label_zh)


def test_prose_year_that_is_not_the_report_year(tmp_path):
    text = _seed_text()
    period = "统计时限为2023年1月1日至2023年12月31日"
    assert period in text and "（一）主动公开情况。根据" in text
    found = _found(tmp_path, {"period.txt": text.replace(period, "统计时限为2022年1月1日至2022年12月31日"),
                              "opening.txt": text.replace("（一）主动公开情况。根据", "（一）主动公开情况。2022年，根据"),
                              "same.txt": text.replace("（一）主动公开情况。根据", "（一）主动公开情况。2023年，根据")},
                   cb.CHECK_PROSE_YEAR_MISMATCH)
    assert found == {"period.txt": ["年报年度为 2023，统计期限 2022年1月1日至2022年12月31日为 2022 年"],
                     "opening.txt": ["年报年度为 2023，第一部分开头“(一)主动公开情况。2022年,根据国家、省、市、区政务公开”"
                                     "为 2022 年"]}


def test_processing_fee_charged_while_section_six_says_none(tmp_path):
    text = _seed_text()
    none = "本年度未收取关于依申请公开费用。"
    problems = "三是相关公开信息发布、更新不及时。"
    assert none in text and problems in text
    found = _found(tmp_path, {
        "charged.txt": text.replace(problems, problems + "本年度收取信息处理费50元。"),
        "no_amount.txt": text.replace(none, "本年度依法收取信息处理费。"),
    }, cb.CHECK_PROCESSING_FEE_CONFLICT)
    assert found == {"charged.txt": ["第六部分称未收取信息处理费（“本年度未收取关于依申请公开费用”），"
                                     "但正文另称收取 50 元（“本年度收取信息处理费50元”）"],
                     "no_amount.txt": ["称收取了信息处理费（“本年度依法收取信息处理费”），但未写明金额"]}


def test_empty_section_five(tmp_path):
    text = _seed_text()
    head, rest = text.split("五、存在的主要问题及改进情况\n")
    tail = rest[rest.index("六、其他需要报告的事项"):]
    found = _found(tmp_path, {"empty.txt": head + "五、存在的主要问题及改进情况\n" + tail,
                              "none.txt": head + "五、存在的主要问题及改进情况\n无。\n" + tail},
                   cb.CHECK_EMPTY_SECTION)
    assert found == {"empty.txt": ["第五部分“存在的主要问题及改进情况”只有标题，没有内容"],
                     "none.txt": ["第五部分“存在的主要问题及改进情况”只有标题，没有内容（仅“无。”）"]}


def test_every_stated_figure_is_compared_with_the_tables(tmp_path):
    text = _seed_text()
    said = "2023年我镇未收到政府信息公开申请。"
    assert said in text
    found = _found(tmp_path, {"figures.txt": text.replace(
        said, "2023年我镇未收到政府信息公开申请，上年结转政府信息公开申请2件。全年发生政府信息公开行政复议1件，"
              "政府信息公开行政诉讼0件。")}, cb.CHECK_TEXT_TABLE_MISMATCH)
    assert found == {"figures.txt": [
        "正文称上年结转申请 2 件（“上年结转政府信息公开申请2件”），表格 二、上年结转政府信息公开申请数量 × 总计 为 0",
        "正文称政府信息公开行政复议 1 件（“全年发生政府信息公开行政复议1件”），表格 行政复议 × 总计 为 0"]}


def _with_copy(frames: dict[str, pl.DataFrame], rid: str, new_id: str, year: int) -> dict[str, pl.DataFrame]:
    """frames plus a copy of report `rid` as `new_id` for `year` (same agency)."""
    out = dict(frames)
    report = frames["dim_report"].filter(pl.col("report_id") == rid).with_columns(
        pl.lit(new_id).alias("report_id"), pl.lit(f"{new_id}.txt").alias("source_path"),
        pl.lit(year, pl.Int32).alias("report_year"))
    out["dim_report"] = pl.concat([frames["dim_report"], report])
    for table in ("fact_application", "fact_proactive_disclosure"):
        copy = frames[table].filter(pl.col("report_id") == rid).with_columns(
            pl.lit(new_id).alias("report_id"))
        out[table] = pl.concat([frames[table], copy])
    return out


def _set(frame: pl.DataFrame, rid: str, where: pl.Expr, column: str, value) -> pl.DataFrame:
    hit = (pl.col("report_id") == rid) & where
    return frame.with_columns(pl.when(hit).then(pl.lit(value)).otherwise(pl.col(column))
                              .cast(frame.schema[column]).alias(column))


def _by_report(frames: dict[str, pl.DataFrame], check: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for rid, name, _, detail in checks.all_findings(frames).iter_rows():
        if name == check:
            out.setdefault(rid, []).append(detail)
    return out


def test_in_force_documents_across_years(seed_frames):
    rid = seed_frames["dim_report"].filter(pl.col("source_path").str.starts_with("004"))["report_id"][0]
    frames = _with_copy(seed_frames, rid, "e" * 16, 2023)  # the same agency's report for the year before
    frames = _with_copy(frames, rid, "f" * 16, 2025)
    pro = frames["fact_proactive_disclosure"]
    norm = pl.col("item") == "normative_documents"
    pro = _set(pro, "e" * 16, norm & (pl.col("measure") == "in_force"), "value", 12.0)  # 2023: 12 in force
    pro = _set(pro, rid, norm & (pl.col("measure") == "issued"), "value", 3.0)  # 2024: 12+3−1 = 14, says 0
    pro = _set(pro, rid, norm & (pl.col("measure") == "repealed"), "value", 1.0)
    frames["fact_proactive_disclosure"] = pro  # 2025: 0 + 0 − 0 = 0: consistent with 2024's 0
    assert _by_report(frames, cb.CHECK_IN_FORCE_MISMATCH) == {rid: [
        f"行政规范性文件 × 现行有效件数 0 ≠ 2023年度年报（{'e' * 16}）现行有效件数 12 + 本年制发件数 3 − 本年废止件数 1 = 14"]}


def test_carryover_along_a_chain_of_years_for_every_applicant(seed_frames):
    rid = seed_frames["dim_report"].filter(pl.col("source_path").str.starts_with("004"))["report_id"][0]
    frames = _with_copy(seed_frames, rid, "e" * 16, 2025)
    frames = _with_copy(frames, rid, "f" * 16, 2026)
    app = frames["fact_application"]
    def cell(row: str, applicant: str) -> pl.Expr:
        return (pl.col("row_code") == row) & (pl.col("applicant") == applicant)

    app = _set(app, rid, cell("4", "natural_person"), "count", 2)  # 2024 → 2025: 2 forward, 2 over: fine
    app = _set(app, "e" * 16, cell("2", "natural_person"), "count", 2)
    app = _set(app, "e" * 16, cell("4", "legal_service_org"), "count", 1)  # 2025 → 2026: 1 forward, 0 over
    frames["fact_application"] = app
    found = _by_report(frames, cb.CHECK_CARRYOVER_MISMATCH)
    assert found == {"f" * 16: [f"二、上年结转政府信息公开申请数量 × 法律服务机构 0 ≠ 2025年度年报（{'e' * 16}）"
                                "四、结转下年度继续办理 × 法律服务机构 1"]}


def _renamed(text: str, place: str) -> str:
    """Seed 000 (博山区源泉镇) copied into another agency's name."""
    return text.replace("博山区源泉镇", f"博山区{place}镇").replace("源泉镇", f"{place}镇").replace("源泉", place)


def test_similar_prose_finds_a_report_copied_into_another_agencys_name(tmp_path):
    (tmp_path / "raw").mkdir()
    for path in RAW.iterdir():
        shutil.copy(path, tmp_path / "raw" / path.name)
    found = _found(tmp_path, {"copied.txt": _renamed(_seed_text(), "石马")}, cb.CHECK_SIMILAR_PROSE)
    assert found == {
        "000_91f067580f967c3a.txt": ["第一、五、六部分文字与博山区石马镇人民政府2023年度年报（copied.txt）约 94% 相同"
                                     "（已除去多数机关共用的套话）"],
        "copied.txt": ["第一、五、六部分文字与博山区源泉镇人民政府2023年度年报（000_91f067580f967c3a.txt）约 94% 相同"
                       "（已除去多数机关共用的套话）"]}
    assert {c.severity for c in cb.CHECKS if c.name == cb.CHECK_SIMILAR_PROSE} == {cb.SEVERITY_WARNING}


def test_a_template_many_agencies_share_is_not_a_copy(tmp_path):
    places = ("石马", "池上", "域城", "白塔", "山头", "八陡", "夏家庄")  # seven agencies, one text
    copies = {f"{p}.txt": _renamed(_seed_text(), p) for p in places}
    assert _found(tmp_path, copies, cb.CHECK_SIMILAR_PROSE) == {}


def test_cross_year_checks_on_two_report_files_through_the_whole_build(tmp_path):
    """An agency's 2023 and 2024 reports as files, built the way a run builds them (grids from the
    workers' Parquet segments): 2023 ends with 5 规范性文件 in force and carries 1 application of
    a 法律服务机构 forward; 2024 (seed 004) starts from 0 and issues and repeals none."""
    lines = next(RAW.glob("004_*.txt")).read_text(encoding="utf-8").split("\n")
    assert lines[26].strip() == "行政规范性文件" and lines[336].strip() == "四、结转下年度继续办理"
    earlier = list(lines)
    earlier[29] = "\t5"  # 现行有效件数 of 行政规范性文件
    earlier[341] = earlier[343] = "\t1"  # row 4: 法律服务机构 and 总计
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(next(RAW.glob("004_*.txt")), raw / "2024.txt")
    (raw / "2023.txt").write_text("\n".join(earlier).replace("2024", "2023"), encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    build_warehouse(raw, warehouse, workers=2)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("SELECT source_path, check_name, detail FROM v_quality WHERE check_name IN "
                           "('in_force_mismatch', 'carryover_mismatch') "
                           "ORDER BY check_name, detail").fetchall()
        earlier_id = con.execute("SELECT report_id FROM dim_report "
                                 "WHERE source_path = '2023.txt'").fetchone()[0]
    before = f"2023年度年报（{earlier_id}）"
    assert rows == [
        ("2024.txt", "carryover_mismatch",
         f"二、上年结转政府信息公开申请数量 × 总计 0 ≠ {before}四、结转下年度继续办理 × 总计 1"),
        ("2024.txt", "carryover_mismatch",
         f"二、上年结转政府信息公开申请数量 × 法律服务机构 0 ≠ {before}四、结转下年度继续办理 × 法律服务机构 1"),
        ("2024.txt", "in_force_mismatch",
         f"行政规范性文件 × 现行有效件数 0 ≠ {before}现行有效件数 5 + 本年制发件数 0 − 本年废止件数 0 = 5")]


def test_pairs_with_evidence_but_below_the_share_are_no_copy_and_no_crash():
    """Two agencies' signatures agree on MIN_EVIDENCE slots (a candidate pair) but on too small a
    share to be a copy: no pair, and a String-typed empty frame (the nightly build of five generated
    reports failed here: the empty selection of a numpy object array became a column of dtype object)."""
    import numpy as np

    from pipeline.core import similarity as sim

    first = np.arange(1, sim.PERMUTATIONS + 1, dtype="<u4")
    second = first + 1000
    second[:sim.MIN_EVIDENCE] = first[:sim.MIN_EVIDENCE]
    assert sim.MIN_EVIDENCE / sim.PERMUTATIONS < sim.SIMILAR_SHARE
    signatures = pl.DataFrame({"report_id": ["a", "b"], "signature": [first.tobytes(), second.tobytes()]})
    reports = pl.DataFrame({"report_id": ["a", "b"], "agency_name": ["甲镇人民政府", "乙镇人民政府"]})
    pairs = sim.similar_pairs(signatures, reports)
    assert pairs.is_empty() and pairs.schema["report_id"] == pl.String
    second[:] = first  # the same prose: a copy, both ways
    signatures = signatures.with_columns(pl.Series("signature", [first.tobytes(), second.tobytes()]))
    assert sim.similar_pairs(signatures, reports).rows() == [("a", "b", 1.0), ("b", "a", 1.0)]
