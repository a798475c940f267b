"""The seal picture and its place on the 成文日期 of a finished PDF."""

from __future__ import annotations

from io import BytesIO

import pdfplumber
import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import RectangleObject
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from drafting.render import render_docx, render_pdf, soffice_path
from drafting.render_sample import sample
from gongwen.errors import DomainError
from sealing import stamp
from sealing.stamp import place_seal, seal_image_png, text_lines

MM = 72 / 25.4
DATE = "2026年3月8日"


def is_red(px) -> bool:
    r, g, b, a = px
    return a > 150 and r > 200 and g < 40 and b < 40


def red_count(png: bytes) -> int:
    return sum(1 for px in Image.open(BytesIO(png)).get_flattened_data() if is_red(px))


@pytest.fixture(scope="module")
def seal_png():
    return seal_image_png("某市人民政府办公室")


# --- the picture -----------------------------------------------------------------------------

def test_seal_png_is_rgba_with_transparent_corners_and_red_ink(seal_png):
    img = Image.open(BytesIO(seal_png))
    assert img.format == "PNG" and img.mode == "RGBA"
    assert img.size == (496, 496)  # 42 mm at 300 dpi
    w, h = img.size
    for corner in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1), (8, 8), (w - 9, h - 9)):
        assert img.getpixel(corner)[3] == 0, corner
    assert is_red(img.getpixel((w // 2, h // 2)))  # the star's centre
    assert is_red(img.getpixel((w // 2, 3)))  # the ring at the top
    assert is_red(img.getpixel((w // 2, h - 4)))  # and at the bottom
    # the lower inner part (no text there) is clear
    assert img.getpixel((w // 2, int(h * 0.85)))[3] == 0
    assert red_count(seal_png) > 0.1 * w * h


def test_size_follows_diameter_and_dpi():
    img = Image.open(BytesIO(seal_image_png("某局", diameter_mm=38, dpi=200)))
    assert img.size == (299, 299)


def test_text_is_drawn_when_a_cjk_font_exists(seal_png, monkeypatch):
    if stamp.cjk_font_file() is None:
        pytest.skip("本机没有中文字体")
    monkeypatch.setattr(stamp, "cjk_font_file", lambda: None)
    bare = seal_image_png("某市人民政府办公室")
    assert red_count(seal_png) > red_count(bare) * 1.2  # the name adds a lot of ink


def test_without_a_cjk_font_the_seal_is_still_a_valid_png(monkeypatch):
    monkeypatch.setattr(stamp, "cjk_font_file", lambda: None)
    png = seal_image_png("某市人民政府办公室")
    img = Image.open(BytesIO(png))
    img.load()
    assert img.mode == "RGBA" and img.getpixel((0, 0))[3] == 0
    assert is_red(img.getpixel((img.width // 2, img.height // 2)))


def test_long_and_one_character_names_render():
    for name in ("某市人力资源和社会保障局某某某某某某", "局", ""):
        assert Image.open(BytesIO(seal_image_png(name))).size == (496, 496)


# --- placing it: small PDFs drawn with reportlab (fast, no LibreOffice) -----------------------

def small_pdf(pages: list[list[tuple[float, float, str]]], *, char_gap: float = 0) -> bytes:
    """A4 pages with text at (x mm, y mm from the top); char_gap > 0 draws one char at a time."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = BytesIO()
    pen = canvas.Canvas(out, pagesize=(210 * MM, 297 * MM))
    for lines in pages:
        for x, y, text in lines:
            pen.setFont("STSong-Light", 16)
            if char_gap:
                cx = x * MM
                for ch in text:
                    pen.drawString(cx, (297 - y) * MM, ch)
                    cx += pen.stringWidth(ch, "STSong-Light", 16) + char_gap * MM
            else:
                pen.drawString(x * MM, (297 - y) * MM, text)
        pen.showPage()
    pen.save()
    return out.getvalue()


def date_box(page, text=DATE):
    """(centre x, centre y) in mm of the last line reading exactly `text`."""
    for line in reversed(text_lines(page)):
        if "".join(c["text"] for c in line) == text:
            return ((min(c["x0"] for c in line) + max(c["x1"] for c in line)) / 2 / MM,
                    (min(c["top"] for c in line) + max(c["bottom"] for c in line)) / 2 / MM)
    raise AssertionError(f"{text} not on the page")


def seal_box(page):
    (img,) = page.images
    return ((img["x0"] + img["x1"]) / 2 / MM, (img["top"] + img["bottom"]) / 2 / MM,
            (img["x1"] - img["x0"]) / MM, (img["bottom"] - img["top"]) / MM)


def test_spaced_date_on_the_last_page_wins_and_the_imprint_date_is_not_it(seal_png):
    pdf = small_pdf([
        [(40, 60, "正文"), (130, 150, DATE)],  # an earlier date on page 1
        [(40, 60, "正文"), (120, 120, "某市人民政府办公室"), (124, 130, DATE)],
        [(30, 250, f"某市人民政府办公室  {DATE}印发")],  # imprint: the same date, later
    ])
    out, where = place_seal(pdf, seal_png, date_text="2026年 3月 8日")
    assert where["page"] == 1
    with pdfplumber.open(BytesIO(out)) as doc:
        assert [len(p.images) for p in doc.pages] == [0, 1, 0]
        x, y, w, h = seal_box(doc.pages[1])
        dx, dy = date_box(doc.pages[1])
    assert abs(x - dx) < 0.5 and abs((dy - y) - stamp.LIFT_MM) < 0.5
    assert abs(w - 42) < 0.5 and abs(h - 42) < 0.5
    assert abs(where["x_mm"] - x) < 0.3 and abs(where["y_mm"] - y) < 0.3 and where["diameter_mm"] == 42

    # the characters drawn one by one with gaps ("2 0 2 6 年 3 月 8 日") still match
    spaced = small_pdf([[(100, 200, DATE)]], char_gap=2)
    out, where = place_seal(spaced, seal_png, date_text=DATE, diameter_mm=40)
    with pdfplumber.open(BytesIO(out)) as doc:
        x, y, w, _ = seal_box(doc.pages[0])
        dx, dy = date_box(doc.pages[0])
    assert where["page"] == 0 and abs(x - dx) < 0.5 and abs(w - 40) < 0.5


def test_without_a_line_of_its_own_the_last_occurrence_that_is_not_the_imprint(seal_png):
    pdf = small_pdf([[(30, 100, f"本通知自{DATE}起施行"), (30, 250, f"某办{DATE}印发")]])
    out, where = place_seal(pdf, seal_png, date_text=DATE)
    with pdfplumber.open(BytesIO(out)) as doc:
        x, y, _, _ = seal_box(doc.pages[0])
        line = next(ln for ln in text_lines(doc.pages[0]) if "起施行" in "".join(c["text"] for c in ln))
    date = [c for c in line if c["text"] in "2026年3月8日"]
    dx = (min(c["x0"] for c in date) + max(c["x1"] for c in date)) / 2 / MM
    dy = (line[0]["top"] + line[0]["bottom"]) / 2 / MM
    assert where["page"] == 0 and abs(x - dx) < 0.5 and abs((dy - y) - stamp.LIFT_MM) < 0.5


def test_page_with_an_offset_media_box(seal_png):
    base = small_pdf([[(120, 150, DATE)]])
    writer = PdfWriter(clone_from=PdfReader(BytesIO(base)))
    writer.pages[0].mediabox = RectangleObject([20, 30, 210 * MM, 297 * MM])
    moved = BytesIO()
    writer.write(moved)
    out, where = place_seal(moved.getvalue(), seal_png, date_text=DATE)
    with pdfplumber.open(BytesIO(out)) as doc:
        x, y, _, _ = seal_box(doc.pages[0])
        dx, dy = date_box(doc.pages[0])
    assert abs(x - dx) < 0.5 and abs((dy - y) - stamp.LIFT_MM) < 0.5


def test_date_not_found_is_refused(seal_png):
    pdf = small_pdf([[(40, 60, "正文"), (30, 250, f"某办{DATE}印发")]])
    for text in ("2026年3月9日", DATE, ""):
        with pytest.raises(DomainError, match="成品中找不到成文日期“.*”，无法确定印章位置。"):
            place_seal(pdf, seal_png, date_text=text)


def test_not_a_pdf_is_refused(seal_png):
    with pytest.raises(DomainError, match="无法读取成品 PDF"):
        place_seal(b"not a pdf at all", seal_png, date_text=DATE)


# --- on a real 成品 made by the renderer and LibreOffice -------------------------------------

@pytest.fixture(scope="module")
def rendered():
    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) 未安装")
    return render_pdf(render_docx(sample(2)))


def test_seal_on_the_rendered_document_centred_on_the_date(rendered, seal_png):
    sealed, where = place_seal(rendered, seal_png, date_text=DATE)
    with pdfplumber.open(BytesIO(rendered)) as before, pdfplumber.open(BytesIO(sealed)) as after:
        assert len(after.pages) == len(before.pages)
        # the date line of the body (the imprint on the last page carries the same date + 印发)
        body_page = max(i for i, p in enumerate(before.pages)
                        if any("".join(c["text"] for c in ln) == DATE for ln in text_lines(p)))
        assert body_page < len(before.pages) - 1
        assert where["page"] == body_page
        for i, page in enumerate(after.pages):
            assert len(page.images) == (1 if i == body_page else 0), i
        page = after.pages[body_page]
        x, y, w, h = seal_box(page)
        dx, dy = date_box(page)
        assert abs(x - dx) <= 2
        assert 3 <= dy - y <= 12
        assert abs(w - 42) <= 1 and abs(h - 42) <= 1
        assert abs(where["x_mm"] - x) <= 0.5 and abs(where["y_mm"] - y) <= 0.5
        # the text of the page is unchanged (the seal is an image on top)
        assert page.extract_text() == before.pages[body_page].extract_text()
