"""A realistic mix of formats: PDF 55 %, DOCX 20 %, HTML 15 %, TXT 5 % and scans 5 % of N generated
reports. Prints, per format, the reader + parser CPU per document on one core, and the end-to-end cost
per document of a real Dagster build of that format alone on this machine's cores, net of the fixed
cost of a run (a build of 5 .txt reports); then the whole mix end to end, and what a national year
(10^5 reports in this mix) would take. Scans are OCR'd at seconds per page, so they are timed on a
small sample (--scans, generated PDFs rasterised as a scanner would) and added to the estimate.

    python benchmarks/formats.py --n 1000            # also: --n 10000 (rendering PDFs takes minutes)
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench import materialize  # noqa: E402

MIX = {"pdf": 0.55, "docx": 0.20, "html": 0.15, "txt": 0.05}
SCAN_SHARE = 0.05
NATIONAL_YEAR = 100_000
PER_FORMAT_FILES = 400  # each format is also built alone, from at least this many files …
SMALL_BUILD = 150  # … and from this many: two builds that both start the worker pool (batches of 128)


def _render(args: tuple[str, int, int, str]) -> None:
    from pipeline.synth.model import random_report
    from pipeline.synth.render import VARIANTS, Variant, render

    fmt, start, stop, out = args
    variants = [Variant(*v) for v in VARIANTS if v[0] == fmt]
    for i in range(start, stop):
        rng = random.Random(7919 * i + len(fmt))
        variant = variants[i % len(variants)]
        rep = random_report(rng, {"blank_cells"} if rng.random() < 0.05 else set())
        Path(out, f"{fmt}_{i:06d}{variant.suffix}").write_bytes(render(rep, variant, rng))


def corpus(n: int, base: Path) -> dict[str, Path]:
    """One folder per format, with that format's share of n reports, or PER_FORMAT_FILES if more
    (rendered once, cached); the mix takes each format's share."""
    folders = {}
    jobs = []
    for fmt, share in MIX.items():
        count = max(round(n * share), PER_FORMAT_FILES)
        folder = base / f"{fmt}_{count}"
        folders[fmt] = folder
        if not (base / f"{fmt}_{count}.complete").exists():
            folder.mkdir(parents=True, exist_ok=True)
            jobs += [(fmt, i, min(i + 50, count), str(folder)) for i in range(0, count, 50)]
    if jobs:
        t = time.perf_counter()
        with ProcessPoolExecutor() as pool:
            list(pool.map(_render, jobs))
        for fmt, folder in folders.items():
            (base / f"{folder.name}.complete").write_text("")
        print(f"rendered the corpus in {time.perf_counter() - t:.0f} s → {base}")
    return folders


def _link(source: Path, target: Path) -> None:
    """A hard link (a copy across file systems): the build refuses symlinks that leave the raw folder,
    so symlinked sub-corpora would be timed as 100 % rejected files."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def cpu_per_document(folder: Path, sample: int) -> tuple[float, float]:
    """Median CPU ms per file of reading and of parsing, in this process (one core)."""
    from pipeline.core.files import RawFileRef
    from pipeline.core.parser import parse_document
    from pipeline.core.readers import read_document

    read_ms, parse_ms = [], []
    for path in sorted(folder.iterdir())[:sample]:
        ref = RawFileRef(path, path.name)
        data = path.read_bytes()
        t0 = time.process_time()
        doc = read_document(data, ref.source_format)
        t1 = time.process_time()
        parse_document(doc)
        t2 = time.process_time()
        read_ms.append(1000 * (t1 - t0))
        parse_ms.append(1000 * (t2 - t1))
    return statistics.median(read_ms), statistics.median(parse_ms)


def scan_seconds(pdfs: list[Path]) -> tuple[float, float]:
    """(CPU seconds per page, per document) of reading scans made from `pdfs` by OCR, one core."""
    import io

    import pypdfium2 as pdfium
    from PIL import Image, ImageFilter

    from pipeline.core.readers import read_document

    pages = seconds = 0.0
    for path in pdfs:
        source = pdfium.PdfDocument(path.read_bytes())
        images = []
        for i in range(len(source)):
            image = source[i].render(scale=2.0, grayscale=True).to_pil().convert("L").rotate(
                0.5, fillcolor=255).point(lambda v: int(v * 0.86 + 12)).filter(ImageFilter.GaussianBlur(0.4))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=60)
            images.append(Image.open(io.BytesIO(out.getvalue())))
        scan = io.BytesIO()
        images[0].save(scan, "PDF", resolution=144.0, save_all=True, append_images=images[1:])
        started = time.process_time()
        doc = read_document(scan.getvalue(), "pdf")
        seconds += time.process_time() - started
        pages += len(images)
        assert doc.note and doc.note.startswith("text from OCR")
    return seconds / pages, seconds / len(pdfs)


def build_seconds(raw: Path, work: Path, runs: int) -> tuple[float, float]:
    """Median (wall seconds, CPU seconds of the whole process tree) of full builds (no cache, no
    warehouse) of `raw`. CPU time is what a busy shared machine disturbs least."""
    walls, cpus = [], []
    for k in range(runs):
        run = Path(tempfile.mkdtemp(dir=work))
        (run / "home").mkdir()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall, _, _ = materialize(raw, run / "w.duckdb", run / "home")
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        walls.append(wall)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=1, help="builds per measurement (median)")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "disclosure-formats")
    ap.add_argument("--formats", default=",".join(MIX), help="formats to build one by one, comma-separated")
    ap.add_argument("--scans", type=int, default=2, help="scanned reports to time OCR on (0: none)")
    ap.add_argument("--no-mix", action="store_true", help="skip the build of the whole mix")
    a = ap.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    folders = corpus(a.n, a.work / "corpus")
    from pipeline.synth.render import Variant  # noqa: F401  (imports the generator before timing)

    fixed_raw = a.work / "fixed"
    if not fixed_raw.exists():
        fixed_raw.mkdir()
        for path in sorted(folders["txt"].iterdir())[:5]:
            (fixed_raw / path.name).write_bytes(path.read_bytes())
    fixed, fixed_cpu = build_seconds(fixed_raw, a.work, a.runs)
    cores = os.cpu_count() or 1
    print(f"\nfixed cost of a build (5 .txt reports): {fixed:.1f} s wall, {fixed_cpu:.1f} s CPU\n")
    print(f"per document; read and parse: CPU on one core; end to end: CPU of the whole build per added\n"
          f"document (builds of {SMALL_BUILD} and of all the files), wall time if the {cores} cores were\n"
          f"free (CPU / cores), and wall time as measured net of the fixed cost\n")
    print(f"{'format':6s} {'files':>6s} {'read ms':>8s} {'parse ms':>9s} {'e2e CPU ms':>11s} "
          f"{'e2e ms/doc':>11s} {'measured wall ms':>17s}")
    per_doc = {}
    for fmt, folder in folders.items():
        if fmt not in a.formats.split(","):
            continue
        n = len(list(folder.iterdir()))
        read_ms, parse_ms = cpu_per_document(folder, min(n, 200))
        # the marginal cost: builds of SMALL_BUILD files and of all of them, so that every fixed cost
        # (Dagster, the worker pool's start-up) cancels out
        small = a.work / f"{folder.name}_small"
        if not small.exists():
            small.mkdir()
            for path in sorted(folder.iterdir())[:SMALL_BUILD]:
                _link(path, small / path.name)
        _, cpu_small = build_seconds(small, a.work, a.runs)
        wall, cpu = build_seconds(folder, a.work, a.runs)
        per_doc[fmt] = 1000 * max(cpu - cpu_small, 0.0) / (n - SMALL_BUILD)
        print(f"{fmt:6s} {n:6d} {read_ms:8.1f} {parse_ms:9.1f} {per_doc[fmt]:11.1f} "
              f"{per_doc[fmt] / cores:11.1f} {1000 * max(wall - fixed, 0.0) / n:17.1f}")
    scan_page = scan_doc = 0.0
    if a.scans:
        scan_page, scan_doc = scan_seconds(sorted(folders["pdf"].iterdir())[:a.scans])
        print(f"scan   {a.scans:6d} OCR {scan_page:.1f} s CPU per page, {scan_doc:.1f} s per report "
              f"({scan_doc * 1000 / cores:.0f} ms per document on {cores} cores)")
    if a.no_mix:
        return
    mixed = a.work / f"mix_{a.n}"
    if not mixed.exists():
        mixed.mkdir()
        for fmt, folder in folders.items():
            for path in sorted(folder.iterdir())[:round(a.n * MIX[fmt])]:
                _link(path, mixed / path.name)
    total = len(list(mixed.iterdir()))
    wall, cpu = build_seconds(mixed, a.work, a.runs)
    mix_ms = 1000 * (cpu - fixed_cpu) / total / cores
    weighted = sum(MIX[f] * per_doc[f] for f in per_doc) / sum(MIX[f] for f in per_doc or MIX) / cores
    print(f"\nthe mix, {total} files: build {wall:.1f} s wall, {cpu:.1f} s CPU; {mix_ms:.1f} ms per document "
          f"on {cores} free cores, net of the fixed cost (per-format figures weighted: {weighted:.1f} ms)")
    text = NATIONAL_YEAR * (1 - SCAN_SHARE) * weighted / 1000  # the marginal cost: fixed costs are paid once
    scans = NATIONAL_YEAR * SCAN_SHARE * scan_doc / cores
    print(f"a national year ({NATIONAL_YEAR:,} reports: {1 - SCAN_SHARE:.0%} in this mix, "
          f"{SCAN_SHARE:.0%} scans) on this machine: about {(fixed + text + scans) / 3600:.1f} h — "
          f"{text / 60:.0f} min for the files with text, {scans / 3600:.1f} h of OCR")


if __name__ == "__main__":
    main()
