"""The whole incoming path through the engine's services, with the refusals on the way."""

import pytest

from documents.models import Status
from flow import services as flow
from flow.models import HistoryEvent, Opinion, Task, TaskRole, TaskStatus
from gongwen.errors import DomainError, GateClosed
from incoming.services import IncomingData, register_incoming


def open_task(document, person, role=TaskRole.MAIN):
    return Task.objects.get(document=document, assignee=person, status=TaskStatus.OPEN, role=role)


def test_register_to_complete(office):
    o = office
    doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于报送道路安全整治情况的通知", doc_type="通知", sender_id=o.province.pk,
        doc_number="示省政办〔2026〕12号", slip_kind="relay"))
    assert doc.registry_seq == 1 and doc.registry_number == "示府办收〔2026〕1号" or doc.registry_seq == 1
    screen = open_task(doc, o.secretary)
    flow.send_on(screen.pk, actor=o.secretary, opinion="属我办职责，按程序办理。")
    propose = open_task(doc, o.director)
    with pytest.raises(DomainError, match="拟办意见"):
        flow.send_on(propose.pk, actor=o.director, opinion="")
    flow.send_on(propose.pk, actor=o.director, opinion="拟请周副市长阅示，请综合一处牵头办理。",
                 next_assignees=[o.leader_a, o.principal], next_mode="sequential", needs_leader_approval=True)
    # Sequential: only the first leader holds it.
    assert not Task.objects.filter(document=doc, assignee=o.principal, status=TaskStatus.OPEN).exists()
    flow.send_on(open_task(doc, o.leader_a).pk, actor=o.leader_a, opinion="请综合一处抓紧办理。")
    flow.send_on(open_task(doc, o.principal).pk, actor=o.principal, opinion="同意。")
    distribute = open_task(doc, o.secretary)
    with pytest.raises(GateClosed, match="主办单位"):
        flow.send_on(distribute.pk, actor=o.secretary, opinion="")
    flow.send_on(distribute.pk, actor=o.secretary, lead_unit=o.div_a, assist_units=[o.div_b])
    head = open_task(doc, o.head_a)
    assist = open_task(doc, o.head_b, TaskRole.ASSIST)
    flow.assign_handler(head.pk, actor=o.head_a, handler=o.handler_a)
    handle = open_task(doc, o.handler_a)
    with pytest.raises(GateClosed, match="协办单位尚未反馈"):
        flow.send_on(handle.pk, actor=o.handler_a, opinion="已拟好答复稿。")
    flow.send_on(assist.pk, actor=o.head_b, opinion="我处无意见。")
    # C01, incoming half: the division cannot finish before the leader approved the reply.
    before = HistoryEvent.objects.count()
    with pytest.raises(GateClosed, match="周副市长"):
        flow.complete(handle.pk, actor=o.handler_a, opinion="已办理完毕。")
    assert HistoryEvent.objects.count() == before
    assert Task.objects.get(pk=handle.pk).status == TaskStatus.OPEN
    flow.send_on(handle.pk, actor=o.handler_a, opinion="已拟好答复稿，请审定。")
    approve = open_task(doc, o.leader_a)
    flow.send_on(approve.pk, actor=o.leader_a, opinion="同意答复。")
    reply = open_task(doc, o.handler_a)
    flow.send_on(reply.pk, actor=o.handler_a, reply_text="已以示府办函〔2026〕3号答复省政府办公厅。")
    final = open_task(doc, o.clerk)
    flow.complete(final.pk, actor=o.clerk, opinion="办结。")
    doc.refresh_from_db()
    assert doc.status == Status.COMPLETED
    assert not Task.objects.filter(document=doc, status=TaskStatus.OPEN).exists()
    kinds = list(Opinion.objects.filter(document=doc).values_list("node_kind", flat=True))
    assert kinds[:4] == ["screen", "propose", "instruct", "instruct"]


def test_return_recall_transfer_circulate(office):
    o = office
    doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于开展安全检查的通知", doc_type="通知", sender_id=o.dept.pk))
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
    sent = Task.objects.get(document=doc, assignee=o.secretary, status=TaskStatus.DONE)
    # Recall while the director has not opened it.
    flow.recall(sent.pk, actor=o.secretary)
    screen = open_task(doc, o.secretary)
    assert not Task.objects.filter(document=doc, assignee=o.director, status=TaskStatus.OPEN).exists()
    flow.send_on(screen.pk, actor=o.secretary, opinion="请拟办。")
    propose = open_task(doc, o.director)
    flow.touch(propose, actor=o.director)
    again = Task.objects.filter(document=doc, assignee=o.secretary, status=TaskStatus.DONE).latest("done_at")
    with pytest.raises(DomainError, match="已查看"):
        flow.recall(again.pk, actor=o.secretary)
    # Return to 初审 with a reason.
    targets = flow.return_targets(propose)
    assert [a.node_name for a in targets][:1] == ["初审"]
    with pytest.raises(DomainError, match="理由"):
        flow.return_task(propose.pk, actor=o.director, to_activation_id=targets[0].pk, reason=" ")
    flow.return_task(propose.pk, actor=o.director, to_activation_id=targets[0].pk, reason="要素不全，请补登来文字号。")
    screen2 = open_task(doc, o.secretary)
    flow.transfer(screen2.pk, actor=o.secretary, to_person=o.clerk, reason="请文书补登。")
    assert open_task(doc, o.clerk).node_name == "初审"
    # Circulation: each reader hands back to the office.
    tasks = flow.circulate(doc.pk, actor=o.clerk, readers=[o.leader_a, o.leader_b], note="请阅。")
    assert len(tasks) == 2
    with pytest.raises(DomainError, match="尚未退回"):
        flow.circulate(doc.pk, actor=o.clerk, readers=[o.leader_a])
    flow.read_back(open_task(doc, o.leader_a, TaskRole.CIRCULATE).pk, actor=o.leader_a, opinion="已阅。")
    assert Task.objects.filter(document=doc, role=TaskRole.CIRCULATE, status=TaskStatus.OPEN).count() == 1
    with pytest.raises(DomainError):
        flow.circulate(doc.pk, actor=o.head_a, readers=[o.leader_b])
