"""C04 — A request sent straight to a leader (文件倒流/直送件).

A division, or a subordinate agency, hands a request directly to a leader instead of
through the office. The system has one entrance (一个口子进出): the document never reaches
the leader's inbox; it lands in the office's sign-for queue flagged 直送件 with the sender
recorded; the office registers it through the normal route or returns it (退文) with a
reason; statistics count direct submissions per sender.
"""

from django.utils import timezone

from documents.access import visible_documents
from documents.models import DocumentReturn, ReturnKind, Status
from documents.selectors import DocumentFilter, registry, returns_per_sender
from flow import selectors
from flow import services as flow
from flow.models import HistoryAction, HistoryEvent, NodeKind, Task, TaskStatus
from gongwen.errors import NotFound, PermissionDenied
from incoming.services import IncomingData, register_at_node, submit_direct
from tests.helpers import open_task, open_tasks, refused


def request_data(title="关于申请道路养护专项经费的请示") -> IncomingData:
    return IncomingData(title=title, doc_type="请示")


def in_inbox(person, document) -> bool:
    return selectors.inbox(person).filter(document=document).exists()


def test_direct_submission_lands_in_office_queue_and_is_registered_through_normal_route(office, clock):
    o = office
    clock.next()
    doc = submit_direct(actor=o.head_a, agency=o.gov, leader=o.principal, data=request_data())
    submitted_at = timezone.now()

    # Flagged, sender recorded, not registered yet.
    doc.refresh_from_db()
    assert doc.is_direct_submission and doc.addressed_to == o.principal
    assert doc.sender_person == o.head_a
    assert "综合一处" in doc.sender_name and "郑处长" in doc.sender_name
    assert doc.registry_seq is None and doc.registry_number == ""
    # Never in the leader's inbox (nor anybody else's but the office's sign-for queue).
    assert not in_inbox(o.principal, doc)
    assert [(t.assignee, t.node_kind) for t in open_tasks(doc)] == [(o.clerk, NodeKind.SIGN_FOR)]
    queue = selectors.inbox(o.clerk).get(document=doc)
    assert queue.document.is_direct_submission
    event = HistoryEvent.objects.get(document=doc, action=HistoryAction.DIRECT)
    assert event.actor == o.head_a and event.from_node == o.principal.name and event.to_node == "办公室"
    assert timezone.localtime(doc.received_at).date() == timezone.localtime(submitted_at).date()
    # The leader it was addressed to cannot see it: they never held it.
    assert not visible_documents(o.principal).filter(pk=doc.pk).exists()

    # The office signs for it: it stays with the office.
    clock.next()
    sign_for = open_task(doc, o.clerk)
    with refused("不担任文书"):
        flow.send_on(sign_for.pk, actor=o.clerk, next_assignees=[o.principal])
    flow.send_on(sign_for.pk, actor=o.clerk, opinion="直送件，转登记。")
    register = open_task(doc, o.clerk)
    assert register.node_kind == NodeKind.REGISTER
    with refused("直送件"):
        flow.transfer(register.pk, actor=o.clerk, to_person=o.principal)
    assert not in_inbox(o.principal, doc)

    # Registered at the 登记 node: it gets its 收文编号 (numbered in the year it reached the office).
    clock.next()
    doc = register_at_node(register.pk, actor=o.clerk, opinion="已登记。")
    doc.refresh_from_db()
    assert doc.registry_seq == 1
    assert doc.registry_year == timezone.localtime(doc.received_at).year
    assert doc.registered_by == o.clerk and doc.is_direct_submission
    assert [(t.assignee, t.node_kind) for t in open_tasks(doc)] == [(o.secretary, NodeKind.SCREEN)]
    assert not in_inbox(o.principal, doc)
    assert list(registry(o.clerk, DocumentFilter(direct_only=True))) == [doc]

    # The secretariat cannot skip the office director and put it on the leader's desk:
    # neither by choosing him as next, nor by handing him its own task, nor by adding him.
    clock.next()
    screen = open_task(doc, o.secretary)
    with refused("不担任办公室主任"):
        flow.send_on(screen.pk, actor=o.secretary, opinion="请拟办。", next_assignees=[o.principal])
    with refused("直送件"):
        flow.transfer(screen.pk, actor=o.secretary, to_person=o.principal, reason="请陈市长直接处理。")
    with refused("直送件"):
        flow.add_signer(screen.pk, actor=o.secretary, people=[o.principal], note="请陈市长先看。")
    assert not in_inbox(o.principal, doc)
    flow.send_on(screen.pk, actor=o.secretary, opinion="请拟办。")
    assert not in_inbox(o.principal, doc)

    # Only through the office's proposal does it reach the leader.
    clock.next()
    propose = open_task(doc, o.director)
    flow.send_on(propose.pk, actor=o.director, opinion="拟请陈市长阅示。", next_assignees=[o.principal])
    assert in_inbox(o.principal, doc)
    instruct = open_task(doc, o.principal)
    assert instruct.node_kind == NodeKind.INSTRUCT and instruct.sent_by == o.director


def test_office_returns_direct_submission_and_counts_per_sender(office, clock):
    o = office
    clock.next()
    first = submit_direct(actor=o.head_a, agency=o.gov, leader=o.principal, data=request_data())
    second = submit_direct(actor=o.head_a, agency=o.gov, leader=o.leader_a,
                           data=request_data("关于调整综合一处人员编制的请示"))
    # A department hands its request straight to the mayor: sender is the department.
    third = submit_direct(actor=o.dept_head, agency=o.gov, leader=o.principal,
                          data=request_data("关于市交通局申请追加预算的请示"))
    third.refresh_from_db()
    assert third.sender == o.dept and third.sender_person == o.dept_head
    for doc in (first, second, third):
        assert not in_inbox(o.principal, doc) and not in_inbox(o.leader_a, doc)

    clock.next()
    # A return needs a reason, and only the office may return; a refusal writes nothing.
    with refused("理由"):
        flow.reject(first.pk, actor=o.clerk, reason="  ", kind=ReturnKind.DIRECT)
    with refused(exc=NotFound):
        flow.reject(first.pk, actor=o.head_b, reason="越权退文", kind=ReturnKind.DIRECT)
    with refused(exc=(PermissionDenied, NotFound)):  # the submitter is not the office
        flow.reject(first.pk, actor=o.head_a, reason="我自己撤回", kind=ReturnKind.DIRECT)
    with refused(exc=NotFound):  # the leader it was addressed to never held it
        flow.reject(first.pk, actor=o.principal, reason="退回", kind=ReturnKind.DIRECT)

    # The office returns the first one while still in the sign-for queue...
    flow.reject(first.pk, actor=o.clerk, reason="未经办公室，直送领导，请按程序报送。", kind=ReturnKind.DIRECT)
    # ...and the third after signing for it, at the 登记 node.
    flow.send_on(open_task(third, o.clerk).pk, actor=o.clerk)
    clock.next()
    flow.reject(third.pk, actor=o.director, reason="部门请示应由部门办公室报送市政府办公室。", kind=ReturnKind.DIRECT)

    for doc in (first, third):
        doc.refresh_from_db()
        assert doc.status == Status.RETURNED and doc.closed_at is not None
        assert not Task.objects.filter(document=doc, status=TaskStatus.OPEN).exists()
        assert doc.registry_seq is None  # a returned direct submission takes no 收文编号
    returned = DocumentReturn.objects.get(document=first)
    assert returned.kind == ReturnKind.DIRECT and returned.returned_by == o.clerk
    assert returned.sender_name == first.sender_name and "郑处长" in returned.sender_name
    assert DocumentReturn.objects.get(document=third).sender == o.dept
    event = HistoryEvent.objects.filter(document=first, action=HistoryAction.REJECT).get()
    assert "直送件" in event.opinion and "按程序报送" in event.opinion
    # Returned: nothing more can be done on it.
    with refused("已办结或已退文"):
        flow.reject(first.pk, actor=o.clerk, reason="再退一次", kind=ReturnKind.DIRECT)

    # The second is still in the queue; nobody but the office holds it.
    assert [(t.assignee, t.node_kind) for t in open_tasks(second)] == [(o.clerk, NodeKind.SIGN_FOR)]

    returns, direct = returns_per_sender(o.clerk)
    direct_counts = {row["sender_name"]: row["n"] for row in direct}
    assert direct_counts == {first.sender_name: 2, o.dept.name: 1}
    return_counts = {(row["sender_name"], row["kind"]): row["n"] for row in returns}
    assert return_counts == {(first.sender_name, ReturnKind.DIRECT): 1, (o.dept.name, ReturnKind.DIRECT): 1}
    # Statistics are read through visibility: someone outside sees none of it.
    assert returns_per_sender(o.outsider) == ([], [])
    assert returns_per_sender(o.auditor) == ([], [])


def test_direct_submission_refusals_write_nothing(office, clock):
    o = office
    clock.next()
    with refused("不是示范市人民政府办公室的领导|不是市政府办的领导"):
        submit_direct(actor=o.head_a, agency=o.gov, leader=o.head_b, data=request_data())
    with refused("领导"):  # the leader of another agency
        submit_direct(actor=o.head_a, agency=o.gov, leader=o.dept_head, data=request_data())
    with refused(exc=PermissionDenied):
        submit_direct(actor=o.sysadmin, agency=o.gov, leader=o.principal, data=request_data())
    with refused("登录", exc=PermissionDenied):
        submit_direct(actor=None, agency=o.gov, leader=o.principal, data=request_data())
    with refused("标题"):
        submit_direct(actor=o.head_a, agency=o.gov, leader=o.principal, data=request_data(title=" "))
