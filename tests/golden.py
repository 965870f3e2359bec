"""Compare a built warehouse with a golden file (the format of tests/fixtures/seeds_golden.json).

Returns the list of mismatches, so a test failure names every wrong value.
"""
from __future__ import annotations

from collections import Counter

import duckdb

from pipeline.core import codebook as cb


def _same(expected, got) -> bool:
    if hasattr(got, "isoformat"):
        got = got.isoformat()
    if isinstance(got, float) and got.is_integer():
        got = int(got)
    return expected == got


def compare(golden: dict, con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every value of the golden file that the warehouse does not hold, one line each."""
    return score(golden, con)[1]


def score(golden: dict, con: duckdb.DuckDBPyConnection) -> tuple[int, list[str]]:
    """(values compared, the mismatches): each report field, grid cell, channel and proposal is one value."""
    misses: list[str] = []
    compared = 0
    for path, exp in golden.items():
        if path.startswith("_"):
            continue
        row = con.execute("SELECT report_id, status FROM raw_file WHERE source_path LIKE ?",
                          [f"%{path}"]).fetchone()
        compared += 1
        if row is None:
            misses.append(f"{path}: no raw_file row")
            continue
        rid, status = row
        compared += "status" in exp
        if status != exp.get("status", status):
            misses.append(f"{path}: status {status} != {exp['status']}")
        fields = exp.get("report", {})
        if fields:
            got = con.execute(f"SELECT {', '.join(fields)} FROM dim_report WHERE report_id = ?",
                              [rid]).fetchone()
            for (name, want), have in zip(fields.items(), got or [None] * len(fields)):
                compared += 1
                if not _same(want, have):
                    misses.append(f"{path}: {name} {have!r} != {want!r}")
        fmt = fields.get("format_version", cb.FORMAT_2021)
        if "application" in exp:
            app = exp["application"]
            got = dict(((r, a), c) for r, a, c in con.execute(
                "SELECT row_code, applicant, count FROM fact_application WHERE report_id = ?",
                [rid]).fetchall())
            for r in cb.application_row_codes(fmt):
                for a in cb.APPLICANT_CODES:
                    null = r in app.get("missing_rows", []) or f"{r}/{a}" in app.get("null_cells", [])
                    want = None if null else app["nonzero"].get(f"{r}/{a}", 0)
                    compared += 1
                    if got.get((r, a), "absent") != want:
                        have = got.get((r, a), "absent")
                        misses.append(f"{path}: application {r}/{a} {have!r} != {want!r}")
        for area, table, k1, k2, grid in (
                ("proactive", "fact_proactive_disclosure", "item", "measure",
                 [(i, m) for i, ms in cb.PROACTIVE_GRID[fmt].items() for m in ms]),
                ("review_litigation", "fact_review_litigation", "proceeding", "outcome",
                 list(cb.REVIEW_GRID))):
            if area not in exp:
                continue
            value = "value" if area == "proactive" else "count"
            got = {(a, b): v for a, b, v in con.execute(
                f"SELECT {k1}, {k2}, {value} FROM {table} WHERE report_id = ?", [rid]).fetchall()}
            for a, b in grid:
                compared += 1
                null = f"{a}/{b}" in exp[area].get("null_cells", [])
                want = None if null else exp[area]["nonzero"].get(f"{a}/{b}", 0)
                if not _same(want, got.get((a, b), "absent")):
                    misses.append(f"{path}: {area} {a}/{b} {got.get((a, b), 'absent')!r} != {want!r}")
        if "channels" in exp:
            got = Counter(con.execute("SELECT channel, items, is_lower_bound FROM fact_disclosure_channel "
                                      "WHERE report_id = ?", [rid]).fetchall())
            want = Counter((c["channel"], c["items"], c["is_lower_bound"]) for c in exp["channels"])
            compared += max(sum(want.values()), 1)
            if got != want:
                misses.append(f"{path}: channels {sorted(got.items())} != {sorted(want.items())}")
            for c in exp["channels"]:
                if "account_name" in c:
                    acc = con.execute("SELECT account_name FROM fact_disclosure_channel "
                                      "WHERE report_id = ? AND channel = ? AND items = ?",
                                      [rid, c["channel"], c["items"]]).fetchone()
                    if acc is None or acc[0] != c["account_name"]:
                        misses.append(f"{path}: account of {c['channel']} {acc} != {c['account_name']}")
        if "proposals" in exp:
            got = dict(con.execute("SELECT proposal_type, count FROM fact_proposal WHERE report_id = ?",
                                   [rid]).fetchall())
            compared += 2
            if got != exp["proposals"]:
                misses.append(f"{path}: proposals {got} != {exp['proposals']}")
        if "findings" in exp:
            rows = con.execute("SELECT check_name, severity FROM dq_finding WHERE report_id = ?",
                               [rid]).fetchall()
            names = {c for c, _ in rows}
            compared += 1
            errors = {c for c, s in rows if s == cb.SEVERITY_ERROR}
            if not set(exp["findings"]) <= names or not errors <= set(exp["findings"]):
                misses.append(f"{path}: findings {sorted(names)} (errors {sorted(errors)}) "
                              f"vs {exp['findings']}")
    return compared, misses
