"""会签签发 through the API: the lead office asks, the co-issuing agency's principal leader
lists, signs or declines; everyone else gets 404 and every refusal writes nothing."""

import pytest

from drafting import gates
from drafting.models import JointSignRequest
from tests.helpers import diff, snapshot

from .helpers import has_chinese

pytestmark = pytest.mark.django_db

BLOCKS = [{"level": 0, "text": "为进一步做好道路运输安全工作，现将有关事项通知如下。"},
          {"level": 1, "text": "一、提高认识"}, {"level": 0, "text": "各单位要高度重视。"}]


def refused_api(response, status: int, words: str = ""):
    assert response.status_code == status, response.content
    detail = response.json()["detail"]
    assert has_chinese(detail) and words in detail, detail


def joint_draft(api, o, agencies):
    response = api.post(o.handler_a, "/drafts", {
        "doc_type": "通知", "title": "示范市人民政府办公室 示范市交通运输局关于做好道路运输安全工作的通知",
        "main_to": ["各区人民政府"], "publicity": "主动公开", "joint_agency_ids": [a.pk for a in agencies]})
    assert response.status_code == 201, response.content
    doc_id = response.json()["id"]
    assert api.post(o.handler_a, f"/drafts/{doc_id}/body", {"blocks": BLOCKS}).status_code == 201
    return doc_id


def tokens(api, o):
    for person in o.people():
        api.token(person)


def test_ask_list_sign(api, office):
    o = office
    doc_id = joint_draft(api, o, [o.dept, o.other_gov])
    tokens(api, o)
    before = snapshot()
    refused_api(api.post(o.handler_a, f"/drafts/{doc_id}/joint-signoff-requests", {"agency_id": o.dept.pk}), 403,
                "办公室")
    refused_api(api.post(o.dept_clerk, f"/drafts/{doc_id}/joint-signoff-requests", {"agency_id": o.dept.pk}), 404)
    refused_api(api.post(o.clerk, f"/drafts/{doc_id}/joint-signoff-requests", {"agency_id": o.other_gov.pk}), 400,
                "没有主要领导账号")
    assert diff(before, snapshot()) == []
    asked = api.post(o.clerk, f"/drafts/{doc_id}/joint-signoff-requests", {"agency_id": o.dept.pk, "note": "请签发。"})
    assert asked.status_code == 201, asked.content
    req = asked.json()
    assert req["state"] == "open" and req["agency"]["id"] == o.dept.pk and req["lead_agency"]["id"] == o.gov.pk
    listed = api.get(o.dept_head, "/joint-signoffs")
    assert listed.status_code == 200 and [r["id"] for r in listed.json()] == [req["id"]]
    assert api.get(o.dept_clerk, "/joint-signoffs").json() == []
    # The leader still cannot read the lead agency's draft itself.
    assert api.get(o.dept_head, f"/drafts/{doc_id}").status_code == 404
    before = snapshot()
    refused_api(api.post(o.dept_clerk, f"/joint-signoffs/{req['id']}/sign", {"opinion": "同意。"}), 404)
    refused_api(api.post(o.clerk, f"/joint-signoffs/{req['id']}/sign", {"opinion": "同意。"}), 403, "主要领导本人")
    refused_api(api.post(o.dept_head, f"/joint-signoffs/{req['id']}/decline", {"reason": " "}), 400, "理由")
    refused_api(api.post(o.dept_head, "/joint-signoffs/999999/sign", {"opinion": "同意。"}), 404)
    assert diff(before, snapshot()) == []
    signed = api.post(o.dept_head, f"/joint-signoffs/{req['id']}/sign", {"opinion": "同意联合印发。"})
    assert signed.status_code == 201, signed.content
    assert signed.json()["signer_name"] == "沈局长" and signed.json()["agency"]["id"] == o.dept.pk
    document = JointSignRequest.objects.get(pk=req["id"]).document
    assert not [m for m in gates.missing_signatures(document) if "交通运输局" in m]
    assert "沈局长" in api.get(o.handler_a, f"/drafts/{doc_id}").json()["signer"]


def test_decline(api, office):
    o = office
    doc_id = joint_draft(api, o, [o.dept])
    req = api.post(o.clerk, f"/drafts/{doc_id}/joint-signoff-requests", {"agency_id": o.dept.pk}).json()
    declined = api.post(o.dept_head, f"/joint-signoffs/{req['id']}/decline", {"reason": "须再商。"})
    assert declined.status_code == 200, declined.content
    assert declined.json()["state"] == "declined" and declined.json()["reason"] == "须再商。"
    assert api.get(o.dept_head, "/joint-signoffs").json() == []
