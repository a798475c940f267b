"""The draft's body as versions: written in the page or uploaded as DOCX, who may change it,
and every refusal writing nothing (no row, no file in the store)."""

from __future__ import annotations

import io
import zipfile
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from docx import Document as Docx

from audit.models import AuditEvent
from documents.models import Direction, Document, DocumentFile, FileVersion, Status
from documents.services import upload_file
from drafting import access, body, compose
from drafting import services as drafting
from drafting.models import VersionText
from flow import services as flow
from flow.models import HistoryAction, HistoryEvent
from gongwen.errors import DomainError, NotFound, PermissionDenied
from org.models import Delegation
from tests.helpers import open_task, refused

pytestmark = pytest.mark.django_db

BLOCKS = [{"level": 0, "text": "为做好今年防汛工作，现就有关事项通知如下。"},
          {"level": 1, "text": "一、加强组织领导"},
          {"level": 0, "text": "各单位要落实防汛责任制。"}]


def new_draft(o, **over) -> Document:
    data = {"doc_type": "通知", "title": "示范市人民政府办公室关于做好防汛工作的通知",
            "main_to": ["各区人民政府"], "copy_to": ["市委办公室"], "publicity": "主动公开"}
    data.update(over)
    return drafting.create_draft(actor=o.handler_a, data=drafting.DraftData(**data))


def docx_of(*paragraphs: str) -> bytes:
    doc = Docx()
    for p in paragraphs:
        doc.add_paragraph(p)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def stored_files() -> list[str]:
    root = settings.FILES_ROOT
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@contextmanager
def refused_all(match=None, exc=DomainError):
    """tests.helpers.refused (every table of the core apps) plus the drafting tables, the
    document's body fields and the file store."""
    before = (list(VersionText.objects.values_list("id", "text")), stored_files(),
              list(Document.objects.values_list("id", "body_mode", "body_blocks")))
    with refused(match, exc) as info:
        yield info
    after = (list(VersionText.objects.values_list("id", "text")), stored_files(),
             list(Document.objects.values_list("id", "body_mode", "body_blocks")))
    assert before == after


# --------------------------------------------------------------------------- saving


def test_drafter_saves_structured_blocks_as_a_rendered_docx(office):
    o = office
    document = new_draft(o)
    version = body.save_structured(actor=o.handler_a, document=document, blocks=BLOCKS)
    document.refresh_from_db()
    assert document.body_mode == "structured"
    assert document.body_blocks == BLOCKS
    assert version.number == 1 and version.file.role == DocumentFile.Role.BODY
    assert version.content_type.endswith("wordprocessingml.document")
    assert compose.current_body(document) == version
    text = body.version_text(version)
    assert VersionText.objects.get(version=version).text == text
    # the rendered document: its head, the body, its signature
    lines = text.splitlines()
    assert "示范市人民政府办公室文件" in lines and document.title in lines and "各区人民政府：" in lines
    assert compose.body_lines(document, lines) == [b["text"] for b in BLOCKS]
    event = HistoryEvent.objects.filter(document=document, action=HistoryAction.BODY).get()
    assert event.actor == o.handler_a and event.on_behalf_of is None and "第1版" in event.opinion
    assert event.task == open_task(document, o.handler_a)
    audit = AuditEvent.objects.filter(action="drafting.body.save").get()
    assert audit.target_id == str(version.pk) and audit.new["version"] == 1


def test_each_save_is_a_new_version_and_identical_blocks_are_refused(office):
    o = office
    document = new_draft(o)
    first = body.save_structured(actor=o.handler_a, document=document, blocks=BLOCKS)
    changed = [*BLOCKS, {"level": 0, "text": "特此通知。"}]
    second = body.save_structured(actor=o.handler_a, document=document, blocks=changed)
    assert (second.file_id, second.number) == (first.file_id, 2)
    assert body.version_text(first) != body.version_text(second)
    # blocks equal after cleaning (spaces, level as text) are no change
    same = [{"level": str(b["level"]), "text": f"  {b['text']} "} for b in changed]
    with refused_all("正文没有改动"):
        body.save_structured(actor=o.handler_a, document=document, blocks=same)


def test_upload_docx_is_a_new_version_with_its_text(office):
    o = office
    document = new_draft(o)
    body.save_structured(actor=o.handler_a, document=document, blocks=BLOCKS)
    data = docx_of(document.title, "各区人民政府：", "为做好防汛工作，通知如下。", "一、压实责任",
                   "示范市人民政府办公室", "2026年3月8日")
    version = body.upload_docx(actor=o.handler_a, document=document, name="防汛通知", data=data)
    document.refresh_from_db()
    assert document.body_mode == "docx" and version.number == 2
    assert version.original_name == "防汛通知.docx"
    assert VersionText.objects.get(version=version).text.splitlines()[2] == "为做好防汛工作，通知如下。"
    assert [(p.text, p.level) for p in compose.body_paragraphs(document)] == [
        ("为做好防汛工作，通知如下。", 0), ("一、压实责任", 1)]
    assert HistoryEvent.objects.filter(document=document, action=HistoryAction.BODY).count() == 2
    with refused_all("没有改动"):
        body.upload_docx(actor=o.handler_a, document=document, name="again.docx", data=data)


def test_version_text_is_extracted_for_versions_stored_without_it(office):
    o = office
    document = new_draft(o)
    version = upload_file(actor=o.handler_a, document=document, name="正文.docx", data=docx_of("第一段", "第二段"))
    assert not VersionText.objects.filter(version=version).exists()
    assert body.version_text(version) == "第一段\n第二段"
    assert VersionText.objects.get(version=version).text == "第一段\n第二段"
    pdf = upload_file(actor=o.handler_a, document=document, name="扫描.pdf", data=b"%PDF-1.4\n%%EOF\n",
                      role=DocumentFile.Role.SCAN)
    assert body.version_text(pdf) == ""


# --------------------------------------------------------------------------- who may


def test_who_may_edit_follows_the_draft(office):
    o = office
    document = new_draft(o)
    assert access.may_edit(o.handler_a, document)
    assert not access.may_edit(o.head_a, document)
    assert not access.may_edit(o.clerk, document)  # office staff may upload files, not rewrite the draft
    body.save_structured(actor=o.handler_a, document=document, blocks=BLOCKS)
    flow.send_on(open_task(document, o.handler_a).pk, actor=o.handler_a, opinion="请审核。")
    assert not access.may_edit(o.handler_a, document)
    assert access.may_edit(o.head_a, document)  # 处室审核 is a review node
    version = body.save_structured(actor=o.head_a, document=document,
                                   blocks=[*BLOCKS, {"level": 0, "text": "特此通知。"}])
    assert version.number == 2 and version.uploaded_by == o.head_a


def test_a_stand_in_edits_for_the_drafter(office):
    o = office
    document = new_draft(o)
    now = timezone.now()
    Delegation.objects.create(from_person=o.handler_a, to_person=o.handler_b, starts_at=now - timedelta(hours=1),
                              ends_at=now + timedelta(days=1), reason="出差")
    assert access.may_edit(o.handler_b, document)
    version = body.save_structured(actor=o.handler_b, document=document, blocks=BLOCKS)
    assert version.uploaded_by == o.handler_b
    event = HistoryEvent.objects.get(document=document, action=HistoryAction.BODY)
    assert event.actor == o.handler_b and event.on_behalf_of == o.handler_a


# --------------------------------------------------------------------------- refusals


def test_someone_without_the_draft_is_refused(office):
    o = office
    document = new_draft(o)
    with refused_all(exc=PermissionDenied):
        body.save_structured(actor=o.head_a, document=document, blocks=BLOCKS)
    with refused_all(exc=PermissionDenied):
        body.upload_docx(actor=o.clerk, document=document, name="正文.docx", data=docx_of("正文"))
    with refused_all(exc=NotFound):  # cannot even see it
        body.save_structured(actor=o.handler_b, document=document, blocks=BLOCKS)
    with refused_all(exc=NotFound):
        body.save_structured(actor=o.sysadmin, document=document, blocks=BLOCKS)


def test_a_closed_document_is_refused(office):
    o = office
    document = new_draft(o)
    Document.objects.filter(pk=document.pk).update(status=Status.COMPLETED)
    assert not access.may_edit(o.handler_a, document.__class__.objects.get(pk=document.pk))
    with refused_all("已办结"):
        body.save_structured(actor=o.handler_a, document=document, blocks=BLOCKS)
    with refused_all("已办结"):
        body.upload_docx(actor=o.handler_a, document=document, name="正文.docx", data=docx_of("正文"))


def test_an_incoming_document_is_refused(office):
    o = office
    document = new_draft(o)
    # the same record with an open 拟稿 task, but an incoming document
    Document.objects.filter(pk=document.pk).update(direction=Direction.INCOMING)
    document.refresh_from_db()
    assert not access.may_edit(o.handler_a, document)
    with refused_all("只有发文"):
        body.save_structured(actor=o.handler_a, document=document, blocks=BLOCKS)
    with refused_all("只有发文"):
        body.upload_docx(actor=o.handler_a, document=document, name="正文.docx", data=docx_of("正文"))


def test_a_classified_draft_has_no_electronic_body_outside_a_classified_network(office, settings):
    o = office
    o.handler_a.clearance = "秘密"  # only someone cleared for it may hold a 秘密 draft (documents.access)
    o.handler_a.save(update_fields=["clearance"])
    document = new_draft(o, secrecy="秘密", secrecy_term="1年", publicity="不予公开", publicity_reason="涉密")
    settings.CLASSIFIED_DEPLOYMENT = False
    with refused_all("不是涉密网"):  # the one refusal: documents.classified.refuse_electronic
        body.save_structured(actor=o.handler_a, document=document, blocks=BLOCKS)


def _zip_without_word() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "你好")
    return out.getvalue()


@pytest.mark.parametrize("data, message", [
    (b"", "空的"),
    (b"%PDF-1.4 not a docx", "不是 DOCX"),
    (b"PK\x03\x04broken", "不是 DOCX"),
    (_zip_without_word(), "无法读取"),
    (docx_of(), "没有任何文字"),
])
def test_a_bad_docx_is_refused(office, data, message):
    o = office
    document = new_draft(o)
    with refused_all(message):
        body.upload_docx(actor=o.handler_a, document=document, name="正文.docx", data=data)


def test_an_oversized_docx_is_refused(office, settings):
    o = office
    document = new_draft(o)
    settings.MAX_UPLOAD_BYTES = 1000
    with refused_all("文件过大"):
        body.upload_docx(actor=o.handler_a, document=document, name="正文.docx", data=docx_of("正文"))


@pytest.mark.parametrize("blocks, message", [
    ([], "不能为空"),
    ("一段文字", "段落列表"),
    ([{"level": 5, "text": "五级"}], "第1段的层次无效"),
    ([{"level": -1, "text": "负"}], "层次无效"),
    ([{"level": True, "text": "布尔"}], "层次无效"),
    ([{"level": 0, "text": "好"}, {"level": 0, "text": "  "}], "第2段是空的"),
    ([{"level": 0}], "是空的"),
    ([{"level": 0, "text": "字" * 5001}], "每段最多 5000 字"),
    ([{"level": 0, "text": "段"}] * 2001, "最多 2000 段"),
    (["不是字典"], "格式无效"),
])
def test_bad_blocks_are_refused(office, blocks, message):
    o = office
    document = new_draft(o)
    with refused_all(message):
        body.save_structured(actor=o.handler_a, document=document, blocks=blocks)


def test_limits_hold_exactly(office):
    o = office
    document = new_draft(o)
    body.save_structured(actor=o.handler_a, document=document, blocks=[{"level": 4, "text": "字" * 5000}])
    assert FileVersion.objects.filter(file__document=document).count() == 1
