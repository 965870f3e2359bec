"""Every code comes from the codebook: no check, channel or rejection code is spelled out as a string
anywhere else in pipeline/ or schemas/, neither as a literal nor quoted inside SQL, and no severity or
status is quoted inside SQL. (The Dagster layer, assets/, is checked by its own owner.)"""
from __future__ import annotations

import ast
import re

from pipeline.core import codebook as cb
from tests.conftest import ROOT

SOURCES = ("pipeline", "schemas")
# codes no other module may spell: a literal equal to one is a copy of the codebook
CODES = {**{c: "check" for c in cb.CHECK_NAMES}, **{c: "channel" for c in cb.CHANNEL_CODES},
         **{c: "rejection reason" for c in cb.REJECT_REASONS}}
# codes no SQL text may quote ('error' alone is also a column name, so only the quoted form counts)
SQL_CODES = {**CODES, **{c: "severity" for c in cb.SEVERITIES}, **{c: "status" for c in cb.STATUSES}}
_QUOTED = re.compile(r"'([a-z_]+)'")
# words that are a code and, here, something else: (file, word) → what it is
NOT_CODES = {
    ("pipeline/core/catalog.py", "other"): "v_application_summary's column `other` (rows 3.6.x, 其他处理)",
}


def _literals() -> list[tuple[str, int, str]]:
    out = []
    for root in SOURCES:
        for path in sorted((ROOT / root).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel == "pipeline/core/codebook.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                          if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                          and n.body and isinstance(n.body[0], ast.Expr)
                          and isinstance(n.body[0].value, ast.Constant)}
            out += [(rel, n.lineno, n.value) for n in ast.walk(tree)
                    if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]
    return out


def test_no_codebook_code_is_spelled_outside_the_codebook():
    found = [f"{rel}:{line}: {CODES[value]} code {value!r}" for rel, line, value in _literals()
             if value in CODES and (rel, value) not in NOT_CODES]
    assert not found, "use the codebook's constant:\n" + "\n".join(found)


def test_no_code_is_quoted_inside_sql_text():
    found = [f"{rel}:{line}: {SQL_CODES[m.group(1)]} '{m.group(1)}'" for rel, line, value in _literals()
             for m in _QUOTED.finditer(value) if m.group(1) in SQL_CODES]
    assert not found, "build the SQL from the codebook's constant:\n" + "\n".join(found)


def test_the_scan_sees_a_literal_when_one_comes_back(tmp_path, monkeypatch):
    """The scan itself: a module spelling a check name, a channel and a quoted severity is caught."""
    import tests.test_codebook_literals as me

    (tmp_path / "pipeline").mkdir()
    (tmp_path / "pipeline" / "bad.py").write_text(
        f'A = "{cb.CHECK_APPLICATION_BALANCE}"\nB = ["{cb.CHANNEL_WECHAT}"]\n'
        f'SQL = "SELECT 1 WHERE severity = \'{cb.SEVERITY_ERROR}\'"\n', encoding="utf-8")
    monkeypatch.setattr(me, "ROOT", tmp_path)
    values = {value for _, _, value in me._literals()}
    assert {cb.CHECK_APPLICATION_BALANCE, cb.CHANNEL_WECHAT} <= values & set(CODES)
    assert any(m.group(1) == cb.SEVERITY_ERROR for v in values for m in _QUOTED.finditer(v))
