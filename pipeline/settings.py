"""Where the pipeline reads and writes: the contract's two environment variables, plus optional
limits (DISCLOSURE_MAX_FILE_MB: files larger than this are rejected unread; default 50)."""
from __future__ import annotations

import os

RAW_DIR_ENV, WAREHOUSE_ENV = "DISCLOSURE_RAW_DIR", "DISCLOSURE_WAREHOUSE"
DEFAULT_RAW_DIR, DEFAULT_WAREHOUSE = "data/raw", "data/warehouse/disclosure.duckdb"


def raw_dir() -> str:
    return os.environ.get(RAW_DIR_ENV) or DEFAULT_RAW_DIR


def warehouse_path() -> str:
    return os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE


MAX_FILE_MB_ENV, DEFAULT_MAX_FILE_MB = "DISCLOSURE_MAX_FILE_MB", 50


def max_file_bytes() -> int:
    value = os.environ.get(MAX_FILE_MB_ENV)
    try:
        return int(float(value) * 1024 * 1024) if value else DEFAULT_MAX_FILE_MB * 1024 * 1024
    except ValueError:
        raise ValueError(f"{MAX_FILE_MB_ENV}={value!r} is not a number of megabytes") from None


PARSE_PARTITIONS_ENV, EXECUTOR_ENV = "DISCLOSURE_PARSE_PARTITIONS", "DISCLOSURE_EXECUTOR"


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


def _number(name: str, default: float, what: str) -> float:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not {what}") from None
    if number <= 0:
        raise ValueError(f"{name}={value!r} must be more than 0")
    return number


def file_seconds() -> float:
    """Wall seconds one file may take in a parse worker before it is rejected (default 60)."""
    return _number(FILE_SECONDS_ENV, DEFAULT_FILE_SECONDS, "a number of seconds")


def file_memory_bytes() -> int:
    """Memory a parse worker may grow to on one file before the file is rejected (default 1024 MB)."""
    return int(_number(FILE_MEMORY_MB_ENV, DEFAULT_FILE_MEMORY_MB, "a number of megabytes") * 1024 * 1024)


def max_shrink() -> float:
    """The share of the last build's files that may be gone before a build refuses to run (default 0.5)."""
    share = _number(MAX_SHRINK_ENV, DEFAULT_MAX_SHRINK, "a share between 0 and 1")
    if share > 1:
        raise ValueError(f"{MAX_SHRINK_ENV}={share} must be a share between 0 and 1")
    return share


def allow_shrink() -> bool:
    """DISCLOSURE_ALLOW_SHRINK=1: publish even from an empty or much smaller raw folder."""
    return (os.environ.get(ALLOW_SHRINK_ENV) or "").strip().lower() in ("1", "true", "yes")


def alert_file() -> str | None:
    """A file the run-failure sensor appends one line to per failed run (unset: none)."""
    return os.environ.get(ALERT_FILE_ENV) or None


def alert_webhook() -> str | None:
    """A URL the run-failure sensor POSTs a JSON message to per failed run (unset: none)."""
    return os.environ.get(ALERT_WEBHOOK_ENV) or None
