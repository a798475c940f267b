"""Bounded ZIP reading: the one way the project opens a ZIP-based file (DOCX, OFD, XLSX,
外部交换包), at upload and at every later read.

A ZIP says in its directory how large each member is, and a member of a few kilobytes can
inflate to gigabytes (压缩炸弹): a 6 MB DOCX whose ``word/document.xml`` inflates to 2 GiB was
accepted and then inflated inside the web server by the next search. The standard library's
``zipfile`` has no limits at all (``ZipFile.read`` returns whatever the member inflates to)
and python-docx and openpyxl call it directly, so the bounds are written here by hand, on top
of ``zipfile``'s parsing:

* the number of members (``ZIP_MAX_MEMBERS``), and before that the size of the central
  directory, since ``zipfile`` makes an object of every entry before they can be counted;
* each member's uncompressed size, first as declared in the directory and then as actually
  inflated while reading, 64 KiB at a time, stopping at the cap — the header is never
  trusted (``ZIP_MAX_MEMBER_BYTES``);
* the total uncompressed size of everything read from one archive (``ZIP_MAX_TOTAL_BYTES``);
* the compression ratio of each member once it has inflated past 1 MiB (``ZIP_MAX_RATIO``);
* member names: no absolute paths, drive letters, ``..`` components, NUL characters or
  duplicates; no encrypted members; only the stored and deflated methods (bzip2 and LZMA
  inflate a whole block at once, beyond any chunked bound — and no DOCX/OFD/XLSX uses them).

Every refusal is a :class:`ZipRefused`, a Chinese ``DomainError`` that names the limit.

python-docx and openpyxl open the archive themselves: :func:`docx_document` and
:func:`workbook` first inflate every member through the bounds (discarding the bytes), and
only then hand the same immutable bytes to the library, which therefore reads no more than
the bounds allowed.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile
import zlib
from typing import BinaryIO

from django.conf import settings

from gongwen.errors import DomainError

CHUNK = 64 * 1024
MIB = 1024 * 1024
# Below this a member may have any ratio: a few hundred kilobytes of repetitive XML styles
# compress a thousandfold and harm nobody.
RATIO_FLOOR = MIB
METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
# A central-directory entry is 46 bytes plus its name, extra field and comment; DOCX, OFD and
# XLSX names are well under 200 bytes.
DIRECTORY_BYTES_PER_MEMBER = 512
_DRIVE = re.compile(r"^[A-Za-z]:")


class ZipRefused(DomainError):
    """A ZIP-based file outside the bounds, or not a readable ZIP at all."""

    def __init__(self, message: str, *, code: str = "zip_refused"):
        super().__init__(message, code=code)


def size_text(n: int) -> str:
    """A byte count as the limits are written in Chinese messages (MB, KB)."""
    if n >= MIB:
        return f"{n // MIB} MB" if n % MIB == 0 else f"{n / MIB:.1f} MB"
    if n >= 1024:
        return f"{n // 1024} KB"
    return f"{n} 字节"


def _short(name: str) -> str:
    return name if len(name) <= 80 else name[:77] + "…"


def _unsafe_name(name: str) -> bool:
    path = name.replace("\\", "/")
    return ("\0" in name or path.startswith("/") or bool(_DRIVE.match(path))
            or any(part == ".." for part in path.split("/")))


class SafeZip:
    """A ZIP archive read within bounds. Opening checks the directory (member count, names,
    encryption, methods, declared sizes and ratios); :meth:`read` and :meth:`check` inflate
    members in chunks and stop at the caps, whatever the directory says.

    ``source`` is the bytes, a file path, or a binary file object. ``what`` names the file in
    messages (“DOCX 文件”, “交换包”). The limits default to the settings; a caller with a
    stricter or wider need (the exchange package carries whole PDFs) passes its own.
    """

    def __init__(self, source: bytes | str | os.PathLike | BinaryIO, *, what: str = "压缩文件",
                 max_members: int | None = None, max_member_bytes: int | None = None,
                 max_total_bytes: int | None = None, max_ratio: int | None = None):
        self.what = what
        self.max_members = max_members if max_members is not None else settings.ZIP_MAX_MEMBERS
        self.max_member_bytes = max_member_bytes if max_member_bytes is not None else settings.ZIP_MAX_MEMBER_BYTES
        self.max_total_bytes = max_total_bytes if max_total_bytes is not None else settings.ZIP_MAX_TOTAL_BYTES
        self.max_ratio = max_ratio if max_ratio is not None else settings.ZIP_MAX_RATIO
        self.inflated = 0  # bytes actually inflated from this archive so far (against the total cap)
        self._own = None  # a file this object opened (from a path) and must close
        if isinstance(source, bytes | bytearray | memoryview):
            source = io.BytesIO(bytes(source))
        elif isinstance(source, str | os.PathLike):
            try:
                source = self._own = open(source, "rb")  # noqa: SIM115 (closed in close())
            except OSError:
                raise ZipRefused(f"{what}无法读取。", code="zip_invalid") from None
        try:
            self._check_central_size(source)
            self._zip = zipfile.ZipFile(source)
        except ZipRefused:
            self._close_own()
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError,
                struct.error):
            self._close_own()
            raise ZipRefused(f"{what}已损坏：不是有效的 ZIP 结构，无法读取。", code="zip_invalid") from None
        try:
            self._infos = self._check_directory(self._zip.infolist())
        except BaseException:
            self.close()
            raise
        self._by_name = {info.filename: info for info in self._infos}

    def _check_central_size(self, fp) -> None:
        """zipfile builds an object for every entry of the central directory before anyone
        can count them, and the entry count in the end record may lie: bound the directory's
        size (from the end record, before zipfile reads it) to what the member cap needs."""
        end = zipfile._EndRecData(fp)  # the standard library's own reader of the end record
        if end is None:
            raise zipfile.BadZipFile("no end of central directory")
        if end[zipfile._ECD_SIZE] > self.max_members * DIRECTORY_BYTES_PER_MEMBER:
            raise ZipRefused(f"{self.what}的成员过多：成员目录超过上限 {self.max_members} 个成员所需的大小，已拒绝。",
                             code="zip_members")
        fp.seek(0)

    def _close_own(self) -> None:
        if self._own is not None:
            self._own.close()
            self._own = None

    # --- the directory -----------------------------------------------------------------------

    def _check_directory(self, infos: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
        what = self.what
        if len(infos) > self.max_members:
            raise ZipRefused(f"{what}的成员过多：有 {len(infos)} 个，超过上限 {self.max_members} 个，已拒绝。",
                             code="zip_members")
        seen: set[str] = set()
        declared = 0
        for info in infos:
            name = info.filename
            if _unsafe_name(name):
                raise ZipRefused(f"{what}含有不允许的成员名“{_short(name)}”（不得含绝对路径或“..”），已拒绝。",
                                 code="zip_name")
            if name in seen:
                raise ZipRefused(f"{what}含有重复的成员“{_short(name)}”，已拒绝。", code="zip_duplicate")
            seen.add(name)
            if info.flag_bits & 0x1:
                raise ZipRefused(f"{what}的成员“{_short(name)}”已加密，无法检查其内容，已拒绝。", code="zip_encrypted")
            if info.compress_type not in METHODS:
                raise ZipRefused(f"{what}的成员“{_short(name)}”使用了不支持的压缩方式，已拒绝"
                                 "（只接受常见的 Deflate 压缩或不压缩）。", code="zip_method")
            self._check_member_size(info, info.file_size)
            declared += info.file_size
            if declared > self.max_total_bytes:
                self._refuse_total()
        return infos

    def _check_member_size(self, info: zipfile.ZipInfo, size: int) -> None:
        if size > self.max_member_bytes:
            raise ZipRefused(f"{self.what}解压后过大：成员“{_short(info.filename)}”超过单个成员上限 "
                             f"{size_text(self.max_member_bytes)}（疑似压缩炸弹），已拒绝。", code="zip_member_size")
        if size > RATIO_FLOOR and size > self.max_ratio * max(info.compress_size, 1):
            raise ZipRefused(f"{self.what}解压后过大：成员“{_short(info.filename)}”的压缩比超过上限 {self.max_ratio} 倍"
                             "（疑似压缩炸弹），已拒绝。", code="zip_ratio")

    def _refuse_total(self):
        raise ZipRefused(f"{self.what}解压后过大：全部成员解压后超过总量上限 {size_text(self.max_total_bytes)}"
                         "（疑似压缩炸弹），已拒绝。", code="zip_total_size")

    # --- reading -----------------------------------------------------------------------------

    def infolist(self) -> list[zipfile.ZipInfo]:
        return list(self._infos)

    def namelist(self) -> list[str]:
        return [info.filename for info in self._infos]

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def getinfo(self, name: str) -> zipfile.ZipInfo:
        info = self._by_name.get(name)
        if info is None:
            raise ZipRefused(f"{self.what}缺少成员“{_short(name)}”。", code="zip_missing")
        return info

    def _inflate(self, info: zipfile.ZipInfo, sink) -> int:
        """Inflate one member chunk by chunk into ``sink`` (None: discard), counting what
        actually comes out against the member, ratio and total caps."""
        size = 0
        try:
            with self._zip.open(info) as fh:
                while True:
                    chunk = fh.read(CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    self.inflated += len(chunk)
                    self._check_member_size(info, size)
                    if self.inflated > self.max_total_bytes:
                        self._refuse_total()
                    if sink is not None:
                        sink.write(chunk)
        except ZipRefused:
            raise
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError,
                zlib.error):
            # a CRC mismatch lands here too: a directory that lied about the size
            raise ZipRefused(f"{self.what}已损坏：成员“{_short(info.filename)}”无法解压或校验失败。",
                             code="zip_broken") from None
        return size

    def read(self, name: str | zipfile.ZipInfo) -> bytes:
        """The bytes of one member, inflated within the bounds."""
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        out = io.BytesIO()
        self._inflate(info, out)
        return out.getvalue()

    def check(self) -> None:
        """Inflate every member within the bounds, keeping nothing: afterwards any reader of
        the same bytes (python-docx, openpyxl) reads no more than the bounds allowed."""
        for info in self._infos:
            self._inflate(info, None)

    def close(self) -> None:
        self._zip.close()
        self._close_own()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def is_zip(data: bytes) -> bool:
    """Whether the bytes start like a ZIP archive (local file header)."""
    return data[:4] == b"PK\x03\x04"


def check(data: bytes, *, what: str = "压缩文件", **limits) -> list[str]:
    """Check a whole archive within the bounds (every member inflated and discarded);
    returns the member names. ZipRefused otherwise."""
    with SafeZip(data, what=what, **limits) as z:
        z.check()
        return z.namelist()


def docx_document(data: bytes):
    """A python-docx ``Document`` of bytes that passed the bounds."""
    import docx

    check(data, what="DOCX 文件")
    return docx.Document(io.BytesIO(data))


def workbook(data: bytes):
    """A read-only openpyxl workbook of bytes that passed the bounds. Nothing reads an
    uploaded workbook today; a future Excel import goes through here."""
    from openpyxl import load_workbook

    check(data, what="Excel 文件")
    return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
