"""Lateness (逾期) of tasks and documents, against the original and the extended due time,
in calendar days and in working time; who held a document and for how long; the
monthly count of documents finished late per division.

Definitions (used by the document page, the API and case C02):
- A task or document is late when it was finished (task done, document closed) after
  its due time, or is still open after it. Lateness against the *original* due time uses
  ``original_due_at`` (never moves); against the *extended* one, ``due_at``.
- Calendar days late: the difference of the local dates of the due time and the finish
  (due Tuesday 12:00, finished the Wednesday of the week after: 8 days). Late on the due
  day itself counts 0 days and is shown in hours.
- Working time late: working minutes from the due time to the finish by the agency's
  calendar (``calendar_for(agency).working_minutes_between``), shown as working days of
  the agency's day length (7 hours with 08:30–12:00, 14:30–18:00) and hours.
- Time held: working minutes from the task's arrival (``created_at``) to its end
  (``done_at``, or now while open). A weekend holding counts nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Q
from django.utils import timezone

from documents.models import Document, Status
from flow.models import Task, TaskStatus
from org.models import Agency, Unit

from .calendar import LOCAL, WorkCalendar, YearUnknown
from .models import Extension
from .services import calendar_for

__all__ = ["Lateness", "LatenessPair", "Holding", "UnitMonth", "measure", "task_lateness", "document_lateness",
           "holders", "monthly_late_by_unit", "extension_history", "sender_flag", "work_label"]


def work_label(minutes: float | None, day_minutes: float) -> str:
    """Working time as 个工作日/小时/分钟 (a working day being the agency's day length)."""
    if minutes is None:
        return "—"
    minutes = max(0, round(minutes))
    days, rest = divmod(minutes, round(day_minutes)) if day_minutes else (0, minutes)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}个工作日" if days else "", f"{hours}小时" if hours else "", f"{mins}分钟" if mins else ""]
    return "".join(parts) or "0分钟"


def _clock_label(delta: timedelta) -> str:
    minutes = max(0, round(delta.total_seconds() / 60))
    hours, mins = divmod(minutes, 60)
    return (f"{hours}小时" if hours else "") + (f"{mins}分钟" if mins or not hours else "")


@dataclass(frozen=True)
class Lateness:
    """How late one thing is against one due time."""

    due_at: datetime | None
    finished_at: datetime | None  # None while still open
    measured_at: datetime  # the finish, or now
    late: bool
    delay: timedelta  # zero when not late
    calendar_days: int  # local date difference, 0 when not late
    working_minutes: float | None  # None when the calendar lacks a year on the way
    day_minutes: float

    @property
    def has_due(self) -> bool:
        return self.due_at is not None

    @property
    def working_days(self) -> float | None:
        if self.working_minutes is None or not self.day_minutes:
            return None
        return self.working_minutes / self.day_minutes

    @property
    def working_label(self) -> str:
        return work_label(self.working_minutes, self.day_minutes)

    @property
    def calendar_label(self) -> str:
        if not self.late:
            return ""
        return f"{self.calendar_days}天" if self.calendar_days else f"{_clock_label(self.delay)}（当天）"

    @property
    def label(self) -> str:
        if self.due_at is None:
            return "无时限"
        if not self.late:
            return "按时办结" if self.finished_at else "未逾期"
        verb = "逾期" if self.finished_at else "已逾期"
        return f"{verb}{self.calendar_label}（工作时间{self.working_label}）"


@dataclass(frozen=True)
class LatenessPair:
    """Lateness against the original and against the extended (current) due time."""

    original: Lateness
    extended: Lateness

    @property
    def was_extended(self) -> bool:
        return self.original.due_at != self.extended.due_at


def measure(due_at: datetime | None, finished_at: datetime | None, agency: Agency | None,
            now: datetime | None = None, *, calendar: WorkCalendar | None = None) -> Lateness:
    """How late something finished at ``finished_at`` (None: still open, measured at
    ``now``) is against ``due_at``. Pass ``calendar`` when measuring many things."""
    now = now or timezone.now()
    calendar = calendar or calendar_for(agency)
    day_minutes = calendar.hours.day_seconds / 60
    end = finished_at or now
    if due_at is None or end <= due_at:
        return Lateness(due_at, finished_at, end, False, timedelta(0), 0, 0.0 if due_at else None, day_minutes)
    days = (timezone.localtime(end, LOCAL()).date() - timezone.localtime(due_at, LOCAL()).date()).days
    try:
        working = calendar.working_minutes_between(due_at, end)
    except YearUnknown:
        working = None
    return Lateness(due_at, finished_at, end, True, end - due_at, days, working, day_minutes)


def task_lateness(task: Task, now: datetime | None = None, *, calendar: WorkCalendar | None = None) -> LatenessPair:
    calendar = calendar or calendar_for(task.document.agency)
    finished = task.done_at if task.status != TaskStatus.OPEN else None
    return LatenessPair(measure(task.original_due_at, finished, None, now, calendar=calendar),
                        measure(task.due_at, finished, None, now, calendar=calendar))


def document_lateness(document: Document, now: datetime | None = None, *,
                      calendar: WorkCalendar | None = None) -> LatenessPair:
    calendar = calendar or calendar_for(document.agency)
    finished = document.closed_at if document.status != Status.IN_PROGRESS else None
    return LatenessPair(measure(document.original_due_at, finished, None, now, calendar=calendar),
                        measure(document.due_at, finished, None, now, calendar=calendar))


@dataclass
class Holding:
    """One holder of a document: who, in which unit, at which node, from when to when,
    how much working time they held it, and whether they were late."""

    task: Task
    received_at: datetime
    done_at: datetime | None
    working_minutes: float | None
    day_minutes: float
    lateness: LatenessPair

    @property
    def assignee(self):
        return self.task.assignee

    @property
    def unit(self):
        return self.task.assignee_unit

    @property
    def node_name(self) -> str:
        return self.task.node_name

    @property
    def held_label(self) -> str:
        return work_label(self.working_minutes, self.day_minutes)

    @property
    def is_open(self) -> bool:
        return self.done_at is None

    @property
    def late(self) -> bool:
        return self.lateness.extended.late

    @property
    def late_original(self) -> bool:
        return self.lateness.original.late


def holders(document: Document, now: datetime | None = None, *,
            calendar: WorkCalendar | None = None, tasks: list[Task] | None = None) -> list[Holding]:
    """Everyone who held the document, in the order they received it (one query). A page
    that has read every task of the document already passes them as ``tasks`` (in the
    order of ``created_at``, ``id``, with assignee, unit and ``acted_by`` selected)."""
    now = now or timezone.now()
    calendar = calendar or calendar_for(document.agency)
    day_minutes = calendar.hours.day_seconds / 60
    rows = []
    if tasks is None:
        tasks = (Task.objects.filter(document=document).select_related("assignee", "assignee_unit", "acted_by")
                 .order_by("created_at", "id"))
    for task in tasks:
        done = task.done_at if task.status != TaskStatus.OPEN else None
        try:
            held = calendar.working_minutes_between(task.created_at, done or now)
        except YearUnknown:
            held = None
        rows.append(Holding(task, task.created_at, done, held, day_minutes,
                            task_lateness(task, now, calendar=calendar)))
    return rows


def extension_history(document: Document) -> list[Extension]:
    return list(Extension.objects.filter(document=document).select_related(
        "task", "requested_by", "decided_by").order_by("requested_at", "id"))


def sender_flag(document: Document) -> Extension | None:
    """The latest record of what the sender agreed (a new date, or no new date): when its
    state is NO_DATE the document is flagged 未商定新时限."""
    return (Extension.objects.filter(document=document, state__in=(Extension.State.SENDER_AGREED,
                                                                    Extension.State.NO_DATE))
            .order_by("-decided_at", "-id").first())


# --- monthly count per division ----------------------------------------------------------------


@dataclass
class UnitMonth:
    unit: Unit
    finished: int
    late_original: int
    late_extended: int
    extended: int = 0


def _month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(date(year, month, 1), datetime.min.time()), LOCAL())
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return start, timezone.make_aware(datetime.combine(nxt, datetime.min.time()), LOCAL())


def monthly_late_by_unit(agency: Agency, year: int, month: int) -> list[UnitMonth]:
    """Per lead division (主办单位): documents finished (办结) in the month, how many of them
    after their original due time and after their extended due time, how many had their
    due time extended. One aggregate query; divisions with nothing finished are left out."""
    start, end = _month_bounds(year, month)
    rows = (Document.objects.filter(agency=agency, status=Status.COMPLETED, closed_at__gte=start, closed_at__lt=end,
                                    lead_unit__isnull=False)
            .values("lead_unit")
            .annotate(finished=Count("id"),
                      late_original=Count("id", filter=Q(original_due_at__isnull=False,
                                                         closed_at__gt=F("original_due_at"))),
                      late_extended=Count("id", filter=Q(due_at__isnull=False, closed_at__gt=F("due_at"))),
                      extended=Count("id", filter=Q(original_due_at__isnull=False, due_at__gt=F("original_due_at"))))
            .order_by())
    units = {u.pk: u for u in Unit.objects.filter(pk__in=[r["lead_unit"] for r in rows])}
    result = [UnitMonth(units[r["lead_unit"]], r["finished"], r["late_original"], r["late_extended"], r["extended"])
              for r in rows]
    result.sort(key=lambda r: (-r.late_original, -r.late_extended, r.unit.sort_order, r.unit.pk))
    return result
