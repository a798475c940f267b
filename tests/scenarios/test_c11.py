"""C11 — Countersigning units that disagree (会签不一致).

A draft issued in the government's name (示范市人民政府办公室) touches the work of two other
divisions: the drafter asks 综合二处 and 督查室 to countersign (会签) at the 拟稿 node.
督查室 agrees; 综合二处 disagrees and says why. Until the drafter records how the
disagreement was resolved (``flow.resolve_disagreement``), the draft cannot be sent on —
so it cannot reach 签发 — and each refusal writes nothing. After the resolution it goes
through the review chain to the leader in charge, who signs it off. The opinions of the
document show the disagreement and the resolution, in order, and the routing history
records both.

(The sign-off service also checks the countersign gate on its own node, drafting.services
.sign_off; with countersigning asked at 拟稿, the send-on refusal is what keeps the draft
from sign-off. The 签发 node of the default templates cannot ask for countersigning.)
"""

from django.db.models import Q

from drafting import body
from drafting import services as drafting
from flow import selectors
from flow import services as flow
from flow.models import Decision, HistoryAction, HistoryEvent, NodeKind, Opinion, TaskRole
from gongwen.errors import GateClosed, NotFound, PermissionDenied
from tests.helpers import open_task, refused

BLOCKS = [{"level": 0, "text": "为加强全市道路运输安全督查工作，现将有关事项通知如下。"},
          {"level": 1, "text": "一、明确职责分工"}, {"level": 0, "text": "各有关单位按职责分工抓好落实。"}]


def step(clock):
    moment = clock.next()
    clock.traveller.move_to(moment, tick=False)
    return moment


def test_disagreement_must_be_resolved_before_the_draft_goes_to_sign_off(office, clock):
    o = office
    step(clock)
    document = drafting.create_draft(actor=o.handler_a, data=drafting.DraftData(
        doc_type="通知", title="示范市人民政府办公室关于加强道路运输安全督查工作的通知",
        main_to=[o.dept.pk, "各区人民政府"], publicity="主动公开"))
    body.save_structured(actor=o.handler_a, document=document, blocks=BLOCKS)
    draft_task = open_task(document, o.handler_a)
    assert draft_task.node_kind == NodeKind.DRAFT

    flow.request_countersign(draft_task.pk, actor=o.handler_a, units=[o.div_b, o.div_c],
                             note="涉及你处职责，请会签。")
    with refused("会签尚未完成", exc=GateClosed):
        flow.send_on(draft_task.pk, actor=o.handler_a, opinion="请审核。")

    step(clock)
    flow.countersign(open_task(document, o.head_c, TaskRole.COUNTERSIGN).pk, actor=o.head_c,
                     decision=Decision.AGREE, opinion="同意。")
    with refused("不同意时必须写明理由"):
        flow.countersign(open_task(document, o.head_b, TaskRole.COUNTERSIGN).pk, actor=o.head_b,
                         decision=Decision.DISAGREE, opinion=" ")
    flow.countersign(open_task(document, o.head_b, TaskRole.COUNTERSIGN).pk, actor=o.head_b,
                     decision=Decision.DISAGREE, opinion="第一条中督查牵头单位应为督查室，综合二处只负责配合。")

    # Sending on (and so sign-off) refused until the drafter records the resolution.
    step(clock)
    with refused("会签单位有不同意见（综合二处）", exc=GateClosed):
        flow.send_on(draft_task.pk, actor=o.handler_a, opinion="请审核。")
    with refused("不是签发"):
        drafting.sign_off(draft_task.pk, actor=o.handler_a, opinion="同意。")
    with refused("请写明分歧如何处理"):
        flow.resolve_disagreement(draft_task.pk, actor=o.handler_a, resolution=" ")
    # The disagreeing unit cannot settle it for the drafter.
    with refused(exc=(PermissionDenied, NotFound)):
        flow.resolve_disagreement(draft_task.pk, actor=o.head_b, resolution="同意。")

    resolution = "已与综合二处协商一致：第一条改为督查室牵头、综合二处配合。"
    body.save_structured(actor=o.handler_a, document=document, blocks=[
        *BLOCKS, {"level": 0, "text": "督查室牵头，综合二处配合。"}])
    flow.resolve_disagreement(draft_task.pk, actor=o.handler_a, resolution=resolution)

    # Now it goes on: 处室审核 → 初核 → 办公室领导审核 → 签发, and is signed off.
    for person, opinion in ((o.handler_a, "会签分歧已处理，请审核。"), (o.head_a, "同意。"), (o.secretary, "已核。"),
                            (o.director, "拟同意，请周副市长签发。")):
        step(clock)
        flow.send_on(open_task(document, person).pk, actor=person, opinion=opinion)
    sign = open_task(document, o.leader_a)
    assert sign.node_kind == NodeKind.SIGN_OFF
    step(clock)
    drafting.sign_off(sign.pk, actor=o.leader_a, opinion="同意印发。")
    document.refresh_from_db()
    assert document.signer == "周副市长"

    # The opinions show the disagreement and then the resolution.
    opinions = [(op.author.name, op.role, op.decision, op.text) for op in Opinion.objects.filter(
        document=document).filter(Q(role=TaskRole.COUNTERSIGN) | Q(node_kind=NodeKind.COUNTERSIGN))
        .order_by("created_at", "id")]
    assert ("冯处长", TaskRole.COUNTERSIGN, Decision.DISAGREE,
            "第一条中督查牵头单位应为督查室，综合二处只负责配合。") in opinions
    assert ("卫主任", TaskRole.COUNTERSIGN, Decision.AGREE, "同意。") in opinions
    assert opinions[-1] == ("孙科员", TaskRole.MAIN, "", f"会签分歧处理：{resolution}")
    history = [(e.action, e.opinion) for e in selectors.timeline(document)]
    assert (HistoryAction.COUNTERSIGN, "不同意。第一条中督查牵头单位应为督查室，综合二处只负责配合。") in history
    assert (HistoryAction.RESOLVE, resolution) in history
    actions = list(HistoryEvent.objects.filter(document=document).order_by("id").values_list("action", flat=True))
    assert actions.index(HistoryAction.COUNTERSIGN) < actions.index(HistoryAction.RESOLVE) < actions.index(
        HistoryAction.SIGN_OFF)
