"""One document from registration to 办结 through the pages, in headless Chromium
(Debian's /usr/bin/chromium driven by Playwright; never a downloaded browser). Each role
logs in in turn; every page visited is saved as a full-page screenshot under
test-artifacts/screenshots/ (the document page also at phone width)."""

import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from documents.models import Document, Status  # noqa: E402
from flow.defaults import install  # noqa: E402
from flow.models import NodeDefinition, ProcessTemplate  # noqa: E402
from tests.browser import ARGS, CHROMIUM, PASSWORD, SHOTS, login  # noqa: E402
from tests.office import build_office  # noqa: E402

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

    def shot(self, page, name):
        self.n += 1
        page.screenshot(path=str(SHOTS / f"{self.n:02d}-{name}.png"), full_page=True)

    def login(self, person, *, width=1280, height=900):
        return login(self.browser, self.base, person, width=width, height=height)

    def open_document(self, page, document_pk, name):
        page.goto(f"{self.base}/documents/{document_pk}/")
        expect(page.locator("#ops")).to_be_visible()
        self.shot(page, name)

    def submit_main(self, page, expected: str, name: str):
        page.locator("#ops form").first.locator("button.btn-gw[type=submit]").click()
        expect(page.locator("#doc-live .alert-success")).to_contain_text(expected)
        self.shot(page, name)


def test_incoming_document_from_registration_to_completion(live_server, transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    install(ProcessTemplate, NodeDefinition)  # a flushed transactional database has lost the data migration
    o = build_office()
    for person in o.people():
        person.user.set_password(PASSWORD)
        person.user.save()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            w = Walk(browser, live_server.url)

            # 文书 registers the document.
            page = w.login(o.clerk)
            expect(page.locator("h1")).to_contain_text("工作台")
            w.shot(page, "clerk-dashboard")
            page.get_by_role("link", name="收文登记", exact=True).first.click()
            page.locator("#id_title").fill("关于报送全市道路交通安全整治情况的通知")
            page.locator("#id_doc_type").select_option("通知")
            page.locator("#id_slip_kind").select_option("relay")
            page.locator("#id_sender").select_option(str(o.province.pk))
            page.locator("#id_doc_number").fill("示省政办〔2026〕12号")
            page.locator("#id_urgency").select_option("加急")
            page.locator("#id_deadline_date").fill("2099-03-09")
            page.locator("#id_deadline_kind").select_option("noon")
            w.shot(page, "clerk-register-form")
            page.get_by_role("button", name="登记", exact=True).click()
            expect(page.locator(".alert-success")).to_contain_text("已登记")
            doc_pk = int(re.search(r"/documents/(\d+)/", page.url).group(1))
            w.shot(page, "clerk-document-registered")
            page.context.close()

            # 秘书 初审, with a phrase from 常用语.
            page = w.login(o.secretary)
            page.get_by_role("link", name=re.compile("待办")).first.click()
            w.shot(page, "secretary-inbox")
            page.get_by_role("link", name="关于报送全市道路交通安全整治情况的通知").click()
            expect(page.locator("#ops")).to_contain_text("初审")
            w.shot(page, "secretary-document")
            page.locator("#ops [data-phrase='请按规定办理。']").click()
            expect(page.locator("#ops textarea[name=opinion]")).to_have_value("请按规定办理。")
            w.submit_main(page, "已办理“初审”", "secretary-screened")
            expect(page.locator("#nav-inbox")).to_have_text("")  # the badge follows the htmx swap
            page.context.close()

            # 办公室主任 拟办, choosing the leaders in order.
            page = w.login(o.director)
            w.open_document(page, doc_pk, "director-document")
            page.locator("#ops textarea[name=opinion]").fill("拟请周副市长阅示，陈市长审阅。请综合一处牵头办理并答复。")
            page.locator(f"#ops input[name=next_assignees][value='{o.leader_a.pk}']").check()
            page.locator(f"#ops input[name=next_assignees][value='{o.principal.pk}']").check()
            page.locator("#ops input[name=next_mode][value=sequential]").check()
            page.locator("#ops input[name=needs_reply]").check()
            page.locator("#ops input[name=needs_leader_approval]").check()
            w.shot(page, "director-proposal-filled")
            w.submit_main(page, "已办理“拟办”", "director-proposed")
            page.context.close()

            # The leaders 批示, one after the other; the first one on a phone.
            page = w.login(o.leader_a, width=390, height=844)
            w.open_document(page, doc_pk, "leader-document-phone")
            page.locator("#ops textarea[name=opinion]").fill("请综合一处抓紧办理，按时答复。")
            w.submit_main(page, "已办理“领导批示”", "leader-instructed-phone")
            page.context.close()
            page = w.login(o.principal)
            w.open_document(page, doc_pk, "principal-document")
            page.locator("#ops [data-phrase='同意。']").click()
            w.submit_main(page, "已办理“领导批示”", "principal-instructed")
            page.context.close()

            # 秘书 分办 to the lead unit.
            page = w.login(o.secretary)
            w.open_document(page, doc_pk, "secretary-distribute")
            page.locator("#ops select[name=lead_unit]").select_option(str(o.div_a.pk))
            w.submit_main(page, "已办理“分办”", "secretary-distributed")
            page.context.close()

            # 处长 assigns the handler.
            page = w.login(o.head_a)
            w.open_document(page, doc_pk, "head-document")
            page.locator("#ops summary", has_text="指定承办人").click()
            page.locator("#ops select[name=handler]").select_option(str(o.handler_a.pk))
            page.locator("#ops input[name=note]").first.fill("请孙科员拟写答复稿。")
            page.locator("#ops button", has_text="交承办人办理").click()
            expect(page.locator("#doc-live .alert-success")).to_contain_text("已指定孙科员为承办人")
            w.shot(page, "head-assigned")
            page.context.close()

            # 承办人 sends the draft reply to the leader for approval.
            page = w.login(o.handler_a)
            w.open_document(page, doc_pk, "handler-document")
            page.locator("#ops textarea[name=opinion]").fill("已拟好答复稿，请周副市长审定。")
            w.submit_main(page, "已办理“承办”", "handler-sent-for-approval")
            page.context.close()

            # 分管领导 approves.
            page = w.login(o.leader_a)
            w.open_document(page, doc_pk, "leader-approve")
            page.locator("#ops textarea[name=opinion]").fill("同意答复。")
            w.submit_main(page, "已办理“领导审定”", "leader-approved")
            page.context.close()

            # 承办人 答复.
            page = w.login(o.handler_a)
            w.open_document(page, doc_pk, "handler-reply")
            page.locator("#ops textarea[name=reply_text]").fill("已以示府办函〔2026〕3号答复省政府办公厅。")
            w.submit_main(page, "已办理“答复”", "handler-replied")
            page.context.close()

            # 文书 办结, then the slip and the ledger.
            page = w.login(o.clerk)
            page.get_by_role("link", name=re.compile("待办")).first.click()
            w.shot(page, "clerk-inbox")
            w.open_document(page, doc_pk, "clerk-complete")
            page.locator("#ops textarea[name=opinion]").fill("已答复，办结。")
            w.submit_main(page, "本件已办结", "clerk-completed")
            expect(page.locator("#doc-status")).to_contain_text("已办结")
            page.goto(f"{live_server.url}/documents/{doc_pk}/slip/")
            expect(page.locator("h1")).to_have_text("示范市人民政府办公室传文处理笺")
            expect(page.locator(".gw-slip")).to_contain_text("同意答复。")
            w.shot(page, "slip")
            page.goto(f"{live_server.url}/registry/")
            expect(page.locator("table")).to_contain_text("关于报送全市道路交通安全整治情况的通知")
            w.shot(page, "registry")
            page.goto(f"{live_server.url}/registry/print/")
            w.shot(page, "registry-print")
            page.context.close()

            # The document page at phone width, after completion.
            page = w.login(o.leader_a, width=390, height=844)
            page.goto(f"{live_server.url}/documents/{doc_pk}/")
            expect(page.locator("#doc-status")).to_contain_text("已办结")
            w.shot(page, "leader-document-completed-phone")
            page.goto(f"{live_server.url}/done/")
            w.shot(page, "leader-done-phone")
            page.context.close()
        finally:
            browser.close()

    document = Document.objects.get(pk=doc_pk)
    assert document.status == Status.COMPLETED
    assert document.reply_text.startswith("已以示府办函〔2026〕3号")
