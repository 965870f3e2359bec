"""The parse cache: unit frames of every distinct file content already parsed, keyed by the
content's sha256 and format, valid for one parser version.

A nightly run parses only contents the cache does not hold; contents no file has any more drop
out when the cache is rewritten; a new PARSER_VERSION invalidates everything once. The cache is a
folder of Parquet files (one per unit table) replaced atomically, so a killed run leaves the old
cache usable.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import polars as pl

from pipeline.core import normalize
from pipeline.core.parser import PARSER_VERSION

_MANIFEST = "manifest.json"


class ParseCache:
    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def load(self) -> dict[str, pl.DataFrame]:
        """The cached unit frames, or empty frames when there is no usable cache."""
        manifest = self.directory / _MANIFEST
        try:
            meta = json.loads(manifest.read_text())
            if meta.get("parser_version") != PARSER_VERSION:
                return normalize.empty_units()
            return {t: pl.read_parquet(self.directory / f"{t}.parquet") for t in normalize.UNIT_TABLES}
        except (OSError, ValueError, pl.exceptions.PolarsError):
            return normalize.empty_units()  # missing or damaged: parse everything again

    def save(self, units: dict[str, pl.DataFrame]) -> None:
        tmp = self.directory.with_name(f".{self.directory.name}.writing-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for table, frame in units.items():
            frame.write_parquet(tmp / f"{table}.parquet", compression="lz4")
        (tmp / _MANIFEST).write_text(json.dumps({"parser_version": PARSER_VERSION,
                                                 "units": units["parse_result"].height}))
        old = self.directory.with_name(f".{self.directory.name}.old-{os.getpid()}")
        if self.directory.exists():
            os.replace(self.directory, old)
        os.replace(tmp, self.directory)
        shutil.rmtree(old, ignore_errors=True)


def keep_only(units: dict[str, pl.DataFrame], keys: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The units whose (file_sha256, source_format) is in `keys`."""
    return {t: f.join(keys, on=list(normalize.UNIT_KEY), how="semi") for t, f in units.items()}
