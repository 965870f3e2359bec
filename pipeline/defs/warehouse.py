"""Warehouse: one asset per contract table (with the blocking structural checks), the DuckDB file
that publishes them, and its Parquet export."""
from __future__ import annotations

import dagster as dg

from assets import tables


def build() -> dg.Definitions:
    return dg.Definitions(assets=[tables.report_tables, tables.disclosure_warehouse,
                                  tables.warehouse_parquet])


@dg.definitions
def defs() -> dg.Definitions:
    return build()
