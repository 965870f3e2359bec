"""A synthetic report: the truth a rendered file must parse back to, plus the faults injected."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from pipeline.core import codebook as cb

# Real places whose names resolve unambiguously: (province, city, county, townships).
PLACES = (
    ("山东省", "淄博市", "博山区", ("源泉镇", "池上镇", "博山镇")),
    ("江苏省", "苏州市", "昆山市", ("周庄镇", "千灯镇", "锦溪镇")),
    ("广东省", "佛山市", "南海区", ("狮山镇", "西樵镇", "九江镇")),
    ("湖南省", "长沙市", "浏阳市", ("大瑶镇", "官渡镇", "沙市镇")),
    ("安徽省", "黄山市", "黟县", ("宏村镇", "西递镇", "碧阳镇")),
    ("福建省", "泉州市", "安溪县", ("湖头镇", "蓬莱镇", "龙门镇")),
    ("河北省", "保定市", "涞源县", ("白石山镇", "王安镇", "银坊镇")),
    ("湖北省", "宜昌市", "秭归县", ("茅坪镇", "屈原镇", "归州镇")),
    ("山西省", "晋中市", "平遥县", ("古陶镇", "段村镇", "洪善镇")),
    ("黑龙江省", "哈尔滨市", "五常市", ("山河镇", "拉林镇", "向阳镇")),
    ("辽宁省", "大连市", "庄河市", ("青堆镇", "光明山镇", "大营镇")),
    ("广西壮族自治区", "桂林市", "阳朔县", ("兴坪镇", "白沙镇", "福利镇")),
    ("甘肃省", "张掖市", "临泽县", ("沙河镇", "板桥镇", "鸭暖镇")),
    ("贵州省", "六盘水市", "盘州市", ("柏果镇", "红果街道", "乐民镇")),
    ("江西省", "赣州市", "瑞金市", ("叶坪乡", "壬田镇", "沙洲坝镇")),
    ("浙江省", "湖州市", "安吉县", ("孝丰镇", "天荒坪镇", "递铺街道")),
)
DEPARTMENTS = ("教育局", "财政局", "自然资源局", "卫生健康局", "市场监督管理局", "人民政府办公室")
ACCOUNTS = ("幸福{town}", "{town}发布", "魅力{county}", "{county}之声", "美丽{town}")

FAULTS = ("balance_break", "row_total_break", "outcome_break", "review_break", "blank_cells",
          "truncated", cb.CHECK_TEXT_TABLE_MISMATCH, "distractors")


@dataclass(frozen=True)
class SynthChannel:
    channel: str
    items: int
    is_lower_bound: bool
    sentence: str
    account_name: str | None = None


@dataclass
class SynthReport:
    """The truth behind one synthetic file (what the warehouse must hold after parsing it)."""

    agency_name: str
    admin_level: str
    province: str | None
    city: str | None
    county: str | None
    place_words: tuple[str, str]  # the township and the jurisdiction whose website the prose names
    report_year: int
    format_version: str
    published_on: dt.date | None
    contact_phone: str | None
    contact_email: str | None
    postcode: str | None
    processing_fee_yuan: float | None
    application: dict[tuple[str, str], int | None]
    proactive: dict[tuple[str, str], float | None]
    review_litigation: dict[tuple[str, str], int | None]
    channels: list[SynthChannel]
    proposals: dict[str, int]
    faults: set[str] = field(default_factory=set)
    missing_rows: tuple[str, ...] = ()  # §三 rows cut off (a truncated table)
    prose_applications: int | None = None  # the figure §三's prose states for row 1 total

    @property
    def row_codes(self) -> tuple[str, ...]:
        return cb.application_row_codes(self.format_version)

    @property
    def period(self) -> tuple[dt.date, dt.date]:
        return dt.date(self.report_year, 1, 1), dt.date(self.report_year, 12, 31)


def _application(rng: random.Random, fmt: str) -> dict[tuple[str, str], int | None]:
    rows = cb.application_row_codes(fmt)
    outcomes = cb.outcome_row_codes(fmt)
    applicants = cb.APPLICANT_CODES[:-1]
    busy = rng.random() < 0.7
    grid: dict[tuple[str, str], int | None] = {}
    for a in applicants:
        weight = 1.0 if a == "natural_person" else 0.25
        for r in outcomes:
            hot = r in (cb.ROW_GRANTED, "3.2", "3.4.1", "3.3.4", "3.5.1", "3.6.3", "3.6")
            grid[(r, a)] = (rng.choice([0, 0, 0, rng.randint(1, 40)])
                            if busy and rng.random() < weight and hot else 0)
        handled = sum(grid[(r, a)] or 0 for r in outcomes)
        grid[(cb.ROW_TOTAL_HANDLED, a)] = handled
        grid[(cb.ROW_CARRIED_FORWARD, a)] = rng.randint(0, 5) if busy and rng.random() < weight * 0.5 else 0
        grid[(cb.ROW_CARRIED_OVER, a)] = rng.randint(0, handled) if handled and rng.random() < 0.4 else 0
        grid[(cb.ROW_RECEIVED, a)] = (handled + grid[(cb.ROW_CARRIED_FORWARD, a)]
                                      - grid[(cb.ROW_CARRIED_OVER, a)])
    for r in rows:
        grid[(r, cb.APPLICANT_TOTAL)] = sum(grid[(r, a)] or 0 for a in applicants)
    return grid


def _proactive(rng: random.Random, fmt: str) -> dict[tuple[str, str], float | None]:
    grid: dict[tuple[str, str], float | None] = {}
    for item, measures in cb.PROACTIVE_GRID[fmt].items():
        for m in measures:
            if m in cb.MONEY_MEASURES:
                grid[(item, m)] = rng.choice([0.0, round(rng.uniform(0.5, 900), 2),
                                              float(rng.randint(1, 300))])
            elif m in cb.SIGNED_MEASURES:
                grid[(item, m)] = float(rng.randint(-5, 12))
            else:
                grid[(item, m)] = float(rng.choice([0, 0, rng.randint(1, 30), rng.randint(10, 3000)]))
    return grid


def _review(rng: random.Random) -> dict[tuple[str, str], int | None]:
    grid: dict[tuple[str, str], int | None] = {}
    for p in cb.PROCEEDING_CODES:
        parts = [rng.choice([0, 0, 0, rng.randint(1, 6)]) for _ in cb.OUTCOME_CODES[:-1]]
        for o, v in zip(cb.OUTCOME_CODES[:-1], parts):
            grid[(p, o)] = v
        grid[(p, cb.OUTCOME_TOTAL)] = sum(parts)
    return grid


def _channels(rng: random.Random, town: str, county: str) -> list[SynthChannel]:
    out: list[SynthChannel] = []
    acct = rng.choice(ACCOUNTS).format(town=town[:-1] if len(town) > 2 else town, county=county[:-1])
    options = [
        lambda n: SynthChannel(cb.CHANNEL_WEBSITE, n, False, f"通过{county}人民政府门户网站主动公开政府信息{n}条"),
        lambda n: SynthChannel(cb.CHANNEL_WECHAT, n, False, f"依托微信公众号“{acct}”发布各类信息{n}条", acct),
        lambda n: SynthChannel(cb.CHANNEL_DOUYIN, n, False, f"通过抖音平台发布短视频{n}条"),
        lambda n: SynthChannel(cb.CHANNEL_WEIBO, n, True, f"在官方微博发布信息{n}余条"),
        lambda n: SynthChannel(cb.CHANNEL_BULLETIN_BOARD, n, False, f"利用村务公开栏张贴公示材料{n}份"),
        lambda n: SynthChannel(cb.CHANNEL_PRESS_CONFERENCE, n, False, f"召开新闻发布会{n}场"),
        lambda n: SynthChannel(cb.CHANNEL_OTHER_MEDIA, n, False, f"在学习强国平台刊发稿件{n}篇"),
    ]
    for make in rng.sample(options, rng.randint(0, 4)):
        out.append(make(rng.randint(1, 900) if rng.random() < 0.8 else rng.randint(1000, 20000)))
    if out and rng.random() < 0.5:
        per_item = [c for c in out if c.channel != cb.CHANNEL_PRESS_CONFERENCE]
        total = sum(c.items for c in per_item) + (0 if rng.random() < 0.8 else rng.randint(1, 50))
        if per_item:
            out.insert(0, SynthChannel(cb.CHANNEL_ALL, total, False, f"全年共主动公开政府信息{total}条"))
    return out


def random_report(rng: random.Random, faults: set[str] | None = None,
                  format_version: str | None = None) -> SynthReport:
    province, city, county, towns = rng.choice(PLACES)
    town = rng.choice(towns)
    level = rng.choices(("township", "county", "city", "department", "province"), (6, 2, 1, 2, 0.5))[0]
    if level == "township":
        agency = rng.choice([f"{county}{town}人民政府", f"{city}{county}{town}人民政府"])
        region = (province, city, county)
    elif level == "county":
        agency, region = f"{county}人民政府", (province, city, county)
    elif level == "city":
        agency, region = f"{city}人民政府", (province, city, None)
    elif level == "province":
        agency, region = f"{province}人民政府", (province, None, None)
    else:
        agency, region = f"{county}{rng.choice(DEPARTMENTS)}", (province, city, county)
    home = {"city": city, "province": province}.get(level, county)
    fmt = format_version or rng.choices(cb.FORMAT_VERSIONS, (4, 1))[0]
    year = rng.randint(2021, 2025) if fmt == cb.FORMAT_2021 else rng.choice((2019, 2020))
    published = dt.date(year + 1, 1, rng.randint(5, 31)) if rng.random() < 0.85 else None
    phone = f"0{rng.randint(10, 999)}-{rng.randint(1000000, 89999999)}" if rng.random() < 0.8 else None
    email = (f"gk{rng.randint(100, 99999)}@{rng.choice(['163.com', 'qq.com', 'gov.cn'])}"
             if rng.random() < 0.5 else None)
    postcode = f"{rng.randint(100000, 860000)}" if rng.random() < 0.5 else None
    fee = rng.choice([0.0, 0.0, 0.0, None, float(rng.randint(1, 300))])
    proposals: dict[str, int] = {}
    roll = rng.random()
    if roll < 0.4:
        proposals = {"npc_suggestion": rng.randint(1, 80), "cppcc_proposal": rng.randint(1, 90)}
    elif roll < 0.6:
        proposals = {"npc_suggestion": 0, "cppcc_proposal": 0}
    rep = SynthReport(agency, level, *region, (town, home), year, fmt, published, phone, email, postcode, fee,
                      _application(rng, fmt), _proactive(rng, fmt), _review(rng), _channels(rng, town, home),
                      proposals, set(faults or ()))
    _inject(rng, rep)
    return rep


def _bump(grid: dict, key: tuple[str, str], k: int) -> None:
    grid[key] = (grid[key] or 0) + k


def _inject(rng: random.Random, rep: SynthReport) -> None:
    """Apply the requested faults to the truth (the renderer prints the truth as it is)."""
    app = rep.application
    k = rng.randint(1, 5)
    if "balance_break" in rep.faults:
        _bump(app, (cb.ROW_RECEIVED, cb.APPLICANT_NATURAL_PERSON), k)
        _bump(app, (cb.ROW_RECEIVED, cb.APPLICANT_TOTAL), k)
    if "row_total_break" in rep.faults:
        _bump(app, (cb.ROW_GRANTED, cb.APPLICANT_TOTAL), k)
    if "outcome_break" in rep.faults:
        _bump(app, (cb.ROW_TOTAL_HANDLED, "commercial_enterprise"), k)
    if "review_break" in rep.faults:
        _bump(rep.review_litigation, (cb.PROCEEDING_REVIEW, cb.OUTCOME_TOTAL), k)
    if "blank_cells" in rep.faults:
        for _ in range(rng.randint(1, 3)):
            app[(rng.choice(rep.row_codes), rng.choice(cb.APPLICANT_CODES))] = None
        item, measures = rng.choice(list(cb.PROACTIVE_GRID[rep.format_version].items()))
        rep.proactive[(item, rng.choice(measures))] = None
    if "truncated" in rep.faults:
        cut = rng.randint(8, len(rep.row_codes) - 2)
        rep.missing_rows = rep.row_codes[cut:]
        for r in rep.missing_rows:
            for a in cb.APPLICANT_CODES:
                app[(r, a)] = None
    received = app[(cb.ROW_RECEIVED, cb.APPLICANT_TOTAL)]
    if received is not None:
        off = rng.randint(1, 9) if cb.CHECK_TEXT_TABLE_MISMATCH in rep.faults else 0
        rep.prose_applications = received + off
