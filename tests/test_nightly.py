"""A nightly build that survives anything: hostile files beside the samples in one Dagster run,
files that change while read, crashed and concurrent sessions, a damaged cache, a vanished folder.
Budgets are small here (a few seconds) so that the files that exhaust them do so quickly."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from assets.resources import RawFolder, Warehouse
from pipeline import definitions
from pipeline.core import checks, normalize
from pipeline.core import codebook as cb
from pipeline.core.build import RawFolderGuard, build_warehouse, cache_dir_for, parse_folder
from pipeline.core.files import UNREAD_SHA, Budget, discover, parse_file
from pipeline.core.warehouse import WarehouseLocked
from schemas.tables import RawFile
from tests.conftest import RAW, ROOT, seed_path
from tests.golden import compare
from tests.hostile import EXPECTED_REASON, hostile_files, make_unsafe_entries, nightly_hostile_files

SMALL = Budget(seconds=5, memory_bytes=600 * 1024 * 1024)


def test_hostile_files_beside_the_samples_build_in_one_run(tmp_path, raw, seeds_golden, monkeypatch):
    # the scan is rejected unread here: OCR (tests/test_ocr.py) needs more than this test's small budgets
    monkeypatch.setenv("DISCLOSURE_OCR", "off")
    sample = seed_path("004").read_text(encoding="utf-8")
    expected = {name: (status, why) for name, (data, status, why) in nightly_hostile_files(sample).items()}
    for name, (data, _, _) in nightly_hostile_files(sample).items():
        (raw / name).write_bytes(data)
    for name, data in hostile_files().items():
        (raw / name).write_bytes(data)
    expected |= {name: ("rejected", why) for name, why in EXPECTED_REASON.items()}
    expected |= make_unsafe_entries(raw, tmp_path / "outside", sample.encode())
    warehouse = tmp_path / "wh" / "disclosure.duckdb"
    job = definitions.defs().resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), resources={
        "raw_folder": RawFolder(path=str(raw), file_seconds=str(SMALL.seconds),
                                file_memory_mb=str(SMALL.memory_bytes / 2**20)),
        "warehouse": Warehouse(path=str(warehouse))})
    assert result.success
    checks_passed = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks_passed["every_file_accounted"] and checks_passed["full_application_grid"]
    assert not checks_passed["value_out_of_range"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = {p: (s, e or "", sha, n) for p, s, e, sha, n in con.execute(
            "SELECT source_path, status, error, file_sha256, bytes FROM raw_file").fetchall()}
        assert compare(seeds_golden, con) == []  # the samples are still exactly their golden
        assert con.execute("SELECT DISTINCT typeof(received), typeof(withheld) FROM v_application_summary"
                           ).fetchall() == [("BIGINT", "BIGINT")]  # sums in the views cannot overflow
        summary = con.execute("SELECT received_natural_person, received FROM v_application_summary v "
                              "JOIN raw_file USING (report_id) "
                              "WHERE source_path = 'count_3e9.txt'").fetchone()
        cell = con.execute("SELECT count FROM fact_application JOIN raw_file USING (report_id) WHERE "
                           "source_path = 'count_3e9.txt' AND row_code = '1' AND applicant = 'natural_person'"
                           ).fetchone()
    for name, (status, why) in expected.items():
        assert rows[name][0] == status and why in rows[name][1], (name, rows[name])
    assert len(rows) == len(expected) + len(list(RAW.iterdir()))
    # the inflating PDFs: pdfium finds no text in them quickly, or the file exhausts a budget and says which
    for name in ("inflates_64mib.pdf", "inflates_1gib.pdf"):
        assert re.search(r"no text layer|took more than 5 s|needed more than 600 MB of memory|memory budget 600 MB",
                         rows[name][1]), name
    # nothing outside the raw folder was read: no hash, no size
    assert rows["passwd.txt"][2:] == (UNREAD_SHA, 0) and rows["zeros.txt"][2:] == (UNREAD_SHA, 0)
    assert "printed 3000000000" in rows["count_3e9.txt"][1] and cell == (None,)
    assert summary == (None, 1)  # a sum with the NULL cell is NULL; the printed total stays


def test_counts_out_of_range_are_null_with_a_finding_quoting_them(tmp_path):
    text = seed_path("004").read_text(encoding="utf-8")
    path = tmp_path / "r.txt"
    path.write_text(text.replace("通过政府网站公开政府信息31条", "通过政府网站公开政府信息31000000000条"), encoding="utf-8")
    report = parse_file(discover(tmp_path)[0]).report
    assert report.channels and all(c.channel != "website" for c in report.channels)
    report.application[("1", "total")] = 2**32
    report.review_litigation[("review", "upheld")] = -5
    report.proactive[("fees", "amount_10k_yuan")] = float("inf")
    report.processing_fee_yuan = -1.0
    normalize.bound_record(report)
    assert report.application[("1", "total")] is None
    assert report.review_litigation[("review", "upheld")] is None
    assert report.proactive[("fees", "amount_10k_yuan")] is None and report.processing_fee_yuan is None
    details = [f.detail for f in report.findings if f.check_name == cb.CHECK_VALUE_OUT_OF_RANGE]
    assert details == ["§一 website: printed 31000000000, outside 0 … 1,000,000,000; not loaded "
                       "(通过政府网站公开政府信息31000000000条)",  # at parse time, with the clause it was printed in
                       "§三 1/total: printed 4294967296, outside 0 … 100,000,000; left NULL",
                       "§四 review/upheld: printed -5, outside 0 … 100,000,000; left NULL",
                       "§二 fees/amount_10k_yuan: printed inf, outside -1,000,000,000,000 … "
                       "1,000,000,000,000; left NULL",
                       "processing fee: printed -1.0, outside 0 … 1,000,000,000 元; left NULL"]
    assert parse_file(discover(tmp_path)[0]).status == cb.STATUS_PARTIAL  # the channel figure was dropped


def test_sums_in_the_checks_are_64_bit():
    """21 outcome cells of 200,000,000 add up past 2³¹: the finding shows the true sum, not a wrapped one (the
    codebook's bounds keep a real report below that; the checks do not rely on it)."""
    outcome_rows = cb.outcome_row_codes("2021")
    rows = cb.application_row_codes("2021")
    app = pl.DataFrame({"report_id": "r" * 16, "row_code": rows, "applicant": "total",
                        "count": [200_000_000 if r in outcome_rows else 5 if r == "3.7" else None
                                  for r in rows]},
                       schema_overrides={"count": pl.Int32})
    found = checks.application_findings(checks._wide64(app, "count"), pl.DataFrame(
        {"report_id": ["r" * 16], "format_version": ["2021"]}))
    details = pl.concat(found)["detail"].to_list()
    assert details == [f"总计：三（七）总计 5 ≠ 三（一）至三（六）各项之和 {200_000_000 * len(outcome_rows)}"]
    assert 200_000_000 * len(outcome_rows) > 2**31


def test_findings_per_report_are_capped_with_a_last_one_saying_how_many():
    many = [normalize.Finding(cb.CHECK_INCOMPLETE_TABLE, cb.SEVERITY_ERROR, f"cell {i}") for i in range(1000)]
    capped = normalize.cap_findings(many, limit=200)
    assert len(capped) == 200 and capped[:199] == many[:199]
    assert capped[-1] == normalize.Finding(cb.CHECK_TOO_MANY_FINDINGS, cb.SEVERITY_WARNING,
                                           "801 more findings of this report were dropped (at most 200 are "
                                           "kept per report)")


def test_a_file_changed_while_read_is_recorded_as_read_and_a_vanished_one_is_rejected(raw, tmp_path,
                                                                                       monkeypatch):
    from pipeline.core import files

    grown, gone = raw / "000_91f067580f967c3a.txt", raw / "002_254fef836bd803ec.txt"
    appended = grown.read_bytes() + "\n附：更正说明\n".encode()
    real_read = files.read_regular

    def racing_read(path, max_bytes):  # between hashing and reading, an upload ends and a file is deleted
        if Path(path) == grown:
            grown.write_bytes(appended)
        if Path(path) == gone:
            gone.unlink()
        return real_read(path, max_bytes)
    monkeypatch.setattr(files, "read_regular", racing_read)
    run = parse_folder(raw, tmp_path / "cache", workers=1)
    frames = run.frames
    raw_file = {r["source_path"]: r for r in frames["raw_file"].iter_rows(named=True)}
    assert raw_file[grown.name]["file_sha256"] == hashlib.sha256(appended).hexdigest()
    assert raw_file[grown.name]["bytes"] == len(appended) and raw_file[grown.name]["status"] == "parsed"
    assert raw_file[gone.name]["status"] == "rejected"
    assert raw_file[gone.name]["error"] == "cannot read file: No such file or directory"
    RawFile.validate(frames["raw_file"])  # the contract holds (no NULL status, no orphan hash)


def test_a_crashed_read_write_session_leaves_readers_exactly_the_built_warehouse(raw, tmp_path):
    warehouse = tmp_path / "wh" / "disclosure.duckdb"
    build_warehouse(raw, warehouse, workers=1)
    crash = textwrap.dedent(f"""
        import os, duckdb
        con = duckdb.connect({str(warehouse)!r})
        con.execute("SET checkpoint_threshold = '1TB'")
        con.execute("DELETE FROM raw_file WHERE source_path LIKE '003%'")
        con.execute("UPDATE fact_application SET count = 999 WHERE row_code = '1'")
        os._exit(0)  # crashed: the WAL stays beside the file
    """)
    subprocess.run([sys.executable, "-c", crash], check=True, cwd=ROOT)
    assert warehouse.with_name(warehouse.name + ".wal").exists()
    next(raw.glob("002_*.txt")).unlink()
    build_warehouse(raw, warehouse, workers=1)
    assert not warehouse.with_name(warehouse.name + ".wal").exists()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw_file").fetchone()[0] == 4 == con.execute(
            "SELECT files FROM build_info").fetchone()[0]
        assert con.execute("SELECT max(count) FROM fact_application WHERE row_code = '1'").fetchone()[0] == 1


def test_a_live_read_write_session_stops_the_build_with_a_clear_message(raw, tmp_path):
    warehouse = tmp_path / "wh" / "disclosure.duckdb"
    build_warehouse(raw, warehouse, workers=1)
    before = warehouse.stat().st_ino
    hold = (f"import sys, duckdb\ncon = duckdb.connect({str(warehouse)!r})\nprint('open', flush=True)\n"
            "sys.stdin.readline()\n")
    session = subprocess.Popen([sys.executable, "-c", hold], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True)
    try:
        assert session.stdout.readline().strip() == "open"
        next(raw.glob("002_*.txt")).unlink()
        with pytest.raises(WarehouseLocked, match="is open for writing in another session"):
            build_warehouse(raw, warehouse, workers=1)
    finally:
        session.communicate("\n", timeout=30)
    assert warehouse.stat().st_ino == before  # the published warehouse is kept
    assert not [p for p in warehouse.parent.iterdir() if ".building-" in p.name]


def _build_proc(raw, warehouse) -> subprocess.Popen:
    code = (f"from pathlib import Path\nfrom pipeline.core.build import build_warehouse\n"
            f"build_warehouse(Path({str(raw)!r}), Path({str(warehouse)!r}), workers=1)\nprint('built')\n")
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_two_concurrent_builds_leave_one_built_warehouse_and_an_intact_cache(raw, tmp_path):
    for i in range(20):  # enough work that the two overlap
        (raw / f"extra_{i}.txt").write_text(seed_path("004").read_text(encoding="utf-8") + f"\n附{i}\n",
                                            encoding="utf-8")
    warehouse = tmp_path / "wh" / "disclosure.duckdb"
    first, second = _build_proc(raw, warehouse), _build_proc(raw, warehouse)
    outcomes = [p.communicate(timeout=300) + (p.returncode,) for p in (first, second)]
    assert sum(rc == 0 for _, _, rc in outcomes) >= 1
    for out, err, rc in outcomes:
        locked = "WarehouseLocked: another build is running on" in err
        assert rc == 0 and "built" in out or locked, err[-2000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM dim_report").fetchone()[0] == 25
    healed = []
    run = parse_folder(raw, cache_dir_for(warehouse), workers=1, log=healed.append)
    assert (run.parsed_now, run.from_cache, healed) == (0, 25, [])  # the cache is whole


def test_a_damaged_cache_heals_and_says_so(raw, tmp_path):
    warehouse = tmp_path / "wh" / "disclosure.duckdb"
    for i in range(3):
        shutil.copy(seed_path("004"), raw / f"copy_{i}.txt")
        with open(raw / f"copy_{i}.txt", "a", encoding="utf-8") as fh:
            fh.write(f"\n附{i}\n")
    build_warehouse(raw, warehouse, workers=2, budget=SMALL)  # several batches: several segments
    with duckdb.connect(str(warehouse), read_only=True) as con:
        before = con.execute("SELECT * FROM fact_application ORDER BY ALL").fetchall()
    segments = sorted((cache_dir_for(warehouse) / "segments").glob("*.fact_application.parquet"))
    assert len(segments) >= 2
    segments[0].write_bytes(segments[0].read_bytes()[:100])  # truncated
    data = bytearray(segments[1].read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte scrambled
    segments[1].write_bytes(bytes(data))
    next(raw.glob("002_*.txt")).unlink()  # and something to publish
    log: list[str] = []
    build_warehouse(raw, warehouse, workers=1, log=log.append)
    damaged = [m for m in log if "is damaged" in m]
    assert len(damaged) == 2 and all("parsed again" in m for m in damaged), log
    with duckdb.connect(str(warehouse), read_only=True) as con:
        after = con.execute("SELECT * FROM fact_application ORDER BY ALL").fetchall()
    gone = {r for r in before if r[0] not in {x[0] for x in after}}
    assert set(after) == set(before) - gone and len(after) == len(before) - 175


def test_an_empty_missing_or_shrunk_raw_folder_keeps_the_warehouse(raw, tmp_path):
    warehouse = tmp_path / "wh" / "disclosure.duckdb"
    build_warehouse(raw, warehouse, workers=1)
    published = warehouse.stat().st_ino
    kept = [raw / f for f in sorted(os.listdir(raw))]
    for f in kept[:3]:
        f.unlink()
    with pytest.raises(RawFolderGuard, match="has 2 files, 3 fewer than the 5 of the published build"):
        build_warehouse(raw, warehouse, workers=1)
    for f in kept[3:]:
        f.unlink()
    with pytest.raises(RawFolderGuard, match="is empty; nothing was built"):
        build_warehouse(raw, warehouse, workers=1)
    with pytest.raises(RawFolderGuard, match="does not exist"):
        build_warehouse(tmp_path / "unmounted", warehouse, workers=1)
    assert warehouse.stat().st_ino == published
    build_warehouse(raw, warehouse, workers=1, allow_shrink=True)  # on purpose: DISCLOSURE_ALLOW_SHRINK=1
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT files FROM build_info").fetchone()[0] == 0


def test_leftovers_of_killed_runs_are_removed_at_the_start(raw, tmp_path):
    warehouse = tmp_path / "wh" / "disclosure.duckdb"
    build_warehouse(raw, warehouse, workers=1)
    cache = cache_dir_for(warehouse)
    leftovers = [warehouse.with_name(".disclosure.parquet.writing-4242"),
                 warehouse.with_name(".disclosure.parquet.old-4242"),
                 cache / "dim_report.0123456789ab.parquet", cache / ".manifest.json.4242",
                 cache / "segments" / "deadbeef.fact_application.parquet"]
    for path in leftovers:
        if "parquet." in path.name and not path.suffix:
            path.mkdir()
            (path / "part.parquet").write_bytes(b"half")
        else:
            path.write_bytes(b"half")
    next(raw.glob("002_*.txt")).unlink()
    log: list[str] = []
    build_warehouse(raw, warehouse, workers=1, log=log.append)
    assert [p for p in leftovers if p.exists()] == []
    assert any("leftover" in m for m in log)


def test_parse_workers_die_with_their_parent(tmp_path):
    code = textwrap.dedent("""
        import sys, time
        from pipeline.core.files import Budget, start_pool
        pool = start_pool(2, Budget())
        print(" ".join(str(w.proc.pid) for w in pool.workers), flush=True)
        time.sleep(600)
    """)
    parent = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    pids = [int(p) for p in parent.stdout.readline().split()]
    assert len(pids) == 2 and all(_alive(p) for p in pids)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(timeout=30)
    deadline = time.monotonic() + 20
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(p) for p in pids)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_an_unchanged_rerun_rewrites_a_quality_report_of_another_build(raw, tmp_path):
    from pipeline.core.quality_report import quality_report_path

    warehouse = tmp_path / "wh" / "disclosure.duckdb"
    build_warehouse(raw, warehouse, workers=1)
    report = quality_report_path(warehouse)
    current = report.read_text(encoding="utf-8")
    report.write_text("<html>the report of an earlier build (killed just after the rename)</html>")
    assert build_warehouse(raw, warehouse, workers=1) == {}  # nothing to publish …
    def stamped(text: str) -> str:  # the report of the published build again; only its time stamp differs
        return re.sub(r"生成时间 \d{4}-\d\d-\d\d \d\d:\d\d", "生成时间 …", text)
    assert "（构建 <code>" in current and stamped(report.read_text(encoding="utf-8")) == stamped(current)


def test_a_cache_save_that_fails_leaves_no_half_generation(raw, tmp_path, monkeypatch):
    from pipeline.core.cache import ParseCache

    cache = tmp_path / "cache"
    parse_folder(raw, cache, workers=1)
    before = sorted(p.name for p in cache.iterdir())
    real = pl.DataFrame.write_parquet
    calls = []

    def disk_full(frame, path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(frame, path, *args, **kwargs)
    monkeypatch.setattr(pl.DataFrame, "write_parquet", disk_full)
    with pytest.raises(OSError, match="No space left"):
        ParseCache(cache).save(ParseCache(cache).load(), ParseCache(cache).files())
    assert sorted(p.name for p in cache.iterdir()) == before


def test_the_new_files_sensor_survives_odd_names_and_dangling_links(tmp_path):
    from assets.resources import RawFolder

    (tmp_path / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    with open(os.fsencode(tmp_path) + b"/\xff\xfe.txt", "wb") as fh:
        fh.write(b"x")
    sensor = definitions.defs().resolve_sensor_def("new_raw_files")
    context = dg.build_sensor_context(resources={"raw_folder": RawFolder(path=str(tmp_path))})
    tick = sensor.evaluate_tick(context)
    assert len(tick.run_requests) == 1 and tick.run_requests[0].tags["files"] == "2"


def test_a_second_dagster_run_stops_at_once_while_a_build_holds_the_warehouse(raw, tmp_path):
    warehouse = tmp_path / "wh" / "disclosure.duckdb"
    code = ("import sys\nfrom pathlib import Path\nfrom pipeline.core.warehouse import build_lock\n"
            f"with build_lock(Path({str(warehouse)!r})):\n    print('held', flush=True)\n"
            "    sys.stdin.readline()\n")
    holder = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        job = definitions.defs().resolve_implicit_global_asset_job_def()
        resources = {"raw_folder": RawFolder(path=str(raw)), "warehouse": Warehouse(path=str(warehouse))}
        result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False,
                                        resources=resources)
    finally:
        holder.communicate("\n", timeout=30)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert failure.step_key == "parsed_reports"
    assert f"another build is running on {warehouse} (process {holder.pid} holds" in str(
        failure.step_failure_data.error.cause.message)
    assert not cache_dir_for(warehouse).exists()  # nothing was parsed, nothing written


def test_a_file_past_its_budget_is_rejected_and_the_rest_of_its_batch_goes_on(tmp_path):
    from pipeline.core.files import parse_files
    from tests.hostile import inflating_pdf

    folder = tmp_path / "raw"
    folder.mkdir()
    shutil.copy(seed_path("000"), folder / "a.txt")
    (folder / "b.pdf").write_bytes(inflating_pdf(64))
    shutil.copy(seed_path("004"), folder / "c.txt")
    refs = discover(folder)
    parsed = parse_files(refs, workers=1, batch_size=3, budget=Budget(seconds=2, memory_bytes=1 << 30))
    assert [(p.source_path, p.status) for p in parsed] == [("a.txt", "parsed"), ("b.pdf", "rejected"),
                                                          ("c.txt", "parsed")]
    # the PDF has no text layer: if it reaches OCR, the page it was stopped on is named
    assert re.fullmatch(r"took more than 2 s( on page 1 of 1 of its OCR)? while being read and parsed; "
                        r"rejected \(the run went on\)", parsed[1].error)
    assert parsed[1].file_sha256 == hashlib.sha256((folder / "b.pdf").read_bytes()).hexdigest()  # as read


def test_two_names_that_escape_alike_are_two_rows(tmp_path):
    """A file literally named `\\xff.txt` and one named with the byte 0xFF: both listed, neither lost."""
    shutil.copy(seed_path("004"), tmp_path / "\\xff.txt")
    with open(os.fsencode(tmp_path) + b"/\xff.txt", "wb") as fh:
        fh.write(b"x")
    refs = discover(tmp_path)
    assert [(r.source_path, r.problem) for r in refs] == [
        ("\\xff.txt", None),
        ("\\xff.txt [same name as the entry above, 2]",
         "its name, once escaped, is the same as another entry's: rename it to load it")]
