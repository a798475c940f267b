"""分发 (exchange.services.dispatch), the sender's view of it (exchange.selectors.deliveries),
the panel (exchange_tags.deliveries_panel) and the two API endpoints.

Setting up an outgoing document at the 分发 node: drafting and sealing services are
written in parallel, so the state they would leave is built directly — the outgoing
Document with its 发文字号 and recipients (o.dept: internal, its clerk o.dept_clerk;
o.province: outside the deployment), the sealed final PDF uploaded through
documents.services.upload_file, a Seal kept by o.keeper with one SealUse for the
number — and its process started with the routine template through
flow.services.start_process, recording every node before 分发 as done in person by
o.clerk (``done_nodes``: 拟稿, the reviews, 签发, 复核, 编号, 用印). That is the engine's own
way of entering a process part-way (as register_incoming does for 签收 and 登记); no
Activation or Task is written by hand. The 分发 task is then o.clerk's (post rule, clerk).
"""

from datetime import date

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from audit.models import AuditEvent
from deadlines.models import Notification
from documents import services as document_services
from documents import storage
from documents.models import Direction, Document, DocumentFile, FileVersion, Recipient, SlipKind, Status
from exchange import selectors
from exchange.models import Delivery
from exchange.services import dispatch
from flow import services as flow
from flow.models import HistoryAction, HistoryEvent, NodeKind, Task, TaskStatus
from gongwen.errors import NotFound, PermissionDenied
from sealing.models import Seal, SealUse
from sealing.services import seal_binding
from tests.helpers import open_task, refused

NUMBER = "示府办函〔2026〕5号"
FINAL_PDF = b"%PDF-1.7\n% sealed final of the test\n%%EOF\n"
BODY_PDF = b"%PDF-1.7\n% body of the test\n%%EOF\n"
BEFORE_DISPATCH = ("draft", "review", "sign_off", "recheck", "number", "seal")


def outgoing(o, *, number=NUMBER, sealed=True, main=("dept",), copy=("province",), final=True, secrecy=""):
    doc = Document.objects.create(
        agency=o.gov, direction=Direction.OUTGOING, slip_kind=SlipKind.ROUTINE, doc_type="通知",
        title="关于做好冬季道路安全工作的通知", drafted_by=o.handler_a, lead_unit=o.div_a, doc_number=number,
        signer="周副市长", issued_on=date(2026, 11, 20), writing_direction="down", pages=3,
        attachments_note="1. 冬季道路安全检查表", urgency="")
    for position, name in enumerate(main):
        agency = getattr(o, name)
        Recipient.objects.create(document=doc, kind=Recipient.Kind.MAIN, agency=agency, name=agency.name,
                                 position=position)
    for position, name in enumerate(copy):
        agency = getattr(o, name)
        Recipient.objects.create(document=doc, kind=Recipient.Kind.COPY, agency=agency, name=agency.name,
                                 position=position)
    document_services.upload_file(actor=o.clerk, document=doc, name="正文.pdf", data=BODY_PDF,
                                  role=DocumentFile.Role.BODY)
    final_version = None
    if final:
        final_version = document_services.upload_file(actor=o.clerk, document=doc, name="成品.pdf", data=FINAL_PDF,
                                                      role=DocumentFile.Role.FINAL)
    seal = Seal.objects.create(agency=o.gov, name="示范市人民政府办公室印", keeper=o.keeper)
    if sealed:
        # bound to the 成品 as it stands (sealing.services.seal_binding), as 用印 records it
        SealUse.objects.create(seal=seal, document=doc, doc_number=number or "示府办函〔2026〕4号", title=doc.title,
                               signers="周副市长", used_by=o.keeper, **seal_binding(doc, final_version))
    flow.start_process(doc, actor=o.clerk, done_nodes=BEFORE_DISPATCH)
    if secrecy:
        Document.objects.filter(pk=doc.pk).update(secrecy=secrecy, secrecy_term="1年")
        doc.refresh_from_db()
    return doc


def dispatch_task(o, doc) -> Task:
    task = open_task(doc, o.clerk)
    assert task.node_kind == NodeKind.DISPATCH
    return task


def by_name(rows) -> dict:
    return {r["name"]: r for r in rows}


# --- dispatching ------------------------------------------------------------------------------


def test_dispatch_sends_inside_and_records_outside(office):
    o = office
    doc = outgoing(o)
    deliveries = dispatch(dispatch_task(o, doc).pk, actor=o.clerk, opinion="按主送、抄送分发。")

    assert [(d.name, d.kind, d.channel) for d in deliveries] == [
        (o.dept.name, "main", Delivery.Channel.SYSTEM), (o.province.name, "copy", Delivery.Channel.OUTSIDE)]
    incoming = deliveries[0].incoming
    assert deliveries[1].incoming is None
    # The recipient's incoming document: the sealed document's elements, in o.dept.
    assert (incoming.agency, incoming.direction, incoming.sender, incoming.sender_name) == (
        o.dept, Direction.INCOMING, o.gov, o.gov.name)
    assert incoming.slip_kind == SlipKind.RELAY  # the city government to one of its departments
    assert (incoming.title, incoming.doc_number, incoming.doc_type, incoming.signer, incoming.issued_on) == (
        doc.title, NUMBER, "通知", "周副市长", date(2026, 11, 20))
    assert (incoming.copies, incoming.pages, incoming.attachments_note) == (1, 3, "1. 冬季道路安全检查表")
    assert (incoming.main_recipients, incoming.cc_recipients) == (o.dept.name, o.province.name)
    assert incoming.registry_seq is None  # the recipient's clerk registers it
    # Its body is the sealed final, byte for byte.
    version = FileVersion.objects.get(file__document=incoming)
    assert version.file.role == DocumentFile.Role.BODY
    assert storage.read(version.storage_path, version.sha256) == FINAL_PDF
    # It waits at 签收 for the recipient's clerk; nothing was created for the province.
    task = open_task(incoming, o.dept_clerk)
    # A limit, or, when it would end in a year whose calendar is not entered yet (31 December),
    # 时限待定 with that year: never neither, never both.
    assert task.node_kind == NodeKind.SIGN_FOR and (task.due_at is None) == (task.due_pending_year is not None)
    assert [t.assignee for t in Task.objects.filter(document=incoming, status=TaskStatus.OPEN)] == [o.dept_clerk]
    assert not Document.objects.filter(agency=o.province).exists()
    assert Notification.objects.filter(recipient=o.dept_clerk, document=incoming).exists()
    # The outgoing document is done, with the dispatch in its history and the audit log.
    doc.refresh_from_db()
    assert doc.status == Status.COMPLETED
    event = HistoryEvent.objects.get(document=doc, action=HistoryAction.DISPATCH)
    assert event.targets == [o.dept.name, o.province.name] and event.actor == o.clerk
    assert HistoryEvent.objects.filter(document=doc, action=HistoryAction.COMPLETE).exists()
    audit = AuditEvent.objects.get(action="exchange.dispatch")
    assert [d["channel"] for d in audit.new["deliveries"]] == ["system", "outside"]


def test_sender_sees_pending_then_signed(office):
    o = office
    doc = outgoing(o)
    (inside, _outside) = dispatch(dispatch_task(o, doc).pk, actor=o.clerk)
    rows = by_name(selectors.deliveries(doc))
    assert [r["name"] for r in selectors.deliveries(doc)] == [o.dept.name, o.province.name]
    dept = rows[o.dept.name]
    assert (dept["status"], dept["state"], dept["kind_display"], dept["signed_at"], dept["late"]) == (
        "未送达（无回执）", "waiting", "主送", None, False)
    assert dept["due_at"] == open_task(inside.incoming, o.dept_clerk).due_at
    assert (rows[o.province.name]["status"], rows[o.province.name]["state"]) == ("未送达（无回执）", "outside")
    assert rows[o.province.name]["kind_display"] == "抄送"

    flow.send_on(open_task(inside.incoming, o.dept_clerk).pk, actor=o.dept_clerk)
    dept = by_name(selectors.deliveries(doc))[o.dept.name]
    assert (dept["status"], dept["signed_by"], dept["due_at"]) == ("已签收", o.dept_clerk.name, None)
    assert dept["signed_at"] is not None


def test_recipient_returns_it(office):
    o = office
    doc = outgoing(o)
    inside, _ = dispatch(dispatch_task(o, doc).pk, actor=o.clerk)
    flow.reject(inside.incoming.pk, actor=o.dept_clerk, reason="非本单位职责范围。")
    dept = by_name(selectors.deliveries(doc))[o.dept.name]
    assert (dept["status"], dept["returned_reason"], dept["signed_at"]) == ("已退文", "非本单位职责范围。", None)


def test_without_a_sealed_final_nothing_is_sent(office):
    # The body was never sealed: only the sealed 成品 leaves the agency (issue 11, defect 8).
    o = office
    doc = outgoing(o, final=False)
    _refused_dispatch(o, doc, "用印记录未载明所盖成品的摘要")


def test_every_recipient_outside_writes_no_incoming_document(office):
    o = office
    doc = outgoing(o, main=("province",), copy=())
    before = Document.objects.count()
    (only,) = dispatch(dispatch_task(o, doc).pk, actor=o.clerk)
    assert only.channel == Delivery.Channel.OUTSIDE and Document.objects.count() == before


# --- refusals: each writes nothing -----------------------------------------------------------


def _refused_dispatch(o, doc, match, actor=None, exc=None):
    task = dispatch_task(o, doc)
    kwargs = {"exc": exc} if exc else {}
    with refused(match, **kwargs):
        dispatch(task.pk, actor=actor or o.clerk)
    assert not Delivery.objects.exists()
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_refused_without_number(office):
    _refused_dispatch(office, outgoing(office, number=""), "发文字号")


def test_refused_without_seal(office):
    _refused_dispatch(office, outgoing(office, sealed=False), "用印")


def test_a_seal_of_another_number_does_not_count(office):
    o = office
    doc = outgoing(o)
    Document.objects.filter(pk=doc.pk).update(doc_number="示府办函〔2026〕6号")
    _refused_dispatch(o, doc, f"发文字号（用印时：{NUMBER}；现为：示府办函〔2026〕6号）")


def test_refused_without_main_recipient(office):
    _refused_dispatch(office, outgoing(office, main=()), "没有主送机关")


def test_refused_when_classified(office):
    _refused_dispatch(office, outgoing(office, secrecy="秘密"), "本件为秘密件，本系统不是涉密网，不得通过系统分发")


def test_refused_when_an_internal_recipient_has_no_clerk(office):
    o = office
    _refused_dispatch(o, outgoing(o, copy=("province", "other_gov")),
                      f"{o.other_gov.name}没有文书岗位，无法接收，请联系其系统管理员或改为系统外分发。")


def test_refused_to_someone_not_holding_the_task(office):
    o = office
    doc = outgoing(o)
    _refused_dispatch(o, doc, "王文书", actor=o.secretary, exc=PermissionDenied)
    _refused_dispatch(o, doc, None, actor=o.outsider, exc=NotFound)


def test_refused_at_another_node(office):
    o = office
    doc = outgoing(o)
    inside, _ = dispatch(dispatch_task(o, doc).pk, actor=o.clerk)
    sign_for = open_task(inside.incoming, o.dept_clerk)
    with refused("不是分发环节"):
        dispatch(sign_for.pk, actor=o.dept_clerk)


# --- the panel --------------------------------------------------------------------------------


def _panel(person, doc) -> str:
    request = RequestFactory().get("/")
    request.person = person
    return Template("{% load exchange_tags %}{% deliveries_panel document %}").render(
        Context({"request": request, "document": doc}))


def test_panel(office):
    o = office
    doc = outgoing(o)
    before = _panel(o.clerk, doc)
    assert "尚未分发" in before and o.dept.name in before and "系统外，请纸质或外部交换" in before
    inside, _ = dispatch(dispatch_task(o, doc).pk, actor=o.clerk)
    html = _panel(o.clerk, doc)
    assert "分发情况" in html and "待签收" in html and "系统外，请纸质或外部交换" in html
    flow.send_on(open_task(inside.incoming, o.dept_clerk).pk, actor=o.dept_clerk)
    html = _panel(o.clerk, doc)
    assert "已签收" in html and o.dept_clerk.name in html
    assert _panel(o.outsider, doc).strip() == ""
    assert _panel(o.dept_clerk, inside.incoming).strip() == ""  # an incoming document has no panel


# --- API --------------------------------------------------------------------------------------


@pytest.fixture
def api(db):
    from django.test import Client

    from api.tests.helpers import ApiClient

    return ApiClient(Client())


def test_api_dispatch_and_deliveries(office, api):
    from api.tests.helpers import changed_tables, snapshot

    o = office
    doc = outgoing(o)
    task = dispatch_task(o, doc)
    path = f"/tasks/{task.pk}/dispatch"
    for person, status in ((o.outsider, 404), (o.secretary, 403), (None, 401)):
        if person is not None:
            api.token(person)  # issuing the token is written (and audited) before the snapshot
        before = snapshot()
        response = api.post(person, path, {"opinion": ""})
        assert response.status_code == status
        assert not changed_tables(before, snapshot()) and not Delivery.objects.exists()

    response = api.post(o.clerk, path, {"opinion": "分发。"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["document_status"] == "completed"
    assert [(d["name"], d["channel"], d["status"]) for d in body["deliveries"]] == [
        (o.dept.name, "system", "未送达（无回执）"), (o.province.name, "outside", "未送达（无回执）")]

    response = api.get(o.clerk, f"/documents/{doc.pk}/deliveries")
    assert response.status_code == 200
    assert [d["kind"] for d in response.json()] == ["main", "copy"]
    assert api.get(o.outsider, f"/documents/{doc.pk}/deliveries").status_code == 404
    assert api.get(o.dept_clerk, f"/documents/{doc.pk}/deliveries").status_code == 404
    assert api.get(o.clerk, "/documents/999999/deliveries").status_code == 404


def test_api_refusal_is_chinese_and_writes_nothing(office, api):
    from api.tests.helpers import changed_tables, snapshot

    o = office
    doc = outgoing(o, sealed=False)
    api.token(o.clerk)
    before = snapshot()
    response = api.post(o.clerk, f"/tasks/{dispatch_task(o, doc).pk}/dispatch", {"opinion": ""})
    assert response.status_code == 400
    assert "用印" in response.json()["detail"]
    assert not changed_tables(before, snapshot()) and not Delivery.objects.exists()
