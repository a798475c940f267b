"""The routing engine (流转引擎): every operation on a document's process.

Hand-written because the domain's operations (退回 to any earlier node, 加签, 转办, 撤回,
一对一传阅, 会签 with disagreement) are first-class here and awkward in general BPMN
engines; the one mature Django workflow package is AGPL (DESIGN.md §3, §5).

Every public function:
- runs in ``transaction.atomic()`` and locks the document row first, so two people acting
  on one document are serialised and the loser sees a Chinese refusal (invariant 4);
- checks who may act (``flow.access``) and the gates (``flow.gates``) before writing;
- writes the routing history and the audit event in the same transaction;
- leaves every open document with at least one open task (invariant 1).
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from audit import services as audit
from documents.access import require_may_receive
from documents.models import Document, DocumentReturn, ReturnKind, Status
from gongwen.errors import DomainError, GateClosed, NotFound, PermissionDenied
from org.models import Person, Unit
from org.selectors import unit_heads

from . import access, clock, effects, gates
from .assign import (
    eligible,
    not_to_addressed_leader,
    resolve,
    same_agency_people,
)
from .duty_copy import copy_to_duty
from .kit import begin, lock_document, lock_task, record_history, record_opinion, require_not_admin
from .models import (
    Activation,
    Condition,
    Decision,
    HistoryAction,
    Mode,
    NodeKind,
    Operation,
    Opinion,
    Process,
    ProcessTemplate,
    Task,
    TaskRole,
    TaskStatus,
)

# Nodes where the opinion is the point of the work: sending on without one is refused.
OPINION_REQUIRED = {NodeKind.PROPOSE: "拟办意见", NodeKind.INSTRUCT: "批示意见", NodeKind.APPROVE: "审定意见"}
# Completing the whole process is leaving every node at once: these always hold then.
COMPLETE_GATES = ("leader_approved_reply", "no_open_work")


# --- helpers ---------------------------------------------------------------------------------


def _require_operation(task: Task, operation: str):
    node = task.process.node(task.activation.node_key) if not task.activation.is_side else None
    if node is None or operation not in node["operations"]:
        label = Operation(operation).label
        raise DomainError(f"“{task.node_name}”环节不能{label}。")


def _refresh_stage(document: Document):
    names = list(
        Activation.objects.filter(process__document=document, state=Activation.State.OPEN, is_side=False)
        .order_by("seq").values_list("node_name", flat=True)
    )
    document.stage = "、".join(dict.fromkeys(names)) if document.is_open else document.get_status_display()
    document.updated_at = timezone.now()
    document.save(update_fields=["stage", "updated_at", "status", "closed_at", "lead_unit", "needs_reply",
                                 "needs_leader_approval", "reply_text"])


def _due_fields(task: Task) -> dict:
    """A task that takes over another's due time (依次办理, 转办, 交办, 撤回) keeps its
    original due time, or its 时限待定, and is scanned for reminders from now on
    (deadlines.reminders)."""
    return {"original_due_at": task.original_due_at, "due_pending_year": task.due_pending_year,
            "next_reminder_at": clock.first_check(task.document, timezone.now(), task.due_at)}


def _condition_holds(document: Document, condition: str) -> bool:
    if condition == Condition.NEEDS_REPLY:
        return document.needs_reply
    if condition == Condition.NEEDS_LEADER_APPROVAL:
        return document.needs_leader_approval
    return True


def _next_node(process: Process, document: Document, key: str) -> dict | None:
    nodes = process.nodes
    for node in nodes[process.position_of(key) + 1:]:
        if _condition_holds(document, node.get("condition", "")):
            return node
    return None


def _activate(process: Process, document: Document, node: dict, *, actor, assignees, mode: str,
              previous: Activation | None, origin: Task | None, timed: bool = True) -> Activation:
    # Whoever a rule, a return or a queue names, a task never goes to someone who cannot
    # act on it (left their post, administrator, other agency): that would be 漏球.
    for person, _unit, _role in assignees:
        if not eligible(person, document):
            raise DomainError(f"{person.name}已离岗或不是{document.agency.short_name}的在岗人员，不能接收“{node['name']}”。"
                              "请改送其他人员，或联系办公室调整。")
    require_may_receive(document, [person for person, _unit, _role in assignees], f"接收“{node['name']}”")
    seq = (Activation.objects.filter(process=process).order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    main = [a for a in assignees if a[2] == TaskRole.MAIN]
    if mode == Mode.SINGLE and len(main) > 1:
        mode = Mode.ANY
    queue = []
    if mode == Mode.SEQUENTIAL and len(main) > 1:
        queue = [[p.pk, getattr(u, "pk", None)] for p, u, _ in main[1:]]
        assignees = [main[0]] + [a for a in assignees if a[2] != TaskRole.MAIN]
    now = timezone.now()
    activation = Activation.objects.create(
        process=process, node_key=node["key"], node_kind=node["kind"], node_name=node["name"], seq=seq,
        mode=mode, queue=queue, previous=previous, sent_by=actor, created_at=now,
    )
    # A node the actor has just done in person (start_process's done_nodes) has no limit.
    # The limit counts from the activation, so that a due time left 时限待定 is computed
    # later from the same instant (deadlines.pending).
    due, pending_year = clock.task_due(document, node, now) if timed else (None, None)
    Task.objects.bulk_create([
        Task(activation=activation, process=process, document=document, node_kind=node["kind"],
             node_name=node["name"], role=role, assignee=person, assignee_unit=unit, sent_by=actor,
             origin_task=origin, due_at=due, original_due_at=due, due_pending_year=pending_year, created_at=now,
             next_reminder_at=clock.first_check(document, now, due))
        for person, unit, role in assignees
    ])
    return activation


def _activation_satisfied(activation: Activation) -> bool:
    main_open = Task.objects.filter(activation=activation, role=TaskRole.MAIN, status=TaskStatus.OPEN)
    if activation.mode == Mode.ANY:
        return Task.objects.filter(activation=activation, role=TaskRole.MAIN, status=TaskStatus.DONE).exists()
    return not main_open.exists() and not activation.queue


def _close_activation(activation: Activation, *, status=TaskStatus.CANCELLED, state=Activation.State.DONE):
    Task.objects.filter(activation=activation, status=TaskStatus.OPEN).update(status=status, done_at=timezone.now())
    activation.state = state
    activation.completed_at = timezone.now()
    activation.save(update_fields=["state", "completed_at"])


def _check_gates(names, document, activation, *, always: bool = True):
    messages = gates.failing(names, document, activation, always=always)
    if messages:
        raise GateClosed("；".join(messages), gate=",".join(names) or "always")


def template_for(document: Document) -> ProcessTemplate:
    qs = ProcessTemplate.objects.filter(direction=document.direction, slip_kind=document.slip_kind, is_active=True)
    template = qs.filter(agency=document.agency).first() or qs.filter(agency__isnull=True).first()
    if template is None:
        raise DomainError(f"没有适用于“{document.get_slip_kind_display()}”的流程模板，请联系系统管理员。")
    return template


def _audit(actor, action, document, task=None, **new):
    target = ("Task", task.pk) if task is not None else document
    audit.record(actor=actor, action=f"flow.{action}", target=target, new={"document": document.pk, **new})


def _ask_others(task: Task, role: str, assignees, *, actor, note: str) -> list[Task]:
    """Tasks at the same node for people whose word the node waits for (加签, 会签)."""
    require_may_receive(task.document, [person for person, _unit in assignees],
                        "会签" if role == TaskRole.COUNTERSIGN else "加签")
    return Task.objects.bulk_create([
        Task(activation=task.activation, process=task.process, document=task.document, node_kind=task.node_kind,
             node_name=task.node_name, role=role, assignee=person, assignee_unit=unit, sent_by=actor,
             origin_task=task, note=note[:300], due_at=task.due_at, original_due_at=task.due_at,
             due_pending_year=task.due_pending_year,
             next_reminder_at=clock.first_check(task.document, timezone.now(), task.due_at))
        for person, unit in assignees
    ])


# --- starting ------------------------------------------------------------------------------


def start_process(document: Document, *, actor, done_nodes: Iterable[str] = ()) -> Process:
    """Start the document's process. ``done_nodes`` are leading node kinds the actor has
    just done in person (the clerk who registers a paper document has signed for it and
    registered it); they are recorded as done tasks of the actor."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("start_process must run inside the caller's transaction")
    template = template_for(document)
    due = clock.document_due(document)
    document.due_at = document.original_due_at = due.at
    document.due_pending_year = due.pending_year
    document.save(update_fields=["due_at", "original_due_at", "due_pending_year"])
    process = Process.objects.create(document=document, template=template, nodes=template.snapshot())
    previous = None
    node = process.nodes[0]
    done_nodes = list(done_nodes)
    origin = None
    while node is not None and node["kind"] in done_nodes:
        activation = _activate(process, document, node, actor=actor, assignees=[(actor, actor.unit, TaskRole.MAIN)],
                               mode=Mode.SINGLE, previous=previous, origin=origin, timed=False)
        origin = activation.tasks.get()
        origin.status, origin.done_at, origin.touched_at = TaskStatus.DONE, timezone.now(), timezone.now()
        origin.save(update_fields=["status", "done_at", "touched_at"])
        activation.state, activation.completed_at = Activation.State.DONE, timezone.now()
        activation.save(update_fields=["state", "completed_at"])
        record_history(document, actor=actor, action=HistoryAction.SIGN_FOR if node["kind"] == NodeKind.SIGN_FOR
                 else HistoryAction.REGISTER, task=origin, process=process, from_node=node["name"])
        if node["kind"] == NodeKind.SIGN_FOR:
            effects.signed_for(document, actor=actor, at=origin.done_at)
        previous = activation
        node = _next_node(process, document, node["key"])
    if node is None:
        raise DomainError("流程模板没有可办理的环节，请联系系统管理员。")
    activation = _activate(process, document, node, actor=actor, assignees=resolve(document, node, None),
                           mode=node["mode"], previous=previous, origin=origin)
    record_history(document, actor=actor, action=HistoryAction.START, process=process, to_node=node["name"],
             targets=[t.assignee.name for t in activation.tasks.select_related("assignee")])
    copy_to_duty(process, document, actor=actor)
    _refresh_stage(document)
    return process


# --- send on -------------------------------------------------------------------------------


@transaction.atomic
def send_on(task_id: int, *, actor, opinion: str = "", decision: str = "", next_assignees=None,
            next_mode: str | None = None, lead_unit: Unit | None = None, assist_units=None,
            needs_reply: bool | None = None, needs_leader_approval: bool | None = None,
            reply_text: str | None = None, next_due_at=None) -> Task:
    """送下一步: finish my task with my opinion; when the node is done, open the next one.
    ``next_due_at`` gives the next tasks a shorter limit than the rule (an urgent document
    handed to a named person, C09); it can never be later than the rule's."""
    task, document, on_behalf = begin(task_id, actor)
    activation = task.activation
    if task.role == TaskRole.CIRCULATE:
        raise DomainError("传阅件请点击“阅毕退回”，交回办公室。")
    if task.role == TaskRole.COUNTERSIGN:
        raise DomainError("会签请选择“同意”或“不同意”并签署意见。")
    if task.role in (TaskRole.ASSIST, TaskRole.ADDED):
        # 协办 and 加签 give their opinion back to the node; they do not move the document.
        if not opinion.strip():
            raise DomainError("请填写意见后再提交。" if task.role == TaskRole.ADDED else "请填写协办意见后再反馈主办单位。")
        _finish_task(task, actor=actor, on_behalf=on_behalf, opinion=opinion, decision=decision)
        record_history(document, actor=actor, action=HistoryAction.SEND_ON, task=task, from_node=task.node_name,
                 to_node=f"{task.node_name}（{task.get_role_display()}反馈）", opinion=opinion, on_behalf_of=on_behalf)
        _audit(actor, "feedback", document, task)
        _refresh_stage(document)
        return task

    _require_operation(task, Operation.SEND_ON)
    node = task.process.node(activation.node_key)
    label = OPINION_REQUIRED.get(node["kind"])
    if label and not opinion.strip():
        raise DomainError(f"请填写{label}。")
    if node["kind"] == NodeKind.APPROVE and decision == Decision.DISAGREE:
        raise DomainError("不同意时请选择“退回”，写明理由，退回承办单位修改。")
    if node["kind"] == NodeKind.APPROVE:
        decision = Decision.AGREE
    _apply_node_inputs(document, node, lead_unit=lead_unit, assist_units=assist_units, needs_reply=needs_reply,
                       needs_leader_approval=needs_leader_approval, reply_text=reply_text)
    _check_gates((), document, activation)  # work asked of others here must be back first

    _finish_task(task, actor=actor, on_behalf=on_behalf, opinion=opinion, decision=decision)
    # What this node's own work must have produced (签发 recorded, 文号 allocated, sealed …).
    _check_gates(gates.kind_gates(node["kind"]), document, activation, always=False)  # ALWAYS held just above

    if activation.mode == Mode.SEQUENTIAL and activation.queue:
        person_id, unit_id = activation.queue[0]
        queued = Person.objects.get(pk=person_id)
        if not eligible(queued, document):
            raise DomainError(f"依次办理的下一位{queued.name}已离岗，不能接收本件。请退回拟办环节重新选择领导。")
        activation.queue = activation.queue[1:]
        activation.save(update_fields=["queue"])
        nxt = Task.objects.create(activation=activation, process=task.process, document=document,
                                  node_kind=task.node_kind, node_name=task.node_name, role=TaskRole.MAIN,
                                  assignee_id=person_id, assignee_unit_id=unit_id, sent_by=actor, origin_task=task,
                                  due_at=task.due_at, **_due_fields(task))
        record_history(document, actor=actor, action=HistoryAction.SEND_ON, task=task, from_node=task.node_name,
                 to_node=task.node_name, targets=[nxt.assignee.name], opinion=opinion, on_behalf_of=on_behalf)
        _audit(actor, "send_on", document, task, to=[person_id])
        _refresh_stage(document)
        return task

    if not _activation_satisfied(activation):
        record_history(document, actor=actor, action=HistoryAction.SEND_ON, task=task, from_node=task.node_name,
                 opinion=opinion, on_behalf_of=on_behalf)
        _audit(actor, "send_on", document, task)
        _refresh_stage(document)
        return task

    _check_gates(node.get("gates", []), document, activation, always=False)
    nxt_node = _next_node(task.process, document, node["key"])
    if nxt_node is None:
        raise DomainError("这是最后一个环节，请选择“办结”。")
    mode = nxt_node["mode"]
    if next_mode:
        if not nxt_node.get("mode_choosable"):
            raise DomainError(f"“{nxt_node['name']}”的办理方式由模板规定，不能选择。")
        if next_mode not in (Mode.SEQUENTIAL, Mode.ALL, Mode.ANY, Mode.SINGLE):
            raise DomainError("办理方式无效。")
        mode = next_mode
    assignees = resolve(document, nxt_node, list(next_assignees) if next_assignees else None)
    _close_activation(activation)
    new = _activate(task.process, document, nxt_node, actor=actor, assignees=assignees, mode=mode,
                    previous=activation, origin=task)
    if next_due_at is not None:
        _shorten(new, next_due_at)
    targets = [t.assignee.name for t in new.tasks.select_related("assignee")]
    targets += [Person.objects.get(pk=pid).name for pid, _ in new.queue]
    record_history(document, actor=actor, action=HistoryAction.SIGN_FOR if node["kind"] == NodeKind.SIGN_FOR
             else HistoryAction.SEND_ON, task=task, from_node=node["name"], to_node=nxt_node["name"],
             targets=targets, opinion=opinion, on_behalf_of=on_behalf)
    if node["kind"] == NodeKind.SIGN_FOR:
        effects.signed_for(document, actor=actor, at=task.done_at)
    _audit(actor, "send_on", document, task, to_node=nxt_node["key"], to=[a[0].pk for a in assignees])
    _refresh_stage(document)
    return task


def _shorten(activation: Activation, due_at) -> None:
    if due_at <= timezone.now():
        raise DomainError("指定的办理时限已过，请选择今后的时间。")
    for task in activation.tasks.all():
        if task.due_at is not None and due_at > task.due_at:
            raise DomainError(f"指定的办理时限不能晚于规定时限（{timezone.localtime(task.due_at):%Y年%m月%d日 %H:%M}）。")
        # A rule's limit still 时限待定 cannot be compared: the named time stands as given.
        task.due_at = task.original_due_at = due_at
        task.due_pending_year = None
        task.next_reminder_at = clock.first_check(task.document, activation.created_at, due_at)
        task.save(update_fields=["due_at", "original_due_at", "due_pending_year", "next_reminder_at"])


def _finish_task(task: Task, *, actor, on_behalf, opinion: str, decision: str = "", status=TaskStatus.DONE):
    now = timezone.now()
    task.status = status
    task.decision = decision
    task.opinion = (opinion or "").strip()
    task.acted_by = actor if on_behalf else None
    task.done_at = now
    task.touched_at = task.touched_at or now
    task.version += 1
    task.save(update_fields=["status", "decision", "opinion", "acted_by", "done_at", "touched_at", "version"])
    record_opinion(task, author=actor, on_behalf_of=on_behalf, text=opinion, decision=decision)
    if task.activation.mode == Mode.ANY and task.role == TaskRole.MAIN and status == TaskStatus.DONE:
        Task.objects.filter(activation=task.activation, role=TaskRole.MAIN, status=TaskStatus.OPEN).exclude(
            pk=task.pk).update(status=TaskStatus.CANCELLED, done_at=now)


def _apply_node_inputs(document, node, *, lead_unit, assist_units, needs_reply, needs_leader_approval, reply_text):
    kind = node["kind"]
    if kind in (NodeKind.SCREEN, NodeKind.PROPOSE, NodeKind.DISTRIBUTE, NodeKind.INSTRUCT):
        if needs_reply is not None:
            document.needs_reply = bool(needs_reply)
        if needs_leader_approval is not None:
            document.needs_leader_approval = bool(needs_leader_approval)
            if needs_leader_approval:
                document.needs_reply = True
    elif needs_reply is not None or needs_leader_approval is not None:
        raise DomainError("是否需要答复、是否须经领导审定，只能在初审、拟办、批示或分办时确定。")
    if kind == NodeKind.DISTRIBUTE:
        if lead_unit is not None:
            if lead_unit.agency_id != document.agency_id:
                raise DomainError(f"{lead_unit.name}不是{document.agency.short_name}的处室。")
            document.lead_unit = lead_unit
        if assist_units is not None:
            assist_units = [u for u in assist_units if u.pk != document.lead_unit_id]
            for u in assist_units:
                if u.agency_id != document.agency_id:
                    raise DomainError(f"{u.name}不是{document.agency.short_name}的处室。")
            document.assist_units.set(assist_units)
    elif lead_unit is not None or assist_units:
        raise DomainError("主办、协办单位只能在分办环节确定。")
    if kind == NodeKind.REPLY:
        text = (reply_text or "").strip()
        if not text:
            raise DomainError("请填写答复内容（答复的文号或要点）。")
        document.reply_text = text
    elif reply_text:
        raise DomainError("答复内容只能在答复环节填写。")


# --- complete ------------------------------------------------------------------------------


@transaction.atomic
def complete(task_id: int, *, actor, opinion: str = "") -> Task:
    """办结: close the whole process from a node that allows it, when nothing is pending
    and a reply that needs the leaders' approval has it."""
    task, document, on_behalf = begin(task_id, actor)
    if task.role != TaskRole.MAIN:
        raise DomainError(f"{task.get_role_display()}人员不能办结本件，请签署意见后反馈。")
    _require_operation(task, Operation.COMPLETE)
    node = task.process.node(task.activation.node_key)
    if document.needs_reply and node["kind"] not in (NodeKind.REPLY, NodeKind.COMPLETE) and not Task.objects.filter(
            document=document, node_kind=NodeKind.REPLY, status=TaskStatus.DONE).exists():
        _check_gates(["leader_approved_reply"], document, task.activation)
        raise GateClosed("本件需要答复：请送“答复”环节填写答复内容后再办结。", gate="reply_given")
    _check_gates(list(node.get("gates", [])) + list(gates.kind_gates(node["kind"])) + list(COMPLETE_GATES),
                 document, task.activation)
    activation = task.activation
    if activation.mode in (Mode.ALL, Mode.SEQUENTIAL):
        others = [t.assignee.name for t in activation.tasks.filter(role=TaskRole.MAIN, status=TaskStatus.OPEN)
                  .exclude(pk=task.pk).select_related("assignee")]
        others += [p.name for p in Person.objects.filter(pk__in=[pid for pid, _ in activation.queue])]
        if others:
            raise DomainError(f"本环节还需{'、'.join(others)}办理，不能由一人办结。")
    _finish_task(task, actor=actor, on_behalf=on_behalf, opinion=opinion)
    _close_activation(task.activation)
    process = task.process
    process.state, process.completed_at = Process.State.COMPLETED, timezone.now()
    process.save(update_fields=["state", "completed_at"])
    document.status, document.closed_at = Status.COMPLETED, timezone.now()
    record_history(document, actor=actor, action=HistoryAction.COMPLETE, task=task, from_node=task.node_name,
             opinion=opinion, on_behalf_of=on_behalf)
    _audit(actor, "complete", document, task)
    _refresh_stage(document)
    return task


# --- return (退回) ----------------------------------------------------------------------------


def return_targets(task: Task) -> list[Activation]:
    """Earlier activations of the main line this task may be returned to, newest first,
    one per node."""
    seen, result = set(), []
    qs = (Activation.objects.filter(process=task.process, is_side=False, state=Activation.State.DONE,
                                    seq__lt=task.activation.seq).order_by("-seq"))
    for activation in qs:
        if activation.node_key in seen:
            continue
        seen.add(activation.node_key)
        result.append(activation)
    return result


@transaction.atomic
def return_task(task_id: int, *, actor, to_activation_id: int, reason: str,
                error_category: str | None = None) -> Activation:
    """退回: send the document back to an earlier node, to the people who handled it there.

    Writes an error-book entry (错题本, C14) in the same transaction: ``error_category``
    (程序/格式/文字/内容/时效) against the unit of whoever handled the node returned to.
    Pages and the API always ask for the category; callers that name none get 程序
    (``supervision.errorbook.services.DEFAULT_RETURN_CATEGORY``, through flow.effects)."""
    task, document, on_behalf = begin(task_id, actor)
    if task.role != TaskRole.MAIN:
        raise DomainError(f"{task.get_role_display()}人员不能退回本件，请签署意见。")
    _require_operation(task, Operation.RETURN)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("退回必须写明理由。")
    settled = effects.check_return(error_category=error_category)
    target = next((a for a in return_targets(task) if a.pk == to_activation_id), None)
    if target is None:
        raise DomainError("只能退回到本件已经过的前面环节。")
    handlers = list(Task.objects.filter(activation=target, role=TaskRole.MAIN, status=TaskStatus.DONE)
                    .select_related("assignee", "assignee_unit").order_by("done_at"))
    if not handlers:
        raise DomainError("退回目标环节没有办理人。")
    _finish_task(task, actor=actor, on_behalf=on_behalf, opinion=f"退回：{reason}", status=TaskStatus.RETURNED)
    for activation in Activation.objects.filter(process=task.process, state=Activation.State.OPEN, is_side=False):
        _close_activation(activation, state=Activation.State.CANCELLED)
    node = task.process.node(target.node_key)
    assignees = [(t.assignee, t.assignee_unit, TaskRole.MAIN) for t in handlers]
    if node["kind"] == NodeKind.HANDLE:
        assignees += [(t.assignee, t.assignee_unit, TaskRole.ASSIST) for t in Task.objects.filter(
            activation=target, role=TaskRole.ASSIST, status=TaskStatus.DONE).select_related("assignee", "assignee_unit")]
    new = _activate(task.process, document, node, actor=actor, assignees=assignees, mode=target.mode,
                    previous=task.activation, origin=task)
    record_history(document, actor=actor, action=HistoryAction.RETURN, task=task, from_node=task.node_name,
             to_node=node["name"], targets=[a[0].name for a in assignees], opinion=reason, on_behalf_of=on_behalf)
    _audit(actor, "return", document, task, to_node=node["key"], reason=reason, **settled)
    effects.returned(document, actor=actor, task=task, handlers=handlers, to_node=node["name"], reason=reason,
                     **settled)
    _refresh_stage(document)
    return new


# --- add signer, transfer, assign ------------------------------------------------------------


@transaction.atomic
def add_signer(task_id: int, *, actor, people, note: str = "") -> list[Task]:
    """加签: ask more people to sign at this node; the node waits for them."""
    task, document, on_behalf = begin(task_id, actor)
    _require_operation(task, Operation.ADD_SIGNER)
    people = same_agency_people(people, document, "加签人")
    not_to_addressed_leader(task, document, people)
    holding = set(Task.objects.filter(activation=task.activation, status=TaskStatus.OPEN).values_list(
        "assignee_id", flat=True))
    for p in people:
        if p.pk in holding:
            raise DomainError(f"{p.name}已在本环节办理中，无需加签。")
    created = _ask_others(task, TaskRole.ADDED, [(p, p.unit) for p in people], actor=actor, note=note)
    record_history(document, actor=actor, action=HistoryAction.ADD_SIGNER, task=task, from_node=task.node_name,
             to_node=task.node_name, targets=[p.name for p in people], opinion=note, on_behalf_of=on_behalf)
    _audit(actor, "add_signer", document, task, people=[p.pk for p in people])
    _refresh_stage(document)
    return created


@transaction.atomic
def transfer(task_id: int, *, actor, to_person: Person, reason: str = "") -> Task:
    """转办: hand my task to a colleague; it keeps its node, role and due time."""
    task, document, on_behalf = begin(task_id, actor)
    _require_operation(task, Operation.TRANSFER)
    (to_person,) = same_agency_people([to_person], document, "接收转办")
    not_to_addressed_leader(task, document, [to_person])
    if to_person.pk == task.assignee_id:
        raise DomainError("不能转办给本人。")
    if Task.objects.filter(activation=task.activation, status=TaskStatus.OPEN, assignee=to_person).exists():
        raise DomainError(f"{to_person.name}已在本环节办理中。")
    require_may_receive(document, [to_person], "接收转办")
    _finish_task(task, actor=actor, on_behalf=on_behalf, opinion="", status=TaskStatus.TRANSFERRED)
    new = Task.objects.create(activation=task.activation, process=task.process, document=document,
                              node_kind=task.node_kind, node_name=task.node_name, role=task.role,
                              assignee=to_person, assignee_unit=to_person.unit if task.role == TaskRole.MAIN and
                              task.assignee_unit_id is None else task.assignee_unit, sent_by=actor, origin_task=task,
                              note=reason[:300], due_at=task.due_at, **_due_fields(task))
    record_history(document, actor=actor, action=HistoryAction.TRANSFER, task=task, from_node=task.node_name,
             to_node=task.node_name, targets=[to_person.name], opinion=reason, on_behalf_of=on_behalf)
    _audit(actor, "transfer", document, task, to=to_person.pk)
    _refresh_stage(document)
    return new


@transaction.atomic
def assign_handler(task_id: int, *, actor, handler: Person, note: str = "") -> Task:
    """指定承办人: the head of the lead (or assisting) unit gives the work to a handler of
    the unit; the node waits for the handler."""
    task, document, on_behalf = begin(task_id, actor)
    _require_operation(task, Operation.ASSIGN)
    if task.assignee_unit_id is None:
        raise DomainError("只有处室负责人可以指定承办人。")
    if handler.unit_id != task.assignee_unit_id or not eligible(handler, document):
        raise DomainError(f"承办人必须是{task.assignee_unit.name}的在岗人员。")
    if handler.pk == task.assignee_id:
        raise DomainError("您已是本件承办人，直接办理即可。")
    require_may_receive(document, [handler], "承办本件")
    _finish_task(task, actor=actor, on_behalf=on_behalf, opinion=note, status=TaskStatus.ASSIGNED)
    if task.activation.mode == Mode.ANY and task.role == TaskRole.MAIN:
        Task.objects.filter(activation=task.activation, role=TaskRole.MAIN, status=TaskStatus.OPEN).update(
            status=TaskStatus.CANCELLED, done_at=timezone.now())
    new = Task.objects.create(activation=task.activation, process=task.process, document=document,
                              node_kind=task.node_kind, node_name=task.node_name, role=task.role, assignee=handler,
                              assignee_unit=task.assignee_unit, sent_by=actor, origin_task=task, note=note[:300],
                              due_at=task.due_at, **_due_fields(task))
    record_history(document, actor=actor, action=HistoryAction.ASSIGN, task=task, from_node=task.node_name,
             to_node=task.node_name, targets=[handler.name], opinion=note, on_behalf_of=on_behalf)
    _audit(actor, "assign", document, task, to=handler.pk)
    _refresh_stage(document)
    return new


# --- recall (撤回) ----------------------------------------------------------------------------


def recall_blocker(task: Task) -> str | None:
    """Why this done task cannot be recalled now, or None if it can."""
    if task.status not in (TaskStatus.DONE, TaskStatus.TRANSFERRED, TaskStatus.ASSIGNED):
        return "只能撤回已送出的待办。"
    if not task.document.is_open:
        return "本件已办结或已退文，不能撤回。"
    if task.role == TaskRole.CIRCULATE:
        return "传阅件已退回办公室，不能撤回。"
    successors = list(task.successors.select_related("assignee"))
    if task.status == TaskStatus.DONE and task.activation.state == Activation.State.OPEN:
        if task.activation.mode not in (Mode.ALL, Mode.SEQUENTIAL) and task.role == TaskRole.MAIN:
            return "本环节已由他人办理，不能撤回。"
    elif not successors:
        return "没有可撤回的后续环节。"
    for s in successors:
        if s.status != TaskStatus.OPEN or s.touched_at is not None:
            return f"{s.assignee.name}已查看或办理，不能撤回。请与其联系，或由其退回。"
        if s.opinions.exists() or s.successors.exists():
            return f"{s.assignee.name}已办理，不能撤回。"
    return None


@transaction.atomic
def recall(task_id: int, *, actor) -> Task:
    """撤回: take back what I sent, while nobody after me has opened or acted on it."""
    require_not_admin(actor)
    task, document = lock_task(task_id)
    if task.assignee_id != actor.pk and task.acted_by_id != actor.pk:
        from documents.access import can_view

        if not can_view(actor, document):
            raise NotFound()
        raise PermissionDenied("只能撤回自己送出的待办。")
    # Lock what would be withdrawn: an opening (touch) in flight finishes first and blocks.
    list(task.successors.select_for_update())
    blocker = recall_blocker(task)
    if blocker:
        raise DomainError(blocker)
    now = timezone.now()
    successors = list(task.successors.select_related("activation"))
    Task.objects.filter(pk__in=[s.pk for s in successors]).update(status=TaskStatus.WITHDRAWN, done_at=now)
    for activation in {s.activation for s in successors if s.activation_id != task.activation_id}:
        if not activation.tasks.filter(status=TaskStatus.OPEN).exists():
            activation.state, activation.completed_at = Activation.State.CANCELLED, now
            activation.save(update_fields=["state", "completed_at"])
    activation = task.activation
    if activation.state != Activation.State.OPEN:
        activation.state, activation.completed_at = Activation.State.OPEN, None
        activation.save(update_fields=["state", "completed_at"])
    # A sequential node that had moved to the next signer puts them back in the queue.
    if activation.mode == Mode.SEQUENTIAL:
        moved = [s for s in successors if s.activation_id == activation.pk and s.role == TaskRole.MAIN]
        if moved:
            activation.queue = [[s.assignee_id, s.assignee_unit_id] for s in moved] + activation.queue
            activation.save(update_fields=["queue"])
    reopened = Task.objects.create(activation=activation, process=task.process, document=document,
                                   node_kind=task.node_kind, node_name=task.node_name, role=task.role,
                                   assignee=task.assignee, assignee_unit=task.assignee_unit, sent_by=task.sent_by,
                                   origin_task=task.origin_task, due_at=task.due_at, touched_at=now,
                                   **_due_fields(task))
    old_status = task.status
    task.status = TaskStatus.WITHDRAWN
    task.version += 1
    task.save(update_fields=["status", "version"])
    record_history(document, actor=actor, action=HistoryAction.RECALL, task=task, from_node=task.node_name,
             to_node=task.node_name, targets=[s.assignee.name for s in successors])
    _audit(actor, "recall", document, task, previous_status=old_status)
    _refresh_stage(document)
    return reopened


# --- circulate (传阅) --------------------------------------------------------------------------


@transaction.atomic
def circulate(document_id: int, *, actor, readers, note: str = "") -> list[Task]:
    """传阅: the office sends a copy to each reader; each hands it back to the office
    (一对一送阅反馈). Does not hold up the main line."""
    require_not_admin(actor)
    document = lock_document(document_id)
    access.require_office_staff(actor, document, "发起传阅")
    if not document.is_open:
        raise DomainError("本件已办结或已退文，不能再传阅。")
    if not document.registry_seq:
        raise DomainError("请先登记，再传阅。")
    readers = same_agency_people(readers, document, "传阅人")
    require_may_receive(document, readers, "传阅本件")
    holding = set(Task.objects.filter(document=document, role=TaskRole.CIRCULATE, status=TaskStatus.OPEN)
                  .values_list("assignee_id", flat=True))
    for r in readers:
        if r.pk in holding:
            raise DomainError(f"{r.name}手中已有本件传阅件，尚未退回。")
    process = document.processes.filter(state=Process.State.RUNNING).first()
    if process is None:
        raise DomainError("本件没有运行中的流程。")
    seq = (Activation.objects.filter(process=process).order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    activation = Activation.objects.create(process=process, node_key="circulate", node_kind=NodeKind.CIRCULATE,
                                           node_name="传阅", seq=seq, mode=Mode.ALL, is_side=True, sent_by=actor)
    tasks = Task.objects.bulk_create([
        Task(activation=activation, process=process, document=document, node_kind=NodeKind.CIRCULATE,
             node_name="传阅", role=TaskRole.CIRCULATE, assignee=r, assignee_unit=r.unit, sent_by=actor,
             note=note[:300])
        for r in readers
    ])
    record_history(document, actor=actor, action=HistoryAction.CIRCULATE, process=process, to_node="传阅",
             targets=[r.name for r in readers], opinion=note)
    _audit(actor, "circulate", document, readers=[r.pk for r in readers])
    return tasks


@transaction.atomic
def read_back(task_id: int, *, actor, opinion: str = "") -> Task:
    """阅毕退回: the reader hands the copy back to the office, never to another reader.
    The duty officer closes a duty copy (值班知悉) the same way: 知悉."""
    task, document, on_behalf = begin(task_id, actor)
    if task.role not in (TaskRole.CIRCULATE, TaskRole.DUTY):
        raise DomainError("这不是传阅件。")
    duty = task.role == TaskRole.DUTY
    _finish_task(task, actor=actor, on_behalf=on_behalf, opinion=opinion)
    if not Task.objects.filter(activation=task.activation, status=TaskStatus.OPEN).exists():
        task.activation.state, task.activation.completed_at = Activation.State.DONE, timezone.now()
        task.activation.save(update_fields=["state", "completed_at"])
    if duty:
        record_history(document, actor=actor, action=HistoryAction.DUTY, task=task, from_node="值班知悉", to_node="知悉",
                 opinion=(opinion or "").strip() or "知悉", on_behalf_of=on_behalf)
        _audit(actor, "duty_ack", document, task)
        return task
    record_history(document, actor=actor, action=HistoryAction.CIRCULATE_BACK, task=task, from_node="传阅",
             to_node="办公室", opinion=opinion, on_behalf_of=on_behalf)
    _audit(actor, "read_back", document, task)
    return task


# --- countersign (会签) ------------------------------------------------------------------------


@transaction.atomic
def request_countersign(task_id: int, *, actor, units, note: str = "") -> list[Task]:
    """征求会签: ask other units for their agreement; they answer in parallel."""
    task, document, on_behalf = begin(task_id, actor)
    _require_operation(task, Operation.COUNTERSIGN)
    units = list(dict.fromkeys(units))
    if not units:
        raise DomainError("请选择会签单位。")
    assignees = []
    for unit in units:
        if unit.agency_id != document.agency_id:
            raise DomainError(f"{unit.name}不是{document.agency.short_name}的处室。")
        if unit.pk == task.assignee_unit_id:
            raise DomainError("不能请本单位会签。")
        if Task.objects.filter(activation=task.activation, role=TaskRole.COUNTERSIGN, status=TaskStatus.OPEN,
                               assignee_unit=unit).exists():
            raise DomainError(f"{unit.name}的会签尚未签署，无需重复征求。")
        heads = list(unit_heads(unit))
        if not heads:
            raise DomainError(f"{unit.name}没有处长，无法会签。")
        assignees.append((heads[0], unit))
    created = _ask_others(task, TaskRole.COUNTERSIGN, assignees, actor=actor, note=note)
    record_history(document, actor=actor, action=HistoryAction.COUNTERSIGN_REQUEST, task=task, from_node=task.node_name,
             to_node="会签", targets=[u.name for u in units], opinion=note, on_behalf_of=on_behalf)
    _audit(actor, "countersign_request", document, task, units=[u.pk for u in units])
    _refresh_stage(document)
    return created


@transaction.atomic
def countersign(task_id: int, *, actor, decision: str, opinion: str = "") -> Task:
    """会签: agree, or disagree with the reason."""
    task, document, on_behalf = begin(task_id, actor)
    if task.role != TaskRole.COUNTERSIGN:
        raise DomainError("这项待办不是会签。")
    if decision not in (Decision.AGREE, Decision.DISAGREE):
        raise DomainError("会签请选择“同意”或“不同意”。")
    if decision == Decision.DISAGREE and not opinion.strip():
        raise DomainError("不同意时必须写明理由和修改意见。")
    _finish_task(task, actor=actor, on_behalf=on_behalf, opinion=opinion, decision=decision)
    record_history(document, actor=actor, action=HistoryAction.COUNTERSIGN, task=task, from_node="会签",
             to_node=task.node_name, opinion=f"{Decision(decision).label}。{opinion}".strip(), on_behalf_of=on_behalf)
    _audit(actor, "countersign", document, task, decision=decision)
    _refresh_stage(document)
    return task


@transaction.atomic
def resolve_disagreement(task_id: int, *, actor, resolution: str) -> Opinion:
    """The lead unit records how a countersigning unit's disagreement was resolved (C11)."""
    task, document, on_behalf = begin(task_id, actor)
    if task.role != TaskRole.MAIN:
        raise DomainError("只有主办单位可以处理会签分歧。")
    if not Task.objects.filter(activation=task.activation, role=TaskRole.COUNTERSIGN, status=TaskStatus.DONE,
                               decision=Decision.DISAGREE).exists():
        raise DomainError("本环节没有会签不同意见，无需处理。")
    resolution = (resolution or "").strip()
    if not resolution:
        raise DomainError("请写明分歧如何处理（协商结果、采纳或不采纳的理由）。")
    opinion = record_opinion(task, author=actor, on_behalf_of=on_behalf, text=f"会签分歧处理：{resolution}",
                              node_kind=NodeKind.COUNTERSIGN, role=TaskRole.MAIN)
    record_history(document, actor=actor, action=HistoryAction.RESOLVE, task=task, from_node=task.node_name,
             opinion=resolution, on_behalf_of=on_behalf)
    _audit(actor, "resolve", document, task)
    return opinion


# --- reject (退文) -----------------------------------------------------------------------------


@transaction.atomic
def reject(document_id: int, *, actor, reason: str, kind: str = ReturnKind.RETURN,
           error_category: str | None = None) -> DocumentReturn:
    """退文: the office sends the document back to its sender with the reason; the
    document closes and the return is counted against the sender.

    Writes an error-book entry (错题本, C14) against the sending agency in the same
    transaction. Pages and the API always ask for ``error_category``; callers that name
    none get the default of the kind (``supervision.errorbook.services.DEFAULT_REJECT_CATEGORY``:
    直送件, 越级件, 乱投件 and a plain 退文 are all 程序)."""
    require_not_admin(actor)
    document = lock_document(document_id)
    access.require_office_staff(actor, document, "退文")
    if not document.is_open:
        raise DomainError("本件已办结或已退文。")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("退文必须写明理由。")
    if kind not in ReturnKind.values:
        raise DomainError("退文类别无效。")
    settled = effects.check_reject(error_category=error_category, kind=kind)
    open_nodes = Task.objects.filter(document=document, status=TaskStatus.OPEN, activation__is_side=False)
    allowed = all(Operation.REJECT in t.process.node(t.activation.node_key)["operations"]
                  for t in open_nodes.select_related("process", "activation"))
    if not allowed:
        raise DomainError("本件已进入办理环节，不能退文；如需退回，请在当前环节选择“退回”。")
    record = DocumentReturn.objects.create(document=document, kind=kind, sender=document.sender,
                                           sender_name=document.sender_display, reason=reason, returned_by=actor)
    for activation in Activation.objects.filter(process__document=document, state=Activation.State.OPEN):
        _close_activation(activation, state=Activation.State.CANCELLED)
    document.processes.filter(state=Process.State.RUNNING).update(state=Process.State.CANCELLED,
                                                                 completed_at=timezone.now())
    document.status, document.closed_at = Status.RETURNED, timezone.now()
    record_history(document, actor=actor, action=HistoryAction.REJECT, from_node=document.stage,
             to_node=document.sender_display or "来文单位", opinion=f"{kind}：{reason}")
    effects.rejected(document, actor=actor, reason=reason, kind=kind, **settled)
    audit.record(actor=actor, action="flow.reject", target=document, new={"kind": kind, "reason": reason, **settled})
    _refresh_stage(document)
    return record


# --- reads that mark --------------------------------------------------------------------------


def touch(task: Task, *, actor) -> None:
    """The assignee opened the task: after this the sender can no longer recall it."""
    if task.is_open and task.touched_at is None and (task.assignee_id == actor.pk or task.assignee_id in
                                                     _delegator_ids(actor)):
        now = timezone.now()
        if Task.objects.filter(pk=task.pk, status=TaskStatus.OPEN, touched_at__isnull=True).update(touched_at=now):
            task.touched_at = now  # the page that opened it shows 已查看 from the same instance


def _delegator_ids(actor) -> list[int]:
    from org.selectors import delegators_of

    return delegators_of(actor)


def open_tasks_exist(document: Document) -> bool:
    return Task.objects.filter(document=document, status=TaskStatus.OPEN, activation__is_side=False).exists()

