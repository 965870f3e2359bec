"""Finding raw files, fingerprinting them, and parsing each distinct content once, in parallel
across cores: a process pool over batches, each batch normalised to frames in its worker."""
from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

import polars as pl

from pipeline.core import codebook as cb
from pipeline.core import normalize
from pipeline.core.parser import NotAReport, parse_document
from pipeline.core.readers import Rejected, read_document
from pipeline.core.records import ParsedFile

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
    refs = [RawFileRef(p, p.relative_to(raw_dir).as_posix()) for p in raw_dir.rglob("*") if p.is_file()]
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
    error = "; ".join(f"{f.check_name}: {f.detail}" for f in problems)[:2000] or None
    return ParsedFile(ref.source_path, sha, len(data), fmt, status, error, report)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _parse_batch(refs: list[RawFileRef], max_bytes: int) -> list[ParsedFile]:
    return [parse_file(r, max_bytes) for r in refs]


def _parse_batch_to_frames(refs: list[RawFileRef], max_bytes: int) -> tuple[dict[str, pl.DataFrame], Counter]:
    timings: Counter = Counter()
    parsed = [parse_file(r, max_bytes, timings) for r in refs]
    started = time.perf_counter()
    frames = normalize.unit_frames(parsed)
    timings["normalise"] += time.perf_counter() - started
    return frames, timings


def parse_files(refs: list[RawFileRef], workers: int | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                batch_size: int = 64, progress: Callable[[int, int], None] | None = None) -> list[ParsedFile]:
    """Parse every file into a `ParsedFile`, in order (for tests and small folders)."""
    return [p for batch in _run_batches(_parse_batch, refs, workers, max_bytes, batch_size, progress) for p in batch]


def parse_units(refs: list[RawFileRef], workers: int | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                batch_size: int = 64, progress: Callable[[int, int], None] | None = None
                ) -> tuple[dict[str, pl.DataFrame], Counter]:
    """Parse files (one per distinct content) into unit frames, normalised inside the workers so
    that only compact columnar data crosses process boundaries. Returns (frames, CPU seconds per stage)."""
    parts, timings = [], Counter()
    for frames, t in _run_batches(_parse_batch_to_frames, refs, workers, max_bytes, batch_size, progress):
        parts.append(frames)
        timings.update(t)
    return normalize.concat_units(parts), timings


def _run_batches(fn, refs, workers, max_bytes, batch_size, progress):
    """Small inputs run in this process; larger ones on a process pool fed with batches (one task
    per file would spend more on pickling than on parsing). Yields batch results in order."""
    workers = workers or os.cpu_count() or 1
    batches = [refs[i: i + batch_size] for i in range(0, len(refs), batch_size)]
    done = 0
    if workers == 1 or len(refs) <= batch_size:
        results = (fn(b, max_bytes) for b in batches)
        for batch, result in zip(batches, results):
            done += len(batch)
            if progress:
                progress(done, len(refs))
            yield result
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for batch, result in zip(batches, pool.map(fn, batches, [max_bytes] * len(batches))):
            done += len(batch)
            if progress:
                progress(done, len(refs))
            yield result


def fingerprint(refs: list[RawFileRef], threads: int = 4) -> pl.DataFrame:
    """source_path, file_sha256, source_format, bytes of every file (hashing releases the GIL, so
    a few threads read and hash in parallel). An unreadable file gets an all-zero hash."""
    def one(ref: RawFileRef) -> tuple[str, str, str, int]:
        try:
            return ref.source_path, _sha256_file(ref.path), ref.source_format, ref.path.stat().st_size
        except OSError:
            return ref.source_path, "0" * 64, ref.source_format, 0
    with ThreadPoolExecutor(max_workers=threads) as pool:
        rows = list(pool.map(one, refs))
    return pl.DataFrame(rows, schema={"source_path": pl.String, "file_sha256": pl.String, "source_format": pl.String,
                                      "bytes": pl.Int64}, orient="row")
