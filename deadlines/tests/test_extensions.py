"""Extensions (延期) through the services: request, decide, the sender's agreement (or no
new date agreed), each with its refusals writing nothing."""

from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from deadlines import lateness, reminders
from deadlines.extensions import services as ext_services
from deadlines.models import Extension, Notification
from deadlines.services import sender_deadline
from documents.models import Document
from flow import services as flow
from flow.models import HistoryAction, HistoryEvent, NodeKind, Task, TaskRole, TaskStatus
from gongwen.errors import Conflict, NotFound, PermissionDenied
from incoming.services import IncomingData, register_incoming, submit_direct
from org.models import Delegation
from tests import helpers
from tests.factories import person
from tests.helpers import open_task

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=9, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


@contextmanager
def refused(match=None, exc=None):
    """helpers.refused, and no extension or notification written either."""
    before = (list(Extension.objects.order_by("pk").values_list()), Notification.objects.count())
    with helpers.refused(match, **({"exc": exc} if exc else {})) as info:
        yield info
    assert (list(Extension.objects.order_by("pk").values_list()), Notification.objects.count()) == before


@pytest.fixture
def clock():
    # Monday 9 March 2026, an ordinary week.
    with time_machine.travel(at(2026, 3, 9, 9, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def doc(office, clock):
    """A document at 承办 in 综合一处 (综合二处 assisting), due 3月13日下班前 by the sender; a
    proxy draft is needed, so the 承办 tasks are due one working day after they arrive
    (Monday 09:00 → Tuesday 09:00), earlier than the sender's deadline."""
    o = office
    due, text = sender_deadline(o.gov, date(2026, 3, 13), "close")
    d = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于报送安全生产检查情况的通知", doc_type="通知", sender_id=o.province.pk, slip_kind="relay",
        sender_deadline=due, sender_deadline_text=text, needs_proxy_draft=True))
    flow.send_on(open_task(d, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
    flow.send_on(open_task(d, o.director).pk, actor=o.director, opinion="拟请周副市长阅示。", next_assignees=[o.leader_a])
    flow.send_on(open_task(d, o.leader_a).pk, actor=o.leader_a, opinion="请综合一处办理。")
    flow.send_on(open_task(d, o.secretary).pk, actor=o.secretary, lead_unit=o.div_a, assist_units=[o.div_b])
    d.refresh_from_db()
    return d


@pytest.fixture
def supervisor(office):
    return person(office.gov, "钱督查", "supervisor", "supervisor", unit=office.div_c)


def history(document):
    return list(HistoryEvent.objects.filter(document=document, action=HistoryAction.EXTEND).order_by("id"))


def test_request_then_approve_moves_the_task_due_time_only(office, doc, clock):
    o = office
    task = open_task(doc, o.head_a)
    assert task.due_at == task.original_due_at == at(2026, 3, 10, 9, 0)
    assert doc.due_at == at(2026, 3, 13, 18, 0)
    clock.move_to(at(2026, 3, 9, 16, 0))
    audit_before = AuditEvent.objects.count()
    ext = ext_services.request_extension(task.pk, actor=o.head_a, new_due_at=at(2026, 3, 11, 18, 0),
                                         reason="需征求三个部门意见")
    assert ext.state == Extension.State.PENDING and ext.old_due_at == task.due_at
    assert ext.requested_due_at == at(2026, 3, 11, 18, 0) and ext.requested_by == o.head_a
    assert AuditEvent.objects.count() == audit_before + 1
    # The office director is told; the request is in the history.
    assert Notification.objects.filter(recipient=o.director, document=doc, title__contains="延期申请").exists()
    (event,) = history(doc)
    assert event.actor == o.head_a and "需征求三个部门意见" in event.opinion and event.task_id == task.pk

    # The office may approve less than asked, never more, and never earlier than now due.
    with refused("不能晚于申请"):
        ext_services.decide_extension(ext.pk, actor=o.director, approve=True, new_due_at=at(2026, 3, 12, 18, 0))
    with refused("应晚于"):
        ext_services.decide_extension(ext.pk, actor=o.director, approve=True, new_due_at=at(2026, 3, 10, 8, 30))
    ext = ext_services.decide_extension(ext.pk, actor=o.director, approve=True, note="同意。",
                                        new_due_at=at(2026, 3, 10, 18, 0))
    task.refresh_from_db()
    assert ext.state == Extension.State.APPROVED and ext.decided_by == o.director
    assert ext.new_due_at == task.due_at == at(2026, 3, 10, 18, 0)
    assert task.original_due_at == at(2026, 3, 10, 9, 0)
    # Reminders follow the new due time.
    assert task.next_reminder_at == reminders.next_check(doc, task.created_at, task.due_at, timezone.now())
    assert task.next_reminder_at == at(2026, 3, 10, 8, 45)  # half of 13.5 working hours
    assert Notification.objects.filter(recipient=o.head_a, title__contains="已同意").exists()
    assert [e.actor for e in history(doc)] == [o.head_a, o.director]
    assert "延至2026年3月10日 18:00" in history(doc)[-1].opinion
    # The document's own due time did not move.
    doc.refresh_from_db()
    assert doc.due_at == doc.original_due_at == at(2026, 3, 13, 18, 0)
    # Decided once: a second decision is a conflict.
    with refused("已处理", exc=Conflict):
        ext_services.decide_extension(ext.pk, actor=o.director, approve=False, note="再议")
    # Lateness: finished Wednesday 10:00, late against the original (Tuesday 09:00) by 1 day,
    # 8 working hours; against the extended (Tuesday 18:00) by 1.5 working hours.
    clock.move_to(at(2026, 3, 11, 10, 0))
    flow.send_on(open_task(doc, o.head_b, TaskRole.ASSIST).pk, actor=o.head_b, opinion="无意见。")
    flow.complete(task.pk, actor=o.head_a, opinion="已报送代拟稿。")
    pair = lateness.task_lateness(Task.objects.get(pk=task.pk))
    assert pair.was_extended
    assert pair.original.late and pair.original.calendar_days == 1 and pair.original.working_minutes == 8 * 60
    assert pair.extended.late and pair.extended.working_minutes == 90 and pair.extended.calendar_days == 1
    assert pair.original.label == "逾期1天（工作时间1个工作日1小时）"
    assert pair.extended.label == "逾期1天（工作时间1小时30分钟）"


def test_approval_beyond_the_senders_deadline_needs_the_sender(office, doc, clock):
    o = office
    task = open_task(doc, o.head_a)
    ext = ext_services.request_extension(task.pk, actor=o.head_a, new_due_at=at(2026, 3, 18, 18, 0),
                                         reason="材料多，需要延期")
    with refused("来文单位"):
        ext_services.decide_extension(ext.pk, actor=o.director, approve=True)
    # The office records that the sender agreed: the document and the request move.
    ext2 = ext_services.record_sender_agreement(doc.pk, actor=o.director, new_due_at=at(2026, 3, 18, 18, 0),
                                                agreed_with="省政府办公厅秘书处 刘处长", note="电话商定")
    assert ext2.pk == ext.pk and ext2.state == Extension.State.SENDER_AGREED
    assert ext2.agreed_with == "省政府办公厅秘书处 刘处长" and ext2.new_due_at == at(2026, 3, 18, 18, 0)
    assert ext2.decided_by == o.director and ext2.decision_note == "电话商定"
    doc.refresh_from_db()
    task.refresh_from_db()
    assert doc.due_at == at(2026, 3, 18, 18, 0) and doc.original_due_at == at(2026, 3, 13, 18, 0)
    assert task.due_at == at(2026, 3, 18, 18, 0) and task.original_due_at == at(2026, 3, 10, 9, 0)
    # The assisting division's own limit (one working day for the proxy draft) stays.
    assist = open_task(doc, o.head_b, TaskRole.ASSIST)
    assert assist.due_at == at(2026, 3, 10, 9, 0)
    assert Notification.objects.filter(recipient=o.head_b, title__contains="来文单位同意延期").exists()
    assert Notification.objects.filter(recipient=o.head_a, title__contains="来文单位同意延期").exists()
    assert lateness.sender_flag(doc).state == Extension.State.SENDER_AGREED
    assert "刘处长" in history(doc)[-1].opinion and "原定时限2026年3月13日 18:00不变" in history(doc)[-1].opinion
    # New tasks of this node keep the task's time: the head assigns a handler.
    flow.assign_handler(task.pk, actor=o.head_a, handler=o.handler_a)
    assert open_task(doc, o.handler_a).due_at == at(2026, 3, 18, 18, 0)


def test_sender_agreement_keeps_earlier_node_limits_and_no_date_flags(office, doc, clock):
    o = office
    # A direct submission at 签收 (8 working hours) shows a node limit earlier than a
    # document due time is not stretched by the sender's extension.
    due, text = sender_deadline(o.gov, date(2026, 3, 12), "close")
    d = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于征求意见的函", doc_type="函", sender_id=o.dept.pk, sender_deadline=due, sender_deadline_text=text))
    flow.circulate(d.pk, actor=o.clerk, readers=[o.leader_b])
    screen = open_task(d, o.secretary)
    assert screen.due_at == due
    with refused("未商定|商定"):
        ext_services.record_sender_agreement(d.pk, actor=o.director, new_due_at=due + timedelta(days=2),
                                             agreed_with="  ")
    with refused("应晚于"):
        ext_services.record_sender_agreement(d.pk, actor=o.director, new_due_at=due, agreed_with="市交通局 张科长")
    ext = ext_services.record_sender_agreement(d.pk, actor=o.clerk, new_due_at=None, agreed_with="市交通局 张科长",
                                               note="对方称需请示领导后再定")
    assert ext.state == Extension.State.NO_DATE and ext.task_id == screen.pk and ext.requested_by == o.clerk
    d.refresh_from_db()
    assert d.due_at == due and lateness.sender_flag(d).state == Extension.State.NO_DATE
    assert "未商定新时限" in history(d)[-1].opinion
    # Later the sender gives a date: the flag clears, the bounded tasks move.
    ext = ext_services.record_sender_agreement(d.pk, actor=o.clerk, new_due_at=due + timedelta(days=5),
                                               agreed_with="市交通局 张科长")
    d.refresh_from_db()
    assert lateness.sender_flag(d).pk == ext.pk and d.due_at == due + timedelta(days=5)
    assert open_task(d, o.secretary).due_at == due + timedelta(days=5)


def test_sign_for_limit_is_not_stretched_by_the_sender(office, clock):
    o = office
    d = submit_direct(actor=o.head_a, agency=o.gov, leader=o.principal,
                      data=IncomingData(title="关于申请经费的请示", doc_type="请示"))
    sign_for = open_task(d, o.clerk)
    assert sign_for.node_kind == NodeKind.SIGN_FOR and sign_for.due_at == at(2026, 3, 10, 10, 0)  # 8 working hours
    # The clerk asks for more time at 签收; the clerk may not decide their own request.
    ext = ext_services.request_extension(sign_for.pk, actor=o.clerk, new_due_at=at(2026, 3, 10, 18, 0),
                                         reason="原件未到")
    with refused("自己", exc=PermissionDenied):
        ext_services.decide_extension(ext.pk, actor=o.clerk, approve=True)
    ext_services.decide_extension(ext.pk, actor=o.secretary, approve=True, note="同意")
    sign_for.refresh_from_db()
    assert sign_for.due_at == at(2026, 3, 10, 18, 0) and sign_for.original_due_at == at(2026, 3, 10, 10, 0)
    # The document had no due time: the sender's date bounds every task later than it.
    ext_services.record_sender_agreement(d.pk, actor=o.director, new_due_at=at(2026, 3, 20, 18, 0),
                                         agreed_with="综合一处 郑处长")
    sign_for.refresh_from_db()
    assert sign_for.due_at == at(2026, 3, 10, 18, 0)  # its own limit was earlier: kept


def test_request_refusals_write_nothing(office, doc, clock, supervisor):
    o = office
    task = open_task(doc, o.head_a)
    with refused("理由"):
        ext_services.request_extension(task.pk, actor=o.head_a, new_due_at=at(2026, 3, 16, 18, 0), reason="  ")
    with refused("应晚于"):
        ext_services.request_extension(task.pk, actor=o.head_a, new_due_at=at(2026, 3, 10, 9, 0), reason="忙")
    with refused("请填写"):
        ext_services.request_extension(task.pk, actor=o.head_a, new_due_at=None, reason="忙")
    # Somebody else's task: the office sees the document (403), a stranger does not (404).
    with refused("郑处长", exc=PermissionDenied):
        ext_services.request_extension(task.pk, actor=o.director, new_due_at=at(2026, 3, 16, 18, 0), reason="忙")
    with refused(exc=NotFound):
        ext_services.request_extension(task.pk, actor=o.outsider, new_due_at=at(2026, 3, 16, 18, 0), reason="忙")
    with refused("管理员", exc=PermissionDenied):
        ext_services.request_extension(task.pk, actor=o.sysadmin, new_due_at=at(2026, 3, 16, 18, 0), reason="忙")
    with refused(exc=NotFound):
        ext_services.request_extension(10**9, actor=o.head_a, new_due_at=at(2026, 3, 16, 18, 0), reason="忙")
    # An assisting division asks the lead division, not the office.
    assist = open_task(doc, o.head_b, TaskRole.ASSIST)
    with refused("协办"):
        ext_services.request_extension(assist.pk, actor=o.head_b, new_due_at=at(2026, 3, 16, 18, 0), reason="忙")
    # One pending request per task.
    ext_services.request_extension(task.pk, actor=o.head_a, new_due_at=at(2026, 3, 13, 18, 30), reason="忙")
    with refused("待审批", exc=Conflict):
        ext_services.request_extension(task.pk, actor=o.head_a, new_due_at=at(2026, 3, 16, 18, 0), reason="忙")


def test_stand_in_may_request_and_supervisor_may_decide(office, doc, clock, supervisor):
    o = office
    Delegation.objects.create(from_person=o.head_a, to_person=o.handler_a, starts_at=timezone.now() - timedelta(hours=1),
                              ends_at=timezone.now() + timedelta(days=3), reason="出差")
    task = open_task(doc, o.head_a)
    ext = ext_services.request_extension(task.pk, actor=o.handler_a, new_due_at=at(2026, 3, 13, 18, 30),
                                         reason="处长出差，需延后半小时")
    assert history(doc)[-1].on_behalf_of_id == o.head_a.pk
    # Neither a division head nor a leader decides; a stranger does not even see it.
    with refused("督查员", exc=PermissionDenied):
        ext_services.decide_extension(ext.pk, actor=o.head_b, approve=True)
    with refused(exc=NotFound):
        ext_services.decide_extension(ext.pk, actor=o.outsider, approve=True)
    with refused(exc=NotFound):
        ext_services.decide_extension(10**9, actor=o.director, approve=True)
    with refused("理由"):
        ext_services.decide_extension(ext.pk, actor=supervisor, approve=False, note="")
    ext = ext_services.decide_extension(ext.pk, actor=supervisor, approve=False, note="时限不能再延，请抓紧。")
    task.refresh_from_db()
    assert ext.state == Extension.State.REFUSED and task.due_at == task.original_due_at
    # Both the requester (the stand-in) and the holder are told.
    assert Notification.objects.filter(recipient=o.handler_a, title__contains="未同意").exists()
    assert Notification.objects.filter(recipient=o.head_a, title__contains="未同意").exists()


def test_closed_tasks_and_documents_refuse(office, doc, clock):
    o = office
    task = open_task(doc, o.head_a)
    ext = ext_services.request_extension(task.pk, actor=o.head_a, new_due_at=at(2026, 3, 13, 18, 30), reason="忙")
    flow.send_on(open_task(doc, o.head_b, TaskRole.ASSIST).pk, actor=o.head_b, opinion="无意见。")
    flow.complete(task.pk, actor=o.head_a, opinion="已办。")
    doc.refresh_from_db()
    assert not doc.is_open
    with refused("已办", exc=Conflict):
        ext_services.decide_extension(ext.pk, actor=o.director, approve=True)
    with refused("已办"):
        ext_services.request_extension(task.pk, actor=o.head_a, new_due_at=at(2026, 3, 16, 18, 0), reason="忙")
    with refused("办结"):
        ext_services.record_sender_agreement(doc.pk, actor=o.director, new_due_at=at(2026, 3, 20, 18, 0),
                                             agreed_with="某人")
    # A stale request can still be answered "no".
    ext_services.decide_extension(ext.pk, actor=o.director, approve=False, note="已办结，无需延期。")
    assert Extension.objects.get(pk=ext.pk).state == Extension.State.REFUSED
    assert Document.objects.get(pk=doc.pk).due_at == doc.due_at
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DONE
