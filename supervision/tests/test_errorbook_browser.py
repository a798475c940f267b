"""The error book in headless Chromium (Debian's /usr/bin/chromium driven by Playwright):
the office director returns a document choosing the error category on the page, records
a correction found in review from the document's panel with the keyboard, and opens the
week's report, at desktop and at phone width. Screenshots under test-artifacts/screenshots/."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from flow import services as flow  # noqa: E402
from flow.defaults import install  # noqa: E402
from flow.models import NodeDefinition, ProcessTemplate  # noqa: E402
from supervision.models import ErrorRecord  # noqa: E402
from tests.browser import ARGS, CHROMIUM, PASSWORD, SHOTS  # noqa: E402
from tests.browser import login as _login
from tests.helpers import open_task  # noqa: E402
from tests.office import build_office  # noqa: E402

from .errorbook_helpers import at_approve, registered  # noqa: E402

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]



def test_error_book_through_the_pages(live_server, transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    install(ProcessTemplate, NodeDefinition)  # a flushed transactional database has lost the data migration
    o = build_office()
    for person in o.people():
        person.user.set_password(PASSWORD)
        person.user.save()
    doc = registered(o)
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
    draft = at_approve(o)
    SHOTS.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = _login(browser, live_server.url, o.director)
            # 退回 from 拟办 to 初审: the form asks for the category.
            page.goto(f"{live_server.url}/documents/{doc.pk}/")
            page.locator("summary", has_text="退回").first.click()
            form = page.locator("form[action$='/op/return/']")
            form.get_by_label("退回理由（必填）").fill("来文字号漏登，请补登后再送。")
            form.get_by_label("差错类别（必选，记入错题本）").select_option("格式")
            page.screenshot(path=str(SHOTS / "errorbook-01-return-form.png"), full_page=True)
            form.get_by_role("button", name="退回").click()
            expect(page.locator("#doc-live .alert-success")).to_contain_text("已退回")

            # 记录审核纠错 from the panel, with the keyboard only.
            page.goto(f"{live_server.url}/documents/{draft.pk}/")
            summary = page.locator("#errbook-panel summary")
            summary.focus()
            page.keyboard.press("Enter")
            page.keyboard.press("Tab")
            for _ in range(3):  # 请选择 → 程序 → 格式 → 文字
                page.keyboard.press("ArrowDown")
            panel = page.locator("#errbook-panel")
            expect(panel.get_by_label("差错类别（必选）")).to_have_value("文字")
            panel.get_by_label("责任单位（必选）").select_option(label="综合一处")
            panel.get_by_label("发现的差错（必填）").fill("答复稿把“整改”写成“正改”。")
            panel.get_by_label("发现的差错（必填）").press("Tab")
            page.keyboard.press("Enter")
            expect(page.locator(".alert-success")).to_contain_text("已记入错题本")
            expect(page.locator("#errbook-panel")).to_contain_text("正改")
            page.screenshot(path=str(SHOTS / "errorbook-02-document-panel.png"), full_page=True)

            # The week's report from the nav.
            page.get_by_role("link", name="错题本").first.click()
            expect(page.locator("h1")).to_contain_text("错题本周报")
            expect(page.locator("table").first).to_contain_text("秘书科")
            expect(page.locator("table").first).to_contain_text("综合一处")
            page.screenshot(path=str(SHOTS / "errorbook-03-weekly.png"), full_page=True)

            phone = _login(browser, live_server.url, o.director, width=390, height=844)
            phone.goto(f"{live_server.url}/supervision/errorbook/")
            expect(phone.locator("h1")).to_contain_text("错题本周报")
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"the page is {width}px wide at phone width"
            phone.screenshot(path=str(SHOTS / "errorbook-04-weekly-phone.png"), full_page=True)
        finally:
            browser.close()
    assert list(ErrorRecord.objects.order_by("id").values_list("source", "category")) == [
        ("return", "格式"), ("review", "文字")]
