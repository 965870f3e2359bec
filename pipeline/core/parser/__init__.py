"""One parser: document → `ReportRecord`, whatever format the document was read from."""
from __future__ import annotations

from pipeline.core import codebook as cb
from pipeline.core.document import Document
from pipeline.core.gazetteer import locate_in_text
from pipeline.core.parser import metadata, prose, tables
from pipeline.core.parser.sections import split_sections
from pipeline.core.records import ReportRecord
from pipeline.core.textnorm import squeeze

# Bumped whenever parsing changes what it extracts: cached results of older versions are redone.
PARSER_VERSION = "3"


class NotAReport(ValueError):
    """The document is not a government information disclosure annual report."""


def parse_document(doc: Document) -> ReportRecord:
    sections = split_sections(doc)
    paragraphs = [i.text for i in sections.items if not i.is_row]
    # the whole report squeezed, line by line: a paragraph was squeezed (and memoised) when its
    # heading was looked for, and rows repeat across reports, so this costs little
    flat = "".join(squeeze(line) for line in doc.text_lines())
    table_sections = [s for s in cb.TABLE_SECTIONS if sections.rows(s) and any(i.is_row for i in sections.rows(s))]
    title = metadata.find_title(paragraphs)
    if "政府信息公开" not in flat and not title:
        raise NotAReport("not a government information disclosure annual report "
                         "(no 政府信息公开 title and no statistics tables)")
    if not table_sections and not title:
        raise NotAReport("not a government information disclosure annual report "
                         "(no report title and none of the statistics tables of §二, §三, §四)")

    rec = ReportRecord()
    rec.agency_name, rec.report_year = metadata.agency_and_year(title)
    rec.period_start, rec.period_end = metadata.find_period(flat)
    if rec.report_year is None and rec.period_end is not None:
        rec.report_year = rec.period_end.year
    rec.format_version = metadata.detect_format(flat, rec.report_year)
    rec.published_on = metadata.find_published_on(paragraphs)
    rec.contact_phone, rec.contact_email, rec.postcode = metadata.find_contacts("".join(squeeze(p) for p in paragraphs))
    other = sections.paragraphs(cb.SECTION_OTHER)
    rec.processing_fee_yuan, _ = metadata.find_processing_fee(other + [p for p in paragraphs if p not in other])

    region = locate_in_text(rec.agency_name, "\n".join(paragraphs))
    rec.province, rec.city, rec.county = region.province, region.city, region.county
    rec.admin_level = metadata.admin_level(rec.agency_name, rec.county)

    rec.proactive, found = tables.parse_proactive(sections.rows(cb.SECTION_PROACTIVE), rec.format_version)
    rec.findings.extend(found)
    rec.application, found = tables.parse_application(sections.rows(cb.SECTION_APPLICATION), rec.format_version)
    rec.findings.extend(found)
    _compare_prose_to_table(rec, [i.text for i in sections.items if not i.is_row and i.section in
                                  (None, cb.SECTION_OVERVIEW, cb.SECTION_APPLICATION)])
    rec.review_litigation, found = tables.parse_review(sections.rows(cb.SECTION_REVIEW))
    rec.findings.extend(found)

    first_table = min((sections.headings[s] for s in cb.TABLE_SECTIONS if s in sections.headings), default=None)
    channel_paragraphs = [i.text for i in sections.items
                          if not i.is_row and (first_table is None or i.line < first_table)
                          and i.section in (None, cb.SECTION_OVERVIEW)]
    rec.channels = prose.extract_channels(channel_paragraphs)
    rec.proposals = prose.extract_proposals(paragraphs)

    for s in (cb.SECTION_OVERVIEW, cb.SECTION_PROBLEMS, cb.SECTION_OTHER):
        if s not in sections.headings:
            label = next(c.label_zh for c in cb.SECTIONS if c.code == s)
            rec.add_finding(cb.CHECK_MISSING_SECTION, cb.SEVERITY_WARNING, f"no heading for section {label}")
    return rec


def _compare_prose_to_table(rec: ReportRecord, paragraphs: list[str]) -> None:
    """text_table_mismatch: the prose's count of applications received against §三 row 1 总计."""
    stated = prose.applications_received(paragraphs)
    table = rec.application.get((cb.ROW_RECEIVED, "total"))
    if stated is None or table is None or stated[0] == table:
        return
    rec.add_finding(cb.CHECK_TEXT_TABLE_MISMATCH, cb.CHECKS_BY_NAME[cb.CHECK_TEXT_TABLE_MISMATCH].severity,
                    f"prose says {stated[0]} applications received ('{stated[1][:60]}'), "
                    f"§三 row 1 总计 is {table}")
