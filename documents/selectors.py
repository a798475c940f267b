"""Reads of documents: the registry list with its filters, shared by the pages, the Excel
export and the API (one set of filters, one restriction)."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet

from .access import visible_documents
from .models import Document, DocumentReturn

SORTS = {
    "received": "-received_at", "-received": "received_at",
    "registry": "-registry_seq", "-registry": "registry_seq",
    "title": "title", "-title": "-title",
    "deadline": "sender_deadline", "-deadline": "-sender_deadline",
}


@dataclass
class DocumentFilter:
    q: str = ""
    status: str = ""
    slip_kind: str = ""
    doc_type: str = ""
    urgency: str = ""
    sender_id: int | None = None
    year: int | None = None
    received_from: date | None = None
    received_to: date | None = None
    direct_only: bool = False
    sort: str = "received"


def apply_filter(qs: QuerySet[Document], f: DocumentFilter) -> QuerySet[Document]:
    if f.q:
        q = f.q.strip()
        qs = qs.filter(Q(title__contains=q) | Q(doc_number__contains=q) | Q(sender_name__contains=q))
    if f.status:
        qs = qs.filter(status=f.status)
    if f.slip_kind:
        qs = qs.filter(slip_kind=f.slip_kind)
    if f.doc_type:
        qs = qs.filter(doc_type=f.doc_type)
    if f.urgency:
        qs = qs.filter(urgency=f.urgency)
    if f.sender_id:
        qs = qs.filter(sender_id=f.sender_id)
    if f.year:
        qs = qs.filter(registry_year=f.year)
    if f.received_from:
        qs = qs.filter(received_at__date__gte=f.received_from)
    if f.received_to:
        qs = qs.filter(received_at__date__lte=f.received_to)
    if f.direct_only:
        qs = qs.filter(is_direct_submission=True)
    order = SORTS.get(f.sort, "-received_at")
    return qs.order_by(order, "-id")


def registry(person, f: DocumentFilter | None = None) -> QuerySet[Document]:
    """收文登记簿: registered incoming documents visible to the person."""
    qs = visible_documents(person).filter(direction="incoming", registry_seq__isnull=False)
    qs = qs.select_related("agency", "sender", "lead_unit")
    return apply_filter(qs, f or DocumentFilter())


def returns_per_sender(person):
    """退文 and 直送件 counted per sender, over the documents the person can see (C04)."""
    visible = visible_documents(person)
    returns = (DocumentReturn.objects.filter(document__in=visible).values("sender_name", "kind")
               .annotate(n=Count("id")).order_by("-n"))
    direct = (visible.filter(is_direct_submission=True).values("sender_name").annotate(n=Count("id")).order_by("-n"))
    return list(returns), list(direct)


def recent_returns(person, limit=50):
    """The latest 退文 records over the documents the person can see."""
    return (DocumentReturn.objects.filter(document__in=visible_documents(person))
            .select_related("document", "document__agency", "returned_by").order_by("-returned_at")[:limit])
