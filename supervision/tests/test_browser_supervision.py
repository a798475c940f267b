"""督办 through the pages, in headless Chromium (Debian's /usr/bin/chromium driven by
Playwright, as web/tests/test_browser.py): the leader ticks 督办 when instructing, a
supervisor opens the ledger and chases the item, the lead unit reports progress and its
final report, the supervisor accepts it and the item closes. Every page visited is saved
under test-artifacts/screenshots/ as supervision-NN-*.png (the ledger also at phone width)."""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

from django.utils import timezone  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from deadlines.calendar import YearUnknown  # noqa: E402
from deadlines.defaults import seed_calendar  # noqa: E402
from deadlines.models import CalendarDay, CalendarYear, Notification  # noqa: E402
from deadlines.services import calendar_for, clear_cache  # noqa: E402
from flow.defaults import install  # noqa: E402
from flow.models import NodeDefinition, ProcessTemplate  # noqa: E402
from supervision.models import SupervisionEvent, SupervisionItem  # noqa: E402
from supervision.tests.support import build_scene  # noqa: E402
from tests.browser import ARGS, CHROMIUM, PASSWORD, SHOTS, new_context  # noqa: E402
from tests.office import build_office  # noqa: E402
from ui.dates import cn_short  # noqa: E402

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]


class Walk:
    def __init__(self, browser, base_url):
        self.browser = browser
        self.base = base_url
        self.n = 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        for old in SHOTS.glob("supervision-*.png"):
            old.unlink()

    def shot(self, page, name):
        self.n += 1
        page.screenshot(path=str(SHOTS / f"supervision-{self.n:02d}-{name}.png"), full_page=True)

    def login(self, person, *, width=1280, height=900):
        page = new_context(self.browser, width=width, height=height).new_page()
        page.goto(f"{self.base}/login/")
        page.get_by_label("登录名").fill(person.user.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.locator(".gw-navbar")).to_contain_text(person.name)
        return page


def test_supervision_from_the_ledger_to_closing(live_server, transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A flushed transactional database has lost the data migrations: the templates and the calendar.
    install(ProcessTemplate, NodeDefinition)
    seed_calendar(CalendarYear, CalendarDay)
    clear_cache()
    o = build_office()
    scene = build_scene(o)
    for person in [*o.people(), scene.supervisor]:
        person.user.set_password(PASSWORD)
        person.user.save()
    doc = scene.at_instruct("关于两项政务服务机制衔接问题的请示")
    due = timezone.localdate() + timedelta(days=30)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            w = Walk(browser, live_server.url)

            # The mayor instructs and ticks 督办 on the document page.
            page = w.login(o.principal)
            page.goto(f"{live_server.url}/documents/{doc.pk}/")
            expect(page.locator("#ops")).to_contain_text("督办（本批示列入督办事项，跟踪落实）")
            page.locator("#ops textarea[name=opinion]").fill("请综合一处会同综合二处研究两项服务机制的衔接，提出改进方案。")
            expect(page.locator("#ops select[name=sv_lead_unit]")).to_be_hidden()
            page.locator("#ops input[name=supervise]").check()
            page.locator("#ops select[name=sv_lead_unit]").select_option(str(o.div_a.pk))
            page.locator("#ops select[name=sv_responsible]").select_option(str(o.handler_a.pk))
            page.locator("#ops input[name=sv_due]").fill(due.isoformat())
            page.locator(f"#ops input[name=sv_assist][value='{o.div_b.pk}']").check()
            page.locator("#ops input[name=sv_report_required]").fill("每10个工作日报送进展，办结后报送书面报告。")
            w.shot(page, "leader-ticks-supervise")
            page.locator("#ops form").first.locator("button.btn-gw[type=submit]").click()
            expect(page.locator("#doc-live .alert-success")).to_contain_text("并列入督办事项督〔")
            expect(page.locator("#sv-h")).to_be_visible()
            w.shot(page, "leader-instructed")
            page.context.close()
            item = SupervisionItem.objects.get()

            # The supervisor opens the ledger from the navigation, then the item, and chases it.
            page = w.login(scene.supervisor)
            page.locator(".gw-navbar").get_by_role("link", name="督办", exact=True).click()
            expect(page.locator("h1")).to_have_text("督办台账")
            expect(page.locator("table")).to_contain_text("关于两项政务服务机制衔接问题的请示")
            w.shot(page, "ledger")
            page.get_by_role("link", name="关于两项政务服务机制衔接问题的请示").click()
            expect(page.locator("h1")).to_contain_text("关于两项政务服务机制衔接问题的请示")
            w.shot(page, "item-supervisor")
            page.locator("#chase-msg").fill("请于本周五前报送研究进展。")
            page.get_by_role("button", name="发送催办").click()
            expect(page.locator(".alert-success")).to_contain_text("已催办，已通知孙科员、郑处长")
            w.shot(page, "chased")
            page.context.close()

            # The handler of the lead unit has the notice and reports progress, then the final report.
            page = w.login(o.handler_a)
            page.goto(f"{live_server.url}/supervision/")
            page.get_by_role("link", name="关于两项政务服务机制衔接问题的请示").click()
            page.locator("#report-text").fill("已召开专题会，梳理了两项机制的衔接环节，形成改进方案初稿。")
            w.shot(page, "unit-report-form")
            page.get_by_role("button", name="报送进展").click()
            expect(page.locator(".alert-success")).to_contain_text("已报送进展情况")
            # The report was due ten working days after the item opened (when the mayor ticked
            # 督办), whatever the moment the walk runs: computed from the office calendar; in
            # late December, when that runs into a year not entered yet, no due time is shown.
            item.refresh_from_db()
            try:
                shown = cn_short(calendar_for(item.agency).add_days(item.created_at, item.report_interval_days))
            except YearUnknown:
                shown = "—"
            expect(page.locator("td[data-label='应报时间']").first).to_contain_text(shown)
            w.shot(page, "unit-reported")
            page.locator("summary", has_text="报送办结报告").click()
            page.locator("#final-text").fill("改进方案已经市政府常务会议研究通过并印发实施。")
            page.get_by_role("button", name="报送办结报告").click()
            expect(page.locator(".alert-success")).to_contain_text("等待督查室审核")
            w.shot(page, "unit-final-report")
            page.context.close()

            # The supervisor accepts the final report; the item closes (办结销号).
            page = w.login(scene.supervisor)
            page.goto(f"{live_server.url}/supervision/{item.pk}/")
            expect(page.locator("#actions")).to_contain_text("审核办结报告")
            w.shot(page, "supervisor-review")
            page.get_by_role("button", name="审核通过").click()
            expect(page.locator(".alert-success")).to_contain_text("督办事项已办结销号")
            w.shot(page, "closed")
            page.goto(f"{live_server.url}/supervision/?state=closed")
            expect(page.locator("table")).to_contain_text("已办结销号")
            w.shot(page, "ledger-closed")
            page.goto(f"{live_server.url}/supervision/bulletin/")
            expect(page.locator("h2")).to_contain_text("督办工作通报")
            w.shot(page, "bulletin")
            page.goto(f"{live_server.url}/supervision/new/")
            w.shot(page, "open-form")
            page.context.close()

            # The ledger and the item at phone width.
            page = w.login(scene.supervisor, width=390, height=844)
            page.goto(f"{live_server.url}/supervision/")
            w.shot(page, "ledger-phone")
            page.goto(f"{live_server.url}/supervision/{item.pk}/")
            w.shot(page, "item-phone")
            page.goto(f"{live_server.url}/supervision/print/")
            w.shot(page, "ledger-print")
            page.context.close()
        finally:
            browser.close()

    item.refresh_from_db()
    assert item.state == SupervisionItem.State.CLOSED
    assert list(SupervisionEvent.objects.filter(item=item).values_list("kind", flat=True)) == [
        "open", "chase", "report", "final", "accept", "close"]
    assert Notification.objects.filter(recipient=o.handler_a, title__startswith="督办催办").count() == 1
    assert re.match(r"督〔\d{4}〕1号", item.number)
