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
from typing import Callable

import duckdb
import polars as pl

from pipeline.core import catalog, checks, normalize
from pipeline.core.cache import ParseCache, keep_only
from pipeline.core.parser import PARSER_VERSION
from pipeline.core.files import (DEFAULT_MAX_BYTES, UNREAD_SHA, Budget, RawFileRef, apply_reads, discover,
                                 PageCallback, fingerprint, parse_units, start_pool)
from pipeline.core.quality_report import quality_report_path, write_quality_report
from pipeline.core.warehouse import (SegmentedTable, Table, as_table, build_lock, check_no_writer, exclusive,
                                     export_parquet, publish, remove_leftovers)
from schemas.tables import TABLE_MODELS, polars_schema

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
    # stage → seconds (parse stages: CPU seconds over workers)
    seconds: Counter = field(default_factory=Counter)
    healed: list[str] = field(default_factory=list)  # damaged cache parts dropped and parsed again
    cleaned: int = 0  # leftover cache files of an earlier run removed

    def to_parts(self) -> dict[str, pl.DataFrame]:
        """Files, units and where the segments are: what the Dagster parse asset hands on."""
        return {"files": self.files_frame, **self.units,
                "segment_dir": pl.DataFrame({"path": [str(self.segment_dir.resolve())]})}

    def tables(self) -> dict[str, Table]:
        """The contract tables the build publishes (checks complete), before pandera."""
        return checked_tables([self.to_parts()])

    @property
    def frames(self) -> dict[str, pl.DataFrame]:
        """The contract tables the build publishes, as polars frames: for small folders (tests)."""
        return {t: table.read() for t, table in self.tables().items()}

    def manifest(self, cache_dir: Path, partition: str | None = None) -> "ParseManifest":
        """What this parse step wrote, for the steps after it (in this process or another)."""
        manifest = ParseManifest(str(Path(cache_dir).resolve()), ParseCache(cache_dir).generation(),
                                 self.files, self.parsed_now, self.from_cache, partition)
        _PARTS[manifest] = self.to_parts()  # later steps in this process skip reading the cache back
        return manifest


@dataclass(frozen=True)
class ParseManifest:
    """What one parse step (or one partition of it) wrote: the parse cache that holds its files and
    unit frames (grid tables in the cache's segments), at which generation, and how many files."""

    cache_dir: str
    generation: str | None  # the cache generation written (None: no file at all)
    files: int
    parsed_now: int
    from_cache: int
    partition: str | None = None

    def parts(self) -> dict[str, pl.DataFrame]:
        """The files and unit frames this step wrote, from memory when it ran in this process, else
        from the parse cache (which must still hold the same generation)."""
        if self in _PARTS:
            return _PARTS[self]
        cache = ParseCache(Path(self.cache_dir))
        now = cache.generation()
        if now != self.generation:
            raise StaleParse(f"the parse cache {self.cache_dir} holds generation {now}, not the "
                             f"{self.generation} this parse step wrote (another parse ran since): "
                             "materialise parsed_reports again")
        files, units = cache.files(), cache.load()
        if files is None:
            raise StaleParse(f"the parse cache {self.cache_dir} holds no files: materialise parsed_reports "
                             "again")
        return {"files": files.drop("mtime_ns"), **units,
                "segment_dir": pl.DataFrame({"path": [str(cache.segments.resolve())]})}


class StaleParse(RuntimeError):
    """A parse manifest names a cache generation that has been replaced since."""


# manifest → the parts its step handed on, for the steps of the same run in the same process
_PARTS: dict[ParseManifest, dict[str, pl.DataFrame]] = {}


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
        paths = [str(folder_of[s] / f"{s}.{table}.parquet") for s in used]
        files = pl.DataFrame({"segment": used, "file": paths},
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
        fresh = units["parse_result"].select(*normalize.UNIT_KEY).join(seen, on=list(normalize.UNIT_KEY),
                                                                       how="anti")
        out.append(keep_only(units, fresh))
        seen = pl.concat([seen, fresh])
    return out


def cache_dir_for(warehouse: Path) -> Path:
    """The parse cache lives beside the warehouse file."""
    return Path(warehouse).with_name(Path(warehouse).stem + ".parse-cache")


_EARLY_POOL_FILES = 1024  # a first build of more files than this starts its workers before fingerprinting
_READ_ROUNDS = 3  # contents that changed while being read are parsed again, this many times at most


def parse_folder(raw_dir: Path, cache_dir: Path, workers: int | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES, progress: Callable[[int, int], None] | None = None,
                 refs: list[RawFileRef] | None = None, budget: Budget | None = None,
                 log: Callable[[str], None] | None = None, pages: PageCallback | None = None) -> ParseRun:
    """Parse what is new under raw_dir and keep the cache in step with the folder. One parse at a
    time per cache (a second one stops with WarehouseLocked); with a `budget`, every file is parsed
    in a worker process under it. `log` is told what was cleaned up or healed; `pages` of every page
    of a scan OCR'd in a worker (`files.page_progress` logs them)."""
    cache_dir = Path(cache_dir)
    with exclusive(cache_dir.with_name(cache_dir.name + ".lock"), f"the parse cache {cache_dir}"):
        return _parse_folder(raw_dir, cache_dir, workers, max_bytes, progress, refs, budget,
                             log or (lambda m: None), pages)


def _parse_folder(raw_dir, cache_dir, workers, max_bytes, progress, refs, budget, log,
                  pages=None) -> ParseRun:
    seconds: Counter = Counter()
    t = time.perf_counter()
    refs = discover(raw_dir) if refs is None else refs
    cache = ParseCache(cache_dir)
    removed = cache.remove_leftovers()
    if removed:
        log(f"removed {len(removed)} leftover file(s) of an earlier run from the parse cache {cache_dir}")
    seen = cache.files()
    known = cache.known_files(seen)
    workers = workers or os.cpu_count() or 1
    # a first build of a large folder: the workers start (and import the parser) while the files
    # are fingerprinted; other runs start them only if something needs parsing
    early = not known and workers > 1 and len(refs) > _EARLY_POOL_FILES
    with start_pool(workers, budget, pages) if early else contextlib.nullcontext() as pool:
        files = fingerprint(refs, known)
        seconds["fingerprint"] = time.perf_counter() - t

        t = time.perf_counter()
        loaded = cache.load()
        for message in cache.healed:
            log(message)
        seconds["cache_load"] = time.perf_counter() - t
        t = time.perf_counter()
        # a content rejected by a limit of its run (size, time, memory) is read again: the limit may be higher
        cached = keep_only(loaded, files.select(*normalize.UNIT_KEY).unique())
        cached["parse_result"] = cached["parse_result"].filter(~pl.col("retry").fill_null(False))
        parts, stage_cpu, parsed_now = [], Counter(), 0
        for _ in range(_READ_ROUNDS):  # a file that changed while it was read is recorded as it was read
            have = normalize.concat_units([cached, *parts], ("parse_result",))["parse_result"]
            todo_paths = set(files.filter(pl.col("problem").is_null()).join(
                have, on=list(normalize.UNIT_KEY), how="anti").unique(
                list(normalize.UNIT_KEY), keep="first", maintain_order=True)["source_path"])
            if not todo_paths:
                break
            todo = [r for r in refs if r.source_path in todo_paths]
            new, cpu = parse_units(todo, cache.segments, workers=workers, max_bytes=max_bytes,
                                   progress=progress, pool=pool, budget=budget, pages=pages)
            parsed_now += len(todo)
            stage_cpu.update(cpu)
            files = apply_reads(files, new.pop("read_as"))
            parts.append(new)
        else:  # still changing: what is left is recorded as unread, with the reason
            have = normalize.concat_units([cached, *parts], ("parse_result",))["parse_result"]
            files = _changing(files, have)
        seconds["parse_wall"] = time.perf_counter() - t
        seconds.update({f"{k}_cpu": v for k, v in stage_cpu.items()})

    t = time.perf_counter()
    units = keep_only(normalize.concat_units([cached, *parts], normalize.SMALL_UNIT_TABLES),
                      files.select(*normalize.UNIT_KEY).unique())
    if parsed_now or cached["parse_result"].height != loaded["parse_result"].height or seen is None \
            or not files.equals(seen):  # else the cache already holds exactly this
        cache.save(units, files)
    seconds["cache_save"] = time.perf_counter() - t
    return ParseRun(files.drop("mtime_ns"), units, cache.segments, len(refs), parsed_now,
                    cached["parse_result"].height, seconds, healed=list(cache.healed), cleaned=len(removed))


def _changing(files: pl.DataFrame, have: pl.DataFrame) -> pl.DataFrame:
    """Files whose content changed on every read of this run: rejected as unread, with the reason."""
    missing = files.filter(pl.col("problem").is_null()).join(have, on=list(normalize.UNIT_KEY), how="anti")
    why = (f"the file changed every time it was read ({_READ_ROUNDS} times in this run: an upload in "
           "progress?); it is read again next run")
    patch = missing.select("source_path", pl.lit(UNREAD_SHA).alias("file_sha256"),
                           pl.lit(0, pl.Int64).alias("bytes"), pl.lit(0, pl.Int64).alias("mtime_ns"),
                           pl.lit(why).alias("problem"))
    return files.update(patch, on="source_path", include_nulls=True)


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
    return {name: as_table(table) for name, table in tables.items()}


def _in_force_rows(proactive) -> pl.DataFrame:
    """The §二 rows the cross-year 现行有效 check needs (规章, 规范性文件), read from the segments."""
    items, measures = (", ".join(f"'{c}'" for c in codes) for codes in (checks.IN_FORCE_ITEMS,
                                                                         checks.IN_FORCE_MEASURES))
    return as_table(proactive).read(f"item IN ({items}) AND measure IN ({measures})")


def validate(tables: dict[str, "Table | pl.DataFrame"]) -> dict[str, Table]:
    """Every table through its pandera model (lazy: all failures at once). Raises SchemaErrors.
    Grid tables in segments were validated batch by batch where they were made."""
    return {name: as_table(table).validated(TABLE_MODELS[name]) for name, table in tables.items()}


# Bumped when the warehouse's tables, views or checks change shape: a re-run then rebuilds even
# if no raw file changed.
WAREHOUSE_LAYOUT_VERSION = "4"


def build_digest(raw_file: pl.DataFrame) -> str:
    """What a build is made of: every file (path, content, format, and what became of it: a file
    rejected under a lower limit may load now), the parser and the layout."""
    rows = raw_file.select("source_path", "file_sha256", "source_format", "status", "error").sort(
        "source_path")
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
    raw_file = tables["raw_file"].read()
    info = pl.DataFrame({"build_digest": [build_digest(raw_file)],
                         "built_at": [dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)],
                         "parser_version": [PARSER_VERSION], "layout_version": [WAREHOUSE_LAYOUT_VERSION],
                         "files": [raw_file.height], "reports": [tables["dim_report"].rows]})
    return publish({**ordered, **catalog.dimension_frames(), "build_info": info}, warehouse,
                   sql_after=catalog.view_statements())


def publish_tables(tables: dict[str, Table], warehouse: Path) -> dict[str, int]:
    """Some contract tables replaced in a copy of the published warehouse (the rest, the label
    tables, views and build_info kept), published atomically like a whole build."""
    comments = [stmt for stmt in catalog.view_statements() for name in tables
                if stmt.startswith((f"COMMENT ON TABLE {name} ", f"COMMENT ON COLUMN {name}."))]
    return publish(tables, warehouse, sql_after=comments, replace=True)


def parquet_dir_for(warehouse: Path) -> Path:
    """The Parquet export (partitioned by report_year) lives beside the warehouse file."""
    return Path(warehouse).with_name(Path(warehouse).stem + ".parquet")


class RawFolderGuard(RuntimeError):
    """The raw folder is missing, empty or much smaller than at the last build: nothing is published."""


def guard_raw_folder(raw_dir: Path, refs: list[RawFileRef] | None, warehouse: Path, max_shrink: float,
                     allow: bool) -> list[RawFileRef]:
    """The files found, or RawFolderGuard when the folder is missing (an unmounted share), empty, or
    has lost more than `max_shrink` of the files of the published build; `allow` (the documented
    DISCLOSURE_ALLOW_SHRINK=1) lets an empty or shrunk folder through, never a missing one."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise RawFolderGuard(f"the raw folder {raw_dir} does not exist (an unmounted share?); nothing was "
                             f"built and the published warehouse {warehouse} is kept. Set DISCLOSURE_RAW_DIR "
                             "to the folder of reports")
    refs = discover(raw_dir) if refs is None else refs
    before = published_file_count(warehouse)
    if allow:
        return refs
    if not refs:
        raise RawFolderGuard(f"the raw folder {raw_dir} is empty; nothing was built and the published "
                             f"warehouse {warehouse} is kept ({before or 0} files). To publish an empty "
                             "warehouse on purpose, run with DISCLOSURE_ALLOW_SHRINK=1")
    if before and len(refs) < before * (1 - max_shrink):
        raise RawFolderGuard(f"the raw folder {raw_dir} has {len(refs):,} files, {before - len(refs):,} "
                             f"fewer than the {before:,} of the published build (more than {max_shrink:.0%} "
                             f"gone: a share half mounted?); nothing was built and {warehouse} is kept. If "
                             "the files were removed on purpose, run with DISCLOSURE_ALLOW_SHRINK=1 (or raise"
                             " DISCLOSURE_MAX_SHRINK)")
    return refs


def published_file_count(warehouse: Path) -> int | None:
    if not Path(warehouse).exists():
        return None
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute("SELECT files FROM build_info").fetchone()[0]
    except (duckdb.Error, TypeError):
        return None


def start_run(warehouse: Path, log: Callable[[str], None] | None = None) -> None:
    """What a run does first, under the build lock: remove what killed or failed builds left
    beside the warehouse (half-written files, Parquet folders)."""
    check_no_writer(warehouse)  # a read-write session on the published file: stop now, not after the parse
    removed = remove_leftovers(warehouse)
    if removed and log:
        names = ", ".join(p.name for p in removed[:5])
        log(f"removed {len(removed)} leftover(s) of an earlier build: {names}")


def build_warehouse(raw_dir: Path, warehouse: Path, workers: int | None = None,
                    max_bytes: int = DEFAULT_MAX_BYTES, use_cache: bool = True,
                    parquet: bool = False, budget: Budget | None = None, max_shrink: float = 0.5,
                    allow_shrink: bool = False, log: Callable[[str], None] | None = None) -> dict[str, int]:
    """The whole build under the build lock (a second build stops with WarehouseLocked). Pass a
    `budget` to parse every file in a worker process under it, as the Dagster asset does; without
    one a small folder is parsed in this process (tests), with no time or memory limit."""
    with build_lock(warehouse):
        start_run(warehouse, log)
        refs = guard_raw_folder(raw_dir, None, warehouse, max_shrink, allow_shrink)
        cache_dir = cache_dir_for(warehouse)
        if not use_cache:
            shutil.rmtree(cache_dir, ignore_errors=True)
        run = parse_folder(raw_dir, cache_dir, workers, max_bytes, refs=refs, budget=budget, log=log)
        tables = validate(run.tables())
        counts = publish_if_changed(tables, warehouse, build_digest(tables["raw_file"].read()))
        if counts is None:
            return {}  # nothing changed since the published build
        if parquet:
            export_parquet(warehouse, parquet_dir_for(warehouse), [*CONTRACT_TABLES, *catalog.LABEL_TABLES])
        return counts


def publish_if_changed(tables: dict[str, Table], warehouse: Path, digest: str) -> dict[str, int] | None:
    """Publish `tables` as the warehouse, with its quality report, unless the published warehouse is
    already the build `digest` names (then only its quality report is made sure of). Rows per table
    published, or None when nothing changed. The caller holds the build lock."""
    if published_digest(warehouse) == digest:
        ensure_quality_report(warehouse, digest)
        return None
    counts = publish_warehouse(tables, warehouse)
    write_quality_report(warehouse)
    return counts


def ensure_quality_report(warehouse: Path, digest: str) -> bool:
    """An unchanged re-run still writes the quality report when the one beside the warehouse is
    missing or of another build (a kill between the publish and the report). True if written."""
    report = quality_report_path(warehouse)
    try:
        if digest[:16] in report.read_text(encoding="utf-8"):
            return False
    except OSError:
        pass
    write_quality_report(warehouse)
    return True
