"""The one exception that means "this file is not loaded": `Rejected`, with a reason and a message.

Readers, the parser and the file stage raise it for input they cannot or must not load; `files.parse_file`
turns it into the file's `rejected` raw_file row with the message as its error. Anything else a reader or
the parser raises is a bug, not a broken file: the row then says it is an internal error and names the
file and the exception, so that it gets reported instead of passing for bad input.
"""
from __future__ import annotations

from pipeline.core import codebook as cb


class Rejected(Exception):
    """The file cannot be loaded as a report. `reason`: one of the codebook's REJECT_* codes (what kind of
    rejection, for code to act on: a Word file that needs LibreOffice is converted); the message says
    why for a person (it becomes raw_file.error). `retry`: the rejection is of this run's settings or
    machine, not of the content (the size limit, OCR off or unavailable): the parse cache does not keep
    it, and the file is read again next run."""

    def __init__(self, reason: str, message: str, retry: bool = False):
        if reason not in cb.REJECT_REASONS:
            raise ValueError(f"unknown rejection reason {reason!r} (codebook.REJECT_REASONS)")
        super().__init__(message)
        self.reason, self.retry = reason, retry

    def __reduce__(self):  # picklable with every argument (it may cross a process boundary)
        return type(self), (self.reason, str(self), self.retry)
