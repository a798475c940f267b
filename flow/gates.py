"""Named gates (关卡): predicates that guard leaving a node or an operation.

Each gate returns None when it holds, or the Chinese message naming what is missing.
Templates list gates by name (data); the code of each gate lives here, with a test —
or, for the node kinds of outgoing documents, in the app that owns the records it reads,
named by dotted path in ``NODE_GATES``.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.module_loading import import_string

from documents.models import Document

from .models import Activation, Decision, NodeKind, Opinion, Task, TaskRole, TaskStatus


@dataclass(frozen=True)
class Gate:
    name: str
    label: str
    check: Callable[[Document, Activation | None], str | None]


def _registered(document, activation):
    if not document.registry_seq:
        return "尚未登记：请先完成登记，取得收文编号。"
    return None


def _lead_unit_chosen(document, activation):
    if not document.lead_unit_id:
        return "尚未确定主办单位：分办时请选择主办单位（可同时选择协办单位）。"
    return None


def _urgent_has_deadline(document, activation):
    if document.urgency in ("特急", "加急", "特提") and not document.sender_deadline:
        return f"{document.urgency}件必须明确办理时限：请在公文要素中填写办理时限。"
    return None


# The roles of the work asked of others at a node (协办, 会签, 加签): the gates of ALWAYS read
# them, from one query per evaluation (``failing`` reads them once for all three).
SIDE_ROLES = (TaskRole.ASSIST, TaskRole.COUNTERSIGN, TaskRole.ADDED)


def _side_tasks(activation, role, status) -> list[Task]:
    """The activation's tasks of ``role`` in ``status``, newest first (Task's ordering),
    with their assignee and unit."""
    loaded = getattr(activation, "_gate_side_tasks", None)
    if loaded is None:
        loaded = _load_side_tasks(activation)
    return [t for t in loaded if t.role == role and t.status == status]


def _load_side_tasks(activation) -> list[Task]:
    return list(Task.objects.filter(activation=activation, role__in=SIDE_ROLES).select_related(
        "assignee", "assignee_unit"))


def _assists_done(document, activation):
    if activation is None:
        return None
    names = [t.assignee_unit.name if t.assignee_unit_id else t.assignee.name
             for t in _side_tasks(activation, TaskRole.ASSIST, TaskStatus.OPEN)]
    if names:
        return f"协办单位尚未反馈意见：{'、'.join(names)}。"
    return None


def _countersign_settled(document, activation):
    if activation is None:
        return None
    names = [t.assignee_unit.name if t.assignee_unit_id else t.assignee.name
             for t in _side_tasks(activation, TaskRole.COUNTERSIGN, TaskStatus.OPEN)]
    if names:
        return f"会签尚未完成：{'、'.join(names)}未签署意见。"
    disagree = [t for t in _side_tasks(activation, TaskRole.COUNTERSIGN, TaskStatus.DONE)
                if t.decision == Decision.DISAGREE]
    if not disagree:
        return None
    resolved_after = Opinion.objects.filter(task__activation=activation, node_kind=NodeKind.COUNTERSIGN,
                                            role=TaskRole.MAIN)
    unresolved = [t for t in disagree if not resolved_after.filter(created_at__gte=t.done_at).exists()]
    if unresolved:
        names = "、".join(t.assignee_unit.name if t.assignee_unit_id else t.assignee.name for t in unresolved)
        return f"会签单位有不同意见（{names}），请主办单位先记录分歧处理情况。"
    return None


def _added_signers_done(document, activation):
    if activation is None:
        return None
    names = [t.assignee.name for t in _side_tasks(activation, TaskRole.ADDED, TaskStatus.OPEN)]
    if names:
        return f"加签人尚未签署：{'、'.join(names)}。"
    return None


def _leader_approved_reply(document, activation):
    """C01 (incoming half): a reply that needs the leaders' approval cannot be finished
    before they gave it — after the handling division last finished its work."""
    if not document.needs_leader_approval:
        return None
    last_handle = (Task.objects.filter(document=document, node_kind=NodeKind.HANDLE, role=TaskRole.MAIN,
                                       status=TaskStatus.DONE).order_by("-done_at").first())
    approvals = Opinion.objects.filter(document=document, node_kind=NodeKind.APPROVE, decision=Decision.AGREE)
    if last_handle is not None:
        approvals = approvals.filter(created_at__gte=last_handle.done_at)
    # Back at 承办 (returned for rework): whatever was approved before is being changed.
    reworking = Task.objects.filter(document=document, node_kind=NodeKind.HANDLE, role=TaskRole.MAIN,
                                    status=TaskStatus.OPEN).exists()
    if reworking or not approvals.exists():
        missing = "分管领导审定"
        if document.lead_unit_id:
            from org.selectors import leaders_in_charge

            names = "、".join(p.name for p in leaders_in_charge(document.lead_unit))
            if names:
                missing = f"分管领导（{names}）审定"
        return f"答复须经领导审定，尚缺：{missing}。请先送领导审定后再答复或办结。"
    return None


def _no_open_work(document, activation):
    pending = Task.objects.filter(document=document, status=TaskStatus.OPEN, activation__is_side=False).filter(
        ~Q(activation=activation) if activation is not None else Q())
    names = [f"{t.node_name}（{t.assignee.name}）" for t in pending.select_related("assignee")[:5]]
    if names:
        return f"还有未完成的环节：{'、'.join(names)}。"
    return None


# The gates of the node kinds that other apps add (发文: 拟稿, 签发, 复核, 编号, 用印, 分发):
# name → (label, dotted path of the check). Each check lives with the records it reads
# (drafting.gates, sealing.gates, exchange.gates) and is resolved when first called
# (import_string), so the engine never imports the apps that build on it.
# tests/test_seams.py imports every path.
NODE_GATES: dict[str, tuple[str, str]] = {
    "body_present": ("已有正文", "drafting.gates.body_present"),
    "signed_off": ("已签发", "drafting.gates.signed_off"),
    "checks_cleared": ("检查意见已处理", "drafting.gates.checks_cleared"),
    "signoff_complete": ("签发齐全", "drafting.gates.signoff_complete"),
    "body_unchanged_since_signoff": ("签发后正文未改动", "drafting.gates.body_unchanged_since_signoff"),
    "rechecked": ("已复核", "drafting.gates.rechecked"),
    "numbered": ("已编号", "drafting.gates.numbered"),
    "sealed": ("已用印", "sealing.gates.sealed"),
    "dispatched": ("已分发", "exchange.gates.dispatched"),
}


def _by_path(path: str) -> Callable[[Document, Activation | None], str | None]:
    def check(document, activation):
        return import_string(path)(document, activation)

    return check


GATES: dict[str, Gate] = {
    g.name: g
    for g in [
        Gate("registered", "已登记", _registered),
        Gate("lead_unit_chosen", "已确定主办单位", _lead_unit_chosen),
        Gate("urgent_has_deadline", "急件有时限", _urgent_has_deadline),
        Gate("assists_done", "协办已反馈", _assists_done),
        Gate("countersign_settled", "会签一致或分歧已处理", _countersign_settled),
        Gate("added_signers_done", "加签人已签署", _added_signers_done),
        Gate("leader_approved_reply", "答复已经领导审定", _leader_approved_reply),
        Gate("no_open_work", "无未完成环节", _no_open_work),
    ]
    + [Gate(name, label, _by_path(path)) for name, (label, path) in NODE_GATES.items()]
}

# Gates a node of a kind always has, whatever the template says: the work of the node
# itself (an administrator cannot edit a 签发 node into one that needs no sign-off).
KIND_GATES = {
    NodeKind.DRAFT: ("body_present",),
    NodeKind.SIGN_OFF: ("checks_cleared", "signed_off"),
    NodeKind.RECHECK: ("body_unchanged_since_signoff",),
    NodeKind.NUMBER: ("numbered",),
    NodeKind.SEAL: ("sealed",),
    NodeKind.DISPATCH: ("dispatched",),
}


def kind_gates(kind: str) -> tuple[str, ...]:
    return KIND_GATES.get(kind, ())

# Gates that hold on every node whatever the template says: work asked of others at a
# node must come back before the node is left.
ALWAYS = ("added_signers_done", "assists_done", "countersign_settled")

GATE_CHOICES = [(g.name, g.label) for g in GATES.values()]


def failing(names, document, activation, *, always: bool = True) -> list[str]:
    """The messages of the gates among ``names`` that do not hold, ALWAYS first.
    ``always=False`` leaves ALWAYS out unless named: for a caller that has just checked them
    in the same transaction and changed nothing they read since (``flow.services.send_on``
    checks them once before it finishes the task; finishing a 主办 task opens no 协办, 会签 or
    加签 task, so they cannot have changed)."""
    messages = []
    chosen = (list(ALWAYS) if always else []) + [n for n in names if n not in ALWAYS or not always]
    reads_side_tasks = activation is not None and any(n in ALWAYS for n in chosen)
    if reads_side_tasks:
        activation._gate_side_tasks = _load_side_tasks(activation)  # one query for the three
    try:
        for name in chosen:
            gate = GATES.get(name)
            if gate is None:
                messages.append(f"模板引用了未知关卡“{name}”，请联系系统管理员。")
                continue
            message = gate.check(document, activation)
            if message:
                messages.append(message)
    finally:
        if reads_side_tasks:
            del activation._gate_side_tasks
    return messages
