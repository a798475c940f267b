"""The document record: validation of its elements (条例 Art. 9, GB/T 9704, RULES.md §2),
files (type from content, size limit, SHA-256 checked on every read, versions never
overwritten) and 收文编号 (per agency and year, consecutive, restarting each year)."""

import io
import os
import stat
import zipfile
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from documents import validators
from documents.models import DocumentFile, FileVersion, RegistryCounter
from documents.services import read_version, upload_file
from documents.storage import FileCorrupted
from gongwen.errors import DomainError, NotFound
from incoming.services import IncomingData, register_incoming
from org.models import Unit
from tests.factories import person
from tests.helpers import known_year, refused

SHANGHAI = ZoneInfo("Asia/Shanghai")


# --- validators ----------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["示府办发〔2026〕7号", "示政办〔2025〕128号", "国办函〔2026〕1号", " 示交〔2026〕31号 "])
def test_doc_number_accepted(value):
    assert validators.clean_doc_number(value) == value.strip()


@pytest.mark.parametrize("value, message", [
    ("示府办发〔2026〕第7号", "第"),
    ("示府办发〔2026〕07号", "前导零"),
    ("示府办发〔2026〕0号", "前导零"),
    ("示府办发[2026]7号", "六角括号"),
    ("示府办发【2026】7号", "六角括号"),
    ("示府办发（2026）7号", "六角括号"),
    ("示府办发(2026)7号", "六角括号"),
    ("示府办发〔26〕7号", "四位"),
    ("示府办发〔2026〕7", "格式不正确"),
    ("〔2026〕7号", "格式不正确"),
    ("示府办发2026年7号", "格式不正确"),
])
def test_doc_number_refused(value, message):
    with pytest.raises(DomainError, match=message):
        validators.clean_doc_number(value)


@pytest.mark.parametrize("value", ["示府办发〔２０２６〕7号", "示府办发〔2026〕７号", "示府办发〔٢٠٢٦〕7号"])
def test_doc_number_is_never_stored_with_other_digits(value):
    """Full-width (or other scripts') digits would make two spellings of one 文号: either
    refused or normalised to ASCII digits, never stored as typed."""
    try:
        cleaned = validators.clean_doc_number(value)
    except DomainError:
        return
    assert cleaned == "示府办发〔2026〕7号"


def test_doc_number_empty_is_allowed():
    assert validators.clean_doc_number("") == "" and validators.clean_doc_number(None) == ""


@pytest.mark.parametrize("secrecy, term", [
    ("绝密", "30年"), ("机密", "20年"), ("秘密", "10年"), ("秘密", "1年"), ("机密", "6个月"), ("绝密", "11个月"),
    ("秘密", ""), ("", ""),
])
def test_secrecy_accepted(secrecy, term):
    assert validators.clean_secrecy(secrecy, term) == (secrecy, term)


@pytest.mark.parametrize("secrecy, term, message", [
    ("绝密", "31年", "不能超过30年"),
    ("机密", "21年", "不能超过20年"),
    ("秘密", "11年", "不能超过10年"),
    ("秘密", "12个月", "以年计"),
    ("秘密", "18个月", "以年计"),
    ("秘密", "0年", "格式不正确"),
    ("秘密", "五年", "格式不正确"),
    ("秘密", "长期", "格式不正确"),
    ("内部", "", "密级"),
    ("", "5年", "非涉密"),
])
def test_secrecy_refused(secrecy, term, message):
    with pytest.raises(DomainError, match=message):
        validators.clean_secrecy(secrecy, term)


def test_secrecy_mark():
    assert validators.secrecy_mark("机密", "5年") == "机密★5年"
    assert validators.secrecy_mark("秘密", "") == "秘密"
    assert validators.secrecy_mark("", "") == ""


@pytest.mark.parametrize("urgency, telegram, ok", [
    ("", False, True), ("特急", False, True), ("加急", False, True),
    ("平急", False, False), ("特提", False, False), ("急", False, False),
    ("特提", True, True), ("特急", True, True), ("加急", True, True), ("平急", True, True),
    ("", True, False), ("急件", True, False),
])
def test_urgency_for_documents_and_telegrams(urgency, telegram, ok):
    if ok:
        assert validators.clean_urgency(urgency, is_telegram=telegram) == urgency
    else:
        with pytest.raises(DomainError, match="电报" if telegram else "公文"):
            validators.clean_urgency(urgency, is_telegram=telegram)


@pytest.mark.parametrize("value, secrecy, ok", [
    ("000001", "秘密", True), ("123456", "", True), ("", "", True),
    ("", "机密", False), ("1", "秘密", False), ("0000001", "秘密", False), ("00000a", "秘密", False),
    ("００００１２", "秘密", False),
])
def test_copy_number(value, secrecy, ok):
    if ok:
        assert validators.clean_copy_number(value, secrecy=secrecy) == value
    else:
        with pytest.raises(DomainError, match="份号"):
            validators.clean_copy_number(value, secrecy=secrecy)


def data(**extra) -> IncomingData:
    values = {"title": "关于做好安全生产工作的通知", "doc_type": "通知", "doc_number": "示省政办〔2026〕12号"}
    values.update(extra)
    return IncomingData(**values)


@pytest.mark.parametrize("extra, message", [
    ({"doc_number": "示省政办〔2026〕第12号"}, "第"),
    ({"secrecy": "秘密", "secrecy_term": "11年", "copy_number": "000003"}, "10年"),
    ({"secrecy": "机密", "secrecy_term": "5年"}, "份号"),
    ({"urgency": "平急"}, "紧急程度"),
    ({"doc_type": "电报"}, "电报必须标注紧急程度"),
    ({"doc_type": "便条"}, "文种"),
    ({"title": "   "}, "标题"),
    ({"issued_on": date(2026, 3, 10)}, "成文日期"),
    ({"received_at": datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)}, "收文时间"),
    ({"sender_deadline": datetime(2026, 3, 8, 9, 0, tzinfo=SHANGHAI)}, "办理时限"),
    ({"pages": 0}, "页数"),
    ({"copies": 0}, "份数"),
    ({"slip_kind": "fax"}, "处理笺"),
])
def test_registration_refuses_bad_elements_and_writes_nothing(office, extra, message):
    with time_machine.travel(datetime(2026, 3, 9, 10, 0, tzinfo=SHANGHAI), tick=False):
        with refused(message):
            register_incoming(actor=office.clerk, agency=office.gov, data=data(sender_id=office.province.pk, **extra))


def test_registration_keeps_the_elements(office):
    with time_machine.travel(datetime(2026, 3, 9, 10, 0, tzinfo=SHANGHAI), tick=False):
        doc = register_incoming(actor=office.clerk, agency=office.gov, data=data(
            sender_id=office.province.pk, copy_number="000007", urgency="加急",
            issued_on=date(2026, 3, 6), sender_deadline=datetime(2026, 3, 10, 12, 0, tzinfo=SHANGHAI),
            sender_deadline_text="3月10日上午下班前", pages=4, copies=2, signer="张三"))
    doc.refresh_from_db()
    assert (doc.secrecy_display, doc.copy_number, doc.urgency, doc.pages, doc.copies) == ("", "000007", "加急", 4, 2)
    assert doc.sender_display == office.province.name and doc.registry_number == "示府办收〔2026〕1号"


# --- files ---------------------------------------------------------------------------------------

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    return buffer.getvalue()


DOCX = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>", "_rels/.rels": b"<r/>"})
OFD = zipped({"OFD.xml": b"<ofd:OFD/>", "Doc_0/Document.xml": b"<ofd:Document/>"})


@pytest.fixture
def document(office):
    return register_incoming(actor=office.clerk, agency=office.gov, data=data(sender_id=office.province.pk))


@pytest.mark.parametrize("name, content, content_type", [
    ("正文.pdf", PDF, "application/pdf"),
    ("正文.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("正文.ofd", OFD, "application/ofd"),
    ("扫描件.png", PNG, "image/png"),
    ("扫描件.jpg", JPEG, "image/jpeg"),
    ("名字不对.txt", PDF, "application/pdf"),  # the content decides, not the name
])
def test_upload_accepted_by_content(office, document, name, content, content_type):
    version = upload_file(actor=office.clerk, document=document, name=name, data=content)
    assert version.content_type == content_type and version.size == len(content) and version.number == 1
    assert read_version(actor=office.clerk, version=version) == content


@pytest.mark.parametrize("name, content", [
    ("正文.pdf", "这是一个冒充 PDF 的文本文件".encode()),
    ("正文.docx", zipped({"readme.txt": b"hello"})),
    ("正文.ofd", b"PK\x03\x04 not really a zip"),
    ("正文.exe", b"MZ\x90\x00\x03"),
    ("正文.html", b"<html><script>alert(1)</script></html>"),
])
def test_upload_refused_by_content(office, document, name, content):
    with refused("文件类型不支持"):
        upload_file(actor=office.clerk, document=document, name=name, data=content)


def test_upload_size_limit(office, document, settings):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    upload_file(actor=office.clerk, document=document, name="正好.pdf", data=PDF + b"0" * (1024 * 1024 - len(PDF)))
    with refused("文件过大"):
        upload_file(actor=office.clerk, document=document, name="过大.pdf", data=PDF + b"0" * (1024 * 1024))
    with refused("文件为空"):
        upload_file(actor=office.clerk, document=document, name="空.pdf", data=b"")


def test_classified_document_takes_no_electronic_body(office):
    from secrecy.tests.build import people, register

    ppl = people(office)
    secret = register(office, ppl)  # through the 密件 register, the only way in
    with refused("不是涉密网"):  # the one refusal: documents.classified.refuse_electronic
        upload_file(actor=ppl.jiyao, document=secret, name="正文.pdf", data=PDF)
    root = Path(settings.FILES_ROOT)
    assert not root.exists() or not [p for p in root.rglob("*") if p.is_file()]  # nothing reached the disk


def test_new_version_never_overwrites(office, document):
    first = upload_file(actor=office.clerk, document=document, name="正文.pdf", data=PDF)
    second = upload_file(actor=office.clerk, document=document, name="正文（修改稿）.pdf", data=PDF + b"% v2\n",
                         replaces=first.file)
    assert second.file_id == first.file_id and first.number == 1
    assert second.number == 2 and second.storage_path != first.storage_path
    assert DocumentFile.objects.filter(document=document).count() == 1
    assert list(FileVersion.objects.filter(file=first.file).values_list("number", flat=True)) == [1, 2]
    assert first.file.latest_version() == second
    assert read_version(actor=office.clerk, version=first) == PDF
    assert read_version(actor=office.clerk, version=second) == PDF + b"% v2\n"
    # A third version with the same bytes as the first is still a version of its own.
    third = upload_file(actor=office.clerk, document=document, name="正文.pdf", data=PDF, replaces=first.file)
    assert third.number == 3 and read_version(actor=office.clerk, version=third) == PDF


def test_a_file_of_another_document_cannot_be_replaced(office, document):
    other = register_incoming(actor=office.clerk, agency=office.gov, data=data(sender_id=office.dept.pk))
    foreign = upload_file(actor=office.clerk, document=other, name="正文.pdf", data=PDF)
    with refused(exc=NotFound):
        upload_file(actor=office.clerk, document=document, name="正文.pdf", data=PDF + b"%x", replaces=foreign.file)
    # Nothing reached the disk either: the store holds exactly the accepted versions.
    stored = {p.name for p in Path(settings.FILES_ROOT).rglob("*") if p.is_file()}
    assert stored == set(FileVersion.objects.values_list("sha256", flat=True))


def test_file_name_cannot_reach_outside_the_store(office, document):
    version = upload_file(actor=office.clerk, document=document, name="../../etc/passwd.pdf", data=PDF)
    assert "/" not in version.original_name and "\\" not in version.original_name
    path = (Path(settings.FILES_ROOT) / version.storage_path).resolve()
    assert path.is_relative_to(Path(settings.FILES_ROOT).resolve()) and path.name == version.sha256


def _tamper(version, content: bytes | None):
    path = Path(settings.FILES_ROOT) / version.storage_path
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    if content is None:
        path.unlink()
    else:
        path.write_bytes(content)


def test_tampered_file_is_refused_on_read(office, document):
    version = upload_file(actor=office.clerk, document=document, name="正文.pdf", data=PDF)
    _tamper(version, PDF.replace(b"Catalog", b"Catalox"))
    with pytest.raises(FileCorrupted, match="校验失败") as info:
        read_version(actor=office.clerk, version=version)
    assert info.value.code == "file_corrupted"


def test_missing_file_is_refused_on_read(office, document):
    version = upload_file(actor=office.clerk, document=document, name="正文.pdf", data=PDF)
    _tamper(version, None)
    with pytest.raises(FileCorrupted, match="文件内容缺失"):
        read_version(actor=office.clerk, version=version)


def test_stored_files_are_read_only(office, document):
    version = upload_file(actor=office.clerk, document=document, name="正文.pdf", data=PDF)
    mode = (Path(settings.FILES_ROOT) / version.storage_path).stat().st_mode
    assert not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


# --- 收文编号 ------------------------------------------------------------------------------------

def register(o, agency=None, clerk=None, **extra):
    return register_incoming(actor=clerk or o.clerk, agency=agency or o.gov, data=data(
        sender_id=o.province.pk if (agency is None or agency == o.gov) else o.other_gov.pk, **extra))


def test_registry_numbers_consecutive_per_agency_and_year(office):
    o = office
    person(o.dept, "何秘书", "dept_secretary", "secretary", unit=Unit.objects.get(agency=o.dept, is_office=True))
    with time_machine.travel(datetime(2026, 12, 31, 16, 0, tzinfo=SHANGHAI), tick=True):
        gov = [register(o) for _ in range(3)]
        dept = [register(o, agency=o.dept, clerk=o.dept_clerk) for _ in range(2)]
        # A refusal in between takes no number.
        with refused("第"):
            register(o, doc_number="示省政办〔2026〕第1号")
        gov.append(register(o))
    assert [d.registry_seq for d in gov] == [1, 2, 3, 4]
    assert [d.registry_seq for d in dept] == [1, 2]
    assert {d.registry_year for d in gov + dept} == {2026}
    assert gov[-1].registry_number == "示府办收〔2026〕4号" and dept[0].registry_number == "示交收〔2026〕1号"
    # New Year: the numbers start again at 1 (the first working day is the make-up Sunday).
    known_year(2027)
    with time_machine.travel(datetime(2027, 1, 4, 9, 0, tzinfo=SHANGHAI), tick=True):
        new_year = [register(o), register(o)]
        # A document received on New Year's Eve and registered late goes into last year's book.
        late = register(o, received_at=datetime(2026, 12, 31, 17, 30, tzinfo=SHANGHAI))
    assert [(d.registry_year, d.registry_seq) for d in new_year] == [(2027, 1), (2027, 2)]
    assert (late.registry_year, late.registry_seq) == (2026, 5)
    assert dict(RegistryCounter.objects.filter(agency=o.gov).values_list("year", "last")) == {2026: 5, 2027: 2}
