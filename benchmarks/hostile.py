"""The hostile set of issue 14 beside the five samples, built in one run with the README's command
(`dagster asset materialize -m pipeline.definitions --select '*'`, default budgets: 60 s and 1 GB
per file). Prints the wall time, the peak memory of the whole process tree (summed PSS, sampled
every 0.2 s), every file's status and reason, and whether the samples still match their golden.

    python benchmarks/hostile.py [--keep /tmp/hostile]

Settings can be passed through the environment (e.g. DISCLOSURE_FILE_SECONDS=10).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench import materialize  # noqa: E402
from tests.golden import compare  # noqa: E402
from tests.hostile import (EXPECTED_REASON, hostile_files, make_unsafe_entries,  # noqa: E402
                           nightly_hostile_files)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", type=Path, help="build here and keep it (default: a temporary folder)")
    args = ap.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="hostile-"))
    shutil.rmtree(base, ignore_errors=True)
    raw = base / "raw"
    shutil.copytree(ROOT / "data" / "raw", raw)
    sample = next(raw.glob("004_*.txt")).read_text(encoding="utf-8")
    expected = {}
    for name, (data, status, why) in nightly_hostile_files(sample).items():
        (raw / name).write_bytes(data)
        expected[name] = (status, why)
    for name, data in hostile_files().items():
        (raw / name).write_bytes(data)
        expected[name] = ("rejected", EXPECTED_REASON[name])
    expected |= make_unsafe_entries(raw, base / "outside", sample.encode())
    warehouse = base / "wh" / "disclosure.duckdb"
    home = base / "dagster_home"
    home.mkdir()
    wall, peak, _ = materialize(raw, warehouse, home)
    golden = json.loads((ROOT / "tests" / "fixtures" / "seeds_golden.json").read_text(encoding="utf-8"))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("SELECT source_path, status, error FROM raw_file ORDER BY source_path").fetchall()
        misses = compare(golden, con)
    wrong = 0
    for path, status, error in rows:
        want = expected.get(path)
        ok = want is None or (status == want[0] and want[1] in (error or ""))
        wrong += not ok
        print(f"{'ok ' if ok else 'BAD'} {status:8} {path[:60]:60} {(error or '')[:110]}")
    print(f"\nfiles: {len(rows)} ({len(expected)} hostile, {len(rows) - len(expected)} samples); "
          f"not as expected: {wrong}; sample golden mismatches: {len(misses)}")
    print(f"one run: {wall:.1f} s wall, peak memory {peak / 2**20:,.0f} MiB (process tree, PSS)")
    print(f"built in {base}" if args.keep else "")


if __name__ == "__main__":
    main()
