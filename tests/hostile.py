"""Hostile and broken files, built in memory: each must be rejected with a reason a person understands."""
from __future__ import annotations

import io
import zipfile


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
        z.writestr("word/document.xml", '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                        "<d>&x;</d>")
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
