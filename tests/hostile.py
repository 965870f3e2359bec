"""Hostile and broken files, built in memory: each must be rejected with a reason a person understands."""
from __future__ import annotations

import io
import os
import socket
import zipfile
import zlib
from pathlib import Path


def zip_bomb_docx() -> bytes:
    """A .docx-shaped zip whose document part inflates to 64 MiB of zeros (about 64 KiB packed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\0" * (64 * 1024 * 1024))
    return out.getvalue()


def xxe_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", '<?xml version="1.0"?>'
                                        '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>')
    return out.getvalue()


XXE_PAGE = ('<?xml version="1.0"?><!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            "<html><body><p>某镇人民政府2023年政府信息公开工作年度报告</p><p>&xxe;</p></body></html>").encode()


def scanned_pdf() -> bytes:
    """A PDF with pages but no text layer (only drawn shapes, as a scan has only images)."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.rect(100, 100, 300, 400, fill=1)
    c.showPage()
    c.save()
    return out.getvalue()



def hostile_files() -> dict[str, bytes]:
    """name → bytes, with the word each rejection reason must contain."""
    return {
        "empty.txt": b"",
        "random.txt": bytes(range(256)) * 8,
        "notice.txt": "关于做好春节期间值班工作的通知\n各单位：请安排好值班。\n".encode(),
        "xxe.html": XXE_PAGE,
        "bomb.docx": zip_bomb_docx(),
        "xxe.docx": xxe_docx(),
        "broken.docx": zip_bomb_docx()[:2000],
        "fake.pdf": "这不是PDF，只是改了扩展名的文本".encode(),
        "damaged.pdf": b"%PDF-1.7\n1 0 obj <</Type /Catalog>> garbage without xref",
        "scan.pdf": scanned_pdf(),
        "photo.jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(500),
        "photo_named.docx": b"\x89PNG\r\n\x1a\n" + bytes(500),
        "page_that_is_png.html": b"\x89PNG\r\n\x1a\n" + bytes(500),
    }


EXPECTED_REASON = {
    "empty.txt": "empty file",
    "random.txt": "binary content",
    "notice.txt": "not a government information disclosure annual report",
    "xxe.html": "XXE",
    "bomb.docx": "zip bomb",
    "xxe.docx": "XXE",
    "broken.docx": "broken archive",
    "fake.pdf": "not a PDF",
    "damaged.pdf": "broken PDF",
    "scan.pdf": "no text layer",
    "photo.jpg": "unsupported file type",
    "photo_named.docx": "not a Word .docx file",
    "page_that_is_png.html": "not a web page",
}


# --- the nightly build's hostile set: files that once failed, hung or flooded a whole run ----------

def _pdf(objects: list[bytes]) -> bytes:
    """A PDF of the given object bodies (numbered from 1, object 1 the catalog) with a correct xref."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<</Size %d /Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def self_referencing_pdf() -> bytes:
    """A page tree whose node lists itself among its kids, and a stream whose length is itself."""
    return _pdf([b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[2 0 R 3 0 R]/Count 2>>",
                 b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>>",
                 b"<</Length 4 0 R>>\nstream\nBT ET\nendstream"])


def inflating_pdf(mib: int) -> bytes:
    """About a kilobyte whose one content stream inflates (deflate of deflate) to `mib` MiB of drawing
    operators. Compressed chunk by chunk, so making it costs no memory."""
    chunk = b"0 0 m " * (1024 * 1024 // 6)
    inner = zlib.compressobj(1)
    packed = b"".join(inner.compress(chunk) for _ in range(mib)) + inner.flush()
    twice = zlib.compress(packed, 9)
    return _pdf([b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
                 b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>>",
                 b"<</Length %d/Filter[/FlateDecode/FlateDecode]>>\nstream\n" % len(twice) + twice
                 + b"\nendstream"])


def million_pages_pdf(pages: int = 1_000_000) -> bytes:
    """About 6 MB: a page tree of a million references to one page."""
    kids = b" ".join([b"3 0 R"] * pages)
    return _pdf([b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[" + kids + b"]/Count %d>>" % pages,
                 b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>"])


def span_bomb_html() -> bytes:
    """About 230 KB of cells each spanning 100 rows and 100 columns."""
    cell = '<td rowspan="100" colspan="100">0</td>'
    rows = "".join(f"<tr>{cell * 60}</tr>" for _ in range(100))
    return (f"<html><body><p>某县人民政府2023年政府信息公开工作年度报告</p><table>{rows}</table></body></html>"
            ).encode()


def _in_grid(sample: str, label: str, value: str) -> str:
    """The sample report (one cell per line) with the first cell after the row `label` replaced."""
    at = sample.index(label)
    cell = sample.index("\t", sample.index("\n", at)) + 1
    end = sample.index("\n", cell)
    return sample[:cell] + value + sample[end:]


def nightly_hostile_files(sample: str) -> dict[str, tuple[bytes, str, str]]:
    """name → (bytes, expected status, words the raw_file error must contain) for files that each,
    once, failed, hung or flooded a whole run. `sample`: a sample report's text (one cell per line,
    like data/raw/004_*.txt), whose §三 row 1 and §一 prose are altered."""
    row1 = "一、本年新收政府信息公开申请数量"
    prose = "通过政府网站公开政府信息31条"
    out_of_range = "value_out_of_range"
    return {
        "count_3e9.txt": (_in_grid(sample, row1, "3000000000").encode(), "partial", out_of_range),
        "count_1e15.txt": (_in_grid(sample, row1, "1000000000000000").encode(), "partial", out_of_range),
        "count_2pow32.txt": (_in_grid(sample, row1, "4294967296").encode(), "partial", out_of_range),
        "count_negative.txt": (_in_grid(sample, row1, "-5").encode(), "partial", out_of_range),
        "prose_1e11.txt": (sample.replace(prose, "通过政府网站公开政府信息100000000000条").encode(), "partial",
                           out_of_range),
        "digit_run.txt": (sample.replace("一、总体情况\n", "一、总体情况\n" + "7" * 200_000 + "\n", 1).encode(),
                          "parsed", ""),
        "pipe_row.txt": ((sample + "\n| " + " | ".join(["1"] * 1_000_000) + " |\n").encode(), "parsed", ""),
        "comment_run.txt": ((sample + "\n" + "[comment" * 131_072 + "\n").encode(), "parsed", ""),
        "span_bomb.html": (span_bomb_html(), "rejected", "counting rowspan and colspan"),
        "self_reference.pdf": (self_referencing_pdf(), "rejected", "broken PDF"),
        "million_pages.pdf": (million_pages_pdf(), "rejected", ""),
        "inflates_64mib.pdf": (inflating_pdf(64), "rejected", ""),
        "inflates_1gib.pdf": (inflating_pdf(1024), "rejected", ""),
    }


def make_unsafe_entries(raw: Path, outside: Path, sample: bytes) -> dict[str, tuple[str, str]]:
    """Entries no build may read or trip over, made in `raw` (with `outside` a folder beside it):
    source_path → (expected status, words the error must contain; '' for a parsed file)."""
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "report.txt").write_bytes(sample)
    (raw / "passwd.txt").symlink_to("/etc/passwd")
    (raw / "zeros.txt").symlink_to("/dev/zero")
    (raw / "outside.txt").symlink_to(outside / "report.txt")
    (raw / "outside_folder").symlink_to(outside, target_is_directory=True)
    (raw / "dangling.txt").symlink_to(raw / "no_such_file.txt")
    os.mkfifo(raw / "report.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(raw / "socket.txt"))
    sock.close()
    (raw / "inside").mkdir()
    (raw / "inside" / "copy.txt").write_bytes(sample)
    (raw / "inside_link.txt").symlink_to(raw / "inside" / "copy.txt")
    (raw / "inside_folder").symlink_to(raw / "inside", target_is_directory=True)
    (raw / "loop").symlink_to(raw, target_is_directory=True)
    os.makedirs(os.fsencode(raw) + b"/gbk_\xd6\xd0\xce\xc4")  # a folder and a file named in GBK bytes
    with open(os.fsencode(raw) + b"/gbk_\xd6\xd0\xce\xc4/\xc4\xea\xb1\xa8.txt", "wb") as fh:
        fh.write(sample)
    (raw / "forged\n2026-01-01 00:00:00 - dagster - ERROR - forged line.txt").write_bytes(sample)
    return {
        "passwd.txt": ("rejected", "outside the raw folder"),
        "zeros.txt": ("rejected", "outside the raw folder"),
        "outside.txt": ("rejected", "outside the raw folder"),
        "outside_folder": ("rejected", "outside the raw folder"),
        "dangling.txt": ("rejected", "broken symbolic link"),
        "report.txt": ("rejected", "a FIFO (named pipe), not a regular file"),
        "socket.txt": ("rejected", "a socket, not a regular file"),
        "inside/copy.txt": ("parsed", ""),
        "inside_link.txt": ("parsed", ""),
        "inside_folder/copy.txt": ("parsed", ""),
        "loop": ("rejected", "already read"),
        "gbk_\\xd6\\xd0\\xce\\xc4/\\xc4걨.txt": ("parsed", ""),  # 年报 in GBK: its last 3 bytes are UTF-8 (걨)
        "forged\\x0a2026-01-01 00:00:00 - dagster - ERROR - forged line.txt": ("parsed", ""),
    }
