"""The supervision API (/api/v1/supervision): the ledger, an item, every operation, the
leader's instruction with 督办, the bulletin; refusals (anonymous, wrong person, wrong
agency → 404 as if missing, empty fields) write nothing."""

import io
from datetime import timedelta

import pytest
from django.test import Client
from docx import Document as Docx

from api.tests.helpers import ApiClient
from supervision import bulletin, services
from supervision.models import ProgressReport, SupervisionEvent, SupervisionItem
from supervision.tests.support import snapshot
from tests.helpers import diff, open_task


@pytest.fixture
def api(scene) -> ApiClient:
    client = ApiClient(Client())
    for person in [*scene.o.people(), scene.supervisor]:
        client.token(person)  # issued (and audited) before any snapshot is taken
    return client


def nothing_written(call, status: int, match: str = ""):
    before = snapshot()
    response = call()
    assert response.status_code == status, response.content.decode()
    body = response.json()
    assert match in body["detail"] and any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"])
    assert not diff(before, snapshot()), f"a refusal wrote {diff(before, snapshot())}"
    return body


def test_the_ledger_and_an_item(scene, api):
    o, s = scene.o, scene
    item = s.item()
    s.item(title="老旧小区改造", lead=o.div_b, responsible=o.head_b)
    body = api.get(s.supervisor, "/supervision/items").json()
    assert body["total"] == 2
    assert api.get(s.supervisor, "/supervision/items", {"lead_unit_id": o.div_b.pk}).json()["items"][0]["title"] == \
        "老旧小区改造"
    assert api.get(s.supervisor, "/supervision/items", {"q": "机制", "sort": "due"}).json()["total"] == 1
    assert api.get(s.supervisor, "/supervision/items", {"overdue": True}).json()["total"] == 0
    first = api.get(s.supervisor, "/supervision/items", {"sort": "-created"}).json()["items"][0]
    assert first["number"] == "督〔2026〕1号" and first["assist_units"] == [{"id": o.div_b.pk, "name": "综合二处"}]
    detail = api.get(o.handler_a, f"/supervision/items/{item.pk}").json()
    assert detail["instruction_count"] == 1 and detail["instructions"][0]["leader"]["name"] == "陈市长"
    assert detail["events"][0]["kind"] == "open" and detail["next_report_due"]
    assert "办结报告" in detail["close_blocker"]
    # Another agency, a person not party to it, and an administrator: 404, the same as a missing item.
    for who in (o.outsider, o.head_c, o.sysadmin):
        response = api.get(who, f"/supervision/items/{item.pk}")
        assert response.status_code == 404
        assert response.json()["detail"] == api.get(who, "/supervision/items/999999").json()["detail"]
    assert api.get(o.outsider, "/supervision/items").json()["total"] == 0
    assert api.get(None, "/supervision/items").status_code == 401


def test_opening_through_the_api(scene, api):
    o, s = scene.o, scene
    payload = {"title": "研究两项服务机制", "instruction": "请综合一处牵头研究。", "instructed_by_id": o.principal.pk,
               "lead_unit_id": o.div_a.pk, "assist_unit_ids": [o.div_b.pk], "due_on": "2026-04-30",
               "report_required": "每两周报进展。"}
    nothing_written(lambda: api.post(o.handler_a, "/supervision/items", payload), 403, "领导、督查员或办公室主任")
    nothing_written(lambda: api.post(o.outsider, "/supervision/items", payload), 403)
    nothing_written(lambda: api.post(s.supervisor, "/supervision/items", {**payload, "title": " "}), 400, "督办事项名称")
    nothing_written(lambda: api.post(s.supervisor, "/supervision/items", {**payload, "due_on": None}), 400, "办理时限")
    nothing_written(lambda: api.post(s.supervisor, "/supervision/items", {**payload, "lead_unit_id": 999999}), 400,
                    "牵头单位")
    nothing_written(lambda: api.post(s.supervisor, "/supervision/items", {"title": "x"}), 422, "缺少必填项")
    doc = s.document()
    nothing_written(lambda: api.post(s.supervisor, "/supervision/items", {**payload, "document_id": doc.pk}), 404)
    body = api.post(s.supervisor, "/supervision/items", payload).json()
    assert body["responsible"]["name"] == "郑处长" and body["due_at"] == "2026-04-30T10:00:00Z"  # 18:00 in Shanghai
    body = api.post(o.director, "/supervision/items", {**payload, "document_id": doc.pk}).json()
    assert body["document_id"] == doc.pk


def test_the_item_operations_through_the_api(scene, api):
    o, s = scene.o, scene
    item = s.item()
    base = f"/supervision/items/{item.pk}"
    # 催办
    nothing_written(lambda: api.post(o.handler_a, f"{base}/chase", {"message": "请抓紧。"}), 403, "催办")
    nothing_written(lambda: api.post(o.outsider, f"{base}/chase", {"message": "请抓紧。"}), 404)
    nothing_written(lambda: api.post(s.supervisor, f"{base}/chase", {"message": ""}), 400, "催办内容")
    event = api.post(s.supervisor, f"{base}/chase", {"message": "请于周五前报送进展。"}).json()
    assert event["kind"] == "chase" and event["recipients"] == ["孙科员", "郑处长"]
    # Repeated instruction
    nothing_written(lambda: api.post(s.supervisor, f"{base}/instructions", {"leader_id": o.head_a.pk, "text": "请抓紧"}),
                    400, "不是")
    body = api.post(s.supervisor, f"{base}/instructions", {"leader_id": o.leader_a.pk, "text": "请加快进度。"}).json()
    assert body["instruction_count"] == 2
    # Reports
    nothing_written(lambda: api.post(o.handler_b, f"{base}/reports", {"text": "协办意见"}), 403, "牵头单位")
    nothing_written(lambda: api.post(o.handler_a, f"{base}/reports", {"text": ""}), 400, "进展情况")
    progress = api.post(o.handler_a, f"{base}/reports", {"text": "已召开专题会。"}).json()
    assert progress["kind"] == "progress" and not progress["is_late"]
    nothing_written(lambda: api.post(s.supervisor, f"{base}/close", {}), 400, "尚未收到牵头单位综合一处的办结报告")
    final = api.post(o.head_a, f"{base}/reports", {"text": "已完成。", "final": True}).json()
    assert final["review"] == "pending"
    # Review
    nothing_written(lambda: api.post(o.principal, f"{base}/reports/{final['id']}/accept", {}), 403, "督查室")
    nothing_written(lambda: api.post(s.supervisor, f"{base}/reports/{final['id']}/return", {"note": ""}), 400,
                    "退回理由")
    nothing_written(lambda: api.post(s.supervisor, f"{base}/reports/{progress['id']}/accept", {}), 404, "办结报告")
    body = api.post(s.supervisor, f"{base}/reports/{final['id']}/return", {"note": "请补充数据。"}).json()
    assert body["state"] == "open"
    again = api.post(o.head_a, f"{base}/reports", {"text": "已补充。", "final": True}).json()
    body = api.post(s.supervisor, f"{base}/reports/{again['id']}/accept", {"note": "同意。"}).json()
    assert body["state"] == "reported" and body["close_blocker"] is None
    body = api.post(s.supervisor, f"{base}/close", {"note": "销号。"}).json()
    assert body["state"] == "closed" and body["closed_at"]
    nothing_written(lambda: api.post(s.supervisor, f"{base}/close", {}), 409, "已办结销号")
    assert list(SupervisionEvent.objects.filter(item=item).values_list("kind", flat=True)) == [
        "open", "chase", "attach", "report", "final", "return", "final", "accept", "close"]
    assert ProgressReport.objects.filter(item=item).count() == 3


def test_the_leader_instructs_and_supervises_through_the_api(scene, api):
    o, s = scene.o, scene
    doc = s.at_instruct()
    task = open_task(doc, o.principal)
    url = f"/supervision/instruct/{task.pk}"
    nothing_written(lambda: api.post(o.principal, url, {"opinion": "请研究。", "supervise": {"due_on": "2026-04-30"}}),
                    400, "牵头单位")
    nothing_written(lambda: api.post(o.leader_b, url, {"opinion": "请研究。", "supervise": {}}), 404)
    body = api.post(o.principal, url, {"opinion": "请综合一处牵头研究。",
                                       "supervise": {"lead_unit_id": o.div_a.pk, "due_on": "2026-04-30"}}).json()
    assert body["document_id"] == doc.pk and body["stage"] == "分办"
    assert body["item"]["instruction_count"] == 1 and body["item"]["document_id"] == doc.pk
    assert SupervisionItem.objects.get().instructions.get().opinion.task_id == task.pk


def test_the_bulletin_through_the_api(scene, api, monday):
    o, s = scene.o, scene
    item = s.item(due=s.due(2))
    monday.move_to(item.due_at + timedelta(hours=20))
    body = api.get(s.supervisor, "/supervision/bulletin", {"year": 2026, "month": 3}).json()
    assert [r["item_id"] for r in body["overdue"]] == [item.pk] and body["rates"][0]["unit"]["name"] == "综合一处"
    assert api.get(o.handler_a, "/supervision/bulletin", {"year": 2026, "month": 3}).status_code == 403
    assert api.get(s.supervisor, "/supervision/bulletin", {"year": 2026, "month": 13}).status_code == 422
    response = api.get(s.supervisor, "/supervision/bulletin/download", {"year": 2026, "month": 3})
    assert response.status_code == 200 and response["Content-Type"].endswith("wordprocessingml.document")
    assert item.title in "\n".join(c.text for t in Docx(io.BytesIO(response.content)).tables for r in t.rows
                                   for c in r.cells)
    assert api.get(o.handler_a, "/supervision/bulletin/download", {"year": 2026, "month": 3}).status_code == 403
    if bulletin.soffice() is not None:
        pdf = api.get(s.supervisor, "/supervision/bulletin/download", {"year": 2026, "month": 3, "format": "pdf"})
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_instruct_and_supervise_refuses_an_unknown_task(scene, api):
    nothing_written(lambda: api.post(scene.o.principal, "/supervision/instruct/999999",
                                     {"opinion": "x", "supervise": {}}), 404)
    assert services.DEFAULT_INTERVAL == 10
