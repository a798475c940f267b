"""Hostile files (trust issue, defect 5): a decompression bomb of every ZIP-based format, a
huge upload, an executable renamed, a PDF with JavaScript — each refused in Chinese through
the real pages and API endpoints, nothing stored (no row, no file), and the memory growth of
the server bounded: each request runs under tracemalloc and its peak is asserted.

The bombs are built here by hand in a moment: a run of one byte compressed after a full
flush compresses to the same bytes every 4 MiB, so a 1 GiB member is ~1 MB of repeated
pieces, written into a ZIP with the struct layouts of the standard library.
"""

from __future__ import annotations

import ast
import io
import json
import os
import struct
import tracemalloc
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from api.tests.helpers import ApiClient
from documents.models import FileVersion
from drafting import services as drafting
from exchange.models import ExchangePackage
from gongwen import safezip
from gongwen.errors import DomainError
from incoming.services import IncomingData, register_incoming
from search.extract import extract
from tests.auth import sign_in
from tests.helpers import diff, snapshot

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024
GIB = 1024 * MIB
# What one request may allocate (Python allocations, tracemalloc) while refusing a 1 GiB bomb
# sent as a ~1 MB file (measured: ~3 MiB, the upload itself included) ...
MEMORY_BOUND = 32 * MIB
# ... and while refusing an upload over the limit, of 2 MiB + 1 byte or 48 MiB (measured:
# under 1 MiB whatever the size: the file streams to disk and the excess is never kept).
STREAM_BOUND = 8 * MIB


# --- bombs, built by hand -----------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """A member of ``size`` copies of one byte; ``declared`` is what the directory says."""

    size: int
    declared: int | None = None


@lru_cache(maxsize=4)
def _deflated_run(size: int) -> tuple[bytes, int]:
    chunk = b"a" * (4 * MIB)
    assert size % len(chunk) == 0
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(size // len(chunk)):
        crc = zlib.crc32(chunk, crc)
    return piece * (size // len(chunk)) + compressor.flush(), crc


def build_zip(members: dict[str, bytes | Run]) -> bytes:
    """A ZIP (deflated members, no ZIP64: every size here is under 4 GiB)."""
    out, central = io.BytesIO(), []
    for name, content in members.items():
        if isinstance(content, Run):
            data, crc = _deflated_run(content.size)
            size = content.declared if content.declared is not None else content.size
        else:
            compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
            data, crc, size = compressor.compress(content) + compressor.flush(), zlib.crc32(content), len(content)
        raw = name.encode()
        offset = out.tell()
        out.write(struct.pack(zipfile.structFileHeader, zipfile.stringFileHeader, 20, 0, 0x800, 8, 0, 0x21,
                              crc, len(data), size, len(raw), 0) + raw + data)
        central.append(struct.pack(zipfile.structCentralDir, zipfile.stringCentralDir, 20, 3, 20, 0, 0x800, 8, 0,
                                   0x21, crc, len(data), size, len(raw), 0, 0, 0, 0, 0o644 << 16, offset) + raw)
    start = out.tell()
    out.write(b"".join(central))
    out.write(struct.pack(zipfile.structEndArchive, zipfile.stringEndArchive, 0, 0, len(central), len(central),
                          out.tell() - start, start, 0))
    return out.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def docx_bomb(declared: int | None = None) -> bytes:
    return build_zip({"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": b"<Relationships/>",
                      "word/document.xml": Run(GIB, declared)})


def ofd_bomb() -> bytes:
    return build_zip({"OFD.xml": b"<ofd:OFD/>", "Doc_0/Document.xml": b"<ofd:Document/>",
                      "Doc_0/Pages/Page_0/Content.xml": Run(GIB)})


def xlsx_bomb() -> bytes:
    return build_zip({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": b"<workbook/>",
                      "xl/worksheets/sheet1.xml": Run(GIB)})


def package_bomb() -> bytes:
    metadata = json.dumps({"标题": "关于做好防汛工作的通知", "文件": [
        {"文件名": "正文.pdf", "角色": "正文", "路径": "files/01.pdf", "大小": GIB}]}, ensure_ascii=False).encode()
    return build_zip({"metadata.json": metadata, "history.json": b"[]", "signature.json": b"{}",
                      "files/01.pdf": Run(GIB)})


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x90" * 512


def pdf_with(kind: str) -> bytes:
    """A one-page PDF made by pypdf, with the active content named by ``kind``."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    root = writer._root_object

    def action(kind_name: str, **extra) -> DictionaryObject:
        return DictionaryObject({NameObject("/S"): NameObject(kind_name), **{
            NameObject(k): TextStringObject(v) for k, v in extra.items()}})

    if kind == "javascript":  # a document-level script in the /Names tree
        script = writer._add_object(action("/JavaScript", **{"/JS": "app.alert('打开即运行');"}))
        root[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): DictionaryObject({
            NameObject("/Names"): ArrayObject([TextStringObject("x"), script])})})
    elif kind == "open_action":
        root[NameObject("/OpenAction")] = action("/JavaScript", **{"/JS": "app.launchURL('http://x')"})
    elif kind == "page_aa":
        writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): action("/URI", **{"/URI": "http://x"})})
    elif kind == "launch":
        root[NameObject("/OpenAction")] = action("/Launch", **{"/F": "cmd.exe"})
    elif kind == "embedded":
        writer.add_attachment("说明.exe", EXE)
    elif kind == "clean_with_destination":  # an /OpenAction that only opens page 1: harmless
        root[NameObject("/OpenAction")] = ArrayObject([writer.pages[0].indirect_reference, NameObject("/Fit")])
    elif kind == "escaped":  # /Java#53cript is /JavaScript: a byte search misses it, the parsed file does not
        return pdf_with("open_action").replace(b"/S /JavaScript", b"/S /Java#53cript").replace(b"/JS ", b"/J#53 ")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- measuring ----------------------------------------------------------------------------------


@contextmanager
def peak_memory():
    """The peak of Python allocations inside the block, in bytes (``box["peak"]``)."""
    box = {}
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        yield box
    finally:
        box["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


def stored_files() -> list[str]:
    root = Path(settings.FILES_ROOT)
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@contextmanager
def nothing_stored(allowed: set[str] = frozenset()):
    """No row in any table (but ``allowed``), no file in the store, no temporary upload left."""
    before, files = snapshot(), stored_files()
    temp = Path(settings.FILE_UPLOAD_TEMP_DIR)
    yield
    assert set(diff(before, snapshot())) <= set(allowed), diff(before, snapshot())
    assert stored_files() == files
    assert not list(temp.iterdir()), "a temporary upload was left behind"


@pytest.fixture(autouse=True)
def _warm_process():
    """Import every view and the API once (URLconf, ninja and pydantic schemas: ~50 MB the
    first request of a process allocates once), so the measurements see the request alone."""
    from django.test import Client
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the URLconf and every view)
    Client().get(settings.LOGIN_URL)


@pytest.fixture(autouse=True)
def _upload_temp_dir(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()


@pytest.fixture
def incoming(office):
    return register_incoming(actor=office.clerk, agency=office.gov, data=IncomingData(
        title="关于做好安全生产工作的通知", doc_type="通知", doc_number="示省政办〔2026〕12号",
        sender_id=office.province.pk))


@pytest.fixture
def draft(office):
    return drafting.create_draft(actor=office.handler_a, data=drafting.DraftData(
        doc_type="通知", title="示范市人民政府办公室关于做好防汛工作的通知", main_to=["各区人民政府"],
        copy_to=[], publicity="主动公开"))


def follow(client, response) -> str:
    if response.status_code in (301, 302):
        response = client.get(response.url)
    return response.content.decode()


# --- the bombs, through the pages and the API ---------------------------------------------------


BOMBS = {"DOCX": (docx_bomb, "正文.docx"), "OFD": (ofd_bomb, "正文.ofd")}


@pytest.mark.parametrize("kind", BOMBS)
def test_bomb_refused_on_the_document_page_and_api(client, office, incoming, kind):
    make, name = BOMBS[kind]
    bomb = make()
    assert len(bomb) < 2 * MIB  # ~1 MB on the wire, 1 GiB inflated
    sign_in(client, office.clerk)
    api = ApiClient(client)
    api.token(office.clerk)
    url = reverse("web:document_upload", args=[incoming.pk])
    with nothing_stored():
        with peak_memory() as page:
            response = client.post(url, {"role": "body", "file": SimpleUploadedFile(name, bomb)})
        assert "解压后过大" in follow(client, response)
        with peak_memory() as endpoint:
            answer = api.upload(office.clerk, f"/documents/{incoming.pk}/files", {"file": SimpleUploadedFile(name, bomb)})
        assert answer.status_code == 400 and "解压后过大" in answer.json()["detail"], answer.content
    assert page["peak"] < MEMORY_BOUND and endpoint["peak"] < MEMORY_BOUND, (page, endpoint)
    assert not FileVersion.objects.filter(file__document=incoming).exists()


def test_bomb_with_a_lying_directory_is_refused_without_inflating(client, office, incoming):
    """The directory says 1000 bytes; the member inflates to 1 GiB. Reading stops at the
    declared size and the CRC gives the lie away: refused as damaged, never inflated."""
    bomb = docx_bomb(declared=1000)
    sign_in(client, office.clerk)
    with nothing_stored(), peak_memory() as box:
        response = client.post(reverse("web:document_upload", args=[incoming.pk]),
                               {"role": "body", "file": SimpleUploadedFile("正文.docx", bomb)})
    assert "已损坏" in follow(client, response)
    assert box["peak"] < MEMORY_BOUND


def test_docx_bomb_refused_as_draft_body_and_by_the_checker(client, office, draft):
    bomb = docx_bomb()
    sign_in(client, office.handler_a)
    api = ApiClient(client)
    api.token(office.handler_a)
    with nothing_stored():
        with peak_memory() as page:
            response = client.post(reverse("web:draft_upload", args=[draft.pk]),
                                   {"file": SimpleUploadedFile("正文.docx", bomb)})
        assert "解压后过大" in follow(client, response)
        with peak_memory() as body:
            answer = api.upload(office.handler_a, f"/drafts/{draft.pk}/body/docx",
                                {"file": SimpleUploadedFile("正文.docx", bomb)})
        assert answer.status_code == 400 and "解压后过大" in answer.json()["detail"]
        with peak_memory() as checker:
            answer = api.upload(office.handler_a, "/checks", {"file": SimpleUploadedFile("正文.docx", bomb)})
        assert answer.status_code == 400 and "解压后过大" in answer.json()["detail"]
    assert max(page["peak"], body["peak"], checker["peak"]) < MEMORY_BOUND, (page, body, checker)


def test_exchange_package_bomb_refused_on_the_page_and_api(client, office):
    """A refused package is recorded by design (ExchangePackage 已拒收 with its reason, and
    the audit event) — its content is not: no file in the store."""
    bomb = package_bomb()
    o = office
    sign_in(client, o.dept_clerk)
    api = ApiClient(client)
    api.token(o.dept_clerk)
    # the refusal's audit event, with whatever the audit app keeps beside its events
    tables = {ExchangePackage._meta.db_table, *(m._meta.db_table for m in apps.get_app_config("audit").get_models())}
    with nothing_stored(allowed=tables):
        with peak_memory() as page:
            response = client.post(reverse("exchange_packages:import"), {"file": SimpleUploadedFile("包.zip", bomb)})
        assert "解压后过大" in follow(client, response)
        with peak_memory() as endpoint:
            answer = api.upload(o.dept_clerk, "/exchange-packages/import", {"file": SimpleUploadedFile("包.zip", bomb)})
        assert answer.status_code == 400 and "解压后过大" in answer.json()["detail"]
    assert max(page["peak"], endpoint["peak"]) < MEMORY_BOUND
    records = ExchangePackage.objects.filter(agency=o.dept)
    assert records.count() == 2
    assert all(p.status == ExchangePackage.Status.REFUSED and p.storage_path == "" for p in records)


def test_xlsx_bomb_refused():
    """Nothing in the project reads an uploaded workbook (Excel files are only written);
    the one way to read one, safezip.workbook, refuses the bomb within the bound."""
    bomb = xlsx_bomb()
    with peak_memory() as box, pytest.raises(safezip.ZipRefused, match="解压后过大"):
        safezip.workbook(bomb)
    assert box["peak"] < MEMORY_BOUND


@pytest.mark.parametrize("make", [docx_bomb, ofd_bomb], ids=["DOCX", "OFD"])
def test_a_bomb_already_in_the_store_is_not_inflated_by_search(make):
    """A file stored before uploads were checked: the indexer's later read is bounded too."""
    bomb = make()
    with peak_memory() as box:
        assert extract(bomb, "正文") == ""
    assert box["peak"] < MEMORY_BOUND


def test_a_stored_docx_bomb_is_refused_by_the_checker_read():
    from drafting.checks import docx_paragraphs

    with peak_memory() as box, pytest.raises(safezip.ZipRefused, match="解压后过大"):
        docx_paragraphs(docx_bomb())
    assert box["peak"] < MEMORY_BOUND


# --- huge uploads: streamed, refused while streaming --------------------------------------------


class StreamedBody:
    """A multipart/form-data body made as it is read (never whole in memory): the fields,
    then one file of ``size`` bytes starting with ``head``."""

    boundary = "----gongwen-hostile-test"

    def __init__(self, fields: dict[str, str], file_field: str, file_name: str, size: int, head: bytes = b""):
        b = self.boundary
        pre = b"".join(f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                       for k, v in fields.items())
        pre += (f'--{b}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{file_name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n").encode()
        self.pre, self.head, self.size, self.post = pre, head, size, f"\r\n--{b}--\r\n".encode()
        self.length = len(pre) + size + len(self.post)
        self.position = 0

    def _byte_range(self, start: int, n: int) -> bytes:
        out = []
        for offset, part, length in ((0, self.pre, len(self.pre)), (len(self.pre), None, self.size),
                                     (len(self.pre) + self.size, self.post, len(self.post))):
            lo, hi = max(start, offset), min(start + n, offset + length)
            if lo >= hi:
                continue
            if part is None:
                head = self.head[lo - offset:hi - offset]
                out.append(head + b"0" * (hi - lo - len(head)))
            else:
                out.append(part[lo - offset:hi - offset])
        return b"".join(out)

    def read(self, size: int = -1) -> bytes:
        left = self.length - self.position
        n = left if size is None or size < 0 else min(size, left)
        data = self._byte_range(self.position, min(n, MIB))
        self.position += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def post_streamed(client, url: str, body: StreamedBody, **meta):
    return client.request(**{"REQUEST_METHOD": "POST", "PATH_INFO": url, "CONTENT_LENGTH": str(body.length),
                             "CONTENT_TYPE": f"multipart/form-data; boundary={body.boundary}",
                             "wsgi.input": body, **meta})


PDF_HEAD = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"


def _surfaces(o, incoming, draft):
    """(who, url, fields, file field, file name, page?) for every view and endpoint that
    reads an uploaded file."""
    return {
        "document page": (o.clerk, reverse("web:document_upload", args=[incoming.pk]), {"role": "body"}, "file",
                          "正文.pdf", True),
        "document API": (o.clerk, f"/api/v1/documents/{incoming.pk}/files", {"role": "body"}, "file", "正文.pdf",
                         False),
        "draft body page": (o.handler_a, reverse("web:draft_upload", args=[draft.pk]), {}, "file", "正文.docx", True),
        "draft body API": (o.handler_a, f"/api/v1/drafts/{draft.pk}/body/docx", {}, "file", "正文.docx", False),
        "checker API": (o.handler_a, "/api/v1/checks", {"doc_type": "通知"}, "file", "正文.docx", False),
        "exchange page": (o.dept_clerk, reverse("exchange_packages:import"), {}, "file", "包.zip", True),
        "exchange API": (o.dept_clerk, "/api/v1/exchange-packages/import", {}, "file", "包.zip", False),
        "seal verify page": (o.clerk, reverse("sealing:verify"), {}, "file", "成品.pdf", True),
        "seal verify API": (o.clerk, "/api/v1/seals/verify", {}, "file", "成品.pdf", False),
        "org import page": (o.sysadmin, reverse("web:org_import"), {"kind": "posts"}, "file", "岗位.csv", True),
    }


SURFACES = ["document page", "document API", "draft body page", "draft body API", "checker API", "exchange page",
            "exchange API", "seal verify page", "seal verify API", "org import page"]


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("size", [2 * MIB + 1, 48 * MIB], ids=["just over", "far over"])
def test_huge_upload_refused_while_streaming(client, office, incoming, draft, settings, surface, size):
    settings.MAX_UPLOAD_BYTES = 2 * MIB
    who, url, fields, field, name, page = _surfaces(office, incoming, draft)[surface]
    meta = {}
    if page:
        sign_in(client, who)
    else:
        meta["HTTP_AUTHORIZATION"] = f"Bearer {ApiClient(client).token(who)}"
    body = StreamedBody(fields, field, name, size, head=PDF_HEAD)
    with nothing_stored(), peak_memory() as box:
        response = post_streamed(client, url, body, **meta)
    if page:
        text = follow(client, response)
    else:
        assert response.status_code in (400, 413), response.content
        text = response.json()["detail"]
    assert "文件过大" in text and "2 MB" in text and chinese(text)
    assert box["peak"] < STREAM_BOUND, f"{surface}: {box['peak'] / MIB:.1f} MiB for a {size / MIB:.0f} MiB upload"


def test_an_upload_at_the_limit_is_streamed_and_stored(client, office, incoming, settings):
    settings.MAX_UPLOAD_BYTES = 2 * MIB
    body = StreamedBody({"role": "body"}, "file", "正文.pdf", 2 * MIB, head=PDF_HEAD)
    sign_in(client, office.clerk)
    response = post_streamed(client, reverse("web:document_upload", args=[incoming.pk]), body)
    assert "已上传" in follow(client, response)
    version = FileVersion.objects.get(file__document=incoming)
    assert version.size == 2 * MIB and version.content_type == "application/pdf"


def test_non_file_bodies_stay_small(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 8 * MIB < settings.MAX_UPLOAD_BYTES
    assert settings.FILE_UPLOAD_HANDLERS == ["gongwen.uploads.BoundedUploadHandler"]


# --- executables and active PDFs ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["通知.pdf", "正文.docx", "正文.ofd"])
def test_executable_renamed_is_refused(client, office, incoming, draft, name):
    sign_in(client, office.clerk)
    api = ApiClient(client)
    api.token(office.clerk)
    with nothing_stored():
        response = client.post(reverse("web:document_upload", args=[incoming.pk]),
                               {"role": "body", "file": SimpleUploadedFile(name, EXE)})
        assert "文件类型不支持" in follow(client, response)
        answer = api.upload(office.clerk, f"/documents/{incoming.pk}/files", {"file": SimpleUploadedFile(name, EXE)})
        assert answer.status_code == 400 and "文件类型不支持" in answer.json()["detail"]
        sign_in(client, office.handler_a)
        response = client.post(reverse("web:draft_upload", args=[draft.pk]), {"file": SimpleUploadedFile(name, EXE)})
        assert "不是 DOCX" in follow(client, response)


ACTIVE = {"javascript": "JavaScript", "open_action": "JavaScript", "page_aa": "自动执行", "launch": "启动外部程序",
          "embedded": "嵌入的文件", "escaped": "JavaScript"}


@pytest.mark.parametrize("kind", ACTIVE)
def test_pdf_with_active_content_is_refused(client, office, incoming, kind):
    pdf = pdf_with(kind)
    sign_in(client, office.clerk)
    api = ApiClient(client)
    api.token(office.clerk)
    with nothing_stored():
        response = client.post(reverse("web:document_upload", args=[incoming.pk]),
                               {"role": "body", "file": SimpleUploadedFile("正文.pdf", pdf)})
        text = follow(client, response)
        assert ACTIVE[kind] in text and "已拒绝上传" in text
        answer = api.upload(office.clerk, f"/documents/{incoming.pk}/files", {"file": SimpleUploadedFile("正文.pdf", pdf)})
        assert answer.status_code == 400 and ACTIVE[kind] in answer.json()["detail"]


def test_plain_pdf_is_accepted(client, office, incoming):
    sign_in(client, office.clerk)
    response = client.post(reverse("web:document_upload", args=[incoming.pk]),
                           {"role": "body", "file": SimpleUploadedFile("正文.pdf", pdf_with("clean_with_destination"))})
    assert "已上传" in follow(client, response)
    assert FileVersion.objects.get(file__document=incoming).content_type == "application/pdf"


def test_pdf_page_cap(settings):
    from gongwen import safepdf

    writer = PdfWriter()
    for _ in range(4):
        writer.add_blank_page(100, 100)
    out = io.BytesIO()
    writer.write(out)
    settings.PDF_MAX_PAGES = 3
    with pytest.raises(safepdf.PdfRefused, match="页数过多（4 页，上限 3 页）"):
        safepdf.inspect(out.getvalue())
    settings.PDF_MAX_PAGES, settings.PDF_MAX_OBJECTS = 100, 3
    with pytest.raises(safepdf.PdfRefused, match="对象过多"):
        safepdf.inspect(out.getvalue())


# --- safezip: every bound, one at a time ---------------------------------------------------------


def test_safezip_reads_a_normal_archive():
    data = build_zip({"a.xml": b"<a/>" * 1000, "b/c.xml": b"<c/>"})
    with safezip.SafeZip(data) as z:
        assert z.namelist() == ["a.xml", "b/c.xml"] and z.read("a.xml") == b"<a/>" * 1000
    assert safezip.check(data) == ["a.xml", "b/c.xml"]


@pytest.mark.parametrize("members, limits, code, message", [
    ({f"m{i}.xml": b"x" for i in range(11)}, {"max_members": 10}, "zip_members", "成员过多：有 11 个，超过上限 10 个"),
    ({f"{'n' * 600}{i}.xml": b"x" for i in range(3)}, {"max_members": 2}, "zip_members", "成员目录超过上限 2 个成员"),
    ({"a.xml": b"x" * (2 * MIB)}, {"max_member_bytes": MIB}, "zip_member_size", "超过单个成员上限 1 MB"),
    ({"a.xml": b"x" * MIB, "b.xml": b"y" * MIB}, {"max_total_bytes": MIB + 10}, "zip_total_size", "总量上限 1.0 MB"),
    ({"a.xml": Run(8 * MIB)}, {"max_ratio": 100}, "zip_ratio", "压缩比超过上限 100 倍"),
    ({"../evil.xml": b"x"}, {}, "zip_name", "不允许的成员名"),
    ({"/etc/passwd": b"x"}, {}, "zip_name", "不允许的成员名"),
    ({"C:/x.xml": b"x"}, {}, "zip_name", "不允许的成员名"),
    ({"a\\..\\..\\x.xml": b"x"}, {}, "zip_name", "不允许的成员名"),
])
def test_safezip_bounds(members, limits, code, message):
    with pytest.raises(safezip.ZipRefused, match=message) as info:
        safezip.check(build_zip(members), what="测试文件", **limits)
    assert info.value.code == code and info.value.message.startswith("测试文件")


def test_safezip_counts_what_is_actually_inflated():
    """The total is counted on the bytes that come out, not on the directory: reading the
    same member again counts again."""
    data = build_zip({"a.xml": b"x" * MIB})
    with safezip.SafeZip(data, max_total_bytes=2 * MIB + 1) as z:
        z.read("a.xml")
        z.read("a.xml")
        with pytest.raises(safezip.ZipRefused, match="总量上限"):
            z.read("a.xml")


def test_safezip_refuses_encrypted_duplicate_and_odd_methods():
    plain = build_zip({"a.xml": b"x"})
    encrypted = bytearray(plain)
    for signature, offset in ((zipfile.stringFileHeader, 6), (zipfile.stringCentralDir, 8)):
        at = encrypted.find(signature)
        encrypted[at + offset] |= 0x1
    with pytest.raises(safezip.ZipRefused, match="已加密"):
        safezip.check(bytes(encrypted))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("a.xml", b"1")
        with pytest.warns(UserWarning):
            z.writestr("a.xml", b"2")
    with pytest.raises(safezip.ZipRefused, match="重复的成员"):
        safezip.check(buffer.getvalue())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_BZIP2) as z:
        z.writestr("a.xml", b"x" * 1000)
    with pytest.raises(safezip.ZipRefused, match="不支持的压缩方式"):
        safezip.check(buffer.getvalue())
    with pytest.raises(safezip.ZipRefused, match="已损坏") as info:
        safezip.check(b"PK\x03\x04 not a zip")
    assert info.value.code == "zip_invalid"


def test_limits_are_settings(settings):
    data = build_zip({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w/>" * 1000})
    assert safezip.check(data)
    settings.ZIP_MAX_MEMBER_BYTES = 100
    with pytest.raises(safezip.ZipRefused, match="超过单个成员上限 100 字节"):
        safezip.check(data)


def test_a_real_docx_passes(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("各区人民政府：")
    out = io.BytesIO()
    document.save(out)
    assert [p.text for p in safezip.docx_document(out.getvalue()).paragraphs] == ["各区人民政府："]
    path = tmp_path / "a.docx"
    path.write_bytes(out.getvalue())
    with safezip.SafeZip(path) as z:
        assert "word/document.xml" in z


# --- the class stays closed: no unbounded ZIP reader anywhere -----------------------------------

# Calls that open a ZIP for reading (python-docx and openpyxl open one themselves).
READERS = {"zipfile.ZipFile", "zipfile.PyZipFile", "docx.Document", "docx.api.Document", "openpyxl.load_workbook",
           "openpyxl.reader.excel.load_workbook"}
# Modules that only *write* ZIPs, each with what it writes; their calls must be in a write mode.
WRITERS = {
    "archive/services.py": "the archive transfer package (移交包)",
    "exchange/packages/envelope.py": "the exported 外部交换包 (its reading goes through safezip)",
    "drafting/render.py": "the rendered GB/T 9704 DOCX (docx.Document() of python-docx's own template)",
    "supervision/bulletin.py": "the 督查通报 DOCX (likewise)",
}
SKIPPED_DIRS = {".venv", "node_modules", "tests", "migrations", "var", "test-artifacts", "static", ".git"}


def _aliases(tree: ast.AST) -> dict[str, str]:
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _writes(call: ast.Call, target: str) -> bool:
    if target.endswith("Document"):
        return not call.args and not call.keywords  # a new document from python-docx's template
    mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
    return isinstance(mode, ast.Constant) and mode.value in ("w", "x", "a")


def zip_readers(source: str, path: str) -> list[str]:
    """Every call in ``source`` that opens a ZIP for reading without gongwen.safezip."""
    tree = ast.parse(source)
    aliases = _aliases(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        if name is None:
            continue
        head, _, rest = name.partition(".")
        target = aliases.get(head, head) + (f".{rest}" if rest else "")
        if target not in READERS:
            continue
        if path in WRITERS and _writes(node, target):
            continue
        found.append(f"{path}:{node.lineno} {target}(…)")
    return found


def project_modules() -> list[Path]:
    root = Path(settings.BASE_DIR)
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".")]
        found += [Path(folder) / f for f in files
                  if f.endswith(".py") and not f.startswith("test_") and f != "conftest.py"]
    return found


def test_every_zip_reader_goes_through_safezip():
    root = Path(settings.BASE_DIR)
    offenders = []
    for path in project_modules():
        rel = path.relative_to(root).as_posix()
        if rel == "gongwen/safezip.py":
            continue
        offenders += zip_readers(path.read_text(encoding="utf-8"), rel)
    assert not offenders, ("ZIP-based files must be opened through gongwen.safezip (SafeZip, check, "
                           "docx_document, workbook):\n" + "\n".join(offenders))
    assert set(WRITERS) <= {p.relative_to(root).as_posix() for p in project_modules()}


@pytest.mark.parametrize("source", [
    "import zipfile\nzipfile.ZipFile(io.BytesIO(data))",
    "from zipfile import ZipFile as Z\nwith Z(path) as z: pass",
    "import docx\ndocx.Document(io.BytesIO(data))",
    "def f():\n    from docx import Document\n    return Document(stream)",
    "from openpyxl import load_workbook\nload_workbook(stream)",
])
def test_the_walk_finds_an_unbounded_reader(source):
    assert zip_readers(source, "newapp/services.py")
    assert zip_readers(source, "archive/services.py")  # a writer module may not read either


def test_the_walk_lets_writers_write():
    assert not zip_readers("import zipfile\nzipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED)", "archive/services.py")
    assert not zip_readers("from docx import Document\nDocument()", "drafting/render.py")
    assert zip_readers("from documents.models import Document\nDocument(title='x')", "x.py") == []


def test_refusals_are_domain_errors():
    """Every refusal here reaches the user as a Chinese DomainError (page message / JSON detail)."""
    from gongwen import safepdf, uploads

    for exc in (safezip.ZipRefused("压缩文件已损坏"), safepdf.PdfRefused("PDF"), uploads.UploadTooLarge()):
        assert isinstance(exc, DomainError)
    assert uploads.UploadTooLarge.status_code == 413 and chinese(uploads.UploadTooLarge().message)
