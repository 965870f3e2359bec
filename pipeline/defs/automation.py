"""Automation: the job that builds the warehouse, its executor, the nightly schedule, the sensor on
the raw folder and the failure alert. The job is the whole graph in both modes; with parse
partitions its runs (schedule, sensor) cover every partition as one partition range."""
from __future__ import annotations

import dagster as dg

from assets import sensors
from pipeline import settings

# Run monitoring (deploy/dagster.yaml) cancels a run of the job past this many seconds.
JOB_TAGS = {"dagster/max_runtime": "14400"}
JOB_NAME, SCHEDULE_NAME = "build_warehouse", "nightly_warehouse_build"

EXECUTORS = {
    # One process: per-step processes cost seconds each, and parsing already uses a process pool.
    "in_process": dg.in_process_executor,
    # One process per step: the local stand-in for celery/k8s executors.
    "multiprocess": dg.multiprocess_executor,
}


def build(parse_partitions: int = 0, executor: str = "in_process") -> dg.Definitions:
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")
    job = dg.define_asset_job(JOB_NAME, selection=dg.AssetSelection.all(), tags=JOB_TAGS,
                              description="Parse every raw file (every partition) and publish the DuckDB "
                                          "warehouse.")
    return dg.Definitions(
        jobs=[job],
        schedules=[sensors.make_nightly_schedule(job, parse_partitions)],
        sensors=[sensors.make_new_files_sensor(job, parse_partitions), sensors.build_failure_alert],
        executor=EXECUTORS[executor])


@dg.definitions
def defs() -> dg.Definitions:
    return build(settings.parse_partitions(), settings.executor())
