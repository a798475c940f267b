"""The seal registry, sealing (C01 rule) and verification."""

from __future__ import annotations

from io import BytesIO

import pdfplumber
import pytest
from django.db import connection

from audit.models import AuditEvent
from documents import storage
from documents.models import DocumentFile
from drafting import gates
from drafting import services as drafting
from drafting.render import soffice_path
from flow.models import HistoryAction, HistoryEvent, NodeKind, TaskStatus
from gongwen import crypto
from gongwen.errors import GateClosed, NotFound, PermissionDenied
from org.models import Post, PostKind
from sealing import gates as sealing_gates
from sealing import services as sealing
from sealing.models import Seal, SealUse
from sealing.stamp import text_lines
from tests.factories import person
from tests.helpers import open_task, refused

from .chain import draft_data, seal_for, to_seal, with_body

pytestmark = pytest.mark.django_db
needs_office = pytest.mark.skipif(soffice_path() is None, reason="LibreOffice is not installed")


def sealing_rows():
    with connection.cursor() as cursor:
        rows = {}
        for model in (Seal, SealUse):
            cursor.execute(f"SELECT * FROM {model._meta.db_table} ORDER BY 1")  # noqa: S608
            rows[model._meta.db_table] = cursor.fetchall()
    return rows


class nothing_written:
    """refused() plus the sealing tables (tests.helpers.snapshot does not list them)."""

    def __init__(self, match=None, exc=Exception):
        self.inner = refused(match, exc=exc)

    def __enter__(self):
        self.before = sealing_rows()
        return self.inner.__enter__()

    def __exit__(self, *exc):
        result = self.inner.__exit__(*exc)
        assert sealing_rows() == self.before
        return result


# --- the registry ------------------------------------------------------------------------------


def test_register_seal_makes_a_key_pair_with_the_private_key_encrypted(office):
    o = office
    seal = seal_for(o)
    assert seal.keeper == o.keeper and seal.is_active and len(seal.public_key) == 130
    assert seal.private_key_encrypted.startswith("sm4:")
    private = crypto.decrypt_private(seal.private_key_encrypted)
    assert crypto.public_key_of(private) == seal.public_key
    assert AuditEvent.objects.filter(action="sealing.register", target_id=str(seal.pk)).exists()


@pytest.mark.parametrize("who, over, message, exc", [
    ("sysadmin", {}, "安全保密管理员", PermissionDenied),
    ("keeper", {}, "安全保密管理员", PermissionDenied),
    ("secadmin", {"name": " "}, "印章名称", Exception),
    ("secadmin", {"keeper": "clerk"}, "不是示范市人民政府办公室在岗的印章管理员", Exception),
    ("secadmin", {"agency": "province"}, "不是本系统内的机关", Exception),
])
def test_register_refusals_write_nothing(office, who, over, message, exc):
    o = office
    kwargs = {"agency": o.gov, "name": "示范市人民政府办公室印", "keeper": o.keeper}
    if "name" in over:
        kwargs["name"] = over["name"]
    if "keeper" in over:
        kwargs["keeper"] = getattr(o, over["keeper"])
    if "agency" in over:
        kwargs["agency"] = getattr(o, over["agency"])
    with nothing_written(message, exc=exc):
        sealing.register_seal(actor=getattr(o, who), **kwargs)


def test_same_name_twice_is_refused(office):
    o = office
    seal_for(o)
    with nothing_written("已有名为"):
        seal_for(o)


def test_change_keeper_and_deactivate(office):
    o = office
    seal = seal_for(o)
    second = person(o.gov, "曹印章", "keeper2", "seal_keeper", unit=o.office_unit)
    with nothing_written("安全保密管理员", exc=PermissionDenied):
        sealing.change_keeper(seal.pk, actor=o.director, keeper=second)
    with nothing_written("已由钱印章保管"):
        sealing.change_keeper(seal.pk, actor=o.secadmin, keeper=o.keeper)
    sealing.change_keeper(seal.pk, actor=o.secadmin, keeper=second, reason="岗位调整")
    assert Seal.objects.get(pk=seal.pk).keeper == second
    with nothing_written("停用理由"):
        sealing.deactivate_seal(seal.pk, actor=o.secadmin, reason=" ")
    sealing.deactivate_seal(seal.pk, actor=o.secadmin, reason="印章更换")
    assert not Seal.objects.get(pk=seal.pk).is_active
    with nothing_written("已停用"):
        sealing.change_keeper(seal.pk, actor=o.secadmin, keeper=o.keeper)


# --- sealing: refusals ---------------------------------------------------------------------------


def test_keeper_pressing_seal_on_an_unsigned_draft_gets_every_missing_item(office):
    o = office
    seal = seal_for(o)
    document = drafting.create_draft(actor=o.handler_a, data=draft_data(o, is_policy=True))
    with_body(document, o.handler_a)
    draft_task = open_task(document, o.handler_a)
    assert sealing.seal_check(document) == [
        "分管领导（周副市长）审核", "领导签发", "编号（发文字号）", "签发后复核"]
    # The keeper holds no task on it and cannot otherwise see it: he still learns what it lacks.
    with nothing_written("用印条件不满足，尚缺：分管领导（周副市长）审核、领导签发、编号（发文字号）、签发后复核。",
                         exc=GateClosed):
        sealing.seal_document(draft_task.pk, actor=o.keeper, seal_id=seal.pk)
    with nothing_written("尚缺", exc=GateClosed):
        sealing.seal_by_document(document.pk, actor=o.keeper, seal_id=seal.pk)
    # Someone who neither sees it nor keeps a seal: as if it did not exist.
    with nothing_written(exc=NotFound):
        sealing.seal_document(draft_task.pk, actor=o.handler_b, seal_id=seal.pk)


@needs_office
def test_signed_but_not_at_the_seal_node(office):
    """At 用印, complete in every respect, but the task is the keeper's, not the clerk's."""
    o = office
    seal = seal_for(o)
    document = to_seal(o)
    assert sealing.seal_check(document) == []
    task = open_task(document, o.keeper)
    assert task.node_kind == NodeKind.SEAL
    with nothing_written("须由印章保管人本人用印", exc=PermissionDenied):
        sealing.seal_by_document(document.pk, actor=o.clerk, seal_id=seal.pk)


def test_complete_document_not_yet_at_the_seal_node(office):
    o = office
    seal = seal_for(o)
    document = drafting.create_draft(actor=o.handler_a, data=draft_data(o))
    with_body(document, o.handler_a)
    from flow import services as flow

    flow.send_on(open_task(document, o.handler_a).pk, actor=o.handler_a, opinion="请审核。")
    flow.send_on(open_task(document, o.head_a).pk, actor=o.head_a, opinion="同意。")
    flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="已核。")
    flow.send_on(open_task(document, o.director).pk, actor=o.director, opinion="请签发。")
    drafting.sign_off(open_task(document, o.leader_a).pk, actor=o.leader_a, opinion="同意印发。")
    flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="已复核。")
    number = open_task(document, o.clerk)
    from .chain import series_for

    drafting.number(number.pk, actor=o.clerk, series_id=series_for(o).pk)
    document.refresh_from_db()
    assert sealing.seal_check(document) == []  # numbered, rechecked, signed — but still at 编号
    with nothing_written("尚未送到用印环节"):
        sealing.seal_document(number.pk, actor=o.keeper, seal_id=seal.pk)


@needs_office
def test_wrong_seal_inactive_seal_and_not_the_keeper(office):
    o = office
    seal = seal_for(o)
    other_keeper = person(o.other_gov, "财印章", "fin_keeper", "seal_keeper")
    foreign = sealing.register_seal(actor=o.secadmin, agency=o.other_gov, name="示范市财政局印", keeper=other_keeper)
    second = person(o.gov, "曹印章", "keeper2", "seal_keeper", unit=o.office_unit)
    spare = sealing.register_seal(actor=o.secadmin, agency=o.gov, name="示范市人民政府办公室印（二）", keeper=second)
    document = to_seal(o)
    task = open_task(document, o.keeper)
    with nothing_written("不能用于示范市人民政府办公室的公文"):
        sealing.seal_document(task.pk, actor=o.keeper, seal_id=foreign.pk)
    with nothing_written("由曹印章保管", exc=PermissionDenied):
        sealing.seal_document(task.pk, actor=o.keeper, seal_id=spare.pk)
    sealing.deactivate_seal(seal.pk, actor=o.secadmin, reason="印章更换")
    with nothing_written("已停用"):
        sealing.seal_document(task.pk, actor=o.keeper, seal_id=seal.pk)
    with nothing_written("未找到该印章", exc=NotFound):
        sealing.seal_document(task.pk, actor=o.keeper, seal_id=999999)
    assert Post.objects.filter(person=o.keeper, kind=PostKind.SEAL_KEEPER).exists()


# --- sealing: success ---------------------------------------------------------------------------


def seal_over_date(pdf: bytes, date_text: str) -> bool:
    """Whether a picture (the seal) covers the centre of the 成文日期 line (a line of its own)."""
    with pdfplumber.open(BytesIO(pdf)) as doc:
        for page in doc.pages:
            for line in text_lines(page):
                if "".join(c["text"] for c in line) == date_text:
                    cx = (line[0]["x0"] + line[-1]["x1"]) / 2
                    cy = (line[0]["top"] + line[0]["bottom"]) / 2
                    return any(im["x0"] <= cx <= im["x1"] and im["top"] <= cy <= im["bottom"] for im in page.images)
    raise AssertionError(f"no line {date_text}")


@needs_office
def test_sealing_writes_the_ledger_the_sealed_final_and_a_valid_signature(office):
    o = office
    seal = seal_for(o)
    document = to_seal(o)
    task = open_task(document, o.keeper)
    use = sealing.seal_document(task.pk, actor=o.keeper, seal_id=seal.pk, note="存档1份")
    document.refresh_from_db()
    assert use.doc_number == document.doc_number and use.title == document.title
    assert use.signers == "周副市长" and use.copies == document.copies and use.used_by == o.keeper
    assert use.signoff_ids == list(gates.valid_signoffs(document).values_list("pk", flat=True))
    final = use.final_version
    assert final.file.role == DocumentFile.Role.FINAL and final.content_type == "application/pdf"
    assert final.number == 2  # the unsealed 成品 first, then the sealed one
    data = storage.read(final.storage_path, final.sha256)
    assert crypto.sm3_hex(data) == use.sm3
    assert crypto.verify(seal.public_key, bytes.fromhex(use.sm3), use.signature)
    # the seal is on the 成文日期
    from drafting.compose import cn_date

    unsealed = storage.read(final.file.versions.get(number=1).storage_path, final.file.versions.get(number=1).sha256)
    date_text = cn_date(document.issued_on)
    assert seal_over_date(data, date_text) and not seal_over_date(unsealed, date_text)
    # history, audit, and the document moved on to 分发
    assert HistoryEvent.objects.filter(document=document, action=HistoryAction.SEAL, actor=o.keeper).exists()
    assert AuditEvent.objects.filter(action="sealing.seal", target_id=str(use.pk)).exists()
    assert task.__class__.objects.get(pk=task.pk).status == TaskStatus.DONE
    assert open_task(document, o.clerk).node_kind == NodeKind.DISPATCH
    assert sealing_gates.sealed(document, None) is None
    # verification
    assert sealing.verify(use, data) == {
        "intact": True, "sm3": use.sm3, "expected_sm3": use.sm3, "signature_valid": True,
        "message": "文件完好：与用印时的成品一致，电子签名有效。", "seal_use": use, "found": True, "current": True}
    assert sealing.find_and_verify(data)["seal_use"] == use


@needs_office
def test_a_single_changed_byte_is_detected(office):
    o = office
    seal = seal_for(o)
    document = to_seal(o)
    use = sealing.seal_document(open_task(document, o.keeper).pk, actor=o.keeper, seal_id=seal.pk)
    data = bytearray(storage.read(use.final_version.storage_path, use.final_version.sha256))
    data[len(data) // 2] ^= 0x01
    result = sealing.verify(use, bytes(data))
    assert result["intact"] is False and result["signature_valid"] is False
    assert result["message"] == "文件已被修改：摘要与用印记录不一致。"
    assert result["sm3"] != use.sm3
    found = sealing.find_and_verify(bytes(data))
    assert found["found"] is False and found["intact"] is False and "没有与该文件摘要一致的用印记录" in found["message"]


def test_signature_tampered_in_the_record_is_not_intact(office):
    o = office
    seal = seal_for(o)
    use = SealUse(seal=seal, sm3=crypto.sm3_hex(b"%PDF-x"), signature="0" * 128)
    result = sealing.verify(use, b"%PDF-x")
    assert result["intact"] is False and result["signature_valid"] is False and "签名无效" in result["message"]
