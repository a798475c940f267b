"""Extension pages: the panel on the document page, the three forms, the office's list of
pending requests; denied users see a refusal (or a 404) and nothing is written."""

from datetime import date

import pytest
import time_machine

from deadlines.models import Extension
from flow import services as flow
from flow.models import HistoryAction, HistoryEvent, Task
from tests.auth import sign_in

from .test_extensions import at
from .test_extensions import doc as doc  # noqa: F401
from .test_extensions import supervisor as supervisor  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(at(2026, 3, 9, 9, 0), tick=False) as traveller:
        yield traveller


def login(client, person):
    sign_in(client, person)
    return client


def page(client, document) -> str:
    response = client.get(f"/documents/{document.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def task_of(document, person):
    return Task.objects.get(document=document, assignee=person, status="open", role="main")


def extension_events(document) -> int:
    return HistoryEvent.objects.filter(document=document, action=HistoryAction.EXTEND).count()


def test_holder_requests_and_office_approves_through_the_pages(client, office, doc, clock):
    o = office
    c = login(client, o.head_a)
    html = page(c, doc)
    assert "延期与逾期" in html and "申请延期" in html and "经手人与占用时间" in html
    assert "登记来文单位意见" not in html  # not for a division head
    task = task_of(doc, o.head_a)
    r = c.post(f"/deadlines/documents/{doc.pk}/extensions/request/",
               {"task": task.pk, "due_date": "2026-03-11", "due_kind": "noon", "reason": "需征求部门意见"}, follow=True)
    assert "已提交延期申请" in r.content.decode()
    ext = Extension.objects.get()
    assert ext.requested_due_at == at(2026, 3, 11, 12, 0)
    assert "延期申请待审批" in page(c, doc)

    c = login(client, o.director)
    html = page(c, doc)
    assert "审批" in html and "需征求部门意见" in html and "登记来文单位意见" in html
    listing = c.get("/deadlines/extensions/").content.decode()
    assert "延期审批" in listing and doc.title in listing and "需征求部门意见" in listing
    r = c.post(f"/deadlines/extensions/{ext.pk}/decide/",
               {"decision": "approve", "note": "同意", "next": "/deadlines/extensions/"}, follow=True)
    assert r.redirect_chain[-1][0] == "/deadlines/extensions/"
    assert "已同意延期" in r.content.decode()
    task.refresh_from_db()
    assert task.due_at == at(2026, 3, 11, 12, 0) and task.original_due_at == at(2026, 3, 10, 9, 0)
    assert "暂无待审批" in c.get("/deadlines/extensions/").content.decode()


def test_sender_agreement_and_no_date_through_the_page(client, office, doc, clock):
    o = office
    c = login(client, o.clerk)
    r = c.post(f"/deadlines/documents/{doc.pk}/extensions/sender/",
               {"agreed_with": "省政府办公厅 刘处长", "no_date": "1", "note": "待定"}, follow=True)
    assert "未商定新时限" in r.content.decode()
    assert Extension.objects.get().state == Extension.State.NO_DATE
    html = page(c, doc)
    assert "未商定新时限" in html and "刘处长" in html
    r = c.post(f"/deadlines/documents/{doc.pk}/extensions/sender/",
               {"agreed_with": "省政府办公厅 刘处长", "due_date": "2026-03-20", "due_kind": "close"}, follow=True)
    assert "已登记来文单位同意延期" in r.content.decode()
    doc.refresh_from_db()
    assert doc.due_at == at(2026, 3, 20, 18, 0) and doc.original_due_at == at(2026, 3, 13, 18, 0)
    html = page(c, doc)
    assert "延期后时限" in html and "2026年3月20日 18:00" in html


def test_refusals_show_in_chinese_and_write_nothing(client, office, doc, clock):
    o = office
    task = task_of(doc, o.head_a)
    c = login(client, o.head_a)
    before = (extension_events(doc), Extension.objects.count())
    r = c.post(f"/deadlines/documents/{doc.pk}/extensions/request/",
               {"task": task.pk, "due_date": "2026-03-11", "due_kind": "close", "reason": ""}, follow=True)
    assert "请填写延期理由" in r.content.decode()
    r = c.post(f"/deadlines/documents/{doc.pk}/extensions/request/",
               {"task": task.pk, "due_date": "", "reason": "忙"}, follow=True)
    assert "请填写申请延至的时间" in r.content.decode()
    r = c.post(f"/deadlines/documents/{doc.pk}/extensions/request/",
               {"task": task.pk, "due_date": "2026-03-11", "due_kind": "time", "reason": "忙"}, follow=True)
    assert "请填写时间" in r.content.decode()
    # A division head may not record the sender's agreement.
    r = c.post(f"/deadlines/documents/{doc.pk}/extensions/sender/",
               {"agreed_with": "某人", "due_date": "2026-03-20", "due_kind": "close"}, follow=True)
    assert "只有市政府办办公室" in r.content.decode()
    # The office must say who agreed, and either a date or "no new date".
    c = login(client, o.director)
    r = c.post(f"/deadlines/documents/{doc.pk}/extensions/sender/", {"agreed_with": "某人"}, follow=True)
    assert "请填写来文单位同意的新时限" in r.content.decode()
    assert (extension_events(doc), Extension.objects.count()) == before


def test_denied_users(client, office, doc, clock, supervisor):
    o = office
    task = task_of(doc, o.head_a)
    # Someone who cannot see the document: 404 on every form, nothing written.
    c = login(client, o.outsider)
    assert c.post(f"/deadlines/documents/{doc.pk}/extensions/request/",
                  {"task": task.pk, "due_date": "2026-03-11", "reason": "忙"}).status_code == 404
    assert c.post(f"/deadlines/documents/{doc.pk}/extensions/sender/",
                  {"agreed_with": "某人", "no_date": "1"}).status_code == 404
    assert c.get("/deadlines/extensions/").status_code == 403
    # A division head has no pending list and cannot decide.
    login(client, o.head_a).post(f"/deadlines/documents/{doc.pk}/extensions/request/",
                                 {"task": task.pk, "due_date": "2026-03-11", "due_kind": "close", "reason": "忙"})
    ext = Extension.objects.get()
    c = login(client, o.head_b)
    assert c.get("/deadlines/extensions/").status_code == 403
    r = c.post(f"/deadlines/extensions/{ext.pk}/decide/", {"decision": "approve"}, follow=True)
    assert "督查员" in r.content.decode()
    assert c.post("/deadlines/extensions/999999/decide/", {"decision": "approve"}).status_code == 404
    c = login(client, o.outsider)
    assert c.post(f"/deadlines/extensions/{ext.pk}/decide/", {"decision": "approve"}).status_code == 404
    # Administrators see no documents.
    c = login(client, o.sysadmin)
    assert c.post(f"/deadlines/extensions/{ext.pk}/decide/", {"decision": "approve"}).status_code == 404
    # Anonymous: to the login page.
    client.logout()
    assert client.get("/deadlines/extensions/").status_code == 302
    # GET on a form answers 405.
    c = login(client, o.director)
    assert c.get(f"/deadlines/extensions/{ext.pk}/decide/").status_code == 405
    assert Extension.objects.get().state == Extension.State.PENDING
    # The supervisor may decide on a document they can see; an off-site "next" is ignored.
    c = login(client, supervisor)
    assert c.post(f"/deadlines/extensions/{ext.pk}/decide/", {"decision": "refuse", "note": "否"}).status_code == 404
    flow.circulate(doc.pk, actor=o.clerk, readers=[supervisor], note="请督查室阅知。")
    assert "延期审批" in c.get("/deadlines/extensions/").content.decode()
    r = c.post(f"/deadlines/extensions/{ext.pk}/decide/",
               {"decision": "refuse", "note": "请按时办结", "next": "https://evil.example/"})
    assert r.status_code == 302 and r["Location"] == f"/documents/{doc.pk}/"
    assert Extension.objects.get().state == Extension.State.REFUSED


def test_holders_table_lateness_on_the_page(client, office, doc, clock):
    o = office
    clock.move_to(at(2026, 3, 11, 10, 0))  # the 承办 task (due Tuesday 09:00) is overdue
    html = page(login(client, o.director), doc)
    assert "在办" in html and "1天·1个工作日1小时" in html
    assert date(2026, 3, 13)  # the document's own due time is still ahead
    assert "未逾期" in html


def test_panel_query_count_does_not_grow_with_history(client, office, doc, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from deadlines.extensions import services as ext_services

    o = office
    c = login(client, o.director)
    url = f"/documents/{doc.pk}/"
    c.get(url)  # the first visit may write (touch)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return len(ctx)

    first = queries()
    task = task_of(doc, o.head_a)
    for i in range(3):
        ext = ext_services.request_extension(task.pk, actor=o.head_a, new_due_at=at(2026, 3, 10, 10 + i, 0),
                                             reason=f"第{i + 1}次")
        ext_services.decide_extension(ext.pk, actor=o.secretary, approve=i != 1, note="意见")
    ext_services.record_sender_agreement(doc.pk, actor=o.clerk, new_due_at=None, agreed_with="刘处长")
    flow.circulate(doc.pk, actor=o.clerk, readers=[o.leader_b, o.principal, o.head_c])
    assert Extension.objects.count() == 4
    assert queries() <= first
