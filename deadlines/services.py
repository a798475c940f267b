"""Due times (办理时限): the calendar of an agency, the time-limit rules, the due time of a
document and of each task, the sender's wording, and the administrator's calendar edits.

The routing engine asks ``task_due`` for every task it creates and ``document_due`` when
a process starts; every rule is data (``TimeLimitRule``), RULES.md §6 being the shipped
default (``deadlines.defaults``).

A due time that falls in a year whose holiday schedule is not entered is never guessed
and never refused: it is ``Pending`` (时限待定, "2027年日历未录入"), the document is
registered and routed all the same, and ``deadlines.pending`` computes it the moment the
year is entered. What can be computed still is: the earlier of several limits is exact
whenever it ends before the unknown year begins (a limit that ends on 31 December, the
sender's own "12月30日下班前", which needs no calendar at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

import audit.services as audit
from documents.models import Document
from flow.models import NodeKind
from gongwen.errors import DomainError, PermissionDenied
from org.models import AdminRole, Agency, Person

from .calendar import LOCAL, Hours, WorkCalendar, YearUnknown
from .models import (
    CalendarDay,
    CalendarYear,
    LimitCondition,
    LimitScope,
    LimitUnit,
    TimeLimitRule,
    WorkingHours,
)

__all__ = ["YearUnknown", "Pending", "pending_reason", "calendar_for", "add_limit", "limit_due", "earliest", "rule_for",
           "document_due", "task_due", "sender_deadline", "enter_year", "set_day", "set_working_hours",
           "missing_next_year", "require_calendar_admin", "DayRange"]

DEFAULT_HOURS = Hours.of((time(8, 30), time(12, 0)), (time(14, 30), time(18, 0)))

# --- the calendar ------------------------------------------------------------------------

_cache: dict[tuple, WorkCalendar] = {}


def _version() -> tuple:
    """What changes whenever the calendar tables do (a row added, removed or edited): the
    count, latest edit and top key of the years, the count, last date and top id of the
    days. One query (two scalar subqueries per table), asked on every ``calendar_for``."""
    qn = connection.ops.quote_name
    parts = [(CalendarYear, "COUNT(*)"), (CalendarYear, f"MAX({qn('updated_at')})"), (CalendarYear, f"MAX({qn('year')})"),
             (CalendarDay, "COUNT(*)"), (CalendarDay, f"MAX({qn('date')})"), (CalendarDay, f"MAX({qn('id')})")]
    # Only names from the models' metadata go into the text; no value does.
    sql = "SELECT " + ", ".join(f"(SELECT {what} FROM {qn(model._meta.db_table)})" for model, what in parts)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def clear_cache() -> None:
    _cache.clear()


def hours_for(agency: Agency | None) -> Hours:
    match = Q(agency__isnull=True) | Q(agency=agency) if agency is not None else Q(agency__isnull=True)
    rows = {wh.agency_id: wh for wh in WorkingHours.objects.filter(match)}
    wh = rows.get(getattr(agency, "pk", None)) or rows.get(None)
    if wh is None:
        return DEFAULT_HOURS
    return Hours.of((wh.morning_start, wh.morning_end), (wh.afternoon_start, wh.afternoon_end))


def calendar_for(agency: Agency | None = None) -> WorkCalendar:
    """The working calendar of an agency (its hours, the deployment's days), cached per
    version of the calendar tables."""
    hours = hours_for(agency)
    key = (hours, _version())
    calendar = _cache.get(key)
    if calendar is None:
        if len(_cache) > 16:
            _cache.clear()
        years = set(CalendarYear.objects.values_list("year", flat=True))
        exceptions = dict(CalendarDay.objects.values_list("date", "is_workday"))
        calendar = _cache[key] = WorkCalendar(hours, years, exceptions)
    return calendar


def add_limit(calendar: WorkCalendar, start: datetime, amount: int, unit: str) -> datetime:
    if unit == LimitUnit.WORK_MINUTES:
        return calendar.add_minutes(start, amount)
    if unit == LimitUnit.WORK_HOURS:
        return calendar.add_hours(start, amount)
    if unit == LimitUnit.WORK_DAYS:
        return calendar.add_days(start, amount)
    if unit == LimitUnit.CLOCK_MINUTES:
        return start + timedelta(minutes=amount)
    if unit == LimitUnit.CLOCK_HOURS:
        return start + timedelta(hours=amount)
    if unit == LimitUnit.CLOCK_DAYS:
        return start + timedelta(days=amount)
    raise ValueError(unit)


def pending_reason(year: int) -> str:
    """Why a due time is 时限待定, as every page and the API say it."""
    return f"{year}年日历未录入"


@dataclass(frozen=True)
class Pending:
    """A due time not known yet (时限待定): it needs the holiday schedule of ``year``, which
    is not entered. Whatever it turns out to be, it is not earlier than ``not_before``."""

    year: int
    not_before: datetime

    @property
    def reason(self) -> str:
        return pending_reason(self.year)

    @classmethod
    def of_year(cls, year: int, start: datetime | None = None) -> Pending:
        """Pending on ``year``: a limit counted from ``start`` that runs into that year ends
        no earlier than the year's first instant (nor than ``start`` itself)."""
        first = datetime(year, 1, 1, tzinfo=LOCAL())
        return cls(year, max(first, start) if start is not None else first)


def limit_due(calendar: WorkCalendar, start: datetime, amount: int, unit: str) -> datetime | Pending:
    """``add_limit``, or ``Pending`` where the result needs a year the calendar lacks."""
    try:
        return add_limit(calendar, start, amount, unit)
    except YearUnknown as exc:
        return Pending.of_year(exc.year, start)


def earliest(options) -> datetime | Pending | None:
    """The earliest of several due times, some of which may be pending. It is exact when
    an exact one ends no later than every pending one can begin; otherwise it is pending
    on the earliest missing year (and never earlier than the earliest bound)."""
    options = [o for o in options if o is not None]
    exact = [o for o in options if not isinstance(o, Pending)]
    pending = [o for o in options if isinstance(o, Pending)]
    if exact and (not pending or min(exact) <= min(p.not_before for p in pending)):
        return min(exact)
    if not pending:
        return None
    return Pending(min(p.year for p in pending), min(p.not_before for p in pending))


def split_due(due: datetime | Pending | None) -> tuple[datetime | None, int | None]:
    """(due_at, due_pending_year) as the models store them."""
    if isinstance(due, Pending):
        return None, due.year
    return due, None


def stored_due(due_at: datetime | None, pending_year: int | None) -> datetime | Pending | None:
    """The due time a row stores, back as ``task_due`` gives it."""
    if pending_year:
        return Pending.of_year(pending_year)
    return due_at


# --- rules ---------------------------------------------------------------------------------


def _conditions(document: Document) -> set[str]:
    flags = {""}
    if document.needs_proxy_draft:
        flags.add(LimitCondition.PROXY_DRAFT)
    if document.is_emergency_report:
        flags.add(LimitCondition.EMERGENCY_REPORT)
    if getattr(document, "is_policy", False):
        flags.add(LimitCondition.POLICY)
    return flags


def rule_for(document: Document, *, scope: str, node_kind: str = "") -> TimeLimitRule | None:
    """The most specific active rule for the document (and node kind): the agency's own
    rules before the defaults, then the one matching the most fields."""
    conditions = _conditions(document)
    candidates = [
        r for r in TimeLimitRule.objects.filter(Q(agency__isnull=True) | Q(agency=document.agency_id),
                                                scope=scope, is_active=True)
        if r.node_kind in ("", node_kind) and r.doc_type in ("", document.doc_type)
        and r.urgency in ("", document.urgency) and r.condition in conditions
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda r: (r.agency_id is not None, r.specificity, -r.pk))


@dataclass
class Due:
    at: datetime | None
    source: str  # what set it, for the page: 来文时限 / a rule's name / 环节时限
    pending_year: int | None = None  # 时限待定: the year whose schedule it waits for


def document_due(document: Document) -> Due:
    """The document's own due time: the earlier of the sender's deadline and the
    document-wide rule counted from receipt (telegrams, emergency reports). The sender's
    deadline is a date and a clock time and needs no calendar; where the rule's end lies
    in a year not entered, the earlier of the two is exact if the sender's comes first,
    else the due time is pending (``Due.pending_year``)."""
    options: dict = {}
    if document.sender_deadline:
        options[document.sender_deadline] = f"来文要求：{document.sender_deadline_text or '来文时限'}"
    rule = rule_for(document, scope=LimitScope.DOCUMENT)
    if rule is not None:
        due = limit_due(calendar_for(document.agency), document.received_at, rule.amount, rule.unit)
        options.setdefault(due, rule.name)
    due = earliest(options)
    if due is None:
        return Due(None, "")
    if isinstance(due, Pending):
        return Due(None, due.reason, pending_year=due.year)
    return Due(due, options[due])


def task_due(document: Document, node: dict, start: datetime) -> datetime | Pending | None:
    """Due time of a task entering ``node`` at ``start``: the node's own limit (the
    template's hours, else the rule) or the document's due time, whichever is earlier;
    ``Pending`` while that needs a year the calendar lacks."""
    options = [stored_due(document.due_at, document.due_pending_year)]
    if node.get("time_limit_hours"):
        options.append(limit_due(calendar_for(document.agency), start, node["time_limit_hours"],
                                 LimitUnit.WORK_HOURS))
    else:
        rule = rule_for(document, scope=LimitScope.NODE, node_kind=node["kind"])
        if rule is not None:
            options.append(limit_due(calendar_for(document.agency), start, rule.amount, rule.unit))
    return earliest(options)


def sign_for_due(document: Document, start: datetime) -> datetime | Pending | None:
    """Sign-for due time of a document waiting at the 签收 node (C06)."""
    return task_due(document, {"kind": NodeKind.SIGN_FOR}, start)


# --- the sender's wording --------------------------------------------------------------------

NOON = "noon"
CLOSE = "close"
AT_TIME = "time"


def sender_deadline(agency: Agency | None, day: date, kind: str = CLOSE, at: time | None = None) -> tuple[datetime, str]:
    """A deadline as the sender writes it: "3月8日上午下班前" is the end of that day's
    morning period, "下班前" the end of the day, or a given time."""
    hours = hours_for(agency)
    if kind == NOON:
        clock, text = hours.end_of_morning(), f"{day.month}月{day.day}日上午下班前"
    elif kind == AT_TIME:
        if at is None:
            raise DomainError("请填写时限的具体时间。")
        clock, text = at, f"{day.month}月{day.day}日{at:%H:%M}前"
    elif kind in (CLOSE, ""):
        clock, text = hours.end_of_day(), f"{day.month}月{day.day}日下班前"
    else:
        raise DomainError("时限类别无效，应为上午下班前、下班前或具体时间。")
    return timezone.make_aware(datetime.combine(day, clock), LOCAL()), text


# --- the administrator's edits ------------------------------------------------------------------


def require_calendar_admin(actor: Person | None) -> None:
    """Only the system administrator keeps the working calendar and the working hours."""
    if actor is None or actor.admin_role != AdminRole.SYSTEM:
        raise PermissionDenied("只有系统管理员可以维护工作日历和作息时间。")


@dataclass
class DayRange:
    start: date
    end: date
    name: str = ""


def enter_year(*, actor: Person, year: int, holidays: list[DayRange], workdays: list[DayRange],
               notice: str = "", adjacent: list[tuple[date, bool, str]] = ()) -> CalendarYear:
    """Enter (or replace) a year's State Council schedule: the holiday ranges and the
    make-up workdays. Weekends not listed stay off, weekdays not listed stay on. Every due
    time left 时限待定 for want of this year is computed in the same transaction
    (``deadlines.pending.resolve``). ``adjacent``: days of a neighbouring year that the
    notice also sets (元旦 from 30 December), applied where that year is entered."""
    require_calendar_admin(actor)
    if not 2000 <= year <= 2100:
        raise DomainError("年度无效。")
    if not holidays:
        raise DomainError(f"请至少录入一段{year}年的放假日期（国务院公布的节假日安排）。")
    days: dict[date, tuple[bool, str]] = {}
    for is_workday, ranges in ((False, holidays), (True, workdays)):
        for r in ranges:
            if r.end < r.start:
                raise DomainError(f"“{r.name or '日期段'}”的结束日期早于开始日期。")
            if r.start.year != year or r.end.year != year:
                raise DomainError(f"“{r.name or '日期段'}”不在{year}年内：请只录入{year}年的日期。")
            if (r.end - r.start).days > 20:
                raise DomainError(f"“{r.name or '日期段'}”超过20天，请核对日期。")
            d = r.start
            while d <= r.end:
                if d in days and days[d][0] != is_workday:
                    raise DomainError(f"{d.month}月{d.day}日既录为放假又录为上班，请核对。")
                if is_workday and d.weekday() < 5:
                    raise DomainError(f"{d.month}月{d.day}日是工作日，不需要录为调休上班日。")
                days[d] = (is_workday, (r.name or ("调休上班" if is_workday else "放假")).strip()[:40])
                d += timedelta(days=1)
    from .pending import resolve  # pending computes with this module's due-time functions

    with transaction.atomic():
        old = CalendarYear.objects.filter(year=year).first()
        CalendarDay.objects.filter(date__year=year).delete()
        CalendarDay.objects.bulk_create([CalendarDay(date=d, is_workday=w, name=n) for d, (w, n) in sorted(days.items())])
        row, _ = CalendarYear.objects.update_or_create(year=year, defaults={
            "source": CalendarYear.Source.MANUAL, "notice": notice.strip()[:200], "entered_by": actor,
            "updated_at": timezone.now()})
        changed = _apply_adjacent(adjacent, year)
        audit.record(actor=actor, action="deadlines.enter_year", target=row,
                     old={"year": year} if old else None,
                     new={"year": year, "holidays": sum(1 for w, _ in days.values() if not w),
                          "workdays": sum(1 for w, _ in days.values() if w),
                          **({"adjacent": changed} if changed else {})})
        transaction.on_commit(clear_cache)
        clear_cache()
        row.resolved = resolve(actor=actor, years={year})  # how many 时限待定 tasks got a due time, for the page
    clear_cache()
    return row


def _apply_adjacent(days: list[tuple[date, bool, str]], year: int) -> list[str]:
    """Set the days of the neighbouring years that a notice names (the 2019 notice makes
    29 December 2018 a workday and 31 December 2018 a holiday) where that year is
    entered; returns the days changed. A year not entered gets them when it is."""
    known = set(CalendarYear.objects.filter(year__in={d.year for d, _, _ in days}).values_list("year", flat=True))
    changed = []
    for day, is_workday, name in days:
        if day.year == year or day.year not in known:
            continue
        CalendarDay.objects.filter(date=day).delete()
        if not is_workday or day.weekday() >= 5:  # as enter_year keeps them: a break's weekend days too
            CalendarDay.objects.create(date=day, is_workday=is_workday, name=name[:40])
        changed.append(day.isoformat())
    if changed:
        CalendarYear.objects.filter(year__in={date.fromisoformat(d).year for d in changed}).update(
            updated_at=timezone.now())
    return changed


def set_day(*, actor: Person, day: date, is_workday: bool | None, name: str = "") -> None:
    """Correct one day: a holiday, a make-up workday, or back to the weekday rule (None)."""
    require_calendar_admin(actor)
    if not CalendarYear.objects.filter(year=day.year).exists():
        raise DomainError(f"{day.year}年的节假日安排尚未录入，请先录入全年安排。")
    with transaction.atomic():
        old = CalendarDay.objects.filter(date=day).first()
        CalendarDay.objects.filter(date=day).delete()
        if is_workday is not None and is_workday != (day.weekday() < 5):
            CalendarDay.objects.create(date=day, is_workday=is_workday, name=name.strip()[:40])
        CalendarYear.objects.filter(year=day.year).update(updated_at=timezone.now())
        audit.record(actor=actor, action="deadlines.set_day", target=("CalendarDay", day.isoformat()),
                     old={"is_workday": old.is_workday} if old else None, new={"is_workday": is_workday})
    clear_cache()


def set_working_hours(*, actor: Person, agency: Agency | None, morning: tuple[time, time],
                      afternoon: tuple[time, time]) -> WorkingHours:
    require_calendar_admin(actor)
    Hours.of(morning, afternoon)  # validates
    with transaction.atomic():
        row, _ = WorkingHours.objects.update_or_create(agency=agency, defaults={
            "morning_start": morning[0], "morning_end": morning[1],
            "afternoon_start": afternoon[0], "afternoon_end": afternoon[1]})
        audit.record(actor=actor, action="deadlines.set_working_hours", target=row,
                     new={"agency": getattr(agency, "pk", None), "hours": str(row)})
    clear_cache()
    return row


def missing_next_year(today: date | None = None) -> int | None:
    """From 1 November, next year when its schedule is not entered (for the dashboard)."""
    today = today or timezone.localdate()
    if today.month < 11:
        return None
    nxt = today.year + 1
    return None if CalendarYear.objects.filter(year=nxt).exists() else nxt
