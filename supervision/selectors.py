"""Reads of supervision items: the ledger (督办台账) with its filters, shared by the page,
the Excel export, the print view and the API (one set of filters, one restriction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from documents.models import Document

from .access import visible_items
from .models import ItemInstruction, ProgressReport, SupervisionEvent, SupervisionItem

State = SupervisionItem.State
UNFINISHED = (State.OPEN, State.STALLED, State.REPORTED)

SORTS = {
    "created": [F("created_at").desc(), F("id").desc()], "-created": [F("created_at").asc(), F("id").asc()],
    "due": [F("due_at").asc(), F("id").asc()], "-due": [F("due_at").desc(), F("id").desc()],
    "count": [F("instruction_count").desc(), F("id").desc()], "-count": [F("instruction_count").asc(), F("id").asc()],
    "report": [F("last_report_at").asc(nulls_first=True), F("id").asc()],
    "-report": [F("last_report_at").desc(nulls_last=True), F("id").desc()],
    "title": [F("title").asc(), F("id").asc()], "-title": [F("title").desc(), F("id").desc()],
}


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _flag(value) -> bool:
    return value in (True, "1", "on", "true", "True")


@dataclass
class ItemFilter:
    q: str = ""
    state: str = ""
    lead_unit_id: int | None = None
    leader_id: int | None = None
    overdue: bool = False
    stalled: bool = False
    year: int | None = None
    sort: str = "created"

    @classmethod
    def from_params(cls, params) -> ItemFilter:
        state = params.get("state") or ""
        sort = params.get("sort") or "created"
        return cls(
            q=(params.get("q") or "").strip()[:100], state=state if state in State.values else "",
            lead_unit_id=_int(params.get("lead_unit")), leader_id=_int(params.get("leader")),
            overdue=_flag(params.get("overdue")), stalled=_flag(params.get("stalled")),
            year=_int(params.get("year")), sort=sort if sort in SORTS else "created",
        )


def apply_filter(qs: QuerySet[SupervisionItem], f: ItemFilter, now=None) -> QuerySet[SupervisionItem]:
    now = now or timezone.now()
    if f.q:
        qs = qs.filter(Q(title__contains=f.q) | Q(instruction__contains=f.q) | Q(number__contains=f.q)
                       | Q(pk__in=ItemInstruction.objects.filter(text__contains=f.q).values("item_id")))
    if f.state:
        qs = qs.filter(state=f.state)
    if f.lead_unit_id:
        qs = qs.filter(lead_unit_id=f.lead_unit_id)
    if f.leader_id:
        qs = qs.filter(Q(instructed_by_id=f.leader_id)
                       | Q(pk__in=ItemInstruction.objects.filter(leader_id=f.leader_id).values("item_id")))
    if f.overdue:
        qs = qs.filter(state__in=UNFINISHED, due_at__lt=now)
    if f.stalled:
        qs = qs.filter(state=State.STALLED)
    if f.year:
        qs = qs.filter(instructed_at__gte=_year_start(f.year), instructed_at__lt=_year_start(f.year + 1))
    return qs.order_by(*SORTS.get(f.sort, SORTS["created"]))


def _year_start(year: int):
    from datetime import datetime

    return datetime(max(1, min(year, 9998)), 1, 1, tzinfo=timezone.get_default_timezone())


def ledger(person, f: ItemFilter | None = None, now=None) -> QuerySet[SupervisionItem]:
    """督办台账: the items the person may see, filtered and sorted."""
    qs = visible_items(person).select_related("lead_unit", "responsible", "instructed_by", "document")
    return apply_filter(qs, f or ItemFilter(), now)


def counts(person, now=None) -> dict[str, int]:
    """The ledger's headline figures, in one query: being supervised, stalled, overdue,
    final reports awaiting review."""
    now = now or timezone.now()
    return visible_items(person).aggregate(
        supervised=Count("id", filter=Q(state__in=UNFINISHED)),
        stalled=Count("id", filter=Q(state=State.STALLED)),
        overdue=Count("id", filter=Q(state__in=UNFINISHED, due_at__lt=now)),
        reported=Count("id", filter=Q(state=State.REPORTED)),
    )


def with_assist_units(qs: QuerySet[SupervisionItem]) -> QuerySet[SupervisionItem]:
    return qs.prefetch_related("assist_units")


def detail(item: SupervisionItem) -> dict:
    """The item page: its instructions in order (with the count), reports, record."""
    instructions = list(item.instructions.select_related("leader", "document", "recorded_by").order_by("at", "id"))
    reports = list(item.reports.select_related("reported_by", "unit", "reviewed_by").order_by("reported_at", "id"))
    events = list(item.events.select_related("actor").order_by("at", "id"))
    pending = next((r for r in reversed(reports) if r.kind == ProgressReport.Kind.FINAL
                    and r.review == ProgressReport.Review.PENDING), None)
    return {"instructions": instructions, "reports": reports, "events": events, "pending_final": pending,
            "assist_units": list(item.assist_units.all()),
            "chases": [e for e in events if e.kind == SupervisionEvent.Kind.CHASE]}


def for_document(person, document: Document) -> list[SupervisionItem]:
    """Items that come from this document or carry an instruction made on it."""
    ids = ItemInstruction.objects.filter(document=document).values("item_id")
    return list(visible_items(person).filter(Q(document=document) | Q(pk__in=ids))
                .select_related("lead_unit", "responsible").order_by("created_at", "id"))


def attachable(person, agency_id: int) -> QuerySet[SupervisionItem]:
    """Items still supervised that a new instruction may attach to."""
    return (visible_items(person).filter(agency_id=agency_id, state__in=UNFINISHED)
            .only("id", "number", "title", "created_at").order_by("-created_at", "-id"))


def years(person) -> list[int]:
    first = visible_items(person).order_by("instructed_at").values_list("instructed_at", flat=True).first()
    this = timezone.localdate().year
    start = timezone.localtime(first).year if first else this
    return list(range(this, start - 1, -1))


def month_choices(today: date | None = None, count: int = 24) -> list[tuple[int, int]]:
    today = today or timezone.localdate()
    year, month = today.year, today.month
    result = []
    for _ in range(count):
        result.append((year, month))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return result
