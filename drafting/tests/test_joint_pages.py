"""会签签发 pages: the co-issuing agency's principal leader sees only what they are asked
to sign (/joint-signoffs/), signs or declines there; the lead office asks from the
document page; everyone else gets 404."""

import pytest

from drafting import body as drafting_body
from drafting import gates, joint
from drafting import services as drafting
from drafting.models import JointSignRequest
from tests.helpers import diff, snapshot

pytestmark = pytest.mark.django_db

BLOCKS = [{"level": 0, "text": "为进一步做好道路运输安全工作，现将有关事项通知如下。"},
          {"level": 1, "text": "一、提高认识"}, {"level": 0, "text": "各单位要高度重视。"}]
TITLE = "示范市人民政府办公室 示范市交通运输局关于做好道路运输安全工作的通知"


def text(response):
    return response.content.decode()


def joint_draft(o):
    document = drafting.create_draft(actor=o.handler_a, data=drafting.DraftData(
        doc_type="通知", title=TITLE, main_to=["各区人民政府"], copy_to=["市公安局"], publicity="主动公开",
        joint_agency_ids=[o.dept.pk, o.other_gov.pk]))
    drafting_body.save_structured(actor=o.handler_a, document=document, blocks=BLOCKS)
    return document


def test_office_asks_and_the_other_head_signs_in_the_pages(office, login):
    o = office
    document = joint_draft(o)
    client = login(o.clerk)
    page = text(client.get(f"/documents/{document.pk}/"))
    assert "请其在系统中签发" in page and "记录联合发文机关签发" in page
    response = client.post(f"/documents/{document.pk}/joint-signoff-requests/", {"agency": o.dept.pk})
    assert response.status_code == 302
    request = JointSignRequest.objects.get(document=document, agency=o.dept)
    page = text(client.get(f"/documents/{document.pk}/"))
    assert "已请其在系统中签发，待签发" in page
    # The paper way is refused for 市财政局 with no principal leader account, shown as an alert.
    before = snapshot()
    client.post(f"/documents/{document.pk}/joint-signoff-requests/", {"agency": o.other_gov.pk})
    assert diff(before, snapshot()) == []
    assert "没有主要领导账号" in text(client.get(f"/documents/{document.pk}/"))

    head = login(o.dept_head)
    assert head.get(f"/documents/{document.pk}/").status_code == 404  # visibility stays inside an agency
    dashboard = text(head.get("/"))
    assert "待会签签发" in dashboard
    listing = text(head.get("/joint-signoffs/"))
    assert TITLE in listing and o.gov.name in listing
    detail = text(head.get(f"/joint-signoffs/{request.pk}/"))
    assert "各单位要高度重视。" in detail and "各区人民政府" in detail and "市公安局" in detail
    assert "签发意见" in detail and "不同意" in detail
    before = snapshot()
    head.post(f"/joint-signoffs/{request.pk}/decline/", {"reason": ""})
    assert diff(before, snapshot()) == []
    response = head.post(f"/joint-signoffs/{request.pk}/sign/", {"opinion": "同意联合印发。"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == JointSignRequest.State.SIGNED
    assert not [m for m in gates.missing_signatures(document) if "交通运输局" in m]
    assert "待会签签发" not in text(head.get("/"))
    page = text(login(o.clerk).get(f"/documents/{document.pk}/"))
    assert "已签发（沈局长" in page


def test_nobody_else_sees_the_request(office, login):
    o = office
    document = joint_draft(o)
    request = joint.request_joint_signoff(document.pk, actor=o.clerk, agency_id=o.dept.pk)
    for person in (o.dept_clerk, o.outsider, o.principal, o.handler_a):
        client = login(person)
        assert client.get(f"/joint-signoffs/{request.pk}/").status_code == 404, person.name
        assert client.get(f"/joint-signoffs/{request.pk}/page-1.png").status_code == 404
        before = snapshot()
        assert client.post(f"/joint-signoffs/{request.pk}/sign/", {"opinion": "同意。"}).status_code == 404
        assert diff(before, snapshot()) == []
        assert TITLE not in text(client.get("/joint-signoffs/"))
    # The lead office sees the request page, without the signing form.
    page = text(login(o.clerk).get(f"/joint-signoffs/{request.pk}/"))
    assert TITLE in page and "签发意见" not in page


def blank_pdf() -> bytes:
    import io

    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    pdf.new_page(595, 842)
    out = io.BytesIO()
    pdf.save(out)
    pdf.close()
    return out.getvalue()


def test_the_proof_is_shown_as_page_images_to_the_signer_only(office, login):
    from documents.models import DocumentFile
    from documents.services import upload_file

    o = office
    document = joint_draft(o)
    upload_file(actor=o.clerk, document=document, name="清样.pdf", data=blank_pdf(), role=DocumentFile.Role.PROOF)
    request = joint.request_joint_signoff(document.pk, actor=o.clerk, agency_id=o.dept.pk)
    head = login(o.dept_head)
    page = f"/joint-signoffs/{request.pk}/page-1.png"
    assert page in text(head.get(f"/joint-signoffs/{request.pk}/"))
    image = head.get(page)
    assert image.status_code == 200 and image["Content-Type"] == "image/png" and image.content[:4] == b"\x89PNG"
    assert head.get(f"/joint-signoffs/{request.pk}/page-9.png").status_code == 404
    assert login(o.dept_clerk).get(page).status_code == 404
