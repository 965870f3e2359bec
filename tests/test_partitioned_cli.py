"""The partitioned mode end to end, as the README runs it: the `dg` CLI, the multiprocess
executor (one process per step, outputs through storage), a persistent Dagster home, and a file
added between two builds."""
from __future__ import annotations

import os
import shutil
import subprocess

import dagster as dg
import duckdb

from pipeline.setup_home import setup_home
from tests.conftest import RAW, ROOT

DG = ROOT / ".venv" / "bin" / "dg"


def launch(args: list[str], env: dict) -> subprocess.CompletedProcess:
    done = subprocess.run([str(DG) if DG.exists() else "dg", "launch", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Warning" not in done.stdout + done.stderr
    return done


def accounted(home) -> tuple[bool, int, int]:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        record = instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey("raw_file"), "every_file_accounted"), limit=1)[0]
        evaluation = record.event.dagster_event.event_specific_data
        meta = evaluation.metadata
        return evaluation.passed, meta["files_found"].value, meta["raw_file_rows"].value


def test_partitioned_multiprocess_build_picks_up_an_added_file(tmp_path):
    """A first build (in one process, to keep the test short), a file added, then the build with the
    multiprocess executor: each step in its own process, handing on only what is kept on disk."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    home, _ = setup_home(tmp_path / "home")
    warehouse = tmp_path / "wh" / "disclosure.duckdb"
    env = {**os.environ, "DAGSTER_HOME": str(home), "DISCLOSURE_RAW_DIR": str(raw),
           "DISCLOSURE_WAREHOUSE": str(warehouse), "DISCLOSURE_PARSE_PARTITIONS": "2",
           "DISCLOSURE_EXECUTOR": "multiprocess"}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "export DISCLOSURE_PARSE_PARTITIONS=4 DISCLOSURE_EXECUTOR=multiprocess" in readme
    assert ".venv/bin/dg launch --job build_warehouse --partition-range 000...003" in readme
    # the README's command, with N = 2
    every_partition = ["--job", "build_warehouse", "--partition-range", "000...001"]
    first = launch(every_partition, {**env, "DISCLOSURE_EXECUTOR": "in_process"})  # the build before
    assert "partition 000:" in first.stderr and "partition 001:" in first.stderr
    assert accounted(home) == (True, 5, 5)
    shutil.copy(next(RAW.glob("004_*.txt")), raw / "added_later.txt")
    second = launch(every_partition, env)
    assert "already current" not in second.stderr and "run summary: files: 6" in second.stderr
    assert accounted(home) == (True, 6, 6)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        added = con.execute("SELECT status FROM raw_file WHERE source_path = 'added_later.txt'").fetchone()
        assert added == ("parsed",)
        # the copy shares 004's report
        assert con.execute("SELECT count(*) FROM dim_report").fetchone()[0] == 5
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()  # newest first
        assert len(runs) == 2 and all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
        engine = [r.message for r in instance.all_logs(runs[0].run_id)
                  if r.dagster_event and r.dagster_event.event_type == dg.DagsterEventType.ENGINE_EVENT]
        assert any(m.startswith("Executing steps using multiprocess executor") for m in engine)
