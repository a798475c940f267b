"""清样 and 成品: rendered, stored as new versions (PDF and DOCX), by whom."""

import pytest

from audit.models import AuditEvent
from documents import storage
from documents.models import DocumentFile
from drafting import output
from drafting import services as drafting
from drafting.render import soffice_path
from flow import services as flow
from flow.models import HistoryAction, HistoryEvent
from gongwen.errors import NotFound, PermissionDenied
from sealing.tests.chain import draft_data, series_for, with_body
from tests.helpers import open_task, refused

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(soffice_path() is None, reason="LibreOffice is not installed")]


def to_proof(o):
    """A policy document up to the 清样审核 node (the drafter's)."""
    document = drafting.create_draft(actor=o.handler_a, data=draft_data(o, is_policy=True))
    with_body(document, o.handler_a)
    flow.send_on(open_task(document, o.handler_a).pk, actor=o.handler_a, opinion="请审核。")
    flow.send_on(open_task(document, o.head_a).pk, actor=o.head_a, opinion="同意。")
    flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="初核无误。")
    flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="复核无误。")
    flow.send_on(open_task(document, o.director).pk, actor=o.director, opinion="请周副市长审核。")
    flow.send_on(open_task(document, o.leader_a).pk, actor=o.leader_a, opinion="同意，请签发。",
                 next_assignees=[o.leader_a])
    drafting.sign_off(open_task(document, o.leader_a).pk, actor=o.leader_a, opinion="同意印发。")
    flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="已复核。")
    number = open_task(document, o.clerk)
    drafting.number(number.pk, actor=o.clerk, series_id=series_for(o).pk)
    flow.send_on(number.pk, actor=o.clerk, opinion="已编号。")
    document.refresh_from_db()
    return document


def test_proof_by_the_drafter_at_the_proof_node_then_final_by_the_secretary(office):
    o = office
    document = to_proof(o)
    assert open_task(document, o.handler_a).activation.node_key == "proof"
    with refused("成品审核或用印环节", exc=PermissionDenied):
        output.make_copy(document.pk, actor=o.handler_a, kind="final")
    proof = output.make_copy(document.pk, actor=o.handler_a, kind="proof")
    assert proof.file.role == DocumentFile.Role.PROOF and proof.content_type == "application/pdf"
    assert storage.read(proof.storage_path, proof.sha256).startswith(b"%PDF-")
    assert proof.docx_version.file.role == DocumentFile.Role.PROOF and proof.docx_version.file != proof.file
    assert isinstance(proof.warnings, list)
    again = output.make_copy(document.pk, actor=o.handler_a, kind="proof")
    assert again.file == proof.file and again.number == 2  # a new version, never overwritten
    assert output.latest_pdf(document, "proof") == again
    event = HistoryEvent.objects.filter(document=document, action=HistoryAction.RENDER).latest("id")
    assert "生成清样" in event.opinion and event.actor == o.handler_a
    assert AuditEvent.objects.filter(action="drafting.proof", target_id=str(again.pk)).exists()
    flow.send_on(open_task(document, o.handler_a).pk, actor=o.handler_a, opinion="清样无误。")
    final = output.make_copy(document.pk, actor=o.secretary, kind="final")
    assert final.file.role == DocumentFile.Role.FINAL and final.file.name.startswith(document.doc_number)


def test_who_may_not_and_what_may_not(office):
    o = office
    document = drafting.create_draft(actor=o.handler_a, data=draft_data(o))
    with refused("尚无正文"):
        output.make_copy(document.pk, actor=o.clerk, kind="proof")
    with_body(document, o.handler_a)
    with refused("尚未编号"):
        output.make_copy(document.pk, actor=o.clerk, kind="final")
    with refused("只能生成清样或成品"):
        output.make_copy(document.pk, actor=o.clerk, kind="draft")
    with refused("只有办公室人员", exc=PermissionDenied):
        output.make_copy(document.pk, actor=o.leader_a, kind="proof")
    with refused(exc=NotFound):
        output.make_copy(document.pk, actor=o.leader_b, kind="proof")


def test_without_libreoffice_the_chinese_converter_error(office, monkeypatch):
    from drafting import render

    o = office
    document = drafting.create_draft(actor=o.handler_a, data=draft_data(o))
    with_body(document, o.handler_a)
    monkeypatch.setattr(render, "soffice_path", lambda: None)
    with refused("未安装 LibreOffice", exc=render.ConverterMissing):
        output.make_copy(document.pk, actor=o.clerk, kind="proof")
