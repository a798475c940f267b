"""外部交换包 through the pages (exchange.packages.views, the document page's panel) and the
API (api/routers/exchange_packages.py). The packages themselves are checked in
test_package.py; here: who sees what, the upload and result pages, the JSON answers."""

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from api.tests.helpers import ApiClient
from exchange.models import Delivery, ExchangePackage, TrustedKey
from exchange.packages import services as packages
from tests.auth import sign_in
from tests.helpers import diff, snapshot

from .test_package import REFUSAL_TABLES, make_outgoing, members_of, rezip, trust_gov, zip_bytes


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def signed_in(client, person):
    sign_in(client, person)
    return client


@pytest.fixture
def api(db, client) -> ApiClient:
    return ApiClient(client)


# --- pages -----------------------------------------------------------------------------------


def test_document_page_offers_the_export_and_the_list_shows_the_package(office, client):
    o = office
    doc = make_outgoing(o)
    delivery = Delivery.objects.get(document=doc)
    page = signed_in(client, o.clerk).get(reverse("web:document", args=[doc.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "外部交换包" in html and "导出交换包" in html
    assert reverse("exchange_packages:export", args=[doc.pk]) in html

    response = client.post(reverse("exchange_packages:export", args=[doc.pk]), {"delivery": delivery.pk})
    package = ExchangePackage.objects.get(direction="export")
    assert response.status_code == 302 and response.url == reverse("exchange_packages:detail", args=[package.pk])
    assert package.delivery == delivery
    detail = client.get(response.url).content.decode()
    for text in ("已生成并签名", doc.title, "发文字号", doc.doc_number, "2026年3月8日", "成品.pdf", "办理记录", "王文书"):
        assert text in detail, text
    listing = client.get(reverse("exchange_packages:list")).content.decode()
    assert doc.title in listing and "导出" in listing and "本机关签名公钥" in listing
    download = client.get(reverse("exchange_packages:download", args=[package.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert download.content == zip_bytes(package)


def test_pages_refuse_people_outside_the_office(office, client):
    o = office
    doc = make_outgoing(o)
    package = packages.export_package(doc, o.clerk)
    # The division head sees the document but gets no panel, and cannot export.
    html = signed_in(client, o.head_a).get(reverse("web:document", args=[doc.pk])).content.decode()
    assert "导出交换包" not in html
    before = snapshot()
    response = client.post(reverse("exchange_packages:export", args=[doc.pk]))
    assert response.status_code == 302 and not diff(before, snapshot())
    assert client.get(reverse("exchange_packages:list")).status_code == 403
    assert client.get(reverse("exchange_packages:download", args=[package.pk])).status_code == 403
    # Another agency's clerk: the package does not exist for him.
    signed_in(client, o.dept_clerk)
    assert client.get(reverse("exchange_packages:detail", args=[package.pk])).status_code == 404
    assert client.get(reverse("exchange_packages:download", args=[package.pk])).status_code == 404
    assert client.post(reverse("exchange_packages:export", args=[doc.pk])).status_code == 404


def test_import_page_accepts_and_refuses_with_a_clear_result(office, client):
    o = office
    doc = make_outgoing(o)
    trust_gov(o)
    data = zip_bytes(packages.export_package(doc, o.clerk))
    signed_in(client, o.dept_clerk)
    # A tampered package: the result page names what failed.
    members = members_of(data)
    members["files/01.pdf"] = members["files/01.pdf"].replace(b"sealed", b"SEALED")
    response = client.post(reverse("exchange_packages:import"),
                           {"file": SimpleUploadedFile("篡改.zip", rezip(members), "application/zip")})
    html = response.content.decode()
    assert response.status_code == 400 and "已拒收" in html and "文件“成品.pdf”的摘要不符，包已被篡改" in html
    # The genuine one.
    response = client.post(reverse("exchange_packages:import"),
                           {"file": SimpleUploadedFile("来文.zip", data, "application/zip")})
    package = ExchangePackage.objects.get(direction="import", status="ok")
    assert response.status_code == 302 and response.url == reverse("exchange_packages:detail", args=[package.pk])
    html = client.get(response.url).content.decode()
    assert "验证通过，已导入" in html and doc.title in html and "已送签收" in html
    listing = client.get(reverse("exchange_packages:list") + "?show=refused").content.decode()
    assert "已拒收" in listing and "篡改.zip" in listing
    # The imported document's page lists the package.
    html = client.get(reverse("web:document", args=[package.document_id])).content.decode()
    assert reverse("exchange_packages:detail", args=[package.pk]) in html


def test_keys_page_for_the_security_administrator(office, client):
    o = office
    make_outgoing(o, dispatched=False)
    seal = packages.signing_seal(o.gov)
    assert signed_in(client, o.clerk).get(reverse("exchange_packages:keys")).status_code == 403
    signed_in(client, o.secadmin)
    page = client.get(reverse("exchange_packages:keys"))
    assert page.status_code == 200 and "登记公钥" in page.content.decode()
    response = client.post(reverse("exchange_packages:keys"),
                           {"agency": o.province.pk, "public_key": seal.public_key, "note": "电话核对"})
    assert response.status_code == 302
    key = TrustedKey.objects.get()
    assert key.agency == o.province and key.registered_by == o.secadmin
    response = client.post(reverse("exchange_packages:keys"), {"agency": o.province.pk, "public_key": "abc"})
    assert "公钥格式不正确" in response.content.decode()
    client.post(reverse("exchange_packages:key_revoke", args=[key.pk]), {"reason": "更换"})
    key.refresh_from_db()
    assert not key.is_active


# --- API -------------------------------------------------------------------------------------


def test_api_export_list_download_and_import(office, api):
    o = office
    doc = make_outgoing(o)
    response = api.post(o.clerk, f"/documents/{doc.pk}/exchange-package", {})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["direction"] == "export" and body["status"] == "ok"
    assert body["delivery_id"] == Delivery.objects.get(document=doc).pk
    assert body["metadata"]["发文字号"] == doc.doc_number and body["metadata"]["标题"] == doc.title
    assert body["history"] and body["download_url"].startswith("/api/v1/exchange-packages/")
    download = api.get(o.clerk, body["download_url"])
    assert download.status_code == 200 and download["X-Content-SHA256"] == body["sha256"]
    with zipfile.ZipFile(io.BytesIO(download.content)) as z:
        assert "signature.json" in z.namelist()
    listed = api.get(o.clerk, "/exchange-packages", {"direction": "export"}).json()
    assert [p["id"] for p in listed] == [body["id"]]
    assert api.get(o.clerk, f"/exchange-packages/{body['id']}").json()["metadata"]["文种"] == "函"

    trust_gov(o)
    upload = SimpleUploadedFile("来文.zip", download.content, "application/zip")
    imported = api.upload(o.dept_clerk, "/exchange-packages/import", {"file": upload})
    assert imported.status_code == 201, imported.content
    result = imported.json()
    assert result["direction"] == "import" and result["status"] == "ok" and result["counterpart"] == o.gov.name
    assert result["document_id"] and result["metadata"] == body["metadata"]


def test_api_import_refusal_is_400_and_recorded(office, api):
    o = office
    doc = make_outgoing(o)
    data = zip_bytes(packages.export_package(doc, o.clerk))
    members = members_of(data)
    signature = json.loads(members["signature.json"])
    signature["签名"] = signature["签名"][::-1]
    members["signature.json"] = json.dumps(signature, ensure_ascii=False).encode()
    trust_gov(o)
    api.token(o.dept_clerk)
    before = snapshot()
    response = api.upload(o.dept_clerk, "/exchange-packages/import",
                          {"file": SimpleUploadedFile("坏包.zip", rezip(members), "application/zip")})
    assert response.status_code == 400 and "签名无效" in response.json()["detail"]
    assert set(diff(before, snapshot())) == REFUSAL_TABLES
    refused = api.get(o.dept_clerk, "/exchange-packages", {"status": "refused"}).json()
    assert [(p["name"], p["download_url"]) for p in refused] == [("坏包.zip", None)]
    assert "签名无效" in refused[0]["message"]


def test_api_permission_refusals(office, api):
    o = office
    doc = make_outgoing(o)
    package = packages.export_package(doc, o.clerk)
    for person in (o.head_a, o.dept_clerk, o.dept_head):
        api.token(person)  # issuing a token is audited: before the snapshot
    before = snapshot()
    assert api.post(o.head_a, f"/documents/{doc.pk}/exchange-package", {}).status_code == 403
    assert api.post(o.dept_clerk, f"/documents/{doc.pk}/exchange-package", {}).status_code == 404
    assert api.get(o.head_a, "/exchange-packages").status_code == 403
    assert api.get(o.dept_clerk, f"/exchange-packages/{package.pk}").status_code == 404
    assert api.get(o.dept_clerk, f"/exchange-packages/{package.pk}/download").status_code == 404
    response = api.upload(o.dept_head, "/exchange-packages/import",
                          {"file": SimpleUploadedFile("包.zip", zip_bytes(package), "application/zip")})
    assert response.status_code == 403 and "办公室人员" in response.json()["detail"]
    assert not diff(before, snapshot())
