"""工作台, 我登记的, 登记簿, 退文 per sender, 常用语 and the audit log through the API."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from flow import services as flow
from flow.models import PhraseBook
from incoming.services import IncomingData, register_incoming, submit_direct

from .helpers import open_task


@time_machine.travel(datetime(2026, 3, 8, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
def test_dashboard_counts_and_lists(api, office):
    o = office
    soon = timezone.now() + timedelta(hours=3)  # 3月8日上午下班前
    doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于紧急报送汛情的通知", doc_type="通知", sender_id=o.province.pk, urgency="特急",
        sender_deadline=soon))
    register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于开展调研的函", doc_type="函", sender_id=o.dept.pk))
    flow.circulate(doc.pk, actor=o.clerk, readers=[o.secretary])
    board = api.get(o.secretary, "/dashboard").json()
    assert (board["inbox"], board["toread"]) == (2, 1)
    assert (board["due_today"], board["overdue"]) == (1, 0)
    assert [t["document"]["id"] for t in board["latest_toread"]] == [doc.pk]
    assert api.get(None, "/dashboard").status_code == 401
    with time_machine.travel(soon + timedelta(minutes=1), tick=False):
        assert api.get(o.secretary, "/dashboard").json()["overdue"] == 1

    mine = api.get(o.clerk, "/registered").json()
    assert mine["total"] == 2 and api.get(o.secretary, "/registered").json()["total"] == 0
    ledger = api.get(o.clerk, "/registry", {"urgency": "特急"}).json()
    assert [d["id"] for d in ledger["items"]] == [doc.pk]
    assert api.get(o.outsider, "/registry").json()["total"] == 0


def test_returns_per_sender(api, office):
    o = office
    doc = submit_direct(actor=o.dept_head, agency=o.gov, leader=o.leader_a, data=IncomingData(
        title="关于请求支持项目的请示", doc_type="请示"))
    flow.reject(doc.pk, actor=o.clerk, reason="请按程序报送办公室。", kind="直送件")
    body = api.get(o.clerk, "/returns").json()
    assert body["returns"] == [{"sender_name": o.dept.name, "kind": "直送件", "n": 1}]
    assert body["direct"] == [{"sender_name": o.dept.name, "n": 1}]
    assert api.get(o.outsider, "/returns").json() == {"returns": [], "direct": []}


def test_phrases(api, office):
    PhraseBook.objects.create(person=None, text="阅。", sort_order=1)
    PhraseBook.objects.create(person=office.leader_a, text="请综合一处研办。")
    PhraseBook.objects.create(person=office.leader_b, text="别人的常用语")
    assert api.get(office.leader_a, "/phrases").json() == ["阅。", "请综合一处研办。"]


def test_audit_log_for_the_auditor(api, office):
    o = office
    doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于开展调研的函", doc_type="函", sender_id=o.dept.pk))
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
    listed = api.get(o.auditor, "/audit/events", {"q": "flow.send_on"}).json()
    assert listed["total"] == 1 and listed["items"][0]["actor_name"] == o.secretary.name
    assert api.get(o.auditor, "/audit/events").json()["total"] == AuditEvent.objects.count()
    verified = api.post(o.auditor, "/audit/verify").json()
    assert verified["ok"] and verified["count"] == AuditEvent.objects.count()
    refused = api.get(o.sysadmin, "/audit/events")
    assert refused.status_code == 403 and "安全审计员" in refused.json()["detail"]
