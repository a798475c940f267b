"""Uploads stream to disk, and no byte past ``MAX_UPLOAD_BYTES`` is kept.

Installed as the only ``FILE_UPLOAD_HANDLERS`` entry, so the pages and the API (django-ninja
reads the same ``request.FILES``) go through it. :class:`BoundedUploadHandler` writes each
uploaded file to a temporary file while counting the bytes of every file of the request;
once the count passes ``MAX_UPLOAD_BYTES`` it deletes the temporary file and keeps nothing
more. A request whose declared length already shows the files cannot fit is refused before
a single byte of them is written.

The refused file is not dropped silently — a view would then say "请选择文件" and an API
endpoint would answer "field required". It stays in ``request.FILES`` as a
:class:`RefusedUpload`: its name and (excess) size are there, but reading it in any way raises
:class:`UploadTooLarge`, a Chinese ``DomainError`` (413). Every view and endpoint already turns
a ``DomainError`` raised while it reads the file into its refusal (a message beside the
form; JSON ``{"detail": …}`` with the status), and since the bytes never reach a service,
nothing is stored.

The rest of an oversized body is read and discarded in 64 KiB chunks rather than left
unread: the browser then receives the Chinese refusal instead of a reset connection, and
Django's development server (``make run``) would otherwise read the remainder in one piece
into memory when it closes the request. Cutting off absurd bodies before they reach Django
is the front proxy's job (``client_max_body_size``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, TemporaryFileUploadHandler

from gongwen.errors import DomainError
from gongwen.safezip import size_text

# Multipart overhead besides file bytes and field values: part headers (at most 1 KiB each
# in Django's parser) and boundaries for the fields and files a request may carry.
MULTIPART_OVERHEAD = 2 * 1024 * 1024


def too_large_message() -> str:
    return (f"文件过大：上限为 {size_text(settings.MAX_UPLOAD_BYTES)}，上传已停止，未保存任何内容。"
            "请压缩或拆分后再上传。")


class UploadTooLarge(DomainError):
    """An upload past ``MAX_UPLOAD_BYTES``: refused while it was streaming."""

    status_code = 413

    def __init__(self, message: str | None = None, *, code: str = "upload_too_large"):
        super().__init__(message or too_large_message(), code=code)


class _RefusedStream:
    """The stand-in for the bytes of a refused upload: every read refuses."""

    closed = False

    def _refuse(self, *args, **kwargs):
        raise UploadTooLarge()

    read = readline = readlines = seek = tell = write = _refuse

    def __iter__(self):
        raise UploadTooLarge()

    def close(self) -> None:
        self.closed = True


class RefusedUpload(UploadedFile):
    """An uploaded file that was refused while streaming: name and size, no bytes."""

    refused = True

    def __init__(self, name, content_type, size, charset, content_type_extra=None):
        super().__init__(_RefusedStream(), name, content_type, size, charset, content_type_extra)

    def chunks(self, chunk_size=None):
        raise UploadTooLarge()

    def multiple_chunks(self, chunk_size=None):
        raise UploadTooLarge()

    def open(self, mode=None):
        raise UploadTooLarge()


class BoundedUploadHandler(TemporaryFileUploadHandler):
    """Stream every uploaded file to a temporary file; stop keeping bytes once the files of
    the request pass ``MAX_UPLOAD_BYTES`` (see the module docstring)."""

    def __init__(self, request=None):
        super().__init__(request)
        self.file = None
        self.request_length = 0
        self.received = 0  # file bytes of this request so far, refused ones included
        self.refused: int | None = None  # the size reported for the file being refused

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request_length = content_length or 0
        return None

    def _mark(self) -> None:
        if self.request is not None:
            self.request.upload_refused = too_large_message()

    def new_file(self, field_name, file_name, content_type, content_length, charset=None,
                 content_type_extra=None):
        limit = settings.MAX_UPLOAD_BYTES
        certain = limit + (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) + MULTIPART_OVERHEAD
        if self.request_length > certain or self.received > limit:
            # the declared length alone shows the files cannot fit: write nothing at all
            FileUploadHandler.new_file(self, field_name, file_name, content_type, content_length, charset,
                                       content_type_extra)
            self.file = None
            self.refused = max(self.request_length, limit + 1)
            self._mark()
            return
        self.refused = None
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)

    def _discard(self) -> None:
        if self.file is not None:
            self.file.close()  # a NamedTemporaryFile: closing it deletes it
            self.file = None

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.refused is not None:
            self.refused += len(raw_data)
            return None
        if self.received > settings.MAX_UPLOAD_BYTES:
            self._discard()
            self.refused = start + len(raw_data)
            self._mark()
            return None
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size):
        if self.refused is not None:
            return RefusedUpload(self.file_name, self.content_type, max(self.refused, settings.MAX_UPLOAD_BYTES + 1),
                                 self.charset, self.content_type_extra)
        return super().file_complete(file_size)

    def upload_interrupted(self):
        self._discard()


def read_upload(upload) -> bytes:
    """The bytes of an uploaded file, or UploadTooLarge (Chinese, 413) for one over the limit."""
    if getattr(upload, "refused", False) or upload.size > settings.MAX_UPLOAD_BYTES:
        raise UploadTooLarge()
    return upload.read()
