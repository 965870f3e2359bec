"""The whole pure pipeline: raw folder → parse units (cached; grid tables as Parquet segments) →
contract tables → checks → pandera → DuckDB. Dagster assets call the same steps one by one;
`build_warehouse` serves scripts, benchmarks and tests that need no orchestration.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Union

import duckdb
import polars as pl

from pipeline.core import catalog, checks, normalize
from pipeline.core.cache import ParseCache, keep_only
from pipeline.core.parser import PARSER_VERSION
from pipeline.core.files import DEFAULT_MAX_BYTES, RawFileRef, discover, fingerprint, parse_units, start_pool
from pipeline.core.quality_report import write_quality_report
from pipeline.core.records import ParsedFile
from pipeline.core.warehouse import SegmentedTable, export_parquet, publish
from schemas.tables import TABLE_MODELS, polars_schema

Table = Union[pl.DataFrame, SegmentedTable]
CONTRACT_TABLES = tuple(TABLE_MODELS)


@dataclass
class ParseRun:
    """What a parse step did: the files found, the small unit frames of their contents (the grid
    tables are in the cache's segments), and how it got them."""

    files_frame: pl.DataFrame  # source_path, file_sha256, source_format, bytes
    units: dict[str, pl.DataFrame]
    segment_dir: Path
    files: int
    parsed_now: int  # distinct contents parsed in this run
    from_cache: int  # distinct contents taken from the cache
    seconds: Counter = field(default_factory=Counter)  # stage → seconds (parse stages: CPU seconds over workers)

    def to_parts(self) -> dict[str, pl.DataFrame]:
        """Files, units and where the segments are: what the Dagster parse asset hands on."""
        return {"files": self.files_frame, **self.units,
                "segment_dir": pl.DataFrame({"path": [str(self.segment_dir.resolve())]})}

    @property
    def frames(self) -> dict[str, pl.DataFrame]:
        """Every contract table (no identity checks added) as polars frames: for small folders."""
        return {t: f.read() if isinstance(f, SegmentedTable) else f for t, f in merge_parts([self.to_parts()]).items()}


def merge_parts(parts: list[dict[str, pl.DataFrame]]) -> dict[str, Table]:
    """Contract tables from the outputs of one or many parse steps (Dagster partitions): small
    tables as frames, grid tables as segments; plus `carried` (§三 rows 2 and 4) for the checks."""
    files = pl.concat([p["files"] for p in parts])
    units = normalize.concat_units(_first_part_wins(parts), normalize.SMALL_UNIT_TABLES)
    tables: dict[str, Table] = dict(normalize.assemble(files, units))
    # each report's grid rows are taken from exactly one segment: the one its unit's parse result
    # names (a content parsed in two partitions has two; the first is kept). Within a segment the
    # worker's pandera check made the grid keys unique, so the published tables are unique too.
    placed = ("segment", *normalize.SEGMENT_ROWS.values())  # the segment and the rows the worker wrote there
    segment_of = units["parse_result"].filter(pl.col("segment").is_not_null()).unique(
        list(normalize.UNIT_KEY), keep="first", maintain_order=True).select(*normalize.UNIT_KEY, *placed)
    owners = normalize.report_owners(tables["raw_file"]).join(  # type: ignore[arg-type]
        segment_of, on=list(normalize.UNIT_KEY)).select("report_id", "source_format", *placed)
    folder_of = {s: Path(part["segment_dir"]["path"][0]) for part in parts
                 for s in part["parse_result"]["segment"].drop_nulls().unique()}
    used = sorted(owners["segment"].unique())
    for table in normalize.BIG_TABLES:
        files = pl.DataFrame({"segment": used, "file": [str(folder_of[s] / f"{s}.{table}.parquet") for s in used]},
                             schema={"segment": pl.String, "file": pl.String})
        tables[table] = SegmentedTable(tuple(files["file"]), tuple(polars_schema(TABLE_MODELS[table])),
                                       owners.join(files, on="segment").select(
                                           "report_id", "source_format", "file",
                                           pl.col(normalize.SEGMENT_ROWS[table]).alias("rows")))
    return tables


def _first_part_wins(parts: list[dict[str, pl.DataFrame]]) -> list[dict[str, pl.DataFrame]]:
    """The small unit frames of each part, without the units an earlier part already holds: a
    content found in two partitions (each with its own cache) is parsed in both, and kept once."""
    small = [{t: p[t] for t in normalize.SMALL_UNIT_TABLES} for p in parts]
    if len(small) < 2:
        return small
    out, seen = [], pl.DataFrame(schema={k: pl.String for k in normalize.UNIT_KEY})
    for units in small:
        fresh = units["parse_result"].select(*normalize.UNIT_KEY).join(seen, on=list(normalize.UNIT_KEY), how="anti")
        out.append(keep_only(units, fresh))
        seen = pl.concat([seen, fresh])
    return out


def cache_dir_for(warehouse: Path) -> Path:
    """The parse cache lives beside the warehouse file."""
    return Path(warehouse).with_name(Path(warehouse).stem + ".parse-cache")


_EARLY_POOL_FILES = 1024  # a first build of more files than this starts its workers before fingerprinting


def parse_folder(raw_dir: Path, cache_dir: Path, workers: int | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES, progress: Callable[[int, int], None] | None = None,
                 refs: list[RawFileRef] | None = None) -> ParseRun:
    """Parse what is new under raw_dir and keep the cache in step with the folder."""
    seconds: Counter = Counter()
    t = time.perf_counter()
    refs = discover(raw_dir) if refs is None else refs
    cache = ParseCache(cache_dir)
    seen = cache.files()
    known = cache.known_files(seen)
    workers = workers or os.cpu_count() or 1
    # a first build of a large folder: the workers start (and import the parser) while the files
    # are fingerprinted; other runs start them only if something needs parsing
    early = not known and workers > 1 and len(refs) > _EARLY_POOL_FILES
    with start_pool(workers) if early else contextlib.nullcontext() as pool:
        files = fingerprint(refs, known)
        seconds["fingerprint"] = time.perf_counter() - t

        t = time.perf_counter()
        keys = files.select(*normalize.UNIT_KEY).unique()
        loaded = cache.load()
        cached = keep_only(loaded, keys)
        todo_keys = keys.join(cached["parse_result"], on=list(normalize.UNIT_KEY), how="anti")
        todo_paths = set(files.join(todo_keys, on=list(normalize.UNIT_KEY), how="semi")
                         .unique(list(normalize.UNIT_KEY), keep="first", maintain_order=True)["source_path"])
        todo = [r for r in refs if r.source_path in todo_paths]
        seconds["cache_load"] = time.perf_counter() - t

        t = time.perf_counter()
        new, stage_cpu = parse_units(todo, cache.segments, workers=workers, max_bytes=max_bytes, progress=progress,
                                     pool=pool)
        seconds["parse_wall"] = time.perf_counter() - t
        seconds.update({f"{k}_cpu": v for k, v in stage_cpu.items()})

    t = time.perf_counter()
    units = normalize.concat_units([cached, new], normalize.SMALL_UNIT_TABLES)
    if todo or cached["parse_result"].height != loaded["parse_result"].height or seen is None \
            or not files.equals(seen):  # else the cache already holds exactly this
        cache.save(units, files)
    seconds["cache_save"] = time.perf_counter() - t
    return ParseRun(files.drop("mtime_ns"), units, cache.segments, len(refs), len(todo),
                    cached["parse_result"].height, seconds)


def checked_tables(parts: list[dict[str, pl.DataFrame]]) -> dict[str, Table]:
    """The contract tables with dq_finding complete: per-report checks were run by the workers
    (they are in the parser's findings); the cross-report checks run here on small frames."""
    tables = merge_parts(parts)
    carried = tables.pop("carried")
    signatures = tables.pop("prose_signature")
    reports = tables["dim_report"]
    cross = checks.cross_report_findings(carried, reports,  # type: ignore[arg-type]
                                         _in_force_rows(tables["fact_proactive_disclosure"]),
                                         signatures)  # type: ignore[arg-type]
    tables["dq_finding"] = checks.ordered(pl.concat([tables["dq_finding"], cross]))  # type: ignore[list-item]
    return tables


def _in_force_rows(proactive: Table) -> pl.DataFrame:
    """The §二 rows the cross-year 现行有效 check needs (规章, 规范性文件), read from the segments."""
    if isinstance(proactive, pl.DataFrame):
        return proactive
    items, measures = (", ".join(f"'{c}'" for c in codes) for codes in (checks.IN_FORCE_ITEMS,
                                                                         checks.IN_FORCE_MEASURES))
    return proactive._run(f"SELECT * FROM ({proactive.sql()}) WHERE item IN ({items}) "  # noqa: SLF001
                          f"AND measure IN ({measures})").pl()


def table_frames(parsed: list[ParsedFile]) -> dict[str, pl.DataFrame]:
    """Contract frames (no identity checks yet) from already parsed files (tests, small folders)."""
    units = normalize.unit_frames(list({(p.file_sha256, p.source_format): p for p in reversed(parsed)}.values()))
    frames = normalize.assemble(normalize.files_frame(parsed), units)
    frames.pop("carried")
    frames.pop("prose_signature")
    return frames


def build_frames(parsed: list[ParsedFile]) -> dict[str, pl.DataFrame]:
    """Contract frames with every finding (similar_prose included) from already parsed files."""
    frames = with_findings(table_frames(parsed))
    distinct = {(p.file_sha256, p.source_format): p for p in reversed(parsed)}
    units = normalize.unit_frames(list(distinct.values()))
    similar = checks.similar_prose_findings(units["prose_signature"], frames["dim_report"])
    return {**frames, "dq_finding": checks.ordered(pl.concat([frames["dq_finding"], similar]))}


def with_findings(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    return {**frames, "dq_finding": checks.all_findings(frames)}


def validate(frames: dict[str, Table]) -> dict[str, Table]:
    """Every frame through its pandera model (lazy: all failures at once). Raises SchemaErrors.
    Grid tables in segments were validated batch by batch where they were made."""
    return {name: frame if isinstance(frame, SegmentedTable) else TABLE_MODELS[name].validate(frame, lazy=True)
            for name, frame in frames.items()}


# Bumped when the warehouse's tables, views or checks change shape: a re-run then rebuilds even
# if no raw file changed.
WAREHOUSE_LAYOUT_VERSION = "4"


def build_digest(raw_file: pl.DataFrame) -> str:
    """What a build is made of: every file (path, content, format), the parser and the layout."""
    rows = raw_file.select("source_path", "file_sha256", "source_format").sort("source_path")
    digest = hashlib.sha256(f"{PARSER_VERSION}/{WAREHOUSE_LAYOUT_VERSION}\n".encode())
    digest.update(rows.write_csv().encode())
    return digest.hexdigest()


def published_digest(warehouse: Path) -> str | None:
    """The digest of the build the warehouse file holds (None when there is none)."""
    if not Path(warehouse).exists():
        return None
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute("SELECT build_digest FROM build_info").fetchone()[0]
    except duckdb.Error:
        return None


def publish_warehouse(tables: dict[str, Table], warehouse: Path) -> dict[str, int]:
    """The contract tables plus the label dimensions, the analyst views and `build_info`, published
    atomically."""
    ordered = {t: tables[t] for t in CONTRACT_TABLES}
    info = pl.DataFrame({"build_digest": [build_digest(tables["raw_file"])],  # type: ignore[arg-type]
                         "built_at": [dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)],
                         "parser_version": [PARSER_VERSION], "layout_version": [WAREHOUSE_LAYOUT_VERSION],
                         "files": [tables["raw_file"].height], "reports": [tables["dim_report"].height]})  # type: ignore[union-attr]
    return publish({**ordered, **catalog.dimension_frames(), "build_info": info}, warehouse,
                   sql_after=catalog.view_statements())


def parquet_dir_for(warehouse: Path) -> Path:
    """The Parquet export (partitioned by report_year) lives beside the warehouse file."""
    return Path(warehouse).with_name(Path(warehouse).stem + ".parquet")


def build_warehouse(raw_dir: Path, warehouse: Path, workers: int | None = None,
                    max_bytes: int = DEFAULT_MAX_BYTES, use_cache: bool = True,
                    parquet: bool = False) -> dict[str, int]:
    cache_dir = cache_dir_for(warehouse)
    if not use_cache:
        shutil.rmtree(cache_dir, ignore_errors=True)
    run = parse_folder(raw_dir, cache_dir, workers, max_bytes)
    tables = validate(checked_tables([run.to_parts()]))
    if published_digest(warehouse) == build_digest(tables["raw_file"]):  # type: ignore[arg-type]
        return {}  # nothing changed since the published build
    counts = publish_warehouse(tables, warehouse)
    write_quality_report(warehouse)
    if parquet:
        export_parquet(warehouse, parquet_dir_for(warehouse), list(CONTRACT_TABLES))
    return counts
