"""C10 — "No receipt means not submitted" (回执与归口): the sign-off part.

An agency's submission to its superior (a 请示 to the provincial government office) is an
上行文: it goes out through the office's chain and must be signed off by the principal
leader. The office director cannot send it to the leader in charge alone for sign-off
(the refusal names 陈市长 and writes nothing); once 陈市长 signs it, the 签发人 element is
filled from the sign-off (``document.signer``), the renderer's input carries him as the
signer of an upward document (GB/T 9704: 签发人 in the 版头 of an 上行文), and the
checker's "上行文必须标注签发人" (routing.signer) finding is gone.

The receipt part: a submission counts as submitted only when the superior's receipt
exists (signed for in the system, or the paper receipt recorded by the sender's office);
without one it shows as 未送达（无回执） to the sender; a refused one shows 已退文 with
the reason (test_a_submission_counts_only_with_its_receipt).
"""

from drafting import body, compose, gates
from drafting import services as drafting
from flow import services as flow
from flow.models import NodeKind
from tests.helpers import open_task, refused

BLOCKS = [{"level": 0, "text": "为做好全市道路运输安全工作，拟申请省级道路运输安全专项资金500万元。"},
          {"level": 0, "text": "妥否，请批示。"}]


def step(clock):
    moment = clock.next()
    clock.traveller.move_to(moment, tick=False)
    return moment


def test_upward_submission_is_signed_off_by_the_principal_leader(office, clock):
    o = office
    step(clock)
    document = drafting.create_draft(actor=o.handler_a, data=drafting.DraftData(
        doc_type="请示", title="示范市人民政府办公室关于申请道路运输安全专项资金的请示", main_to=[o.province.pk],
        publicity="不予公开", publicity_reason="内部请示事项"))
    assert document.is_upward and document.needs_principal_signoff
    body.save_structured(actor=o.handler_a, document=document, blocks=BLOCKS)
    for person, opinion in ((o.handler_a, "请审核。"), (o.head_a, "同意上报。"), (o.secretary, "已核。")):
        step(clock)
        flow.send_on(open_task(document, person).pk, actor=person, opinion=opinion)

    # Choosing only the leader in charge for sign-off is refused, naming the principal leader.
    step(clock)
    director = open_task(document, o.director)
    with refused("上行文须由机关主要负责人签发：请选择陈市长"):
        flow.send_on(director.pk, actor=o.director, opinion="请周副市长签发。", next_assignees=[o.leader_a])
    with refused("上行文须由机关主要负责人签发"):
        flow.send_on(director.pk, actor=o.director, opinion="请吴副市长签发。", next_assignees=[o.leader_b])
    # By default the principal leader gets it.
    flow.send_on(director.pk, actor=o.director, opinion="拟同意，请陈市长签发。")
    sign = open_task(document, o.principal)
    assert sign.node_kind == NodeKind.SIGN_OFF
    assert not [f for f in compose.findings(document) if f.rule == "routing.signer"]  # filled in at sign-off

    step(clock)
    drafting.sign_off(sign.pk, actor=o.principal, opinion="同意上报。")
    document.refresh_from_db()
    assert document.signer == "陈市长"
    assert document.issued_on is not None
    assert gates.missing_signatures(document) == []
    rendered = compose.render_input(document)
    assert rendered.upward is True and "陈市长" in rendered.signers
    assert compose.check_fields(document)["signer"] == "陈市长"
    assert not [f for f in compose.findings(document) if f.rule == "routing.signer"]
    assert open_task(document, o.secretary).node_kind == NodeKind.RECHECK


def test_the_leader_in_charge_may_sign_first_but_the_principal_must_sign(office, clock):
    """Signed by the leader in charge and then the principal leader in turn: the 签发人
    is the principal leader, and the document cannot leave 签发 with the first only."""
    o = office
    step(clock)
    document = drafting.create_draft(actor=o.handler_a, data=drafting.DraftData(
        doc_type="报告", title="示范市人民政府办公室关于道路运输安全工作情况的报告", main_to=[o.province.pk],
        publicity="依申请公开"))
    body.save_structured(actor=o.handler_a, document=document, blocks=BLOCKS[:1])
    for person in (o.handler_a, o.head_a, o.secretary):
        flow.send_on(open_task(document, person).pk, actor=person, opinion="同意。")
    step(clock)
    flow.send_on(open_task(document, o.director).pk, actor=o.director, opinion="请签发。",
                 next_assignees=[o.leader_a, o.principal], next_mode="sequential")
    drafting.sign_off(open_task(document, o.leader_a).pk, actor=o.leader_a, opinion="同意，请陈市长签发。")
    assert gates.missing_signatures(document) == ["主要领导（陈市长）签发"]
    document.refresh_from_db()
    assert document.signer == "周副市长"  # for now; the principal's sign-off replaces it
    step(clock)
    drafting.sign_off(open_task(document, o.principal).pk, actor=o.principal, opinion="同意上报。")
    document.refresh_from_db()
    assert document.signer == "陈市长"
    assert compose.render_input(document).signers == ["陈市长"]


# --- the receipt part: no receipt means not submitted ----------------------------------------


def test_a_submission_counts_only_with_its_receipt(office, clock):
    """The department submits two reports to the city government office (inside the
    system) and one request to the provincial government office (outside it, on paper).
    Each shows 未送达（无回执） to the sender — for days if need be — until the receipt
    exists: the city's clerk signing for it, or the department's clerk recording the
    province's paper receipt. The one the city refuses shows 已退文 with the reason."""
    from datetime import timedelta

    from django.utils import timezone

    from exchange import receipts, selectors
    from exchange.tests.builders import dept_secretary, send, sign_for

    o = office
    dept_secretary(o)

    def state(document):
        return [(r["name"], r["status"]) for r in selectors.deliveries(document)]

    step(clock)
    report, _ = send(o.dept, o.dept_clerk, main=[o.gov], copy=[o.province], number="示交〔2026〕50号", doc_type="报告",
                     direction="up", title="示范市交通运输局关于春运工作情况的报告")
    wrong, _ = send(o.dept, o.dept_clerk, main=[o.gov], number="示交〔2026〕51号", doc_type="报告", direction="up",
                    title="示范市交通运输局关于财政预算执行情况的报告")
    assert state(report) == [(o.gov.name, "未送达（无回执）"), (o.province.name, "未送达（无回执）")]
    for _ in range(3):  # days pass: still not delivered
        step(clock)
    assert state(report) == [(o.gov.name, "未送达（无回执）"), (o.province.name, "未送达（无回执）")]
    assert selectors.overview(o.dept_clerk, o.dept).sent_total.undelivered == 3

    incoming = report.deliveries.get(agency=o.gov).incoming
    sign_for(incoming, o.clerk)
    assert state(report) == [(o.gov.name, "已签收"), (o.province.name, "未送达（无回执）")]
    step(clock)
    outside = report.deliveries.get(agency=o.province)
    receipts.record_paper_receipt(outside.pk, actor=o.dept_clerk, signed_by="省政府办公厅 李明",
                                  at=timezone.now() - timedelta(minutes=1))
    assert state(report) == [(o.gov.name, "已签收"), (o.province.name, "已签收")]

    flow.reject(wrong.deliveries.get().incoming.pk, actor=o.clerk, reason="非市政府办公室职责，请报送市财政局。")
    (row,) = selectors.deliveries(wrong)
    assert (row["status"], row["returned_reason"]) == ("已退文", "非市政府办公室职责，请报送市财政局。")
    totals = selectors.overview(o.dept_clerk, o.dept).sent_total
    assert (totals.signed, totals.refused, totals.undelivered) == (2, 1, 0)
