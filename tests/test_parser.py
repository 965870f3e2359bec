"""Parser: real reports in, typed records out."""
from __future__ import annotations

import datetime as dt

import pytest

from pipeline.core import codebook as cb
from pipeline.core.document import Document, Paragraph, Table, TableRow
from pipeline.core.parser import parse_document
from pipeline.core.parser.prose import extract_channels, extract_proposals
from pipeline.core.parser.sections import heading_section
from pipeline.core.rejection import Rejected
from tests.conftest import REAL, parse, seed_path


def nonzero(grid: dict) -> dict:
    return {k: v for k, v in grid.items() if v != 0}


def test_seed_001_stray_cells_do_not_shift_numbers():
    rec = parse(seed_path("001"))
    assert len(rec.application) == 25 * 7
    assert nonzero(rec.application) == {}  # every cell 0, none NULL despite stray '0' cells and bookmarks
    assert not [f for f in rec.findings if f.severity == cb.SEVERITY_ERROR]
    assert rec.published_on == dt.date(2024, 1, 22)
    assert (rec.province, rec.city, rec.county) == ("山东省", "威海市", "文登区")


def test_seed_003_truncated_application_table_is_null_not_zero():
    rec = parse(seed_path("003"))
    missing = ["3.3.8", "3.4.1", "3.4.2", "3.4.3", "3.5.1", "3.5.2", "3.5.3", "3.5.4", "3.5.5",
               "3.6.1", "3.6.2", "3.6.3", "3.7", "4"]
    for row in cb.application_row_codes("2021"):
        for a in cb.APPLICANT_CODES:
            assert rec.application[(row, a)] == (None if row in missing else 0), (row, a)
    incomplete = [f for f in rec.findings if f.check_name == cb.CHECK_INCOMPLETE_TABLE]
    assert len(incomplete) == 1 and incomplete[0].detail == (
        "§三 原文缺少以下各行：三（三）8；三（四）1；三（四）2；三（四）3；三（五）1；三（五）2；三（五）3；"
        "三（五）4；三（五）5；三（六）1；三（六）2；三（六）3；三（七）总计；四、结转下年度继续办理")
    # the 15-number §四 row after the truncation is still read as review/litigation
    assert set(rec.review_litigation.values()) == {0}


def test_seed_004_figures_and_distractors():
    rec = parse(seed_path("004"))
    assert nonzero(rec.application) == {("1", "natural_person"): 1, ("1", "total"): 1,
                                        ("3.1", "natural_person"): 1, ("3.1", "total"): 1,
                                        ("3.7", "natural_person"): 1, ("3.7", "total"): 1}
    channels = sorted((c.channel, c.items) for c in rec.channels)
    assert channels == [("all", 481), ("new_media", 450), ("website", 31)]
    # 关停账号1个, 整改问题10余处, 开展培训2次, 召开2次会议 are not channel counts
    assert not {c.items for c in rec.channels} & {1, 2, 10}
    assert [(p.proposal_type, p.count) for p in rec.proposals] == [("npc_suggestion", 2),
                                                                   ("cppcc_proposal", 0)]
    assert rec.period_start == dt.date(2024, 1, 1) and rec.period_end == dt.date(2024, 12, 31)
    assert rec.postcode == "256102" and rec.contact_email == "yuezhuang3420031@zb.shandong.cn"


def test_seed_002_silence_is_null_and_no_rows():
    rec = parse(seed_path("002"))
    assert rec.proposals == []  # says nothing about proposals: no rows, not zeros
    assert rec.processing_fee_yuan is None  # says nothing about fees
    assert rec.agency_name == "保田镇"
    assert (rec.province, rec.city, rec.county) == ("贵州省", "六盘水市", "盘州市")  # from '盘州市人民政府网'
    lower = sorted((c.channel, c.items, c.is_lower_bound) for c in rec.channels)
    assert lower == [("bulletin_board", 180, True), ("bulletin_board", 750, True), ("combined", 172, False)]


def test_seed_000_accounts_and_contacts():
    rec = parse(seed_path("000"))
    accounts = {c.channel: c.account_name for c in rec.channels}
    assert accounts == {"website": None, "wechat": "秀美山川幸福源泉", "douyin": "源泉欢迎您"}
    assert (rec.contact_phone, rec.postcode) == ("0533-4810046", "255204")
    assert rec.processing_fee_yuan == 0


def test_real_kewei_torn_table_is_aligned_by_order_and_anchors():
    rec = parse(REAL / "kewei_2024_pdftext.txt")
    app = rec.application
    assert (app[("3.3.5", "natural_person")], app[("3.4.1", "total")], app[("3.4.2", "total")]) == (1, 4, 6)
    assert app[("3.6.1", "commercial_enterprise")] == 2 and app[("3.7", "total")] == 35
    assert app[("4", "natural_person")] == 1 and app[("4", "total")] is None  # blank in the source
    assert rec.proactive[("licensing", "decisions")] == 97  # from a loose line '行政许可 97'
    assert rec.proactive[("normative_documents", "in_force")] == 55
    assert [(p.proposal_type, p.count) for p in rec.proposals] == [("npc_suggestion", 50),
                                                                   ("cppcc_proposal", 85)]
    assert (rec.agency_name, rec.report_year, rec.admin_level) == ("上海市科委", 2024, "department")


def test_real_shanghai_fragment_labels_and_unplaceable_article20_cells():
    rec = parse(REAL / "shanghai_office_2025_pdftext.txt")
    app = rec.application
    assert app[("3.2", "total")] == 2  # an unlabeled row between 3.1 and 3.3.1
    assert app[("3.6.1", "total")] == 43  # label fragment '行政机关不再处理其政府信息公'
    assert app[("3.6.2", "total")] == 0 and app[("3.6.3", "total")] == 276
    assert rec.review_litigation[("litigation_after_review", "total")] == 22
    assert rec.proactive[("regulations", "repealed")] is None  # '| 规章 | 22 | 235 |': cannot be placed
    assert rec.period_start == dt.date(2025, 1, 1)


def test_2019_format_is_recognised_from_its_table_headers():
    rows = [("信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"), ("规章", "1", "1", "5"),
            ("信息内容", "上一年项目数量", "本年增/减", "处理决定数量"), ("行政许可", "10", "-2", "300"),
            ("信息内容", "采购项目数量", "采购总金额"), ("政府集中采购", "3", "251000元")]
    doc = Document((Paragraph("某县人民政府2019年政府信息公开工作年度报告", 1),
                    Paragraph("二、主动公开政府信息情况", 2),
                    Table(tuple(TableRow(r, 3 + i) for i, r in enumerate(rows))),
                    Paragraph("三、收到和处理政府信息公开申请情况", 20),
                    Table((TableRow(("（六）其他处理",) + ("1",) * 6 + ("6",), 21),))), "txt")
    rec = parse_document(doc)
    assert rec.format_version == "2019" and rec.report_year == 2019
    assert rec.proactive[("regulations", "total_published")] == 5
    assert rec.proactive[("licensing", "change")] == -2
    assert rec.proactive[("procurement", "procurement_amount")] == pytest.approx(25.1)  # 元 → 万元
    assert rec.application[("3.6", "total")] == 6
    assert ("3.6.1", "total") not in rec.application


def test_unrelated_text_is_not_a_report():
    doc = Document((Paragraph("关于做好2024年春节期间安全生产工作的通知", 1), Paragraph("各单位：请做好值班。", 2)), "txt")
    with pytest.raises(Rejected) as caught:
        parse_document(doc)
    assert caught.value.reason == cb.REJECT_NOT_A_REPORT


@pytest.mark.parametrize("text, section", [
    ("三、收到和处理政府信息公开申请情况", "application"),
    ("四、政府信息公开行政复议、行政诉讼情况", "review"),
    ("二、主动公开政府信息情况", "proactive"),
    ("五、存在的主要问题及改进情况", "problems"),
    ("（一）主动公开情况", None),
    ("2023年，我镇未收到人大代表建议和政协提案。", None),
])
def test_headings_are_recognised_by_their_words(text, section):
    assert heading_section(text) == section


@pytest.mark.parametrize("text, expected", [
    ("通过政府网站公开政府信息31条", [("website", 31, False)]),
    ("党委政府信息公开栏公开180余条", [("bulletin_board", 180, True)]),
    ("召开2次新闻发布会，其中主要负责同志参加1次。", [("press_conference", 2, False)]),
    ("年内关停政务新媒体账号1个。", []),
    ("累计整改完成问题10余处。", []),
    ("从内容分类看，机构职能24条，工作动态36条。", []),
    ("利用微信公众号发布信息1600多份", [("wechat", 1600, True)]),
])
def test_channel_counts_in_prose(text, expected):
    assert [(c.channel, c.items, c.is_lower_bound) for c in extract_channels([text])] == expected


@pytest.mark.parametrize("text, expected", [
    ("本年度，承办人大代表建议1件，承办政协提案0件。", [("npc_suggestion", 1), ("cppcc_proposal", 0)]),
    ("2023年，我镇未收到人大代表建议和政协提案。", [("npc_suggestion", 0), ("cppcc_proposal", 0)]),
    ("保田镇无其他需要报告的事项。", []),
])
def test_proposals_in_prose(text, expected):
    assert [(p.proposal_type, p.count) for p in extract_proposals([text])] == expected
