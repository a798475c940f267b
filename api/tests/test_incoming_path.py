"""One document through the whole incoming path using only the API, as a client would:
read the document page to learn the task and the operations, then act."""

from documents.models import Status
from flow.models import HistoryEvent

from .helpers import has_chinese

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def my_task(api, person, document_id: int) -> dict:
    """The caller's open task on the document and what they may do with it."""
    page = api.get(person, f"/documents/{document_id}")
    assert page.status_code == 200, page.content
    available = page.json()["available"]
    assert available["task_id"], f"{person.name} holds nothing on the document: {page.json()['holders']}"
    return available


def act(api, person, document_id, operation, body=None, expect=200):
    """Press the button: find the endpoint among the document page's actions."""
    available = my_task(api, person, document_id)
    paths = [a["path"] for a in available["actions"] if a["path"].endswith("/" + operation)]
    assert paths, (operation, available["actions"])
    response = api.post(person, paths[0], body or {})
    assert response.status_code == expect, response.content
    return response.json()


def test_register_to_complete_through_the_api(api, office):
    o = office
    created = api.post(o.clerk, "/documents", {
        "title": "关于报送道路安全整治情况的通知", "doc_type": "通知", "sender_id": o.province.pk,
        "doc_number": "示省政办〔2026〕12号", "slip_kind": "relay", "urgency": "加急",
        "sender_deadline": "2099-03-08T12:00:00+08:00", "sender_deadline_text": "3月8日上午下班前"})
    assert created.status_code == 201, created.content
    doc = created.json()
    doc_id = doc["id"]
    assert doc["registry_number"].endswith("1号") and doc["registered_by"]["id"] == o.clerk.pk

    upload = api.upload(o.clerk, f"/documents/{doc_id}/files", {"file": _file("来文.pdf", PDF), "role": "body"})
    assert upload.status_code == 201, upload.content
    version = upload.json()["version"]
    download = api.get(o.clerk, f"/documents/{doc_id}/files/{version['id']}")
    assert download.status_code == 200 and download.content == PDF
    assert download["Content-Type"] == "application/pdf" and download["X-Content-SHA256"] == version["sha256"]

    act(api, o.secretary, doc_id, "send_on", {"opinion": "属我办职责，按程序办理。"})
    refused = act(api, o.director, doc_id, "send_on", {"opinion": ""}, expect=400)
    assert "拟办意见" in refused["detail"]
    act(api, o.director, doc_id, "send_on", {
        "opinion": "拟请周副市长阅示，请综合一处牵头办理。", "next_assignee_ids": [o.leader_a.pk, o.principal.pk],
        "next_mode": "sequential", "needs_leader_approval": True})
    # The office sends a copy round while the leaders instruct.
    circulated = api.post(o.clerk, f"/documents/{doc_id}/circulate", {"reader_ids": [o.leader_b.pk], "note": "请阅。"})
    assert circulated.status_code == 200, circulated.content
    toread = api.get(o.leader_b, "/tasks/toread").json()
    assert toread["total"] == 1 and toread["items"][0]["document"]["id"] == doc_id
    act(api, o.leader_b, doc_id, "read_back", {"opinion": "已阅。"})

    assert api.get(o.principal, f"/documents/{doc_id}").status_code == 404  # not his turn yet: not his to see
    act(api, o.leader_a, doc_id, "send_on", {"opinion": "请综合一处抓紧办理。"})
    act(api, o.principal, doc_id, "send_on", {"opinion": "同意。"})
    gate = act(api, o.secretary, doc_id, "send_on", {"opinion": ""}, expect=400)
    assert "主办单位" in gate["detail"] and gate["code"].startswith("gate:")
    act(api, o.secretary, doc_id, "send_on", {"lead_unit_id": o.div_a.pk, "assist_unit_ids": [o.div_b.pk]})

    inbox = api.get(o.head_a, "/tasks/inbox").json()
    assert [t["document"]["id"] for t in inbox["items"]] == [doc_id]
    act(api, o.head_a, doc_id, "assign", {"handler_id": o.handler_a.pk, "note": "请孙科员办理。"})
    early = act(api, o.handler_a, doc_id, "send_on", {"opinion": "已拟好答复稿。"}, expect=400)
    assert "协办单位尚未反馈" in early["detail"]
    assist = my_task(api, o.head_b, doc_id)
    assert assist["operations"][0] == "feedback"
    response = api.post(o.head_b, f"/tasks/{assist['task_id']}/send_on", {"opinion": "我处无意见。"})
    assert response.status_code == 200, response.content
    # C01, incoming half: no 办结 before the leader approved the reply.
    before = HistoryEvent.objects.count()
    blocked = act(api, o.handler_a, doc_id, "complete", {"opinion": "已办理完毕。"}, expect=400)
    assert "周副市长" in blocked["detail"] and HistoryEvent.objects.count() == before
    act(api, o.handler_a, doc_id, "send_on", {"opinion": "已拟好答复稿，请审定。"})
    act(api, o.leader_a, doc_id, "send_on", {"opinion": "同意答复。"})
    act(api, o.handler_a, doc_id, "send_on", {"reply_text": "已以示府办函〔2026〕3号答复省政府办公厅。"})
    done = act(api, o.clerk, doc_id, "complete", {"opinion": "办结。"})
    assert done["document_status"] == Status.COMPLETED

    page = api.get(o.clerk, f"/documents/{doc_id}").json()
    assert page["document"]["status"] == "completed" and page["holders"] == []
    assert page["document"]["lead_unit"]["id"] == o.div_a.pk
    slip = {s["title"]: [op["text"] for op in s["opinions"]] for s in page["slip"]}
    assert slip["领导批示"] == ["请综合一处抓紧办理。", "同意。"] and slip["传阅意见"] == ["已阅。"]
    history = api.get(o.clerk, f"/documents/{doc_id}/history").json()
    actions = [e["action"] for e in history]
    assert actions[:3] == ["sign_for", "register", "start"] and actions[-1] == "complete"
    assert "file" in actions and "circulate_back" in actions
    assert api.get(o.clerk, "/tasks/done").json()["total"] >= 2
    listed = api.get(o.clerk, "/documents", {"status": "completed", "q": "道路安全"}).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == doc_id


def test_direct_submission_lands_in_the_office_and_is_registered_at_the_node(api, office):
    o = office
    submitted = api.post(o.handler_b, "/documents/direct", {
        "title": "关于申请追加道路养护经费的请示", "doc_type": "请示", "leader_id": o.leader_a.pk})
    assert submitted.status_code == 201, submitted.content
    doc = submitted.json()
    assert doc["is_direct_submission"] and doc["addressed_to"]["id"] == o.leader_a.pk
    assert doc["registry_number"] == ""
    assert api.get(o.leader_a, "/tasks/inbox").json()["total"] == 0  # never on the leader's desk (C04)
    act(api, o.clerk, doc["id"], "send_on", {"opinion": "已签收。"})
    bad = act(api, o.clerk, doc["id"], "register", {"data": {"title": "关于申请追加道路养护经费的请示",
                                                              "doc_type": "请示", "sender_name": "综合二处",
                                                              "doc_number": "示交〔26〕1号"}}, expect=400)
    assert "四位" in bad["detail"]
    registered = act(api, o.clerk, doc["id"], "register", {"opinion": "登记。"})
    assert registered["stage"] == "初审"
    page = api.get(o.clerk, f"/documents/{doc['id']}").json()
    assert page["document"]["registry_number"].endswith("号")


def test_return_recall_transfer_add_signer_and_reject(api, office):
    o = office
    doc_id = api.post(o.clerk, "/documents", {"title": "关于开展安全检查的通知", "doc_type": "通知",
                                              "sender_id": o.dept.pk}).json()["id"]
    act(api, o.secretary, doc_id, "send_on", {"opinion": "请拟办。"})
    recallable = api.get(o.secretary, f"/documents/{doc_id}").json()["available"]["recallable_task_ids"]
    assert len(recallable) == 1
    recalled = api.post(o.secretary, f"/tasks/{recallable[0]}/recall")
    assert recalled.status_code == 200, recalled.content
    act(api, o.secretary, doc_id, "add_signer", {"person_ids": [o.director.pk], "note": "请主任把关。"})
    added = api.get(o.director, "/tasks/inbox").json()["items"][0]
    assert added["role"] == "added"
    assert api.post(o.director, f"/tasks/{added['id']}/send_on", {"opinion": "可。"}).status_code == 200
    act(api, o.secretary, doc_id, "send_on", {"opinion": "请拟办。"})
    target = my_task(api, o.director, doc_id)["return_targets"][0]
    assert target["node_name"] == "初审"
    no_reason = act(api, o.director, doc_id, "return", {"to_activation_id": target["activation_id"], "reason": "",
                                                        "error_category": "格式"}, expect=400)
    assert "理由" in no_reason["detail"]
    act(api, o.director, doc_id, "return", {"to_activation_id": target["activation_id"], "reason": "要素不全。",
                                            "error_category": "格式"})
    act(api, o.secretary, doc_id, "transfer", {"to_person_id": o.clerk.pk, "reason": "请文书补登。"})
    assert my_task(api, o.clerk, doc_id)["node"]["name"] == "初审"
    rejected = api.post(o.clerk, f"/documents/{doc_id}/reject", {"reason": "非我办职责。", "error_category": "程序"})
    assert rejected.status_code == 200, rejected.content
    assert rejected.json()["document_status"] == "returned" and rejected.json()["return_record"]["reason"] == "非我办职责。"
    again = api.post(o.clerk, f"/documents/{doc_id}/reject", {"reason": "再退。", "error_category": "程序"})
    assert again.status_code == 400 and has_chinese(again.json()["detail"])


def test_countersign_disagreement_and_resolution(api, office):
    o = office
    doc_id = _at_handle(api, o)
    act(api, o.head_a, doc_id, "countersign_request", {"unit_ids": [o.div_c.pk], "note": "请会签。"})
    act(api, o.head_c, doc_id, "countersign", {"decision": "disagree", "opinion": "时限过紧，建议延后一周。"})
    assert "resolve" in my_task(api, o.head_a, doc_id)["operations"]
    act(api, o.head_a, doc_id, "resolve", {"resolution": "已与督查室协商，时限延后三天。"})
    page = api.get(o.head_a, f"/documents/{doc_id}").json()
    texts = [op["text"] for s in page["slip"] for op in s["opinions"]]
    assert any(t.startswith("会签分歧处理") for t in texts)


def _at_handle(api, o) -> int:
    doc_id = api.post(o.clerk, "/documents", {"title": "关于做好防汛工作的通知", "doc_type": "通知",
                                              "sender_id": o.dept.pk}).json()["id"]
    act(api, o.secretary, doc_id, "send_on", {"opinion": "请拟办。"})
    act(api, o.director, doc_id, "send_on", {"opinion": "拟请周副市长阅示。", "next_assignee_ids": [o.leader_a.pk]})
    act(api, o.leader_a, doc_id, "send_on", {"opinion": "请综合一处办理。"})
    act(api, o.secretary, doc_id, "send_on", {"lead_unit_id": o.div_a.pk})
    return doc_id


def _file(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")
