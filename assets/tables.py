"""Contract tables: normalised with polars, validated with pandera, published to DuckDB."""

import time

import dagster as dg
import pandera.polars as pa
import polars as pl

from assets.resources import Warehouse
from pipeline.core import checks, normalize
from pipeline.core.build import merge_parts, parquet_dir_for
from pipeline.core.warehouse import export_parquet, publish
from schemas.tables import TABLE_MODELS

GROUP = "warehouse"
REPORT_TABLES = ("raw_file", "dim_report", "fact_application", "fact_proactive_disclosure",
                 "fact_review_litigation", "fact_disclosure_channel", "fact_proposal")
OWNERS = ["team:disclosure-data"]


def column_schema(table: str) -> dg.TableSchema:
    model = TABLE_MODELS[table].to_schema()
    return dg.TableSchema(columns=[
        dg.TableColumn(name, str(col.dtype), description=col.description,
                       constraints=dg.TableColumnConstraints(nullable=col.nullable, unique=col.unique))
        for name, col in model.columns.items()])


def validated(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """The frame checked against its pandera model; a failure fails the asset with the cases."""
    try:
        return TABLE_MODELS[table].validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        raise dg.Failure(
            description=f"{table}: {cases.height} schema violations; see failure_cases",
            metadata={"failure_cases": dg.MetadataValue.md(_markdown(cases.head(50))),
                      "violations": cases.height},
        ) from exc


def _markdown(df: pl.DataFrame) -> str:
    cols = df.columns
    rows = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    rows += ["| " + " | ".join(str(v).replace("|", "/")[:80] for v in r) + " |" for r in df.iter_rows()]
    return "\n".join(rows)


def table_metadata(table: str, frame: pl.DataFrame) -> dict:
    return {"dagster/row_count": frame.height, "dagster/column_schema": column_schema(table),
            "dagster/table_name": f"main.{table}", "preview": dg.MetadataValue.md(_markdown(frame.head(5)))}


@dg.multi_asset(
    group_name=GROUP,
    outs={**{t: dg.AssetOut(description=TABLE_MODELS[t].__doc__, kinds={"polars", "pandera"}, owners=OWNERS,
                            is_required=True)
             for t in REPORT_TABLES},
          "parser_findings": dg.AssetOut(description="Findings the parser made while reading (incomplete tables, "
                                                     "missing sections, prose contradicting §三); dq_finding adds "
                                                     "the identity checks.", kinds={"polars"}, owners=OWNERS)},
    ins={"parsed_reports": dg.AssetIn()},
)
def report_tables(context: dg.AssetExecutionContext, parsed_reports: dict):
    started = time.perf_counter()
    # one parse output, or {partition key: output} when the parse step runs as partitions
    parts = [parsed_reports] if "files" in parsed_reports else list(parsed_reports.values())
    frames = merge_parts(parts)
    context.log.info(f"assembled {frames['dim_report'].height:,} reports from {len(parts)} parse output(s) "
                     f"in {time.perf_counter() - started:.1f} s")
    for table in REPORT_TABLES:
        t = time.perf_counter()
        frame = validated(table, frames[table])
        yield dg.Output(frame, output_name=table, metadata={**table_metadata(table, frame),
                                                             "validate_seconds": round(time.perf_counter() - t, 3)})
    yield dg.Output(frames["dq_finding"], output_name="parser_findings",
                    metadata={"dagster/row_count": frames["dq_finding"].height,
                              "seconds": round(time.perf_counter() - started, 3)})


@dg.asset(
    group_name=GROUP, kinds={"polars", "pandera"}, owners=OWNERS, description=TABLE_MODELS["dq_finding"].__doc__,
    ins={t: dg.AssetIn() for t in ("parser_findings", "dim_report", "fact_application", "fact_review_litigation",
                                   "fact_disclosure_channel")},
)
def dq_finding(parser_findings: pl.DataFrame, dim_report: pl.DataFrame, fact_application: pl.DataFrame,
               fact_review_litigation: pl.DataFrame, fact_disclosure_channel: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    started = time.perf_counter()
    frames = {"dq_finding": parser_findings, "dim_report": dim_report, "fact_application": fact_application,
              "fact_review_litigation": fact_review_litigation, "fact_disclosure_channel": fact_disclosure_channel}
    frame = validated("dq_finding", checks.all_findings(frames))
    return dg.Output(frame, metadata={**table_metadata("dq_finding", frame),
                                      "seconds": round(time.perf_counter() - started, 3)})


ALL_TABLES = REPORT_TABLES + ("dq_finding",)


@dg.asset(
    group_name=GROUP, kinds={"duckdb"}, owners=OWNERS,
    ins={t: dg.AssetIn() for t in ALL_TABLES},
    description="The DuckDB warehouse file (DISCLOSURE_WAREHOUSE): every contract table written through Arrow "
                "into a new file, then published by an atomic rename so open read-only sessions keep working "
                "and a failed build leaves the previous warehouse intact.",
)
def disclosure_warehouse(context: dg.AssetExecutionContext, warehouse: Warehouse, **tables: pl.DataFrame):
    started = time.perf_counter()
    counts = publish({t: tables[t] for t in ALL_TABLES}, warehouse.file)
    summary = normalize.summary_markdown(tables["raw_file"], tables["dq_finding"])
    context.log.info(f"published {warehouse.file} in {time.perf_counter() - started:.1f} s\n{summary}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(warehouse.file.resolve())),
        "summary": dg.MetadataValue.md(summary),
        **{f"rows_{t}": n for t, n in counts.items()},
        "seconds": round(time.perf_counter() - started, 3),
    })


@dg.asset(
    group_name=GROUP, kinds={"parquet"}, owners=OWNERS, deps=[disclosure_warehouse],
    description="Every table of the published warehouse also as Parquet partitioned by report_year "
                "(<warehouse>.parquet/<table>/report_year=YYYY/), for DuckDB over object storage, MotherDuck or "
                "Spark once one DuckDB file is not enough.",
)
def warehouse_parquet(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    started = time.perf_counter()
    out = parquet_dir_for(warehouse.file)
    files = export_parquet(warehouse.file, out, list(ALL_TABLES))
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(out.resolve())),
                                          "files": sum(files.values()),
                                          "seconds": round(time.perf_counter() - started, 3)})
