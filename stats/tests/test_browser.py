"""The statistics dashboard in headless Chromium (Debian's /usr/bin/chromium, as in
web/tests/test_browser.py): the charts draw at phone width without widening the page,
they are reachable with the keyboard, and the page loads nothing from outside the
application. Screenshots under test-artifacts/screenshots/stats-*.png."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from deadlines.defaults import install as install_rules  # noqa: E402
from deadlines.defaults import seed_calendar  # noqa: E402
from deadlines.models import CalendarDay, CalendarYear, TimeLimitRule  # noqa: E402
from flow import services as flow  # noqa: E402
from flow.defaults import install  # noqa: E402
from flow.models import NodeDefinition, ProcessTemplate  # noqa: E402
from incoming.services import IncomingData, register_incoming  # noqa: E402
from stats import services  # noqa: E402
from tests.browser import ARGS, CHROMIUM, PASSWORD, SHOTS, new_context  # noqa: E402
from tests.helpers import open_task  # noqa: E402
from tests.office import build_office  # noqa: E402

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]


def test_dashboard_at_phone_width_with_keyboard(live_server, transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A flushed transactional database has lost the data migrations.
    install(ProcessTemplate, NodeDefinition)
    seed_calendar(CalendarYear, CalendarDay)
    install_rules(TimeLimitRule)
    o = build_office()
    o.director.user.set_password(PASSWORD)
    o.director.user.save()
    for i, unit in enumerate((o.div_a, o.div_b, o.div_a)):
        doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
            title=f"关于第{i + 1}项工作的通知", doc_type="通知", sender_name="示范省某厅"))
        flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
        flow.send_on(open_task(doc, o.director).pk, actor=o.director, opinion="拟请阅示。",
                     next_assignees=[o.leader_a])
        flow.send_on(open_task(doc, o.leader_a).pk, actor=o.leader_a, opinion="请研办。")
        flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请主办。", lead_unit=unit)
    services.compute_month(*services.current_month())
    SHOTS.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for width, height, name in ((390, 844, "phone"), (1280, 900, "desktop")):
                page = new_context(browser, width=width, height=height).new_page()
                requested = []
                page.on("request", lambda r, seen=requested: seen.append(r.url))
                page.goto(f"{live_server.url}/login/")
                page.get_by_label("登录名").fill(o.director.user.username)
                page.get_by_label("密码").fill(PASSWORD)
                page.get_by_role("button", name="登录").click()
                expect(page.locator(".gw-navbar")).to_contain_text(o.director.name)
                page.goto(f"{live_server.url}/stats/")
                expect(page.locator("h1")).to_contain_text("统计")
                # ECharts drew into both chart boxes, within the viewport's width.
                for chart in ("#chart-bars", "#chart-trend"):
                    expect(page.locator(f"{chart} canvas")).to_have_count(1)
                    box = page.locator(f"{chart} canvas").bounding_box()
                    assert box["width"] > 100 and box["x"] + box["width"] <= width + 1, (name, chart, box)
                # Nothing widens the page (the tables scroll inside their own box).
                assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, name
                expect(page.locator('[data-table="units"]')).to_contain_text("综合一处")
                # Keyboard: from the top, Tab reaches the filters, the export link and the chart.
                page.locator("body").focus()
                reached = []
                for _ in range(40):
                    page.keyboard.press("Tab")
                    reached.append(page.evaluate("document.activeElement.id || document.activeElement.textContent"))
                    if reached[-1] == "chart-bars":
                        break
                assert "f-year" in reached and "导出Excel" in [r.strip() for r in reached], reached
                assert reached[-1] == "chart-bars", reached
                page.screenshot(path=str(SHOTS / f"stats-dashboard-{name}.png"), full_page=True)
                # Everything came from the application itself: no CDN.
                assert requested and all(u.startswith(live_server.url) for u in requested), requested
                page.context.close()
        finally:
            browser.close()
