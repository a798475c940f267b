"""One outgoing document from 拟稿 to 分发 through the pages, in headless Chromium (Debian's
/usr/bin/chromium driven by Playwright): the drafter fills in the drafting form and writes
the body in blocks, asks 综合二处 to countersign, the reviewers send it on, the leader in
charge signs it off (the document page also at phone width), the clerk numbers it and
makes the proof, the seal keeper seals it, the clerk dispatches it and the dispatch panel
shows the internal recipient 待签收. Every page is saved as a full-page screenshot under
test-artifacts/screenshots/ (issuing-*.png)."""

import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from documents.models import Document, NumberSeries, Status  # noqa: E402
from flow.defaults import install  # noqa: E402
from flow.models import NodeDefinition, ProcessTemplate  # noqa: E402
from tests.browser import ARGS, CHROMIUM, PASSWORD, SHOTS, login  # noqa: E402
from tests.office import build_office  # noqa: E402

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]

TITLE = "示范市人民政府办公室关于做好春节期间道路运输安全工作的通知"


class Walk:
    def __init__(self, browser, base_url):
        self.browser = browser
        self.base = base_url
        self.n = 0
        SHOTS.mkdir(parents=True, exist_ok=True)

    def shot(self, page, name):
        self.n += 1
        page.screenshot(path=str(SHOTS / f"issuing-{self.n:02d}-{name}.png"), full_page=True)

    def login(self, person, *, width=1280, height=900):
        return login(self.browser, self.base, person, width=width, height=height)

    def open(self, page, pk, name, expect_text=None):
        page.goto(f"{self.base}/documents/{pk}/")
        expect(page.locator("#ops")).to_be_visible()
        if expect_text:
            expect(page.locator("#ops")).to_contain_text(expect_text)
        self.shot(page, name)

    def submit_main(self, page, expected, name, opinion=None):
        if opinion is not None:
            page.locator("#ops textarea[name=opinion]").first.fill(opinion)
        page.locator("#ops form").first.locator("button.btn-gw[type=submit]").click()
        expect(page.locator("#doc-live .alert-success")).to_contain_text(expected)
        self.shot(page, name)


def test_outgoing_document_from_drafting_to_dispatch(live_server, transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    install(ProcessTemplate, NodeDefinition)  # a flushed transactional database has lost the data migration
    o = build_office()
    for person in o.people():
        person.user.set_password(PASSWORD)
        person.user.save()
    NumberSeries.objects.create(agency=o.gov, code="示府办发", name="府办发文")
    from sealing.services import register_seal

    register_seal(actor=o.secadmin, agency=o.gov, name="示范市人民政府办公室印", keeper=o.keeper)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            w = Walk(browser, live_server.url)

            # 孙科员 (综合一处) drafts: the drafting form, first with a mistake kept on the page.
            page = w.login(o.handler_a)
            page.get_by_role("link", name="拟稿", exact=True).first.click()
            expect(page.locator("h1")).to_contain_text("拟稿")
            page.locator("#id_doc_type").select_option("通知")
            page.locator("#id_title").fill(TITLE)
            page.locator("#id_main_agencies").select_option([str(o.dept.pk)])
            page.locator("#id_main_names").fill("各区人民政府")
            page.locator("#id_copy_names").fill("市委办公室")  # outside the system: paper
            page.locator("#id_urgency").select_option("加急")
            page.locator("#id_publicity").select_option("不予公开")
            page.locator("#id_copies").fill("20")
            page.locator("#id_remarks").fill("（联系人：孙科员，电话：12345678）")
            w.shot(page, "drafter-form")
            page.get_by_role("button", name=re.compile("保存")).click()
            expect(page.locator("#form-errors")).to_contain_text("不予公开的公文须写明不予公开的理由")
            expect(page.locator("#id_title")).to_have_value(TITLE)  # nothing lost
            w.shot(page, "drafter-form-error")
            page.locator("#id_publicity").select_option("依申请公开")
            page.get_by_role("button", name=re.compile("保存")).click()
            expect(page.locator(".alert-success")).to_contain_text("已拟稿")
            pk = int(re.search(r"/documents/(\d+)/body/", page.url).group(1))

            # The body in blocks: a paragraph, a heading, a paragraph; the heading moved up once
            # and back to show the buttons work without saving.
            page.locator("#text-0").fill("为切实做好春节期间道路运输安全工作，现将有关事项通知如下。")
            page.get_by_role("button", name="在末尾加一段").click()
            page.locator("#level-1").select_option("1")
            page.locator("#text-1").fill("一、加强组织领导")
            page.get_by_role("button", name="在末尾加一段").click()
            page.locator("#text-2").fill("各单位要高度重视，明确责任分工，确保各项措施落实到位。")
            page.get_by_role("button", name="第2段上移").click()
            expect(page.locator("#text-0")).to_have_value("一、加强组织领导")
            page.get_by_role("button", name="第1段下移").click()
            expect(page.locator("#text-1")).to_have_value("一、加强组织领导")
            w.shot(page, "drafter-body-editor")
            page.get_by_role("button", name="保存正文").click()
            expect(page.locator(".alert-success")).to_contain_text("正文已保存为第1版")
            w.shot(page, "drafter-body-saved")

            # The document page: the 发文稿纸, the text with the checker's findings; 征求会签.
            w.open(page, pk, "drafter-document", "拟稿")
            expect(page.locator("#og-form-h")).to_be_visible()
            expect(page.locator("#og-body-h")).to_contain_text("正文与检查意见")
            page.locator("#ops summary", has_text="征求会签").click()
            page.locator(f"#ops input[name=units][value='{o.div_b.pk}']").check()
            page.locator("#ops form", has=page.locator("input[name=units]")).get_by_role("button", name="征求会签").click()
            expect(page.locator("#doc-live .alert-success")).to_contain_text("已征求会签")
            page.context.close()

            # 冯处长 (综合二处) countersigns.
            page = w.login(o.head_b)
            w.open(page, pk, "div-b-countersign", "会签")
            w.submit_main(page, "会签意见已签署", "div-b-countersigned", opinion="综合二处同意。")
            page.context.close()

            # The drafter sends it for review; the reviewers send it on.
            page = w.login(o.handler_a)
            w.open(page, pk, "drafter-after-countersign")
            w.submit_main(page, "已办理“拟稿”", "drafter-sent", opinion="请审核。")
            page.context.close()
            for person, node, opinion in ((o.head_a, "处室审核", "同意。"), (o.secretary, "初核", "已核。"),
                                          (o.director, "办公室领导审核", "拟同意，请周副市长签发。")):
                page = w.login(person)
                if person == o.secretary:  # 初核 corrects a sentence: a second version and its diff
                    page.goto(f"{live_server.url}/documents/{pk}/body/")
                    page.locator("#text-2").fill("各单位要高度重视，明确责任分工，确保各项安全措施落实到位。")
                    page.get_by_role("button", name="保存正文").click()
                    expect(page.locator(".alert-success")).to_contain_text("正文已保存为第2版")
                    page.get_by_role("button", name="比较两个版本").click()
                    expect(page.locator(".diff ins")).to_contain_text("安全")
                    w.shot(page, "secretary-diff")
                w.open(page, pk, f"{person.user.username}-review", node)
                w.submit_main(page, f"已办理“{node}”", f"{person.user.username}-sent", opinion=opinion)
                page.context.close()

            # 周副市长 signs off, on a phone.
            page = w.login(o.leader_a, width=390, height=844)
            page.goto(f"{live_server.url}/documents/{pk}/")
            expect(page.locator("#og-actions")).to_contain_text("签发意见")
            w.shot(page, "leader-sign-off-phone")
            page.locator("#og-actions [data-phrase='同意印发。']").click()
            page.get_by_role("button", name="签发", exact=True).click()
            expect(page.locator(".alert-success")).to_contain_text("已签发")
            w.shot(page, "leader-signed-phone")
            page.context.close()

            # 李秘书 rechecks.
            page = w.login(o.secretary)
            w.open(page, pk, "secretary-recheck", "签发后复核")
            w.submit_main(page, "已办理“签发后复核”", "secretary-rechecked", opinion="已复核。")
            page.context.close()

            # 王文书 numbers it and makes the proof; then sends it to 用印.
            page = w.login(o.clerk)
            w.open(page, pk, "clerk-number", "编号")
            page.locator("#number-series").select_option(label="示府办发（府办发文）")
            page.get_by_role("button", name="取发文字号").click()
            expect(page.locator(".alert-success")).to_contain_text("已编号：示府办发〔")
            page.get_by_role("button", name="生成清样").click()
            expect(page.locator(".alert-success")).to_contain_text("已生成清样", timeout=60000)
            expect(page.locator("#og-preview-h")).to_contain_text("清样预览")
            w.shot(page, "clerk-numbered-proof")
            w.submit_main(page, "已办理“编号”", "clerk-sent-to-seal", opinion="已编号。")
            page.goto(f"{live_server.url}/outgoing/ledger/")
            expect(page.locator("table")).to_contain_text(TITLE)
            w.shot(page, "clerk-ledger")
            page.context.close()

            # 钱印章 seals it (the sealing panel); 用印 sends it to 分发.
            page = w.login(o.keeper)
            w.open(page, pk, "keeper-seal", "用印")
            page.locator("#seal-select").select_option(label="示范市人民政府办公室印")
            page.get_by_role("button", name="用印", exact=True).click()
            expect(page.locator(".alert-success")).to_contain_text("已送分发", timeout=60000)  # 用印 sends it on
            expect(page.locator("section[aria-labelledby=seal-h]")).to_contain_text("已用印")
            w.shot(page, "keeper-sealed")
            page.context.close()

            # 王文书 dispatches; the panel shows the internal recipient 待签收.
            page = w.login(o.clerk)
            w.open(page, pk, "clerk-dispatch", "分发")
            page.get_by_role("button", name="分发并办结").click()
            expect(page.locator(".alert-success")).to_contain_text("已分发")
            panel = page.locator("section[aria-labelledby=deliveries-h]")
            expect(panel.locator("tr", has_text=o.dept.name)).to_contain_text("待签收")
            w.shot(page, "clerk-dispatched")
            page.goto(f"{live_server.url}/documents/{pk}/drafting-slip/")
            expect(page.locator("h1")).to_contain_text("发文稿纸")
            w.shot(page, "drafting-slip-print")
            page.context.close()
        finally:
            browser.close()

    document = Document.objects.get(pk=pk)
    assert document.status == Status.COMPLETED and document.doc_number.startswith("示府办发〔")
    assert document.signer == "周副市长"
