"""The README's promises: two commands, and example queries that return what it shows."""
from __future__ import annotations

import re

import duckdb
import pytest

from pipeline.core.build import build_warehouse
from tests.conftest import RAW, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_first_code_block_holds_the_build_and_the_test_command():
    block = README.split("```")[1].strip().splitlines()
    assert len(block) == 2
    assert "dagster asset materialize -m pipeline.definitions --select '*'" in block[0]
    assert block[1].endswith("pytest -q")
    assert "sed -n 2p" in (ROOT / ".ci" / "run").read_text()


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    path = tmp_path_factory.mktemp("readme") / "w.duckdb"
    build_warehouse(RAW, path, workers=1)
    with duckdb.connect(str(path), read_only=True) as c:
        yield c


def _sql_blocks() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", README, flags=re.S)


def test_example_queries_return_what_the_readme_shows(con):
    received, channels, findings = (con.execute(q).fetchall() for q in _sql_blocks())
    assert received[0] == ("山东省", "沂源县", "沂源县悦庄镇人民政府", 2024, 1)
    assert [r[2] for r in received] == ["沂源县悦庄镇人民政府", "保田镇", "博山区源泉镇人民政府",
                                        "嘉祥县金屯镇人民政府", "威海市文登区泽库镇人民政府"]
    assert len(channels) == 15 and ("博山区源泉镇人民政府", "wechat", 798, False, "秀美山川幸福源泉") in channels
    assert [(f[0], f[1], f[2]) for f in findings] == [
        ("channel_sum_mismatch", "warning", "威海市文登区泽库镇人民政府"),
        ("incomplete_table", "error", "嘉祥县金屯镇人民政府")]
    assert findings[0][3] == "stated total 532 ≠ sum of 3 channel counts 533"
    assert dict(con.execute("SELECT status, count(*) FROM raw_file GROUP BY status").fetchall()) == \
        {"parsed": 4, "partial": 1}
