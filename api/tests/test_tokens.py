"""API tokens (接口令牌, 等保 level 3): a lifetime, revocation, and no more rights than the
person's own session — a token expires, can be revoked from the session and with itself,
stops when its holder leaves his post, is locked out or changes his password, and cannot
issue further tokens. Every refusal says why in Chinese and writes nothing."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory

from api.models import ApiToken
from api.services import issue_token, revoke_token
from audit.models import AuditEvent
from gongwen.errors import DomainError, PermissionDenied

from .helpers import changed_tables, has_chinese, snapshot

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI)  # a Monday morning


@pytest.fixture(autouse=True)
def _lifetimes(settings):
    # The expectations below are in days of these settings, whatever the environment says.
    settings.API_TOKEN_DAYS = 90
    settings.API_TOKEN_MAX_DAYS = 365


def bearer(clear: str) -> dict:
    return {"Authorization": f"Bearer {clear}"}


def me(clear: str):
    return Client().get("/api/v1/me", headers=bearer(clear))


def refused_401(clear: str, code: str, *words: str) -> dict:
    """The token is refused with a 401 that says why; nothing is written."""
    before = snapshot()
    response = me(clear)
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["code"] == code, body
    assert has_chinese(body["detail"]) and all(w in body["detail"] for w in words), body["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not changed_tables(before, snapshot())
    return body


def session(person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


# --- expiry ---------------------------------------------------------------------------------------


def test_a_token_expires_after_the_default_lifetime(office):
    with time_machine.travel(T0, tick=False):
        issued = issue_token(actor=office.clerk, name="督办系统对接")
        assert issued.token.expires_at == T0 + timedelta(days=90)
        event = AuditEvent.objects.get(action="api.token.issue")
        assert datetime.fromisoformat(event.new["expires_at"]) == T0 + timedelta(days=90)
    with time_machine.travel(T0 + timedelta(days=90) - timedelta(seconds=1), tick=False):
        assert me(issued.clear).status_code == 200
    with time_machine.travel(T0 + timedelta(days=90), tick=False):
        body = refused_401(issued.clear, "token_expired", "过期", "2026年6月7日 09:00", "重新签发")
        assert issued.clear not in body["detail"]
    # An expired token is not a way into the session either: the page session still works.
    with time_machine.travel(T0 + timedelta(days=91), tick=False):
        assert session(office.clerk).get("/api/v1/me").status_code == 200


def test_the_holder_chooses_a_lifetime_within_the_maximum(office):
    with time_machine.travel(T0, tick=False):
        week = issue_token(actor=office.clerk, name="临时对接", days=7)
        year = issue_token(actor=office.clerk, name="年度对接", days=365)
        assert week.token.expires_at == T0 + timedelta(days=7)
        assert year.token.expires_at == T0 + timedelta(days=365)
        before = snapshot()
        for days in (0, -1, 366, 10**6):
            with pytest.raises(DomainError, match="1至365天"):
                issue_token(actor=office.clerk, name="太长", days=days)
        assert not changed_tables(before, snapshot())
    with time_machine.travel(T0 + timedelta(days=7), tick=False):
        refused_401(week.clear, "token_expired", "过期")
        assert me(year.clear).status_code == 200


def test_the_default_never_exceeds_the_maximum(office, settings):
    settings.API_TOKEN_MAX_DAYS = 30
    with time_machine.travel(T0, tick=False):
        issued = issue_token(actor=office.clerk, name="对接")
    assert issued.token.expires_at == T0 + timedelta(days=30)


def test_the_lifetime_through_the_api(office):
    page = session(office.head_a)
    with time_machine.travel(T0, tick=False):
        created = page.post("/api/v1/tokens", data={"name": "移动办公", "days": 30}, content_type="application/json")
        assert created.status_code == 201, created.content
        assert datetime.fromisoformat(created.json()["expires_at"]) == T0 + timedelta(days=30)
        assert created.json()["state"] == "有效"
        before = snapshot()
        too_long = page.post("/api/v1/tokens", data={"name": "移动办公", "days": 400}, content_type="application/json")
        assert too_long.status_code == 400 and "365" in too_long.json()["detail"]
        zero = page.post("/api/v1/tokens", data={"name": "移动办公", "days": 0}, content_type="application/json")
        assert zero.status_code == 422 and has_chinese(zero.json()["detail"])
        assert not changed_tables(before, snapshot())


def test_expired_tokens_do_not_count_towards_the_limit(office):
    with time_machine.travel(T0, tick=False):
        for i in range(10):
            issue_token(actor=office.clerk, name=f"对接{i}", days=1)
        with pytest.raises(DomainError, match="最多持有"):
            issue_token(actor=office.clerk, name="第十一个")
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        assert issue_token(actor=office.clerk, name="第十一个").token.pk


# --- no more than the session's own rights ----------------------------------------------------------


def test_a_token_cannot_issue_tokens(api, office):
    api.token(office.handler_a)
    before = snapshot()
    response = api.post(office.handler_a, "/tokens", {"name": "再签一个"})
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "token_cannot_issue" and "页面登录" in response.json()["detail"]
    assert not changed_tables(before, snapshot())
    # Nor with the service directly.
    holder = ApiToken.objects.get(person=office.handler_a)
    with pytest.raises(PermissionDenied, match="不能用接口令牌签发"):
        issue_token(actor=office.handler_a, name="再签一个", via_token=holder)
    assert not changed_tables(before, snapshot())
    # The page session may.
    created = session(office.handler_a).post("/api/v1/tokens", data={"name": "再签一个"},
                                             content_type="application/json")
    assert created.status_code == 201, created.content


def test_a_token_is_issued_to_its_caller_only(office):
    before = snapshot()
    with pytest.raises(PermissionDenied, match="只能为自己"):
        issue_token(actor=office.sysadmin, name="代签", person=office.head_a)
    assert not changed_tables(before, snapshot())
    # The API has no way to name another holder: a person named in the body is not read.
    page = session(office.head_a)
    created = page.post("/api/v1/tokens", data={"name": "代签", "person_id": office.handler_a.pk},
                        content_type="application/json")
    assert created.status_code == 201, created.content
    assert list(ApiToken.objects.values_list("person_id", flat=True)) == [office.head_a.pk]
    assert me(created.json()["token"]).json()["person"]["id"] == office.head_a.pk


def test_a_token_has_exactly_its_holders_rights(api, office):
    assert api.get(office.auditor, "/audit/events").status_code == 200
    refused = api.get(office.handler_a, "/audit/events")
    assert refused.status_code == 403 and has_chinese(refused.json()["detail"])
    assert api.get(office.handler_a, "/me").json()["person"]["id"] == office.handler_a.pk


# --- revocation ----------------------------------------------------------------------------------------


def test_revocation_from_the_session_and_with_the_token_itself(api, office):
    with time_machine.travel(T0, tick=False):
        first = issue_token(actor=office.clerk, name="一号")
        second = issue_token(actor=office.clerk, name="二号")
        page = session(office.clerk)
        revoked = page.post(f"/api/v1/tokens/{first.token.pk}/revoke")
        assert revoked.status_code == 200 and revoked.json()["state"] == "已吊销"
        refused_401(first.clear, "token_revoked", "吊销", "2026年3月9日 09:00")
        # Whoever holds a leaked token may kill it with itself.
        own = Client().post(f"/api/v1/tokens/{second.token.pk}/revoke", headers=bearer(second.clear))
        assert own.status_code == 200, own.content
        refused_401(second.clear, "token_revoked", "吊销")
        assert AuditEvent.objects.filter(action="api.token.revoke").count() == 2
        api.token(office.handler_a)
        before = snapshot()
        again = page.post(f"/api/v1/tokens/{first.token.pk}/revoke")
        assert again.status_code == 400 and "已吊销" in again.json()["detail"]
        other = api.post(office.handler_a, f"/tokens/{first.token.pk}/revoke")
        assert other.status_code == 404
        with pytest.raises(DomainError, match="未找到"):
            revoke_token(actor=office.handler_a, token=first.token)
        assert not changed_tables(before, snapshot())


def test_the_list_shows_each_tokens_state(office):
    with time_machine.travel(T0, tick=False):
        issue_token(actor=office.clerk, name="有效")
        issue_token(actor=office.clerk, name="短期", days=1)
        revoke_token(actor=office.clerk, token=issue_token(actor=office.clerk, name="吊销").token)
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        listed = session(office.clerk).get("/api/v1/tokens").json()
    assert {t["name"]: t["state"] for t in listed} == {"有效": "有效", "短期": "已过期", "吊销": "已吊销"}
    assert all("token" not in t and t["expires_at"] for t in listed)


# --- the holder: off post, locked, password changed ---------------------------------------------------


def test_a_person_off_post_has_all_tokens_refused(office):
    issued = issue_token(actor=office.secretary, name="秘书")
    office.secretary.is_active = False
    office.secretary.save()
    refused_401(issued.clear, "token_holder_inactive", office.secretary.name, "不在岗")
    office.secretary.is_active = True
    office.secretary.save()
    office.secretary.user.is_active = False
    office.secretary.user.save()
    refused_401(issued.clear, "token_holder_inactive", "不在岗")


def _fail_logins(username: str, address: str, times: int) -> None:
    for _ in range(times):
        request = RequestFactory().post("/login/", REMOTE_ADDR=address)
        assert authenticate(request, username=username, password="wrong-Password-1") is None


def test_a_locked_account_has_its_tokens_refused_until_the_lock_ends(office, settings):
    with time_machine.travel(T0, tick=False):
        clerk = issue_token(actor=office.clerk, name="文书")
        other = issue_token(actor=office.secretary, name="秘书")
        _fail_logins(office.clerk.user.username, "10.1.2.3", settings.AXES_FAILURE_LIMIT)
        refused_401(clerk.clear, "account_locked", "锁定", "安全保密管理员")
        assert me(other.clear).status_code == 200  # another account, from the same address as the client
    with time_machine.travel(T0 + settings.AXES_COOLOFF_TIME + timedelta(seconds=1), tick=False):
        assert me(clerk.clear).status_code == 200


def test_a_locked_address_has_tokens_from_it_refused(office, settings):
    with time_machine.travel(T0, tick=False):
        issued = issue_token(actor=office.clerk, name="文书")
        for i in range(settings.AXES_FAILURE_LIMIT):
            _fail_logins(f"guess{i}", "127.0.0.1", 1)  # the test client's address
        refused_401(issued.clear, "account_locked", "锁定")


def test_a_password_change_ends_the_tokens_issued_before(office):
    before_change = issue_token(actor=office.clerk, name="改密前")
    user = office.clerk.user
    user.set_password("Another-pass-2026")
    user.save()
    body = refused_401(before_change.clear, "token_password_changed", "密码", "重新签发")
    assert "Another" not in body["detail"]
    after_change = issue_token(actor=office.clerk, name="改密后")
    assert me(after_change.clear).status_code == 200
    assert {t["name"]: t["state"] for t in session(office.clerk).get("/api/v1/tokens").json()} == {
        "改密前": "已失效（密码已修改）", "改密后": "有效"}


def test_the_stamp_is_not_the_password_hash(office):
    token = issue_token(actor=office.clerk, name="对接").token
    token.refresh_from_db()
    assert token.password_stamp and token.password_stamp not in office.clerk.user.password


# --- the command line --------------------------------------------------------------------------------


def test_issue_token_command_takes_days_within_the_maximum(office):
    out, err = io.StringIO(), io.StringIO()
    with time_machine.travel(T0, tick=False):
        call_command("issue_token", "dept_clerk", "--name", "对接", "--days", "7", stdout=out, stderr=err)
    token = ApiToken.objects.get(person=office.dept_clerk)
    assert token.expires_at == T0 + timedelta(days=7)
    assert "2026年3月16日 09:00到期" in err.getvalue()
    before = snapshot()
    with pytest.raises(CommandError, match="1至365天"):
        call_command("issue_token", "dept_clerk", "--days", "366", stdout=io.StringIO(), stderr=io.StringIO())
    assert not changed_tables(before, snapshot())
