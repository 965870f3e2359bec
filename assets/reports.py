"""Raw files → parsed units → contract frames, in parallel across cores, re-parsing only what changed."""

import time

import dagster as dg
import polars as pl

from assets.resources import RawFolder, Warehouse
from pipeline.core import codebook as cb
from pipeline.core.build import ParseRun, cache_dir_for, parse_folder

GROUP = "ingest"


def progress_logger(context: dg.AssetExecutionContext, what: str):
    """A progress callback that logs about twenty lines over a run: done/total and rate."""
    started = time.perf_counter()
    last = [0]

    def progress(done: int, total: int) -> None:
        if done == total or done - last[0] >= max(1, total // 20):
            last[0] = done
            rate = done / max(time.perf_counter() - started, 1e-9)
            left = (total - done) / rate if rate else 0
            context.log.info(f"{what}: {done:,}/{total:,} files ({rate:,.0f} files/s, about {left:,.0f} s left)")
    return progress


def parse_metadata(run: ParseRun, raw_root) -> dict:
    raw_file = run.frames["raw_file"]
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


@dg.asset(
    group_name=GROUP,
    kinds={"python", "parquet"},
    owners=["team:disclosure-data"],
    description="Every file under the raw folder (DISCLOSURE_RAW_DIR, recursive), fingerprinted, then each new "
                "content read and parsed into a typed record on a process pool, or rejected with a reason. "
                "Contents parsed before (same sha256, same parser version) come from the parse cache beside the "
                "warehouse. Output: the contract frames before identity checks.",
)
def parsed_reports(context: dg.AssetExecutionContext, raw_folder: RawFolder,
                   warehouse: Warehouse) -> dg.Output[dict[str, pl.DataFrame]]:
    started = time.perf_counter()
    run = parse_folder(raw_folder.root, cache_dir_for(warehouse.file), workers=raw_folder.workers or None,
                       max_bytes=raw_folder.max_file_bytes, progress=progress_logger(context, "parsed"))
    context.log.info(f"{run.files:,} files: {run.parsed_now:,} contents parsed, {run.from_cache:,} from the cache "
                     f"in {time.perf_counter() - started:.1f} s")
    for path, error in run.frames["raw_file"].filter(pl.col("status") == cb.STATUS_REJECTED).select(
            "source_path", "error").iter_rows():
        context.log.warning(f"rejected {path}: {error}")
    return dg.Output(run.frames, metadata=parse_metadata(run, raw_folder.root.resolve()))
