"""The duty API (/api/v1/duty): the roster of the caller's agency, arranged by the office;
refusals in Chinese that write nothing; another agency's shift looks missing; the duty
copy of a document is closed through /tasks/{id}/read_back (知悉)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from api.tests.helpers import ApiClient
from audit.models import AuditEvent
from flow.models import HistoryAction, HistoryEvent, Task, TaskRole, TaskStatus
from incoming.services import IncomingData, register_incoming
from org.models import DutyShift
from tests.factories import person

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=SH)
SHIFT = {"starts_at": "2026-03-14T08:00:00+08:00", "ends_at": "2026-03-15T08:00:00+08:00", "note": "周六值班"}


@pytest.fixture
def duty_officer(office):
    return person(office.gov, "梁值班", "duty_a", "duty_officer", unit=office.office_unit)


@pytest.fixture
def api(office, duty_officer):
    client = ApiClient(Client())
    for p in [*office.people(), duty_officer]:  # issuing a token is audited: before any snapshot
        client.token(p)
    with time_machine.travel(NOW, tick=False):
        yield client


def state():
    return list(DutyShift.objects.order_by("pk").values()), AuditEvent.objects.count()


def test_the_office_arranges_everyone_reads(api, office, duty_officer):
    o = office
    r = api.post(o.clerk, "/duty/shifts", dict(SHIFT, person_id=duty_officer.pk))
    assert r.status_code == 201, r.json()
    shift = r.json()
    assert shift["person"] == {"id": duty_officer.pk, "name": "梁值班"} and shift["created_by"]["name"] == "王文书"
    for who in (o.handler_a, o.leader_a, duty_officer):
        listed = api.get(who, "/duty/shifts", {"month": "2026-03"}).json()
        assert [s["id"] for s in listed] == [shift["id"]]
    assert api.get(o.clerk, "/duty/shifts", {"month": "2026-04"}).json() == []
    assert api.get(o.clerk, "/duty/shifts").json()[0]["id"] == shift["id"]  # this month by default
    assert api.get(o.dept_clerk, "/duty/shifts", {"month": "2026-03"}).json() == []  # their own agency's
    with time_machine.travel(datetime(2026, 3, 14, 12, tzinfo=SH), tick=False):
        assert api.get(o.handler_a, "/duty/now").json() == [{"id": duty_officer.pk, "name": "梁值班"}]
    r = api.delete(o.director, f"/duty/shifts/{shift['id']}")
    assert r.status_code == 204 and not DutyShift.objects.exists()


def test_refusals_write_nothing(api, office, duty_officer):
    o = office
    existing = api.post(o.clerk, "/duty/shifts", dict(SHIFT, person_id=duty_officer.pk)).json()
    before = state()

    def refused(r, status, words):
        body = r.json()
        assert r.status_code == status and words in body["detail"], body

    refused(api.post(o.handler_a, "/duty/shifts", dict(SHIFT, person_id=duty_officer.pk)), 403, "办公室人员")
    refused(api.post(o.sysadmin, "/duty/shifts", dict(SHIFT, person_id=duty_officer.pk)), 403, "办公室人员")
    refused(api.post(o.clerk, "/duty/shifts", dict(SHIFT, person_id=duty_officer.pk)), 400, "时段重叠")
    refused(api.post(o.clerk, "/duty/shifts", dict(SHIFT, person_id=o.handler_a.pk)), 400, "不是值班员")
    refused(api.post(o.clerk, "/duty/shifts", dict(SHIFT, person_id=999999)), 400, "不存在")
    refused(api.post(o.clerk, "/duty/shifts", dict(SHIFT, person_id=o.director.pk,
                                                   ends_at="2026-03-14T07:00:00+08:00")), 400, "晚于开始时间")
    refused(api.post(o.dept_clerk, "/duty/shifts", dict(SHIFT, person_id=duty_officer.pk)), 400, "不是市交通局的人员")
    refused(api.delete(o.handler_a, f"/duty/shifts/{existing['id']}"), 403, "办公室人员")
    refused(api.delete(o.dept_clerk, f"/duty/shifts/{existing['id']}"), 404, "未找到该值班安排")
    refused(api.get(o.auditor, "/duty/shifts"), 403, "本机关人员")
    assert api.get(o.clerk, "/duty/shifts", {"month": "2026-13"}).status_code == 422
    assert api.post(o.clerk, "/duty/shifts", dict(SHIFT, person_id=o.director.pk, note="值班\x00")).status_code == 422
    assert api.post(None, "/duty/shifts", dict(SHIFT, person_id=o.director.pk)).status_code == 401
    assert state() == before


def test_the_duty_copy_is_closed_through_read_back(api, office, duty_officer):
    o = office
    saturday = datetime(2026, 3, 14, 10, 0, tzinfo=SH)
    api.post(o.clerk, "/duty/shifts", dict(SHIFT, person_id=duty_officer.pk))
    with time_machine.travel(saturday, tick=False):
        doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
            title="关于立即开展防汛安全隐患排查的紧急通知", doc_type="通知", sender_id=o.province.pk, urgency="特急",
            sender_deadline=saturday + timedelta(days=1), sender_deadline_text="明日"))
        copy = Task.objects.get(document=doc, role=TaskRole.DUTY)
        inbox = api.get(duty_officer, "/tasks/inbox").json()
        assert [t["id"] for t in inbox["items"]] == [copy.pk]
        r = api.post(duty_officer, f"/tasks/{copy.pk}/read_back", {"opinion": "已电话告知带班领导。"})
        assert r.status_code == 200, r.json()
    copy.refresh_from_db()
    assert copy.status == TaskStatus.DONE
    event = HistoryEvent.objects.filter(document=doc, action=HistoryAction.DUTY).latest("id")
    assert event.opinion == "已电话告知带班领导。" and event.actor == duty_officer


def test_a_time_without_offset_is_read_as_shanghai_time(api, office):
    """An integration that sends "2026-03-14T08:00:00" means 8 o'clock in the office, not UTC:
    read as Asia/Shanghai (never a 500, never a shift eight hours off)."""
    o = office
    r = api.post(o.clerk, "/duty/shifts", dict(SHIFT, person_id=o.director.pk, starts_at="2026-03-14T08:00:00",
                                               ends_at="2026-03-15T08:00:00"))
    assert r.status_code == 201, r.json()
    shift = DutyShift.objects.get(pk=r.json()["id"])
    assert shift.starts_at == datetime(2026, 3, 14, 8, tzinfo=SH)
    assert shift.ends_at == datetime(2026, 3, 15, 8, tzinfo=SH)
