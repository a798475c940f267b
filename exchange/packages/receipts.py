"""回执包: the receipt an agency sends back, as a signed package, after signing for a
document it imported from an exchange package — and its import by the sender, which
records the signed receipt (Receipt, source 外部交换回执) of the outside delivery.

A receipt package is a ZIP of ``receipt.json`` (回执类别 已签收, the SHA-256 of the
exchange package it answers, 发文字号, 标题, 收文机关, 签收人, 签收时间, 收文编号) and
``signature.json``, signed like an exchange package (exchange.packages.envelope.sign_members,
with the receipt in place of the metadata). Import goes through
exchange.packages.services.import_package, which recognises the receipt and calls
``accept_receipt``: the signing key must be
registered for the delivery's recipient, the answered package must be one this agency
exported for an outside delivery, and a delivery has one signed receipt.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from documents import storage
from documents.access import can_view
from documents.locks import lock_document
from documents.models import Document
from flow.models import HistoryAction, HistoryEvent
from gongwen.errors import DomainError, NotFound, PermissionDenied

from ..models import ExchangePackage, Receipt
from . import envelope
from .envelope import RECEIPT, SIGNATURE, PackageRefused

RECEIPT_FORMAT = "gongwen-receipt/1"


def imported_from(document: Document) -> ExchangePackage | None:
    """The exchange package a document was imported from, if it was."""
    return (ExchangePackage.objects.filter(document=document, direction=ExchangePackage.Direction.IMPORT,
                                           kind=ExchangePackage.Kind.DOCUMENT, status=ExchangePackage.Status.OK)
            .order_by("id").first())


def sign_for_event(document: Document) -> HistoryEvent | None:
    return (HistoryEvent.objects.select_related("actor")
            .filter(document=document, action=HistoryAction.SIGN_FOR).order_by("at", "id").first())


@transaction.atomic
def export_receipt(document: Document, actor) -> ExchangePackage:
    """生成回执包 for an imported document its agency has signed for."""
    if actor is None:
        raise PermissionDenied("请先登录。")
    if actor.admin_role:
        raise PermissionDenied("管理员不得生成回执包。")
    document = lock_document(document.pk)
    if not can_view(actor, document):
        raise NotFound()
    if not envelope.is_office(actor, document.agency_id):
        raise PermissionDenied(f"只有{document.agency.short_name}办公室人员可以生成回执包。")
    source = imported_from(document)
    if source is None:
        raise DomainError("本件不是经外部交换包导入的收文，不需要回执包。")
    event = sign_for_event(document)
    if event is None:
        raise DomainError("本件尚未签收，签收后才能生成回执包。")
    seal = envelope.signing_seal(document.agency)
    now = timezone.now()
    receipt = {
        "交换包格式": RECEIPT_FORMAT, "回执类别": "已签收", "原交换包SHA-256": source.sha256,
        "发文机关": document.sender_name, "发文字号": document.doc_number, "标题": document.title,
        "收文机关": document.agency.name, "发送机关": document.agency.name,
        "签收人": event.actor.name if event.actor else "", "签收时间": timezone.localtime(event.at).isoformat(),
        "收文编号": document.registry_number,
    }
    members = {RECEIPT: envelope.pretty(receipt)}
    signature = envelope.sign_members(seal, members, receipt, now)
    data = envelope.zip_members(members)
    sha, rel = storage.store(data)
    package = ExchangePackage.objects.create(
        direction=ExchangePackage.Direction.EXPORT, kind=ExchangePackage.Kind.RECEIPT, agency=document.agency,
        document=document, counterpart=document.sender_name, name=envelope.package_name(document).replace(
            "交换包", "回执包"), size=len(data), sha256=sha, storage_path=rel, signer=document.agency.name,
        key_fingerprint=signature["公钥指纹"], message=f"已签收回执，签收人{receipt['签收人']}。", by=actor, at=now)
    audit.record(actor=actor, action="exchange.receipt_package_export", target=package,
                 new={"document": document.pk, "answers": source.sha256, "sha256": sha})
    return package


def _moment(text) -> datetime:
    try:
        at = datetime.fromisoformat(str(text))
    except ValueError:
        raise PackageRefused("回执包的签收时间格式不正确。") from None
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    return at


def accept_receipt(agency, actor, name: str, data: bytes, members: dict[str, bytes]) -> ExchangePackage:
    """Verify a receipt package and record the signed receipt of the delivery it answers.
    Raises PackageRefused (import_package records the refusal)."""
    extra = sorted(set(members) - {RECEIPT, SIGNATURE})
    if extra:
        raise PackageRefused(f"回执包含有不应有的成员“{extra[0]}”，不是有效的回执包。")
    receipt = envelope.json_member(members, RECEIPT, dict)
    signature = envelope.json_member(members, SIGNATURE, dict)
    if receipt.get("交换包格式") != RECEIPT_FORMAT:
        raise PackageRefused("不是有效的回执包：格式标识不正确。")
    key = envelope.trusted_signer(members, signature, receipt)
    original = (ExchangePackage.objects.select_related("delivery", "document")
                .filter(agency=agency, direction=ExchangePackage.Direction.EXPORT, kind=ExchangePackage.Kind.DOCUMENT,
                        status=ExchangePackage.Status.OK, sha256=str(receipt.get("原交换包SHA-256") or "")).first())
    if original is None:
        raise PackageRefused("回执所对应的交换包不是本机关导出的，无法登记回执。")
    delivery = original.delivery
    if delivery is None:
        raise PackageRefused("回执所对应的交换包没有关联系统外分发记录，无法登记回执。")
    if (delivery.agency_id != key.agency_id) if delivery.agency_id else (delivery.name != key.agency.name):
        raise PackageRefused(f"回执由{key.agency.name}签名，但该交换包分发给{delivery.name}，回执不符。")
    if receipt.get("回执类别") != "已签收":
        raise PackageRefused(f"回执类别“{str(receipt.get('回执类别'))[:20]}”不正确。")
    by_name = str(receipt.get("签收人") or "").strip()[:50]
    if not by_name:
        raise PackageRefused("回执包缺少签收人。")
    at = _moment(receipt.get("签收时间"))
    if at > timezone.now() + timedelta(minutes=5) or at < delivery.sent_at.replace(second=0, microsecond=0):
        raise PackageRefused("回执包的签收时间不在分发之后、现在之前。")
    if delivery.receipts.filter(kind=Receipt.Kind.SIGNED).exists():
        raise PackageRefused(f"{delivery.name}的回执已登记，不能重复登记。", code="duplicate")
    return _record(agency, actor, name, data, receipt, key, delivery, by_name, at)


@transaction.atomic
def _record(agency, actor, name, data, receipt, key, delivery, by_name, at) -> ExchangePackage:
    from deadlines.notify import notify
    from exchange.receipts import sender_people

    registry_number = str(receipt.get("收文编号") or "")[:40]
    row = Receipt.objects.create(delivery=delivery, kind=Receipt.Kind.SIGNED, source=Receipt.Source.PACKAGE,
                                 registry_number=registry_number, by=actor, by_name=by_name, at=at)
    sha, rel = storage.store(data)
    package = ExchangePackage.objects.create(
        direction=ExchangePackage.Direction.IMPORT, kind=ExchangePackage.Kind.RECEIPT, agency=agency,
        document=delivery.document, delivery=delivery, counterpart=key.agency.name,
        name=(name or "回执包.zip")[:200], size=len(data), sha256=sha, storage_path=rel, signer=key.agency.name,
        key_fingerprint=key.fingerprint,
        message=f"回执签名有效：{key.agency.name}{by_name}已签收，已登记回执。", by=actor)
    audit.record(actor=actor, action="exchange.receipt_package_import", target=package, new={
        "delivery": delivery.pk, "receipt": row.pk, "sha256": sha, "fingerprint": key.fingerprint})
    document = delivery.document
    url = reverse("web:document", args=[document.pk])
    local = timezone.localtime(at)
    for person in sender_people(delivery):
        notify(person, title=f"回执：{delivery.name}已签收《{document.title}》",
               body=f"{document.doc_number}已由{delivery.name}{by_name}于{local.year}年{local.month}月{local.day}日"
                    f"{local:%H:%M}签收（外部交换回执包）。", url=url, document=document)
    return package
