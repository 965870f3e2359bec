"""The whole pure pipeline in one call: raw folder → validated frames → DuckDB file.

Dagster assets call the same steps one by one; this entry point serves scripts, benchmarks and
tests that need no orchestration.
"""
from __future__ import annotations

from pathlib import Path

import polars as pl

from pipeline.core import checks, normalize
from pipeline.core.files import DEFAULT_MAX_BYTES, discover, parse_files
from pipeline.core.records import ParsedFile
from pipeline.core.warehouse import publish
from schemas.tables import TABLE_MODELS


def table_frames(parsed: list[ParsedFile]) -> dict[str, pl.DataFrame]:
    """raw_file, dim_report, the fact tables and the parser's own findings (no identity checks yet)."""
    return {"raw_file": normalize.raw_file_frame(parsed), **normalize.report_frames(parsed)}


def build_frames(parsed: list[ParsedFile]) -> dict[str, pl.DataFrame]:
    frames = table_frames(parsed)
    frames["dq_finding"] = checks.all_findings(frames)
    return frames


def validate(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Every frame through its pandera model (lazy: all failures at once). Raises SchemaErrors."""
    return {name: TABLE_MODELS[name].validate(frame, lazy=True) for name, frame in frames.items()}


def build_warehouse(raw_dir: Path, warehouse: Path, workers: int | None = None,
                    max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, int]:
    parsed = parse_files(discover(raw_dir), workers=workers, max_bytes=max_bytes)
    return publish(validate(build_frames(parsed)), warehouse)
