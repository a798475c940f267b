"""时限待定: due times that wait for a year's holiday schedule, loud until the year is
entered and computed the moment it is.

From about 15 December a limit of several working days ends in a year whose State Council
schedule is not published or not entered yet (RULES.md §8: never guessed). Such a due
time is stored as pending (``due_at`` null, ``due_pending_year`` the year it needs) on the
task and, for a document-wide limit, on the document; intake and routing go on as usual
(``deadlines.services.task_due``). This module does the rest:

- ``resolve``: compute every pending due time whose year is now known, exactly as it would
  have been computed had the year been there from the start (the limit counts from the
  same instant, the activation of the node); write a history event per task, schedule its
  reminders and tell the holders of open tasks. ``services.enter_year`` calls it in the
  same transaction; the reminder scan calls it too, for a year that arrived another way
  (a newer chinesecalendar seeded by a migration).
- ``alert``: once a day, while any open task is pending, the office director of each
  agency concerned and the system administrators are told how many tasks wait.
- ``summary``: the counts behind the 工作台 banner and the administrator's dashboard.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

import audit.services as audit
from documents.access import seen_by_all, visible_documents
from documents.models import Document, pending_due_reason
from flow.models import HistoryAction, HistoryEvent, Task, TaskStatus
from org.models import OFFICE_POSTS, AdminRole, Person, PostKind
from org.selectors import has_post, persons_with_post

from . import reminders
from .calendar import LOCAL
from .models import CalendarYear, PendingDueAlert, Reminder, ReminderKind
from .notify import notify
from .services import document_due, split_due, task_due

__all__ = ["resolve", "alert", "summary", "Summary", "open_pending_tasks"]


def _fmt(at: datetime) -> str:
    local = timezone.localtime(at)
    return f"{local.year}年{local.month}月{local.day}日{local:%H:%M}"


def open_pending_tasks():
    """Open tasks whose due time is 时限待定 (through the partial index task_due_pending)."""
    return Task.objects.filter(due_pending_year__isnull=False, status=TaskStatus.OPEN)


# --- computing them when the year arrives ---------------------------------------------------------


def resolve(*, actor: Person | None = None, now: datetime | None = None, years: set[int] | None = None) -> int:
    """Compute the pending due times whose year is known now; returns how many tasks got
    one. ``years``: the years just entered (default: those the pending rows wait for),
    whose open tasks also get their reminders scheduled in full (``_reschedule``). Must
    run inside the caller's transaction (it locks the documents first, in primary-key
    order, as every service does, then their tasks)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("deadlines.pending.resolve must run inside the caller's transaction")
    now = now or timezone.now()
    known = set(CalendarYear.objects.values_list("year", flat=True))
    waiting = Q(due_pending_year__in=known)
    doc_ids = set(Document.objects.filter(waiting).values_list("pk", flat=True))
    doc_ids |= set(Task.objects.filter(waiting).values_list("document_id", flat=True))
    if years is None:
        years = set(Document.objects.filter(waiting).values_list("due_pending_year", flat=True))
        years |= set(Task.objects.filter(waiting).values_list("due_pending_year", flat=True))
    _reschedule(years & known)
    if not doc_ids:
        return 0
    documents = {d.pk: d for d in Document.objects.select_for_update().filter(pk__in=doc_ids)
                 .select_related("agency").order_by("pk")}
    for document in documents.values():
        if document.due_pending_year in known:
            due = document_due(document)
            document.due_at = document.original_due_at = due.at
            document.due_pending_year = due.pending_year
            document.save(update_fields=["due_at", "original_due_at", "due_pending_year"])
    tasks = list(Task.objects.select_for_update(of=("self",)).filter(waiting, document_id__in=doc_ids)
                 .select_related("activation", "process", "assignee").order_by("pk"))
    resolved = 0
    years = {d.due_pending_year for d in documents.values()} | {t.due_pending_year for t in tasks}
    for task in tasks:
        document = task.document = documents[task.document_id]
        year = task.due_pending_year
        node = None if task.activation.is_side else task.process.node(task.activation.node_key)
        if node is None:  # side copies (传阅, 值班) carry no limit of their own
            due, pending_year = None, None
        else:
            due, pending_year = split_due(task_due(document, node, task.activation.created_at))
        task.due_at = task.original_due_at = due
        task.due_pending_year = pending_year
        task.next_reminder_at = (reminders.first_check(document, task.created_at, due)
                                 if due is not None and task.status == TaskStatus.OPEN else None)
        task.save(update_fields=["due_at", "original_due_at", "due_pending_year", "next_reminder_at"])
        if pending_year is not None:
            continue  # still waiting, now for a later year
        resolved += 1
        text = (f"{year}年节假日安排已录入，“{task.node_name}”环节的办理时限确定为{_fmt(due)}。" if due
                else f"{year}年节假日安排已录入，“{task.node_name}”环节无办理时限。")
        HistoryEvent.objects.create(document=document, process_id=task.process_id, task=task, actor=actor,
                                    action=HistoryAction.DUE_SET, from_node=task.node_name,
                                    targets=[task.assignee.name], opinion=text, at=now)
        if due is not None and task.status == TaskStatus.OPEN:
            url = reverse("web:document", args=[document.pk])
            for person in reminders.holders(task, now):
                notify(person, title=f"办理时限已确定：《{document.title}》"[:200], body=text, url=url,
                       document=document)
    audit.record(actor=actor, action="deadlines.resolve_pending",
                 target=("CalendarYear", "、".join(str(y) for y in sorted(y for y in years if y))),
                 new={"tasks": resolved, "documents": len(documents)})
    return resolved


def _reschedule(years: set[int]) -> None:
    """Open tasks with a due time whose reminder stages needed one of ``years`` (the due
    time or the start lies in it): while the year was unknown their stages were cut to the
    due time itself (``reminders.stages``); now they get the full schedule, as if the
    year had been known from the start. Stages already sent are not sent again."""
    if not years:
        return
    window = Q()
    for year in years:
        first, after = datetime(year, 1, 1, tzinfo=LOCAL()), datetime(year + 1, 1, 1, tzinfo=LOCAL())
        window |= Q(due_at__gte=first, due_at__lt=after) | Q(created_at__gte=first, created_at__lt=after)
    tasks = list(Task.objects.filter(window, status=TaskStatus.OPEN, due_at__isnull=False, due_pending_year__isnull=True)
                 .select_related("document", "document__agency"))
    sent = set(Reminder.objects.filter(task__in=tasks).exclude(kind=ReminderKind.MANUAL)
               .values_list("task_id", "kind"))
    for task in tasks:
        nxt = next((at for kind, at in reminders.stages(task.document, task.created_at, task.due_at)
                    if (task.pk, kind) not in sent), None)
        if nxt != task.next_reminder_at:
            Task.objects.filter(pk=task.pk).update(next_reminder_at=nxt)


# --- loud until fixed -------------------------------------------------------------------------------


@dataclass
class Summary:
    """Open tasks 时限待定 that someone may know of, and the years they wait for."""

    count: int
    years: list[int]

    @property
    def reason(self) -> str:
        return "、".join(pending_due_reason(y) for y in self.years)

    @property
    def years_text(self) -> str:
        return "、".join(f"{y}年" for y in self.years)

    def __bool__(self) -> bool:
        return self.count > 0


def _summarise(qs) -> Summary:
    years = Counter(qs.values_list("due_pending_year", flat=True))
    return Summary(sum(years.values()), sorted(years))


def summary(person: Person | None) -> Summary:
    """For the 工作台 banner: the open pending tasks of the person's agency on documents they
    may see, for office staff (办公室) and the office director; for the system
    administrator, those of every agency on unclassified documents (the number, never a
    title). Anyone else: none."""
    if person is None or not person.is_active:
        return Summary(0, [])
    if person.admin_role == AdminRole.SYSTEM:
        return _summarise(open_pending_tasks().filter(seen_by_all("document")))
    if person.admin_role or person.agency_id is None or not has_post(person, *OFFICE_POSTS):
        return Summary(0, [])
    # The pending tasks first, on their partial index alone (few, and none most of the year;
    # joined to the documents, SQLite walks every document of the agency instead: 140 ms at
    # 100,000 documents, measured), then the agency and visibility rules on those documents.
    candidates = list(open_pending_tasks().order_by().values_list("pk", "document_id"))
    if not candidates:
        return Summary(0, [])
    if len(candidates) > 5000:  # beyond what an id list should carry: the rules in one query
        return _summarise(open_pending_tasks().filter(document__agency_id=person.agency_id,
                                                      document__in=visible_documents(person)))
    documents = {d for _, d in candidates}
    seen = set(visible_documents(person).filter(pk__in=documents, agency_id=person.agency_id)
               .values_list("pk", flat=True))
    return _summarise(open_pending_tasks().filter(pk__in=[t for t, d in candidates if d in seen]))


def _recipients() -> list[tuple[Person, Summary, str]]:
    """Who is told, with what count and which page to open."""
    pending = open_pending_tasks()
    agencies = set(pending.values_list("document__agency_id", flat=True))
    out = []
    for agency_id in sorted(agencies):
        for director in persons_with_post(agency_id, PostKind.OFFICE_DIRECTOR):
            s = summary(director)
            if s:
                out.append((director, s, reverse("deadlines:overdue") + "?show=pending"))
    for admin in Person.objects.filter(admin_role=AdminRole.SYSTEM, is_active=True).order_by("pk"):
        s = summary(admin)
        if s:
            out.append((admin, s, reverse("deadlines:calendar_enter") + f"?year={s.years[0]}"))
    return out


def alert(now: datetime | None = None) -> int:
    """Once a day (the first scan of the day), while open tasks are 时限待定, tell each
    office director concerned and the system administrators how many wait; returns how
    many were told. A unique row per person and day keeps it to once, however many
    workers scan."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not open_pending_tasks().exists():
        return 0
    told = 0
    for person, s, url in _recipients():
        try:
            with transaction.atomic():
                PendingDueAlert.objects.create(recipient=person, day=today, count=s.count, created_at=now)
                if person.admin_role == AdminRole.SYSTEM:
                    body = (f"共有{s.count}项待办因{s.reason}而办理时限待定，公文照常流转，但不会按时催办。"
                            f"请尽快按国务院办公厅通知录入{s.years_text}节假日安排，录入后系统立即计算全部时限并通知办理人。")
                else:
                    body = (f"本机关共有{s.count}项待办因{s.reason}而办理时限待定，公文照常流转，但不会按时催办。"
                            f"已通知系统管理员录入{s.years_text}节假日安排；录入前请人工掌握办理进度。")
                notify(person, title=f"{s.count}项待办时限待定：{s.reason}", body=body, url=url)
        except IntegrityError:
            continue  # told today already
        told += 1
    return told
