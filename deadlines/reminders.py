"""When a task's reminders fall due (催办时点). The scheduled scan (``scan``, below the
schedule) reads only open tasks whose ``next_reminder_at`` has come, through an index.

Stages of one task, each sent at most once (a unique constraint on the reminder):
  half    half of the allowed working time has passed (if the policy says so)
  before  ``before_minutes`` of working time before the due time
  due     at the due time
  escalate_head    ``escalate_head_after`` working minutes after it: the holder's unit head
  escalate_leader  ``escalate_leader_after`` after it: the leader in charge of that unit
"""

from __future__ import annotations

from datetime import datetime

from documents.models import Document

from .calendar import YearUnknown
from .models import ReminderKind, ReminderPolicy


def policy_for(agency_id: int | None) -> ReminderPolicy:
    rows = {p.agency_id: p for p in ReminderPolicy.objects.filter(agency_id__in=[agency_id])}
    if agency_id not in rows:
        rows.update({p.agency_id: p for p in ReminderPolicy.objects.filter(agency__isnull=True)})
    return rows.get(agency_id) or rows.get(None) or ReminderPolicy()


def stages(document: Document, start: datetime, due: datetime | None,
           policy: ReminderPolicy | None = None) -> list[tuple[str, datetime]]:
    """The reminder stages of a task that started at ``start`` and is due at ``due``, in
    time order. Where the calendar has no data (a year not entered yet), a stage after the
    due time falls back to the due time itself rather than being guessed."""
    if due is None:
        return []
    from .services import calendar_for

    policy = policy or policy_for(document.agency_id)
    calendar = calendar_for(document.agency)
    out: list[tuple[str, datetime]] = []
    try:
        begin, end = calendar.position(start), calendar.position(due)
    except YearUnknown:
        begin = end = None
    if begin is not None and end > begin:
        if policy.at_half:
            out.append((ReminderKind.HALF, calendar.instant(begin + (end - begin) / 2)))
        if policy.before_minutes and end - policy.before_minutes * 60 > begin:
            out.append((ReminderKind.BEFORE, calendar.instant(end - policy.before_minutes * 60)))
    out.append((ReminderKind.DUE, due))
    for kind, after in ((ReminderKind.ESCALATE_HEAD, policy.escalate_head_after),
                        (ReminderKind.ESCALATE_LEADER, policy.escalate_leader_after)):
        try:
            at = calendar.add_minutes(due, after) if after else due
        except YearUnknown:
            at = due
        out.append((kind, max(at, due)))
    # Half and before at one instant (a short limit): one reminder is enough.
    befores = {at for kind, at in out if kind == ReminderKind.BEFORE}
    out = [(kind, at) for kind, at in out if not (kind == ReminderKind.HALF and at in befores)]
    out.sort(key=lambda s: s[1])
    return out


def first_check(document: Document, start: datetime, due: datetime | None) -> datetime | None:
    """When the scan should first look at a new task (``Task.next_reminder_at``)."""
    s = stages(document, start, due)
    return s[0][1] if s else None


def next_check(document: Document, start: datetime, due: datetime | None, after: datetime) -> datetime | None:
    """The first stage strictly after ``after`` (after a scan, or when the due time moved)."""
    for _kind, at in stages(document, start, due):
        if at > after:
            return at
    return None
