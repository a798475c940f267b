"""Page images of a rendered PDF (清样/成品 preview) with pypdfium2 (PDFium, Apache/BSD;
already installed with pdfplumber): every browser shows a PNG, phones and headless
browsers included, while an embedded PDF needs a viewer plug-in."""

from __future__ import annotations

from io import BytesIO

from gongwen.errors import DomainError, NotFound

MAX_PAGES = 60


def _open(pdf: bytes):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as exc:
        raise DomainError("该文件不是可读的 PDF，无法预览。", code="bad_pdf") from exc


def page_count(pdf: bytes) -> int:
    document = _open(pdf)
    try:
        return len(document)
    finally:
        document.close()


def page_png(pdf: bytes, index: int, *, width_px: int = 900) -> bytes:
    """Page ``index`` (0-based) as a PNG ``width_px`` wide."""
    document = _open(pdf)
    try:
        if not 0 <= index < min(len(document), MAX_PAGES):
            raise DomainError(f"没有第{index + 1}页。", code="no_page")
        page = document[index]
        scale = width_px / page.get_width()
        image = page.render(scale=scale).to_pil()
        out = BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()
    finally:
        document.close()


def preview_pages(person, version) -> list[int]:
    """Page numbers (1-based) of a PDF version shown as page images: every browser shows a
    PNG, phones and browsers without a PDF viewer included. For the pages (the document page
    and the drafting panel on it): the page has already checked that the person sees the
    document, so the file is read from the store directly (its checksum still checked)."""
    from documents import storage

    if version is None or version.content_type != "application/pdf":
        return []
    try:
        count = page_count(storage.read(version.storage_path, version.sha256))
    except (DomainError, NotFound):
        return []
    return list(range(1, min(count, MAX_PAGES) + 1))
