"""The Dagster definitions: graph, checks, schedule, resources (no run, no browser)."""
from __future__ import annotations

import os
import subprocess
import sys

import dagster as dg
import pytest

from assets.resources import RawFolder

from assets.checks import check_tables
from pipeline import definitions
from pipeline.core import codebook as cb
from tests.conftest import ROOT

TABLES = {"raw_file", "dim_report", "fact_application", "fact_proactive_disclosure", "fact_review_litigation",
          "fact_disclosure_channel", "fact_proposal", "dq_finding"}


def test_asset_graph_from_raw_files_to_every_contract_table():
    graph = definitions.defs().resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == TABLES | {"raw_report_files", "parsed_reports", "disclosure_warehouse",
                             "warehouse_parquet"}
    # lineage starts at the files: the raw folder is an asset of its own, upstream of the parse
    assert {k.to_user_string() for k in graph.get(dg.AssetKey("parsed_reports")).parent_keys} == {
        "raw_report_files"}
    warehouse_deps = {k.to_user_string() for k in graph.get(dg.AssetKey("disclosure_warehouse")).parent_keys}
    assert warehouse_deps == TABLES
    for table in ("fact_application", "dq_finding"):
        assert {k.to_user_string() for k in graph.get(dg.AssetKey(table)).parent_keys} == {"parsed_reports"}
    assert {k.to_user_string() for k in graph.get(dg.AssetKey("warehouse_parquet")).parent_keys} == {
        "disclosure_warehouse"}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description and node.group_name in ("ingest", "warehouse") and node.kinds, key


def test_every_codebook_check_is_an_asset_check_on_its_table():
    graph = definitions.defs().resolve_asset_graph()
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    assert checks == {(t, c.name) for c in cb.CHECKS for t in check_tables(c)} | {
        ("raw_file", "every_file_accounted"), ("fact_application", "full_application_grid")}
    blocking = {k.name for k in graph.asset_check_keys if graph.get_check_spec(k).blocking}
    assert blocking == {"every_file_accounted", "full_application_grid"}


def test_the_ui_describes_every_check_in_chinese_first():
    """A disclosure office reads the checks in the UI: each opens with its Chinese name and text."""
    graph = definitions.defs().resolve_asset_graph()
    described = {k.name: graph.get_check_spec(k).description for k in graph.asset_check_keys}
    assert described["application_balance"].startswith("申请数量收支不平：每类申请人")
    assert described["every_file_accounted"].startswith("每个文件都有记录：原始文件夹中的每个文件")
    for check in (*cb.CHECKS, *cb.STRUCTURAL_CHECKS):
        zh, en = described[check.name].split("\n\n")
        assert zh == f"{check.label_zh}：{check.description_zh}" and en == check.description


def test_nightly_schedule_is_on_by_default():
    schedule = definitions.defs().resolve_schedule_def("nightly_warehouse_build")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert schedule.cron_schedule == "0 2 * * *" and schedule.execution_timezone == "Asia/Shanghai"


def test_resources_follow_the_contract_env_vars_when_the_location_loads(monkeypatch):
    monkeypatch.delenv("DISCLOSURE_RAW_DIR", raising=False)
    monkeypatch.delenv("DISCLOSURE_WAREHOUSE", raising=False)
    res = definitions.defs().resources
    assert res["raw_folder"].path == "data/raw"
    assert res["warehouse"].path == "data/warehouse/disclosure.duckdb"
    # read when the code location loads, not at import
    monkeypatch.setenv("DISCLOSURE_RAW_DIR", "/srv/reports")
    monkeypatch.setenv("DISCLOSURE_WAREHOUSE", "/srv/w.duckdb")
    monkeypatch.setenv("DISCLOSURE_FILE_SECONDS", "7")
    res = definitions.defs().resources
    # configured with dg.EnvVar: Dagster reads the variable when a run starts
    assert res["raw_folder"].path == dg.EnvVar("DISCLOSURE_RAW_DIR")
    assert res["warehouse"].path == dg.EnvVar("DISCLOSURE_WAREHOUSE")
    assert res["raw_folder"].file_seconds == dg.EnvVar("DISCLOSURE_FILE_SECONDS")
    assert res["raw_folder"].file_memory_mb == ""  # unset: the default of pipeline.settings
    assert RawFolder(file_seconds="7").budget.seconds == 7 and RawFolder().max_file_bytes == 50 * 2**20
    with pytest.raises(ValueError, match="DISCLOSURE_FILE_SECONDS='x' is not a number of seconds"):
        RawFolder(file_seconds="x").budget
    monkeypatch.setenv("DISCLOSURE_PARSE_PARTITIONS", "2")
    assert definitions.defs().resolve_assets_def("parsed_reports").partitions_def.get_partition_keys() == [
        "000", "001"]


def test_the_module_reads_no_environment_at_import():
    probe = ("import pipeline.definitions as d\nprint('imported')\n"
             "try:\n    d.defs()\nexcept Exception as e:\n    print(e.__cause__ or e)")  # the defs folder
    # wraps the error in its own
    env = {**os.environ, "DISCLOSURE_EXECUTOR": "bogus"}
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.splitlines() == [
        "imported", "unknown executor 'bogus'; choose one of in_process, multiprocess"]


def test_parse_partitions_and_executor_are_configuration(monkeypatch):
    partitioned = definitions.build_definitions(parse_partitions=4, executor="multiprocess")
    parse = partitioned.resolve_assets_def("parsed_reports")
    assert parse.partitions_def.get_partition_keys() == ["000", "001", "002", "003"]
    assert partitioned.resolve_job_def("build_warehouse").executor_def.name == "multiprocess"
    assert definitions.defs().resolve_job_def("build_warehouse").executor_def.name == "in_process"


def test_new_files_sensor_is_off_by_default_and_fires_only_on_change(tmp_path):
    from assets.resources import RawFolder

    sensor = definitions.defs().resolve_sensor_def("new_raw_files")
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    resources = {"raw_folder": RawFolder(path=str(tmp_path))}
    first = sensor.evaluate_tick(dg.build_sensor_context(resources=resources))
    assert len(first.run_requests) == 1 and first.run_requests[0].tags["files"] == "1"
    same = sensor.evaluate_tick(dg.build_sensor_context(cursor=first.cursor, resources=resources))
    assert not same.run_requests and "no change" in same.skip_message
    (tmp_path / "b.txt").write_text("y", encoding="utf-8")
    added = sensor.evaluate_tick(dg.build_sensor_context(cursor=first.cursor, resources=resources))
    assert len(added.run_requests) == 1 and added.run_requests[0].tags["files"] == "2"


def test_with_parse_partitions_the_schedule_and_the_sensor_start_a_run_over_every_partition(tmp_path):
    from assets.resources import RawFolder

    partitioned = definitions.build_definitions(parse_partitions=4)
    every = {"dagster/asset_partition_range_start": "000", "dagster/asset_partition_range_end": "003"}
    schedule = partitioned.resolve_schedule_def("nightly_warehouse_build")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert schedule.job_name == "build_warehouse"
    tick = schedule.evaluate_tick(dg.build_schedule_context())
    assert len(tick.run_requests) == 1
    tags = tick.run_requests[0].tags
    assert {k: v for k, v in tags.items() if k.startswith("dagster/asset_partition")} == every
    sensor = partitioned.resolve_sensor_def("new_raw_files")
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    resources = {"raw_folder": RawFolder(path=str(tmp_path))}
    fired = sensor.evaluate_tick(dg.build_sensor_context(resources=resources))
    assert {k: fired.run_requests[0].tags[k] for k in every} == every
    # one step: plain runs
    plain = definitions.build_definitions().resolve_schedule_def("nightly_warehouse_build").evaluate_tick(
        dg.build_schedule_context()).run_requests[0].tags
    assert not [k for k in plain if k.startswith("dagster/asset_partition")]
