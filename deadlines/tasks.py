"""Background jobs of the deadlines app, run by the django-q2 worker (``manage.py qcluster``)
from the schedule ``deadlines.scan_deadlines`` (every five minutes, migration 0003)."""

from . import reminders


def scan_deadlines() -> str:
    """One reminder scan (催办, 逾期督促); the summary is stored as the job's result."""
    sent = reminders.scan()
    return f"催办扫描完成：发出{sent}条催办或逾期督促。"
