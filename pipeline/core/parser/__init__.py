"""One parser: document → `ReportRecord`, whatever format the document was read from."""
from __future__ import annotations

import re

from pipeline.core import codebook as cb
from pipeline.core import similarity
from pipeline.core.document import Document
from pipeline.core.parser import identity, metadata, prose, tables
from pipeline.core.parser.sections import heading_section, split_sections
from pipeline.core.records import (GRID_APPLICATION, GRID_PROACTIVE, GRID_REVIEW_LITIGATION, GRIDS,
                                   ReportRecord)
from pipeline.core.rejection import Rejected
from pipeline.core.textnorm import squeeze

# Bumped whenever reading or parsing changes what is extracted (the OCR rules too): cached results of
# older versions are redone.
PARSER_VERSION = "7"


def _not_a_report(why: str) -> Rejected:
    return Rejected(cb.REJECT_NOT_A_REPORT, f"not a government information disclosure annual report{why}")


def parse_document(doc: Document) -> ReportRecord:
    sections = split_sections(doc)
    paragraphs = [i.text for i in sections.items if not i.is_row]
    # every paragraph and row squeezed: a paragraph was squeezed (and memoised) when its heading was
    # looked for, and rows repeat across reports, so this costs little
    raw_lines = doc.text_lines()
    lines = [squeeze(line) for line in raw_lines]
    flat = "".join(lines)
    first_heading = next((i for i, line in enumerate(raw_lines) if heading_section(line)), len(lines))
    table_sections = [s for s in cb.TABLE_SECTIONS
                      if sections.rows(s) and any(i.is_row for i in sections.rows(s))]
    title = identity.find_title(lines, first_heading)
    _accept(title, table_sections, sections, lines, first_heading, flat)

    rec = ReportRecord()
    rec.period_start, rec.period_end = metadata.find_period(flat)
    who = identity.identify(title, lines, first_heading, "\n".join(paragraphs), flat, rec.period_end)
    rec.agency_name, rec.agency_source = who.agency_name, who.agency_source
    rec.report_year, rec.year_source = who.report_year, who.year_source
    rec.admin_level = who.admin_level
    rec.province, rec.city, rec.county = who.province, who.city, who.county
    rec.region_source = who.region_source
    _report_missing_metadata(rec)
    rec.format_version = metadata.detect_format(flat, rec.report_year)
    rec.published_on = metadata.find_published_on(paragraphs)
    rec.contact_phone, rec.contact_email, rec.postcode = metadata.find_contacts(flat, "\n".join(raw_lines))
    other = sections.paragraphs(cb.SECTION_OTHER)
    rest = [p for p in paragraphs if p not in other]
    fee_in_six, fee_elsewhere = metadata.find_processing_fee(other), metadata.find_processing_fee(rest)
    rec.processing_fee_yuan = fee_in_six[0] if fee_in_six[0] is not None else fee_elsewhere[0]  # §六 first

    where = cb.place_page if doc.source_format == "pdf" else cb.place_line  # how findings name a row's place
    rec.cell_sources = {grid: {} for grid in GRIDS}
    rec.proactive, found = tables.parse_proactive(sections.rows(cb.SECTION_PROACTIVE), rec.format_version,
                                                  rec.cell_sources[GRID_PROACTIVE], where)
    rec.findings.extend(found)
    rec.application, found = tables.parse_application(sections.rows(cb.SECTION_APPLICATION),
                                                      rec.format_version, rec.cell_sources[GRID_APPLICATION],
                                                      where)
    rec.findings.extend(found)
    rec.review_litigation, found = tables.parse_review(sections.rows(cb.SECTION_REVIEW),
                                                       rec.cell_sources[GRID_REVIEW_LITIGATION])
    rec.findings.extend(found)
    _compare_prose_to_table(rec, [i.text for i in sections.items if not i.is_row and i.section in
                                  (None, cb.SECTION_OVERVIEW, cb.SECTION_APPLICATION)],
                            [i.text for i in sections.rows(cb.SECTION_REVIEW) if not i.is_row])
    _check_prose_year(rec, sections.paragraphs(cb.SECTION_OVERVIEW), flat)
    _check_processing_fee(rec, fee_in_six, fee_elsewhere, other + rest)
    _check_empty_problems(rec, sections)

    first_table = min((sections.headings[s] for s in cb.TABLE_SECTIONS if s in sections.headings),
                      default=None)
    channel_paragraphs = [i.text for i in sections.items
                          if not i.is_row and (first_table is None or i.line < first_table)
                          and i.section in (None, cb.SECTION_OVERVIEW)]
    rec.channels = prose.extract_channels(channel_paragraphs)
    rec.proposals = prose.extract_proposals(paragraphs)

    heading_lines = set(sections.headings.values())
    rec.prose_shingles, rec.prose_signature = similarity.signature("".join(
        i.text for i in sections.items if not i.is_row and i.line not in heading_lines
        and i.section in (cb.SECTION_OVERVIEW, cb.SECTION_PROBLEMS, cb.SECTION_OTHER)))

    for s in (cb.SECTION_OVERVIEW, cb.SECTION_PROBLEMS, cb.SECTION_OTHER):
        if s not in sections.headings:
            label = next(c.label_zh for c in cb.SECTIONS if c.code == s)
            number = "一二三四五六"[[c.code for c in cb.SECTIONS].index(s)]
            rec.add_finding(cb.CHECK_MISSING_SECTION, cb.SEVERITY_WARNING, f"未找到第{number}部分“{label}”的标题")
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
    section headings, or 一、总体情况 with the topics of its sub-sections). Raises Rejected (not_a_report)."""
    listed = {identity.agency_and_year(m.group(1)) for s in lines[:max(first_heading, 1)][:80]
              for m in [_LISTED_REPORT.match(s)] if m}
    if len(listed) >= 3:
        names = "、".join(f"{a or ''}{y or ''}" for a, y in sorted(listed, key=str)[:3])
        raise _not_a_report(f": a list of {len(listed)} reports ({names} …)")
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
        raise _not_a_report(f": a notice ('{notice[:60]}'), with no report title, statistics table or report "
                            "outline")
    if not about_disclosure:
        raise _not_a_report(" (no 政府信息公开 title, statistics table or report outline)")
    raise _not_a_report(" (it mentions 政府信息公开, but has no report title, none of the statistics tables of §二, "
                        "§三, §四 and not the report outline)")


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
        rec.add_finding(cb.CHECK_MISSING_METADATA, _severity(cb.CHECK_MISSING_METADATA),
                        "；".join(missing))


_TABLE_CELLS = {  # what each kind of stated figure is compared with: the cells added up
    "received": (GRID_APPLICATION, ((cb.ROW_RECEIVED, cb.APPLICANT_TOTAL),)),
    "carried_over": (GRID_APPLICATION, ((cb.ROW_CARRIED_OVER, cb.APPLICANT_TOTAL),)),
    "carried_forward": (GRID_APPLICATION, ((cb.ROW_CARRIED_FORWARD, cb.APPLICANT_TOTAL),)),
    "review": (GRID_REVIEW_LITIGATION, ((cb.PROCEEDING_REVIEW, cb.OUTCOME_TOTAL),)),
    "litigation": (GRID_REVIEW_LITIGATION, ((cb.PROCEEDING_LITIGATION_DIRECT, cb.OUTCOME_TOTAL),
                                            (cb.PROCEEDING_LITIGATION_AFTER_REVIEW, cb.OUTCOME_TOTAL))),
}
_STATED_AS = {"received": "新收政府信息公开申请", "carried_over": "上年结转申请", "carried_forward": "结转下年度申请",
              "review": "政府信息公开行政复议", "litigation": "政府信息公开行政诉讼"}


def _severity(check: str) -> str:
    return cb.CHECKS_BY_NAME[check].severity


def _cell_name(grid: str, key: tuple[str, str]) -> str:
    if grid == GRID_APPLICATION:
        return cb.application_cell_label(*key)
    return f"{cb.PROCEEDING_LABELS[key[0]]} × {cb.OUTCOME_LABELS[key[1]]}"


def _compare_prose_to_table(rec: ReportRecord, paragraphs: list[str], review_paragraphs: list[str]) -> None:
    """text_table_mismatch: every figure the prose states about applications (新收, 上年结转,
    结转下年度) and about review and litigation (行政复议…件, 行政诉讼…件) against the table's cells.
    A figure whose cells are blank is not assessed."""
    for kind, stated, clause in prose.stated_figures(paragraphs, review_paragraphs):
        grid, keys = _TABLE_CELLS[kind]
        values = [getattr(rec, grid).get(k) for k in keys]
        if any(v is None for v in values) or sum(values) == stated:
            continue
        cells = " + ".join(_cell_name(grid, k) for k in keys)
        rec.add_finding(cb.CHECK_TEXT_TABLE_MISMATCH, _severity(cb.CHECK_TEXT_TABLE_MISMATCH),
                        f"正文称{_STATED_AS[kind]} {stated} 件（“{clause[:60]}”），表格 {cells} 为 {sum(values)}")


def _check_prose_year(rec: ReportRecord, overview: list[str], flat: str) -> None:
    """prose_year_mismatch: the statistics period, or the year opening §一 ('2022年，我镇…'), is not
    the report year."""
    if rec.report_year is None:
        return
    said = []
    if rec.period_end is not None and rec.period_start is not None \
            and rec.period_start.year == rec.period_end.year and rec.year_source != cb.SOURCE_PERIOD:
        period = f"{rec.period_start:%Y年%-m月%-d日}至{rec.period_end:%Y年%-m月%-d日}"
        said.append((rec.period_end.year, f"统计期限 {period}"))
    opening = next((m for p in overview[1:4] for m in [identity.PROSE_YEAR_OPENING.match(squeeze(p))] if m),
                   None)
    if opening is not None:
        said.append((int(opening.group(1)), f"第一部分开头“{squeeze(opening.string)[:30]}”"))
    for year, where in said:
        if year != rec.report_year:
            rec.add_finding(cb.CHECK_PROSE_YEAR_MISMATCH, _severity(cb.CHECK_PROSE_YEAR_MISMATCH),
                            f"年报年度为 {rec.report_year}，{where}为 {year} 年")


_FEE_CHARGED = re.compile(r"收取(?:了)?[^，,。；;]{0,10}?信息处理费")
_FEE_NOT = re.compile(r"未|不|无|没有|免|零")


def _check_processing_fee(rec: ReportRecord, fee_in_six: tuple[float | None, str | None],
                          fee_elsewhere: tuple[float | None, str | None], paragraphs: list[str]) -> None:
    """processing_fee_conflict: §六 says no processing fee was charged while the report states an
    amount elsewhere; or it says fees were charged and states no amount anywhere. The fees are
    `find_processing_fee`'s, of §六 and of the rest."""
    severity = _severity(cb.CHECK_PROCESSING_FEE_CONFLICT)
    (in_six, six_sentence), (elsewhere, sentence) = fee_in_six, fee_elsewhere
    if in_six == 0 and elsewhere:
        rec.add_finding(cb.CHECK_PROCESSING_FEE_CONFLICT, severity,
                        f"第六部分称未收取信息处理费（“{six_sentence[:50]}”），但正文另称收取 {elsewhere:g} 元"
                        f"（“{sentence[:50]}”）")
        return
    if rec.processing_fee_yuan is not None:
        return
    for text in paragraphs:
        for s in re.split(r"[。；;\n]", squeeze(text)):
            m = _FEE_CHARGED.search(s)
            if m and not _FEE_NOT.search(s[:m.end()]) and not re.search(r"\d", s):
                rec.add_finding(cb.CHECK_PROCESSING_FEE_CONFLICT, severity,
                                f"称收取了信息处理费（“{s[:50]}”），但未写明金额")
                return


def _check_empty_problems(rec: ReportRecord, sections) -> None:
    """empty_section: §五 has its heading and nothing else (or only '无')."""
    at = sections.headings.get(cb.SECTION_PROBLEMS)
    if at is None:
        return
    body = "".join(squeeze(i.text) for i in sections.rows(cb.SECTION_PROBLEMS)
                   if i.line != at and not i.is_row)
    if len(re.sub(r"[^\u4e00-\u9fff]", "", body).replace("无", "").replace("暂", "")) < 4:
        label = next(c.label_zh for c in cb.SECTIONS if c.code == cb.SECTION_PROBLEMS)
        rec.add_finding(cb.CHECK_EMPTY_SECTION, _severity(cb.CHECK_EMPTY_SECTION),
                        f"第五部分“{label}”只有标题，没有内容" + (f"（仅“{body[:10]}”）" if body else ""))
