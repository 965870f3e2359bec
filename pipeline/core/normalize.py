"""Parsed records → polars frames in the contract's shape (dtypes from the pandera models).

Work is done per *unit*: one distinct file content (sha256) read as one format. Workers turn their
units into small frames (`unit_frames`); the parse cache stores those frames; `assemble` joins them
with the files found in the raw folder to give the contract tables. Identical files are parsed
once and share one report.
"""
from __future__ import annotations

import math
from functools import lru_cache

import polars as pl

from pipeline.core import codebook as cb
from pipeline.core.records import (GRID_APPLICATION, GRID_PROACTIVE, GRID_REVIEW_LITIGATION, Finding,
                                   ParsedFile, ReportRecord)
from schemas.tables import TABLE_MODELS, polars_schema

REPORT_FIELDS = ("agency_name", "report_year", "period_start", "period_end", "format_version", "admin_level",
                 "province", "city", "county", "published_on", "contact_phone", "contact_email", "postcode",
                 "processing_fee_yuan", "agency_source", "year_source", "region_source")
UNIT_KEY = ("file_sha256", "source_format")
# the contract tables whose rows are each one report's (keyed by report_id), as the parse makes them
PER_REPORT_TABLES = ("dim_report", "fact_application", "fact_proactive_disclosure", "fact_review_litigation",
                 "fact_disclosure_channel", "fact_proposal")
# The grid tables: about 200 rows per report. At national scale they never pass through the main
# process: workers write them as Parquet segments, and DuckDB reads them from there.
BIG_TABLES = ("fact_application", "fact_proactive_disclosure", "fact_review_litigation")
# parse_result: one row per unit (and the segment holding its grid rows); the other tables carry
# the unit key (grid tables: report_id and source_format only, to stay small); `carried` keeps
# rows 2 and 4 of §三 for the cross-report carry-over check.
# `prose_signature` keeps each report's MinHash of its §一 §五 §六 prose for the similar_prose check.
UNIT_TABLES = ("parse_result", *PER_REPORT_TABLES, "parser_finding", "carried", "prose_signature")
SMALL_UNIT_TABLES = tuple(t for t in UNIT_TABLES if t not in BIG_TABLES)
_KEY_SCHEMA = {"file_sha256": pl.String, "source_format": pl.String}
# each grid table's rows of the unit's report in its segment, as the worker wrote them (row counts
# of the published tables without scanning the segments)
SEGMENT_ROWS = {t: f"{t}_rows" for t in BIG_TABLES}
_RESULT_SCHEMA = {**_KEY_SCHEMA, "bytes": pl.Int64, "status": pl.String, "error": pl.String,
                  "report_id": pl.String, "segment": pl.String,
                  **{c: pl.Int64 for c in SEGMENT_ROWS.values()}, "retry": pl.Boolean}
SIGNATURE_SCHEMA = {"report_id": pl.String, "shingles": pl.Int32, "signature": pl.Binary}
_NO_ROWS = (None,) * len(SEGMENT_ROWS)  # row counts (like the segment) are set where the grids are written


def _fits(value, low: float, high: float, whole: bool) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, float) and (not math.isfinite(value) or (whole and not value.is_integer())):
        return False
    return low <= value <= high


def _shown(value) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 40 else f"{text[:20]}…{text[-8:]} ({len(text)} characters)"


def bound_record(report: ReportRecord) -> ReportRecord:
    """Range and type discipline where a record is made: a count must be a whole number from 0 to
    the codebook's bound (an amount a finite number within its bound), else the cell is NULL (a
    channel or proposal figure is dropped) with a `value_out_of_range` finding quoting the value.
    Then the report's findings are capped (see `cap_findings`). Returns the same record."""
    found: list[str] = []
    for name, grid, low, high, whole in (("§三", report.application, 0, cb.MAX_COUNT, True),
                                         ("§四", report.review_litigation, 0, cb.MAX_COUNT, True),
                                         ("§二", report.proactive, -cb.MAX_AMOUNT, cb.MAX_AMOUNT, False)):
        for key, value in grid.items():
            if value is not None and not _fits(value, low, high, whole):
                grid[key] = None
                found.append(f"{name} {'/'.join(key)}: printed {_shown(value)}, outside {low:,.0f} … "
                             f"{high:,.0f}; left NULL")
    kept = [c for c in report.channels if _fits(c.items, 0, cb.MAX_CHANNEL_ITEMS, True)]
    found += [f"§一 {c.channel}: printed {_shown(c.items)}, outside 0 … {cb.MAX_CHANNEL_ITEMS:,}; not loaded "
              f"({_shown(c.evidence)})" for c in report.channels if c not in kept]
    report.channels = kept
    kept_p = [p for p in report.proposals if _fits(p.count, 0, cb.MAX_COUNT, True)]
    found += [f"§六 {p.proposal_type}: printed {_shown(p.count)}, outside 0 … {cb.MAX_COUNT:,}; not loaded "
              f"({_shown(p.evidence)})" for p in report.proposals if p not in kept_p]
    report.proposals = kept_p
    fee = report.processing_fee_yuan
    if fee is not None and not _fits(fee, 0, cb.MAX_FEE_YUAN, False):
        report.processing_fee_yuan = None
        found.append(f"processing fee: printed {_shown(fee)}, outside 0 … {cb.MAX_FEE_YUAN:,.0f} 元; "
                     "left NULL")
    year = report.report_year
    if year is not None and not _fits(year, 2007, 2100, True):
        report.report_year = None
        found.append(f"report year: printed {_shown(year)}, outside 2007 … 2100; left NULL")
    for detail in found:
        report.add_finding(cb.CHECK_VALUE_OUT_OF_RANGE, cb.SEVERITY_ERROR, detail)
    report.findings = cap_findings(report.findings)
    return report


def cap_findings(findings: list[Finding], limit: int = cb.MAX_FINDINGS_PER_REPORT) -> list[Finding]:
    """At most `limit` findings (the first ones); when more, the last says how many were dropped."""
    if len(findings) <= limit:
        return findings
    dropped = len(findings) - limit + 1
    return findings[: limit - 1] + [Finding(cb.CHECK_TOO_MANY_FINDINGS, cb.SEVERITY_WARNING,
                                            f"{dropped:,} more findings of this report were dropped "
                                            f"(at most {limit} are kept per report)")]


@lru_cache(maxsize=None)
def _unit_schema(table: str) -> dict[str, pl.DataType]:
    if table == "parse_result":
        return _RESULT_SCHEMA  # type: ignore[return-value]
    if table == "prose_signature":
        return {**_KEY_SCHEMA, **SIGNATURE_SCHEMA}  # type: ignore[dict-item]
    contract = polars_schema(TABLE_MODELS[{"parser_finding": "dq_finding", "carried": "fact_application"}.get(
        table, table)])
    contract.pop("source_path", None)  # dim_report's path is the first file with the content, set later
    key = {"source_format": pl.String} if table in BIG_TABLES + ("carried",) else _KEY_SCHEMA
    return {**key, **contract}  # type: ignore[dict-item]


# grid table → the record's grid it is read from
_GRID_SOURCES = {"fact_application": GRID_APPLICATION, "carried": GRID_APPLICATION,
                 "fact_proactive_disclosure": GRID_PROACTIVE,
                 "fact_review_litigation": GRID_REVIEW_LITIGATION}


@lru_cache(maxsize=None)
def _grid_keys(table: str,
               format_version: str) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...], tuple[str, ...]]:
    """Every cell of a grid table for one report, in order: (keys, first codes, second codes)."""
    if table == "fact_application":
        keys = cb.APPLICATION_CELLS[format_version]
    elif table == "carried":
        keys = tuple((r, a) for r in (cb.ROW_CARRIED_OVER, cb.ROW_CARRIED_FORWARD)
                     for a in cb.APPLICANT_CODES)
    elif table == "fact_proactive_disclosure":
        keys = cb.PROACTIVE_CELLS[format_version]
    else:
        keys = cb.REVIEW_GRID
    return keys, tuple(k[0] for k in keys), tuple(k[1] for k in keys)


def owner_key(table: str) -> list[str]:
    """The columns that tie a unit table's rows to the unit (and report) they came from."""
    return ["report_id", "source_format"] if table in BIG_TABLES + ("carried",) else ["report_id", *UNIT_KEY]


def empty_units() -> dict[str, pl.DataFrame]:
    return {t: pl.DataFrame(schema=_unit_schema(t)) for t in UNIT_TABLES}


def _extend_sources(sources: dict, keys: tuple, pdf: bool, pages: list, lines: list, texts: list) -> None:
    """Where each cell was read: a PDF's lines are numbered page × 1000 + row on the page."""
    for key in keys:
        line, text = sources.get(key, (None, None))
        texts.append(text)
        if line is None:
            pages.append(None)
            lines.append(None)
        elif pdf:
            pages.append(line // 1000)
            lines.append(line % 1000)
        else:
            pages.append(None)
            lines.append(line)


def unit_frames(parsed: list[ParsedFile]) -> dict[str, pl.DataFrame]:
    """Frames for parsed units (each `ParsedFile` is one distinct content), with the unit key.
    The grid tables (every cell of every report) are built column by column: a few list
    extensions per report instead of a tuple per cell."""
    rows: dict[str, list[tuple]] = {t: [] for t in UNIT_TABLES if t not in _GRID_SOURCES}
    grids: dict[str, tuple[list, ...]] = {t: ([], [], [], [], [], [], [], []) for t in _GRID_SOURCES}
    for p in parsed:
        key = (p.file_sha256, p.source_format)
        rows["parse_result"].append((*key, p.bytes, p.status, p.error, p.report_id, None, *_NO_ROWS, p.retry))
        r, rid = p.report, p.report_id
        if r is None:
            continue
        fmt = p.source_format
        rows["dim_report"].append((*key, rid) + tuple(getattr(r, f) for f in REPORT_FIELDS))
        for table, source in _GRID_SOURCES.items():
            keys, first, second = _grid_keys(table, r.format_version)
            formats, ids, firsts, seconds, values, pages, lines, texts = grids[table]
            formats.extend([fmt] * len(keys))
            ids.extend([rid] * len(keys))
            firsts.extend(first)
            seconds.extend(second)
            values.extend(map(getattr(r, source).get, keys))
            _extend_sources(r.cell_sources.get(source, {}), keys, fmt == "pdf", pages, lines, texts)
        rows["fact_disclosure_channel"].extend((*key, rid, c.channel, c.account_name, c.items,
                                                c.is_lower_bound, c.unit, c.evidence) for c in r.channels)
        rows["fact_proposal"].extend((*key, rid, x.proposal_type, x.count, x.evidence) for x in r.proposals)
        rows["parser_finding"].extend((*key, rid, f.check_name, f.severity, f.detail) for f in r.findings)
        rows["prose_signature"].append((*key, rid, r.prose_shingles, r.prose_signature))
    out = {t: pl.DataFrame(v, schema=_unit_schema(t), orient="row") for t, v in rows.items()}
    for table, columns in grids.items():
        schema = _unit_schema(table)
        out[table] = pl.DataFrame(dict(zip(schema, columns)), schema=schema)
    return {t: out[t] for t in UNIT_TABLES}


def concat_units(parts: list[dict[str, pl.DataFrame]], tables: tuple[str, ...] = UNIT_TABLES
                 ) -> dict[str, pl.DataFrame]:
    parts = [p for p in parts if p]
    if not parts:
        return {t: f for t, f in empty_units().items() if t in tables}
    return {t: pl.concat([p[t] for p in parts], rechunk=True) for t in tables}


def assemble(files: pl.DataFrame, units: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Contract tables from the files found (source_path, file_sha256, source_format) and the units'
    frames. Units no file has any more (deleted or changed files) drop out here."""
    result = units["parse_result"].unique(list(UNIT_KEY), keep="first").select(*UNIT_KEY, "status", "error",
                                                                                "report_id")
    joined = files.join(result, on=list(UNIT_KEY), how="left")
    # a file that was not read (unsafe, unreadable, vanished: `problem`), or, by a bug, has no parse
    # result, is still a rejected row with its reason: nothing found is silently left out
    problem = pl.col("problem") if "problem" in joined.columns else pl.lit(None, pl.String)
    unplaced = problem.is_not_null() | pl.col("status").is_null()
    raw_file = joined.with_columns(
        pl.when(unplaced).then(pl.lit(cb.STATUS_REJECTED)).otherwise(pl.col("status")).alias("status"),
        pl.when(problem.is_not_null()).then(problem).when(pl.col("status").is_null()).then(pl.lit(
            "no parse result for this file's content (internal error); please report this file")
        ).otherwise(pl.col("error")).alias("error"),
        pl.when(unplaced).then(None).otherwise(pl.col("report_id")).alias("report_id"),
    ).select(list(polars_schema(TABLE_MODELS["raw_file"]))).sort("source_path")
    # the first file (by path) holding a report's content is the report's source
    owners = report_owners(raw_file)
    out = {"raw_file": raw_file}
    for table in PER_REPORT_TABLES:
        if table not in units:
            continue  # a grid table kept in Parquet segments (see `owners`)
        frame = units[table].join(owners, on=owner_key(table), how="semi")
        if table == "dim_report":
            frame = frame.join(owners.select("report_id", "source_path"), on="report_id")
        out[table] = frame.select(list(polars_schema(TABLE_MODELS[table])))
    out["dq_finding"] = units["parser_finding"].join(owners, on=owner_key("parser_finding"),
                                                     how="semi").select(
        list(polars_schema(TABLE_MODELS["dq_finding"])))
    out["carried"] = units["carried"].join(owners, on=owner_key("carried"), how="semi").select(
        list(polars_schema(TABLE_MODELS["fact_application"])))
    out["prose_signature"] = units["prose_signature"].join(owners, on=owner_key("prose_signature"),
                                                           how="semi").select(list(SIGNATURE_SCHEMA))
    return out


def report_owners(raw_file: pl.DataFrame) -> pl.DataFrame:
    """report_id, unit key and source_path of the file each report is taken from (the first by path)."""
    return raw_file.filter(pl.col("report_id").is_not_null()).unique("report_id", keep="first",
                                                                      maintain_order=True).select(
        "report_id", *UNIT_KEY, "source_path")


def files_frame(parsed: list[ParsedFile]) -> pl.DataFrame:
    return pl.DataFrame([(p.source_path, p.file_sha256, p.source_format, p.bytes) for p in parsed],
                        schema={"source_path": pl.String, **_KEY_SCHEMA, "bytes": pl.Int64}, orient="row")


def summary_markdown(raw_file: pl.DataFrame, findings: pl.DataFrame) -> str:
    """A short run summary: files by status, findings by check and severity."""
    lines = ["| status | files |", "|---|---:|"]
    for status, n in raw_file.group_by("status").len().sort("status").iter_rows():
        lines.append(f"| {status} | {n} |")
    lines += ["", "| check | severity | findings |", "|---|---|---:|"]
    for check, sev, n in findings.group_by("check_name", "severity").len().sort("check_name").iter_rows():
        lines.append(f"| {check} | {sev} | {n} |")
    return "\n".join(lines)


def summary_lines(raw_file: pl.DataFrame, findings: pl.DataFrame) -> list[str]:
    """The run summary as plain log lines: files by status, findings by check and severity."""
    by_status = dict(raw_file.group_by("status").len().iter_rows())
    statuses = ", ".join(f"{s} {by_status.get(s, 0):,}" for s in cb.STATUSES)
    lines = [f"files: {raw_file.height:,} ({statuses})"]
    counts = findings.group_by("check_name", "severity").len().sort("check_name").iter_rows()
    lines.append("findings: " + (", ".join(f"{c} ({sev}) {n:,}" for c, sev, n in counts) or "none"))
    return lines
