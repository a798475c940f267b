"""The exchange pages (交换总览, 交换箱, 清单, Excel export, the paper receipt form, the
document page's exchange notes) and the API endpoints."""

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from exchange.models import Receipt
from exchange.tests.builders import clerk_of, dept_secretary, send, sign_for
from flow import services as flow


def client_for(person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


@pytest.fixture
def sent(office):
    o = office
    doc, (inside, outside) = send(o.gov, o.clerk, main=[o.dept], copy=[o.province], number="示府办函〔2026〕9号",
                                  drafted_by=o.handler_a, title="关于做好冬季道路安全工作的通知")
    return o, doc, inside, outside


def test_overview_box_and_lists(sent):
    o, doc, inside, outside = sent
    page = client_for(o.clerk).get("/exchange/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "公文交换总览" in html and o.dept.name in html and "未送达（无回执）" in html
    assert "多头报送" in html and "导出 Excel" in html
    # The department's clerk sees it waiting in the box.
    box = client_for(o.dept_clerk).get("/exchange/box/")
    assert box.status_code == 200 and "关于做好冬季道路安全工作的通知" in box.content.decode()
    listing = client_for(o.clerk).get("/exchange/list/", {"side": "sent", "what": "undelivered",
                                                           "counterpart": o.province.name})
    assert listing.status_code == 200 and "示府办函〔2026〕9号" in listing.content.decode()
    # Bad parameters fall back, never 500.
    assert client_for(o.clerk).get("/exchange/list/", {"side": "x", "what": "y", "start": "nonsense"}).status_code == 200
    today = timezone.localdate().isoformat()
    assert client_for(o.clerk).get("/exchange/", {"start": today, "end": today}).status_code == 200


@pytest.mark.parametrize("who", ["outsider", "handler_a", "leader_a"])
def test_pages_are_404_for_anyone_but_office_staff(sent, who):
    o = sent[0]
    client = client_for(getattr(o, who))
    for path in ("/exchange/", "/exchange/box/", "/exchange/list/", "/exchange/export.xlsx"):
        assert client.get(path).status_code == 404, path
    assert Client().get("/exchange/").status_code == 302  # to the login page


def test_export(sent):
    o, doc, inside, outside = sent
    sign_for(inside.incoming, o.dept_clerk)
    response = client_for(o.clerk).get("/exchange/export.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["我方发出", "我方收到", "清单"]
    rows = list(wb["我方发出"].iter_rows(values_only=True))
    assert rows[1][:3] == ("收文机关", "合计", "待签收")
    assert rows[-1][0] == "合计" and rows[-1][1] == 2
    detail = list(wb["清单"].iter_rows(values_only=True))
    assert {r[6] for r in detail[1:]} == {"已签收", "系统外待回执"}


def test_paper_receipt_form(sent):
    o, doc, inside, outside = sent
    client = client_for(o.clerk)
    page = client.get(f"/documents/{doc.pk}/").content.decode()
    assert "登记纸质回执" in page and "未送达（无回执）" in page
    at = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    # A refusal is an alert and writes nothing.
    response = client.post(f"/exchange/deliveries/{outside.pk}/paper-receipt/", {"signed_by": "", "at": at},
                           follow=True)
    assert "请填写对方签收人姓名" in response.content.decode() and not Receipt.objects.exists()
    response = client.post(f"/exchange/deliveries/{outside.pk}/paper-receipt/",
                           {"signed_by": "李明", "at": at, "registry_number": "省政办收〔2026〕1号"}, follow=True)
    assert "已登记" in response.content.decode()
    assert Receipt.objects.get().source == Receipt.Source.PAPER
    assert client_for(o.outsider).post(f"/exchange/deliveries/{outside.pk}/paper-receipt/",
                                       {"signed_by": "李明", "at": at}).status_code == 404
    assert client.post("/exchange/deliveries/999999/paper-receipt/", {"signed_by": "李", "at": at}).status_code == 404


def test_document_pages_show_refusal_forward_and_multi(sent):
    o, doc, inside, outside = sent
    flow.reject(inside.incoming.pk, actor=o.dept_clerk, reason="非本单位职责范围。")
    page = client_for(o.clerk).get(f"/documents/{doc.pk}/").content.decode()
    assert "已退文" in page and "非本单位职责范围。" in page and "重新拟稿" in page
    incoming = client_for(o.dept_clerk).get(f"/documents/{inside.incoming.pk}/").content.decode()
    assert "经系统交换收到" in incoming and "已退文" in incoming


def test_forward_link_on_the_recipients_page(office):
    o = office
    clerk = clerk_of(o.bureau, "bureau_clerk", "林文书")
    _, (to_dept,) = send(o.bureau, clerk, main=[o.dept], number="示公路〔2026〕15号", doc_type="请示",
                         direction="up", title="关于申请实施国道改线工程的请示")
    sign_for(to_dept.incoming, o.dept_clerk)
    _, (to_gov,) = send(o.dept, o.dept_clerk, main=[o.gov], number="示交〔2026〕31号", doc_type="请示", direction="up",
                        title="关于转报市公路局申请实施国道改线工程的请示", forwarded_from=to_dept.incoming)
    page = client_for(o.clerk).get(f"/documents/{to_gov.incoming.pk}/").content.decode()
    assert "转报：示范市公路管理局《关于申请实施国道改线工程的请示》（示公路〔2026〕15号）" in page
    dept_secretary(o)


# --- API --------------------------------------------------------------------------------------


@pytest.fixture
def api(db):
    from api.tests.helpers import ApiClient

    return ApiClient(Client())


def test_api_overview_box_receipts(sent, api):
    from api.tests.helpers import changed_tables, snapshot

    o, doc, inside, outside = sent
    body = api.get(o.clerk, "/exchange/overview").json()
    assert body["agency"] == o.gov.name and body["sent_total"]["total"] == 2
    assert {c["name"]: c["undelivered"] for c in body["sent"]} == {o.dept.name: 1, o.province.name: 1}
    assert api.get(o.outsider, "/exchange/overview").status_code == 404
    assert api.get(o.handler_a, "/exchange/box").status_code == 404
    box = api.get(o.dept_clerk, "/exchange/box").json()
    assert [(b["document_id"], b["late"]) for b in box] == [(inside.incoming_id, False)]

    sign_for(inside.incoming, o.dept_clerk)
    rows = api.get(o.clerk, f"/documents/{doc.pk}/deliveries").json()
    assert [(r["status"], [x["kind"] for x in r["receipts"]]) for r in rows] == [("已签收", ["signed"]),
                                                                               ("未送达（无回执）", [])]
    path = f"/deliveries/{outside.pk}/paper-receipt"
    at = timezone.now().isoformat()
    for person, status in ((o.outsider, 404), (o.handler_a, 404), (o.clerk, 400)):
        api.token(person)
        before = snapshot()
        response = api.post(person, path, {"signed_by": "" if person == o.clerk else "李明", "at": at})
        assert response.status_code == status, response.content
        assert not changed_tables(before, snapshot())
    response = api.post(o.clerk, path, {"signed_by": "李明", "at": at, "registry_number": "省收〔2026〕3号"})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["signed_by"]) == ("已签收", "李明")
    later = (timezone.now() + timedelta(days=1)).isoformat()
    assert api.post(o.clerk, path, {"signed_by": "李明", "at": later}).status_code == 400
