"""Duty routing (值班): on a non-working day a 特急 or 特提 document, or an emergency report,
that enters the agency also goes to whoever is on duty — a side copy like 传阅 that does
not hold up the main line, closed with 知悉; never to the leader a 直送件 is addressed to;
with nobody on duty the document proceeds and the office director is told. Make-up
workdays are working days. The emergency report's clock runs through the holiday."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from deadlines.models import Notification
from documents.access import can_view
from flow import selectors
from flow import services as flow
from flow.models import Activation, HistoryAction, HistoryEvent, Task, TaskRole, TaskStatus
from gongwen.errors import DomainError
from incoming.services import IncomingData, register_incoming, submit_direct
from org import duty
from tests.factories import person
from tests.helpers import open_task

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
SATURDAY = datetime(2026, 3, 14, 10, 0, tzinfo=SH)
NATIONAL_DAY = datetime(2026, 10, 2, 10, 0, tzinfo=SH)
MAKE_UP_SATURDAY = datetime(2026, 10, 10, 10, 0, tzinfo=SH)
MONDAY = datetime(2026, 3, 9, 10, 0, tzinfo=SH)
MONDAY_NIGHT = datetime(2026, 3, 9, 22, 0, tzinfo=SH)


@pytest.fixture
def duty_officer(office):
    return person(office.gov, "梁值班", "duty_a", "duty_officer", unit=office.office_unit)


def on_duty(o, who, moment):
    """Put ``who`` on duty around ``moment`` (arranged the day before by the clerk)."""
    with time_machine.travel(moment - timedelta(days=1), tick=False):
        return duty.add_shift(actor=o.clerk, agency=o.gov, person=who, starts_at=moment - timedelta(hours=2),
                              ends_at=moment + timedelta(hours=20))


def register(o, moment, **data):
    values = {"title": "关于立即开展防汛安全隐患排查的紧急通知", "doc_type": "通知", "sender_id": o.province.pk,
              "urgency": "特急", "sender_deadline": moment + timedelta(days=1), "sender_deadline_text": "明日"}
    values.update(data)
    with time_machine.travel(moment, tick=False):
        return register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(**values))


def duty_tasks(doc):
    return list(Task.objects.filter(document=doc, role=TaskRole.DUTY).select_related("assignee"))


@pytest.mark.parametrize("moment", [SATURDAY, NATIONAL_DAY], ids=["weekend", "holiday"])
def test_on_a_non_working_day_the_duty_officer_gets_a_copy(office, duty_officer, moment):
    o = office
    on_duty(o, duty_officer, moment)
    doc = register(o, moment)
    [copy] = duty_tasks(doc)
    assert copy.assignee == duty_officer and copy.status == TaskStatus.OPEN and copy.node_name == "值班知悉"
    assert copy.activation.is_side and copy.due_at is None
    # The main line goes on as usual: the secretary holds the document at 初审.
    assert open_task(doc, o.secretary).node_kind == "screen"
    doc.refresh_from_db()
    assert doc.stage == "初审"
    event = HistoryEvent.objects.get(document=doc, action=HistoryAction.DUTY)
    assert event.targets == ["梁值班"] and "非工作日收到特急件" in event.opinion
    # The duty officer sees it in 待办, may open the document, and is told.
    assert copy in selectors.inbox(duty_officer)
    assert can_view(duty_officer, doc)
    assert Notification.objects.filter(recipient=duty_officer, document=doc, title__startswith="值班：").exists()


def test_a_telegram_marked_te_ti_also_goes_to_duty(office, duty_officer):
    o = office
    on_duty(o, duty_officer, SATURDAY)
    doc = register(o, SATURDAY, title="特提电报", doc_type="电报", urgency="特提")
    assert [t.assignee for t in duty_tasks(doc)] == [duty_officer]


@pytest.mark.parametrize(("moment", "urgency"), [
    (MAKE_UP_SATURDAY, "特急"),  # the make-up Saturday is a working day
    (MONDAY, "特急"),
    (MONDAY_NIGHT, "特急"),      # outside working hours on a working day: no (the issue asks for non-working days)
    (SATURDAY, "加急"),          # not urgent enough
    (SATURDAY, ""),
], ids=["make-up-saturday", "monday", "monday-night", "jiaji", "ordinary"])
def test_no_duty_copy(office, duty_officer, moment, urgency):
    o = office
    on_duty(o, duty_officer, moment)
    doc = register(o, moment, urgency=urgency)
    assert duty_tasks(doc) == []
    assert not HistoryEvent.objects.filter(document=doc, action=HistoryAction.DUTY).exists()
    assert not Notification.objects.filter(document=doc).exists()


def test_the_duty_officer_closes_the_copy_with_zhixi(office, duty_officer):
    o = office
    on_duty(o, duty_officer, SATURDAY)
    doc = register(o, SATURDAY)
    [copy] = duty_tasks(doc)
    available = selectors.available(duty_officer, doc)
    assert available.task == copy and available.operations == ["read_back"]
    with pytest.raises(DomainError):
        flow.send_on(copy.pk, actor=duty_officer, opinion="送下一步")
    with pytest.raises(DomainError):
        flow.complete(copy.pk, actor=duty_officer)
    with time_machine.travel(SATURDAY + timedelta(minutes=20), tick=False):
        flow.read_back(copy.pk, actor=duty_officer)
    copy.refresh_from_db()
    assert copy.status == TaskStatus.DONE and copy.activation.state == Activation.State.DONE
    ack = HistoryEvent.objects.filter(document=doc, action=HistoryAction.DUTY).latest("id")
    assert ack.actor == duty_officer and ack.opinion == "知悉" and ack.task == copy
    # Nobody else may close it; the main line was never held up.
    assert open_task(doc, o.secretary)
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请主任拟办。")
    assert open_task(doc, o.director).node_kind == "propose"


def test_the_copy_does_not_hold_up_the_main_line(office, duty_officer):
    """The document moves on while the duty copy is still open."""
    o = office
    on_duty(o, duty_officer, SATURDAY)
    doc = register(o, SATURDAY)
    with time_machine.travel(SATURDAY + timedelta(minutes=5), tick=False):
        flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请主任拟办。")
    assert duty_tasks(doc)[0].status == TaskStatus.OPEN
    assert open_task(doc, o.director).node_kind == "propose"
    with pytest.raises(DomainError, match="这项待办是梁值班的"):
        flow.read_back(duty_tasks(doc)[0].pk, actor=o.director)


def test_nobody_on_duty_the_document_proceeds_and_the_director_is_told(office):
    o = office
    doc = register(o, NATIONAL_DAY)
    assert duty_tasks(doc) == []
    assert open_task(doc, o.secretary)
    note = Notification.objects.get(recipient=o.director, document=doc)
    assert note.title.startswith("无人值班：特急件") and "未找到可接收本件的值班人员" in note.body
    event = HistoryEvent.objects.get(document=doc, action=HistoryAction.DUTY)
    assert "已通知赵主任" in event.opinion and event.targets == []


def test_the_clerk_on_duty_who_registers_it_gets_no_copy_of_their_own(office):
    o = office
    on_duty(o, o.clerk, SATURDAY)
    doc = register(o, SATURDAY)
    assert duty_tasks(doc) == []
    assert not Notification.objects.filter(document=doc).exists()


def test_never_to_the_addressed_leader_of_a_direct_submission(office, duty_officer):
    """A 直送件 addressed to a leader who is on duty (带班领导) does not reach them through
    duty: it reaches the other person on duty, or the director is told."""
    o = office
    on_duty(o, o.leader_a, SATURDAY)
    with time_machine.travel(SATURDAY, tick=False):
        doc = submit_direct(actor=o.handler_b, agency=o.gov, leader=o.leader_a, data=IncomingData(
            title="关于道路塌陷险情的紧急请示", doc_type="请示", urgency="特急",
            sender_deadline=SATURDAY + timedelta(hours=4), sender_deadline_text="今日14时前"))
    assert duty_tasks(doc) == []
    assert not Task.objects.filter(document=doc, assignee=o.leader_a).exists()
    assert Notification.objects.filter(recipient=o.director, document=doc, title__startswith="无人值班").exists()
    # With the duty officer on duty as well, the copy goes to the duty officer only.
    on_duty(o, duty_officer, SATURDAY)
    with time_machine.travel(SATURDAY, tick=False):
        doc = submit_direct(actor=o.handler_b, agency=o.gov, leader=o.leader_a, data=IncomingData(
            title="关于桥梁险情的紧急请示", doc_type="请示", urgency="特急",
            sender_deadline=SATURDAY + timedelta(hours=4), sender_deadline_text="今日14时前"))
    assert [t.assignee for t in duty_tasks(doc)] == [duty_officer]
    assert not Task.objects.filter(document=doc, assignee=o.leader_a).exists()
    assert open_task(doc, o.clerk).node_kind == "sign_for"


def test_a_classified_document_never_reaches_the_duty_officer(office, duty_officer):
    """A classified document enters only through the 密件 register and never the flow: the
    ordinary registration refuses it, so no duty copy (and no title) reaches anyone."""
    o = office
    on_duty(o, duty_officer, SATURDAY)
    o.clerk.clearance = "机密"
    o.clerk.save()
    with pytest.raises(DomainError, match="密件登记"):
        register(o, SATURDAY, secrecy="秘密", copy_number="000001")
    assert not Task.objects.filter(assignee=duty_officer).exists()
    assert not Notification.objects.filter(recipient=duty_officer).exists()


def test_emergency_report_on_a_holiday_night(office, duty_officer):
    """紧急信息报告 registered on National Day at 22:00: due 23:00 the same day (one hour of
    clock time, holidays included), and the duty officer receives it."""
    o = office
    night = datetime(2026, 10, 2, 22, 0, tzinfo=SH)
    on_duty(o, duty_officer, night)
    doc = register(o, night, title="关于某县发生山体滑坡的紧急信息报告", doc_type="信息", urgency="",
                   is_emergency_report=True, sender_deadline=None, sender_deadline_text="")
    doc.refresh_from_db()
    assert doc.due_at == datetime(2026, 10, 2, 23, 0, tzinfo=SH)
    assert open_task(doc, o.secretary).due_at == datetime(2026, 10, 2, 23, 0, tzinfo=SH)
    [copy] = duty_tasks(doc)
    assert copy.assignee == duty_officer
    assert "紧急信息报告" in HistoryEvent.objects.get(document=doc, action=HistoryAction.DUTY).opinion


def test_a_year_the_calendar_does_not_know_falls_back_to_the_weekday_rule(office, duty_officer):
    """A duty copy is a notice, not a deadline: registering is not refused for want of next
    year's holiday schedule; weekends count as non-working days meanwhile."""
    o = office
    saturday = datetime(2027, 1, 9, 10, 0, tzinfo=SH)
    monday = datetime(2027, 1, 11, 10, 0, tzinfo=SH)
    on_duty(o, duty_officer, saturday)
    on_duty(o, duty_officer, monday)
    assert [t.assignee for t in duty_tasks(register(o, saturday, sender_deadline=None))] == [duty_officer]
    assert duty_tasks(register(o, monday, sender_deadline=None)) == []
