"""Quality: the codebook's data-quality checks, each on the table it concerns (warn, never block)."""
from __future__ import annotations

import dagster as dg

from assets import checks


def build() -> dg.Definitions:
    return dg.Definitions(asset_checks=[checks.finding_checks])


@dg.definitions
def defs() -> dg.Definitions:
    return build()
