"""The Dagster code location (`dagster ... -m pipeline.definitions`, or workspace.yaml).

Only assembles: assets, checks, resources, the nightly schedule and the executor live in assets/.
"""
from __future__ import annotations

import dagster as dg

from assets import reports, sensors, tables
from assets.resources import RawFolder, Warehouse
from pipeline import settings

# Run monitoring (deploy/dagster.yaml) cancels a run of the job past this many seconds.
JOB_TAGS = {"dagster/max_runtime": "14400"}

warehouse_job = dg.define_asset_job(
    "build_warehouse", selection=dg.AssetSelection.all(), tags=JOB_TAGS,
    description="Parse every raw file and publish the DuckDB warehouse.")

nightly_build = dg.ScheduleDefinition(
    name="nightly_warehouse_build", job=warehouse_job, cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai", default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Rebuild the warehouse from the raw folder every night at 02:00 China time.")

EXECUTORS = {
    # One process: per-step processes cost seconds each, and parsing already uses a process pool.
    "in_process": dg.in_process_executor,
    # One process per step (and per parse partition): the local stand-in for celery/k8s executors.
    "multiprocess": dg.multiprocess_executor,
}


def build_definitions(parse_partitions: int = 0, executor: str = "in_process") -> dg.Definitions:
    """The code location. `parse_partitions` > 0 splits the parse step into that many Dagster
    partitions (by a hash of each file's path); the executor is picked by name."""
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")
    parse = reports.make_parsed_reports(parse_partitions)
    downstream = dg.AssetSelection.all() - dg.AssetSelection.assets(parse)
    jobs = [warehouse_job] if not parse_partitions else [
        dg.define_asset_job("build_warehouse", selection=downstream, tags=JOB_TAGS,
                            description="Assemble, check and publish from every parsed partition.")]
    return dg.Definitions(
        assets=[parse, tables.report_tables, tables.disclosure_warehouse, tables.warehouse_parquet],
        jobs=jobs,
        sensors=[sensors.make_new_files_sensor(jobs[0]), sensors.build_failure_alert],
        schedules=[dg.ScheduleDefinition(name=nightly_build.name, job=jobs[0], cron_schedule=nightly_build.cron_schedule,
                                         execution_timezone=nightly_build.execution_timezone,
                                         default_status=dg.DefaultScheduleStatus.RUNNING,
                                         description=nightly_build.description)] if not parse_partitions else [],
        resources={"raw_folder": RawFolder(path=settings.raw_dir(), max_file_bytes=settings.max_file_bytes(),
                                           file_seconds=settings.file_seconds(),
                                           file_memory_bytes=settings.file_memory_bytes(),
                                           max_shrink=settings.max_shrink(),
                                           allow_shrink=settings.allow_shrink()),
                   "warehouse": Warehouse(path=settings.warehouse_path()),
                   # In one process, frames pass between assets in memory (pickling millions of rows to disk
                   # between steps cost seconds); across processes they go through the instance's storage.
                   **({"io_manager": dg.InMemoryIOManager()} if executor == "in_process" and not parse_partitions
                      else {})},
        executor=EXECUTORS[executor],
    )


defs = build_definitions(settings.parse_partitions(), settings.executor())
