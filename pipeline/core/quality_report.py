"""The data-quality report a disclosure office opens without SQL, in Chinese: one static HTML page
and one Excel workbook written beside the warehouse on every build.

- The page (`disclosure.quality.html`): the checks with their Chinese descriptions and counts (from
  the codebook, via `dim_check`); a contents list by region (province → city → county); every
  report of each region, clean ones included, with its status (已解析 / 部分解析) and its findings
  with their numbers; `duplicate_report` warnings in a section of their own; the files that could
  not be read, and why. A filter by check and severity in a few lines of plain JavaScript (nothing
  is fetched: it works offline).
- The workbook (`disclosure.quality.xlsx`, linked from the page): the findings, then each report's
  status on one sheet per administrative level (省级 市级 县级 乡镇（街道） 部门), and the
  unreadable files.
"""
from __future__ import annotations

import datetime as dt
import html
import os
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import polars as pl
import xlsxwriter

from pipeline.core import codebook as cb

_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:1200px;color:#222}
h1{font-size:1.5em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
h3{font-size:1.1em;margin-top:1.5em}h4{font-size:1em;margin:1.2em 0 .4em}
table{border-collapse:collapse;width:100%;font-size:.88em;margin:.3em 0}
td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}th{background:#f4f4f4}
.error{color:#b00020;font-weight:bold}.warning{color:#a66a00}.muted{color:#777}
.partial,.rejected{color:#b00020}
.cards{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid #ddd;padding:.6em 1em;border-radius:4px}
.card b{display:block;font-size:1.4em}#filter{position:sticky;top:0;background:#fff;padding:.5em 0;
border-bottom:1px solid #ccc;z-index:1}#toc ul{margin:.2em 0}#toc li{margin:.1em 0}
"""

# The filter: rows of findings carry their check (data-c) and severity (data-s); tables of
# findings with no row left are hidden with their rows.
_SCRIPT = """
(function(){
var rows=document.querySelectorAll('tr.f'),tables=document.querySelectorAll('table.findings');
var fc=document.getElementById('fc'),fs=document.getElementById('fs'),out=document.getElementById('shown');
function apply(){var c=fc.value,s=fs.value,n=0;
for(var i=0;i<rows.length;i++){var r=rows[i];
var ok=(!c||r.getAttribute('data-c')===c)&&(!s||r.getAttribute('data-s')===s);r.hidden=!ok;if(ok)n++;}
for(var j=0;j<tables.length;j++){var t=tables[j];t.hidden=!t.querySelector('tr.f:not([hidden])');}
out.textContent='显示 '+n+' 条问题';}
fc.addEventListener('change',apply);fs.addEventListener('change',apply);apply();})();
"""

_UNKNOWN = "（地区不明）"
_REJECTED = cb.STATUS_LABELS[cb.STATUS_REJECTED]


def quality_report_path(warehouse: Path) -> Path:
    return Path(warehouse).with_name(Path(warehouse).stem + ".quality.html")


def quality_workbook_path(warehouse: Path) -> Path:
    return Path(warehouse).with_name(Path(warehouse).stem + ".quality.xlsx")


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _region_names(province: str | None, city: str | None, county: str | None) -> tuple[str, str, str]:
    """Names for the contents: a report without a city is the province's own (省本级), one without
    a county the city's own (市本级)."""
    if province is None:
        return _UNKNOWN, "", ""
    c = city or "（省本级）"
    return province, c, county or ("（市本级）" if city else "")


def _read(warehouse: Path) -> dict[str, pl.DataFrame]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        q = lambda sql: con.execute(sql).pl()  # noqa: E731
        return {
            "checks": q("SELECT check_name, label_zh, severity, description_zh FROM dim_check "
                        "ORDER BY sort_order"),
            "reports": q("SELECT r.report_id, r.agency_name, r.report_year, r.admin_level, r.province, "
                         "r.city, r.county, f.status, f.error, r.source_path FROM dim_report r "
                         "JOIN raw_file f ON f.source_path = r.source_path "
                         "ORDER BY r.province NULLS LAST, r.city NULLS FIRST, r.county NULLS FIRST, "
                         "r.agency_name NULLS LAST, r.report_year, r.source_path"),
            "findings": q("SELECT report_id, check_name, severity, detail FROM dq_finding "
                          "ORDER BY report_id, severity, check_name, detail"),
            "rejected": q(f"SELECT source_path, error FROM raw_file WHERE status = '{cb.STATUS_REJECTED}' "
                          "ORDER BY source_path"),
            "build": q("SELECT build_digest FROM build_info"),
        }
    finally:
        con.close()


def write_quality_report(warehouse: Path, out: Path | None = None) -> Path:
    """Render the page and the workbook from a published warehouse (read-only), each written
    atomically. Returns the page's path."""
    out = out or quality_report_path(warehouse)
    data = _read(warehouse)
    workbook = out.with_suffix(".xlsx")  # disclosure.quality.xlsx beside disclosure.quality.html
    _write_atomically(workbook, lambda tmp: _write_workbook(data, tmp))
    page = _render(data, Path(warehouse).name, workbook.name)
    _write_atomically(out, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    return out


def _write_atomically(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    write(tmp)
    os.replace(tmp, path)


def _render(data: dict[str, pl.DataFrame], warehouse_name: str, workbook_name: str) -> str:
    checks = data["checks"]
    label = {c: lab or c for c, lab in checks.select("check_name", "label_zh").iter_rows()}
    reports, findings, rejected = data["reports"], data["findings"], data["rejected"]
    by_report: dict[str, list[tuple]] = defaultdict(list)
    for rid, check, severity, detail in findings.iter_rows():
        by_report[rid].append((check, severity, detail))
    duplicates = _dup_rows(findings)  # listed in a section of their own, counted with their report
    per_check = Counter(findings["check_name"].to_list())
    per_severity = Counter(findings["severity"].to_list())
    statuses = Counter(reports["status"].to_list())
    info = {rid: (agency, year, source) for rid, agency, year, source in
            reports.select("report_id", "agency_name", "report_year", "source_path").iter_rows()}

    # region tree: province → city → county → reports (already in order)
    tree: dict[str, dict[str, dict[str, list[tuple]]]] = {}
    for row in reports.iter_rows(named=True):
        p, c, k = _region_names(row["province"], row["city"], row["county"])
        tree.setdefault(p, {}).setdefault(c, {}).setdefault(k, []).append(row)

    def counts(rows: list[dict]) -> tuple[int, int, int]:
        severities = Counter(f[1] for r in rows for f in by_report.get(r["report_id"], ()))
        return len(rows), severities[cb.SEVERITY_ERROR], severities[cb.SEVERITY_WARNING]

    def tally(rows: list[dict]) -> str:
        n, errors, warnings = counts(rows)
        return f'<span class="muted">（{n} 份年报，错误 {errors}，警告 {warnings}）</span>'

    def finding_row(rid: str, check: str, severity: str, detail: str) -> str:
        agency, year, source = info.get(rid, (None, None, None))
        return (f'<tr class="f" data-c="{_e(check)}" data-s="{_e(severity)}"><td>{_e(agency)}</td>'
                f'<td>{_e(year)}</td><td>{_e(label.get(check, check))}</td><td class="{_e(severity)}">'
                f'{_e(cb.SEVERITY_LABELS.get(severity, severity))}</td><td>{_e(detail)}</td>'
                f'<td>{_e(source)}</td></tr>')

    finding_head = "<tr><th>机关</th><th>年度</th><th>检查项</th><th>级别</th><th>问题详情</th><th>源文件</th></tr>"
    toc, body, anchor = ['<ul>'], [], 0
    for p, cities in tree.items():
        anchor += 1
        p_rows = [r for ks in cities.values() for rs in ks.values() for r in rs]
        toc.append(f'<li><a href="#g{anchor}">{_e(p)}</a> {tally(p_rows)}<ul>')
        body.append(f'<h2 id="g{anchor}">{_e(p)} {tally(p_rows)}</h2>')
        for c, counties in cities.items():
            anchor += 1
            c_rows = [r for rs in counties.values() for r in rs]
            toc.append(f'<li><a href="#g{anchor}">{_e(c)}</a> {tally(c_rows)}<ul>')
            body.append(f'<h3 id="g{anchor}">{_e(p)} {_e(c)} {tally(c_rows)}</h3>')
            for k, rows in counties.items():
                anchor += 1
                name = " ".join(x for x in (p, c, k) if x)
                if k:
                    toc.append(f'<li><a href="#g{anchor}">{_e(k)}</a> {tally(rows)}</li>')
                    body.append(f'<h4 id="g{anchor}">{_e(name)} {tally(rows)}</h4>')
                body.append('<table class="reports"><tr><th>机关</th><th>层级</th><th>年度</th><th>状态</th>'
                            '<th>错误</th><th>警告</th><th>源文件</th></tr>')
                problems = []
                for r in rows:
                    mine = by_report.get(r["report_id"], [])
                    errors = sum(1 for f in mine if f[1] == cb.SEVERITY_ERROR)
                    status = cb.STATUS_LABELS.get(r["status"], r["status"])
                    agency = r["agency_name"] or "（机关不明）"
                    level = cb.ADMIN_LEVEL_LABELS.get(r["admin_level"], "")
                    body.append(f'<tr data-status="{_e(r["status"])}"><td>{_e(agency)}</td>'
                                f'<td>{_e(level)}</td>'
                                f'<td>{_e(r["report_year"])}</td>'
                                f'<td class="{_e(r["status"])}">{_e(status)}</td>'
                                f'<td>{errors}</td><td>{len(mine) - errors}</td>'
                                f'<td>{_e(r["source_path"])}</td></tr>')
                    problems += [finding_row(r["report_id"], *f) for f in mine
                                 if f[0] != cb.CHECK_DUPLICATE_REPORT]
                body.append("</table>")
                if problems:
                    body.append(f'<table class="findings">{finding_head}{"".join(problems)}</table>')
            toc.append("</ul></li>")
        toc.append("</ul></li>")
    toc.append("</ul>")

    options = "".join(f'<option value="{_e(c)}">{_e(lab)}（{per_check.get(c, 0)}）</option>'
                      for c, lab in label.items())
    check_rows = "".join(
        f'<tr><td>{_e(label[c])}<br><span class="muted">{_e(c)}</span></td>'
        f'<td class="{_e(sev)}">{_e(cb.SEVERITY_LABELS.get(sev, sev))}</td><td>{_e(desc)}</td>'
        f'<td>{per_check.get(c, 0)}</td></tr>' for c, _, sev, desc in checks.iter_rows())
    parts = [
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>政府信息公开工作年度报告 数据质量报告</title><style>{_CSS}</style></head><body>",
        "<h1>政府信息公开工作年度报告 数据质量报告</h1>",
        f'<p class="muted">生成时间 {dt.datetime.now():%Y-%m-%d %H:%M}，数据来自 {_e(warehouse_name)}'
        f'（构建 <code>{_e(data["build"]["build_digest"][0][:16])}</code>）。'
        "每条问题写明年报的源文件和不一致的数字；“错误”是表格算术或表格缺失问题，需要更正；“警告”请核实。</p>",
        '<div class="cards">' + "".join(f'<div class="card"><b>{n}</b>{_e(text)}</div>' for text, n in (
            ("份年报", reports.height),
            *((cb.STATUS_LABELS[status], statuses.get(status, 0))
              for status in (cb.STATUS_PARSED, cb.STATUS_PARTIAL)),
            ("未能读取的文件", rejected.height),
            ("条错误", per_severity.get(cb.SEVERITY_ERROR, 0)),
            ("条警告", per_severity.get(cb.SEVERITY_WARNING, 0)))) + "</div>",
        f'<p><a id="xlsx" href="{_e(workbook_name)}" download>下载 Excel 表格</a>'
        '（问题清单；各年报状态，按行政层级分表；未能读取的文件）</p>',
        '<div id="filter">筛选：检查项 <select id="fc"><option value="">全部检查项</option>' + options +
        '</select> 级别 <select id="fs"><option value="">全部级别</option>'
        f'<option value="{cb.SEVERITY_ERROR}">错误</option><option value="{cb.SEVERITY_WARNING}">警告</option>'
        f'</select> <span id="shown">共 {findings.height} 条问题</span></div>',
        "<h2>检查项说明</h2><table><tr><th>检查项</th><th>级别</th><th>说明</th><th>问题数</th></tr>"
        f"{check_rows}</table>",
        f'<h2>目录（按地区）</h2><nav id="toc">{"".join(toc)}</nav>',
        "<h2>各地区年报及问题</h2>" if reports.height else '<h2>各地区年报及问题</h2><p class="muted">没有年报。</p>',
        *body,
        "<h2>重复年报（警告，单列）</h2>",
        f'<table class="findings">{finding_head}{"".join(finding_row(*d) for d in duplicates)}</table>'
        if duplicates else '<p class="muted">无。</p>',
        "<h2>未能读取的文件</h2>",
        ("<table><tr><th>文件</th><th>状态</th><th>原因</th></tr>" + "".join(
            f'<tr><td>{_e(s)}</td><td class="rejected">{_REJECTED}</td><td>{_e(e)}</td></tr>'
            for s, e in rejected.iter_rows()) + "</table>")
        if rejected.height else '<p class="muted">无。</p>',
        f"<script>{_SCRIPT}</script></body></html>",
    ]
    return "\n".join(parts)


def _dup_rows(findings: pl.DataFrame) -> list[tuple]:
    return list(findings.filter(pl.col("check_name") == cb.CHECK_DUPLICATE_REPORT).iter_rows())


_REPORT_COLUMNS = {"province": "省", "city": "市", "county": "县", "agency_name": "机关", "report_year": "年度",
                   "admin_level": "层级", "status": "状态", "errors": "错误数", "warnings": "警告数",
                   "error": "部分解析原因", "source_path": "源文件", "report_id": "年报编号"}


def _write_workbook(data: dict[str, pl.DataFrame], path: Path) -> None:
    """Sheet 问题清单 (every finding, with its report), one sheet of report statuses per
    administrative level, and 未能读取的文件."""
    checks, reports, findings = data["checks"], data["reports"], data["findings"]
    levels = {**cb.ADMIN_LEVEL_LABELS}
    per_report = findings.group_by("report_id").agg(
        (pl.col("severity") == cb.SEVERITY_ERROR).sum().cast(pl.Int64).alias("errors"),
        (pl.col("severity") == cb.SEVERITY_WARNING).sum().cast(pl.Int64).alias("warnings"))
    status = reports.join(per_report, on="report_id", how="left").with_columns(
        pl.col("errors", "warnings").fill_null(0),
        pl.col("status").replace_strict(cb.STATUS_LABELS, default=pl.col("status")),
        pl.col("admin_level").replace_strict(levels, default=pl.col("admin_level")))
    listed = findings.join(reports, on="report_id", how="left").join(
        checks.select("check_name", "label_zh"), on="check_name", how="left").select(
        pl.col("province").alias("省"), pl.col("city").alias("市"), pl.col("county").alias("县"),
        pl.col("agency_name").alias("机关"), pl.col("report_year").alias("年度"),
        pl.col("admin_level").replace_strict(levels, default=pl.col("admin_level")).alias("层级"),
        pl.col("label_zh").alias("检查项"), pl.col("check_name").alias("检查项代码"),
        pl.col("severity").replace_strict(cb.SEVERITY_LABELS, default=pl.col("severity")).alias("级别"),
        pl.col("detail").alias("问题详情"), pl.col("source_path").alias("源文件"),
        pl.col("report_id").alias("年报编号"))
    with xlsxwriter.Workbook(str(path)) as wb:
        _sheet(listed, wb, "问题清单")
        for level in (*levels.values(), None):
            rows = status.filter(pl.col("admin_level") == level if level else pl.col("admin_level").is_null())
            if level or rows.height:
                _sheet(rows.select(list(_REPORT_COLUMNS)).rename(_REPORT_COLUMNS), wb, level or "层级不明")
        _sheet(data["rejected"].rename({"source_path": "文件", "error": "原因"}), wb, "未能读取的文件")


def _sheet(frame: pl.DataFrame, wb: xlsxwriter.Workbook, name: str) -> None:
    if frame.is_empty():
        ws = wb.add_worksheet(name)
        for i, column in enumerate(frame.columns):
            ws.write(0, i, column)
        return
    frame.write_excel(workbook=wb, worksheet=name, autofit=frame.height <= 5000,
                      table_style="Table Style Light 1")
