"""Official documents in the GB/T 9704-2012 layout: DOCX with python-docx, PDF with LibreOffice.

`render_docx(RenderInput) -> bytes` lays out the 文件格式 (份号, 密级, 紧急程度, the red issuing-agency
mark, 发文字号 — with 签发人 on 上行文 —, the red rule, title, 主送, body with heading levels,
attachment note, signature and date, attachments on new pages, 版记 at the bottom of the last page
and page numbers `— N —`) on A4 with the 156 × 225 mm text block of 22 lines × 28 characters
(RULES.md §10). `render_pdf(docx_bytes) -> bytes` converts through LibreOffice headless.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips

from gongwen.errors import DomainError

from .fonts import font_plan

# The grid of GB/T 9704: 22 lines in 225 mm and 28 characters in 156 mm.
PAGE_W, PAGE_H = 210, 297
TOP, LEFT, BLOCK_W, BLOCK_H = 37, 28, 156, 225
LINE_TWIPS = 579  # 28.95 pt: 22 lines fit in 225 mm (12756 twips), 23 do not
BODY_PT = 16  # 3号
CHAR_SPACING_TWIPS = -5  # 16 pt glyphs on a 15.75 pt pitch: 28 fit in 156 mm (442.2 pt), 29 do not
CHAR_PT = BODY_PT + CHAR_SPACING_TWIPS / 20
RED = RGBColor(0xFF, 0x00, 0x00)
SIZES = {"2号": 22, "3号": 16, "4号": 14}

LEVEL_FONT = {0: "fangsong", 1: "hei", 2: "kai", 3: "fangsong", 4: "fangsong"}


@dataclass
class BodyParagraph:
    """A paragraph of the body: level 0 text, 1 `一、`, 2 `（一）`, 3 `1.`, 4 `（1）` headings."""

    text: str
    level: int = 0


@dataclass
class Attachment:
    name: str
    paragraphs: list[BodyParagraph] = field(default_factory=list)


@dataclass
class RenderInput:
    agency_mark: str  # 发文机关标志 without 文件, e.g. "某市人民政府办公室"
    title: str
    doc_number: str = ""  # 发文字号, e.g. "某政办发〔2026〕5号"
    main_recipients: str = ""
    body: list[BodyParagraph] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    issuing_agency: str = ""  # 署名
    date: str = ""  # 成文日期, "2026年3月8日"
    copy_number: str = ""  # 份号
    secrecy: str = ""  # 密级★期限, e.g. "秘密★1年"
    urgency: str = ""  # 特急 / 加急
    signers: list[str] = field(default_factory=list)  # 签发人 (上行文)
    upward: bool = False  # 上行文
    joint_agencies: list[str] = field(default_factory=list)  # further agencies of a joint document
    cc: str = ""  # 抄送
    printing_agency: str = ""  # 印发机关
    printing_date: str = ""  # 印发日期
    mark_suffix: str = "文件"  # 命令格式: "令" / "命令"; 纪要格式: "纪要" (or part of agency_mark)
    kind: str = "file"  # file 文件格式, letter 信函格式, order 命令格式, minutes 纪要格式
    attendees: str = ""  # 纪要: 出席
    absentees: str = ""  # 纪要: 请假
    observers: str = ""  # 纪要: 列席


@dataclass
class Rendered:
    docx: bytes
    warnings: list[str]


# ---------------------------------------------------------------- low-level helpers


def _set_run_font(run, role: str, size_pt: float, *, bold: bool = False, color=None,
                  spacing_twips: int | None = CHAR_SPACING_TWIPS) -> None:
    family = font_plan().families[role]
    run.font.size = Pt(size_pt)
    run.font.name = family
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), family)
    if color is not None:
        run.font.color.rgb = color
    if spacing_twips:
        sp = OxmlElement("w:spacing")
        sp.set(qn("w:val"), str(spacing_twips))
        rpr.append(sp)


def _para(doc, text: str = "", *, role: str = "fangsong", size: float = BODY_PT,
          align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent_chars: float = 0, bold: bool = False,
          color=None, line_twips: int = LINE_TWIPS, right_chars: float = 0, left_chars: float = 0,
          spacing_twips: int | None = CHAR_SPACING_TWIPS):
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.alignment = align
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing = Twips(line_twips)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    if indent_chars:
        fmt.first_line_indent = Pt(CHAR_PT * indent_chars)
    if right_chars:
        fmt.right_indent = Pt(CHAR_PT * right_chars)
    if left_chars:
        fmt.left_indent = Pt(CHAR_PT * left_chars)
    ppr = p._element.get_or_add_pPr()
    for tag in ("w:snapToGrid", "w:autoSpaceDE", "w:autoSpaceDN"):
        el = OxmlElement(tag)
        el.set(qn("w:val"), "0")
        ppr.append(el)
    if text:
        run = p.add_run(text)
        _set_run_font(run, role, size, bold=bold, color=color, spacing_twips=spacing_twips)
    return p


def _border(p, side: str, *, sz: int, color: str = "000000", space: int = 1) -> None:
    ppr = p._element.get_or_add_pPr()
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        # pBdr must come before spacing/ind/jc in pPr
        ppr.insert(0, bdr)
    el = OxmlElement(f"w:{side}")
    el.set(qn("w:val"), "single")
    el.set(qn("w:sz"), str(sz))
    el.set(qn("w:space"), str(space))
    el.set(qn("w:color"), color)
    bdr.append(el)


def _bottom_frame(p) -> None:
    """Put the paragraph in a frame at the bottom of the text block (版记 on the last page)."""
    ppr = p._element.get_or_add_pPr()
    fr = OxmlElement("w:framePr")
    fr.set(qn("w:w"), str(int(Mm(BLOCK_W).twips)))
    fr.set(qn("w:hSpace"), "0")
    fr.set(qn("w:wrap"), "around")
    fr.set(qn("w:vAnchor"), "margin")
    fr.set(qn("w:hAnchor"), "margin")
    fr.set(qn("w:x"), "0")
    fr.set(qn("w:yAlign"), "bottom")
    ppr.insert(0, fr)


def _page_field(p, role: str, size: float) -> None:
    def run_with(el_tag, **attrs):
        run = p.add_run()
        _set_run_font(run, role, size, spacing_twips=None)
        el = OxmlElement(el_tag)
        for k, v in attrs.items():
            el.set(qn(k), v)
        if el_tag == "w:instrText":
            el.set(qn("xml:space"), "preserve")
            el.text = " PAGE "
        run._element.append(el)

    lead = p.add_run("— ")
    _set_run_font(lead, role, size, spacing_twips=None)
    run_with("w:fldChar", **{"w:fldCharType": "begin"})
    run_with("w:instrText")
    run_with("w:fldChar", **{"w:fldCharType": "separate"})
    num = p.add_run("1")
    _set_run_font(num, role, size, spacing_twips=None)
    run_with("w:fldChar", **{"w:fldCharType": "end"})
    tail = p.add_run(" —")
    _set_run_font(tail, role, size, spacing_twips=None)


FOOTER_MM = 19.6  # 信函格式's lower double rule 20 mm above the page bottom (LibreOffice)
NUMBER_LIFT_MM = 2.4  # and the page number's top edge 7 mm below the text block


def _setup_section(doc) -> None:
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(PAGE_W), Mm(PAGE_H)
    sec.top_margin, sec.left_margin = Mm(TOP), Mm(LEFT)
    sec.right_margin = Mm(PAGE_W - LEFT - BLOCK_W)
    sec.bottom_margin = Mm(PAGE_H - TOP - BLOCK_H)
    sec.header_distance = Mm(15)
    sec.footer_distance = Mm(FOOTER_MM)
    grid = sec._sectPr.find(qn("w:docGrid"))
    if grid is not None:
        grid.set(qn("w:type"), "linesAndChars")
        grid.set(qn("w:linePitch"), str(LINE_TWIPS))
        grid.set(qn("w:charSpace"), "0")
    doc.settings.odd_and_even_pages_header_footer = True
    for footer, align, key in (
        (sec.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
        (sec.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left"),
    ):
        p = footer.paragraphs[0]
        fmt = p.paragraph_format
        fmt.alignment = align
        fmt.space_before = Pt(0)
        fmt.space_after = Mm(NUMBER_LIFT_MM)
        fmt.line_spacing = Pt(SIZES["4号"])
        one_char = Pt(SIZES["4号"])
        if key == "right":
            fmt.right_indent = one_char
        else:
            fmt.left_indent = one_char
        _page_field(p, "song", SIZES["4号"])
    # Normal style: 3号仿宋 on the grid
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    rfonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), font_plan().families["fangsong"])



# ---------------------------------------------------------------- the layout


def _mark(doc, data: RenderInput) -> None:
    """The red issuing-agency mark, its top 35 mm (上行文 80 mm) below the top of the block."""
    names = [data.agency_mark, *data.joint_agencies]
    longest = max(len(n) for n in names) + (len(data.mark_suffix) if len(names) == 1 else 0)
    size = min(36.0, (BLOCK_W / 25.4 * 72) / max(longest, 1) * 0.92)
    line = int(round(size * 1.25 * 20))
    lines_used = sum(1 for v in (data.copy_number, data.secrecy, data.urgency) if v)
    top_mm = 20 if data.kind == "order" else 80 if data.upward else 35
    target = top_mm * 56.6929  # twips
    gap = max(0, int(target - lines_used * LINE_TWIPS))
    if len(names) == 1:
        p = _para(doc, names[0] + data.mark_suffix, role="xiaobiaosong", size=size,
                  align=WD_ALIGN_PARAGRAPH.CENTER, color=RED, line_twips=line, spacing_twips=None)
        p.paragraph_format.space_before = Twips(gap)
        return
    # joint document: the agencies stacked, 文件 to the right, centred over all lines
    left_w, right_w = Mm(BLOCK_W * 0.76), Mm(BLOCK_W * 0.24)
    size = min(36.0, left_w.pt / max(len(n) for n in names) * 0.9)
    line = int(round(size * 1.25 * 20))
    gap -= int(4.7 * 56.6929)  # the table's cell margin and the glyph's place in its line
    if gap >= 20:
        _para(doc, line_twips=gap)
    table = doc.add_table(rows=len(names), cols=2)
    table.autofit = False
    table.columns[0].width, table.columns[1].width = left_w, right_w
    for i, name in enumerate(names):
        cell = table.cell(i, 0)
        cell.width = left_w
        cp = cell.paragraphs[0]
        cp.alignment = WD_ALIGN_PARAGRAPH.DISTRIBUTE
        cp.paragraph_format.line_spacing = Twips(line)
        run = cp.add_run(name)
        _set_run_font(run, "xiaobiaosong", size, color=RED, spacing_twips=None)
    right = table.cell(0, 1).merge(table.cell(len(names) - 1, 1))
    right.width = right_w
    right.vertical_alignment = 1  # centre
    rp = right.paragraphs[0]
    rp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = rp.add_run(data.mark_suffix)
    _set_run_font(run, "xiaobiaosong", size, color=RED, spacing_twips=None)


def _letter_first_page(doc, data: RenderInput) -> None:
    """信函格式: on the first page, the mark 30 mm below the top of the page over a red double
    rule (thick over thin), another red double rule (thin over thick) 20 mm above the bottom, both
    170 mm wide, and no page number."""
    sec = doc.sections[0]
    sec.different_first_page_header_footer = True
    sec.header_distance = Mm(30.2)  # the glyph top of the mark at 30 mm (LibreOffice)
    side = -Mm((170 - BLOCK_W) / 2)
    hp = sec.first_page_header.paragraphs[0]
    fmt = hp.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.left_indent = fmt.right_indent = side
    size = min(30.0, Mm(150).pt / max(len(data.agency_mark), 1))
    r = hp.add_run(data.agency_mark)
    _set_run_font(r, "xiaobiaosong", size, color=RED, spacing_twips=None)
    _double_rule(hp, "bottom", "thickThinSmallGap")
    fp = sec.first_page_footer.paragraphs[0]
    fp.paragraph_format.left_indent = fp.paragraph_format.right_indent = side
    fp.paragraph_format.space_before = fp.paragraph_format.space_after = Pt(0)
    fp.paragraph_format.line_spacing = Pt(2)
    _double_rule(fp, "bottom", "thinThickSmallGap")
    sec.footer_distance = Mm(FOOTER_MM)


def _double_rule(p, side: str, val: str, space: int = 4) -> None:
    ppr = p._element.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    el = OxmlElement(f"w:{side}")
    el.set(qn("w:val"), val)
    el.set(qn("w:sz"), "18")
    el.set(qn("w:space"), str(space))
    el.set(qn("w:color"), "FF0000")
    bdr.append(el)
    ppr.insert(0, bdr)


def _letter_head(doc, data: RenderInput) -> None:
    """信函格式 under the double rule: 份号, 密级, 紧急程度 flush left, 发文字号 flush right on the
    line after the first of them, the title two lines below."""
    _letter_first_page(doc, data)
    lines = [v for v in (data.copy_number, data.secrecy, data.urgency) if v]
    for i, value in enumerate(lines):
        _para(doc, value, role="fangsong" if value == data.copy_number else "hei",
              align=WD_ALIGN_PARAGRAPH.LEFT)
        if i == 0 and data.doc_number:
            _para(doc, data.doc_number, align=WD_ALIGN_PARAGRAPH.RIGHT)
    if not lines and data.doc_number:
        _para(doc, data.doc_number, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc)


def _head(doc, data: RenderInput) -> None:
    if data.kind == "letter":
        _letter_head(doc, data)
        return
    for value, role in ((data.copy_number, "fangsong"), (data.secrecy, "hei"), (data.urgency, "hei")):
        if value:
            _para(doc, value, role=role, align=WD_ALIGN_PARAGRAPH.LEFT)
    _mark(doc, data)
    _para(doc)  # 发文字号 two lines below the mark: one empty line
    if data.upward:
        p = _para(doc, align=WD_ALIGN_PARAGRAPH.LEFT, left_chars=1)
        p.paragraph_format.tab_stops.add_tab_stop(Mm(BLOCK_W) - Pt(CHAR_PT * 2),
                                                  alignment=2)  # right
        r = p.add_run(data.doc_number)
        _set_run_font(r, "fangsong", BODY_PT)
        r = p.add_run("\t签发人：")
        _set_run_font(r, "fangsong", BODY_PT)
        r = p.add_run("　".join(data.signers))
        _set_run_font(r, "kai", BODY_PT)
    else:
        p = _para(doc, data.doc_number, align=WD_ALIGN_PARAGRAPH.CENTER)
    if data.kind == "order":  # 命令格式: no rule, the body two lines under the number
        _para(doc)
        return
    # the red rule 4 mm under the number
    _border(p, "bottom", sz=12, color="FF0000", space=5)
    _para(doc)


def _body(doc, data: RenderInput) -> None:
    if data.title:
        _para(doc, data.title, role="xiaobiaosong", size=SIZES["2号"], align=WD_ALIGN_PARAGRAPH.CENTER,
              spacing_twips=None)
        _para(doc)
    if data.main_recipients:
        _para(doc, data.main_recipients.rstrip("：:") + "：", align=WD_ALIGN_PARAGRAPH.LEFT)
    for bp in data.body:
        _para(doc, bp.text, role=LEVEL_FONT.get(bp.level, "fangsong"), indent_chars=2)
    if data.attachments:
        _para(doc)
        if len(data.attachments) == 1:
            _para(doc, f"附件：{data.attachments[0].name}", indent_chars=2)
        else:
            for i, att in enumerate(data.attachments, 1):
                lead = "附件：" if i == 1 else ""
                p = _para(doc, f"{lead}{i}.{att.name}", left_chars=5 if i > 1 else 2,
                          align=WD_ALIGN_PARAGRAPH.LEFT)
                if i == 1:
                    p.paragraph_format.left_indent = Pt(CHAR_PT * 2)
    if data.kind == "minutes":
        _minutes_people(doc, data)
    _para(doc)
    _para(doc)
    if data.issuing_agency:
        extra = max(0.0, (len(data.date) - len(data.issuing_agency)) / 2)
        _para(doc, data.issuing_agency, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=4 + extra)
    if data.date:
        _para(doc, data.date, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=4)


def _minutes_people(doc, data: RenderInput) -> None:
    """纪要: 出席, 请假, 列席 — the label in 黑体, the names in 仿宋 aligned after the colon."""
    first = True
    for label, names in (("出席", data.attendees), ("请假", data.absentees), ("列席", data.observers)):
        if not names:
            continue
        if first:
            _para(doc)
            first = False
        p = _para(doc, align=WD_ALIGN_PARAGRAPH.LEFT, left_chars=5)
        p.paragraph_format.first_line_indent = Pt(-CHAR_PT * 3)
        r = p.add_run(f"{label}：")
        _set_run_font(r, "hei", BODY_PT)
        r = p.add_run(names)
        _set_run_font(r, "fangsong", BODY_PT)


def _attachments(doc, data: RenderInput) -> None:
    many = len(data.attachments) > 1
    for i, att in enumerate(data.attachments, 1):
        p = _para(doc, f"附件{i}" if many else "附件", role="hei", align=WD_ALIGN_PARAGRAPH.LEFT)
        p.paragraph_format.page_break_before = True
        _para(doc)
        _para(doc, att.name, role="xiaobiaosong", size=SIZES["2号"], align=WD_ALIGN_PARAGRAPH.CENTER,
              spacing_twips=None)
        _para(doc)
        for bp in att.paragraphs:
            _para(doc, bp.text, role=LEVEL_FONT.get(bp.level, "fangsong"), indent_chars=2)


def _cell_borders(cell, **sides) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    for side in ("top", "left", "bottom", "right"):
        el = OxmlElement(f"w:{side}")
        sz = sides.get(side)
        el.set(qn("w:val"), "single" if sz else "nil")
        if sz:
            el.set(qn("w:sz"), str(sz))
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        borders.append(el)
    tcpr.append(borders)


def _char_width(ch: str, size: float, spacing: float) -> float:
    return (size / 2 if ord(ch) < 0x2000 else size) + spacing


def _used_on_last_page(doc) -> int:
    """Twips of the text block the body fills on its last page.

    Every paragraph has exact line spacing and the body runs on a 28-character grid, so the
    layout LibreOffice (or Word) makes can be followed here: break each paragraph into lines
    character by character, and move to a new page when a line does not fit.
    """
    block_w = Mm(BLOCK_W).pt
    block_h = int(Mm(BLOCK_H).twips)
    y = 0
    for p in doc.paragraphs:
        fmt = p.paragraph_format
        if fmt.page_break_before:
            y = 0
        if fmt.space_before:
            y += int(fmt.space_before.twips)
        line = int(fmt.line_spacing.twips) if fmt.line_spacing is not None else LINE_TWIPS
        left = fmt.left_indent.pt if fmt.left_indent else 0.0
        right = fmt.right_indent.pt if fmt.right_indent else 0.0
        first = fmt.first_line_indent.pt if fmt.first_line_indent else 0.0
        lines, width, avail = 1, first, block_w - left - right
        for run in p.runs:
            size = run.font.size.pt if run.font.size else BODY_PT
            sp = run._element.rPr.find(qn("w:spacing")) if run._element.rPr is not None else None
            spacing = int(sp.get(qn("w:val"))) / 20 if sp is not None else 0.0
            for ch in run.text:
                w = _char_width(ch, size, spacing) if ch != "\t" else 0.0
                if width + w > avail + 0.5:
                    lines, width = lines + 1, 0.0
                width += w
        for _ in range(lines):
            if y + line > block_h:
                y = 0
            y += line
    return y


def _imprint(doc, data: RenderInput) -> None:
    """版记: 抄送 and 印发机关/印发日期 between rules, a table floating at the bottom of the block."""
    rows = []
    if data.cc:
        rows.append(f"抄送：{data.cc.rstrip('。')}。")
    letter = data.kind == "letter"  # 信函格式: no 印发机关/印发日期 and no rules
    if (data.printing_agency or data.printing_date) and not letter:
        rows.append((data.printing_agency, data.printing_date))
    if not rows:
        return
    four = SIZES["4号"]
    # push the imprint to the bottom of the last page with one spacer of the exact height left
    block_h = int(Mm(BLOCK_H).twips)
    need = len(rows) * (LINE_TWIPS + 40) + 80  # rows with their borders, and the anchor
    free = block_h - _used_on_last_page(doc) - need
    if free < 0:  # no room left: the imprint goes to the bottom of a page of its own
        spacer = _para(doc, line_twips=block_h - need)
        spacer.paragraph_format.page_break_before = True
    elif free >= 20:
        _para(doc, line_twips=free)
    table = doc.add_table(rows=len(rows), cols=1)
    tblpr = table._tbl.tblPr
    pos = OxmlElement("w:tblpPr")
    for k, v in (("w:leftFromText", "0"), ("w:rightFromText", "0"), ("w:vertAnchor", "margin"),
                 ("w:horzAnchor", "margin"), ("w:tblpX", "0"),
                 ("w:tblpY", str(int(Mm(BLOCK_H).twips) - len(rows) * LINE_TWIPS - 40))):
        pos.set(qn(k), v)
    tblpr.insert(0, pos)
    width = Mm(BLOCK_W - 0.5)  # LibreOffice keeps a full-width floating table inline
    tblw = OxmlElement("w:tblW")
    tblw.set(qn("w:w"), str(int(width.twips)))
    tblw.set(qn("w:type"), "dxa")
    old_w = tblpr.find(qn("w:tblW"))
    if old_w is not None:
        tblpr.remove(old_w)
    tblpr.append(tblw)
    for i, value in enumerate(rows):
        cell = table.cell(i, 0)
        cell.width = width
        if letter:
            _cell_borders(cell)
        else:
            _cell_borders(cell, top=8 if i == 0 else 6, bottom=8 if i == len(rows) - 1 else None)
        p = cell.paragraphs[0]
        fmt = p.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing = Twips(LINE_TWIPS)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.left_indent = Pt(four)
        if isinstance(value, str):
            r = p.add_run(value)
        else:
            fmt.right_indent = Pt(four)
            fmt.tab_stops.add_tab_stop(width - Pt(four * 2) - Mm(4), alignment=2)
            r = p.add_run(f"{value[0]}\t{value[1]}印发")
        _set_run_font(r, "fangsong", four, spacing_twips=None)
    # a floating table needs a paragraph to anchor to (LibreOffice drops it otherwise)
    _para(doc, line_twips=20)


def render(data: RenderInput) -> Rendered:
    """The DOCX of a document in the 文件格式, with the font warnings for the user."""
    doc = Document()
    body = doc.element.body
    for p in list(body):
        if p.tag == qn("w:p"):
            body.remove(p)
    _setup_section(doc)
    _head(doc, data)
    _body(doc, data)
    _attachments(doc, data)
    _imprint(doc, data)
    out = BytesIO()
    doc.save(out)
    return Rendered(out.getvalue(), list(font_plan().warnings))


def render_docx(data: RenderInput) -> bytes:
    return render(data).docx


# ---------------------------------------------------------------- PDF


class ConverterMissing(DomainError):
    pass


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _soffice() -> str:
    exe = soffice_path()
    if exe is None:
        raise ConverterMissing("服务器未安装 LibreOffice（soffice），无法生成 PDF；请管理员安装 libreoffice-writer-nogui。")
    return exe


class WarmConverter:
    """A LibreOffice kept running with its own profile: each conversion is handed to it.

    A `soffice --convert-to` started with the profile of a running LibreOffice passes the job
    to that process over its pipe instead of starting a new office: about 0.2 s and almost
    no CPU instead of 2–3 s and 1.5 s of CPU for a cold start, measured. Use as a context
    manager; `close()` ends the process it started (and only that one). `render_pdf` keeps
    one per process (`_shared_office`).
    """

    def __init__(self, start_wait: float = 30):
        self.exe = _soffice()
        self.owner = os.getpid()
        self.dir = tempfile.mkdtemp(prefix="gongwen-soffice-")
        self.profile = f"file://{self.dir}/profile"
        name = f"gongwen{os.getpid()}_{id(self)}"
        self.proc = _start_office([self.exe, f"-env:UserInstallation={self.profile}", "--headless", "--invisible",
                                   "--norestore", "--nologo",
                                   # an acceptor keeps the office running once a handed-over job is done
                                   f"--accept=pipe,name={name};urp;", "private:factory/swriter"])
        self.start_wait = start_wait
        # The office opens the acceptor's pipe (/tmp/OSL_PIPE_<uid>_<name>) once it is up. A job
        # handed over before that starts a second office on the same profile, and the first
        # one, finding its profile taken, exits: so wait for the pipe (about 1.5 s here).
        self.pipe = Path("/tmp") / f"OSL_PIPE_{os.getuid()}_{name}"  # noqa: S108 (where LibreOffice puts it)
        deadline = time.monotonic() + start_wait
        while not self.pipe.exists() and self.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)

    def alive(self) -> bool:
        return self.owner == os.getpid() and self.proc.poll() is None

    def convert(self, docx_bytes: bytes, *, timeout: float = 120) -> bytes:
        return _convert(docx_bytes, timeout=timeout, profile=self.profile, exe=self.exe)

    def close(self) -> None:
        if self.owner == os.getpid() and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if self.owner == os.getpid():
            shutil.rmtree(self.dir, ignore_errors=True)
            self.pipe.unlink(missing_ok=True)  # an office that was killed leaves its pipe behind

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --- one office per process ----------------------------------------------------------------
#
# Every conversion of a process goes to one LibreOffice kept running (started at the first
# conversion, restarted when it has died, ended when the process exits): a gunicorn worker, the
# background worker and a test run pay the office's start once, not at every 清样, 成品 and
# archive copy. Conversions are handed to it one at a time (the lock; LibreOffice converts
# one document at a time anyway). If the office fails a conversion, it is ended and the
# document is converted once more by a LibreOffice of its own, so a wedged office costs one
# slow conversion, not a refusal. A process that was forked after the office started (the
# background worker's processes) starts its own. GONGWEN_SOFFICE_WARM=0 turns it off.
#
# The office is started from a thread of its own that lives as long as the process
# (``_keeper``): it is started with PR_SET_PDEATHSIG, which Linux sends when the *thread*
# that started it ends, so it ends with the process even when the process is killed, and not
# with the request thread that happened to ask first (a test server's thread per request).

_office_lock = threading.Lock()
_office: WarmConverter | None = None
_keeper_jobs: queue.SimpleQueue | None = None
_keeper_owner: int | None = None


def _die_with_parent() -> None:
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _keeper() -> queue.SimpleQueue:
    global _keeper_jobs, _keeper_owner
    if _keeper_jobs is None or _keeper_owner != os.getpid():
        jobs: queue.SimpleQueue = queue.SimpleQueue()

        def serve():
            while True:
                args, done = jobs.get()
                try:
                    done.put(subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,  # noqa: S603
                                              start_new_session=True, preexec_fn=_die_with_parent))
                except Exception as exc:  # noqa: BLE001 - handed back to the caller
                    done.put(exc)

        threading.Thread(target=serve, name="gongwen-soffice-keeper", daemon=True).start()
        _keeper_jobs, _keeper_owner = jobs, os.getpid()
    return _keeper_jobs


def _start_office(args: list[str]) -> subprocess.Popen:
    done: queue.SimpleQueue = queue.SimpleQueue()
    _keeper().put((args, done))
    started = done.get(timeout=30)
    if isinstance(started, Exception):
        raise started
    return started


def _shared_office() -> WarmConverter:
    global _office
    if _office is None or not _office.alive() or _office.exe != soffice_path():
        if _office is not None:
            _office.close()
        _office = WarmConverter()
    return _office


@atexit.register
def _end_shared_office() -> None:
    global _office
    if _office is not None:
        _office.close()
        _office = None


def render_pdf(docx_bytes: bytes, *, timeout: float = 120, profile: str | None = None) -> bytes:
    """DOCX → PDF through LibreOffice headless: by the process's running office (above), or
    with ``profile`` by the office of that profile."""
    exe = _soffice()
    if profile is not None or os.environ.get("GONGWEN_SOFFICE_WARM", "1") == "0":
        return _convert(docx_bytes, timeout=timeout, profile=profile, exe=exe)
    global _office
    with _office_lock:
        office = _shared_office()
        try:
            return office.convert(docx_bytes, timeout=timeout)
        except OfficeTimedOut:
            office.close()
            _office = None
            raise
        except DomainError:
            office.close()  # failed or wedged: end it; the next conversion starts a new one
            _office = None
    return _convert(docx_bytes, timeout=timeout, profile=None, exe=exe)


class OfficeTimedOut(DomainError):
    pass


def _convert(docx_bytes: bytes, *, timeout: float, profile: str | None, exe: str) -> bytes:
    """One `soffice --convert-to pdf`: a new office with a profile of its own, or, with the
    ``profile`` of a running office, handed to that office."""
    with tempfile.TemporaryDirectory(prefix="gongwen-render-") as tmp:
        src = os.path.join(tmp, "doc.docx")
        with open(src, "wb") as fh:
            fh.write(docx_bytes)
        profile = profile or f"file://{tmp}/profile"
        try:
            proc = subprocess.run(  # noqa: S603 (our own arguments, no shell)
                [exe, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                 "--convert-to", "pdf", "--outdir", tmp, src],
                capture_output=True, timeout=timeout, check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise OfficeTimedOut(f"LibreOffice 转换 PDF 超时（{int(timeout)} 秒），请稍后重试。") from exc
        pdf = os.path.join(tmp, "doc.pdf")
        if proc.returncode != 0 or not os.path.exists(pdf):
            raise DomainError("LibreOffice 未能将文件转换为 PDF：" + proc.stderr.decode(errors="replace")[-300:])
        with open(pdf, "rb") as fh:
            return fh.read()


