"""Incoming documents (收文) entering the agency: registration of a document the clerk has
in hand, a request handed straight to a leader (直送件, C04), and the 登记 node of a
document that arrived through the sign-for queue. The mirror of ``drafting`` (发文).

Every function runs in one transaction, checks permission and the intake rules
(RULES.md §3, §5; cases C04, C05), starts or moves the document's process through the
engine, and writes the routing history and the audit event. The elements of a document
and their checks (``IncomingData``, ``clean_incoming``, the 收文编号 counter) live in
``documents.services``: the 密件 register (secrecy) records classified documents with them.
"""

from django.db import transaction
from django.utils import timezone

from audit import services as audit
from deadlines import services as deadlines
from documents import access
from documents.models import Direction, Document
from documents.services import (
    IncomingData,
    allocate_registry_number,
    check_not_skipping_level,
    clean_incoming,
)
from flow import kit
from flow import services as flow
from flow.models import HistoryAction, NodeKind, Task
from gongwen.errors import DomainError, NotFound, PermissionDenied
from org.models import LEADER_POSTS, Agency, Person
from org.selectors import has_post

__all__ = ["IncomingData", "register_at_node", "register_incoming", "submit_direct"]


def assign_registry(document: Document, actor) -> None:
    year = timezone.localtime(document.received_at).year
    document.registry_year = year
    document.registry_seq = allocate_registry_number(document.agency, year)
    document.registered_by = actor
    document.registered_at = timezone.now()


def refuse_classified_intake(values: dict, what: str = "收文登记") -> None:
    """A classified document enters only through the 密件 register (RULES.md §7): it is
    registered by copy number to a holder, read by its reading scope, and takes no part
    in the ordinary intake, numbering or routing."""
    if values.get("secrecy"):
        raise DomainError(f"{values['secrecy']}件须由机要员在“密件登记”中按份号登记，不能通过{what}进入系统："
                          "请把密级改为“非密”，或交机要员办理密件登记。", code="classified")


@transaction.atomic
def register_incoming(*, actor, agency: Agency, data: IncomingData) -> Document:
    """Register a paper or scanned document the clerk has in hand: signs for it, gives it a
    收文编号 and starts its process at the node after 登记. A document addressed to a
    leader personally is flagged 直送件 and goes to the office queue, never to the leader."""
    access.require_register(actor, agency)
    values = clean_incoming(agency, data)
    refuse_classified_intake(values)
    document = Document(agency=agency, direction=Direction.INCOMING, **values)
    assign_registry(document, actor)
    document.save()
    flow.start_process(document, actor=actor, done_nodes=("sign_for", "register"))
    audit.record(actor=actor, action="documents.register", target=document,
                 new={"registry_number": document.registry_number, "title": document.title,
                      "sender": document.sender_name, "direct": document.is_direct_submission})
    return document


@transaction.atomic
def submit_direct(*, actor, agency: Agency, leader: Person, data: IncomingData) -> Document:
    """A division or a subordinate hands a request straight to a leader (C04). It does not
    reach the leader: it lands in the office's sign-for queue flagged 直送件, with the
    sender recorded, and the office registers it through the normal route or returns it."""
    if actor is None:
        raise PermissionDenied("请先登录。")
    if actor.admin_role:
        raise PermissionDenied("管理员不得报送公文。")
    if leader.agency_id != agency.pk or not has_post(leader, *LEADER_POSTS):
        raise DomainError(f"{leader.name}不是{agency.short_name}的领导。")
    data.addressed_to_id = leader.pk
    if not data.sender_id and not data.sender_name:
        if actor.agency_id != agency.pk:
            data.sender_id = actor.agency_id
        else:
            data.sender_name = f"{actor.unit.name if actor.unit_id else agency.short_name}（{actor.name}）"
    values = clean_incoming(agency, data)
    refuse_classified_intake(values, "直送领导的报送")
    document = Document(agency=agency, direction=Direction.INCOMING, sender_person=actor, **values)
    document.save()
    flow.start_process(document, actor=actor)
    kit.record_history(document, actor=actor, action=HistoryAction.DIRECT, from_node=leader.name, to_node="办公室",
                       opinion=f"直送{leader.name}的公文，按“一个口子进出”转办公室签收登记。")
    audit.record(actor=actor, action="documents.submit_direct", target=document,
                 new={"leader": leader.pk, "title": document.title})
    return document


@transaction.atomic
def register_at_node(task_id: int, *, actor, data: IncomingData | None = None, opinion: str = "") -> Document:
    """Complete the 登记 node of a document that arrived through the sign-for queue: check
    and correct its elements, refuse 越级件, give it its 收文编号, send it on."""
    task = Task.objects.filter(pk=task_id).select_related("document", "document__agency").first()
    if task is None:
        raise NotFound("未找到该待办。")
    document = Document.objects.select_for_update().get(pk=task.document_id)
    if not access.can_view(actor, document):  # the same answer as for a missing task
        raise NotFound("未找到该待办。")
    if task.node_kind != NodeKind.REGISTER:
        raise DomainError("这不是登记环节。")
    access.require_register(actor, document.agency)
    if data is not None:
        values = clean_incoming(document.agency, data)
        refuse_classified_intake(values, "登记")
        values.pop("addressed_to")
        values.pop("is_direct_submission")
        for key, value in values.items():
            setattr(document, key, value)
        due = deadlines.document_due(document)
        document.due_at = document.original_due_at = due.at
        document.due_pending_year = due.pending_year
    else:
        check_not_skipping_level(document.agency, document.sender)
    if not document.registry_seq:
        assign_registry(document, actor)
    document.save()
    flow.send_on(task_id, actor=actor, opinion=opinion)
    audit.record(actor=actor, action="documents.register", target=document,
                 new={"registry_number": document.registry_number})
    return document
