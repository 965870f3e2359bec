"""Scanned PDFs (pages that are images) → page content by offline OCR: rapidocr with the PP-OCRv6
detection and recognition weights that ship inside its wheel (nothing is downloaded at run time).

Each page is rendered by pdfium, straightened (the skew is measured on the long horizontal rules), and
its ruling lines are found in the image (`_rules`: long horizontal and vertical runs of dark pixels, and
the four sides of shaded rows, `_shaded_bands`); the cells come from the lines exactly as for a PDF with
a text layer (`pdf._cells`). The OCR'd text boxes, split into characters, go to the cell that holds
their centre; a cell left empty by the detector, or read with low confidence or not as a number, is
recognised a second time on its own, and every cell read as a number is read a second time from its
characters' box (`_second_reading`); the text outside the tables becomes lines (gaps between Chinese
characters closed, specks before units dropped).
Every cell keeps its confidence (the lowest of its characters'; `Document.confidence`). A number cell's
two readings that agree confirm it; readings that differ, and a number read below MIN_CONFIDENCE and not
confirmed, leave the cell blank (NULL, never a guess) unless the row's total holds exactly with exactly
one reading (`_identity_holds`); the Document's note lists every such cell, with the mean confidence of
the pages; the note reaches raw_file.error.

DISCLOSURE_OCR=off turns OCR off (a scan is then rejected as before); `auto` (the default) OCRs a PDF
without a text layer. Every OCR'd page is kept (DISCLOSURE_OCR_CACHE, by default
~/.cache/disclosure-warehouse/ocr, by file hash and page), so that a run interrupted in a long scan
resumes without reading its pages again; each page is reported to the parse pool (`set_page_hook`),
whose time budget applies per page. OCR costs seconds per page: a scan of 6 pages takes about 40 s of CPU.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import statistics
import threading
from pathlib import Path

from pipeline.core import codebook as cb
from pipeline.core.rejection import Rejected

OCR_VERSION = 4  # the cached pages of an older version are read again
SCALE = 2.0  # render at 144 dpi: the small table digits of a report stay legible
MIN_CONFIDENCE = 0.50  # a number read with less is left blank (the labels are kept: they are matched loosely)
MAX_PAGES = 40
TEXT_SCORE = 0.1  # rapidocr drops what it reads with less; below MIN_CONFIDENCE the cell is blanked here
_JUNK = r"[\s.:,;'`·。，：_~^\-]*"  # specks a scan adds beside a number
_NUMBER = re.compile(_JUNK + r"(\d+(?:\.\d+)?)" + _JUNK)
# a gap between two Chinese characters (or their punctuation) of an OCR'd line: the detector's boxes
# end inside words ("淮安 市人民政 府"); Chinese text has no spaces, so the gap is closed
_HAN = r"[\u3000-\u303f\u4e00-\u9fff\uff01-\uff0f\uff1a-\uff1f\u201c\u201d]"
_CJK_GAP = re.compile(rf"(?<={_HAN})\s+(?={_HAN})")
# a speck read as a point between a figure and its unit ("2024.年", "12·月", "3119,件"): no figure is
# written so, while "1.属于…" (an item number) is, so only these units are looked at
_UNIT_SPECK = re.compile(r"(?<=\d)\s*[.·,'`]\s*(?=[年月日件条个次期场项])")
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
            raise Rejected(cb.REJECT_TOO_LARGE, f"scan with {len(document)} pages, more than {MAX_PAGES} "
                           "to OCR: not an annual report")
        pages, scores, blanked, settled = [], [], [], []
        _page_done(0, len(document))
        for index in range(len(document)):
            saved = cache / f"{digest}.{index}.v{OCR_VERSION}.json" if cache else None
            if saved is not None and saved.exists():  # read before: an interrupted run resumes here
                found = json.loads(saved.read_text(encoding="utf-8"))
                chars, edges = [tuple(c) for c in found["chars"]], [tuple(e) for e in found["edges"]]
                checks = [tuple(c) for c in found["checks"]]
            else:
                page = document[index]
                try:
                    image = page.render(scale=SCALE, rev_byteorder=True).to_numpy()  # RGB: a red seal
                finally:
                    page.close()
                chars, edges, checks = _page(_started_engine(), _gray(image), pdf_reader)
                if saved is not None:
                    _save(saved, {"chars": chars, "edges": edges, "checks": checks})
            _page_done(index + 1, len(document))
            content, page_scores, page_blanked, page_settled = _assemble(chars, edges, pdf_reader, index + 1,
                                                                         checks)
            pages.append(content)
            scores.extend(page_scores)
            blanked.extend(page_blanked)
            settled.extend(page_settled)
    finally:
        document.close()
    mean = statistics.fmean(scores) if scores else 0.0
    note = f"text from OCR (rapidocr PP-OCRv6, {len(pages)} page(s), mean confidence {mean:.3f})"
    if blanked:
        note += (f"; {len(blanked)} cell(s) read below confidence {MIN_CONFIDENCE}, not as a number or "
                 "differently by two readings, left blank: "
                 + ", ".join(blanked[:20]) + (" …" if len(blanked) > 20 else ""))
    if settled:
        note += (f"; {len(settled)} cell(s) read doubtfully or two ways, kept by their row's total: "
                 + ", ".join(settled[:10]))
    return pages, note


def _started_engine():
    try:
        return _engine()
    except Exception as exc:  # the OCR engine is not installed or cannot start
        raise Rejected(cb.REJECT_NO_TEXT,
                       f"no text layer and OCR unavailable ({type(exc).__name__}: {str(exc)[:100]})",
                       retry=True) from exc


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
    """A page rendered in RGB as grey, red ink (an agency's round seal stamped over the end of the text
    or a table, a red letterhead) as light as its red channel: the black print under the seal stays
    dark (dark in every channel), the seal no longer covers it."""
    import numpy as np

    if image.ndim == 3:
        rgb = image[:, :, :3].astype(np.int16)
        red = (rgb[:, :, 0] - np.maximum(rgb[:, :, 1], rgb[:, :, 2])) > 60
        grey = rgb.mean(axis=2)
        image = np.where(red, rgb[:, :, 0], grey)
    return image.astype(np.uint8)


def _page(engine, gray, pdf_reader) -> tuple[list, list, list]:
    """(characters with their confidence, ruling lines, second readings of the number cells) of one
    rendered page."""
    import cv2
    import numpy as np

    gray = _straighten(gray)
    edges, rules = _rules(gray)
    # the rules are not text: OCR the page with them whitened out
    clean = gray.copy()
    clean[rules > 0] = 255
    result = engine(np.stack([clean] * 3, axis=2), use_det=True, use_cls=True, use_rec=True,
                    return_word_box=True, return_single_char_box=True, text_score=TEXT_SCORE)
    chars = []
    boxes = result.boxes if result.boxes is not None else []
    for box, text, score, words in zip(boxes, result.txts or (), result.scores or (),
                                       result.word_results or ()):
        chars.extend(_characters(box, text, score, words))
    chars, checks = _second_reading(engine, clean, edges, chars, pdf_reader)
    return ([(c[0], *map(float, c[1:])) for c in chars], [(e[0], *map(float, e[1:])) for e in edges],
            [(*map(float, c[:4]), c[4], float(c[5])) for c in checks])


def _rules(gray):
    """(ruling lines in points, the mask of their pixels) of a straightened page: long horizontal and
    vertical runs of ink, and the sides of shaded bands (`_shaded_bands`)."""
    import cv2

    height, width = gray.shape
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    edges = _shaded_bands(ink)

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
    return edges, cv2.bitwise_or(horizontal, vertical)


BAND = 9  # pixels: ink this thick both ways is a filled area, not a rule or a stroke


def _shaded_bands(ink) -> list:
    """The ruling lines of a table's shaded rows (a grey-filled header row such as 第二十条第（一）项): on
    grey paper the fill is ink to the threshold, and one band of it would be read as a single thick
    rule through the row's middle, losing its borders and hiding its text. Each band (as wide as a
    rule must be long, at most ~40 pt tall) gives the four sides of its box as rules, and is taken out
    of `ink` (in place) so that the rules are found without it and its text is OCR'd."""
    import cv2

    height, width = ink.shape
    solid = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (BAND, BAND)))
    contours, _ = cv2.findContours(solid, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    edges = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if w < width // 8 or h > height // 20:
            continue  # a seal, a picture, a block of bold type: not a band
        x0, x1, y0, y1 = x / SCALE, (x + w) / SCALE, y / SCALE, (y + h) / SCALE
        edges += [("h", y0, x0, x1), ("h", y1, x0, x1), ("v", x0, y0, y1), ("v", x1, y0, y1)]
        ink[y:y + h, x:x + w] = 0
    return edges


def _second_reading(engine, clean, edges, chars, pdf_reader) -> tuple[list, list]:
    """(the characters again, the checks): every table cell read a second time on its own. A cell that
    holds ink but no OCR'd character (the detector misses a lone small glyph, a "0" in a wide cell), or
    a short cell read with low confidence or not as a number: the second reading replaces the first
    where it is a number read with at least MIN_CONFIDENCE; otherwise the first stands (and is blanked
    later). A cell read as a number: its second reading is kept beside it as a check, (x0, top, x1,
    bottom, text, confidence), which `_assemble` compares with the first (`_confirm`)."""
    import numpy as np

    out = list(chars)
    checks = []
    for table in pdf_reader._cells(edges):
        for x0, top, x1, bottom in table:
            members = [c for c in out if x0 <= (c[1] + c[3]) / 2 < x1 and top <= (c[2] + c[4]) / 2 < bottom]
            text = "".join(c[0] for c in members)
            doubtful = members and len(text) <= 8 and (
                min(c[5] for c in members) < MIN_CONFIDENCE or not _NUMBER.fullmatch(text.strip()))
            check = bool(members) and not doubtful and len(text) <= 12 and bool(_NUMBER.fullmatch(text))
            if members and not doubtful and not check:
                continue
            if check:  # a second view of the figure: its characters' box, twice as large
                checks.append((x0, top, x1, bottom, *_read_again(engine, clean, members)))
                continue
            px0, py0 = int(x0 * SCALE) + 4, int(top * SCALE) + 4
            px1, py1 = int(x1 * SCALE) - 4, int(bottom * SCALE) - 4
            crop = clean[max(py0, 0):max(py1, 0), max(px0, 0):max(px1, 0)]
            if crop.size == 0:
                continue
            ink = _ink(crop)
            if len(ink) < 12:
                continue
            (iy0, ix0), (iy1, ix1) = ink.min(axis=0), ink.max(axis=0)
            pad = 6
            glyphs = crop[max(iy0 - pad, 0):iy1 + pad, max(ix0 - pad, 0):ix1 + pad]
            result = engine(np.stack([glyphs] * 3, axis=2), use_det=False, use_cls=False, use_rec=True,
                            text_score=TEXT_SCORE)
            again = "".join(result.txts or ()).strip()
            score = float(min(result.scores or (0.0,)))
            if not again:
                continue
            if members and not (_NUMBER.fullmatch(again) and score >= MIN_CONFIDENCE):
                continue
            gx0, gx1 = (px0 + ix0) / SCALE, (px0 + ix1) / SCALE
            gy0, gy1 = (py0 + iy0) / SCALE, (py0 + iy1) / SCALE
            step = (gx1 - gx0) / len(again)
            gone = {id(c) for c in members}
            out = [c for c in out if id(c) not in gone]
            out.extend((ch, gx0 + k * step, gy0, gx0 + (k + 1) * step, gy1, score)
                       for k, ch in enumerate(again))
    return out, checks


def _read_again(engine, clean, members) -> tuple[str, float]:
    """The text of a cell's characters read again from their own box (padded, scaled up twice):
    (text, lowest confidence)."""
    import cv2
    import numpy as np

    pad = 6
    x0 = max(int(min(c[1] for c in members) * SCALE) - pad, 0)
    y0 = max(int(min(c[2] for c in members) * SCALE) - pad, 0)
    x1 = int(max(c[3] for c in members) * SCALE) + pad
    y1 = int(max(c[4] for c in members) * SCALE) + pad
    crop = clean[y0:y1, x0:x1]
    if crop.size == 0:
        return "", 0.0
    crop = cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    result = engine(np.stack([crop] * 3, axis=2), use_det=False, use_cls=False, use_rec=True,
                    text_score=TEXT_SCORE)
    return "".join(result.txts or ()).strip(), float(min(result.scores or (0.0,)))


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


def _assemble(chars, edges, pdf_reader, number: int, checks=()):
    """Cells from the rules, each with its text and the lowest confidence of its characters, its
    second reading compared with it (`_confirm`)."""
    Char = pdf_reader.Char
    plain = [Char(c[0], c[1], c[2], c[3], c[4]) for c in chars]
    confidence = {id(p): c[5] for p, c in zip(plain, chars)}
    disputes = _confirm(plain, confidence, checks)
    content = pdf_reader._assemble(plain, edges, cell_hook=lambda members: min(
        (confidence[id(m)] for m in members), default=1.0))
    scores = [c[5] for c in chars]
    blanked, settled = [], []
    tables = []
    for top, rows, row_confidence in content.tables:
        kept, kept_confidence = [], []
        for r, (cells, confs) in enumerate(zip(rows, row_confidence)):
            cells, confs = list(cells), list(confs)
            numbers = [_NUMBER.fullmatch(c) for c in cells]
            first = next((k for k, m in enumerate(numbers) if m), len(cells))
            values = sum(1 for m in numbers if m) >= 3  # a row of values: what follows its label
            # doubtful: (cell, the reading its row's total may confirm, how it was read, how it is kept)
            disputed, doubtful, zeroish = [], [], []
            if values and 0 < first < len(cells) and cells[first - 1].strip() in _ONE_LOOKALIKES \
                    and _group_size(cells[first - 1:]):
                first -= 1  # a lone bar where the row's width needs its first value ('1' read as 'i')
            for k, conf in enumerate(confs):
                number_match = numbers[k]
                if conf < 0:  # two readings that disagree: settled below, by the row's identity or not at all
                    disputed.append(k)
                    cells[k] = ""
                    continue
                if not number_match:
                    if values and k >= first and cells[k].strip() in _ONE_LOOKALIKES:
                        glyph = cells[k].strip()  # a lone bar: '1' only if the row's total holds with it
                        doubtful.append((k, "1", f"'{glyph}' (not a number)", f"read '{glyph}': '1' kept"))
                        cells[k] = ""
                        continue
                    if values and k > first and cells[k].strip() in _ZERO_LOOKALIKES:
                        zeroish.append((k, cells[k].strip()))  # a lone round glyph: '0' only if the total says so
                        cells[k] = ""
                        continue
                    if values and k > first and cells[k]:  # "ó", "θ": not a number, and not guessed as one
                        blanked.append(f"page {number} row {r + 1} cell {k + 1} '{cells[k]}' (not a number)")
                        cells[k] = ""
                    continue
                cells[k] = number_match.group(1)  # specks beside a number (".0", "447.") are not digits
                if conf < MIN_CONFIDENCE:
                    read = f"'{cells[k]}' ({conf:.2f})"
                    doubtful.append((k, cells[k], read, f"read {read}: kept"))
                    cells[k] = ""
            # a doubtful or disputed cell is blank by now: the row's total can settle one of them, never two
            for k, text, read, kept_as in doubtful:  # kept only when the row's total holds with it
                held = _identity_holds(cells, k, first, (text, text))
                if held is None:
                    blanked.append(f"page {number} row {r + 1} cell {k + 1} {read}")
                else:
                    cells[k] = held
                    settled.append(f"page {number} row {r + 1} cell {k + 1} {kept_as}, the row's total holds "
                                   "with it")
                    confs[k] = MIN_CONFIDENCE
            for k in disputed:
                readings = disputes[int(-confs[k]) - 1]
                held = _identity_holds(cells, k, first, readings)
                where = f"page {number} row {r + 1} cell {k + 1} read '{readings[0]}' and '{readings[1]}'"
                if held is None:
                    blanked.append(f"{where} (two readings disagree)")
                    confs[k] = 0.0
                else:
                    cells[k] = held
                    confs[k] = MIN_CONFIDENCE
                    settled.append(f"{where}: '{held}' kept, the row's total holds with it")
            if zeroish and _zeros_hold(cells, [k for k, _ in zeroish], first):
                for k, text in zeroish:
                    cells[k] = "0"
                    confs[k] = MIN_CONFIDENCE
                    settled.append(f"page {number} row {r + 1} cell {k + 1} read '{text}': '0' kept, the row's "
                                   "total holds only with it")
            else:
                blanked.extend(f"page {number} row {r + 1} cell {k + 1} '{text}' (not a number)"
                               for k, text in zeroish)
            kept.append(tuple(cells))
            kept_confidence.append(tuple(confs))
        tables.append((top, tuple(kept), tuple(kept_confidence)))
    lines = [line._replace(text=_UNIT_SPECK.sub("", _CJK_GAP.sub("", line.text))) for line in content.lines]
    return pdf_reader.PageContent(tables, lines, content.chars), scores, blanked, settled


def _confirm(plain, confidence: dict, checks) -> list[tuple[str, str]]:
    """Each number cell's two readings compared (the page's reading, `checks`: the cell read again on
    its own). Equal: the cell stands, with the higher of the two confidences (at least MIN_CONFIDENCE:
    two readings agreeing confirm a doubtful one). Different: the cell is disputed; its characters get
    the confidence -(n + 1), n its index in the list returned of (first, second) readings."""
    disputes: list[tuple[str, str]] = []
    for x0, top, x1, bottom, again, score in checks:
        members = sorted((p for p in plain if x0 <= (p.x0 + p.x1) / 2 < x1 and top <= (p.top + p.bottom) / 2 < bottom),
                         key=lambda p: (round(p.top / 6), p.x0))
        first = _NUMBER.fullmatch("".join(p.text for p in members))
        if not members or not first:
            continue
        second = _NUMBER.fullmatch(again.translate(_DIGIT_LOOKALIKES))
        if second and second.group(1) == first.group(1):
            for p in members:
                confidence[id(p)] = max(confidence[id(p)], score, MIN_CONFIDENCE)
            continue
        disputes.append((first.group(1), second.group(1) if second else again))
        for p in members:
            confidence[id(p)] = -float(len(disputes))
    return disputes


# letters a recogniser gives for a digit read on its own, where only a figure can stand (the second
# reading of a number cell): a lone round glyph is '0', a lone bar '1'
_DIGIT_LOOKALIKES = str.maketrans({"o": "0", "O": "0", "º": "0", "ó": "0", "ò": "0", "ö": "0", "°": "0",
                                   "θ": "0", "Ο": "0", "о": "0", "О": "0", "l": "1", "I": "1", "|": "1"})


# a lone bar where a figure stands in a row of values: '1' misread ('i' at 150 dpi), or a speck
_ONE_LOOKALIKES = {"i", "l", "I", "|", "!", "丨", "ı", "í", "ì"}

# a lone round glyph where a figure stands in a row of values: '0' misread ('。' at 150 dpi), or a speck
_ZERO_LOOKALIKES = {"o", "O", "º", "ó", "ò", "ö", "°", "θ", "Ο", "о", "О", "。", "○", "〇"}


def _group_size(values: list[str]) -> int | None:
    """The identities of a row of values: 7 (§三: the last is the sum of the other six) are one group,
    15 (§四) three groups of 5, each ending with its sum; other widths have none."""
    return {7: 7, 15: 5}.get(len(values))


def _zeros_hold(cells: list[str], ks: list[int], first: int) -> bool:
    """Whether the cells ks (blank: each read as a lone round glyph) can only be 0: every identity of
    the row that holds one of them (as in `_identity_holds`) is otherwise fully read and holds with them
    at 0. Counts are never negative, so addends that must sum to 0 are each 0; a total among them must
    be the only one of its identity (a total and an addend both unread are not fixed by it)."""
    values = cells[first:]
    size = _group_size(values)
    if not size:
        return False
    at = {k - first for k in ks}
    for start in range(0, len(values), size):
        group = range(start, start + size)
        unread = at.intersection(group)
        if not unread:
            continue
        if group[-1] in unread and len(unread) > 1:
            return False
        numbers = []
        for i in group:
            text = "0" if i in unread else values[i]
            if not re.fullmatch(r"\d+", text):
                return False
            numbers.append(int(text))
        if numbers[-1] != sum(numbers[:-1]):
            return False
    return True


def _identity_holds(cells: list[str], k: int, first: int, readings: tuple[str, str]) -> str | None:
    """The one reading of cell k with which its row's total holds exactly (the last of 7 values is the
    sum of the other six; in a row of 15, each group of 5 ends with its sum), every other cell of the
    identity read; None when neither or both hold, or the row has no such identity."""
    values = cells[first:]
    at = k - first
    size = _group_size(values)
    if not size:
        return None
    group = range(at // size * size, at // size * size + size)
    fits = []
    for reading in dict.fromkeys(readings):
        if not _NUMBER.fullmatch(reading):
            continue
        numbers = []
        for i in group:
            text = reading if i == at else values[i]
            if not re.fullmatch(r"\d+", text):
                return None  # a blank, doubtful or decimal cell in the identity: nothing to hold
            numbers.append(int(text))
        if numbers[-1] == sum(numbers[:-1]):
            fits.append(reading)
    return fits[0] if len(fits) == 1 else None


def _ink(crop):
    """The ink pixels of a cell: darker than halfway between its darkest pixel and its paper (the
    median), where the two differ by at least 48 levels (a cell of paper and faint specks has none)."""
    import numpy as np

    darkest, paper = float(crop.min()), float(np.median(crop))
    if paper - darkest < 48:
        return np.empty((0, 2), dtype=np.int64)
    return np.argwhere(crop < (darkest + paper) / 2)


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
