"""Data-quality checks over the fact tables, as data: one `dq_finding` row per violation,
with the numbers involved. Identities with a NULL term cannot be assessed and raise nothing."""
from __future__ import annotations

import polars as pl

from pipeline.core import codebook as cb
from pipeline.core import similarity
from schemas.tables import DqFinding, polars_schema

_FINDING_SCHEMA = polars_schema(DqFinding)


def _finding(df: pl.DataFrame, check: str, detail: pl.Expr) -> pl.DataFrame:
    severity = cb.CHECKS_BY_NAME[check].severity
    return df.select(pl.col("report_id"), pl.lit(check).alias("check_name"),
                     pl.lit(severity).alias("severity"),
                     detail.alias("detail")).cast(_FINDING_SCHEMA)  # type: ignore[arg-type]


def _total_mismatches(long: pl.DataFrame, line: str, member: str, total: str) -> pl.DataFrame:
    """Lines of a long table whose `total` member differs from the sum of the other members
    (only where every term is present): report_id, line, parts, nulls, stated."""
    parts = long.filter(pl.col(member) != total).group_by("report_id", line).agg(
        pl.col("count").sum().alias("parts"), pl.col("count").null_count().alias("nulls"))
    totals = long.filter(pl.col(member) == total).select("report_id", line, pl.col("count").alias("stated"))
    return parts.join(totals, on=["report_id", line]).filter(
        (pl.col("nulls") == 0) & pl.col("stated").is_not_null() & (pl.col("parts") != pl.col("stated"))
    ).sort("report_id", line)


def _zh(column: str, labels: dict[str, str]) -> pl.Expr:
    """A code column as its Chinese label from the codebook."""
    return pl.col(column).replace_strict(labels, default=pl.col(column), return_dtype=pl.String)


def _pages(long: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """The first and last PDF page the cells of each `keys` group were printed on (NULL for the
    other formats, which name lines, not pages)."""
    page = pl.col("source_page") if "source_page" in long.columns else pl.lit(None, pl.Int32)
    return long.group_by(keys).agg(page.min().alias("page_from"), page.max().alias("page_to"))


def _on_pages(detail: pl.Expr) -> pl.Expr:
    """`detail`, then where a PDF printed its cells: （第 4 页） or （第 4–5 页）."""
    first, last = pl.col("page_from"), pl.col("page_to")
    return pl.concat_str([detail, pl.when(first.is_null()).then(pl.lit(""))
                          .when(first == last).then(pl.format("（第 {} 页）", first))
                          .otherwise(pl.format("（第 {}–{} 页）", first, last))])


_ROW = cb.APPLICATION_ROW_LABELS
_APPLICANT = _zh("applicant", cb.APPLICANT_LABELS)


def _wide(app: pl.DataFrame) -> pl.DataFrame:
    return app.pivot(on="row_code", index=["report_id", "applicant"], values="count")


def application_findings(app: pl.DataFrame, formats: pl.DataFrame) -> list[pl.DataFrame]:
    rows = _total_mismatches(app, "row_code", "applicant", cb.APPLICANT_TOTAL).join(
        _pages(app, ["report_id", "row_code"]), on=["report_id", "row_code"], how="left")
    out = [_finding(rows, cb.CHECK_APPLICATION_ROW_TOTAL, _on_pages(pl.format(
        "{} × 总计 {} ≠ 六类申请人之和 {}", _zh("row_code", _ROW), "stated", "parts")))]

    wide = _wide(app).join(formats, on="report_id").join(_pages(app, ["report_id", "applicant"]),
                                                         on=["report_id", "applicant"], how="left")
    for fmt in cb.FORMAT_VERSIONS:
        w = wide.filter(pl.col("format_version") == fmt)
        if w.is_empty():
            continue
        r1, r2, r37, r4 = (pl.col(c) for c in (cb.ROW_RECEIVED, cb.ROW_CARRIED_OVER, cb.ROW_TOTAL_HANDLED,
                                                cb.ROW_CARRIED_FORWARD))
        bal = w.filter(pl.all_horizontal(r1.is_not_null(), r2.is_not_null(), r37.is_not_null(),
                                         r4.is_not_null()) & (r1 + r2 != r37 + r4))
        out.append(_finding(bal, cb.CHECK_APPLICATION_BALANCE, _on_pages(pl.format(
            f"{{}}：{_ROW[cb.ROW_RECEIVED]} {{}} + {_ROW[cb.ROW_CARRIED_OVER]} {{}} ≠ "
            f"{_ROW[cb.ROW_TOTAL_HANDLED]} {{}} + {_ROW[cb.ROW_CARRIED_FORWARD]} {{}}",
            _APPLICANT, r1, r2, r37, r4))))
        outcome_cols = [pl.col(c) for c in cb.outcome_row_codes(fmt)]
        tot = w.with_columns(pl.sum_horizontal(outcome_cols).alias("_sum")).filter(
            pl.all_horizontal([c.is_not_null() for c in outcome_cols]) & r37.is_not_null()
            & (pl.col("_sum") != r37))
        out.append(_finding(tot, cb.CHECK_APPLICATION_OUTCOME_TOTAL, _on_pages(pl.format(
            f"{{}}：{_ROW[cb.ROW_TOTAL_HANDLED]} {{}} ≠ 三（一）至三（六）各项之和 {{}}", _APPLICANT, r37,
            "_sum"))))
    return out


def review_findings(review: pl.DataFrame) -> pl.DataFrame:
    lines = _total_mismatches(review, "proceeding", "outcome", cb.OUTCOME_TOTAL).join(
        _pages(review, ["report_id", "proceeding"]), on=["report_id", "proceeding"], how="left")
    return _finding(lines, cb.CHECK_REVIEW_LITIGATION_TOTAL, _on_pages(pl.format(
        "{} × 总计 {} ≠ 结果维持+结果纠正+其他结果+尚未审结 {}", _zh("proceeding", cb.PROCEEDING_LABELS),
        "stated", "parts")))


def channel_findings(channels: pl.DataFrame) -> pl.DataFrame:
    """A stated total over all channels that differs from the sum of the exact per-channel counts."""
    stated = pl.col("channel") == cb.CHANNEL_ALL
    part = ~stated & ~pl.col("unit").is_in(list(cb.CHANNEL_EVENT_UNITS))  # items, not events
    per = channels.group_by("report_id").agg(
        pl.col("items").filter(stated).first().alias("stated"),
        pl.col("items").filter(part).sum().alias("parts"),
        part.sum().alias("n_parts"),
        (pl.col("is_lower_bound") & part).any().alias("approx"))
    bad = per.filter(pl.col("stated").is_not_null() & (pl.col("n_parts") >= 2) & ~pl.col("approx")
                     & (pl.col("stated") != pl.col("parts")))
    return _finding(bad.sort("report_id"), cb.CHECK_CHANNEL_SUM_MISMATCH, pl.format(
        "所述合计 {} ≠ {} 个渠道数量之和 {}", "stated", "n_parts", "parts"))


def carryover_findings(app: pl.DataFrame, reports: pl.DataFrame) -> pl.DataFrame:
    """Row 4 (结转下年度) of an agency's report for year N against row 2 (上年结转) for year N+1,
    reported on the later report. Only where both reports and both cells are present."""
    keyed = reports.select("report_id", "agency_name", "report_year").filter(
        pl.col("agency_name").is_not_null() & pl.col("report_year").is_not_null())
    cells = app.filter(pl.col("row_code").is_in([cb.ROW_CARRIED_OVER, cb.ROW_CARRIED_FORWARD])
                       & pl.col("count").is_not_null()).join(keyed, on="report_id")
    # an agency with two reports for one year is a duplicate (its own finding); carry-over between
    # such years is ambiguous, so only agency-years with one report take part (and nothing multiplies)
    single = keyed.group_by("agency_name", "report_year").len().filter(pl.col("len") == 1).drop("len")
    cells = cells.join(single, on=["agency_name", "report_year"], how="semi")
    forward = cells.filter(pl.col("row_code") == cb.ROW_CARRIED_FORWARD).select(
        "agency_name", (pl.col("report_year") + 1).alias("report_year"), "applicant",
        pl.col("count").alias("forward"), pl.col("report_id").alias("earlier"))
    over = cells.filter(pl.col("row_code") == cb.ROW_CARRIED_OVER).select(
        "report_id", "agency_name", "report_year", "applicant", pl.col("count").alias("over"))
    bad = over.join(forward, on=["agency_name", "report_year", "applicant"]).filter(
        pl.col("over") != pl.col("forward")).sort("report_id", "applicant")
    return _finding(bad, cb.CHECK_CARRYOVER_MISMATCH, pl.format(
        f"{_ROW[cb.ROW_CARRIED_OVER]} × {{}} {{}} ≠ {{}}年度年报（{{}}）{_ROW[cb.ROW_CARRIED_FORWARD]} × {{}} {{}}",
        _APPLICANT, "over",
        (pl.col("report_year") - 1).cast(pl.String), "earlier", _APPLICANT, "forward"))


IN_FORCE_ITEMS = (cb.ITEM_REGULATIONS, cb.ITEM_NORMATIVE_DOCUMENTS)
_ISSUED, _REPEALED, _IN_FORCE = cb.MEASURE_ISSUED, cb.MEASURE_REPEALED, cb.MEASURE_IN_FORCE  # pivoted columns
IN_FORCE_MEASURES = (_ISSUED, _REPEALED, _IN_FORCE)


def _single_agency_years(reports: pl.DataFrame) -> pl.DataFrame:
    """report_id, agency_name, report_year of the agency-years loaded from one report only (two
    reports for one year are a duplicate, and the chain through that year is ambiguous)."""
    keyed = reports.select("report_id", "agency_name", "report_year").filter(
        pl.col("agency_name").is_not_null() & pl.col("report_year").is_not_null())
    single = keyed.group_by("agency_name", "report_year").len().filter(pl.col("len") == 1).drop("len")
    return keyed.join(single, on=["agency_name", "report_year"], how="semi")


def in_force_findings(proactive: pl.DataFrame, reports: pl.DataFrame) -> pl.DataFrame:
    """§二's cross-year identity for 规章 and 行政规范性文件 (2021 format): 现行有效(t) =
    现行有效(t−1) + 本年制发(t) − 本年废止(t), along an agency's reports of consecutive years,
    reported on the later one. Only where all four cells are stated."""
    years = _single_agency_years(reports.filter(pl.col("format_version") == cb.FORMAT_2021))
    proactive = proactive.select(pl.col("report_id", "item", "measure").cast(pl.String),
                                 pl.col("value").cast(pl.Float64))  # typed also when read from no segment
    cells = proactive.filter(pl.col("item").is_in(IN_FORCE_ITEMS) & pl.col("measure").is_in(IN_FORCE_MEASURES)
                             & pl.col("value").is_not_null()).join(years, on="report_id")
    if cells.is_empty():
        return _finding(pl.DataFrame(schema={"report_id": pl.String}), cb.CHECK_IN_FORCE_MISMATCH, pl.lit(""))
    wide = cells.pivot(on="measure", index=["report_id", "agency_name", "report_year", "item"],
                       values="value")
    for m in IN_FORCE_MEASURES:
        if m not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(m))
    before = wide.select("agency_name", (pl.col("report_year") + 1).alias("report_year"), "item",
                         pl.col(_IN_FORCE).alias("prev"), pl.col("report_id").alias("earlier"))
    terms = (_IN_FORCE, "prev", _ISSUED, _REPEALED)
    whole = [pl.col(c).cast(pl.Int64).cast(pl.String) for c in terms]
    expected = pl.col("prev") + pl.col(_ISSUED) - pl.col(_REPEALED)
    bad = wide.join(before, on=["agency_name", "report_year", "item"]).filter(
        pl.all_horizontal(pl.col(c).is_not_null() for c in terms) & (pl.col(_IN_FORCE) != expected)
    ).with_columns(expected.cast(pl.Int64).alias("expected")).sort("report_id", "item")
    item = _zh("item", cb.PROACTIVE_ITEM_LABELS)
    return _finding(bad, cb.CHECK_IN_FORCE_MISMATCH, pl.format(
        "{} × 现行有效件数 {} ≠ {}年度年报（{}）现行有效件数 {} + 本年制发件数 {} − 本年废止件数 {} = {}",
        item, whole[0], (pl.col("report_year") - 1).cast(pl.String), "earlier", whole[1], whole[2], whole[3],
        "expected"))


def duplicate_findings(reports: pl.DataFrame) -> pl.DataFrame:
    """Reports of the same agency and year loaded from different files (identical files share
    one report_id and are not duplicates). One finding per report, naming the other files."""
    keyed = reports.filter(pl.col("agency_name").is_not_null() & pl.col("report_year").is_not_null())
    groups = keyed.group_by("agency_name", "report_year").agg(
        pl.col("source_path").sort().head(6).alias("paths"), pl.len().alias("n")).filter(pl.col("n") > 1)
    dup = keyed.join(groups, on=["agency_name", "report_year"]).with_columns(
        (pl.col("paths").list.set_difference(pl.concat_list("source_path")).list.head(5).list.join(", ")
         + pl.when(pl.col("n") > 6).then(pl.format(" 等，另有 {} 个", pl.col("n") - 6)).otherwise(pl.lit(""))
         ).alias("others")
    ).sort("report_id")
    return _finding(dup, cb.CHECK_DUPLICATE_REPORT, pl.format(
        "{} {}年度年报另有文件：{}", "agency_name", pl.col("report_year").cast(pl.String), "others"))


def _wide64(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Sums in the checks are 64-bit: INTEGER cells (each within the codebook's bounds) can add up
    past 2³¹, and a wrapped Int32 sum would hide a mismatch or invent one."""
    return frame.with_columns(pl.col(column).cast(pl.Int64))


def report_findings(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Checks within each report (identities, channel sums): computable on any batch of reports."""
    formats = frames["dim_report"].select("report_id", "format_version")
    return pl.concat([*application_findings(_wide64(frames["fact_application"], "count"), formats),
                      review_findings(_wide64(frames["fact_review_litigation"], "count")),
                      channel_findings(_wide64(frames["fact_disclosure_channel"], "items"))])


SIMILAR_PER_REPORT = 3  # the most similar other reports named on a report


def similar_prose_findings(signatures: pl.DataFrame, reports: pl.DataFrame) -> pl.DataFrame:
    """similar_prose: a report whose §一 §五 §六 prose is nearly the same as another agency's
    report beyond boilerplate (see pipeline.core.similarity), naming that report and the share."""
    pairs = similarity.similar_pairs(signatures, reports).group_by("report_id", maintain_order=True).head(
        SIMILAR_PER_REPORT)
    other = reports.select(pl.col("report_id").alias("other_id"), pl.col("agency_name").alias("other_agency"),
                           pl.col("report_year").alias("other_year"),
                           pl.col("source_path").alias("other_path"))
    found = pairs.join(other, on="other_id").sort("report_id", "share", "other_id",
                                                  descending=[False, True, False])
    return _finding(found, cb.CHECK_SIMILAR_PROSE, pl.format(
        "第一、五、六部分文字与{}{}年度年报（{}）约 {}% 相同（已除去多数机关共用的套话）", "other_agency",
        pl.col("other_year").cast(pl.String).fill_null("?"), "other_path",
        (pl.col("share") * 100).round(0).cast(pl.Int64).cast(pl.String)))


def cross_report_findings(carried: pl.DataFrame, reports: pl.DataFrame,
                          proactive: pl.DataFrame | None = None,
                          signatures: pl.DataFrame | None = None) -> pl.DataFrame:
    """Checks across reports: carry-over between years, §二's 现行有效 between years, duplicates,
    copied prose. `carried` needs only rows 2 and 4; `proactive` only the 规章 and 规范性文件 rows;
    `signatures` the MinHash of each report's prose."""
    out = [carryover_findings(_wide64(carried, "count"), reports), duplicate_findings(reports)]
    if proactive is not None:
        out.append(in_force_findings(proactive, reports))
    if signatures is not None:
        out.append(similar_prose_findings(signatures, reports))
    return pl.concat(out)


def ordered(findings: pl.DataFrame) -> pl.DataFrame:
    return findings.sort("report_id", "check_name", "detail", maintain_order=True)


def all_findings(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The parser's findings plus every check, sorted for stable output."""
    return ordered(pl.concat([frames["dq_finding"], report_findings(frames),
                              cross_report_findings(frames["fact_application"], frames["dim_report"],
                                                    frames["fact_proactive_disclosure"])]))
