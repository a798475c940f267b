"""What the exchange shows: the sender's view of a dispatched document (分发情况), the
office overview (交换总览: per recipient for what we sent, per sender for what we
received) and an agency's exchange box (待签收).

The state of a delivery comes from its receipts (回执) only (C10: no receipt means not
delivered): the newest receipt tells it — 已签收 or 已退文 (with the reason); without one
it is 未送达（无回执）, waiting in the recipient's box (待签收, late once past its sign-for due
time) or, outside the system, until the sender's clerk records the paper receipt.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from documents.access import visible_documents
from documents.models import pending_due_reason
from flow.models import NodeKind, Task, TaskStatus

from .models import Delivery, Receipt

PENDING = "待签收"
SIGNED = "已签收"
RETURNED = "已退文"
NOT_DELIVERED = "未送达（无回执）"
OUTSIDE = "系统外，请纸质或外部交换"

# state codes, one per delivery
STATE_SIGNED, STATE_REFUSED, STATE_WAITING, STATE_LATE, STATE_OUTSIDE = "signed", "refused", "waiting", "late", "outside"
STATE_LABELS = {STATE_SIGNED: SIGNED, STATE_REFUSED: RETURNED, STATE_WAITING: PENDING, STATE_LATE: "超时未签收",
                STATE_OUTSIDE: "系统外待回执"}
# overview filters (清单): a state, or 未送达 (every delivery without a receipt), or 多头报送
FILTERS = {"waiting": PENDING, "late": "超时未签收", "signed": SIGNED, "refused": RETURNED,
           "undelivered": "未送达（无回执）", "multi": "多头报送", "all": "全部"}


def annotated(queryset: QuerySet) -> QuerySet:
    """Deliveries with their newest receipt and the due time of the open 签收 task."""
    newest = Receipt.objects.filter(delivery=OuterRef("pk")).order_by("-at", "-id")
    due = (Task.objects.filter(document=OuterRef("incoming"), node_kind=NodeKind.SIGN_FOR, status=TaskStatus.OPEN,
                               due_at__isnull=False).order_by("due_at"))
    waiting = Task.objects.filter(document=OuterRef("incoming"), node_kind=NodeKind.SIGN_FOR, status=TaskStatus.OPEN,
                                  due_pending_year__isnull=False)
    return queryset.annotate(last_kind=Subquery(newest.values("kind")[:1]),
                             last_reason=Subquery(newest.values("reason")[:1]),
                             sign_due=Subquery(due.values("due_at")[:1]),
                             sign_pending=Subquery(waiting.values("due_pending_year")[:1]))


def state_of(delivery: Delivery, now: datetime) -> str:
    kind = getattr(delivery, "last_kind", None)
    if kind == Receipt.Kind.SIGNED:
        return STATE_SIGNED
    if kind == Receipt.Kind.REFUSED:
        return STATE_REFUSED
    if delivery.channel == Delivery.Channel.OUTSIDE:
        return STATE_OUTSIDE
    due = getattr(delivery, "sign_due", None)
    return STATE_LATE if due is not None and due < now else STATE_WAITING


def _row(delivery: Delivery, now) -> dict:
    receipts = sorted(delivery.receipts.all(), key=lambda r: (r.at, r.pk))
    signed = [r for r in receipts if r.kind == Receipt.Kind.SIGNED]
    refused = [r for r in receipts if r.kind == Receipt.Kind.REFUSED]
    state = state_of(delivery, now)
    status = {STATE_SIGNED: SIGNED, STATE_REFUSED: RETURNED}.get(state, NOT_DELIVERED)
    if state in (STATE_WAITING, STATE_LATE):
        note = "对方待签收" + ("，已超过签收时限" if state == STATE_LATE else "")
    elif state == STATE_OUTSIDE:
        note = "系统外（纸质或外部交换），收到对方签收回执后请登记纸质回执"
    else:
        note = ""
    first = signed[0] if signed else None
    return {
        "id": delivery.pk, "name": delivery.name, "kind": delivery.kind, "kind_display": delivery.get_kind_display(),
        "channel": delivery.channel, "channel_display": delivery.get_channel_display(),
        "agency_id": delivery.agency_id, "sent_at": delivery.sent_at, "sent_by": delivery.sent_by.name,
        "status": status, "state": state, "delivered": state == STATE_SIGNED, "note": note,
        "signed_at": first.at if first else None, "signed_by": first.by_name if first else "",
        "registry_number": (first.registry_number or (first.incoming.registry_number if first.incoming_id else ""))
        if first else "",
        "due_at": delivery.sign_due if state in (STATE_WAITING, STATE_LATE) else None,
        "due_pending_reason": pending_due_reason(getattr(delivery, "sign_pending", None))
        if state == STATE_WAITING and not delivery.sign_due else "",
        "late": state == STATE_LATE,
        "returned_reason": refused[-1].reason if state == STATE_REFUSED else "",
        "returned_at": refused[-1].at if state == STATE_REFUSED else None,
        "multi_submission": delivery.multi_submission,
        "can_record_paper": delivery.channel == Delivery.Channel.OUTSIDE and not signed,
        "receipts": [{"id": r.pk, "kind": r.kind, "kind_display": r.get_kind_display(), "source": r.source,
                      "source_display": r.get_source_display(), "by": r.by_name, "at": r.at,
                      "registry_number": r.registry_number, "reason": r.reason} for r in receipts],
    }


def deliveries(document) -> list[dict]:
    """One row per Delivery of ``document``, main recipients first: name, 主送/抄送,
    channel, status from the receipts (已签收 / 已退文 / 未送达（无回执）), who signed and
    when, the sign-for due time while it waits, whether it is late, the refusal reason,
    多头报送, and every receipt. The caller has checked that the person may see the
    document (exchange.access)."""
    now = timezone.now()
    rows = (annotated(Delivery.objects.filter(document=document)).select_related("incoming", "sent_by")
            .prefetch_related("receipts__incoming").order_by("id"))
    result = [_row(d, now) for d in rows]
    return sorted(result, key=lambda r: (r["kind"] != "main", r["id"]))


def receipt_of_incoming(incoming) -> dict | None:
    """For the recipient's page of a delivered document: where it came from, whether it was
    flagged 多头报送, and the receipts sent back."""
    delivery = Delivery.objects.filter(incoming=incoming).select_related("document").first()
    if delivery is None:
        return None
    receipts = list(delivery.receipts.order_by("at", "id"))
    return {"delivery": delivery, "multi_submission": delivery.multi_submission, "receipts": receipts,
            "last": receipts[-1] if receipts else None}


# --- the office overview ------------------------------------------------------------------------


@dataclass
class Counts:
    name: str
    total: int = 0
    waiting: int = 0
    late: int = 0
    signed: int = 0
    refused: int = 0
    undelivered: int = 0
    multi: int = 0

    def add(self, state: str, multi: bool) -> None:
        self.total += 1
        if state == STATE_WAITING:
            self.waiting += 1
        elif state == STATE_LATE:
            self.late += 1
        elif state == STATE_SIGNED:
            self.signed += 1
        elif state == STATE_REFUSED:
            self.refused += 1
        if state not in (STATE_SIGNED, STATE_REFUSED):
            self.undelivered += 1
        if multi:
            self.multi += 1

    @property
    def cells(self) -> list[tuple[str, str, int]]:
        """(filter, label, count) in the column order of the overview."""
        return [("all", "合计", self.total), ("waiting", PENDING, self.waiting), ("late", "超时未签收", self.late),
                ("signed", SIGNED, self.signed), ("refused", RETURNED, self.refused),
                ("undelivered", NOT_DELIVERED, self.undelivered), ("multi", "多头报送", self.multi)]

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("name", "total", "waiting", "late", "signed", "refused",
                                              "undelivered", "multi")}


@dataclass
class Overview:
    agency: object
    start: date | None
    end: date | None
    sent: list[Counts] = field(default_factory=list)
    received: list[Counts] = field(default_factory=list)
    sent_total: Counts = None
    received_total: Counts = None


def _range(queryset, start: date | None, end: date | None):
    tz = timezone.get_current_timezone()
    if start:
        queryset = queryset.filter(sent_at__gte=datetime.combine(start, time.min, tzinfo=tz))
    if end:
        queryset = queryset.filter(sent_at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz))
    return queryset


def sent_queryset(person, agency) -> QuerySet:
    """What ``agency`` sent, as far as ``person`` may see the outgoing documents."""
    return Delivery.objects.filter(document__agency=agency, document__in=visible_documents(person))


def received_queryset(person, agency) -> QuerySet:
    """What reached ``agency`` through the exchange, as far as ``person`` may see it."""
    return Delivery.objects.filter(agency=agency, incoming__isnull=False, incoming__in=visible_documents(person))


def _group(queryset, key, now) -> tuple[list[Counts], Counts]:
    groups: dict[str, Counts] = {}
    total = Counts("合计")
    for d in queryset:
        name = key(d)
        state = state_of(d, now)
        groups.setdefault(name, Counts(name)).add(state, d.multi_submission)
        total.add(state, d.multi_submission)
    return sorted(groups.values(), key=lambda c: (-c.total, c.name)), total


def overview(person, agency, *, start: date | None = None, end: date | None = None) -> Overview:
    """交换总览 of ``agency``: per recipient (what we sent) and per sender (what we
    received), counts of 待签收, 超时未签收, 已签收, 已退文, 未送达（无回执, every delivery
    without a signed or refused receipt, the waiting ones included) and 多头报送, for
    deliveries sent between ``start`` and ``end`` (local dates, both included)."""
    now = timezone.now()
    sent = annotated(_range(sent_queryset(person, agency), start, end)).only(
        "id", "name", "channel", "multi_submission", "incoming_id")
    received = annotated(_range(received_queryset(person, agency), start, end)).select_related(
        "document__agency").only("id", "channel", "multi_submission", "incoming_id", "document__agency__name")
    result = Overview(agency=agency, start=start, end=end)
    result.sent, result.sent_total = _group(sent, lambda d: d.name, now)
    result.received, result.received_total = _group(received, lambda d: d.document.agency.name, now)
    return result


def matches(delivery: Delivery, what: str, now) -> bool:
    state = state_of(delivery, now)
    if what == "all":
        return True
    if what == "undelivered":
        return state not in (STATE_SIGNED, STATE_REFUSED)
    if what == "multi":
        return delivery.multi_submission
    return state == what


def listing(person, agency, *, side: str, what: str = "all", counterpart: str = "", start=None, end=None) -> list[dict]:
    """The deliveries behind one count of the overview (点击查看清单), newest first."""
    now = timezone.now()
    base = sent_queryset(person, agency) if side == "sent" else received_queryset(person, agency)
    if counterpart:
        base = base.filter(name=counterpart) if side == "sent" else base.filter(document__agency__name=counterpart)
    rows = annotated(_range(base, start, end)).select_related("document", "document__agency", "incoming",
                                                               "sent_by").order_by("-sent_at", "-id")
    result = []
    for d in rows:
        if not matches(d, what, now):
            continue
        state = state_of(d, now)
        result.append({
            "id": d.pk, "document": d.document, "incoming": d.incoming, "name": d.name,
            "sender": d.document.agency.name, "kind_display": d.get_kind_display(),
            "channel": d.channel, "sent_at": d.sent_at, "state": state, "state_display": STATE_LABELS[state],
            "due_at": d.sign_due if state in (STATE_WAITING, STATE_LATE) else None, "late": state == STATE_LATE,
            "reason": d.last_reason if state == STATE_REFUSED else "", "multi_submission": d.multi_submission,
            "link": d.document_id if side == "sent" else d.incoming_id,
        })
    return result


def box(person, agency) -> list[dict]:
    """Our exchange box (交换箱): documents delivered to ``agency`` and waiting at 签收,
    oldest first, with the sign-for due time and whether it is late."""
    now = timezone.now()
    tasks = (Task.objects.filter(document__agency=agency, node_kind=NodeKind.SIGN_FOR, status=TaskStatus.OPEN,
                                 document__delivered_by__isnull=False,
                                 document__in=visible_documents(person))
             .select_related("document", "document__sender", "document__delivered_by")
             .order_by("document__received_at", "id"))
    seen, result = set(), []
    for t in tasks:
        if t.document_id in seen:
            continue
        seen.add(t.document_id)
        doc = t.document
        result.append({"document": doc, "delivery_id": doc.delivered_by.pk, "title": doc.title,
                       "sender": doc.sender_display, "doc_number": doc.doc_number, "urgency": doc.urgency,
                       "arrived_at": doc.received_at, "due_at": t.due_at,
                       "due_pending_reason": t.due_pending_reason,
                       "late": t.due_at is not None and t.due_at < now,
                       "multi_submission": doc.delivered_by.multi_submission, "task_id": t.pk})
    return result
