"""Figures stated in prose: items disclosed per channel (§一) and proposals handled (§六).

Only counts of disclosed items or events are channel figures: a count needs a disclosure verb, a
unit of items, and a channel (or a stated total) in its own clause. Accounts closed, problems
fixed, trainings held and content categories ('工作动态36条') are left alone.
"""
from __future__ import annotations

import re

from pipeline.core import codebook as cb
from pipeline.core.records import ChannelCount, ProposalCount
from pipeline.core.textnorm import squeeze

_DIGIT = re.compile(r"\d")
_CLAUSE_SPLIT = re.compile(r"[，,；;。！？!?：:\n]")
# (?<!\d): a number is tried from its first digit only (a long digit run is linear, not quadratic)
_COUNT = re.compile(r"(近|约|超过|超)?(?<!\d)(\d+(?:\.\d+)?)(余|多)?(" + "|".join(cb.CHANNEL_UNITS)
                    + r")(?![\u4e00-\u9fff]{0,1}(?:人|户|次浏览))")
_QUOTED = re.compile(r"[“\"「『]([^”\"」』]{1,30})[”\"」』]")
_CHANNEL_KEYWORDS = sorted(((kw, c.code) for c in cb.CHANNELS for kw in c.keywords), key=lambda t: -len(t[0]))


# a count of information disclosed, with no channel: '…等信息主动公开201条' (a total, also when split by category)
_INFORMATION_DISCLOSED = re.compile(r"(?:(?:等|各类|政府)信息(?:主动)?|信息主动)(?:公开|发布)(?:共计?|累计|合计)?$|"
                                    r"主动(?:公开|发布)(?:各类)?(?:政府)?信息(?:共计?|累计|合计)?$")
_CHANNEL_WORDS = re.compile("|".join(re.escape(kw) for kw, _ in _CHANNEL_KEYWORDS))
_CHANNEL_OF = dict(_CHANNEL_KEYWORDS)


def _channels_in(text: str) -> list[tuple[int, int, str]]:
    """(start, end, channel) of channel words, without overlaps (the longest word at each place)."""
    return [(m.start(), m.end(), _CHANNEL_OF[m.group()]) for m in _CHANNEL_WORDS.finditer(text)]


def _account_for(sentence: str, channel: str) -> str | None:
    """A quoted account name written right next to the channel word ('“扬帆泽库”微信公众号')."""
    spans = [(s, e) for s, e, c in _channels_in(sentence) if c == channel]
    for q in _QUOTED.finditer(sentence):
        for s, e in spans:
            if 0 <= s - q.end() <= 2 or 0 <= q.start() - e <= 4 or q.start() < s and e < q.end():
                return q.group(1)  # also the name holding the channel word: '通过“瑞金市人民政府网”公开'
    return None


def extract_channels(paragraphs: list[str]) -> list[ChannelCount]:
    out: list[ChannelCount] = []
    for para in paragraphs:
        flat = squeeze(para)
        if not _DIGIT.search(flat):
            continue  # a count needs a number: most paragraphs are skipped here
        for sentence in re.split(r"[。！？!?\n]", flat):
            for clause in _CLAUSE_SPLIT.split(sentence):
                if _DIGIT.search(clause):
                    out.extend(_clause_counts(clause, sentence))
    return out


def _clause_counts(clause: str, sentence: str) -> list[ChannelCount]:
    found: list[ChannelCount] = []
    counts = list(_COUNT.finditer(clause))
    for i, m in enumerate(counts):
        unit = m.group(4)
        before = clause[counts[i - 1].end() if i else 0: m.start()]
        after = clause[m.end(): counts[i + 1].start() if i + 1 < len(counts) else len(clause)]
        context = before + m.group(0)
        if any(v in context for v in cb.CHANNEL_NEGATIVE_VERBS):
            continue
        chans = {c for _, _, c in _channels_in(before)}
        event = False
        if not chans and unit in cb.CHANNEL_EVENT_UNITS:
            chans = {c for _, _, c in _channels_in(after)} & {cb.CHANNEL_PRESS_CONFERENCE}
            event = bool(chans)
        content = unit == "个" and before.endswith(cb.CHANNEL_CONTENT_NOUNS)
        if unit == "个" and not chans:
            continue
        has_verb = any(v in before for v in cb.CHANNEL_VERBS) \
            or (event and any(v in clause for v in cb.CHANNEL_VERBS))
        if not has_verb:
            continue
        if unit in cb.CHANNEL_EVENT_UNITS and cb.CHANNEL_PRESS_CONFERENCE in chans:
            chans = {cb.CHANNEL_PRESS_CONFERENCE}  # '依托政府网站召开新闻发布会3场': the events are press conferences
        if len(chans) > 1:
            chans -= set(cb.GENERIC_CHANNELS)
        if not chans:
            total = any(t in before for t in cb.CHANNEL_TOTAL_MARKERS) and "信息" in before
            if (total or _INFORMATION_DISCLOSED.search(before)) and "申请" not in clause:
                channel = cb.CHANNEL_ALL
            else:
                continue
        elif len(chans) == 1:
            channel = next(iter(chans))
        else:
            channel = cb.CHANNEL_COMBINED
        if unit == "个" and channel != cb.CHANNEL_PRESS_CONFERENCE and not content:
            continue
        if unit in cb.CHANNEL_EVENT_UNITS and channel not in cb.CHANNELS_COUNTED_IN_EVENTS:
            if not any(k in clause for k in cb.CHANNELS_BY_CODE[cb.CHANNEL_PRESS_CONFERENCE].keywords):
                continue
        value = float(m.group(2))
        if not value.is_integer():
            continue
        account = _account_for(sentence, channel) if channel in cb.CHANNELS_WITH_ACCOUNTS else None
        found.append(ChannelCount(channel, int(value), bool(m.group(3)) or m.group(1) in ("超过", "超"),
                                  unit, clause, account))
    return found


_PROPOSAL_KW = sorted(((kw, p.code) for p in cb.PROPOSAL_TYPES for kw in p.keywords),
                      key=lambda t: -len(t[0]))
_PROPOSAL_WORDS = re.compile("|".join(re.escape(kw) for kw, _ in _PROPOSAL_KW))
_PROPOSAL_OF = dict(_PROPOSAL_KW)
_NUMBER_AFTER = re.compile(r"^(?:[^\d，,。；;]{0,6}?)(\d+)(件|条|个|项)")
_NEGATION = re.compile(r"未|没有|无")


def _joined(taken: list[tuple[int, int, str]], k: int, clause: str) -> bool:
    """The k-th proposal word is joined to one of the other type ('人大代表建议和政协提案')."""
    start, end, code = taken[k]
    before = taken[k - 1] if k else None
    after = taken[k + 1] if k + 1 < len(taken) else None
    return bool(before and before[2] != code and _CONJUNCTION.fullmatch(clause[before[1]:start])
                or after and after[2] != code and _CONJUNCTION.fullmatch(clause[end:after[0]]))


_CONJUNCTION = re.compile(r"和|及|与|、|以及|或")


def extract_proposals(paragraphs: list[str]) -> list[ProposalCount]:
    """人大代表建议 / 政协提案 handled: a number right after the words, or 0 when negated."""
    result: dict[str, ProposalCount] = {}
    for para in paragraphs:
        flat = squeeze(para)
        if not _PROPOSAL_WORDS.search(flat):
            continue
        for clause in re.split(r"[，,；;。！？!?\n]", flat):
            taken = [(m.start(), m.end(), _PROPOSAL_OF[m.group()]) for m in _PROPOSAL_WORDS.finditer(clause)]
            for k, (start, end, code) in enumerate(taken):
                if code in result:
                    continue
                num = _NUMBER_AFTER.match(clause[end:])
                if num and _joined(taken, k, clause):
                    continue  # '人大代表建议和政协提案共20件': a joint figure is neither type
                if num and not any(k in clause[end:end + num.start(1)] for k, _ in _PROPOSAL_KW):
                    result[code] = ProposalCount(code, int(num.group(1)), clause)
                elif _NEGATION.search(clause[:start]) and not re.search(r"\d", clause[end:end + 8]):
                    result[code] = ProposalCount(code, 0, clause)
    return [result[c] for c in cb.PROPOSAL_CODES if c in result]


_RECEIVED = re.compile(r"(?:新)?收到[^，,。；;\d]{0,24}?(?:申请|办件|申请件)[^，,。；;\d]{0,6}?(\d+)(?:件|个|条|份|宗)")
_NONE_RECEIVED = re.compile(r"(?:未|没有)(?:收到|受理)[^，,。；;\d]{0,16}?(?:申请|办件)")
_NOT_APPLICATIONS = ("结转", "人大", "政协", "提案", "建议", "复议", "诉讼", "信访", "咨询", "留言")


def applications_received(paragraphs: list[str]) -> tuple[int, str] | None:
    """The number of new disclosure applications the prose says were received, with its clause:
    '共收到政府信息公开申请15件' → 15, '未收到政府信息公开申请' → 0. None when the prose says nothing."""
    for para in paragraphs:
        flat = squeeze(para)
        if "申请" not in flat and "办件" not in flat:
            continue
        for clause in re.split(r"[，,；;。！？!?\n]", flat):
            if "申请" not in clause and "办件" not in clause or any(w in clause for w in _NOT_APPLICATIONS):
                continue
            m = _RECEIVED.search(clause)
            if m:
                return int(m.group(1)), clause
            if _NONE_RECEIVED.search(clause):
                return 0, clause
    return None


# Figures about applications, review and litigation stated in prose, with the table cell each is
# compared with: (kind, pattern giving the number, pattern of a statement that there were none).
_FIGURE_END = r"[^，,。；;\d]{0,16}?(\d+)(?:件|个|宗|起)"
_FIGURES = (
    ("carried_over", re.compile(r"上一?年度?结转" + _FIGURE_END), None),
    ("carried_forward", re.compile(r"结转(?:至|到)?下一?年度?(?:继续办理)?" + _FIGURE_END + r"|"
                                   r"(\d+)(?:件|个)[^，,。；;\d]{0,8}?结转(?:至|到)?下一?年度?"), None),
    ("review", re.compile(r"(?:行政复议|复议申请|复议案件)" + _FIGURE_END),
     re.compile(r"(?:未|没有|无)(?:发生|收到|出现|涉及|产生)?[^，,。；;\d]{0,12}?行政复议")),
    ("litigation", re.compile(r"(?:行政诉讼|诉讼案件)" + _FIGURE_END),
     re.compile(r"(?:未|没有|无)(?:发生|收到|出现|涉及|产生)?[^，,。；;\d]{0,12}?行政诉讼")),
)


def stated_figures(paragraphs: list[str], review_paragraphs: list[str] = ()) -> list[tuple[str, int, str]]:
    """Every figure the prose states about applications (received, carried over, carried forward)
    and about review and litigation, with its clause: [(kind, number, clause)], each once.
    Review and litigation figures count only in §四's prose or in a sentence about 信息公开 (an
    agency's other reviews and lawsuits are not the table's)."""
    out: list[tuple[str, int, str]] = []
    for in_review, paras in ((False, paragraphs), (True, review_paragraphs)):
        for para in paras:
            flat = squeeze(para)
            for sentence in re.split(r"[。！？!?\n]", flat):
                about_disclosure = in_review or "信息公开" in sentence
                for clause in re.split(r"[，,；;]", sentence):
                    out.extend(_clause_figures(clause, about_disclosure))
    seen: set = set()
    return [f for f in out if not (f[:2] in seen or seen.add(f[:2]))]


def _clause_figures(clause: str, about_disclosure: bool) -> list[tuple[str, int, str]]:
    found = []
    if ("申请" in clause or "办件" in clause) and not any(w in clause for w in _NOT_APPLICATIONS):
        m = _RECEIVED.search(clause)
        if m:
            found.append(("received", int(m.group(1)), clause))
        elif _NONE_RECEIVED.search(clause):
            found.append(("received", 0, clause))
    if "申请" in clause and not any(w in clause for w in ("复议", "诉讼", "人大", "政协")):
        for kind, pattern, _ in _FIGURES[:2]:
            m = pattern.search(clause)
            if m:
                found.append((kind, int(next(g for g in m.groups() if g)), clause))
    if about_disclosure and "复议" in clause and "诉讼" in clause:  # '行政复议和行政诉讼各1件': no figure
        if not _DIGIT.search(clause) and all(none.search(clause) for _, _, none in _FIGURES[2:]):
            found += [("review", 0, clause), ("litigation", 0, clause)]  # '未发生…行政复议、行政诉讼'
    elif about_disclosure:
        for kind, pattern, none in _FIGURES[2:]:
            m = pattern.search(clause)
            if m:
                found.append((kind, int(m.group(1)), clause))
            elif none is not None and none.search(clause):
                found.append((kind, 0, clause))
    return found
