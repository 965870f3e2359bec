"""Resources: the raw folder, the DuckDB warehouse (which owns staging and publishing the tables)
and the IO manager that keeps the parse step's manifests beside the parse cache.

Every setting is a string as the environment writes it (the code location passes `dg.EnvVar`s,
read when a run starts); blank means the default of pipeline.settings, where each default lives.
"""
from __future__ import annotations

import json
import os
import uuid
from dataclasses import asdict
from pathlib import Path

import dagster as dg

from pipeline import settings
from pipeline.core.build import (CONTRACT_TABLES, ParseManifest, cache_dir_for, publish_if_changed,
                                 publish_tables)
from pipeline.core.files import Budget
from pipeline.core.warehouse import Table, load_staged


class RawFolder(dg.ConfigurableResource):
    """Folder of raw report files, searched recursively, and the limits a parse works under."""

    path: str = settings.DEFAULT_RAW_DIR
    max_file_mb: str = ""  # files larger than this are rejected unread (blank: 50)
    workers: int = 0  # 0: one per core
    file_seconds: str = ""  # per file, in a parse worker (blank: 60)
    file_memory_mb: str = ""  # per file, in a parse worker (blank: 1024)
    max_shrink: str = ""  # share of the last build's files that may be gone (blank: 0.5)
    allow_shrink: str = ""  # 1: publish even from an empty or much smaller folder

    @property
    def root(self) -> Path:
        return Path(self.path)

    @property
    def max_file_bytes(self) -> int:
        return settings.megabytes(self.max_file_mb)

    @property
    def budget(self) -> Budget:
        return Budget(settings.number(self.file_seconds, settings.FILE_SECONDS_ENV,
                                      settings.DEFAULT_FILE_SECONDS, "a number of seconds"),
                      settings.megabytes(self.file_memory_mb, settings.FILE_MEMORY_MB_ENV,
                                         settings.DEFAULT_FILE_MEMORY_MB))

    @property
    def shrink_share(self) -> float:
        return settings.share(self.max_shrink)

    @property
    def shrink_allowed(self) -> bool:
        return settings.flag(self.allow_shrink)


# (staging folder, table) → (stage key, table) for the steps of one run in one process
_STAGED: dict[tuple[str, str], tuple[str, Table]] = {}


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse file. Each table asset stages its table here (Parquet beside the
    warehouse, so that a later run or another process can publish it); publishing writes a new
    file and renames it over the old one (see pipeline.core.warehouse)."""

    path: str = settings.DEFAULT_WAREHOUSE

    @property
    def file(self) -> Path:
        return Path(self.path)

    @property
    def staging(self) -> Path:
        return self.file.with_name(self.file.stem + ".staging")

    def stage(self, tables: dict[str, Table], key: str) -> None:
        """Keep `tables` for publishing, tagged with `key` (what they were built from)."""
        self.staging.mkdir(parents=True, exist_ok=True)
        for name, table in tables.items():
            stamp = self.staging / f"{name}.key"
            stamp.unlink(missing_ok=True)  # a table half staged has no key: never published
            table.stage(self.staging, name)
            tmp = stamp.with_name(f".{stamp.name}.{os.getpid()}")
            tmp.write_text(key)
            os.replace(tmp, stamp)
            _STAGED[(str(self.staging.resolve()), name)] = (key, table)

    def staged(self, names=CONTRACT_TABLES) -> tuple[dict[str, Table], dict[str, str | None]]:
        """The staged tables and the key each was staged with (None: never staged)."""
        tables, keys = {}, {}
        for name in names:
            try:
                key = (self.staging / f"{name}.key").read_text()
            except OSError:
                keys[name] = None
                continue
            kept = _STAGED.get((str(self.staging.resolve()), name))
            tables[name] = kept[1] if kept and kept[0] == key else load_staged(self.staging, name)
            keys[name] = key
        return tables, keys

    def publish(self, tables: dict[str, Table], digest: str) -> dict[str, int] | None:
        """Every contract table with the label tables, views and build_info, as a new warehouse file
        with its quality report, unless the published file is already the build `digest` names (None)."""
        return publish_if_changed(tables, self.file, digest)

    def replace(self, tables: dict[str, Table]) -> dict[str, int]:
        """Some contract tables replaced in a copy of the published file, published the same way."""
        return publish_tables(tables, self.file)


def stage_key(manifests: list[ParseManifest]) -> str:
    """What staged tables were built from: the parse cache generation of every manifest."""
    ordered = sorted(manifests, key=lambda m: m.partition or "")
    return ",".join(f"{m.partition or '-'}:{m.generation}" for m in ordered)


MANIFEST_NAME = "parsed_reports.json"


class ParseManifestIOManager(dg.IOManager):
    """Keeps each parse manifest beside the cache it describes (`<warehouse>.parse-cache/`, one
    per partition), so the steps after the parse find it in any process, in a later run, and
    without a persistent DAGSTER_HOME. The table step always receives a list of manifests: one,
    or one per partition."""

    def __init__(self, warehouse: Warehouse):
        self.warehouse = warehouse

    def _path(self, partition: str | None) -> Path:
        cache = cache_dir_for(self.warehouse.file)
        return (cache / f"partition-{partition}" if partition else cache) / MANIFEST_NAME

    def handle_output(self, context: dg.OutputContext, obj: list[ParseManifest]) -> None:
        for manifest in obj:
            path = self._path(manifest.partition)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
            tmp.write_text(json.dumps(asdict(manifest)))
            os.replace(tmp, path)

    def load_input(self, context: dg.InputContext) -> list[ParseManifest]:
        keys = list(context.asset_partition_keys) if context.has_asset_partitions else [None]
        manifests = []
        for key in keys:
            path = self._path(key)
            try:
                manifests.append(ParseManifest(**json.loads(path.read_text())))
            except OSError:
                what = f"partition {key} of parsed_reports" if key else "parsed_reports"
                launch = f"--assets parsed_reports --partition {key}" if key else "--job build_warehouse"
                raise dg.Failure(f"{what} has not been materialised for {self.warehouse.file} (no {path}): "
                                 f"run `dg launch {launch}` first") from None
        return manifests


@dg.io_manager(required_resource_keys={"warehouse"},
               description="Parse manifests beside the parse cache of the warehouse resource.")
def parse_manifest_io_manager(init_context) -> ParseManifestIOManager:
    return ParseManifestIOManager(init_context.resources.warehouse)
