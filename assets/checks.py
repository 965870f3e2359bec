"""Asset checks.

- One check per data-quality check of the codebook, on the table it concerns, all evaluated in one
  step after dq_finding is staged (`finding_checks`). The findings are rows of `dq_finding`; a check
  passes when it found nothing. They warn rather than block: a report's own arithmetic errors are
  data to publish, not a reason to withhold the warehouse.
- Two structural checks that block publication when they fail, evaluated in the step that builds
  the tables: every raw file has its `raw_file` row, and every parsed report has the full
  application grid of its format.
"""

import dagster as dg
import polars as pl

from assets.resources import Warehouse

from pipeline.core import codebook as cb


# incomplete_table concerns one of the three statistics tables: its findings name the section first
# (§二 …, §三 …, §四 …), and the check is filed under each table with that table's findings
INCOMPLETE_TABLE_BY_SECTION = {"§二": "fact_proactive_disclosure", "§三": "fact_application",
                               "§四": "fact_review_litigation"}


def check_tables(check: cb.CheckDef) -> tuple[str, ...]:
    """The tables a codebook check is filed under in Dagster."""
    if check.name == cb.CHECK_INCOMPLETE_TABLE:
        return tuple(INCOMPLETE_TABLE_BY_SECTION.values())
    return (check.table,)


def _concerns(check: cb.CheckDef, table: str) -> pl.Expr:
    """Which findings of `check` concern `table` (an incomplete_table finding naming no section: §三's)."""
    if check.name != cb.CHECK_INCOMPLETE_TABLE:
        return pl.lit(True)
    section = pl.col("detail").str.slice(0, 2)
    if table == cb.CHECKS_BY_NAME[check.name].table:
        return ~section.is_in([s for s, t in INCOMPLETE_TABLE_BY_SECTION.items() if t != table])
    return section == next(s for s, t in INCOMPLETE_TABLE_BY_SECTION.items() if t == table)


FINDING_CHECK_SPECS = [dg.AssetCheckSpec(c.name, asset=table, description=cb.check_description(c),
                                         blocking=False,
                                         additional_deps=["dq_finding"] if table != "dq_finding" else None)
                       for c in cb.CHECKS for table in check_tables(c)]
STRUCTURAL_CHECK_SPECS = [dg.AssetCheckSpec(c.name, asset=c.table, description=cb.check_description(c),
                                            blocking=True)
                          for c in cb.STRUCTURAL_CHECKS]
CHECK_SPECS = [*FINDING_CHECK_SPECS, *STRUCTURAL_CHECK_SPECS]


def finding_check_results(findings: pl.DataFrame) -> list[dg.AssetCheckResult]:
    """One result per codebook check and table, from the rows of dq_finding."""
    by_check = {name: findings.filter(pl.col("check_name") == name) for name in cb.CHECK_NAMES}
    results = []
    for check in cb.CHECKS:
        for table in check_tables(check):
            hits = by_check[check.name].filter(_concerns(check, table))
            sample = "\n".join(f"- `{r}`: {d}"
                               for r, d in hits.select("report_id", "detail").head(20).iter_rows())
            results.append(dg.AssetCheckResult(
                asset_key=table, check_name=check.name, passed=hits.is_empty(),
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"findings": hits.height, "reports": hits["report_id"].n_unique(),
                          "sample": dg.MetadataValue.md(sample or "none")}))
    return results


def structural_check_results(files_found: int, tables: dict) -> list[dg.AssetCheckResult]:
    """The two blocking checks, each when its table is built in this step."""
    results = []
    if "raw_file" in tables:
        raw_file = tables["raw_file"].read()
        results.append(dg.AssetCheckResult(
            asset_key="raw_file", check_name=cb.CHECK_EVERY_FILE_ACCOUNTED,
            passed=raw_file.height == files_found and raw_file["source_path"].n_unique() == files_found,
            metadata={"files_found": files_found, "raw_file_rows": raw_file.height}))
    if "fact_application" in tables and "dim_report" in tables:
        cells = tables["fact_application"].rows
        expected = sum(len(cb.application_row_codes(f)) * len(cb.APPLICANT_CODES) * n
                       for f, n in tables["dim_report"].read().group_by("format_version").len().iter_rows())
        results.append(dg.AssetCheckResult(
            asset_key="fact_application", check_name=cb.CHECK_FULL_APPLICATION_GRID,
            passed=cells == expected, metadata={"cells": cells, "expected": expected}))
    return results


@dg.multi_asset_check(specs=FINDING_CHECK_SPECS, can_subset=True, name="finding_checks",
                      description="The codebook's data-quality checks, read from the staged dq_finding.")
def finding_checks(context: dg.AssetCheckExecutionContext, warehouse: Warehouse):
    tables, keys = warehouse.staged(["dq_finding"])
    if keys["dq_finding"] is None:
        raise dg.Failure(f"dq_finding has not been built for {warehouse.file}: materialise it first")
    selected = context.selected_asset_check_keys
    yield from (r for r in finding_check_results(tables["dq_finding"].read()) if result_key(r) in selected)


def result_key(result: dg.AssetCheckResult) -> dg.AssetCheckKey:
    return dg.AssetCheckKey(dg.AssetKey.from_coercible(result.asset_key), result.check_name)
