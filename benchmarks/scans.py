"""Scan accuracy: real reports printed, scanned as a scanner would (several degradations), built by the
Dagster job and scored with the shared scorer, per report × degradation.

The reports (all real; tests/fixtures):
  huaian    the real Huai'an 2024 PDF (formats/huaian_city_2024.pdf) and its golden
  shanghai  the real 上海市人民政府办公厅 2025 report: its text (real/shanghai_office_2025_pdftext.txt)
            printed as a PDF, prose verbatim and the three statistics tables laid out as the official
            template prints them with the values of its hand-checked golden (real/golden.json); the cells
            the golden does not state are printed blank
  kewei     the real 上海市科委 2024 report, the same way

Degradations (`DEGRADATIONS`): dpi, skew (degrees, either way), JPEG quality, speckle, grey paper, blur.

    .venv/bin/python benchmarks/scans.py --out /tmp/scans --font /path/to/cjk.ttc \
        --scorer /work/shared/tools/score_warehouse.py [--reports huaian,shanghai] [--degradations a,b]

`--font`: a TrueType font with Chinese glyphs to print the text reports with (embedded in the PDF;
e.g. wqy-microhei.ttc of Debian's fonts-wqy-microhei). Set DISCLOSURE_OCR_CACHE to keep OCR'd pages
between runs (post-processing changes then cost no OCR). Prints a table of scores.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FIXTURES = ROOT / "tests" / "fixtures"


@dataclass(frozen=True)
class Degradation:
    dpi: int
    skew: float  # degrees, counter-clockwise
    quality: int  # JPEG
    speckle: float  # share of pixels flipped to a speck
    paper: float  # ink and paper pulled towards grey: v * (1 - paper) + 255 * paper * 0.6
    blur: float  # Gaussian radius in pixels at 144 dpi


DEGRADATIONS = {
    "144dpi +0.6° q60": Degradation(144, 0.6, 60, 1 / 400, 0.14, 0.4),  # make_scan.py's
    "300dpi -0.3° q75": Degradation(300, -0.3, 75, 1 / 1500, 0.10, 0.3),
    "200dpi +1.2° q50": Degradation(200, 1.2, 50, 1 / 300, 0.18, 0.5),
    "150dpi -1.5° q40": Degradation(150, -1.5, 40, 1 / 250, 0.22, 0.6),
    # held out: first run after the rules above were written, to see whether they carry over
    "240dpi -0.8° q45": Degradation(240, -0.8, 45, 1 / 200, 0.25, 0.5),
}


def degrade(page, d: Degradation, rng: random.Random):
    """One PDF page (pypdfium2) as an image a scanner gives."""
    from PIL import Image, ImageFilter

    image = page.render(scale=d.dpi / 72, grayscale=True).to_pil().convert("L")
    image = image.rotate(d.skew, resample=Image.BICUBIC, expand=False, fillcolor=255)
    lift = 255 * d.paper * 0.6
    image = image.point(lambda v: int(v * (1 - d.paper) + lift))
    pixels = image.load()
    for _ in range(int(image.width * image.height * d.speckle)):
        x, y = rng.randrange(image.width), rng.randrange(image.height)
        pixels[x, y] = rng.choice((40, 90, 230))
    if d.blur:
        image = image.filter(ImageFilter.GaussianBlur(d.blur * d.dpi / 144))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=d.quality)
    return Image.open(io.BytesIO(out.getvalue()))


def scan(pdf_bytes: bytes, d: Degradation, seed: int = 13) -> bytes:
    """An image-only PDF of every page, degraded."""
    import pypdfium2 as pdfium

    rng = random.Random(seed)
    pdf = pdfium.PdfDocument(pdf_bytes)
    images = [degrade(pdf[i], d, rng) for i in range(len(pdf))]
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=float(d.dpi), save_all=True, append_images=images[1:])
    return out.getvalue()


# --- the real text reports, printed --------------------------------------------------------------

# (heading line that opens the table's region, the line that closes it, which table)
_REGIONS = {
    "shanghai": ("shanghai_office_2025_pdftext.txt", [
        ("二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "proactive"),
        ("三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况", "application"),
        ("四、政府信息公开行政复议、行政诉讼情况", "（一）2024 年工作中存在问题的改进情况", "review")]),
    "kewei": ("kewei_2024_pdftext.txt", [
        ("一、主动公开政府信息情况", "二、收到和处理政府信息公开申请情况", "proactive"),
        ("二、收到和处理政府信息公开申请情况", "三、政府信息公开行政复议、行政诉讼情况", "application"),
        ("三、政府信息公开行政复议、行政诉讼情况", "（一）主要问题", "review")]),
}
# §二 of the Shanghai office as its text prints it where unambiguous (not scored: not in its golden)
_SHANGHAI_PROACTIVE = {("regulations", "issued"): 22, ("regulations", "in_force"): 235,
                       ("normative_documents", "issued"): 34, ("normative_documents", "in_force"): 189,
                       ("licensing", "decisions"): 0, ("penalty", "decisions"): 0,
                       ("coercion", "decisions"): 0,
                       ("fees", "amount_10k_yuan"): 0}
_HEAD = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")


def _grid(area: dict | None, keys) -> dict:
    if area is None:
        return {k: None for k in keys}
    nulls = set(area.get("null_cells", []))
    return {k: None if "/".join(k) in nulls else area["nonzero"].get("/".join(k), 0) for k in keys}


def printed_report(name: str, font_file: str) -> tuple[bytes, dict]:
    """(text PDF, golden entry) of a real text report: prose verbatim, tables from its golden."""
    from pipeline.core import codebook as cb
    from pipeline.synth import layout, render

    file_name, regions = _REGIONS[name]
    lines = (FIXTURES / "real" / file_name).read_text(encoding="utf-8").splitlines()
    golden = json.loads((FIXTURES / "real" / "golden.json").read_text(encoding="utf-8"))[file_name]
    fmt = cb.FORMAT_2021
    rep = SimpleNamespace(
        format_version=fmt, row_codes=cb.application_row_codes(fmt), missing_rows=(),
        application=_grid(golden["application"], cb.APPLICATION_CELLS[fmt]),
        review_litigation=_grid(golden["review_litigation"], cb.REVIEW_GRID),
        proactive=(_grid(golden["proactive"],
                         [(i, m) for i, ms in cb.PROACTIVE_GRID[fmt].items() for m in ms])
                   if "proactive" in golden else {(i, m): _SHANGHAI_PROACTIVE.get((i, m))
                                                  for i, ms in cb.PROACTIVE_GRID[fmt].items() for m in ms}))

    class Plain(random.Random):  # numbers printed plainly (no "1 259")
        def random(self) -> float:
            return 1.0
    rng = Plain(0)
    tables = {"proactive": layout.proactive_table, "application": layout.application_table,
              "review": layout.review_table}
    blocks: list = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append("".join(paragraph))
            paragraph.clear()
    i = 0
    keep_note = "注：行政复议、行政诉讼数量含上年度结转数量。"
    while i < len(lines):
        line = lines[i].strip()
        region = next((r for r in regions if r[0] == line), None)
        if region is not None:
            flush()
            blocks.append(line)
            blocks.append(tables[region[2]](rep, rng, ""))
            end = next(k for k in range(i + 1, len(lines)) if lines[k].strip() == region[1])
            if any(lines[k].strip() == keep_note for k in range(i, end)):
                blocks.append(keep_note)
            i = end
            continue
        if not line or line == "正文" or re.fullmatch(r"— \d+ —", line):
            flush()
        elif _HEAD.match(line):
            flush()
            paragraph.append(line)
            if len(line) < 24:  # a heading of its own
                flush()
        else:
            paragraph.append(line)
        i += 1
    flush()
    if blocks and len(blocks) > 1 and isinstance(blocks[1], str) and len(blocks[0]) < 30:
        # a title over two lines
        blocks[0:2] = [blocks[0] + blocks[1]] if len(blocks[1]) < 12 else blocks[0:2]
    return render.render_pdf(blocks, font_file=font_file), golden


def sources(names: list[str], font_file: str | None) -> dict[str, tuple[bytes, dict]]:
    out = {}
    for name in names:
        if name == "huaian":
            golden = json.loads((FIXTURES / "formats" / "huaian_city_2024.golden.json").read_text("utf-8"))
            out[name] = ((FIXTURES / "formats" / "huaian_city_2024.pdf").read_bytes(),
                         golden["huaian_city_2024.pdf"])
        else:
            if not font_file:
                raise SystemExit(f"{name}: --font (a TrueType font with Chinese glyphs) is needed "
                                 "to print it")
            out[name] = printed_report(name, font_file)
    return out


# --- build and score -------------------------------------------------------------------------------

def build(raw: Path, warehouse: Path) -> float:
    env = {**os.environ, "DISCLOSURE_RAW_DIR": str(raw), "DISCLOSURE_WAREHOUSE": str(warehouse),
           "DAGSTER_HOME": tempfile.mkdtemp(prefix="dagster-home-")}
    cache = warehouse.with_name(warehouse.stem + ".parse-cache")
    if cache.exists():  # parse again (the OCR'd pages themselves are in DISCLOSURE_OCR_CACHE)
        shutil.rmtree(cache)
    started = time.perf_counter()
    done = subprocess.run([str(Path(sys.executable).parent / "dagster"), "asset", "materialize", "-m",
                           "pipeline.definitions", "--select", "*"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    (warehouse.parent / "build.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"build of {raw} failed")
    return time.perf_counter() - started


def score(scorer: str, golden: dict, warehouse: Path, name: str) -> tuple[int, int, str]:
    path = warehouse.parent / f"golden.{name}.json"
    path.write_text(json.dumps({f"{name}.pdf": golden}, ensure_ascii=False, indent=1), encoding="utf-8")
    done = subprocess.run([sys.executable, scorer, "--golden", str(path), "--warehouse", str(warehouse),
                           "--show", "50"], capture_output=True, text=True)
    found = re.search(r"overall: (\d+)/(\d+)", done.stdout)
    if not found:
        raise SystemExit(done.stdout + done.stderr)
    return int(found.group(1)), int(found.group(2)), done.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--font", default=None)
    ap.add_argument("--scorer", required=True)
    ap.add_argument("--reports", default="huaian,shanghai,kewei")
    ap.add_argument("--degradations", default=",".join(DEGRADATIONS))
    ap.add_argument("--only-scans", action="store_true", help="write the scans and goldens, build nothing")
    args = ap.parse_args()
    names = args.reports.split(",")
    chosen = [d for d in args.degradations.split(",") if d]
    reports = sources(names, args.font)
    table = {}
    for label in chosen:
        folder = args.out / f"d{list(DEGRADATIONS).index(label)}"
        raw = folder / "raw"
        raw.mkdir(parents=True, exist_ok=True)
        for name, (pdf, golden) in reports.items():
            target = raw / f"{name}.pdf"
            if not target.exists():
                target.write_bytes(scan(pdf, DEGRADATIONS[label]))
        if args.only_scans:
            continue
        seconds = build(raw, folder / "disclosure.duckdb")
        for name, (pdf, golden) in reports.items():
            ok, total, text = score(args.scorer, golden, folder / "disclosure.duckdb", name)
            (folder / f"score.{name}.txt").write_text(text)
            table[(name, label)] = (ok, total)
        print(f"{label}: built in {seconds:.0f} s", file=sys.stderr)
    if args.only_scans:
        return
    print("| report | " + " | ".join(chosen) + " |")
    print("|---|" + "---|" * len(chosen))
    for name in names:
        cells = [f"{got}/{total} ({100 * got / total:.1f} %)"
                 for got, total in (table[(name, d)] for d in chosen)]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
