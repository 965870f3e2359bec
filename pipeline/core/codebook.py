"""The one codebook: every code, Chinese label and label variant of the warehouse.

Everything else (parser, schemas, checks, label dimensions, tests) derives its codes from here.
Codes are the contract's (../CONTRACT.md in the shared folder, mirrored in the README).
"""
from __future__ import annotations

from dataclasses import dataclass

# --- formats -------------------------------------------------------------------------------

FORMAT_2021 = "2021"  # 国办公开办函〔2021〕30号
FORMAT_2019 = "2019"  # 国办公开办函〔2019〕60号 (reports for 2019 and 2020)
FORMAT_VERSIONS = (FORMAT_2021, FORMAT_2019)

SOURCE_FORMATS = ("txt", "docx", "html", "pdf", "doc", "xls", "unknown")
FILE_EXTENSIONS = {".txt": "txt", ".text": "txt", ".docx": "docx", ".html": "html", ".htm": "html",
                   ".pdf": "pdf", ".doc": "doc", ".wps": "doc", ".xls": "xls", ".et": "xls", ".xlsx": "xls"}
# .wps (WPS Writer) is read as Word 97–2003 binary and .et (WPS Spreadsheets) and .xlsx as spreadsheets: one
# source format per reader, so that byte-identical files under two extensions stay one report

STATUS_PARSED, STATUS_PARTIAL, STATUS_REJECTED = "parsed", "partial", "rejected"
STATUSES = (STATUS_PARSED, STATUS_PARTIAL, STATUS_REJECTED)

# Why a file is rejected (`pipeline.core.rejection.Rejected.reason`; the message says it for a person). A
# reader or parser bug is none of these: the file's row then says it is an internal error, to be reported.
REJECT_EMPTY = "empty"  # no bytes, or white space only
REJECT_WRONG_TYPE = "wrong_type"  # the bytes are not what the extension says, or a type that is not read
REJECT_BROKEN = "broken"  # damaged: the format's library cannot read it
REJECT_UNSAFE = "unsafe"  # hostile: a zip bomb, XML entity declarations
REJECT_TOO_LARGE = "too_large"  # past a bound: the file's bytes, a PDF's pages, a sheet's or a table's cells
REJECT_NO_TEXT = "no_text"  # a scan without a text layer that OCR did not (or could not) read
REJECT_NEEDS_CONVERTER = "needs_converter"  # an old Office file only LibreOffice reads (the caller converts)
REJECT_NOT_A_REPORT = "not_a_report"  # readable, but not a government information disclosure annual report
REJECT_REASONS = (REJECT_EMPTY, REJECT_WRONG_TYPE, REJECT_BROKEN, REJECT_UNSAFE, REJECT_TOO_LARGE,
                  REJECT_NO_TEXT, REJECT_NEEDS_CONVERTER, REJECT_NOT_A_REPORT)

LEVEL_PROVINCE, LEVEL_CITY, LEVEL_COUNTY, LEVEL_TOWNSHIP, LEVEL_DEPARTMENT = (
    "province", "city", "county", "township", "department")
ADMIN_LEVELS = (LEVEL_PROVINCE, LEVEL_CITY, LEVEL_COUNTY, LEVEL_TOWNSHIP, LEVEL_DEPARTMENT)
ADMIN_LEVEL_LABELS = {LEVEL_PROVINCE: "省级", LEVEL_CITY: "市级", LEVEL_COUNTY: "县级", LEVEL_TOWNSHIP: "乡镇（街道）",
                      LEVEL_DEPARTMENT: "部门"}


# --- where a report's agency, year and region were read (dim_report.*_source) ----------------------

SOURCE_TITLE = "title"  # the report's title line
SOURCE_METADATA_TABLE = "metadata_table"  # the page's 标题 / 发布机构 fields
SOURCE_FIRST_SENTENCE = "first_sentence"  # the opening sentence ('现公布X2023年…报告', '本报告由X编制')
SOURCE_CONTACT_LINE = "contact_line"  # '请与X联系'
SOURCE_PERIOD = "period"  # the statistics period
SOURCE_PAGE_DATE = "page_date"  # the page's 发布日期 (a report is published early in the next year)
SOURCE_PROSE = "prose"  # '2023年，我镇…'
SOURCE_AGENCY = "agency"  # the region of the agency's name
SOURCE_TEXT = "text"  # places the text names
SOURCE_SITE_REGISTRATION = "site_registration"  # the site's 公网安备 number (its division code)
METADATA_SOURCES = {
    SOURCE_TITLE: "标题", SOURCE_METADATA_TABLE: "网页信息栏", SOURCE_FIRST_SENTENCE: "首句",
    SOURCE_CONTACT_LINE: "联系方式", SOURCE_PERIOD: "统计期限", SOURCE_PAGE_DATE: "网页日期",
    SOURCE_PROSE: "正文", SOURCE_AGENCY: "机关名称", SOURCE_TEXT: "正文地名", SOURCE_SITE_REGISTRATION: "网站备案号",
}
# the sources of each field, in the order they are tried
AGENCY_SOURCES = (SOURCE_TITLE, SOURCE_METADATA_TABLE, SOURCE_FIRST_SENTENCE, SOURCE_CONTACT_LINE)
YEAR_SOURCES = (SOURCE_TITLE, SOURCE_METADATA_TABLE, SOURCE_FIRST_SENTENCE, SOURCE_PERIOD, SOURCE_PAGE_DATE,
                SOURCE_PROSE)
REGION_SOURCES = (SOURCE_AGENCY, SOURCE_TEXT, SOURCE_SITE_REGISTRATION)


@dataclass(frozen=True)
class Code:
    """A code with its Chinese label, its place in a hierarchy and the phrases that identify it."""

    code: str
    label_zh: str
    keywords: tuple[str, ...] = ()
    parent: str | None = None
    formats: tuple[str, ...] = FORMAT_VERSIONS
    exact: tuple[str, ...] = ()  # whole-label matches (after enumerators are stripped)

    @property
    def level(self) -> int:
        return self.code.count(".") + 1


# --- section 三: applicants (columns) --------------------------------------------------------

APPLICANT_NATURAL_PERSON, APPLICANT_TOTAL = "natural_person", "total"
APPLICANTS = (
    Code(APPLICANT_NATURAL_PERSON, "自然人", ("自然人",)),
    Code("commercial_enterprise", "商业企业", ("商业企业",)),
    Code("research_institution", "科研机构", ("科研机构",)),
    Code("social_welfare_org", "社会公益组织", ("社会公益组织", "公益组织")),
    Code("legal_service_org", "法律服务机构", ("法律服务机构",)),
    Code("other_org", "其他", ("其他",)),
    Code(APPLICANT_TOTAL, "总计", ("总计",)),
)
APPLICANT_CODES = tuple(a.code for a in APPLICANTS)
APPLICANT_GROUP_LEGAL_PERSON = "法人或其他组织"

# --- section 三: outcome rows -----------------------------------------------------------------
# Group codes (3, 3.3, 3.4, 3.5, 3.6 in 2021) are headings, not rows: their keywords narrow a label
# down to their children. Row 3.6 is a data row in the 2019 format only.

_BOTH, _2021, _2019 = FORMAT_VERSIONS, (FORMAT_2021,), (FORMAT_2019,)

APPLICATION_ROWS = (
    Code("1", "本年新收政府信息公开申请数量", ("本年新收", "新收政府信息公开申请")),
    Code("2", "上年结转政府信息公开申请数量", ("上年结转",)),
    Code("3.1", "予以公开", ("予以公开",)),
    Code("3.2", "部分公开", ("部分公开",)),
    Code("3.3.1", "属于国家秘密", ("国家秘密",), "3.3"),
    Code("3.3.2", "其他法律行政法规禁止公开", ("法律行政法规禁止", "行政法规禁止", "其他法律"), "3.3"),
    Code("3.3.3", "危及“三安全一稳定”", ("三安全一稳定", "危及"), "3.3"),
    Code("3.3.4", "保护第三方合法权益", ("第三方合法权益", "保护第三方"), "3.3"),
    Code("3.3.5", "属于三类内部事务信息", ("内部事务",), "3.3"),
    Code("3.3.6", "属于四类过程性信息", ("过程性信息",), "3.3"),
    Code("3.3.7", "属于行政执法案卷", ("执法案卷",), "3.3"),
    Code("3.3.8", "属于行政查询事项", ("行政查询",), "3.3"),
    Code("3.4.1", "本机关不掌握相关政府信息", ("不掌握",), "3.4"),
    Code("3.4.2", "没有现成信息需要另行制作", ("另行制作", "没有现成信息"), "3.4"),
    Code("3.4.3", "补正后申请内容仍不明确", ("仍不明确", "补正后申请"), "3.4"),
    Code("3.5.1", "信访举报投诉类申请", ("信访举报", "投诉类"), "3.5"),
    Code("3.5.2", "重复申请", ("重复申请",), "3.5"),
    Code("3.5.3", "要求提供公开出版物", ("公开出版物",), "3.5"),
    Code("3.5.4", "无正当理由大量反复申请", ("大量反复", "反复申请"), "3.5"),
    Code("3.5.5", "要求行政机关确认或重新出具已获取信息", ("重新出具", "已获取信息", "确认或重新"), "3.5"),
    Code("3.6", "其他处理", ("其他处理",), None, _2019),
    Code("3.6.1", "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
         ("逾期不补正", "不补正"), "3.6", _2021),
    Code("3.6.2", "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
         ("缴纳费用", "收费通知"), "3.6", _2021),
    Code("3.6.3", "其他", (), "3.6", _2021, exact=("其他",)),
    Code("3.7", "总计", ("总计",)),
    Code("4", "结转下年度继续办理", ("结转下年度", "转下一年度", "下年度继续", "转下年度")),
)

# Headings that group rows; a label mentioning one can only be one of its children.
ROW_GROUP_WITHHELD, ROW_GROUP_UNABLE, ROW_GROUP_NOT_PROCESSED, ROW_GROUP_OTHER = "3.3", "3.4", "3.5", "3.6"
APPLICATION_GROUPS = (
    Code("3", "本年度办理结果", ("本年度办理结果", "办理结果")),
    Code(ROW_GROUP_WITHHELD, "不予公开", ("不予公开",)),
    Code(ROW_GROUP_UNABLE, "无法提供", ("无法提供",)),
    Code(ROW_GROUP_NOT_PROCESSED, "不予处理", ("不予处理",)),
    Code(ROW_GROUP_OTHER, "其他处理", ("其他处理", "不再处理"), None, _2021),
)


# phrases of the rows only the 2021 format has (3.6.1 逾期不补正, 3.6.2 缴纳费用): a weaker sign of the format
# than its headers or the notice it cites
FORMAT_2021_ROW_PHRASES = tuple(r.keywords[0] for r in APPLICATION_ROWS if r.formats == _2021 and r.keywords)


def application_rows(format_version: str) -> tuple[Code, ...]:
    return tuple(r for r in APPLICATION_ROWS if format_version in r.formats)


def application_row_codes(format_version: str) -> tuple[str, ...]:
    return tuple(r.code for r in application_rows(format_version))


ROW_RECEIVED, ROW_CARRIED_OVER, ROW_TOTAL_HANDLED, ROW_CARRIED_FORWARD = "1", "2", "3.7", "4"
ROW_GRANTED, ROW_PARTLY_GRANTED = "3.1", "3.2"


def outcome_row_codes(format_version: str) -> tuple[str, ...]:
    """The rows whose sum must equal 3.7 (总计)."""
    return tuple(c for c in application_row_codes(format_version)
                 if c.startswith("3.") and c != ROW_TOTAL_HANDLED)


# --- section 二: Article 20 table -------------------------------------------------------------

ITEM_REGULATIONS, ITEM_NORMATIVE_DOCUMENTS, ITEM_FEES = "regulations", "normative_documents", "fees"
PROACTIVE_ITEMS = (
    Code(ITEM_REGULATIONS, "规章", ("规章",)),
    Code(ITEM_NORMATIVE_DOCUMENTS, "行政规范性文件", ("规范性文件",)),
    Code("licensing", "行政许可", ("行政许可",)),
    Code("other_services", "其他对外管理服务事项", ("其他对外管理服务", "对外管理服务"), None, _2019),
    Code("penalty", "行政处罚", ("行政处罚",)),
    Code("coercion", "行政强制", ("行政强制",)),
    Code(ITEM_FEES, "行政事业性收费", ("行政事业性收费", "事业性收费")),
    Code("procurement", "政府集中采购", ("政府集中采购", "集中采购"), None, _2019),
)

MEASURE_ISSUED, MEASURE_REPEALED, MEASURE_IN_FORCE = "issued", "repealed", "in_force"
PROACTIVE_MEASURES = (
    Code(MEASURE_ISSUED, "本年制发件数", ("本年制发", "制发件数"), None, _2021),
    Code(MEASURE_REPEALED, "本年废止件数", ("本年废止", "废止件数"), None, _2021),
    Code(MEASURE_IN_FORCE, "现行有效件数", ("现行有效",), None, _2021),
    Code("decisions", "本年处理决定数量", ("处理决定数量", "处理决定数")),
    Code("amount_10k_yuan", "本年收费金额（万元）", ("收费金额",), None, _2021),
    Code("made", "本年新制作数量", ("新制作",), None, _2019),
    Code("published", "本年新公开数量", ("新公开",), None, _2019),
    Code("total_published", "对外公开总数量", ("公开总数", "对外公开总"), None, _2019),
    Code("prior_items", "上一年项目数量", ("上一年项目", "上年项目"), None, _2019),
    Code("change", "本年增/减", ("本年增", "增/减", "增减"), None, _2019),
    Code("procurement_items", "采购项目数量", ("采购项目",), None, _2019),
    Code("procurement_amount", "采购总金额", ("采购总金额", "采购金额"), None, _2019),
)

# The measures each item carries, in the column order the format prints them.
PROACTIVE_GRID = {
    FORMAT_2021: {
        "regulations": ("issued", "repealed", "in_force"),
        "normative_documents": ("issued", "repealed", "in_force"),
        "licensing": ("decisions",),
        "penalty": ("decisions",),
        "coercion": ("decisions",),
        "fees": ("amount_10k_yuan",),
    },
    FORMAT_2019: {
        "regulations": ("made", "published", "total_published"),
        "normative_documents": ("made", "published", "total_published"),
        "licensing": ("prior_items", "change", "decisions"),
        "other_services": ("prior_items", "change", "decisions"),
        "penalty": ("prior_items", "change", "decisions"),
        "coercion": ("prior_items", "change", "decisions"),
        "fees": ("prior_items", "change"),
        "procurement": ("procurement_items", "procurement_amount"),
    },
}
# Every cell of the §三 and §二 grids of a format, in printed order: the parser's empty grids and
# the rows of fact_application and fact_proactive_disclosure for one report.
APPLICATION_CELLS = {f: tuple((r, a) for r in application_row_codes(f) for a in APPLICANT_CODES)
                     for f in FORMAT_VERSIONS}
PROACTIVE_CELLS = {f: tuple((i, m) for i, ms in PROACTIVE_GRID[f].items() for m in ms)
                   for f in FORMAT_VERSIONS}
MONEY_MEASURES = ("amount_10k_yuan", "procurement_amount")
SIGNED_MEASURES = ("change",)  # 本年增/减 may be negative

# Header phrases that tell the format apart.
FORMAT_MARKERS = {
    FORMAT_2021: ("本年制发件数", "现行有效件数"),
    FORMAT_2019: ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量"),
}
# The notice each format was issued with, however the brackets are typed: 国办公开办函〔2021〕30号,
# 【2021】30号, [2021]30号, 〔202130号, 国办发〔2021〕30号 (squeezed text).
FORMAT_CITATIONS = {FORMAT_2021: r"2021[〕\]】)）]?30号", FORMAT_2019: r"2019[〕\]】)）]?60号"}
FORMAT_FIRST_YEAR = {FORMAT_2021: 2021, FORMAT_2019: 2019}

# --- section 四: review and litigation --------------------------------------------------------

PROCEEDING_REVIEW, PROCEEDING_LITIGATION_DIRECT, PROCEEDING_LITIGATION_AFTER_REVIEW = (
    "review", "litigation_direct", "litigation_after_review")
OUTCOME_TOTAL = "total"
PROCEEDINGS = (
    Code(PROCEEDING_REVIEW, "行政复议", ("行政复议",)),
    Code(PROCEEDING_LITIGATION_DIRECT, "未经复议直接起诉", ("未经复议", "直接起诉")),
    Code(PROCEEDING_LITIGATION_AFTER_REVIEW, "复议后起诉", ("复议后起诉",)),
)
OUTCOMES = (
    Code("upheld", "结果维持", ("维持",)),
    Code("corrected", "结果纠正", ("纠正",)),
    Code("other", "其他结果", ("其他",)),
    Code("pending", "尚未审结", ("尚未审结", "审结")),
    Code(OUTCOME_TOTAL, "总计", ("总计",)),
)
PROCEEDING_CODES = tuple(p.code for p in PROCEEDINGS)
OUTCOME_CODES = tuple(o.code for o in OUTCOMES)
REVIEW_GRID = tuple((p, o) for p in PROCEEDING_CODES for o in OUTCOME_CODES)  # the printed order

# --- section 一: disclosure channels ----------------------------------------------------------
# Order matters only for readability; the parser treats `new_media` as generic (dropped when a
# more specific channel is named in the same clause).

CHANNEL_ALL, CHANNEL_WEBSITE, CHANNEL_WECHAT, CHANNEL_WEIBO, CHANNEL_DOUYIN = (
    "all", "website", "wechat", "weibo", "douyin")
CHANNEL_NEW_MEDIA, CHANNEL_OTHER_MEDIA, CHANNEL_BULLETIN_BOARD, CHANNEL_PRESS_CONFERENCE = (
    "new_media", "other_media", "bulletin_board", "press_conference")
CHANNEL_COMBINED, CHANNEL_OTHER = "combined", "other"
CHANNELS = (
    Code(CHANNEL_ALL, "全部渠道合计"),
    Code(CHANNEL_WEBSITE, "政府网站", ("政府网站", "门户网站", "人民政府网", "政府网", "网站")),
    Code(CHANNEL_WECHAT, "微信", ("微信", "公众号", "服务号")),
    Code(CHANNEL_WEIBO, "微博", ("微博",)),
    Code(CHANNEL_DOUYIN, "抖音", ("抖音",)),
    Code(CHANNEL_NEW_MEDIA, "政务新媒体", ("新媒体",)),
    Code(CHANNEL_OTHER_MEDIA, "其他媒体", ("学习强国", "电视台", "电视", "广播", "报纸", "报刊", "日报", "头条",
                                          "快手", "视频号", "客户端", "融媒体")),
    Code(CHANNEL_BULLETIN_BOARD, "公开栏/公示栏", ("公开栏", "公示栏", "公告栏", "宣传栏", "公示牌", "电子显示屏")),
    Code(CHANNEL_PRESS_CONFERENCE, "新闻发布会", ("新闻发布会", "发布会")),
    Code(CHANNEL_COMBINED, "多渠道合计"),
    Code(CHANNEL_OTHER, "其他渠道"),
)
CHANNEL_CODES = tuple(c.code for c in CHANNELS)
CHANNELS_BY_CODE = {c.code: c for c in CHANNELS}
GENERIC_CHANNELS = (CHANNEL_NEW_MEDIA,)
# channels whose statements may name an account ('微信公众号“X”发布…'); not a total, a board or a conference
CHANNELS_WITH_ACCOUNTS = (CHANNEL_WECHAT, CHANNEL_WEIBO, CHANNEL_DOUYIN, CHANNEL_WEBSITE, CHANNEL_NEW_MEDIA,
                          CHANNEL_OTHER_MEDIA)
# Units of disclosed items or events; others (个 账号, 处 问题, 名 人员, 次 培训 …) are not channel counts.
CHANNEL_UNITS = ("条", "篇", "则", "份", "件", "期", "场", "次", "幅", "张", "个")
CHANNEL_EVENT_UNITS = ("场", "次")
# channels whose counts may be events: press conferences, stated totals, postings on a board ('公示栏公开…60余次')
CHANNELS_COUNTED_IN_EVENTS = (CHANNEL_PRESS_CONFERENCE, CHANNEL_ALL, CHANNEL_BULLETIN_BOARD)
CHANNEL_VERBS = ("公开", "发布", "推送", "发表", "刊登", "刊发", "更新", "编发", "张贴", "召开", "举办", "播出",
                 "报道", "上传", "公示", "转载", "推出", "制作")
CHANNEL_NEGATIVE_VERBS = ("关停", "注销", "整改", "清理", "关闭", "下线", "培训", "整合")
CHANNEL_TOTAL_MARKERS = ("累计", "共", "总计", "合计", "全年", "各类", "全部")
# items counted with 个 only when they are pieces of content: '抖音号发布视频12个'
CHANNEL_CONTENT_NOUNS = ("视频", "短视频", "作品", "图文", "推文")

# --- section 六: NPC suggestions and CPPCC proposals ------------------------------------------

PROPOSAL_TYPES = (
    Code("npc_suggestion", "人大代表建议", ("人大代表建议", "人大建议", "代表建议", "人大代表议案")),
    Code("cppcc_proposal", "政协提案", ("政协委员提案", "政协提案", "委员提案")),
)
PROPOSAL_CODES = tuple(p.code for p in PROPOSAL_TYPES)

# --- sections ---------------------------------------------------------------------------------

SECTION_OVERVIEW, SECTION_PROACTIVE, SECTION_APPLICATION = "overview", "proactive", "application"
SECTION_REVIEW, SECTION_PROBLEMS, SECTION_OTHER = "review", "problems", "other"
SECTIONS = (
    Code(SECTION_OVERVIEW, "总体情况", ("总体情况",)),
    Code(SECTION_PROACTIVE, "主动公开政府信息情况", ("主动公开政府信息情况", "主动公开政府信息")),
    Code(SECTION_APPLICATION, "收到和处理政府信息公开申请情况", ("收到和处理政府信息公开申请", "收到和处理")),
    Code(SECTION_REVIEW, "政府信息公开行政复议、行政诉讼情况", ("行政复议",)),
    Code(SECTION_PROBLEMS, "存在的主要问题及改进情况", ("存在的主要问题", "主要问题及改进", "问题及改进")),
    Code(SECTION_OTHER, "其他需要报告的事项", ("其他需要报告",)),
)
TABLE_SECTIONS = (SECTION_PROACTIVE, SECTION_APPLICATION, SECTION_REVIEW)

# --- data-quality checks ----------------------------------------------------------------------

SEVERITY_ERROR, SEVERITY_WARNING = "error", "warning"
SEVERITIES = (SEVERITY_ERROR, SEVERITY_WARNING)


@dataclass(frozen=True)
class CheckDef:
    name: str
    severity: str
    table: str  # the contract table the check is about (where Dagster shows it)
    description: str
    # what a disclosure office reads (dim_check, the quality report); every check has both
    # (tests/test_expert_checks.py::test_every_check_has_a_chinese_description)
    description_zh: str = ""
    label_zh: str = ""  # a short Chinese name of the check (headings, filters)


CHECK_APPLICATION_BALANCE = "application_balance"
CHECK_APPLICATION_ROW_TOTAL = "application_row_total"
CHECK_APPLICATION_OUTCOME_TOTAL = "application_outcome_total"
CHECK_REVIEW_LITIGATION_TOTAL = "review_litigation_total"
CHECK_INCOMPLETE_TABLE = "incomplete_table"
CHECK_MISSING_SECTION = "missing_section"
CHECK_CHANNEL_SUM_MISMATCH = "channel_sum_mismatch"
CHECK_TEXT_TABLE_MISMATCH = "text_table_mismatch"
CHECK_CARRYOVER_MISMATCH = "carryover_mismatch"
CHECK_DUPLICATE_REPORT = "duplicate_report"
CHECK_MISSING_METADATA = "missing_metadata"
CHECK_VALUE_OUT_OF_RANGE = "value_out_of_range"
CHECK_TOO_MANY_FINDINGS = "too_many_findings"
CHECK_IN_FORCE_MISMATCH = "in_force_mismatch"
CHECK_PROSE_YEAR_MISMATCH = "prose_year_mismatch"
CHECK_PROCESSING_FEE_CONFLICT = "processing_fee_conflict"
CHECK_EMPTY_SECTION = "empty_section"
CHECK_SIMILAR_PROSE = "similar_prose"

# Sane bounds on what a report can state (checked where the record is made; a value outside is
# kept NULL with a `value_out_of_range` finding quoting it, never loaded and never a run failure).
# The largest real figures are far below: a ministry receives some 10⁴ applications a year, a
# website states some 10⁶ items. The bounds keep every count inside the contract's INTEGER.
MAX_COUNT = 100_000_000  # §三 §四 counts, proposals handled
MAX_CHANNEL_ITEMS = 1_000_000_000  # items or events per channel stated in §一 prose
MAX_AMOUNT = 1e12  # §二 figures (items, decisions, money in 万元), in absolute value
MAX_FEE_YUAN = 1e9  # processing fees charged, in 元
MAX_FINDINGS_PER_REPORT = 200  # more are dropped, and a last finding says how many

CHECKS = (
    CheckDef(CHECK_APPLICATION_BALANCE, SEVERITY_ERROR, "fact_application",
             "第一项+第二项 = 第三项总计+第四项, per applicant (row 1 + row 2 = row 3.7 + row 4).",
             "每类申请人：一、本年新收 + 二、上年结转 = 三（七）总计 + 四、结转下年度继续办理。", "申请数量收支不平"),
    CheckDef(CHECK_APPLICATION_ROW_TOTAL, SEVERITY_ERROR, "fact_application",
             "A row's 总计 equals the sum of its six applicant columns.",
             "第三部分表格每一行的“总计”栏等于六类申请人（自然人及五类法人或其他组织）之和。", "申请人合计不符"),
    CheckDef(CHECK_APPLICATION_OUTCOME_TOTAL, SEVERITY_ERROR, "fact_application",
             "Row 3.7 (总计) equals the sum of the outcome rows 3.1 … 3.6.x, per applicant.",
             "每类申请人：三（七）总计等于三（一）至三（六）各项办理结果之和。", "办理结果合计不符"),
    CheckDef(CHECK_REVIEW_LITIGATION_TOTAL, SEVERITY_ERROR, "fact_review_litigation",
             "Each proceeding's 总计 equals 维持 + 纠正 + 其他 + 尚未审结.",
             "第四部分：行政复议、未经复议直接起诉、复议后起诉各自的“总计”等于结果维持、结果纠正、其他结果、尚未审结之和。",
             "复议诉讼合计不符"),
    CheckDef(CHECK_INCOMPLETE_TABLE, SEVERITY_ERROR, "fact_application",
             "Rows or cells of a statistics table are missing, blank or cannot be placed.",
             "统计表的行或单元格缺失、空白或无法确定位置（不作猜测，留空）。", "统计表不完整"),
    CheckDef(CHECK_MISSING_SECTION, SEVERITY_WARNING, "dim_report",
             "A section of the standard outline was not found.",
             "未找到年报规定格式中的某一部分标题。", "缺少部分"),
    CheckDef(CHECK_CHANNEL_SUM_MISMATCH, SEVERITY_WARNING, "fact_disclosure_channel",
             "The stated total over all channels differs from the sum of the per-channel counts.",
             "第一部分所述各渠道公开信息合计数与各渠道数量之和不一致。", "渠道合计不符"),
    CheckDef(CHECK_TEXT_TABLE_MISMATCH, SEVERITY_WARNING, "fact_application",
             "A figure in the prose (新收 / 上年结转 / 结转下年度 applications, 行政复议…件, 行政诉讼…件) "
             "contradicts the §三 or §四 table.",
             "正文所述数字（新收申请、上年结转、结转下年度、行政复议…件、行政诉讼…件）与第三、四部分表格不一致。",
             "正文与表格不符"),
    CheckDef(CHECK_CARRYOVER_MISMATCH, SEVERITY_WARNING, "fact_application",
             "An agency's row 4 (结转下年度) for year N differs from its row 2 (上年结转) for year N+1, "
             "per applicant.",
             "同一机关：N年度“四、结转下年度继续办理”与N+1年度“二、上年结转政府信息公开申请数量”不一致（逐类申请人）。",
             "跨年度结转不符"),
    CheckDef(CHECK_DUPLICATE_REPORT, SEVERITY_WARNING, "dim_report",
             "The same agency and year were loaded from two different files.",
             "同一机关同一年度的年报从两个不同文件载入。", "重复年报"),
    CheckDef(CHECK_MISSING_METADATA, SEVERITY_WARNING, "dim_report",
             "A field analysts group by (agency, year, region, level) could not be read from the report.",
             "无法从年报读出机关名称、年度、地区或行政层级。", "基本信息缺失"),
    CheckDef(CHECK_IN_FORCE_MISMATCH, SEVERITY_WARNING, "fact_proactive_disclosure",
             "§二, 规章 and 行政规范性文件: 现行有效(t) = 现行有效(t−1) + 本年制发(t) − 本年废止(t), across an "
             "agency's reports of consecutive years (2021 format).",
             "第二部分规章、行政规范性文件：本年现行有效件数 = 上年现行有效件数 + 本年制发件数 − 本年废止件数"
             "（同一机关相邻年度）。", "现行有效件数不衔接"),
    CheckDef(CHECK_PROSE_YEAR_MISMATCH, SEVERITY_WARNING, "dim_report",
             "The year the prose gives for the period reported on (the statistics period, or the year "
             "opening §一) differs from the report year.",
             "正文所述统计期限或第一部分开头的年份与年报年度不一致。", "正文年份不符"),
    CheckDef(CHECK_PROCESSING_FEE_CONFLICT, SEVERITY_WARNING, "dim_report",
             "A processing fee is charged while §六 says none was, or fees were charged with no amount "
             "stated.",
             "第六部分称未收取信息处理费，但年报另有收费金额；或称收取了信息处理费却未写明金额。", "信息处理费矛盾"),
    CheckDef(CHECK_EMPTY_SECTION, SEVERITY_WARNING, "dim_report",
             "§五 (存在的主要问题及改进情况) has a heading but no text.",
             "第五部分“存在的主要问题及改进情况”只有标题，没有内容。", "第五部分为空"),
    CheckDef(CHECK_SIMILAR_PROSE, SEVERITY_WARNING, "dim_report",
             "The prose of §一, §五 and §六 is nearly identical to another agency's report, beyond phrases many "
             "agencies share (MinHash over character shingles).",
             "第一、五、六部分文字与另一机关的年报几乎相同（已除去多数机关共用的套话；按字符片段的MinHash估计）。",
             "文字雷同"),
    CheckDef(CHECK_VALUE_OUT_OF_RANGE, SEVERITY_ERROR, "fact_application",
             "A printed figure is negative, absurdly large or not a number (bounds in the codebook): the "
             "cell is left NULL and the finding quotes it.",
             "表格或正文中的数字为负数、大得不合理或不是数字（界限见代码本）：该单元格留空，问题详情引用原文。",
             "数值超出范围"),
    CheckDef(CHECK_TOO_MANY_FINDINGS, SEVERITY_WARNING, "dq_finding",
             f"A report had more than {MAX_FINDINGS_PER_REPORT} findings: the rest were dropped and this "
             "finding says how many.",
             f"一份年报的问题超过 {MAX_FINDINGS_PER_REPORT} 条：其余不再列出，本条说明略去的数量。", "问题过多"),
)
CHECKS_BY_NAME = {c.name: c for c in CHECKS}

# Checks of the build itself, not of a report: Dagster asset checks that block publication when they
# fail (they have no dq_finding rows: what they count is in the check's metadata).
CHECK_EVERY_FILE_ACCOUNTED = "every_file_accounted"
CHECK_FULL_APPLICATION_GRID = "full_application_grid"
STRUCTURAL_CHECKS = (
    CheckDef(CHECK_EVERY_FILE_ACCOUNTED, SEVERITY_ERROR, "raw_file",
             "Every file found under the raw folder has exactly one raw_file row (nothing silently skipped). "
             "Blocks publication when it fails.",
             "原始文件夹中的每个文件在 raw_file 中恰有一行（没有文件被悄悄略过）。不通过时不发布。",
             "每个文件都有记录"),
    CheckDef(CHECK_FULL_APPLICATION_GRID, SEVERITY_ERROR, "fact_application",
             "Every parsed report has every row × applicant cell of its format's §三 grid (NULL where the "
             "source is blank). Blocks publication when it fails.",
             "每份已解析的年报都有其格式第三部分表格的全部行×申请人单元格（原文空白处为空值）。不通过时不发布。",
             "申请表格完整"),
)


def check_description(check: CheckDef) -> str:
    """What Dagster shows of a check: its Chinese name and description first, then the English."""
    return f"{check.label_zh}：{check.description_zh}\n\n{check.description}"
CHECK_NAMES = tuple(c.name for c in CHECKS)
SEVERITY_LABELS = {SEVERITY_ERROR: "错误", SEVERITY_WARNING: "警告"}
STATUS_LABELS = {STATUS_PARSED: "已解析", STATUS_PARTIAL: "部分解析", STATUS_REJECTED: "未能读取"}

# --- Chinese names of grid cells (finding details) --------------------------------------------

_NUMERALS = "一二三四五六七八九十"


def application_row_label(code: str) -> str:
    """The row as printed in the §三 table: '1' → '一、本年新收政府信息公开申请数量',
    '3.1' → '三（一）予以公开', '3.3.3' → '三（三）3 危及“三安全一稳定”'."""
    label = next(r.label_zh for r in APPLICATION_ROWS if r.code == code)
    parts = [int(p) for p in code.split(".")]
    head = _NUMERALS[parts[0] - 1]
    if len(parts) == 1:
        return f"{head}、{label}"
    sub = f"{head}（{_NUMERALS[parts[1] - 1]}）"
    return f"{sub}{label}" if len(parts) == 2 else f"{sub}{parts[2]} {label}"


APPLICATION_ROW_LABELS = {r.code: application_row_label(r.code) for r in APPLICATION_ROWS}
APPLICANT_LABELS = {a.code: a.label_zh for a in APPLICANTS}
PROACTIVE_ITEM_LABELS = {c.code: c.label_zh for c in PROACTIVE_ITEMS}
PROACTIVE_MEASURE_LABELS = {c.code: c.label_zh for c in PROACTIVE_MEASURES}
PROCEEDING_LABELS = {c.code: c.label_zh for c in PROCEEDINGS}
OUTCOME_LABELS = {c.code: c.label_zh for c in OUTCOMES}


# --- incomplete_table details: what a disclosure office reads in dq_finding ------------------------
# Each opens with its section (§二 §三 §四): Dagster files the check under that section's table.
SECTION_TABLE_TITLES = {"§二": "第二部分“主动公开政府信息情况”表格",
                        "§三": "第三部分“收到和处理政府信息公开申请情况”表格",
                        "§四": "第四部分“政府信息公开行政复议、行政诉讼情况”的 15 个数字"}


def place_line(line: int) -> str:
    """Where a row stands in a text, a web page or a Word file."""
    return f"原文第 {line} 行"


def place_page(line: int) -> str:
    """Where a row stands in a PDF (whose readers number lines page × 1000 + position)."""
    return f"第 {line // 1000} 页"


def detail_table_not_found(section: str) -> str:
    return f"{section} 未找到{SECTION_TABLE_TITLES[section]}，其单元格全部为空值"


def detail_unplaced_row(where: str, label: str) -> str:
    return f"§三 {where}：“{label}”一行对应不到表中的任何一行，已略去"


def detail_ambiguous_row(where: str) -> str:
    return f"§三 {where}：一行没有标题的数字可放在不止一行，表内的勾稽关系都不能确认是哪一行，留为空值"


def detail_undivided_row(where: str, label: str, row_codes) -> str:
    rows = "、".join(APPLICATION_ROW_LABELS.get(c, c) for c in row_codes)
    return f"§三 {where}：“{label}”一行合并了{rows}，其数字不属于其中任何一行，留为空值"


def detail_row_width(section: str, row: str, where: str, cells: int, columns) -> str:
    return (f"{section} {row}（{where}）：{cells} 个单元格，表格有 {len(columns)} 列"
            f"（{'、'.join(columns)}），留为空值")


def detail_blank_cells(section: str, row: str, where: str, cells) -> str:
    return f"{section} {row}（{where}）：空白单元格 {'、'.join(cells)}"


def application_row_short(code: str) -> str:
    """The §三 row's number as printed: '3.3.8' → '三（三）8', '3.7' → '三（七）总计'."""
    return APPLICATION_ROW_LABELS[code].split(" ")[0]


def detail_rows_missing(section: str, rows) -> str:
    return f"{section} 原文缺少以下各行：{'；'.join(rows)}"


def detail_unnamed_review_rows(count: int, width: int) -> str:
    return f"§四：{count} 行各 {width} 个数字，未写明属于行政复议还是行政诉讼，留为空值"


def detail_review_blanks(cells) -> str:
    return f"§四 空白或无法定位的单元格：{'、'.join(cells)}"


def application_cell_label(row_code: str, applicant: str) -> str:
    """'三（三）3 危及“三安全一稳定” × 法律服务机构'."""
    return f"{APPLICATION_ROW_LABELS[row_code]} × {APPLICANT_LABELS[applicant]}"
