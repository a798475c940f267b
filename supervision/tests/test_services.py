"""The supervision services: opening, the leader's 督办 tick, repeated instructions,
reports (late ones flagged), review and 办结销号, 催办, the stall scan; each with its
refusals, which write nothing."""

from datetime import datetime, timedelta

import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from deadlines.models import Notification
from deadlines.services import calendar_for
from flow.models import HistoryAction, HistoryEvent, NodeKind, Opinion, Task, TaskStatus
from gongwen.errors import Conflict, NotFound, PermissionDenied
from supervision import access, services
from supervision.models import ItemInstruction, ProgressReport, SupervisionEvent, SupervisionItem
from supervision.tests.conftest import SHANGHAI
from supervision.tests.support import refused
from tests.helpers import open_task

State = SupervisionItem.State


def notes(person) -> list[str]:
    return list(Notification.objects.filter(recipient=person).order_by("id").values_list("title", flat=True))


# --- opening --------------------------------------------------------------------------------------


def test_the_supervision_office_opens_an_item_from_a_document(scene):
    o, s = scene.o, scene
    doc = s.document()
    # A supervisor who has not seen the document cannot cite it (as if it did not exist) ...
    with refused(exc=NotFound):
        s.item(document=doc)
    # ... the office director, who sees the agency's documents, can.
    item = s.item(document=doc, responsible=o.handler_a, actor=o.director)
    assert item.number == "督〔2026〕1号"
    assert item.state == State.OPEN and item.instruction_count == 1
    assert list(item.assist_units.all()) == [o.div_b]
    first = item.instructions.get()
    assert (first.leader, first.text, first.document) == (o.principal, item.instruction, doc)
    assert SupervisionEvent.objects.get(item=item).kind == SupervisionEvent.Kind.OPEN
    assert AuditEvent.objects.filter(action="supervision.open", target_id=str(item.pk)).count() == 1
    history = HistoryEvent.objects.get(document=doc, action=HistoryAction.SUPERVISE)
    assert history.actor == o.director and "督〔2026〕1号" in history.opinion
    # The responsible person and the head of the lead unit are told.
    assert notes(o.handler_a) == ["督办事项立项：两项服务机制衔接问题"]
    assert notes(o.head_a) == ["督办事项立项：两项服务机制衔接问题"]
    assert s.item(title="第二项").number == "督〔2026〕2号"


def test_the_responsible_person_defaults_to_the_head_of_the_lead_unit(scene):
    o = scene.o
    item = services.open_item(actor=scene.supervisor, agency=o.gov, data=services.ItemData(
        title="事项", instruction="请研究。", instructed_by=o.principal, lead_unit=o.div_b, responsible=None,
        due_at=scene.due()))
    assert item.responsible == o.head_b and item.report_interval_days == 10


def test_who_may_open_an_item(scene):
    o, s = scene.o, scene
    # The office director may; a leader for their own instruction may.
    s.item(actor=o.director)
    services.open_item(actor=o.principal, agency=o.gov, data=services.ItemData(
        title="本人批示", instruction="请抓紧。", instructed_by=o.principal, lead_unit=o.div_a,
        responsible=o.head_a, due_at=s.due()))
    with refused("本人的批示", exc=PermissionDenied):
        services.open_item(actor=o.leader_b, agency=o.gov, data=services.ItemData(
            title="他人批示", instruction="请抓紧。", instructed_by=o.principal, lead_unit=o.div_a,
            responsible=o.head_a, due_at=s.due()))
    for who in (o.handler_a, o.head_a, o.clerk):
        with refused("领导、督查员或办公室主任", exc=PermissionDenied):
            s.item(actor=who)
    with refused("管理员", exc=PermissionDenied):
        s.item(actor=o.sysadmin)
    with refused(exc=PermissionDenied):  # another agency's person
        s.item(actor=o.outsider)


def test_opening_refuses_what_is_missing(scene):
    o, s = scene.o, scene

    def data(**kw):
        base = dict(title="事项", instruction="请研究。", instructed_by=o.principal, lead_unit=o.div_a,
                    responsible=o.handler_a, due_at=s.due())
        base.update(kw)
        return services.ItemData(**base)

    cases = [
        ({"title": "  "}, "督办事项名称"), ({"instruction": ""}, "批示内容"), ({"lead_unit": None}, "牵头单位"),
        ({"due_at": None}, "办理时限"), ({"due_at": timezone.now() - timedelta(hours=1)}, "办理时限已过"),
        ({"responsible": o.handler_b}, "责任人应为牵头单位"), ({"instructed_by": o.head_a}, "不是.*在岗领导"),
        ({"instructed_by": None}, "批示领导"), ({"report_interval_days": 99}, "报送间隔"),
        ({"lead_unit": o.dept.units.first() or o.div_a, "responsible": o.dept_clerk}, "不是"),
        ({"assist_units": [o.div_b], "report_required": "很长" * 200}, "反馈要求"),
    ]
    for kw, match in cases:
        with refused(match):
            services.open_item(actor=scene.supervisor, agency=o.gov, data=data(**kw))
    # A document the supervisor may not see: 404, as if it did not exist.
    other = scene.document()
    other.agency = o.dept
    other.save(update_fields=["agency"])
    with refused(exc=NotFound):
        services.open_item(actor=scene.supervisor, agency=o.gov, data=data(document=other))


# --- the leader's 督办 tick ----------------------------------------------------------------------------


def test_the_leader_ticks_supervise_when_instructing(scene):
    o, s = scene.o, scene
    doc = s.at_instruct()
    task = open_task(doc, o.principal)
    sent, item = services.instruct_and_supervise(
        task.pk, actor=o.principal, opinion="请综合一处牵头研究两项机制的衔接，提出改进意见。",
        supervise=services.Supervise(lead_unit=o.div_a, assist_units=[o.div_b], due_at=s.due(30),
                                     report_required="每两周报进展。"))
    assert Task.objects.get(pk=sent.pk).status == TaskStatus.DONE
    assert open_task(doc, o.secretary).node_kind == NodeKind.DISTRIBUTE  # the document moved on
    opinion = Opinion.objects.get(task=sent)
    assert item.document == doc and item.instructed_by == o.principal and item.opened_by == o.principal
    assert item.responsible == o.head_a and item.instruction == opinion.text
    assert item.instructions.get().opinion == opinion
    assert HistoryEvent.objects.filter(document=doc, action=HistoryAction.SUPERVISE).count() == 1

    # A related document brings another instruction, attached to the same item and counted.
    doc2 = s.at_instruct("关于两项服务机制衔接问题的补充报告", doc_number="示交〔2026〕9号")
    _, again = services.instruct_and_supervise(
        open_task(doc2, o.principal).pk, actor=o.principal, opinion="此事要抓紧，请综合一处尽快拿出方案。",
        supervise=services.Supervise(attach_to_id=item.pk))
    assert again.pk == item.pk
    item.refresh_from_db()
    assert item.instruction_count == 2
    assert [i.document for i in item.instructions.order_by("at", "id")] == [doc, doc2]
    assert HistoryEvent.objects.filter(document=doc2, action=HistoryAction.SUPERVISE).count() == 1


def test_the_tick_on_a_document_already_supervised_attaches(scene):
    o, s = scene.o, scene
    doc = s.at_instruct(leaders=[o.principal, o.leader_a])  # two leaders, in order
    _, item = services.instruct_and_supervise(
        open_task(doc, o.principal).pk, actor=o.principal, opinion="请综合一处研究。",
        supervise=services.Supervise(lead_unit=o.div_a, due_at=s.due()))
    # The second leader ticks 督办 too: no second item, the instruction is counted on the first.
    _, same = services.instruct_and_supervise(
        open_task(doc, o.leader_a).pk, actor=o.leader_a, opinion="同意陈市长意见，请抓紧落实。",
        supervise=services.Supervise(lead_unit=o.div_b, due_at=s.due()))
    assert same.pk == item.pk and SupervisionItem.objects.count() == 1
    item.refresh_from_db()
    assert item.instruction_count == 2
    assert [i.leader for i in item.instructions.order_by("at", "id")] == [o.principal, o.leader_a]
    assert services.open_item_for_document(doc) == item


def test_the_tick_refuses_and_writes_nothing(scene):
    o, s = scene.o, scene
    doc = s.at_instruct()
    task = open_task(doc, o.principal)
    with refused("牵头单位"):
        services.instruct_and_supervise(task.pk, actor=o.principal, opinion="请研究。",
                                        supervise=services.Supervise(due_at=s.due()))
    with refused("批示意见"):
        services.instruct_and_supervise(task.pk, actor=o.principal, opinion=" ",
                                        supervise=services.Supervise(lead_unit=o.div_a, due_at=s.due()))
    with refused("办理时限"):
        services.instruct_and_supervise(task.pk, actor=o.principal, opinion="请研究。",
                                        supervise=services.Supervise(lead_unit=o.div_a))
    with refused(exc=(PermissionDenied, NotFound)):
        services.instruct_and_supervise(task.pk, actor=o.leader_b, opinion="请研究。",
                                        supervise=services.Supervise(lead_unit=o.div_a, due_at=s.due()))
    other = s.at_instruct("另一件")
    screen_doc = s.document("尚在初审的来文")
    with refused("批示或审定环节"):
        services.instruct_and_supervise(open_task(screen_doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。",
                                        supervise=services.Supervise(lead_unit=o.div_a, due_at=s.due()))
    item = s.item()
    SupervisionItem.objects.filter(pk=item.pk).update(state=State.CLOSED)
    with refused("已办结销号"):
        services.instruct_and_supervise(open_task(other, o.principal).pk, actor=o.principal, opinion="请研究。",
                                        supervise=services.Supervise(attach_to_id=item.pk))
    with refused(exc=NotFound):
        services.instruct_and_supervise(open_task(other, o.principal).pk, actor=o.principal, opinion="请研究。",
                                        supervise=services.Supervise(attach_to_id=999999))


# --- repeated instructions ----------------------------------------------------------------------------


def test_later_instructions_attach_and_are_counted(scene):
    o, s = scene.o, scene
    item = s.item()
    for n, leader in enumerate([o.principal, o.leader_a, o.principal], start=2):
        services.attach_instruction(actor=s.supervisor, item_id=item.pk, leader=leader, text=f"第{n}次：请抓紧。")
    item.refresh_from_db()
    assert item.instruction_count == 4
    assert list(item.instructions.values_list("text", flat=True))[1:] == ["第2次：请抓紧。", "第3次：请抓紧。",
                                                                          "第4次：请抓紧。"]
    assert SupervisionEvent.objects.filter(item=item, kind="attach").count() == 3
    # A leader attaches their own instruction.
    services.attach_instruction(actor=o.leader_a, item_id=item.pk, leader=o.leader_a, text="请加快进度。")
    assert SupervisionItem.objects.get(pk=item.pk).instruction_count == 5


def test_attaching_refuses(scene):
    o, s = scene.o, scene
    item = s.item()
    with refused("附加批示", exc=PermissionDenied):
        services.attach_instruction(actor=o.handler_a, item_id=item.pk, leader=o.principal, text="请抓紧。")
    with refused("本人的批示", exc=PermissionDenied):
        services.attach_instruction(actor=o.leader_a, item_id=item.pk, leader=o.principal, text="请抓紧。")
    with refused("批示内容"):
        services.attach_instruction(actor=s.supervisor, item_id=item.pk, leader=o.principal, text=" ")
    with refused("不是.*领导"):
        services.attach_instruction(actor=s.supervisor, item_id=item.pk, leader=o.head_a, text="请抓紧。")
    with refused("晚于现在"):
        services.attach_instruction(actor=s.supervisor, item_id=item.pk, leader=o.principal, text="请抓紧。",
                                    instructed_at=timezone.now() + timedelta(days=1))
    with refused(exc=NotFound):
        services.attach_instruction(actor=o.outsider, item_id=item.pk, leader=o.principal, text="请抓紧。")
    with refused(exc=NotFound):
        services.attach_instruction(actor=o.head_c, item_id=item.pk, leader=o.principal, text="请抓紧。")


# --- visibility ------------------------------------------------------------------------------------


def test_who_sees_an_item(scene):
    o, s = scene.o, scene
    item = s.item()
    sees = {p.name for p in o.people() if access.visible_items(p).filter(pk=item.pk).exists()}
    # All of the office, the leaders, the lead and assisting units; not 督查室's head (not party),
    # not another agency, not the administrators.
    assert sees == {o.clerk.name, o.secretary.name, o.director.name, o.principal.name, o.leader_a.name,
                    o.leader_b.name, o.head_a.name, o.handler_a.name, o.head_b.name, o.handler_b.name}
    assert access.visible_items(s.supervisor).filter(pk=item.pk).exists()


# --- reports -------------------------------------------------------------------------------------------


def test_the_lead_unit_reports_progress(scene):
    o, s = scene.o, scene
    item = s.item()
    calendar = calendar_for(o.gov)
    due = calendar.add_days(item.created_at, 10)
    entry = services.report(actor=o.handler_a, item_id=item.pk, text="已召开专题会，形成初步方案。")
    assert (entry.unit, entry.due_at, entry.is_late, entry.kind) == (o.div_a, due, False, "progress")
    item.refresh_from_db()
    assert item.last_report_at == entry.reported_at
    assert notes(s.supervisor) == ["督办事项进展：两项服务机制衔接问题"]
    # The head and the responsible person may report too.
    services.report(actor=o.head_a, item_id=item.pk, text="方案正在征求意见。")
    assert HistoryEvent.objects.filter(action=HistoryAction.SUPERVISE).count() == 0  # no document


def test_a_late_report_is_flagged_with_its_reason(scene, monday):
    o, s = scene.o, scene
    item = s.item()
    due = calendar_for(o.gov).add_days(item.created_at, 10)
    monday.move_to(due + timedelta(days=1))
    late = services.report(actor=o.handler_a, item_id=item.pk, text="进展如下。", late_reason="等待市财政局意见。")
    assert late.is_late and late.late_reason == "等待市财政局意见。"
    on_time = services.report(actor=o.handler_a, item_id=item.pk, text="继续推进。", late_reason="不需要")
    assert not on_time.is_late and on_time.late_reason == ""  # a reason only for a late report


def test_reporting_refuses(scene):
    o, s = scene.o, scene
    item = s.item()
    with refused("牵头单位综合一处的负责人、承办人或责任人", exc=PermissionDenied):
        services.report(actor=o.handler_b, item_id=item.pk, text="协办单位意见。")  # sees it, may not report
    with refused(exc=NotFound):
        services.report(actor=o.outsider, item_id=item.pk, text="进展。")
    with refused(exc=NotFound):
        services.report(actor=o.head_c, item_id=item.pk, text="进展。")
    with refused("进展情况"):
        services.report(actor=o.handler_a, item_id=item.pk, text="  ")
    with refused("迟报原因"):
        services.report(actor=o.handler_a, item_id=item.pk, text="进展。", late_reason="长" * 301)
    services.report(actor=o.handler_a, item_id=item.pk, text="办结报告。", final=True)
    with refused("等待督查室审核"):
        services.report(actor=o.handler_a, item_id=item.pk, text="再报。")


# --- final report, review, 办结销号 -----------------------------------------------------------------------


def test_closing_needs_an_accepted_final_report(scene):
    o, s = scene.o, scene
    item = s.item()
    with refused("尚未收到牵头单位综合一处的办结报告"):
        services.close_item(actor=s.supervisor, item_id=item.pk)
    final = services.report(actor=o.handler_a, item_id=item.pk, text="已完成，报告附后。", final=True)
    assert SupervisionItem.objects.get(pk=item.pk).state == State.REPORTED
    assert final.review == ProgressReport.Review.PENDING and "办结报告待审核：两项服务机制衔接问题" in notes(s.supervisor)
    with refused("尚未经督查室审核通过"):
        services.close_item(actor=s.supervisor, item_id=item.pk)
    # Only the supervision office reviews.
    with refused("督查室", exc=PermissionDenied):
        services.accept_final(actor=o.principal, item_id=item.pk, report_id=final.pk)
    with refused("督查室", exc=PermissionDenied):
        services.return_final(actor=o.head_a, item_id=item.pk, report_id=final.pk, note="补充")
    with refused("退回理由"):
        services.return_final(actor=s.supervisor, item_id=item.pk, report_id=final.pk, note=" ")
    services.return_final(actor=s.supervisor, item_id=item.pk, report_id=final.pk, note="请补充资金测算。")
    assert SupervisionItem.objects.get(pk=item.pk).state == State.OPEN
    assert "办结报告退回补充：两项服务机制衔接问题" in notes(o.handler_a)
    with refused("已退回补充"):
        services.close_item(actor=s.supervisor, item_id=item.pk)
    with refused("已退回补充", exc=Conflict):
        services.accept_final(actor=s.supervisor, item_id=item.pk, report_id=final.pk)
    again = services.report(actor=o.head_a, item_id=item.pk, text="已补充资金测算。", final=True)
    services.accept_final(actor=o.director, item_id=item.pk, report_id=again.pk, note="同意销号。")
    item.refresh_from_db()
    assert item.state == State.REPORTED and services.close_blocker(item) is None
    services.close_item(actor=s.supervisor, item_id=item.pk, note="办结销号。")
    item.refresh_from_db()
    assert (item.state, item.closed_by) == (State.CLOSED, s.supervisor) and item.closed_at
    with refused("已办结销号", exc=Conflict):
        services.close_item(actor=s.supervisor, item_id=item.pk)
    with refused("已办结销号"):
        services.report(actor=o.handler_a, item_id=item.pk, text="再报。")
    kinds = list(SupervisionEvent.objects.filter(item=item).values_list("kind", flat=True))
    assert kinds == ["open", "final", "return", "final", "accept", "close"]


def test_accept_and_close_in_one_step(scene):
    o, s = scene.o, scene
    item = s.item()
    final = services.report(actor=o.handler_a, item_id=item.pk, text="已完成。", final=True)
    services.accept_final(actor=s.supervisor, item_id=item.pk, report_id=final.pk, close=True)
    assert SupervisionItem.objects.get(pk=item.pk).state == State.CLOSED
    assert "督办事项已办结销号：两项服务机制衔接问题" in notes(o.principal)


# --- 催办 ----------------------------------------------------------------------------------------------


def test_chasing_an_item(scene):
    o, s = scene.o, scene
    item = s.item(responsible=o.handler_a)
    event = services.chase(actor=s.supervisor, item_id=item.pk, message="请于本周五前报送进展。")
    assert event.kind == "chase" and event.recipients == [o.handler_a.name, o.head_a.name]
    assert notes(o.handler_a)[-1] == notes(o.head_a)[-1] == "督办催办：两项服务机制衔接问题"
    assert AuditEvent.objects.filter(action="supervision.chase").count() == 1
    services.chase(actor=o.leader_a, item_id=item.pk, message="请抓紧。")
    with refused("催办", exc=PermissionDenied):
        services.chase(actor=o.handler_a, item_id=item.pk, message="请抓紧。")
    with refused("催办内容"):
        services.chase(actor=s.supervisor, item_id=item.pk, message="")
    with refused(exc=NotFound):
        services.chase(actor=o.outsider, item_id=item.pk, message="请抓紧。")


# --- 停滞 ------------------------------------------------------------------------------------------------


def test_an_item_without_a_report_stalls_once_and_is_escalated(scene, monday):
    o, s = scene.o, scene
    item = s.item()  # opened Monday 9 March 09:30; lead unit 综合一处, in the charge of 周副市长
    stall_at = calendar_for(o.gov).add_days(item.created_at, 10)
    assert timezone.localtime(stall_at).strftime("%m-%d %H:%M") == "03-23 09:30"
    assert services.scan_stalled(stall_at - timedelta(minutes=1)).flagged == []
    assert services.scan_stalled(stall_at).flagged == [item.pk]
    item.refresh_from_db()
    assert item.state == State.STALLED and item.stalled_at == stall_at
    for leader in (o.leader_a, o.principal):
        assert notes(leader) == ["督办事项停滞：两项服务机制衔接问题"]
    assert notes(o.leader_b) == []
    # Never twice for the same stall.
    assert services.scan_stalled(stall_at + timedelta(days=5)).flagged == []
    assert SupervisionEvent.objects.filter(item=item, kind="stall").count() == 1
    # A report clears it; ten more working days without one is a new stall.
    monday.move_to(stall_at + timedelta(hours=2))
    services.report(actor=o.handler_a, item_id=item.pk, text="已报进展。", late_reason="专题会推迟。")
    item.refresh_from_db()
    assert item.state == State.OPEN and item.stalled_at is None
    again = calendar_for(o.gov).add_days(item.last_report_at, 10)
    assert services.scan_stalled(again - timedelta(minutes=1)).flagged == []
    assert services.scan_stalled(again).flagged == [item.pk]
    assert notes(o.leader_a) == ["督办事项停滞：两项服务机制衔接问题"] * 2


def test_items_awaiting_review_or_closed_do_not_stall(scene):
    o, s = scene.o, scene
    item = s.item(interval=1)
    services.report(actor=o.handler_a, item_id=item.pk, text="办结报告。", final=True)
    assert services.scan_stalled(timezone.now() + timedelta(days=30)).flagged == []


def test_the_stall_scan_skips_a_year_the_calendar_does_not_know(scene, monday):
    s = scene
    monday.move_to(datetime(2026, 12, 24, 10, 0, tzinfo=SHANGHAI))
    item = s.item(due=datetime(2026, 12, 31, 18, 0, tzinfo=SHANGHAI))  # ten working days run into 2027
    with time_machine.travel(datetime(2027, 1, 20, 10, 0, tzinfo=SHANGHAI), tick=False):
        result = services.scan_stalled()
        assert services.next_report_due(SupervisionItem.objects.get(pk=item.pk)) is None
    assert result.flagged == [] and result.skipped == [item.pk]
    assert "工作日历" in str(result)
    assert SupervisionItem.objects.get(pk=item.pk).state == State.OPEN


def test_the_background_job_and_the_command(scene, monday):
    from io import StringIO

    from django.core.management import call_command
    from django_q.models import Schedule

    from supervision import tasks

    item = scene.item()
    schedule = Schedule.objects.get(name="supervision.scan_stalled")
    assert schedule.func == "supervision.tasks.scan_stalled" and schedule.schedule_type == Schedule.HOURLY
    monday.move_to(calendar_for(scene.o.gov).add_days(item.created_at, 10) + timedelta(minutes=5))
    assert tasks.scan_stalled() == "停滞督促 1 项"
    out = StringIO()
    call_command("scan_supervision", stdout=out)
    assert out.getvalue().strip() == "停滞督促 0 项"
    assert SupervisionEvent.objects.filter(kind="stall").count() == 1


def test_instructions_recorded_in_order(scene):
    item = scene.item()
    assert ItemInstruction.objects.filter(item=item).count() == 1
