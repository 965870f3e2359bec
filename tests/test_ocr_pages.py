"""A scan's pages in the parse pool: the time budget applies per OCR'd page (a long scan is not killed,
a hung page is), every page is reported for the progress log, and an interrupted scan resumes from the
pages already OCR'd. No real OCR here (a stand-in engine): these tests take seconds, not minutes."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from functools import partial
from types import SimpleNamespace

import pytest

from pipeline.core.files import Budget, ParsePool, RawFileRef, _stopped, page_progress
from pipeline.core.readers import ocr
from tests.conftest import ROOT
from tests.slow_scan import slow_scan_batch


def test_a_long_scan_is_not_killed_but_a_hung_page_is(tmp_path):
    """Budget 3 s: four pages of 1.2 s (4.8 s in all) pass; a page that hangs is stopped and named."""
    refs = [RawFileRef(tmp_path / "hung.pdf", "hung.pdf"), RawFileRef(tmp_path / "long.pdf", "long.pdf")]
    seen = []
    fn = partial(slow_scan_batch, pages=4, seconds=1.2, hang={("hung.pdf", 2)})
    with ParsePool(1, Budget(seconds=3), pages=lambda *a: seen.append(a)) as pool:
        out = [p for _, batch in pool.map(fn, [refs], 1 << 20, _stopped) for p in batch]
    by_path = {p.source_path: (p.status, p.error) for p in out}
    assert by_path["long.pdf"] == ("parsed", None)
    assert by_path["hung.pdf"] == ("rejected", "took more than 3 s on page 2 of 4 of its OCR while being "
                                               "read and parsed; rejected (the run went on)")
    long_pages = [(done, total) for path, done, total, _ in seen if path == "long.pdf"]
    assert long_pages == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    # the file's own time
    assert [s for path, done, _, s in seen if path == "long.pdf" and done == 4][0] >= 4.8


def test_a_scan_being_ocrd_may_use_the_ocr_engines_memory_on_top_of_the_budget(tmp_path):
    """The OCR engine takes up to 1 GB by itself: while a worker reports pages its memory limit is the
    budget plus `ocr_memory_bytes`; a file that takes as much without OCR is stopped."""
    refs = [RawFileRef(tmp_path / "no-ocr.pdf", "no-ocr.pdf"), RawFileRef(tmp_path / "scan.pdf", "scan.pdf")]
    budget = Budget(seconds=30, memory_bytes=400 << 20, ocr_memory_bytes=500 << 20)
    fn = partial(slow_scan_batch, pages=2, seconds=0.6, hog_mb=450)
    with ParsePool(1, budget) as pool:
        out = {p.source_path: (p.status, p.error) for _, batch in pool.map(fn, [refs], 1 << 20, _stopped)
               for p in batch}
    assert out["scan.pdf"] == ("parsed", None)
    assert out["no-ocr.pdf"] == ("rejected", "needed more than 400 MB of memory while being read and parsed; "
                                             "rejected (the run went on)")
    assert budget.describe_memory(ocr=True) == "900 MB (400 MB and 500 MB for OCR)"


def test_page_progress_says_pages_done_and_time_left():
    lines = []
    log = page_progress(lines.append, every=0)
    log("scans/a.pdf", 0, 10, 0.0)
    log("scans/a.pdf", 4, 10, 24.0)
    log("scans/a.pdf", 10, 10, 60.0)
    assert lines == ["OCR scans/a.pdf: 10 page(s) to read",
                     "OCR scans/a.pdf: page 4/10 (6.0 s a page, about 36 s left for this file)",
                     "OCR scans/a.pdf: page 10/10 (6.0 s a page, about 0 s left for this file)"]
    quiet = []
    log = page_progress(quiet.append, every=3600)  # a line at most every hour, and the last page
    for done in range(11):
        log("b.pdf", done, 10, done * 6.0)
    assert [line.split(": ", 1)[1] for line in quiet] == [
        "10 page(s) to read", "page 10/10 (6.0 s a page, about 0 s left for this file)"]


def three_page_scan() -> bytes:
    from PIL import Image, ImageDraw

    images = []
    for k in range(3):
        image = Image.new("L", (400, 560), 235)
        ImageDraw.Draw(image).text((40, 40 + 30 * k), f"page {k + 1}", fill=20)
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=72.0, save_all=True, append_images=images[1:])
    return out.getvalue()


_ENGINE = """
import os, sys
from types import SimpleNamespace
from pipeline.core.readers import ocr, read_document

calls = []
def engine(image, use_det=True, **kw):
    if use_det:
        calls.append(1)
        if os.environ.get("KILL_AT") and len(calls) == int(os.environ["KILL_AT"]):
            os.kill(os.getpid(), 9)  # the run is killed while this page is OCR'd
    return SimpleNamespace(boxes=None, txts=(), scores=(), word_results=())
ocr._engine = lambda: engine
try:
    read_document(open(sys.argv[1], "rb").read(), "pdf")
except Exception as exc:
    pass
print(len(calls))
"""


def test_an_interrupted_scan_resumes_without_reading_its_pages_again(tmp_path):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(three_page_scan())
    env = {**os.environ, "DISCLOSURE_OCR_CACHE": str(tmp_path / "pages"), "KILL_AT": "2"}

    def run(**extra):
        return subprocess.run([sys.executable, "-c", _ENGINE, str(scan)], cwd=ROOT, capture_output=True,
                              text=True, env={**env, **extra})
    killed = run()
    assert killed.returncode == -9  # killed on its second page: the first is kept
    assert len(list((tmp_path / "pages").glob("*.json"))) == 1
    resumed = run(KILL_AT="")
    assert resumed.returncode == 0 and resumed.stdout.split() == ["2"]  # pages 2 and 3 only
    again = run(KILL_AT="")
    assert again.stdout.split() == ["0"]  # every page kept: nothing OCR'd


def test_the_page_hook_is_told_every_page_also_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DISCLOSURE_OCR_CACHE", str(tmp_path))
    monkeypatch.setattr(ocr, "_engine", lambda: lambda *a, **k: SimpleNamespace(
        boxes=None, txts=(), scores=(), word_results=()))
    data = three_page_scan()
    for _ in range(2):  # OCR'd, then from the cache
        told = []
        previous = ocr.set_page_hook(lambda done, total: told.append((done, total)))
        try:
            ocr.ocr_pdf(data)
        finally:
            ocr.set_page_hook(previous)
        assert told == [(0, 3), (1, 3), (2, 3), (3, 3)]
