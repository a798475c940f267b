"""What is sealed and sent is exactly what was signed (issue 11, defect 8; RULES.md §7).

A seal use binds one version of the 成品 (its SHA-256), the body version, the elements
printed on the page and the sign-offs it rests on. A return, a new sign-off or a change of
the body or of a printed element voids it (recorded, never deleted); the 用印 node cannot be
passed and 分发 refuses unless the last seal use is current and binds the document as it
stands, naming what differs (sealing.services.current_seal_blocker, the one check).

* the defect as found: sealed, returned to 拟稿, another main recipient, signed again —
  the old seal use is void, 用印 must be done again, and 分发 sends the new sealed file;
* each service that changes what a seal binds voids a current seal use;
* refusals name what differs and write nothing;
* a property test: random sequences of operations on outgoing documents (edit the body,
  change an element, return, sign off, number, upload a 成品, seal, send on, recall,
  dispatch, and a change that bypasses the services) never dispatch a file whose digest
  differs from the last seal use, nor rest on a seal use older than the last valid
  sign-off.

Most 成品 here are uploaded by the office (documents.services.upload_file; a small PDF laid
out like a document, demo.pdf.demo_pdf, with the 成文日期 the seal is placed on), so that
the property test does not wait on LibreOffice; the defect scenario renders them for real.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import fields
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from audit.models import AuditEvent
from demo.pdf import demo_pdf
from documents.models import Document, DocumentFile, FileVersion, Recipient
from documents.services import upload_file
from drafting import body, compose, gates, output
from drafting import services as drafting
from drafting.render import RenderInput, soffice_path
from exchange.models import Delivery
from exchange.services import dispatch, sealed_file
from flow import services as flow
from flow.models import HistoryAction, HistoryEvent, NodeKind, Task, TaskRole, TaskStatus
from gongwen.errors import DomainError, GateClosed
from sealing import services as sealing
from sealing.models import SealUse, SealVoid
from sealing.tests.chain import draft_data, seal_for, series_for, to_seal, with_body
from tests.helpers import diff, open_task, refused, snapshot

pytestmark = pytest.mark.django_db
needs_office = pytest.mark.skipif(soffice_path() is None, reason="LibreOffice is not installed")

ROUTINE = ("draft", "unit_review", "first_review", "office_review", "sign_off", "recheck", "number", "seal", "dispatch")


def final_pdf(document, marker: str = "") -> bytes:
    """A 成品 of the document as it stands, with its 成文日期 on a line of its own."""
    return demo_pdf(document.title + marker, sender=document.agency.name, doc_number=document.doc_number,
                    recipients=compose.main_recipients_text(document), issued_on=document.issued_on)


def upload_final(o, document, marker: str = "") -> FileVersion:
    """The office uploads a 成品 PDF (the next version of the 成品 file)."""
    document.refresh_from_db()
    return upload_file(actor=o.clerk, document=document, name="成品.pdf", data=final_pdf(document, marker),
                       role=DocumentFile.Role.FINAL, replaces=output.pdf_file(document, "final"))


def sealed(o, document=None):
    """A routine 通知 sealed by the keeper on an uploaded 成品; it waits at 分发."""
    seal = seal_for(o)
    document = to_seal(o, document)
    upload_final(o, document)
    use = sealing.seal_by_document(document.pk, actor=o.keeper, seal_id=seal.pk)
    document.refresh_from_db()
    return document, seal, use


def fresh(use: SealUse) -> SealUse:
    return SealUse.objects.select_related("voiding").get(pk=use.pk)


def voided_with(use: SealUse, actor, *phrases: str) -> SealUse:
    """The seal use is void, by ``actor``, the reason naming each phrase; the ledger entry
    itself is unchanged; history and audit tell it."""
    use = fresh(use)
    assert not use.is_current and use.state == SealVoid.VOIDED and use.voided_by == actor
    assert use.voided_at is not None
    for phrase in phrases:
        assert phrase in use.void_reason, (phrase, use.void_reason)
    assert HistoryEvent.objects.filter(document=use.document, action=HistoryAction.SEAL,
                                       opinion__contains="原用印作废").exists()
    event = AuditEvent.objects.get(action="sealing.void", target_id=str(use.pk))
    assert event.new["state"] == SealVoid.VOIDED and event.old["state"] == SealVoid.CURRENT
    if sealing.last_use(use.document) == use:  # not sealed again since
        assert "已作废" in sealing.current_seal_blocker(use.document)
    return use


def walk(o, document, to: str):
    """Drive a routine draft from where it stands to the node ``to`` (by its key)."""
    steps = {
        "draft": lambda: flow.send_on(open_task(document, o.handler_a).pk, actor=o.handler_a, opinion="请审核。"),
        "unit_review": lambda: flow.send_on(open_task(document, o.head_a).pk, actor=o.head_a, opinion="同意。"),
        "first_review": lambda: flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="已核。"),
        "office_review": lambda: flow.send_on(open_task(document, o.director).pk, actor=o.director,
                                              opinion="拟同意，请领导签发。"),
        "sign_off": lambda: drafting.sign_off(open_task(document, o.leader_a).pk, actor=o.leader_a,
                                              opinion="同意印发。"),
        "recheck": lambda: flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="已复核。"),
        "number": lambda: _number_and_send_on(o, document),
    }
    for _ in ROUTINE:
        here = Task.objects.filter(document=document, status=TaskStatus.OPEN, role=TaskRole.MAIN).select_related(
            "activation").get().activation.node_key
        if here == to:
            break
        steps[here]()
    document.refresh_from_db()
    return document


def _number_and_send_on(o, document):
    task = open_task(document, o.clerk)
    if not gates.is_numbered(document):
        drafting.number(task.pk, actor=o.clerk, series_id=series_for(o).pk)
    flow.send_on(task.pk, actor=o.clerk, opinion="已编号。")


def bound_seal_use(o, document) -> SealUse:
    """A current seal use recorded for the document as it stands now (on an uploaded 成品),
    wherever the document is: the state a change must void."""
    from sealing.models import Seal

    seal = Seal.objects.filter(agency=o.gov).first() or seal_for(o)
    final = upload_final(o, document)
    document.refresh_from_db()
    use = SealUse.objects.create(seal=seal, document=document, doc_number=document.doc_number,
                                 title=document.title, signers=document.signer, used_by=o.keeper,
                                 **sealing.seal_binding(document, final))
    assert sealing.current_seal_blocker(document) is None
    return use


# --- the defect as found ---------------------------------------------------------------------


@needs_office
def test_sealed_returned_to_draft_given_another_main_recipient_and_signed_again(office):
    o = office
    seal = seal_for(o)
    document = to_seal(o)
    first = sealing.seal_document(open_task(document, o.keeper).pk, actor=o.keeper, seal_id=seal.pk)  # renders
    at_dispatch = open_task(document, o.clerk)
    assert at_dispatch.node_kind == NodeKind.DISPATCH
    draft = next(a for a in flow.return_targets(at_dispatch) if a.node_key == "draft")
    flow.return_task(at_dispatch.pk, actor=o.clerk, to_activation_id=draft.pk, reason="主送机关有误，请改正。")
    voided_with(first, o.clerk, "退回“拟稿”", "主送机关有误")

    drafting.update_draft(actor=o.handler_a, document_id=document.pk,
                          data=draft_data(o, main_to=["各县（市、区）人民政府", o.dept.pk]))
    walk(o, document, "seal")  # reviewed and signed off again, rechecked; the 文号 stays
    assert signoff_count(document) == 2
    keeper = open_task(document, o.keeper)
    # 用印 cannot be passed on the void seal use, and the refusal writes nothing
    with refused("原用印.*已作废", exc=GateClosed):
        flow.send_on(keeper.pk, actor=o.keeper, opinion="已用印。")
    # sealing again is allowed now that no current seal use exists
    second = sealing.seal_document(keeper.pk, actor=o.keeper, seal_id=seal.pk)
    document.refresh_from_db()
    assert second.is_current and second.sha256 == second.final_version.sha256 != first.sha256
    assert second.elements["main_recipients"] == "各县（市、区）人民政府、示范市交通运输局："
    assert first.elements["main_recipients"] == "示范市交通运输局、各区人民政府："
    assert second.signoff_ids == list(gates.valid_signoffs(document).order_by("signed_at", "id")
                                      .values_list("pk", flat=True))
    assert len(second.signoff_ids) == 2 and second.used_at >= second.last_signoff_at
    assert SealUse.objects.filter(document=document).count() == 2  # the void one stays in the ledger
    # 分发 sends the file sealed last, never the one sealed before the change
    deliveries = dispatch(open_task(document, o.clerk).pk, actor=o.clerk)
    inside = [d for d in deliveries if d.incoming_id]
    assert inside
    for delivery in inside:
        copy = FileVersion.objects.get(file__document=delivery.incoming)
        assert copy.sha256 == second.sha256 != first.sha256


def signoff_count(document) -> int:
    from drafting.models import SignOff

    return SignOff.objects.filter(document=document).count()


def test_dispatch_refuses_a_file_that_is_not_the_one_sealed_last(office):
    o = office
    document, _, use = sealed(o)
    newer = upload_final(o, document, marker="（重排）")
    task = open_task(document, o.clerk)
    with refused(rf"分发的文件（《成品.pdf》第{newer.number}版，SHA-256 {newer.sha256[:12]}…）"
                 rf"不是最后用印的成品（第{use.final_version.number}版，SHA-256 {use.sha256[:12]}…）"):
        dispatch(task.pk, actor=o.clerk)
    assert not Delivery.objects.exists()


def test_dispatch_refuses_after_a_change_that_bypassed_the_services(office):
    # Whatever way a printed element changes, the one check sees it and names it.
    o = office
    document, _, use = sealed(o)
    Recipient.objects.filter(document=document, kind=Recipient.Kind.MAIN, name="各区人民政府").update(
        name="各县（市、区）人民政府")
    with refused("主送机关（用印时：示范市交通运输局、各区人民政府；现为：示范市交通运输局、各县（市、区）人民政府）"):
        dispatch(open_task(document, o.clerk).pk, actor=o.clerk)
    assert fresh(use).is_current  # a refusal writes nothing, not even the voiding


def test_no_external_exchange_package_of_a_file_that_is_not_the_one_sealed(office):
    from exchange.packages import services as package

    o = office
    document, _, use = sealed(o)
    upload_final(o, document, marker="（重排）")
    with refused("本件不能导出外部交换包：用印后本件已有变动.*成品（用印的是第"):
        package.export_package(document, o.clerk)


def test_the_seal_gate_and_sealing_again_after_a_body_uploaded_behind_the_drafting_services(office):
    o = office
    document, seal, use = sealed(o)
    recalled = flow.recall(Task.objects.get(document=document, node_kind=NodeKind.SEAL, status=TaskStatus.DONE).pk,
                           actor=o.keeper)  # back at 用印, the seal use still current
    assert sealing.current_seal_blocker(document) is None
    with_body(document, o.clerk, ["为进一步做好道路运输安全工作，现将有关事项通知如下。", "一、加强领导"])
    with refused("正文（用印时为第1版，现为第2版）", exc=GateClosed):
        flow.send_on(recalled.pk, actor=o.keeper, opinion="已用印。")
    # Signatures rest on the first body: C01 names them before the keeper may seal again.
    with refused("签发后正文已修改"):
        sealing.seal_by_document(document.pk, actor=o.keeper, seal_id=seal.pk)
    assert fresh(use).is_current


def test_sealing_twice_is_refused_while_the_seal_use_holds(office):
    o = office
    document, seal, use = sealed(o)
    flow.recall(Task.objects.get(document=document, node_kind=NodeKind.SEAL, status=TaskStatus.DONE).pk,
                actor=o.keeper)
    with refused(f"{document.doc_number}已用印.*原用印仍然有效，不能重复用印"):
        sealing.seal_by_document(document.pk, actor=o.keeper, seal_id=seal.pk)
    # nor is a new 成品 made over the sealed one
    with refused("本件已用印.*不能重新生成成品"):
        output.make_copy(document.pk, actor=o.clerk, kind="final")


def test_sealing_again_voids_the_stale_seal_use_first(office):
    o = office
    document, seal, use = sealed(o)
    task = Task.objects.get(document=document, node_kind=NodeKind.SEAL, status=TaskStatus.DONE)
    flow.recall(task.pk, actor=o.keeper)
    Document.objects.filter(pk=document.pk).update(urgency="加急")  # behind the services
    upload_final(o, document, marker="（加急）")
    again = sealing.seal_by_document(document.pk, actor=o.keeper, seal_id=seal.pk)
    voided_with(use, o.keeper, "重新用印", "紧急程度（用印时：（无）；现为：加急）")
    assert again.is_current and sealing.current_seal_blocker(document) is None
    assert fresh(use).final_version_id != again.final_version_id


def test_the_seal_use_is_not_newer_than_a_sign_off_that_came_after_it(office):
    o = office
    document, _, use = sealed(o)
    from drafting.models import SignOff

    # a sign-off dated after the seal (written behind the services) makes the seal stale
    SignOff.objects.create(document=document, agency=o.gov, signer=o.principal, signer_name=o.principal.name,
                           is_principal=True, opinion="同意。", signed_on=timezone.localdate(),
                           signed_at=use.used_at + timedelta(minutes=1),
                           body_version=gates.current_body(document), recorded_by=o.principal)
    assert "签发（用印后有新的签发" in sealing.current_seal_blocker(document)


def test_a_seal_use_without_the_digest_of_its_file_does_not_count(office):
    o = office
    document, _, use = sealed(o)
    legacy = SealUse.objects.create(seal=use.seal, document=document, doc_number=document.doc_number,
                                    title=document.title, signers=document.signer, used_by=o.keeper)
    assert "用印记录未载明所盖成品的摘要" in sealing.current_seal_blocker(document)
    assert legacy.is_current


def test_verifying_a_voided_seal_says_so(office):
    o = office
    document, _, use = sealed(o)
    from documents import storage

    sealed_pdf = storage.read(use.final_version.storage_path, use.final_version.sha256)
    at_dispatch = open_task(document, o.clerk)
    target = next(a for a in flow.return_targets(at_dispatch) if a.node_key == "sign_off")
    flow.return_task(at_dispatch.pk, actor=o.clerk, to_activation_id=target.pk, reason="请领导再审。")
    result = sealing.find_and_verify(sealed_pdf)
    assert result["intact"] and not result["current"] and "作废" in result["message"]


# --- every change of what a seal binds voids it ----------------------------------------------


def _new_draft(o, **over):
    document = drafting.create_draft(actor=o.handler_a, data=draft_data(o, **over))
    with_body(document, o.handler_a)
    document.refresh_from_db()
    return document


def _body(o, document):
    body.save_structured(actor=o.handler_a, document=document, blocks=[
        {"level": 0, "text": "为进一步做好道路运输安全工作，现将有关事项通知如下。"}])


def _element(o, document):
    drafting.update_draft(actor=o.handler_a, document_id=document.pk,
                          data=draft_data(o, title="示范市人民政府办公室关于做好冬季道路运输安全工作的通知"))


def _sign_off(o, document):
    drafting.sign_off(open_task(document, o.leader_a).pk, actor=o.leader_a, opinion="同意印发。")


def _number(o, document):
    drafting.number(open_task(document, o.clerk).pk, actor=o.clerk, series_id=series_for(o).pk)


def _return(o, document):
    task = open_task(document, o.head_a)
    draft = next(a for a in flow.return_targets(task) if a.node_key == "draft")
    flow.return_task(task.pk, actor=o.head_a, to_activation_id=draft.pk, reason="请补充措施。")


def _joint(o, document):
    drafting.record_joint_signoff(document.pk, actor=o.clerk, agency_id=o.other_gov.pk, signer_name="钱局长",
                                  signed_on=timezone.localdate())


TRIGGERS = {
    # name: (node the draft stands at, draft options, the change, who, phrases of the reason)
    "body": ("draft", {}, _body, "handler_a", ("用印后修改正文", "正文（用印时为第1版，现为第2版）")),
    "element": ("draft", {}, _element, "handler_a", ("用印后修改发文稿纸", "标题（用印时：示范市人民政府办公室关于做好道路运输")),
    "sign_off": ("sign_off", {}, _sign_off, "leader_a", ("用印后周副市长重新签发",)),
    "number": ("number", {}, _number, "clerk", ("用印后重新编号", "发文字号（用印时：（无）；现为：示府办发〔")),
    "return": ("unit_review", {}, _return, "head_a", ("退回“拟稿”", "请补充措施")),
    "joint_sign_off": ("draft", {"joint_agency_ids": None}, _joint, "clerk", ("用印后记录示范市财政局的签发",)),
}


@pytest.mark.parametrize("trigger", list(TRIGGERS))
def test_each_change_of_what_a_seal_binds_voids_it(office, trigger):
    o = office
    node, over, change, who, phrases = TRIGGERS[trigger]
    if "joint_agency_ids" in over:
        over = {"joint_agency_ids": [o.other_gov.pk]}
    document = walk(o, _new_draft(o, **over), node)
    use = bound_seal_use(o, document)
    change(o, document)
    voided_with(use, getattr(o, who), *phrases)
    assert SealUse.objects.filter(pk=use.pk).exists()  # never deleted


def test_a_change_that_leaves_the_page_as_it_was_does_not_void(office):
    o = office
    document = _new_draft(o)
    use = bound_seal_use(o, document)
    # 备注 and 公开属性 are not printed: the seal still binds the page
    drafting.update_draft(actor=o.handler_a, document_id=document.pk,
                          data=draft_data(o, remarks="内部备注", publicity="依申请公开"))
    assert fresh(use).is_current and sealing.current_seal_blocker(document) is None


def test_every_element_the_renderer_prints_is_bound(office):
    printed = {f.name for f in fields(RenderInput)} - {"body", "attendees", "absentees", "observers"}
    assert printed == set(compose.PRINTED)
    o = office
    document = _new_draft(o)
    assert set(compose.page_elements(document)) == printed


# --- the property ----------------------------------------------------------------------------

OFFICE = None
STATS: Counter = Counter()
MESSAGES: Counter = Counter()
BODIES = [["为进一步做好道路运输安全工作，现将有关事项通知如下。", "一、提高认识", "各单位要高度重视。"],
          ["为进一步做好道路运输安全工作，现将有关事项通知如下。", "一、加强领导", "各单位要落实责任。"],
          ["为切实做好冬季道路运输安全工作，现将有关事项通知如下。", "一、强化排查", "各单位要及时整改。"]]
TITLES = ["示范市人民政府办公室关于做好道路运输安全工作的通知",
          "示范市人民政府办公室关于做好冬季道路运输安全工作的通知"]


class SealMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.o = OFFICE
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.uses_seen: dict[int, bool] = {}
        self.documents: list[Document] = []

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- helpers -----------------------------------------------------------------------

    @property
    def open_documents(self):
        return [d for d in Document.objects.filter(pk__in=[d.pk for d in self.documents]).order_by("pk") if d.is_open]

    def holder(self, document) -> Task | None:
        return (Task.objects.filter(document=document, status=TaskStatus.OPEN, role=TaskRole.MAIN,
                                    activation__is_side=False).select_related("assignee", "activation")
                .order_by("id").first())

    def attempt(self, operation, *args, **kwargs):
        """One service call; a refusal is allowed and must leave every table as it was."""
        before = snapshot()
        try:
            result = operation(*args, **kwargs)
        except DomainError as exc:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.message), exc
            after = snapshot()
            assert not diff(before, after), f"{operation.__name__} refused ({exc.message}) but changed {diff(before, after)}"
            STATS[operation.__name__, "refused"] += 1
            MESSAGES[operation.__name__, exc.message[:60]] += 1
            return None
        STATS[operation.__name__, "ok"] += 1
        return result

    def pick(self, data):
        documents = self.open_documents
        return data.draw(st.sampled_from(documents), label="document") if documents else None

    # --- rules ---------------------------------------------------------------------------

    @initialize(data=st.data())
    def a_draft_under_way(self, data):
        """A draft at 用印 — sometimes sealed already, and sometimes then sent back to an
        earlier node, so that the random steps soon meet sealing again."""
        o = self.o
        self.seal = seal_for(o)
        document = to_seal(o)
        upload_final(o, document)
        self.documents.append(document)
        if data.draw(st.booleans(), label="sealed already"):
            sealing.seal_by_document(document.pk, actor=o.keeper, seal_id=self.seal.pk)
            if data.draw(st.booleans(), label="then sent back"):
                task = self.holder(document)
                target = data.draw(st.sampled_from(flow.return_targets(task)), label="to")
                flow.return_task(task.pk, actor=task.assignee, to_activation_id=target.pk, reason="请修改后再送。")

    @precondition(lambda self: len(self.documents) < 3 and not self.open_documents)
    @rule(data=st.data())
    def another_draft(self, data):
        o = self.o
        document = to_seal(o, drafting.create_draft(actor=o.handler_a, data=draft_data(
            o, title=data.draw(st.sampled_from(TITLES), label="title"))))
        self.documents.append(document)

    @rule(data=st.data())
    def upload_a_final(self, data):
        """The office puts a 成品 in: as the document stands, or a different one."""
        document = self.pick(data)
        if document is not None:
            marker = data.draw(st.sampled_from(["", "", "（改）"]), label="marker")
            self.attempt(upload_final, self.o, document, marker)

    @rule(data=st.data())
    def seal(self, data):
        o = self.o
        document = self.pick(data)
        if document is None:
            return
        if data.draw(st.integers(0, 4), label="fresh 成品 first?"):
            self.attempt(upload_final, o, document)
        actor = data.draw(st.sampled_from([o.keeper] * 4 + [o.clerk]), label="actor")
        self.attempt(sealing.seal_by_document, document.pk, actor=actor, seal_id=self.seal.pk)

    @rule(data=st.data())
    def advance(self, data):
        self._advance(data)

    @rule(data=st.data())
    def advance_again(self, data):
        self._advance(data)

    @rule(data=st.data())
    def advance_once_more(self, data):
        self._advance(data)

    def _advance(self, data):
        """The holder of the draft does the work of the node and sends it on (dispatches at 分发)."""
        o = self.o
        document = self.pick(data)
        task = self.holder(document) if document is not None else None
        if task is None:
            return
        actor = task.assignee
        if task.node_kind == NodeKind.SIGN_OFF:
            self.attempt(drafting.sign_off, task.pk, actor=actor, opinion="同意印发。")
        elif task.node_kind == NodeKind.NUMBER:
            if not gates.is_numbered(document):
                self.attempt(drafting.number, task.pk, actor=actor, series_id=series_for(o).pk)
            self.attempt(flow.send_on, task.pk, actor=actor, opinion="已编号。")
        elif task.node_kind == NodeKind.SEAL and data.draw(st.integers(0, 3), label="seal it?"):
            self.attempt(upload_final, o, document)
            self.attempt(sealing.seal_by_document, document.pk, actor=actor, seal_id=self.seal.pk)
        elif task.node_kind == NodeKind.DISPATCH:
            self.dispatch_and_check(task, document)
        else:
            self.attempt(flow.send_on, task.pk, actor=actor, opinion="同意。")

    def dispatch_and_check(self, task, document):
        """THE PROPERTY: whatever dispatch sends is the file the last, current seal use
        sealed, on the sign-offs valid now, none of them newer than the seal."""
        document.refresh_from_db()
        sending = sealed_file(document)
        deliveries = self.attempt(dispatch, task.pk, actor=task.assignee)
        if deliveries is None:
            return
        last = sealing.last_use(document)
        assert last is not None and last.is_current, "dispatched without a current seal use"
        assert sending is not None and sending.sha256 == last.sha256, "dispatched a file other than the one sealed"
        for delivery in deliveries:
            if delivery.incoming_id:
                copy = FileVersion.objects.get(file__document=delivery.incoming)
                assert copy.sha256 == last.sha256, "a recipient got a file other than the one sealed"
        valid = list(gates.valid_signoffs(document).order_by("signed_at", "id").values_list("pk", "signed_at"))
        assert [pk for pk, _ in valid] == last.signoff_ids, "the seal rests on other sign-offs than the valid ones"
        assert all(at <= last.used_at for _, at in valid), "the seal use is older than a valid sign-off"
        assert valid, "dispatched without a valid sign-off"
        STATS["dispatched", len(SealUse.objects.filter(document=document))] += 1

    @rule(data=st.data())
    def send_back(self, data):
        document = self.pick(data)
        task = self.holder(document) if document is not None else None
        if task is None:
            return
        targets = flow.return_targets(task)
        if targets and data.draw(st.integers(0, 2), label="send back?") == 0:
            target = data.draw(st.sampled_from(targets), label="to")
            self.attempt(flow.return_task, task.pk, actor=task.assignee, to_activation_id=target.pk,
                         reason="请修改后再送。")

    @rule(data=st.data())
    def recall(self, data):
        document = self.pick(data)
        if document is None:
            return
        done = list(Task.objects.filter(document=document, status=TaskStatus.DONE, role=TaskRole.MAIN)
                    .order_by("-done_at", "-id")[:2])
        if done:
            task = data.draw(st.sampled_from(done), label="task")
            self.attempt(flow.recall, task.pk, actor=task.assignee)

    @rule(data=st.data())
    def edit_body(self, data):
        document = self.pick(data)
        task = self.holder(document) if document is not None else None
        if task is None:
            return
        if data.draw(st.booleans(), label="edit?"):
            return
        paragraphs = data.draw(st.sampled_from(BODIES), label="body")
        self.attempt(body.save_structured, actor=task.assignee, document=document,
                     blocks=[{"level": 1 if p.startswith("一、") else 0, "text": p} for p in paragraphs])

    @rule(data=st.data())
    def change_an_element(self, data):
        o = self.o
        document = self.pick(data)
        task = self.holder(document) if document is not None else None
        if task is None or data.draw(st.booleans(), label="change?"):
            return
        over = data.draw(st.sampled_from([
            {"main_to": ["各县（市、区）人民政府", o.dept.pk]}, {"main_to": [o.dept.pk, "各区人民政府"]},
            {"title": data.draw(st.sampled_from(TITLES), label="title")}, {"urgency": "加急"},
            {"copy_to": [o.bureau.pk]}, {"attachments_note": "附件：1. 检查表"}]), label="change")
        self.attempt(drafting.update_draft, actor=task.assignee, document_id=document.pk, data=draft_data(o, **over))

    @rule(data=st.data())
    def change_behind_the_services(self, data):
        """A printed element changed some other way (an import, a repair by hand): the
        binding is checked against the document as it stands, whoever changed it."""
        document = self.pick(data)
        if document is None:
            return
        what = data.draw(st.sampled_from(["urgency", "recipient", "nothing"]), label="bypass")
        if what == "urgency":
            Document.objects.filter(pk=document.pk).update(urgency="" if document.urgency else "特急")
        elif what == "recipient":
            Recipient.objects.filter(document=document, kind=Recipient.Kind.MAIN).exclude(agency__isnull=False).update(
                name="各县（市、区）人民政府")
        STATS["bypass", what] += 1

    # --- invariants ----------------------------------------------------------------------

    @invariant()
    def the_seal_ledger_is_append_only_and_one_use_is_current(self):
        uses = {pk: current for pk, current in
                ((u.pk, u.is_current) for u in SealUse.objects.select_related("voiding"))}
        for pk, current in self.uses_seen.items():
            assert pk in uses, f"seal use {pk} vanished"
            assert current or not uses[pk], f"seal use {pk} was voided and is current again"
        self.uses_seen = uses
        for document in self.documents:
            assert SealUse.objects.filter(document_id=document.pk, voiding__isnull=True).count() <= 1


@pytest.mark.django_db
def test_no_sequence_of_operations_dispatches_what_was_not_sealed_last(office):
    global OFFICE
    OFFICE = office
    run_state_machine_as_test(SealMachine, settings=settings(
        max_examples=8, stateful_step_count=35, deadline=None,
        derandomize=True, database=None, suppress_health_check=list(HealthCheck), print_blob=False))
    for key, n in sorted(STATS.items(), key=str):
        print(*key, n)
    for key, n in sorted(MESSAGES.items(), key=str):
        print(*key, n)
    # The run must reach deep: sealed, sent back (voided), dispatched after sealing again,
    # and refused at a seal gate (用印 or 分发). A run is derandomised, but what the drawn steps
    # meet depends on the database and the test clock's instant (a recall allowed at one
    # moment is refused at another), so which gate refuses is not fixed; the refusal at 分发
    # itself is walked for certain by the tests above (a file that is not the one sealed last,
    # a change that bypassed the services) and the defect scenario walks signing again.
    assert STATS["seal_by_document", "ok"] > 0 and STATS["return_task", "ok"] > 0
    assert STATS["dispatch", "ok"] > 0
    assert STATS["dispatch", "refused"] + STATS["send_on", "refused"] > 0
    assert any(n > 1 for (what, n) in STATS if what == "dispatched")
