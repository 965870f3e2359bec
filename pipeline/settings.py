"""The pipeline's settings: each environment variable's name, its default and how its text is read.

The one place for every default. Nothing here runs at import: Dagster reads the variables through
`dg.EnvVar` when a run starts (pipeline/defs/resources.py), scripts call the functions below.
The contract's two variables, DISCLOSURE_RAW_DIR and DISCLOSURE_WAREHOUSE, default to data/raw and
data/warehouse/disclosure.duckdb when unset.
"""
from __future__ import annotations

import os

RAW_DIR_ENV, WAREHOUSE_ENV = "DISCLOSURE_RAW_DIR", "DISCLOSURE_WAREHOUSE"
DEFAULT_RAW_DIR, DEFAULT_WAREHOUSE = "data/raw", "data/warehouse/disclosure.duckdb"


def raw_dir() -> str:
    return os.environ.get(RAW_DIR_ENV) or DEFAULT_RAW_DIR


def warehouse_path() -> str:
    return os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE


MAX_FILE_MB_ENV, DEFAULT_MAX_FILE_MB = "DISCLOSURE_MAX_FILE_MB", 50


def megabytes(value: str | float | None, name: str = MAX_FILE_MB_ENV,
              default: float = DEFAULT_MAX_FILE_MB) -> int:
    """Bytes from a number of megabytes as written in a setting (blank: the default)."""
    return int(number(value, name, default, "a number of megabytes") * 1024 * 1024)


def max_file_bytes() -> int:
    """Files larger than this are rejected unread (DISCLOSURE_MAX_FILE_MB; default 50)."""
    return megabytes(os.environ.get(MAX_FILE_MB_ENV))


PARSE_PARTITIONS_ENV, EXECUTOR_ENV = "DISCLOSURE_PARSE_PARTITIONS", "DISCLOSURE_EXECUTOR"
EXECUTORS = ("in_process", "multiprocess")


def parse_partitions() -> int:
    """0 (default): one parse step over all files. N: the parse step as N Dagster partitions."""
    value = os.environ.get(PARSE_PARTITIONS_ENV) or "0"
    if not value.isdigit():
        raise ValueError(f"{PARSE_PARTITIONS_ENV}={value!r} must be a whole number of partitions")
    return int(value)


def executor() -> str:
    return os.environ.get(EXECUTOR_ENV) or "in_process"


# --- a nightly build that survives anything ------------------------------------------------------
FILE_SECONDS_ENV, DEFAULT_FILE_SECONDS = "DISCLOSURE_FILE_SECONDS", 60.0
FILE_MEMORY_MB_ENV, DEFAULT_FILE_MEMORY_MB = "DISCLOSURE_FILE_MEMORY_MB", 1024
MAX_SHRINK_ENV, DEFAULT_MAX_SHRINK = "DISCLOSURE_MAX_SHRINK", 0.5
ALLOW_SHRINK_ENV = "DISCLOSURE_ALLOW_SHRINK"
ALERT_FILE_ENV, ALERT_WEBHOOK_ENV = "DISCLOSURE_ALERT_FILE", "DISCLOSURE_ALERT_WEBHOOK"


def number(value: str | float | None, name: str, default: float, what: str) -> float:
    """A positive number as written in the setting `name` (blank: `default`)."""
    if value is None or value == "":
        return default
    try:
        result = float(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not {what}") from None
    if result <= 0:
        raise ValueError(f"{name}={value!r} must be more than 0")
    return result


def share(value: str | float | None, name: str = MAX_SHRINK_ENV,
          default: float = DEFAULT_MAX_SHRINK) -> float:
    result = number(value, name, default, "a share between 0 and 1")
    if result > 1:
        raise ValueError(f"{name}={result} must be a share between 0 and 1")
    return result


def flag(value: str | bool | None) -> bool:
    """A setting that is on when written 1, true or yes."""
    return value if isinstance(value, bool) else (value or "").strip().lower() in ("1", "true", "yes")


def file_seconds() -> float:
    """Wall seconds one file may take in a parse worker before it is rejected (default 60)."""
    return number(os.environ.get(FILE_SECONDS_ENV), FILE_SECONDS_ENV, DEFAULT_FILE_SECONDS,
                  "a number of seconds")


def file_memory_bytes() -> int:
    """Memory a parse worker may grow to on one file before the file is rejected (default 1024 MB)."""
    return megabytes(os.environ.get(FILE_MEMORY_MB_ENV), FILE_MEMORY_MB_ENV, DEFAULT_FILE_MEMORY_MB)


def max_shrink() -> float:
    """The share of the last build's files that may be gone before a build refuses to run (default 0.5)."""
    return share(os.environ.get(MAX_SHRINK_ENV))


def allow_shrink() -> bool:
    """DISCLOSURE_ALLOW_SHRINK=1: publish even from an empty or much smaller raw folder."""
    return flag(os.environ.get(ALLOW_SHRINK_ENV))


def alert_file() -> str | None:
    """A file the run-failure sensor appends one line to per failed run (unset: none)."""
    return os.environ.get(ALERT_FILE_ENV) or None


def alert_webhook() -> str | None:
    """A URL the run-failure sensor POSTs a JSON message to per failed run (unset: none)."""
    return os.environ.get(ALERT_WEBHOOK_ENV) or None
