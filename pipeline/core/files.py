"""Finding raw files and turning each into a `ParsedFile`, in parallel across cores."""
from __future__ import annotations

import hashlib
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pipeline.core import codebook as cb
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


def parse_file(ref: RawFileRef, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedFile:
    """Never raises: any failure becomes a rejected `ParsedFile` with a reason."""
    fmt = ref.source_format
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
    try:
        report = parse_document(read_document(data, fmt))
    except (Rejected, NotAReport) as exc:
        return ParsedFile(ref.source_path, sha, len(data), fmt, cb.STATUS_REJECTED, str(exc), None)
    except Exception as exc:  # a parser bug must not fail the run: the file is rejected, loudly
        return ParsedFile(ref.source_path, sha, len(data), fmt, cb.STATUS_REJECTED,
                          f"internal parser error ({type(exc).__name__}: {exc}); please report this file", None)
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


def parse_files(refs: list[RawFileRef], workers: int | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                batch_size: int = 64, progress: Callable[[int, int], None] | None = None) -> list[ParsedFile]:
    """Parse every file, in order. Small inputs run in this process; larger ones on a process pool
    fed with batches (one task per file would spend more on pickling than on parsing)."""
    workers = workers or os.cpu_count() or 1
    results: list[ParsedFile] = []
    if workers == 1 or len(refs) <= batch_size:
        for r in refs:
            results.append(parse_file(r, max_bytes))
            if progress:
                progress(len(results), len(refs))
        return results
    batches = [refs[i: i + batch_size] for i in range(0, len(refs), batch_size)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for batch in pool.map(_parse_batch, batches, [max_bytes] * len(batches)):
            results.extend(batch)
            if progress:
                progress(len(results), len(refs))
    return results


def iter_reports(parsed: Iterable[ParsedFile]) -> Iterator[ParsedFile]:
    """Parsed files with a report, first file per report_id (identical files share one report)."""
    seen: set[str] = set()
    for p in parsed:
        if p.report is not None and p.report_id not in seen:
            seen.add(p.report_id)  # type: ignore[arg-type]
            yield p
