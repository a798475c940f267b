"""The reminder pages: 消息 with the unread badge, the office's 逾期与临期 list with 催办,
and the panel on the document page."""

from datetime import date

import pytest
import time_machine

from deadlines import reminders
from deadlines.models import Notification, Reminder, ReminderKind
from flow import services as flow
from tests.auth import sign_in
from tests.factories import person

from .reminder_helpers import at, at_division


@pytest.fixture
def login(client):
    def _login(who):
        sign_in(client, who)
        return client

    return _login


@pytest.fixture
def overdue_office(office):
    """Two tasks at 综合一处: one overdue since Friday 18:00, one due at noon on Monday
    (上午下班前); the scan has run on Monday at 10:00."""
    o = office
    late = at_division(o, at(2026, 3, 9, 9, 0), date(2026, 3, 13), title="关于报送一季度安全生产情况的通知")
    soon = at_division(o, at(2026, 3, 12, 9, 0), date(2026, 3, 16), kind="noon",
                       title="关于做好春季防火工作的通知")
    with time_machine.travel(at(2026, 3, 16, 10, 0), tick=False):
        reminders.scan()
    traveller = time_machine.travel(at(2026, 3, 16, 10, 0), tick=False)
    traveller.start()
    yield o, late, soon
    traveller.stop()


def test_nav_badge_and_notifications(overdue_office, login):
    o, late, _soon = overdue_office
    unread = Notification.objects.filter(recipient=o.head_a, read_at__isnull=True).count()
    assert unread == 2  # the due reminder of the one, 时限过半 of the other
    c = login(o.head_a)
    page = c.get("/deadlines/notifications/").content.decode()
    assert f'aria-label="{unread}条未读"' in page and "已到期：《关于报送一季度安全生产情况的通知》" in page
    note = Notification.objects.filter(recipient=o.head_a).first()
    # Mark one read with htmx: the row comes back and the badge is swapped out of band.
    r = c.post(f"/deadlines/notifications/{note.pk}/read/", HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert r.status_code == 200 and f'id="note-{note.pk}"' in body and 'id="nav-unread" hx-swap-oob="true"' in body
    assert f"{unread - 1}条未读" in body
    note.refresh_from_db()
    assert note.read_at is not None
    # Opening one follows its link and marks it read.
    other = Notification.objects.filter(recipient=o.head_a, read_at__isnull=True).first()
    r = c.get(f"/deadlines/notifications/{other.pk}/open/")
    assert r.status_code == 302 and r["Location"] == f"/documents/{late.document_id}/"
    # Someone else's notification is as good as a missing one.
    mine = Notification.objects.filter(recipient=o.leader_a).first() or Notification.objects.create(
        recipient=o.leader_a, title="测试")
    assert c.post(f"/deadlines/notifications/{mine.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=mine.pk).read_at is None
    # Read all.
    from deadlines.notify import notify

    notify(o.head_a, title="又一条", email=False)
    notify(o.head_a, title="再一条", email=False)
    r = c.post("/deadlines/notifications/read-all/", follow=True)
    assert "已将2条消息标为已读" in r.content.decode()
    assert not Notification.objects.filter(recipient=o.head_a, read_at__isnull=True).exists()
    assert "条未读" not in c.get("/deadlines/notifications/").content.decode()
    assert c.get("/deadlines/notifications/read-all/").status_code == 405


def test_overdue_list_for_the_office(overdue_office, login):
    o, late, soon = overdue_office
    c = login(o.clerk)
    page = c.get("/deadlines/overdue/").content.decode()
    assert "关于报送一季度安全生产情况的通知" in page and "关于做好春季防火工作的通知" in page
    # Friday 18:00 to Monday 10:00: 1.5 working hours, 2 calendar days.
    assert "逾期1.5个工作小时，2天" in page
    assert "剩余2个工作小时" in page
    assert page.count('name="message"') == 2
    only = c.get("/deadlines/overdue/?show=overdue").content.decode()
    assert "关于做好春季防火工作的通知" not in only
    # 催办 from the list.
    r = c.post(f"/deadlines/tasks/{late.pk}/remind/", {"message": "请今日办结。", "next": "/deadlines/overdue/"},
               follow=True)
    assert "已向郑处长发出催办" in r.content.decode()
    assert Reminder.objects.filter(kind=ReminderKind.MANUAL, sent_by=o.clerk, task=late).count() == 1
    # An empty message is refused with a Chinese message; nothing written.
    before = (Reminder.objects.count(), Notification.objects.count())
    r = c.post(f"/deadlines/tasks/{late.pk}/remind/", {"message": " "}, follow=True)
    assert "请填写催办内容" in r.content.decode()
    assert (Reminder.objects.count(), Notification.objects.count()) == before


def test_overdue_list_is_for_office_supervisors_and_leaders(overdue_office, login):
    o, late, _soon = overdue_office
    inspector = person(o.gov, "何督查", "inspector", "supervisor", unit=o.div_c)
    for who in (o.director, o.leader_a, o.principal, inspector):
        assert login(who).get("/deadlines/overdue/").status_code == 200, who
    for who in (o.handler_a, o.head_a, o.sysadmin, o.outsider):
        assert login(who).get("/deadlines/overdue/").status_code == 403, who
    # A leader sees the list but has no 催办 button; a supervisor has, on the documents the
    # supervisor may see (documents.access: the list never shows a title its viewer may not
    # open). Circulated to the 督查室, the late document appears with its button.
    assert 'name="message"' not in login(o.leader_a).get("/deadlines/overdue/").content.decode()
    hidden = login(inspector).get("/deadlines/overdue/").content.decode()
    assert late.document.title not in hidden and 'name="message"' not in hidden
    flow.circulate(late.document_id, actor=o.clerk, readers=[inspector], note="请督查室督办。")
    shown = login(inspector).get("/deadlines/overdue/").content.decode()
    assert late.document.title in shown and 'name="message"' in shown
    # The holder cannot chase himself through the page either.
    before = Reminder.objects.count()
    login(o.head_a).post(f"/deadlines/tasks/{late.pk}/remind/", {"message": "请办理。"})
    assert Reminder.objects.count() == before
    assert login(o.outsider).post(f"/deadlines/tasks/{late.pk}/remind/", {"message": "请办理。"}).status_code == 404


def test_document_panel(overdue_office, login):
    o, late, soon = overdue_office
    c = login(o.clerk)
    page = c.get(f"/documents/{late.document_id}/").content.decode()
    assert "办理时限与催办" in page and "2026年3月13日" in page
    assert "逾期" in page and "到期提醒" in page and "系统 → 郑处长" in page
    assert f'action="/deadlines/documents/{late.document_id}/remind/"' in page
    r = c.post(f"/deadlines/documents/{late.document_id}/remind/", {"message": "请于今日下班前办结。"}, follow=True)
    assert "已向郑处长发出催办" in r.content.decode() and "请于今日下班前办结。" in r.content.decode()
    page = c.get(f"/documents/{soon.document_id}/").content.decode()
    assert "临期" in page and "时限过半提醒" in page
    # The holder sees the panel without the 催办 form.
    page = login(o.head_a).get(f"/documents/{late.document_id}/").content.decode()
    assert "催办记录" in page and "/remind/" not in page


def test_dashboard_links(overdue_office, login):
    o, _late, _soon = overdue_office
    page = login(o.director).get("/").content.decode()
    assert "今日到期" in page and "已超期" in page and "本机关逾期与临期公文" in page
    page = login(o.head_a).get("/").content.decode()
    assert "本机关逾期与临期公文" not in page and "2条未读消息" in page
