"""Reports as text copied from web pages, written apart from `pipeline.synth`'s renderer: the
tables as a browser's copy gives them (a cell per spanned cell, rowspans only in their first row),
with the quirks real pages show. The truth is a `pipeline.synth.model.SynthReport`.

Knobs, each drawn per report: how cells are separated (pipe at the end only, outer pipes, tight
pipes, one cell per line ending in ' |', tabs, runs of spaces); how a blank cell is written ('',
'/', '-', '—', '——', '无'); digits full-width or with thousands separators; headers stamped with the
year or mistyped; rows run together on one line; §四 as one table, three small tables under
headings, labelled rows, or header and values apart; markdown headings and '|---|' rules.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from pipeline.core import codebook as cb
from pipeline.synth.model import SynthReport

FULL_WIDTH = str.maketrans("0123456789,.-", "０１２３４５６７８９，．－")
SEPARATORS = ("pipe_at_end", "outer_pipes", "tight_pipes", "cell_lines", "tabs", "spaces")
REVIEW_LAYOUTS = ("one_row", "pieces", "labelled_rows", "header_apart")


@dataclass
class Knobs:
    separator: str
    blank: str
    full_width: bool
    thousands: bool
    year_headers: bool
    run_together: bool
    review: str
    markdown: bool
    glued: bool = False  # a row's label and its one-digit values run together ('规章000')
    undivided: bool = False  # a 2021 table printing （六）其他处理 as one row (its 3.6.x are NULL)
    split_header: bool = False  # §二's header cells over two lines ('本年制发' / '件数')
    page_break: bool = False  # §三's header repeated mid-table after a page number
    torn_labels: bool = False  # a converter's table: each §三 label on a line of its own above its values
    padding: str = ""  # '', 'end' (rows padded to the grid's width: '| ||||'), 'span' (a spanned
    #                    label cell copied as empty cells after it)

    @property
    def name(self) -> str:
        return f"{self.separator}/{self.review}"


def draw_knobs(rng: random.Random) -> Knobs:
    return Knobs(rng.choice(SEPARATORS), rng.choice(("", "", "/", "-", "—", "——", "无")), rng.random() < 0.2,
                 rng.random() < 0.3, rng.random() < 0.3, rng.random() < 0.3, rng.choice(REVIEW_LAYOUTS),
                 rng.random() < 0.4, rng.random() < 0.3, rng.random() < 0.15, rng.random() < 0.3,
                 rng.random() < 0.3, rng.random() < 0.2, rng.choice(("", "", "end", "span")))


def apply_truth(rep: SynthReport, k: Knobs) -> None:
    """What the knobs change in the truth: an undivided （六）其他处理 row leaves 3.6.x NULL."""
    if k.undivided and rep.format_version == cb.FORMAT_2021:
        for row in ("3.6.1", "3.6.2", "3.6.3"):
            if row not in rep.missing_rows:
                for a in cb.APPLICANT_CODES:
                    rep.application[(row, a)] = None


def _number(v: float | int | None, k: Knobs) -> str:
    if v is None:
        return k.blank
    s = f"{v:,.2f}".rstrip("0").rstrip(".") if isinstance(v, float) and not float(v).is_integer() \
        else (f"{int(v):,}" if k.thousands else str(int(v)))
    return s.translate(FULL_WIDTH) if k.full_width else s


def _header(text: str, k: Knobs, year: int) -> str:
    if not k.year_headers:
        return text
    return text.replace("本年", f"本年({year})", 1).replace("件数", "件", 1)


# --- tables as rows of cells (the browser's copy: spanned cells once) --------------------------------

def proactive_rows(rep: SynthReport, k: Knobs) -> list[list[str]]:
    year, fmt = rep.report_year, rep.format_version
    items = {i.code: i for i in cb.PROACTIVE_ITEMS}
    measures = {m.code: m.label_zh for m in cb.PROACTIVE_MEASURES if fmt in m.formats}
    if fmt == cb.FORMAT_2021:
        groups = (("（一）", ("regulations", "normative_documents")), ("（五）", ("licensing",)),
                  ("（六）", ("penalty", "coercion")), ("（八）", ("fees",)))
    else:
        groups = (("（一）", ("regulations", "normative_documents")), ("（五）", ("licensing", "other_services")),
                  ("（六）", ("penalty", "coercion")), ("（八）", ("fees",)), ("（九）", ("procurement",)))
    rows: list[list[str]] = []
    grid = cb.PROACTIVE_GRID[fmt]
    for title, codes in groups:
        rows.append([f"第二十条第{title}项"])
        header = ["信息内容"] + [_header(measures[m], k, year) for m in grid[codes[0]]]
        if k.split_header:
            rows.append([c[: (len(c) + 1) // 2] for c in header])
            rows.append([c[(len(c) + 1) // 2:] for c in header])
        else:
            rows.append(header)
        for code in codes:
            label = items[code].label_zh
            values = [_number(rep.proactive[(code, m)], k) for m in grid[code]]
            if k.glued and all(len(v) == 1 and v.isdigit() for v in values):
                rows.append([label + "".join(values)])
            else:
                rows.append([label] + values)
    return rows


def application_rows(rep: SynthReport, k: Knobs, original_36: dict | None = None) -> list[list[str]]:
    rows = [["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"],
            ["自然人", "法人或其他组织", "总计"],
            ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]]
    labels = {r.code: r.label_zh for r in cb.APPLICATION_ROWS}
    groups = {"3.3": "（三）不予公开", "3.4": "（四）无法提供", "3.5": "（五）不予处理", "3.6": "（六）其他处理"}
    seen: set[str] = set()
    n = {"3.3": 0, "3.4": 0, "3.5": 0, "3.6": 0}
    header = [list(r) for r in rows]
    for code in rep.row_codes:
        if code in rep.missing_rows:
            break
        if k.page_break and code == "3.4.1":
            rows.append(["— 2 —"])
            rows += [list(r) for r in header]
        if k.undivided and code.startswith("3.6.") and rep.format_version == cb.FORMAT_2021:
            if code == "3.6.1":
                sums = [original_36[a] for a in cb.APPLICANT_CODES]
                rows.append(["（六）其他处理"] + [_number(v, k) for v in sums])
            continue
        values = [_number(rep.application[(code, a)], k) for a in cb.APPLICANT_CODES]
        if code == "1":
            label = ["一、本年新收政府信息公开申请数量"]
        elif code == "2":
            label = ["二、上年结转政府信息公开申请数量"]
        elif code == "3.1":
            label = ["三、本年度办理结果", "（一）予以公开"]
        elif code == "3.2":
            label = ["（二）部分公开（区分处理的，只计这一情形，不计其他情形）"]
        elif code == "3.7":
            label = ["（七）总计"]
        elif code == "4":
            label = ["四、结转下年度继续办理"]
        elif code == "3.6" and rep.format_version == cb.FORMAT_2019:
            label = ["（六）其他处理"]
        else:
            group = code.rsplit(".", 1)[0]
            n[group] += 1
            label = ([groups[group]] if group not in seen else []) + [f"{n[group]}.{labels[code]}"]
            seen.add(group)
        rows.append(label + values)
    return rows


OUTCOMES = [o.label_zh for o in cb.OUTCOMES]
TITLES = ("行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）")


def review_blocks(rep: SynthReport, k: Knobs, rng: random.Random) -> list[str | list[list[str]]]:
    """§四 as paragraphs (str) and tables (lists of rows)."""
    values = [_number(rep.review_litigation[key], k) for key in cb.REVIEW_GRID]
    per = [values[5 * i: 5 * i + 5] for i in range(3)]
    two_level = [["行政复议", "行政诉讼"], OUTCOMES + ["未经复议直接起诉", "复议后起诉"], OUTCOMES * 2]
    if k.review == "one_row":
        return [two_level + [values]]
    if k.review == "header_apart":
        return [two_level, "（单位：件）", [values]]
    order = [0, 1, 2]
    rng.shuffle(order)
    if k.review == "labelled_rows":
        return [[["类别"] + OUTCOMES] + [[TITLES[i]] + per[i] for i in order]]
    out: list[str | list[list[str]]] = []
    for n, i in enumerate(order):
        out.append(("### " if k.markdown else "") + f"（{'一二三'[n]}）{TITLES[i]}")
        out.append([OUTCOMES, per[i]])
    return out


# --- writing rows as text ---------------------------------------------------------------------------

def _pad(rows: list[list[str]], k: Knobs) -> list[list[str]]:
    if k.padding == "end" and k.separator != "spaces":
        width = max(len(r) for r in rows) + 1
        return [r + [""] * (width - len(r)) for r in rows]
    if k.padding == "span" and k.separator != "spaces":
        out = []
        for r in rows:
            first = next((i for i, c in enumerate(r) if c and (c[0].isdigit() or c[0] in "０１２３４５６７８９")), None)
            out.append(r[:first] + [""] + r[first:] if first and first == 1 and len(r) > 2 else r)
        return out
    return rows


def _write_rows(rows: list[list[str]], k: Knobs, rng: random.Random) -> list[str]:
    rows = _pad(rows, k)
    sep = k.separator
    if k.run_together and sep in ("pipe_at_end", "outer_pipes", "tight_pipes"):
        joined: list[list[str]] = []
        for r in rows:
            data = any(c and c[0].isdigit() for c in r[1:])
            if joined and data and rng.random() < 0.3 and any(c and c[0].isdigit() for c in joined[-1][1:]) \
                    and not r[0][:1].isdigit():
                joined[-1] = joined[-1] + r
            else:
                joined.append(list(r))
        rows = joined
    lines: list[str] = []
    for i, r in enumerate(rows):
        if sep == "pipe_at_end":
            lines.append(" | ".join(r) + " |")
        elif sep == "outer_pipes":
            lines.append("| " + " | ".join(r) + " |")
            if k.markdown and i == 0:
                lines.append("|" + "---|" * len(r))
        elif sep == "tight_pipes":
            lines.append("|".join(r) + "|")
        elif len(r) == 1 and r[0].startswith("—"):  # a page number
            lines.append(r[0])
        elif sep == "cell_lines":
            lines.extend(f"{c} |" if c else "|" for c in r)
        elif sep == "tabs":
            lines.append("\t".join(r) if len(r) > 1 else r[0] + "\t")
        else:  # runs of spaces: a blank cell must be written as a marker
            lines.append("  ".join(c or "—" for c in r) if len(r) > 1 else r[0])
    return lines


def render_page(rep: SynthReport, k: Knobs, rng: random.Random) -> str:
    year = rep.report_year
    h = "## " if k.markdown else ""
    doc_no = "国办公开办函〔2021〕30号" if rep.format_version == cb.FORMAT_2021 else "国办公开办函〔2019〕60号"
    lines = ["首页 > 政务公开 > 政府信息公开年报", f"{rep.agency_name}{year}年政府信息公开工作年度报告",
             f"发布时间：{year + 1}-01-20", "【字体：大 中 小】 打印",
             f"本报告依据《中华人民共和国政府信息公开条例》和《{doc_no}》编制，所列数据的统计期限为{year}年1月1日至"
             f"{year}年12月31日。",
             f"{h}一、总体情况", f"{year}年，{rep.agency_name}认真贯彻落实政务公开各项要求。",
             f"{h}二、主动公开政府信息情况"]
    lines += _write_rows(proactive_rows(rep, k), k, rng)
    lines += [f"{h}三、收到和处理政府信息公开申请情况"]
    sums = None
    if k.undivided and rep.format_version == cb.FORMAT_2021:
        parts = [[rep.application[(r, a)] for r in ("3.6.1", "3.6.2", "3.6.3")] for a in cb.APPLICANT_CODES]
        sums = {a: None if None in p else sum(p) for a, p in zip(cb.APPLICANT_CODES, parts)}  # type: ignore
    app = application_rows(rep, k, sums)
    if k.torn_labels:
        for r in app:
            numbers = [c for c in r if c and (c[0].isdigit() or c[0] in "０１２３４５６７８９")]
            if numbers and r[0] and not r[0][0].isdigit():
                at = next(i for i, c in enumerate(r) if c in numbers or c == k.blank)
                lines.append("".join(r[:at]))
                lines += _write_rows([r[at:]], k, rng)
            else:
                lines += _write_rows([r], k, rng)
    else:
        lines += _write_rows(app, k, rng)
    lines += [f"{h}四、政府信息公开行政复议、行政诉讼情况"]
    for block in review_blocks(rep, k, rng):
        lines += [block] if isinstance(block, str) else _write_rows(block, k, rng)
    lines += [f"{h}五、存在的主要问题及改进情况", "公开内容还不够全面。", f"{h}六、其他需要报告的事项",
              "本年度未收取信息处理费。", "分享到：", "关闭窗口"]
    return "\n".join(lines) + "\n"
