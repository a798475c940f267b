"""Reads of the routing engine: inboxes, the processing slip, the timeline, and the
operations a person may perform on a document right now.

Lists used by pages, exports and the API alike; each takes the person and goes through
``documents.access.visible_documents`` or the person's own tasks, never around them.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from documents.access import seen_by_all
from documents.models import Document
from gongwen.errors import DomainError
from org.models import Person
from org.selectors import delegators_of

from . import access
from .models import Activation, HistoryEvent, Mode, NodeKind, Operation, Opinion, Task, TaskRole, TaskStatus


def _holders(person: Person | None) -> list[int]:
    # Nobody signed in holds nothing (filtering on None would match NULL columns).
    if person is None:
        return []
    return [person.pk, *delegators_of(person)]


def _with_document(qs: QuerySet[Task]) -> QuerySet[Task]:
    return qs.select_related("document", "document__agency", "document__sender", "assignee", "sent_by")


def held_by(person: Person | None, delegators=None) -> Q:
    """My tasks, and those of the people I stand in for on unclassified documents only: a
    stand-in's list, badge and counts never show a classified document of the delegator
    (documents.access: a delegation opens nothing beyond the stand-in's own scope).
    ``delegators``: their ids, when the caller has them already.

    Index-friendly: the delegators are read first (usually none), so the condition on the
    assignee is one equality or one IN list, which the (assignee, status …) indexes serve —
    not ``assignee = me OR assignee IN (subquery)``, which PostgreSQL answers by scanning
    every open task. The classified check then applies to the delegators' rows only."""
    if person is None:
        return Q(pk__in=[])
    if delegators is None:
        delegators = delegators_of(person)
    others = [pk for pk in delegators if pk != person.pk]
    if not others:
        return Q(assignee_id=person.pk)
    return Q(assignee_id__in=[person.pk, *others]) & (Q(assignee_id=person.pk) | seen_by_all("document"))


def open_counts(person: Person | None, delegators=None) -> dict[str, int]:
    """The badges: how many open tasks ``inbox`` and ``to_read`` hold.

    The delegators are read first (``delegators_of``: remembered for the request's person,
    usually none), as ``held_by`` does. Then one query on the (assignee, status, role …)
    index: my own open tasks by role, no document read; with delegators, their open tasks on
    unclassified documents are added by UNION ALL, with their ids as a list. Not a subquery
    of the delegations: SQLite then scans every document to join it (110 ms at 100,000
    documents, measured), and PostgreSQL every open task when it is OR-ed with my own."""
    counts = {"inbox": 0, "toread": 0}
    if person is None:
        return counts
    if delegators is None:
        delegators = delegators_of(person)
    others = [pk for pk in delegators if pk != person.pk]
    rows = Task.objects.filter(assignee_id=person.pk, status=TaskStatus.OPEN).order_by().values("role").annotate(
        n=Count("id"))
    if others:
        stood_in = (Task.objects.filter(assignee_id__in=others, status=TaskStatus.OPEN).filter(seen_by_all("document"))
                    .order_by().values("role").annotate(n=Count("id")))
        rows = rows.union(stood_in, all=True)
    for role, n in rows.values_list("role", "n"):
        counts["toread" if role == TaskRole.CIRCULATE else "inbox"] += n
    return counts


def inbox(person: Person, delegators=None) -> QuerySet[Task]:
    """待办: my open tasks (and those of people I stand in for), circulation copies excluded."""
    return _with_document(Task.objects.filter(held_by(person, delegators), status=TaskStatus.OPEN)
                          .exclude(role=TaskRole.CIRCULATE)).order_by("-created_at", "-id")


def to_read(person: Person, delegators=None) -> QuerySet[Task]:
    """待阅: circulation copies I hold."""
    return _with_document(Task.objects.filter(held_by(person, delegators), status=TaskStatus.OPEN,
                                              role=TaskRole.CIRCULATE)).order_by("-created_at", "-id")


def done(person: Person) -> QuerySet[Task]:
    """已办: tasks I finished, returned, transferred or handed on."""
    if person is None:
        return Task.objects.none()
    return _with_document(
        Task.objects.filter(Q(assignee=person, acted_by__isnull=True) | Q(acted_by=person))
        .exclude(status__in=[TaskStatus.OPEN, TaskStatus.CANCELLED, TaskStatus.WITHDRAWN])
    ).order_by("-done_at", "-id")


def registered_by(person: Person) -> QuerySet[Document]:
    """我登记的."""
    if person is None:
        return Document.objects.none()
    return (Document.objects.filter(registered_by=person)
            .select_related("agency", "sender").order_by("-received_at", "-id"))


def due_today(qs: QuerySet[Task], now: datetime | None = None) -> QuerySet[Task]:
    now = timezone.localtime(now or timezone.now())
    end = now.replace(hour=23, minute=59, second=59, microsecond=999999)
    return qs.filter(due_at__gte=now, due_at__lte=end)


def overdue(qs: QuerySet[Task], now: datetime | None = None) -> QuerySet[Task]:
    return qs.filter(due_at__lt=now or timezone.now())


# Order of the sections of the processing slip (处理笺), as the 条例 lists the steps.
SLIP_SECTIONS = [
    ("初审意见", [NodeKind.SIGN_FOR, NodeKind.REGISTER, NodeKind.SCREEN]),
    ("拟办意见", [NodeKind.PROPOSE]),
    ("领导批示", [NodeKind.INSTRUCT]),
    ("分办意见", [NodeKind.DISTRIBUTE]),
    ("承办意见", [NodeKind.HANDLE, NodeKind.ASSIST, NodeKind.COUNTERSIGN]),
    ("领导审定", [NodeKind.APPROVE]),
    ("答复情况", [NodeKind.REPLY]),
    ("办结", [NodeKind.COMPLETE]),
    ("传阅意见", [NodeKind.CIRCULATE]),
]


@dataclass
class SlipSection:
    title: str
    opinions: list = field(default_factory=list)


def processing_slip(document: Document) -> list[SlipSection]:
    """Every opinion in the order of the 条例's steps, then by time. Opinions of recalled
    tasks are kept (history is never edited) and marked by their task's status."""
    opinions = list(Opinion.objects.filter(document=document).select_related("author", "on_behalf_of", "task")
                    .order_by("created_at", "id"))
    sections = []
    for title, kinds in SLIP_SECTIONS:
        section = SlipSection(title, [op for op in opinions if op.node_kind in kinds])
        sections.append(section)
    return sections


def timeline(document: Document) -> QuerySet[HistoryEvent]:
    return document.history.select_related("actor", "on_behalf_of").order_by("at", "id")


def holders(document: Document) -> QuerySet[Task]:
    """Who holds the document now (main line and circulation copies)."""
    return (Task.objects.filter(document=document, status=TaskStatus.OPEN)
            .select_related("assignee", "assignee_unit", "activation").order_by("created_at"))


def circulation(document: Document) -> QuerySet[Task]:
    """Every circulation copy: where it is, when it went out and came back."""
    return (Task.objects.filter(document=document, role=TaskRole.CIRCULATE)
            .select_related("assignee", "sent_by").order_by("created_at", "id"))


@dataclass
class Available:
    """What a person may do on a document right now."""

    task: Task | None = None
    operations: list[str] = field(default_factory=list)
    node: dict | None = None
    can_circulate: bool = False
    can_reject: bool = False
    can_register: bool = False
    recallable: list[Task] = field(default_factory=list)
    return_targets: list[Activation] = field(default_factory=list)


def available(person: Person, document: Document, tasks: list[Task] | None = None) -> Available:
    """The operations for the document page and the API: the person's open task there
    (if any) and what its node allows, plus the office's own operations.

    ``tasks``: every task of the document, when the caller has read them already (the
    document page does, with their activation and process): the person's task, the open
    main line and the recent tasks are then cut from that list instead of read again."""
    from documents.access import can_register

    from .services import recall_blocker, return_targets

    result = Available()
    holders = _holders(person)
    if tasks is None:
        task = (Task.objects.filter(document=document, assignee_id__in=holders, status=TaskStatus.OPEN)
                .select_related("activation", "process", "assignee", "assignee_unit").order_by("created_at").first())
    else:
        mine = sorted((t for t in tasks if t.assignee_id in holders and t.status == TaskStatus.OPEN),
                      key=lambda t: t.created_at)
        task = mine[0] if mine else None
    if task is not None and not person.admin_role:
        result.task = task
        if task.role in (TaskRole.CIRCULATE, TaskRole.DUTY):  # 值班知悉 closes like 传阅
            result.operations = ["read_back"]
        elif task.role == TaskRole.COUNTERSIGN:
            result.operations = ["countersign"]
        elif task.role in (TaskRole.ASSIST, TaskRole.ADDED):
            result.operations = ["feedback"] + (["assign"] if task.role == TaskRole.ASSIST else [])
        else:
            node = task.process.node(task.activation.node_key)
            result.node = node
            result.operations = [op for op in node["operations"] if op != Operation.REJECT]
            if node["kind"] == NodeKind.REGISTER:
                result.can_register = can_register(person, document.agency_id)
            if Operation.RETURN in result.operations:
                result.return_targets = return_targets(task)
            if tasks is None:
                disagreed = task.activation.tasks.filter(role=TaskRole.COUNTERSIGN, decision="disagree").exists()
            else:
                disagreed = any(t.activation_id == task.activation_id and t.role == TaskRole.COUNTERSIGN
                                and t.decision == "disagree" for t in tasks)
            if disagreed:
                result.operations.append("resolve")
    if document.is_open and access.is_office_staff(person, document.agency_id) and not person.admin_role:
        result.can_circulate = bool(document.registry_seq)
        if tasks is None:
            open_main = list(Task.objects.filter(document=document, status=TaskStatus.OPEN, activation__is_side=False)
                             .select_related("process", "activation"))
        else:
            open_main = [t for t in tasks if t.status == TaskStatus.OPEN and not t.activation.is_side]
        result.can_reject = all(Operation.REJECT in t.process.node(t.activation.node_key)["operations"]
                                for t in open_main)
    sent = (TaskStatus.DONE, TaskStatus.TRANSFERRED, TaskStatus.ASSIGNED)
    if tasks is None:
        recent = list(Task.objects.filter(document=document, assignee=person, status__in=sent)
                      .select_related("activation", "document").order_by("-done_at")[:3])
    else:
        # Newest first, as the query: every sent task has its done_at (_finish_task sets it).
        recent = sorted((t for t in tasks if t.assignee_id == person.pk and t.status in sent),
                        key=lambda t: (t.done_at is not None, t.done_at), reverse=True)[:3]
        for t in recent:
            t.document = document
    result.recallable = [t for t in recent if recall_blocker(t) is None]
    return result


def next_step(task: Task, document: Document) -> dict | None:
    """The node the document moves to when ``task`` is sent on now, or None while its node
    still waits for others (the next signer in order, colleagues acting in parallel).
    The pages use it to offer the next node's assignee chooser."""
    from .services import _next_node

    activation = task.activation
    if task.role != TaskRole.MAIN or activation.is_side:
        return None
    if activation.mode == Mode.SEQUENTIAL and activation.queue:
        return None
    if activation.mode in (Mode.ALL, Mode.SEQUENTIAL) and activation.tasks.filter(
            role=TaskRole.MAIN, status=TaskStatus.OPEN).exclude(pk=task.pk).exists():
        return None
    return _next_node(task.process, document, activation.node_key)


def refuse_leaving_with_open_tasks(person) -> None:
    """org's leaving guard (org.services.LEAVING_GUARDS): an inactive holder is no holder
    (invariant 1, no 漏球). The message names no document: the system administrator reads
    none (三员分立)."""
    held = Task.objects.filter(assignee=person, status=TaskStatus.OPEN).count()
    if held:
        raise DomainError(f"{person.name}手中还有{held}项待办，设为离岗后将无人办理。"
                          "请其本人或其委托的B角先办理或转办，再设为离岗。")
