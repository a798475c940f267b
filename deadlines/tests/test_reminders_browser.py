"""Reminders in headless Chromium (Debian's chromium driven by Playwright): a division
head at phone width finds the unread badge, opens 消息 and marks one read (htmx: the row
and the badge change in place); the office clerk opens 逾期与临期 and chases the holder.
Screenshots under test-artifacts/screenshots/reminders-*."""

import os
from datetime import timedelta
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

from django.utils import timezone  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from deadlines import defaults, reminders  # noqa: E402
from deadlines.models import CalendarDay, CalendarYear, Reminder, ReminderKind, ReminderPolicy, TimeLimitRule  # noqa: E402
from flow.defaults import install  # noqa: E402
from flow.models import NodeDefinition, ProcessTemplate  # noqa: E402
from tests.browser import ARGS, CHROMIUM, PASSWORD, SHOTS  # noqa: E402
from tests.browser import login as _login
from tests.office import build_office  # noqa: E402

from .reminder_helpers import at_division  # noqa: E402

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]



@pytest.mark.django_db(transaction=True)
def test_notifications_and_overdue_pages(live_server, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A flushed transactional database has lost the data migrations.
    install(ProcessTemplate, NodeDefinition)
    if not CalendarYear.objects.exists():
        defaults.seed_calendar(CalendarYear, CalendarDay)
    defaults.install(TimeLimitRule)
    ReminderPolicy.objects.get_or_create(agency=None)
    o = build_office()
    for p in o.people():
        p.user.set_password(PASSWORD)
        p.user.save()
    # Two documents at 综合一处, due a week ago and three days ago; the worker has run.
    now = timezone.now()
    for days in (7, 3):
        start = now - timedelta(days=days + 5)
        at_division(o, start, timezone.localdate(now - timedelta(days=days)),
                    title=f"关于报送第{days}批安全生产检查情况的通知")
    assert reminders.scan() >= 2
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = _login(browser, live_server.url, o.head_a, width=390, height=844)
            page.goto(f"{live_server.url}/deadlines/notifications/")
            badge = page.locator("#nav-unread .badge")
            expect(badge).to_have_text("2")
            page.screenshot(path=str(SHOTS / "reminders-notifications-phone.png"), full_page=True)
            page.locator("#main li button", has_text="标为已读").first.click()
            expect(badge).to_have_text("1")
            expect(page.locator("#page-unread")).to_have_text("1条未读")
            expect(page.locator("#main li button", has_text="标为已读")).to_have_count(1)
            page.screenshot(path=str(SHOTS / "reminders-notifications-read-phone.png"), full_page=True)

            page = _login(browser, live_server.url, o.clerk)
            page.get_by_role("link", name="逾期临期").click()
            expect(page.locator("table tbody tr")).to_have_count(2)
            expect(page.locator("table")).to_contain_text("逾期")
            page.screenshot(path=str(SHOTS / "reminders-overdue.png"), full_page=True)
            row = page.locator("table tbody tr").first
            row.get_by_label("催办郑处长的内容").fill("请今日下班前办结并反馈。")
            row.get_by_role("button", name="催办").click()
            expect(page.locator(".alert-success")).to_contain_text("已向郑处长发出催办")
            page.screenshot(path=str(SHOTS / "reminders-chased.png"), full_page=True)
            page.emulate_media(media="print")
            page.screenshot(path=str(SHOTS / "reminders-overdue-print.png"), full_page=True)
        finally:
            browser.close()
    assert Reminder.objects.filter(kind=ReminderKind.MANUAL, sent_by=o.clerk).count() == 1
