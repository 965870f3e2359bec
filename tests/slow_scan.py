"""A stand-in for a scan's OCR in a parse worker (tests/test_ocr_pages.py): each file reports its pages
to the pool as `ocr.ocr_pdf` does, taking `seconds` a page; a page named in `hang` never ends."""
from __future__ import annotations

import time

from pipeline.core import codebook as cb
from pipeline.core.records import ParsedFile


def slow_scan_batch(refs, max_bytes, started=None, pages=4, seconds=0.5, hang=None, hog_mb=0):
    """`hog_mb`: memory held through each file, taken while its OCR runs ("x.pdf") or before it starts
    (a file named "no-ocr…", which never reports a page)."""
    from pipeline.core.readers import ocr

    out = []
    for i, ref in enumerate(refs):
        started(i, None, None)
        hog = None
        if ref.source_path.startswith("no-ocr"):
            hog = bytearray(hog_mb << 20)
            time.sleep(seconds * pages)
            out.append(ParsedFile(ref.source_path, "0" * 64, 0, "pdf", cb.STATUS_PARSED, None, None))
            continue
        ocr._page_done(0, pages)
        hog = bytearray(hog_mb << 20) if hog_mb else None  # noqa: F841 (held: the OCR engine's share)
        for page in range(1, pages + 1):
            time.sleep(3600 if hang and (ref.source_path, page) in hang else seconds)
            ocr._page_done(page, pages)
        out.append(ParsedFile(ref.source_path, "0" * 64, 0, "pdf", cb.STATUS_PARSED, None, None))
    return out
