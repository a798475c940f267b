"""The extensions API (/api/v1/extensions): request, decide, the sender's agreement, the
pending list, a document's lateness and holders; refusals write nothing."""

import pytest
import time_machine
from django.test import Client

from api.tests.helpers import ApiClient, changed_tables, has_chinese, snapshot
from deadlines.models import Extension, Notification
from flow import services as flow

from .test_extensions import at
from .test_extensions import doc as doc  # noqa: F401 (the document at 承办, reused)
from .test_extensions import supervisor as supervisor  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(db) -> ApiClient:
    return ApiClient(Client())


@pytest.fixture
def clock():
    with time_machine.travel(at(2026, 3, 9, 9, 0), tick=False) as traveller:
        yield traveller


def state() -> tuple:
    return snapshot(), list(Extension.objects.order_by("pk").values_list()), Notification.objects.count()


def assert_refused(response, status: int, match: str | None = None, before=None):
    assert response.status_code == status, response.content
    detail = response.json()["detail"]
    assert has_chinese(detail) and (match is None or match in detail), detail
    if before is not None:
        after = state()
        assert not changed_tables(before[0], after[0]) and before[1:] == after[1:]


def task_of(document, person, role="main"):
    return document.tasks.get(assignee=person, status="open", role=role)


def test_request_decide_and_read_through_the_api(api, office, doc, clock):
    o = office
    task = task_of(doc, o.head_a)
    r = api.post(o.head_a, f"/extensions/tasks/{task.pk}/request",
                 {"new_due_at": "2026-03-11T12:00:00+08:00", "reason": "需征求部门意见"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["state"] == "pending" and body["state_display"] == "待审批" and body["node_name"] == "承办"
    assert body["requested_by"] == {"id": o.head_a.pk, "name": o.head_a.name}
    ext_id = body["id"]

    listed = api.get(o.director, "/extensions/pending").json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == ext_id
    r = api.post(o.director, f"/extensions/{ext_id}/decide", {"approve": True, "note": "同意"})
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "approved" and r.json()["decided_by"]["id"] == o.director.pk
    task.refresh_from_db()
    assert task.due_at == at(2026, 3, 11, 12, 0) and task.original_due_at == at(2026, 3, 10, 9, 0)
    assert api.get(o.director, "/extensions/pending").json()["total"] == 0

    r = api.post(o.clerk, f"/extensions/documents/{doc.pk}/sender",
                 {"new_due_at": "2026-03-20T18:00:00+08:00", "agreed_with": "省政府办公厅 刘处长", "note": "电话商定"})
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "sender_agreed" and r.json()["agreed_with"] == "省政府办公厅 刘处长"

    clock.move_to(at(2026, 3, 12, 10, 0))  # the handling task (now due 3/11 noon) is overdue
    r = api.get(o.head_a, f"/extensions/documents/{doc.pk}")
    assert r.status_code == 200, r.content
    report = r.json()
    assert report["was_extended"] and not report["no_new_date_agreed"]
    assert report["original"]["due_at"].startswith("2026-03-13T10:00:00")  # UTC of 18:00 Shanghai
    assert report["extended"]["late"] is False and report["extended"]["label"] == "未逾期"
    assert [e["state"] for e in report["extensions"]] == ["approved", "sender_agreed"]
    handle = next(h for h in report["holders"] if h["task_id"] == task.pk)
    assert handle["late"] and handle["late_original"] and handle["status"] == "open"
    assert handle["working_minutes"] == (6.5 + 7 + 7 + 1.5) * 60  # Monday 09:00 → Thursday 10:00


def test_no_new_date_agreed_flag(api, office, doc, clock):
    o = office
    r = api.post(o.director, f"/extensions/documents/{doc.pk}/sender",
                 {"new_due_at": None, "agreed_with": "省政府办公厅 刘处长"})
    assert r.status_code == 200 and r.json()["state"] == "no_date" and r.json()["new_due_at"] is None
    report = api.get(o.director, f"/extensions/documents/{doc.pk}").json()
    assert report["no_new_date_agreed"] and not report["was_extended"]


def test_refusals_write_nothing(api, office, doc, clock, supervisor):
    o = office
    task = task_of(doc, o.head_a)
    url = f"/extensions/tasks/{task.pk}/request"
    good = {"new_due_at": "2026-03-11T12:00:00+08:00", "reason": "忙"}
    for person in (o.head_a, o.head_b, o.director, o.outsider, o.sysadmin, o.auditor, supervisor):
        api.token(person)  # issuing a token writes: do it before the snapshot

    before = state()
    assert api.post(None, url, good).status_code == 401
    assert_refused(api.post(o.head_a, url, {**good, "reason": " "}), 400, "理由", before)
    assert_refused(api.post(o.head_a, url, {**good, "new_due_at": "2026-03-10T08:00:00+08:00"}), 400, "应晚于",
                   before)
    assert_refused(api.post(o.head_a, url, {"reason": "忙"}), 422, None, before)
    assert_refused(api.post(o.director, url, good), 403, "郑处长", before)
    assert_refused(api.post(o.outsider, url, good), 404, None, before)
    assert_refused(api.post(o.sysadmin, url, good), 404, None, before)
    assert_refused(api.post(o.head_b, f"/extensions/tasks/{task_of(doc, o.head_b, 'assist').pk}/request", good),
                   400, "协办", before)

    r = api.post(o.head_a, url, good)
    assert r.status_code == 200
    ext_id = r.json()["id"]
    before = state()
    assert_refused(api.post(o.head_a, url, good), 409, "待审批", before)
    decide = f"/extensions/{ext_id}/decide"
    assert_refused(api.post(o.head_b, decide, {"approve": True}), 403, "督查员", before)
    assert_refused(api.post(o.outsider, decide, {"approve": True}), 404, None, before)
    assert_refused(api.post(o.director, "/extensions/999999/decide", {"approve": True}), 404, None, before)
    assert_refused(api.post(o.director, decide, {"approve": False, "note": ""}), 400, "理由", before)
    assert_refused(api.post(o.director, decide, {"approve": True, "new_due_at": "2026-03-12T18:00:00+08:00"}),
                   400, "不能晚于申请", before)
    # The supervisor decides on documents they can see; this one they cannot (yet).
    assert_refused(api.post(supervisor, decide, {"approve": True}), 404, None, before)

    sender = f"/extensions/documents/{doc.pk}/sender"
    assert_refused(api.post(o.head_a, sender, {"new_due_at": None, "agreed_with": "某人"}), 403, "办公室", before)
    assert_refused(api.post(o.outsider, sender, {"new_due_at": None, "agreed_with": "某人"}), 404, None, before)
    assert_refused(api.post(o.director, sender, {"new_due_at": None, "agreed_with": ""}), 400, "商定", before)
    assert_refused(api.post(o.director, sender, {"new_due_at": "2026-03-12T18:00:00+08:00", "agreed_with": "某人"}),
                   400, "应晚于", before)
    assert_refused(api.post(o.director, sender, {"new_due_at": None, "agreed_with": "某人\x00"}), 422, None, before)

    assert_refused(api.get(o.head_a, "/extensions/pending"), 403, "督查员")
    assert_refused(api.get(o.outsider, f"/extensions/documents/{doc.pk}"), 404)
    assert_refused(api.get(o.auditor, f"/extensions/documents/{doc.pk}"), 404)

    # Once the supervisor can see it, they may decide.
    flow.circulate(doc.pk, actor=o.clerk, readers=[supervisor])
    r = api.post(supervisor, decide, {"approve": False, "note": "请按时办结"})
    assert r.status_code == 200 and r.json()["state"] == "refused"
    assert_refused(api.post(o.director, decide, {"approve": True}), 409, "已处理")
