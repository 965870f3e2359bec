"""Word .docx → Document, reading the Word tables themselves (python-docx).

Each table row becomes one cell per <w:tc>, as Word's own text export does: a horizontally
merged cell appears once, a vertically merged continuation cell appears blank.
"""
from __future__ import annotations

import io

from pipeline.core.document import Block, Document, Paragraph, Table, TableRow
from pipeline.core.readers.safety import UnsafeInput, check_xml_parts, open_zip
from pipeline.core.textnorm import strip_debris


def read_docx(data: bytes) -> Document:
    import docx  # python-docx; lxml underneath, with entity resolution off
    from docx.table import Table as DocxTable, _Cell

    check_xml_parts(open_zip(data, "Word document"), "Word document")
    try:
        word = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, PackageNotFoundError, XMLSyntaxError …
        raise UnsafeInput(f"not a readable Word document ({type(exc).__name__}: {str(exc)[:120]})") from exc
    blocks: list[Block] = []
    index = 0
    for part in word.iter_inner_content():
        index += 1
        if isinstance(part, DocxTable):
            rows = []
            for tr in part._tbl.tr_lst:
                index += 1
                cells = tuple("" if tc.vMerge == "continue" else _cell_text(_Cell(tc, part)) for tc in tr.tc_lst)
                rows.append(TableRow(cells, index))
            if rows:
                blocks.append(Table(tuple(rows)))
        else:
            text = strip_debris(part.text).strip()
            if text:
                blocks.append(Paragraph(text, index))
    return Document(tuple(blocks), "docx", None)


def _cell_text(cell) -> str:
    return "".join(strip_debris(p.text).strip() for p in cell.paragraphs)
