"""Identity checks as data, pandera schemas, and the atomic DuckDB writer."""
from __future__ import annotations

import subprocess
import sys

import duckdb
import pandera.polars as pa
import polars as pl
import pytest

from pipeline.core import checks
from pipeline.core import codebook as cb
from assets.checks import CHECK_SPECS, finding_check_results
from pipeline.core.build import build_warehouse, parse_folder, validate
from pipeline.core.warehouse import WarehouseLocked, build_lock, publish
from tests.conftest import RAW, REAL


def built_frames(raw, cache) -> dict[str, pl.DataFrame]:
    """The contract tables as the build publishes them (the nightly job's path), as frames."""
    return parse_folder(raw, cache, workers=1).frames


@pytest.fixture(scope="module")
def seed_frames(tmp_path_factory) -> dict[str, pl.DataFrame]:
    return built_frames(RAW, tmp_path_factory.mktemp("seeds") / "cache")


def _set(frame: pl.DataFrame, where: pl.Expr, column: str, value) -> pl.DataFrame:
    return frame.with_columns(pl.when(where).then(pl.lit(value)).otherwise(pl.col(column)).alias(column)
                              .cast(frame.schema[column]))


def _findings(frames: dict[str, pl.DataFrame], report_id: str) -> list[tuple[str, str]]:
    """What the build's checks find in (altered) frames: the per-report checks the parse workers run
    and the cross-report checks of the assembly step."""
    out = pl.concat([checks.report_findings(frames),
                     checks.cross_report_findings(frames["fact_application"], frames["dim_report"])])
    return [(c, d) for r, c, _, d in out.iter_rows() if r == report_id]


def test_seed_findings_are_exactly_the_expected_ones(seed_frames):
    got = {(r, c) for r, c, s, _ in seed_frames["dq_finding"].iter_rows() if s == cb.SEVERITY_ERROR}
    ids = dict(seed_frames["dim_report"].select("source_path", "report_id").iter_rows())
    assert got == {(ids["003_900cea2f89254ff6.txt"], cb.CHECK_INCOMPLETE_TABLE)}
    warnings = {(r, c) for r, c, s, _ in seed_frames["dq_finding"].iter_rows() if s == cb.SEVERITY_WARNING}
    assert (ids["001_f5b8ed62166f75c7.txt"], cb.CHECK_CHANNEL_SUM_MISMATCH) in warnings  # 357+101+75 ≠ 532


def test_broken_identities_become_findings_with_their_numbers(seed_frames):
    frames = dict(seed_frames)
    rid = frames["dim_report"].filter(pl.col("source_path").str.starts_with("004"))["report_id"][0]
    app = frames["fact_application"]
    is_cell = ((pl.col("report_id") == rid) & (pl.col("row_code") == "1")
               & (pl.col("applicant") == "natural_person"))
    frames["fact_application"] = _set(app, is_cell, "count", 5)
    review = frames["fact_review_litigation"]
    is_total = ((pl.col("report_id") == rid) & (pl.col("proceeding") == "review")
                & (pl.col("outcome") == "total"))
    frames["fact_review_litigation"] = _set(review, is_total, "count", 3)
    found = _findings(frames, rid)
    names = {c for c, _ in found}
    assert {cb.CHECK_APPLICATION_BALANCE, cb.CHECK_APPLICATION_ROW_TOTAL,
            cb.CHECK_REVIEW_LITIGATION_TOTAL} <= names
    assert ("application_balance", "自然人：一、本年新收政府信息公开申请数量 5 + 二、上年结转政府信息公开申请数量 0 "
                             "≠ 三（七）总计 1 + 四、结转下年度继续办理 0") in found
    assert ("review_litigation_total", "行政复议 × 总计 3 ≠ 结果维持+结果纠正+其他结果+尚未审结 0") in found


def test_identity_with_a_null_term_raises_nothing(seed_frames):
    frames = dict(seed_frames)
    rid = frames["dim_report"].filter(pl.col("source_path").str.starts_with("004"))["report_id"][0]
    is_row = ((pl.col("report_id") == rid) & (pl.col("row_code") == "4")
              & (pl.col("applicant") == "natural_person"))
    frames["fact_application"] = _set(frames["fact_application"], is_row, "count", None)
    names = {c for c, _ in _findings(frames, rid)}
    assert cb.CHECK_APPLICATION_BALANCE not in names


def test_schema_rejects_bad_codes_and_negative_counts(seed_frames):
    bad = seed_frames["fact_application"].head(3).with_columns(
        pl.Series("row_code", ["1", "9.9", "2"]), pl.Series("count", [0, 1, -1], dtype=pl.Int32))
    with pytest.raises(pa.errors.SchemaErrors) as err:
        validate({"fact_application": bad})
    checks = set(err.value.failure_cases["check"].to_list())
    assert any(c.startswith("isin") for c in checks) and any("greater_than" in c for c in checks)


def test_schema_accepts_the_seed_frames(seed_frames):
    out = validate(seed_frames)
    assert out["fact_application"].rows == out["fact_application"].read().height == 5 * 25 * 7


def test_publish_replaces_atomically_and_a_failed_build_keeps_the_old_file(tmp_path, seed_frames):
    target = tmp_path / "w.duckdb"
    publish({"dim_report": seed_frames["dim_report"]}, target)
    reader = duckdb.connect(str(target), read_only=True)  # an analyst's open session
    with pytest.raises(duckdb.Error):
        publish({"dim_report": seed_frames["dim_report"]}, target, sql_after=["SELECT * FROM no_such_table"])
    assert reader.execute("SELECT count(*) FROM dim_report").fetchone()[0] == 5
    publish({"dim_report": seed_frames["dim_report"].head(2)}, target)
    assert reader.execute("SELECT count(*) FROM dim_report").fetchone()[0] == 5  # still its snapshot
    # a new session (another process: DuckDB shares one instance per file within a process) sees the new build
    code = (f"import duckdb; print(duckdb.connect({str(target)!r}, read_only=True)"
            ".sql('SELECT count(*) FROM dim_report').fetchone()[0])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "2"
    assert [p.name for p in tmp_path.iterdir() if "building" in p.name] == []


def test_two_builds_cannot_publish_at_once(tmp_path):
    """The lock is another process's (a build holds it re-entrantly for its whole run)."""
    target = tmp_path / "w.duckdb"
    code = ("import sys, time\nfrom pathlib import Path\nfrom pipeline.core.warehouse import build_lock\n"
            f"with build_lock(Path({str(target)!r})):\n    print('held', flush=True)\n"
            "    sys.stdin.readline()\n")
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        held_by = f"another build is running on {target} \\(process {holder.pid} "
        with pytest.raises(WarehouseLocked, match=held_by):
            publish({}, target)
    finally:
        holder.communicate("\n", timeout=30)
    with build_lock(target):  # free again once that build is over
        publish({}, target)


def test_a_folder_of_only_bad_files_builds_an_empty_warehouse(tmp_path):
    from pipeline.core.build import build_warehouse

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "empty.txt").write_bytes(b"")
    counts = build_warehouse(raw, tmp_path / "w.duckdb", workers=1)
    assert counts["raw_file"] == 1 and counts["dim_report"] == 0 and counts["dq_finding"] == 0


def test_carryover_between_years_of_one_agency(seed_frames):
    frames = dict(seed_frames)
    reports = frames["dim_report"]
    earlier = reports.filter(pl.col("source_path").str.starts_with("004"))
    rid = earlier["report_id"][0]
    later = earlier.with_columns(pl.lit("ffffffffffffffff").alias("report_id"),
                                 pl.lit("later.txt").alias("source_path"),
                                 (pl.col("report_year") + 1).alias("report_year"))
    frames["dim_report"] = pl.concat([reports, later])
    app = frames["fact_application"]
    later_app = app.filter(pl.col("report_id") == rid).with_columns(
        pl.lit("ffffffffffffffff").alias("report_id"))
    later_app = _set(later_app, (pl.col("row_code") == "2") & (pl.col("applicant") == "total"), "count", 7)
    frames["fact_application"] = pl.concat([app, later_app])
    found = _findings(frames, "ffffffffffffffff")
    assert (cb.CHECK_CARRYOVER_MISMATCH, f"二、上年结转政府信息公开申请数量 × 总计 7 ≠ 2024年度年报（{rid}）"
                                         "四、结转下年度继续办理 × 总计 0") in found
    # reported once, on N+1
    assert not [f for f in _findings(frames, rid) if f[0] == cb.CHECK_CARRYOVER_MISMATCH]


def test_same_agency_and_year_from_two_files_is_a_duplicate(tmp_path):
    source = next(RAW.glob("004_*.txt"))
    (tmp_path / "a.txt").write_bytes(source.read_bytes())
    (tmp_path / "a_copy.txt").write_bytes(source.read_bytes())  # identical bytes: one report, no duplicate
    (tmp_path / "b.txt").write_bytes(source.read_bytes() + "\n（网站转载版）\n".encode())
    frames = built_frames(tmp_path, tmp_path.with_name(tmp_path.name + ".cache"))
    dups = frames["dq_finding"].filter(pl.col("check_name") == cb.CHECK_DUPLICATE_REPORT)
    assert frames["dim_report"].height == 2
    assert sorted(dups["detail"].to_list()) == ["沂源县悦庄镇人民政府 2024年度年报另有文件：a.txt",
                                                 "沂源县悦庄镇人民政府 2024年度年报另有文件：b.txt"]


def test_prose_that_contradicts_the_table(tmp_path):
    text = next(RAW.glob("000_*.txt")).read_text(encoding="utf-8")
    assert "2023年我镇未收到政府信息公开申请" in text
    (tmp_path / "said_none.txt").write_text(text, encoding="utf-8")
    (tmp_path / "said_three.txt").write_text(text.replace("未收到政府信息公开申请", "共收到政府信息公开申请3件"),
                                             encoding="utf-8")
    frames = built_frames(tmp_path, tmp_path.with_name(tmp_path.name + ".cache"))
    ids = dict(frames["dim_report"].select("source_path", "report_id").iter_rows())
    found = {(r, d) for r, c, _, d in frames["dq_finding"].iter_rows() if c == cb.CHECK_TEXT_TABLE_MISMATCH}
    assert found == {(ids["said_three.txt"], "正文称新收政府信息公开申请 3 件（“2023年我镇共收到政府信息公开申请3件”），"
                      "表格 一、本年新收政府信息公开申请数量 × 总计 为 0")}


def test_findings_have_the_severity_dim_check_declares_and_a_cut_page_is_partial(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for f in [*RAW.iterdir(), *(REAL.glob("*.txt"))]:
        (raw / f.name).write_bytes(f.read_bytes())
    text = next(RAW.glob("000_*.txt")).read_text(encoding="utf-8")
    (raw / "cut_before_review.txt").write_text(text[:text.index("四、政府信息公开行政复议")], encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    build_warehouse(raw, warehouse, workers=1)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT DISTINCT f.check_name, f.severity, c.severity FROM dq_finding f "
                           "LEFT JOIN dim_check c USING (check_name) "
                           "WHERE c.severity IS DISTINCT FROM f.severity").fetchall() == []
        cut = "WHERE source_path = 'cut_before_review.txt'"
        status, error = con.execute(f"SELECT status, error FROM raw_file {cut}").fetchone()
        found = con.execute("SELECT check_name, severity, detail FROM dq_finding JOIN raw_file "
                            f"USING (report_id) {cut} ORDER BY ALL").fetchall()
    assert status == cb.STATUS_PARTIAL and error.startswith(cb.CHECK_INCOMPLETE_TABLE)
    assert (cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR,
            "§四 未找到第四部分“政府信息公开行政复议、行政诉讼情况”的 15 个数字，其单元格全部为空值") in found
    assert {s for c, s, _ in found if c == cb.CHECK_MISSING_SECTION} == {cb.SEVERITY_WARNING}


def test_incomplete_table_is_filed_under_the_table_it_concerns():
    findings = pl.DataFrame({"report_id": ["a", "b", "c"], "check_name": [cb.CHECK_INCOMPLETE_TABLE] * 3,
                             "severity": [cb.SEVERITY_ERROR] * 3,
                             "detail": ["§二 rows missing: x", "§三 row 1: blank cells total",
                                        "§四 blank cells"]})
    results = {(str(r.asset_key.path[-1]), r.check_name): r.metadata["findings"].value
               for r in finding_check_results(findings)}
    assert {t: n for (t, c), n in results.items() if c == cb.CHECK_INCOMPLETE_TABLE} == {
        "fact_proactive_disclosure": 1, "fact_application": 1, "fact_review_litigation": 1}
    specs = {(s.asset_key.path[-1], s.name) for s in CHECK_SPECS}
    assert {t for t, c in specs if c == cb.CHECK_INCOMPLETE_TABLE} == {
        "fact_proactive_disclosure", "fact_application", "fact_review_litigation"}


def test_identity_findings_of_a_pdf_name_the_pages_their_cells_were_printed_on():
    """A PDF's §三 on pages 4 and 5: a row total names its row's page, the balance of an applicant
    (rows 一 to 四) the pages of the whole table; a text report (no page) gets no page."""
    codes = cb.application_row_codes("2021")
    cells = [("pdf", r, a, 1 if (r, a) == (cb.ROW_RECEIVED, cb.APPLICANT_NATURAL_PERSON) else 0,
              4 if codes.index(r) < codes.index("3.3.1") else 5)
             for r in codes for a in cb.APPLICANT_CODES]
    cells += [("txt", r, a, v, None) for _, r, a, v, _ in cells]
    app = pl.DataFrame(cells, schema={"report_id": pl.String, "row_code": pl.String, "applicant": pl.String,
                                      "count": pl.Int64, "source_page": pl.Int32}, orient="row")
    formats = pl.DataFrame({"report_id": ["pdf", "txt"], "format_version": ["2021", "2021"]})
    found = pl.concat(checks.application_findings(app, formats)).sort("report_id", "check_name")
    assert found.select("report_id", "check_name", "detail").rows() == [
        ("pdf", cb.CHECK_APPLICATION_BALANCE,
         "自然人：一、本年新收政府信息公开申请数量 1 + 二、上年结转政府信息公开申请数量 0 ≠ "
         "三（七）总计 0 + 四、结转下年度继续办理 0（第 4–5 页）"),
        ("pdf", cb.CHECK_APPLICATION_ROW_TOTAL, "一、本年新收政府信息公开申请数量 × 总计 0 ≠ 六类申请人之和 1（第 4 页）"),
        ("txt", cb.CHECK_APPLICATION_BALANCE,
         "自然人：一、本年新收政府信息公开申请数量 1 + 二、上年结转政府信息公开申请数量 0 ≠ "
         "三（七）总计 0 + 四、结转下年度继续办理 0"),
        ("txt", cb.CHECK_APPLICATION_ROW_TOTAL, "一、本年新收政府信息公开申请数量 × 总计 0 ≠ 六类申请人之和 1")]
