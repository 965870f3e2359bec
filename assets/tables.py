"""Contract tables: normalised with polars, validated with pandera, published to DuckDB."""

import time

import dagster as dg
import pandera.polars as pa
import polars as pl

from assets.checks import CHECK_SPECS, finding_check_results, structural_check_results
from assets.resources import RawFolder, Warehouse
from pipeline.core import normalize
from pipeline.core.build import (CONTRACT_TABLES, build_digest, checked_tables, ensure_quality_report,
                                  parquet_dir_for, published_digest, publish_warehouse)
from pipeline.core.files import discover
from pipeline.core.quality_report import quality_report_path, write_quality_report
from pipeline.core import catalog
from pipeline.core.warehouse import SegmentedTable, build_lock, export_parquet, lock_path_for, release_lock
from schemas.tables import TABLE_MODELS

GROUP = "warehouse"
ALL_TABLES = CONTRACT_TABLES  # one asset each, in the contract's order (dq_finding last)
OWNERS = ["team:disclosure-data"]


def column_schema(table: str) -> dg.TableSchema:
    model = TABLE_MODELS[table].to_schema()
    return dg.TableSchema(columns=[
        dg.TableColumn(name, str(col.dtype), description=col.description,
                       constraints=dg.TableColumnConstraints(nullable=col.nullable, unique=col.unique))
        for name, col in model.columns.items()])


def validated(table: str, frame):
    """The frame checked against its pandera model; a failure fails the asset with the cases.
    Grid tables in Parquet segments were checked batch by batch by the parse workers."""
    if isinstance(frame, SegmentedTable):
        return frame
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


def table_metadata(table: str, frame) -> dict:
    meta = {"dagster/column_schema": column_schema(table), "dagster/table_name": f"main.{table}"}
    if isinstance(frame, SegmentedTable):  # rows in Parquet segments: counted by the workers, no preview
        return {**meta, "dagster/row_count": frame.count, "parquet_segments": len(frame.files)}
    return {**meta, "dagster/row_count": frame.height, "preview": dg.MetadataValue.md(_markdown(frame.head(5)))}


@dg.multi_asset(
    group_name=GROUP,
    outs={t: dg.AssetOut(description=TABLE_MODELS[t].__doc__, kinds={"polars", "pandera"}, owners=OWNERS,
                         is_required=True)
          for t in ALL_TABLES},
    ins={"parsed_reports": dg.AssetIn()},
    check_specs=CHECK_SPECS,
)
def report_tables(context: dg.AssetExecutionContext, parsed_reports: dict, raw_folder: RawFolder):
    """Assemble the contract tables from the parse output(s), validate each with its pandera model,
    run the data-quality checks into dq_finding, and report every asset check."""
    started = time.perf_counter()
    # one parse output, or {partition key: output} when the parse step runs as partitions
    parts = [parsed_reports] if "files" in parsed_reports else list(parsed_reports.values())
    t = time.perf_counter()
    frames = checked_tables(parts)
    check_seconds = time.perf_counter() - t
    # one parse step found the files in this run; partitions may have been parsed before a file was
    # added (or removed): every_file_accounted then compares with the folder as it is now
    files_found = parts[0]["files"].height if len(parts) == 1 else len(discover(raw_folder.root))
    context.log.info(f"assembled {frames['dim_report'].height:,} reports from {len(parts)} parse output(s) "
                     f"in {time.perf_counter() - started:.1f} s")
    t = time.perf_counter()
    frames = {table: validated(table, frame) for table, frame in frames.items()}
    validate_seconds = time.perf_counter() - t
    timing = {"seconds": round(time.perf_counter() - started, 3), "validate_seconds": round(validate_seconds, 3),
              "checks_seconds": round(check_seconds, 3)}
    for table in ALL_TABLES:
        yield dg.Output(frames[table], output_name=table, metadata={
            **table_metadata(table, frames[table]), **(timing if table == "dq_finding" else {})})
    yield from structural_check_results(files_found, frames)
    yield from finding_check_results(frames["dq_finding"])



@dg.asset(
    group_name=GROUP, kinds={"duckdb"}, owners=OWNERS,
    ins={t: dg.AssetIn() for t in ALL_TABLES},
    description="The DuckDB warehouse file (DISCLOSURE_WAREHOUSE): every contract table written through "
                "Arrow into a new file, then published by an atomic rename so open read-only sessions keep "
                "working and a failed build leaves the previous warehouse intact. Inside it, beside the "
                "contract tables: the label tables (" + ", ".join(catalog.LABEL_TABLES) + ") and the views ("
                + ", ".join([*catalog.VIEWS, "v_catalog"]) + "), every column commented.",
)
def disclosure_warehouse(context: dg.AssetExecutionContext, warehouse: Warehouse, **tables):
    started = time.perf_counter()
    summary = normalize.summary_markdown(tables["raw_file"], tables["dq_finding"])
    digest = build_digest(tables["raw_file"])
    with build_lock(warehouse.file):  # held since the parse step in a whole-job run; taken here otherwise
        unchanged = published_digest(warehouse.file) == digest
        if unchanged:  # no file, parser or layout change since the published build: keep it as it is
            context.log.info(f"{warehouse.file} is already current (build {digest[:12]}); nothing to publish")
            ensure_quality_report(warehouse.file, digest)
            report = quality_report_path(warehouse.file)
            counts: dict[str, int] = {}
        else:
            counts = publish_warehouse({t: tables[t] for t in ALL_TABLES}, warehouse.file)
            report = write_quality_report(warehouse.file)
            context.log.info(f"published {warehouse.file} in {time.perf_counter() - started:.1f} s")
    for line in normalize.summary_lines(tables["raw_file"], tables["dq_finding"]):
        context.log.info(f"run summary: {line}")
    context.log.info(f"run summary: quality report {report.resolve()}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(warehouse.file.resolve())),
        "quality_report": dg.MetadataValue.path(str(report.resolve())),
        "summary": dg.MetadataValue.md(summary),
        "build_digest": digest,
        "unchanged": unchanged,
        "label_tables": dg.MetadataValue.md("\n".join(f"- `{t}`: {doc}"
                                                     for t, (doc, _) in catalog.TABLE_DOCS.items())),
        "views": dg.MetadataValue.md("\n".join(f"- `{v}`: {doc}" for v, doc in catalog.VIEW_DOCS.items())),
        **{f"rows_{t}": n for t, n in counts.items() if t in ALL_TABLES},
        "seconds": round(time.perf_counter() - started, 3),
    })


@dg.asset(
    group_name=GROUP, kinds={"parquet"}, owners=OWNERS, deps=[disclosure_warehouse],
    description="Every table of the published warehouse also as Parquet partitioned by report_year "
                "(<warehouse>.parquet/<table>/report_year=YYYY/), for DuckDB over object storage, MotherDuck or "
                "Spark once one DuckDB file is not enough.",
)
def warehouse_parquet(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    try:
        return _export(context, warehouse)
    finally:  # the run's last step: the build lock taken by the parse step is let go
        release_lock(lock_path_for(warehouse.file))


def _export(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    started = time.perf_counter()
    out = parquet_dir_for(warehouse.file)
    digest = published_digest(warehouse.file)
    stamp = out / "_build_digest"
    if digest and stamp.exists() and stamp.read_text() == digest:
        context.log.info(f"{out} already holds build {digest[:12]}")
        return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(out.resolve())), "unchanged": True,
                                              "seconds": round(time.perf_counter() - started, 3)})
    files = export_parquet(warehouse.file, out, [*ALL_TABLES, *catalog.LABEL_TABLES])
    if digest:
        stamp.write_text(digest)
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(out.resolve())),
                                          "files": sum(files.values()),
                                          "seconds": round(time.perf_counter() - started, 3)})
