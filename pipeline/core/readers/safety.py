"""Guards applied before a library parses a container: bounded archives, no XML entity declarations.

A .docx is a zip of XML parts. A zip bomb declares huge uncompressed sizes (Python's zipfile
never inflates a member past its declared size, so checking the declarations bounds the work);
an XXE attack declares entities in a DOCTYPE. Neither belongs in a real report.
"""
from __future__ import annotations

import io
import re
import zipfile
import zlib

from pipeline.core import codebook as cb
from pipeline.core.rejection import Rejected

MAX_ARCHIVE_MEMBERS = 2000
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200

_ENTITY_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)  # Word XML never has a DOCTYPE
_ENTITY = re.compile(rb"<!ENTITY", re.I)  # web pages have <!DOCTYPE html>, never entity declarations


# What zipfile (and zlib under it) raise on a damaged archive or member: a bad header or CRC, a
# truncated or corrupt deflate stream, an unsupported compression method, an encrypted member
# (RuntimeError: "password required"), a member name that is not there (KeyError).
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError,
              RuntimeError, KeyError)


def open_zip(data: bytes, what: str) -> zipfile.ZipFile:
    """A zip archive whose declared sizes are within bounds, or Rejected."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise Rejected(cb.REJECT_BROKEN,
                       f"broken archive: the {what} is not a readable zip file ({exc})") from exc
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise Rejected(cb.REJECT_UNSAFE,
                       f"archive with {len(members)} members: more than {MAX_ARCHIVE_MEMBERS}, not a {what}")
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    if total > MAX_UNCOMPRESSED_BYTES or total > MAX_COMPRESSION_RATIO * max(packed, 1 << 16):
        raise Rejected(cb.REJECT_UNSAFE,
                       f"archive inflates to {total} bytes from {packed} (a zip bomb?); refused")
    return archive


def reject_entity_declarations(head: bytes, what: str) -> None:
    """XML/HTML must not declare entities (XXE, billion laughs). Only the prolog can declare them."""
    if _ENTITY.search(head):
        raise Rejected(cb.REJECT_UNSAFE, f"{what} declares XML entities (possible XXE attack); refused")


def check_xml_parts(archive: zipfile.ZipFile, what: str) -> None:
    for member in archive.infolist():
        if member.filename.endswith((".xml", ".rels")):
            try:
                with archive.open(member) as fh:
                    head = fh.read(4096)
            except ZIP_ERRORS as exc:
                raise Rejected(cb.REJECT_BROKEN, f"broken archive: the {what} part {member.filename} "
                               f"cannot be read ({type(exc).__name__}: {str(exc)[:120]})") from exc
            if _ENTITY_DECLARATION.search(head):
                raise Rejected(cb.REJECT_UNSAFE,
                               f"{what} part {member.filename} has a DOCTYPE (possible XXE attack); refused")
