"""C01 — incoming half: a handling division cannot finish a reply that needs the leaders'
approval before they gave it (会签件漏签).

An external bureau sends a request our agency must answer with the leaders' approval.
The handling division asks two other divisions for their opinions (会签), then tries to
finish it without sending it to the leader in charge. The engine refuses, naming the
missing leader, and writes nothing; after the leader approved, 答复 and 办结 succeed, and
the processing slip shows every opinion in order. (The sealing half, 用印, comes with the
outgoing documents.)
"""

from documents.models import Status
from flow import selectors
from flow import services as flow
from flow.models import Decision, NodeKind, Task, TaskRole, TaskStatus
from gongwen.errors import GateClosed, NotFound, PermissionDenied
from incoming.services import IncomingData, register_incoming
from tests.helpers import open_task, open_tasks, refused


def test_reply_cannot_be_finished_before_the_leader_approved(office, clock):
    o = office
    clock.next()
    doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于联合印发道路运输安全专项整治方案的函", doc_type="函", sender_id=o.other_gov.pk,
        doc_number="示财〔2026〕21号", needs_reply=True))
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="联合行文，须会签。")
    clock.next()
    flow.send_on(open_task(doc, o.director).pk, actor=o.director,
                 opinion="拟请周副市长阅示，综合一处牵头研提意见，答复须经领导审定。",
                 next_assignees=[o.leader_a], needs_leader_approval=True)
    clock.next()
    flow.send_on(open_task(doc, o.leader_a).pk, actor=o.leader_a, opinion="请综合一处会同有关处室研办。")
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请综合一处主办。", lead_unit=o.div_a)
    clock.next()
    flow.assign_handler(open_task(doc, o.head_a).pk, actor=o.head_a, handler=o.handler_a, note="请孙科员承办。")
    handle = open_task(doc, o.handler_a)

    # The division asks two other divisions for their opinions.
    flow.request_countersign(handle.pk, actor=o.handler_a, units=[o.div_b, o.div_c], note="请会签。")
    with refused("会签尚未完成"):
        flow.complete(handle.pk, actor=o.handler_a, opinion="已办理完毕。")
    clock.next()
    flow.countersign(open_task(doc, o.head_b, TaskRole.COUNTERSIGN).pk, actor=o.head_b, decision=Decision.AGREE,
                     opinion="同意。")
    flow.countersign(open_task(doc, o.head_c, TaskRole.COUNTERSIGN).pk, actor=o.head_c, decision=Decision.AGREE,
                     opinion="无意见。")

    # C01: it marks the document as finished without the leader in charge. Refused, the
    # missing leader named, nothing written.
    clock.next()
    with refused("周副市长", exc=GateClosed) as info:
        flow.complete(handle.pk, actor=o.handler_a, opinion="会签完毕，请办公室用印后退回。")
    assert "审定" in info.value.message
    assert Task.objects.get(pk=handle.pk).status == TaskStatus.OPEN
    # Nor can the office finish it for the division, nor another leader approve it.
    with refused(exc=(PermissionDenied, NotFound)):
        flow.complete(handle.pk, actor=o.director, opinion="办结。")
    with refused(exc=(PermissionDenied, NotFound)):
        flow.complete(handle.pk, actor=o.leader_b, opinion="同意。")
    # Nor skip the approval by choosing a non-leader or sending it sideways.
    with refused("不是领导"):
        flow.send_on(handle.pk, actor=o.handler_a, opinion="请审定。", next_assignees=[o.head_a])

    # Sent to the leader in charge, who approves.
    flow.send_on(handle.pk, actor=o.handler_a, opinion="已会签，拟同意联合行文，请审定。")
    approve = open_task(doc, o.leader_a)
    assert approve.node_kind == NodeKind.APPROVE
    assert not Task.objects.filter(document=doc, assignee=o.leader_b, status=TaskStatus.OPEN).exists()
    with refused("审定意见"):
        flow.send_on(approve.pk, actor=o.leader_a, opinion=" ")
    with refused("退回"):
        flow.send_on(approve.pk, actor=o.leader_a, opinion="不同意。", decision=Decision.DISAGREE)
    clock.next()
    flow.send_on(approve.pk, actor=o.leader_a, opinion="同意联合行文，请按程序报主要领导签发。")

    # 答复 and 办结 now succeed.
    reply = open_task(doc, o.handler_a)
    assert reply.node_kind == NodeKind.REPLY
    with refused("答复内容"):
        flow.send_on(reply.pk, actor=o.handler_a, opinion="已答复。")
    clock.next()
    flow.send_on(reply.pk, actor=o.handler_a, opinion="已答复市财政局。",
                 reply_text="已以示府办函〔2026〕9号复函市财政局，同意联合行文。")
    final = open_task(doc, o.clerk)
    assert final.node_kind == NodeKind.COMPLETE
    flow.complete(final.pk, actor=o.clerk, opinion="办结。")
    doc.refresh_from_db()
    assert doc.status == Status.COMPLETED and doc.closed_at is not None
    assert open_tasks(doc) == []

    # The processing slip shows every opinion, in the order of the steps.
    slip = [(s.title, op.author.name, op.text) for s in selectors.processing_slip(doc) for op in s.opinions]
    assert slip == [
        ("初审意见", "李秘书", "联合行文，须会签。"),
        ("拟办意见", "赵主任", "拟请周副市长阅示，综合一处牵头研提意见，答复须经领导审定。"),
        ("领导批示", "周副市长", "请综合一处会同有关处室研办。"),
        ("分办意见", "李秘书", "请综合一处主办。"),
        ("承办意见", "郑处长", "请孙科员承办。"),
        ("承办意见", "冯处长", "同意。"),
        ("承办意见", "卫主任", "无意见。"),
        ("承办意见", "孙科员", "已会签，拟同意联合行文，请审定。"),
        ("领导审定", "周副市长", "同意联合行文，请按程序报主要领导签发。"),
        ("答复情况", "孙科员", "已答复市财政局。"),
        ("办结", "王文书", "办结。"),
    ]
    approval = selectors.processing_slip(doc)[5].opinions[0]
    assert approval.decision == Decision.AGREE
    countersigns = [op for op in selectors.processing_slip(doc)[4].opinions if op.role == TaskRole.COUNTERSIGN]
    assert [op.decision for op in countersigns] == [Decision.AGREE, Decision.AGREE]


def test_approval_given_before_the_division_reworked_it_does_not_count(office, clock):
    """The leader approved and the reply went out; then the office sent it back to the
    division, which changed it: the old approval no longer covers it, and the division
    cannot finish the changed reply on its own."""
    o = office
    clock.next()
    doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于商请联合开展治超行动的函", doc_type="函", sender_id=o.dept.pk))
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。", needs_leader_approval=True)
    flow.send_on(open_task(doc, o.director).pk, actor=o.director, opinion="拟请吴副市长阅示。",
                 next_assignees=[o.leader_b])
    flow.send_on(open_task(doc, o.leader_b).pk, actor=o.leader_b, opinion="请综合二处办理。")
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, lead_unit=o.div_b)
    clock.next()
    flow.send_on(open_task(doc, o.head_b).pk, actor=o.head_b, opinion="拟同意，请审定。")
    clock.next()
    flow.send_on(open_task(doc, o.leader_b).pk, actor=o.leader_b, opinion="同意。")
    flow.send_on(open_task(doc, o.head_b).pk, actor=o.head_b, reply_text="已复函市交通局。")
    final = open_task(doc, o.clerk)
    assert final.node_kind == NodeKind.COMPLETE
    # The office sends it back to 承办: the reply has to change.
    handle_activation = next(a for a in flow.return_targets(final) if a.node_kind == NodeKind.HANDLE)
    clock.next()
    flow.return_task(final.pk, actor=o.clerk, to_activation_id=handle_activation.pk, reason="答复口径需调整。")
    handle = open_task(doc, o.head_b)
    with refused("吴副市长", exc=GateClosed):
        flow.complete(handle.pk, actor=o.head_b, opinion="已按调整后的口径办结。")
    clock.next()
    flow.send_on(handle.pk, actor=o.head_b, opinion="已调整口径，请再审定。")
    assert open_task(doc, o.leader_b).node_kind == NodeKind.APPROVE


def test_joint_document_cannot_be_sealed_before_every_signature(office, clock):
    """C01 — outgoing half (会签件漏签用印): a joint 通知 with 示范市财政局, countersigned by two
    divisions, reaches the seal keeper before the leaders and the co-issuing agency signed.
    用印 is refused naming every missing signature and nothing is written; after the policy
    chain, both sign-offs, the other agency's sign-off, 复核, 编号, 清样 and 成品 it is sealed,
    and the ledger records who sealed it, when and on whose sign-off."""
    import pytest
    from django.db import connection
    from django.utils import timezone

    from documents import storage
    from drafting import gates, output
    from drafting import services as drafting
    from drafting.models import SignOff
    from drafting.render import soffice_path
    from flow.models import Opinion
    from sealing import services as sealing
    from sealing.models import SealUse
    from sealing.tests.chain import draft_data, series_for, with_body

    if soffice_path() is None:
        pytest.skip("LibreOffice is not installed")
    o = office
    clock.next()
    seal = sealing.register_seal(actor=o.secadmin, agency=o.gov, name="示范市人民政府办公室印", keeper=o.keeper)
    document = drafting.create_draft(actor=o.handler_a, data=draft_data(
        o, title="示范市人民政府办公室 示范市财政局关于印发道路运输安全专项整治方案的通知", is_policy=True,
        joint_agency_ids=[o.other_gov.pk]))
    assert document.is_joint and document.needs_principal_signoff
    with_body(document, o.handler_a)
    draft = open_task(document, o.handler_a)
    flow.request_countersign(draft.pk, actor=o.handler_a, units=[o.div_b, o.div_c], note="请会签。")
    clock.next()
    flow.countersign(open_task(document, o.head_b, TaskRole.COUNTERSIGN).pk, actor=o.head_b,
                     decision=Decision.AGREE, opinion="同意。")
    flow.countersign(open_task(document, o.head_c, TaskRole.COUNTERSIGN).pk, actor=o.head_c,
                     decision=Decision.AGREE, opinion="无意见。")

    # The countersigned draft is brought to the seal keeper. Refused: every missing
    # signature named, nothing written (the ledger neither).
    def ledger_rows():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {SealUse._meta.db_table}")  # noqa: S608
            return cursor.fetchall()

    with refused("用印条件不满足", exc=GateClosed) as info:
        sealing.seal_document(draft.pk, actor=o.keeper, seal_id=seal.pk)
    message = info.value.message
    for missing in ("分管领导（周副市长）审核", "主要领导（陈市长）签发", "联合发文机关示范市财政局负责人签发",
                    "编号（发文字号）", "签发后复核"):
        assert missing in message, missing
    assert ledger_rows() == [] and Task.objects.get(pk=draft.pk).status == TaskStatus.OPEN

    # The policy chain: six reviews, then 周副市长 and 陈市长 sign off in turn.
    flow.send_on(draft.pk, actor=o.handler_a, opinion="已会签，请审核。")
    flow.send_on(open_task(document, o.head_a).pk, actor=o.head_a, opinion="同意，请办公室核稿。")
    clock.next()
    flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="初核：文字已规范。")
    flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="复核无误。")
    flow.send_on(open_task(document, o.director).pk, actor=o.director, opinion="拟同意，请周副市长审核。")
    clock.next()
    flow.send_on(open_task(document, o.leader_a).pk, actor=o.leader_a, opinion="同意，请陈市长签发。",
                 next_assignees=[o.leader_a, o.principal], next_mode="sequential")
    drafting.sign_off(open_task(document, o.leader_a).pk, actor=o.leader_a, opinion="同意。")
    # Still not sealable: the principal head and the other agency.
    assert sealing.seal_check(document)[:2] == ["主要领导（陈市长）签发", "联合发文机关示范市财政局负责人签发"]
    clock.next()
    drafting.sign_off(open_task(document, o.principal).pk, actor=o.principal, opinion="同意印发。")
    drafting.record_joint_signoff(document.pk, actor=o.clerk, agency_id=o.other_gov.pk, signer_name="钱局长",
                                  signed_on=timezone.localdate(), opinion="同意联合印发。")
    assert gates.missing_signatures(document) == []
    clock.next()
    flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="签发后复核无误。")
    number = open_task(document, o.clerk)
    drafting.number(number.pk, actor=o.clerk, series_id=series_for(o).pk)
    flow.send_on(number.pk, actor=o.clerk, opinion="已编号。")
    clock.next()
    output.make_copy(document.pk, actor=o.handler_a, kind="proof")
    flow.send_on(open_task(document, o.handler_a).pk, actor=o.handler_a, opinion="清样无误。")
    output.make_copy(document.pk, actor=o.secretary, kind="final")
    flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="成品无误。")
    clock.next()
    document.refresh_from_db()
    assert sealing.seal_check(document) == []
    seal_task = open_task(document, o.keeper)
    use = sealing.seal_document(seal_task.pk, actor=o.keeper, seal_id=seal.pk)

    # The ledger: who sealed, when, on whose sign-off.
    document.refresh_from_db()
    assert use.used_by == o.keeper and use.seal == seal and use.doc_number == document.doc_number
    assert abs((use.used_at - clock.now).total_seconds()) < 600
    assert use.signers == "陈市长、钱局长" == document.signer
    signoffs = SignOff.objects.filter(pk__in=use.signoff_ids).order_by("signed_at", "id")
    assert [(s.signer_name, s.kind) for s in signoffs] == [
        ("周副市长", SignOff.Kind.INTERNAL), ("陈市长", SignOff.Kind.INTERNAL), ("钱局长", SignOff.Kind.JOINT)]
    sealed = storage.read(use.final_version.storage_path, use.final_version.sha256)
    assert sealing.find_and_verify(sealed)["intact"]
    assert open_task(document, o.clerk).node_kind == NodeKind.DISPATCH

    # The processing slip: every review and sign-off opinion, in order.
    texts = [(op.author.name, op.text) for op in Opinion.objects.filter(document=document).order_by("created_at", "id")]
    expected = [("冯处长", "同意。"), ("卫主任", "无意见。"), ("孙科员", "已会签，请审核。"),
                ("郑处长", "同意，请办公室核稿。"), ("李秘书", "初核：文字已规范。"), ("李秘书", "复核无误。"),
                ("赵主任", "拟同意，请周副市长审核。"), ("周副市长", "同意，请陈市长签发。"), ("周副市长", "同意。"),
                ("陈市长", "同意印发。"), ("李秘书", "签发后复核无误。"), ("王文书", "已编号。"),
                ("孙科员", "清样无误。"), ("李秘书", "成品无误。"), ("钱印章", "已用印。")]
    assert [t for t in texts if t in expected] == expected
