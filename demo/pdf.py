"""A minimal demo PDF, written by hand (no dependency): the body of the demo office's
documents (demo/office.py, demo/exchange.py) and of tests that need a PDF laid out like a
document."""

from __future__ import annotations

import unicodedata
from datetime import date


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pdf_text(text: str) -> str:
    return "<" + text.encode("utf-16-be").hex().upper() + ">"


def _text_width(text: str, size: float) -> float:
    return sum(size if _width(ch) == 2 else size / 2 for ch in text)


def _wrap(text: str, size: float, max_width: float) -> list[str]:
    rows, row = [], ""
    for ch in text:
        if row and _text_width(row + ch, size) > max_width:
            rows.append(row)
            row = ""
        row += ch
    return [*rows, row] if row else rows


def demo_pdf(title: str, *, sender: str = "", doc_number: str = "", recipients: str = "",
             issued_on: date | None = None) -> bytes:
    """A small valid one-page A4 PDF laid out like a GB/T 9704 document head, written by
    hand (no dependency). Chinese text uses the standard CJK font STSong-Light with the
    UniGB-UCS2-H encoding, which PDF viewers supply themselves."""
    page_w, left, right = 595, 79, 516  # A4, 28 mm binding margin, 156 mm text block
    ops = []

    def line(text, size, y, *, red=False, center=False, x=left):
        if center:
            x = (page_w - _text_width(text, size)) / 2
        colour = "0.8 0 0 rg" if red else "0 0 0 rg"
        ops.append(f"BT {colour} /F1 {size} Tf {x:.1f} {y:.1f} Td {_pdf_text(text)} Tj ET")

    y = 700
    if sender:
        size = 26 if len(sender) <= 14 else 22
        line(sender + ("文件" if "函" not in doc_number else ""), size, y, red=True, center=True)
        y -= 56
    if doc_number:
        line(doc_number, 16, y, center=True)
        y -= 14
    ops.append(f"0.8 0 0 RG 1.5 w {left} {y} m {right} {y} l S")
    y -= 48
    for row in _wrap(title, 22, right - left):
        line(row, 22, y, center=True)
        y -= 32
    y -= 12
    if recipients:
        line(recipients + "：", 16, y)
        y -= 30
    body = ("本件为示范市演示数据，标题、文号和内容均为虚构，仅用于演示电子公文处理系统的收文办理流程。"
            "正文从略。")
    for row in _wrap("　　" + body, 16, right - left):
        line(row, 16, y)
        y -= 28
    if issued_on:
        line(f"{issued_on.year}年{issued_on.month}月{issued_on.day}日", 16, y - 40, x=right - 150)
    line("— 1 —", 14, 40, center=True)
    content = "\n".join(ops).encode("ascii")

    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 7 0 R /DW 1000 "
        b"/W [1 95 500] >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 "
        b"/Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
        ("<< /Title <FEFF" + title.encode("utf-16-be").hex().upper() + "> /Producer (Gongwen demo) >>").encode("ascii"),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body_bytes in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body_bytes + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, len(objects), xref)
    return bytes(out)
