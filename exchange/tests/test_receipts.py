"""Receipts (回执), refusals (退文), paper receipts, routing at dispatch (越级, 转报) and
多头报送 — exchange.receipts, exchange.services.dispatch and what the sender sees."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from deadlines.models import Notification
from documents.services import SKIP_LEVEL_RULE
from exchange import receipts, selectors
from exchange.models import Delivery, Receipt
from exchange.tests.builders import (
    clerk_of,
    dept_secretary,
    outgoing,
    party_committee,
    send,
    sign_for,
    task_of,
)
from flow import services as flow
from flow.models import NodeKind
from gongwen.errors import NotFound, PermissionDenied
from incoming.services import IncomingData, register_at_node, register_incoming
from tests.factories import person
from tests.helpers import refused


def row(document, name) -> dict:
    return next(r for r in selectors.deliveries(document) if r["name"] == name)


def gov_notice(o, **kwargs):
    kwargs.setdefault("main", [o.dept])
    kwargs.setdefault("copy", [o.province])
    kwargs.setdefault("number", "示府办函〔2026〕7号")
    return send(o.gov, o.clerk, drafted_by=o.handler_a, **kwargs)


# --- receipts at signing and at refusal -------------------------------------------------------


def test_signing_for_writes_the_receipt_and_tells_the_sender(office):
    o = office
    doc, (inside, outside) = gov_notice(o)
    assert not Receipt.objects.exists()
    assert row(doc, o.dept.name)["status"] == "未送达（无回执）"
    sign_for(inside.incoming, o.dept_clerk)

    receipt = Receipt.objects.get()
    assert (receipt.delivery, receipt.kind, receipt.source, receipt.incoming, receipt.by, receipt.by_name) == (
        inside, Receipt.Kind.SIGNED, Receipt.Source.SYSTEM, inside.incoming, o.dept_clerk, o.dept_clerk.name)
    # The sender is told: the drafter and the sending agency's clerk.
    told = set(Notification.objects.filter(document=doc, title__startswith="回执").values_list("recipient", flat=True))
    assert told == {o.handler_a.pk, o.clerk.pk}
    assert AuditEvent.objects.filter(action="exchange.receipt").count() == 1
    r = row(doc, o.dept.name)
    assert (r["status"], r["state"], r["delivered"], r["signed_by"]) == ("已签收", "signed", True, o.dept_clerk.name)
    assert [x["kind"] for x in r["receipts"]] == ["signed"]
    # The registration number reaches the sender once the recipient registers it.
    dept_secretary(o)
    register_at_node(task_of(inside.incoming, o.dept_clerk).pk, actor=o.dept_clerk)
    inside.incoming.refresh_from_db()
    assert row(doc, o.dept.name)["registry_number"] == inside.incoming.registry_number != ""
    # The outside copy has no receipt: not delivered.
    assert row(doc, o.province.name)["status"] == "未送达（无回执）" and not outside.receipts.exists()


def test_refusal_returns_to_the_sender_with_the_reason(office):
    o = office
    doc, (inside, _) = gov_notice(o)
    flow.reject(inside.incoming.pk, actor=o.dept_clerk, reason="非本单位职责范围，请改送市财政局。")
    receipt = Receipt.objects.get()
    assert (receipt.kind, receipt.reason, receipt.by) == (Receipt.Kind.REFUSED, "非本单位职责范围，请改送市财政局。",
                                                          o.dept_clerk)
    assert Notification.objects.filter(recipient=o.handler_a, document=doc, title__startswith="退文").exists()
    r = row(doc, o.dept.name)
    assert (r["status"], r["returned_reason"], r["delivered"]) == ("已退文", "非本单位职责范围，请改送市财政局。", False)


def test_a_refusal_after_signing_is_a_second_receipt_and_wins(office):
    o = office
    doc, (inside, _) = gov_notice(o)
    sign_for(inside.incoming, o.dept_clerk)
    dept_secretary(o)
    register_at_node(task_of(inside.incoming, o.dept_clerk).pk, actor=o.dept_clerk)
    flow.reject(inside.incoming.pk, actor=o.dept_clerk, reason="经初审，非本单位主办事项。", kind="乱投件")
    assert list(Receipt.objects.order_by("id").values_list("kind", flat=True)) == ["signed", "refused"]
    r = row(doc, o.dept.name)
    assert r["status"] == "已退文" and "经初审，非本单位主办事项。" in r["returned_reason"]
    assert r["signed_by"] == o.dept_clerk.name  # the earlier signing is still shown


def test_documents_not_from_the_exchange_get_no_receipt(office):
    o = office
    paper = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于春季农业生产工作的通知", doc_type="通知", sender_id=o.province.pk))
    assert NodeKind.SIGN_FOR not in [t.node_kind for t in paper.tasks.filter(status="open")]
    flow.reject(paper.pk, actor=o.clerk, reason="重复来文。")
    assert not Receipt.objects.exists()


def test_refused_receipt_effect_undone_with_the_refusal(office):
    """A refusal the engine refuses (no reason) writes no receipt either."""
    o = office
    _, (inside, _) = gov_notice(o)
    with refused("理由"):
        flow.reject(inside.incoming.pk, actor=o.dept_clerk, reason="  ")


# --- paper receipts ---------------------------------------------------------------------------


def test_paper_receipt_for_an_outside_delivery(office):
    o = office
    doc, (_, outside) = gov_notice(o)
    at = timezone.now()
    receipt = receipts.record_paper_receipt(outside.pk, actor=o.clerk, signed_by="省政府办公厅 李明", at=at,
                                            registry_number="省政办收〔2026〕88号")
    assert (receipt.kind, receipt.source, receipt.by, receipt.by_name) == (
        Receipt.Kind.SIGNED, Receipt.Source.PAPER, o.clerk, "省政府办公厅 李明")
    r = row(doc, o.province.name)
    assert (r["status"], r["signed_by"], r["registry_number"], r["can_record_paper"]) == (
        "已签收", "省政府办公厅 李明", "省政办收〔2026〕88号", False)
    assert AuditEvent.objects.filter(action="exchange.paper_receipt").exists()


def test_paper_receipt_refusals_write_nothing(office):
    o = office
    _, (inside, outside) = gov_notice(o)
    now = timezone.now()
    with refused("系统内交换"):
        receipts.record_paper_receipt(inside.pk, actor=o.clerk, signed_by="某某", at=now)
    with refused("签收人"):
        receipts.record_paper_receipt(outside.pk, actor=o.clerk, signed_by=" ", at=now)
    with refused("不能晚于现在"):
        receipts.record_paper_receipt(outside.pk, actor=o.clerk, signed_by="李明", at=now + timedelta(hours=2))
    with refused("不能早于分发时间"):
        receipts.record_paper_receipt(outside.pk, actor=o.clerk, signed_by="李明", at=now - timedelta(days=2))
    confidential = person(o.gov, "机要员甲", "jiyao", "confidential_clerk", unit=o.clerk.unit)
    with refused("办公室文书、秘书或主任", exc=PermissionDenied):
        receipts.record_paper_receipt(outside.pk, actor=confidential, signed_by="李明", at=now)
    with refused(None, exc=NotFound):
        receipts.record_paper_receipt(outside.pk, actor=o.dept_clerk, signed_by="李明", at=now)
    with refused(None, exc=NotFound):
        receipts.record_paper_receipt(outside.pk, actor=o.outsider, signed_by="李明", at=now)
    with refused(None, exc=NotFound):
        receipts.record_paper_receipt(999999, actor=o.clerk, signed_by="李明", at=now)
    receipts.record_paper_receipt(outside.pk, actor=o.clerk, signed_by="李明", at=now)
    with refused("重复登记"):
        receipts.record_paper_receipt(outside.pk, actor=o.clerk, signed_by="李明", at=now)


# --- routing at dispatch ----------------------------------------------------------------------


@pytest.mark.parametrize("sender_name", ["bureau", "enterprise"])
def test_skip_level_dispatch_refused_naming_the_rule(office, sender_name):
    o = office
    sender = getattr(o, sender_name)
    clerk = clerk_of(sender, f"{sender_name}_clerk", "林文书")
    doc = outgoing(sender, clerk, main=[o.gov], number="示公路〔2026〕15号", doc_type="请示", direction="up")
    with refused("越级件") as info:
        from exchange.services import dispatch

        dispatch(task_of(doc, clerk).pk, actor=clerk)
    assert SKIP_LEVEL_RULE in info.value.message and info.value.code == "skip_level"
    assert not Delivery.objects.exists()


def test_bureau_may_copy_nobody_at_the_top_either(office):
    o = office
    clerk = clerk_of(o.bureau, "bureau_clerk", "林文书")
    doc = outgoing(o.bureau, clerk, main=[o.dept], copy=[o.gov], number="示公路〔2026〕16号", doc_type="报告",
                   direction="up")
    from exchange.services import dispatch

    with refused("越级件"):
        dispatch(task_of(doc, clerk).pk, actor=clerk)


def test_forwarding_keeps_the_link_to_the_original(office):
    o = office
    clerk = clerk_of(o.bureau, "bureau_clerk", "林文书")
    _, (to_dept,) = send(o.bureau, clerk, main=[o.dept], number="示公路〔2026〕15号", doc_type="请示", direction="up",
                         title="关于申请实施国道改线工程的请示")
    original = to_dept.incoming
    sign_for(original, o.dept_clerk)
    forward, (to_gov,) = send(o.dept, o.dept_clerk, main=[o.gov], number="示交〔2026〕31号", doc_type="请示",
                              direction="up", title="关于转报市公路局申请实施国道改线工程的请示", forwarded_from=original)
    assert to_gov.incoming.forwarded_from == original
    assert set(original.forwards.all()) == {forward, to_gov.incoming}
    # A forwarded_from of another agency's document is not carried over.
    other = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于防汛工作的通知", doc_type="通知", sender_id=o.province.pk))
    _, (d,) = send(o.dept, o.dept_clerk, main=[o.gov], number="示交〔2026〕32号", doc_type="报告", direction="up",
                   forwarded_from=other)
    assert d.incoming.forwarded_from is None


# --- 多头报送 ------------------------------------------------------------------------------------


def test_two_superiors_as_main_recipients_are_flagged(office):
    o = office
    party, _ = party_committee()
    _, deliveries = send(o.dept, o.dept_clerk, main=[party, o.gov], number="示交〔2026〕40号", doc_type="报告",
                         direction="up")
    assert [d.multi_submission for d in deliveries] == [True, True]
    assert all(Delivery.objects.get(pk=d.pk).multi_submission for d in deliveries)


def test_one_main_superior_and_one_copy_is_the_allowed_form(office):
    o = office
    party, _ = party_committee()
    _, deliveries = send(o.dept, o.dept_clerk, main=[party], copy=[o.gov], number="示交〔2026〕41号", doc_type="报告",
                         direction="up")
    assert [d.multi_submission for d in deliveries] == [False, False]
    # A downward notice to several departments is not a submission at all.
    clerk_of(o.other_gov, "fin_clerk", "罗文书")
    _, down = gov_notice(o, main=[o.dept, o.other_gov], copy=[], number="示府办函〔2026〕8号")
    assert [d.multi_submission for d in down] == [False, False]


def test_the_same_number_sent_separately_to_two_superiors_is_flagged(office):
    o = office
    party, _ = party_committee()
    _, (first,) = send(o.dept, o.dept_clerk, main=[o.gov], number="示交〔2026〕42号", doc_type="报告", direction="up")
    assert not first.multi_submission
    _, (second,) = send(o.dept, o.dept_clerk, main=[party], number="示交〔2026〕42号", doc_type="报告", direction="up")
    first.refresh_from_db()
    assert first.multi_submission and second.multi_submission
    # Another number is not.
    _, (third,) = send(o.dept, o.dept_clerk, main=[party], number="示交〔2026〕43号", doc_type="报告", direction="up")
    assert not third.multi_submission


# --- the overview and the box -----------------------------------------------------------------


def test_overview_counts_and_box(office):
    import time_machine

    o = office
    party, party_clerk = party_committee()
    start = timezone.make_aware(datetime(2026, 3, 9, 9, 0))
    with time_machine.travel(start, tick=False) as traveller:
        _, (signed,) = gov_notice(o, main=[o.dept], copy=[], number="示府办函〔2026〕1号")
        _, (late,) = gov_notice(o, main=[o.dept], copy=[], number="示府办函〔2026〕2号", urgency="特急")
        _, (waiting,) = gov_notice(o, main=[o.dept], copy=[], number="示府办函〔2026〕3号")
        _, (refusal, outside) = gov_notice(o, main=[o.dept], copy=[o.province], number="示府办函〔2026〕4号")
        _, (to_party,) = gov_notice(o, main=[party], copy=[], number="示府办函〔2026〕5号")
        sign_for(signed.incoming, o.dept_clerk)
        flow.reject(refusal.incoming.pk, actor=o.dept_clerk, reason="非本单位职责。")
        traveller.move_to(start + timedelta(hours=2))  # the 特急 one is past its 30 minutes
        data = selectors.overview(o.clerk, o.gov)
        by = {c.name: c for c in data.sent}
        dept = by[o.dept.name]
        assert (dept.total, dept.waiting, dept.late, dept.signed, dept.refused, dept.undelivered) == (4, 1, 1, 1, 1, 2)
        assert (by[o.province.name].total, by[o.province.name].undelivered) == (1, 1)
        assert (by[party.name].waiting, data.sent_total.total, data.sent_total.undelivered) == (1, 6, 4)
        # The department's side: per sender.
        received = selectors.overview(o.dept_clerk, o.dept)
        assert [(c.name, c.total, c.late, c.refused) for c in received.received] == [(o.gov.name, 4, 1, 1)]
        # Its box: oldest first, the late one flagged.
        box = selectors.box(o.dept_clerk, o.dept)
        assert [b["document"].doc_number for b in box] == ["示府办函〔2026〕2号", "示府办函〔2026〕3号"]
        assert [b["late"] for b in box] == [True, False]
        # Click-through lists and the date range.
        assert [r["document"].doc_number for r in selectors.listing(o.clerk, o.gov, side="sent", what="late")] == [
            "示府办函〔2026〕2号"]
        assert len(selectors.listing(o.clerk, o.gov, side="sent", what="undelivered", counterpart=o.dept.name)) == 2
        day = timezone.localdate(start)
        assert selectors.overview(o.clerk, o.gov, start=day, end=day).sent_total.total == 6
        assert selectors.overview(o.clerk, o.gov, start=day + timedelta(days=1)).sent_total.total == 0
        # Someone who does not see the documents counts nothing.
        assert selectors.overview(o.outsider, o.gov).sent_total.total == 0
        assert waiting and late and to_party and outside


def test_start_forwarding_drafts_with_link_and_recommendation(office):
    from exchange.services import start_forwarding

    o = office
    dept_secretary(o)
    clerk = clerk_of(o.bureau, "bureau_clerk", "林文书")
    _, (to_dept,) = send(o.bureau, clerk, main=[o.dept], number="示公路〔2026〕15号", doc_type="请示", direction="up",
                         title="关于申请实施国道改线工程的请示")
    original = to_dept.incoming
    sign_for(original, o.dept_clerk)
    with refused("不得原文照转"):
        start_forwarding(actor=o.dept_clerk, original_id=original.pk, main_to=[o.gov.pk], recommendation=" ")
    with refused(None, exc=NotFound):
        start_forwarding(actor=o.outsider, original_id=original.pk, main_to=[o.gov.pk], recommendation="同意。")
    paper = register_incoming(actor=o.dept_clerk, agency=o.dept, data=IncomingData(
        title="关于防汛工作的通知", doc_type="通知", sender_id=o.gov.pk))
    with refused("下级单位"):
        start_forwarding(actor=o.dept_clerk, original_id=paper.pk, main_to=[o.gov.pk], recommendation="同意。")
    draft = start_forwarding(actor=o.dept_clerk, original_id=original.pk, main_to=[o.gov.pk],
                             recommendation="经审核，同意该局意见，建议予以支持。")
    draft.refresh_from_db()
    assert draft.forwarded_from == original and draft.is_outgoing and draft.writing_direction == "up"
    assert draft.title == f"{o.dept.name}关于转报{o.bureau.short_name}关于申请实施国道改线工程的请示"
    assert [b["text"] for b in draft.body_blocks][-1] == "经审核，同意该局意见，建议予以支持。"
    assert "示公路〔2026〕15号" in draft.body_blocks[0]["text"]
    assert task_of(draft, o.dept_clerk).node_kind == NodeKind.DRAFT
