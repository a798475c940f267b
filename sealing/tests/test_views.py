"""Pages of the sealing app: the seal ledger (print, Excel), the registry, the verification
page, 用印 from the document page's panel."""

from __future__ import annotations

import io

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from documents import storage
from drafting import services as drafting
from drafting.render import soffice_path
from sealing import services as sealing
from sealing.models import Seal, SealUse
from tests.auth import sign_in
from tests.helpers import open_task

from .chain import draft_data, seal_for, to_seal, with_body

pytestmark = pytest.mark.django_db
needs_office = pytest.mark.skipif(soffice_path() is None, reason="LibreOffice is not installed")


@pytest.fixture
def sealed(office):
    if soffice_path() is None:
        pytest.skip("LibreOffice is not installed")
    o = office
    seal = seal_for(o)
    document = to_seal(o)
    use = sealing.seal_document(open_task(document, o.keeper).pk, actor=o.keeper, seal_id=seal.pk)
    return use


def signed_in(client, person):
    sign_in(client, person)
    return client


def test_ledger_print_and_excel(office, client, sealed):
    o = office
    use = sealed
    page = signed_in(client, o.keeper).get(reverse("sealing:ledger"))
    html = page.content.decode()
    assert page.status_code == 200
    for text in ("用印登记簿", use.doc_number, use.title, "周副市长", "钱印章", use.sm3[:12], "示范市人民政府办公室印"):
        assert text in html, text
    assert reverse("sealing:ledger") in html  # the nav item
    # filters: another year is empty, the seal filter keeps it
    assert use.doc_number not in client.get(reverse("sealing:ledger"), {"year": 1999}).content.decode()
    assert use.doc_number in client.get(reverse("sealing:ledger"), {"seal": use.seal_id}).content.decode()
    printed = client.get(reverse("sealing:print")).content.decode()
    assert "size: A4 landscape" in printed and use.doc_number in printed and "data-gw-print" in printed
    response = client.get(reverse("sealing:export"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][:9] == ("序号", "用印时间", "发文字号", "标题", "签发人", "份数", "印章", "用印人", "SM3 摘要")
    assert rows[1][0] == 1 and rows[1][2] == use.doc_number and rows[1][7] == "钱印章" and rows[1][8] == use.sm3
    # the sealed PDF
    pdf = client.get(reverse("sealing:sealed_pdf", args=[use.pk]))
    assert pdf.status_code == 200 and pdf.content == storage.read(use.final_version.storage_path,
                                                                  use.final_version.sha256)


def test_ledger_is_for_keepers_and_office_staff(office, client):
    o = office
    assert signed_in(client, o.clerk).get(reverse("sealing:ledger")).status_code == 200
    for who in (o.handler_a, o.leader_a, o.secadmin):
        assert signed_in(client, who).get(reverse("sealing:ledger")).status_code == 403
        assert client.get(reverse("sealing:export")).status_code == 403
    assert 'href="/sealing/"' not in signed_in(client, o.handler_a).get(reverse("sealing:verify")).content.decode()


def test_verify_page_intact_and_modified(office, client, sealed):
    o = office
    use = sealed
    data = storage.read(use.final_version.storage_path, use.final_version.sha256)
    # any signed-in person may check a file
    c = signed_in(client, o.handler_b)
    assert c.get(reverse("sealing:verify")).status_code == 200
    ok = c.post(reverse("sealing:verify"), {"file": io.BytesIO(data)}).content.decode()
    assert "文件完好" in ok and "与用印时的成品一致，电子签名有效" in ok and use.doc_number in ok
    assert use.title not in ok  # 褚科员 does not see the document: only the number and the seal
    changed = bytearray(data)
    changed[len(changed) // 3] ^= 0x20
    bad = c.post(reverse("sealing:verify"), {"file": io.BytesIO(bytes(changed))}).content.decode()
    assert "未找到用印记录" in bad and "文件已被修改" not in bad
    # against a chosen ledger entry (the keeper may see it)
    k = signed_in(client, o.keeper)
    modified = k.post(reverse("sealing:verify"), {"file": io.BytesIO(bytes(changed)), "use": use.pk}).content.decode()
    assert "文件已被修改" in modified and "摘要与用印记录不一致" in modified and use.sm3 in modified
    intact = k.post(reverse("sealing:verify"), {"file": io.BytesIO(data), "use": use.pk}).content.decode()
    assert "文件完好" in intact and use.title in intact


def test_registry_register_change_and_deactivate(office, client):
    o = office
    assert signed_in(client, o.keeper).get(reverse("sealing:seals")).status_code == 403
    c = signed_in(client, o.secadmin)
    page = c.get(reverse("sealing:seals")).content.decode()
    assert "登记印章" in page and "钱印章" in page and "印章管理" in page
    c.post(reverse("sealing:seals"), {"agency": o.gov.pk, "name": "示范市人民政府办公室印", "keeper": o.keeper.pk})
    seal = Seal.objects.get()
    assert seal.keeper == o.keeper and seal.public_key
    refused = c.post(reverse("sealing:seals"), {"agency": o.gov.pk, "name": "示范市人民政府办公室印",
                                                "keeper": o.keeper.pk}, follow=True).content.decode()
    assert "已有名为" in refused and Seal.objects.count() == 1
    c.post(reverse("sealing:seal_op", args=[seal.pk, "deactivate"]), {"reason": "印章更换"})
    assert not Seal.objects.get().is_active


def render_panel(document, person):
    request = RequestFactory().get("/")
    return Template("{% load sealing_tags %}{% seal_panel document person %}").render(
        Context({"document": document, "person": person, "request": request, "csrf_token": "t"}))


def test_panel_lists_what_is_missing(office):
    o = office
    document = drafting.create_draft(actor=o.handler_a, data=draft_data(o))
    with_body(document, o.handler_a)
    html = render_panel(document, o.handler_a)
    assert "用印前尚缺" in html and "领导签发" in html and "编号（发文字号）" in html
    assert 'name="seal"' not in html  # no 用印 task: no button


@needs_office
def test_panel_button_and_sealing_from_the_document_page(office, client):
    o = office
    seal = seal_for(o)
    document = to_seal(o)
    html = render_panel(document, o.keeper)
    assert "用印前尚缺" not in html and 'name="seal"' in html and seal.name in html and ">用印</button>" in html
    assert 'name="seal"' not in render_panel(document, o.clerk)
    c = signed_in(client, o.keeper)
    response = c.post(reverse("sealing:seal_document", args=[document.pk]), {"seal": seal.pk, "copies": "5"})
    assert response.status_code == 302 and response["Location"] == reverse("web:document", args=[document.pk])
    use = SealUse.objects.get(document=document)
    assert use.copies == 5 and use.used_by == o.keeper
    after = render_panel(document, o.keeper)
    assert "已用印" in after and reverse("sealing:sealed_pdf", args=[use.pk]) in after and "验证" in after


def test_refused_sealing_from_the_page_shows_the_missing_list(office, client):
    o = office
    seal = seal_for(o)
    document = drafting.create_draft(actor=o.handler_a, data=draft_data(o))
    with_body(document, o.handler_a)
    c = signed_in(client, o.keeper)
    response = c.post(reverse("sealing:seal_document", args=[document.pk]), {"seal": seal.pk})
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("用印条件不满足，尚缺：领导签发" in m for m in messages)
    assert not SealUse.objects.exists()
