"""The audit API for the security auditor: labelled events with the page's filters, 完整性校验
with the checkpoints, writing a checkpoint, exporting the checkpoint file and the public
key — and every other caller refused with nothing written."""

import pytest
from django.db import connection

from api.tests.helpers import changed_tables, has_chinese, snapshot
from audit import checkpoints as cp
from audit.models import AuditEvent, AuditHead
from flow import services as flow
from incoming.services import IncomingData, register_incoming
from org import services as org
from tests.helpers import open_task

OTHERS = ("clerk", "sysadmin", "secadmin", "principal")


@pytest.fixture
def events(office):
    o = office
    org.update_agency(actor=o.sysadmin, agency=o.dept, short_name="交通局")
    doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于开展调研的函", doc_type="函", sender_id=o.dept.pk))
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
    return o


def test_events_carry_chinese_labels_and_filter(api, events):
    o = events
    listed = api.get(o.auditor, "/audit/events", {"action": "org"}).json()
    assert listed["total"] == 1
    item = listed["items"][0]
    assert item["action"] == "org.agency.update" and item["action_label"] == "修改机关"
    assert item["group_label"] == "组织机构与人员" and item["target_type_label"] == "机关"
    assert item["target_label"] == f"机关 #{o.dept.pk}"
    assert item["changes"] == [{"field": "short_name", "label": "简称", "old": "市交通局", "new": "交通局"}]
    sent = api.get(o.auditor, "/audit/events", {"action": "flow.send_on", "actor": o.secretary.name}).json()
    assert sent["total"] == 1 and sent["items"][0]["action_label"] == "送下一步"
    assert api.get(o.auditor, "/audit/events", {"target_type": "Document"}).json()["total"] == \
        AuditEvent.objects.filter(target_type="Document").count() >= 1
    assert api.get(o.auditor, "/audit/events", {"q": "收文登记"}).json()["total"] == 1


def test_verify_reports_the_checkpoints_and_a_tail_cut(api, events):
    o = events
    written = api.post(o.auditor, "/audit/checkpoints")
    assert written.status_code == 201
    body = written.json()
    assert body["seq"] == AuditEvent.objects.exclude(action="audit.checkpoint").count() and body["by"] == o.auditor.name
    assert AuditEvent.objects.filter(action="audit.checkpoint").count() == 1
    verified = api.post(o.auditor, "/audit/verify").json()
    assert verified["ok"] and verified["checkpoints"] == 1 and verified["newest_checkpoint"]["seq"] == body["seq"]
    assert verified["retention_days"] == 180 and verified["problems"] == []
    keep = body["seq"] - 1
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE seq > %s", [keep])  # noqa: S608
        cursor.execute(f"UPDATE {AuditHead._meta.db_table} SET last_seq = %s, last_hash = %s",  # noqa: S608
                       [keep, AuditEvent.objects.get(seq=keep).hash])
    verified = api.post(o.auditor, "/audit/verify").json()
    assert not verified["ok"]
    assert verified["problems"] == [
        f"审计日志在第{keep}条之后被截断：检查点记录到第{body['seq']}条（{cp.newest_checkpoint().at_text}写入），"
        f"第{keep + 1}至{body['seq']}条已不在数据库中。"]


def test_the_auditor_exports_the_checkpoint_file_and_the_public_key(api, events):
    o = events
    assert api.get(o.auditor, "/audit/checkpoints").status_code == 404  # none yet
    api.post(o.auditor, "/audit/checkpoints")
    exported = api.get(o.auditor, "/audit/checkpoints")
    assert exported.status_code == 200
    assert b"".join(exported.streaming_content) == cp.log_path().read_bytes()
    key = api.get(o.auditor, "/audit/public_key").json()
    assert key == {"algorithm": "SM2", "public_key": cp.deployment_key().public,
                   "fingerprint": cp.deployment_key().fingerprint}


@pytest.mark.parametrize("who", OTHERS)
def test_no_one_else_writes_or_exports(api, events, who):
    person = getattr(events, who)
    api.token(person)  # issuing the token writes its own event, before the snapshot
    before = snapshot()
    for method, path in (("post", "/audit/checkpoints"), ("get", "/audit/checkpoints"), ("get", "/audit/public_key"),
                         ("get", "/audit/events"), ("post", "/audit/verify")):
        response = getattr(api, method)(person, path)
        assert response.status_code == 403, (path, response.status_code)
        assert has_chinese(response.json()["detail"])
    assert not changed_tables(before, snapshot())
    assert not cp.log_path().exists() and not cp.key_path().exists()


def test_anonymous_is_refused(api, events):
    for method, path in (("post", "/audit/checkpoints"), ("get", "/audit/checkpoints"), ("get", "/audit/public_key")):
        assert getattr(api, method)(None, path).status_code == 401
    assert not cp.log_path().exists()
