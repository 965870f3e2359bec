"""Parsed records → polars frames in the contract's shape (dtypes from the pandera models)."""
from __future__ import annotations

import polars as pl

from pipeline.core import codebook as cb
from pipeline.core.files import iter_reports
from pipeline.core.records import ParsedFile
from schemas.tables import TABLE_MODELS, polars_schema

REPORT_FIELDS = ("agency_name", "report_year", "period_start", "period_end", "format_version", "admin_level",
                 "province", "city", "county", "published_on", "contact_phone", "contact_email", "postcode",
                 "processing_fee_yuan")


def _frame(table: str, rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=polars_schema(TABLE_MODELS[table]), orient="row")


def raw_file_frame(parsed: list[ParsedFile]) -> pl.DataFrame:
    return _frame("raw_file", [(p.source_path, p.file_sha256, p.bytes, p.source_format, p.status, p.error,
                                p.report_id) for p in parsed])


def report_frames(parsed: list[ParsedFile]) -> dict[str, pl.DataFrame]:
    """dim_report and the fact tables (and the parser's own findings) for every report."""
    rows: dict[str, list[tuple]] = {t: [] for t in TABLE_MODELS if t not in ("raw_file", "dq_finding")}
    for p in iter_reports(parsed):
        r, rid = p.report, p.report_id
        assert r is not None
        rows["dim_report"].append((rid, p.source_path) + tuple(getattr(r, f) for f in REPORT_FIELDS))
        rows["fact_application"].extend((rid, row, a, r.application.get((row, a)))
                                        for row in cb.application_row_codes(r.format_version)
                                        for a in cb.APPLICANT_CODES)
        rows["fact_proactive_disclosure"].extend((rid, i, m, r.proactive.get((i, m)))
                                                 for i, ms in cb.PROACTIVE_GRID[r.format_version].items()
                                                 for m in ms)
        rows["fact_review_litigation"].extend((rid, pr, o, r.review_litigation.get((pr, o)))
                                              for pr, o in cb.REVIEW_GRID)
        rows["fact_disclosure_channel"].extend((rid, c.channel, c.account_name, c.items, c.is_lower_bound, c.unit,
                                                c.evidence) for c in r.channels)
        rows["fact_proposal"].extend((rid, x.proposal_type, x.count, x.evidence) for x in r.proposals)
    return {**{t: _frame(t, v) for t, v in rows.items()}, "dq_finding": parser_findings_frame(parsed)}


def parser_findings_frame(parsed: list[ParsedFile]) -> pl.DataFrame:
    """Findings the parser itself made (incomplete tables, missing sections)."""
    return _frame("dq_finding", [(p.report_id, f.check_name, f.severity, f.detail)
                                 for p in iter_reports(parsed) for f in p.report.findings])  # type: ignore[union-attr]


def summary_markdown(raw_file: pl.DataFrame, findings: pl.DataFrame) -> str:
    """A short run summary: files by status, findings by check and severity."""
    lines = ["| status | files |", "|---|---:|"]
    for status, n in raw_file.group_by("status").len().sort("status").iter_rows():
        lines.append(f"| {status} | {n} |")
    lines += ["", "| check | severity | findings |", "|---|---|---:|"]
    for check, sev, n in findings.group_by("check_name", "severity").len().sort("check_name").iter_rows():
        lines.append(f"| {check} | {sev} | {n} |")
    return "\n".join(lines)
