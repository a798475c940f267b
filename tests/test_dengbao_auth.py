"""The 等保 level-3 checklist (GB/T 22239-2019 8.1.4.1), the sign-in part: one test per
control, each proving the refusal and the audit event it leaves.

- passwords: rules, history, expiry, first change after an administrator set it, the
  change page and API, the administrator's reset;
- failed logins: lock per account and per address, the security administrator's page and
  API to see and lift locks;
- sessions: idle timeout, logout everywhere, cookie flags and HSTS over HTTPS;
- second factor: mandatory set-up for administrators, the code after the password, the
  API token only from a verified session;
- the audit events of login, logout, failure, lockout, password change, second factor;
- demo passwords: a deployment without the demo flag refuses to start.
"""

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from api.tests.helpers import ApiClient
from audit.models import AuditEvent
from gongwen.errors import DomainError, PermissionDenied
from org import security
from org.checks import demo_password_errors, refuse_demo_passwords
from org.models import PasswordRecord
from org.passwords import DEMO_PASSWORD
from tests.auth import give_totp, sign_in, totp_code
from tests.browser import PASSWORD
from tests.helpers import refused

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[1]


def events(action: str, **new) -> list[AuditEvent]:
    found = list(AuditEvent.objects.filter(action=action).order_by("seq"))
    return [e for e in found if all((e.new or {}).get(k) == v for k, v in new.items())]


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def page_login(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


# --- passwords --------------------------------------------------------------------------------


@pytest.mark.parametrize(("password", "message"), [
    ("Ab1-x", "至少8位"),
    ("abcdefgh12", "至少3类"),  # two kinds
    ("ABCDEFGH-", "至少3类"),
    ("Xhandler_a-2026", "不能包含登录名"),
    (PASSWORD, "与原密码相同"),  # the current one
])
def test_password_rules_refuse_in_chinese_and_write_nothing(office, password, message):
    with refused(message):
        security.change_password(actor=office.handler_a, old_password=PASSWORD, new_password=password)
    assert not events("auth.password_change")


def test_password_history_remembers_the_last_five(office):
    user = office.handler_a.user
    old = PASSWORD
    for i in range(1, 6):
        new = f"Gongwen-{i}x"
        security.change_password(actor=office.handler_a, old_password=old, new_password=new)
        old = new
    assert PasswordRecord.objects.filter(user=user).count() == 5  # only the history is kept
    for reused in ("Gongwen-2x", "Gongwen-4x"):
        with refused("最近5次"):
            security.change_password(actor=office.handler_a, old_password=old, new_password=reused)
    # The test account's first password is now six back: allowed again.
    security.change_password(actor=office.handler_a, old_password=old, new_password=PASSWORD)
    assert len(events("auth.password_change", by="self")) == 6


def test_change_password_page_and_api(client, office):
    c = sign_in(client, office.clerk)
    page = c.get("/account/password/").content.decode()
    assert "至少3类" in page and "不能包含登录名" in page and 'type="password"' in page
    wrong = c.post("/account/password/", {"old_password": "nope", "new_password": "Gongwen-9x",
                                          "new_password2": "Gongwen-9x"})
    assert "原密码不正确" in wrong.content.decode() and not events("auth.password_change")
    r = c.post("/account/password/", {"old_password": PASSWORD, "new_password": "Gongwen-9x",
                                      "new_password2": "Gongwen-9x"})
    assert r.status_code == 302 and c.get("/").status_code == 200  # this session stays signed in
    assert get_user_model().objects.get(pk=office.clerk.user_id).check_password("Gongwen-9x")
    (event,) = events("auth.password_change", by="self")
    assert event.actor_id == office.clerk.pk and event.target_id == str(office.clerk.pk)

    api = ApiClient(Client())
    refused_ = api.post(office.head_a, "/account/password", {"old_password": "nope", "new_password": "Gongwen-8y"})
    assert refused_.status_code == 400 and chinese(refused_.json()["detail"])
    weak = api.post(office.head_a, "/account/password", {"old_password": PASSWORD, "new_password": "head_a-Abc1"})
    assert weak.status_code == 400 and "登录名" in weak.json()["detail"]
    ok = api.post(office.head_a, "/account/password", {"old_password": PASSWORD, "new_password": "Gongwen-8y"})
    assert ok.status_code == 200, ok.content
    assert ok.json()["expires_at"] > ok.json()["changed_at"]
    assert len(events("auth.password_change", by="self")) == 2


def test_first_login_after_an_administrator_set_the_password_forces_a_change(client, office):
    # The system administrator resets the handler's password (audited, by administrator).
    record = security.reset_password(actor=office.sysadmin, person=office.handler_a, new_password="Temp-Pass-1")
    (event,) = events("auth.password_change", by="administrator")
    assert event.actor_id == office.sysadmin.pk and event.new["must_change"] is True
    # The initial password is the administrator's part and the part the security
    # administrator is shown (test_a_reset_is_split_between_two_administrators).
    _, second = security.show_second_part(actor=office.secadmin, record_id=record.pk)
    initial = "Temp-Pass-1" + second

    r = page_login(client, "handler_a", initial)
    assert r.status_code == 302 and r["Location"].startswith("/account/password/")
    assert events("auth.login")[-1].new["password_change"] == "initial"
    # Nothing else goes through: pages go to the change page, the API answers 403 in Chinese.
    assert client.get("/inbox/")["Location"].startswith("/account/password/")
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and api.json()["code"] == "password_change_required"
    assert "修改密码" in api.json()["detail"]
    assert "初始密码" in client.get("/account/password/").content.decode()
    r = client.post("/account/password/", {"old_password": initial, "new_password": "Mine-2026x",
                                           "new_password2": "Mine-2026x"})
    assert r.status_code == 302
    assert client.get("/inbox/").status_code == 200
    # An account the administrator created with a password is changed at first login too.
    from org.services import create_person

    create_person(actor=office.sysadmin, agency=office.gov, name="新同志", username="newcomer",
                  password="Initial-Pw-1", unit=office.div_a)
    fresh = Client()
    assert page_login(fresh, "newcomer", "Initial-Pw-1")["Location"].startswith("/account/password/")


def test_a_reset_is_split_between_two_administrators(client, office):
    """三员相互制约: the system administrator, who resets passwords, must not be able to sign in
    as the mayor with a password he set. He sets only the first part; the security
    administrator is shown the second part once; neither alone knows the password."""
    o = office
    record = security.reset_password(actor=o.sysadmin, person=o.leader_a, new_password="Temp-Pass-1")
    # What the system administrator knows does not open the account.
    assert page_login(Client(), "leader_a", "Temp-Pass-1").status_code == 200  # the form again, not signed in
    assert not events("auth.login")
    # Only the security administrator is shown the second part, and only once.
    for who in (o.sysadmin, o.auditor, o.director):
        with refused("只有安全保密管理员", exc=PermissionDenied):
            security.show_second_part(actor=who, record_id=record.pk)
        with refused("只有安全保密管理员", exc=PermissionDenied):
            security.pending_second_parts(who)
    assert [r.pk for r in security.pending_second_parts(o.secadmin)] == [record.pk]
    sec = sign_in(Client(), o.secadmin)
    assert o.leader_a.name in sec.get("/admin/locks/").content.decode()
    page = sec.post(f"/admin/password-resets/{record.pk}/second-part/")
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    second = re.search(r'id="gw-second-part">([0-9A-Z]+)<', page.content.decode()).group(1)
    assert len(second) == security.SECOND_PART_LENGTH
    assert sec.post(f"/admin/password-resets/{record.pk}/second-part/").status_code == 404  # once
    record.refresh_from_db()
    assert (record.second_part, record.second_part_shown_by) == ("", o.secadmin)
    (shown,) = events("auth.password_reset_second_part")
    assert shown.actor_id == o.secadmin.pk and second not in json.dumps(shown.new or {})
    # The person signs in with both parts and must change the password first.
    r = page_login(Client(), "leader_a", "Temp-Pass-1" + second)
    assert r.status_code == 302 and r["Location"].startswith("/account/password/")
    # A second reset forgets the first one's part; a change by the owner forgets any.
    again = security.reset_password(actor=o.sysadmin, person=o.leader_a, new_password="Temp-Pass-2")
    assert security.pending_second_parts(o.secadmin).get().pk == again.pk
    # The API: the reset answers the record, the security administrator lists and is shown.
    api = ApiClient(Client())
    assert api.get(o.sysadmin, "/account/password-resets/pending").status_code == 403
    listed = api.get(o.secadmin, "/account/password-resets/pending").json()
    assert [(r["record_id"], r["person_name"]) for r in listed] == [(again.pk, o.leader_a.name)]
    denied = api.post(o.sysadmin, f"/account/password-resets/{again.pk}/second-part")
    assert denied.status_code == 403 and chinese(denied.json()["detail"])
    shown = api.post(o.secadmin, f"/account/password-resets/{again.pk}/second-part").json()
    assert len(shown["second_part"]) == security.SECOND_PART_LENGTH
    assert api.post(o.secadmin, f"/account/password-resets/{again.pk}/second-part").status_code == 404


def test_the_security_administrator_resets_a_lost_authenticator(client, office):
    """A lost phone: the security administrator removes the authenticator (page and API), the
    person's sessions end, the event is audited; nobody else may, and never for oneself."""
    o = office
    give_totp(o.sysadmin)
    give_totp(o.leader_a)
    session = sign_in(Client(), o.leader_a)
    assert session.get("/inbox/").status_code == 200
    for who, words in ((o.sysadmin, "只有安全保密管理员"), (o.auditor, "只有安全保密管理员"),
                       (o.director, "只有安全保密管理员"), (o.secadmin, "不能重置自己")):
        with refused(words, exc=PermissionDenied):
            security.reset_second_factor(actor=who, username=who.user.username if who == o.secadmin else "leader_a")
    with refused("没有登录名"):
        security.reset_second_factor(actor=o.secadmin, username="nobody")
    with refused("没有绑定"):
        security.reset_second_factor(actor=o.secadmin, username="handler_a")
    sec = sign_in(Client(), o.secadmin)
    assert "重置双因素认证" in sec.get("/admin/locks/").content.decode()
    r = sec.post("/admin/otp-reset/", {"username": "leader_a"}, follow=True)
    assert f"已重置{o.leader_a.name}的双因素认证" in r.content.decode()
    assert not TOTPDevice.objects.filter(user=o.leader_a.user).exists()
    assert session.get("/inbox/").status_code == 302  # signed out everywhere
    (event,) = events("auth.otp_reset")
    assert (event.actor_id, event.new["devices"]) == (o.secadmin.pk, 1)
    # The API, for the system administrator's lost phone: at the next sign-in he binds a new one.
    api = ApiClient(Client())
    denied = api.post(o.sysadmin, "/account/otp-resets", {"username": "leader_a"})
    assert denied.status_code == 403 and chinese(denied.json()["detail"])
    done = api.post(o.secadmin, "/account/otp-resets", {"username": o.sysadmin.user.username})
    assert done.status_code == 200 and done.json() == {"person_id": o.sysadmin.pk, "devices_removed": 1}
    assert security.second_factor_required(o.sysadmin.user) and not security.totp_device(o.sysadmin.user)


def test_a_password_expires_after_the_maximum_age(client, office, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    record = PasswordRecord.objects.get(user=office.clerk.user)
    PasswordRecord.objects.filter(pk=record.pk).update(set_at=timezone.now() - timedelta(days=91))
    r = page_login(client, "clerk")
    assert r["Location"].startswith("/account/password/")
    assert "超过90天" in client.get("/account/password/").content.decode()
    assert events("auth.login")[-1].new["password_change"] == "expired"
    # 89 days old: no change needed.
    PasswordRecord.objects.filter(pk=record.pk).update(set_at=timezone.now() - timedelta(days=89))
    assert page_login(Client(), "clerk")["Location"] == "/"


def test_only_the_system_administrator_resets_and_never_an_administrators_password(client, office):
    with refused("只有系统管理员", exc=PermissionDenied):
        security.reset_password(actor=office.secadmin, person=office.handler_a, new_password="Temp-Pass-1")
    with refused("三员分立", exc=PermissionDenied):
        security.reset_password(actor=office.sysadmin, person=office.auditor, new_password="Temp-Pass-1")
    with refused("不符合要求"):
        security.reset_password(actor=office.sysadmin, person=office.handler_a, new_password="weakpass")
    c = sign_in(client, office.sysadmin)
    assert c.get(f"/admin/org/people/{office.handler_a.pk}/password/").status_code == 200
    r = c.post(f"/admin/org/people/{office.handler_a.pk}/password/",
               {"new_password": "Temp-Pass-2", "new_password2": "Temp-Pass-2"})
    assert r.status_code == 302 and events("auth.password_change", by="administrator")
    assert sign_in(Client(), office.clerk).get(f"/admin/org/people/{office.handler_a.pk}/password/").status_code == 403
    api = ApiClient(Client())
    no = api.post(office.clerk, "/account/password-resets", {"person_id": office.handler_b.pk,
                                                             "new_password": "Temp-Pass-3"})
    assert no.status_code == 403 and chinese(no.json()["detail"])


# --- failed logins -------------------------------------------------------------------------------


def test_five_failures_lock_the_account_for_fifteen_minutes(client, office, settings):
    assert settings.AXES_FAILURE_LIMIT == 5 and settings.AXES_COOLOFF_TIME == timedelta(minutes=15)
    for i in range(4):
        r = page_login(client, "clerk", f"wrong-{i}", REMOTE_ADDR=f"10.0.0.{i + 1}")
        assert r.status_code == 200 and "登录名或密码不正确" in r.content.decode()
    r = page_login(client, "clerk", "wrong-5", REMOTE_ADDR="10.0.0.5")
    assert r.status_code == 429 and "已锁定15分钟" in r.content.decode() and "安全保密管理员" in r.content.decode()
    assert len(events("auth.login_failed", username="clerk")) == 5
    (lock,) = events("auth.lockout")
    assert lock.new["username"] == "clerk" and lock.new["locked"] == ["account"]
    assert lock.target_type == "Person" and lock.target_id == str(office.clerk.pk)
    # The right password from a fresh address is refused during the lock, and recorded.
    r = page_login(Client(), "clerk", REMOTE_ADDR="10.0.0.99")
    assert r.status_code == 429 and events("auth.login_failed", locked=True)
    assert not events("auth.login")
    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        assert page_login(Client(), "clerk", REMOTE_ADDR="10.0.0.99")["Location"] == "/"
    assert events("auth.login")


def test_five_failures_from_one_address_lock_the_address(client, office):
    for name in ("clerk", "secretary", "director", "nobody", "head_a"):
        page_login(client, name, "wrong", REMOTE_ADDR="10.1.1.1")
    assert [lock.kind for lock in security.current_locks()] == ["address"]
    assert page_login(Client(), "handler_a", REMOTE_ADDR="10.1.1.1").status_code == 429
    assert page_login(Client(), "handler_a", REMOTE_ADDR="10.1.1.2")["Location"] == "/"
    assert events("auth.lockout")[0].new["locked"] == ["address"]


def test_behind_a_trusted_proxy_the_lock_is_the_clients_not_everyones(client, office, settings):
    """Behind make cluster's haproxy every connection comes from 127.0.0.1: the address that
    counts is the one the proxy forwards (gongwen/proxy.py), and only a trusted proxy's."""
    settings.TRUSTED_PROXIES = ("127.0.0.1",)
    via_proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for name in ("clerk", "secretary", "director", "nobody", "head_a"):
        page_login(Client(), name, "wrong", HTTP_X_FORWARDED_FOR="10.3.0.1", **via_proxy)
    assert [(lock.kind, lock.key) for lock in security.current_locks()] == [("address", "10.3.0.1")]
    # Another client behind the same proxy signs in; the guessing client stays locked.
    assert page_login(Client(), "handler_a", HTTP_X_FORWARDED_FOR="10.3.0.2", **via_proxy)["Location"] == "/"
    assert page_login(Client(), "handler_b", HTTP_X_FORWARDED_FOR="10.3.0.1", **via_proxy).status_code == 429
    # From an address that is not a trusted proxy the header is ignored: no fresh address per guess.
    for i in range(5):
        page_login(Client(), f"guess{i}", "wrong", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR=f"10.4.0.{i}")
    assert ("address", "10.9.9.9") in [(lock.kind, lock.key) for lock in security.current_locks()]
    assert page_login(Client(), "head_b", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="10.4.0.7").status_code == 429


def test_the_security_administrator_sees_and_lifts_locks(client, office):
    for _ in range(5):
        page_login(Client(), "clerk", "wrong", REMOTE_ADDR="10.2.0.1")
    # Not for anyone else: the page is 403, the service refuses and writes nothing.
    assert sign_in(Client(), office.sysadmin).get("/admin/locks/").status_code == 403
    with refused("安全保密管理员", exc=PermissionDenied):
        security.unlock(actor=office.sysadmin, kind="account", key="clerk")
    api = ApiClient(Client())
    assert api.get(office.handler_b, "/account/locks").status_code == 403
    listed = api.get(office.secadmin, "/account/locks").json()
    assert {(x["kind"], x["key"]) for x in listed} == {("account", "clerk"), ("address", "10.2.0.1")}
    c = sign_in(client, office.secadmin)
    page = c.get("/admin/locks/").content.decode()
    assert "账号 clerk（王文书）" in page and "解除锁定" in page
    assert c.post("/admin/locks/unlock/", {"kind": "account", "key": "clerk"}).status_code == 302
    (event,) = events("auth.unlock")
    assert event.actor_id == office.secadmin.pk and event.new == {"kind": "account", "key": "clerk", "failures": 5}
    with refused("没有被锁定"):
        security.unlock(actor=office.secadmin, kind="account", key="clerk")
    # The address had only the clerk's failures: lifting the account's lock cleared them.
    assert page_login(Client(), "clerk", REMOTE_ADDR="10.2.0.1")["Location"] == "/"
    for _ in range(5):
        page_login(Client(), "secretary", "wrong", REMOTE_ADDR="10.2.0.2")
    done = api.post(office.secadmin, "/account/locks/unlock", {"kind": "address", "key": "10.2.0.2"})
    assert done.status_code == 200 and done.json()["cleared"] >= 1
    assert events("auth.unlock")[-1].new["kind"] == "address"


def test_wrong_old_passwords_count_towards_the_lockout(client, office):
    c = sign_in(client, office.clerk)
    for _ in range(5):
        c.post("/account/password/", {"old_password": "guess", "new_password": "Gongwen-9x",
                                      "new_password2": "Gongwen-9x"})
    assert [lock.key for lock in security.current_locks() if lock.kind == "account"] == ["clerk"]
    assert page_login(Client(), "clerk", REMOTE_ADDR="10.3.0.1").status_code == 429


# --- sessions -------------------------------------------------------------------------------------


def test_an_idle_session_ends_after_thirty_minutes(client, office, settings):
    assert settings.SESSION_IDLE_SECONDS == 30 * 60
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert page_login(client, "clerk")["Location"] == "/"
    # Activity every 29 minutes keeps the session.
    for minutes in (29, 58):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get("/inbox/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=58 + 31), tick=False):
        r = client.get("/inbox/")
        assert r.status_code == 302 and r["Location"].startswith("/login/")
        assert "自动退出" in client.get(r["Location"]).content.decode()
        assert client.get("/inbox/").status_code == 302
    (event,) = events("auth.logout")
    assert event.new["reason"] == "idle" and event.actor_id == office.clerk.pk


def test_logout_everywhere_ends_every_session_of_the_person(office):
    first, second, other = Client(), Client(), Client()
    for c, name in ((first, "clerk"), (second, "clerk"), (other, "secretary")):
        assert page_login(c, name)["Location"] == "/"
    page = first.get("/account/").content.decode()
    assert "退出全部会话" in page
    assert first.get("/account/sessions/end/").status_code == 405  # only by a POST
    r = first.post("/account/sessions/end/")
    assert r.status_code == 302 and r["Location"] == "/login/"
    assert first.get("/inbox/").status_code == 302 and second.get("/inbox/").status_code == 302
    assert other.get("/inbox/").status_code == 200
    (event,) = events("auth.logout", reason="everywhere")
    assert event.new["sessions"] == 2


def test_logout_is_recorded(client, office):
    page_login(client, "clerk")
    assert client.post("/logout/")["Location"] == "/login/"
    (event,) = events("auth.logout", reason="self")
    assert event.actor_id == office.clerk.pk


def test_session_cookie_flags_and_https_settings(client, office):
    r = page_login(client, "clerk")
    cookie = r.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]
    script = ("import django, json, os; os.environ['DJANGO_SETTINGS_MODULE']='gongwen.settings'; django.setup();"
              "from django.conf import settings as s; print(json.dumps([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
              " s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE]))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGWEN_HTTPS")}
    served = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
                            env={**env, "GONGWEN_HTTPS": "1"})
    assert json.loads(served.stdout) == [True, True, 365 * 24 * 3600, True, True, "Lax"]
    plain = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
                           env=env)
    assert json.loads(plain.stdout) == [False, False, 0, False, True, "Lax"]


def test_hsts_header_when_served_over_https(client, office, settings):
    settings.SECURE_HSTS_SECONDS = 365 * 24 * 3600
    settings.SESSION_COOKIE_SECURE = True
    r = client.post("/login/", {"username": "clerk", "password": PASSWORD}, secure=True)
    assert r["Strict-Transport-Security"].startswith("max-age=31536000")
    assert r.cookies["sessionid"]["secure"]


# --- the second factor ------------------------------------------------------------------------------


def _setup_key(client) -> bytes:
    from binascii import unhexlify

    return unhexlify(client.session["gw_otp_setup_key"])


def test_an_administrator_must_set_up_the_second_factor_first(client, office):
    r = page_login(client, "sysadmin")
    assert r["Location"].startswith("/account/otp/setup/")
    assert events("auth.login")[-1].new["second_factor"] == "setup"
    assert client.get("/admin/org/")["Location"].startswith("/account/otp/setup/")
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and api.json()["code"] == "second_factor_setup_required"
    page = client.get("/account/otp/setup/").content.decode()
    assert "<svg" in page and "身份验证器绑定二维码" in page and "http" not in page.split("<svg", 1)[1].split("</svg>")[0]
    assert "管理员账号必须使用双因素认证" in page
    secret = page.split('id="otp-secret">', 1)[1].split("<", 1)[0]
    assert len(secret.replace(" ", "")) == 32  # 20 bytes in base32, shown in groups of four
    # A wrong code: refused, recorded, no device.
    r = client.post("/account/otp/setup/", {"code": "000000"})
    assert "验证码不正确" in r.content.decode() and not TOTPDevice.objects.exists()
    assert events("auth.otp_failed", stage="setup")
    # The right code confirms the authenticator, and the session is verified with it.
    totp = TOTP(_setup_key(client))
    r = client.post("/account/otp/setup/", {"code": f"{totp.token():06d}"})
    assert r.status_code == 302
    device = TOTPDevice.objects.get(user=office.sysadmin.user)
    assert device.confirmed and events("auth.otp_setup")
    assert client.get("/admin/org/").status_code == 200
    # The next login asks for the code.
    fresh = Client()
    assert page_login(fresh, "sysadmin")["Location"].startswith("/account/otp/verify/")


def test_with_an_authenticator_the_code_follows_the_password(client, office):
    device = give_totp(office.clerk)
    r = client.post("/login/", {"username": "clerk", "password": PASSWORD, "next": "/inbox/"})
    assert r["Location"] == "/account/otp/verify/?next=%2Finbox%2F"
    assert events("auth.login")[-1].new["second_factor"] == "verify"
    assert client.get("/registry/")["Location"].startswith("/account/otp/verify/")
    assert client.get("/api/v1/me").json()["code"] == "second_factor_required"
    # Not even the password can be changed before the code.
    assert client.get("/account/password/")["Location"].startswith("/account/otp/verify/")
    r = client.post("/account/otp/verify/", {"code": "123456" if totp_code(device) != "123456" else "654321",
                                             "next": "/inbox/"})
    assert "验证码不正确" in r.content.decode()
    assert events("auth.otp_failed", stage="verify") and not events("auth.otp_verified")
    # django-otp slows down guessing: right after a failure even the right code waits.
    r = client.post("/account/otp/verify/", {"code": totp_code(device), "next": "/inbox/"})
    assert "错误次数过多" in r.content.decode()
    with time_machine.travel(timezone.now() + timedelta(seconds=3)):
        r = client.post("/account/otp/verify/", {"code": totp_code(device), "next": "/inbox/"})
    assert r["Location"] == "/inbox/"
    assert events("auth.otp_verified")[0].actor_id == office.clerk.pk
    assert client.get("/registry/").status_code == 200
    # The same code cannot be used twice.
    with pytest.raises(DomainError, match="验证码不正确"):
        security.verify_totp(actor=office.clerk, code=totp_code(device))


def test_the_account_page_offers_the_second_factor_to_everyone(client, office):
    page = sign_in(client, office.handler_a).get("/account/").content.decode()
    assert "未启用" in page and "绑定身份验证器" in page
    r = client.get("/account/otp/setup/")
    assert r.status_code == 200 and "<svg" in r.content.decode() and "管理员账号必须" not in r.content.decode()


def test_an_api_token_is_issued_only_from_a_verified_session(office):
    # An administrator holding a token (issued at the command line) cannot mint another with it.
    api = ApiClient(Client())
    r = api.post(office.auditor, "/tokens", {"name": "对接"})
    assert r.status_code == 403 and chinese(r.json()["detail"])
    # A person with an authenticator: a session not verified with it is refused ...
    give_totp(office.head_a)
    unverified = Client()
    unverified.force_login(office.head_a.user)
    r = unverified.post("/api/v1/tokens", data={"name": "移动办公"}, content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "second_factor_required"
    # ... a verified one is not; nor is a person without one (no second factor to ask for).
    verified = sign_in(Client(), office.secadmin)
    r = verified.post("/api/v1/tokens", data={"name": "移动办公"}, content_type="application/json")
    assert r.status_code == 201, r.content
    plain = Client()
    plain.force_login(office.handler_a.user)
    r = plain.post("/api/v1/tokens", data={"name": "移动办公"}, content_type="application/json")
    assert r.status_code == 201, r.content
    issued = set(AuditEvent.objects.filter(action="api.token.issue").values_list("actor_id", flat=True))
    assert {office.secadmin.pk, office.handler_a.pk} <= issued and office.head_a.pk not in issued


# --- the audit of signing in -------------------------------------------------------------------------


def test_login_and_failed_login_are_recorded(client, office):
    page_login(client, "nobody-here", "wrong")
    (failed,) = events("auth.login_failed")
    assert failed.target_type == "Login" and failed.new["username"] == "nobody-here" and failed.actor_id is None
    assert failed.client_address == "127.0.0.1"
    page_login(client, "clerk")
    (login,) = events("auth.login")
    assert login.actor_id == office.clerk.pk and login.new["second_factor"] == ""


# --- demo passwords -------------------------------------------------------------------------------------


def test_a_deployment_refuses_to_start_with_a_demo_password(office, settings):
    settings.DEMO_MODE = False
    assert demo_password_errors() == []
    users = [office.clerk.user, office.sysadmin.user]
    get_user_model().objects.filter(pk__in=[u.pk for u in users]).update(password=make_password(DEMO_PASSWORD))
    (error,) = demo_password_errors()
    assert error.id == "org.E001" and "clerk" in error.msg and "sysadmin" in error.msg and chinese(error.hint)
    with pytest.raises(ImproperlyConfigured, match="演示密码"):
        refuse_demo_passwords()
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    with pytest.raises(SystemCheckError, match="org.E001"):
        call_command("check")
    settings.DEMO_MODE = True  # `make run` (scripts/run.py sets GONGWEN_DEMO=1)
    assert demo_password_errors() == []
    refuse_demo_passwords()


def test_the_demo_keeps_its_logins_but_its_administrators_set_up_the_second_factor(client, office, settings):
    settings.DEMO_MODE = True
    get_user_model().objects.filter(pk__in=[office.clerk.user_id, office.sysadmin.user_id]).update(
        password=make_password(DEMO_PASSWORD))
    PasswordRecord.objects.all().delete()
    assert page_login(client, "clerk", DEMO_PASSWORD)["Location"] == "/"  # no forced change in the demo
    assert page_login(Client(), "sysadmin", DEMO_PASSWORD)["Location"].startswith("/account/otp/setup/")
    settings.DEMO_MODE = False  # the same account outside the demo must change it
    assert page_login(Client(), "clerk", DEMO_PASSWORD)["Location"].startswith("/account/password/")
    run = (ROOT / "scripts" / "run.py").read_text()
    assert 'os.environ["GONGWEN_DEMO"] = "1"' in run
