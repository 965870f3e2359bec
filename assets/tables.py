"""Contract tables: normalised with polars, validated with pandera, published to DuckDB."""

import time

import dagster as dg
import pandera.polars as pa
import polars as pl

from assets import SINGLE_RUN, beta_parameter
from assets.checks import STRUCTURAL_CHECK_SPECS, result_key, structural_check_results
from assets.resources import RawFolder, Warehouse, stage_key
from pipeline.core import catalog, normalize
from pipeline.core.build import (CONTRACT_TABLES, ParseManifest, build_digest, checked_tables,
                                 parquet_dir_for, published_digest)
from pipeline.core.files import discover
from pipeline.core.quality_report import quality_report_path
from pipeline.core.warehouse import Table, build_lock, export_parquet, lock_path_for, release_lock
from schemas.tables import TABLE_MODELS

GROUP = "warehouse"
ALL_TABLES = CONTRACT_TABLES  # one asset each, in the contract's order (dq_finding last)
OWNERS = ["team:disclosure-data"]


def beta_asset(**kwargs):
    """`@dg.asset` with the graph's single-run backfill policy."""
    def decorate(fn):
        with beta_parameter():
            return dg.asset(backfill_policy=SINGLE_RUN, **kwargs)(fn)
    return decorate


def column_schema(table: str) -> dg.TableSchema:
    model = TABLE_MODELS[table].to_schema()
    return dg.TableSchema(columns=[
        dg.TableColumn(name, str(col.dtype), description=col.description,
                       constraints=dg.TableColumnConstraints(nullable=col.nullable, unique=col.unique))
        for name, col in model.columns.items()])


def validated(name: str, table: Table) -> Table:
    """The table checked against its pandera model; a failure fails the asset with the cases.
    Grid tables in Parquet segments were checked batch by batch by the parse workers."""
    try:
        return table.validated(TABLE_MODELS[name])
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        raise dg.Failure(
            description=f"{name}: {cases.height} schema violations; see failure_cases",
            metadata={"failure_cases": dg.MetadataValue.md(_markdown(cases.head(50))),
                      "violations": cases.height},
        ) from exc


def _markdown(df: pl.DataFrame) -> str:
    cols = df.columns
    rows = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    rows += ["| " + " | ".join(str(v).replace("|", "/")[:80] for v in r) + " |" for r in df.iter_rows()]
    return "\n".join(rows)


def table_metadata(name: str, table: Table) -> dict:
    return {"dagster/column_schema": column_schema(name), "dagster/table_name": f"main.{name}",
            "dagster/row_count": table.rows, "preview": dg.MetadataValue.md(_markdown(table.head(5)))}


TABLE_SPECS = [dg.AssetSpec(t, group_name=GROUP, description=TABLE_MODELS[t].__doc__,
                            kinds={"polars", "pandera"}, owners=OWNERS, deps=["parsed_reports"],
                            skippable=True)
               for t in ALL_TABLES]


def report_tables(context: dg.AssetExecutionContext, parsed_reports: list[ParseManifest],
                  raw_folder: RawFolder, warehouse: Warehouse):
    """Assemble the contract tables from the parse manifests (one, or one per partition), validate
    each selected table with its pandera model, stage it through the warehouse resource, and report
    its asset checks. A table materialised without disclosure_warehouse in the run is published on
    its own: replaced in the published warehouse."""
    started = time.perf_counter()
    selected = [t for t in ALL_TABLES if dg.AssetKey(t) in context.selected_asset_keys]
    t = time.perf_counter()
    built = checked_tables([m.parts() for m in parsed_reports])
    check_seconds = time.perf_counter() - t
    # partitions may have been parsed before a file was added (or removed): every_file_accounted then
    # compares with the folder as it is now
    found = (None if len(parsed_reports) == 1 and parsed_reports[0].partition is None
             else [r.source_path for r in discover(raw_folder.root)])
    files_found = parsed_reports[0].files if found is None else len(found)
    context.log.info(f"assembled {built['dim_report'].rows:,} reports from {len(parsed_reports)} parse "
                     f"manifest(s) in {time.perf_counter() - started:.1f} s")
    t = time.perf_counter()
    tables = {name: validated(name, built[name]) for name in selected}
    validate_seconds = time.perf_counter() - t
    warehouse.stage(tables, stage_key(parsed_reports))
    built.update(tables)
    checks = [c for c in structural_check_results(files_found, built)
              if result_key(c) in context.selected_asset_check_keys]
    alone = DISCLOSURE_WAREHOUSE not in _run_assets(context)
    failed = [c.check_name for c in checks if not c.passed]
    if alone and failed:  # the blocking checks block this publish as they block disclosure_warehouse's
        context.log.error(f"not published: {', '.join(failed)} failed; {warehouse.file} is kept as it was"
                          + _unaccounted(found, built, parsed_reports))
        alone = False
    elif alone:  # no publishing step in this run: the tables go into the published warehouse now
        with build_lock(warehouse.file):
            counts = warehouse.replace(tables)
        context.log.info(f"replaced {', '.join(counts)} in {warehouse.file}")
    timing = {"seconds": round(time.perf_counter() - started, 3),
              "validate_seconds": round(validate_seconds, 3), "checks_seconds": round(check_seconds, 3)}
    for name in selected:
        yield dg.MaterializeResult(asset_key=name, metadata={
            **table_metadata(name, tables[name]), "published_alone": alone,
            **(timing if name == "dq_finding" else {})})
    yield from checks


def _unaccounted(found: list[str] | None, built: dict, manifests: list[ParseManifest]) -> str:
    """Which files of the folder as it is now are not in raw_file, or the other way round, and the
    command that parses the partitions again."""
    if found is None or "raw_file" not in built:
        return ""
    rows = set(built["raw_file"].read()["source_path"])
    new, gone = sorted(set(found) - rows), sorted(rows - set(found))
    keys = sorted(m.partition for m in manifests if m.partition)
    named = "".join(f"; {what}: {', '.join(paths[:5])}{' …' if len(paths) > 5 else ''}"
                    for what, paths in (("not parsed yet", new), ("gone from the raw folder", gone)) if paths)
    again = (f" (parse them with `dg launch --job build_warehouse --partition-range {keys[0]}...{keys[-1]}`)"
             if keys else "")
    return named + again


with beta_parameter():
    report_tables = dg.multi_asset(name="report_tables", specs=TABLE_SPECS,
                                   ins={"parsed_reports": dg.AssetIn()}, check_specs=STRUCTURAL_CHECK_SPECS,
                                   can_subset=True, backfill_policy=SINGLE_RUN)(report_tables)

DISCLOSURE_WAREHOUSE = dg.AssetKey("disclosure_warehouse")


def _run_assets(context: dg.AssetExecutionContext) -> set[dg.AssetKey]:
    """The assets this run materialises (all of its job when it names none)."""
    selection = context.run.asset_selection
    return set(selection) if selection else set(context.job_def.asset_layer.selected_asset_keys)


@beta_asset(
    group_name=GROUP, kinds={"duckdb"}, owners=OWNERS, deps=ALL_TABLES,
    description="The DuckDB warehouse file (DISCLOSURE_WAREHOUSE): every contract table, as staged by its "
                "asset, written through Arrow into a new file, then published by an atomic rename so open "
                "read-only sessions keep working and a failed build leaves the previous warehouse intact. "
                "Inside it, beside the contract tables: the label tables ("
                + ", ".join(catalog.LABEL_TABLES) + ") and the views ("
                + ", ".join([*catalog.VIEWS, "v_catalog"]) + "), every column commented.",
)
def disclosure_warehouse(context: dg.AssetExecutionContext, warehouse: Warehouse):
    started = time.perf_counter()
    tables, keys = warehouse.staged(ALL_TABLES)
    missing = [t for t, k in keys.items() if k is None]
    if missing or len(set(keys.values())) > 1:
        raise dg.Failure(f"the staged tables were not built from one parse ({', '.join(missing) or 'mixed'}):"
                         " materialise every table asset together (dg launch --job build_warehouse)")
    raw_file, findings = tables["raw_file"].read(), tables["dq_finding"].read()
    summary = normalize.summary_markdown(raw_file, findings)
    digest = build_digest(raw_file)
    with build_lock(warehouse.file):  # held since the parse step in a whole-job run; taken here otherwise
        published = warehouse.publish(tables, digest)
    unchanged = published is None
    if unchanged:  # no file, parser or layout change since the published build: kept as it is
        context.log.info(f"{warehouse.file} is already current (build {digest[:12]}); nothing to publish")
    else:
        context.log.info(f"published {warehouse.file} in {time.perf_counter() - started:.1f} s")
    counts = published or {}
    report = quality_report_path(warehouse.file)
    for line in normalize.summary_lines(raw_file, findings):
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


@beta_asset(
    group_name=GROUP, kinds={"parquet"}, owners=OWNERS, deps=[disclosure_warehouse],
    description="Every table of the published warehouse also as Parquet partitioned by report_year "
                "(<warehouse>.parquet/<table>/report_year=YYYY/), for DuckDB over object storage, MotherDuck "
                "or Spark once one DuckDB file is not enough.",
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
        return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(out.resolve())),
                                              "unchanged": True,
                                              "seconds": round(time.perf_counter() - started, 3)})
    files = export_parquet(warehouse.file, out, [*ALL_TABLES, *catalog.LABEL_TABLES])
    if digest:
        stamp.write_text(digest)
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(out.resolve())),
                                          "files": sum(files.values()),
                                          "seconds": round(time.perf_counter() - started, 3)})
