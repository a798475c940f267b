"""外部交换包 (exchange.packages.services): export on one agency, import on another, and every way a
package is refused.

Setting up: the outgoing document of o.gov is built as exchange/tests/test_dispatch.py
builds it (its state before 分发 written directly, the process entered at 分发 through
flow.services.start_process with done_nodes), but its seal is registered through
sealing.services.register_seal so it has an SM2 key pair, and its only recipient is
o.province (outside the deployment). Dispatching it writes the outside Delivery the
package is tied to. For the round trip o.dept plays the agency outside: the security
administrator registers o.gov's seal public key as trusted for packages signed by o.gov,
and o.dept's clerk imports.

A refused import records one thing on purpose — the ExchangePackage row with status
refused and its audit event — so the refusal tests compare snapshots and expect exactly
the tables exchange_exchangepackage, audit_auditevent and audit_audithead to differ; the
row is then checked to be the refusal record with the message and no stored content.
"""

import hashlib
import io
import json
import zipfile
from datetime import date

import pytest

from audit.models import AuditEvent
from deadlines.models import Notification
from documents import services as document_services
from documents import storage
from documents.models import Direction, Document, DocumentFile, FileVersion, Recipient, SlipKind
from exchange.models import Delivery, ExchangePackage, TrustedKey
from exchange.packages import services as packages
from exchange.services import dispatch
from flow import services as flow
from flow.models import NodeKind
from gongwen import crypto
from gongwen.errors import DomainError, NotFound, PermissionDenied
from sealing import services as sealing
from sealing.models import SealUse
from tests.helpers import diff, open_task, refused, snapshot

NUMBER = "示府办函〔2026〕9号"
FINAL_PDF = b"%PDF-1.7\n% sealed final for the outside\n%%EOF\n"
BODY_PDF = b"%PDF-1.7\n% body for the outside\n%%EOF\n"
ATTACHMENT_PDF = b"%PDF-1.7\n% attachment: checklist\n%%EOF\n"
BEFORE_DISPATCH = ("draft", "review", "sign_off", "recheck", "number", "seal")
REFUSAL_TABLES = {ExchangePackage._meta.db_table, AuditEvent._meta.db_table, "audit_audithead"}


def make_outgoing(o, *, dispatched=True, with_seal=True, main_by_name=""):
    """The 函 to the province, sealed at 分发 (``main_by_name``: its main recipient a name
    typed in instead, before 用印 — a change after it would void the seal)."""
    doc = Document.objects.create(
        agency=o.gov, direction=Direction.OUTGOING, slip_kind=SlipKind.ROUTINE, doc_type="函",
        title="关于商请协助做好跨省道路养护工作的函", drafted_by=o.handler_a, lead_unit=o.div_a, doc_number=NUMBER,
        signer="周副市长", issued_on=date(2026, 3, 8), writing_direction="parallel", pages=2,
        attachments_note="1. 养护路段清单", remarks="联系人：孙科员", urgency="加急", layout="letter")
    Recipient.objects.create(document=doc, kind=Recipient.Kind.MAIN, agency=None if main_by_name else o.province,
                             name=main_by_name or o.province.name)
    document_services.upload_file(actor=o.clerk, document=doc, name="正文.pdf", data=BODY_PDF,
                                  role=DocumentFile.Role.BODY)
    final = document_services.upload_file(actor=o.clerk, document=doc, name="成品.pdf", data=FINAL_PDF,
                                          role=DocumentFile.Role.FINAL)
    document_services.upload_file(actor=o.clerk, document=doc, name="附件1 养护路段清单.pdf", data=ATTACHMENT_PDF,
                                  role=DocumentFile.Role.ATTACHMENT)
    if with_seal:
        seal = sealing.register_seal(actor=o.secadmin, agency=o.gov, name="示范市人民政府办公室印", keeper=o.keeper)
    else:
        from sealing.models import Seal

        seal = Seal.objects.create(agency=o.gov, name="示范市人民政府办公室印", keeper=o.keeper)
    SealUse.objects.create(seal=seal, document=doc, doc_number=NUMBER, title=doc.title, signers="周副市长",
                           used_by=o.keeper, **sealing.seal_binding(doc, final))
    flow.start_process(doc, actor=o.clerk, done_nodes=BEFORE_DISPATCH)
    if dispatched:
        task = open_task(doc, o.clerk)
        assert task.node_kind == NodeKind.DISPATCH
        dispatch(task.pk, actor=o.clerk)
    doc.refresh_from_db()
    return doc


def trust_gov(o) -> TrustedKey:
    seal = packages.signing_seal(o.gov)
    return packages.register_key(actor=o.secadmin, agency=o.gov, public_key=seal.public_key, note="测试：对方核对")


def zip_bytes(package: ExchangePackage) -> bytes:
    return storage.read(package.storage_path, package.sha256)


def members_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def rezip(members: dict[str, bytes], extra_infos=()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
        for info, data in extra_infos:
            z.writestr(info, data)
    return buffer.getvalue()


@pytest.fixture
def exported(office):
    o = office
    doc = make_outgoing(o)
    return doc, packages.export_package(doc, o.clerk)


def refused_import(o, data, match, name="包.zip"):
    """Import that must be refused: only the refusal record (and its audit) is written."""
    before = snapshot()
    documents_before = Document.objects.count()
    with pytest.raises(DomainError, match=match) as info:
        packages.import_package(o.dept, o.dept_clerk, name, data)
    after = snapshot()
    assert set(diff(before, after)) == REFUSAL_TABLES, diff(before, after)
    assert Document.objects.count() == documents_before
    record = ExchangePackage.objects.order_by("-id").first()
    assert (record.direction, record.status, record.agency, record.document, record.storage_path) == (
        ExchangePackage.Direction.IMPORT, ExchangePackage.Status.REFUSED, o.dept, None, "")
    assert record.message == info.value.message and record.sha256 == hashlib.sha256(data).hexdigest()
    assert AuditEvent.objects.filter(action="exchange.package_refused", target_id=str(record.pk)).exists()
    return info.value


# --- export ----------------------------------------------------------------------------------


def test_export_builds_a_signed_package_tied_to_the_outside_delivery(office, exported):
    o = office
    doc, package = exported
    delivery = Delivery.objects.get(document=doc)
    assert delivery.channel == Delivery.Channel.OUTSIDE
    assert (package.direction, package.status, package.agency, package.document, package.delivery) == (
        ExchangePackage.Direction.EXPORT, ExchangePackage.Status.OK, o.gov, doc, delivery)
    assert package.counterpart == o.province.name and package.by == o.clerk
    assert package.name == f"{NUMBER}交换包.zip"
    data = zip_bytes(package)
    assert hashlib.sha256(data).hexdigest() == package.sha256 and len(data) == package.size
    members = members_of(data)
    assert set(members) == {"metadata.json", "history.json", "signature.json",
                            "files/01.pdf", "files/02.pdf", "files/03.pdf"}
    metadata = json.loads(members["metadata.json"])
    for element in packages.ELEMENTS:
        assert element in metadata, element
    assert (metadata["发文字号"], metadata["标题"], metadata["签发人"], metadata["成文日期"], metadata["紧急程度"]) == (
        NUMBER, doc.title, "周副市长", "2026年3月8日", "加急")
    assert (metadata["文种"], metadata["页数"], metadata["主送机关"], metadata["附件说明"], metadata["附注"]) == (
        "函", 2, o.province.name, "1. 养护路段清单", "联系人：孙科员")
    assert metadata["发文机关标志"] == metadata["发文机关署名"] == o.gov.name  # 信函格式: no “文件”
    assert metadata["印发机关和印发日期"].endswith("印发") and metadata["密级和保密期限"] == ""
    assert [(f["角色"], f["文件名"], f["格式"], f["大小"]) for f in metadata["文件"]] == [
        ("成品", "成品.pdf", "PDF", len(FINAL_PDF)), ("正文", "正文.pdf", "PDF", len(BODY_PDF)),
        ("附件", "附件1 养护路段清单.pdf", "PDF", len(ATTACHMENT_PDF))]
    for f in metadata["文件"]:
        assert hashlib.sha256(members[f["路径"]]).hexdigest() == f["SHA-256"]
    history = json.loads(members["history.json"])
    assert history and {"时间", "办理人", "动作", "环节", "意见"} <= set(history[-1])
    assert "分发" in [h["动作"] for h in history] and "王文书" in [h["办理人"] for h in history]
    # The signature: the agency's seal key over the SM3 digest of the canonical manifest.
    signature = json.loads(members["signature.json"])
    seal = packages.signing_seal(o.gov)
    assert (signature["签名方"], signature["公钥"], signature["公钥指纹"]) == (
        o.gov.name, seal.public_key, package.key_fingerprint)
    digest = crypto.sm3_digest(packages.manifest(members, metadata))
    assert signature["清单摘要"] == digest.hex()
    assert crypto.verify(seal.public_key, digest, signature["签名"])
    assert AuditEvent.objects.filter(action="exchange.package_export", target_id=str(package.pk)).exists()


def test_export_refusals_write_nothing(office):
    o = office
    doc = make_outgoing(o)
    with refused("办公室人员", PermissionDenied):
        packages.export_package(doc, o.head_a)  # sees the document (its lead unit), not office staff
    with refused(exc=NotFound):
        packages.export_package(doc, o.outsider)  # another agency: looks missing
    with refused("管理员", PermissionDenied):
        packages.export_package(doc, o.secadmin)


def test_export_refused_without_a_seal_key(office):
    o = office
    doc = make_outgoing(o, with_seal=False)
    with refused("没有已登记密钥的启用电子印章"):
        packages.export_package(doc, o.clerk)


def test_export_refused_for_a_classified_document(office, settings):
    o = office
    doc = make_outgoing(o, dispatched=False)
    Document.objects.filter(pk=doc.pk).update(secrecy="秘密", secrecy_term="1年")
    doc.refresh_from_db()
    o.clerk.clearance = "秘密"  # who holds it must be cleared to see it at all (else: 404)
    o.clerk.save(update_fields=["clearance"])
    with refused("秘密件.*不得导出外部交换包"):
        packages.export_package(doc, o.clerk)
    settings.CLASSIFIED_DEPLOYMENT = True  # even on a classified network: the package leaves it
    with refused("离开本网络"):
        packages.export_package(doc, o.clerk)


def test_export_refused_before_sealing(office):
    o = office
    doc = make_outgoing(o, dispatched=False)
    SealUse.objects.filter(document=doc).delete()
    with refused("尚未编号用印"):
        packages.export_package(doc, o.clerk)


# --- round trip ------------------------------------------------------------------------------


def test_round_trip_export_on_gov_import_on_dept(office, exported):
    o = office
    doc, exported_package = exported
    trust_gov(o)
    data = zip_bytes(exported_package)
    package = packages.import_package(o.dept, o.dept_clerk, "来自市政府的交换包.zip", data)

    assert (package.direction, package.status, package.agency, package.counterpart, package.signer) == (
        ExchangePackage.Direction.IMPORT, ExchangePackage.Status.OK, o.dept, o.gov.name, o.gov.name)
    assert package.sha256 == exported_package.sha256 and package.key_fingerprint == exported_package.key_fingerprint
    incoming = package.document
    # The elements came across.
    assert (incoming.agency, incoming.direction, incoming.sender, incoming.sender_name) == (
        o.dept, Direction.INCOMING, o.gov, o.gov.name)
    assert (incoming.title, incoming.doc_number, incoming.doc_type, incoming.signer, incoming.issued_on) == (
        doc.title, NUMBER, "函", "周副市长", date(2026, 3, 8))
    assert (incoming.urgency, incoming.pages, incoming.attachments_note, incoming.remarks, incoming.main_recipients) == (
        "加急", 2, "1. 养护路段清单", "联系人：孙科员", o.province.name)
    assert incoming.slip_kind == SlipKind.RELAY  # the city government writing to a department
    # The files: same roles, names and digests as the sender's, byte for byte.
    sent = {(v.file.role, v.original_name, v.sha256) for v in packages._versions(doc)}
    got = {(v.file.role, v.original_name, v.sha256)
           for v in FileVersion.objects.filter(file__document=incoming).select_related("file")}
    assert got == sent
    for version in FileVersion.objects.filter(file__document=incoming):
        assert hashlib.sha256(storage.read(version.storage_path, version.sha256)).hexdigest() == version.sha256
    # The history and metadata, as the sender exported them, are kept with the package.
    sent_contents, got_contents = packages.contents(exported_package), packages.contents(package)
    assert got_contents["history"] == sent_contents["history"] and got_contents["metadata"] == sent_contents["metadata"]
    # Waiting at 签收 for the receiving clerk, who is told.
    task = open_task(incoming, o.dept_clerk)
    # A limit, or, when it would end in a year whose calendar is not entered yet (31 December),
    # 时限待定 with that year: never neither, never both.
    assert task.node_kind == NodeKind.SIGN_FOR and (task.due_at is None) == (task.due_pending_year is not None)
    assert Notification.objects.filter(recipient=o.dept_clerk, document=incoming).exists()
    assert AuditEvent.objects.filter(action="exchange.package_import", target_id=str(package.pk)).exists()
    # The same package twice is refused (and recorded).
    refused_import(o, data, "已导入过")


# --- refused imports -------------------------------------------------------------------------


def test_flipped_byte_in_a_file_is_refused_with_the_digest_message(office, exported):
    o = office
    _doc, package = exported
    trust_gov(o)
    members = members_of(zip_bytes(package))
    body = bytearray(members["files/02.pdf"])
    body[12] ^= 0x01
    members["files/02.pdf"] = bytes(body)
    refused_import(o, rezip(members), "文件“正文.pdf”的摘要不符，包已被篡改")


def test_flipped_byte_in_the_raw_zip_is_refused(office, exported):
    o = office
    _doc, package = exported
    trust_gov(o)
    data = bytearray(zip_bytes(package))
    data[40] ^= 0x01  # inside the first member's compressed data
    refused_import(o, bytes(data), "篡改|损坏|不是有效的交换包")


def test_flipped_byte_in_the_signature_is_refused(office, exported):
    o = office
    _doc, package = exported
    trust_gov(o)
    members = members_of(zip_bytes(package))
    signature = json.loads(members["signature.json"])
    value = signature["签名"]
    signature["签名"] = value[:10] + ("0" if value[10] != "0" else "1") + value[11:]
    members["signature.json"] = json.dumps(signature, ensure_ascii=False).encode()
    refused_import(o, rezip(members), "签名无效")


def test_changed_metadata_is_refused_as_signature_invalid(office, exported):
    o = office
    _doc, package = exported
    trust_gov(o)
    members = members_of(zip_bytes(package))
    metadata = json.loads(members["metadata.json"])
    metadata["标题"] = metadata["标题"].replace("协助", "拨付")
    members["metadata.json"] = json.dumps(metadata, ensure_ascii=False, indent=2).encode()
    refused_import(o, rezip(members), "签名无效")
    # A changed history is covered too.
    members = members_of(zip_bytes(package))
    history = json.loads(members["history.json"])
    history[0]["意见"] = "已改"
    members["history.json"] = json.dumps(history, ensure_ascii=False).encode()
    refused_import(o, rezip(members), "签名无效")


def test_unknown_key_is_refused(office, exported):
    o = office
    _doc, package = exported
    refused_import(o, zip_bytes(package), "未登记的发送机关公钥")
    # A revoked key is no longer trusted.
    key = trust_gov(o)
    packages.revoke_key(key.pk, actor=o.secadmin, reason="密钥更换")
    refused_import(o, zip_bytes(package), "未登记的发送机关公钥")


def test_key_registered_for_another_agency_is_refused(office, exported):
    o = office
    _doc, package = exported
    seal = packages.signing_seal(o.gov)
    packages.register_key(actor=o.secadmin, agency=o.province, public_key=seal.public_key)
    refused_import(o, zip_bytes(package), "签名无效：签名方")


def test_a_package_signed_by_another_key_is_refused(office, exported):
    """Someone re-signs a changed package with his own key but names o.gov as signer."""
    o = office
    _doc, package = exported
    trust_gov(o)
    members = members_of(zip_bytes(package))
    private, public = crypto.generate_keypair()
    signature = json.loads(members["signature.json"])
    signature["签名"] = crypto.sign(private, public, crypto.sm3_digest(b"x"))
    members["signature.json"] = json.dumps(signature, ensure_ascii=False).encode()
    refused_import(o, rezip(members), "签名无效")


def test_not_a_zip_and_missing_members(office, exported):
    o = office
    _doc, package = exported
    trust_gov(o)
    refused_import(o, b"%PDF-1.7\nnot a package\n", "不是有效的交换包")
    refused_import(o, b"PK\x03\x04broken", "不是有效的交换包")
    members = members_of(zip_bytes(package))
    for name in ("metadata.json", "signature.json", "history.json"):
        partial = {k: v for k, v in members.items() if k != name}
        refused_import(o, rezip(partial), f"缺少 {name}")
    missing_file = {k: v for k, v in members.items() if k != "files/03.pdf"}
    refused_import(o, rezip(missing_file), "缺少文件“附件1 养护路段清单.pdf”")
    refused_import(o, rezip({**members, "files/99.pdf": FINAL_PDF}), "清单以外的文件")
    refused_import(o, rezip({**members, "metadata.json": b"{not json"}), "metadata.json 不是有效的 JSON")


@pytest.mark.parametrize("name", ["../evil.pdf", "/etc/passwd", "files/../../x.pdf", "files/sub/x.pdf",
                                  "files\\..\\x.pdf", "C:/x.pdf", "files/"])
def test_traversal_and_odd_member_names_are_refused(office, exported, name):
    o = office
    _doc, package = exported
    trust_gov(o)
    members = members_of(zip_bytes(package))
    info = zipfile.ZipInfo(name)
    refused_import(o, rezip(members, [(info, b"x")]), "不允许的成员名")


def test_zip_bomb_and_size_limit(office, exported, settings):
    o = office
    _doc, package = exported
    trust_gov(o)
    members = members_of(zip_bytes(package))
    settings.MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    bomb = rezip({**members, "files/99.pdf": b"\0" * (5 * 1024 * 1024)})
    assert len(bomb) < settings.MAX_UPLOAD_BYTES
    refused_import(o, bomb, "解压后过大")
    settings.MAX_UPLOAD_BYTES = 1024
    refused_import(o, zip_bytes(package), "超过大小限制")


def test_import_permission_refusals_write_nothing(office, exported):
    o = office
    _doc, package = exported
    trust_gov(o)
    data = zip_bytes(package)
    with refused("办公室人员", PermissionDenied):
        packages.import_package(o.dept, o.dept_head, "包.zip", data)
    with refused("办公室人员", PermissionDenied):
        packages.import_package(o.dept, o.clerk, "包.zip", data)  # another agency's clerk
    with refused("管理员", PermissionDenied):
        packages.import_package(o.dept, o.secadmin, "包.zip", data)
    with refused("本系统内的收文机关"):
        packages.import_package(o.province, o.dept_clerk, "包.zip", data)


def test_own_package_is_refused(office, exported):
    o = office
    _doc, package = exported
    trust_gov(o)
    refused_import_into = packages.import_package
    before = ExchangePackage.objects.count()
    with pytest.raises(DomainError, match="本机关自己导出"):
        refused_import_into(o.gov, o.clerk, "包.zip", zip_bytes(package))
    assert ExchangePackage.objects.count() == before + 1


def test_classified_metadata_is_refused(office, exported):
    """A trusted sender marking a package classified: refused, nothing but the record."""
    o = office
    doc, _package = exported
    trust_gov(o)
    # Build a validly signed package that says 秘密, as a careless sender's system might.
    members = members_of(zip_bytes(_package))
    metadata = json.loads(members["metadata.json"])
    metadata["密级和保密期限"] = "秘密★1年"
    members["metadata.json"] = json.dumps(metadata, ensure_ascii=False).encode()
    seal = packages.signing_seal(o.gov)
    digest = crypto.sm3_digest(packages.manifest(members, metadata))
    signature = json.loads(members["signature.json"])
    signature["签名"] = crypto.sign(crypto.decrypt_private(seal.private_key_encrypted), seal.public_key, digest)
    members["signature.json"] = json.dumps(signature, ensure_ascii=False).encode()
    refused_import(o, rezip(members), "密件不得通过外部交换传递")


# --- trusted keys ----------------------------------------------------------------------------


def test_only_the_security_administrator_registers_keys(office):
    o = office
    _private, public = crypto.generate_keypair()
    with refused("安全保密管理员", PermissionDenied):
        packages.register_key(actor=o.sysadmin, agency=o.province, public_key=public)
    with refused("安全保密管理员", PermissionDenied):
        packages.register_key(actor=o.clerk, agency=o.province, public_key=public)
    with refused("公钥格式不正确"):
        packages.register_key(actor=o.secadmin, agency=o.province, public_key="04" + "1" * 128)
    key = packages.register_key(actor=o.secadmin, agency=o.province, public_key=public[2:])
    assert key.public_key == public and key.fingerprint == packages.fingerprint(public)
    with refused("已登记给"):
        packages.register_key(actor=o.secadmin, agency=o.other_gov, public_key=public)


def test_a_bomb_inside_a_signed_package_is_refused(office, exported):
    """A trusted sender's validly signed package whose 正文 is a DOCX inflating to 1 GiB: the
    package is within its own bounds (the member is ~1 MB), the file inside is not."""
    from tests.test_hostile_files import docx_bomb

    o = office
    _doc, package = exported
    trust_gov(o)
    members = members_of(zip_bytes(package))
    metadata = json.loads(members["metadata.json"])
    bomb = docx_bomb()
    entry = next(f for f in metadata["文件"] if f["角色"] == "正文")
    members[entry["路径"]] = bomb
    entry.update({"大小": len(bomb), "SHA-256": hashlib.sha256(bomb).hexdigest(), "格式": "DOCX"})
    members["metadata.json"] = json.dumps(metadata, ensure_ascii=False).encode()
    seal = packages.signing_seal(o.gov)
    digest = crypto.sm3_digest(packages.manifest(members, metadata))
    signature = json.loads(members["signature.json"])
    signature["签名"] = crypto.sign(crypto.decrypt_private(seal.private_key_encrypted), seal.public_key, digest)
    members["signature.json"] = json.dumps(signature, ensure_ascii=False).encode()
    refused_import(o, rezip(members), "文件“正文.pdf”被拒绝：该文件解压后过大")
