"""Helpers shared by the service-level suites: a snapshot of everything a service may
write, to prove that a refusal wrote nothing, and short-hands to find tasks."""

from contextlib import contextmanager

import pytest
from django.db import connection

from archive.models import (
    ArchiveItem,
    ArchiveSettings,
    ItemCounter,
    ItemDocument,
    RetentionRule,
    UnitCode,
    YearPackage,
)
from audit.models import AuditEvent, AuditHead
from deadlines.models import (
    CalendarDay,
    CalendarYear,
    Extension,
    Notification,
    Reminder,
    ReminderPolicy,
    TimeLimitRule,
    WorkingHours,
)
from documents.models import (
    Document,
    DocumentFile,
    DocumentReturn,
    FileVersion,
    IssuedNumber,
    JointIssuer,
    NumberCounter,
    NumberSeries,
    Recipient,
    RegistryCounter,
)
from drafting.models import CheckOverride, JointSignRequest, SignOff, VersionText
from exchange.models import Delivery, ExchangePackage, Receipt, TrustedKey
from flow.models import Activation, HistoryEvent, Opinion, Process, Task, TaskRole, TaskStatus
from gongwen.errors import DomainError
from org.models import Agency, Delegation, DutyShift, Person, Post, Unit
from sealing.models import Seal, SealUse
from search.models import SearchEntry, SearchState
from secrecy.models import ClassifiedCopy, CopyEvent, Destruction, ReadingScope, Registration, ReturnBatch
from supervision.models import ErrorRecord, ItemInstruction, ProgressReport, SupervisionEvent, SupervisionItem

# Every table a service writes to.
WRITTEN = [Agency, Unit, Person, Post, Delegation, DutyShift, Document, RegistryCounter, DocumentFile, FileVersion,
           DocumentReturn, Process, Activation, Task, Opinion, HistoryEvent, AuditEvent, AuditHead,
           CalendarYear, CalendarDay, WorkingHours, TimeLimitRule, ReminderPolicy, Reminder, Notification, Extension,
           SupervisionItem, SupervisionEvent, ItemInstruction, ProgressReport, ErrorRecord,
           Recipient, JointIssuer, NumberSeries, NumberCounter, IssuedNumber, VersionText, SignOff, CheckOverride,
           JointSignRequest,
           Registration, ReadingScope, ClassifiedCopy, CopyEvent, ReturnBatch, Destruction,
           Seal, SealUse, Delivery, Receipt, ExchangePackage, TrustedKey,
           ArchiveSettings, UnitCode, RetentionRule, ItemCounter, ArchiveItem, ItemDocument, YearPackage,
           SearchEntry, SearchState]


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
    guess the product makes: the product refuses unknown years (RULES.md §8)."""
    from datetime import date

    from deadlines.models import CalendarDay, CalendarYear

    CalendarYear.objects.get_or_create(year=year, defaults={"notice": "测试用年度安排"})
    holidays = holidays or [date(year, 1, 1)]
    CalendarDay.objects.bulk_create([CalendarDay(date=d, is_workday=False, name="测试放假") for d in holidays]
                                    + [CalendarDay(date=d, is_workday=True, name="测试调休") for d in workdays],
                                    ignore_conflicts=True)
