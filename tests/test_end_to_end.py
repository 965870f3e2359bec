"""The Dagster graph materialised on real inputs into a temporary warehouse."""
from __future__ import annotations

import shutil

import dagster as dg
import duckdb
import pytest

from assets import reports, tables
from assets.resources import RawFolder, Warehouse
from pipeline import definitions
from tests.conftest import RAW, REAL
from tests.golden import compare


def materialize(raw_dir, warehouse) -> dg.ExecuteInProcessResult:
    defs = definitions.defs()
    job = defs.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(resources={"raw_folder": RawFolder(path=str(raw_dir)),
                                             "warehouse": Warehouse(path=str(warehouse))},
                                  instance=dg.DagsterInstance.ephemeral())


@pytest.fixture(scope="module")
def seeds_build(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    for f in RAW.iterdir():
        shutil.copy(f, raw / f.name)
    # bad input beside the samples: each must become a rejected raw_file row, the run goes on
    (raw / "empty.txt").write_bytes(b"")
    (raw / "random.txt").write_bytes(bytes(range(256)) * 8)
    (raw / "notice.txt").write_text("关于做好春节期间值班工作的通知\n各单位：请安排好值班。\n", encoding="utf-8")
    (raw / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0JFIF")
    (raw / "sub").mkdir()
    shutil.copy(next(RAW.glob("004_*.txt")), raw / "sub" / "copy_of_004.txt")
    warehouse = tmp_path_factory.mktemp("wh") / "disclosure.duckdb"
    result = materialize(raw, warehouse)
    return result, warehouse


def test_run_succeeds_and_every_check_is_evaluated(seeds_build):
    result, _ = seeds_build
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert {e.check_name for e in evaluations} == {
        "application_balance", "application_row_total", "application_outcome_total",
        "review_litigation_total",
        "incomplete_table", "missing_section", "channel_sum_mismatch", "text_table_mismatch",
        "carryover_mismatch", "duplicate_report", "missing_metadata", "value_out_of_range",
        "too_many_findings", "in_force_mismatch", "prose_year_mismatch", "processing_fee_conflict",
        "empty_section", "similar_prose", "every_file_accounted", "full_application_grid"}
    by_name = {e.check_name: e.passed for e in evaluations}
    assert by_name["value_out_of_range"] is True and by_name["too_many_findings"] is True
    incomplete = {e.asset_key.path[-1]: e.passed for e in evaluations if e.check_name == "incomplete_table"}
    assert incomplete == {"fact_application": False, "fact_proactive_disclosure": True,  # 003 is cut in §三
                          "fact_review_litigation": True}
    assert by_name["application_balance"] is True
    assert by_name["missing_metadata"] is True  # every seed names its agency, year, level and region
    assert not any(by_name[c] is False for c in ("in_force_mismatch", "prose_year_mismatch",
                                                 "processing_fee_conflict", "empty_section", "similar_prose"))
    assert by_name["every_file_accounted"] is True and by_name["full_application_grid"] is True


def test_seed_warehouse_matches_the_golden_file(seeds_build, seeds_golden):
    _, warehouse = seeds_build
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert compare(seeds_golden, con) == []


def test_bad_files_are_rejected_with_reasons(seeds_build):
    _, warehouse = seeds_build
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = dict(con.execute("SELECT source_path, status || ': ' || coalesce(error, '') "
                                "FROM raw_file").fetchall())
    assert rows["empty.txt"] == "rejected: empty file"
    assert rows["random.txt"].startswith("rejected: binary")
    assert rows["notice.txt"].startswith("rejected: not a government information disclosure annual report")
    assert rows["photo.jpg"].startswith("rejected: unsupported file type")
    assert rows["sub/copy_of_004.txt"] == "parsed: "
    assert len(rows) == 10


def test_identical_files_share_one_report(seeds_build):
    _, warehouse = seeds_build
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ids = con.execute("SELECT report_id FROM raw_file WHERE source_path LIKE '%004%'").fetchall()
        assert len(ids) == 2 and ids[0] == ids[1]
        assert con.execute("SELECT count(*) FROM dim_report").fetchone()[0] == 5
        assert con.execute("SELECT count(*) FROM fact_application").fetchone()[0] == 5 * 25 * 7


def test_real_pdf_conversions_match_their_golden_file(tmp_path, real_golden):
    warehouse = tmp_path / "real.duckdb"
    raw = tmp_path / "raw"
    raw.mkdir()
    for f in REAL.glob("*.txt"):
        shutil.copy(f, raw / f.name)
    assert materialize(raw, warehouse).success
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert compare(real_golden, con) == []


def test_a_failed_run_leaves_the_previous_warehouse(tmp_path, seeds_build):
    _, good = seeds_build
    target = tmp_path / "disclosure.duckdb"
    shutil.copy(good, target)
    missing = tmp_path / "no_such_folder"
    with pytest.raises(Exception, match="does not exist"):
        materialize(missing, target)
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM dim_report").fetchone()[0] == 5


def partitioned_job(raw, warehouse, partitions: int = 3) -> dg.JobDefinition:
    """The code location in partitioned mode, on these folders: its job (the whole graph)."""
    defs = definitions.build_definitions(partitions, resources={
        "raw_folder": RawFolder(path=str(raw)), "warehouse": Warehouse(path=str(warehouse))})
    return defs.resolve_job_def("build_warehouse")


def every_partition(partitions: int = 3) -> dict[str, str]:
    return {"dagster/asset_partition_range_start": "000",
            "dagster/asset_partition_range_end": f"{partitions - 1:03d}"}


def test_parse_step_as_partitions_builds_the_same_warehouse(tmp_path, seeds_golden):
    """The partitioned path, locally: each parse partition materialised on its own (as a k8s or
    celery executor would run them), then the rest of the graph over all partitions."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    warehouse = tmp_path / "wh" / "disclosure.duckdb"
    job = partitioned_job(raw, warehouse)
    instance = dg.DagsterInstance.ephemeral()
    files_per_partition = []
    for key in ("000", "001", "002"):
        result = job.execute_in_process(asset_selection=[dg.AssetKey("parsed_reports")], partition_key=key,
                                        instance=instance)
        assert result.success
        parsed = result.asset_materializations_for_node("parsed_reports")[0]
        files_per_partition.append(parsed.metadata["files"].value)
    assert sum(files_per_partition) == 5
    downstream = [k for k in job.asset_layer.selected_asset_keys if k.to_user_string() != "parsed_reports"]
    result = job.execute_in_process(asset_selection=downstream, instance=dg.DagsterInstance.ephemeral())
    assert result.success  # another instance: the parse manifests are kept beside the parse cache
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert compare(seeds_golden, con) == []
    assert (warehouse.parent / "disclosure.parquet" / "fact_application" / "report_year=2024").is_dir()
    labels = warehouse.parent / "disclosure.parquet" / "dim_applicant" / "dim_applicant.parquet"
    label = duckdb.sql(f"SELECT label_zh FROM '{labels}' WHERE applicant = 'legal_service_org'").fetchone()
    assert label == ("法律服务机构",)  # the Chinese labels travel with the Parquet export
    # a file added after its partition was parsed is not accounted: the blocking check stops the publish
    shutil.copy(next(RAW.glob("004_*.txt")), raw / "added_later.txt")
    result = job.execute_in_process(asset_selection=downstream, instance=instance, raise_on_error=False)
    accounted = [(e.passed, e.metadata["files_found"].value, e.metadata["raw_file_rows"].value)
                 for e in result.get_asset_check_evaluations() if e.check_name == "every_file_accounted"]
    assert accounted == [(False, 6, 5)]
    assert not result.success
    # the job over every partition (what the schedule and the sensor start) parses it and publishes it
    result = job.execute_in_process(instance=instance, tags=every_partition())
    assert result.success
    accounted = [(e.passed, e.metadata["files_found"].value, e.metadata["raw_file_rows"].value)
                 for e in result.get_asset_check_evaluations() if e.check_name == "every_file_accounted"]
    assert accounted == [(True, 6, 6)]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        added = con.execute("SELECT status FROM raw_file WHERE source_path = 'added_later.txt'").fetchone()
        assert added == ("parsed",)


def test_a_partition_never_parsed_is_named_with_the_command_that_parses_it(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    job = partitioned_job(raw, tmp_path / "wh" / "disclosure.duckdb")
    instance = dg.DagsterInstance.ephemeral()
    assert job.execute_in_process(asset_selection=[dg.AssetKey("parsed_reports")], partition_key="000",
                                  instance=instance).success
    result = job.execute_in_process(asset_selection=[dg.AssetKey("raw_file")], instance=instance,
                                    raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert "partition 001 of parsed_reports has not been materialised" in failure.message + str(
        failure.step_failure_data.user_failure_data or "") + str(failure.step_failure_data.error)
    assert "dg launch --assets parsed_reports --partition 001" in str(failure.step_failure_data.error)


def test_a_content_parsed_in_two_partitions_is_published_once(tmp_path):
    """Each partition has its own cache, so a file copied into another partition is parsed twice;
    its report's grid rows must still come from one segment only."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    original = next(RAW.glob("001_*.txt"))
    home = reports.partition_of(original.name, 3)
    copy_name = next(f"copy_{i}.txt" for i in range(100) if reports.partition_of(f"copy_{i}.txt", 3) != home)
    shutil.copy(original, raw / copy_name)
    warehouse = tmp_path / "wh" / "disclosure.duckdb"
    result = partitioned_job(raw, warehouse).execute_in_process(instance=dg.DagsterInstance.ephemeral(),
                                                                tags=every_partition())
    assert result.success
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw_file").fetchone()[0] == 6
        assert con.execute("SELECT count(*) FROM dim_report").fetchone()[0] == 5
        per_report = con.execute("SELECT count(*), count(DISTINCT (row_code, applicant)) "
                                 "FROM fact_application "
                                 "WHERE report_id = (SELECT report_id FROM raw_file WHERE source_path = ?)",
                                 [copy_name]).fetchone()
        assert per_report == (175, 175)


def test_quality_report_is_written_beside_the_warehouse(seeds_build):
    _, warehouse = seeds_build
    page = (warehouse.parent / "disclosure.quality.html").read_text(encoding="utf-8")
    assert '山东省 威海市 文登区 <span class="muted">（1 份年报，错误 0，警告 1）</span></h4>' in page
    assert "所述合计 532 ≠ 3 个渠道数量之和 533" in page and "001_f5b8ed62166f75c7.txt" in page
    assert "§三 原文缺少以下各行：三（三）8；三（四）1" in page and "003_900cea2f89254ff6.txt" in page
    assert "<h2>检查项说明</h2>" in page and "<h2>目录（按地区）</h2>" in page
    assert '<td>empty.txt</td><td class="rejected">未能读取</td><td>empty file</td>' in page  # with the reason
    assert (warehouse.parent / "disclosure.quality.xlsx").exists()
    assert 'href="disclosure.quality.xlsx"' in page


def test_run_ends_with_a_markdown_summary(seeds_build):
    result, _ = seeds_build
    meta = result.asset_materializations_for_node("disclosure_warehouse")[0].metadata
    summary = meta["summary"].value
    assert "| parsed | 5 |" in summary and "| partial | 1 |" in summary and "| rejected | 4 |" in summary
    assert "| incomplete_table | error | 1 |" in summary
    assert meta["quality_report"].value.endswith("disclosure.quality.html")


def test_each_run_observes_the_raw_folder(seeds_build):
    result, _ = seeds_build
    seen = [e.asset_observation_data.asset_observation for e in result.get_asset_observation_events()]
    raw = [o.metadata for o in seen if o.asset_key == dg.AssetKey("raw_report_files")]
    assert len(raw) == 1 and raw[0]["files"].value == 10  # the five samples, a copy and four bad files
    assert raw[0]["bytes"].value > 20_000


def test_a_table_alone_is_not_published_when_its_blocking_check_fails(tmp_path):
    """A table materialised alone (no disclosure_warehouse in the run) is published by its own step:
    every_file_accounted must block that publish too, as it blocks the whole job's (a file added
    after the partitions were parsed), and the log says why and what to run."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    warehouse = tmp_path / "wh" / "disclosure.duckdb"
    job = partitioned_job(raw, warehouse)
    instance = dg.DagsterInstance.ephemeral()
    assert job.execute_in_process(instance=instance, tags=every_partition()).success
    before = warehouse.stat()
    shutil.copy(next(RAW.glob("004_*.txt")), raw / "added_later.txt")
    result = job.execute_in_process(asset_selection=[dg.AssetKey("raw_file"), dg.AssetKey("dim_report")],
                                    instance=instance, raise_on_error=False)
    assert not result.success
    checks = result.get_asset_check_evaluations()
    assert [e.passed for e in checks if e.check_name == "every_file_accounted"] == [False]
    after = warehouse.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not replaced
    kept = [e.user_message for e in instance.all_logs(result.run_id) if "not published" in e.user_message]
    assert kept and "every_file_accounted" in kept[0] and "added_later.txt" in kept[0]
    assert "--partition-range 000...002" in kept[0]


def test_each_table_asset_materialises_alone_from_the_parse_cache(tmp_path):
    """After a full build, each contract table is materialised on its own (as from the UI), in a
    persistent instance and as if in a new process: it is re-made from the parse cache through the
    manifest kept beside it, and replaced in the published warehouse; the rest stays as it was."""
    from assets import resources
    from pipeline.core import build

    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    warehouse = tmp_path / "wh" / "disclosure.duckdb"
    job = definitions.build_definitions(resources={
        "raw_folder": RawFolder(path=str(raw)), "warehouse": Warehouse(path=str(warehouse))}).resolve_job_def(
        "build_warehouse")
    (tmp_path / "home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "home")) as instance:
        assert job.execute_in_process(instance=instance).success
        with duckdb.connect(str(warehouse), read_only=True) as con:
            counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables.ALL_TABLES}
        assert counts["fact_application"] == 5 * 25 * 7 and counts["dim_report"] == 5
        for table in tables.ALL_TABLES:
            build._PARTS.clear()  # noqa: SLF001  (a new process: nothing kept in memory)
            resources._STAGED.clear()  # noqa: SLF001
            with duckdb.connect(str(warehouse)) as con:
                con.execute(f"DELETE FROM {table}")
            result = job.execute_in_process(instance=instance, asset_selection=[dg.AssetKey(table)])
            assert result.success, table
            made = [m.asset_key.to_user_string() for m in result.get_asset_materialization_events()]
            assert made == [table]
            materialization = result.asset_materializations_for_node("report_tables")[0]
            assert materialization.metadata["published_alone"].value is True
            assert materialization.metadata["dagster/row_count"].value == counts[table]
            with duckdb.connect(str(warehouse), read_only=True) as con:
                now = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables.ALL_TABLES}
            assert now == counts, table
