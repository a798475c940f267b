"""C09 — Reviewing drafts on time (核稿时限, 六次校核).

A policy document (政策性文件) passes the six reviews of the default policy template —
初核, 复核, 办公室领导审核, 领导审核, 清样审核, 成品审核 — each review task due three working
days after it arrives; a routine document's reviews are due in one working day. An urgent
document is handed to a named person with a shorter limit (送下一步 with a chosen person
and ``next_due_at``); a limit later than the rule's is refused and writes nothing.

The due times are asserted exactly as the engine computes them (deadlines.services.task_due:
the node kind's rule counted in working time from the moment the task arrives, on the
agency's calendar), recomputed here with ``calendar_for(agency).add_days/add_hours`` so the
holidays of each timeline count: a review that arrives on the evening before National Day
is due three working days after the break, not on 3 October. The clock stands still at
each step (the fixture's clock otherwise ticks), so "the moment the task arrives" is the
moment of the step.

Printing (印制, 4 working hours): the default outgoing templates have no 印制 node (the
office prints between 成品审核 and 用印 outside the routing), so no task of that kind
exists to assert; the test checks that the template has none and that the shipped rule
gives a 印制 node four working hours, which is what an agency adding the node would get.
"""

from django.utils import timezone

from deadlines.models import LimitScope, LimitUnit
from deadlines.services import calendar_for, rule_for, task_due
from documents.models import Document, NumberSeries
from drafting import body
from drafting import services as drafting
from flow import services as flow
from flow.models import NodeKind, Process, Task, TaskRole, TaskStatus
from tests.helpers import open_task, refused

BLOCKS = [{"level": 0, "text": "为进一步做好道路运输安全工作，现将有关事项通知如下。"},
          {"level": 1, "text": "一、提高认识"}, {"level": 0, "text": "各单位要高度重视，切实加强组织领导。"}]
SIX_REVIEWS = ["初核", "复核", "办公室领导审核", "领导审核", "清样审核", "成品审核"]


def step(clock):
    """The next moment of the timeline, the clock standing still there."""
    moment = clock.next()
    clock.traveller.move_to(moment, tick=False)
    return moment


def draft(o, **over) -> Document:
    data = {"doc_type": "通知", "title": "示范市人民政府办公室关于做好道路运输安全工作的通知",
            "main_to": [o.dept.pk, "各区人民政府"], "publicity": "主动公开"}
    data.update(over)
    document = drafting.create_draft(actor=o.handler_a, data=drafting.DraftData(**data))
    body.save_structured(actor=o.handler_a, document=document, blocks=BLOCKS)
    return document


def days(document, start, n):
    return calendar_for(document.agency).add_days(start, n)


def send(document, person, opinion, **kw) -> Task:
    flow.send_on(open_task(document, person).pk, actor=person, opinion=opinion, **kw)
    return Task.objects.filter(document=document, status=TaskStatus.OPEN, role=TaskRole.MAIN).get()


def test_policy_document_passes_six_reviews_each_due_in_three_working_days(office, clock):
    o = office
    series = NumberSeries.objects.create(agency=o.gov, code="示府办发", name="府办发文")
    step(clock)
    document = draft(o, is_policy=True, title="示范市人民政府办公室关于印发道路运输安全管理办法的通知")
    assert document.slip_kind == "policy"
    process = Process.objects.get(document=document)
    reviews = [n["name"] for n in process.nodes if n["kind"] == NodeKind.REVIEW and n["key"] != "unit_review"]
    assert reviews == SIX_REVIEWS
    assert not [n for n in process.nodes if n["kind"] == NodeKind.PRINT]
    rule = rule_for(document, scope=LimitScope.NODE, node_kind=NodeKind.REVIEW)
    assert (rule.name, rule.amount, rule.unit) == ("政策性文件核稿（3个工作日）", 3, LimitUnit.WORK_DAYS)

    # 拟稿 → 处室审核 → 初核 → 复核 → 办公室领导审核 → 领导审核: every review due in 3 working days.
    chain = [(o.handler_a, "请审核。", "处室审核", o.head_a), (o.head_a, "同意。", "初核", o.secretary),
             (o.secretary, "已初核。", "复核", o.secretary), (o.secretary, "已复核。", "办公室领导审核", o.director),
             (o.director, "拟同意，请周副市长审核。", "领导审核", o.leader_a)]
    for sender, opinion, node_name, holder in chain:
        now = step(clock)
        task = send(document, sender, opinion)
        assert (task.node_name, task.assignee) == (node_name, holder)
        assert task.due_at == days(document, now, 3), (node_name, task.due_at)
        assert task.due_at == task_due(document, {"kind": NodeKind.REVIEW}, now)
        # The holidays count: a due time never falls on a day off.
        assert calendar_for(o.gov).is_workday(timezone.localtime(task.due_at).date())

    # 领导审核 → 签发 (no limit of its own: the shipped rules time reviews, not sign-off).
    now = step(clock)
    sign = send(document, o.leader_a, "同意，请签发。")
    assert sign.node_kind == NodeKind.SIGN_OFF and sign.assignee == o.leader_a and sign.due_at is None
    drafting.sign_off(sign.pk, actor=o.leader_a, opinion="同意印发。")
    recheck = open_task(document, o.secretary)
    assert recheck.node_kind == NodeKind.RECHECK and recheck.due_at is None
    flow.send_on(recheck.pk, actor=o.secretary, opinion="已复核。")
    numbering = open_task(document, o.clerk)
    drafting.number(numbering.pk, actor=o.clerk, series_id=series.pk)

    # 编号 → 清样审核 (the drafter) → 成品审核 (the secretariat): 3 working days each.
    now = step(clock)
    proof = send(document, o.clerk, "已编号。")
    assert (proof.node_name, proof.assignee) == ("清样审核", o.handler_a)
    assert proof.due_at == days(document, now, 3)
    now = step(clock)
    final = send(document, o.handler_a, "清样无误。")
    assert (final.node_name, final.assignee) == ("成品审核", o.secretary)
    assert final.due_at == days(document, now, 3)
    seal = send(document, o.secretary, "成品无误，请用印。")
    assert seal.node_kind == NodeKind.SEAL

    # All six reviews were passed, in order.
    done = list(Task.objects.filter(document=document, role=TaskRole.MAIN, status=TaskStatus.DONE,
                                    node_kind=NodeKind.REVIEW).exclude(node_name="处室审核")
                .order_by("done_at", "id").values_list("node_name", flat=True))
    assert done == SIX_REVIEWS


def test_routine_document_reviews_are_due_in_one_working_day(office, clock):
    o = office
    step(clock)
    document = draft(o)
    assert document.slip_kind == "routine"
    process = Process.objects.get(document=document)
    assert [n["name"] for n in process.nodes if n["kind"] == NodeKind.REVIEW] == ["处室审核", "初核", "办公室领导审核"]
    for sender, opinion, node_name in ((o.handler_a, "请审核。", "处室审核"), (o.head_a, "同意。", "初核"),
                                       (o.secretary, "已核。", "办公室领导审核")):
        now = step(clock)
        task = send(document, sender, opinion)
        assert task.node_name == node_name
        assert task.due_at == days(document, now, 1), (node_name, task.due_at)


def test_urgent_document_given_a_named_person_and_a_shorter_limit(office, clock):
    o = office
    step(clock)
    document = draft(o, urgency="特急", title="示范市人民政府办公室关于做好强降雨防范工作的紧急通知")
    send(document, o.handler_a, "特急，请审核。")
    send(document, o.head_a, "同意，请尽快核稿。")
    now = step(clock)
    calendar = calendar_for(o.gov)
    shorter = calendar.add_hours(now, 2)
    rule_due = days(document, now, 1)
    assert shorter < rule_due

    # A limit later than the rule's: refused, nothing written.
    with refused("不能晚于规定时限"):
        flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="已核，特急。",
                     next_assignees=[o.director], next_due_at=days(document, now, 2))
    # A limit already past: refused.
    with refused("已过"):
        flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="已核，特急。",
                     next_assignees=[o.director], next_due_at=now)

    # The named person, with two working hours.
    task = send(document, o.secretary, "已核，特急，请赵主任两小时内审核。", next_assignees=[o.director],
                next_due_at=shorter)
    assert (task.node_name, task.assignee, task.due_at) == ("办公室领导审核", o.director, shorter)
    assert task.original_due_at == shorter


def test_printing_limit_is_four_working_hours_where_a_node_exists(office, clock):
    """No default template has a 印制 node; the rule an added node would get."""
    o = office
    now = step(clock)
    document = draft(o)
    rule = rule_for(document, scope=LimitScope.NODE, node_kind=NodeKind.PRINT)
    assert (rule.amount, rule.unit) == (4, LimitUnit.WORK_HOURS)
    assert task_due(document, {"kind": NodeKind.PRINT}, now) == calendar_for(o.gov).add_hours(now, 4)
