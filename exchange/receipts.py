"""回执: what goes back to the sender when the recipient signs for (签收) or refuses (退文)
a document delivered through the exchange, and the paper receipt the sender's clerk
records for a delivery outside the system.

``signed_for`` and ``refused`` are the engine's effects (flow.effects): flow calls them by
name inside its own transaction after the 签收 and after a 退文. A document that did not
arrive through the exchange (registered from paper, handed in directly) has no Delivery;
for it they do nothing. Receipts are append-only: a refusal after signing (the office
finds at 初审 that the document is not theirs) is a second receipt, and the newest one
tells the state.
"""

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from deadlines.notify import notify
from gongwen.errors import DomainError, NotFound, PermissionDenied
from org.selectors import has_post

from .models import Delivery, Receipt

SENDER_POSTS = ("clerk", "office_director", "secretary")


def _delivery_of(document) -> Delivery | None:
    if document is None or document.direction != "incoming":
        return None
    # The engine holds the incoming document's row lock: no second lock needed here.
    return Delivery.objects.filter(incoming=document).select_related("document", "document__agency").first()


def sender_people(delivery: Delivery) -> list:
    """Who is told of a receipt: the outgoing document's drafter and the sending agency's
    clerks (文书)."""
    from .services import receiving_clerks

    people = []
    if delivery.document.drafted_by_id:
        people.append(delivery.document.drafted_by)
    people += receiving_clerks(delivery.document.agency)
    return list({p.pk: p for p in people}.values())


def _tell_sender(delivery: Delivery, receipt: Receipt) -> None:
    document = delivery.document
    url = reverse("web:document", args=[document.pk])
    if receipt.kind == Receipt.Kind.SIGNED:
        title = f"回执：{delivery.name}已签收《{document.title}》"
        body = f"{document.doc_number}已由{delivery.name}{receipt.by_name}于{_moment(receipt.at)}签收。"
    else:
        title = f"退文：{delivery.name}退回《{document.title}》"
        body = f"{document.doc_number}被{delivery.name}退回，理由：{receipt.reason}"
    for person in sender_people(delivery):
        notify(person, title=title, body=body, url=url, document=document)


def _moment(at: datetime) -> str:
    local = timezone.localtime(at)
    return f"{local.year}年{local.month}月{local.day}日{local:%H:%M}"


def signed_for(document, *, actor, at=None) -> Receipt | None:
    """The recipient's clerk signed for ``document`` (its 签收 node is done): write the
    signed receipt for its Delivery and tell the sender. Nothing for a document that did
    not come through the exchange."""
    delivery = _delivery_of(document)
    if delivery is None:
        return None
    receipt = Receipt.objects.create(
        delivery=delivery, kind=Receipt.Kind.SIGNED, source=Receipt.Source.SYSTEM, incoming=document,
        registry_number=document.registry_number, by=actor, by_name=actor.name, at=at or timezone.now())
    _tell_sender(delivery, receipt)
    audit.record(actor=actor, action="exchange.receipt", target=delivery.document,
                 new={"delivery": delivery.pk, "kind": receipt.kind, "incoming": document.pk})
    return receipt


def refused(document, *, actor, reason: str, kind: str = "", **_context) -> Receipt | None:
    """The recipient returned ``document`` (退文): a refused receipt with the reason goes
    back to the sender. Nothing for a document that did not come through the exchange."""
    delivery = _delivery_of(document)
    if delivery is None:
        return None
    text = f"{kind}：{reason}" if kind and kind != "退文" else reason
    receipt = Receipt.objects.create(
        delivery=delivery, kind=Receipt.Kind.REFUSED, source=Receipt.Source.SYSTEM, incoming=document,
        registry_number=document.registry_number, reason=text[:500], by=actor, by_name=actor.name,
        at=timezone.now())
    _tell_sender(delivery, receipt)
    audit.record(actor=actor, action="exchange.receipt", target=delivery.document,
                 new={"delivery": delivery.pk, "kind": receipt.kind, "incoming": document.pk, "reason": text})
    return receipt


def latest(delivery: Delivery) -> Receipt | None:
    return delivery.receipts.order_by("-at", "-id").first()


@transaction.atomic
def record_paper_receipt(delivery_id: int, *, actor, signed_by: str, at: datetime,
                         registry_number: str = "") -> Receipt:
    """纸质回执: the sender's office records that a recipient outside the system signed for
    the paper copy — who signed there and when. Until then the delivery shows 未送达."""
    from documents.access import can_view

    if actor is None:
        raise PermissionDenied("请先登录。")
    delivery = (Delivery.objects.select_for_update().select_related("document", "document__agency")
                .filter(pk=delivery_id).first())
    if delivery is None or not can_view(actor, delivery.document):
        raise NotFound("未找到该分发记录。")
    if actor.admin_role or actor.agency_id != delivery.document.agency_id or not has_post(actor, *SENDER_POSTS):
        raise PermissionDenied(f"只有{delivery.document.agency.short_name}办公室文书、秘书或主任可以登记纸质回执。")
    if delivery.channel != Delivery.Channel.OUTSIDE:
        raise DomainError(f"{delivery.name}通过系统内交换接收，回执由对方签收时自动生成，不能登记纸质回执。")
    if delivery.receipts.filter(kind=Receipt.Kind.SIGNED).exists():
        raise DomainError(f"{delivery.name}的回执已登记，不能重复登记。")
    signed_by = (signed_by or "").strip()
    if not signed_by:
        raise DomainError("请填写对方签收人姓名。")
    if len(signed_by) > 50:
        raise DomainError("签收人姓名过长（最多50字）。")
    if at is None:
        raise DomainError("请填写签收时间。")
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > timezone.now():
        raise DomainError("签收时间不能晚于现在。")
    if at < delivery.sent_at.replace(second=0, microsecond=0):
        raise DomainError(f"签收时间不能早于分发时间（{_moment(delivery.sent_at)}）。")
    registry_number = (registry_number or "").strip()
    if len(registry_number) > 40:
        raise DomainError("对方收文编号过长（最多40字）。")
    receipt = Receipt.objects.create(
        delivery=delivery, kind=Receipt.Kind.SIGNED, source=Receipt.Source.PAPER, registry_number=registry_number,
        by=actor, by_name=signed_by, at=at)
    audit.record(actor=actor, action="exchange.paper_receipt", target=delivery.document,
                 new={"delivery": delivery.pk, "signed_by": signed_by, "at": at.isoformat(),
                      "registry_number": registry_number})
    return receipt
