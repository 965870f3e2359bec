"""Resources: the raw folder and the DuckDB warehouse, configured from the contract's env vars."""

from pathlib import Path

import dagster as dg

from pipeline import settings


class RawFolder(dg.ConfigurableResource):
    """Folder of raw report files, searched recursively."""

    path: str = settings.DEFAULT_RAW_DIR
    max_file_bytes: int = 50 * 1024 * 1024
    workers: int = 0  # 0: one per core

    @property
    def root(self) -> Path:
        return Path(self.path)


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse file. Builds publish a new file atomically (see pipeline.core.warehouse)."""

    path: str = settings.DEFAULT_WAREHOUSE

    @property
    def file(self) -> Path:
        return Path(self.path)
