"""Finding raw files, fingerprinting them, and parsing each distinct content once, in parallel
across cores: a process pool over batches, each batch normalised to frames in its worker."""
from __future__ import annotations

import collections
import contextlib
import hashlib
import json
import multiprocessing
import multiprocessing.connection
import os
import re
import signal
import stat
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Callable

import polars as pl

from pipeline.core import checks, normalize
from pipeline.core import codebook as cb
from pipeline.core.parser import parse_document
from pipeline.core.readers import read_document
from pipeline.core.records import ParsedFile
from pipeline.core.rejection import Rejected
from pipeline.settings import DEFAULT_MAX_FILE_MB
from schemas.tables import TABLE_MODELS, polars_schema

DEFAULT_MAX_BYTES = DEFAULT_MAX_FILE_MB * 1024 * 1024
_PARTIAL_CHECKS = (cb.CHECK_INCOMPLETE_TABLE, cb.CHECK_VALUE_OUT_OF_RANGE)  # as errors: the report is partial


@dataclass(frozen=True)
class RawFileRef:
    path: Path  # absolute, or below the raw folder as found (a non-UTF-8 name keeps its bytes here)
    source_path: str  # relative to the raw folder, '/' separators, printable (see `display_name`)
    problem: str | None = None  # why the file is not read: not a regular file, a link leaving the folder

    @property
    def source_format(self) -> str:
        return cb.FILE_EXTENSIONS.get(self.path.suffix.lower(), "unknown")


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def display_name(name: str) -> str:
    """A file name as text that is safe to store and log: bytes that are not UTF-8 kept as `\xff`
    escapes, control characters (a newline that would forge a log line) as `\x0a`."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _kind(mode: int) -> str:
    for test, what in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISDIR, "a folder")):
        if test(mode):
            return what
    return "not a regular file"


def _inside(target: str, root: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def discover(raw_dir: Path) -> list[RawFileRef]:
    """Every entry below raw_dir (recursively), sorted by relative path. Regular files are to be
    read; symbolic links are followed only where they stay inside the raw folder; anything else (a
    FIFO, device or socket, a link leading outside or nowhere) is listed with the `problem` that
    keeps it unread, so that it still gets its rejected row."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw folder {raw_dir} does not exist; "
                                "set DISCLOSURE_RAW_DIR to a folder of reports")
    root = os.path.realpath(raw_dir)
    refs: list[RawFileRef] = []
    visited = {root}
    stack = [(os.fspath(raw_dir), "")]
    while stack:  # os.scandir: the entry types come with the listing, no stat per regular file
        folder, prefix = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            refs.append(RawFileRef(Path(folder), prefix.rstrip("/"),
                                   f"cannot list this folder: {exc.strerror}"))
            continue
        for entry in entries:
            name, path = prefix + display_name(entry.name), Path(entry.path)
            try:
                if entry.is_symlink():
                    target = os.path.realpath(entry.path)
                    if not _inside(target, root):
                        why = f"symbolic link to {display_name(target)}, outside the raw folder: not followed"
                        refs.append(RawFileRef(path, name, why + ", not read"))
                        continue
                    if not os.path.exists(target):
                        refs.append(RawFileRef(path, name, "broken symbolic link: its target does not exist"))
                        continue
                    mode = os.stat(target).st_mode
                    if stat.S_ISDIR(mode):
                        if target in visited:
                            why = "symbolic link to a folder that is already read (a loop or a second link)"
                            refs.append(RawFileRef(path, name, why + ": not followed"))
                        else:
                            visited.add(target)
                            stack.append((entry.path, name + "/"))
                        continue
                elif entry.is_dir(follow_symlinks=False):
                    visited.add(os.path.realpath(entry.path))
                    stack.append((entry.path, name + "/"))
                    continue
                elif entry.is_file(follow_symlinks=False):
                    refs.append(RawFileRef(path, name))
                    continue
                else:
                    mode = entry.stat(follow_symlinks=False).st_mode
                if stat.S_ISREG(mode):
                    refs.append(RawFileRef(path, name))
                else:
                    refs.append(RawFileRef(path, name, f"{_kind(mode)}, not a regular file: not read"))
            except OSError as exc:
                refs.append(RawFileRef(path, name, f"cannot inspect this entry: {exc.strerror}"))
    return _unique_names(sorted(refs, key=lambda r: r.source_path))


def _unique_names(refs: list[RawFileRef]) -> list[RawFileRef]:
    """Two names that escape alike (a file literally named `\xff.txt` beside one whose name is the
    byte 0xFF) would be one source_path: the second is listed, marked and not read."""
    out: list[RawFileRef] = []
    for ref in refs:
        if out and out[-1].source_path.split(" [same name as")[0] == ref.source_path:
            n = sum(1 for r in out if r.source_path.split(" [same name as")[0] == ref.source_path)
            why = "its name, once escaped, is the same as another entry's: rename it to load it"
            out.append(RawFileRef(ref.path, f"{ref.source_path} [same name as the entry above, {n + 1}]",
                                  why))
        else:
            out.append(ref)
    return out


class NotRegular(OSError):
    """The path is no longer a regular file (replaced by a FIFO or device since it was found)."""


def _open_regular(path: Path) -> int:
    """A file descriptor of a regular file; never blocks on a FIFO, never reads a device."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise NotRegular(f"{_kind(mode)}, not a regular file: not read")
    return fd


def read_regular(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file, read once (at most max_bytes; more is Rejected as too large)."""
    fd = _open_regular(path)
    try:
        size = os.fstat(fd).st_size
        if size > max_bytes:
            raise _too_large(size, max_bytes)
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(max_bytes + 1)  # a file growing while read stops at the limit
        if len(data) > max_bytes:
            raise _too_large(len(data), max_bytes)
        return data
    finally:
        os.close(fd)


def _too_large(size: int, max_bytes: int) -> Rejected:
    return Rejected(cb.REJECT_TOO_LARGE, f"file too large: {size:,} bytes, over the {max_bytes:,}-byte limit "
                    "(raise DISCLOSURE_MAX_FILE_MB to load it)", retry=True)


def _sha256_file(path: Path) -> tuple[str, int]:
    """sha256 and size of what was read, in one pass."""
    h, size = hashlib.sha256(), 0
    fd = _open_regular(path)
    try:
        with os.fdopen(fd, "rb", closefd=False) as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
                size += len(chunk)
    finally:
        os.close(fd)
    return h.hexdigest(), size


def _reason(exc: OSError) -> str:
    return str(exc) if isinstance(exc, NotRegular) else f"cannot read file: {exc.strerror or exc}"


UNREAD_SHA = "0" * 64  # the hash recorded for a file that could not be read (its reason is in `error`)


def internal_error(source_path: str, stage: str, what: BaseException | str) -> str:
    """raw_file.error of a file that met a bug (not a broken file): the file, the stage, the exception."""
    if isinstance(what, BaseException):
        what = f"{type(what).__name__}: {str(what)[:300]}"
    return (f"internal error (a bug in the pipeline, not a broken file; please report it with this file) "
            f"at the {stage} stage of {source_path}: {what}")


def parse_file(ref: RawFileRef, max_bytes: int = DEFAULT_MAX_BYTES, timings: Counter | None = None,
               on_read: Callable[[str, int], None] | None = None) -> ParsedFile:
    """Never raises: any failure becomes a rejected `ParsedFile` with a reason naming the stage.
    The file is read once; the hash of the bytes read is the one recorded (`on_read` is told it).
    A file that cannot be read gets UNREAD_SHA and its reason."""
    fmt = ref.source_format
    started = read_done = time.perf_counter()
    if ref.problem:
        return ParsedFile(ref.source_path, UNREAD_SHA, 0, fmt, cb.STATUS_REJECTED, ref.problem, None)
    try:
        data = read_regular(ref.path, max_bytes)
    except Rejected as exc:  # too large: hashed, not read
        try:
            sha, size = _sha256_file(ref.path)
        except OSError as err:
            return ParsedFile(ref.source_path, UNREAD_SHA, 0, fmt, cb.STATUS_REJECTED, _reason(err), None)
        return ParsedFile(ref.source_path, sha, size, fmt, cb.STATUS_REJECTED, str(exc), None,
                          retry=exc.retry)
    except OSError as exc:
        return ParsedFile(ref.source_path, UNREAD_SHA, 0, fmt, cb.STATUS_REJECTED, _reason(exc), None)
    sha = hashlib.sha256(data).hexdigest()
    if on_read is not None:
        on_read(sha, len(data))
    stage = "read"
    try:
        document = read_document(data, fmt)
        read_done = time.perf_counter()
        stage = "parse"
        report = parse_document(document)
        stage = "range check"
        normalize.bound_record(report)
    except Rejected as exc:
        return ParsedFile(ref.source_path, sha, len(data), fmt, cb.STATUS_REJECTED, str(exc), None,
                          retry=exc.retry)
    except MemoryError:
        return ParsedFile(ref.source_path, sha, len(data), fmt, cb.STATUS_REJECTED,
                          f"needed more memory than the parse worker may use (at the {stage} stage)", None,
                          retry=True)
    except Exception as exc:  # a reader or parser bug must not fail the run: the file is rejected, loudly
        return ParsedFile(ref.source_path, sha, len(data), fmt, cb.STATUS_REJECTED,
                          internal_error(ref.source_path, stage, exc), None)
    finally:
        if timings is not None:
            now = time.perf_counter()
            if stage == "read":
                timings["read"] += now - started
            else:
                timings["read"] += read_done - started
                timings["parse"] += now - read_done
    problems = [f for f in report.findings
                if f.check_name in _PARTIAL_CHECKS and f.severity == cb.SEVERITY_ERROR]
    status = cb.STATUS_PARTIAL if problems else cb.STATUS_PARSED
    notes = [f"{f.check_name}: {f.detail}" for f in problems] + ([document.note] if document.note else [])
    error = "; ".join(notes)[:2000] or None  # the reader's note (OCR, a fallback reader) also when parsed
    return ParsedFile(ref.source_path, sha, len(data), fmt, status, error, report)


def _parse_batch(refs: list[RawFileRef], max_bytes: int, started: Callable | None = None) -> list[ParsedFile]:
    return [_parse_one(i, r, max_bytes, None, started) for i, r in enumerate(refs)]


def _parse_one(i: int, ref: RawFileRef, max_bytes: int, timings: Counter | None,
               started: Callable | None) -> ParsedFile:
    """One file of a batch; `started` (from the pool) is told when its reading starts and what it read."""
    if started is None:
        return parse_file(ref, max_bytes, timings)
    started(i, None, None)
    return parse_file(ref, max_bytes, timings, on_read=lambda sha, size: started(i, sha, size))


def _parse_batch_to_frames(refs: list[RawFileRef], max_bytes: int, segment_dir: Path | None = None,
                           started: Callable | None = None) -> tuple[dict[str, pl.DataFrame], Counter]:
    """One batch in a worker: parse, normalise, run the per-report checks; with `segment_dir`, every
    table is validated here and the grid tables written there as Parquet, and only small frames go
    back. A file whose frames fail at any of these stages is rejected with the stage and reason, and
    the others go on. `read_as`: the path, hash and size each file had when it was read."""
    timings: Counter = Counter()
    parsed = [_parse_one(i, r, max_bytes, timings, started) for i, r in enumerate(refs)]
    if started is not None:
        started(-1, None, None)  # the batch's own stages: normalise, checks, validate, write
    read_as = _read_as(parsed)
    units = [p for p in parsed if p.file_sha256 != UNREAD_SHA]  # an unread file is not a content
    try:
        frames = _batch_frames(units, segment_dir, timings)
    except Exception:  # one bad record: find it, file by file, and reject it with the stage it failed at
        parts = []
        for p in units:
            try:
                parts.append(_batch_frames([p], segment_dir, timings))
            except _StageError as exc:
                why = internal_error(p.source_path, exc.stage, exc.reason)
                parts.append(_batch_frames([rejected(p, why)], segment_dir, timings))
        frames = normalize.concat_units(parts, tuple(parts[0]) if parts else normalize.UNIT_TABLES)
    frames["read_as"] = read_as
    return frames, timings


READ_AS_SCHEMA = {"source_path": pl.String, "file_sha256": pl.String, "bytes": pl.Int64, "problem": pl.String}


class _StageError(Exception):
    def __init__(self, stage: str, exc: BaseException):
        super().__init__(stage)
        self.stage = stage
        if hasattr(exc, "failure_cases"):  # pandera: name the columns and checks that failed
            cases = exc.failure_cases.select("column", "check").unique().head(5)  # type: ignore[attr-defined]
            self.reason = "schema check failed: " + ", ".join(f"{c} {k}" for c, k in cases.iter_rows())
        else:
            self.reason = f"{type(exc).__name__}: {str(exc)[:300]}"


def rejected(p: ParsedFile, reason: str) -> ParsedFile:
    return ParsedFile(p.source_path, p.file_sha256, p.bytes, p.source_format, cb.STATUS_REJECTED, reason,
                      None)


def _read_as(parsed: list[ParsedFile]) -> pl.DataFrame:
    """path, hash and size as each file was read (and the reason when it could not be)."""
    rows = [(p.source_path, p.file_sha256, p.bytes, p.error if p.file_sha256 == UNREAD_SHA else None)
            for p in parsed]
    return pl.DataFrame(rows, schema=READ_AS_SCHEMA, orient="row")


def _stopped(items: list[tuple[RawFileRef, str, str | None, int | None]]) -> list[ParsedFile]:
    """Rejected results for files whose worker was stopped: (ref, reason, sha read or None, size)."""
    return [ParsedFile(r.source_path, sha or UNREAD_SHA, size or 0, r.source_format, cb.STATUS_REJECTED, why,
                       None, retry=True) for r, why, sha, size in items]


def _batch_frames(parsed: list[ParsedFile], segment_dir: Path | None,
                  timings: Counter) -> dict[str, pl.DataFrame]:
    stage, started = "normalise", time.perf_counter()
    try:
        frames = normalize.unit_frames(parsed)
        timings["normalise"] += time.perf_counter() - started
        if segment_dir is None:
            return frames
        stage, started = "check", time.perf_counter()
        keys = frames["dim_report"].select("report_id", *normalize.UNIT_KEY).unique("report_id", keep="first")
        found = checks.report_findings({t: frames[t].unique(["report_id", *_grain(t)], keep="first")
                                        if t in normalize.BIG_TABLES else frames[t] for t in frames})
        found = found.join(keys, on="report_id").select(frames["parser_finding"].columns)
        frames["parser_finding"] = pl.concat([frames["parser_finding"], found])
        timings["checks"] += time.perf_counter() - started
        stage, started = "validate", time.perf_counter()
        for unit_table, contract in _VALIDATED.items():  # every row checked where it is made
            frame = frames[unit_table]
            columns = [pl.col(c) if c in frame.columns else pl.lit("?").alias(c)  # (source_path: set later)
                       for c in _contract_columns(contract)]
            TABLE_MODELS[contract].validate(frame.select(columns), lazy=True)
        stage = "write"
        segment = uuid.uuid4().hex
        result = frames["parse_result"]
        counted = result.drop(normalize.SEGMENT_ROWS.values())
        sums = {}
        for table in normalize.BIG_TABLES:
            frame = frames.pop(table)
            target = segment_dir / f"{segment}.{table}.parquet"
            frame.write_parquet(target, compression="lz4")
            sums[table] = _file_sum(target)
            rows = frame.group_by("report_id").len(normalize.SEGMENT_ROWS[table])
            counted = counted.join(rows, on="report_id", how="left")
        (segment_dir / f"{segment}.sums.json").write_text(json.dumps(sums))  # to verify the segment on load
        parsed_ok = pl.col("report_id").is_not_null()
        frames["parse_result"] = counted.with_columns(
            pl.when(parsed_ok).then(pl.lit(segment)).alias("segment"),
            *(pl.when(parsed_ok).then(pl.col(c).fill_null(0).cast(pl.Int64)).alias(c)
              for c in normalize.SEGMENT_ROWS.values())).select(result.columns)
        timings["validate_write"] += time.perf_counter() - started
        return frames
    except Exception as exc:
        raise _StageError(stage, exc) from exc


# unit table → the contract model its rows are checked against in the worker (the unit's own keys
# and raw_file aside: those are checked when the tables are assembled)
_VALIDATED = {"dim_report": "dim_report", "fact_application": "fact_application",
              "fact_proactive_disclosure": "fact_proactive_disclosure",
              "fact_review_litigation": "fact_review_litigation",
              "fact_disclosure_channel": "fact_disclosure_channel", "fact_proposal": "fact_proposal",
              "parser_finding": "dq_finding"}


@lru_cache(maxsize=None)
def _contract_columns(table: str) -> tuple[str, ...]:
    return tuple(polars_schema(TABLE_MODELS[table]))


def _file_sum(path: Path) -> dict:
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        return {"bytes": size, "sha256": hashlib.file_digest(fh, "sha256").hexdigest()}


def _grain(table: str) -> list[str]:
    return [c for c in TABLE_MODELS[table].Config.unique if c != "report_id"]


@dataclass(frozen=True)
class Budget:
    """What one file may cost a parse worker: wall seconds (a page's, for a scan being OCR'd), and the
    worker's resident memory; while it OCRs a scan, `ocr_memory_bytes` more: the OCR engine's models
    and a page's detection take about 0.6–1 GB by themselves (measured: up to 1.0 GB on a first page)."""

    seconds: float = 60.0
    memory_bytes: int = 1 << 30
    ocr_memory_bytes: int = 1 << 30

    def memory_limit(self, ocr: bool) -> int:
        return self.memory_bytes + (self.ocr_memory_bytes if ocr else 0)

    def describe_memory(self, ocr: bool = False) -> str:
        def size(n: int) -> str:
            mb = n / (1 << 20)
            return f"{mb / 1024:g} GB" if mb >= 1024 else f"{mb:g} MB"
        if ocr:
            return (f"{size(self.memory_limit(True))} ({size(self.memory_bytes)} and "
                    f"{size(self.ocr_memory_bytes)} for OCR)")
        return size(self.memory_bytes)


def parse_files(refs: list[RawFileRef], workers: int | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                batch_size: int = 64, progress: Callable[[int, int], None] | None = None,
                budget: Budget | None = None) -> list[ParsedFile]:
    """Parse every file into a `ParsedFile`, in order (for tests and small folders)."""
    batches = _run_batches(_parse_batch, refs, workers, max_bytes, batch_size, progress, budget=budget,
                           lost=_stopped)
    out = [p for batch in batches for p in batch]
    at = {}
    for i, r in enumerate(refs):
        at.setdefault(r.source_path, i)
    return sorted(out, key=lambda p: at.get(p.source_path, 0))  # a stopped file's result came last


def start_pool(workers: int, budget: Budget | None = None,
               pages: "PageCallback | None" = None) -> "ParsePool":
    """A parse pool whose workers start now and import the parser while the caller goes on (a
    worker's start-up is about half a second). Spawned, not forked: polars' thread pool in this
    process does not survive a fork (a forked worker can hang on its first polars call)."""
    return ParsePool(workers, budget or Budget(), pages)


def parse_units(refs: list[RawFileRef], segment_dir: Path, workers: int | None = None,
                max_bytes: int = DEFAULT_MAX_BYTES, batch_size: int | None = None,
                progress: Callable[[int, int], None] | None = None, pool: "ParsePool | None" = None,
                budget: Budget | None = None, pages: "PageCallback | None" = None,
                ) -> tuple[dict[str, pl.DataFrame], Counter]:
    """Parse files (one per distinct content) into unit frames, normalised inside the workers so
    that only compact columnar data crosses process boundaries; the grid tables go to Parquet
    segments in `segment_dir`. `pool`: a pool from `start_pool` to use (left open). With a
    `budget` (or a pool) every file is parsed in a worker process under it. Returns (small frames
    plus `read_as`, CPU seconds per stage). `pages` is told each page a worker OCRs (see ParsePool)."""
    workers = workers or os.cpu_count() or 1
    segment_dir.mkdir(parents=True, exist_ok=True)
    parts, timings = [], Counter()
    fn = partial(_parse_batch_to_frames, segment_dir=segment_dir)

    def lost(refs_lost: list[tuple[RawFileRef, str, str | None, int | None]]) -> tuple[dict, Counter]:
        files = _stopped(refs_lost)
        frames = normalize.unit_frames([p for p in files if p.file_sha256 != UNREAD_SHA])
        frames["read_as"] = _read_as(files)
        return frames, Counter()
    for frames, t in _run_batches(fn, refs, workers, max_bytes, batch_size, progress, pool, budget, lost,
                                  pages):
        parts.append(frames)
        timings.update(t)
    units = normalize.concat_units(parts, normalize.SMALL_UNIT_TABLES)
    units["read_as"] = pl.concat([p["read_as"] for p in parts]) if parts else _read_as([])
    return units, timings


def _batches(refs: list, workers: int, batch_size: int | None, isolated: bool = False) -> list[list]:
    """`batch_size` files per batch; or, by default, guided sizes: each batch a quarter of what
    is left per worker, between 128 and 2048 files, so that batches shrink towards the end and the
    workers finish together (one task per file would spend more on pickling than on parsing). In
    worker processes, a small folder is still spread over all the workers (at least 8 files a batch)."""
    out, i = [], 0
    small = isolated and len(refs) < 1024
    low = max(1, min(8, -(-len(refs) // workers))) if small else 128
    while i < len(refs):
        size = batch_size or max(low, min(2048, (len(refs) - i) // (workers * 4)))
        out.append(refs[i: i + size])
        i += size
    return out


def _run_batches(fn, refs, workers, max_bytes, batch_size, progress, pool=None, budget=None, lost=None,
                 pages=None):
    """Without a budget or pool, small inputs run in this process; otherwise batches go to worker
    processes (`pool`, or one started here) under the budget. Yields batch results in order."""
    workers = workers or os.cpu_count() or 1
    isolated = budget is not None or pool is not None
    batches = _batches(refs, workers, batch_size, isolated)
    done = 0
    if not batches:  # nothing to parse: no pool to start (spawning workers costs seconds)
        return
    if not isolated and (workers == 1 or len(batches) == 1):
        results = (fn(b, max_bytes) for b in batches)
        for batch, result in zip(batches, results):
            done += len(batch)
            if progress:
                progress(done, len(refs))
            yield result
        return
    with contextlib.nullcontext(pool) if pool is not None else start_pool(min(workers, len(batches)),
                                                                          budget, pages) as running:
        for n, result in running.map(fn, batches, max_bytes, lost):
            done += n
            if progress:
                progress(done, len(refs))
            yield result


_THREADED_HASH_BYTES = 1 << 20  # files this large are hashed on threads (hashlib releases the GIL)


def fingerprint(refs: list[RawFileRef], known: dict[str, tuple[int, int, str]] | None = None,
                threads: int = 4) -> pl.DataFrame:
    """source_path, file_sha256, source_format, bytes, mtime_ns, problem of every file. A file whose
    path, size and modification time match `known` (path → (bytes, mtime_ns, sha256), from the last
    run) keeps its hash unread; others are read and hashed. Small files are hashed in this thread
    (a thread pool's per-task cost is several times the hashing of a few kilobytes); large ones on
    `threads` threads. A file that is not read (`problem`) or cannot be read gets UNREAD_SHA and
    the reason in `problem`."""
    known = known or {}
    rows: list[tuple | None] = []
    large: list[tuple[int, RawFileRef, os.stat_result]] = []
    for ref in refs:
        if ref.problem:
            rows.append(_unread(ref, ref.problem))
            continue
        try:
            st = ref.path.stat()
            seen = known.get(ref.source_path)
            if not stat.S_ISREG(st.st_mode):
                raise NotRegular(f"{_kind(st.st_mode)}, not a regular file: not read")
            if seen is not None and seen[0] == st.st_size and seen[1] == st.st_mtime_ns:
                rows.append((ref.source_path, seen[2], ref.source_format, st.st_size, st.st_mtime_ns, None))
            elif st.st_size >= _THREADED_HASH_BYTES:
                large.append((len(rows), ref, st))
                rows.append(None)
            else:
                sha, size = _sha256_file(ref.path)
                rows.append((ref.source_path, sha, ref.source_format, size, st.st_mtime_ns, None))
        except OSError as exc:
            rows.append(_unread(ref, _reason(exc)))

    def hashed(ref: RawFileRef, st: os.stat_result) -> tuple:
        try:
            sha, size = _sha256_file(ref.path)
            return ref.source_path, sha, ref.source_format, size, st.st_mtime_ns, None
        except OSError as exc:
            return _unread(ref, _reason(exc))
    with ThreadPoolExecutor(max_workers=threads) as tpool:
        hashes = tpool.map(hashed, [r for _, r, _ in large], [s for _, _, s in large])
        for (i, _, _), row in zip(large, hashes):
            rows[i] = row
    return pl.DataFrame(rows, schema=FILES_SCHEMA, orient="row")


def _unread(ref: RawFileRef, reason: str) -> tuple:
    """A file not read: UNREAD_SHA, no size or time (so it is looked at again next run), the reason."""
    return ref.source_path, UNREAD_SHA, ref.source_format, 0, 0, reason


FILES_SCHEMA = {"source_path": pl.String, "file_sha256": pl.String, "source_format": pl.String,
                "bytes": pl.Int64, "mtime_ns": pl.Int64, "problem": pl.String}


def apply_reads(files: pl.DataFrame, read_as: pl.DataFrame) -> pl.DataFrame:
    """The files as the parse workers read them: a file that changed since it was fingerprinted
    keeps the hash and size of the bytes that were parsed (and no time, so it is hashed again next
    run); a file that could no longer be read gets its reason."""
    seen = files.select("source_path", "file_sha256", "problem")
    changed = read_as.join(seen, on="source_path", how="inner", suffix="_seen").filter(
        (pl.col("file_sha256") != pl.col("file_sha256_seen"))
        | (pl.col("problem").is_not_null() & pl.col("problem_seen").is_null()))
    if changed.is_empty():
        return files
    patch = changed.select("source_path", "file_sha256", "bytes", pl.lit(0, pl.Int64).alias("mtime_ns"),
                           "problem")
    return files.update(patch, on="source_path", include_nulls=True).select(list(FILES_SCHEMA))


# --- the parse pool: worker processes under a per-file budget -----------------------------------

_POLL_SECONDS = 0.2
_START_SECONDS = 300  # a worker's start-up (imports) is not a file's time; a loaded machine is slow


PageCallback = Callable[[str, int, int, float], None]  # (source_path, pages done, pages, seconds on the file)


class ParsePool:
    """Worker processes that parse batches of files, one file at a time, each telling this process
    which file it is on, and which page of a scan it has OCR'd. A file that runs past the budget's
    seconds, or makes its worker's memory grow past the budget, is rejected with that reason; its
    worker is killed and replaced, and the rest of its batch goes on in the new one. For a scan the
    seconds are a page's: its clock starts again at every page OCR'd (a long scan is not a hung file;
    a page that hangs is), and `pages` is told of each page. Workers die with this process
    (PR_SET_PDEATHSIG, and a watch on their parent)."""

    def __init__(self, workers: int, budget: Budget, pages: PageCallback | None = None):
        self.budget = budget
        self.pages = pages
        self.ctx = multiprocessing.get_context("spawn")
        self.workers = [self._start() for _ in range(max(1, workers))]

    def _start(self) -> "_Worker":
        mine, theirs = self.ctx.Pipe()
        # the address-space backstop: twice the budget, and the OCR engine's share once
        space = 2 * self.budget.memory_bytes + self.budget.ocr_memory_bytes
        proc = self.ctx.Process(target=_worker_main, args=(theirs, os.getpid(), space),
                                daemon=True, name="disclosure-parse-worker")
        proc.start()
        theirs.close()
        return _Worker(proc, mine)

    def __enter__(self) -> "ParsePool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for w in self.workers:
            with contextlib.suppress(OSError, ValueError):
                w.conn.send(None)
        for w in self.workers:
            w.proc.join(timeout=5)
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join(timeout=5)
            w.conn.close()
        self.workers = []

    def map(self, fn, batches: list[list[RawFileRef]], max_bytes: int, lost):
        """Yields (files done, result) per batch, in the order of `batches`. `lost(items)` turns
        files whose worker was stopped, [(ref, reason, sha read or None, size or None)], into a
        result of `fn`'s kind; it is yielded with the rest of that batch."""
        pending = collections.deque((i, batch) for i, batch in enumerate(batches))
        extra: dict[int, list] = collections.defaultdict(list)  # batch → results of its stopped files
        results: dict[int, list] = collections.defaultdict(list)
        remaining = {i: 1 for i in range(len(batches))}  # pieces of each batch still out
        tries: Counter = Counter()
        next_out = 0
        while pending or any(w.task is not None for w in self.workers):
            for w in list(self.workers):
                if w.task is None and pending:
                    task, batch = pending.popleft()
                    w.assign(task, batch)
                    try:
                        w.conn.send((task, fn, (batch, max_bytes)))
                    except (OSError, ValueError):  # the worker is gone (it failed to start)
                        self._stop(w, self._death(w), pending, extra, remaining, tries, lost)
            busy = [w for w in self.workers if w.task is not None]
            ready = multiprocessing.connection.wait([w.conn for w in busy] + [w.proc.sentinel for w in busy],
                                                    timeout=_POLL_SECONDS)
            for w in busy:
                why = None
                try:
                    while w.conn in ready and w.conn.poll():
                        kind, *rest = w.conn.recv()
                        if kind == "ready":  # imports done: from now on the clock is the file's
                            w.ready, w.since = True, time.monotonic()
                        elif kind == "file":
                            w.on_file(*rest)
                        elif kind == "page":
                            w.on_page(*rest)
                            if self.pages is not None and w.current is not None and w.current >= 0:
                                self.pages(w.batch[w.current].source_path, *rest,
                                           time.monotonic() - w.file_since)
                        else:
                            task, payload = rest
                            if kind == "done":
                                results[task].append(payload)
                            else:  # the batch function itself failed: a bug; its files are rejected
                                why = f"internal error in the parse worker ({payload}); please report it"
                                extra[task].append(lost([(r, why, None, None) for r in w.batch]))
                            remaining[task] -= 1
                            w.task = None
                            break
                except (EOFError, OSError):
                    why = self._death(w)
                if w.task is None:
                    continue
                now = time.monotonic()
                if why is None and not w.proc.is_alive():
                    why = self._death(w)
                limit = self.budget.seconds if w.ready else max(_START_SECONDS, self.budget.seconds)
                if why is None and now - w.since > limit:
                    why = f"took more than {limit:g} s" + _on_page(w.page)
                if why is None and _rss(w.proc.pid) > self.budget.memory_limit(w.page is not None):
                    why = f"needed more than {self.budget.describe_memory(w.page is not None)} of memory"
                if why is not None:
                    self._stop(w, why, pending, extra, remaining, tries, lost)
            while next_out < len(batches) and remaining[next_out] == 0:
                parts = results.pop(next_out, []) + extra.pop(next_out, [])
                yield len(batches[next_out]), _merge(parts)
                next_out += 1

    def _death(self, w: "_Worker") -> str:
        w.proc.join(timeout=1)
        code = w.proc.exitcode
        if code is not None and code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            how = f"killed by {name}"
        else:
            how = f"exit code {code}"
        return f"the parse worker died ({how}; memory budget {self.budget.describe_memory()})"

    def _stop(self, w: "_Worker", why: str, pending, extra, remaining, tries, lost) -> None:
        """Kill a worker that broke its budget or died; reject the file it was on and requeue the rest."""
        with contextlib.suppress(OSError):
            w.proc.kill()
        w.proc.join(timeout=5)
        w.conn.close()
        task, batch, at = w.task, w.batch, w.current
        if at is not None and at >= 0:
            ref = batch[at]
            extra[task].append(lost([(ref, f"{why} while being read and parsed; rejected (the run went on)",
                                      w.sha, w.size)]))
            rest = batch[:at] + batch[at + 1:]
            if rest:
                pending.appendleft((task, rest))
            else:
                remaining[task] -= 1
        elif at == -1 and len(batch) > 1:  # in the batch's own stages: retry its files one by one
            for ref in reversed(batch):
                pending.appendleft((task, [ref]))
            remaining[task] += len(batch) - 1
        else:  # a one-file batch in its own stages, or a worker that stopped before any file
            tries[task] += 1
            if at == -1 or tries[task] > 2:
                extra[task].append(lost([(r, f"{why} while its frames were made; rejected", None, None)
                                         for r in batch]))
                remaining[task] -= 1
            else:
                pending.appendleft((task, batch))
        index = self.workers.index(w)
        self.workers[index] = self._start()


def _on_page(page: tuple[int, int] | None) -> str:
    if page is None:
        return ""
    done, total = page
    return f" on page {done + 1} of {total} of its OCR" if done < total else " after its OCR"


class _Worker:
    def __init__(self, proc, conn):
        self.proc, self.conn = proc, conn
        self.task: int | None = None
        self.ready = False  # the worker has imported everything and waits for work
        self.batch: list[RawFileRef] = []
        self.current: int | None = None
        self.since = self.file_since = time.monotonic()
        self.sha: str | None = None
        self.size: int | None = None
        self.page: tuple[int, int] | None = None  # (pages OCR'd, pages) of the scan being read

    def assign(self, task: int, batch: list[RawFileRef]) -> None:
        self.task, self.batch, self.current, self.since = task, batch, None, time.monotonic()
        self.page = None

    def on_file(self, index: int, sha: str | None, size: int | None) -> None:
        if index != self.current or sha is None:  # a new file (or the batch's own stages): its clock starts
            self.current, self.since, self.sha, self.size = index, time.monotonic(), None, None
            self.file_since, self.page = self.since, None
        if sha is not None:
            self.sha, self.size = sha, size

    def on_page(self, done: int, total: int) -> None:
        """A page of a scan OCR'd (or taken from the OCR cache): the budget's clock starts again."""
        self.since, self.page = time.monotonic(), (done, total)


def _merge(parts: list):
    """The pieces of one batch (a requeued rest, the stopped files) as one result of their kind."""
    if len(parts) == 1:
        return parts[0]
    if all(isinstance(p, list) for p in parts):
        return [x for p in parts for x in p]
    frames = [p[0] for p in parts]
    timings: Counter = Counter()
    for _, t in parts:
        timings.update(t)
    tables = [t for t in frames[0]]
    return {t: pl.concat([f[t] for f in frames if t in f], how="vertical_relaxed") for t in tables}, timings


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss(pid: int) -> int:
    """Resident memory of a process (Linux /proc; 0 where unknown)."""
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


def _worker_main(conn, parent: int, address_space: int) -> None:
    """A parse worker: runs batches sent by the pool, telling it which file it is on."""
    from pipeline.core.readers import ocr

    _die_with_parent(parent)
    _limit_address_space(address_space)
    ocr.set_page_hook(lambda done, total: conn.send(("page", done, total)))
    conn.send(("ready",))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        task, fn, args = message

        def started(index: int, sha: str | None, size: int | None) -> None:
            conn.send(("file", index, sha, size))
        try:
            payload = fn(*args, started=started)
            conn.send(("done", task, payload))
        except Exception as exc:  # noqa: BLE001 (reported to the pool, which rejects the batch's files)
            conn.send(("failed", task, f"{type(exc).__name__}: {str(exc)[:300]}"))


def _die_with_parent(parent: int) -> None:
    """The kernel kills this worker when its parent dies (Linux); elsewhere a thread watches."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)
    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=watch, daemon=True).start()


def _limit_address_space(address_space: int) -> None:
    """A backstop to the pool's memory watch: an allocation far past the budget fails (MemoryError)
    instead of taking the machine's memory before the watch sees it."""
    try:
        import resource
        with open("/proc/self/statm") as fh:
            now = int(fh.read().split()[0]) * _PAGE
        limit = now + address_space
        resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
    except (OSError, ValueError, ImportError):
        pass


def page_progress(log: Callable[[str], None], every: float = 5.0) -> PageCallback:
    """A `pages` callback for the parse pool that logs a scan's OCR: pages done / pages, seconds a
    page and the time left for the file; at most one line every `every` seconds per file, and its
    last page."""
    last: dict[str, float] = {}

    def pages(path: str, done: int, total: int, seconds: float) -> None:
        now = time.monotonic()
        if done == 0:
            last[path] = now
            log(f"OCR {display_name(path)}: {total} page(s) to read")
            return
        if done < total and now - last.get(path, 0.0) < every:
            return
        last[path] = now
        per_page = seconds / done
        log(f"OCR {display_name(path)}: page {done}/{total} ({per_page:.1f} s a page, "
            f"about {per_page * (total - done):.0f} s left for this file)")
        if done == total:
            last.pop(path, None)
    return pages
