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
