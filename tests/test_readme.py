"""The README's promises: two commands, and cookbook queries that return what it shows."""
from __future__ import annotations

import os
import re
import subprocess

import dagster
import duckdb
import pytest

from pipeline.core.build import build_warehouse
from pipeline.setup_home import setup_home
from tests.conftest import RAW, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_first_code_block_holds_the_build_and_the_test_command():
    block = README.split("```")[1].strip().splitlines()
    assert len(block) == 2
    assert block[0].endswith(".venv/bin/dg launch --job build_warehouse")  # the dg CLI: no warning printed
    assert block[1].endswith("pytest -q")
    assert "sed -n 2p" in (ROOT / ".ci" / "run").read_text()


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    path = tmp_path_factory.mktemp("readme") / "w.duckdb"
    build_warehouse(RAW, path, workers=1)
    with duckdb.connect(str(path), read_only=True) as c:
        yield c


COOKBOOK = re.findall(r"```sql\n(.*?)```\n```text\n(.*?)```", README, flags=re.S)


def _shown(value) -> str:
    return "NULL" if value is None else str(value)


def test_the_cookbook_has_at_least_six_questions():
    assert len(COOKBOOK) >= 6


@pytest.mark.parametrize("query, shown", COOKBOOK, ids=[q.split("\n")[0][:40] for q, _ in COOKBOOK])
def test_cookbook_query_returns_what_the_readme_shows(con, query, shown):
    rows = [" | ".join(_shown(v) for v in row) for row in con.execute(query).fetchall()]
    assert rows == shown.strip().splitlines()


def test_views_and_label_tables_exist_with_labels(con):
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert {"dim_application_row", "dim_applicant", "dim_channel", "dim_proactive_item", "dim_outcome",
            "dim_check"} <= tables
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert {"v_report", "v_application_summary", "v_channel_mix", "v_quality"} <= views
    assert con.execute("SELECT label_zh, parent_code, level FROM dim_application_row WHERE row_code = '3.3.4'"
                       ).fetchone() == ("保护第三方合法权益", "3.3", 3)
    assert con.execute("SELECT count(*) FROM dim_application_row").fetchone()[0] == 26  # 25 rows + 2019's 3.6
    comment = con.execute("SELECT comment FROM duckdb_columns() WHERE table_name = 'v_application_summary' "
                          "AND column_name = 'withheld'").fetchone()[0]
    assert "不予公开" in comment
    partial = con.execute("SELECT status, error_findings, withheld FROM v_report JOIN v_application_summary "
                          "USING (report_id) WHERE v_report.agency_name = '嘉祥县金屯镇人民政府'").fetchone()
    assert partial == ("partial", 1, None)  # rows 3.3.8 … are missing: the sum is unknown, not 0


def test_every_table_view_and_column_is_documented(con):
    undocumented = con.execute("SELECT table_name, column_name FROM duckdb_columns() "
                               "WHERE schema_name = 'main' AND NOT internal AND coalesce(comment, '') = ''"
                               ).fetchall()
    assert undocumented == []
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE coalesce(comment, '') = ''"
                       ).fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal AND coalesce(comment, '') = ''"
                       ).fetchone()[0] == 0
    row = con.execute("SELECT kind, data_type, comment FROM v_catalog WHERE table_name = 'fact_application' "
                      "AND column_name = 'count'").fetchone()
    assert row == ("table", "INTEGER", "NULL = blank or missing in the source")


def test_the_readme_dg_command_builds_without_a_deprecation_warning(tmp_path):
    assert ".venv/bin/dg launch --job build_warehouse" in README
    assert "dg launch --assets parsed_reports --partition 000" in README  # a partition that exists for any N
    dg = ROOT / ".venv" / "bin" / "dg"
    home, _ = setup_home(tmp_path / "home")
    env = {**os.environ, "DAGSTER_HOME": str(home), "DISCLOSURE_RAW_DIR": str(RAW),
           "DISCLOSURE_WAREHOUSE": str(tmp_path / "wh" / "disclosure.duckdb")}
    done = subprocess.run([str(dg) if dg.exists() else "dg", "launch", "--job", "build_warehouse"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Warning" not in done.stdout + done.stderr
    warehouse = tmp_path / "wh" / "disclosure.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw_file").fetchone()[0] == 5
    # one table asset materialised alone (as from the UI), in a later run: re-made from the parse cache
    # and replaced in the published warehouse, the rest kept
    with duckdb.connect(str(warehouse)) as con:
        con.execute("DELETE FROM dim_report WHERE report_id IN (SELECT report_id FROM dim_report LIMIT 3)")
        before = con.execute("SELECT count(*), (SELECT count(*) FROM fact_application) "
                             "FROM dim_report").fetchone()
    assert before == (2, 5 * 25 * 7)
    alone = subprocess.run([str(dg) if dg.exists() else "dg", "launch", "--assets", "dim_report"], cwd=ROOT,
                           env=env, capture_output=True, text=True, timeout=600)
    assert alone.returncode == 0, alone.stderr[-3000:]
    assert "Warning" not in alone.stdout + alone.stderr and "replaced dim_report in" in alone.stderr
    assert "parsed_reports - " not in alone.stderr  # nothing parsed: the manifest and the cache were kept
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM dim_report").fetchone()[0] == 5
        assert con.execute("SELECT count(*) FROM fact_application").fetchone()[0] == 5 * 25 * 7
        assert con.execute("SELECT count(*) FROM v_report").fetchone()[0] == 5  # the views still read it
        comment = con.execute("SELECT comment FROM duckdb_tables() "
                              "WHERE table_name = 'dim_report'").fetchone()
        assert comment[0]
    with dagster.DagsterInstance.from_config(str(home)) as instance:
        event = instance.get_latest_materialization_event(dagster.AssetKey("dim_report"))
        assert event.asset_materialization.metadata["published_alone"].value is True
        assert event.asset_materialization.metadata["dagster/row_count"].value == 5
        run = instance.get_run_by_id(event.run_id)
        assert run.asset_selection == {dagster.AssetKey("dim_report")}
    # the Scale section's partition example, with a single partition
    part = subprocess.run([str(dg) if dg.exists() else "dg", "launch", "--assets", "parsed_reports",
                           "--partition", "000"], cwd=ROOT, env={**env, "DISCLOSURE_PARSE_PARTITIONS": "1"},
                          capture_output=True, text=True, timeout=600)
    assert part.returncode == 0, part.stderr[-3000:]
    assert "Warning" not in part.stdout + part.stderr and "partition 000: 5 files" in part.stderr
