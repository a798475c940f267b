"""The drafting API (/drafts, sign-off, 发文字号): a draft from the form to its number through
the API alone, and the refusals (each proved to write nothing)."""

import pytest
from django.utils import timezone

from documents.models import IssuedNumber, NumberSeries
from drafting.render import BodyParagraph, RenderInput, render_docx
from tests.helpers import diff, snapshot

from .helpers import has_chinese, open_task

pytestmark = pytest.mark.django_db

BLOCKS = [{"level": 0, "text": "为进一步做好道路运输安全工作，现将有关事项通知如下。"},
          {"level": 1, "text": "一、提高认识"}, {"level": 0, "text": "各单位要高度重视。"}]


def form(o, **over):
    data = {"doc_type": "通知", "title": "示范市人民政府办公室关于做好道路运输安全工作的通知",
            "main_to": [o.dept.pk, "各区人民政府"], "copy_to": [], "publicity": "主动公开"}
    data.update(over)
    return data


@pytest.fixture
def series(office):
    return NumberSeries.objects.create(agency=office.gov, code="示府办发", name="府办发文")


def created(api, o, **over):
    response = api.post(o.handler_a, "/drafts", form(o, **over))
    assert response.status_code == 201, response.content
    return response.json()


def tokens(api, o):
    """Issue every token first (issuing one is audited), so snapshots see only the refusal."""
    for person in o.people():
        api.token(person)


def refused_api(response, status: int, words: str = ""):
    assert response.status_code == status, response.content
    detail = response.json()["detail"]
    assert has_chinese(detail) and words in detail, detail


def test_a_draft_from_the_form_to_its_number(api, office, series):
    o = office
    draft = created(api, o, number_series_id=series.pk)
    doc_id = draft["id"]
    assert draft["stage"] == "拟稿" and draft["slip_kind"] == "routine" and draft["doc_number"] == ""
    assert draft["recipients"] == [{"kind": "main", "agency_id": o.dept.pk, "name": o.dept.name},
                                   {"kind": "main", "agency_id": None, "name": "各区人民政府"}]
    assert draft["number_series"]["code"] == "示府办发" and draft["drafted_by"]["id"] == o.handler_a.pk

    # Update the form: a copy recipient added.
    response = api.put(o.handler_a, f"/drafts/{doc_id}", form(o, copy_to=["市公安局"], number_series_id=series.pk))
    assert response.status_code == 200, response.content
    assert {"kind": "copy", "agency_id": None, "name": "市公安局"} in response.json()["recipients"]

    # The body, written in the page, then changed: two versions and their difference.
    first = api.post(o.handler_a, f"/drafts/{doc_id}/body", {"blocks": BLOCKS})
    assert first.status_code == 201, first.content
    second = api.post(o.handler_a, f"/drafts/{doc_id}/body",
                      {"blocks": [*BLOCKS, {"level": 0, "text": "二、加强检查。"}]})
    assert second.status_code == 201
    versions = api.get(o.handler_a, f"/drafts/{doc_id}/versions").json()
    assert [v["number"] for v in versions] == [1, 2]
    compared = api.get(o.head_a, f"/drafts/{doc_id}/diff", {"a": versions[0]["id"], "b": versions[1]["id"]})
    assert compared.status_code == 200, compared.content
    assert compared.json()["changed"] and "二、加强检查。" in compared.json()["html"]
    assert api.get(o.handler_a, f"/drafts/{doc_id}").json()["body_version_id"] == versions[1]["id"]

    # A DOCX upload is a third version.
    docx = render_docx(RenderInput(agency_mark=o.gov.name, title=draft["title"], main_recipients="示范市交通运输局：",
                                   body=[BodyParagraph(b["text"]) for b in BLOCKS], issuing_agency=o.gov.name))
    from django.core.files.uploadedfile import SimpleUploadedFile

    uploaded = api.upload(o.handler_a, f"/drafts/{doc_id}/body/docx",
                          {"file": SimpleUploadedFile("正文.docx", docx)})
    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.json()["number"] == 3

    # Through the routine chain to the sign-off.
    for person, opinion in ((o.handler_a, "请审核。"), (o.head_a, "同意。"), (o.secretary, "已核。"),
                            (o.director, "请签发。")):
        response = api.post(person, f"/tasks/{open_task(doc_id, person).pk}/send_on", {"opinion": opinion})
        assert response.status_code == 200, response.content
    findings = api.get(o.leader_a, f"/drafts/{doc_id}/findings")
    assert findings.status_code == 200
    assert all({"rule", "place", "severity", "message", "fix", "kept"} <= set(f) for f in findings.json())
    sign = open_task(doc_id, o.leader_a)
    signed = api.post(o.leader_a, f"/tasks/{sign.pk}/sign-off", {"opinion": "同意印发。"})
    assert signed.status_code == 200, signed.content
    assert signed.json()["signoff"]["signer_name"] == "周副市长" and signed.json()["signoff"]["valid"]
    page = api.get(o.handler_a, f"/drafts/{doc_id}").json()
    assert page["signer"] == "周副市长" and page["issued_on"] == timezone.localdate().isoformat()

    response = api.post(o.secretary, f"/tasks/{open_task(doc_id, o.secretary).pk}/send_on", {"opinion": "已复核。"})
    assert response.status_code == 200, response.content
    numbered = api.post(o.clerk, f"/tasks/{open_task(doc_id, o.clerk).pk}/number", {})
    assert numbered.status_code == 200, numbered.content
    year = timezone.localdate().year
    assert numbered.json()["number"] == f"示府办发〔{year}〕1号" and not numbered.json()["is_void"]
    assert api.get(o.handler_a, f"/drafts/{doc_id}").json()["doc_number"] == f"示府办发〔{year}〕1号"

    # Voided with a reason; the ledger keeps it.
    voided = api.post(o.clerk, f"/numbers/{numbered.json()['id']}/void", {"reason": "代字选错。"})
    assert voided.status_code == 200, voided.content
    assert voided.json()["is_void"] and voided.json()["void_reason"] == "代字选错。"
    again = api.post(o.clerk, f"/tasks/{open_task(doc_id, o.clerk).pk}/number", {"series_id": series.pk})
    assert again.json()["seq"] == 2
    ledger = api.get(o.clerk, "/numbers", {"series_id": series.pk, "year": year}).json()
    assert ledger["total"] == 2 and [(n["seq"], n["is_void"]) for n in ledger["items"]] == [(2, False), (1, True)]
    assert api.get(o.clerk, "/numbers", {"voided": True}).json()["total"] == 1
    assert api.get(o.clerk, "/numbers", {"year": year - 1}).json()["total"] == 0
    assert [s["code"] for s in api.get(o.clerk, "/number-series").json()] == ["示府办发"]


def test_refusals_write_nothing(api, office, series):
    o = office
    tokens(api, o)
    before = snapshot()
    refused_api(api.post(o.handler_a, "/drafts", form(o, title=" ")), 400, "请填写标题")
    refused_api(api.post(o.handler_a, "/drafts", form(o, main_to=[])), 400, "主送机关")
    refused_api(api.post(o.sysadmin, "/drafts", form(o)), 403, "管理员")
    assert api.post(o.handler_a, "/drafts", form(o, copies=0)).status_code == 422
    assert diff(before, snapshot()) == []

    doc_id = created(api, o)["id"]
    before = snapshot()
    # Someone who cannot see the draft: 404, as if it did not exist.
    for response in (api.get(o.outsider, f"/drafts/{doc_id}"), api.put(o.outsider, f"/drafts/{doc_id}", form(o)),
                     api.get(o.outsider, f"/drafts/{doc_id}/findings"),
                     api.post(o.outsider, f"/drafts/{doc_id}/body", {"blocks": BLOCKS}),
                     api.get(o.outsider, f"/drafts/{doc_id}/versions"),
                     api.post(o.outsider, f"/tasks/{open_task(doc_id, o.handler_a).pk}/sign-off", {"opinion": "同意。"}),
                     api.get(o.handler_a, "/drafts/999999")):
        refused_api(response, 404)
    # Someone who sees it but does not hold it.
    refused_api(api.post(o.director, f"/drafts/{doc_id}/body", {"blocks": BLOCKS}), 403)
    refused_api(api.post(o.head_b, f"/drafts/{doc_id}/body", {"blocks": BLOCKS}), 404)
    refused_api(api.put(o.clerk, f"/drafts/{doc_id}", form(o)), 403)
    refused_api(api.post(o.handler_a, f"/drafts/{doc_id}/body", {"blocks": []}), 400, "正文不能为空")
    refused_api(api.post(o.handler_a, f"/drafts/{doc_id}/findings/keep",
                         {"rule": "x", "place": "y", "reason": "z"}), 403, "审核")
    task = open_task(doc_id, o.handler_a)
    refused_api(api.post(o.handler_a, f"/tasks/{task.pk}/sign-off", {"opinion": "同意。"}), 400, "不是签发")
    refused_api(api.post(o.handler_a, f"/tasks/{task.pk}/number", {"series_id": series.pk}), 400, "编号")
    refused_api(api.post(o.clerk, f"/drafts/{doc_id}/joint-signoffs", {
        "agency_id": o.other_gov.pk, "signer_name": "钱局长", "signed_on": timezone.localdate().isoformat()}),
        400, "不是本件的联合发文机关")
    refused_api(api.post(o.handler_a, f"/tasks/{task.pk}/send_on", {"opinion": "请审核。"}), 400, "尚无正文")
    refused_api(api.get(o.handler_a, f"/drafts/{doc_id}/diff", {"a": 1, "b": 2}), 404)
    refused_api(api.post(o.clerk, "/numbers/999999/void", {"reason": "错。"}), 404)
    assert diff(before, snapshot()) == []


def test_joint_signoff_and_keeping_a_finding(api, office):
    o = office
    doc_id = created(api, o, joint_agency_ids=[o.other_gov.pk])["id"]
    assert api.get(o.handler_a, f"/drafts/{doc_id}").json()["joint_agencies"] == [
        {"id": o.other_gov.pk, "name": o.other_gov.name}]
    api.post(o.handler_a, f"/drafts/{doc_id}/body", {"blocks": [*BLOCKS, {"level": 0, "text": "联系人：XXX。"}]})
    signed_on = timezone.localdate().isoformat()
    refused_api(api.post(o.handler_a, f"/drafts/{doc_id}/joint-signoffs", {
        "agency_id": o.other_gov.pk, "signer_name": "钱局长", "signed_on": signed_on}), 403, "办公室")
    response = api.post(o.clerk, f"/drafts/{doc_id}/joint-signoffs", {
        "agency_id": o.other_gov.pk, "signer_name": "钱局长", "signed_on": signed_on, "opinion": "同意联合印发。"})
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "joint" and response.json()["agency"]["id"] == o.other_gov.pk
    assert "钱局长" in api.get(o.handler_a, f"/drafts/{doc_id}").json()["signer"]

    api.post(o.handler_a, f"/tasks/{open_task(doc_id, o.handler_a).pk}/send_on", {"opinion": "请审核。"})
    musts = [f for f in api.get(o.head_a, f"/drafts/{doc_id}/findings").json() if f["severity"] == "must"]
    assert musts and not any(f["kept"] for f in musts)
    refused_api(api.post(o.head_a, f"/drafts/{doc_id}/findings/keep",
                         {"rule": musts[0]["rule"], "place": musts[0]["place"], "reason": " "}), 400, "理由")
    kept = api.post(o.head_a, f"/drafts/{doc_id}/findings/keep",
                    {"rule": musts[0]["rule"], "place": musts[0]["place"], "reason": "联系人印发前补填。"})
    assert kept.status_code == 201, kept.content
    after = api.get(o.head_a, f"/drafts/{doc_id}/findings").json()
    mine = next(f for f in after if (f["rule"], f["place"]) == (musts[0]["rule"], musts[0]["place"]))
    assert mine["kept"] and mine["kept_reason"] == "联系人印发前补填。"


def to_number(o, document_id: int):
    """Through the services: body, the routine chain, sign-off, 复核 — to the 编号 node."""
    from documents.models import Document
    from drafting import body
    from drafting import services as drafting
    from flow import services as flow

    body.save_structured(actor=o.handler_a, document=Document.objects.get(pk=document_id), blocks=BLOCKS)
    for person, opinion in ((o.handler_a, "请审核。"), (o.head_a, "同意。"), (o.secretary, "已核。"),
                            (o.director, "请签发。")):
        flow.send_on(open_task(document_id, person).pk, actor=person, opinion=opinion)
    drafting.sign_off(open_task(document_id, o.leader_a).pk, actor=o.leader_a, opinion="同意印发。")
    flow.send_on(open_task(document_id, o.secretary).pk, actor=o.secretary, opinion="已复核。")
    return open_task(document_id, o.clerk)


def test_void_refused_without_a_reason_and_ledger_hides_invisible_numbers(api, office, series):
    from drafting import services as drafting

    o = office
    doc_id = created(api, o)["id"]
    task = to_number(o, doc_id)
    issued = drafting.number(task.pk, actor=o.clerk, series_id=series.pk)
    tokens(api, o)
    before = snapshot()
    refused_api(api.post(o.clerk, f"/numbers/{issued.pk}/void", {"reason": " "}), 400, "作废理由")
    refused_api(api.post(o.outsider, f"/numbers/{issued.pk}/void", {"reason": "错。"}), 404)
    refused_api(api.post(o.handler_a, f"/numbers/{issued.pk}/void", {"reason": "错。"}), 403, "办公室")
    refused_api(api.post(o.clerk, f"/tasks/{task.pk}/number", {"series_id": series.pk}), 400, "已编号")
    assert diff(before, snapshot()) == []
    assert api.get(o.outsider, "/numbers").json()["total"] == 0
    assert api.get(o.outsider, "/number-series").json() == []
    assert IssuedNumber.objects.get(pk=issued.pk).voided_at is None
