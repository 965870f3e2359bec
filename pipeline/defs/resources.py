"""Resources, configured with `dg.EnvVar`: Dagster reads each variable when a run starts. A
variable that is unset takes its default from pipeline.settings (the contract's data/raw and
data/warehouse/disclosure.duckdb; blank limits mean their defaults)."""
from __future__ import annotations

import os

import dagster as dg

from assets.resources import RawFolder, Warehouse, parse_manifest_io_manager
from pipeline import settings

RAW_FOLDER_SETTINGS = {"max_file_mb": settings.MAX_FILE_MB_ENV, "file_seconds": settings.FILE_SECONDS_ENV,
                       "file_memory_mb": settings.FILE_MEMORY_MB_ENV, "max_shrink": settings.MAX_SHRINK_ENV,
                       "allow_shrink": settings.ALLOW_SHRINK_ENV}


def env(name: str, default: str) -> str:
    """`dg.EnvVar(name)` where the variable is set (read by Dagster at run time), else the default:
    an EnvVar of an unset variable fails the run, and the contract's variables have defaults."""
    return dg.EnvVar(name) if os.environ.get(name) else default


def build() -> dg.Definitions:
    raw_folder = RawFolder(path=env(settings.RAW_DIR_ENV, settings.DEFAULT_RAW_DIR),
                           **{field: env(name, "") for field, name in RAW_FOLDER_SETTINGS.items()})
    return dg.Definitions(resources={
        "raw_folder": raw_folder,
        "warehouse": Warehouse(path=env(settings.WAREHOUSE_ENV, settings.DEFAULT_WAREHOUSE)),
        "parse_manifest_io_manager": parse_manifest_io_manager})


@dg.definitions
def defs() -> dg.Definitions:
    return build()
