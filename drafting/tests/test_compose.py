"""A saved outgoing document composed into the renderer's and the checker's inputs."""

from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document as Docx

from documents import storage
from documents.models import (
    Direction,
    Document,
    DocumentFile,
    FileVersion,
    JointIssuer,
    Recipient,
    SlipKind,
    WritingDirection,
)
from drafting import checks, compose
from drafting.models import SignOff, VersionText
from drafting.render import render_docx

pytestmark = pytest.mark.django_db


def outgoing(office, **values) -> Document:
    defaults = dict(agency=office.gov, direction=Direction.OUTGOING, slip_kind=SlipKind.ROUTINE, doc_type="通知",
                    title="示范市人民政府办公室关于做好防汛工作的通知", drafted_by=office.handler_a,
                    lead_unit=office.div_a, writing_direction=WritingDirection.DOWN, body_mode="structured",
                    body_blocks=[{"level": 0, "text": "为做好今年防汛工作，现就有关事项通知如下。"},
                                 {"level": 1, "text": "一、加强组织领导"},
                                 {"level": 0, "text": "各单位要落实防汛责任。"}])
    defaults.update(values)
    return Document.objects.create(**defaults)


def recipients(document, main=(), copy=()):
    for i, name in enumerate(main):
        Recipient.objects.create(document=document, kind=Recipient.Kind.MAIN, name=name, position=i)
    for i, name in enumerate(copy):
        Recipient.objects.create(document=document, kind=Recipient.Kind.COPY, name=name, position=i)


def body_version(document, data: bytes, person, text: str | None = None) -> FileVersion:
    sha, rel = storage.store(data)
    file = document.files.filter(role=DocumentFile.Role.BODY).first() or DocumentFile.objects.create(
        document=document, role=DocumentFile.Role.BODY, name="正文.docx")
    number = file.versions.count() + 1
    version = FileVersion.objects.create(
        file=file, number=number, original_name="正文.docx", size=len(data), sha256=sha, storage_path=rel,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document", uploaded_by=person)
    if text is not None:
        VersionText.objects.create(version=version, text=text)
    return version


def docx_of(*paragraphs: str) -> bytes:
    doc = Docx()
    for p in paragraphs:
        doc.add_paragraph(p)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_recipient_texts_keep_their_order(office):
    doc = outgoing(office)
    recipients(doc, main=["各区人民政府", "市政府各部门"], copy=["市委办公室", "市人大常委会办公室"])
    assert compose.main_recipients_text(doc) == "各区人民政府、市政府各部门"
    assert compose.copy_recipients_text(doc) == "市委办公室、市人大常委会办公室"
    assert compose.main_recipients_text(outgoing(office)) == ""


def test_render_input_of_a_downward_notice(office):
    doc = outgoing(office, doc_number="示府办发〔2026〕5号", issued_on=date(2026, 3, 8), urgency="特急",
                   attachments_note="附件：1. 防汛责任人名单\n2. 值班安排表")
    recipients(doc, main=["各区人民政府", "市政府各部门"], copy=["市委办公室", "市人大常委会办公室"])
    data = compose.render_input(doc)
    assert data.agency_mark == "示范市人民政府办公室"
    assert data.joint_agencies == []
    assert data.mark_suffix == "文件" and data.kind == "file"
    assert data.title == doc.title and data.doc_number == "示府办发〔2026〕5号"
    assert data.main_recipients == "各区人民政府、市政府各部门："
    assert [(p.text, p.level) for p in data.body] == [
        ("为做好今年防汛工作，现就有关事项通知如下。", 0), ("一、加强组织领导", 1), ("各单位要落实防汛责任。", 0)]
    assert [a.name for a in data.attachments] == ["防汛责任人名单", "值班安排表"]
    assert all(a.paragraphs == [] for a in data.attachments)
    assert data.issuing_agency == "示范市人民政府办公室"
    assert data.date == "2026年3月8日" and data.printing_date == "2026年3月8日"
    assert data.urgency == "特急" and data.secrecy == "" and data.copy_number == ""
    assert data.upward is False and data.signers == []
    assert data.cc == "市委办公室，市人大常委会办公室"
    # an agency that is itself an office prints under its own name
    assert data.printing_agency == "示范市人民政府办公室"
    render_docx(data)  # the renderer takes it


def test_dates_are_not_padded_and_empty_before_signing(office):
    assert compose.render_input(outgoing(office)).date == ""
    assert compose.render_input(outgoing(office, issued_on=date(2026, 11, 2))).date == "2026年11月2日"


def test_secrecy_copy_number_and_layout(office):
    doc = outgoing(office, secrecy="秘密", secrecy_term="1年", copy_number="000007", layout="order")
    data = compose.render_input(doc)
    assert data.secrecy == "秘密★1年" and data.copy_number == "000007"
    assert data.kind == "order" and data.mark_suffix == "令"
    assert compose.render_input(doc, copy_number="000123").copy_number == "000123"


def test_printing_agency_is_the_office_of_a_department(office):
    doc = outgoing(office, agency=office.dept, drafted_by=office.dept_clerk, lead_unit=None)
    assert compose.printing_agency(doc) == "示范市交通运输局办公室"
    doc = outgoing(office, agency=office.enterprise, drafted_by=None, lead_unit=None)
    assert compose.printing_agency(doc) == "示范市城市建设投资集团有限公司"


def test_joint_document_lists_the_agencies_in_order(office):
    doc = outgoing(office, is_joint=True)
    JointIssuer.objects.create(document=doc, agency=office.other_gov, position=2)
    JointIssuer.objects.create(document=doc, agency=office.dept, position=1)
    data = compose.render_input(doc)
    assert data.agency_mark == "示范市人民政府办公室"
    assert data.joint_agencies == ["示范市交通运输局", "示范市财政局"]
    assert data.issuing_agency == "示范市人民政府办公室　示范市交通运输局　示范市财政局"


def test_upward_document_carries_the_signers_valid_for_the_current_body(office):
    doc = outgoing(office, doc_type="请示", title="示范市人民政府办公室关于申请防汛经费的请示",
                   writing_direction=WritingDirection.UP, is_joint=True)
    JointIssuer.objects.create(document=doc, agency=office.dept, position=1)
    old = body_version(doc, docx_of("旧稿"), office.handler_a, "旧稿")
    new = body_version(doc, docx_of("新稿"), office.handler_a, "新稿")
    common = dict(document=doc, opinion="同意", signed_on=date(2026, 3, 8), recorded_by=office.secretary)
    SignOff.objects.create(agency=office.gov, signer=office.leader_a, signer_name="周副市长", body_version=old,
                           **common)
    SignOff.objects.create(agency=office.gov, signer=office.principal, signer_name="陈市长", is_principal=True,
                           body_version=new, **common)
    SignOff.objects.create(agency=office.gov, signer=office.leader_a, signer_name="周副市长", body_version=new,
                           **common)
    SignOff.objects.create(kind=SignOff.Kind.JOINT, agency=office.dept, signer_name="沈局长", body_version=new,
                           **common)
    data = compose.render_input(doc)
    assert data.upward is True
    assert data.signers == ["陈市长", "沈局长"]
    assert compose.check_fields(doc)["signer"] == "陈市长、沈局长"
    # the body changed after sign-off: nobody has signed this version
    body_version(doc, docx_of("再改"), office.handler_a, "再改")
    assert compose.render_input(doc).signers == []


def test_a_signer_entered_by_hand_without_signoffs(office):
    doc = outgoing(office, writing_direction=WritingDirection.UP, signer="陈市长")
    assert compose.render_input(doc).signers == ["陈市长"]
    doc.writing_direction = WritingDirection.DOWN
    assert compose.render_input(doc).signers == []


def test_body_from_a_complete_docx_keeps_only_the_body(office):
    doc = outgoing(office, body_mode="docx", body_blocks=[])
    lines = ["示范市人民政府办公室文件", "示府办发〔2026〕5号", doc.title, "各区人民政府：",
             "为做好今年防汛工作，现就有关事项通知如下。", "一、加强组织领导", "（一）落实责任",
             "附件：防汛责任人名单", "示范市人民政府办公室", "2026年3月8日", "抄送：市委办公室。"]
    body_version(doc, docx_of(*lines), office.handler_a)  # no VersionText yet: extracted on demand
    body = compose.body_paragraphs(doc)
    assert [(p.text, p.level) for p in body] == [
        ("为做好今年防汛工作，现就有关事项通知如下。", 0), ("一、加强组织领导", 1), ("（一）落实责任", 2)]
    assert VersionText.objects.filter(version=compose.current_body(doc)).exists()


def test_body_from_a_docx_of_the_body_only(office):
    doc = outgoing(office, body_mode="docx", body_blocks=[])
    body_version(doc, docx_of("为做好今年防汛工作，现就有关事项通知如下。", "1.加强值班"), office.handler_a)
    assert [(p.text, p.level) for p in compose.body_paragraphs(doc)] == [
        ("为做好今年防汛工作，现就有关事项通知如下。", 0), ("1.加强值班", 3)]


def test_current_body_is_the_newest_version(office):
    doc = outgoing(office)
    assert compose.current_body(doc) is None
    body_version(doc, docx_of("一"), office.handler_a)
    second = body_version(doc, docx_of("二"), office.handler_a)
    assert compose.current_body(doc) == second
    assert compose.body_paragraphs(outgoing(office, body_mode="docx", body_blocks=[])) == []


def test_the_rendered_structured_body_reads_back(office):
    doc = outgoing(office, doc_number="示府办发〔2026〕5号", issued_on=date(2026, 3, 8))
    recipients(doc, main=["各区人民政府"])
    data = render_docx(compose.render_input(doc))
    lines = checks.docx_paragraphs(data)
    assert compose.body_lines(doc, lines) == [b["text"] for b in doc.body_blocks]


def test_check_fields(office):
    doc = outgoing(office, doc_number="示府办发〔2026〕5号", issued_on=date(2026, 3, 8), secrecy="秘密",
                   copy_number="000001", attachments_note="附件：防汛责任人名单")
    recipients(doc, main=["各区人民政府", "市政府各部门"], copy=["市委办公室"])
    fields = compose.check_fields(doc)
    assert fields == {
        "doc_type": "通知", "title": doc.title, "main_to": "各区人民政府、市政府各部门：", "copy_to": "市委办公室。",
        "number": "示府办发〔2026〕5号", "signer": "", "date": "2026年3月8日", "direction": "down",
        "secrecy": "秘密", "copy_number": "000001", "attachment_note": ["附件：防汛责任人名单"],
        "body": [b["text"] for b in doc.body_blocks]}
    assert compose.findings(doc) == []


def test_findings_leave_out_what_later_steps_fill_in(office):
    doc = outgoing(office, doc_type="请示", title="示范市人民政府办公室关于申请防汛经费的请示",
                   writing_direction=WritingDirection.UP,
                   body_blocks=[{"level": 0, "text": "为做好防汛工作，申请经费。"}, {"level": 0, "text": "妥否，请批示。"}])
    recipients(doc, main=["示范省人民政府办公厅"], copy=["示范市公路管理局"])
    rules = {f.rule for f in compose.findings(doc)}
    assert "routing.signer" not in rules and not any(r.startswith("number.") for r in rules)
    # 抄送 a subordinate of the issuing agency? The bureau's parent is the department, not us.
    assert "routing.copy_subordinate" not in rules
    doc.agency = office.dept
    doc.save()
    rules = {f.rule for f in compose.findings(doc)}
    assert "routing.copy_subordinate" in rules
    # once signed, a missing signer is a finding again and a bad number is reported
    doc.doc_number = "示交[2026]05号"
    doc.signer = "沈局长"
    doc.save()
    rules = {f.rule for f in compose.findings(doc)}
    assert "number.brackets" in rules
    assert "routing.signer" not in rules


def test_findings_report_real_faults(office):
    doc = outgoing(office, body_blocks=[{"level": 1, "text": "一、总体要求"}, {"level": 1, "text": "三、工作措施"}])
    rules = [f.rule for f in compose.findings(doc)]
    assert rules == ["heading.sequence"]
