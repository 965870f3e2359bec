"""Report metadata: period, publication date, contacts, fee, format (who/when/where: `identity`).

Searches over a whole report take its text squeezed (`textnorm.squeeze`: width folded, no spaces),
which the parser builds once per report from the squeezed paragraphs and rows."""
from __future__ import annotations

import datetime as dt
import re

from pipeline.core import codebook as cb
from pipeline.core.textnorm import squeeze

_DATE = r"(?:(20\d{2})年)?(\d{1,2})月(\d{1,2})日"
_PERIOD = re.compile(r"(20\d{2})年(\d{1,2})月(\d{1,2})日(?:起)?[,，]?(?:至|到|—|-|~|－)" + _DATE)
_FULL_DATE = re.compile(r"^(20\d{2})年(\d{1,2})月(\d{1,2})日$")


def _date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def find_period(flat: str) -> tuple[dt.date | None, dt.date | None]:
    """The statistics period ('2023年1月1日至12月31日'), preferring one near 统计, in squeezed text."""
    matches = list(_PERIOD.finditer(flat))
    if not matches:
        return None, None
    near = [m for m in matches if "统计" in flat[max(0, m.start() - 30): m.start()]]
    m = (near or matches)[0]
    y1 = int(m.group(1))
    y2 = int(m.group(4)) if m.group(4) else y1
    return _date(y1, int(m.group(2)), int(m.group(3))), _date(y2, int(m.group(5)), int(m.group(6)))


_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}


def _cn_number(s: str) -> int | None:
    if all(ch in _CN_DIGITS for ch in s):
        return int("".join(str(_CN_DIGITS[ch]) for ch in s)) if s else None
    if "十" in s:
        tens, _, units = s.partition("十")
        t = _CN_DIGITS.get(tens, None) if tens else 1
        u = _CN_DIGITS.get(units, None) if units else 0
        return None if t is None or u is None else t * 10 + u
    return None


_CN_DATE = re.compile(r"^([〇○零Ｏ一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日$")


def find_published_on(paragraphs: list[str]) -> dt.date | None:
    """The date printed under the signature at the very end ('2024年1月22日', '二〇二四年一月二十二日')."""
    for text in reversed(paragraphs[-12:]):  # below the signature; saved pages end with footers
        s = squeeze(text)
        m = _FULL_DATE.match(s)
        if m:
            return _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = _CN_DATE.match(s)
        if m:
            y, mo, d = (_cn_number(g) for g in m.groups())
            if y and mo and d:
                return _date(y, mo, d)
    return None


_PHONE = re.compile(r"(?:电话|热线|联系方式|Tel)[^0-9(]{0,12}"
                    r"(1[3-9]\d{9}(?!\d)|\(0\d{2,3}\)\d{7,8}|(?:0\d{2,3}[-－—]?)?\d{7,8})", re.I)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_POSTCODE = re.compile(r"(?:邮编|邮政编码)[^0-9]{0,3}(\d{6})(?!\d)")


_SPACED_PHONE = re.compile(r"(?<!\d)(0\d{2,3})[ \u3000\u00a0]+(\d{7,8})(?!\d)")


def find_contacts(flat: str, text: str = "") -> tuple[str | None, str | None, str | None]:
    """Phone, e-mail and postcode, in squeezed text. A phone whose area code is set off by a space
    ('0551 63357120') is kept as printed, from the unsqueezed `text`."""
    phone = _PHONE.search(flat)
    email = _EMAIL.search(flat)
    post = _POSTCODE.search(flat)
    number = phone.group(1).replace("－", "-").replace("—", "-") if phone else None
    if number and number.isdigit() and number.startswith("0"):
        printed = next((f"{m.group(1)} {m.group(2)}" for m in _SPACED_PHONE.finditer(text)
                        if m.group(1) + m.group(2) == number), None)
        number = printed or number
    return (number, email.group(0).rstrip(".") if email else None, post.group(1) if post else None)


_FEE_TOPIC = re.compile(r"信息处理费|处理费|收费事项|收取.{0,12}费用|收费情况|费用收取|收费通知|实际收取")
_FEE_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)(万)?元")
_FEE_NONE = re.compile(r"未|无|没有|不存在|零|均不收取|免费|(?:均|都)?为0(?:元)?$")


def find_processing_fee(paragraphs: list[str]) -> tuple[float | None, str | None]:
    """Fees charged for information processing (元): 0 when the report says none, None when silent."""
    for text in paragraphs:
        for sentence in re.split(r"[。；;\n]", squeeze(text)):
            if not _FEE_TOPIC.search(sentence) or cb.PROACTIVE_ITEM_LABELS[cb.ITEM_FEES] in sentence:
                continue
            amount = _FEE_AMOUNT.search(sentence)
            if amount:
                v = float(amount.group(1)) * (10000 if amount.group(2) else 1)
                return v, sentence
            if _FEE_NONE.search(sentence):
                return 0.0, sentence
    return None, None


def detect_format(flat: str, report_year: int | None) -> str:
    """'2019' or '2021', in squeezed text: the Article 20 table's own headers win; then the notice
    cited (〔2019〕60号 cited by a report for 2021 or later does not make it a 2019-format report:
    the 2021 notice supersedes it from that year on); then the report year."""
    for fmt in (cb.FORMAT_2019, cb.FORMAT_2021):
        if any(m in flat for m in cb.FORMAT_MARKERS[fmt]):
            return fmt
    cited = [fmt for fmt in (cb.FORMAT_2021, cb.FORMAT_2019) if re.search(cb.FORMAT_CITATIONS[fmt], flat)]
    if cb.FORMAT_2021 in cited:
        return cb.FORMAT_2021
    if any(phrase in flat for phrase in cb.FORMAT_2021_ROW_PHRASES):
        return cb.FORMAT_2021
    if cited and (report_year is None or report_year < cb.FORMAT_FIRST_YEAR[cb.FORMAT_2021]):
        return cb.FORMAT_2019
    if report_year is not None and report_year < cb.FORMAT_FIRST_YEAR[cb.FORMAT_2021]:
        return cb.FORMAT_2019
    return cb.FORMAT_2021
