"""委托/AB角: while a delegation is active, the stand-in sees the delegator's tasks in their
inbox and may act on them, the history recording for whom; before and after the period
(or once cancelled) they are refused and nothing is written."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from documents.access import visible_documents
from flow import selectors
from flow import services as flow
from flow.models import HistoryAction, HistoryEvent, Opinion, Task, TaskStatus
from gongwen.errors import DomainError, NotFound, PermissionDenied
from incoming.services import IncomingData, register_incoming
from org.models import Person
from org.services import cancel_delegation, create_delegation, set_person_active
from tests.helpers import open_task, refused

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A week of business travel over the National Day break (AB角 covers the make-up Saturday).
STARTS = datetime(2026, 9, 28, 8, 0, tzinfo=SHANGHAI)
ENDS = datetime(2026, 10, 10, 18, 0, tzinfo=SHANGHAI)


@pytest.fixture
def at_instruct(office):
    """A document waiting for 周副市长's instruction, and his stand-in 吴副市长 named."""
    o = office
    with time_machine.travel(datetime(2026, 9, 25, 9, 0, tzinfo=SHANGHAI), tick=True):
        doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
            title="关于国庆假期道路交通安全保障工作的通知", doc_type="通知", sender_id=o.province.pk))
        flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
        flow.send_on(open_task(doc, o.director).pk, actor=o.director, opinion="拟请周副市长阅示。",
                     next_assignees=[o.leader_a])
        delegation = create_delegation(actor=o.leader_a, from_person=o.leader_a, to_person=o.leader_b,
                                       starts_at=STARTS, ends_at=ENDS, reason="出差")
    return doc, delegation


def test_stand_in_sees_and_acts_while_active_and_history_says_for_whom(office, at_instruct):
    o = office
    doc, _ = at_instruct
    task = open_task(doc, o.leader_a)
    with time_machine.travel(datetime(2026, 10, 8, 9, 30, tzinfo=SHANGHAI), tick=True):
        assert selectors.inbox(o.leader_b).filter(pk=task.pk).exists()
        assert visible_documents(o.leader_b).filter(pk=doc.pk).exists()
        # Opening it counts as opening it for the delegator: the sender can no longer recall.
        flow.touch(task, actor=o.leader_b)
        sent = Task.objects.get(document=doc, assignee=o.director, status=TaskStatus.DONE)
        with refused("已查看"):
            flow.recall(sent.pk, actor=o.director)
        flow.send_on(task.pk, actor=o.leader_b, opinion="请综合一处抓紧落实。（代周副市长）")
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.assignee == o.leader_a and task.acted_by == o.leader_b
    event = HistoryEvent.objects.filter(document=doc, task=task, action=HistoryAction.SEND_ON).get()
    assert event.actor == o.leader_b and event.on_behalf_of == o.leader_a
    opinion = Opinion.objects.get(task=task)
    assert opinion.author == o.leader_b and opinion.on_behalf_of == o.leader_a
    # It is in the stand-in's 已办, not in the delegator's.
    assert selectors.done(o.leader_b).filter(pk=task.pk).exists()
    assert not selectors.done(o.leader_a).filter(pk=task.pk).exists()


@pytest.mark.parametrize("when", [
    datetime(2026, 9, 28, 7, 59, tzinfo=SHANGHAI),   # a minute before it starts
    datetime(2026, 10, 10, 18, 0, tzinfo=SHANGHAI),  # the moment it ends
    datetime(2026, 10, 12, 9, 0, tzinfo=SHANGHAI),   # back at work
], ids=["before", "at-end", "after"])
def test_outside_the_period_the_stand_in_is_refused(office, at_instruct, when):
    o = office
    doc, _ = at_instruct
    task = open_task(doc, o.leader_a)
    with time_machine.travel(when, tick=False):
        assert not selectors.inbox(o.leader_b).filter(pk=task.pk).exists()
        assert not visible_documents(o.leader_b).filter(pk=doc.pk).exists()
        with refused(exc=NotFound):
            flow.send_on(task.pk, actor=o.leader_b, opinion="同意。")
        with refused(exc=NotFound):
            flow.return_task(task.pk, actor=o.leader_b, to_activation_id=flow.return_targets(task)[0].pk,
                             reason="请补充材料。")
        # The delegator still acts himself.
        flow.send_on(task.pk, actor=o.leader_a, opinion="请综合一处办理。")
    assert HistoryEvent.objects.filter(document=doc, on_behalf_of__isnull=False).count() == 0


def test_cancelled_delegation_ends_at_once(office, at_instruct):
    o = office
    doc, delegation = at_instruct
    task = open_task(doc, o.leader_a)
    with time_machine.travel(datetime(2026, 9, 29, 10, 0, tzinfo=SHANGHAI), tick=True):
        assert selectors.inbox(o.leader_b).filter(pk=task.pk).exists()
        with refused(exc=DomainError):  # only the delegator (or the system administrator) cancels
            cancel_delegation(actor=o.leader_b, delegation=delegation)
        cancel_delegation(actor=o.leader_a, delegation=delegation)
        assert not selectors.inbox(o.leader_b).filter(pk=task.pk).exists()
        with refused(exc=(NotFound, PermissionDenied)):
            flow.send_on(task.pk, actor=o.leader_b, opinion="同意。")


def test_a_stand_in_does_not_act_for_people_who_did_not_name_them(office, at_instruct):
    """Leader A named leader B; B's own stand-ins get nothing of A's (no chains)."""
    o = office
    doc, _ = at_instruct
    task = open_task(doc, o.leader_a)
    with time_machine.travel(datetime(2026, 9, 29, 10, 0, tzinfo=SHANGHAI), tick=True):
        create_delegation(actor=o.leader_b, from_person=o.leader_b, to_person=o.principal,
                          starts_at=STARTS, ends_at=ENDS)
        assert not selectors.inbox(o.principal).filter(pk=task.pk).exists()
        with refused(exc=(NotFound, PermissionDenied)):
            flow.send_on(task.pk, actor=o.principal, opinion="同意。")


def test_delegation_refusals_write_nothing(office):
    o = office
    now = datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(now, tick=False):
        week = {"starts_at": now, "ends_at": now + timedelta(days=7)}
        with refused("自己"):
            create_delegation(actor=o.leader_a, from_person=o.leader_a, to_person=o.leader_a, **week)
        with refused("本机关"):
            create_delegation(actor=o.leader_a, from_person=o.leader_a, to_person=o.dept_head, **week)
        with refused("管理员"):
            create_delegation(actor=o.leader_a, from_person=o.leader_a, to_person=o.sysadmin, **week)
        with refused("只能为自己"):
            create_delegation(actor=o.head_a, from_person=o.leader_a, to_person=o.head_a, **week)
        Person.objects.filter(pk=o.head_b.pk).update(is_active=False)
        with refused("离岗"):  # a stand-in who has left covers nobody
            create_delegation(actor=o.leader_b, from_person=o.leader_b, to_person=Person.objects.get(pk=o.head_b.pk),
                              **week)
        with refused("结束时间"):
            create_delegation(actor=o.leader_a, from_person=o.leader_a, to_person=o.leader_b,
                              starts_at=now, ends_at=now - timedelta(hours=1))
        # The office director sets one up for a colleague; an overlapping second is refused.
        create_delegation(actor=o.director, from_person=o.leader_a, to_person=o.leader_b, consent="周副市长本人电话同意",
                          **week)
        with refused("已有委托"):
            create_delegation(actor=o.leader_a, from_person=o.leader_a, to_person=o.principal,
                              starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=10))


def test_nobody_leaves_their_post_while_holding_work(office, at_instruct):
    """Setting a person 离岗 while they hold open tasks would leave documents without a
    holder (no 漏球): refused, naming the work; once their stand-in has handed the work on,
    it succeeds."""
    o = office
    doc, _ = at_instruct
    task = open_task(doc, o.leader_a)
    with time_machine.travel(datetime(2026, 9, 29, 10, 0, tzinfo=SHANGHAI), tick=True):
        with refused("待办"):
            set_person_active(actor=o.sysadmin, person=o.leader_a, active=False)
        flow.send_on(task.pk, actor=o.leader_b, opinion="请综合一处办理。（代周副市长）")
        set_person_active(actor=o.sysadmin, person=o.leader_a, active=False)
    o.leader_a.refresh_from_db()
    assert not o.leader_a.is_active


def test_office_director_cancels_the_stand_in_they_arranged(office):
    from django.utils import timezone

    from org import services as org_services

    o = office
    now = timezone.now()
    delegation = org_services.create_delegation(actor=o.director, from_person=o.head_a, to_person=o.handler_a,
                                                starts_at=now, ends_at=now + timedelta(days=3), reason="出差",
                                                consent="郑处长本人书面同意")
    with pytest.raises(DomainError, match="只能撤销自己的委托"):
        org_services.cancel_delegation(actor=o.handler_b, delegation=delegation)
    org_services.cancel_delegation(actor=o.director, delegation=delegation)
    delegation.refresh_from_db()
    assert delegation.cancelled_at is not None
