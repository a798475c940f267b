"""The document pages through the Django test client: the whole incoming path by plain
POSTs, the refusals shown in Chinese with nothing written, and the side operations."""

import io

import pytest

from audit.models import AuditEvent
from documents.models import Document, DocumentReturn, FileVersion, Status
from flow.models import HistoryEvent, Opinion, Task, TaskRole, TaskStatus

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def open_task(document, person, role=TaskRole.MAIN):
    return Task.objects.get(document=document, assignee=person, status=TaskStatus.OPEN, role=role)


def op(client, document, name, **data):
    return client.post(f"/documents/{document.pk}/op/{name}/", data, follow=True)


def text(response):
    return response.content.decode()


def counts():
    return HistoryEvent.objects.count(), AuditEvent.objects.count(), Opinion.objects.count()


def test_whole_path_through_the_pages(office, login):
    o = office
    c = login(o.clerk)
    r = c.post("/documents/new/", {
        "slip_kind": "relay", "doc_type": "通知", "title": "关于报送道路安全整治情况的通知",
        "sender": o.province.pk, "doc_number": "示省政办〔2026〕12号", "urgency": "加急", "copies": 1,
        "deadline_date": "2099-03-09", "deadline_kind": "noon",
    }, follow=True)
    assert r.status_code == 200
    doc = Document.objects.get()
    assert "已登记" in text(r) and doc.registry_number in text(r)
    assert doc.sender_deadline_text == "3月9日上午下班前"
    assert doc.sender_deadline.astimezone().hour in (4, 12)  # 12:00 Asia/Shanghai

    c = login(o.secretary)
    assert "初审意见" in text(c.get(f"/documents/{doc.pk}/"))
    r = op(c, doc, "send_on", task=open_task(doc, o.secretary).pk, opinion="属我办职责，请拟办。",
           needs_reply_shown=1, needs_leader_approval_shown=1)
    assert "已办理“初审”" in text(r)

    c = login(o.director)
    page = text(c.get(f"/documents/{doc.pk}/"))
    assert "呈送领导" in page and "依次办理" in page and "常用语" in page
    task = open_task(doc, o.director)
    r = op(c, doc, "send_on", task=task.pk, opinion="拟请周副市长、陈市长阅示。", next_assignees=[o.principal.pk, o.leader_a.pk],
           next_order=f"{o.leader_a.pk},{o.principal.pk}", next_mode="sequential", needs_reply_shown=1, needs_reply=1,
           needs_leader_approval_shown=1, needs_leader_approval=1)
    assert "领导批示" in text(r)
    # Sequential in the order clicked: 周副市长 first.
    assert not Task.objects.filter(document=doc, assignee=o.principal, status=TaskStatus.OPEN).exists()

    for leader in (o.leader_a, o.principal):
        c = login(leader)
        op(c, doc, "send_on", task=open_task(doc, leader).pk, opinion="请综合一处抓紧办理。")

    c = login(o.secretary)
    op(c, doc, "send_on", task=open_task(doc, o.secretary).pk, lead_unit=o.div_a.pk, assist_units_shown=1,
       assist_units=[o.div_b.pk], needs_reply_shown=1, needs_reply=1, needs_leader_approval_shown=1,
       needs_leader_approval=1)
    c = login(o.head_a)
    r = op(c, doc, "assign", task=open_task(doc, o.head_a).pk, handler=o.handler_a.pk, note="请孙科员办理。")
    assert "已指定孙科员为承办人" in text(r)
    c = login(o.head_b)
    op(c, doc, "feedback", task=open_task(doc, o.head_b, TaskRole.ASSIST).pk, opinion="我处无意见。")
    c = login(o.handler_a)
    before = counts()
    r = op(c, doc, "complete", task=open_task(doc, o.handler_a).pk, opinion="已办理完毕。")
    assert "答复须经领导审定" in text(r) and "未办理" in text(r)
    assert counts() == before
    op(c, doc, "send_on", task=open_task(doc, o.handler_a).pk, opinion="已拟好答复稿，请审定。")
    c = login(o.leader_a)
    op(c, doc, "send_on", task=open_task(doc, o.leader_a).pk, opinion="同意答复。")
    c = login(o.handler_a)
    op(c, doc, "send_on", task=open_task(doc, o.handler_a).pk, reply_text_shown=1,
       reply_text="已以示府办函〔2026〕3号答复。")
    c = login(o.clerk)
    r = op(c, doc, "complete", task=open_task(doc, o.clerk).pk, opinion="办结。")
    assert "本件已办结" in text(r)
    doc.refresh_from_db()
    assert doc.status == Status.COMPLETED
    slip = text(c.get(f"/documents/{doc.pk}/slip/"))
    assert "示范市人民政府办公室传文处理笺" in slip
    for needle in ("来文机关", "来文字号", "收文编号", "收文日期", "密级", "紧急程度", "标题", "拟请周副市长、陈市长阅示。",
                   "赵主任", "同意答复。", "已以示府办函〔2026〕3号答复。"):
        assert needle in slip, needle


def test_refusal_is_shown_and_writes_nothing(office, login, document):
    o = office
    c = login(o.secretary)
    op(c, document, "send_on", task=open_task(document, o.secretary).pk, opinion="请拟办。")
    c = login(o.director)
    before = counts()
    r = op(c, document, "send_on", task=open_task(document, o.director).pk, opinion="")
    assert "请填写拟办意见" in text(r)
    assert counts() == before
    assert open_task(document, o.director).status == TaskStatus.OPEN


def test_htmx_operation_returns_the_live_fragment(office, login, document):
    c = login(office.secretary)
    r = c.post(f"/documents/{document.pk}/op/send_on/", {"task": open_task(document, office.secretary).pk,
                                                          "opinion": "请拟办。"}, HTTP_HX_REQUEST="true")
    body = text(r)
    assert r.status_code == 200 and body.lstrip().startswith('<div id="doc-live">')
    assert "已办理“初审”" in body and "流转记录" in body and "<html" not in body


def test_stale_page_gets_a_chinese_message(office, login, document):
    c = login(office.secretary)
    task = open_task(document, office.secretary)
    op(c, document, "send_on", task=task.pk, opinion="请拟办。")
    before = counts()
    r = op(c, document, "send_on", task=task.pk, opinion="再送一次。")
    assert "已办" in text(r) and "不能再办理" in text(r)
    assert counts() == before


def test_registration_refuses_skip_level_and_writes_nothing(office, login):
    c = login(office.clerk)
    before = counts()
    r = c.post("/documents/new/", {"slip_kind": "intake", "doc_type": "请示", "title": "关于拨付养护经费的请示",
                                   "sender": office.bureau.pk, "copies": 1})
    assert r.status_code == 200
    assert "越级件" in text(r) and "示范市交通运输局" in text(r)
    assert not Document.objects.exists() and counts() == before
    # The form keeps what was typed.
    assert "关于拨付养护经费的请示" in text(r)


def test_registration_page_is_for_clerks(office, login):
    c = login(office.handler_a)
    r = c.get("/documents/new/", follow=True)
    assert "只有本机关的文书或机要员可以登记收文" in text(r)


def test_direct_submission_goes_to_the_office_not_the_leader(office, login):
    c = login(office.handler_a)
    r = c.post("/documents/direct/", {"leader": office.leader_a.pk, "doc_type": "请示", "title": "关于增加编制的请示"},
               follow=True)
    assert "一个口子进出" in text(r)
    doc = Document.objects.get()
    assert doc.is_direct_submission and doc.sender_person == office.handler_a
    assert not Task.objects.filter(document=doc, assignee=office.leader_a).exists()
    assert open_task(doc, office.clerk).node_kind == "sign_for"
    # The clerk signs for it and registers it at the 登记 node through the page.
    c = login(office.clerk)
    op(c, doc, "send_on", task=open_task(doc, office.clerk).pk)
    page = text(c.get(f"/documents/{doc.pk}/"))
    assert "登记并送下一环节" in page
    r = op(c, doc, "register", task=open_task(doc, office.clerk).pk, slip_kind="intake", doc_type="请示",
           title="关于增加编制的请示", sender_name="综合一处（孙科员）", copies=1)
    assert "已登记，收文编号" in text(r)
    doc.refresh_from_db()
    assert doc.registry_seq == 1 and open_task(doc, office.secretary)


def test_reject_with_reason(office, login, document):
    c = login(office.clerk)
    before = counts()
    r = op(c, document, "reject", reason="", kind="退文", error_category="程序")
    assert "退文必须写明理由" in text(r) and counts() == before
    r = op(c, document, "reject", reason="不属于本级办理事项。", kind="退文")
    assert "请选择差错类别" in text(r) and counts() == before
    r = op(c, document, "reject", reason="不属于本级办理事项。", kind="退文", error_category="程序")
    assert "已退文" in text(r)
    assert DocumentReturn.objects.get().reason == "不属于本级办理事项。"


def test_return_recall_transfer_add_signer(office, login, document):
    o = office
    c = login(o.secretary)
    op(c, document, "send_on", task=open_task(document, o.secretary).pk, opinion="请拟办。")
    page = text(c.get(f"/documents/{document.pk}/"))
    assert "可以撤回" in page
    sent = Task.objects.get(document=document, assignee=o.secretary, status=TaskStatus.DONE)
    r = op(c, document, "recall", task=sent.pk)
    assert "已撤回" in text(r)
    op(c, document, "send_on", task=open_task(document, o.secretary).pk, opinion="请拟办。")
    c = login(o.director)
    page = text(c.get(f"/documents/{document.pk}/"))  # touch: the secretary can no longer recall
    task = open_task(document, o.director)
    assert task.touched_at is None or True
    assert Task.objects.get(pk=task.pk).touched_at is not None
    target = [a for a in __import__("flow.services", fromlist=["x"]).return_targets(task)][0]
    r = op(c, document, "return", task=task.pk, to_activation=target.pk, reason="", error_category="格式")
    assert "退回必须写明理由" in text(r)
    r = op(c, document, "return", task=task.pk, to_activation=target.pk, reason="请补登来文字号。")
    assert "请选择差错类别" in text(r)
    r = op(c, document, "return", task=task.pk, to_activation=target.pk, reason="请补登来文字号。",
           error_category="格式")
    assert "已退回“初审”" in text(r)
    c = login(o.secretary)
    r = op(c, document, "add_signer", task=open_task(document, o.secretary).pk, people=[o.head_c.pk], note="请会看。")
    assert "已加签：卫主任" in text(r)
    r = op(c, document, "transfer", task=open_task(document, o.secretary).pk, to_person=o.clerk.pk, reason="请补登。")
    assert "已转办给王文书" in text(r)


def test_circulation_and_read_back(office, login, document):
    o = office
    c = login(o.clerk)
    r = op(c, document, "circulate", readers=[o.leader_b.pk], note="请阅。")
    assert "已送传阅：吴副市长" in text(r)
    c = login(o.leader_b)
    assert "关于报送道路安全整治情况的通知" in text(c.get("/toread/"))
    page = text(c.get(f"/documents/{document.pk}/"))
    assert "阅毕，退回办公室" in page
    r = op(c, document, "read_back", task=open_task(document, o.leader_b, TaskRole.CIRCULATE).pk, opinion="已阅。")
    assert "已阅毕" in text(r)
    c = login(o.clerk)
    assert "传阅情况" in text(c.get(f"/documents/{document.pk}/"))


def test_countersign_through_pages(office, login, document):
    o = office
    doc = document
    c = login(o.secretary)
    op(c, doc, "send_on", task=open_task(doc, o.secretary).pk, opinion="请拟办。")
    c = login(o.director)
    op(c, doc, "send_on", task=open_task(doc, o.director).pk, opinion="请周副市长阅示。",
       next_assignees=[o.leader_a.pk], next_mode="sequential")
    c = login(o.leader_a)
    op(c, doc, "send_on", task=open_task(doc, o.leader_a).pk, opinion="请综合一处办理。")
    c = login(o.secretary)
    op(c, doc, "send_on", task=open_task(doc, o.secretary).pk, lead_unit=o.div_a.pk, assist_units_shown=1)
    c = login(o.head_a)
    r = op(c, doc, "countersign_request", task=open_task(doc, o.head_a).pk, units=[o.div_b.pk], note="请会签。")
    assert "已征求会签：综合二处" in text(r)
    c = login(o.head_b)
    r = op(c, doc, "countersign", task=open_task(doc, o.head_b, TaskRole.COUNTERSIGN).pk, decision="disagree",
           opinion="")
    assert "不同意时必须写明理由" in text(r)
    op(c, doc, "countersign", task=open_task(doc, o.head_b, TaskRole.COUNTERSIGN).pk, decision="disagree",
       opinion="数据口径不一致。")
    c = login(o.head_a)
    page = text(c.get(f"/documents/{doc.pk}/"))
    assert "会签分歧处理" in page
    r = op(c, doc, "resolve", task=open_task(doc, o.head_a).pk, resolution="已协商，按统计局口径修改。")
    assert "已记录会签分歧处理情况" in text(r)


def test_upload_and_inline_pdf(office, login, document):
    c = login(office.clerk)
    r = c.post(f"/documents/{document.pk}/upload/", {"file": io.BytesIO(PDF), "role": "body"}, follow=True)
    assert "第1版" in text(r)
    version = FileVersion.objects.get()
    r = c.get(f"/documents/{document.pk}/files/{version.pk}/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("inline") and r["X-Frame-Options"] == "SAMEORIGIN"
    assert r.content == PDF
    page = text(c.get(f"/documents/{document.pk}/"))
    # The preview shows the PDF's pages as images; this one has none, so the page offers it to open.
    assert f'href="/documents/{document.pk}/files/{version.pk}/"' in page and "在浏览器中打开 PDF" in page
    r = c.get(f"/documents/{document.pk}/files/{version.pk}/?download=1")
    assert r["Content-Disposition"].startswith("attachment")
    # A renamed text file is refused by content, not by name.
    before = counts()
    f = io.BytesIO(b"just text")
    f.name = "fake.pdf"
    r = c.post(f"/documents/{document.pk}/upload/", {"file": f, "role": "body"}, follow=True)
    assert "文件类型不支持" in text(r) and FileVersion.objects.count() == 1 and counts() == before


def test_corrupted_file_is_refused(office, login, document, settings):
    c = login(office.clerk)
    f = io.BytesIO(PDF)
    f.name = "正文.pdf"
    c.post(f"/documents/{document.pk}/upload/", {"file": f, "role": "body"})
    version = FileVersion.objects.get()
    path = settings.FILES_ROOT / version.storage_path
    path.chmod(0o640)
    path.write_bytes(PDF + b"tampered")
    r = c.get(f"/documents/{document.pk}/files/{version.pk}/", follow=True)
    assert "文件校验失败" in text(r)
