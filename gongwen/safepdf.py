"""Uploaded PDFs: refused when they carry active content.

A PDF can carry JavaScript (``/JS``, a ``/JavaScript`` name tree or action), actions that run
by themselves (``/OpenAction`` pointing at a script, ``/AA`` additional actions on the
document, a page, a field or an annotation), ``/Launch`` actions that start a program, and
embedded files (``/EmbeddedFiles``, ``/EF``, file-attachment annotations). None of that belongs
in a 公文, and every reader that opens the stored file later (a colleague's PDF viewer) would
run it. :func:`inspect` refuses such a PDF with a Chinese :class:`PdfRefused`.

No library offers this check: pypdf parses the file and we walk every object it lists in
the cross-reference table (bounded by ``PDF_MAX_OBJECTS`` and ``PDF_MAX_PAGES``; pypdf bounds
each object's size itself), looking at the keys and action types of every dictionary,
direct or nested. Names can be written with ``#xx`` escapes that a byte search would miss;
pypdf decodes them. A byte search for the long names backs the walk up for objects the
cross-reference table does not list, and is all that is done for a file pypdf cannot parse
(such a file has nothing a viewer could run reliably, and is stored as the bytes it is).
"""

from __future__ import annotations

import io
import logging
import re

from django.conf import settings

from gongwen.errors import DomainError

MAX_DEPTH = 64
# Long names only: a short one (/JS, /AA) turns up by chance in compressed binary streams.
_RAW = re.compile(rb"/(JavaScript|Launch|EmbeddedFiles?)(?=[\s/<>\[\]()%{}]|$)")
_REASONS = {
    "JavaScript": "JavaScript 脚本",
    "Launch": "启动外部程序的动作（/Launch）",
    "EmbeddedFile": "嵌入的文件",
    "EmbeddedFiles": "嵌入的文件",
}


class PdfRefused(DomainError):
    def __init__(self, message: str, *, code: str = "pdf_refused"):
        super().__init__(message, code=code)


def _refuse(reason: str) -> PdfRefused:
    return PdfRefused(f"该 PDF 含有{reason}，可能在打开时自动运行，不符合公文文件要求，已拒绝上传。"
                      "请用“打印为 PDF”或另存为 PDF/A 重新生成后再上传。", code="pdf_active")


def _active(obj) -> str | None:
    """Why a dictionary (with its direct children) is active content, or None."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    stack = [(obj, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, IndirectObject) or depth > MAX_DEPTH:
            continue  # every indirect object is walked on its own
        if isinstance(item, DictionaryObject):
            keys = set(item.keys())
            action = item.get("/S")
            if "/JS" in keys or "/JavaScript" in keys or action == "/JavaScript":
                return "JavaScript 脚本"
            if action == "/Launch":
                return _REASONS["Launch"]
            if "/AA" in keys:
                return "自动执行的动作（/AA）"
            if ("/EmbeddedFiles" in keys or "/EF" in keys or item.get("/Type") == "/EmbeddedFile"
                    or item.get("/Subtype") == "/FileAttachment"):
                return "嵌入的文件"
            stack.extend((value, depth + 1) for value in item.values())
        elif isinstance(item, ArrayObject):
            stack.extend((value, depth + 1) for value in item)
    return None


def inspect(data: bytes) -> None:
    """Refuse (PdfRefused, Chinese) a PDF with JavaScript, auto-actions, launch actions or
    embedded files, or one past the page and object caps."""
    match = _RAW.search(data)
    if match:
        raise _refuse(_REASONS[match.group(1).decode()])
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PyPdfError
    from pypdf.generic import IndirectObject

    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)  # a slightly damaged PDF is not worth a warning per upload
    try:
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
        except (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError, OSError,
                RecursionError, AssertionError):
            return  # not parseable: the byte search above is all there is to do
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except (PyPdfError, NotImplementedError, ValueError):
                opened = 0
            if not opened:
                raise PdfRefused("该 PDF 设有打开密码，系统无法检查其内容，已拒绝上传。请去除密码后再上传。",
                                 code="pdf_encrypted")
        ids = [(num, gen) for gen, table in reader.xref.items() for num in table]
        ids += [(num, 0) for num in reader.xref_objStm]
        if len(ids) > settings.PDF_MAX_OBJECTS:
            raise PdfRefused(f"该 PDF 的对象过多（{len(ids)} 个，上限 {settings.PDF_MAX_OBJECTS} 个），"
                             "无法检查，已拒绝上传。", code="pdf_objects")
        try:
            pages = len(reader.pages)
        except (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
            pages = 0
        if pages > settings.PDF_MAX_PAGES:
            raise PdfRefused(f"该 PDF 页数过多（{pages} 页，上限 {settings.PDF_MAX_PAGES} 页），已拒绝上传。",
                             code="pdf_pages")
        for obj in (reader.trailer, *_objects(reader, ids, IndirectObject)):
            reason = _active(obj)
            if reason:
                raise _refuse(reason)
    except FileNotDecryptedError:
        raise PdfRefused("该 PDF 设有打开密码，系统无法检查其内容，已拒绝上传。请去除密码后再上传。",
                         code="pdf_encrypted") from None
    finally:
        pypdf_log.setLevel(level)


def _objects(reader, ids, indirect):
    from pypdf.errors import FileNotDecryptedError, PyPdfError

    for num, gen in ids:
        try:
            yield reader.get_object(indirect(num, gen, reader))
        except FileNotDecryptedError:
            raise
        except (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError, OSError,
                RecursionError, AssertionError):
            continue  # a damaged object: nothing a viewer could run either
