"""The reminders API: notifications and the unread count, marking read, manual 催办,
the overdue list, working-time arithmetic; each refusal answers in Chinese and writes
nothing."""

from datetime import date

import pytest
import time_machine
from django.test import Client

from api.tests.helpers import ApiClient, has_chinese
from deadlines import reminders
from deadlines.models import Notification, Reminder, ReminderKind
from tests.factories import person

from .reminder_helpers import at, at_division


@pytest.fixture
def api(db) -> ApiClient:
    return ApiClient(Client())


@pytest.fixture
def late(office):
    """A task at 综合一处 overdue since Friday 18:00; the worker ran on Monday 10:00."""
    task = at_division(office, at(2026, 3, 9, 9, 0), date(2026, 3, 13))
    traveller = time_machine.travel(at(2026, 3, 16, 10, 0), tick=False)
    traveller.start()
    reminders.scan()
    yield office, task
    traveller.stop()


def written():
    return Reminder.objects.count(), Notification.objects.count(), list(
        Notification.objects.order_by("pk").values_list("read_at", flat=True))


def test_notifications_and_read(api, late):
    o, task = late
    r = api.get(o.head_a, "/deadlines/notifications")
    body = r.json()
    assert r.status_code == 200 and body["unread"] == body["total"] == 1
    note = body["items"][0]
    assert note["title"].startswith("已到期") and note["document_id"] == task.document_id and note["read_at"] is None
    r = api.post(o.head_a, f"/deadlines/notifications/{note['id']}/read")
    assert r.status_code == 200 and r.json()["read_at"]
    assert api.get(o.head_a, "/deadlines/notifications", {"unread": "true"}).json()["total"] == 0
    # Another's notification: 404, nothing marked.
    Notification.objects.create(recipient=o.leader_a, title="另一条")
    other = Notification.objects.get(recipient=o.leader_a)
    before = written()
    r = api.post(o.head_a, f"/deadlines/notifications/{other.pk}/read")
    assert r.status_code == 404 and has_chinese(r.json()["detail"])
    assert written() == before
    r = api.post(o.leader_a, "/deadlines/notifications/read-all")
    assert r.json() == {"marked": 1, "unread": 0}
    assert api.get(o.leader_a, "/deadlines/notifications").json()["unread"] == 0


def test_remind_task_and_document(api, late):
    o, task = late
    r = api.post(o.clerk, f"/deadlines/tasks/{task.pk}/remind", {"message": "请今日下班前办结。"})
    assert r.status_code == 200, r.content
    assert r.json() == {"document_id": task.document_id, "reminders": 1, "recipients": [{"id": o.head_a.pk, "name": "郑处长"}]}
    inspector = person(o.gov, "何督查", "inspector", "supervisor", unit=o.div_c)
    r = api.post(inspector, f"/deadlines/documents/{task.document_id}/remind", {"message": "督查室催办。"})
    assert r.status_code == 200 and r.json()["reminders"] == 1
    assert Reminder.objects.filter(kind=ReminderKind.MANUAL).count() == 2


def test_remind_refusals_write_nothing(api, late):
    o, task = late
    before = written()
    cases = [
        (o.clerk, f"/deadlines/tasks/{task.pk}/remind", {"message": "  "}, 400),
        (o.head_a, f"/deadlines/tasks/{task.pk}/remind", {"message": "请办理。"}, 403),
        (o.leader_a, f"/deadlines/documents/{task.document_id}/remind", {"message": "请办理。"}, 403),
        (o.handler_b, f"/deadlines/tasks/{task.pk}/remind", {"message": "请办理。"}, 404),
        (o.outsider, f"/deadlines/documents/{task.document_id}/remind", {"message": "请办理。"}, 404),
        (o.sysadmin, f"/deadlines/tasks/{task.pk}/remind", {"message": "请办理。"}, 403),
        (o.clerk, "/deadlines/tasks/999999/remind", {"message": "请办理。"}, 404),
        (o.clerk, "/deadlines/documents/999999/remind", {"message": "请办理。"}, 404),
        (o.clerk, f"/deadlines/tasks/{task.pk}/remind", {}, 422),
        (o.clerk, f"/deadlines/tasks/{task.pk}/remind", {"message": "长" * 501}, 422),
    ]
    for who, path, body, status in cases:
        r = api.post(who, path, body)
        assert r.status_code == status, (who, path, body, r.content)
        assert has_chinese(r.json()["detail"]), r.content
    assert written() == before


def test_overdue_list(api, late):
    o, task = late
    r = api.get(o.director, "/deadlines/overdue")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["total"], body["overdue"], body["approaching"]) == (1, 1, 0)
    item = body["items"][0]
    assert item["task_id"] == task.pk and item["assignee"]["name"] == "郑处长" and item["unit"]["name"] == "综合一处"
    assert item["overdue"] and item["working_hours"] == 1.5 and item["calendar_days"] == 2
    assert item["text"] == "逾期1.5个工作小时，2天"
    assert api.get(o.director, "/deadlines/overdue", {"show": "approaching"}).json()["total"] == 0
    for who in (o.handler_a, o.head_a, o.sysadmin):
        r = api.get(who, "/deadlines/overdue")
        assert r.status_code == 403 and has_chinese(r.json()["detail"])


def test_calendar_arithmetic(api, office):
    o = office
    # Friday 17:00 plus 2 working hours: Monday 9:30 (08:30 start).
    r = api.get(o.handler_a, "/deadlines/calendar/add",
                {"start": "2026-03-06T17:00:00+08:00", "amount": 2, "unit": "work_hours"})
    assert r.status_code == 200, r.content
    assert r.json()["due"].startswith("2026-03-09T09:30:00")
    # Across National Day: 30 September 17:00 plus one working day is 8 October 17:00.
    r = api.get(o.handler_a, "/deadlines/calendar/add",
                {"start": "2026-09-30T17:00:00+08:00", "amount": 1, "unit": "work_days"})
    assert r.json()["due"].startswith("2026-10-08T17:00:00")
    # Clock time runs through holidays.
    r = api.get(o.handler_a, "/deadlines/calendar/add",
                {"start": "2026-10-01T10:00:00+08:00", "amount": 1, "unit": "clock_hours"})
    assert r.json()["due"].startswith("2026-10-01T11:00:00")
    r = api.get(o.handler_a, "/deadlines/calendar/between",
                {"start": "2026-03-06T17:00:00+08:00", "end": "2026-03-09T09:30:00+08:00"})
    assert r.json()["working_minutes"] == 120 and r.json()["working_hours"] == 2
    r = api.get(o.handler_a, "/deadlines/calendar/between",
                {"start": "2026-03-09T08:30:00+08:00", "end": "2026-03-10T08:30:00+08:00"})
    assert r.json()["working_days"] == 1
    # Refusals: an unknown unit, a year without data, a missing agency, bad input.
    r = api.get(o.handler_a, "/deadlines/calendar/add", {"start": "2026-03-06T17:00:00+08:00", "amount": 2,
                                                          "unit": "fortnights"})
    assert r.status_code == 400 and has_chinese(r.json()["detail"])
    r = api.get(o.handler_a, "/deadlines/calendar/add", {"start": "2099-03-06T17:00:00+08:00", "amount": 2})
    assert r.status_code == 400 and r.json()["code"] == "calendar_year_unknown" and "2099" in r.json()["detail"]
    r = api.get(o.handler_a, "/deadlines/calendar/add", {"start": "2026-03-06T17:00:00+08:00", "amount": 2,
                                                          "agency_id": 999999})
    assert r.status_code == 400 and has_chinese(r.json()["detail"])
    r = api.get(o.handler_a, "/deadlines/calendar/add", {"start": "not a time", "amount": 2})
    assert r.status_code == 422
    assert api.get(None, "/deadlines/calendar/add", {"start": "2026-03-06T17:00:00+08:00", "amount": 2}).status_code == 401
