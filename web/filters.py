"""Parsing list filters from the query string.

The registry uses ``documents.selectors.DocumentFilter`` (shared with the API and the
export); the task lists (待办/已办/待阅) and 我登记的 take a few plain filters of their own.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from documents.selectors import DocumentFilter
from flow import selectors as flow_selectors


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def document_filter(params) -> DocumentFilter:
    return DocumentFilter(
        q=(params.get("q") or "").strip()[:100],
        status=params.get("status") or "",
        slip_kind=params.get("slip_kind") or "",
        doc_type=params.get("doc_type") or "",
        urgency=params.get("urgency") or "",
        sender_id=_int(params.get("sender")),
        year=_int(params.get("year")),
        received_from=_date(params.get("received_from")),
        received_to=_date(params.get("received_to")),
        direct_only=params.get("direct_only") in ("1", "on", "true"),
        sort=params.get("sort") or "received",
    )


TASK_SORTS = {
    "received": [F("created_at").desc(), F("id").desc()],
    "-received": [F("created_at").asc(), F("id").asc()],
    "due": [F("due_at").asc(nulls_last=True), F("id").desc()],
    "-due": [F("due_at").desc(nulls_last=True), F("id").desc()],
    "title": [F("document__title").asc(), F("id").desc()],
    "-title": [F("document__title").desc(), F("id").desc()],
    "done": [F("done_at").desc(nulls_last=True), F("id").desc()],
    "-done": [F("done_at").asc(nulls_last=True), F("id").asc()],
}


@dataclass
class TaskFilter:
    q: str = ""
    urgency: str = ""
    due: str = ""  # "" | "today" | "overdue"
    sort: str = ""

    @classmethod
    def from_params(cls, params, default_sort: str = "received") -> "TaskFilter":
        sort = params.get("sort") or default_sort
        return cls(q=(params.get("q") or "").strip()[:100], urgency=params.get("urgency") or "",
                   due=params.get("due") or "", sort=sort if sort in TASK_SORTS else default_sort)

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.q:
            qs = qs.filter(Q(document__title__contains=self.q) | Q(document__doc_number__contains=self.q)
                           | Q(document__sender_name__contains=self.q))
        if self.urgency:
            qs = qs.filter(document__urgency=self.urgency)
        if self.due == "today":
            qs = flow_selectors.due_today(qs)
        elif self.due == "overdue":
            qs = flow_selectors.overdue(qs, timezone.now())
        return qs.order_by(*TASK_SORTS[self.sort])


DOCUMENT_SORTS = {
    "received": ["-received_at", "-id"], "-received": ["received_at", "id"],
    "title": ["title", "-id"], "-title": ["-title", "-id"],
    "registry": ["-registry_seq", "-id"], "-registry": ["registry_seq", "id"],
}


def filter_documents(qs: QuerySet, params) -> QuerySet:
    """For 我登记的: text, urgency and status, sorted."""
    q = (params.get("q") or "").strip()[:100]
    if q:
        qs = qs.filter(Q(title__contains=q) | Q(doc_number__contains=q) | Q(sender_name__contains=q))
    if params.get("urgency"):
        qs = qs.filter(urgency=params["urgency"])
    if params.get("status"):
        qs = qs.filter(status=params["status"])
    return qs.order_by(*DOCUMENT_SORTS.get(params.get("sort") or "received", DOCUMENT_SORTS["received"]))
