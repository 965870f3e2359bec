"""A synthetic report as neutral blocks: paragraphs and tables of cells with spans, laid out as
the standard formats print them (国办公开办函〔2021〕30号 and 〔2019〕60号)."""
from __future__ import annotations

import random
from dataclasses import dataclass

from pipeline.core import codebook as cb
from pipeline.synth.model import SynthReport

SPELLED = "〇一二三四五六七八九"


@dataclass(frozen=True)
class Cell:
    text: str
    colspan: int = 1
    rowspan: int = 1


Row = list[Cell]


@dataclass(frozen=True)
class TableBlock:
    rows: list[Row]
    width: int


Block = str | TableBlock


def _num(v: float | int | None, rng: random.Random, blank_style: str) -> str:
    if v is None:
        return blank_style
    if isinstance(v, float) and not v.is_integer():
        return f"{v:.2f}".rstrip("0").rstrip(".")
    text = str(int(v))
    if len(text) >= 4 and rng.random() < 0.2:
        return text[:-3] + " " + text[-3:]  # a space inside a number, as Word exports sometimes have
    return text


def _spelled_date(y: int, m: int, d: int) -> str:
    def num(n: int) -> str:
        if n < 10:
            return SPELLED[n]
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else SPELLED[tens]) + "十" + (SPELLED[ones] if ones else "")
    return "".join(SPELLED[int(c)] for c in str(y)) + f"年{num(m)}月{num(d)}日"


def proactive_table(rep: SynthReport, rng: random.Random, blank: str) -> TableBlock:
    fmt = rep.format_version
    grid = cb.PROACTIVE_GRID[fmt]
    labels = {c.code: c.label_zh for c in cb.PROACTIVE_ITEMS}
    mlabels = {c.code: c.label_zh for c in cb.PROACTIVE_MEASURES}
    if fmt == cb.FORMAT_2021:
        groups = [("第二十条第（一）项", ("regulations", "normative_documents")), ("第二十条第（五）项", ("licensing",)),
                  ("第二十条第（六）项", ("penalty", "coercion")), ("第二十条第（八）项", ("fees",))]
    else:
        groups = [("第二十条第（一）项", ("regulations", "normative_documents")),
                  ("第二十条第（五）项", ("licensing", "other_services")), ("第二十条第（六）项", ("penalty", "coercion")),
                  ("第二十条第（八）项", ("fees",)), ("第二十条第（九）项", ("procurement",))]
    rows: list[Row] = []
    for title, items in groups:
        measures = grid[items[0]]
        rows.append([Cell(title, colspan=4)])
        span = 4 - len(measures)
        head = [Cell("信息内容")] + [Cell(mlabels[m].replace("本年收费金额（万元）", "本年收费金额（单位：万元）"))
                                    for m in measures]
        if span > 1:
            head[-1] = Cell(head[-1].text, colspan=span)
        rows.append(head)
        for item in items:
            label = labels[item] if item != "normative_documents" or fmt == cb.FORMAT_2021 else "规范性文件"
            cells = [Cell(label)] + [Cell(_num(rep.proactive[(item, m)], rng, blank)) for m in measures]
            if span > 1:
                cells[-1] = Cell(cells[-1].text, colspan=span)
            rows.append(cells)
    return TableBlock(rows, 4)


_GROUP_TITLES = {"3.3": "（三）不予公开", "3.4": "（四）无法提供", "3.5": "（五）不予处理", "3.6": "（六）其他处理"}
_ROW_TITLES = {"1": "一、本年新收政府信息公开申请数量", "2": "二、上年结转政府信息公开申请数量",
               "3.1": "（一）予以公开", "3.2": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
               "3.6": "（六）其他处理", "3.7": "（七）总计", "4": "四、结转下年度继续办理"}


def application_table(rep: SynthReport, rng: random.Random, blank: str) -> TableBlock:
    codes = [c for c in rep.row_codes if c not in rep.missing_rows]
    by_code = {r.code: r for r in cb.APPLICATION_ROWS}
    rows: list[Row] = [
        [Cell("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3), Cell("申请人情况", 7)],
        [Cell("自然人", 1, 2), Cell("法人或其他组织", 5), Cell("总计", 1, 2)],
        [Cell(a.label_zh) for a in cb.APPLICANTS[1:6]],
    ]
    in_result = [c for c in codes if c.startswith("3")]
    for code in codes:
        values = [Cell(_num(rep.application[(code, a)], rng, blank)) for a in cb.APPLICANT_CODES]
        row: Row = []
        if in_result and code == in_result[0]:
            row.append(Cell("三、本年度办理结果", 1, len(in_result)))
        parent = by_code[code].parent
        if code in ("1", "2", "4"):
            row.append(Cell(_ROW_TITLES[code], 3))
        elif parent is None:
            row.append(Cell(_ROW_TITLES[code], 2))
        else:
            siblings = [c for c in codes if by_code[c].parent == parent]
            if code == siblings[0]:
                row.append(Cell(_GROUP_TITLES[parent], 1, len(siblings)))
            index = int(code.rsplit(".", 1)[1])
            row.append(Cell(f"{index}.{by_code[code].label_zh}"))
        rows.append(row + values)
    return TableBlock(rows, 10)


def review_table(rep: SynthReport, rng: random.Random, blank: str) -> TableBlock:
    outcomes = [o.label_zh for o in cb.OUTCOMES]
    rows: list[Row] = [
        [Cell("行政复议", 5), Cell("行政诉讼", 10)],
        [Cell(o, 1, 2) for o in outcomes] + [Cell("未经复议直接起诉", 5), Cell("复议后起诉", 5)],
        [Cell(o) for o in outcomes * 2],
        [Cell(_num(rep.review_litigation[k], rng, blank)) for k in cb.REVIEW_GRID],
    ]
    return TableBlock(rows, 15)


def channel_prose(rep: SynthReport, rng: random.Random) -> list[str]:
    town, county = rep.place_words
    lines = []
    sentences = [c.sentence for c in rep.channels]
    intro = "（一）主动公开情况。围绕中心工作，持续加大政府信息主动公开力度。"
    if sentences:
        intro += "，".join(sentences) + "。"
    if "distractors" in rep.faults:
        intro += rng.choice([f"本年度关停僵尸账号{rng.randint(1, 5)}个，整改问题{rng.randint(2, 30)}余处。",
                             f"组织开展政务公开业务培训{rng.randint(1, 6)}次，参训人员{rng.randint(20, 300)}人次。"])
        intro += f"梳理公开事项目录{rng.randint(3, 40)}项，其中工作动态{rng.randint(5, 90)}条。"
    lines.append(intro)
    if rep.prose_applications is not None:
        n = rep.prose_applications
        lines.append("（二）依申请公开情况。" + (f"{rep.report_year}年共收到政府信息公开申请{n}件，均已按时办结。"
                                               if n else f"{rep.report_year}年本机关未收到政府信息公开申请。"))
    lines.append(f"（三）政府信息管理情况。严格落实保密审查制度，{county}政务公开工作规范有序。")
    lines.append("（四）监督保障情况。将政务公开工作纳入年度绩效考核，加强日常监督检查。")
    return lines


def report_blocks(rep: SynthReport, rng: random.Random, blank: str = "") -> list[Block]:
    year = rep.report_year
    doc_no = "国办公开办函〔2021〕30号" if rep.format_version == cb.FORMAT_2021 else "国办公开办函〔2019〕60号"
    contact = "；".join(x for x in (f"邮编：{rep.postcode}" if rep.postcode else "",
                                    f"电话：{rep.contact_phone}" if rep.contact_phone else "",
                                    f"电子邮箱：{rep.contact_email}" if rep.contact_email else "") if x)
    title_year = f"{year}年政府信息公开工作年度报告"
    if rng.random() < 0.15:
        # spaces inside the title, as Word exports have
        title_year = " ".join(title_year[:5]) + title_year[5:]
    blocks: list[Block] = []
    if rng.random() < 0.5:
        blocks += [rep.agency_name, title_year]
    else:
        blocks.append(rep.agency_name + title_year)
    intro = (f"本报告根据《中华人民共和国政府信息公开条例》和《{doc_no}》相关要求编制。"
             f"本报告中所列数据的统计期限为{year}年1月1日至{year}年12月31日。")
    if contact:
        intro += f"如对本报告有任何疑问，请与{rep.agency_name}联系（{contact}）。"
    blocks.append(intro)
    blocks.append("一、总体情况")
    blocks += channel_prose(rep, rng)
    blocks.append("二、主动公开政府信息情况")
    blocks.append(proactive_table(rep, rng, blank))
    blocks.append("三、收到和处理政府信息公开申请情况")
    blocks.append(application_table(rep, rng, blank))
    blocks.append("四、政府信息公开行政复议、行政诉讼情况")
    blocks.append(review_table(rep, rng, blank))
    blocks.append("五、存在的主要问题及改进情况")
    blocks.append(f"{year}年，我单位政府信息公开工作取得一定成效，但仍存在公开内容不够全面等问题。下一步将加强培训，"
                  f"提升公开质量。")
    blocks.append("六、其他需要报告的事项")
    if rep.processing_fee_yuan is None:
        pass
    elif rep.processing_fee_yuan == 0:
        blocks.append("（一）本年度未收取信息处理费。")
    else:
        blocks.append(f"（一）依据《政府信息公开信息处理费管理办法》，本年度收取信息处理费{rep.processing_fee_yuan:g}元。")
    p = rep.proposals
    if p and p["npc_suggestion"] == 0 and p["cppcc_proposal"] == 0:
        blocks.append("（二）本年度未承办人大代表建议和政协提案。")
    elif p:
        blocks.append(f"（二）本年度共承办人大代表建议{p['npc_suggestion']}件、政协提案{p['cppcc_proposal']}件，"
                      "均已按期办结，满意率100%。")
    blocks.append("（三）本年度政务公开工作要点落实情况良好。")
    blocks.append(rep.agency_name)
    if rep.published_on is not None:
        d = rep.published_on
        blocks.append(_spelled_date(d.year, d.month, d.day) if rng.random() < 0.3
                      else f"{d.year}年{d.month}月{d.day}日")
    return blocks
