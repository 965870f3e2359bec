"""Incremental builds (the parse cache) and safe publishing while analysts read."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap

import duckdb
import polars as pl
import pytest

from pipeline.core.build import build_warehouse, merge_parts, parse_folder
from pipeline.core.parser import PARSER_VERSION
from pipeline.core.warehouse import SegmentedTable
from tests.conftest import RAW, ROOT


def test_unchanged_rerun_parses_nothing_and_changes_are_exact(raw, tmp_path):
    cache = tmp_path / "cache"
    first = parse_folder(raw, cache, workers=1)
    assert (first.parsed_now, first.from_cache) == (5, 0)
    again = parse_folder(raw, cache, workers=1)
    assert (again.parsed_now, again.from_cache) == (0, 5)
    for table, frame in first.frames.items():
        assert again.frames[table].equals(frame), table

    added = raw / "sub" / "new.txt"
    added.parent.mkdir()
    shutil.copy(next(RAW.glob("004_*.txt")), raw / "sub" / "004_copy.txt")  # same content: shares the report
    text = next(RAW.glob("000_*.txt")).read_text(encoding="utf-8")
    added.write_text(text.replace("博山区源泉镇人民政府\n2023年", "博山区池上镇人民政府\n2023年", 1), encoding="utf-8")
    changed = next(raw.glob("001_*.txt"))
    changed.write_text(changed.read_text(encoding="utf-8").replace("扬帆泽库", "扬帆泽库镇"), encoding="utf-8")
    next(raw.glob("002_*.txt")).unlink()
    run = parse_folder(raw, cache, workers=1)
    assert run.parsed_now == 2  # the added and the changed file; the copy of 004 shares its content
    reports = run.frames["dim_report"]
    assert sorted(reports["source_path"]) == sorted(["000_91f067580f967c3a.txt", "001_f5b8ed62166f75c7.txt",
                                                     "003_900cea2f89254ff6.txt", "004_c9d03538737d1d44.txt",
                                                     "sub/new.txt"])
    assert "博山区池上镇人民政府" in reports["agency_name"].to_list()
    accounts = run.frames["fact_disclosure_channel"]["account_name"].to_list()
    assert "扬帆泽库镇" in accounts and "扬帆泽库" not in accounts
    raw_file = run.frames["raw_file"]
    assert raw_file.height == 6 and not raw_file["source_path"].str.starts_with("002").any()
    copy_id = raw_file.filter(pl.col("source_path") == "sub/004_copy.txt")["report_id"][0]
    assert copy_id == raw_file.filter(pl.col("source_path").str.starts_with("004"))["report_id"][0]
    # every fact row belongs to a report that is still there
    ids = set(reports["report_id"])
    for table in ("fact_application", "fact_review_litigation", "dq_finding"):
        assert set(run.frames[table]["report_id"]) <= ids
    # the row counts the workers recorded (shown in the UI) are the rows published, although the
    # segments still hold the changed and deleted files' old rows
    for table, grid in merge_parts([run.to_parts()]).items():
        if isinstance(grid, SegmentedTable):
            assert grid.count == grid.read().height == run.frames[table].height > 0, table


def test_unchanged_rerun_starts_no_worker_processes(raw, tmp_path, monkeypatch):
    """Spawning the parse workers costs seconds, rewriting the cache one more; a run with nothing
    to parse pays neither."""
    from pipeline.core import files

    cache = tmp_path / "cache"
    parse_folder(raw, cache, workers=1)
    manifest = (cache / "manifest.json").read_text()
    started = []
    real_start = files.start_pool
    monkeypatch.setattr(files, "start_pool", lambda n, *budget: started.append(n) or real_start(n, *budget))
    again = parse_folder(raw, cache, workers=2)
    assert (again.parsed_now, again.from_cache, started) == (0, 5, [])
    assert (cache / "manifest.json").read_text() == manifest  # and the cache is not written again
    (raw / "copy.txt").write_text(next(raw.glob("000_*.txt")).read_text(encoding="utf-8") + "\n", encoding="utf-8")
    files.parse_units([r for r in files.discover(raw) if r.source_path == "copy.txt"] * 2, tmp_path / "seg",
                      workers=2, batch_size=1)
    assert started == [2]  # two batches do go to a pool


def test_a_new_parser_version_reparses_everything_once(raw, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    parse_folder(raw, cache, workers=1)
    monkeypatch.setattr("pipeline.core.cache.PARSER_VERSION", PARSER_VERSION + "-next")
    assert parse_folder(raw, cache, workers=1).parsed_now == 5
    assert parse_folder(raw, cache, workers=1).parsed_now == 0


def _build_in_subprocess(raw, warehouse, extra: str = "") -> subprocess.Popen:
    code = textwrap.dedent(f"""
        from pathlib import Path
        {extra}
        from pipeline.core.build import build_warehouse
        build_warehouse(Path({str(raw)!r}), Path({str(warehouse)!r}), workers=1)
        print("built")
    """)
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_build_while_another_process_holds_a_read_only_session(raw, tmp_path):
    warehouse = tmp_path / "wh" / "disclosure.duckdb"
    build_warehouse(raw, warehouse, workers=1)
    reader_code = textwrap.dedent(f"""
        import sys, duckdb
        con = duckdb.connect({str(warehouse)!r}, read_only=True)
        print(con.execute("SELECT count(*) FROM dim_report").fetchone()[0], flush=True)
        sys.stdin.readline()  # hold the session open until told
        print(con.execute("SELECT count(*) FROM dim_report").fetchone()[0], flush=True)
    """)
    reader = subprocess.Popen([sys.executable, "-c", reader_code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    assert reader.stdout.readline().strip() == "5"
    next(raw.glob("002_*.txt")).unlink()
    builder = _build_in_subprocess(raw, warehouse)
    out, err = builder.communicate(timeout=120)
    assert builder.returncode == 0, err
    assert "built" in out
    reader.stdin.write("\n")
    reader.stdin.flush()
    assert reader.stdout.readline().strip() == "5"  # the open session still answers, from the old build
    reader.wait(timeout=30)
    fresh = duckdb.connect(str(warehouse), read_only=True)
    assert fresh.execute("SELECT count(*) FROM dim_report").fetchone()[0] == 4  # a new session sees the new one
    fresh.close()


def test_a_build_killed_half_way_leaves_the_old_warehouse(raw, tmp_path):
    warehouse = tmp_path / "wh" / "disclosure.duckdb"
    build_warehouse(raw, warehouse, workers=1)
    before = duckdb.connect(str(warehouse), read_only=True).execute(
        "SELECT count(*), sum(count) FROM fact_application").fetchone()
    for i in range(30):  # enough files that the build is still running when killed
        shutil.copy(next(RAW.glob("004_*.txt")), raw / f"extra_{i}.txt")
        with open(raw / f"extra_{i}.txt", "a", encoding="utf-8") as fh:
            fh.write(f"\n附：第{i}份转载\n")
    # the build pauses inside publish, after the new file is being written, until it is killed
    pause = ("import time, pipeline.core.warehouse as w\n"
             "orig = w.before_checkpoint\n"
             "def hook(con):\n    print('writing', flush=True); time.sleep(60)\n"
             "w.before_checkpoint = hook")
    builder = _build_in_subprocess(raw, warehouse, extra=pause.replace("\n", "\n        "))
    assert builder.stdout.readline().strip() == "writing"
    os.kill(builder.pid, signal.SIGKILL)
    builder.wait(timeout=30)
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT count(*), sum(count) FROM fact_application").fetchone() == before
    assert con.execute("SELECT count(*) FROM dim_report").fetchone()[0] == 5
    con.close()
    build_warehouse(raw, warehouse, workers=1)  # the next build cleans up and publishes
    assert duckdb.connect(str(warehouse), read_only=True).execute(
        "SELECT count(*) FROM dim_report").fetchone()[0] == 35
    assert not [p for p in warehouse.parent.iterdir() if ".building-" in p.name]


def test_process_pool_path_gives_the_same_tables(raw, tmp_path):
    """Batches on a pool of worker processes (as on a large folder) give what one process gives."""
    from pipeline.core.files import parse_units
    from pipeline.core.files import discover as find

    refs = find(raw)
    alone, _ = parse_units(refs, tmp_path / "seg1", workers=1, batch_size=2)
    pooled, cpu = parse_units(refs, tmp_path / "seg2", workers=2, batch_size=2)
    assert cpu["parse"] > 0
    for table in ("dim_report", "fact_disclosure_channel", "parser_finding"):
        assert pooled[table].drop("segment", strict=False).sort(pooled[table].columns).equals(
            alone[table].drop("segment", strict=False).sort(alone[table].columns)), table
    assert len(list((tmp_path / "seg2").glob("*.fact_application.parquet"))) == 3  # one segment per batch


def test_unchanged_rerun_keeps_the_published_file(raw, tmp_path):
    warehouse = tmp_path / "wh" / "disclosure.duckdb"
    assert build_warehouse(raw, warehouse, workers=1)["fact_application"] == 875
    before = warehouse.stat()
    info = duckdb.connect(str(warehouse), read_only=True).execute(
        "SELECT files, reports, parser_version FROM build_info").fetchone()
    assert info == (5, 5, PARSER_VERSION)
    assert build_warehouse(raw, warehouse, workers=1) == {}  # nothing changed: nothing rewritten
    assert (warehouse.stat().st_ino, warehouse.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    (raw / "renamed.txt").write_bytes(next(raw.glob("000_*.txt")).read_bytes())  # a new path is a change
    assert build_warehouse(raw, warehouse, workers=1)["raw_file"] == 6


def test_a_file_rejected_by_a_limit_loads_once_the_limit_is_raised(raw, tmp_path):
    """'file too large … (raise DISCLOSURE_MAX_FILE_MB to load it)' must hold: the rejection is of
    the run's limit, not of the content, so the cache does not keep it; a rejection of the content
    (an empty file) is kept and not read again."""
    (raw / "empty.txt").write_bytes(b"")
    warehouse = tmp_path / "w.duckdb"
    build_warehouse(raw, warehouse, max_bytes=5_000)

    def rows() -> dict:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return dict(con.execute("SELECT source_path, status FROM raw_file").fetchall())
    small = rows()
    assert set(small.values()) == {"rejected"} and len(small) == 6
    counts = build_warehouse(raw, warehouse)
    assert {p: s for p, s in rows().items() if s == "rejected"} == {"empty.txt": "rejected"}
    run = parse_folder(raw, tmp_path / "w.parse-cache")
    assert run.parsed_now == 0 and run.from_cache == 6 and counts
