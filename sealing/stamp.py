"""The picture of the electronic seal and its place on the finished PDF (成品).

* :func:`seal_image_png` draws a round official seal (公章) with Pillow: a red ring, the agency's
  name along the upper arc in a CJK font, a five-pointed star in the centre, on a transparent
  background. The proportions follow the usual 42 mm seal of a government agency: ring ≈ 1.2 mm,
  characters ≈ 6.7 mm high with their tops just inside the ring, star 14 mm across.
* :func:`place_seal` finds the 成文日期 in the PDF with pdfplumber, draws the seal on an overlay
  page with reportlab and merges that overlay onto the one page with pypdf. GB/T 9704-2012
  §7.3.5.1: 印章端正、居中下压发文机关署名和成文日期，使发文机关署名和成文日期居印章中心偏下位置，
  印章顶端应当上距正文（或附件说明）一行之内. The seal is centred horizontally on the date and its
  centre lifted ``lift_mm`` (7 mm) above the date's centre: with our renderer's layout (two blank
  lines, 署名, date; 10.2 mm a line) the seal's top then just reaches the last line of the body,
  the 署名 crosses the star and the date sits in the lower half of the seal.

Which occurrence of the date: the 印发日期 of the imprint (版记) is often the very same date
("2026年3月8日印发"), and comes later in the document. We take, searching pages from the end
and lines from the bottom, the last line whose text *is* the date (the 成文日期 stands on a line
of its own); only when there is none, the last occurrence anywhere that is not an 印发日期.
"""

from __future__ import annotations

import functools
import math
import shutil
import subprocess
from io import BytesIO

import pdfplumber
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter, Transformation
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from gongwen.errors import DomainError

MM = 72 / 25.4  # PDF points per millimetre
INK = (230, 0, 0)  # #E60000
INK_ALPHA = 225  # slightly translucent, like ink: what is under the seal stays readable
SUPERSAMPLE = 3
FONT_CANDIDATES = ("FandolSong", "Noto Sans CJK SC")
LIFT_MM = 7.0


# --- the picture -----------------------------------------------------------------------------

def _fc(*args: str) -> str:
    exe = shutil.which(args[0])
    if not exe:
        return ""
    try:
        return subprocess.run(  # noqa: S603 (fixed arguments, no shell)
            [exe, *args[1:]], capture_output=True, text=True, timeout=10, check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


@functools.cache
def cjk_font_file() -> str | None:
    """A font file with Chinese glyphs: FandolSong, else Noto Sans CJK SC, else any font
    fontconfig lists for ``zh``; None when there is none (or no fontconfig)."""
    chinese = [line.split(":")[0].strip() for line in _fc("fc-list", ":lang=zh", "file").splitlines()]
    chinese = [f for f in chinese if f]
    for name in FONT_CANDIDATES:
        got = _fc("fc-match", "-f", "%{file}", name).strip()
        if got and got in chinese:  # fc-match always answers; a non-CJK fallback does not count
            return got
    return sorted(chinese)[0] if chinese else None


def _star(cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    inner = r * math.sin(math.radians(18)) / math.sin(math.radians(54))  # ≈ 0.382 r
    points = []
    for i in range(10):
        a = math.radians(-90 + 36 * i)
        rr = r if i % 2 == 0 else inner
        points.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return points


def seal_image_png(agency_name: str, *, diameter_mm: float = 42, dpi: int = 300) -> bytes:
    """A round red official seal of ``agency_name`` as an RGBA PNG with a transparent background.

    The image is exactly the seal's circle (``diameter_mm`` at ``dpi``). Without any CJK font on
    the machine the seal is drawn without its text (ring and star only).
    """
    size = max(16, round(diameter_mm / 25.4 * dpi))
    big = size * SUPERSAMPLE
    px = big / diameter_mm  # pixels per mm on the supersampled canvas
    ink = (*INK, 255)
    img = Image.new("RGBA", (big, big), (*INK, 0))
    draw = ImageDraw.Draw(img)
    c = big / 2
    ring = 0.03 * diameter_mm * px
    draw.ellipse((0.5, 0.5, big - 1.5, big - 1.5), outline=ink, width=max(1, round(ring)))
    draw.polygon(_star(c, c, diameter_mm / 6 * px), fill=ink)

    name = "".join((agency_name or "").split())
    font_file = cjk_font_file() if name else None
    if font_file:
        h = 0.16 * diameter_mm * px  # character height
        gap = 0.022 * diameter_mm * px
        radius = c - ring - gap - h / 2  # of the characters' centres
        n = len(name)
        max_step = (h * 1.08) / radius  # radians between neighbours at full width
        span = min(math.radians(250), (n - 1) * max_step)
        step = span / (n - 1) if n > 1 else 0.0
        width = min(h, 0.92 * step * radius) if n > 1 else h
        font = ImageFont.truetype(font_file, size=round(h))
        em = round(h * 1.3)
        for i, ch in enumerate(name):
            glyph = Image.new("RGBA", (em, em), (*INK, 0))
            ImageDraw.Draw(glyph).text((em / 2, em / 2), ch, font=font, fill=ink, anchor="mm")
            glyph = glyph.resize((max(1, round(em * width / h)), em), Image.LANCZOS)
            theta = -span / 2 + i * step  # clockwise from the top
            glyph = glyph.rotate(-math.degrees(theta), resample=Image.BICUBIC, expand=True)
            x = c + radius * math.sin(theta) - glyph.width / 2
            y = c - radius * math.cos(theta) - glyph.height / 2
            img.alpha_composite(glyph, (round(x), round(y)))

    img = img.resize((size, size), Image.LANCZOS)
    alpha = img.getchannel("A").point(lambda a: a * INK_ALPHA // 255)
    img.putalpha(alpha)
    out = BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


# --- finding the date ------------------------------------------------------------------------

def text_lines(page) -> list[list[dict]]:
    """The upright characters of a pdfplumber page grouped into lines (top to bottom), each
    line's characters left to right; whitespace characters dropped."""
    chars = [ch for ch in page.chars if ch.get("upright", True) and ch["text"].strip()]
    chars.sort(key=lambda ch: (ch["top"] + ch["bottom"]) / 2)
    lines: list[list[dict]] = []
    mid = None
    for ch in chars:
        m = (ch["top"] + ch["bottom"]) / 2
        if lines and abs(m - mid) <= 0.4 * max(ch["size"], 1):
            lines[-1].append(ch)
            mid = sum((x["top"] + x["bottom"]) / 2 for x in lines[-1]) / len(lines[-1])
        else:
            lines.append([ch])
            mid = m
    return [sorted(line, key=lambda ch: ch["x0"]) for line in lines]


def _find_date(doc, needle: str):
    """(page index, the matched chars) of the 成文日期, or None (see the module docstring)."""
    fallback = None
    for index in range(len(doc.pages) - 1, -1, -1):
        page = doc.pages[index]
        for line in reversed(text_lines(page)):
            text = "".join(ch["text"] for ch in line)
            if text == needle:
                return index, line
            if fallback is None:
                start = text.rfind(needle)
                while start >= 0:
                    if not text[start + len(needle):].startswith("印发"):
                        fallback = index, line[start:start + len(needle)]
                        break
                    start = text.rfind(needle, 0, start + len(needle) - 1)
    return fallback


# --- placing the seal ------------------------------------------------------------------------

def place_seal(pdf: bytes, png: bytes, *, date_text: str, diameter_mm: float = 42,
               lift_mm: float = LIFT_MM) -> tuple[bytes, dict]:
    """Put the seal picture on the 成文日期 of ``pdf``.

    Returns the new PDF and where the seal is: ``{"page": 0-based index, "x_mm", "y_mm": the
    seal's centre measured from the page's top-left corner, "diameter_mm"}``. Only that page
    changes; the page count stays. Refuses (DomainError) when the date is not in the PDF.
    """
    needle = "".join((date_text or "").split())
    not_found = DomainError(
        f"成品中找不到成文日期“{date_text}”，无法确定印章位置。"
        "请核对成品 PDF 的落款日期与公文的成文日期是否一致（必要时重新生成成品）。",
        code="seal_position",
    )
    if not needle:
        raise not_found
    try:
        with pdfplumber.open(BytesIO(pdf)) as doc:
            found = _find_date(doc, needle)
            if found is None:
                raise not_found
            index, chars = found
            # pdfplumber gives x0/x1 in the page's user space and y0/y1 from the media box's
            # bottom edge (its "top" goes wrong when the media box does not start at 0, 0)
            x = (min(ch["x0"] for ch in chars) + max(ch["x1"] for ch in chars)) / 2
            y_up = (min(ch["y0"] for ch in chars) + max(ch["y1"] for ch in chars)) / 2 + lift_mm * MM
    except DomainError:
        raise
    except Exception as exc:  # pdfminer's many parse errors: not a PDF we can read
        raise DomainError("无法读取成品 PDF，不能加盖电子印章。请重新生成成品后再用印。", code="bad_pdf") from exc

    reader = PdfReader(BytesIO(pdf))
    target = reader.pages[index]
    box = target.mediabox
    width, height = float(box.width), float(box.height)
    x -= float(box.left)  # the seal's centre from the page's left edge
    y = height - y_up  # and from its top edge
    d = diameter_mm * MM

    overlay = BytesIO()
    pen = canvas.Canvas(overlay, pagesize=(width, height))
    pen.drawImage(ImageReader(BytesIO(png)), x - d / 2, y_up - d / 2, width=d, height=d, mask="auto")
    pen.showPage()
    pen.save()
    stamp_page = PdfReader(BytesIO(overlay.getvalue())).pages[0]

    writer = PdfWriter(clone_from=reader)
    page_out = writer.pages[index]
    if float(box.left) or float(box.bottom):
        page_out.merge_transformed_page(stamp_page, Transformation().translate(float(box.left), float(box.bottom)))
    else:
        page_out.merge_page(stamp_page)
    out = BytesIO()
    writer.write(out)
    where = {"page": index, "x_mm": round(x / MM, 2), "y_mm": round(y / MM, 2), "diameter_mm": diameter_mm}
    return out.getvalue(), where
