"""Who, when and where: a report's agency, year, administrative level and region.

Each field is read from an ordered list of named sources, tried in turn; the first that gives a
value wins, and the record keeps the name of the source (`agency_source`, `year_source`,
`region_source`) so analysts can filter on how a value was found. A field that no source states
stays NULL: nothing is guessed.

- agency: the title (a title line, the page's 标题/名称 field, or a title inside the first sentence,
  '现公布X2023年政府信息公开工作年度报告') → the page's metadata table (发布机构) → the first
  sentence ('本报告由X编制', '2023年，X认真…') → the contact line ('请与X联系').
- year: the title → the statistics period (also when malformed: '202111日至1231日') → the page's
  date fields (a report is published early in the following year) → the prose ('2023年，我镇…').
- region: the agency's name → the places the text names → the site's registration number
  (公网安备 NNNNNN…: the first six digits are the division code).
- level: the agency's name, else how the report refers to itself (我镇, 我局).

All searches run on squeezed lines (`textnorm.squeeze`: width folded, no spaces).
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from pipeline.core import codebook as cb
from pipeline.core.gazetteer import Region, locate, locate_in_text, region_of_code

_MARK = r"(?:政府信息与政务公开|政府信息公开|政务信息公开|政务公开|信息公开)"
_REPORT_END = r"(?:工作)?(?:开展)?(?:情况)?(?:年度)?(?:报告|年报)"
# a document about reports, not a report: notices, outlines, formats, work plans
_NOT_A_TITLE = re.compile(r"通知|关于做好|关于印发|提纲|格式|要点|方案|条例|办法|意见|制度|发布|公布|印发|解读|我市|我县|我区")
_BREADCRUMB = re.compile(r"[>|»]|首页|位置|导航")
_TITLE_LINE = re.compile(r"^(?:标题|名称|文件名称|题目)?[:：]?(.{2,60}?" + _MARK + r".{0,12}?" + _REPORT_END +
                         r")(?:\((?:20\d{2}年?|全文|公开版|正式稿)\))?$")
# a title running into the first sentence: '2024年丽水市政府信息公开工作年度报告根据…编制'
_TITLE_RUN_ON = re.compile(r"^(.{2,60}?" + _MARK + r".{0,12}?" + _REPORT_END +
                           r")(?=根据|依据|按照|本报告|本年度|为|现|一、)")
# a title inside a sentence: '现公布《钦北区2023年政府信息公开工作年度报告》', '特向社会公布市国资委2021年度…报告'
_TITLE_IN_SENTENCE = re.compile(r"(?:公布|公开|发布|编制了|编制|印发|呈报|报告)(?:了)?《?([^《》“”。，,；;：:()]{2,60}?"
                                + _MARK + r"[^《》“”。，,；;：:()]{0,12}?" + _REPORT_END + r")(?=[》。，,；;(]|$)")
_TITLE_QUOTED = re.compile(r"《([^《》]{2,60}?" + _MARK + r"[^《》]{0,12}?" + _REPORT_END + r")》")

_AGENCY_YEAR = re.compile(r"^(?:关于)?(?P<a>.+?)(?:关于)?(?P<y>20\d{2})年度?(?:的)?(?:本级)?" + _MARK)
_YEAR_AGENCY = re.compile(r"^(?P<y>20\d{2})年度?(?:的)?(?P<a>.+?)(?:的)?" + _MARK)
_AGENCY_MARK_YEAR = re.compile(r"^(?:关于)?(?P<a>.+?)" + _MARK + r"(?:工作)?(?P<y>20\d{2})年度?")
_AGENCY_ONLY = re.compile(r"^(?:关于)?(?P<a>.+?)" + _MARK)

_ORG_END = re.compile(r"(?:政府|局|委员会|委|办公室|办公厅|厅|中心|院|署|所|会|办|室|站|队|馆|处|社|部|"
                      r"镇|乡|街道|街|苏木|嘎查|村|县|区|旗|市|州|盟|地区|省|自治区|机关)$")
_NOT_AGENCY = re.compile(r"^(?:我|本|全|各|该|其|此)|[，,。；;：:《》“”\"()（）!?]|根据|按照|依据|现将|以下|年度")


_GENERIC = {"政府", "人民政府", "政务", "本级", "全市", "全县", "全区", "全省"}


class Title(NamedTuple):
    text: str
    source: str  # cb.SOURCE_TITLE_LINE, cb.SOURCE_METADATA_TABLE or cb.SOURCE_FIRST_SENTENCE


@dataclass(frozen=True)
class Identity:
    agency_name: str | None
    agency_source: str | None
    report_year: int | None
    year_source: str | None
    admin_level: str | None
    province: str | None
    city: str | None
    county: str | None
    region_source: str | None


# --- title ------------------------------------------------------------------------------------------

def _plausible_title(text: str) -> bool:
    return not _NOT_A_TITLE.search(text) and not _BREADCRUMB.search(text)


def find_title(lines: list[str], first_heading: int) -> Title | None:
    """The report's own title. `lines` are squeezed, in reading order; titles stand before the
    first section heading (index `first_heading`). A title split over lines is joined."""
    head = [s.replace("|", "") for s in lines[:max(first_heading, 1)][:120]]  # pipe cells: '标 题: | … |'
    for i, s in enumerate(head):
        field = s.startswith(("标题", "名称", "文件名称", "题目"))
        m = _TITLE_LINE.match(s) or _TITLE_RUN_ON.match(s)
        top = i  # the title's first line
        if m is None and not field and len(s) <= 40 and re.search(_REPORT_END + r"$", s):
            # the end of a title split over lines: join the lines before it
            joined = s
            for back in (1, 2, 3):
                if i - back < 0 or not head[i - back] or len(head[i - back]) > 40:
                    break
                joined = head[i - back] + joined
                m = _TITLE_LINE.match(joined)
                if m:
                    top = i - back
                    break
        if m and _plausible_title(m.group(1)):
            text = m.group(1)
            if agency_and_year(text)[0] is None and not field:
                text = _with_agency_above(head, top, text)
            return Title(text, cb.SOURCE_METADATA_TABLE if field else cb.SOURCE_TITLE)
    for s in lines[:max(first_heading, 1) + 3][:40]:
        for pattern in (_TITLE_IN_SENTENCE, _TITLE_QUOTED):
            for m in pattern.finditer(s):
                if _plausible_title(m.group(1)):
                    return Title(m.group(1), cb.SOURCE_FIRST_SENTENCE)
    return None


_PLACE_LINE = re.compile(r"^[\u4e00-\u9fff]{2,14}(?:省|自治区|市|州|盟|地区|区|县|旗)$")
_CHROME = re.compile(r"[:：>|]|首页|位置|来源|浏览|字号|字体|打印|分享|日期|时间")


def _with_agency_above(head: list[str], i: int, title: str) -> str:
    """'博山区源泉镇人民政府' / '2023年政府信息公开年度报告': the agency on the lines above a title
    whose first line is `head[i]`."""
    joined, found = title, title
    for back in (1, 2, 3):
        prev = head[i - back] if i - back >= 0 else ""
        if not prev or len(prev) > 30 or _CHROME.search(prev):
            break
        if found is not title and not _PLACE_LINE.match(prev):
            break  # above the agency, only a place name belongs to the title ('济南市历下区' / '泉城路街道办事处')
        joined = prev + joined
        if agency_and_year(joined)[0] is not None:
            found = joined
    return found


def agency_and_year(title: str | None) -> tuple[str | None, int | None]:
    """The agency as printed in a title, and the title's year ('2021年益阳市…报告' → 益阳市…)."""
    if not title:
        return None, None
    for pattern in (_YEAR_AGENCY, _AGENCY_YEAR, _AGENCY_MARK_YEAR, _AGENCY_ONLY):
        m = pattern.match(title)
        if m:
            agency = m.group("a")
            if agency.endswith("人民") and pattern in (_AGENCY_MARK_YEAR, _AGENCY_ONLY):
                agency += "政府"  # 'X人民政府信息公开工作年度报告': 政府 belongs to both
            year = int(m.group("y")) if "y" in m.groupdict() and m.group("y") else None
            if agency in _GENERIC:
                agency = None
            return (agency if _is_agency(agency) else None), year
    return None, None


def _is_agency(name: str | None) -> bool:
    return bool(name) and 2 <= len(name) <= 40 and not _NOT_AGENCY.search(name) \
        and not re.search(r"\d", name) and bool(_ORG_END.search(name))


# --- other sources of the agency ----------------------------------------------------------------------

_META_KEYS = r"(?:索引号|文号|发文字号|主题分类|所属主题|分类|发布日期|成文日期|发文日期|生成日期|有效性|主题词|标题|名称|来源|发布时间)"
_PUBLISHER = re.compile(r"(?:发布机构|发文机关|发布单位|公开主体|信息来源)[:：]?(.+?)(?=" + _META_KEYS + r"[:：]|$)")
_COMPILED_BY = re.compile(r"(?:本(?:年度)?报告|年度报告|本年报)?由([^，,。；;：:]{2,30}?)"
                          r"(?:按照|根据|依据|综合|结合|汇总|负责|编制|制作|起草)")
_SUBJECT_FIRST = re.compile(r"^(?:20\d{2}年(?:度|以来)?[,，])?([^，,。；;：:《》“”]{2,30}?)"
                            r"(?=认真|坚持|以习近平|以|在|严格|深入|紧紧|围绕|按照|根据|全面|持续|高度|始终|切实|"
                            r"紧扣|聚焦|不断|进一步|扎实|积极|依法|政府信息公开|政务公开)")
_CONTACT = re.compile(r"(?:请与|请联系|联系单位[:：]?|咨询请联系)([^，,。；;：:()（）]{2,30}?)(?:联系|\(|（|,|，|。|$)")
_SELF = {cb.LEVEL_TOWNSHIP: ("我镇", "我乡", "我街道", "本镇", "本乡", "本街道", "我街", "我苏木"),
         cb.LEVEL_DEPARTMENT: ("我局", "我委", "我办", "我厅", "我室", "本局", "本委", "本机关", "我中心", "我院", "我署")}


def _first_agency(pattern: re.Pattern, lines: list[str]) -> str | None:
    for s in lines:
        for m in pattern.finditer(s):
            name = _trim_agency(m.group(1))
            if _is_agency(name):
                return name
    return None


def _trim_agency(name: str) -> str:
    return re.sub(r"^由", "", name.strip())  # '本报告由X编制' (not 经开区, 为民服务中心)


def _agency_from_text(lines: list[str], first_heading: int) -> tuple[str | None, str | None]:
    head = lines[:max(first_heading, 1)]
    found = _first_agency(_PUBLISHER, head[:80])
    if found:
        return found, cb.SOURCE_METADATA_TABLE
    intro = [s for s in lines[:first_heading + 4] if len(s) > 40][:4]
    overview = [s for s in lines[first_heading + 1:first_heading + 6]] if first_heading < len(lines) else []
    for pattern, where in ((_COMPILED_BY, intro), (_SUBJECT_FIRST, overview)):
        found = _first_agency(pattern, where)
        if found:
            return found, cb.SOURCE_FIRST_SENTENCE
    found = _first_agency(_CONTACT, lines[:first_heading + 6])
    if found:
        return found, cb.SOURCE_CONTACT_LINE
    return None, None


# --- year -------------------------------------------------------------------------------------------

_PERIOD_YEAR = re.compile(r"统计(?:期限|时限|时间|期|区间|范围|周期)?(?:为|是|自|从|:|：)?[^。]{0,6}?(20\d{2})(?:年|\d)")
_PERIOD_END = re.compile(r"(?:截至|截止|截止到|截止至)(20\d{2})年12月31日")
_PAGE_DATE = re.compile(r"(?:发布日期|发布时间|成文日期|发文日期|生成日期|日期)[:：]?(20\d{2})[-年/.](\d{1,2})")
# a paragraph opening with its year: '2023年，我镇…', '(一)主动公开情况。2020年以来，…'
PROSE_YEAR_OPENING = re.compile(r"^(?:[(（]?[一二三四五六七八九十\d]{1,2}[)）、.][^。，,]{0,14}[。:：])?"
                         r"(20\d{2})年(?:度|以来|全年)?[,，]")


def _year_of_period(flat: str, period_end: dt.date | None) -> int | None:
    if period_end is not None:
        return period_end.year
    m = _PERIOD_YEAR.search(flat) or _PERIOD_END.search(flat)
    return int(m.group(1)) if m else None


def _year_of_page_date(lines: list[str], first_heading: int) -> int | None:
    for s in lines[:max(first_heading, 1)][:80]:
        m = _PAGE_DATE.search(s)
        if m and 1 <= int(m.group(2)) <= 6:  # reports are due by 31 January of the next year
            return int(m.group(1)) - 1
    return None


def _year_of_prose(lines: list[str]) -> int | None:
    years = Counter(int(m.group(1)) for s in lines for m in [PROSE_YEAR_OPENING.match(s)] if m)
    return years.most_common(1)[0][0] if years else None


# --- level ------------------------------------------------------------------------------------------

_TOWNSHIP = re.compile(r"(?:镇|乡|街道|街|苏木|街道办事处)(?:人民政府|政府)?(?:办事处|党政办公室|党政办|办公室)?$")
_DEPARTMENT = re.compile(r"(?:局|委员会|委|办公室|办公厅|厅|中心|院|署|所|研究室|室|办|站|队|馆|处|社|部|会|机关)$")
_GOVERNMENT = re.compile(r"(?:人民政府|政府)$")
_PROVINCES = ("北京市", "天津市", "上海市", "重庆市")


def admin_level(agency: str | None) -> str | None:
    """township / county / city / province / department, from the agency's name."""
    if not agency:
        return None
    if _TOWNSHIP.search(agency):
        return cb.LEVEL_TOWNSHIP
    if _DEPARTMENT.search(agency):
        return cb.LEVEL_DEPARTMENT
    place = _GOVERNMENT.sub("", agency)
    if place.endswith(("省", "自治区")) or place in _PROVINCES:
        return cb.LEVEL_PROVINCE
    if place.endswith(("县", "区", "旗", "特区", "林区")):
        return cb.LEVEL_COUNTY
    if place.endswith(("州", "盟", "地区")):
        return cb.LEVEL_CITY
    if place.endswith("市"):
        region = locate(place)
        return cb.LEVEL_COUNTY if region.county and place.endswith(region.county) else cb.LEVEL_CITY
    return None


def _level_of_self_reference(flat: str) -> str | None:
    counts = {level: sum(flat.count(w) for w in words) for level, words in _SELF.items()}
    level, n = max(counts.items(), key=lambda kv: kv[1])
    return level if n else None


# --- region -----------------------------------------------------------------------------------------

_PORTAL = re.compile(r"中国[·•・.]([\u4e00-\u9fff]{2,4}?)(?:市)?[”\"」』]?(?:政府|门户|网站|网)")
_SITE_CODE = re.compile(r"公网安备(\d{6})\d*号")
_ABOVE_COUNTY = re.compile(r"^(?:市|州|盟|省)|^[^县区旗镇乡]{1,8}?(?:市|州|盟|地区|省|自治区)(?:人民政府|政府)?"
                           r"(?!.*(?:县|区|旗))")


def _region(agency: str | None, level: str | None, text: str, flat: str) -> tuple[Region, str | None]:
    named = locate(agency) if agency else Region()
    if named.county is not None or (named.depth and level not in (cb.LEVEL_TOWNSHIP, None)):
        return named, cb.SOURCE_AGENCY
    above_county = level in (cb.LEVEL_CITY, cb.LEVEL_PROVINCE) or bool(agency and _ABOVE_COUNTY.search(agency)
                                                        and level != cb.LEVEL_TOWNSHIP)
    found = locate_in_text(agency, text)
    m = _SITE_CODE.search(flat)
    site = region_of_code(m.group(1)) if m else Region()
    if site.depth > found.depth and found.province in (None, site.province) and not above_county:
        return site, cb.SOURCE_SITE_REGISTRATION
    if found.depth == 0 and named.depth == 0:
        portal = _PORTAL.search(flat)  # a city's portal named in the text: '在“中国·济宁”政府门户网站'
        if portal:
            found = locate(portal.group(1) + "市")
    if found.depth > named.depth:
        if above_county and found.county is not None:
            found = Region(found.province, found.city, None, None)
        return found, cb.SOURCE_TEXT
    return named, (cb.SOURCE_AGENCY if named.depth else None)


# --- all together -----------------------------------------------------------------------------------

def identify(title: Title | None, lines: list[str], first_heading: int, text: str, flat: str,
             period_end: dt.date | None) -> Identity:
    """`title`: `find_title`'s; `lines`: the document's paragraphs and rows, squeezed; `first_heading`:
    the index in `lines` of the first section heading (len(lines) when none); `text`: the paragraphs
    joined by newlines; `flat`: the whole report squeezed."""
    agency, year = agency_and_year(title.text) if title else (None, None)
    agency_source = title.source if agency else None
    if agency is None:
        agency, agency_source = _agency_from_text(lines, first_heading)

    period_year = _year_of_period(flat, period_end)
    year_source = title.source if year else None
    if year is not None and title.source == cb.SOURCE_FIRST_SENTENCE and period_year not in (None, year):
        year, year_source = None, None  # a report name quoted in a sentence yields to the period
    for source, found in ((cb.SOURCE_PERIOD, lambda: period_year),
                          (cb.SOURCE_PAGE_DATE, lambda: _year_of_page_date(lines, first_heading)),
                          (cb.SOURCE_PROSE, lambda: _year_of_prose(lines[first_heading:]))):
        if year is not None:
            break
        year = found()
        year_source = source if year is not None else None

    level = admin_level(agency) or _level_of_self_reference(flat)
    region, region_source = _region(agency, level, text, flat)
    return Identity(agency, agency_source, year, year_source, level,
                    region.province, region.city, region.county, region_source)
