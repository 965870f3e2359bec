"""The Dagster code location (`dagster ... -m pipeline.definitions`, or workspace.yaml).

Only assembles: assets, checks, resources, the nightly schedule and the executor live in assets/.
`defs` is loaded lazily (`@dg.definitions`): the environment is read when Dagster loads the code
location, never at import, and a test builds its own with `build_definitions`.
"""
from __future__ import annotations

import dagster as dg

from assets import reports, sensors, tables
from assets.resources import RawFolder, Warehouse
from pipeline import settings

# Run monitoring (deploy/dagster.yaml) cancels a run of the job past this many seconds.
JOB_TAGS = {"dagster/max_runtime": "14400"}
JOB_NAME, SCHEDULE_NAME = "build_warehouse", "nightly_warehouse_build"

EXECUTORS = {
    # One process: per-step processes cost seconds each, and parsing already uses a process pool.
    "in_process": dg.in_process_executor,
    # One process per step (and per parse partition): the local stand-in for celery/k8s executors.
    "multiprocess": dg.multiprocess_executor,
}


def resources_from_env() -> dict[str, dg.ConfigurableResource]:
    """The raw folder and the warehouse from the contract's environment variables (and the limits')."""
    return {"raw_folder": RawFolder(path=settings.raw_dir(), max_file_bytes=settings.max_file_bytes(),
                                    file_seconds=settings.file_seconds(),
                                    file_memory_bytes=settings.file_memory_bytes(),
                                    max_shrink=settings.max_shrink(), allow_shrink=settings.allow_shrink()),
            "warehouse": Warehouse(path=settings.warehouse_path())}


def build_definitions(parse_partitions: int = 0, executor: str = "in_process",
                      resources: dict[str, dg.ConfigurableResource] | None = None) -> dg.Definitions:
    """The code location. `parse_partitions` > 0 splits the parse step into that many Dagster
    partitions (by a hash of each file's path); the executor is picked by name; `resources`
    default to the environment's (`resources_from_env`)."""
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")
    parse = reports.make_parsed_reports(parse_partitions)
    if parse_partitions:  # the partitions are parsed by their own runs (a backfill); the job assembles
        downstream = dg.AssetSelection.all() - dg.AssetSelection.assets(parse)
        job = dg.define_asset_job(JOB_NAME, selection=downstream, tags=JOB_TAGS,
                                  description="Assemble, check and publish from every parsed partition.")
        schedules = []
    else:
        job = dg.define_asset_job(JOB_NAME, selection=dg.AssetSelection.all(), tags=JOB_TAGS,
                                  description="Parse every raw file and publish the DuckDB warehouse.")
        schedules = [dg.ScheduleDefinition(
            name=SCHEDULE_NAME, job=job, cron_schedule="0 2 * * *", execution_timezone="Asia/Shanghai",
            default_status=dg.DefaultScheduleStatus.RUNNING,
            description="Rebuild the warehouse from the raw folder every night at 02:00 China time.")]
    return dg.Definitions(
        assets=[reports.RAW_FILES, parse, tables.report_tables, tables.disclosure_warehouse,
                tables.warehouse_parquet],
        jobs=[job],
        sensors=[sensors.make_new_files_sensor(job), sensors.build_failure_alert],
        schedules=schedules,
        resources={**(resources_from_env() if resources is None else resources),
                   # In one process, frames pass between assets in memory (pickling millions of rows to disk
                   # between steps cost seconds); across processes they go through the instance's storage.
                   **({"io_manager": dg.InMemoryIOManager()} if executor == "in_process" and not parse_partitions
                      else {})},
        executor=EXECUTORS[executor],
    )


@dg.definitions
def defs() -> dg.Definitions:
    """What Dagster's tools load: configured from the environment when the code location loads,
    not when this module is imported."""
    return build_definitions(settings.parse_partitions(), settings.executor())
