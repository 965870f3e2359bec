"""DuckDB writer: every table through Arrow into a new file, published by an atomic rename.

Analysts' open read-only sessions keep the file they opened; new sessions see the new build;
a build that fails or is killed leaves the previous warehouse untouched. A lock file stops
two builds from publishing over each other.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping, Union

import duckdb
import polars as pl


def before_checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    """A test hook: called with the new file's connection just before it is checkpointed (a test
    replaces it to pause a build there). Does nothing."""


@dataclass(frozen=True, eq=False)
class FrameTable:
    """A table held as one polars frame (the small tables: raw_file, dim_report, dq_finding …)."""

    frame: pl.DataFrame

    @property
    def rows(self) -> int:
        return self.frame.height

    def read(self, where: str | None = None) -> pl.DataFrame:
        """The rows (those matching the SQL condition `where`) as one polars frame."""
        if not where:
            return self.frame
        with duckdb.connect() as con:
            con.register("frame", self.frame.to_arrow())
            return con.execute(f"SELECT * FROM frame WHERE {where}").pl()

    def head(self, n: int) -> pl.DataFrame:
        return self.frame.head(n)

    def validated(self, model) -> "FrameTable":
        """Checked against its pandera model (lazy: all failures at once; raises SchemaErrors)."""
        return FrameTable(model.validate(self.frame, lazy=True))

    def create_in(self, con: duckdb.DuckDBPyConnection, name: str, replace: bool = False) -> None:
        arrow = self.frame.to_arrow()  # noqa: F841  (DuckDB scans the local Arrow table by name)
        con.execute(f'CREATE {"OR REPLACE " if replace else ""}TABLE "{name}" AS SELECT * FROM arrow')

    def stage(self, folder: Path, name: str) -> None:
        self.frame.write_parquet(Path(folder) / f"{name}.parquet", compression="lz4")


@dataclass(frozen=True, eq=False)
class SegmentedTable:
    """A table whose rows sit in Parquet segments (written by the parse workers), taken for the
    reports in `owners` (report_id, source_format, file: the one segment file a report's rows are
    read from; rows: how many the worker wrote there). DuckDB reads it straight into the
    warehouse, so national-scale grids never pass through Python memory."""

    files: tuple[str, ...]
    columns: tuple[str, ...]
    owners: pl.DataFrame

    def sql(self, con: duckdb.DuckDBPyConnection) -> str:
        """The SELECT of the table's rows, to run on `con`: the owners are registered there (under a
        name of this table's own), so that no caller has anything to set up."""
        if not self.files:
            return "SELECT " + ", ".join(f"NULL AS {c}" for c in self.columns) + " WHERE false"
        owners = f"segment_owners_{id(self):x}"
        con.register(owners, self.owners.to_arrow())
        listed = ", ".join("'" + f.replace("'", "''") + "'" for f in self.files)
        return (f"SELECT {', '.join('s.' + c for c in self.columns)} "
                f"FROM read_parquet([{listed}], filename=true) s SEMI JOIN {owners} o "
                "ON s.report_id = o.report_id AND s.source_format = o.source_format AND s.filename = o.file")

    def read(self, where: str | None = None) -> pl.DataFrame:
        """The rows (those matching the SQL condition `where`) as one polars frame."""
        with duckdb.connect() as con:
            query = self.sql(con)
            return con.execute(f"SELECT * FROM ({query}) WHERE {where}" if where else query).pl()

    def head(self, n: int) -> pl.DataFrame:
        with duckdb.connect() as con:
            return con.execute(f"{self.sql(con)} LIMIT {int(n)}").pl()

    @property
    def rows(self) -> int:
        """Rows of the table, from the owners' counts (no scan of the segments)."""
        return int(self.owners["rows"].sum())

    count = rows

    def validated(self, model) -> "SegmentedTable":
        """Already checked batch by batch by the parse workers that wrote the segments."""
        return self

    def create_in(self, con: duckdb.DuckDBPyConnection, name: str, replace: bool = False) -> None:
        con.execute(f'CREATE {"OR REPLACE " if replace else ""}TABLE "{name}" AS {self.sql(con)}')

    def stage(self, folder: Path, name: str) -> None:
        self.owners.write_parquet(Path(folder) / f"{name}.owners.parquet", compression="lz4")
        (Path(folder) / f"{name}.segments.json").write_text(json.dumps({"files": self.files,
                                                                        "columns": self.columns}))


# One interface for every table the build handles, whether in memory or in Parquet segments:
# rows, read (optionally where a SQL condition holds), head, validated, create_in (a DuckDB
# connection), stage (a folder).
Table = Union[FrameTable, SegmentedTable]


def as_table(table: "Table | pl.DataFrame") -> Table:
    """A table as the one interface (a polars frame is wrapped)."""
    return FrameTable(table) if isinstance(table, pl.DataFrame) else table


def load_staged(folder: Path, name: str) -> Table:
    """A table `stage` wrote into `folder`."""
    folder = Path(folder)
    segments = folder / f"{name}.segments.json"
    if segments.exists():
        meta = json.loads(segments.read_text())
        return SegmentedTable(tuple(meta["files"]), tuple(meta["columns"]),
                              pl.read_parquet(folder / f"{name}.owners.parquet"))
    return FrameTable(pl.read_parquet(folder / f"{name}.parquet"))


class WarehouseLocked(RuntimeError):
    """Another build holds the warehouse lock, or another session holds the warehouse for writing."""


# lock file → (open file, holders in this process): a build holds its lock from the start of the
# run to its end, and the steps inside it (parse, publish) take it again without blocking themselves
_HELD: dict[str, list] = {}


def lock_path_for(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + ".lock")


def acquire_lock(lock_path: Path, what: str) -> None:
    """Take `lock_path` (flock: released by the kernel when this process ends, even by kill -9), or
    raise WarehouseLocked saying who holds it. Re-entrant within one process."""
    key = os.path.abspath(lock_path)
    if key in _HELD:
        _HELD[key][1] += 1
        return
    Path(lock_path).parent.mkdir(parents=True, exist_ok=True)
    fh = open(lock_path, "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        fh.seek(0)
        holder = fh.read().strip() or "unknown"
        fh.close()
        raise WarehouseLocked(f"another build is running on {what} (process {holder} holds {lock_path}); "
                              "wait for it to finish, then run again") from exc
    fh.seek(0)
    fh.truncate()
    fh.write(str(os.getpid()))
    fh.flush()
    _HELD[key] = [fh, 1]


def release_lock(lock_path: Path) -> None:
    key = os.path.abspath(lock_path)
    held = _HELD.get(key)
    if held is None:
        return
    held[1] -= 1
    if held[1] <= 0:
        del _HELD[key]
        fcntl.flock(held[0], fcntl.LOCK_UN)
        held[0].close()


@contextlib.contextmanager
def exclusive(lock_path: Path, what: str) -> Iterator[None]:
    acquire_lock(lock_path, what)
    try:
        yield
    finally:
        release_lock(lock_path)


@contextlib.contextmanager
def build_lock(path: Path) -> Iterator[None]:
    """One build at a time per warehouse file (re-entrant inside a build that holds it already)."""
    with exclusive(lock_path_for(path), str(path)):
        yield


def check_no_writer(path: Path) -> None:
    """Stop when another process has the published warehouse open for writing (an analyst's
    read-write session): its changes would be lost with the old file, or its WAL would meet the
    new one."""
    if not Path(path).exists():
        return
    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.Error as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise WarehouseLocked(f"{path} is open for writing in another session ({text.splitlines()[0]}); "
                                  "close that session (analysts should open the warehouse read-only), then "
                                  "run again") from exc
        # anything else (a damaged file, a foreign WAL): the new build replaces it


# DuckDB's storage version for the files we write: from v1.4.0 a WAL records which database file it
# belongs to, and DuckDB refuses a WAL left by a crashed session on the file this one replaced
# ("WAL does not match database file") instead of replaying it onto the new build. Read by 1.4+ and 2.x.
STORAGE_VERSION = "v1.4.0"


def remove_leftovers(path: Path) -> list[Path]:
    """What killed or failed builds left beside the warehouse: half-written files, Parquet export
    folders being written or swapped out. Called at the start of a run, under the build lock."""
    path = Path(path)
    removed = []
    patterns = (f".{path.name}.building-*", f".{path.stem}.parquet.writing-*", f".{path.stem}.parquet.old-*")
    for pattern in patterns:
        for leftover in path.parent.glob(pattern) if path.parent.exists() else ():
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed


def publish(tables: Mapping[str, "Table | pl.DataFrame"], path: Path,
            sql_after: list[str] | None = None,
            memory_limit: str = "1GB", replace: bool = False) -> dict[str, int]:
    """Write `tables` (name → table) into a fresh DuckDB file and atomically replace `path`; with
    `replace`, into a copy of the published file, whose other tables and views are kept.

    Returns the row count of each table as read back from the new file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with build_lock(path):
        tmp = path.with_name(f".{path.name}.building-{os.getpid()}")
        for leftover in path.parent.glob(f".{path.name}.building-*"):  # a killed build's half-written file
            leftover.unlink(missing_ok=True)
        try:
            tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
            if replace:
                if not path.exists():
                    raise FileNotFoundError(f"no published warehouse {path} to replace tables in: "
                                            "build it first")
                shutil.copyfile(path, tmp)
            con = duckdb.connect(str(tmp), config={"memory_limit": memory_limit,
                                                   "preserve_insertion_order": False,
                                                   "storage_compatibility_version": STORAGE_VERSION})
            try:
                for name, table in tables.items():
                    as_table(table).create_in(con, name, replace=replace)
                for stmt in sql_after or []:
                    con.execute(stmt)
                counts = {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                          for name in tables}
                before_checkpoint(con)
                con.execute("CHECKPOINT")
            finally:
                con.close()
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            check_no_writer(path)
            # a WAL beside the published file is a crashed session's, of the old build: never let it meet
            # the new one (with STORAGE_VERSION DuckDB would refuse it, and every reader with it)
            path.with_name(path.name + ".wal").unlink(missing_ok=True)
            os.replace(tmp, path)
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except BaseException:
            tmp.unlink(missing_ok=True)
            tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
            raise
    return counts


def export_parquet(warehouse: Path, out_dir: Path, tables: list[str]) -> dict[str, int]:
    """Every table as Parquet partitioned by report_year (`<out_dir>/<table>/report_year=2023/…`), the
    label tables as one file each (`<out_dir>/dim_channel/dim_channel.parquet`), for engines that outgrow
    one DuckDB file. Written beside, then swapped in by rename."""
    out_dir = Path(out_dir)
    tmp = out_dir.with_name(f".{out_dir.name}.writing-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    files = {}
    try:
        for table in tables:
            columns = [r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()]
            if "report_year" in columns:
                query = f'SELECT * FROM "{table}"'
            elif "report_id" in columns:
                query = (f'SELECT t.*, r.report_year FROM "{table}" t '
                         "LEFT JOIN dim_report r USING (report_id)")
            else:  # a label table or build_info: one file, so Spark or MotherDuck users keep the labels
                (tmp / table).mkdir()
                target = (tmp / table / f"{table}.parquet").as_posix().replace("'", "''")
                con.execute(f"COPY (SELECT * FROM \"{table}\") TO '{target}' "
                            "(FORMAT parquet, COMPRESSION zstd)")
                files[table] = 1
                continue
            target = (tmp / table).as_posix().replace("'", "''")
            con.execute(f"COPY ({query}) TO '{target}' (FORMAT parquet, PARTITION_BY (report_year), "
                        "COMPRESSION zstd)")
            files[table] = sum(1 for _ in (tmp / table).rglob("*.parquet"))
    finally:
        con.close()
    old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
    if out_dir.exists():
        os.replace(out_dir, old)
    os.replace(tmp, out_dir)
    shutil.rmtree(old, ignore_errors=True)
    return files
