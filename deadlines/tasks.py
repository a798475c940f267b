"""Background jobs of the deadlines app, run by the django-q2 worker (``manage.py qcluster``)
from the schedule ``deadlines.scan_deadlines`` (every five minutes, migration 0003)."""

from django.db import transaction

from . import pending, reminders


def scan_deadlines() -> str:
    """One reminder scan (催办, 逾期督促), then the due times waiting for a year's calendar
    (时限待定): computed if the year has arrived some other way than the administrator's
    entry (which computes them at once), and announced once a day while they wait. The
    summary is stored as the job's result."""
    sent = reminders.scan()
    with transaction.atomic():
        resolved = pending.resolve()
    told = pending.alert()
    summary = f"催办扫描完成：发出{sent}条催办或逾期督促。"
    if resolved:
        summary += f"已计算{resolved}项时限待定待办的办理时限。"
    if told:
        summary += f"已向{told}人发出时限待定提醒。"
    return summary
