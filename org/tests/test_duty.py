"""The duty roster (值班表): arranging and removing shifts, who is on duty at an instant,
the overlap rule and every refusal (Chinese, nothing written)."""

from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from audit.models import AuditEvent
from gongwen.errors import DomainError, PermissionDenied
from org import duty
from org.models import DutyShift
from tests.factories import person

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=SH)  # a Tuesday


def at(m, d, hh=8, mm=0) -> datetime:
    return datetime(2026, m, d, hh, mm, tzinfo=SH)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def duty_officer(office):
    return person(office.gov, "梁值班", "duty_a", "duty_officer", unit=office.office_unit)


def state() -> dict:
    return {"shifts": list(DutyShift.objects.order_by("pk").values()),
            "audit": AuditEvent.objects.count()}


@contextmanager
def refused(match: str, exc=DomainError):
    before = state()
    with pytest.raises(exc, match=match) as info:
        yield info
    assert any("\u4e00" <= ch <= "\u9fff" for ch in info.value.message)
    assert state() == before, "a refusal wrote something"


def test_office_staff_arrange_a_shift(office, duty_officer, clock):
    o = office
    shift = duty.add_shift(actor=o.clerk, agency=o.gov, person=duty_officer, starts_at=at(3, 14), ends_at=at(3, 15),
                           note="周六值班")
    assert shift.created_by == o.clerk and shift.note == "周六值班"
    event = AuditEvent.objects.latest("seq")
    assert event.action == "org.duty.add" and event.new["person"] == duty_officer.pk
    # A leader (带班领导) and the office director may be on duty too, at the same time.
    duty.add_shift(actor=o.director, agency=o.gov, person=o.leader_a, starts_at=at(3, 14), ends_at=at(3, 15))
    duty.add_shift(actor=o.director, agency=o.gov, person=o.director, starts_at=at(3, 14), ends_at=at(3, 15))
    assert [p.name for p in duty.on_duty(o.gov, at(3, 14, 12))] == ["梁值班", "周副市长", "赵主任"]


def test_who_is_on_duty_at_an_instant(office, duty_officer, clock):
    o = office
    duty.add_shift(actor=o.clerk, agency=o.gov, person=duty_officer, starts_at=at(3, 14), ends_at=at(3, 15))
    duty.add_shift(actor=o.clerk, agency=o.gov, person=o.director, starts_at=at(3, 15), ends_at=at(3, 16))
    assert duty.on_duty(o.gov, at(3, 14)) == [duty_officer]          # the start is inside
    assert duty.on_duty(o.gov, at(3, 15)) == [o.director]            # the end is not
    assert duty.on_duty(o.gov, at(3, 13, 23, 59)) == []
    assert duty.on_duty(o.dept, at(3, 14, 12)) == []                 # per agency
    duty_officer.is_active = False
    duty_officer.save()
    assert duty.on_duty(o.gov, at(3, 14, 12)) == []                  # someone who left is not on duty
    assert [s.person for s in duty.roster(o.gov, at(3, 1), at(4, 1))] == [duty_officer, o.director]
    assert list(duty.roster(o.gov, at(3, 16), at(4, 1))) == []


def test_the_same_person_cannot_be_on_two_shifts_at_once(office, duty_officer, clock):
    o = office
    duty.add_shift(actor=o.clerk, agency=o.gov, person=duty_officer, starts_at=at(3, 14), ends_at=at(3, 15))
    with refused("3月14日08:00至3月15日08:00已有值班安排，时段重叠"):
        duty.add_shift(actor=o.clerk, agency=o.gov, person=duty_officer, starts_at=at(3, 14, 20),
                       ends_at=at(3, 15, 20))
    # Back to back is fine.
    duty.add_shift(actor=o.clerk, agency=o.gov, person=duty_officer, starts_at=at(3, 15), ends_at=at(3, 16))


@pytest.mark.parametrize(("starts", "ends", "message"), [
    (at(3, 14, 20), at(3, 14, 8), "结束时间必须晚于开始时间"),
    (at(3, 14), at(3, 14), "结束时间必须晚于开始时间"),
    (at(3, 14), at(3, 22), "不能超过7天"),
    (at(3, 8), at(3, 9), "已经结束，不能补排"),
    (datetime(2027, 6, 1, 8, tzinfo=SH), datetime(2027, 6, 2, 8, tzinfo=SH), "一年以内"),
    (None, at(3, 14), "请填写值班的开始时间和结束时间"),
    (datetime(2026, 3, 14, 8), datetime(2026, 3, 15, 8), "须带时区"),  # noqa: DTZ001 (the point of the test)
])
def test_shift_time_refusals(office, duty_officer, clock, starts, ends, message):
    with refused(message):
        duty.add_shift(actor=office.clerk, agency=office.gov, person=duty_officer, starts_at=starts, ends_at=ends)


def test_who_may_be_put_on_duty(office, duty_officer, clock):
    o = office
    args = {"agency": o.gov, "starts_at": at(3, 14), "ends_at": at(3, 15)}
    with refused("不是值班员，也不是本机关领导或办公室人员"):
        duty.add_shift(actor=o.clerk, person=o.handler_a, **args)
    with refused("不是市政府办的人员"):
        duty.add_shift(actor=o.clerk, person=o.dept_clerk, **args)
    with refused("是管理员"):
        duty.add_shift(actor=o.clerk, person=o.sysadmin, **args)
    duty_officer.is_active = False
    duty_officer.save()
    with refused("已离岗"):
        duty.add_shift(actor=o.clerk, person=duty_officer, **args)
    with refused("备注不能超过200个字"):
        duty.add_shift(actor=o.clerk, person=o.director, note="长" * 201, **args)


def test_who_may_arrange_the_roster(office, duty_officer, clock):
    o = office
    args = {"agency": o.gov, "person": duty_officer, "starts_at": at(3, 14), "ends_at": at(3, 15)}
    for actor in (o.head_a, o.handler_a, o.leader_a, o.principal, o.sysadmin, o.secadmin, o.dept_clerk, None):
        with refused("办公室人员可以安排值班|请先登录", PermissionDenied):
            duty.add_shift(actor=actor, **args)
    for actor in (o.clerk, o.secretary, o.director):
        assert duty.can_edit_roster(actor, o.gov)
    assert duty.can_view_roster(o.handler_a, o.gov) and not duty.can_edit_roster(o.handler_a, o.gov)
    assert not duty.can_view_roster(o.dept_clerk, o.gov) and not duty.can_view_roster(o.sysadmin, o.gov)
    assert not duty.can_view_roster(o.outsider, o.gov)
    with refused("不使用本系统|办公室人员可以安排值班", PermissionDenied):
        duty.add_shift(actor=o.clerk, agency=o.province, person=duty_officer, starts_at=at(3, 14), ends_at=at(3, 15))


def test_removing_a_shift(office, duty_officer, clock):
    o = office
    shift = duty.add_shift(actor=o.clerk, agency=o.gov, person=duty_officer, starts_at=at(3, 14), ends_at=at(3, 15))
    with refused("办公室人员可以安排值班", PermissionDenied):
        duty.remove_shift(actor=o.head_a, shift=shift)
    with refused("办公室人员可以安排值班", PermissionDenied):
        duty.remove_shift(actor=o.dept_clerk, shift=shift)
    duty.remove_shift(actor=o.secretary, shift=shift)
    assert not DutyShift.objects.exists()
    event = AuditEvent.objects.latest("seq")
    assert event.action == "org.duty.remove" and event.old["person"] == duty_officer.pk
    with refused("已不存在"):
        duty.remove_shift(actor=o.secretary, shift=shift)


def test_an_ended_shift_is_the_duty_record(office, duty_officer, clock):
    o = office
    shift = duty.add_shift(actor=o.clerk, agency=o.gov, person=duty_officer, starts_at=at(3, 10, 8),
                           ends_at=at(3, 10, 18))
    clock.move_to(at(3, 10, 19))
    with refused("已经结束，是值班记录，不能删除"):
        duty.remove_shift(actor=o.clerk, shift=shift)
    # A shift under way may still be cancelled (someone falls ill).
    running = duty.add_shift(actor=o.clerk, agency=o.gov, person=duty_officer, starts_at=at(3, 10, 19),
                             ends_at=at(3, 11, 8))
    clock.move_to(at(3, 10, 22))
    duty.remove_shift(actor=o.clerk, shift=running)


def test_eligible_people(office, duty_officer):
    names = {p.name for p in duty.eligible_people(office.gov)}
    assert {"梁值班", "王文书", "李秘书", "赵主任", "陈市长", "周副市长", "吴副市长"} <= names
    assert "孙科员" not in names and "郑处长" not in names and "杨系统" not in names
