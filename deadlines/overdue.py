"""Reads for the reminder pages and the API: the office's overdue and approaching list
(逾期与临期), a document's due times and reminders, a person's notifications.

The overdue list walks the index ``task_overdue`` (status, due_at): open tasks whose due
time is before a bound, joined to their document for the agency; never all open tasks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from documents.access import visible_documents
from documents.models import Document
from flow.models import Task, TaskRole, TaskStatus
from gongwen.errors import PermissionDenied
from org.models import LEADER_POSTS, OFFICE_POSTS, Person, PostKind
from org.selectors import has_post

from .calendar import WorkCalendar, YearUnknown
from .models import Notification, Reminder
from .services import calendar_for

OVERDUE_POSTS = (*OFFICE_POSTS, PostKind.SUPERVISOR, *LEADER_POSTS)


def can_see_overdue(person: Person | None) -> bool:
    """Office staff, supervisors (督查员) and leaders see their agency's overdue list."""
    return (person is not None and person.is_active and not person.admin_role
            and has_post(person, *OVERDUE_POSTS))


def require_overdue(person: Person | None) -> None:
    if not can_see_overdue(person):
        raise PermissionDenied("逾期与临期公文清单仅供办公室人员、督查员和机关领导查看。")


_display: dict[int | None, tuple[float, WorkCalendar]] = {}
DISPLAY_TTL = 60.0


def display_calendar(agency) -> WorkCalendar:
    """The agency's calendar for badges and lists (逾期/临期, how late): reused for a minute
    within the process, so a page does not ask the calendar tables again on every view.
    Due times themselves are always computed with ``calendar_for`` (never stale)."""
    key = getattr(agency, "pk", agency)
    hit = _display.get(key)
    if hit is not None and time.monotonic() - hit[0] < DISPLAY_TTL:
        return hit[1]
    calendar = calendar_for(agency)
    if len(_display) > 256:
        _display.clear()
    _display[key] = (time.monotonic(), calendar)
    return calendar


def approaching_bound(calendar: WorkCalendar, now: datetime) -> datetime:
    """Due within one working day from now (a year without data: one calendar day)."""
    try:
        return calendar.add_days(now, 1)
    except YearUnknown:
        return now + timedelta(days=1)


def _agency_open_tasks(person: Person) -> QuerySet[Task]:
    """The agency's open tasks on documents the person may see (documents.access, the one
    rule: clearance alone never opens a classified document)."""
    return Task.objects.filter(status=TaskStatus.OPEN, document__agency_id=person.agency_id,
                               document__in=visible_documents(person)).exclude(role=TaskRole.CIRCULATE)


def overdue_tasks(person: Person, now: datetime | None = None, *, which: str = "") -> QuerySet[Task]:
    """Open tasks of the person's agency past due (``which="overdue"``), due within one
    working day (``"approaching"``) or both, within the person's clearance, the most
    overdue first; or those whose due time is 时限待定 (``"pending"``: next year's
    calendar not entered), the oldest first."""
    require_overdue(person)
    now = now or timezone.now()
    if which == "pending":
        return (_agency_open_tasks(person).filter(due_pending_year__isnull=False)
                .select_related("document", "assignee", "assignee_unit").order_by("created_at", "id"))
    qs = _agency_open_tasks(person).filter(due_at__isnull=False)
    if which == "overdue":
        qs = qs.filter(due_at__lte=now)
    elif which == "approaching":
        qs = qs.filter(due_at__gt=now, due_at__lte=approaching_bound(display_calendar(person.agency), now))
    else:
        qs = qs.filter(due_at__lte=approaching_bound(display_calendar(person.agency), now))
    return qs.select_related("document", "assignee", "assignee_unit").order_by("due_at", "id")


def overdue_counts(person: Person, now: datetime | None = None) -> dict[str, int]:
    """How many of the agency's open tasks are overdue and how many due within one
    working day, in one pass over the index range."""
    from django.db.models import Count, Q

    now = now or timezone.now()
    counts = overdue_tasks(person, now).order_by().aggregate(
        overdue=Count("id", filter=Q(due_at__lte=now)), approaching=Count("id", filter=Q(due_at__gt=now)))
    pending = overdue_tasks(person, now, which="pending").order_by().count()
    return {"overdue": counts["overdue"] or 0, "approaching": counts["approaching"] or 0, "pending": pending}


@dataclass
class Lateness:
    """How late a task is (or how little time is left), for the lists."""

    overdue: bool
    working_hours: float  # past the due time (overdue) or left before it
    calendar_days: int

    @property
    def text(self) -> str:
        hours = f"{self.working_hours:.1f}".rstrip("0").rstrip(".")
        if self.overdue:
            days = f"，{self.calendar_days}天" if self.calendar_days else ""
            return f"逾期{hours}个工作小时{days}"
        return f"剩余{hours}个工作小时"


def lateness(calendar: WorkCalendar, due: datetime, now: datetime) -> Lateness:
    a, b = (due, now) if now >= due else (now, due)
    try:
        hours = calendar.working_minutes_between(a, b) / 60
    except YearUnknown:
        hours = (b - a).total_seconds() / 3600
    return Lateness(now >= due, round(hours, 1), (b - a).days)


def annotate(tasks, person_agency, now: datetime | None = None) -> list[Task]:
    """Attach ``lateness`` to each task (one calendar for the page)."""
    now = now or timezone.now()
    calendar = display_calendar(person_agency)
    rows = list(tasks)
    for t in rows:
        t.lateness = lateness(calendar, t.due_at, now) if t.due_at is not None else None
    return rows


def state_of(due: datetime | None, now: datetime, bound: datetime) -> str:
    """"overdue", "approaching" (due within one working day) or ""."""
    if due is None:
        return ""
    if due <= now:
        return "overdue"
    return "approaching" if due <= bound else ""


def document_reminders(document: Document, limit: int = 50) -> list[Reminder]:
    return list(Reminder.objects.filter(document=document).select_related("recipient", "sent_by", "task")
                .order_by("-sent_at", "-id")[:limit])


def notifications(person: Person, *, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=person)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def mark_read(person: Person, notification_id: int | None = None) -> int:
    """Mark one notification (or all) of the person read; returns how many changed. One's
    own notifications only: another's id is as good as a missing one."""
    qs = Notification.objects.filter(recipient=person, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
