"""The whole pure pipeline: raw folder → unit frames (cached) → contract frames → checks →
pandera → DuckDB. Dagster assets call the same steps one by one; `build_warehouse` serves
scripts, benchmarks and tests that need no orchestration.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import polars as pl

from pipeline.core import catalog, checks, normalize
from pipeline.core.cache import ParseCache, keep_only
from pipeline.core.files import DEFAULT_MAX_BYTES, RawFileRef, discover, fingerprint, parse_units
from pipeline.core.quality_report import write_quality_report
from pipeline.core.records import ParsedFile
from pipeline.core.warehouse import export_parquet, publish
from schemas.tables import TABLE_MODELS


@dataclass
class ParseRun:
    """What a parse step did: the files found, the unit frames of their contents, and how it got them."""

    files_frame: pl.DataFrame  # source_path, file_sha256, source_format, bytes
    units: dict[str, pl.DataFrame]
    files: int
    parsed_now: int  # distinct contents parsed in this run
    from_cache: int  # distinct contents taken from the cache
    seconds: Counter = field(default_factory=Counter)  # stage → seconds (parse stages: CPU seconds over workers)

    @property
    def frames(self) -> dict[str, pl.DataFrame]:
        """The contract frames (no identity checks yet)."""
        return normalize.assemble(self.files_frame, self.units)

    def to_parts(self) -> dict[str, pl.DataFrame]:
        """Files and units in one dict (what the Dagster parse asset hands on; see `merge_parts`)."""
        return {"files": self.files_frame, **self.units}


def merge_parts(parts: list[dict[str, pl.DataFrame]]) -> dict[str, pl.DataFrame]:
    """Contract frames from the outputs of one or many parse steps (Dagster partitions)."""
    files = pl.concat([p["files"] for p in parts]) if parts else pl.DataFrame()
    return normalize.assemble(files, normalize.concat_units([{t: p[t] for t in normalize.UNIT_TABLES}
                                                             for p in parts]))


def cache_dir_for(warehouse: Path) -> Path:
    """The parse cache lives beside the warehouse file."""
    return Path(warehouse).with_name(Path(warehouse).stem + ".parse-cache")


def parse_folder(raw_dir: Path, cache_dir: Path | None = None, workers: int | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES, progress: Callable[[int, int], None] | None = None,
                 refs: list[RawFileRef] | None = None) -> ParseRun:
    """Parse what is new under raw_dir (everything, without a cache) and assemble the contract frames."""
    seconds: Counter = Counter()
    t = time.perf_counter()
    refs = discover(raw_dir) if refs is None else refs
    files = fingerprint(refs)
    seconds["fingerprint"] = time.perf_counter() - t

    t = time.perf_counter()
    cache = ParseCache(cache_dir) if cache_dir else None
    keys = files.select(*normalize.UNIT_KEY).unique()
    cached = keep_only(cache.load(), keys) if cache else normalize.empty_units()
    todo_keys = keys.join(cached["parse_result"], on=list(normalize.UNIT_KEY), how="anti")
    todo_paths = set(files.join(todo_keys, on=list(normalize.UNIT_KEY), how="semi")
                     .unique(list(normalize.UNIT_KEY), keep="first", maintain_order=True)["source_path"])
    todo = [r for r in refs if r.source_path in todo_paths]
    seconds["cache_load"] = time.perf_counter() - t

    t = time.perf_counter()
    new, stage_cpu = parse_units(todo, workers=workers, max_bytes=max_bytes, progress=progress)
    seconds["parse_wall"] = time.perf_counter() - t
    seconds.update({f"{k}_cpu": v for k, v in stage_cpu.items()})

    t = time.perf_counter()
    units = normalize.concat_units([cached, new])
    if cache:
        cache.save(units)
    seconds["cache_save"] = time.perf_counter() - t
    return ParseRun(files, units, len(refs), len(todo), cached["parse_result"].height, seconds)


def table_frames(parsed: list[ParsedFile]) -> dict[str, pl.DataFrame]:
    """Contract frames (no identity checks yet) from already parsed files (tests, small folders)."""
    units = normalize.unit_frames(list({(p.file_sha256, p.source_format): p for p in reversed(parsed)}.values()))
    return normalize.assemble(normalize.files_frame(parsed), units)


def build_frames(parsed: list[ParsedFile]) -> dict[str, pl.DataFrame]:
    return with_findings(table_frames(parsed))


def with_findings(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    return {**frames, "dq_finding": checks.all_findings(frames)}


def validate(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Every frame through its pandera model (lazy: all failures at once). Raises SchemaErrors."""
    return {name: TABLE_MODELS[name].validate(frame, lazy=True) for name, frame in frames.items()}


def publish_warehouse(frames: dict[str, pl.DataFrame], warehouse: Path) -> dict[str, int]:
    """The contract tables plus the label dimensions and the analyst views, published atomically."""
    return publish({**frames, **catalog.dimension_frames()}, warehouse, sql_after=catalog.view_statements())


def parquet_dir_for(warehouse: Path) -> Path:
    """The Parquet export (partitioned by report_year) lives beside the warehouse file."""
    return Path(warehouse).with_name(Path(warehouse).stem + ".parquet")


def build_warehouse(raw_dir: Path, warehouse: Path, workers: int | None = None,
                    max_bytes: int = DEFAULT_MAX_BYTES, use_cache: bool = True,
                    parquet: bool = False) -> dict[str, int]:
    run = parse_folder(raw_dir, cache_dir_for(warehouse) if use_cache else None, workers, max_bytes)
    frames = validate(with_findings(run.frames))
    counts = publish_warehouse(frames, warehouse)
    write_quality_report(warehouse)
    if parquet:
        export_parquet(warehouse, parquet_dir_for(warehouse), list(frames))
    return counts
