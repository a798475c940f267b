"""Manual 催办: by the office or a supervisor, with a message; the refusals write nothing."""

from datetime import date

import pytest
import time_machine

from audit.models import AuditEvent
from deadlines import reminders
from deadlines.models import Notification, Reminder, ReminderKind
from flow.models import HistoryAction, HistoryEvent
from gongwen.errors import Conflict, DomainError, NotFound, PermissionDenied
from org.models import Delegation
from tests.factories import person
from tests.helpers import refused

from .reminder_helpers import at, at_division


@pytest.fixture
def chased(office):
    o = office
    task = at_division(o, at(2026, 3, 9, 9, 0), date(2026, 3, 13))
    return o, task


def test_office_chases_every_holder_of_the_document(chased):
    o, task = chased
    with time_machine.travel(at(2026, 3, 12, 10, 0), tick=False):
        done = reminders.remind(task.document, actor=o.clerk, message="请于明日下班前办结并反馈。")
    assert done.names == ["郑处长"]
    r = Reminder.objects.get()
    assert (r.kind, r.recipient, r.sent_by, r.task_id) == (ReminderKind.MANUAL, o.head_a, o.clerk, task.pk)
    assert "请于明日下班前办结并反馈。" in r.message
    note = Notification.objects.get(recipient=o.head_a)
    assert note.title.startswith("催办") and note.url == f"/documents/{task.document_id}/"
    event = HistoryEvent.objects.get(action=HistoryAction.REMIND)
    assert event.actor == o.clerk and event.targets == ["郑处长"] and "明日下班前" in event.opinion
    assert AuditEvent.objects.filter(action="deadlines.remind", actor_id=o.clerk.pk).count() == 1
    # Manual reminders may be repeated (no once-per-step rule for them).
    with time_machine.travel(at(2026, 3, 12, 16, 0), tick=False):
        reminders.remind(task.pk, actor=o.director, message="再次催办：今日务必反馈。")
    assert Reminder.objects.filter(kind=ReminderKind.MANUAL).count() == 2


def test_supervisor_chases_a_task_and_the_stand_in_gets_a_copy(chased):
    o, task = chased
    inspector = person(o.gov, "何督查", "inspector", "supervisor", unit=o.div_c)
    Delegation.objects.create(from_person=o.head_a, to_person=o.handler_a, starts_at=at(2026, 3, 1),
                              ends_at=at(2026, 3, 31), reason="休假")
    with time_machine.travel(at(2026, 3, 12, 10, 0), tick=False):
        done = reminders.remind(task.pk, actor=inspector, message="市长批示事项，请加快办理。")
    assert sorted(done.names) == ["孙科员", "郑处长"]
    assert Notification.objects.filter(recipient=o.handler_a).count() == 1


def _nothing_more(before):
    assert (Reminder.objects.count(), Notification.objects.count()) == before


def test_refusals_write_nothing(chased):
    o, task = chased
    before = (Reminder.objects.count(), Notification.objects.count())
    with refused("催办内容"):
        reminders.remind(task.document, actor=o.clerk, message="  ")
    with refused("办公室人员或督查员", exc=PermissionDenied):
        reminders.remind(task.pk, actor=o.head_a, message="请办理。")  # the holder himself
    with refused("办公室人员或督查员", exc=PermissionDenied):
        reminders.remind(task.document, actor=o.leader_a, message="请办理。")
    with pytest.raises(NotFound):
        reminders.remind(task.pk, actor=o.handler_b, message="请办理。")  # cannot see it
    with pytest.raises(NotFound):
        reminders.remind(task.pk, actor=o.outsider, message="请办理。")  # another agency
    with refused("管理员", exc=PermissionDenied):
        reminders.remind(task.pk, actor=o.sysadmin, message="请办理。")
    with pytest.raises(NotFound):
        reminders.remind(999999, actor=o.clerk, message="请办理。")
    _nothing_more(before)


def test_finished_task_cannot_be_chased(chased):
    o, task = chased
    from flow import services as flow

    with time_machine.travel(at(2026, 3, 10, 9, 0), tick=False):
        flow.assign_handler(task.pk, actor=o.head_a, handler=o.handler_a)
    before = (Reminder.objects.count(), Notification.objects.count())
    with refused("不需要催办", exc=Conflict):
        reminders.remind(task.pk, actor=o.clerk, message="请办理。")
    _nothing_more(before)


def test_no_open_main_task(office):
    o = office
    from .reminder_helpers import open_task, registered

    doc = registered(o, at(2026, 3, 9, 9, 0), date(2026, 3, 13))
    # The clerk holds nothing; the secretary holds 初审: the clerk's 催办 reaches her.
    assert reminders.remind(doc, actor=o.clerk, message="请尽快初审。").names == ["李秘书"]
    # The secretary (office staff) chasing her own task: nobody else to chase.
    with refused("本人", exc=DomainError):
        reminders.remind(open_task(doc, o.secretary).pk, actor=o.secretary, message="请办理。")
