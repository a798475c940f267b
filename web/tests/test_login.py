"""Login and logout pages (Django auth views, Chinese)."""

import pytest

pytestmark = pytest.mark.django_db


def test_login_logout(client, office):
    r = client.get("/login/")
    assert r.status_code == 200 and "登录名" in r.content.decode() and 'lang="zh-Hans"' in r.content.decode()
    r = client.post("/login/", {"username": "clerk", "password": "wrong-password"})
    assert "登录名或密码不正确" in r.content.decode()
    r = client.post("/login/", {"username": "clerk", "password": "pass-12345"})
    assert r.status_code == 302 and r["Location"] == "/"
    page = client.get("/").content.decode()
    assert "王文书" in page and "退出登录" in page and "跳到正文" in page
    r = client.post("/logout/")
    assert r.status_code == 302 and r["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_login_keeps_next(client, office, document):
    r = client.get(f"/documents/{document.pk}/")
    assert r.status_code == 302
    r = client.post(r["Location"], {"username": "secretary", "password": "pass-12345",
                                    "next": f"/documents/{document.pk}/"})
    assert r["Location"] == f"/documents/{document.pk}/"


def test_registration_form_prefills_the_time(office, login):
    page = login(office.clerk).get("/documents/new/").content.decode()
    assert 'name="received_at"' in page and 'value="20' in page


def test_control_characters_are_refused_and_nothing_is_written(client, office):
    from audit.models import AuditEvent
    from documents.models import Document

    client.force_login(office.clerk.user)
    before = (Document.objects.count(), AuditEvent.objects.count())
    response = client.post("/documents/new/", {"title": "关于\x00测试的通知", "doc_type": "通知", "sender_name": "某单位"})
    assert response.status_code == 400
    assert "非法控制字符" in response.content.decode()
    assert (Document.objects.count(), AuditEvent.objects.count()) == before
