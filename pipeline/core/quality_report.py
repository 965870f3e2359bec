"""A data-quality report a disclosure office can open without SQL: one static HTML page written
beside the warehouse on every build. Per agency, the findings with their numbers and the source
file; bar charts of findings by check and by region; the files that could not be read, and why.
Plain HTML and CSS (no scripts, nothing fetched), so it opens offline and prints.
"""
from __future__ import annotations

import datetime as dt
import html
import os
from pathlib import Path

import duckdb

_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;width:100%;font-size:.9em}td,th{border:1px solid #ddd;padding:4px 6px;text-align:left;
vertical-align:top}th{background:#f4f4f4}.error{color:#b00020;font-weight:bold}.warning{color:#a66a00}
.bar{display:flex;align-items:center;margin:2px 0}.bar span{width:16em;font-size:.9em}
.bar div{background:#4a78b5;height:1em;margin-right:.5em}.muted{color:#777}
.cards{display:flex;gap:1em}.card{border:1px solid #ddd;padding:.6em 1em;border-radius:4px}
.card b{display:block;font-size:1.4em}
"""


def quality_report_path(warehouse: Path) -> Path:
    return Path(warehouse).with_name(Path(warehouse).stem + ".quality.html")


def _bars(rows: list[tuple[str, int]]) -> str:
    top = max((n for _, n in rows), default=1) or 1
    return "".join(f'<div class="bar"><span>{html.escape(str(label))}</span>'
                   f'<div style="width:{max(2, int(400 * n / top))}px"></div>{n}</div>' for label, n in rows) \
        or '<p class="muted">none</p>'


def _table(header: list[str], rows: list[tuple]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(
        f'<td class="{html.escape(str(v))}">{html.escape(str(v))}</td>' if h == "severity" else
        f"<td>{html.escape('' if v is None else str(v))}</td>" for h, v in zip(header, r)) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def write_quality_report(warehouse: Path, out: Path | None = None) -> Path:
    """Render the report from a published warehouse (read-only) and write it atomically."""
    out = out or quality_report_path(warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        q = con.execute
        statuses = dict(q("SELECT status, count(*) FROM raw_file GROUP BY ALL").fetchall())
        reports = q("SELECT count(*) FROM dim_report").fetchone()[0]
        severities = dict(q("SELECT severity, count(*) FROM dq_finding GROUP BY ALL").fetchall())
        by_check = q("SELECT check_name, count(*) n FROM dq_finding GROUP BY ALL ORDER BY n DESC, check_name").fetchall()
        by_region = q("SELECT coalesce(province, '(unknown)') || coalesce(' ' || city, '') AS region, count(*) n "
                      "FROM v_quality GROUP BY ALL ORDER BY n DESC, region").fetchall()
        findings = q("SELECT province, city, county, agency_name, report_year, check_name, severity, detail, "
                     "source_path FROM v_quality ORDER BY province NULLS LAST, city NULLS LAST, county NULLS LAST, "
                     "agency_name, report_year, severity, check_name, detail").fetchall()
        rejected = q("SELECT source_path, error FROM raw_file WHERE status = 'rejected' ORDER BY source_path").fetchall()
        digest = q("SELECT build_digest FROM build_info").fetchone()[0]
    finally:
        con.close()
    parts = [f"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>政府信息公开年报 数据质量报告"
             f"</title><style>{_CSS}</style></head><body>",
             "<h1>政府信息公开工作年度报告 · 数据质量报告 (data-quality report)</h1>",
             f"<p class=\"muted\">Built {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} from "
             f"{html.escape(Path(warehouse).name)} (build <code>{html.escape(digest[:16])}</code>). "
             "Each finding names the report's source file and the numbers "
             "that disagree; `error` findings are arithmetic or missing-table problems to correct.</p>",
             '<div class="cards">' + "".join(f'<div class="card"><b>{n}</b>{html.escape(label)}</div>' for label, n in (
                 ("reports", reports), ("files parsed", statuses.get("parsed", 0)),
                 ("partial", statuses.get("partial", 0)), ("rejected", statuses.get("rejected", 0)),
                 ("error findings", severities.get("error", 0)),
                 ("warnings", severities.get("warning", 0)))) + "</div>",
             "<h2>Findings by check</h2>", _bars(by_check),
             "<h2>Findings by region</h2>", _bars(by_region),
             "<h2>Findings by agency</h2>"]
    current = None
    rows: list[tuple] = []

    def flush() -> None:
        if current is not None:
            parts.append(f"<h3>{html.escape(' '.join(x for x in current if x))}</h3>")
            parts.append(_table(["year", "check", "severity", "detail", "source file"], rows))

    for province, city, county, agency, year, check, severity, detail, source in findings:
        key = (province or "", city or "", county or "", agency or "(agency unknown)")
        if key != current:
            flush()
            current, rows = key, []
        rows.append((year, check, severity, detail, source))
    flush()
    if not findings:
        parts.append('<p class="muted">No findings.</p>')
    parts += ["<h2>Files that could not be read</h2>",
              _table(["file", "reason"], rejected) if rejected else '<p class="muted">none</p>', "</body></html>"]
    tmp = out.with_name(f".{out.name}.{os.getpid()}")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    os.replace(tmp, out)
    return out
