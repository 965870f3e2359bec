"""Raw files → parsed units → contract frames, in parallel across cores, re-parsing only what changed."""

import time
import zlib
from collections import Counter

import dagster as dg
import polars as pl

from assets import SINGLE_RUN, beta_parameter
from assets.resources import RawFolder, Warehouse
from pipeline.core import codebook as cb
from pipeline.core import normalize
from pipeline.core.build import (ParseManifest, ParseRun, cache_dir_for, guard_raw_folder, parse_folder,
                                 start_run)
from pipeline.core.files import display_name, page_progress
from pipeline.core.warehouse import acquire_lock, lock_path_for, release_lock

GROUP = "ingest"

# The raw report files themselves: where lineage starts. Each parse run records an observation of the
# folder (files and bytes found), so the UI shows what the warehouse was built from.
RAW_FILES = dg.AssetSpec(
    "raw_report_files", group_name=GROUP, kinds={"file"}, owners=["team:disclosure-data"],
    description="The report files under the raw folder (DISCLOSURE_RAW_DIR, searched recursively): PDF, "
                "DOCX, .doc/.wps, .xls/.et, web pages and text, as agencies publish them. Not made here: "
                "dropped in by people or a download job. Observed by every parse run (files, bytes).")


def progress_logger(context: dg.AssetExecutionContext, what: str):
    """A progress callback that logs done/total, rate and time left: at most twenty lines over a
    run and one every few seconds (each line is an event in the run's log)."""
    started = time.perf_counter()
    last = [0, started]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if done == total or done - last[0] >= max(1, total // 20) and now - last[1] >= 3:
            last[:] = [done, now]
            rate = done / max(now - started, 1e-9)
            left = (total - done) / rate if rate else 0
            context.log.info(f"{what}: {done:,}/{total:,} files ({rate:,.0f} files/s, "
                             f"about {left:,.0f} s left)")
    return progress


def rejected_files(run: ParseRun) -> pl.DataFrame:
    """source_path, status and error of every file, as raw_file will have them."""
    return normalize.assemble(run.files_frame, {**normalize.empty_units(), **run.units})["raw_file"].select(
        "source_path", "status", "error")


def parse_metadata(run: ParseRun, raw_root) -> dict:
    raw_file = rejected_files(run)
    by_status = dict(raw_file.group_by("status").len().iter_rows())
    rejected = raw_file.filter(pl.col("status") == cb.STATUS_REJECTED).head(50)
    return {
        "raw_folder": dg.MetadataValue.path(str(raw_root)),
        "files": run.files,
        "parsed_this_run": run.parsed_now,
        "reused_from_cache": run.from_cache,
        **{f"files_{s}": by_status.get(s, 0) for s in cb.STATUSES},
        "rejected_files": dg.MetadataValue.md("\n".join(f"- `{p}`: {e}" for p, e in
                                                        rejected.select("source_path", "error").iter_rows())
                                              or "none"),
        "stage_seconds": dg.MetadataValue.json({k: round(v, 3) for k, v in sorted(run.seconds.items())}),
    }


PARSE_DESCRIPTION = (
    "Every file under the raw folder (DISCLOSURE_RAW_DIR, recursive), fingerprinted, then each new "
    "content read and parsed into a typed record on a process pool, or rejected with a reason. Contents "
    "parsed before (same sha256, same parser version) come from the parse cache beside the warehouse. "
    "Output: a manifest of what was written to the parse cache (one per partition), kept beside it; the "
    "table assets read the cache.")


def partition_of(source_path: str, partitions: int) -> str:
    """The partition a file belongs to: a stable hash of its path, so files stay in their partition."""
    return f"{zlib.crc32(source_path.encode('utf-8')) % partitions:03d}"


def partition_keys(partitions: int) -> list[str]:
    return [f"{i:03d}" for i in range(partitions)]


def make_parsed_reports(partitions: int = 0) -> dg.AssetsDefinition:
    """The parse asset; with `partitions` > 0, one Dagster partition per slice of the files (hash
    of the path), each with its own cache, so that an executor can run the slices on many machines
    (a backfill: one run per partition) or one run can parse them all (a partition range)."""
    partitions_def = dg.StaticPartitionsDefinition(partition_keys(partitions)) if partitions else None

    def parsed_reports(context: dg.AssetExecutionContext, raw_folder: RawFolder,
                       warehouse: Warehouse) -> dg.Output[list[ParseManifest]]:
        started = time.perf_counter()
        if partitions_def is None:
            runs = [_parse_all(context, raw_folder, warehouse)]
        else:
            refs = guard_raw_folder(raw_folder.root, None, warehouse.file, 1.0, True)
            runs = [_parse_partition(context, raw_folder, warehouse, refs, key, partitions)
                    for key in context.partition_keys]
        context.log_event(dg.AssetObservation(asset_key=RAW_FILES.key, metadata={
            "files": sum(run.files for run, _ in runs),
            "bytes": sum(int(run.files_frame["bytes"].sum() or 0) for run, _ in runs),
            "raw_folder": dg.MetadataValue.path(str(raw_folder.root.resolve()))}))
        run = runs[0][0] if len(runs) == 1 else _summed([r for r, _ in runs])
        return dg.Output([manifest for _, manifest in runs], metadata={
            **parse_metadata(run, raw_folder.root.resolve()),
            "partitions": len(runs), "seconds": round(time.perf_counter() - started, 3)})

    with beta_parameter():
        return dg.asset(name="parsed_reports", group_name=GROUP, kinds={"python", "parquet"},
                        owners=["team:disclosure-data"], description=PARSE_DESCRIPTION,
                        partitions_def=partitions_def, deps=[RAW_FILES],
                        io_manager_key="parse_manifest_io_manager",
                        backfill_policy=SINGLE_RUN)(parsed_reports)


def _parse_all(context, raw_folder: RawFolder, warehouse: Warehouse) -> tuple[ParseRun, ParseManifest]:
    cache_dir = cache_dir_for(warehouse.file)
    # one build at a time over the whole run: held until the run's last step (or its process) ends
    acquire_lock(lock_path_for(warehouse.file), str(warehouse.file))
    try:
        start_run(warehouse.file, context.log.info)
        refs = guard_raw_folder(raw_folder.root, None, warehouse.file, raw_folder.shrink_share,
                                raw_folder.shrink_allowed)
        run = _parse(context, raw_folder, cache_dir, refs)
    except BaseException:
        release_lock(lock_path_for(warehouse.file))
        raise
    return run, run.manifest(cache_dir)


def _parse_partition(context, raw_folder: RawFolder, warehouse: Warehouse, refs, key: str,
                     partitions: int) -> tuple[ParseRun, ParseManifest]:
    refs = [r for r in refs if partition_of(r.source_path, partitions) == key]
    context.log.info(f"partition {key}: {len(refs):,} files")
    cache_dir = cache_dir_for(warehouse.file) / f"partition-{key}"
    run = _parse(context, raw_folder, cache_dir, refs)
    return run, run.manifest(cache_dir, key)


def _parse(context, raw_folder: RawFolder, cache_dir, refs) -> ParseRun:
    started = time.perf_counter()
    run = parse_folder(raw_folder.root, cache_dir, workers=raw_folder.workers or None,
                       max_bytes=raw_folder.max_file_bytes, refs=refs, budget=raw_folder.budget,
                       progress=progress_logger(context, "parsed"), log=context.log.warning,
                       pages=page_progress(context.log.info))
    context.log.info(f"{run.files:,} files: {run.parsed_now:,} contents parsed, {run.from_cache:,} from the "
                     f"cache, in {time.perf_counter() - started:.1f} s")
    for path, error in rejected_files(run).filter(pl.col("status") == cb.STATUS_REJECTED).select(
            "source_path", "error").head(200).iter_rows():
        context.log.warning(f"rejected {path}: {display_name(error or '')}")  # one line, always
    return run


def _summed(runs: list[ParseRun]) -> ParseRun:
    """Several partitions' parse runs as one, for the step's metadata."""
    seconds = Counter()
    for run in runs:
        seconds.update(run.seconds)
    units = {t: pl.concat([r.units[t] for r in runs]) for t in runs[0].units}
    return ParseRun(pl.concat([r.files_frame for r in runs]), units, runs[0].segment_dir,
                    sum(r.files for r in runs), sum(r.parsed_now for r in runs),
                    sum(r.from_cache for r in runs), seconds)
