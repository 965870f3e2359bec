"""What the similar_prose check costs: a full build of N generated reports (the corpus of
benchmarks/bench.py: .txt reports, agencies named as rarely alike as in a national year), and the
part of it that similar_prose takes:

- in the parse workers: the MinHash signature of each report's §一 §五 §六 prose (timed on a
  sample of the files parsed in this process, scaled to N reports over the workers);
- in the main process: comparing the signatures (`checks.similar_prose_findings`).

    python benchmarks/similar_prose.py --n 10000

Prints the build's wall time, both parts and their share of the build.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench import corpus  # noqa: E402

from pipeline.core import checks, similarity  # noqa: E402
from pipeline.core import codebook as cb  # noqa: E402
from pipeline.core import parser as parser_module  # noqa: E402
from pipeline.core.build import build_warehouse, cache_dir_for  # noqa: E402
from pipeline.core.cache import ParseCache  # noqa: E402
from pipeline.core.files import discover, parse_file  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--sample", type=int, default=500)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--base", default=os.path.join(tempfile.gettempdir(), "disclosure-bench"))
    args = ap.parse_args()
    raw = corpus(args.n, args.seed, Path(args.base))
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Path(tmp) / "disclosure.duckdb"
        t = time.perf_counter()
        build_warehouse(raw, warehouse, workers=args.workers, use_cache=False)
        build = time.perf_counter() - t

        signatures = ParseCache(cache_dir_for(warehouse)).load()["prose_signature"]
        with duckdb.connect(str(warehouse), read_only=True) as con:
            reports = con.execute("SELECT report_id, agency_name, report_year, source_path "
                                  "FROM dim_report").pl()
            found = con.execute("SELECT count(*) FROM dq_finding "
                                "WHERE check_name = ?", [cb.CHECK_SIMILAR_PROSE]).fetchone()[0]
        t = time.perf_counter()
        checks.similar_prose_findings(signatures, reports)
        compare = time.perf_counter() - t

    spent = [0.0]
    timed = similarity.signature

    def signature(text: str):
        started = time.perf_counter()
        try:
            return timed(text)
        finally:
            spent[0] += time.perf_counter() - started

    parser_module.similarity.signature = signature  # type: ignore[attr-defined]
    refs = discover(raw)[: args.sample]
    t = time.perf_counter()
    for ref in refs:
        parse_file(ref)
    parse_each = (time.perf_counter() - t) / len(refs)
    sign_each = spent[0] / len(refs)
    in_workers = sign_each * args.n / args.workers

    print(f"reports: {args.n:,} ({reports.height:,} in the warehouse), workers: {args.workers}")
    print(f"full build (build_warehouse, no cache): {build:.1f} s; similar_prose findings: {found}")
    print(f"signatures in the workers: {sign_each * 1000:.3f} ms per report "
          f"({sign_each / parse_each:.1%} of parsing one, {parse_each * 1000:.2f} ms) → {in_workers:.2f} s "
          f"over {args.workers} workers")
    print(f"comparing the signatures (main process): {compare:.2f} s")
    print(f"similar_prose adds {in_workers + compare:.2f} s: "
          f"{(in_workers + compare) / (build - in_workers - compare):.1%} of the build without it")


if __name__ == "__main__":
    main()
