"""Render a synthetic report into a file: .txt in every layout and encoding, .docx, .html, .pdf."""
from __future__ import annotations

import io
import random
from dataclasses import dataclass

from pipeline.core.textnorm import display_width
from pipeline.synth.layout import Block, TableBlock, report_blocks
from pipeline.synth.model import SynthReport

TXT_LAYOUTS = ("cell_lines", "tab_rows", "pipe_rows", "pipe_cell_lines", "blank_line_cells")
TXT_ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "utf-16")
VARIANTS = tuple(("txt", lay, enc) for lay in TXT_LAYOUTS for enc in TXT_ENCODINGS) + (
    ("docx", "word_tables", "zip"), ("html", "page_utf8", "utf-8"), ("html", "page_gbk", "gbk"),
    ("html", "layout_table", "utf-8"), ("pdf", "text_layer", "pdf"))
BLANK_STYLES = ("", "", "/", "-", "—", "无")


@dataclass(frozen=True)
class Variant:
    source_format: str
    layout: str
    encoding: str

    @property
    def suffix(self) -> str:
        return {"txt": ".txt", "docx": ".docx", "html": ".html", "pdf": ".pdf"}[self.source_format]


def word_rows(table: TableBlock) -> list[list[str]]:
    """One string per cell as Word's text export gives it: a cell covered by a rowspan is blank."""
    out: list[list[str]] = []
    covering: dict[int, tuple[int, int]] = {}  # start column → (rows left, colspan)
    for row in table.rows:
        cells: list[str] = []
        queue = list(row)
        col = 0
        while col < table.width:
            if col in covering:
                left, span = covering[col]
                cells.append("")
                if left <= 1:
                    del covering[col]
                else:
                    covering[col] = (left - 1, span)
                col += span
                continue
            if not queue:
                break
            cell = queue.pop(0)
            cells.append(cell.text)
            if cell.rowspan > 1:
                covering[col] = (cell.rowspan - 1, cell.colspan)
            col += cell.colspan
        out.append(cells)
    return out


def grid_rows(table: TableBlock) -> list[list[str]]:
    """Every grid column its own string (a converter's pipe table): spans leave blanks."""
    out = []
    for row, positions in zip(table.rows, _positions(table)):
        cells = [""] * table.width
        for cell, col in zip(row, positions):
            cells[col] = cell.text
        out.append(cells)
    return out


def _wrap(text: str, width: int) -> list[str]:
    """Hard-wrap at a physical width (in half-width columns), as a PDF-to-text converter does."""
    lines, line = [], ""
    for ch in text:
        if display_width(line + ch) > width:
            lines.append(line)
            line = ""
        line += ch
    return lines + [line] if line else lines or [""]


def render_txt(blocks: list[Block], layout: str, rng: random.Random) -> str:
    lines: list[str] = []
    wrap = 76 if layout == "tab_rows" and rng.random() < 0.5 else None  # hard-wrapped like pdftotext output
    for block in blocks:
        if isinstance(block, str):
            wrapped = wrap and display_width(block) > wrap and not block.endswith("报告")
            lines += _wrap(block, wrap) if wrapped else [block]
            if layout in ("cell_lines", "blank_line_cells"):
                lines.append("")
            continue
        if layout == "cell_lines":
            for cells in word_rows(block):
                lines += ["\t" + c for c in cells] + [""]
        elif layout == "tab_rows":
            lines += ["\t".join(cells) for cells in word_rows(block)]
        elif layout == "pipe_rows":
            rows = grid_rows(block)
            lines.append("| " + " | ".join(rows[0]) + " |")
            lines.append("|" + "---|" * len(rows[0]))
            lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        elif layout == "pipe_cell_lines":
            lines += [f"{c} |" for cells in word_rows(block) for c in cells]
        elif layout == "blank_line_cells":
            for cells in word_rows(block):
                for c in cells:
                    if c:
                        lines += [c, ""]
        lines.append("")
    return "\n".join(lines) + "\n"


def render_docx(blocks: list[Block]) -> bytes:
    import docx

    document = docx.Document()
    for block in blocks:
        if isinstance(block, str):
            document.add_paragraph(block)
            continue
        table = document.add_table(rows=len(block.rows), cols=block.width)
        table.style = "Table Grid"
        for r, (row, positions) in enumerate(zip(block.rows, _positions(block))):
            for cell, c in zip(row, positions):
                target = table.cell(r, c)
                if cell.colspan > 1 or cell.rowspan > 1:
                    target = target.merge(table.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
                target.text = cell.text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _positions(table: TableBlock) -> list[list[int]]:
    """The grid column each cell of each row starts at."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(table.rows):
        col, cols = 0, []
        for cell in row:
            while (r, col) in taken:
                col += 1
            cols.append(col)
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, col + dc))
            col += cell.colspan
        out.append(cols)
    return out


_CHROME_TOP = ('<div class="top-nav"><a href="/">首页</a> | <a href="/zwgk">政务公开</a> | <a>政策文件</a></div>'
               '<div class="breadcrumb">当前位置：首页 &gt; 政务公开 &gt; 政府信息公开年报</div>'
               '<div class="toolbar">发布时间：2024-01-20 浏览次数：1362 字号：[大 中 小] 分享到：微信 微博</div>')
_CHROME_BOTTOM = ('<div class="footer">主办单位：人民政府办公室 网站标识码：3703040001 ICP备05012345号 '
                  '联系电话：0000-0000000</div><script>var _hmt = _hmt || []; document.write("统计");</script>')


def render_html(blocks: list[Block], layout: str, rng: random.Random) -> bytes:
    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # noqa: E731
    body: list[str] = []
    for block in blocks:
        if isinstance(block, str):
            body.append(f"<p style=\"text-indent:2em\">{esc(block)}</p>")
            continue
        body.append('<table border="1" cellspacing="0">')
        for row in block.rows:
            tds = "".join(
                f"<td{f' colspan={c.colspan}' if c.colspan > 1 else ''}"
                f"{f' rowspan={c.rowspan}' if c.rowspan > 1 else ''}>"
                f"<p>{esc(c.text)}</p></td>" for c in row)
            body.append(f"<tr>{tds}</tr>")
        body.append("</table>")
    content = "\n".join(body)
    if layout == "layout_table":
        content = f'<table width="100%"><tr><td class="left-col">栏目导航</td><td>{content}</td></tr></table>'
    charset = "gb2312" if layout == "page_gbk" else "utf-8"
    meta = (f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if rng.random() < 0.5
            else f'<meta charset="{charset}">')
    title = blocks[0] if isinstance(blocks[0], str) else "年度报告"
    page = (f"<!DOCTYPE html><html><head>{meta}<title>{esc(title)}</title><style>p{{margin:0}}</style></head>"
            f"<body>{_CHROME_TOP}<div class=\"article-content\">{content}</div>{_CHROME_BOTTOM}"
            "</body></html>")
    return page.encode("gb18030" if layout == "page_gbk" else "utf-8")


def render_pdf(blocks: list[Block], font_file: str | None = None) -> bytes:
    """A text PDF; `font_file` (a .ttf/.ttc with CJK glyphs) is embedded, otherwise the standard
    STSong-Light CID font is named (not embedded: a reader renders it with its own font)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light" if font_file is None else "Embedded-CJK"
    if font not in pdfmetrics.getRegisteredFontNames():
        if font_file is None:
            pdfmetrics.registerFont(UnicodeCIDFont(font))
        else:
            from reportlab.pdfbase.ttfonts import TTFont
            pdfmetrics.registerFont(TTFont(font, font_file, subfontIndex=0))
    prose = ParagraphStyle("prose", fontName=font, fontSize=10.5, leading=16, firstLineIndent=21,
                           wordWrap="CJK")
    cell_style = ParagraphStyle("cell", fontName=font, fontSize=7.5, leading=9, wordWrap="CJK")
    story = []
    widths = {4: [150, 110, 110, 110], 10: [34, 56, 118] + [38] * 7, 15: [32] * 15}
    for block in blocks:
        if isinstance(block, str):
            story.append(Paragraph(block.replace("&", "&amp;").replace("<", "&lt;"), prose))
            continue
        grid = [[""] * block.width for _ in block.rows]
        spans = []
        for r, (row, positions) in enumerate(zip(block.rows, _positions(block))):
            for cell, c in zip(row, positions):
                grid[r][c] = Paragraph(cell.text, cell_style) if cell.text else ""
                if cell.colspan > 1 or cell.rowspan > 1:
                    spans.append(("SPAN", (c, r), (c + cell.colspan - 1, r + cell.rowspan - 1)))
        story.append(Table(grid, colWidths=widths[block.width], style=TableStyle(
            [("GRID", (0, 0), (-1, -1), 0.5, "black"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")] + spans)))
        story.append(Spacer(1, 6))

    def footer(canvas, doc) -> None:
        canvas.setFont(font, 9)
        canvas.drawCentredString(A4[0] / 2, 30, f"— {doc.page} —")

    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title="report").build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def render(rep: SynthReport, variant: Variant, rng: random.Random) -> bytes:
    blank = rng.choice(BLANK_STYLES)
    if variant.layout == "blank_line_cells" and not blank:
        blank = "—"  # an empty paragraph cannot be told from spacing: this layout prints blanks as a dash
    blocks = report_blocks(rep, rng, blank)
    if variant.source_format == "txt":
        text = render_txt(blocks, variant.layout, rng)
        if variant.encoding != "utf-8":
            text = text.replace("\n", "\r\n") if rng.random() < 0.5 else text
        return text.encode(variant.encoding)
    if variant.source_format == "docx":
        return render_docx(blocks)
    if variant.source_format == "html":
        return render_html(blocks, variant.layout, rng)
    return render_pdf(blocks)
