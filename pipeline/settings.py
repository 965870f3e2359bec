"""Where the pipeline reads and writes: the contract's two environment variables."""
from __future__ import annotations

import os

RAW_DIR_ENV, WAREHOUSE_ENV = "DISCLOSURE_RAW_DIR", "DISCLOSURE_WAREHOUSE"
DEFAULT_RAW_DIR, DEFAULT_WAREHOUSE = "data/raw", "data/warehouse/disclosure.duckdb"


def raw_dir() -> str:
    return os.environ.get(RAW_DIR_ENV) or DEFAULT_RAW_DIR


def warehouse_path() -> str:
    return os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE
