"""What the sender sees of a dispatched document (分发情况): per recipient, how it was
sent and whether the recipient has signed for it."""

from django.utils import timezone

from documents.models import Status
from flow.models import HistoryAction, HistoryEvent, NodeKind, Task, TaskStatus

from .models import Delivery

PENDING = "待签收"
SIGNED = "已签收"
RETURNED = "已退文"
OUTSIDE = "系统外，请纸质或外部交换"


def _sign_for_event(incoming) -> HistoryEvent | None:
    return (HistoryEvent.objects.filter(document=incoming, action=HistoryAction.SIGN_FOR)
            .select_related("actor").order_by("at", "id").first())


def _row(delivery: Delivery, now) -> dict:
    row = {
        "id": delivery.pk, "name": delivery.name, "kind": delivery.kind, "kind_display": delivery.get_kind_display(),
        "channel": delivery.channel, "channel_display": delivery.get_channel_display(),
        "agency_id": delivery.agency_id, "sent_at": delivery.sent_at, "sent_by": delivery.sent_by.name,
        "status": OUTSIDE, "signed_at": None, "signed_by": "", "due_at": None, "late": False, "returned_reason": "",
    }
    incoming = delivery.incoming
    if incoming is None:
        return row
    event = _sign_for_event(incoming)
    if event is not None:
        row["signed_at"], row["signed_by"] = event.at, event.actor.name if event.actor_id else ""
    else:
        done = (Task.objects.filter(document=incoming, node_kind=NodeKind.SIGN_FOR, status=TaskStatus.DONE)
                .select_related("assignee", "acted_by").order_by("done_at", "id").first())
        if done is not None:
            row["signed_at"], row["signed_by"] = done.done_at, (done.acted_by or done.assignee).name
    if incoming.status == Status.RETURNED:
        row["status"] = RETURNED
        last = incoming.returns.order_by("-returned_at", "-id").first()
        row["returned_reason"] = last.reason if last else ""
    elif row["signed_at"] is not None:
        row["status"] = SIGNED
    else:
        row["status"] = PENDING
        due = (Task.objects.filter(document=incoming, node_kind=NodeKind.SIGN_FOR, status=TaskStatus.OPEN,
                                   due_at__isnull=False).order_by("due_at").values_list("due_at", flat=True).first())
        row["due_at"] = due
        row["late"] = due is not None and due < now
    return row


def deliveries(document) -> list[dict]:
    """One row per Delivery of ``document``, main recipients first: name, 主送/抄送,
    channel, status (待签收 / 已签收 / 已退文, or 系统外 for paper or external exchange),
    when and by whom the recipient signed for it, the sign-for due time and whether it
    is late. The caller has checked that the person may see the document
    (exchange.access)."""
    now = timezone.now()
    rows = (Delivery.objects.filter(document=document).select_related("incoming", "sent_by")
            .order_by("id"))
    result = [_row(d, now) for d in rows]
    return sorted(result, key=lambda r: (r["kind"] != "main", r["id"]))
