"""One parser: document → `ReportRecord`, whatever format the document was read from."""
from __future__ import annotations

import re

from pipeline.core import codebook as cb
from pipeline.core.document import Document
from pipeline.core.parser import identity, metadata, prose, tables
from pipeline.core.parser.sections import heading_section, split_sections
from pipeline.core.records import ReportRecord
from pipeline.core.textnorm import squeeze

# Bumped whenever parsing changes what it extracts: cached results of older versions are redone.
PARSER_VERSION = "2"


class NotAReport(ValueError):
    """The document is not a government information disclosure annual report."""


def parse_document(doc: Document) -> ReportRecord:
    sections = split_sections(doc)
    paragraphs = [i.text for i in sections.items if not i.is_row]
    # every paragraph and row squeezed: a paragraph was squeezed (and memoised) when its heading was
    # looked for, and rows repeat across reports, so this costs little
    raw_lines = doc.text_lines()
    lines = [squeeze(line) for line in raw_lines]
    flat = "".join(lines)
    first_heading = next((i for i, line in enumerate(raw_lines) if heading_section(line)), len(lines))
    table_sections = [s for s in cb.TABLE_SECTIONS if sections.rows(s) and any(i.is_row for i in sections.rows(s))]
    title = identity.find_title(lines, first_heading)
    _accept(title, table_sections, sections, lines, first_heading, flat)

    rec = ReportRecord()
    rec.period_start, rec.period_end = metadata.find_period(flat)
    who = identity.identify(title, lines, first_heading, "\n".join(paragraphs), flat, rec.period_end)
    rec.agency_name, rec.agency_source = who.agency_name, who.agency_source
    rec.report_year, rec.year_source = who.report_year, who.year_source
    rec.admin_level = who.admin_level
    rec.province, rec.city, rec.county, rec.region_source = who.province, who.city, who.county, who.region_source
    _report_missing_metadata(rec)
    rec.format_version = metadata.detect_format(flat, rec.report_year)
    rec.published_on = metadata.find_published_on(paragraphs)
    rec.contact_phone, rec.contact_email, rec.postcode = metadata.find_contacts(flat, "\n".join(raw_lines))
    other = sections.paragraphs(cb.SECTION_OTHER)
    rec.processing_fee_yuan, _ = metadata.find_processing_fee(other + [p for p in paragraphs if p not in other])

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


_NOTICE = re.compile(r"^.{0,30}?(?:关于|转发|印发).{2,60}(?:通知|通报|批复|函|意见|方案|要点|办法)$|"
                     r"^.{2,40}(?:工作要点|实施方案|工作方案)$")
# the document says it is the report: '现公布我乡2023年政府信息公开工作年度报告'
_PUBLISHES_ITSELF = re.compile(r"(?:现|特|现将|现向社会|特向社会)(?:予以)?(?:公布|公开|发布)了?《?[^《》。，,]{0,40}?"
                               r"(?:政府信息公开|政务公开)[^《》。，,]{0,12}?(?:年度报告|年报)")
# a list page of reports: report titles at the start of their lines, of several agencies or years
_LISTED_REPORT = re.compile(r"^[·•\-*\d.、]*([\u4e00-\u9fff()（）]{0,30}?20\d{2}年度?.{0,20}?(?:政府信息公开|政务公开)"
                            r".{0,8}?(?:年度报告|年报))")
_SUBTOPICS = ("主动公开", "依申请公开", "收到和处理", "政府信息管理", "平台建设", "监督保障", "行政复议")


def _accept(title: identity.Title | None, table_sections: list[str], sections, lines: list[str],
            first_heading: int, flat: str) -> None:
    """A report is recognised by evidence: its title (anywhere: a title line, the page's 标题 field,
    inside the first sentence), one of its statistics tables, or the report's outline (two of its
    section headings, or 一、总体情况 with the topics of its sub-sections). Raises NotAReport."""
    listed = {identity.agency_and_year(m.group(1)) for s in lines[:max(first_heading, 1)][:80]
              for m in [_LISTED_REPORT.match(s)] if m}
    if len(listed) >= 3:
        names = "、".join(f"{a or ''}{y or ''}" for a, y in sorted(listed, key=str)[:3])
        raise NotAReport(f"not a government information disclosure annual report: a list of {len(listed)} "
                         f"reports ({names} …)")
    if title is not None and identity.agency_and_year(title.text)[0] is not None or table_sections \
            or _PUBLISHES_ITSELF.search(flat):
        return
    notice = next((s for s in lines[:max(first_heading, 1)][:20] if _NOTICE.match(s)), None)
    headings = set(sections.headings)
    topics = sum(1 for t in _SUBTOPICS if t in flat)
    outline = sum(1 for section in cb.SECTIONS if any(k in flat for k in section.keywords))
    about_disclosure = "政府信息公开" in flat or "政务公开" in flat
    if about_disclosure and not notice and (len(headings) >= 2 or outline >= 4
                                            or (cb.SECTION_OVERVIEW in headings and topics >= 1)):
        return
    if notice:
        raise NotAReport(f"not a government information disclosure annual report: a notice ('{notice[:60]}'), "
                         "with no report title, statistics table or report outline")
    if not about_disclosure:
        raise NotAReport("not a government information disclosure annual report "
                         "(no 政府信息公开 title, statistics table or report outline)")
    raise NotAReport("not a government information disclosure annual report (it mentions 政府信息公开, but has "
                     "no report title, none of the statistics tables of §二, §三, §四 and not the report outline)")


_MISSING = {
    "agency_name": "机关名称：标题、网页信息栏、首句和联系方式均未写明",
    "report_year": "报告年度：标题、统计期限、网页日期和正文均未写明",
    "admin_level": "行政层级：机关名称和正文自称均不能判断",
    "province": "所在地区：机关名称、正文地名和网站备案号均不能判断",
}


def _report_missing_metadata(rec: ReportRecord) -> None:
    """missing_metadata (a warning) names each field analysts group by that could not be read."""
    missing = [why for name, why in _MISSING.items() if getattr(rec, name) is None]
    if missing:
        rec.add_finding(cb.CHECK_MISSING_METADATA, cb.CHECKS_BY_NAME[cb.CHECK_MISSING_METADATA].severity,
                        "；".join(missing))


def _compare_prose_to_table(rec: ReportRecord, paragraphs: list[str]) -> None:
    """text_table_mismatch: the prose's count of applications received against §三 row 1 总计."""
    stated = prose.applications_received(paragraphs)
    table = rec.application.get((cb.ROW_RECEIVED, "total"))
    if stated is None or table is None or stated[0] == table:
        return
    rec.add_finding(cb.CHECK_TEXT_TABLE_MISMATCH, cb.CHECKS_BY_NAME[cb.CHECK_TEXT_TABLE_MISMATCH].severity,
                    f"prose says {stated[0]} applications received ('{stated[1][:60]}'), "
                    f"§三 row 1 总计 is {table}")
