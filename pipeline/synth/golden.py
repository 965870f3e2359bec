"""Golden entries in the shared scorer's format, computed from the truth, plus the findings the
truth implies (identities checked here independently of the pipeline's polars checks)."""
from __future__ import annotations

from pipeline.core import codebook as cb
from pipeline.synth.model import SynthReport


def _nonzero(grid: dict, keys) -> tuple[dict, list]:
    nonzero, nulls = {}, []
    for k in keys:
        v = grid[k]
        name = "/".join(k)
        if v is None:
            nulls.append(name)
        elif v != 0:
            nonzero[name] = int(v) if float(v).is_integer() else v
    return nonzero, nulls


def expected_findings(rep: SynthReport) -> list[str]:
    app, fmt = rep.application, rep.format_version
    found: set[str] = set()
    applicants = cb.APPLICANT_CODES[:-1]
    for r in rep.row_codes:
        parts = [app[(r, a)] for a in applicants]
        total = app[(r, cb.APPLICANT_TOTAL)]
        if None not in parts and total is not None and sum(parts) != total:
            found.add(cb.CHECK_APPLICATION_ROW_TOTAL)
    for a in cb.APPLICANT_CODES:
        terms = [app[(r, a)] for r in (cb.ROW_RECEIVED, cb.ROW_CARRIED_OVER, cb.ROW_TOTAL_HANDLED,
                                       cb.ROW_CARRIED_FORWARD)]
        if None not in terms and terms[0] + terms[1] != terms[2] + terms[3]:
            found.add(cb.CHECK_APPLICATION_BALANCE)
        outcomes = [app[(r, a)] for r in cb.outcome_row_codes(fmt)]
        handled = app[(cb.ROW_TOTAL_HANDLED, a)]
        if None not in outcomes and handled is not None and sum(outcomes) != handled:
            found.add(cb.CHECK_APPLICATION_OUTCOME_TOTAL)
    for p in cb.PROCEEDING_CODES:
        parts = [rep.review_litigation[(p, o)] for o in cb.OUTCOME_CODES[:-1]]
        total = rep.review_litigation[(p, cb.OUTCOME_TOTAL)]
        if None not in parts and total is not None and sum(parts) != total:
            found.add(cb.CHECK_REVIEW_LITIGATION_TOTAL)
    if any(v is None for v in app.values()) or any(v is None for v in rep.proactive.values()):
        found.add(cb.CHECK_INCOMPLETE_TABLE)
    received = app[(cb.ROW_RECEIVED, cb.APPLICANT_TOTAL)]
    if rep.prose_applications is not None and rep.prose_applications != received:
        found.add(cb.CHECK_TEXT_TABLE_MISMATCH)
    per_item = [c for c in rep.channels if c.channel not in (cb.CHANNEL_ALL, cb.CHANNEL_PRESS_CONFERENCE)]
    stated = [c.items for c in rep.channels if c.channel == cb.CHANNEL_ALL]
    if stated and len(per_item) >= 2 and not any(c.is_lower_bound for c in per_item) \
            and stated[0] != sum(c.items for c in per_item):
        found.add(cb.CHECK_CHANNEL_SUM_MISMATCH)
    return sorted(found)


def golden_entry(rep: SynthReport) -> dict:
    start, end = rep.period
    app_nonzero, app_nulls = _nonzero(rep.application,
                                      [(r, a) for r in rep.row_codes for a in cb.APPLICANT_CODES])
    app_nulls = [n for n in app_nulls if n.split("/")[0] not in rep.missing_rows]
    pro_keys = [(i, m) for i, ms in cb.PROACTIVE_GRID[rep.format_version].items() for m in ms]
    pro_nonzero, pro_nulls = _nonzero(rep.proactive, pro_keys)
    rev_nonzero, rev_nulls = _nonzero(rep.review_litigation, cb.REVIEW_GRID)
    blank = any(v is None for v in list(rep.application.values()) + list(rep.proactive.values()))
    return {
        "status": cb.STATUS_PARTIAL if blank or rep.missing_rows else cb.STATUS_PARSED,
        "format": rep.format_version,
        "report": {
            "agency_name": rep.agency_name, "report_year": rep.report_year,
            "period_start": start.isoformat(), "period_end": end.isoformat(),
            "format_version": rep.format_version, "admin_level": rep.admin_level,
            "province": rep.province, "city": rep.city, "county": rep.county,
            "published_on": rep.published_on.isoformat() if rep.published_on else None,
            "contact_phone": rep.contact_phone, "contact_email": rep.contact_email, "postcode": rep.postcode,
            "processing_fee_yuan": rep.processing_fee_yuan,
        },
        "application": {"nonzero": app_nonzero, "missing_rows": list(rep.missing_rows),
                        "null_cells": app_nulls},
        "proactive": {"nonzero": pro_nonzero, "null_cells": pro_nulls},
        "review_litigation": {"nonzero": rev_nonzero, "null_cells": rev_nulls},
        "channels": [{"channel": c.channel, "items": c.items, "is_lower_bound": c.is_lower_bound,
                      **({"account_name": c.account_name} if c.account_name else {})} for c in rep.channels],
        "proposals": dict(rep.proposals),
        "findings": expected_findings(rep),
        "faults": sorted(rep.faults),
    }
