"""Background jobs of the supervision app, run by the django-q2 worker on the schedule
created by migration 0003 (every hour)."""

from . import services


def scan_stalled() -> str:
    """停滞督促: flag and escalate items without a progress report for their interval."""
    return str(services.scan_stalled())
