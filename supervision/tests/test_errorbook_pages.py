"""The error book's pages: the weekly report (cross table, entries, week choice), its Excel
export and print layout, the nav item, the document page panel with 记录审核纠错, and the
category the 退回/退文 forms ask for."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from flow import services as flow
from supervision.errorbook import services as errorbook
from supervision.models import ErrorRecord
from tests.auth import sign_in
from tests.helpers import counts, open_task

from .errorbook_helpers import activation, at_approve, at_propose, registered, supervisor

SHANGHAI = ZoneInfo("Asia/Shanghai")
URL = "/supervision/errorbook/"


@pytest.fixture(autouse=True)
def _a_wednesday():
    with time_machine.travel(datetime(2026, 3, 11, 10, 0, tzinfo=SHANGHAI), tick=True):
        yield


@pytest.fixture
def login(client):
    def _login(person):
        sign_in(client, person)
        return client

    return _login


def text(response) -> str:
    return response.content.decode()


def _entries(o):
    doc = at_propose(o)
    flow.return_task(open_task(doc, o.director).pk, actor=o.director, to_activation_id=activation(doc, "screen").pk,
                     reason="来文字号漏登。", error_category="格式")
    draft = at_approve(o)
    errorbook.record_correction(draft, actor=o.director, category="文字", unit_at_fault=o.div_a,
                                description="答复稿有错别字。")
    flow.reject(registered(o, "关于申请追加经费的请示").pk, actor=o.clerk, reason="越级报送。", kind="越级件",
                error_category="程序")
    return doc, draft


def test_weekly_page_for_the_office(office, login):
    o = office
    doc, draft = _entries(o)
    c = login(o.director)
    page = text(c.get(URL))
    assert "错题本周报" in page and "2026年3月9日（星期一）至 2026年3月15日（星期日）" in page
    for label in ("秘书科", "综合一处", "示范市交通运输局", "来文单位", "答复稿有错别字。", "退回“初审”"):
        assert label in page
    assert "共 3 条：退回 1 · 退文 1 · 审核纠错 1" in page
    assert f'href="/documents/{draft.pk}/"' in page
    # A click on a cell narrows the entries.
    narrowed = text(c.get(URL, {"week": "2026-03-09", "fault": f"u{o.div_a.pk}", "category": "文字"}))
    assert "差错明细 · 文字 · 综合一处" in narrowed and "来文字号漏登" not in narrowed
    # Another week; an unreadable week is this week.
    assert "本周没有差错记录。" in text(c.get(URL, {"week": "2026-03-02"}))
    assert "2026年3月9日（星期一）" in text(c.get(URL, {"week": "三月"}))
    assert f'href="{URL}"' in page  # the nav item


def test_who_sees_the_page(office, login, client):
    o = office
    _entries(o)
    head = text(login(o.head_a).get(URL))
    assert "综合一处" in head and "您看到的是本处室的差错" in head and "示范市交通运输局" not in head
    for reader in (o.principal, o.leader_b, supervisor(o), o.clerk):
        assert login(reader).get(URL).status_code == 200, reader
    for other in (o.handler_a, o.outsider, o.sysadmin):
        c = login(other)
        assert c.get(URL).status_code == 403
        assert c.get(URL + "export.xlsx").status_code == 403
        assert c.get(URL + "print/").status_code == 403
    assert f'href="{URL}"' not in text(login(o.handler_a).get("/"))
    client.logout()
    assert client.get(URL).status_code == 302


def test_export_and_print(office, login):
    o = office
    _entries(o)
    c = login(o.director)
    response = c.get(URL + "export.xlsx", {"week": "2026-03-11"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "errorbook-20260309.xlsx" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["分类汇总", "差错明细"]
    rows = list(wb["分类汇总"].iter_rows(values_only=True))
    assert rows[0][0] == "示范市人民政府办公室错题本周报（2026年3月9日—2026年3月15日）"
    assert rows[1] == ("责任单位", "类型", "程序", "格式", "文字", "内容", "时效", "合计")
    assert rows[2] == ("秘书科", "处室", 0, 1, 0, 0, 0, 1)
    assert rows[-1] == ("合计", None, 1, 1, 1, 0, 0, 3)
    details = list(wb["差错明细"].iter_rows(values_only=True))
    assert len(details) == 4 and details[1][1:4] == ("退回", "格式", "秘书科")
    printed = text(c.get(URL + "print/", {"week": "2026-03-11"}))
    assert "错题本周报" in printed and "data-gw-print" in printed and "答复稿有错别字。" in printed


def test_page_query_count_does_not_grow_with_entries(office, login):
    o = office
    _entries(o)
    c = login(o.director)
    c.get(URL)
    with CaptureQueriesContext(connection) as few:
        c.get(URL)
    _entries(o)
    _entries(o)
    with CaptureQueriesContext(connection) as many:
        assert c.get(URL).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
    assert ErrorRecord.objects.count() == 9


def test_document_panel_and_correction_form(office, login):
    o = office
    doc, draft = _entries(o)
    c = login(o.director)
    page = text(c.get(f"/documents/{draft.pk}/"))
    assert "错题本" in page and "答复稿有错别字。" in page and "记录审核纠错" in page
    url = f"/supervision/errorbook/correct/{draft.pk}/"
    before = (counts(), ErrorRecord.objects.count())
    refused = text(c.post(url, {"error_category": "", "unit_at_fault": o.div_a.pk, "description": "标点误用。"},
                          follow=True))
    assert "请选择差错类别" in refused and (counts(), ErrorRecord.objects.count()) == before
    refused = text(c.post(url, {"error_category": "格式", "unit_at_fault": "", "description": "标点误用。"},
                          follow=True))
    assert "请选择责任单位" in refused and ErrorRecord.objects.count() == before[1]
    done = text(c.post(url, {"error_category": "格式", "unit_at_fault": o.div_a.pk, "description": "标点误用。"},
                       follow=True))
    assert "已记入错题本：格式差错，责任单位综合一处。" in done and "标点误用。" in done
    assert c.get(url).status_code == 405
    # Someone who may see the document but never held it: the list, no form; a POST is refused.
    other = at_propose(o, "关于城区排水设施改造的请示")
    flow.send_on(open_task(other, o.director).pk, actor=o.director, opinion="拟请周副市长阅示。",
                 next_assignees=[o.leader_a])
    flow.send_on(open_task(other, o.leader_a).pk, actor=o.leader_a, opinion="请综合二处办理。")
    flow.send_on(open_task(other, o.secretary).pk, actor=o.secretary, lead_unit=o.div_b)
    errorbook.record_correction(other, actor=o.director, category="内容", unit_at_fault=o.div_b,
                                description="请示事项表述不清。")
    c = login(o.leader_b)
    page = text(c.get(f"/documents/{other.pk}/"))
    assert "请示事项表述不清。" in page and "记录审核纠错" not in page
    count = ErrorRecord.objects.count()
    refused = text(c.post(f"/supervision/errorbook/correct/{other.pk}/",
                          {"error_category": "格式", "unit_at_fault": o.div_b.pk, "description": "x"}, follow=True))
    assert "办理过本件" in refused and ErrorRecord.objects.count() == count
    # Outsiders: 404, as if the document did not exist.
    assert login(o.outsider).post(url, {"error_category": "格式", "unit_at_fault": o.div_a.pk,
                                        "description": "x"}).status_code == 404


def test_return_and_reject_forms_ask_for_the_category(office, login):
    o = office
    doc = registered(o)
    page = text(login(o.clerk).get(f"/documents/{doc.pk}/"))
    assert 'id="rej-cat" name="error_category" required' in page and "请选择差错类别" in page
    doc = at_propose(o, "关于开展防汛检查的通知")
    page = text(login(o.director).get(f"/documents/{doc.pk}/"))
    assert 'name="error_category" required' in page and "差错类别（必选，记入错题本）" in page
    for category in errorbook.CATEGORIES:
        assert f'<option value="{category}">{category}</option>' in page
