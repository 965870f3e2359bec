"""Raw files → parsed report records (in parallel across cores)."""

import time

import dagster as dg

from assets.resources import RawFolder
from pipeline.core import codebook as cb
from pipeline.core.files import discover, parse_files
from pipeline.core.records import ParsedFile

GROUP = "ingest"


@dg.asset(
    group_name=GROUP,
    kinds={"python"},
    owners=["team:disclosure-data"],
    description="Every file under the raw folder (DISCLOSURE_RAW_DIR, recursive), read and parsed into a "
                "typed report record, or rejected with a reason. Files are parsed in parallel across cores.",
)
def parsed_reports(context: dg.AssetExecutionContext, raw_folder: RawFolder) -> dg.Output[list[ParsedFile]]:
    refs = discover(raw_folder.root)
    context.log.info(f"found {len(refs)} files under {raw_folder.root}")
    started = time.perf_counter()
    step = max(1, len(refs) // 20)

    def progress(done: int, total: int) -> None:
        if done % step == 0 or done == total:
            rate = done / max(time.perf_counter() - started, 1e-9)
            context.log.info(f"parsed {done}/{total} files ({rate:,.0f} files/s)")

    parsed = parse_files(refs, workers=raw_folder.workers or None, max_bytes=raw_folder.max_file_bytes,
                         progress=progress)
    by_status = {s: sum(p.status == s for p in parsed) for s in cb.STATUSES}
    rejected = [p for p in parsed if p.status == cb.STATUS_REJECTED]
    for p in rejected:
        context.log.warning(f"rejected {p.source_path}: {p.error}")
    return dg.Output(parsed, metadata={
        "raw_folder": dg.MetadataValue.path(str(raw_folder.root.resolve())),
        "files": len(parsed),
        **{f"files_{s}": n for s, n in by_status.items()},
        "rejected_files": dg.MetadataValue.md("\n".join(f"- `{p.source_path}`: {p.error}" for p in rejected[:50])
                                              or "none"),
        "seconds": round(time.perf_counter() - started, 3),
    })
