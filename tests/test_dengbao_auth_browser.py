"""The 等保 sign-in pages in headless Chromium (Debian's chromium driven by Playwright): an
administrator's first login sets up the authenticator from the QR page (the code is
computed from the secret the page shows, as an app would), the next login asks for the
code; five wrong passwords lock an account and show the lockout page; the security
administrator lifts the lock; a person whose password was reset changes it first, at
phone width. Screenshots under test-artifacts/screenshots/auth-*."""

import os
import re
from base64 import b32decode
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

from django_otp.oath import TOTP  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from org import security  # noqa: E402
from tests.auth import give_totp, totp_code  # noqa: E402
from tests.browser import ARGS, CHROMIUM, PASSWORD, SHOTS, new_context  # noqa: E402
from tests.office import build_office  # noqa: E402

pytestmark = [
    pytest.mark.browser,
    # At one instant only in `make test`: the lock's 15 minutes and the authenticator's codes
    # are reckoned from the test's own clock (time travel, TOTP of now), never from a date.
    pytest.mark.any_instant,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]


def submit_login(page, base, username, password):
    page.goto(f"{base}/login/")
    page.get_by_label("登录名").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()


def shot(page, name):
    page.screenshot(path=str(SHOTS / f"auth-{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_sign_in_pages(live_server):
    o = build_office()
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            # The security administrator's first login: set up the authenticator.
            page = new_context(browser).new_page()
            submit_login(page, base, "secadmin", PASSWORD)
            expect(page).to_have_url(re.compile(r"/account/otp/setup/"))
            expect(page.locator("svg.gw-qr")).to_be_visible()
            expect(page.get_by_role("alert")).to_contain_text("管理员账号必须使用双因素认证")
            shot(page, "otp-setup")
            secret = page.locator("#otp-secret").inner_text().replace(" ", "")
            key = b32decode(secret + "=" * (-len(secret) % 8))
            page.get_by_label("验证器显示的6位验证码").fill(f"{TOTP(key).token():06d}")
            page.get_by_role("button", name="确认绑定").click()
            expect(page.locator(".gw-navbar")).to_contain_text(o.secadmin.name)
            expect(page.locator(".alert-success")).to_contain_text("身份验证器已绑定")

            # Five wrong passwords for the clerk: the lockout page.
            clerk = new_context(browser, width=390, height=844).new_page()
            for i in range(5):
                submit_login(clerk, base, "clerk", f"wrong-{i}")
            expect(clerk.get_by_role("alert")).to_contain_text("已锁定15分钟")
            shot(clerk, "lockout-phone")

            # The security administrator lifts it.
            page.goto(f"{base}/admin/locks/")
            expect(page.locator("table").first).to_contain_text("账号 clerk（王文书）")
            shot(page, "locks")
            page.locator("tr", has_text="账号 clerk").get_by_role("button", name="解除锁定").click()
            expect(page.locator(".alert-success")).to_contain_text("已解除锁定")
            submit_login(clerk, base, "clerk", PASSWORD)
            expect(clerk.locator(".gw-navbar")).to_contain_text(o.clerk.name)

            # The next login of the administrator asks for the code.
            device = give_totp(o.secadmin)  # (forget the step just used: the same 30 seconds)
            again = new_context(browser, width=390, height=844).new_page()
            submit_login(again, base, "secadmin", PASSWORD)
            expect(again).to_have_url(re.compile(r"/account/otp/verify/"))
            shot(again, "otp-verify-phone")
            again.get_by_label("验证码").fill(totp_code(device))
            again.get_by_role("button", name="验证").click()
            expect(again.locator(".gw-navbar")).to_contain_text(o.secadmin.name)

            # A reset (the system administrator set the first part): the security administrator
            # is shown the second part once, on the 登录锁定 page; the person signs in with both
            # and changes the password first, at phone width; then the account page.
            security.reset_password(actor=o.sysadmin, person=o.handler_a, new_password="Temp-Pass-1")
            again.goto(f"{base}/admin/locks/")
            row = again.get_by_role("row").filter(has_text=o.handler_a.name)
            shot(again, "locks-with-a-reset-phone")
            row.get_by_role("button", name="查看第二段").click()
            second = again.locator("#gw-second-part").inner_text().strip()
            assert len(second) == security.SECOND_PART_LENGTH
            shot(again, "password-reset-second-part-phone")
            handler = new_context(browser, width=390, height=844).new_page()
            submit_login(handler, base, "handler_a", "Temp-Pass-1" + second)
            expect(handler).to_have_url(re.compile(r"/account/password/"))
            expect(handler.get_by_role("alert").first).to_contain_text("初始密码")
            shot(handler, "password-change-phone")
            handler.get_by_label("原密码").fill("Temp-Pass-1" + second)
            handler.get_by_label("新密码", exact=True).fill("Mine-2026x")
            handler.get_by_label("再次输入新密码").fill("Mine-2026x")
            handler.get_by_role("button", name="修改密码").click()
            expect(handler.locator(".alert-success")).to_contain_text("密码已修改")
            handler.goto(f"{base}/account/")
            expect(handler.locator("main")).to_contain_text("退出全部会话")
            shot(handler, "account-phone")
        finally:
            browser.close()
