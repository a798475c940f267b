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

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, models, transaction
from django.urls import reverse
from django.utils import timezone

import audit.services as audit
from documents.models import Document
from flow.models import HistoryAction, HistoryEvent, Task, TaskRole, TaskStatus
from gongwen.errors import Conflict, DomainError, NotFound, PermissionDenied
from org.models import OFFICE_POSTS, Person, PostKind
from org.selectors import has_post, leaders_in_charge, persons_with_post, unit_heads

from .calendar import YearUnknown
from .models import Reminder, ReminderKind, ReminderPolicy
from .notify import notify


def policy_for(agency_id: int | None) -> ReminderPolicy:
    rows = {p.agency_id: p for p in ReminderPolicy.objects.filter(agency_id__in=[agency_id])}
    if agency_id not in rows:
        rows.update({p.agency_id: p for p in ReminderPolicy.objects.filter(agency__isnull=True)})
    return rows.get(agency_id) or rows.get(None) or ReminderPolicy()


def stages(document: Document, start: datetime, due: datetime | None,
           policy: ReminderPolicy | None = None, calendar=None) -> list[tuple[str, datetime]]:
    """The reminder stages of a task that started at ``start`` and is due at ``due``, in
    time order. Where the calendar has no data (a year not entered yet), a stage after the
    due time falls back to the due time itself rather than being guessed."""
    if due is None:
        return []
    from .services import calendar_for

    policy = policy or policy_for(document.agency_id)
    calendar = calendar or calendar_for(document.agency)
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


def next_check(document: Document, start: datetime, due: datetime | None, after: datetime,
               policy: ReminderPolicy | None = None, calendar=None) -> datetime | None:
    """The first stage strictly after ``after`` (after a scan, or when the due time moved)."""
    for _kind, at in stages(document, start, due, policy, calendar):
        if at > after:
            return at
    return None


# --- the scheduled scan (催办 and 逾期督促) ---------------------------------------------------
#
# ``scan`` is what the background worker runs every five minutes (deadlines.tasks). It
# selects open tasks whose ``next_reminder_at`` has come through the index
# ``task_reminder_scan`` (status, next_reminder_at), a batch at a time, in keyset order,
# and handles each task in its own transaction:
#   - the stages of the task that fell due since its last check (``next_reminder_at``)
#     up to now are sent: a Reminder row per recipient (unique per task, stage and
#     recipient, so a step is never reminded twice however often or concurrently the
#     worker runs), an in-app notification (and e-mail), a history event (催办 or 逾期督促)
#     and an audit record;
#   - pre-due stages (half, before) are skipped when the due time has already passed (a
#     late worker does not say "due in an hour" about an overdue task), and of several
#     pre-due stages that came at once only the latest is sent;
#   - ``next_reminder_at`` moves to the next stage after now, or to None.
# On PostgreSQL the task row is taken FOR UPDATE SKIP LOCKED: two workers never wait on
# each other, and a task being handled by a user at that moment is looked at next time.

log = logging.getLogger(__name__)

BATCH = 200
PRE_DUE = (ReminderKind.HALF, ReminderKind.BEFORE)
ESCALATIONS = (ReminderKind.ESCALATE_HEAD, ReminderKind.ESCALATE_LEADER)
# Stage instants are recomputed from the calendar: allow for float rounding.
_SLACK = timedelta(seconds=1)


def _local(dt: datetime) -> str:
    dt = timezone.localtime(dt)
    return f"{dt.year}年{dt.month}月{dt.day}日{dt:%H:%M}"


def _document_url(document_id: int) -> str:
    return reverse("web:document", args=[document_id])


def stand_ins(person: Person, when: datetime) -> list[Person]:
    """Active stand-ins (AB角) of ``person`` at ``when``: they get a copy of reminders."""
    return list(Person.objects.filter(
        is_active=True, delegations_received__from_person=person, delegations_received__cancelled_at__isnull=True,
        delegations_received__starts_at__lte=when, delegations_received__ends_at__gt=when,
    ).exclude(pk=person.pk).distinct().order_by("sort_order", "id"))


def holders(task: Task, when: datetime) -> list[Person]:
    """The holder of a task and their active stand-in, if any."""
    return [task.assignee, *stand_ins(task.assignee, when)]


def _unit(task: Task):
    return task.assignee_unit or task.assignee.unit


def _heads_of(unit) -> list[Person]:
    """Who answers for a unit: its head (处长); for the office (and its secretariat) the
    office director too."""
    if unit is None:
        return []
    people = list(unit_heads(unit))
    if unit.is_office or unit.is_secretariat:
        people += list(persons_with_post(unit.agency, PostKind.OFFICE_DIRECTOR))
    return _distinct(people)


def _leaders_of(unit) -> list[Person]:
    return [] if unit is None else _distinct(list(leaders_in_charge(unit)))


def unit_head_for(task: Task) -> list[Person]:
    """The head of the holder's unit (for the office, the office director); never the
    holder himself."""
    return [p for p in _heads_of(_unit(task)) if p.pk != task.assignee_id]


def leaders_for(task: Task) -> list[Person]:
    """The leader(s) in charge of the holder's unit, never the holder himself."""
    return [p for p in _leaders_of(_unit(task)) if p.pk != task.assignee_id]


def _distinct(people: list[Person]) -> list[Person]:
    seen, out = set(), []
    for p in people:
        if p.pk not in seen:
            seen.add(p.pk)
            out.append(p)
    return out


def recipients(task: Task, kind: str, when: datetime, ctx: ScanContext | None = None) -> list[Person]:
    if ctx is not None:
        return ctx.recipients(task, kind, when)
    if kind == ReminderKind.ESCALATE_HEAD:
        return unit_head_for(task)
    if kind == ReminderKind.ESCALATE_LEADER:
        return leaders_for(task)
    return holders(task, when)


class ScanContext:
    """What one scan reads again and again, read once: each agency's reminder policy and
    calendar, each unit's head and leaders, each holder's stand-ins."""

    def __init__(self):
        self._policies: dict = {}
        self._calendars: dict = {}
        self._people: dict = {}

    def policy(self, agency_id: int) -> ReminderPolicy:
        if agency_id not in self._policies:
            self._policies[agency_id] = policy_for(agency_id)
        return self._policies[agency_id]

    def calendar(self, agency):
        from .services import calendar_for

        if agency.pk not in self._calendars:
            self._calendars[agency.pk] = calendar_for(agency)
        return self._calendars[agency.pk]

    def stages(self, task: Task) -> list[tuple[str, datetime]]:
        document = task.document
        return stages(document, task.created_at, task.due_at, self.policy(document.agency_id),
                      self.calendar(document.agency))

    def recipients(self, task: Task, kind: str, when: datetime) -> list[Person]:
        if kind in ESCALATIONS:
            unit = _unit(task)
            key = (kind, getattr(unit, "pk", None))
            if key not in self._people:
                self._people[key] = _heads_of(unit) if kind == ReminderKind.ESCALATE_HEAD else _leaders_of(unit)
            return [p for p in self._people[key] if p.pk != task.assignee_id]
        key = ("holder", task.assignee_id)
        if key not in self._people:
            self._people[key] = holders(task, when)
        return self._people[key]


def _wording(task: Task, kind: str) -> tuple[str, str]:
    """Title and message of an automatic reminder."""
    doc = task.document
    title = doc.title if len(doc.title) <= 60 else doc.title[:58] + "……"
    due = _local(task.due_at) if task.due_at else "—"
    who = task.assignee.name
    unit = task.assignee_unit.name if task.assignee_unit_id else ""
    if kind == ReminderKind.HALF:
        return (f"时限过半：《{title}》",
                f"《{title}》“{task.node_name}”环节的办理时限已过半，请于{due}前办结。")
    if kind == ReminderKind.BEFORE:
        return (f"即将到期：《{title}》",
                f"《{title}》“{task.node_name}”环节将于{due}到期，请抓紧办理。")
    if kind == ReminderKind.DUE:
        return (f"已到期：《{title}》",
                f"《{title}》“{task.node_name}”环节的办理时限{due}已到，请立即办理；确需延期的，请申请延期。")
    if kind == ReminderKind.ESCALATE_HEAD:
        return (f"逾期督促：《{title}》",
                f"{unit}{who}承办的《{title}》“{task.node_name}”环节已于{due}到期，尚未办结，请督促办理。")
    return (f"逾期督促：《{title}》",
            f"{unit}{who}承办的《{title}》“{task.node_name}”环节已于{due}到期仍未办结，请督促办理。")


def _send(task: Task, kind: str, people: list[Person], *, message: str, title: str, sent_by: Person | None,
          now: datetime, policy: ReminderPolicy | None = None) -> list[Reminder]:
    """Write the reminder rows, notifications, one history event and one audit record.
    Automatic reminders already written for a recipient are skipped (never twice)."""
    written = []
    for person in people:
        try:
            with transaction.atomic():  # a savepoint: a duplicate leaves the rest alone
                written.append(Reminder.objects.create(
                    task=task, document_id=task.document_id, kind=kind, recipient=person, sent_by=sent_by,
                    message=message[:500], due_at=task.due_at, sent_at=now))
        except IntegrityError:
            continue
    if not written:
        return []
    policy = policy or policy_for(task.document.agency_id)
    url = _document_url(task.document_id)
    for r in written:
        notify(r.recipient, title=title, body=message, url=url, document=task.document,
               email=policy.send_email)
    action = HistoryAction.ESCALATE if kind in ESCALATIONS else HistoryAction.REMIND
    HistoryEvent.objects.create(
        document_id=task.document_id, process_id=task.process_id, task=task, actor=sent_by, action=action,
        from_node=task.node_name, targets=[r.recipient.name for r in written], opinion=message, at=now)
    audit.record(actor=sent_by, action=f"deadlines.{'escalate' if action == HistoryAction.ESCALATE else 'remind'}",
                 target=("Task", task.pk),
                 new={"document": task.document_id, "kind": kind, "recipients": [r.recipient_id for r in written],
                      "due_at": task.due_at, "message": message[:500]})
    return written


def scan_selection(now: datetime):
    """The scan's selection (open tasks whose next check has come), in scan order: what
    the bench times and explains."""
    return _scan_queryset(now).order_by("next_reminder_at", "pk").values_list("next_reminder_at", "pk")


def _scan_queryset(now: datetime):
    return Task.objects.filter(status=TaskStatus.OPEN, next_reminder_at__lte=now)


def _lock_for_scan(task_id: int, now: datetime) -> Task | None:
    qs = _scan_queryset(now).filter(pk=task_id)
    if connection.features.has_select_for_update:
        skip = connection.features.has_select_for_update_skip_locked
        of = ("self",) if connection.features.has_select_for_update_of else ()
        qs = qs.select_for_update(skip_locked=skip, of=of)
    return qs.select_related("document", "document__agency", "assignee", "assignee__unit",
                             "assignee_unit").first()


def due_stages(task: Task, now: datetime, since: datetime | None = None,
               ctx: ScanContext | None = None) -> list[tuple[str, datetime]]:
    """The stages of ``task`` to send at ``now``: those that came after ``since`` (the
    task's last check), minus stale pre-due stages (see the notes above)."""
    if task.due_at is None:
        return []
    since = since or task.next_reminder_at
    all_stages = (ctx or ScanContext()).stages(task)
    came = [(kind, at) for kind, at in all_stages
            if at <= now + _SLACK and (since is None or at >= since - _SLACK)]
    pre = [s for s in came if s[0] in PRE_DUE]
    rest = [s for s in came if s[0] not in PRE_DUE]
    if pre and now < task.due_at:
        rest.insert(0, pre[-1])
    return rest


def _handle(task_id: int, now: datetime, ctx: ScanContext) -> int:
    with transaction.atomic():
        task = _lock_for_scan(task_id, now)
        if task is None:  # done meanwhile, or being handled by a user right now
            return 0
        sent = 0
        for kind, _at in due_stages(task, now, ctx=ctx):
            title, message = _wording(task, kind)
            sent += len(_send(task, kind, ctx.recipients(task, kind, now), message=message, title=title,
                              sent_by=None, now=now, policy=ctx.policy(task.document.agency_id)))
        nxt = None
        if task.due_at:
            nxt = next((at for _kind, at in ctx.stages(task) if at > now), None)
        Task.objects.filter(pk=task.pk).update(next_reminder_at=nxt)
        return sent


def scan(now: datetime | None = None, *, batch: int = BATCH) -> int:
    """Send every reminder and escalation that has come by ``now``; returns how many
    reminders (one per recipient) were written. Safe to run as often as one likes and
    from several workers at once."""
    now = now or timezone.now()
    sent = 0
    ctx = ScanContext()
    after: tuple[datetime, int] | None = None
    while True:
        qs = _scan_queryset(now)
        if after is not None:
            # Keyset: past the last row seen. The lower bound on its own keeps the index
            # range narrow; tasks handled meanwhile have left the range anyway.
            qs = qs.filter(next_reminder_at__gte=after[0]).filter(
                models.Q(next_reminder_at__gt=after[0]) | models.Q(pk__gt=after[1]))
        rows = list(qs.order_by("next_reminder_at", "pk").values_list("next_reminder_at", "pk")[:batch])
        if not rows:
            return sent
        for _at, task_id in rows:
            try:
                sent += _handle(task_id, now, ctx)
            except Exception:  # one bad task never stops the scan; it is retried next time
                log.exception("催办扫描：待办 %s 处理失败", task_id)
        after = rows[-1]


def reschedule(task: Task, now: datetime | None = None) -> datetime | None:
    """Recompute ``task.next_reminder_at`` after its due time changed (延期, a corrected
    deadline): the next stage of the new schedule after ``now``. Stages of the new
    schedule already past are not sent, nor are stages already sent for this task (a
    step is reminded once: a holder who had the 时限过半 reminder does not get it again
    for the extended time; the unit head escalated to once is not escalated to again).
    Saves the field (inside the caller's transaction) and returns it. Call it whenever
    ``task.due_at`` changes."""
    now = now or timezone.now()
    nxt = None
    if task.status == TaskStatus.OPEN and task.due_at is not None:
        done = set(Reminder.objects.filter(task=task).exclude(kind=ReminderKind.MANUAL).values_list("kind", flat=True))
        nxt = next((at for kind, at in stages(task.document, task.created_at, task.due_at)
                    if at > now and kind not in done), None)
    task.next_reminder_at = nxt
    Task.objects.filter(pk=task.pk).update(next_reminder_at=nxt)
    return nxt


# --- manual 催办 -----------------------------------------------------------------------------


def can_remind(person: Person | None, document: Document) -> bool:
    """Office staff and supervisors (督查员) of the document's agency may chase it."""
    return (person is not None and not person.admin_role and person.is_active
            and person.agency_id == document.agency_id
            and has_post(person, *OFFICE_POSTS, PostKind.SUPERVISOR))


def _require_remind(actor: Person | None, document: Document) -> None:
    if actor is None:
        raise PermissionDenied("请先登录。")
    if actor.admin_role:
        raise PermissionDenied("管理员不得阅办公文。")
    if not can_remind(actor, document):
        from documents.access import can_view

        if actor.agency_id != document.agency_id or not can_view(actor, document):
            raise NotFound()
        raise PermissionDenied(f"只有{document.agency.short_name}办公室人员或督查员可以催办。")


@dataclass
class Reminded:
    document: Document
    reminders: list[Reminder]

    @property
    def names(self) -> list[str]:
        return list(dict.fromkeys(r.recipient.name for r in self.reminders))


def remind(target: int | Task | Document, *, actor: Person, message: str) -> Reminded:
    """Manual 催办 with a message: a task (its holder and active stand-in) or a document
    (every holder of its open main tasks). Office staff and supervisors of the document's
    agency only; the message is required. Writes reminders (kind manual), notifications,
    history (催办) and audit, all or nothing."""
    message = (message or "").strip()
    with transaction.atomic():
        if isinstance(target, Document):
            task_id, document_id = None, target.pk
        else:
            task_id = target.pk if isinstance(target, Task) else target
            document_id = Task.objects.filter(pk=task_id).values_list("document_id", flat=True).first()
            if document_id is None:
                raise NotFound()  # the same answer as a task on a document the actor may not see
        document = (Document.objects.select_for_update(of=("self",) if connection.features.has_select_for_update_of else ())
                    .select_related("agency").filter(pk=document_id).first())
        if document is None:
            raise NotFound()
        _require_remind(actor, document)
        if not message:
            raise DomainError("请填写催办内容（如：请于今日下班前办结并反馈）。")
        if len(message) > 500:
            raise DomainError("催办内容不超过500字。")
        tasks = Task.objects.filter(document=document, status=TaskStatus.OPEN)
        tasks = tasks.filter(pk=task_id) if task_id else tasks.filter(role=TaskRole.MAIN)
        if connection.features.has_select_for_update:
            tasks = tasks.select_for_update(of=("self",) if connection.features.has_select_for_update_of else ())
        tasks = list(tasks.select_related("document", "document__agency", "assignee", "assignee__unit",
                                          "assignee_unit").order_by("id"))
        if not tasks:
            if task_id:
                raise Conflict("这项待办已经办理或已取消，不需要催办。请刷新页面查看最新状态。")
            raise DomainError("这份公文目前没有待办理的承办人，无需催办。")
        now = timezone.now()
        title_text = document.title if len(document.title) <= 60 else document.title[:58] + "……"
        written: list[Reminder] = []
        for task in tasks:
            people = [p for p in holders(task, now) if p.pk != actor.pk]
            if not people:
                continue
            written += _send(task, ReminderKind.MANUAL, people, message=f"{actor.name}催办：{message}",
                             title=f"催办：《{title_text}》", sent_by=actor, now=now)
        if not written:
            raise DomainError("当前待办由您本人办理，无需向自己催办。")
        return Reminded(document, written)
