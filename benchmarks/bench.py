"""Benchmark the real materialisation: generate N synthetic reports (once, cached), run
`dagster asset materialize -m pipeline.definitions --select '*'` on them, and print wall time,
reports/s, peak memory of the whole process tree and the time per stage. Then an unchanged re-run
(everything from the parse cache).

    python benchmarks/bench.py --n 10000 --runs 3

Stage seconds come from each asset's `seconds` metadata in the run's event log. Parse stages
(read, parse, normalise) are CPU seconds summed over the worker processes; the others are wall
time. "dagster" is whatever the run's wall time does not account for: process start, imports,
the event log, IO managers.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


# A national year has each agency once: the benchmark names its townships from a large pool
# (two characters from these lists), so that agencies repeat about as rarely as in real folders.
_FIRST = "东西南北中上下前后新老大小金银石水山河湖龙凤安和平兴隆福寿长永丰康宁泰华明光"
_SECOND = "桥庄村店集坝口湾岭沟峪塘溪林寺堡营屯园坪湖岗田头港滩洲"


def _render_chunk(args: tuple[int, int, int, str]) -> int:
    from pipeline.synth.model import SynthReport, random_report
    from pipeline.synth.render import VARIANTS, Variant, render

    start, stop, seed, out = args
    variants = [Variant(*v) for v in VARIANTS if v[0] == "txt"]
    for i in range(start, stop):
        rng = random.Random(seed * 1_000_003 + i)
        faults = {"blank_cells"} if rng.random() < 0.05 else set()
        variant = variants[i % len(variants)]
        folder = Path(out) / f"batch{i // 1000:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        report: SynthReport = random_report(rng, faults)
        if report.admin_level == "township":
            town = report.place_words[0]
            unique = rng.choice(_FIRST) + rng.choice(_SECOND) + town[-1]
            report.agency_name = report.agency_name.replace(town, unique)
        (folder / f"{i:07d}{variant.suffix}").write_bytes(render(report, variant, rng))
    return stop - start


def corpus(n: int, seed: int, base: Path) -> Path:
    """The corpus folder for (n, seed), generated in parallel on first use."""
    out = base / f"corpus_{n}_{seed}"
    marker = base / f"corpus_{n}_{seed}.complete"
    if marker.exists():
        return out
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    chunks = [(i, min(i + 500, n), seed, str(out)) for i in range(0, n, 500)]
    with ProcessPoolExecutor() as pool:
        done = sum(pool.map(_render_chunk, chunks))
    marker.write_text(str(done))
    print(f"generated {done:,} .txt reports (5 layouts × 4 encodings) in {time.perf_counter() - t:.0f} s "
          f"→ {out}")
    return out


def _peak_rss(proc: subprocess.Popen, peak: list[int], stop: threading.Event) -> None:
    """Peak memory of the process tree: the sum of proportional set sizes (PSS), so pages that
    forked workers share with their parent are counted once, not once per process."""
    root = psutil.Process(proc.pid)
    while not stop.is_set():
        try:
            procs = [root, *root.children(recursive=True)]
            total = sum(p.memory_full_info().pss for p in procs)
            peak[0] = max(peak[0], total)
        except psutil.Error:
            pass
        time.sleep(0.2)


def materialize(raw: Path, warehouse: Path, home: Path) -> tuple[float, int, dict]:
    env = {**os.environ, "DISCLOSURE_RAW_DIR": str(raw), "DISCLOSURE_WAREHOUSE": str(warehouse),
           "DAGSTER_HOME": str(home)}
    cmd = [str(Path(sys.executable).with_name("dagster")), "asset", "materialize", "-m",
           "pipeline.definitions", "--select", "*"]
    peak, stop = [0], threading.Event()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    watcher = threading.Thread(target=_peak_rss, args=(proc, peak, stop), daemon=True)
    watcher.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - started
    stop.set()
    if proc.returncode != 0:
        raise SystemExit(f"materialisation failed:\n{err[-3000:]}")
    return wall, peak[0], _stage_seconds(home)


def _stage_seconds(home: Path) -> dict:
    os.environ["DAGSTER_HOME"] = str(home)
    import dagster as dg

    instance = dg.DagsterInstance.get()
    run = instance.get_runs(limit=1)[0]
    out: dict[str, float] = {}
    for record in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        mat = record.dagster_event.event_specific_data.materialization
        meta = {k: v.value for k, v in mat.metadata.items()}
        key = mat.asset_key.to_user_string()
        if key == "parsed_reports":
            for stage, secs in meta.get("stage_seconds", {}).items():
                out[stage] = secs
            out["parsed_this_run"] = meta.get("parsed_this_run", 0)
        elif "seconds" in meta:
            if key == "dq_finding":
                out["validate"], out["checks"] = meta["validate_seconds"], meta["checks_seconds"]
                out["assemble"] = meta["seconds"] - out["validate"] - out["checks"]
            else:
                stage = {"disclosure_warehouse": "write", "warehouse_parquet": "parquet"}.get(key, key)
                out[stage] = meta["seconds"]
    instance.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[1000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "disclosure-bench")
    a = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
          f"python {sys.version.split()[0]}")
    for n in a.n:
        raw = corpus(n, a.seed, a.work)
        walls, peaks, stages = [], [], []
        # one Dagster instance for the series, as a nightly schedule has (its run history grows)
        home = Path(tempfile.mkdtemp(prefix="dagster_home_", dir=a.work))
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        for i in range(a.runs + 1):
            wh_dir = a.work / f"wh_{n}"
            if i < a.runs:  # a full build: no warehouse, no parse cache
                shutil.rmtree(wh_dir, ignore_errors=True)
            wall, peak, st = materialize(raw, wh_dir / "disclosure.duckdb", home)
            label = f"full build {i + 1}" if i < a.runs else "unchanged re-run"
            print(f"n={n:,} {label}: {wall:.1f} s, {n / wall:,.0f} reports/s, peak {peak / 2**20:,.0f} MiB, "
                  f"parsed {st.get('parsed_this_run', '?')}")
            if i < a.runs:
                walls.append(wall), peaks.append(peak), stages.append(st)
            else:
                rerun = wall
        shutil.rmtree(home, ignore_errors=True)
        median = statistics.median(walls)
        at = walls.index(sorted(walls)[len(walls) // 2])
        st = stages[at]
        accounted = sum(v for k, v in st.items()
                        if k in ("fingerprint", "cache_load", "parse_wall", "cache_save", "assemble",
                                 "validate", "checks", "write", "parquet"))
        print(f"\nn={n:,}: median full build {median:.1f} s ({n / median:,.0f} reports/s), "
              f"peak {max(peaks) / 2**20:,.0f} MiB; "
              f"unchanged re-run {rerun:.1f} s ({100 * rerun / median:.0f} %)")
        cpu = sum(v for k, v in st.items() if k.endswith("_cpu")) or 1
        print("  stage seconds (median run), with each stage's share of the run's wall time; the parse")
        print("  stages (*_cpu) are CPU seconds summed over the workers, with their share of that CPU time:")
        for k in ("fingerprint", "cache_load", "parse_wall", "read_cpu", "parse_cpu", "normalise_cpu",
                  "checks_cpu", "validate_write_cpu", "cache_save", "assemble", "validate", "checks", "write",
                  "parquet"):
            if k in st:
                share = st[k] / (cpu if k.endswith("_cpu") else median)
                print(f"    {k:18s} {st[k]:8.2f} {100 * share:5.1f} %")
        rest = median - accounted
        print(f"    {'dagster (rest)':18s} {rest:8.2f} {100 * rest / median:5.1f} %\n")


if __name__ == "__main__":
    main()
