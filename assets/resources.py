"""Resources: the raw folder and the DuckDB warehouse, configured from the contract's env vars."""

from pathlib import Path

import dagster as dg

from pipeline import settings
from pipeline.core.files import DEFAULT_MAX_BYTES, Budget


class RawFolder(dg.ConfigurableResource):
    """Folder of raw report files, searched recursively."""

    path: str = settings.DEFAULT_RAW_DIR
    max_file_bytes: int = DEFAULT_MAX_BYTES
    workers: int = 0  # 0: one per core
    file_seconds: float = settings.DEFAULT_FILE_SECONDS  # per file, in a parse worker
    file_memory_bytes: int = settings.DEFAULT_FILE_MEMORY_MB * 1024 * 1024
    max_shrink: float = settings.DEFAULT_MAX_SHRINK  # share of the last build's files that may be gone
    allow_shrink: bool = False  # publish even from an empty or much smaller folder

    @property
    def root(self) -> Path:
        return Path(self.path)

    @property
    def budget(self) -> Budget:
        return Budget(self.file_seconds, self.file_memory_bytes)


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse file. Builds publish a new file atomically (see pipeline.core.warehouse)."""

    path: str = settings.DEFAULT_WAREHOUSE

    @property
    def file(self) -> Path:
        return Path(self.path)
