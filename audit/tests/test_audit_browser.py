"""The security auditor on the audit page in headless Chromium, at phone width: filters by
an action group, writes a checkpoint with the button, runs 完整性校验 and reads the result —
under the Content-Security-Policy (tests/browser.py fails on any violation)."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from audit import checkpoints as cp  # noqa: E402
from org import services as org  # noqa: E402
from tests.browser import ARGS, CHROMIUM, PASSWORD, SHOTS, login  # noqa: E402
from tests.office import build_office  # noqa: E402

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]


def test_the_auditor_filters_writes_a_checkpoint_and_verifies(live_server, transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    o = build_office()
    o.auditor.user.set_password(PASSWORD)
    o.auditor.user.save()
    org.create_agency(actor=o.sysadmin, name="示范市水务局", short_name="市水务局", kind="department")
    org.update_agency(actor=o.sysadmin, agency=o.dept, short_name="交通局")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = login(browser, live_server.url, o.auditor, width=390, height=844)
            page.goto(f"{live_server.url}/audit/")
            expect(page.locator("h1")).to_contain_text("审计日志")
            table = page.locator("table tbody")
            expect(table).to_contain_text("新增机关")
            expect(table).to_contain_text("简称：市交通局 → 交通局")
            expect(table).not_to_contain_text("org.agency")

            page.get_by_label("操作", exact=True).select_option(label="修改机关")
            page.get_by_role("button", name="筛选").click()
            expect(table).to_contain_text("修改机关")
            expect(table).not_to_contain_text("新增机关")

            page.get_by_role("button", name="立即写入检查点").click()
            expect(page.locator("body")).to_contain_text("已写入审计检查点：覆盖到第")
            page.get_by_role("button", name="校验完整性").click()
            expect(page.locator("body")).to_contain_text("审计链完整")
            expect(page.locator("body")).to_contain_text("签名有效")
            page.screenshot(path=str(SHOTS / "audit-phone.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1, "wider than the phone"
            page.context.close()
        finally:
            browser.close()
    assert cp.newest_checkpoint() is not None
