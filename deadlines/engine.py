"""What the routing engine asks the deadlines app: the implementation of ``flow.clock``
(the engine names this module by a dotted path and never imports the deadlines app)."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from . import services
from .calendar import YearUnknown
from .notify import notify
from .reminders import first_check
from .services import document_due

__all__ = ["document_due", "first_check", "is_non_working_day", "notify", "task_due"]


def task_due(document, node: dict, start: datetime) -> tuple[datetime | None, int | None]:
    return services.split_due(services.task_due(document, node, start))


def is_non_working_day(agency, at: datetime) -> bool:
    """Weekends and holidays of the agency's calendar; a make-up workday is a working day.
    A year the calendar does not know falls back to the weekday rule: a duty copy is a
    notice, not a deadline, and must not stop a document from being registered."""
    day: date = timezone.localtime(at).date()
    try:
        return not services.calendar_for(agency).is_workday(day)
    except YearUnknown:
        return day.weekday() >= 5

