"""Write a synthetic corpus and its golden file:

    python -m pipeline.synth --n 1000 --out /tmp/corpus --golden /tmp/corpus.golden.json

Files are spread evenly over every format, layout and encoding; a share of them carries faults.
"""
from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from pathlib import Path

from pipeline.synth.golden import golden_entry
from pipeline.synth.model import FAULTS, random_report
from pipeline.synth.render import VARIANTS, Variant, render


def write_corpus(n: int, out: Path, seed: int = 0, fault_share: float = 0.3,
                 variants: tuple[tuple[str, str, str], ...] = VARIANTS) -> dict:
    """Render n reports into `out`; return the golden dict (keyed by file name)."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    golden: dict = {"_about": f"synthetic corpus: n={n} seed={seed} fault_share={fault_share}"}
    for i in range(n):
        variant = Variant(*variants[i % len(variants)])
        faults = set(rng.sample(FAULTS, rng.randint(1, 2))) if rng.random() < fault_share else set()
        rep = random_report(rng, faults)
        name = f"{i:06d}_{variant.layout}_{variant.encoding}{variant.suffix}"
        (out / name).write_bytes(render(rep, variant, rng))
        kind = f"{variant.source_format}/{variant.layout}/{variant.encoding}"
        golden[name] = golden_entry(rep) | {"variant": kind}
    return golden


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--golden", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fault-share", type=float, default=0.3)
    ap.add_argument("--formats", default="txt,docx,html,pdf", help="comma-separated source formats to render")
    a = ap.parse_args()
    formats = set(a.formats.split(","))
    variants = tuple(v for v in VARIANTS if v[0] in formats)
    t0 = time.perf_counter()
    golden = write_corpus(a.n, a.out, a.seed, a.fault_share, variants)
    a.golden.write_text(json.dumps(golden, ensure_ascii=False, indent=1), encoding="utf-8")
    kinds = Counter(v["variant"].split("/")[0] for k, v in golden.items() if not k.startswith("_"))
    print(f"wrote {a.n} reports to {a.out} in {time.perf_counter() - t0:.1f} s ({dict(kinds)}); "
          f"golden: {a.golden}")


if __name__ == "__main__":
    main()
