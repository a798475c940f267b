"""The working-time pages of the system administrator: the year calendar, entering next
year's schedule, correcting a day, working hours, reminder policy, time-limit rules; who
may open them (the system administrator only: 403 for everyone else); the dashboard
warning from 1 November when next year is missing."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from deadlines.models import CalendarYear, ReminderPolicy, TimeLimitRule
from deadlines.services import calendar_for
from tests.auth import sign_in
from tests.helpers import snapshot

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
PAGES = ["/deadlines/admin/calendar/", "/deadlines/admin/calendar/2026/", "/deadlines/admin/calendar/enter/",
         "/deadlines/admin/hours/", "/deadlines/admin/policy/", "/deadlines/admin/rules/",
         "/deadlines/admin/rules/new/"]


def state() -> dict:
    """Every table the project writes (tests.helpers), to show a refusal wrote nothing."""
    return snapshot()


def text(r) -> str:
    return r.content.decode()


@pytest.fixture
def admin(client, office):
    sign_in(client, office.sysadmin)
    return client


def test_only_the_system_administrator_opens_the_pages(client, office):
    o = office
    rule = TimeLimitRule.objects.first()
    pages = PAGES + [f"/deadlines/admin/rules/{rule.pk}/"]
    for page in pages:
        r = client.get(page)
        assert r.status_code == 302 and "/login/" in r["Location"], page
    for person in (o.secadmin, o.auditor, o.clerk, o.director, o.principal, o.handler_a):
        sign_in(client, person)
        for page in pages:
            assert client.get(page).status_code == 403, (person.name, page)
    sign_in(client, o.sysadmin)
    for page in pages:
        assert client.get(page).status_code == 200, page


def test_others_cannot_write_through_the_pages(client, office):
    o = office
    rule = TimeLimitRule.objects.first()
    posts = [
        ("/deadlines/admin/calendar/day/", {"date": "2026-03-09", "kind": "holiday"}),
        ("/deadlines/admin/calendar/enter/", {"year": "2027", "h_start_0": "2027-01-01"}),
        ("/deadlines/admin/hours/", {"morning_start": "09:00", "morning_end": "12:00", "afternoon_start": "13:00",
                                     "afternoon_end": "17:00"}),
        ("/deadlines/admin/policy/", {"before_minutes": "30", "escalate_head_after": "0",
                                      "escalate_leader_after": "60"}),
        ("/deadlines/admin/rules/new/", {"name": "x", "scope": "node", "amount": "1", "unit": "work_hours"}),
        (f"/deadlines/admin/rules/{rule.pk}/deactivate/", {}),
    ]
    before = state()
    for person in (o.secadmin, o.auditor, o.clerk, o.director):
        sign_in(client, person)
        for url, data in posts:
            assert client.post(url, data).status_code == 403, (person.name, url)
    assert state() == before


def test_year_view_marks_holidays_and_make_up_workdays(admin):
    page = text(admin.get("/deadlines/admin/calendar/2026/"))
    assert "2026年工作日历" in page
    assert "10月1日 星期四：放假（国庆节）" in page
    assert "10月10日 星期六：调休上班" in page
    assert "2月14日 星期六：调休上班" in page
    assert "3月7日 星期六：休息日" in page and "3月9日 星期一：工作日" in page
    assert "法定节假日（休）" in page and "调休上班（班）" in page  # the legend
    assert "全年工作日 248 天" in page
    assert "data-gw-print" in page and "@media print" in page
    # The list of breaks under the calendar.
    assert "2026年10月1日至10月7日" in page and "2026年2月15日至2月23日" in page
    # A year without data says so and links to the entry page, never shows a guessed grid.
    page = text(admin.get("/deadlines/admin/calendar/2027/"))
    assert "2027年的节假日安排尚未录入工作日历" in page and "/deadlines/admin/calendar/enter/?year=2027" in page
    assert '<table class="gw-cal-month">' not in page


def test_entering_next_year_through_the_page(admin, office):
    page = text(admin.get("/deadlines/admin/calendar/enter/?year=2027"))
    for name in ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"):
        assert f'value="{name}"' in page
    data = {"year": "2027", "notice": "国务院办公厅关于2027年部分节假日安排的通知", "holiday_rows": "9",
            "workday_rows": "8",
            "h_name_0": "元旦", "h_start_0": "2027-01-01", "h_end_0": "2027-01-03",
            "h_name_1": "春节", "h_start_1": "2027-02-06", "h_end_1": "2027-02-13",
            "h_name_2": "清明节", "h_start_2": "2027-04-05",
            "h_name_3": "劳动节",  # a name left without dates is an unused row
            "w_start_0": "2027-02-20", "w_name_0": "春节调休上班"}
    r = admin.post("/deadlines/admin/calendar/enter/", data, follow=True)
    assert "已录入2027年节假日安排" in text(r)
    assert CalendarYear.objects.get(year=2027).notice.startswith("国务院办公厅")
    cal = calendar_for()
    assert not cal.is_workday(date(2027, 4, 5)) and cal.is_workday(date(2027, 2, 20))
    # Reopening the page shows the year's schedule as ranges, ready to correct.
    page = text(admin.get("/deadlines/admin/calendar/enter/?year=2027"))
    assert 'value="2027-02-06"' in page and 'value="2027-02-13"' in page and "整体替换" in page


@pytest.mark.parametrize(("changes", "message"), [
    ({"w_start_0": "2027-02-08"}, "2月8日既录为放假又录为上班"),
    ({"h_start_1": "2027-02-31"}, "不是有效日期"),
    ({"h_start_1": "", "h_end_1": "2027-02-13"}, "只填了结束日期"),
    ({"h_start_1": "2026-12-30"}, "不在2027年内"),
    ({"w_start_0": "2027-03-01"}, "是工作日，不需要录为调休上班日"),
    ({"year": "明年"}, "请填写年度"),
])
def test_entering_a_year_refused_writes_nothing(admin, changes, message):
    data = {"year": "2027", "holiday_rows": "9", "workday_rows": "8",
            "h_name_0": "元旦", "h_start_0": "2027-01-01", "h_end_0": "2027-01-03",
            "h_name_1": "春节", "h_start_1": "2027-02-06", "h_end_1": "2027-02-13",
            "w_start_0": "2027-02-20"}
    data.update(changes)
    before = state()
    r = admin.post("/deadlines/admin/calendar/enter/", data)
    assert r.status_code == 200 and message in text(r) and "未办理" in text(r)
    assert state() == before
    # What was typed stays in the form.
    assert 'value="2027-01-03"' in text(r)


def test_correcting_a_day_through_the_page(admin):
    r = admin.post("/deadlines/admin/calendar/day/", {"date": "2026-03-09", "kind": "holiday", "name": "临时放假"},
                   follow=True)
    assert "已将2026年3月9日更正为放假" in text(r)
    assert "3月9日 星期一：放假（临时放假）" in text(r)
    assert not calendar_for().is_workday(date(2026, 3, 9))
    before = state()
    r = admin.post("/deadlines/admin/calendar/day/", {"date": "2027-01-04", "kind": "holiday"}, follow=True)
    assert "2027年的节假日安排尚未录入" in text(r)
    r = admin.post("/deadlines/admin/calendar/day/", {"date": "", "kind": "holiday"}, follow=True)
    assert "请选择要更正的日期" in text(r)
    r = admin.post("/deadlines/admin/calendar/day/", {"date": "2026-03-10", "kind": "maybe"}, follow=True)
    assert "请选择更正为" in text(r)
    assert state() == before


def test_working_hours_page(admin, office):
    o = office
    r = admin.post("/deadlines/admin/hours/", {"agency": o.dept.pk, "morning_start": "09:00", "morning_end": "11:30",
                                               "afternoon_start": "13:30", "afternoon_end": "17:30"}, follow=True)
    assert "已保存市交通局作息时间" in text(r)
    assert calendar_for(o.dept).hours.end_of_morning().hour == 11
    assert "09:00–11:30" in text(r)
    before = state()
    r = admin.post("/deadlines/admin/hours/", {"agency": o.dept.pk, "morning_start": "12:00", "morning_end": "09:00",
                                               "afternoon_start": "13:30", "afternoon_end": "17:30"})
    assert "作息时间无效" in text(r)
    r = admin.post("/deadlines/admin/hours/", {"morning_start": "早上", "morning_end": "09:00",
                                               "afternoon_start": "13:30", "afternoon_end": "17:30"})
    assert "不是有效时间" in text(r)
    r = admin.post("/deadlines/admin/hours/", {"agency": o.province.pk, "morning_start": "09:00",
                                               "morning_end": "12:00", "afternoon_start": "13:30",
                                               "afternoon_end": "17:30"})
    assert "不使用本系统" in text(r)
    assert state() == before


def test_reminder_policy_page(admin, office):
    r = admin.post("/deadlines/admin/policy/", {"agency": office.gov.pk, "at_half": "on", "before_minutes": "30",
                                                "escalate_head_after": "60", "escalate_leader_after": "420"},
                   follow=True)
    assert "已保存市政府办催办设置" in text(r)
    policy = ReminderPolicy.objects.get(agency=office.gov)
    assert policy.before_minutes == 30 and policy.at_half and not policy.send_email
    before = state()
    r = admin.post("/deadlines/admin/policy/", {"agency": office.gov.pk, "before_minutes": "30",
                                                "escalate_head_after": "480", "escalate_leader_after": "60"})
    assert "不能早于报处室负责人" in text(r)
    assert state() == before


def test_rules_pages(admin, office):
    o = office
    page = text(admin.get("/deadlines/admin/rules/"))
    assert "签收（特急件，随到随签）" in page and "紧急信息报告（1小时，含节假日）" in page
    r = admin.post("/deadlines/admin/rules/new/", {"agency": o.gov.pk, "name": "核稿（本机关一般文件）", "scope": "node",
                                                   "node_kind": "review", "amount": "2", "unit": "work_days"},
                   follow=True)
    assert "已保存规则“核稿（本机关一般文件）”" in text(r)
    rule = TimeLimitRule.objects.get(name="核稿（本机关一般文件）")
    assert rule.agency == o.gov and rule.amount == 2
    r = admin.post(f"/deadlines/admin/rules/{rule.pk}/", {"name": rule.name, "scope": "node", "node_kind": "review",
                                                         "amount": "3", "unit": "work_days", "is_active": "on",
                                                         "agency": o.dept.pk}, follow=True)
    rule.refresh_from_db()
    assert rule.amount == 3 and rule.agency == o.gov  # the agency of a rule is not changed by an edit
    before = state()
    for data, message in [({"amount": "0"}, "时限应大于零"), ({"unit": "weeks"}, "时限单位无效"),
                          ({"node_kind": "dance"}, "无效"), ({"urgency": "特提", "doc_type": "通知"}, "只用于电报")]:
        values = {"agency": o.gov.pk, "name": "新规则", "scope": "node", "node_kind": "review", "amount": "1",
                  "unit": "work_days", "urgency": "加急"}
        values.update(data)
        r = admin.post("/deadlines/admin/rules/new/", values)
        assert r.status_code == 200 and message in text(r), message
        assert 'value="新规则"' in text(r)
    assert state() == before
    r = admin.post(f"/deadlines/admin/rules/{rule.pk}/deactivate/", follow=True)
    assert "已停用规则" in text(r)
    rule.refresh_from_db()
    assert not rule.is_active
    r = admin.post(f"/deadlines/admin/rules/{rule.pk}/deactivate/", follow=True)
    assert "已停用" in text(r)
    assert admin.get("/deadlines/admin/rules/999999/").status_code == 404
    # The filter: an agency's view includes the defaults.
    page = text(admin.get(f"/deadlines/admin/rules/?agency={o.dept.pk}"))
    assert "核稿（本机关一般文件）" not in page and "印制（4个工作小时）" in page


def test_nav_item_only_for_the_system_administrator(client, office):
    sign_in(client, office.sysadmin)
    assert 'href="/deadlines/admin/calendar/">工作日历' in text(client.get("/"))
    sign_in(client, office.clerk)
    assert "/deadlines/admin/calendar/" not in text(client.get("/"))


@pytest.mark.parametrize(("moment", "warned"), [
    (datetime(2026, 10, 31, 23, 50, tzinfo=SH), False),
    (datetime(2026, 11, 1, 8, 0, tzinfo=SH), True),
    (datetime(2026, 12, 31, 17, 0, tzinfo=SH), True),
])
def test_dashboard_warns_from_1_november_when_next_year_is_missing(client, office, moment, warned):
    with time_machine.travel(moment, tick=False):
        sign_in(client, office.sysadmin)
        page = text(client.get("/"))
        assert ("2027年的节假日安排尚未录入工作日历" in page) == warned
        assert ("/deadlines/admin/calendar/enter/?year=2027" in page) == warned
        # Other administrators are told too, without the link they cannot use.
        sign_in(client, office.auditor)
        page = text(client.get("/"))
        assert ("2027年的节假日安排尚未录入工作日历" in page) == warned
        assert "/deadlines/admin/calendar/enter/" not in page


def test_dashboard_warning_goes_once_next_year_is_entered(client, office):
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=SH), tick=False):
        CalendarYear.objects.create(year=2027, notice="测试")
        sign_in(client, office.sysadmin)
        assert "节假日安排尚未录入" not in text(client.get("/"))
