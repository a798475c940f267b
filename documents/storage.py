"""Document file storage: content-addressed, write-once, checked on every read.

Type detection is by content (magic bytes and, for DOCX/OFD, the ZIP directory), never
by the file name. Written by hand because the detection we need is five formats deep
and python-magic needs libmagic and still calls DOCX and OFD plain ZIP files.

``sniff`` is also where hostile content of an allowed type is refused, since every upload
path (the document page and API, the DOCX body, the joint sign-off scan, the files inside an
imported 外部交换包) goes through it: a DOCX or OFD is inflated within the bounds of
``gongwen.safezip`` (a decompression bomb is refused, never stored), and a PDF with
JavaScript, auto-actions, launch actions or embedded files is refused (``gongwen.safepdf``).
"""

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings

from gongwen import safepdf, safezip
from gongwen.errors import DomainError

ALLOWED = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/ofd": "OFD",
    "image/png": "PNG 图片",
    "image/jpeg": "JPEG 图片",
    "image/tiff": "TIFF 图片",
}


class FileCorrupted(DomainError):
    pass


def sniff(data: bytes) -> str | None:
    """The content type of ``data`` judged from its bytes, or None if not allowed. An allowed
    type with hostile content raises a Chinese DomainError instead: a ZIP-based file outside
    the bounds (``safezip.ZipRefused``), a PDF with active content (``safepdf.PdfRefused``)."""
    if data.startswith(b"%PDF-"):
        safepdf.inspect(data)
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if safezip.is_zip(data):
        try:
            z = safezip.SafeZip(data, what="该文件")
        except safezip.ZipRefused as exc:
            if exc.code == "zip_invalid":
                return None  # not a readable ZIP: simply not an allowed type
            raise
        with z:
            names = set(z.namelist())
            if "word/document.xml" in names and "[Content_Types].xml" in names:
                kind, z.what = "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCX 文件"
            elif "OFD.xml" in names:
                kind, z.what = "application/ofd", "OFD 文件"
            else:
                return None
            z.check()  # every member inflated within the bounds before the file is stored
            return kind
    return None


def _root() -> Path:
    root = Path(settings.FILES_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    return root


def store(data: bytes) -> tuple[str, str]:
    """Write the bytes under their SHA-256; returns (sha256, relative path). An identical
    content already stored is not written again (it is the same bytes)."""
    digest = hashlib.sha256(data).hexdigest()
    rel = f"{digest[:2]}/{digest}"
    path = _root() / rel
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        os.chmod(path, 0o440)
    return digest, rel


def read(rel: str, expected_sha256: str) -> bytes:
    path = _root() / rel
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileCorrupted("文件内容缺失：存储中找不到该文件，请联系系统管理员。", code="file_missing") from None
    if hashlib.sha256(data).hexdigest() != expected_sha256:
        raise FileCorrupted("文件校验失败：内容与登记时的 SHA-256 不一致，可能已被篡改。已拒绝读取，请联系安全保密管理员。",
                            code="file_corrupted")
    return data
