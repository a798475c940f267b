"""The secrecy pages and API end to end: register through the form, act on the copy page,
清退 and 销毁 through their pages, and the same through the API."""

import io

import pytest
from openpyxl import load_workbook

from secrecy.models import ClassifiedCopy, CopyStatus, Destruction, DestructionStatus
from secrecy.tests.build import TITLE, WORD, people, register


@pytest.fixture
def ppl(office):
    return people(office)


def login(client, p):
    client.force_login(p.user)
    return client


def test_register_through_the_form_and_act_on_the_copy_page(client, office, ppl):
    o = office
    c = login(client, ppl.jiyao)
    assert "密件登记" in c.get("/secrecy/new/").content.decode()
    response = c.post("/secrecy/new/", {"title": TITLE, "doc_type": "通知", "secrecy": "机密", "secrecy_term": "5年",
                                        "sender_id": str(o.province.pk), "copy_numbers": "000001-000003",
                                        "scope_person": [str(o.handler_a.pk), str(o.leader_a.pk)]})
    assert response.status_code == 302
    copies = list(ClassifiedCopy.objects.order_by("number"))
    doc = copies[0].document
    assert [x.number for x in copies] == ["000001", "000002", "000003"] and doc.secrecy == "机密"
    page = c.get(f"/secrecy/documents/{doc.pk}/").content.decode()
    assert TITLE in page and "分发" in page
    c.post(f"/secrecy/documents/{doc.pk}/copies/{copies[0].pk}/issue/", {"person_id": o.handler_a.pk})
    copies[0].refresh_from_db()
    assert copies[0].holder == o.handler_a
    # A refusal shows as a message and changes nothing.
    response = c.post(f"/secrecy/documents/{doc.pk}/copies/{copies[1].pk}/issue/", {"person_id": o.head_b.pk},
                      follow=True)
    assert "不在本件的知悉范围内" in response.content.decode()
    c = login(client, o.handler_a)
    assert "待签收" in c.get("/secrecy/").content.decode() or "签收" in c.get("/secrecy/").content.decode()
    c.post(f"/secrecy/documents/{doc.pk}/copies/{copies[0].pk}/sign/")
    c.post(f"/secrecy/documents/{doc.pk}/copies/{copies[0].pk}/pass/", {"person_id": o.leader_a.pk})
    copies[0].refresh_from_db()
    assert copies[0].holder == o.leader_a
    # Excel and print of the ledger carry the title for the reader in scope.
    wb = load_workbook(io.BytesIO(c.get("/secrecy/export.xlsx").content), read_only=True)
    assert TITLE in [cell for row in wb.active.iter_rows(values_only=True) for cell in row]
    assert TITLE in c.get("/secrecy/print/").content.decode()


def test_form_refusal_keeps_the_values(client, office, ppl):
    c = login(client, ppl.jiyao)
    response = c.post("/secrecy/new/", {"title": TITLE, "doc_type": "通知", "secrecy": "绝密", "sender_name": "某机关",
                                        "copy_numbers": "000001", "scope_person": [str(office.handler_a.pk)]})
    assert response.status_code == 400
    page = response.content.decode()
    assert "绝密件须指定专人保管" in page and TITLE in page


def test_pages_are_closed_to_others(client, office, ppl):
    register(office, ppl)
    c = login(client, office.handler_b)
    assert c.get("/secrecy/").status_code == 403
    assert c.get("/secrecy/returns/").status_code == 403
    assert c.get("/secrecy/new/").status_code == 403
    c = login(client, office.clerk)
    assert c.get("/secrecy/new/").status_code == 403


def test_returns_and_destruction_pages(client, office, ppl):
    o = office
    doc = register(o, ppl)
    c = login(client, ppl.jiyao)
    c.post("/secrecy/returns/request/", {"year": doc.classified.year})
    for copy in ClassifiedCopy.objects.filter(document=doc):
        c.post(f"/secrecy/documents/{doc.pk}/copies/{copy.pk}/return/")
    assert set(ClassifiedCopy.objects.values_list("status", flat=True)) == {CopyStatus.RETURNED}
    c.post("/secrecy/destructions/new/", {"copy": [str(x.pk) for x in ClassifiedCopy.objects.all()],
                                          "reason": "保存期满"})
    d = Destruction.objects.get()
    c = login(client, o.director)
    page = c.get("/secrecy/destructions/").content.decode()
    assert "同意销毁" in page and WORD not in page  # the director is outside the scope
    c.post(f"/secrecy/destructions/{d.pk}/approve/", {"opinion": "同意。"})
    c = login(client, ppl.jiyao)
    c.post(f"/secrecy/destructions/{d.pk}/execute/", {"method": "碎纸机粉碎", "place": "机要室", "witness": "赵主任"})
    d.refresh_from_db()
    assert d.status == DestructionStatus.EXECUTED


def test_api(client, office, ppl):
    o = office
    c = login(client, ppl.jiyao)
    body = {"title": TITLE, "doc_type": "通知", "secrecy": "机密", "secrecy_term": "5年", "sender_id": o.province.pk,
            "copy_numbers": ["000001", "000002"], "holders": {"000001": o.handler_a.pk},
            "scope_people": [o.handler_a.pk, o.leader_a.pk]}
    response = c.post("/api/v1/secrecy/documents", body, content_type="application/json")
    assert response.status_code == 200, response.content
    doc_id = response.json()["id"]
    assert c.post("/api/v1/secrecy/documents", {**body, "secrecy": "绝密"},
                  content_type="application/json").status_code == 400
    copies = c.get(f"/api/v1/secrecy/documents/{doc_id}/copies").json()
    assert [x["number"] for x in copies] == ["000001", "000002"]
    first = copies[0]["id"]
    c = login(client, o.handler_a)
    assert c.post(f"/api/v1/secrecy/copies/{first}/sign", content_type="application/json").status_code == 200
    response = c.post(f"/api/v1/secrecy/copies/{first}/pass-on", {"person_id": o.leader_a.pk},
                      content_type="application/json")
    assert response.status_code == 200 and response.json()["holder"]["id"] == o.leader_a.pk
    assert [x["title"] for x in c.get("/api/v1/secrecy/documents").json()["items"]] == [TITLE]
    c = login(client, o.clerk)
    assert c.get("/api/v1/secrecy/documents").json()["total"] == 0
    assert c.get(f"/api/v1/secrecy/documents/{doc_id}/copies").status_code == 404
    assert c.post(f"/api/v1/secrecy/copies/{first}/sign", content_type="application/json").status_code == 404
    c = login(client, ppl.jiyao)
    for copy in ClassifiedCopy.objects.all():
        assert c.post(f"/api/v1/secrecy/copies/{copy.pk}/return", {}, content_type="application/json").status_code == 200
    response = c.post("/api/v1/secrecy/destructions", {"copy_ids": [x.pk for x in ClassifiedCopy.objects.all()],
                                                       "reason": "保存期满"}, content_type="application/json")
    d = response.json()["id"]
    assert c.post(f"/api/v1/secrecy/destructions/{d}/approve", {}, content_type="application/json").status_code == 403
    c = login(client, o.director)
    assert c.post(f"/api/v1/secrecy/destructions/{d}/approve", {}, content_type="application/json").status_code == 200
    assert all(WORD not in x["label"] for x in c.get("/api/v1/secrecy/destructions").json()[0]["copies"])
    c = login(client, ppl.jiyao)
    response = c.post(f"/api/v1/secrecy/destructions/{d}/execute", {"method": "粉碎", "place": "机要室",
                                                                    "witness": "赵主任"}, content_type="application/json")
    assert response.json()["status"] == "executed"
    assert c.get("/api/v1/secrecy/returns/overdue").status_code == 200
