"""The parse cache: what every distinct file content parsed to, keyed by the content's sha256 and
format, valid for one parser version and cache layout.

A nightly run parses only contents the cache does not hold; contents no file has any more drop
out when the cache is saved; a new PARSER_VERSION invalidates everything once. Layout:

    <dir>/manifest.json                parser version, cache layout and the generation of the table files
    <dir>/<table>.<generation>.parquet the small unit tables (parse_result, dim_report, findings …)
    <dir>/files.<generation>.parquet   path, size, mtime and sha256 of every file (to skip re-hashing)
    <dir>/segments/<id>.<table>.parquet  the grid tables, one segment per parsed batch
    <dir>/segments/<id>.sums.json      size and sha256 of each of the segment's files, as written

The manifest is replaced last, so a killed run leaves the previous generation usable; segments
that no kept unit refers to are deleted after a save. Segments are verified against their sums
when the cache is loaded: a damaged or missing one is dropped with the units it holds, which are
parsed again (`healed` says which and why). A run starts by removing what a killed or failed run
left: table files of other generations, a half-written manifest, segments no unit refers to.
"""
from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path

import polars as pl

from pipeline.core import normalize
from pipeline.core.parser import PARSER_VERSION

_MANIFEST = "manifest.json"
# Bumped whenever the unit tables' columns change: a cache of another layout is parsed again.
CACHE_LAYOUT = 4


class ParseCache:
    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.segments = self.directory / "segments"
        self.healed: list[str] = []  # what `load` found damaged and dropped, for the log

    def _manifest(self) -> dict:
        try:
            return json.loads((self.directory / _MANIFEST).read_text())
        except (OSError, ValueError):
            return {}

    def load(self) -> dict[str, pl.DataFrame]:
        """The cached small unit frames, or empty frames when there is no usable cache."""
        meta = self._manifest()
        empty = {t: f for t, f in normalize.empty_units().items() if t in normalize.SMALL_UNIT_TABLES}
        if (meta.get("parser_version"), meta.get("layout")) != (PARSER_VERSION, CACHE_LAYOUT):
            return empty
        try:
            units = {t: pl.read_parquet(self.directory / f"{t}.{meta['generation']}.parquet")
                     for t in normalize.SMALL_UNIT_TABLES}
            for t, frame in units.items():
                if frame.schema != empty[t].schema:
                    raise ValueError(f"{t} has columns {frame.schema}")
        except (OSError, KeyError, ValueError, pl.exceptions.PolarsError) as exc:
            self.healed.append(f"the cache's tables are damaged ({type(exc).__name__}: {str(exc)[:200]}); "
                               "every file is parsed again")
            return empty  # damaged: parse everything again
        return self._verified(units)

    def _verified(self, units: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
        """The units whose segment is whole (every file there, with the size and sha256 written)."""
        bad = []
        for segment in units["parse_result"]["segment"].drop_nulls().unique().sort():
            problem = self._segment_problem(segment)
            if problem:
                n = units["parse_result"].filter(pl.col("segment") == segment).height
                self.healed.append(f"parse cache segment {segment} {problem}: dropped, its {n} reports are "
                                   "parsed again")
                bad.append(segment)
        if not bad:
            return units
        whole = ~pl.col("segment").is_in(bad) | pl.col("segment").is_null()
        keys = units["parse_result"].filter(whole).select(*normalize.UNIT_KEY)
        return keep_only(units, keys)

    def _segment_problem(self, segment: str) -> str | None:
        try:
            sums = json.loads((self.segments / f"{segment}.sums.json").read_text())
        except (OSError, ValueError):
            return "has no readable checksums"
        for table in normalize.BIG_TABLES:
            path = self.segments / f"{segment}.{table}.parquet"
            try:
                with open(path, "rb") as fh:
                    if os.fstat(fh.fileno()).st_size != sums[table]["bytes"]:
                        return f"is damaged ({path.name} has another size than was written)"
                    if hashlib.file_digest(fh, "sha256").hexdigest() != sums[table]["sha256"]:
                        return f"is damaged ({path.name} has other bytes than were written)"
            except OSError as exc:
                return f"is damaged ({path.name}: {exc.strerror})"
            except (KeyError, TypeError):
                return "has no readable checksums"
        return None

    def remove_leftovers(self) -> list[str]:
        """Files a killed or failed run left in the cache: table files of other generations than the
        manifest's, a half-written manifest, segments that no cached unit refers to."""
        if not self.directory.exists():
            return []
        meta = self._manifest()
        generation = meta.get("generation")
        removed = []
        for path in self.directory.iterdir():
            other = generation is None or f".{generation}." not in path.name
            stale = path.name.startswith(f".{_MANIFEST}.") or (path.suffix == ".parquet" and other)
            if stale:
                path.unlink(missing_ok=True)
                removed.append(path.name)
        if self.segments.exists():
            try:
                result = pl.read_parquet(self.directory / f"parse_result.{generation}.parquet",
                                         columns=["segment"])
                kept = set(result["segment"].drop_nulls())
            except (OSError, pl.exceptions.PolarsError):
                kept = set()
            for path in self.segments.iterdir():
                if path.name.split(".")[0] not in kept:
                    path.unlink(missing_ok=True)
                    removed.append("segments/" + path.name)
        return removed

    def generation(self) -> str | None:
        """The generation of the table files in use (None: no cache)."""
        return self._manifest().get("generation")

    def files(self) -> pl.DataFrame | None:
        """The files the last run saw (as `fingerprint` gave them), or None."""
        meta = self._manifest()
        try:
            return pl.read_parquet(self.directory / f"files.{meta['generation']}.parquet")
        except (OSError, KeyError, pl.exceptions.PolarsError):
            return None

    @staticmethod
    def known_files(files: pl.DataFrame | None) -> dict[str, tuple[int, int, str]]:
        """path → (bytes, mtime_ns, sha256) of `files` (to skip re-hashing)."""
        if files is None:
            return {}
        return {p: (b, m, h) for p, b, m, h in files.select("source_path", "bytes", "mtime_ns",
                                                             "file_sha256").iter_rows()}

    def save(self, units: dict[str, pl.DataFrame], files: pl.DataFrame) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)

        generation = uuid.uuid4().hex[:12]
        tmp = self.directory / f".{_MANIFEST}.{os.getpid()}"
        try:
            for table in normalize.SMALL_UNIT_TABLES:
                target = self.directory / f"{table}.{generation}.parquet"
                units[table].write_parquet(target, compression="lz4")
            files.write_parquet(self.directory / f"files.{generation}.parquet", compression="lz4")
            tmp.write_text(json.dumps({"parser_version": PARSER_VERSION, "layout": CACHE_LAYOUT,
                                       "generation": generation, "units": units["parse_result"].height}))
            os.replace(tmp, self.directory / _MANIFEST)
        except BaseException:  # a full disk: no half generation is left behind (the last one stays in use)
            for path in [tmp, *self.directory.glob(f"*.{generation}.parquet")]:
                path.unlink(missing_ok=True)
            raise
        for path in self.directory.glob("*.parquet"):  # the previous generation, and any a killed run left
            if f".{generation}." not in path.name:
                path.unlink(missing_ok=True)
        kept = set(units["parse_result"]["segment"].drop_nulls().unique())
        for path in self.segments.iterdir() if self.segments.exists() else ():
            if path.name.split(".")[0] not in kept:
                path.unlink(missing_ok=True)


def keep_only(units: dict[str, pl.DataFrame], keys: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The units whose (file_sha256, source_format) is in `keys`; tables without the sha keep the
    rows of reports those units hold."""
    kept = {t: f.join(keys, on=list(normalize.UNIT_KEY), how="semi") for t, f in units.items()
            if "file_sha256" in f.columns}
    reports = kept["parse_result"].select("report_id", "source_format").drop_nulls()
    for t, f in units.items():
        if t not in kept:
            kept[t] = f.join(reports, on=["report_id", "source_format"], how="semi")
    return kept
