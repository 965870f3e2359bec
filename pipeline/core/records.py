"""Typed records the parser produces: one `ReportRecord` per recognised report."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pipeline.core import codebook as cb


@dataclass(frozen=True)
class Finding:
    check_name: str
    severity: str
    detail: str


@dataclass(frozen=True)
class ChannelCount:
    channel: str
    items: int
    is_lower_bound: bool
    unit: str
    evidence: str
    account_name: str | None = None


@dataclass(frozen=True)
class ProposalCount:
    proposal_type: str
    count: int
    evidence: str


# the record's grids (its attributes of that name), as cell_sources names them
GRID_APPLICATION, GRID_PROACTIVE, GRID_REVIEW_LITIGATION = "application", "proactive", "review_litigation"
GRIDS = (GRID_PROACTIVE, GRID_APPLICATION, GRID_REVIEW_LITIGATION)


@dataclass
class ReportRecord:
    """Everything parsed from one report. Grids hold every cell of the format; None = NULL."""

    agency_name: str | None = None
    agency_source: str | None = None  # where each was read: a codebook SOURCE_* code
    report_year: int | None = None
    year_source: str | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    format_version: str = cb.FORMAT_2021
    admin_level: str | None = None
    province: str | None = None
    city: str | None = None
    county: str | None = None
    region_source: str | None = None
    published_on: dt.date | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    postcode: str | None = None
    processing_fee_yuan: float | None = None
    application: dict[tuple[str, str], int | None] = field(default_factory=dict)
    proactive: dict[tuple[str, str], float | None] = field(default_factory=dict)
    review_litigation: dict[tuple[str, str], int | None] = field(default_factory=dict)
    # where each grid cell was read: grid ('application', 'proactive', 'review_litigation') → cell key →
    # (the source line of its row, or None; the cell's text as printed)
    cell_sources: dict[str, dict[tuple[str, str], tuple[int | None, str]]] = field(default_factory=dict)
    channels: list[ChannelCount] = field(default_factory=list)
    proposals: list[ProposalCount] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    prose_shingles: int = 0  # distinct 5-character shingles of the §一 §五 §六 prose
    prose_signature: bytes | None = None  # their MinHash (pipeline.core.similarity), for similar_prose

    def add_finding(self, check_name: str, severity: str, detail: str) -> None:
        self.findings.append(Finding(check_name, severity, detail))


@dataclass(frozen=True)
class ParsedFile:
    """The outcome for one raw file: a report (parsed or partial) or a rejection with its reason."""

    source_path: str
    file_sha256: str
    bytes: int
    source_format: str
    status: str
    error: str | None
    report: ReportRecord | None
    # rejected by this run's limits (DISCLOSURE_MAX_FILE_MB, the time and memory budgets), not by the
    # content: the parse cache does not reuse it, so the file is read again next run (a raised limit loads it)
    retry: bool = False

    @property
    def report_id(self) -> str | None:
        return self.file_sha256[:16] if self.report is not None else None
