"""The supervision pages: the ledger with its filters, export and print view, the item
page and its operations, the open form, the leader's 督办 tick on the document page, the
document panel and the bulletin page."""

import io
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from deadlines.services import calendar_for
from flow.models import NodeKind
from supervision import services
from supervision.models import ProgressReport, SupervisionEvent, SupervisionItem
from supervision.tests.support import snapshot
from tests.auth import sign_in
from tests.helpers import diff, open_task

State = SupervisionItem.State
LEDGER = reverse("supervision:ledger")


def login(client, person):
    sign_in(client, person)
    return client


def test_the_ledger_lists_filters_and_sorts(scene, client, monday):
    o, s = scene.o, scene
    first = s.item(title="两项服务机制衔接问题")
    second = s.item(title="老旧小区改造资金", lead=o.div_b, responsible=o.head_b, due=s.due(3))
    services.attach_instruction(actor=s.supervisor, item_id=first.pk, leader=o.leader_a, text="请抓紧。")
    login(client, s.supervisor)
    html = client.get(LEDGER).content.decode()
    assert "督办台账" in html and "两项服务机制衔接问题" in html and "老旧小区改造资金" in html
    assert "2 次" in html and 'href="/supervision/"' in html  # the nav item

    def titles(**params):
        login(client, s.supervisor)  # the clock moves past the session's age
        response = client.get(LEDGER, params)
        assert response.status_code == 200
        return [i.title for i in response.context["page"].object_list]

    assert titles(lead_unit=o.div_b.pk) == ["老旧小区改造资金"]
    assert titles(leader=o.leader_a.pk) == ["两项服务机制衔接问题"]
    assert titles(q="资金") == ["老旧小区改造资金"]
    assert titles(q="请抓紧") == ["两项服务机制衔接问题"]  # the text of a later instruction
    assert titles(year=2026, sort="due") == ["老旧小区改造资金", "两项服务机制衔接问题"]
    assert titles(year=2025) == []
    assert titles(sort="-count")[0] == "老旧小区改造资金"
    assert titles(overdue=1) == [] and titles(stalled=1) == []
    monday.move_to(second.due_at + timedelta(hours=1))
    services.scan_stalled()
    assert titles(overdue=1) == ["老旧小区改造资金"]
    monday.move_to(calendar_for(o.gov).add_days(first.created_at, 10) + timedelta(minutes=1))
    services.scan_stalled()
    assert set(titles(stalled=1)) == {"老旧小区改造资金", "两项服务机制衔接问题"}
    assert titles(state="stalled", lead_unit=o.div_a.pk) == ["两项服务机制衔接问题"]


def test_the_ledger_query_count_does_not_grow_with_items(scene, client):
    s = scene
    login(client, s.supervisor)
    s.item()
    with CaptureQueriesContext(connection) as few:
        client.get(LEDGER)
    for n in range(6):
        s.item(title=f"事项{n}")
    with CaptureQueriesContext(connection) as many:
        client.get(LEDGER)
    assert len(many) == len(few)


def test_who_sees_which_items_in_the_ledger(scene, client):
    o, s = scene.o, scene
    item = s.item()
    for person, count in [(o.handler_b, 1), (o.head_c, 0), (o.outsider, 0)]:
        login(client, person)
        assert client.get(LEDGER).context["page"].paginator.count == count
    login(client, o.head_c)
    assert client.get(reverse("supervision:item", args=[item.pk])).status_code == 404
    assert client.post(reverse("supervision:item_op", args=[item.pk, "chase"]), {"message": "x"}).status_code == 404
    login(client, o.sysadmin)
    assert client.get(LEDGER).status_code in (200, 403)


def test_export_and_print(scene, client):
    s = scene
    s.item(title="两项服务机制衔接问题")
    login(client, s.supervisor)
    response = client.get(reverse("supervision:export"), {"q": "机制"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("督办编号", "督办事项", "批示领导")
    assert rows[1][1] == "两项服务机制衔接问题" and rows[1][6] == "综合二处"
    html = client.get(reverse("supervision:print")).content.decode()
    assert "督办事项台账" in html and "data-gw-print" in html and "两项服务机制衔接问题" in html


def test_the_item_page_and_its_operations(scene, client):
    o, s = scene.o, scene
    item = s.item()
    url = reverse("supervision:item", args=[item.pk])

    def op(person, name, data):
        login(client, person)
        return client.post(reverse("supervision:item_op", args=[item.pk, name]), data, follow=True)

    # A supervisor chases; the unit reports progress.
    login(client, s.supervisor)
    html = client.get(url).content.decode()
    assert "领导批示（共 1 次）" in html and "发送催办" in html and 'id="report-form"' not in html
    response = op(s.supervisor, "chase", {"message": "请于周五前报送进展。"})
    assert "已催办，已通知孙科员、郑处长" in response.content.decode()
    response = op(o.handler_a, "report", {"text": "已召开专题会。"})
    assert "已报送进展情况" in response.content.decode()
    # A refusal shows its message and writes nothing.
    before = snapshot()
    response = op(o.handler_a, "report", {"text": " "})
    assert "请填写进展情况" in response.content.decode()
    assert not diff(before, snapshot())
    response = op(s.supervisor, "attach", {"leader": o.principal.pk, "text": "请加快进度。"})
    assert "累计批示2次" in response.content.decode()
    response = op(s.supervisor, "close", {})
    assert "尚未收到牵头单位综合一处的办结报告" in response.content.decode()
    response = op(o.head_a, "final", {"text": "已完成，形成改进方案。"})
    assert "等待督查室审核" in response.content.decode()
    final = ProgressReport.objects.get(kind="final")
    response = op(s.supervisor, "return", {"report": final.pk, "note": ""})
    assert "请填写退回理由" in response.content.decode()
    response = op(s.supervisor, "accept", {"report": final.pk, "note": "同意。", "close": "1"})
    assert "已办结销号" in response.content.decode()
    item.refresh_from_db()
    assert item.state == State.CLOSED
    assert list(SupervisionEvent.objects.filter(item=item).values_list("kind", flat=True)) == [
        "open", "chase", "report", "attach", "final", "accept", "close"]
    login(client, s.supervisor)
    assert client.post(reverse("supervision:item_op", args=[item.pk, "nonsense"])).status_code == 404


def test_the_open_form(scene, client):
    o, s = scene.o, scene
    login(client, o.handler_a)
    assert client.get(reverse("supervision:open")).status_code == 302
    login(client, s.supervisor)
    page = client.get(reverse("supervision:open"))
    assert page.status_code == 200 and "立项督办" in page.content.decode()
    data = {"title": "研究老旧小区改造", "instructed_by": o.principal.pk, "instruction": "请综合二处牵头研究。",
            "lead_unit": o.div_b.pk, "assist_units": [o.div_a.pk], "due_on": "2026-04-30",
            "report_required": "每两周报送进展。", "report_interval_days": 10}
    response = client.post(reverse("supervision:open"), {**data, "lead_unit": o.div_b.pk,
                                                         "responsible": o.handler_a.pk}, follow=True)
    assert "责任人应为牵头单位" in response.content.decode() and SupervisionItem.objects.count() == 0
    response = client.post(reverse("supervision:open"), data, follow=True)
    item = SupervisionItem.objects.get()
    assert response.redirect_chain[-1][0] == reverse("supervision:item", args=[item.pk])
    assert item.responsible == o.head_b and item.lead_unit == o.div_b
    assert timezone.localtime(item.due_at).strftime("%Y-%m-%d %H:%M") == "2026-04-30 18:00"  # 下班前


def test_open_from_a_document_with_its_instruction(scene, client):
    o, s = scene.o, scene
    doc = s.at_instruct()
    from flow import services as flow

    flow.send_on(open_task(doc, o.principal).pk, actor=o.principal, opinion="请综合一处研究，一个月内报结果。")
    login(client, o.director)
    page = client.get(reverse("supervision:open"), {"document": doc.pk})
    html = page.content.decode()
    assert "请综合一处研究，一个月内报结果。" in html
    opinion = page.context["instructions"][0]
    page = client.get(reverse("supervision:open"), {"document": doc.pk, "opinion": opinion.pk})
    assert page.context["form"].initial["instruction"] == opinion.text
    response = client.post(reverse("supervision:open"), {
        "title": doc.title, "instructed_by": o.principal.pk, "instruction": opinion.text, "lead_unit": o.div_a.pk,
        "due_on": "2026-04-30", "report_interval_days": 10, "document": doc.pk, "opinion": opinion.pk}, follow=True)
    item = SupervisionItem.objects.get()
    assert item.document == doc and item.instructions.get().opinion == opinion
    assert "已立项督办" in response.content.decode()
    # The document page shows the item in its panel; the timeline has the 督办 entry.
    html = client.get(reverse("web:document", args=[doc.pk])).content.decode()
    assert "督办事项" in html and item.number in html and "立项督办" in html
    # A document the person may not see: 404.
    login(client, o.handler_b)
    assert client.get(reverse("supervision:open"), {"document": doc.pk}).status_code in (302, 404)


def test_the_leader_ticks_supervise_on_the_document_page(scene, client):
    o, s = scene.o, scene
    doc = s.at_instruct()
    task = open_task(doc, o.principal)
    login(client, o.principal)
    html = client.get(reverse("web:document", args=[doc.pk])).content.decode()
    assert "督办（本批示列入督办事项，跟踪落实）" in html and 'name="sv_lead_unit"' in html
    url = reverse("web:document_op", args=[doc.pk, "send_on"])
    # Ticked without a lead unit: refused, nothing written, the task still open.
    before = snapshot()
    response = client.post(url, {"task": task.pk, "opinion": "请研究。", "supervise": "1", "sv_due": "2026-04-30"},
                           follow=True)
    assert "请选择督办事项的牵头单位" in response.content.decode()
    assert not diff(before, snapshot())
    response = client.post(url, {"task": task.pk, "opinion": "请综合一处牵头研究。", "supervise": "1",
                                 "sv_lead_unit": o.div_a.pk, "sv_assist": [o.div_b.pk], "sv_due": "2026-04-30",
                                 "sv_interval": "10", "sv_report_required": "每两周报进展。"}, follow=True)
    item = SupervisionItem.objects.get()
    assert f"并列入督办事项{item.number}（批示1次）" in response.content.decode()
    assert item.document == doc and list(item.assist_units.all()) == [o.div_b]
    assert open_task(doc, o.secretary).node_kind == NodeKind.DISTRIBUTE
    # Unticked: the plain send-on, no item.
    doc2 = s.at_instruct("另一件请示", doc_number="示交〔2026〕8号")
    client.post(url.replace(str(doc.pk), str(doc2.pk)), {"task": open_task(doc2, o.principal).pk,
                                                         "opinion": "阅。"})
    assert SupervisionItem.objects.count() == 1
    # The secretary's form (分办) has no tick.
    login(client, o.secretary)
    assert "sv_lead_unit" not in client.get(reverse("web:document", args=[doc.pk])).content.decode()


def test_the_bulletin_page(scene, client, monday):
    o, s = scene.o, scene
    item = s.item(due=s.due(3))
    monday.move_to(item.due_at + timedelta(days=1))
    login(client, s.supervisor)
    response = client.get(reverse("supervision:bulletin"), {"ym": "2026-3"})
    html = response.content.decode()
    assert "督办工作通报（2026年3月）" in html and "两项服务机制衔接问题" in html
    docx = client.get(reverse("supervision:bulletin_download"), {"year": 2026, "month": 3, "format": "docx"})
    assert docx["Content-Type"].endswith("wordprocessingml.document") and docx.content[:2] == b"PK"
    login(client, o.handler_a)
    html = client.get(reverse("supervision:bulletin")).content.decode()
    assert "您不能生成通报" in html
    response = client.get(reverse("supervision:bulletin_download"), {"year": 2026, "month": 3}, follow=True)
    assert "您不能生成通报" in response.content.decode()
