"""The 值班表 page: everyone of the agency sees it, the office staff arrange it, the three
administrators and people of other agencies do not see this agency's roster; printable.
And the duty copy on the document page: 知悉."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from audit.models import AuditEvent
from flow.models import HistoryAction, HistoryEvent, Task, TaskRole, TaskStatus
from incoming.services import IncomingData, register_incoming
from org import duty
from org.models import DutyShift
from tests.auth import sign_in
from tests.factories import person

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def duty_officer(office):
    return person(office.gov, "梁值班", "duty_a", "duty_officer", unit=office.office_unit)


def text(r) -> str:
    return r.content.decode()


def state():
    return list(DutyShift.objects.order_by("pk").values()), AuditEvent.objects.count()


ADD = {"starts_on": "2026-03-14", "starts_time": "08:00", "ends_on": "2026-03-15", "ends_time": "08:00",
       "note": "周六值班"}


def test_everyone_of_the_agency_sees_the_roster_only_the_office_arranges_it(client, office, duty_officer):
    o = office
    duty.add_shift(actor=o.clerk, agency=o.gov, person=duty_officer, starts_at=datetime(2026, 3, 14, 8, tzinfo=SH),
                   ends_at=datetime(2026, 3, 15, 8, tzinfo=SH), note="周六值班")
    for who in (o.clerk, o.director, o.secretary):
        sign_in(client, who)
        page = text(client.get("/duty/?month=2026-03"))
        assert "梁值班" in page and "3月14日 星期六" in page and "安排值班" in page and "取消" in page
    for who in (o.handler_a, o.head_a, o.leader_a, duty_officer):
        sign_in(client, who)
        page = text(client.get("/duty/?month=2026-03"))
        assert "梁值班" in page and "安排值班" not in page and ">取消<" not in page
    # Another agency sees its own (empty) roster, never this one.
    sign_in(client, o.dept_clerk)
    page = text(client.get("/duty/?month=2026-03"))
    assert "示范市交通运输局值班表" in page and "梁值班" not in page
    for admin in (o.sysadmin, o.secadmin, o.auditor):
        sign_in(client, admin)
        assert client.get("/duty/").status_code == 403
    client.logout()
    assert client.get("/duty/").status_code == 302


def test_the_roster_marks_the_days_and_prints(client, office):
    sign_in(client, office.clerk)
    page = text(client.get("/duty/?month=2026-10"))
    assert "值班表 · 2026年10月" in page and "示范市人民政府办公室值班表" in page
    assert "10月1日 星期四</th>\n    <td>节假日" in page
    assert "10月10日 星期六</th>\n    <td>调休上班" in page
    assert "10月17日 星期六</th>\n    <td>休息日" in page
    assert "data-gw-print" in page and "@media print" in page
    # A month of a year the calendar does not know still shows, without guessing holidays.
    page = text(client.get("/duty/?month=2027-01"))
    assert "1月1日 星期五</th>\n    <td></td>" in page
    assert client.get("/duty/?month=garbage").status_code == 200


def test_office_staff_add_and_remove_shifts(client, office, duty_officer):
    o = office
    sign_in(client, o.clerk)
    r = client.post("/duty/", dict(ADD, person=duty_officer.pk), follow=True)
    assert "已安排梁值班值班（3月14日08:00起）" in text(r)
    shift = DutyShift.objects.get()
    assert shift.starts_at == datetime(2026, 3, 14, 8, tzinfo=SH) and shift.note == "周六值班"
    before = state()
    r = client.post("/duty/", dict(ADD, person=duty_officer.pk, starts_time="20:00", ends_time="20:00"))
    assert "时段重叠" in text(r) and "未办理" in text(r)
    r = client.post("/duty/", dict(ADD, person=o.handler_a.pk))
    assert "不是值班员" in text(r)
    r = client.post("/duty/", dict(ADD, person=duty_officer.pk, starts_on="三月"))
    assert "请填写有效的开始时间" in text(r)
    r = client.post("/duty/", dict(ADD, person=""))
    assert "请选择值班人员" in text(r)
    assert state() == before
    r = client.post(f"/duty/{shift.pk}/remove/", follow=True)
    assert "已取消梁值班的值班安排" in text(r) and not DutyShift.objects.exists()


def test_others_cannot_change_the_roster(client, office, duty_officer):
    o = office
    shift = duty.add_shift(actor=o.clerk, agency=o.gov, person=duty_officer,
                           starts_at=datetime(2026, 3, 14, 8, tzinfo=SH), ends_at=datetime(2026, 3, 15, 8, tzinfo=SH))
    before = state()
    for who in (o.handler_a, o.leader_a, duty_officer, o.sysadmin):
        sign_in(client, who)
        assert client.post("/duty/", dict(ADD, person=duty_officer.pk)).status_code == 403, who.name
        assert client.post(f"/duty/{shift.pk}/remove/").status_code == 403, who.name
    # Another agency's office arranges its own roster only: this agency's people and
    # shifts are not theirs (the shift looks as if it did not exist).
    sign_in(client, o.dept_clerk)
    assert "不是市交通局的人员" in text(client.post("/duty/", dict(ADD, person=duty_officer.pk)))
    assert "已不存在" in text(client.post(f"/duty/{shift.pk}/remove/", follow=True))
    assert state() == before


def test_nav_item(client, office):
    sign_in(client, office.handler_a)
    assert 'href="/duty/">值班</a>' in text(client.get("/"))
    sign_in(client, office.sysadmin)
    assert 'href="/duty/"' not in text(client.get("/"))


def test_the_duty_officer_acknowledges_on_the_document_page(client, office, duty_officer):
    o = office
    saturday = datetime(2026, 3, 14, 10, 0, tzinfo=SH)
    duty.add_shift(actor=o.clerk, agency=o.gov, person=duty_officer, starts_at=saturday - timedelta(hours=2),
                   ends_at=saturday + timedelta(hours=22))
    with time_machine.travel(saturday, tick=False):
        doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
            title="关于立即开展防汛安全隐患排查的紧急通知", doc_type="通知", sender_id=o.province.pk, urgency="特急",
            sender_deadline=saturday + timedelta(days=1), sender_deadline_text="明日"))
        copy = Task.objects.get(document=doc, role=TaskRole.DUTY)
        sign_in(client, duty_officer)
        assert "值班知悉" in text(client.get("/inbox/"))
        page = text(client.get(f"/documents/{doc.pk}/"))
        assert "值班知悉" in page and ">知悉<" in page.replace("\n", "").replace("  ", "")
        r = client.post(f"/documents/{doc.pk}/op/read_back/", {"task": copy.pk, "opinion": ""}, follow=True)
        assert "已知悉" in text(r)
    copy.refresh_from_db()
    assert copy.status == TaskStatus.DONE
    assert HistoryEvent.objects.filter(document=doc, action=HistoryAction.DUTY, actor=duty_officer).exists()
