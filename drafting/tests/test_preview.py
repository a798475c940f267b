from io import BytesIO

import pytest
from PIL import Image
from reportlab.pdfgen import canvas

from drafting.preview import page_count, page_png
from gongwen.errors import DomainError


def _pdf(pages: int) -> bytes:
    out = BytesIO()
    c = canvas.Canvas(out, pagesize=(595, 842))
    for n in range(pages):
        c.setFillColorRGB(1, 0, 0)
        c.rect(100, 400, 200, 200, fill=1, stroke=0)
        c.drawString(100, 700, f"page {n + 1}")
        c.showPage()
    c.save()
    return out.getvalue()


def test_each_page_becomes_a_png_of_the_asked_width():
    pdf = _pdf(3)
    assert page_count(pdf) == 3
    image = Image.open(BytesIO(page_png(pdf, 2, width_px=600)))
    assert image.format == "PNG" and image.width == 600 and abs(image.height - round(600 * 842 / 595)) <= 1
    # the red square is drawn where the page has it
    r, g, b = image.convert("RGB").getpixel((int(200 * 600 / 595), image.height - int(500 * 600 / 595)))
    assert r > 200 and g < 60 and b < 60


def test_a_page_that_does_not_exist_or_a_broken_file_is_refused_in_chinese():
    with pytest.raises(DomainError, match="没有第4页"):
        page_png(_pdf(3), 3)
    with pytest.raises(DomainError, match="不是可读的 PDF"):
        page_count(b"%PDF-1.4 broken")
