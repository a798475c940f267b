"""The auditor's audit page (安全审计日志): Chinese labels for every action, target and value
(no codes, no dicts), filters, Excel export, 完整性校验 with the checkpoints, and writing and
exporting checkpoints — the security auditor only."""

import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook

from audit import checkpoints as cp
from audit.models import AuditEvent, AuditHead
from flow import services as flow
from incoming.services import IncomingData, register_incoming
from org import services as org
from org.models import Person
from tests.helpers import open_task

pytestmark = pytest.mark.django_db
OTHERS = ("clerk", "sysadmin", "secadmin", "principal")


def text(response) -> str:
    return response.content.decode()


def table(page: str) -> str:
    return page[page.index("<tbody>"):page.index("</tbody>")]


@pytest.fixture
def events(office):
    o = office
    org.create_agency(actor=o.sysadmin, name="示范市水务局", short_name="市水务局", kind="department")
    org.update_agency(actor=o.sysadmin, agency=o.dept, short_name="交通局")
    doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于开展调研的函", doc_type="函", sender_id=o.dept.pk))
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
    return o


def test_the_page_shows_every_event_in_chinese(events, login):
    o = events
    page = text(login(o.auditor).get("/audit/"))
    rows = table(page)
    shown = re.sub(r'value="[^"]*"', "", page)  # the filter's option values are codes, never shown
    for code in ("org.agency.create", "org.agency.update", "documents.register", "flow.send_on"):
        assert code not in shown
    assert "新增机关" in rows and "修改机关" in rows and "收文登记" in rows and "送下一步" in rows
    assert "组织机构与人员" in rows and "公文流转" in rows
    assert "简称：</span>市交通局 → 交通局" in rows
    sent = AuditEvent.objects.get(action="flow.send_on")
    names = "、".join(Person.objects.get(pk=pk).name for pk in sent.new["to"])
    assert f"接收人：</span>{names}" in rows  # ids of people are shown as their names
    assert "机关 #" in rows and "公文 #" in rows
    assert not re.search(r"\{['&]|&#x27;|\[\d", rows), "a raw dict or list on the page"
    assert "Agency" not in rows and "Document" not in rows


def test_filters(events, login):
    c = login(events.auditor)
    assert "新增机关" not in table(text(c.get("/audit/?action=flow")))
    assert "送下一步" in table(text(c.get("/audit/?action=flow")))
    only = table(text(c.get("/audit/?action=org.agency.update")))
    assert "修改机关" in only and "新增机关" not in only
    by_actor = table(text(c.get("/audit/", {"actor": events.secretary.name})))
    assert "送下一步" in by_actor and "新增机关" not in by_actor
    by_type = table(text(c.get("/audit/?target_type=Agency")))
    assert "新增机关" in by_type and "收文登记" not in by_type
    assert "送下一步" in table(text(c.get("/audit/", {"q": "送下一步"})))  # the Chinese label is searched too
    today = timezone.localdate()
    assert "新增机关" in table(text(c.get("/audit/", {"from": today.isoformat(), "to": today.isoformat()})))
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert "没有符合条件的审计事件" in text(c.get("/audit/", {"from": tomorrow}))
    page = text(c.get("/audit/"))
    assert '<optgroup label="公文流转">' in page and "全部“公文流转”操作" in page
    assert '<option value="Agency">机关</option>' in page


def test_pages_are_paginated(events, login):
    for n in range(55):
        org.create_unit(actor=events.sysadmin, agency=events.gov, name=f"第{n + 1}调研组")
    c = login(events.auditor)
    first = text(c.get("/audit/"))
    assert "第 1 / 2 页" in first
    assert "收文登记" in table(text(c.get("/audit/?page=2")))


def test_excel_export_with_the_filter(events, login):
    c = login(events.auditor)
    response = c.get("/audit/export/", {"action": "org"})
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "安全审计日志" and "组织机构与人员" in rows[1][0]
    header = rows[3]
    assert list(header) == ["序号", "时间", "操作人", "操作类别", "操作", "对象", "内容", "客户端地址"]
    data = rows[4:]
    assert sorted(r[4] for r in data) == ["修改机关", "新增机关"]
    update = next(r for r in data if r[4] == "修改机关")
    assert update[2] == events.sysadmin.name and update[5].startswith("机关 #")
    assert update[6] == "简称：市交通局 → 交通局"


def test_verify_on_the_page_names_a_tail_cut(events, login):
    c = login(events.auditor)
    assert "尚无审计检查点" in text(c.post("/audit/verify/", follow=True))
    c.post("/audit/checkpoint/")
    page = text(c.post("/audit/verify/", follow=True))
    assert "审计链完整" in page and "签名有效" in page
    covered = cp.newest_checkpoint().seq  # the checkpoint's own event comes after it
    keep = covered - 2
    kept = AuditEvent.objects.get(seq=keep)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE seq > %s", [keep])  # noqa: S608
        cursor.execute(f"UPDATE {AuditHead._meta.db_table} SET last_seq = %s, last_hash = %s",  # noqa: S608
                       [keep, kept.hash])
    page = text(c.post("/audit/verify/", follow=True))
    assert f"审计日志在第{keep}条之后被截断：检查点记录到第{covered}条" in page


def test_the_auditor_writes_and_exports_checkpoints(events, login):
    c = login(events.auditor)
    page = text(c.get("/audit/"))
    assert "完整性校验" in page and "尚无审计检查点" in page and "至少保存180天" in page
    r = c.post("/audit/checkpoint/", follow=True)
    assert "已写入审计检查点：覆盖到第" in text(r)
    assert AuditEvent.objects.filter(action="audit.checkpoint", actor_id=events.auditor.pk).count() == 1
    assert "最新检查点写于" in text(c.get("/audit/"))
    log = c.get("/audit/checkpoints.log")
    assert log.status_code == 200 and "attachment" in log["Content-Disposition"]
    body = b"".join(log.streaming_content)
    assert body == cp.log_path().read_bytes() and body.count(b"\n") == 1
    key = c.get("/audit/public-key.txt")
    assert key.status_code == 200 and cp.deployment_key().public in text(key)
    assert cp.deployment_key().fingerprint in text(key)


@pytest.mark.parametrize("who", OTHERS)
def test_no_one_else_reads_writes_or_exports(events, login, who):
    c = login(getattr(events, who))
    before = AuditEvent.objects.count()
    for url in ("/audit/", "/audit/export/", "/audit/checkpoints.log", "/audit/public-key.txt"):
        assert c.get(url).status_code == 403, url
    for url in ("/audit/checkpoint/", "/audit/verify/"):
        assert c.post(url).status_code == 403, url
    assert not cp.log_path().exists() and not cp.key_path().exists()
    assert AuditEvent.objects.count() == before
