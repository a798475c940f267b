"""Helpers shared by the service-level suites: a snapshot of everything a service may
write, to prove that a refusal wrote nothing, and short-hands to find tasks."""

from contextlib import contextmanager
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from audit.models import AuditEvent
from deadlines.models import CalendarDay, CalendarYear
from documents.models import Document
from flow.models import HistoryEvent, Opinion, Task, TaskRole, TaskStatus
from gongwen.errors import DomainError

# Every table a service may write to: every model of the project's own apps (every installed
# app that lives in this repository), derived from the app registry so that a new model, or a
# new app, is covered the day it is added. The one list of written tables: every snapshot in
# the suites (api/tests/helpers.py, supervision/tests/support.py, the calendar suites) uses it.
ROOT = Path(__file__).resolve().parent.parent
OUR_APPS = tuple(c.label for c in apps.get_app_configs() if Path(c.path).resolve().parent == ROOT)


def written_models() -> list[type]:
    return [m for m in apps.get_models() if m._meta.app_label in OUR_APPS and m._meta.managed and not m._meta.proxy]


# Not part of what a refusal may not write: API tokens, issued by the tests' own API client on
# a person's first request (the API suite's snapshot, api/tests/helpers.py, keeps them, less
# their last use); and the note of a refused access, which is the refusal's own security
# record (audit.refusals).
NOT_WRITTEN_BY_SERVICES = ("api.ApiToken", "audit.AccessRefusal")
WRITTEN = [m for m in written_models() if m._meta.label not in NOT_WRITTEN_BY_SERVICES]


def _tables() -> list[str]:
    tables = []
    for model in WRITTEN:
        tables.append(model._meta.db_table)
        for f in model._meta.many_to_many:
            tables.append(f.remote_field.through._meta.db_table)
    return tables


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table a service writes (raw SQL: this runs around every refusal)."""
    result = {}
    with connection.cursor() as cursor:
        for table in _tables():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")  # noqa: S608
            result[table] = cursor.fetchall()
    return result


def diff(before: dict, after: dict) -> list[str]:
    changed = []
    for name in before:
        if before[name] != after[name]:
            changed.append(name)
    return changed


@contextmanager
def refused(match: str | None = None, exc: type[Exception] = DomainError):
    """Expect a refusal with a Chinese message, and that nothing at all was written."""
    before = snapshot()
    with pytest.raises(exc, match=match) as info:
        yield info
    message = getattr(info.value, "message", str(info.value))
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), f"refusal without a Chinese message: {message!r}"
    after = snapshot()
    assert not diff(before, after), f"a refusal changed {diff(before, after)}: {message}"


def open_task(document, person, role=TaskRole.MAIN) -> Task:
    return Task.objects.get(document=document, assignee=person, status=TaskStatus.OPEN, role=role)


def open_tasks(document) -> list[Task]:
    return list(Task.objects.filter(document=document, status=TaskStatus.OPEN).order_by("id"))


def counts() -> dict[str, int]:
    return {"history": HistoryEvent.objects.count(), "opinions": Opinion.objects.count(),
            "audit": AuditEvent.objects.count(), "documents": Document.objects.count()}


def known_year(year: int, holidays=(), workdays=()) -> None:
    """Make a year known to the working calendar for a test that travels into it. The
    schedule is the test's own assumption (weekdays work, plus the given days), never a
    guess the product makes: due times in unknown years are 时限待定 (RULES.md §8)."""
    from datetime import date

    CalendarYear.objects.get_or_create(year=year, defaults={"notice": "测试用年度安排"})
    holidays = holidays or [date(year, 1, 1)]
    CalendarDay.objects.bulk_create([CalendarDay(date=d, is_workday=False, name="测试放假") for d in holidays]
                                    + [CalendarDay(date=d, is_workday=True, name="测试调休") for d in workdays],
                                    ignore_conflicts=True)
