"""The GB/T 9704 layout measured on the PDF LibreOffice makes of our DOCX (RULES.md §10)."""

from __future__ import annotations

from collections import defaultdict
from io import BytesIO

import pdfplumber
import pytest
from docx import Document

from drafting import fonts
from drafting.render import RenderInput, render, render_docx, render_pdf, soffice_path
from drafting.render_sample import sample

MM = 72 / 25.4
TOP, LEFT, BLOCK_W, BLOCK_H = 37, 28, 156, 225
BOTTOM = TOP + BLOCK_H  # 262 mm
RED = (1.0, 0.0, 0.0)

needs_soffice = pytest.mark.skipif(
    soffice_path() is None,
    reason="LibreOffice (soffice) 未安装：无法把 DOCX 转成 PDF 来量版式（apt-get install libreoffice-writer-nogui）",
)


def colour(value) -> tuple:
    return tuple(round(float(v), 2) for v in (value or ()))


def lines_of(page) -> list[dict]:
    """The text lines of a page: top, x0, x1 (mm), the text, the chars."""
    rows = defaultdict(list)
    for c in page.chars:
        rows[round(c["top"], 0)].append(c)
    out = []
    for top in sorted(rows):
        cs = sorted(rows[top], key=lambda c: c["x0"])
        out.append({"top": cs[0]["top"] / MM, "x0": cs[0]["x0"] / MM, "x1": cs[-1]["x1"] / MM,
                    "text": "".join(c["text"] for c in cs), "chars": cs,
                    "size": round(cs[0]["size"], 1)})
    return out


@pytest.fixture(scope="module")
def pdf():
    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) 未安装")
    data = render_pdf(render_docx(sample(3)))
    with pdfplumber.open(BytesIO(data)) as doc:
        yield doc


def body_lines(page):
    return [ln for ln in lines_of(page) if ln["top"] < BOTTOM and ln["size"] == 16]


@needs_soffice
def test_full_page_has_22_lines_of_28_characters_and_the_margins(pdf):
    page = pdf.pages[1]  # the second page is body text only
    body = body_lines(page)
    assert len(body) == 22
    full = [ln for ln in body if ln["x1"] > LEFT + BLOCK_W - 1.5 and ln["x0"] < LEFT + 0.5]
    assert len(full) >= 10
    assert all(len(ln["text"]) == 28 for ln in full), [ln["text"] for ln in full]
    # left margin 28 mm, the right edge of a full line at the block's edge (156 mm wide)
    assert all(abs(ln["x0"] - LEFT) <= 1 for ln in full)
    assert all(abs(ln["x1"] - (LEFT + BLOCK_W)) <= 1 for ln in full)
    # top margin 37 mm: the first line's cell (the glyph centred in its 225/22 mm line)
    pitch = (body[-1]["top"] - body[0]["top"]) / 21
    assert abs(pitch - BLOCK_H / 22) <= 0.1
    glyph = 16 / MM
    cell_top = body[0]["top"] - (pitch - glyph) / 2
    assert abs(cell_top - TOP) <= 1, cell_top
    # and the last line ends inside the block
    assert body[-1]["top"] + glyph <= BOTTOM + 0.5


@needs_soffice
def test_red_agency_mark_35_mm_below_the_block_top_and_the_red_rule(pdf):
    page = pdf.pages[0]
    red = [c for c in page.chars if colour(c["non_stroking_color"]) == RED]
    assert "".join(c["text"] for c in red) == "某市人民政府办公室文件"
    assert abs(min(c["top"] for c in red) / MM - (TOP + 35)) <= 1.5
    rules = [ln for ln in page.lines + page.rects
             if colour(ln.get("stroking_color")) == RED or colour(ln.get("non_stroking_color")) == RED]
    assert rules, "no red rule"
    rule = rules[0]
    assert abs(rule["x0"] / MM - LEFT) <= 1 and abs(rule["x1"] / MM - (LEFT + BLOCK_W)) <= 1
    number = next(ln for ln in lines_of(page) if "发〔2026〕" in ln["text"])
    assert abs((number["x0"] + number["x1"]) / 2 - (LEFT + BLOCK_W / 2)) <= 1  # centred
    # 份号, 密级, 紧急程度 stacked flush left above the mark
    head = [ln["text"] for ln in lines_of(page)[:3]]
    assert head == ["000123", "秘密★1年", "特急"]


@needs_soffice
def test_page_numbers_odd_right_even_left_7_mm_below_the_block(pdf):
    one_char = 14 / MM
    assert len(pdf.pages) >= 4
    for page in pdf.pages:
        n = page.page_number
        number = [ln for ln in lines_of(page) if ln["top"] > BOTTOM]
        assert [ln["text"] for ln in number] == [f"— {n} —"]
        ln = number[0]
        assert abs(ln["top"] - (BOTTOM + 7)) <= 1
        if n % 2:
            assert abs(ln["x1"] - (LEFT + BLOCK_W - one_char)) <= 1
        else:
            assert abs(ln["x0"] - (LEFT + one_char)) <= 1


@needs_soffice
def test_imprint_at_the_bottom_of_the_last_page_and_attachment_on_a_new_page(pdf):
    last = pdf.pages[-1]
    texts = [ln["text"] for ln in lines_of(last)]
    assert texts[0] == "附件"
    assert any(t.startswith("抄送：") for t in texts)
    printed = next(ln for ln in lines_of(last) if ln["text"].endswith("印发"))
    assert printed["size"] == 14
    rules = sorted(ln["top"] / MM for ln in last.lines + last.rects
                   if colour(ln.get("stroking_color")) != RED)
    assert len(rules) >= 3
    assert BOTTOM - 4 <= rules[-1] <= BOTTOM + 0.5
    assert printed["top"] < rules[-1]
    # the imprint is on no other page
    for page in pdf.pages[:-1]:
        assert not any("抄送" in ln["text"] for ln in lines_of(page))


@needs_soffice
def test_upward_document_has_number_left_and_signers_right():
    data = sample(1, upward=True, signers=["张三", "李四"], attachments=[])
    with pdfplumber.open(BytesIO(render_pdf(render_docx(data)))) as doc:
        page = doc.pages[0]
        red = [c for c in page.chars if colour(c["non_stroking_color"]) == RED]
        assert abs(min(c["top"] for c in red) / MM - (TOP + 80)) <= 1.5
        line = next(ln for ln in lines_of(page) if "发〔2026〕" in ln["text"])
        assert line["text"].startswith("某政办发〔2026〕5号") and line["text"].endswith("签发人：张三　李四")
        assert abs(line["x0"] - (LEFT + 16 / MM)) <= 1.5  # one character in
        kai = [c for c in line["chars"] if c["text"] in "张三李四"]
        assert all("Kai" in c["fontname"] for c in kai)


def test_docx_structure_without_libreoffice():
    data = render(sample(1))
    doc = Document(BytesIO(data.docx))
    sec = doc.sections[0]
    assert round(sec.top_margin.mm) == TOP and round(sec.left_margin.mm) == LEFT
    assert round(sec.page_width.mm) == 210 and round(sec.page_height.mm) == 297
    assert round(sec.page_width.mm - sec.left_margin.mm - sec.right_margin.mm) == BLOCK_W
    assert round(sec.page_height.mm - sec.top_margin.mm - sec.bottom_margin.mm) == BLOCK_H
    text = [p.text for p in doc.paragraphs]
    assert "某市人民政府办公室文件" in text and "2026年3月8日" in text
    assert doc.settings.odd_and_even_pages_header_footer


def test_minimal_document_renders():
    docx = render_docx(RenderInput(agency_mark="某局", title="关于某事的通知"))
    assert docx[:2] == b"PK"


def test_missing_font_falls_back_with_a_warning(monkeypatch):
    monkeypatch.setitem(fonts.ROLES, "hei", ("没有这种字体黑体", ("没有这种字体黑体",)))
    fonts.font_plan.cache_clear()
    try:
        data = render(sample(1))
        assert any("黑体" in w and "已改用" in w for w in data.warnings), data.warnings
        assert data.docx[:2] == b"PK"
    finally:
        monkeypatch.undo()
        fonts.font_plan.cache_clear()


def test_installed_fonts_resolve_without_warnings():
    if fonts.fc_match("FandolFang") != "FandolFang":
        pytest.skip("Fandol 字体未安装（scripts/fonts.sh）")
    fonts.font_plan.cache_clear()
    assert fonts.font_plan().warnings == []


@needs_soffice
def test_warm_converter_converts_each_document_and_ends_its_office():
    from drafting.render import WarmConverter

    with WarmConverter() as conv:
        for n in (1, 2):
            pdf = conv.convert(render_docx(sample(1, title=f"第{n}号测试通知", attachments=[])))
            with pdfplumber.open(BytesIO(pdf)) as doc:
                assert f"第{n}号测试通知" in doc.pages[0].extract_text().replace(" ", "")
        proc = conv.proc
    assert proc.poll() is not None


@needs_soffice
def test_joint_document_head_stacks_the_agencies_with_one_red_wenjian():
    joint = ["某市财政局", "某市人力资源和社会保障局"]
    pdf = render_pdf(render_docx(sample(1, joint_agencies=joint, attachments=[])))
    with pdfplumber.open(BytesIO(pdf)) as doc:
        page = doc.pages[0]
        red = [c for c in page.chars if colour(c["non_stroking_color"]) == RED]
        text = "".join(c["text"] for c in red)
        assert text.count("文件") == 1
        for name in ["某市人民政府办公室", *joint]:
            assert all(ch in text for ch in name)
        assert abs(min(c["top"] for c in red) / MM - (TOP + 35)) <= 1.5
        wen = next(c for c in red if c["text"] == "文")
        names = [c for c in red if c["text"] not in "文件"]
        assert wen["x0"] > max(c["x1"] for c in names)  # 文件 to the right of the names
        tops = sorted({round(c["top"]) for c in names})
        assert len(tops) == 3 and tops[0] < wen["top"] < tops[-1]  # centred over the names


@needs_soffice
def test_order_head_20_mm_below_the_block_top_without_a_rule():
    data = RenderInput(agency_mark="某市人民政府", mark_suffix="令", kind="order", title="",
                       doc_number="第5号", body=sample(1).body[:3], issuing_agency="市长　张三",
                       date="2026年3月8日")
    with pdfplumber.open(BytesIO(render_pdf(render_docx(data)))) as doc:
        page = doc.pages[0]
        red = [c for c in page.chars if colour(c["non_stroking_color"]) == RED]
        assert "".join(c["text"] for c in red) == "某市人民政府令"
        assert abs(min(c["top"] for c in red) / MM - (TOP + 20)) <= 1.5
        assert not [ln for ln in page.lines + page.rects if colour(ln.get("stroking_color")) == RED]
        number = next(ln for ln in lines_of(page) if ln["text"] == "第5号")
        assert abs((number["x0"] + number["x1"]) / 2 - (LEFT + BLOCK_W / 2)) <= 1


@needs_soffice
def test_minutes_head_and_attendance():
    data = sample(1, agency_mark="某市人民政府常务会议", mark_suffix="纪要", kind="minutes",
                  doc_number="第3期", attachments=[], main_recipients="", copy_number="",
                  secrecy="", urgency="", attendees="张三、李四、王五", observers="赵六")
    with pdfplumber.open(BytesIO(render_pdf(render_docx(data)))) as doc:
        page = doc.pages[0]
        red = "".join(c["text"] for c in page.chars if colour(c["non_stroking_color"]) == RED)
        assert red == "某市人民政府常务会议纪要"
        text = [ln["text"] for p in doc.pages for ln in lines_of(p)]
        line = next(ln for p in doc.pages for ln in lines_of(p) if ln["text"].startswith("出席："))
        assert line["text"] == "出席：张三、李四、王五" and "列席：赵六" in text
        assert "Hei" in line["chars"][0]["fontname"] and "Fang" in line["chars"][-1]["fontname"]
        assert abs(line["x0"] - (LEFT + 2 * 15.75 / MM)) <= 1  # 左空二字


@needs_soffice
def test_letter_head_mark_30_mm_from_the_top_double_rules_and_no_number_on_page_one():
    pdf = render_pdf(render_docx(sample(2, kind="letter", attachments=[])))
    with pdfplumber.open(BytesIO(pdf)) as doc:
        page = doc.pages[0]
        red = [c for c in page.chars if colour(c["non_stroking_color"]) == RED]
        assert "".join(c["text"] for c in red) == "某市人民政府办公室"
        assert abs(min(c["top"] for c in red) / MM - 30) <= 1.5
        rules = [ln for ln in page.lines + page.rects if colour(ln.get("stroking_color")) == RED]
        tops = sorted({round(ln["top"] / MM) for ln in rules})
        assert len(tops) >= 2
        assert abs(max(ln["top"] for ln in rules) / MM - (297 - 20)) <= 1.5
        assert all(abs((ln["x1"] - ln["x0"]) / MM - 170) <= 1 for ln in rules)
        texts = [ln["text"] for ln in lines_of(page)]
        assert not any(t.startswith("—") for t in texts)  # 首页不显示页码
        number = next(ln for ln in lines_of(page) if "发〔2026〕" in ln["text"])
        assert abs(number["x1"] - (LEFT + BLOCK_W)) <= 1  # flush right
        assert [ln["text"] for ln in lines_of(doc.pages[1]) if ln["top"] > BOTTOM] == ["— 2 —"]
        # 版记: 抄送 at the bottom of the last page, without 印发机关/印发日期 and without rules
        last = doc.pages[-1]
        cc = next(ln for ln in lines_of(last) if ln["text"].startswith("抄送："))
        assert BOTTOM - 15 <= cc["top"] <= BOTTOM
        assert not any(ln["text"].endswith("印发") for ln in lines_of(last))
        assert not [ln for ln in last.lines + last.rects if colour(ln.get("stroking_color")) != RED]


def test_pdf_without_libreoffice_is_refused_in_chinese(monkeypatch, tmp_path):
    from drafting.render import ConverterMissing

    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice on this PATH
    with pytest.raises(ConverterMissing, match="未安装 LibreOffice"):
        render_pdf(render_docx(sample(1)))


@needs_soffice
def test_conversions_of_a_process_share_one_running_office_and_outlive_its_death():
    import os
    import signal

    from drafting import render

    def converted(n):
        pdf = render_pdf(render_docx(sample(1, title=f"第{n}号共用办公进程测试通知", attachments=[])))
        with pdfplumber.open(BytesIO(pdf)) as doc:
            return f"第{n}号共用办公进程测试通知" in doc.pages[0].extract_text().replace(" ", "")

    assert converted(1)
    office = render._office
    assert office is not None and office.alive()
    assert converted(2) and render._office is office  # handed to the same office
    os.killpg(office.proc.pid, signal.SIGKILL)
    office.proc.wait(timeout=10)
    assert converted(3)  # a new office takes over
    assert render._office is not office and render._office.alive()
