"""Refusals as JSON: domain errors keep their status and Chinese message; malformed
requests are 422 with a Chinese sentence naming the field."""

from flow import services as flow
from incoming.services import IncomingData, register_incoming

from .helpers import changed_tables, has_chinese, open_task, snapshot


def _doc(o):
    return register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于开展安全检查的通知", doc_type="通知", sender_id=o.dept.pk))


def test_validation_errors_are_422_in_chinese(api, office):
    api.token(office.clerk)
    before = snapshot()
    missing = api.post(office.clerk, "/documents", {"doc_type": "通知", "pages": "三页"})
    assert missing.status_code == 422
    body = missing.json()
    assert body["code"] == "invalid" and "标题缺少必填项" in body["detail"] and "页数格式不正确" in body["detail"]
    assert {e["loc"][-1] for e in body["errors"]} == {"title", "pages"}
    assert not changed_tables(before, snapshot())
    bad_json = api.client.post("/api/v1/documents", data="{", content_type="application/json",
                               headers={"Authorization": f"Bearer {api.token(office.clerk)}"})
    assert bad_json.status_code == 400 and "JSON" in bad_json.json()["detail"]
    bad_path = api.get(office.clerk, "/documents/abc")
    assert bad_path.status_code == 422 and "公文编号格式不正确，应为整数" in bad_path.json()["detail"]
    listed = api.post(office.clerk, "/documents/1/circulate", {"reader_ids": ["甲"]})
    assert listed.status_code == 422 and "传阅人（第 1 项）" in listed.json()["detail"]


def test_domain_errors_keep_status_message_and_code(api, office):
    o = office
    # 400: a rule of the office (文号 form), naming what to fix.
    bad = api.post(o.clerk, "/documents", {"title": "关于X的函", "doc_type": "函", "sender_name": "某局",
                                           "doc_number": "某局〔2026〕第3号"})
    assert bad.status_code == 400 and "第" in bad.json()["detail"] and bad.json()["code"] == "refused"
    # 400 with its own code: 越级件 (C05).
    skip = api.post(o.clerk, "/documents", {"title": "关于Y的请示", "doc_type": "请示", "sender_id": o.bureau.pk})
    assert skip.status_code == 400 and skip.json()["code"] == "skip_level" and "越级件" in skip.json()["detail"]
    # 403: visible, but not theirs.
    doc = _doc(o)
    task = open_task(doc, o.secretary)
    forbidden = api.post(o.director, f"/tasks/{task.pk}/send_on", {"opinion": "x"})
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
    # 409: somebody acted first.
    flow.send_on(task.pk, actor=o.secretary, opinion="请拟办。")
    late = api.post(o.secretary, f"/tasks/{task.pk}/send_on", {"opinion": "请拟办。"})
    assert late.status_code == 409 and late.json()["code"] == "conflict" and has_chinese(late.json()["detail"])
    # 404 for an unknown reference inside the body is a 400 naming it, not a leak of the task.
    unknown = api.post(o.director, f"/tasks/{open_task(doc, o.director).pk}/transfer", {"to_person_id": 99999})
    assert unknown.status_code == 400 and "99999" in unknown.json()["detail"]


def test_responses_are_utf8_json(api, office):
    response = api.get(None, "/me")
    assert "请先登录".encode() in response.content


def test_control_characters_are_refused_before_the_database(api, office):
    # PostgreSQL cannot store NUL: without this the request would fail inside the database.
    api.token(office.clerk)
    before = snapshot()
    body = api.post(office.clerk, "/documents", {"title": "关于\x00的通知", "doc_type": "通知", "sender_name": "某局"})
    assert body.status_code == 422 and "控制字符" in body.json()["detail"] and "标题" in body.json()["detail"]
    query = api.get(office.clerk, "/documents", {"q": "a\x00b"})
    assert query.status_code == 422
    people = api.get(office.clerk, "/org/people", {"q": "\x07"})
    assert people.status_code == 422
    assert not changed_tables(before, snapshot())
    multiline = api.post(office.clerk, "/documents", {"title": "关于开展检查的通知", "doc_type": "通知",
                                                      "sender_name": "某局", "remarks": "第一行\n第二行\t附注"})
    assert multiline.status_code == 201, multiline.content
