"""The engine's public kit: what other apps use to act on a document inside its rules.

An app that adds an operation of its own (drafting's 签发 and 编号, sealing's 用印,
exchange's 分发, deadlines' 延期) does what the engine's own operations do, with these:

- ``begin(task_id, actor)``: the prologue of every operation on a task — a signed-in
  non-administrator, the document and the task locked and read fresh, the actor entitled
  to act (in person, or as a stand-in whose principal is returned), the task still open;
- ``lock_task(task_id)``: the document locked first (the engine's order), then the task;
- ``lock_document(document_id)`` (from ``documents.locks``): the document's row lock;
- ``record_history(document, ...)``: a 流转记录 event, with the client address;
- ``record_opinion(task, ...)``: an opinion (意见) signed at a task.

Other apps never call the engine's underscore names; everything they need is here, in
``flow.services`` (the operations) or in ``flow.selectors`` (the reads).
"""

from django.utils import timezone

from audit.middleware import client_address
from documents.locks import lock_document
from documents.models import Document
from gongwen.errors import NotFound, PermissionDenied

from . import access
from .models import Decision, HistoryAction, HistoryEvent, Opinion, Task

__all__ = ["begin", "lock_document", "lock_task", "record_history", "record_opinion", "require_not_admin"]


def lock_task(task_id) -> tuple[Task, Document]:
    """Lock the task's document, then read the task fresh: a stale copy never decides."""
    try:
        document_id = Task.objects.filter(pk=task_id).values_list("document_id", flat=True).first()
    except (ValueError, TypeError):
        document_id = None
    if document_id is None:
        raise NotFound("未找到该待办。")
    document = lock_document(document_id)
    # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of the outer join
    # that select_related makes for assignee_unit; the task row is the one to lock.
    task = (Task.objects.select_for_update(of=("self",))
            .select_related("activation", "process", "assignee", "assignee_unit").get(pk=task_id))
    return task, document


def require_not_admin(actor) -> None:
    """A signed-in person who is not one of the three administrators (三员 act on no document)."""
    if actor is None:
        raise PermissionDenied("请先登录。")
    access.require_not_admin(actor)


def begin(task_id, actor) -> tuple[Task, Document, int | None]:
    """The prologue of every operation on a task: a signed-in non-administrator, the
    document and task locked and read fresh, the actor entitled to act (in person or as
    a stand-in, whose principal is returned), and the task still open."""
    require_not_admin(actor)
    task, document = lock_task(task_id)
    on_behalf = access.acting_for(task, actor)
    access.check_open(task)
    return task, document, on_behalf


def record_history(document, *, actor, action, task=None, process=None, from_node="", to_node="", targets=(),
                   opinion="", on_behalf_of=None) -> HistoryEvent:
    return HistoryEvent.objects.create(
        document=document, process=process or (task.process if task else None), task=task, actor=actor,
        on_behalf_of_id=on_behalf_of, action=action, from_node=from_node, to_node=to_node,
        targets=[str(t) for t in targets], opinion=opinion or "", at=timezone.now(),
        client_address=client_address.get(),
    )


def record_opinion(task: Task, *, author, on_behalf_of, text: str, decision: str = "", node_kind=None,
                   role=None) -> Opinion | None:
    text = (text or "").strip()
    if not text and not decision:
        return None
    return Opinion.objects.create(
        document_id=task.document_id, task=task, author=author, on_behalf_of_id=on_behalf_of,
        node_kind=node_kind or task.node_kind, node_name=task.node_name, role=role or task.role,
        decision=decision, text=text or Decision(decision).label, created_at=timezone.now(),
    )


def file_stored(document, *, actor, version) -> None:
    """documents' effect (documents.effects.FILE_STORED_EFFECTS): a stored file version is
    a 流转记录 event, with its SHA-256."""
    file = version.file
    HistoryEvent.objects.create(
        document=document, actor=actor, action=HistoryAction.FILE,
        opinion=f"{file.get_role_display()}《{version.original_name}》第{version.number}版（SHA-256 {version.sha256[:12]}…）")
