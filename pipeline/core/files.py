"""Finding raw files, fingerprinting them, and parsing each distinct content once, in parallel
across cores: a process pool over batches, each batch normalised to frames in its worker."""
from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import time
import uuid
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

import polars as pl

from pipeline.core import checks, normalize
from pipeline.core import codebook as cb
from pipeline.core.parser import NotAReport, parse_document
from pipeline.core.readers import Rejected, read_document
from pipeline.core.records import ParsedFile
from schemas.tables import TABLE_MODELS

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
_PARTIAL_CHECKS = (cb.CHECK_INCOMPLETE_TABLE, cb.CHECK_MISSING_SECTION)


@dataclass(frozen=True)
class RawFileRef:
    path: Path  # absolute
    source_path: str  # relative to the raw folder, '/' separators

    @property
    def source_format(self) -> str:
        return cb.FILE_EXTENSIONS.get(self.path.suffix.lower(), "unknown")


def discover(raw_dir: Path) -> list[RawFileRef]:
    """Every file below raw_dir (recursively), sorted by relative path."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw folder {raw_dir} does not exist; set DISCLOSURE_RAW_DIR to a folder of reports")
    refs = []
    for folder, _, names in os.walk(raw_dir):  # os.walk: several times faster than Path.rglob on 10⁵ files
        rel = os.path.relpath(folder, raw_dir).replace(os.sep, "/")
        prefix = "" if rel == "." else rel + "/"
        refs.extend(RawFileRef(Path(folder, name), prefix + name) for name in names)
    return sorted(refs, key=lambda r: r.source_path)


def parse_file(ref: RawFileRef, max_bytes: int = DEFAULT_MAX_BYTES, timings: Counter | None = None) -> ParsedFile:
    """Never raises: any failure becomes a rejected `ParsedFile` with a reason."""
    fmt = ref.source_format
    started = time.perf_counter()
    try:
        size = ref.path.stat().st_size
        if size > max_bytes:
            return ParsedFile(ref.source_path, _sha256_file(ref.path), size, fmt, cb.STATUS_REJECTED,
                              f"file too large: {size:,} bytes, over the {max_bytes:,}-byte limit "
                              "(raise DISCLOSURE_MAX_FILE_MB to load it)", None)
        data = ref.path.read_bytes()
    except OSError as exc:
        return ParsedFile(ref.source_path, "0" * 64, 0, fmt, cb.STATUS_REJECTED, f"cannot read file: {exc}", None)
    sha = hashlib.sha256(data).hexdigest()
    stage = "read"
    try:
        document = read_document(data, fmt)
        read_done = time.perf_counter()
        stage = "parse"
        report = parse_document(document)
    except (Rejected, NotAReport) as exc:
        return ParsedFile(ref.source_path, sha, len(data), fmt, cb.STATUS_REJECTED, str(exc), None)
    except Exception as exc:  # a reader or parser bug must not fail the run: the file is rejected, loudly
        return ParsedFile(ref.source_path, sha, len(data), fmt, cb.STATUS_REJECTED,
                          f"internal {stage} error ({type(exc).__name__}: {exc}); please report this file", None)
    finally:
        if timings is not None:
            now = time.perf_counter()
            if stage == "parse":
                timings["read"] += read_done - started
                timings["parse"] += now - read_done
            else:
                timings["read"] += now - started
    problems = [f for f in report.findings if f.check_name in _PARTIAL_CHECKS and f.severity == cb.SEVERITY_ERROR]
    status = cb.STATUS_PARTIAL if problems else cb.STATUS_PARSED
    notes = [f"{f.check_name}: {f.detail}" for f in problems] + ([document.note] if document.note else [])
    error = "; ".join(notes)[:2000] or None  # the reader's note (OCR, a fallback reader) also when parsed
    return ParsedFile(ref.source_path, sha, len(data), fmt, status, error, report)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _parse_batch(refs: list[RawFileRef], max_bytes: int) -> list[ParsedFile]:
    return [parse_file(r, max_bytes) for r in refs]


def _parse_batch_to_frames(refs: list[RawFileRef], max_bytes: int, segment_dir: Path | None = None
                           ) -> tuple[dict[str, pl.DataFrame], Counter]:
    """One batch in a worker: parse, normalise, run the per-report checks; with `segment_dir`, the
    grid tables are validated here and written there as Parquet, and only small frames go back."""
    timings: Counter = Counter()
    parsed = [parse_file(r, max_bytes, timings) for r in refs]
    started = time.perf_counter()
    frames = normalize.unit_frames(parsed)
    timings["normalise"] += time.perf_counter() - started
    if segment_dir is None:
        return frames, timings
    started = time.perf_counter()
    keys = frames["dim_report"].select("report_id", *normalize.UNIT_KEY).unique("report_id", keep="first")
    found = checks.report_findings({t: frames[t].unique(["report_id", *_grain(t)], keep="first")
                                    if t in normalize.BIG_TABLES else frames[t] for t in frames})
    frames["parser_finding"] = pl.concat([frames["parser_finding"], found.join(keys, on="report_id").select(
        frames["parser_finding"].columns)])
    timings["checks"] += time.perf_counter() - started
    started = time.perf_counter()
    segment = uuid.uuid4().hex
    result = frames["parse_result"]
    counted = result.drop(normalize.SEGMENT_ROWS.values())
    for table in normalize.BIG_TABLES:
        frame = frames.pop(table)
        TABLE_MODELS[table].validate(frame.drop("source_format"), lazy=True)  # rows checked where they are made
        frame.write_parquet(segment_dir / f"{segment}.{table}.parquet", compression="lz4")
        counted = counted.join(frame.group_by("report_id").len(normalize.SEGMENT_ROWS[table]), on="report_id",
                               how="left")
    parsed = pl.col("report_id").is_not_null()
    frames["parse_result"] = counted.with_columns(
        pl.when(parsed).then(pl.lit(segment)).alias("segment"),
        *(pl.when(parsed).then(pl.col(c).fill_null(0).cast(pl.Int64)).alias(c)
          for c in normalize.SEGMENT_ROWS.values())).select(result.columns)
    timings["validate_write"] += time.perf_counter() - started
    return frames, timings


def _grain(table: str) -> list[str]:
    return [c for c in TABLE_MODELS[table].Config.unique if c != "report_id"]


def parse_files(refs: list[RawFileRef], workers: int | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                batch_size: int = 64, progress: Callable[[int, int], None] | None = None) -> list[ParsedFile]:
    """Parse every file into a `ParsedFile`, in order (for tests and small folders)."""
    return [p for batch in _run_batches(_parse_batch, refs, workers, max_bytes, batch_size, progress) for p in batch]


def start_pool(workers: int) -> ProcessPoolExecutor:
    """A parse pool whose workers start now and import the parser while the caller goes on (a
    worker's start-up is about half a second). Spawned, not forked: polars' thread pool in this
    process does not survive a fork (a forked worker can hang on its first polars call)."""
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    for _ in range(workers):
        pool.submit(_started)
    return pool


def _started() -> None:
    """A no-op task: unpickling it in a new worker imports this module, and with it the parser."""


def parse_units(refs: list[RawFileRef], segment_dir: Path, workers: int | None = None,
                max_bytes: int = DEFAULT_MAX_BYTES, batch_size: int | None = None,
                progress: Callable[[int, int], None] | None = None, pool: ProcessPoolExecutor | None = None
                ) -> tuple[dict[str, pl.DataFrame], Counter]:
    """Parse files (one per distinct content) into unit frames, normalised inside the workers so
    that only compact columnar data crosses process boundaries; the grid tables go to Parquet
    segments in `segment_dir`. `pool`: a pool from `start_pool` to use (left open). Returns
    (small frames, CPU seconds per stage)."""
    workers = workers or os.cpu_count() or 1
    segment_dir.mkdir(parents=True, exist_ok=True)
    parts, timings = [], Counter()
    fn = partial(_parse_batch_to_frames, segment_dir=segment_dir)
    for frames, t in _run_batches(fn, refs, workers, max_bytes, batch_size, progress, pool):
        parts.append(frames)
        timings.update(t)
    return normalize.concat_units(parts, normalize.SMALL_UNIT_TABLES), timings


def _batches(refs: list, workers: int, batch_size: int | None) -> list[list]:
    """`batch_size` files per batch; or, by default, guided sizes: each batch a quarter of what
    is left per worker, between 128 and 2048 files, so that batches shrink towards the end and the
    workers finish together (one task per file would spend more on pickling than on parsing)."""
    out, i = [], 0
    while i < len(refs):
        size = batch_size or max(128, min(2048, (len(refs) - i) // (workers * 4)))
        out.append(refs[i: i + size])
        i += size
    return out


def _run_batches(fn, refs, workers, max_bytes, batch_size, progress, pool=None):
    """Small inputs run in this process; larger ones on a process pool fed with batches (`pool`,
    or one started here). Yields batch results in order."""
    workers = workers or os.cpu_count() or 1
    batches = _batches(refs, workers, batch_size)
    done = 0
    if not batches:  # nothing to parse: no pool to start (spawning workers costs seconds)
        return
    if workers == 1 or len(batches) == 1:
        results = (fn(b, max_bytes) for b in batches)
        for batch, result in zip(batches, results):
            done += len(batch)
            if progress:
                progress(done, len(refs))
            yield result
        return
    with contextlib.nullcontext(pool) if pool is not None else start_pool(workers) as running:
        for batch, result in zip(batches, running.map(fn, batches, [max_bytes] * len(batches))):
            done += len(batch)
            if progress:
                progress(done, len(refs))
            yield result


_THREADED_HASH_BYTES = 1 << 20  # files this large are hashed on threads (hashlib releases the GIL)


def fingerprint(refs: list[RawFileRef], known: dict[str, tuple[int, int, str]] | None = None,
                threads: int = 4) -> pl.DataFrame:
    """source_path, file_sha256, source_format, bytes, mtime_ns of every file. A file whose path,
    size and modification time match `known` (path → (bytes, mtime_ns, sha256), from the last run)
    keeps its hash unread; others are read and hashed. Small files are hashed in this thread (a
    thread pool's per-task cost is several times the hashing of a few kilobytes); large ones on
    `threads` threads. An unreadable file gets an all-zero hash."""
    known = known or {}
    rows: list[tuple[str, str, str, int, int] | None] = []
    large: list[tuple[int, RawFileRef, os.stat_result]] = []
    for ref in refs:
        try:
            stat = ref.path.stat()
            seen = known.get(ref.source_path)
            if seen is not None and seen[0] == stat.st_size and seen[1] == stat.st_mtime_ns:
                rows.append((ref.source_path, seen[2], ref.source_format, stat.st_size, stat.st_mtime_ns))
            elif stat.st_size >= _THREADED_HASH_BYTES:
                large.append((len(rows), ref, stat))
                rows.append(None)
            else:
                rows.append((ref.source_path, hashlib.sha256(ref.path.read_bytes()).hexdigest(), ref.source_format,
                             stat.st_size, stat.st_mtime_ns))
        except OSError:
            rows.append(_unreadable(ref))

    def hashed(ref: RawFileRef, stat: os.stat_result) -> tuple[str, str, str, int, int]:
        try:
            return ref.source_path, _sha256_file(ref.path), ref.source_format, stat.st_size, stat.st_mtime_ns
        except OSError:
            return _unreadable(ref)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for (i, _, _), row in zip(large, pool.map(hashed, [r for _, r, _ in large], [s for _, _, s in large])):
            rows[i] = row
    return pl.DataFrame(rows, schema=FILES_SCHEMA, orient="row")


def _unreadable(ref: RawFileRef) -> tuple[str, str, str, int, int]:
    """A file that cannot be read: an all-zero hash and no size or time, so it is read again next run."""
    return ref.source_path, "0" * 64, ref.source_format, 0, 0


FILES_SCHEMA = {"source_path": pl.String, "file_sha256": pl.String, "source_format": pl.String, "bytes": pl.Int64,
                "mtime_ns": pl.Int64}
