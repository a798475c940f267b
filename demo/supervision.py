"""The supervision part of the demo office (called by demo.office.load_demo with its context).

A few supervision items in every state, so that the supervisor (郭伟, ``duchayuan``; in
the party office 韦强, ``sw_duchayuan``) finds the ledger filled: one being supervised
with a recent progress report, one stalled and escalated (and chased), one whose final
report awaits acceptance, one closed, and one the mayor has instructed five times that is
overdue with a late report that gives no reason (so the month's bulletin has content).

Everything goes through the services; only the dates are moved into the past afterwards
(the history of a demo office that has been working for some weeks), the same way the
organisation demo backdates its documents' receiving times.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Max

from flow.models import NodeKind, Opinion
from supervision import services
from supervision.models import ItemInstruction, ProgressReport, SupervisionEvent, SupervisionItem


def _ago(ctx, days: float, hour: int = 10) -> datetime:
    moment = ctx.now - timedelta(days=days)
    if days >= 1:
        moment = moment.replace(hour=hour, minute=(17 * int(days)) % 60, second=0, microsecond=0)
    return moment


def _instruction(document, username_leader, ctx) -> Opinion | None:
    if document is None:
        return None
    leader = ctx.p(username_leader)
    return (Opinion.objects.filter(document=document, node_kind__in=(NodeKind.INSTRUCT, NodeKind.APPROVE))
            .filter(author=leader).order_by("created_at").first())


def _backdate_open(item: SupervisionItem, opened: datetime, instructed: datetime | None = None) -> None:
    instructed = instructed or opened
    SupervisionItem.objects.filter(pk=item.pk).update(created_at=opened, instructed_at=instructed)
    first = item.instructions.order_by("id").first()
    ItemInstruction.objects.filter(pk=first.pk).update(at=instructed)
    SupervisionEvent.objects.filter(item=item, kind=SupervisionEvent.Kind.OPEN).update(at=opened)
    item.refresh_from_db()


def _last_event(item: SupervisionItem, when: datetime) -> None:
    last = SupervisionEvent.objects.filter(item=item).aggregate(m=Max("id"))["m"]
    SupervisionEvent.objects.filter(pk=last).update(at=when)


def _report(item, actor, text, when, *, final=False, late_reason="") -> ProgressReport:
    entry = services.report(actor=actor, item_id=item.pk, text=text, final=final, late_reason=late_reason)
    ProgressReport.objects.filter(pk=entry.pk).update(reported_at=when)
    SupervisionItem.objects.filter(pk=item.pk).update(last_report_at=when)
    _last_event(item, when)
    entry.refresh_from_db()
    return entry


def _attach(item, ctx, actor, leader, text, when, document=None, opinion=None) -> None:
    services.attach_instruction(actor=actor, item_id=item.pk, leader=leader, text=text, instructed_at=when,
                                document=document, opinion=opinion)
    _last_event(item, when)


def load(ctx) -> None:
    p = ctx.p
    gov, party = ctx.agencies["gov"], ctx.agencies["party"]
    unit = ctx.units.__getitem__
    docs = ctx.docs
    supervisor, director = p("duchayuan"), p("zhuren")

    def open_(actor, agency, *, title, leader, instruction, lead, responsible, due_days, assist=(), document=None,
              opinion=None, report_required="每10个工作日报送一次进展，办结后报送书面办结报告。", interval=10):
        return services.open_item(actor=actor, agency=agency, data=services.ItemData(
            title=title, instruction=instruction, instructed_by=leader, lead_unit=lead, responsible=responsible,
            due_at=ctx.now + timedelta(days=due_days), assist_units=list(assist), report_required=report_required,
            report_interval_days=interval, document=document, opinion=opinion))

    # 1. 督办中, with a recent progress report: the vice-mayor ticked 督办 on G32; the mayor's
    #    “同意振华同志意见” attached to it.
    g32 = docs.get("G32")
    first = _instruction(g32, "fushizhang1", ctx)
    roads = open_(p("fushizhang1"), gov, title="国省干线公路养护工程资金安排", leader=p("fushizhang1"),
                  instruction=first.text if first else "原则同意，请综合一科会同市财政局审核资金安排。",
                  lead=unit(("gov", "综合一科")), responsible=p("chengban1"), due_days=25, document=g32,
                  opinion=first)
    _backdate_open(roads, _ago(ctx, 12))
    second = _instruction(g32, "shizhang", ctx)
    if second is not None:
        _attach(roads, ctx, director, p("shizhang"), second.text, _ago(ctx, 11, 16), document=g32, opinion=second)
    _report(roads, p("chengban1"), "已会同市财政局完成资金测算，养护工程资金已列入年度预算调整方案，待市政府常务会议审议。",
            _ago(ctx, 3, 15))

    # 2. 停滞: no report for more than ten working days; escalated to the leader in charge, and chased.
    g33 = docs.get("G33")
    flood_op = _instruction(g33, "fushizhang3", ctx)
    flood = open_(director, gov, title="修订我市防汛抗旱应急预案", leader=p("fushizhang3"),
                  instruction=flood_op.text if flood_op else "请综合三科对照预案修订我市防汛抗旱应急预案，报市防指审定。",
                  lead=unit(("gov", "综合三科")), responsible=p("chuzhang3"), due_days=12, document=g33,
                  opinion=flood_op)
    _backdate_open(flood, _ago(ctx, 24, 9))

    # 3. 已报办结，待审核: the final report came in yesterday.
    parking = open_(supervisor, gov, title="城区停车难问题专项治理", leader=p("fushizhang2"),
                    instruction="城区停车难群众反映强烈，请综合二科会同住建、公安交警部门拿出治理方案，一个月内见到成效。",
                    lead=unit(("gov", "综合二科")), responsible=p("chuzhang2"), due_days=6,
                    assist=[unit(("gov", "综合一科"))])
    _backdate_open(parking, _ago(ctx, 30))
    _report(parking, p("chengban3"), "已召开专题协调会，确定新增公共停车泊位1200个的目标和分工。", _ago(ctx, 21, 16))
    _report(parking, p("chuzhang2"), "新增泊位1236个已全部投入使用，错时共享停车场12处已挂牌运行，治理方案及成效报告附后。",
            _ago(ctx, 1, 11), final=True)

    # 4. 已办结销号: accepted and closed last week.
    heating = open_(supervisor, gov, title="今冬明春供暖保障工作", leader=p("shizhang"),
                    instruction="供暖事关千家万户，请综合一科督促热力公司做好设备检修和煤炭储备，确保按时供暖。",
                    lead=unit(("gov", "综合一科")), responsible=p("chuzhang1"), due_days=3)
    _backdate_open(heating, _ago(ctx, 35))
    _report(heating, p("chengban2"), "已督促热力公司完成管网检修，煤炭储备达到45天用量。", _ago(ctx, 26, 15))
    final = _report(heating, p("chuzhang1"), "全市已于11月15日零时按时供暖，室温达标率98.6%，办结报告附后。",
                    _ago(ctx, 10, 10), final=True)
    services.accept_final(actor=supervisor, item_id=heating.pk, report_id=final.pk,
                          note="经核实，已按批示要求落实到位，同意办结销号。", close=True)
    when = _ago(ctx, 8, 9)
    ProgressReport.objects.filter(pk=final.pk).update(reviewed_at=when)
    SupervisionItem.objects.filter(pk=heating.pk).update(closed_at=when)
    SupervisionEvent.objects.filter(item=heating, kind__in=("accept", "close")).update(at=when)

    # 5. 批示五次仍未办结 (C03): overdue, its only report late and without a reason.
    hotline = open_(supervisor, gov, title="政务服务“一网通办”与12345热线衔接机制", leader=p("shizhang"),
                    instruction="请综合二科研究“一网通办”与12345热线两项机制的衔接关系，提出改进热线转办机制的方案。",
                    lead=unit(("gov", "综合二科")), responsible=p("chengban3"), due_days=30,
                    assist=[unit(("gov", "综合一科"))])
    _backdate_open(hotline, _ago(ctx, 45))
    for days, leader, text in [
        (35, "shizhang", "此事群众反映较多，请加快研究进度。"),
        (26, "fushizhang2", "请综合二科抓紧拿出方案，下周报我。"),
        (15, "shizhang", "已经批示多次，至今没有结果，请说明原因。"),
        (6, "shizhang", "请务必于本月底前将方案报市政府常务会议研究。"),
    ]:
        _attach(hotline, ctx, supervisor, p(leader), text, _ago(ctx, days, 17))
    _report(hotline, p("chengban3"), "已形成衔接机制初步方案，正在征求市数据局意见。", _ago(ctx, 5, 10))
    SupervisionItem.objects.filter(pk=hotline.pk).update(due_at=_ago(ctx, 2, 18))
    services.chase(actor=supervisor, item_id=hotline.pk, message="本事项已逾期，请于三日内报送方案，并说明逾期原因。")

    # The hourly scan finds the stalled one and escalates it; then the office chases it.
    services.scan_stalled(ctx.now)
    services.chase(actor=supervisor, item_id=flood.pk, message="本事项已停滞，请于本周五前报送修订进展。")

    # 市委办公室: one item from the secretary's instruction on P6, reported on time.
    p6 = docs.get("P6")
    p6_op = _instruction(p6, "shuji", ctx)
    summary = open_(p("sw_zhuren"), party, title="安全生产专项整治三年行动总结纳入年度工作总结", leader=p("shuji"),
                    instruction=p6_op.text if p6_op else "阅。请综合科汇总整理，纳入年度工作总结。",
                    lead=unit(("party", "综合科")), responsible=p("sw_chengban1"), due_days=15, document=p6,
                    opinion=p6_op)
    _backdate_open(summary, _ago(ctx, 8))
    _report(summary, p("sw_chengban1"), "已完成汇总整理，初稿已送综合科科长审核。", _ago(ctx, 2, 16))
    services.chase(actor=p("sw_duchayuan"), item_id=summary.pk, message="请按时报送总结定稿。")
