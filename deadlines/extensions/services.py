"""Extensions (延期): a holder asks for a later due time with a reason; the office or the
supervisor approves or refuses; or the office records what the sender (来文单位) agreed:
a new date, or that no new date was agreed (未商定新时限).

Who may do what:
- request: the holder of an open main task (办理, not 协办/传阅) that has a due time, or
  their active stand-in (委托/AB角); one pending request per task.
- decide, record the sender's agreement: the office of the document's agency (办公室主任,
  秘书, 文书) or a supervisor (督查员) of that agency; nobody decides their own request.

How due times move:
- ``original_due_at`` of a task or a document never moves: lateness is reported against
  it as well as against the extended ``due_at`` (``deadlines.lateness``).
- Approving a request moves that task's ``due_at`` only, and never past the document's
  own due time: the document's due time comes from the sender (or a document-wide rule,
  telegrams), so a later date needs the sender's agreement, which the office records.
- The sender's agreement to a new date D moves the document's ``due_at`` to D and every
  open task that the document's due time bounded (its ``due_at`` was at or after the
  document's old due time, or it had none, or it is later than D) to D. A task whose own
  limit was earlier (e.g. 8 working hours to sign for) keeps it: the sender's
  extension does not stretch the office's own node limits. Tasks created later get
  min(node limit, D) from the engine as usual (``deadlines.services.task_due``).
- "No new date agreed" moves nothing; the document is flagged 未商定新时限 (the latest
  sender row says so) until a later agreement records a date.

Every operation writes an ``Extension`` row, a routing-history event (延期) on the
document, an audit event, notifies the people concerned and recomputes the reminders of
every task whose due time moved.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

import audit.services as audit
from documents.access import can_view
from documents.locks import lock_document
from documents.models import Document
from flow import kit
from flow.models import HistoryAction, Task, TaskRole, TaskStatus
from gongwen.errors import Conflict, DomainError, NotFound, PermissionDenied
from org.models import Person, PostKind
from org.selectors import has_post, persons_with_post
from ui.dates import cn_datetime

from .. import reminders
from ..models import Extension
from ..notify import notify

__all__ = ["DECIDER_POSTS", "can_decide", "request_extension", "decide_extension", "record_sender_agreement",
           "pending_for_task", "fmt"]

# Who decides extensions: the office of the document's agency, or its supervisors.
DECIDER_POSTS = (PostKind.OFFICE_DIRECTOR, PostKind.SECRETARY, PostKind.CLERK, PostKind.SUPERVISOR)
SENDER_STATES = (Extension.State.SENDER_AGREED, Extension.State.NO_DATE)


def fmt(instant: datetime | None) -> str:
    """2026年3月8日 12:00, in Asia/Shanghai (messages and history)."""
    return "无" if instant is None else cn_datetime(instant)


def can_decide(person: Person | None, agency_id: int) -> bool:
    return (person is not None and person.is_active and not person.admin_role and person.agency_id == agency_id
            and has_post(person, *DECIDER_POSTS))


# --- locking and checks --------------------------------------------------------------------------


def _require_decider(actor, document: Document, what: str) -> None:
    if can_decide(actor, document.agency_id):
        return
    if not can_view(actor, document):
        raise NotFound()
    raise PermissionDenied(f"只有{document.agency.short_name}办公室（办公室主任、秘书、文书）或督查员可以{what}。")


def _check_new_due(document: Document, new_due_at: datetime | None, *, after: datetime | None, what: str) -> datetime:
    if new_due_at is None:
        raise DomainError(f"请填写{what}。")
    if timezone.is_naive(new_due_at):
        new_due_at = timezone.make_aware(new_due_at)
    if after is not None and new_due_at <= after:
        raise DomainError(f"{what}（{fmt(new_due_at)}）应晚于现在的办理时限（{fmt(after)}）。")
    if new_due_at <= timezone.now():
        raise DomainError(f"{what}（{fmt(new_due_at)}）已经过去，请重新选择。")
    # An agreed date and time is given, not computed: it needs no working calendar, even
    # in a year whose holiday schedule is not entered yet (only its reminders wait for it).
    return new_due_at


def _text(value: str | None, limit: int) -> str:
    return (value or "").strip()[:limit]


# --- side effects in the same transaction -----------------------------------------------------------


def _history(document: Document, *, actor, task: Task | None, opinion: str, targets=(), on_behalf_of=None):
    kit.record_history(document, actor=actor, action=HistoryAction.EXTEND, task=task,
                       from_node=getattr(task, "node_name", ""), targets=targets, opinion=opinion,
                       on_behalf_of=on_behalf_of)


def _move_task(task: Task, new_due: datetime, now: datetime) -> None:
    """Move a task's due time (never its original) and recompute when its reminders fall
    due (stages already sent are not sent again: ``reminders.reschedule``)."""
    task.due_at = new_due
    task.due_pending_year = None  # a given time ends 时限待定
    task.save(update_fields=["due_at", "due_pending_year"])
    reminders.reschedule(task, now)


def _url(document: Document) -> str:
    return f"/documents/{document.pk}/"


def _deciders(document: Document) -> list[Person]:
    people = list(persons_with_post(document.agency, PostKind.OFFICE_DIRECTOR))
    return people or list(persons_with_post(document.agency, PostKind.SECRETARY))


# --- the services -------------------------------------------------------------------------------


def pending_for_task(task_id: int) -> Extension | None:
    return Extension.objects.filter(task_id=task_id, state=Extension.State.PENDING).first()


@transaction.atomic
def request_extension(task_id: int, *, actor, new_due_at: datetime | None, reason: str) -> Extension:
    """延期申请: the holder of an open main task asks for a later due time, with a reason."""
    task, document, on_behalf = kit.begin(task_id, actor)
    if task.role != TaskRole.MAIN:
        raise DomainError(f"{task.get_role_display()}待办不能申请延期：延期由主办（办理）人员申请，"
                          "协办、传阅人员请与主办单位商量。")
    if task.due_pending_year:
        raise DomainError(f"这项待办的办理时限待定（{task.due_pending_reason}），录入后即自动计算；"
                          "届时如需延期再申请。急需时请办公室登记“来文单位同意延期”或指定时限。")
    if task.due_at is None:
        raise DomainError("这项待办没有办理时限，无需申请延期。")
    reason = _text(reason, 500)
    if not reason:
        raise DomainError("请填写延期理由。")
    new_due_at = _check_new_due(document, new_due_at, after=task.due_at, what="申请延至的时间")
    pending = pending_for_task(task.pk)
    if pending is not None:
        raise Conflict(f"这项待办已有一份待审批的延期申请（{fmt(pending.requested_at)}提出，申请延至"
                       f"{fmt(pending.requested_due_at)}），请等待办公室审批，不必重复申请。")
    ext = Extension.objects.create(
        task=task, document=document, requested_by=actor, requested_at=timezone.now(), reason=reason,
        old_due_at=task.due_at, requested_due_at=new_due_at)
    _history(document, actor=actor, task=task, on_behalf_of=on_behalf,
             opinion=f"申请延期：办理时限由{fmt(task.due_at)}延至{fmt(new_due_at)}。理由：{reason}")
    audit.record(actor=actor, action="deadlines.request_extension", target=ext,
                 new={"document": document.pk, "task": task.pk, "old_due_at": task.due_at,
                      "requested_due_at": new_due_at, "reason": reason, "on_behalf_of": on_behalf})
    for person in _deciders(document):
        if person.pk != actor.pk:
            notify(person, title=f"延期申请：{document.title}"[:200], document=document, url=_url(document),
                   body=f"{actor.name}申请将“{task.node_name}”的办理时限由{fmt(task.due_at)}延至"
                        f"{fmt(new_due_at)}。理由：{reason}")
    return ext


@transaction.atomic
def decide_extension(extension_id: int, *, actor, approve: bool, note: str = "",
                     new_due_at: datetime | None = None) -> Extension:
    """审批延期申请: the office or a supervisor approves (the task's due time moves, to the
    requested time or to an earlier ``new_due_at``) or refuses (a reason is required)."""
    kit.require_not_admin(actor)
    try:
        document_id = Extension.objects.filter(pk=extension_id).values_list("document_id", flat=True).first()
    except (ValueError, TypeError):
        document_id = None
    if document_id is None:
        raise NotFound("未找到该延期申请。")
    document = lock_document(document_id)
    _require_decider(actor, document, "审批延期申请")
    ext = Extension.objects.select_for_update(of=("self",)).select_related("requested_by").get(pk=extension_id)
    task = Task.objects.select_for_update(of=("self",)).select_related("assignee").get(pk=ext.task_id)
    if ext.state != Extension.State.PENDING:
        raise Conflict(f"这份延期申请已处理（{ext.get_state_display()}），请刷新页面查看。")
    if ext.requested_by_id == actor.pk:
        raise PermissionDenied("不能审批自己提出的延期申请，请由办公室其他人员或督查员审批。")
    note = _text(note, 500)
    now = timezone.now()
    if approve:
        if task.status != TaskStatus.OPEN:
            raise Conflict(f"这项待办{task.get_status_display()}，不能再延期。如仍需延期，请由现在的办理人重新申请；"
                           "本申请可选择“不同意”并注明原因。")
        new_due = _check_new_due(document, new_due_at or ext.requested_due_at, after=task.due_at,
                                 what="批准延至的时间")
        if ext.requested_due_at and new_due > ext.requested_due_at:
            raise DomainError(f"批准延至的时间不能晚于申请延至的时间（{fmt(ext.requested_due_at)}）。")
        if document.due_at is not None and new_due > document.due_at:
            raise DomainError(
                f"批准延至的时间（{fmt(new_due)}）晚于本件的办理时限（{fmt(document.due_at)}"
                f"{'，' + document.sender_deadline_text if document.sender_deadline_text else ''}）。"
                "本件的时限由来文单位确定：请先与来文单位商定新时限，再由办公室登记“来文单位同意延期”。")
        old_due = task.due_at
        task.document = document
        _move_task(task, new_due, now)
        ext.state, ext.new_due_at = Extension.State.APPROVED, new_due
        text = f"同意延期：“{task.node_name}”的办理时限由{fmt(old_due)}延至{fmt(new_due)}。"
    else:
        if not note:
            raise DomainError("不同意延期时请写明理由。")
        ext.state = Extension.State.REFUSED
        text = f"不同意延期（申请延至{fmt(ext.requested_due_at)}），办理时限仍为{fmt(task.due_at)}。"
    if note:
        text += f"意见：{note}"
    ext.decided_by, ext.decided_at, ext.decision_note = actor, now, note
    ext.save(update_fields=["state", "new_due_at", "decided_by", "decided_at", "decision_note"])
    _history(document, actor=actor, task=task, opinion=text, targets=[ext.requested_by.name])
    audit.record(actor=actor, action="deadlines.decide_extension", target=ext,
                 old={"state": Extension.State.PENDING, "due_at": ext.old_due_at},
                 new={"document": document.pk, "task": task.pk, "state": ext.state, "due_at": task.due_at,
                      "note": note})
    for person in {ext.requested_by_id: ext.requested_by, task.assignee_id: task.assignee}.values():
        notify(person, title=f"延期申请{'已同意' if approve else '未同意'}：{document.title}"[:200],
               body=text, document=document, url=_url(document))
    return ext


def _principal_task(document: Document, task_id: int | None) -> Task:
    """The task an agreement is recorded on: the one named, else the lead unit's open main
    task, else the earliest open main task, else any open task."""
    open_tasks = Task.objects.select_for_update(of=("self",)).filter(document=document, status=TaskStatus.OPEN)
    if task_id is not None:
        task = Task.objects.filter(pk=task_id, document=document).first()
        if task is None:
            raise NotFound("未找到该待办。")
        return task
    ordered = open_tasks.order_by("created_at", "id")
    return (ordered.filter(role=TaskRole.MAIN, assignee_unit_id=document.lead_unit_id).first()
            if document.lead_unit_id else None) or ordered.filter(role=TaskRole.MAIN).first() or ordered.first()


@transaction.atomic
def record_sender_agreement(document_id: int | None = None, *, actor, new_due_at: datetime | None,
                            agreed_with: str, note: str = "", task_id: int | None = None) -> Extension:
    """登记来文单位意见: the sender (person ``agreed_with``) agreed to a new due time
    ``new_due_at`` — the document's and its bounded open tasks' due times move — or, with
    ``new_due_at=None``, no new date was agreed: nothing moves and the document is flagged
    未商定新时限. Give the document, or a task of it (the row is recorded on that task)."""
    kit.require_not_admin(actor)
    if document_id is None:
        if task_id is None:
            raise DomainError("请指明公文或待办。")
        _task, document = kit.lock_task(task_id)
    else:
        document = lock_document(document_id)
    _require_decider(actor, document, "登记来文单位同意延期")
    if not document.is_open:
        raise DomainError(f"本件{document.get_status_display()}，不能再登记延期。")
    agreed_with = _text(agreed_with, 100)
    if not agreed_with:
        raise DomainError("请填写与来文单位哪一位商定（单位、姓名），以备查考。")
    note = _text(note, 500)
    now = timezone.now()
    if new_due_at is not None:
        new_due_at = _check_new_due(document, new_due_at, after=document.due_at, what="来文单位同意的新时限")
    task = _principal_task(document, task_id)
    if task is None:
        raise DomainError("本件没有在办的待办，无法登记延期。")
    # A pending request on the document is answered by the agreement (the named task's first).
    pending = Extension.objects.select_for_update(of=("self",)).filter(
        document=document, state=Extension.State.PENDING, task__status=TaskStatus.OPEN).order_by(
        "requested_at", "id")
    ext = pending.filter(task=task).first() or (pending.first() if task_id is None else None)
    if ext is None:
        ext = Extension(task=task, document=document, requested_by=actor, requested_at=now,
                        reason=note or "与来文单位商定延期", old_due_at=document.due_at, requested_due_at=new_due_at)
    else:
        task = Task.objects.get(pk=ext.task_id)
    old_due = document.due_at
    moved: list[Task] = []
    if new_due_at is not None:
        document.due_at = new_due_at
        document.due_pending_year = None  # the agreed time stands as given
        document.updated_at = now
        document.save(update_fields=["due_at", "due_pending_year", "updated_at"])
        for t in Task.objects.select_for_update(of=("self",)).filter(document=document, status=TaskStatus.OPEN):
            bounded = t.due_at is None or (old_due is not None and t.due_at >= old_due) or t.due_at > new_due_at
            if bounded and t.due_at != new_due_at:
                t.document = document
                _move_task(t, new_due_at, now)
                moved.append(t)
        # The request the agreement answers is granted as far as the sender agreed.
        if ext.pk is not None and task.status == TaskStatus.OPEN:
            granted = min(ext.requested_due_at or new_due_at, new_due_at)
            task = next((t for t in moved if t.pk == task.pk), task)
            if task.due_at is None or task.due_at < granted:
                task.document = document
                _move_task(task, granted, now)
                moved = [t for t in moved if t.pk != task.pk] + [task]
        ext.state = Extension.State.SENDER_AGREED
        text = (f"来文单位同意延期（商定人：{agreed_with}）：本件办理时限由{fmt(old_due)}延至{fmt(new_due_at)}"
                f"{'，原定时限' + fmt(document.original_due_at) + '不变' if document.original_due_at else ''}。")
    else:
        ext.state = Extension.State.NO_DATE
        text = f"与来文单位商定延期（商定人：{agreed_with}），未商定新时限：办理时限仍为{fmt(old_due)}。"
    if note:
        text += f"说明：{note}"
    ext.new_due_at, ext.agreed_with, ext.decision_note = new_due_at, agreed_with, note
    ext.decided_by, ext.decided_at = actor, now
    ext.save()
    _history(document, actor=actor, task=task, opinion=text, targets=[agreed_with])
    audit.record(actor=actor, action="deadlines.record_sender_agreement", target=ext,
                 old={"due_at": old_due},
                 new={"document": document.pk, "state": ext.state, "due_at": document.due_at,
                      "agreed_with": agreed_with, "tasks_moved": [t.pk for t in moved], "note": note})
    told = {}
    for t in Task.objects.filter(document=document, status=TaskStatus.OPEN).select_related("assignee"):
        told.setdefault(t.assignee_id, t.assignee)
    told.setdefault(ext.requested_by_id, ext.requested_by)
    for person in told.values():
        if person.pk != actor.pk:
            notify(person, title=f"{'来文单位同意延期' if new_due_at else '未商定新时限'}：{document.title}"[:200],
                   body=text, document=document, url=_url(document))
    return ext
