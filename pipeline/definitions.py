"""The Dagster code location (`dagster ... -m pipeline.definitions`, or workspace.yaml).

Only assembles: assets, checks, resources, the nightly schedule and the executor live in assets/.
"""
from __future__ import annotations

import dagster as dg

from assets import checks, reports, tables
from assets.resources import RawFolder, Warehouse
from pipeline import settings

warehouse_job = dg.define_asset_job(
    "build_warehouse", selection=dg.AssetSelection.all(),
    description="Parse every raw file and publish the DuckDB warehouse.")

nightly_build = dg.ScheduleDefinition(
    name="nightly_warehouse_build", job=warehouse_job, cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai", default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Rebuild the warehouse from the raw folder every night at 02:00 China time.")

defs = dg.Definitions(
    assets=[reports.parsed_reports, tables.report_tables, tables.dq_finding, tables.disclosure_warehouse],
    asset_checks=checks.DQ_CHECKS,
    jobs=[warehouse_job],
    schedules=[nightly_build],
    resources={"raw_folder": RawFolder(path=settings.raw_dir(), max_file_bytes=settings.max_file_bytes()), "warehouse": Warehouse(path=settings.warehouse_path())},
    # One process: per-step processes cost seconds each and parsing already uses a process pool.
    executor=dg.in_process_executor,
)
