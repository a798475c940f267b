"""The working-calendar pages and the 值班表 in headless Chromium (Debian's chromium driven
by Playwright): the system administrator reads the 2026 calendar; a telegram registered on
New Year's Eve waits for the 2027 calendar (时限待定) and the dashboards say so; the
administrator pastes the 2027 notice, checks the year view and confirms, and the waiting
due time is computed; the office clerk arranges a duty shift. Screenshots (desktop, phone,
print) under test-artifacts/screenshots/calendar-* and duty-*."""

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

import time_machine  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from deadlines.models import CalendarYear  # noqa: E402
from deadlines.tests.test_notice import NOTICE_2027  # noqa: E402
from flow.models import Task  # noqa: E402
from incoming.services import IncomingData, register_incoming  # noqa: E402
from org.models import DutyShift  # noqa: E402
from tests.browser import ARGS, CHROMIUM, SHOTS  # noqa: E402
from tests.browser import login as _login
from tests.factories import person  # noqa: E402
from tests.office import build_office  # noqa: E402

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]
SH = ZoneInfo("Asia/Shanghai")



@pytest.mark.django_db(transaction=True)
def test_calendar_and_duty_pages(live_server):
    o = build_office()
    officer = person(o.gov, "梁值班", "duty_a", "duty_officer", unit=o.office_unit)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = _login(browser, live_server.url, o.sysadmin)
            page.get_by_role("link", name="工作日历").first.click()
            page.goto(f"{live_server.url}/deadlines/admin/calendar/2026/")
            expect(page.locator("table.gw-cal-month")).to_have_count(12)
            expect(page.locator("td[title='10月10日 星期六：调休上班（国庆节调休上班）']")).to_be_visible()
            page.screenshot(path=str(SHOTS / "calendar-2026.png"), full_page=True)
            page.emulate_media(media="print")
            page.screenshot(path=str(SHOTS / "calendar-2026-print.png"), full_page=True)
            page.emulate_media(media="screen")

            # A telegram registered on New Year's Eve waits for the 2027 calendar (时限待定):
            # the administrator's dashboard says so; the secretary's 工作台 shows the red
            # banner and the to-do list the pending due time.
            with time_machine.travel(datetime(2026, 12, 31, 16, 0, tzinfo=SH), tick=False):
                telegram = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
                    title="关于做好元旦春节期间安全生产工作的电报", doc_type="电报", urgency="平急",
                    sender_id=o.province.pk))
            assert Task.objects.filter(document=telegram, due_pending_year=2027).exists()
            page.goto(f"{live_server.url}/")
            expect(page.locator("#pending-banner")).to_contain_text("1项待办办理时限待定（2027年日历未录入）")
            page.screenshot(path=str(SHOTS / "calendar-pending-admin-dashboard.png"), full_page=True)
            secretary = _login(browser, live_server.url, o.secretary)
            expect(secretary.locator("#pending-banner")).to_contain_text("本机关有1项待办办理时限待定")
            expect(secretary.locator("table")).to_contain_text("时限待定")
            secretary.screenshot(path=str(SHOTS / "calendar-pending-office-dashboard.png"), full_page=True)

            page.goto(f"{live_server.url}/deadlines/admin/calendar/enter/?year=2027")
            page.locator("#h_start_0").fill("2027-01-01")
            page.locator("#h_end_0").fill("2027-01-03")
            page.locator("#notice").fill("国务院办公厅关于2027年部分节假日安排的通知")
            page.screenshot(path=str(SHOTS / "calendar-enter-2027.png"), full_page=True)
            # Paste the notice, read it, see the year, confirm.
            page.locator("#notice_text").fill(NOTICE_2027)
            page.get_by_role("button", name="解析").click()
            expect(page.locator("#preview-h")).to_contain_text("国务院办公厅关于2027年部分节假日安排的通知")
            expect(page.locator("td[title='2月20日 星期六：调休上班（春节调休上班）']")).to_be_visible()
            page.screenshot(path=str(SHOTS / "calendar-notice-preview-2027.png"), full_page=True)
            assert not CalendarYear.objects.filter(year=2027).exists()
            page.get_by_role("button", name="确认保存2027年安排").click()
            expect(page.locator(".gw-messages")).to_contain_text("已按新日历计算1项时限待定待办的办理时限")
            assert CalendarYear.objects.filter(year=2027).exists()
            assert not Task.objects.filter(due_pending_year__isnull=False).exists()
            secretary.reload()
            expect(secretary.locator("#pending-banner")).to_have_count(0)
            secretary.context.close()
            page.context.close()

            phone = _login(browser, live_server.url, o.sysadmin, width=390, height=844)
            phone.goto(f"{live_server.url}/deadlines/admin/calendar/2026/")
            phone.screenshot(path=str(SHOTS / "calendar-2026-phone.png"), full_page=True)
            phone.goto(f"{live_server.url}/deadlines/admin/rules/")
            phone.screenshot(path=str(SHOTS / "calendar-rules-phone.png"), full_page=True)
            phone.context.close()

            clerk = _login(browser, live_server.url, o.clerk)
            clerk.get_by_role("link", name="值班", exact=True).click()
            clerk.get_by_label("值班人员").select_option(label="梁值班")
            clerk.get_by_role("button", name="安排").click()
            expect(clerk.locator(".gw-messages")).to_contain_text("已安排梁值班值班")
            assert DutyShift.objects.filter(person=officer).exists()
            clerk.screenshot(path=str(SHOTS / "duty-roster.png"), full_page=True)
            clerk.emulate_media(media="print")
            clerk.screenshot(path=str(SHOTS / "duty-roster-print.png"), full_page=True)
            clerk.context.close()
        finally:
            browser.close()
