"""What analysts query besides the contract tables: label dimensions generated from the codebook
and documented views. Both are (re)created inside every new warehouse file before it is published.

Every view column is documented here (and written into DuckDB as a COMMENT), so
`SELECT * FROM duckdb_columns() WHERE table_name = 'v_report'` explains itself.
"""
from __future__ import annotations

import polars as pl

from pipeline.core import codebook as cb


def _codes(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows)


def dimension_frames() -> dict[str, pl.DataFrame]:
    """Label tables, one per code list of the codebook, each with `label_zh` and a sort order."""
    groups = {g.code: g for g in cb.APPLICATION_GROUPS}
    app_rows = []
    for order, r in enumerate(cb.APPLICATION_ROWS, start=1):
        parent = r.parent or ("3" if r.code.startswith("3.") and r.code.count(".") == 1 else None)
        app_rows.append({"row_code": r.code, "label_zh": r.label_zh, "parent_code": parent,
                         "parent_label_zh": groups[parent].label_zh if parent in groups else None,
                         "level": r.level, "sort_order": order, "formats": ",".join(r.formats)})
    return {
        "dim_application_row": _codes(app_rows),
        "dim_applicant": _codes([{"applicant": a.code, "label_zh": a.label_zh,
                                  "group_zh": (a.label_zh if a.code in (cb.APPLICANT_NATURAL_PERSON,
                                                                        cb.APPLICANT_TOTAL)
                                               else cb.APPLICANT_GROUP_LEGAL_PERSON),
                                  "sort_order": i} for i, a in enumerate(cb.APPLICANTS, start=1)]),
        "dim_channel": _codes([{"channel": c.code, "label_zh": c.label_zh, "sort_order": i}
                               for i, c in enumerate(cb.CHANNELS, start=1)]),
        "dim_proactive_item": _codes([{"item": c.code, "label_zh": c.label_zh, "formats": ",".join(c.formats),
                                       "sort_order": i} for i, c in enumerate(cb.PROACTIVE_ITEMS, start=1)]),
        "dim_proactive_measure": _codes([{"measure": c.code, "label_zh": c.label_zh,
                                          "formats": ",".join(c.formats), "sort_order": i}
                                         for i, c in enumerate(cb.PROACTIVE_MEASURES, start=1)]),
        "dim_proceeding": _codes([{"proceeding": c.code, "label_zh": c.label_zh, "sort_order": i}
                                  for i, c in enumerate(cb.PROCEEDINGS, start=1)]),
        "dim_outcome": _codes([{"outcome": c.code, "label_zh": c.label_zh, "sort_order": i}
                               for i, c in enumerate(cb.OUTCOMES, start=1)]),
        "dim_proposal_type": _codes([{"proposal_type": c.code, "label_zh": c.label_zh, "sort_order": i}
                                     for i, c in enumerate(cb.PROPOSAL_TYPES, start=1)]),
        "dim_admin_level": _codes([{"admin_level": code, "label_zh": label, "sort_order": i}
                                   for i, (code, label) in enumerate(cb.ADMIN_LEVEL_LABELS.items(),
                                                                     start=1)]),
        "dim_metadata_source": _codes([{"source": code, "label_zh": label, "sort_order": i}
                                       for i, (code, label) in enumerate(cb.METADATA_SOURCES.items(),
                                                                         start=1)]),
        "dim_check": _codes([{"check_name": c.name, "severity": c.severity, "about_table": c.table,
                              "description": c.description,
                              "description_zh": c.description_zh, "label_zh": c.label_zh, "sort_order": i}
                             for i, c in enumerate(cb.CHECKS, start=1)]),
    }


def _sum_or_null(rows: str, applicants: str | None = None) -> str:
    """The sum of a set of §三 cells, NULL when any of them is NULL (a blank is not a 0)."""
    where = f"row_code IN ({rows}) AND applicant IN ({applicants or _codes_sql([cb.APPLICANT_TOTAL])})"
    return (f"CAST(CASE WHEN count(*) FILTER ({where} AND count IS NULL) > 0 THEN NULL "
            f"ELSE sum(count) FILTER ({where}) END AS BIGINT)")  # 64-bit: never an overflow


def _codes_sql(codes) -> str:
    return ", ".join(f"'{c}'" for c in codes)


_ORGS = _codes_sql(a.code for a in cb.APPLICANTS
                   if a.code not in (cb.APPLICANT_NATURAL_PERSON, cb.APPLICANT_TOTAL))
_PERSON = _codes_sql([cb.APPLICANT_NATURAL_PERSON])
_OUTCOME_GROUPS = {  # summary column → the §三 rows it adds up (both formats)
    column: _codes_sql([r.code for r in cb.APPLICATION_ROWS
                        if r.parent == group or r.code == group])  # 3.6 其他处理 is a row of the 2019 format
    for column, group in (("withheld", cb.ROW_GROUP_WITHHELD), ("unable", cb.ROW_GROUP_UNABLE),
                          ("not_processed", cb.ROW_GROUP_NOT_PROCESSED), ("other", cb.ROW_GROUP_OTHER))
}
_ROW = {code: _codes_sql([code]) for code in (cb.ROW_RECEIVED, cb.ROW_CARRIED_OVER, cb.ROW_GRANTED,
                                              cb.ROW_PARTLY_GRANTED, cb.ROW_TOTAL_HANDLED,
                                              cb.ROW_CARRIED_FORWARD)}


# view → (SQL, {column: documentation})
VIEWS: dict[str, tuple[str, dict[str, str]]] = {
    "v_report": (f"""
SELECT r.report_id, r.agency_name, r.report_year, r.admin_level, r.province, r.city, r.county,
       r.format_version, r.published_on, f.status, f.error, r.source_path,
       (SELECT count(*) FROM dq_finding q
        WHERE q.report_id = r.report_id AND q.severity = '{cb.SEVERITY_ERROR}') AS error_findings,
       (SELECT count(*) FROM dq_finding q
        WHERE q.report_id = r.report_id AND q.severity = '{cb.SEVERITY_WARNING}') AS warning_findings,
       r.processing_fee_yuan, r.contact_phone, r.contact_email, r.agency_source, r.year_source,
       r.region_source
FROM dim_report r JOIN raw_file f ON f.source_path = r.source_path""", {
        "report_id": "report key (first 16 hex of the file's sha256)",
        "agency_name": "agency as written in the title",
        "report_year": "year the report covers",
        "admin_level": "province / city / county / township / department",
        "province": "province (gazetteer)", "city": "city (gazetteer)", "county": "county (gazetteer)",
        "format_version": "2021 (国办公开办函〔2021〕30号) or 2019 (〔2019〕60号)",
        "published_on": "date printed at the end of the report",
        "status": "parsed or partial (from raw_file)",
        "error": "why partial, and how the text was read when not from the text layer (OCR, fallback)",
        "source_path": "raw file, relative to the raw folder",
        "error_findings": "number of error-severity dq_finding rows",
        "warning_findings": "number of warning-severity dq_finding rows",
        "processing_fee_yuan": "information processing fees charged (元); NULL when not stated",
        "contact_phone": "phone printed in the report", "contact_email": "email printed in the report",
        "agency_source": f"where agency_name was read (dim_metadata_source): {', '.join(cb.AGENCY_SOURCES)}",
        "year_source": f"where report_year was read: {', '.join(cb.YEAR_SOURCES)}",
        "region_source": f"where province/city/county were read: {', '.join(cb.REGION_SOURCES)}",
    }),
    "v_application_summary": (f"""
SELECT r.report_id, r.agency_name, r.report_year, r.admin_level, r.province, r.city, r.county,
       {_sum_or_null(_ROW[cb.ROW_RECEIVED])} AS received,
       {_sum_or_null(_ROW[cb.ROW_CARRIED_OVER])} AS carried_over,
       {_sum_or_null(_ROW[cb.ROW_GRANTED])} AS granted,
       {_sum_or_null(_ROW[cb.ROW_PARTLY_GRANTED])} AS partly_granted,
       {_sum_or_null(_OUTCOME_GROUPS["withheld"])} AS withheld,
       {_sum_or_null(_OUTCOME_GROUPS["unable"])} AS unable,
       {_sum_or_null(_OUTCOME_GROUPS["not_processed"])} AS not_processed,
       {_sum_or_null(_OUTCOME_GROUPS["other"])} AS other,
       {_sum_or_null(_ROW[cb.ROW_TOTAL_HANDLED])} AS total_handled,
       {_sum_or_null(_ROW[cb.ROW_CARRIED_FORWARD])} AS carried_forward,
       {_sum_or_null(_ROW[cb.ROW_RECEIVED], _PERSON)} AS received_natural_person,
       {_sum_or_null(_ROW[cb.ROW_RECEIVED], _ORGS)} AS received_legal_person,
       {_sum_or_null(_ROW[cb.ROW_TOTAL_HANDLED], _PERSON)} AS handled_natural_person,
       {_sum_or_null(_ROW[cb.ROW_TOTAL_HANDLED], _ORGS)} AS handled_legal_person
FROM dim_report r JOIN fact_application a USING (report_id)
GROUP BY ALL""", {
        "report_id": "report key", "agency_name": "agency", "report_year": "year",
        "admin_level": "administrative level", "province": "province", "city": "city", "county": "county",
        "received": "row 1 总计: new applications received this year",
        "carried_over": "row 2 总计: applications carried over from last year",
        "granted": "row 3.1 总计: 予以公开",
        "partly_granted": "row 3.2 总计: 部分公开",
        "withheld": "rows 3.3.1–3.3.8 总计: 不予公开",
        "unable": "rows 3.4.1–3.4.3 总计: 无法提供",
        "not_processed": "rows 3.5.1–3.5.5 总计: 不予处理",
        "other": "rows 3.6.1–3.6.3 总计 (2019 format: row 3.6): 其他处理",
        "total_handled": "row 3.7 总计: all applications handled",
        "carried_forward": "row 4 总计: carried forward to next year",
        "received_natural_person": "row 1, 自然人",
        "received_legal_person": "row 1, the five 法人或其他组织 columns added up",
        "handled_natural_person": "row 3.7, 自然人",
        "handled_legal_person": "row 3.7, the five 法人或其他组织 columns added up",
    }),
    "v_channel_mix": (f"""
SELECT r.report_id, r.agency_name, r.report_year, r.admin_level, r.province, r.city, r.county,
       c.channel, d.label_zh AS channel_label_zh, c.items, c.is_lower_bound, c.unit, c.account_name,
       CASE WHEN c.channel = '{cb.CHANNEL_ALL}' THEN NULL
            ELSE round(c.items / nullif(sum(c.items) FILTER (WHERE c.channel <> '{cb.CHANNEL_ALL}')
                                        OVER (PARTITION BY c.report_id), 0), 4) END AS share_of_stated,
       c.evidence
FROM fact_disclosure_channel c JOIN dim_report r USING (report_id) JOIN dim_channel d USING (channel)""", {
        "report_id": "report key", "agency_name": "agency", "report_year": "year",
        "admin_level": "administrative level", "province": "province", "city": "city", "county": "county",
        "channel": "channel code (see dim_channel)", "channel_label_zh": "channel label",
        "items": "items (or events) disclosed through the channel, as stated",
        "is_lower_bound": "TRUE when stated as 'N余条' / 'N多份'",
        "unit": "unit as written (条 篇 次 场 份 …)", "account_name": "quoted account or venue name",
        "share_of_stated": f"items / sum of the report's per-channel counts (the '{cb.CHANNEL_ALL}' row "
                           "excluded)",
        "evidence": "the clause the count came from",
    }),
    "v_quality": ("""
SELECT r.agency_name, r.report_year, r.admin_level, r.province, r.city, r.county,
       q.check_name, k.description AS check_description, k.description_zh AS check_description_zh,
       q.severity, q.detail, r.source_path, q.report_id
FROM dq_finding q JOIN dim_report r USING (report_id) LEFT JOIN dim_check k USING (check_name)""", {
        "agency_name": "agency", "report_year": "year", "admin_level": "administrative level",
        "province": "province", "city": "city", "county": "county",
        "check_name": "check (see dim_check)", "check_description": "what the check tests",
        "check_description_zh": "what the check tests, in Chinese (检查说明)",
        "severity": "error or warning", "detail": "the finding, with the numbers involved",
        "source_path": "raw file to open", "report_id": "report key",
    }),
}


# What every other table holds, column by column (the contract tables are documented by their pandera
# models, `schemas/tables.py`): table → (what one row is, {column: meaning}).
_LABEL = "Chinese label (中文名称)"
_ORDER = "order of the printed template, for ORDER BY"
TABLE_DOCS: dict[str, tuple[str, dict[str, str]]] = {
    "dim_application_row": ("§三 rows of the application matrix with their Chinese labels (申请情况表行)", {
        "row_code": "fact_application.row_code", "label_zh": _LABEL,
        "parent_code": "the group row (3, 3.3 …)",
        "parent_label_zh": "the group row's Chinese label", "level": "depth in the table (1 = top)",
        "sort_order": _ORDER, "formats": "formats the row exists in (2019, 2021)"}),
    "dim_applicant": ("§三 applicant columns (申请人情况)", {
        "applicant": "fact_application.applicant", "label_zh": _LABEL,
        "group_zh": "自然人 / 法人或其他组织 / 总计", "sort_order": _ORDER}),
    "dim_channel": ("channels of proactive disclosure stated in §一 (公开渠道)", {
        "channel": "fact_disclosure_channel.channel", "label_zh": _LABEL, "sort_order": _ORDER}),
    "dim_proactive_item": ("§二 items of the Article 20 table (第二十条 信息内容)", {
        "item": "fact_proactive_disclosure.item", "label_zh": _LABEL, "formats": "formats the item exists in",
        "sort_order": _ORDER}),
    "dim_proactive_measure": ("§二 measures (columns) of the Article 20 table", {
        "measure": "fact_proactive_disclosure.measure", "label_zh": _LABEL,
        "formats": "formats the measure exists in", "sort_order": _ORDER}),
    "dim_proceeding": ("§四 proceedings (行政复议 / 行政诉讼)", {
        "proceeding": "fact_review_litigation.proceeding", "label_zh": _LABEL, "sort_order": _ORDER}),
    "dim_outcome": ("§四 outcomes (结果维持 … 总计)", {
        "outcome": "fact_review_litigation.outcome", "label_zh": _LABEL, "sort_order": _ORDER}),
    "dim_proposal_type": ("NPC suggestions and CPPCC proposals (建议提案)", {
        "proposal_type": "fact_proposal.proposal_type", "label_zh": _LABEL, "sort_order": _ORDER}),
    "dim_admin_level": ("administrative levels (行政层级)", {
        "admin_level": "dim_report.admin_level", "label_zh": _LABEL, "sort_order": _ORDER}),
    "dim_metadata_source": ("where a report's agency, year or region was read (信息来源)", {
        "source": "dim_report.agency_source / year_source / region_source", "label_zh": _LABEL,
        "sort_order": _ORDER}),
    "dim_check": ("the data-quality checks (质量检查)", {
        "check_name": "dq_finding.check_name", "severity": "error or warning",
        "about_table": "the table the check concerns", "description": "what the check tests",
        "description_zh": "what the check tests, in Chinese (检查说明)", "label_zh": _LABEL,
        "sort_order": _ORDER}),
    "build_info": ("what this warehouse file was built from: one row", {
        "build_digest": "sha256 over every file's path and content, the parser and the layout",
        "built_at": "when the file was written (UTC)", "parser_version": "the parser's version",
        "layout_version": "the warehouse layout's version", "files": "files under the raw folder",
        "reports": "reports parsed"}),
}

LABEL_TABLES = tuple(TABLE_DOCS)  # exported to Parquet beside the contract tables


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _table_docs() -> dict[str, tuple[str, dict[str, str]]]:
    from schemas.tables import TABLE_MODELS
    contract = {name: ((model.__doc__ or name).strip().splitlines()[0],
                       {col: c.description or "" for col, c in model.to_schema().columns.items()})
                for name, model in TABLE_MODELS.items()}
    return {**contract, **TABLE_DOCS}


def view_statements() -> list[str]:
    """CREATE VIEW and COMMENT statements, run in each new warehouse file before it is published:
    every table, view and column is documented (`SELECT * FROM v_catalog`)."""
    out = []
    for name, (doc, columns) in _table_docs().items():
        out.append(f"COMMENT ON TABLE {name} IS {_quote(doc)}")
        out += [f"COMMENT ON COLUMN {name}.{col} IS {_quote(text)}" for col, text in columns.items()]
    for name, (sql, columns) in VIEWS.items():
        out.append(f"CREATE VIEW {name} AS {sql.strip()}")
        out.append(f"COMMENT ON VIEW {name} IS {_quote(VIEW_DOCS[name])}")
        out += [f"COMMENT ON COLUMN {name}.{col} IS {_quote(doc)}" for col, doc in columns.items()]
    out.append(f"CREATE VIEW v_catalog AS {CATALOG_SQL}")
    out.append(f"COMMENT ON VIEW v_catalog IS {_quote(VIEW_DOCS['v_catalog'])}")
    out += [f"COMMENT ON COLUMN v_catalog.{col} IS {_quote(doc)}" for col, doc in CATALOG_COLUMNS.items()]
    return out


VIEW_DOCS = {
    "v_report": "one row per report, with its status and finding counts (报告一览)",
    "v_application_summary": "one row per report: §三 总计 figures and applicant groups (申请情况汇总)",
    "v_channel_mix": "one row per channel count stated in §一, with its share (公开渠道)",
    "v_quality": "one row per finding, with the report's region and the check's description (质量问题)",
    "v_catalog": "every table, view and column of the warehouse, with its type and meaning (数据字典)",
}

# every table, view and column of the warehouse with its type and meaning
CATALOG_SQL = """
SELECT c.table_name, coalesce(t.comment, v.comment) AS table_comment,
       CASE WHEN t.table_name IS NULL THEN 'view' ELSE 'table' END AS kind,
       c.column_index, c.column_name, c.data_type, c.comment
FROM duckdb_columns() c
LEFT JOIN duckdb_tables() t ON t.table_name = c.table_name AND t.schema_name = c.schema_name
LEFT JOIN duckdb_views() v ON v.view_name = c.table_name AND v.schema_name = c.schema_name
WHERE c.schema_name = 'main' AND NOT c.internal
ORDER BY kind, c.table_name, c.column_index"""
CATALOG_COLUMNS = {
    "table_name": "table or view", "table_comment": "what one row of it is", "kind": "table or view",
    "column_index": "position of the column", "column_name": "column", "data_type": "DuckDB type",
    "comment": "what the column holds",
}
