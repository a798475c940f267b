"""The system administrator's services for working time: time-limit rules, the reminder
policy, entering a year, correcting a day, working hours. Each refusal writes nothing."""

from contextlib import contextmanager
from datetime import date, time

import pytest

from audit.models import AuditEvent
from deadlines import rules
from deadlines.models import (
    CalendarYear,
    LimitScope,
    LimitUnit,
    ReminderPolicy,
    TimeLimitRule,
)
from deadlines.services import DayRange, calendar_for, enter_year, rule_for, set_day, set_working_hours
from documents.models import Document
from gongwen.errors import DomainError, PermissionDenied
from tests.helpers import snapshot

pytestmark = pytest.mark.django_db



def state() -> dict:
    """Every table the project writes (tests.helpers), to show a refusal wrote nothing."""
    return snapshot()


@contextmanager
def refused(match: str, exc=DomainError):
    before = state()
    with pytest.raises(exc, match=match) as info:
        yield info
    assert any("\u4e00" <= ch <= "\u9fff" for ch in info.value.message)
    assert state() == before, "a refusal wrote something"


def _rule(o, **kw):
    values = {"actor": o.sysadmin, "name": "签收（本机关加急件）", "scope": LimitScope.NODE, "node_kind": "sign_for",
              "urgency": "加急", "amount": 2, "unit": LimitUnit.WORK_HOURS}
    values.update(kw)
    return rules.save_rule(**values)


# --- time-limit rules ---------------------------------------------------------------------------


def test_an_agency_rule_wins_over_the_default(office):
    o = office
    doc = Document(agency=o.gov, doc_type="通知", urgency="加急")
    default = rule_for(doc, scope=LimitScope.NODE, node_kind="sign_for")
    assert default.agency_id is None and default.amount == 4
    before = AuditEvent.objects.count()
    own = _rule(o, agency=o.gov)
    assert rule_for(doc, scope=LimitScope.NODE, node_kind="sign_for") == own
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("seq")
    assert event.action == "deadlines.rule.create" and event.new["amount"] == 2
    # Another agency still gets the default.
    other = Document(agency=o.dept, doc_type="通知", urgency="加急")
    assert rule_for(other, scope=LimitScope.NODE, node_kind="sign_for") == default


def test_editing_and_deactivating_a_rule(office):
    o = office
    own = _rule(o, agency=o.gov)
    changed = rules.save_rule(actor=o.sysadmin, rule=own, name="签收（加急件，本机关）", scope=LimitScope.NODE,
                              node_kind="sign_for", urgency="加急", amount=3, unit=LimitUnit.WORK_HOURS)
    assert changed.pk == own.pk and changed.amount == 3 and changed.agency_id == o.gov.pk
    event = AuditEvent.objects.latest("seq")
    assert event.action == "deadlines.rule.update" and event.old["amount"] == 2 and event.new["amount"] == 3
    rules.deactivate_rule(actor=o.sysadmin, rule=own)
    own.refresh_from_db()
    assert not own.is_active
    doc = Document(agency=o.gov, doc_type="通知", urgency="加急")
    assert rule_for(doc, scope=LimitScope.NODE, node_kind="sign_for").agency_id is None
    with refused("已停用"):
        rules.deactivate_rule(actor=o.sysadmin, rule=own)
    # Reactivating through an edit works while no active rule has the same conditions.
    rules.save_rule(actor=o.sysadmin, rule=own, name=own.name, scope=own.scope, node_kind=own.node_kind,
                    urgency=own.urgency, amount=own.amount, unit=own.unit, is_active=True)
    own.refresh_from_db()
    assert own.is_active


def test_a_default_rule_may_be_edited(office):
    o = office
    print_rule = TimeLimitRule.objects.get(agency=None, node_kind="print")
    rules.save_rule(actor=o.sysadmin, rule=print_rule, name=print_rule.name, scope=print_rule.scope,
                    node_kind="print", amount=6, unit=LimitUnit.WORK_HOURS)
    print_rule.refresh_from_db()
    assert print_rule.amount == 6 and print_rule.agency_id is None


@pytest.mark.parametrize(("changes", "message"), [
    ({"amount": 0}, "时限应大于零"),
    ({"amount": -3}, "时限应大于零"),
    ({"amount": "三"}, "正整数"),
    ({"amount": None}, "正整数"),
    ({"amount": 5000}, "时限过长"),
    ({"unit": "fortnights"}, "时限单位无效"),
    ({"node_kind": "dance"}, "环节“dance”无效"),
    ({"urgency": "火急"}, "紧急程度“火急”无效"),
    ({"urgency": "特提", "doc_type": "通知"}, "只用于电报"),
    ({"doc_type": "便条"}, "文种“便条”无效"),
    ({"condition": "rainy"}, "适用条件无效"),
    ({"scope": "week"}, "时限类别无效"),
    ({"scope": LimitScope.DOCUMENT}, "不针对某个环节"),
    ({"name": "  "}, "请填写规则名称"),
    ({"name": "长" * 61}, "不能超过60个字"),
])
def test_invalid_rules_are_refused(office, changes, message):
    with refused(message):
        _rule(office, agency=office.gov, **changes)


def test_rule_refusals_by_who_and_where(office):
    o = office
    for actor in (o.secadmin, o.auditor, o.clerk, o.director, None):
        with refused("只有系统管理员", PermissionDenied):
            _rule(o, actor=actor, agency=o.gov)
    with refused("不使用本系统"):
        _rule(o, agency=o.province)
    _rule(o, agency=o.gov)
    with refused("已有条件相同的启用规则"):
        _rule(o, agency=o.gov, name="重复的规则", amount=1)
    # The same conditions for another agency, or the deployment default's, are fine.
    _rule(o, agency=o.dept)
    own = TimeLimitRule.objects.get(agency=o.gov, node_kind="sign_for")
    with refused("只有系统管理员", PermissionDenied):
        rules.deactivate_rule(actor=o.clerk, rule=own)


# --- reminder policy -----------------------------------------------------------------------------------


def test_reminder_policy_per_agency(office):
    from deadlines.reminders import policy_for

    o = office
    rules.save_reminder_policy(actor=o.sysadmin, agency=o.dept, at_half=False, before_minutes=30,
                               escalate_head_after=60, escalate_leader_after=420, send_email=False)
    assert policy_for(o.dept.pk).before_minutes == 30 and not policy_for(o.dept.pk).at_half
    assert policy_for(o.gov.pk).before_minutes == 60  # the default
    rules.save_reminder_policy(actor=o.sysadmin, agency=None, at_half=True, before_minutes=90,
                               escalate_head_after=0, escalate_leader_after=420, send_email=True)
    assert policy_for(o.gov.pk).before_minutes == 90
    assert ReminderPolicy.objects.filter(agency__isnull=True).count() == 1
    assert AuditEvent.objects.filter(action="deadlines.reminder_policy").count() == 2


@pytest.mark.parametrize(("changes", "message"), [
    ({"before_minutes": -1}, "0到4200"),
    ({"before_minutes": "一小时"}, "应为整数"),
    ({"escalate_head_after": 9999}, "0到4200"),
    ({"escalate_head_after": 480, "escalate_leader_after": 60}, "不能早于报处室负责人"),
])
def test_reminder_policy_refusals(office, changes, message):
    values = {"actor": office.sysadmin, "agency": office.gov, "at_half": True, "before_minutes": 60,
              "escalate_head_after": 0, "escalate_leader_after": 420, "send_email": True}
    values.update(changes)
    with refused(message):
        rules.save_reminder_policy(**values)
    values.update({"before_minutes": 60, "escalate_head_after": 0, "escalate_leader_after": 420, "actor": office.clerk})
    with refused("只有系统管理员", PermissionDenied):
        rules.save_reminder_policy(**values)


# --- the calendar services the pages call ---------------------------------------------------------------


SCHEDULE_2027 = {
    "holidays": [DayRange(date(2027, 1, 1), date(2027, 1, 3), "元旦"),
                 DayRange(date(2027, 2, 6), date(2027, 2, 13), "春节")],
    "workdays": [DayRange(date(2027, 2, 20), date(2027, 2, 20), "春节调休上班")],
}


def test_entering_a_year_makes_it_computable(office):
    o = office
    cal = calendar_for()
    with pytest.raises(DomainError, match="2027年"):
        cal.is_workday(date(2027, 3, 1))
    enter_year(actor=o.sysadmin, year=2027, notice="国务院办公厅关于2027年部分节假日安排的通知", **SCHEDULE_2027)
    cal = calendar_for()
    assert not cal.is_workday(date(2027, 2, 8)) and cal.is_workday(date(2027, 2, 20))
    assert cal.is_workday(date(2027, 3, 1)) and not cal.is_workday(date(2027, 3, 6))
    assert CalendarYear.objects.get(year=2027).entered_by == o.sysadmin


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"holidays": []}, "至少录入一段"),
    ({"holidays": [DayRange(date(2027, 1, 3), date(2027, 1, 1), "元旦")]}, "结束日期早于开始日期"),
    ({"holidays": [DayRange(date(2026, 12, 31), date(2027, 1, 2), "元旦")]}, "不在2027年内"),
    ({"holidays": [DayRange(date(2027, 1, 1), date(2027, 2, 1), "元旦")]}, "超过20天"),
    ({"workdays": [DayRange(date(2027, 2, 8), date(2027, 2, 8), "")]}, "既录为放假又录为上班"),
    ({"workdays": [DayRange(date(2027, 3, 1), date(2027, 3, 1), "")]}, "是工作日，不需要录为调休上班日"),
])
def test_entering_a_year_refusals_write_nothing(office, kwargs, message):
    schedule = dict(SCHEDULE_2027, **kwargs)
    with refused(message):
        enter_year(actor=office.sysadmin, year=2027, **schedule)
    with refused("只有系统管理员", PermissionDenied):
        enter_year(actor=office.secadmin, year=2027, **SCHEDULE_2027)


def test_correcting_a_day(office):
    o = office
    set_day(actor=o.sysadmin, day=date(2026, 3, 9), is_workday=False, name="临时放假")
    assert not calendar_for().is_workday(date(2026, 3, 9))
    set_day(actor=o.sysadmin, day=date(2026, 3, 9), is_workday=None)
    assert calendar_for().is_workday(date(2026, 3, 9))
    set_day(actor=o.sysadmin, day=date(2026, 10, 10), is_workday=None)  # the make-up Saturday back to rest
    assert not calendar_for().is_workday(date(2026, 10, 10))
    with refused("尚未录入"):
        set_day(actor=o.sysadmin, day=date(2027, 1, 4), is_workday=False)
    with refused("只有系统管理员", PermissionDenied):
        set_day(actor=o.clerk, day=date(2026, 3, 10), is_workday=False)


def test_working_hours(office):
    o = office
    set_working_hours(actor=o.sysadmin, agency=o.dept, morning=(time(9), time(12)), afternoon=(time(13, 30), time(17)))
    assert calendar_for(o.dept).hours.day_seconds == 6.5 * 3600
    with refused("作息时间无效"):
        set_working_hours(actor=o.sysadmin, agency=o.dept, morning=(time(12), time(9)),
                          afternoon=(time(13, 30), time(17)))
    with refused("作息时间无效"):
        set_working_hours(actor=o.sysadmin, agency=o.dept, morning=(time(9), time(14)),
                          afternoon=(time(13, 30), time(17)))
    with refused("只有系统管理员", PermissionDenied):
        set_working_hours(actor=o.director, agency=o.gov, morning=(time(9), time(12)),
                          afternoon=(time(13, 30), time(17)))
