"""Accuracy on a generated corpus: render N synthetic reports over every format and layout, build
the warehouse the way the nightly job does (`build_warehouse`, every file parsed in a worker under
the default budgets), then compare it with the corpus's golden file. Prints per-variant figures and,
timed separately on one core, the parse time per source format.

    python benchmarks/accuracy.py --n 1000 --out /tmp/corpus
    python ../shared/tools/score_warehouse.py --golden /tmp/corpus/golden.json \\
        --warehouse /tmp/corpus/disclosure.duckdb
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.core.build import build_warehouse  # noqa: E402
from pipeline.core.files import Budget, discover, parse_file  # noqa: E402
from pipeline.synth.__main__ import write_corpus  # noqa: E402
from tests.golden import compare  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    raw = a.out / "raw"
    t0 = time.perf_counter()
    golden = write_corpus(a.n, raw, seed=a.seed)
    (a.out / "golden.json").write_text(json.dumps(golden, ensure_ascii=False), encoding="utf-8")
    print(f"generated {a.n} reports in {time.perf_counter() - t0:.1f} s")

    warehouse = a.out / "disclosure.duckdb"
    t0 = time.perf_counter()
    build_warehouse(raw, warehouse, use_cache=False, budget=Budget())
    print(f"built {warehouse} in {time.perf_counter() - t0:.1f} s")
    seconds: dict[str, list[float]] = defaultdict(list)
    for ref in discover(raw):  # timing only: the warehouse above is what is scored
        t = time.perf_counter()
        parse_file(ref)
        seconds[ref.source_format].append(time.perf_counter() - t)
    print("\nparse time per file (one core):")
    for fmt, xs in sorted(seconds.items()):
        print(f"  {fmt:5s} files {len(xs):5d}  median {statistics.median(xs) * 1000:7.1f} ms  "
              f"p95 {sorted(xs)[int(0.95 * (len(xs) - 1))] * 1000:7.1f} ms")

    con = duckdb.connect(str(warehouse), read_only=True)
    misses = compare(golden, con)
    by_variant: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    bad_files = {m.split(":")[0] for m in misses}
    for name, g in golden.items():
        if not name.startswith("_"):
            by_variant[g["variant"]][0] += name not in bad_files
            by_variant[g["variant"]][1] += 1
    print("\nfiles fully correct per variant:")
    for v, (ok, n) in sorted(by_variant.items()):
        print(f"  {v:34s} {ok}/{n}")
    print(f"\nmismatches: {len(misses)}")
    for m in misses[:20]:
        print("  " + m)
    print(f"\nscore with: python ../shared/tools/score_warehouse.py --golden {a.out / 'golden.json'} "
          f"--warehouse {warehouse}")


if __name__ == "__main__":
    main()
