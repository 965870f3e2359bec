"""Ingest: where lineage starts (the raw files) and the parse step."""
from __future__ import annotations

import dagster as dg

from assets import reports
from pipeline import settings


def build(parse_partitions: int = 0) -> dg.Definitions:
    return dg.Definitions(assets=[reports.RAW_FILES, reports.make_parsed_reports(parse_partitions)])


@dg.definitions
def defs() -> dg.Definitions:
    return build(settings.parse_partitions())
