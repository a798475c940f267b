"""Due times of documents and tasks: the rules as data, the most specific rule winning,
the sender's deadline capping every task, the template's own node limit, and the
reminder stages derived from a due time."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

from deadlines import reminders
from deadlines import services as deadlines
from deadlines.models import LimitScope, LimitUnit, ReminderKind, TimeLimitRule
from flow import services as flow
from flow.models import NodeKind, Task, TaskStatus
from incoming.services import IncomingData, register_incoming, submit_direct
from tests.helpers import open_task

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def register(o, **kw):
    data = {"title": "关于报送安全生产情况的通知", "doc_type": "通知", "sender_id": o.province.pk}
    data.update(kw)
    return register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(**data))


def test_sender_deadline_caps_every_task(office):
    o = office
    with time_machine.travel(at(2026, 3, 6, 19, 0), tick=False):
        due, text = deadlines.sender_deadline(o.gov, date(2026, 3, 10), "noon")
        doc = register(o, sender_deadline=due, sender_deadline_text=text)
    assert text == "3月10日上午下班前" and due == at(2026, 3, 10, 12, 0)
    doc.refresh_from_db()
    assert doc.due_at == doc.original_due_at == due
    task = open_task(doc, o.secretary)
    assert task.due_at == task.original_due_at == due
    # The clerk's own sign-for and registration, done at once, carry no limit.
    assert not Task.objects.filter(document=doc, node_kind=NodeKind.SIGN_FOR).exclude(due_at=None).exists()


def test_no_rule_and_no_deadline_means_no_due_time(office):
    o = office
    with time_machine.travel(at(2026, 3, 9, 9, 0), tick=False):
        doc = register(o)
    assert doc.due_at is None and open_task(doc, o.secretary).due_at is None


def test_sign_for_limit_by_urgency_in_working_time(office):
    o = office
    # A 加急 direct submission at 16:00 on the Friday before National Day: 4 working hours
    # are 2 today and 2 on the first working day back (Thursday 8 October).
    with time_machine.travel(at(2026, 9, 30, 16, 0), tick=False):
        doc = submit_direct(actor=o.handler_b, agency=o.gov, leader=o.leader_a, data=IncomingData(
            title="关于紧急调拨防汛物资的请示", doc_type="请示", urgency="加急", sender_name="综合二处"))
    sign_for = Task.objects.get(document=doc, node_kind=NodeKind.SIGN_FOR, status=TaskStatus.OPEN)
    assert sign_for.due_at == at(2026, 10, 8, 10, 30)


def test_agency_rule_beats_default_and_specific_beats_general(office):
    o = office
    TimeLimitRule.objects.create(agency=o.gov, name="本机关拟办时限", scope=LimitScope.NODE, node_kind=NodeKind.SCREEN,
                                 amount=2, unit=LimitUnit.WORK_HOURS)
    TimeLimitRule.objects.create(agency=o.gov, name="本机关特急件初审", scope=LimitScope.NODE,
                                 node_kind=NodeKind.SCREEN, urgency="特急", amount=30, unit=LimitUnit.WORK_MINUTES)
    TimeLimitRule.objects.create(agency=None, name="默认初审", scope=LimitScope.NODE, node_kind=NodeKind.SCREEN,
                                 urgency="特急", amount=10, unit=LimitUnit.WORK_MINUTES)
    with time_machine.travel(at(2026, 3, 9, 11, 0), tick=False):
        plain = register(o)
        urgent = register(o, urgency="特急")
    assert open_task(plain, o.secretary).due_at == at(2026, 3, 9, 15, 30)  # 1 h before noon, 1 h after 14:30
    assert open_task(urgent, o.secretary).due_at == at(2026, 3, 9, 11, 30)


def test_template_node_limit_overrides_rules(office):
    o = office
    from flow.models import Process

    with time_machine.travel(at(2026, 3, 9, 17, 0), tick=False):
        doc = register(o)
        process = Process.objects.get(document=doc)
        nodes = process.nodes
        for n in nodes:
            if n["kind"] == NodeKind.PROPOSE:
                n["time_limit_hours"] = 3
        process.nodes = nodes
        process.save(update_fields=["nodes"])
        flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
    assert open_task(doc, o.director).due_at == at(2026, 3, 10, 10, 30)


def test_telegram_document_rule_and_sender_deadline_earlier_wins(office):
    o = office
    with time_machine.travel(at(2026, 3, 9, 9, 0), tick=False):
        telegram = register(o, doc_type="电报", urgency="特急")
        early, text = deadlines.sender_deadline(o.gov, date(2026, 3, 10), "noon")
        capped = register(o, doc_type="电报", urgency="特急", sender_deadline=early, sender_deadline_text=text)
    assert telegram.due_at == at(2026, 3, 11, 9, 0)  # two working days
    assert capped.due_at == early


def test_emergency_report_runs_on_the_clock_through_holidays(office):
    o = office
    with time_machine.travel(at(2026, 10, 2, 22, 0), tick=False):
        doc = register(o, title="关于某地突发山体滑坡的紧急报告", doc_type="报告", is_emergency_report=True)
    assert doc.due_at == at(2026, 10, 2, 23, 0)


def test_a_due_time_in_a_year_without_data_is_pending_never_guessed_nor_refused(office):
    o = office
    with time_machine.travel(at(2026, 12, 31, 17, 0), tick=False):
        doc = register(o, doc_type="电报", urgency="特急")  # two working days: into 2027
    assert (doc.due_at, doc.due_pending_year) == (None, 2027)
    task = open_task(doc, o.secretary)
    assert (task.due_at, task.due_pending_reason, task.next_reminder_at) == (None, "2027年日历未录入", None)


def test_reminder_stages_follow_working_time(office):
    o = office
    with time_machine.travel(at(2026, 3, 9, 9, 0), tick=False):
        due, text = deadlines.sender_deadline(o.gov, date(2026, 3, 10), "close")
        doc = register(o, sender_deadline=due, sender_deadline_text=text)
    stages = reminders.stages(doc, at(2026, 3, 9, 9, 0), due)
    # 13.5 working hours from Monday 9:00 to Tuesday 18:00 (Monday gives 3 h + 3.5 h): half
    # is 6 h 45 min in, Tuesday 08:45; one working hour before the due time is 17:00.
    assert stages[:3] == [(ReminderKind.HALF, at(2026, 3, 10, 8, 45)), (ReminderKind.BEFORE, at(2026, 3, 10, 17, 0)),
                          (ReminderKind.DUE, due)]
    assert [k for k, _ in stages[3:]] == [ReminderKind.ESCALATE_HEAD, ReminderKind.ESCALATE_LEADER]
    assert stages[4][1] == at(2026, 3, 11, 18, 0)  # seven working hours (a day) after the due time
    assert open_task(doc, o.secretary).next_reminder_at == at(2026, 3, 10, 8, 45)
