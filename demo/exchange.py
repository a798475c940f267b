"""The exchange part of the demo office (loaded by demo.office.load_demo after the documents
and the issuing part): two agencies exchanging documents with receipts (回执).

* 市政府办 dispatches four notices to 市交通局: one signed for by its clerk (the receipt
  back to the sender), one waiting in its exchange box, one 特急 one past its sign-for
  due time (late), and one refused (退文) with the reason.
* 市公路中心 (a second-level bureau of 市交通局) submits a 请示 to its parent department;
  市交通局 signs for it and forwards it (转报) under its own 文号 with its own
  recommendation to 市政府办, the link to the original kept; 市政府办's clerk signs for it.
* 市交通局 reports the same matter to both 市委办 and 市政府办 as main recipients:
  flagged 多头报送.

The outgoing documents enter their process at 分发 the way the exchange tests build them
(the drafting chain is shown by demo.drafting): numbered through the 发文登记簿
(documents.numbering.allocate, the agency's 函 or 发 series, so no number is given twice),
the final PDF uploaded, one 用印 record with the agency's registered seal binding that PDF
(sealing.services.seal_binding). Dispatching, signing for and refusing go through the
services. The late one's sign-for due time is set in the past after its
dispatch (the demo has no clock to wait on) and the reminder scan flags it. Running it
again adds nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from audit import services as audit
from documents import numbering
from documents import services as documents
from documents.models import Direction, Document, DocumentFile, NumberSeries, Recipient, SlipKind
from flow import services as flow
from flow.models import NodeKind, Task, TaskRole, TaskStatus

from .pdf import demo_pdf

BEFORE_DISPATCH = ("draft", "review", "sign_off", "recheck", "number", "seal")
MARK = "（交换演示）"


def _task(document, person) -> Task:
    return Task.objects.get(document=document, assignee=person, status=TaskStatus.OPEN, role=TaskRole.MAIN)


def _number(doc, series: NumberSeries, person) -> str:
    """The next 发文字号 of the series through the ledger, as the 编号 node gives it."""
    issued = numbering.allocate(series, document=doc, actor=person)
    doc.doc_number, doc.number_series = issued.number, series
    doc.save(update_fields=["doc_number", "number_series"])
    audit.record(actor=person, action="drafting.number", target=issued,
                 new={"document": doc.pk, "number": issued.number, "skipped": issued.skipped})
    return issued.number


def _dispatch(ctx, agency_key: str, clerk: str, drafter: str, *, suffix: str, title: str, main, copy=(),
              doc_type="通知", direction="down", urgency="", forwarded_from=None, recommendation=""):
    from exchange.services import dispatch
    from sealing.models import Seal, SealUse
    from sealing.services import seal_binding

    agency, person = ctx.agencies[agency_key], ctx.p(clerk)
    seal = Seal.objects.filter(agency=agency, is_active=True).first()
    series = NumberSeries.objects.filter(agency=agency, code=f"{agency.code}{suffix}", is_active=True).first()
    if seal is None or series is None:
        return None
    mains = [ctx.agencies[k] for k in main]
    copies = [ctx.agencies[k] for k in copy]
    doc = Document.objects.create(
        agency=agency, direction=Direction.OUTGOING, slip_kind=SlipKind.ROUTINE, doc_type=doc_type, title=title,
        drafted_by=ctx.p(drafter), lead_unit=ctx.p(drafter).unit, signer=seal.agency.short_name,
        issued_on=timezone.localdate(), writing_direction=direction, urgency=urgency, forwarded_from=forwarded_from,
        publicity="不予公开" if direction == "up" else "依申请公开", publicity_reason="内部请示事项" if direction == "up" else "",
        main_recipients="、".join(a.name for a in mains), cc_recipients="、".join(a.name for a in copies),
        remarks=MARK, body_mode="structured" if recommendation else "",
        body_blocks=[{"level": 0, "text": recommendation}] if recommendation else [])
    for kind, agencies in ((Recipient.Kind.MAIN, mains), (Recipient.Kind.COPY, copies)):
        for position, target in enumerate(agencies):
            Recipient.objects.create(document=doc, kind=kind, agency=target, name=target.name, position=position)
    number = _number(doc, series, person)
    pdf = demo_pdf(title, sender=agency.name, doc_number=number, recipients=doc.main_recipients,
                   issued_on=timezone.localdate())
    final = documents.upload_file(actor=person, document=doc, name=f"{title}.pdf", data=pdf,
                                  role=DocumentFile.Role.FINAL)
    SealUse.objects.create(seal=seal, document=doc, doc_number=number, title=title, signers=doc.signer,
                           used_by=seal.keeper, **seal_binding(doc, final))
    flow.start_process(doc, actor=person, done_nodes=BEFORE_DISPATCH)
    deliveries = dispatch(_task(doc, person).pk, actor=person, opinion="按主送、抄送分发。")
    return doc, deliveries


def _sign_for(ctx, incoming, clerk: str) -> None:
    person = ctx.p(clerk)
    flow.send_on(_task(incoming, person).pk, actor=person, opinion="已签收。")


def _make_late(incoming, hours: int = 20) -> None:
    past = timezone.now() - timedelta(hours=hours)
    Task.objects.filter(document=incoming, node_kind=NodeKind.SIGN_FOR, status=TaskStatus.OPEN).update(
        due_at=past, original_due_at=past, next_reminder_at=past)


@transaction.atomic
def load(ctx) -> None:
    if not {"gov", "jtj", "gonglu", "party"} <= set(ctx.agencies):
        return
    if Document.objects.filter(direction=Direction.OUTGOING, remarks=MARK).exists():
        return
    gov, jtj = "gov", "jtj"

    # 市政府办 → 市交通局: signed, waiting, late, refused.
    made = _dispatch(ctx, gov, "wenshu", "chengban1", suffix="函",
                     title="示范市人民政府办公室关于做好冬季道路运输安全工作的通知", main=[jtj])
    if made is None:
        return
    _sign_for(ctx, made[1][0].incoming, "jtj_wenshu")
    _dispatch(ctx, gov, "wenshu", "chengban1", suffix="函",
              title="示范市人民政府办公室关于报送2026年交通运输项目计划的通知", main=[jtj])
    _, (late,) = _dispatch(ctx, gov, "wenshu", "chengban1", suffix="函", urgency="特急",
                           title="示范市人民政府办公室关于立即开展雨雪冰冻天气道路安全检查的紧急通知", main=[jtj])
    _make_late(late.incoming)
    from deadlines import reminders

    reminders.scan()  # flagged to 市交通局's office (the clerk, the office director) like any late one
    _, (refused,) = _dispatch(ctx, gov, "wenshu", "chengban1", suffix="函",
                              title="示范市人民政府办公室关于做好中小学校舍安全排查的通知", main=[jtj])
    flow.reject(refused.incoming.pk, actor=ctx.p("jtj_wenshu"), reason="校舍安全排查不属于本局职责，请改送市教育局。",
                kind="乱投件")

    # 市公路中心 → 市交通局 → (转报) → 市政府办.
    made = _dispatch(ctx, "gonglu", "gonglu_wenshu", "gonglu_wenshu", suffix="发", doc_type="请示",
                     direction="up", title="示范市公路事业发展中心关于申请实施国道改线工程的请示", main=[jtj])
    if made is not None:
        original = made[1][0].incoming
        _sign_for(ctx, original, "jtj_wenshu")
        forward = _dispatch(ctx, jtj, "jtj_wenshu", "jtj_wenshu", suffix="发", doc_type="请示",
                            direction="up", forwarded_from=original,
                            title="示范市交通运输局关于转报市公路事业发展中心申请实施国道改线工程的请示", main=[gov],
                            recommendation="经审核，该工程已列入省交通运输厅规划，前期工作扎实，我局同意该中心意见，"
                                           "建议市政府予以支持。妥否，请批示。")
        if forward is not None:
            _sign_for(ctx, forward[1][0].incoming, "wenshu")

    # 多头报送: the same report to 市委办 and 市政府办 as main recipients.
    _dispatch(ctx, jtj, "jtj_wenshu", "jtj_wenshu", suffix="发", doc_type="报告", direction="up",
              title="示范市交通运输局关于春运工作情况的报告", main=["party", gov])
