"""The PDFs of the archive: the filing stamp (归档章) drawn on the first page, the processing
slip (处理笺) and the drafting form (发文稿纸) as PDF pages, a placeholder page for an item
without an electronic body, and merging.

Text is set in reportlab's built-in CID font STSong-Light (Adobe-GB1): it needs no font
file on the server, every PDF reader has a substitute for it, and pdfplumber extracts it.
The Fandol fonts the drafting renderer uses are OpenType/CFF, which reportlab cannot embed.

The stamp follows DA/T 22-2015 §9.2: a red-lined table of two rows and three columns
(全宗号 年度 件号 / 机构 保管期限 页数), each cell 16 mm × 10 mm, drawn in the upper right
of the first page inside the blank top margin (GB/T 9704's top margin is 37 mm; the stamp
takes 5–25 mm from the top and ends 10 mm from the right edge). Each cell has its field
name in small type above the value, so the stamp reads without the standard at hand.
"""

from __future__ import annotations

import functools
from io import BytesIO

from pypdf import PdfReader, PdfWriter, Transformation
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from gongwen.errors import DomainError

MM = 72 / 25.4
FONT = "STSong-Light"
RED = colors.Color(230 / 255, 0, 0)
CELL_W, CELL_H = 16, 10  # mm
TOP_MM, RIGHT_MM = 5, 10


@functools.cache
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def page_count(pdf: bytes) -> int:
    return len(PdfReader(BytesIO(pdf)).pages)


def merge(parts: list[bytes]) -> bytes:
    writer = PdfWriter()
    for part in parts:
        try:
            reader = PdfReader(BytesIO(part))
            for page in reader.pages:
                writer.add_page(page)
        except Exception as exc:  # pypdf's many parse errors
            raise DomainError("有一份 PDF 文件无法读取，不能合成归档文件；请核对该件的电子文件。",
                              code="bad_pdf") from exc
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def stamp_cells(fields: dict) -> list[tuple[str, str]]:
    """The six cells in reading order (two rows of three)."""
    return [("全宗号", fields["fonds"]), ("年度", str(fields["year"])), ("件号", fields["seq"]),
            ("机构", fields.get("unit", "")), ("保管期限", fields["retention"]), ("页数", str(fields["pages"]))]


def stamp_box(page_width_pt: float) -> tuple[float, float, float, float]:
    """(x0, top, x1, bottom) of the stamp in points from the page's top-left corner."""
    w, h = 3 * CELL_W * MM, 2 * CELL_H * MM
    x1 = page_width_pt - RIGHT_MM * MM
    return x1 - w, TOP_MM * MM, x1, TOP_MM * MM + h


def stamp_first_page(pdf: bytes, fields: dict) -> bytes:
    """Draw the 归档章 in the upper right of the first page; the other pages stay as they are."""
    reader = PdfReader(BytesIO(pdf))
    first = reader.pages[0]
    box = first.mediabox
    width, height = float(box.width), float(box.height)
    x0, top, _x1, _bottom = stamp_box(width)
    overlay = BytesIO()
    pen = canvas.Canvas(overlay, pagesize=(width, height))
    font = _font()
    pen.setStrokeColor(RED)
    pen.setFillColor(RED)
    pen.setLineWidth(0.8)
    cw, ch = CELL_W * MM, CELL_H * MM
    for i, (label, value) in enumerate(stamp_cells(fields)):
        row, col = divmod(i, 3)
        cx = x0 + col * cw
        cy = height - top - (row + 1) * ch  # bottom-left corner, reportlab coordinates
        pen.rect(cx, cy, cw, ch, stroke=1, fill=0)
        pen.setFont(font, 5.5)
        pen.drawCentredString(cx + cw / 2, cy + ch - 2.6 * MM, label)
        value = str(value or "")
        size = 8 if pdfmetrics.stringWidth(value, font, 8) <= cw - 2 else 6
        pen.setFont(font, size)
        pen.drawCentredString(cx + cw / 2, cy + 1.8 * MM, value)
    pen.showPage()
    pen.save()
    stamp = PdfReader(BytesIO(overlay.getvalue())).pages[0]
    writer = PdfWriter(clone_from=reader)
    page = writer.pages[0]
    if float(box.left) or float(box.bottom):
        page.merge_transformed_page(stamp, Transformation().translate(float(box.left), float(box.bottom)))
    else:
        page.merge_page(stamp)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _styles():
    font = _font()
    return {
        "title": ParagraphStyle("t", fontName=font, fontSize=18, leading=26, alignment=1, textColor=RED),
        "h": ParagraphStyle("h", fontName=font, fontSize=11, leading=16, spaceBefore=6),
        "cell": ParagraphStyle("c", fontName=font, fontSize=10, leading=14),
        "small": ParagraphStyle("s", fontName=font, fontSize=8, leading=11, textColor=colors.grey),
    }


def _esc(text) -> str:
    return (str(text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\n", "<br/>"))


def form_pdf(title: str, fields: list[tuple[str, str]], sections: list[tuple[str, list[str]]],
             footer: str = "") -> bytes:
    """A form page: a red title, a two-column table of fields, then the sections of opinions
    (each a heading row and its lines); A4 portrait."""
    st = _styles()
    out = BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=25 * MM, rightMargin=20 * MM, topMargin=30 * MM,
                            bottomMargin=20 * MM, title=title)
    story = [Paragraph(_esc(title), st["title"]), Spacer(1, 6 * MM)]
    rows = [[Paragraph(_esc(k), st["cell"]), Paragraph(_esc(v), st["cell"])] for k, v in fields]
    for heading, lines in sections:
        text = "<br/>".join(_esc(line) for line in lines) if lines else "（无）"
        rows.append([Paragraph(_esc(heading), st["cell"]), Paragraph(text, st["cell"])])
    table = Table(rows, colWidths=[32 * MM, 133 * MM])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.6, RED),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TEXTCOLOR", (0, 0), (0, -1), RED),
    ]))
    story.append(table)
    if footer:
        story += [Spacer(1, 4 * MM), Paragraph(_esc(footer), st["small"])]
    doc.build(story)
    return out.getvalue()


def placeholder_pdf(lines: list[str]) -> bytes:
    """One page saying why the item has no electronic body (the stamp still goes on it)."""
    st = _styles()
    out = BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=28 * MM, rightMargin=26 * MM, topMargin=37 * MM,
                            bottomMargin=35 * MM)
    doc.build([Paragraph(_esc(line), st["cell"]) for line in lines])
    return out.getvalue()
