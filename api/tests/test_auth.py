"""Token and session authentication, CSRF for session callers, the token services and
the issue_token command."""

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from api.models import ApiToken
from api.services import issue_token, revoke_token
from audit.models import AuditEvent
from gongwen.errors import DomainError, PermissionDenied

from .helpers import changed_tables, has_chinese, snapshot


def test_token_is_stored_only_as_its_hash_and_shown_once(office):
    issued = issue_token(actor=office.clerk, name="督办系统对接")
    token = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.clear.startswith("gw_") and len(issued.clear) > 40
    assert token.key_hash == hashlib.sha256(issued.clear.encode()).hexdigest()
    assert issued.clear not in repr(list(ApiToken.objects.values()))
    assert token.prefix == issued.clear[:10]
    event = AuditEvent.objects.get(action="api.token.issue")
    assert event.actor_id == office.clerk.pk and issued.clear not in repr(event.new)


def test_bearer_token_authenticates_and_records_last_use(api, office):
    anonymous = api.get(None, "/me")
    assert anonymous.status_code == 401 and has_chinese(anonymous.json()["detail"])
    assert anonymous.json()["code"] == "unauthenticated"
    response = api.get(office.clerk, "/me")
    assert response.status_code == 200, response.content
    assert response.json()["person"]["id"] == office.clerk.pk
    assert response.json()["authenticated_by"] == "token"
    assert ApiToken.objects.get(person=office.clerk).last_used_at is not None


@pytest.mark.parametrize("header", ["Bearer gw_not-a-token", "Bearer ", "Token abc", "Basic Y2xlcms6eA=="])
def test_bad_credentials_are_401(api, office, header):
    response = api.client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_and_inactive_person_are_refused(api, office):
    issued = issue_token(actor=office.clerk, name="临时")
    headers = {"Authorization": f"Bearer {issued.clear}"}
    assert api.client.get("/api/v1/me", headers=headers).status_code == 200
    revoke_token(actor=office.clerk, token=issued.token)
    assert api.client.get("/api/v1/me", headers=headers).status_code == 401
    assert AuditEvent.objects.filter(action="api.token.revoke").count() == 1
    with pytest.raises(DomainError, match="已吊销"):
        revoke_token(actor=office.clerk, token=issued.token)

    other = issue_token(actor=office.secretary, name="秘书")
    office.secretary.is_active = False
    office.secretary.save()
    assert api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {other.clear}"}).status_code == 401


def test_tokens_are_personal(office):
    with pytest.raises(PermissionDenied):
        issue_token(actor=office.sysadmin, name="代签", person=office.clerk)
    issued = issue_token(actor=office.clerk, name="文书")
    before = snapshot()
    with pytest.raises(DomainError, match="未找到"):
        revoke_token(actor=office.secretary, token=issued.token)
    assert not changed_tables(before, snapshot())


def test_token_endpoints(api, office):
    api.token(office.head_a)  # the test client's own token, "测试"
    page = Client()
    page.force_login(office.head_a.user)  # tokens are issued from a page session only
    created = page.post("/api/v1/tokens", data={"name": "移动办公"}, content_type="application/json")
    assert created.status_code == 201, created.content
    clear = created.json()["token"]
    listed = api.get(office.head_a, "/tokens").json()
    assert {t["name"] for t in listed} == {"测试", "移动办公"} and all("token" not in t for t in listed)
    # Somebody else's token looks like a missing one.
    assert api.post(office.handler_a, f"/tokens/{created.json()['id']}/revoke").status_code == 404
    revoked = api.post(office.head_a, f"/tokens/{created.json()['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {clear}"}).status_code == 401
    empty = page.post("/api/v1/tokens", data={"name": " "}, content_type="application/json")
    assert empty.status_code == 400 and has_chinese(empty.json()["detail"])


def test_issue_token_command(api, office):
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_token", "dept_clerk", "--name", "对接", stdout=out, stderr=err)
    token = out.getvalue().strip()
    assert "只显示这一次" in err.getvalue()
    response = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json()["person"]["id"] == office.dept_clerk.pk
    event = AuditEvent.objects.get(action="api.token.issue")
    assert event.actor_id is None and event.actor_name == "系统"
    with pytest.raises(CommandError, match="不存在"):
        call_command("issue_token", "nobody", stdout=io.StringIO(), stderr=io.StringIO())


def _session_client(office, *, enforce_csrf: bool) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(office.clerk.user)
    return client


def test_session_reads_without_csrf(office):
    client = _session_client(office, enforce_csrf=True)
    response = client.get("/api/v1/me")
    assert response.status_code == 200 and response.json()["authenticated_by"] == "session"


def test_session_writes_need_the_csrf_token(office):
    client = _session_client(office, enforce_csrf=True)
    before = snapshot()
    refused = client.post("/api/v1/tokens", data={"name": "页面"}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "csrf" and has_chinese(refused.json()["detail"])
    assert not changed_tables(before, snapshot())
    # The pages send the token from the csrftoken cookie in the X-CSRFToken header.
    client.get("/api/v1/me")
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret

    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    accepted = client.post("/api/v1/tokens", data={"name": "页面"}, content_type="application/json",
                           headers={"X-CSRFToken": _mask_cipher_secret(secret)})
    assert accepted.status_code == 201, accepted.content


def test_anonymous_write_is_401_not_a_csrf_error(office):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/v1/tokens", data={"name": "x"}, content_type="application/json")
    assert response.status_code == 401
