"""The scheduled scan (催办, 逾期督促): each stage at its instant, across a weekend and a
holiday, never twice; a late worker skips stale stages; a stand-in gets a copy."""

from datetime import date, timedelta

import pytest
import time_machine

from audit.models import AuditEvent
from deadlines import reminders
from deadlines.models import Notification, Reminder, ReminderKind
from flow.models import HistoryAction, HistoryEvent, Task
from org.models import Delegation

from .reminder_helpers import at, at_division

K = ReminderKind


def sent(task) -> list[tuple[str, str]]:
    return sorted((r.kind, r.recipient.name) for r in Reminder.objects.filter(task=task))


def scan_at(when) -> int:
    with time_machine.travel(when, tick=False):
        return reminders.scan()


def test_stages_across_a_weekend(office):
    o = office
    # Monday 9:00, due Friday 下班前 (18:00): 34.5 working hours.
    task = at_division(o, at(2026, 3, 9, 9, 0), date(2026, 3, 13))
    assert task.due_at == at(2026, 3, 13, 18, 0)
    expected = [
        (K.HALF, at(2026, 3, 11, 14, 45)),           # 17.25 working hours in
        (K.BEFORE, at(2026, 3, 13, 17, 0)),          # one working hour before
        (K.DUE, at(2026, 3, 13, 18, 0)),
        (K.ESCALATE_HEAD, at(2026, 3, 13, 18, 0)),
        (K.ESCALATE_LEADER, at(2026, 3, 16, 18, 0)),  # 7 working hours later: over the weekend
    ]
    got = reminders.stages(task.document, task.created_at, task.due_at)
    assert [k for k, _ in got] == [k for k, _ in expected]
    for (_, want), (_, have) in zip(expected, got, strict=True):
        assert abs(have - want) < timedelta(seconds=1)
    assert abs(task.next_reminder_at - at(2026, 3, 11, 14, 45)) < timedelta(seconds=1)

    assert scan_at(at(2026, 3, 11, 14, 44)) == 0
    assert scan_at(at(2026, 3, 11, 14, 45)) == 1
    assert sent(task) == [(K.HALF, "郑处长")]
    assert scan_at(at(2026, 3, 11, 15, 0)) == 0  # never twice
    assert scan_at(at(2026, 3, 13, 17, 0)) == 1
    assert scan_at(at(2026, 3, 13, 18, 0)) == 1
    # The holder is the head of 综合一处: the unit-head escalation skips him, so the due
    # reminder and the leader escalation are what is left.
    assert (K.ESCALATE_HEAD, "郑处长") not in sent(task)
    assert scan_at(at(2026, 3, 14, 10, 0)) == 0   # Saturday: nothing new
    assert scan_at(at(2026, 3, 16, 17, 59)) == 0
    assert scan_at(at(2026, 3, 16, 18, 0)) == 1
    assert sent(task) == sorted([(K.HALF, "郑处长"), (K.BEFORE, "郑处长"), (K.DUE, "郑处长"),
                                 (K.ESCALATE_LEADER, "周副市长")])
    task.refresh_from_db()
    assert task.next_reminder_at is None
    assert scan_at(at(2026, 3, 20, 10, 0)) == 0
    events = HistoryEvent.objects.filter(task=task, action__in=[HistoryAction.REMIND, HistoryAction.ESCALATE])
    assert [(e.action, e.targets) for e in events.order_by("at", "id")] == [
        (HistoryAction.REMIND, ["郑处长"]), (HistoryAction.REMIND, ["郑处长"]), (HistoryAction.REMIND, ["郑处长"]),
        (HistoryAction.ESCALATE, ["周副市长"])]
    assert Notification.objects.filter(recipient=o.leader_a, title__startswith="逾期督促").count() == 1
    assert AuditEvent.objects.filter(action="deadlines.escalate").count() == 1
    assert AuditEvent.objects.filter(action="deadlines.remind").count() == 3


def test_handler_escalates_to_head_then_leader(office):
    o = office
    from flow import services as flow

    task = at_division(o, at(2026, 3, 9, 9, 0), date(2026, 3, 10))
    with time_machine.travel(at(2026, 3, 9, 9, 0), tick=False):
        flow.assign_handler(task.pk, actor=o.head_a, handler=o.handler_a)
    handle = Task.objects.get(document=task.document, assignee=o.handler_a, status="open")
    assert handle.due_at == at(2026, 3, 10, 18, 0)
    assert scan_at(at(2026, 3, 10, 18, 0)) == 2
    assert sent(handle) == sorted([(K.DUE, "孙科员"), (K.ESCALATE_HEAD, "郑处长")])
    assert scan_at(at(2026, 3, 11, 18, 0)) == 1
    assert (K.ESCALATE_LEADER, "周副市长") in sent(handle)
    assert scan_at(at(2026, 3, 12, 18, 0)) == 0


def test_stages_across_national_day(office):
    o = office
    # Wednesday 30 September 9:00, due Friday 9 October: the break (1–7 October) does not
    # count, the make-up Saturday 10 October does.
    task = at_division(o, at(2026, 9, 30, 9, 0), date(2026, 10, 9))
    got = dict(reminders.stages(task.document, task.created_at, task.due_at))
    assert abs(got[K.HALF] - at(2026, 10, 8, 14, 45)) < timedelta(seconds=1)
    assert abs(got[K.BEFORE] - at(2026, 10, 9, 17, 0)) < timedelta(seconds=1)
    assert got[K.ESCALATE_LEADER] == at(2026, 10, 10, 18, 0)
    assert scan_at(at(2026, 10, 3, 10, 0)) == 0   # the holiday: nothing has come
    assert scan_at(at(2026, 10, 8, 14, 45)) == 1
    assert scan_at(at(2026, 10, 9, 17, 0)) == 1
    assert scan_at(at(2026, 10, 9, 18, 0)) == 1
    assert scan_at(at(2026, 10, 10, 17, 0)) == 0
    assert scan_at(at(2026, 10, 10, 18, 0)) == 1
    assert [k for k, _ in sent(task)].count(K.ESCALATE_LEADER) == 1


def test_late_worker_skips_stale_pre_due_stages(office):
    o = office
    task = at_division(o, at(2026, 3, 9, 9, 0), date(2026, 3, 13))
    # The worker was down all week and comes back on Saturday: no "时限过半" or "即将到期"
    # about a task already overdue; the due reminder is sent once.
    assert scan_at(at(2026, 3, 14, 9, 0)) == 1
    assert sent(task) == [(K.DUE, "郑处长")]
    # Down again until Tuesday: the leader escalation (Monday 18:00) is sent then.
    assert scan_at(at(2026, 3, 17, 9, 0)) == 1
    assert scan_at(at(2026, 3, 17, 9, 5)) == 0
    assert sent(task) == sorted([(K.DUE, "郑处长"), (K.ESCALATE_LEADER, "周副市长")])


def test_late_worker_sends_only_the_latest_pre_due_stage(office):
    o = office
    task = at_division(o, at(2026, 3, 9, 9, 0), date(2026, 3, 13))
    assert scan_at(at(2026, 3, 13, 17, 30)) == 1
    assert sent(task) == [(K.BEFORE, "郑处长")]


def test_stand_in_gets_a_copy(office):
    o = office
    task = at_division(o, at(2026, 3, 9, 9, 0), date(2026, 3, 13))
    Delegation.objects.create(from_person=o.head_a, to_person=o.handler_a, starts_at=at(2026, 3, 10, 8, 0),
                              ends_at=at(2026, 3, 20, 18, 0), reason="出差")
    assert scan_at(at(2026, 3, 11, 14, 45)) == 2
    assert sent(task) == sorted([(K.HALF, "郑处长"), (K.HALF, "孙科员")])
    assert Notification.objects.filter(recipient=o.handler_a).count() == 1
    event = HistoryEvent.objects.get(task=task, action=HistoryAction.REMIND)
    assert sorted(event.targets) == ["孙科员", "郑处长"]


def test_no_due_time_is_never_scanned(office):
    o = office
    task = at_division(o, at(2026, 3, 9, 9, 0), None)
    assert task.due_at is None and task.next_reminder_at is None
    assert scan_at(at(2026, 6, 1, 9, 0)) == 0
    assert not Reminder.objects.exists()


def test_finished_task_is_not_reminded(office):
    o = office
    from flow import services as flow

    task = at_division(o, at(2026, 3, 9, 9, 0), date(2026, 3, 13))
    with time_machine.travel(at(2026, 3, 10, 9, 0), tick=False):
        flow.assign_handler(task.pk, actor=o.head_a, handler=o.handler_a)
    assert scan_at(at(2026, 3, 11, 14, 45)) == 0  # the head's half-time: his task is handed on
    assert not Reminder.objects.filter(task=task).exists()
    # The handler's own half-time: from Tuesday 9:00 to Friday 18:00, half is Thursday 9:00.
    assert scan_at(at(2026, 3, 12, 9, 0)) == 1
    assert sent(Task.objects.get(document=task.document, assignee=o.handler_a)) == [(K.HALF, "孙科员")]


def test_reschedule_after_a_new_due_time(office):
    o = office
    task = at_division(o, at(2026, 3, 9, 9, 0), date(2026, 3, 13))
    assert scan_at(at(2026, 3, 11, 14, 45)) == 1
    with time_machine.travel(at(2026, 3, 12, 10, 0), tick=False):
        task.refresh_from_db()
        task.due_at = at(2026, 3, 20, 18, 0)
        Task.objects.filter(pk=task.pk).update(due_at=task.due_at)
        nxt = reminders.reschedule(task)
    assert nxt == at(2026, 3, 20, 17, 0)
    task.refresh_from_db()
    assert task.next_reminder_at == nxt
    assert scan_at(at(2026, 3, 13, 18, 0)) == 0     # the old due time: nothing
    assert scan_at(at(2026, 3, 20, 17, 0)) == 1
    assert scan_at(at(2026, 3, 20, 18, 0)) == 1


@pytest.mark.parametrize("batch", [1, 2])
def test_batches(office, batch):
    o = office
    tasks = [at_division(o, at(2026, 3, 9, 9, 0), date(2026, 3, 13), title=f"第{i}号通知") for i in range(3)]
    with time_machine.travel(at(2026, 3, 11, 14, 45), tick=False):
        assert reminders.scan(batch=batch) == 3
    assert all(sent(t) == [(K.HALF, "郑处长")] for t in tasks)
