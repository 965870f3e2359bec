"""Asset checks: each named data-quality check of the codebook, shown on the table it concerns.

The findings themselves are rows of `dq_finding`; a check passes when it found nothing. They
warn rather than block: a report's own arithmetic errors are data to publish, not a reason to
withhold the warehouse.
"""

import dagster as dg
import polars as pl

from pipeline.core import codebook as cb


def _check_for(check: cb.CheckDef) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=check.table, name=check.name, description=check.description, blocking=False,
                    additional_ins={"dq_finding": dg.AssetIn("dq_finding")})
    def _check(dq_finding: pl.DataFrame) -> dg.AssetCheckResult:
        hits = dq_finding.filter(pl.col("check_name") == check.name)
        sample = "\n".join(f"- `{r}`: {d}" for r, d in hits.select("report_id", "detail").head(20).iter_rows())
        return dg.AssetCheckResult(
            passed=hits.is_empty(),
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"findings": hits.height, "reports": hits["report_id"].n_unique(),
                      "sample": dg.MetadataValue.md(sample or "none")},
        )
    return _check


DQ_CHECKS = [_check_for(c) for c in cb.CHECKS]
