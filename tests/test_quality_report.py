"""The quality report, in Chinese: built from a folder with errors, read as HTML and as Excel, and
opened in a real browser (Debian's headless chromium, driven by playwright; see
tests/install_chromium.sh) to filter it and download the workbook."""
from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest

from pipeline.core import codebook as cb
from pipeline.core.build import build_warehouse
from pipeline.core.quality_report import quality_workbook_path

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The seeds plus: seed 000 copied into another agency's name, with prose that contradicts its
    table (two similar_prose warnings and a text_table_mismatch); the same agency-year from a
    second file (two duplicate_report warnings); an empty file."""
    raw = tmp_path_factory.mktemp("raw")
    for path in RAW.iterdir():
        shutil.copy(path, raw / path.name)
    text = next(RAW.glob("000_*.txt")).read_text(encoding="utf-8")
    (raw / "000_said_three.txt").write_text(text.replace("未收到政府信息公开申请", "共收到政府信息公开申请3件")
                                            .replace("博山区源泉镇", "博山区石马镇"), encoding="utf-8")
    (raw / "004_reposted.txt").write_bytes(next(RAW.glob("004_*.txt")).read_bytes() + "\n（转载）\n".encode())
    (raw / "empty.txt").write_bytes(b"")
    warehouse = tmp_path_factory.mktemp("wh") / "disclosure.duckdb"
    build_warehouse(raw, warehouse, workers=1)
    return warehouse


def _count(warehouse: Path, where: str) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"SELECT count(*) FROM dq_finding WHERE {where}").fetchone()[0]


def test_the_page_is_in_chinese_and_lists_every_report(built):
    page = built.with_name("disclosure.quality.html").read_text(encoding="utf-8")
    for heading in ("<h1>政府信息公开工作年度报告 数据质量报告</h1>", "<h2>检查项说明</h2>", "<h2>目录（按地区）</h2>",
                    "<h2>重复年报（警告，单列）</h2>", "<h2>未能读取的文件</h2>"):
        assert heading in page
    assert '<h4 id="g7">山东省 淄博市 博山区 <span class="muted">（2 份年报，错误 0，警告 3）</span></h4>' in page
    assert '<h4 id="g8">山东省 淄博市 沂源县 <span class="muted">（2 份年报，错误 0，警告 2）</span></h4>' in page
    # a clean report is listed with its status; a partial one too
    assert ('<td>保田镇</td><td>乡镇（街道）</td><td>2023</td><td class="parsed">已解析</td><td>0</td><td>0</td>'
            '<td>002_254fef836bd803ec.txt</td>') in page
    assert '<td>嘉祥县金屯镇人民政府</td><td>乡镇（街道）</td><td>2023</td><td class="partial">部分解析</td><td>1</td>' in page
    assert "所述合计 532 ≠ 3 个渠道数量之和 533" in page
    assert '<td>empty.txt</td><td class="rejected">未能读取</td><td>empty file</td>' in page
    assert "<td>文字雷同<br>" in page and cb.CHECKS_BY_NAME["in_force_mismatch"].description_zh in page
    # duplicates sit in their own section, after every region's findings
    assert page.count('data-c="duplicate_report"') == 2
    assert page.index('data-c="duplicate_report"') > page.index("<h2>重复年报（警告，单列）</h2>")
    assert "http://" not in page and "https://" not in page  # nothing to fetch


def test_the_workbook_has_the_findings_and_a_status_sheet_per_level(built):
    book = quality_workbook_path(built)
    with zipfile.ZipFile(book) as z:
        sheets = re.findall(r'<sheet name="([^"]+)"', z.read("xl/workbook.xml").decode())
        strings = z.read("xl/sharedStrings.xml").decode()
    assert sheets == ["问题清单", "省级", "市级", "县级", "乡镇（街道）", "部门", "未能读取的文件"]
    assert "正文称新收政府信息公开申请 3 件" in strings and "博山区石马镇人民政府" in strings and "已解析" in strings


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is missing (tests/install_chromium.sh)")
def test_a_browser_renders_filters_and_downloads(built, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    page_path = built.with_name("disclosure.quality.html")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(accept_downloads=True)
            page.goto(page_path.as_uri())
            assert page.locator("h1").inner_text() == "政府信息公开工作年度报告 数据质量报告"
            assert "检查项说明" in page.locator("h2").all_inner_texts()
            total = _count(built, "true")
            assert page.locator("tr.f:visible").count() == total == 7
            assert page.locator("#shown").inner_text() == f"显示 {total} 条问题"

            page.select_option("#fc", cb.CHECK_SIMILAR_PROSE)
            assert page.locator("tr.f:visible").count() == _count(built, "check_name = 'similar_prose'") == 2
            page.select_option("#fc", cb.CHECK_DUPLICATE_REPORT)
            duplicates = _count(built, "check_name = 'duplicate_report'")
            assert page.locator("tr.f:visible").count() == duplicates == 2
            assert page.locator("#shown").inner_text() == "显示 2 条问题"
            page.select_option("#fc", "")
            page.select_option("#fs", cb.SEVERITY_ERROR)
            assert page.locator("tr.f:visible").count() == _count(built, "severity = 'error'") == 1
            assert page.locator("tr.f:visible td").nth(2).inner_text() == "统计表不完整"
            page.select_option("#fs", cb.SEVERITY_WARNING)
            page.select_option("#fc", cb.CHECK_TEXT_TABLE_MISMATCH)
            assert page.locator("tr.f:visible").count() == 1
            assert page.locator("table.findings:visible").count() == 1  # tables left empty are hidden

            with page.expect_download() as info:
                page.click("#xlsx")
            saved = tmp_path / info.value.suggested_filename
            info.value.save_as(saved)
        finally:
            browser.close()
    assert saved.name == "disclosure.quality.xlsx"
    assert saved.read_bytes() == quality_workbook_path(built).read_bytes()
    with zipfile.ZipFile(saved) as z:
        assert '<sheet name="问题清单"' in z.read("xl/workbook.xml").decode()
