"""Scanned PDFs (pages that are images) → page content by offline OCR: rapidocr with the PP-OCRv6
detection and recognition weights that ship inside its wheel (nothing is downloaded at run time).

Each page is rendered by pdfium, straightened (the skew is measured on the long horizontal rules), and
its ruling lines are found in the image (long horizontal and vertical runs of dark pixels); the cells
come from the lines exactly as for a PDF with a text layer (`pdf._cells`). The OCR'd text boxes, split
into characters, go to the cell that holds their centre; a cell left empty by the detector, or read with
low confidence or not as a number, is recognised a second time on its own (`_second_reading`); the text
outside the tables becomes lines.
Every cell keeps its confidence (the lowest of its characters'; `Document.confidence`); a number read
below MIN_CONFIDENCE is left blank (NULL, never a guess) and the Document's note lists it, with the
mean confidence of the pages; the note reaches raw_file.error.

DISCLOSURE_OCR=off turns OCR off (a scan is then rejected as before); `auto` (the default) OCRs a PDF
without a text layer. Every OCR'd page is kept (DISCLOSURE_OCR_CACHE, by default
~/.cache/disclosure-warehouse/ocr, by file hash and page), so that a run interrupted in a long scan
resumes without reading its pages again. OCR costs seconds per page: a scan of 6 pages takes about half
a minute of CPU.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import statistics
import threading
from pathlib import Path

from pipeline.core.readers.safety import UnsafeInput

OCR_VERSION = 1  # the cached pages of an older version are read again
SCALE = 2.0  # render at 144 dpi: the small table digits of a report stay legible
MIN_CONFIDENCE = 0.50  # a number read with less is left blank (the labels are kept: they are matched loosely)
MAX_PAGES = 40
TEXT_SCORE = 0.1  # rapidocr drops what it reads with less; below MIN_CONFIDENCE the cell is blanked here
_JUNK = r"[\s.:,;'`·。，：_~^\-]*"  # specks a scan adds beside a number
_NUMBER = re.compile(_JUNK + r"(\d+(?:\.\d+)?)" + _JUNK)
_LOCK = threading.Lock()
_ENGINE = None
_PAGE_HOOK = None  # told (pages done, pages) as a scan is read: the parse pool's per-page clock


def set_page_hook(hook):
    """`hook(done, total)` is called before a scan's first page (done 0) and after each page, OCR'd or
    taken from the cache; the parse worker sends it to the pool. Returns the hook it replaces."""
    global _PAGE_HOOK
    previous, _PAGE_HOOK = _PAGE_HOOK, hook
    return previous


def _page_done(done: int, total: int) -> None:
    if _PAGE_HOOK is not None:
        _PAGE_HOOK(done, total)


def mode() -> str:
    value = os.environ.get("DISCLOSURE_OCR", "auto").strip().lower()
    return "off" if value in ("off", "0", "no", "false") else "auto"


def _engine():
    global _ENGINE
    with _LOCK:
        if _ENGINE is None:
            import logging

            from rapidocr import RapidOCR

            _ENGINE = RapidOCR(params={"Global.log_level": "error", "Global.return_word_box": True,
                                       "Global.return_single_char_box": True,
                                       "EngineConfig.onnxruntime.intra_op_num_threads": 1,
                                       "EngineConfig.onnxruntime.inter_op_num_threads": 1})
            logging.getLogger("RapidOCR").setLevel(logging.ERROR)
        return _ENGINE


def ocr_pdf(data: bytes):
    """(pages as `pdf.PageContent`, a note for raw_file) of a scanned PDF."""
    import pypdfium2 as pdfium

    from pipeline.core.readers import pdf as pdf_reader

    document = pdfium.PdfDocument(data)
    cache = _cache_dir()
    digest = hashlib.sha256(data).hexdigest()
    try:
        if len(document) > MAX_PAGES:
            raise UnsafeInput(f"scan with {len(document)} pages, more than {MAX_PAGES} to OCR: "
                              "not an annual report")
        pages, scores, blanked = [], [], []
        _page_done(0, len(document))
        for index in range(len(document)):
            saved = cache / f"{digest}.{index}.v{OCR_VERSION}.json" if cache else None
            if saved is not None and saved.exists():  # read before: an interrupted run resumes here
                found = json.loads(saved.read_text(encoding="utf-8"))
                chars, edges = [tuple(c) for c in found["chars"]], [tuple(e) for e in found["edges"]]
            else:
                page = document[index]
                try:
                    image = page.render(scale=SCALE, grayscale=True).to_numpy()
                finally:
                    page.close()
                chars, edges = _page(_started_engine(), _gray(image), pdf_reader)
                if saved is not None:
                    _save(saved, {"chars": chars, "edges": edges})
            _page_done(index + 1, len(document))
            content, page_scores, page_blanked = _assemble(chars, edges, pdf_reader, index + 1)
            pages.append(content)
            scores.extend(page_scores)
            blanked.extend(page_blanked)
    finally:
        document.close()
    mean = statistics.fmean(scores) if scores else 0.0
    note = f"text from OCR (rapidocr PP-OCRv6, {len(pages)} page(s), mean confidence {mean:.3f})"
    if blanked:
        note += (f"; {len(blanked)} cell(s) read below confidence {MIN_CONFIDENCE} or not as a number, "
                 "left blank: "
                 + ", ".join(blanked[:20]) + (" …" if len(blanked) > 20 else ""))
    return pages, note


def _started_engine():
    try:
        return _engine()
    except Exception as exc:  # the OCR engine is not installed or cannot start
        raise UnsafeInput(f"no text layer and OCR unavailable ({type(exc).__name__}: {str(exc)[:100]})") \
            from exc


def _cache_dir() -> Path | None:
    """Where each OCR'd page is kept, by the file's hash and the page: DISCLOSURE_OCR_CACHE, by default
    the user's cache folder; `off` keeps nothing."""
    value = os.environ.get("DISCLOSURE_OCR_CACHE", "")
    if value.lower() == "off":
        return None
    if value:
        return Path(value)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "disclosure-warehouse" / "ocr"


def _save(path: Path, content: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:  # a read-only or full disk: the page is read again next time
        pass


def _gray(image):
    import numpy as np

    if image.ndim == 3:
        image = image[:, :, :3].mean(axis=2)
    return image.astype(np.uint8)


def _page(engine, gray, pdf_reader) -> tuple[list, list]:
    """(characters with their confidence, ruling lines) of one rendered page."""
    import cv2
    import numpy as np

    gray = _straighten(gray)
    height, width = gray.shape
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    edges = []
    def runs(size):  # the ink that holds a run of `size` pixels: the rules
        return cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, size))
    horizontal, vertical = runs((width // 25, 1)), runs((1, height // 60))
    for mask, kind in ((horizontal, "h"), (vertical, "v")):
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            x, y, w, h = cv2.boundingRect(contour)
            if kind == "h":
                edges.append(("h", (y + h / 2) / SCALE, x / SCALE, (x + w) / SCALE))
            else:
                edges.append(("v", (x + w / 2) / SCALE, y / SCALE, (y + h) / SCALE))
    # the rules are not text: OCR the page with them whitened out
    clean = gray.copy()
    clean[(horizontal > 0) | (vertical > 0)] = 255
    result = engine(np.stack([clean] * 3, axis=2), use_det=True, use_cls=True, use_rec=True,
                    return_word_box=True, return_single_char_box=True, text_score=TEXT_SCORE)
    chars = []
    boxes = result.boxes if result.boxes is not None else []
    for box, text, score, words in zip(boxes, result.txts or (), result.scores or (),
                                       result.word_results or ()):
        chars.extend(_characters(box, text, score, words))
    chars = _second_reading(engine, clean, edges, chars, pdf_reader)
    return [(c[0], *map(float, c[1:])) for c in chars], [(e[0], *map(float, e[1:])) for e in edges]


def _second_reading(engine, clean, edges, chars, pdf_reader) -> list:
    """The characters again, with some cells read a second time on their own: a cell that holds ink but
    no OCR'd character (the detector misses a lone small glyph, a "0" in a wide cell), and a short cell
    read with low confidence or not as a number. The second reading replaces the first only where it
    is a number read with at least MIN_CONFIDENCE; otherwise the first stands (and is blanked later)."""
    import numpy as np

    out = list(chars)
    for table in pdf_reader._cells(edges):
        for x0, top, x1, bottom in table:
            members = [c for c in out if x0 <= (c[1] + c[3]) / 2 < x1 and top <= (c[2] + c[4]) / 2 < bottom]
            text = "".join(c[0] for c in members)
            doubtful = members and len(text) <= 8 and (
                min(c[5] for c in members) < MIN_CONFIDENCE or not _NUMBER.fullmatch(text.strip()))
            if members and not doubtful:
                continue
            px0, py0 = int(x0 * SCALE) + 4, int(top * SCALE) + 4
            px1, py1 = int(x1 * SCALE) - 4, int(bottom * SCALE) - 4
            crop = clean[max(py0, 0):max(py1, 0), max(px0, 0):max(px1, 0)]
            if crop.size == 0:
                continue
            ink = np.argwhere(crop < 128)
            if len(ink) < 12:
                continue
            (iy0, ix0), (iy1, ix1) = ink.min(axis=0), ink.max(axis=0)
            pad = 6
            glyphs = crop[max(iy0 - pad, 0):iy1 + pad, max(ix0 - pad, 0):ix1 + pad]
            result = engine(np.stack([glyphs] * 3, axis=2), use_det=False, use_cls=False, use_rec=True,
                            text_score=TEXT_SCORE)
            again = "".join(result.txts or ()).strip()
            if not again:
                continue
            score = float(min(result.scores or (0.0,)))
            if members and not (_NUMBER.fullmatch(again) and score >= MIN_CONFIDENCE):
                continue
            gx0, gx1 = (px0 + ix0) / SCALE, (px0 + ix1) / SCALE
            gy0, gy1 = (py0 + iy0) / SCALE, (py0 + iy1) / SCALE
            step = (gx1 - gx0) / len(again)
            gone = {id(c) for c in members}
            out = [c for c in out if id(c) not in gone]
            out.extend((ch, gx0 + k * step, gy0, gx0 + (k + 1) * step, gy1, score)
                       for k, ch in enumerate(again))
    return out


def _characters(box, text: str, score: float, words) -> list[tuple[str, float, float, float, float, float]]:
    """(char, x0, top, x1, bottom, confidence) in points, one per character, from the single-character
    boxes rapidocr gives (or spread evenly over the line's box when it gives none)."""
    out = []
    for item in words or ():
        if len(item) == 3 and item[2] is not None and item[0]:
            chars, conf, points = item
            xs = [p[0] for p in points]
            ys = [p[1] for p in points]
            x0, x1, y0, y1 = min(xs) / SCALE, max(xs) / SCALE, min(ys) / SCALE, max(ys) / SCALE
            step = (x1 - x0) / max(len(chars), 1)
            out.extend((ch, x0 + k * step, y0, x0 + (k + 1) * step, y1, float(conf))
                       for k, ch in enumerate(chars))
    if out:
        return out
    xs = [p[0] for p in box]
    ys = [p[1] for p in box]
    x0, x1, y0, y1 = min(xs) / SCALE, max(xs) / SCALE, min(ys) / SCALE, max(ys) / SCALE
    step = (x1 - x0) / max(len(text), 1)
    return [(ch, x0 + k * step, y0, x0 + (k + 1) * step, y1, float(score)) for k, ch in enumerate(text)]


def _assemble(chars, edges, pdf_reader, number: int):
    """Cells from the rules, each with its text and the lowest confidence of its characters."""
    Char = pdf_reader.Char
    plain = [Char(c[0], c[1], c[2], c[3], c[4]) for c in chars]
    confidence = {id(p): c[5] for p, c in zip(plain, chars)}
    content = pdf_reader._assemble(plain, edges, cell_hook=lambda members: min(
        (confidence[id(m)] for m in members), default=1.0))
    scores = [c[5] for c in chars]
    blanked = []
    tables = []
    for top, rows, row_confidence in content.tables:
        kept = []
        for r, (cells, confs) in enumerate(zip(rows, row_confidence)):
            cells = list(cells)
            numbers = [_NUMBER.fullmatch(c) for c in cells]
            first = next((k for k, m in enumerate(numbers) if m), len(cells))
            values = sum(1 for m in numbers if m) >= 3  # a row of values: what follows its label
            for k, conf in enumerate(confs):
                number_match = numbers[k]
                if not number_match:
                    if values and k > first and cells[k]:  # "ó", "θ": not a number, and not guessed as one
                        blanked.append(f"page {number} row {r + 1} cell {k + 1} '{cells[k]}' (not a number)")
                        cells[k] = ""
                    continue
                cells[k] = number_match.group(1)  # specks beside a number (".0", "447.") are not digits
                if conf < MIN_CONFIDENCE:
                    blanked.append(f"page {number} row {r + 1} cell {k + 1} '{cells[k]}' ({conf:.2f})")
                    cells[k] = ""
            kept.append(tuple(cells))
        tables.append((top, tuple(kept), row_confidence))
    return pdf_reader.PageContent(tables, content.lines, content.chars), scores, blanked


def _straighten(gray):
    """The page rotated so that its long horizontal rules are level (a scan's slight skew)."""
    import cv2
    import numpy as np

    height, width = gray.shape
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    lines = cv2.HoughLinesP(ink, 1, np.pi / 1800, threshold=width // 4, minLineLength=width // 3,
                            maxLineGap=8)
    if lines is None:
        return gray
    angles = [np.degrees(np.arctan2(y2 - y1, x2 - x1)) for x1, y1, x2, y2 in lines.reshape(-1, 4)]
    angles = [a for a in angles if abs(a) < 5]
    if not angles:
        return gray
    angle = float(np.median(angles))
    if abs(angle) < 0.05:
        return gray
    rotation = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(gray, rotation, (width, height), flags=cv2.INTER_LINEAR, borderValue=255)
