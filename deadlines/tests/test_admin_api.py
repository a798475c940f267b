"""The calendar API (/api/v1/calendar): reads for everyone signed in, changes for the
system administrator only; every refusal is a Chinese JSON error and writes nothing."""

from datetime import date

import pytest
from django.test import Client

from api.tests.helpers import ApiClient
from audit.models import AuditEvent
from deadlines.services import calendar_for
from tests.helpers import snapshot

pytestmark = pytest.mark.django_db

YEAR_2027 = {"year": 2027, "notice": "国务院办公厅关于2027年部分节假日安排的通知",
             "holidays": [{"start": "2027-01-01", "end": "2027-01-03", "name": "元旦"},
                          {"start": "2027-02-06", "end": "2027-02-13", "name": "春节"},
                          {"start": "2027-04-05", "name": "清明节"}],
             "workdays": [{"start": "2027-02-20", "name": "春节调休上班"}]}
HOURS = {"agency_id": None, "morning_start": "09:00", "morning_end": "12:00", "afternoon_start": "13:30",
         "afternoon_end": "17:30"}
RULE = {"name": "签收（本机关加急件）", "scope": "node", "node_kind": "sign_for", "urgency": "加急", "amount": 2,
        "unit": "work_hours"}


def state() -> dict:
    """Every table the project writes (tests.helpers), to show a refusal wrote nothing."""
    return snapshot()


@pytest.fixture
def api(office) -> ApiClient:
    client = ApiClient(Client())
    for person in office.people():  # issuing a token is audited: do it before any snapshot
        client.token(person)
    return client


def _refused(response, status: int, words: str):
    body = response.json()
    assert response.status_code == status, body
    assert words in body["detail"], body


def test_reads_for_everyone_signed_in(api, office):
    o = office
    for person in (o.clerk, o.handler_a, o.sysadmin, o.auditor):
        years = api.get(person, "/calendar/years").json()
        y2026 = next(y for y in years if y["year"] == 2026)
        assert y2026["source"] == "chinesecalendar" and y2026["workdays"] == 6
        days = api.get(person, "/calendar/years/2026/days").json()
        assert {"date": "2026-10-10", "is_workday": True, "name": "国庆节调休上班"} in days
        assert api.get(person, "/calendar/hours").json()[0]["agency"] is None
        assert any(r["name"] == "签收（特急件，随到随签）" for r in api.get(person, "/calendar/rules").json())
    assert api.get(None, "/calendar/years").status_code == 401
    _refused(api.get(o.clerk, "/calendar/years/2027/days"), 404, "2027年的节假日安排尚未录入")


def test_the_system_administrator_enters_next_year(api, office):
    r = api.post(office.sysadmin, "/calendar/years", YEAR_2027)
    assert r.status_code == 201, r.json()
    assert r.json()["year"] == 2027 and r.json()["workdays"] == 1 and r.json()["source"] == "manual"
    cal = calendar_for()
    assert not cal.is_workday(date(2027, 4, 5)) and cal.is_workday(date(2027, 2, 20))
    days = api.get(office.clerk, "/calendar/years/2027/days").json()
    assert {"date": "2027-02-20", "is_workday": True, "name": "春节调休上班"} in days


def test_entering_a_year_refusals_write_nothing(api, office):
    o = office
    before = state()
    for person in (o.clerk, o.secadmin, o.auditor, o.director):
        _refused(api.post(person, "/calendar/years", YEAR_2027), 403, "只有系统管理员")
    bad = dict(YEAR_2027, workdays=[{"start": "2027-02-08"}])
    _refused(api.post(o.sysadmin, "/calendar/years", bad), 400, "既录为放假又录为上班")
    bad = dict(YEAR_2027, holidays=[{"start": "2027-01-03", "end": "2027-01-01", "name": "元旦"}])
    _refused(api.post(o.sysadmin, "/calendar/years", bad), 400, "结束日期早于开始日期")
    _refused(api.post(o.sysadmin, "/calendar/years", dict(YEAR_2027, holidays=[])), 400, "至少录入一段")
    _refused(api.post(o.sysadmin, "/calendar/years", dict(YEAR_2027, year=1999)), 400, "年度无效")
    r = api.post(o.sysadmin, "/calendar/years", dict(YEAR_2027, notice="通知\x00"))
    assert r.status_code == 422
    assert api.post(None, "/calendar/years", YEAR_2027).status_code == 401
    assert state() == before


def test_correcting_a_day(api, office):
    o = office
    r = api.patch(o.sysadmin, "/calendar/days/2026-03-09", {"is_workday": False, "name": "临时放假"})
    assert r.status_code == 200 and r.json() == {"date": "2026-03-09", "is_workday": False, "name": "临时放假"}
    assert not calendar_for().is_workday(date(2026, 3, 9))
    r = api.patch(o.sysadmin, "/calendar/days/2026-03-09", {"is_workday": None})
    assert r.json() == {"date": "2026-03-09", "is_workday": True, "name": ""}
    before = state()
    _refused(api.patch(o.clerk, "/calendar/days/2026-03-10", {"is_workday": False}), 403, "只有系统管理员")
    _refused(api.patch(o.sysadmin, "/calendar/days/2027-01-04", {"is_workday": False}), 400, "2027年的节假日安排尚未录入")
    assert api.patch(o.sysadmin, "/calendar/days/2026-02-30", {"is_workday": False}).status_code == 422
    assert state() == before


def test_working_hours(api, office):
    o = office
    r = api.put(o.sysadmin, "/calendar/hours", dict(HOURS, agency_id=o.dept.pk))
    assert r.status_code == 200 and r.json()["agency"] == {"id": o.dept.pk, "name": o.dept.name}
    assert calendar_for(o.dept).hours.end_of_day().hour == 17
    listed = api.get(o.clerk, "/calendar/hours").json()
    assert listed[0]["agency"] is None and listed[-1]["agency"]["id"] == o.dept.pk
    before = state()
    _refused(api.put(o.director, "/calendar/hours", HOURS), 403, "只有系统管理员")
    _refused(api.put(o.sysadmin, "/calendar/hours", dict(HOURS, morning_end="08:00")), 400, "作息时间无效")
    _refused(api.put(o.sysadmin, "/calendar/hours", dict(HOURS, agency_id=999999)), 400, "不存在")
    assert api.put(o.sysadmin, "/calendar/hours", dict(HOURS, morning_start="09:00+08:00")).status_code == 422
    assert api.put(o.sysadmin, "/calendar/hours", dict(HOURS, morning_start="九点")).status_code == 422
    assert state() == before


def test_rules(api, office):
    o = office
    r = api.post(o.sysadmin, "/calendar/rules", dict(RULE, agency_id=o.gov.pk))
    assert r.status_code == 201, r.json()
    rule = r.json()
    assert rule["agency"]["id"] == o.gov.pk and rule["unit_display"] == "工作小时"
    r = api.patch(o.sysadmin, f"/calendar/rules/{rule['id']}", {"amount": 3})
    assert r.status_code == 200 and r.json()["amount"] == 3 and r.json()["is_active"]
    r = api.patch(o.sysadmin, f"/calendar/rules/{rule['id']}", {"is_active": False})
    assert r.status_code == 200 and not r.json()["is_active"]
    assert AuditEvent.objects.filter(action="deadlines.rule.deactivate").count() == 1
    mine = api.get(o.clerk, f"/calendar/rules?agency_id={o.dept.pk}&active=true").json()
    assert all(r["agency"] is None and r["is_active"] for r in mine)
    before = state()
    _refused(api.post(o.clerk, "/calendar/rules", RULE), 403, "只有系统管理员")
    _refused(api.post(o.sysadmin, "/calendar/rules", dict(RULE, amount=0)), 400, "时限应大于零")
    _refused(api.post(o.sysadmin, "/calendar/rules", dict(RULE, unit="weeks")), 400, "时限单位无效")
    _refused(api.post(o.sysadmin, "/calendar/rules", dict(RULE, node_kind="dance")), 400, "无效")
    _refused(api.post(o.sysadmin, "/calendar/rules", dict(RULE, urgency="特提", doc_type="通知")), 400, "只用于电报")
    _refused(api.post(o.sysadmin, "/calendar/rules", dict(RULE, agency_id=o.province.pk)), 400, "不使用本系统")
    _refused(api.patch(o.sysadmin, f"/calendar/rules/{rule['id']}", {"is_active": False}), 400, "已停用")
    _refused(api.patch(o.auditor, f"/calendar/rules/{rule['id']}", {"amount": 5}), 403, "只有系统管理员")
    _refused(api.patch(o.sysadmin, "/calendar/rules/999999", {"amount": 5}), 404, "未找到该规则")
    assert api.post(o.sysadmin, "/calendar/rules", dict(RULE, amount=2**40)).status_code == 422
    assert state() == before
