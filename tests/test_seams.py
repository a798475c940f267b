"""The seams of drafting, sealing, exchange and audit, and the gates that had no refusal test.

- Every dotted path in the tables that name an app from below it resolves to a callable:
  flow's node-kind gates (``flow.gates.NODE_GATES``: drafting, sealing and exchange gates),
  what drafting asks of sealing (``drafting.effects``), the audit checkpoints' rule of who is
  the security auditor (``audit.checkpoints.AUDITOR_RULE``). A renamed function fails here,
  not in an office. (flow's and documents' effect tables and org's guards are checked in
  tests/test_architecture.py.)
- A refusal for each gate of ``flow.gates.GATES`` that no other test triggered: 已登记,
  急件有时限, 加签人已签署, 无未完成环节, 签发齐全, 已复核, 已分发 — each through the real
  service, with its Chinese message, and nothing written (tests.helpers.refused).
"""

import pytest
from django.utils.module_loading import import_string

from audit import checkpoints
from drafting import effects as drafting_effects
from drafting import services as drafting
from flow import gates
from flow import services as flow
from flow.models import NodeDefinition, ProcessTemplate, Task, TaskRole
from gongwen.errors import GateClosed
from incoming.services import IncomingData, register_incoming, submit_direct
from tests.helpers import open_task, refused


def _seam_paths():
    paths = [("flow.gates.NODE_GATES", path) for _label, path in gates.NODE_GATES.values()]
    paths += [("drafting.effects.CHANGED_EFFECTS", path) for path in drafting_effects.CHANGED_EFFECTS]
    paths += [("drafting.effects.CURRENT_SEAL_USE", drafting_effects.CURRENT_SEAL_USE),
              ("audit.checkpoints.AUDITOR_RULE", checkpoints.AUDITOR_RULE)]
    return paths


@pytest.mark.parametrize(("table", "path"), _seam_paths())
def test_every_seam_path_resolves(table, path):
    assert callable(import_string(path)), f"{table}: {path}"


def test_every_gate_named_by_the_engine_exists():
    named = set(gates.ALWAYS) | {g for kind in gates.KIND_GATES.values() for g in kind} | set(flow.COMPLETE_GATES)
    assert named <= set(gates.GATES)
    assert set(gates.NODE_GATES) <= set(gates.GATES)
    assert [name for name, _label in gates.GATE_CHOICES] == list(gates.GATES)


# --- incoming: 已登记, 急件有时限, 加签人已签署, 无未完成环节 -----------------------------------------


def _registered(o, **over):
    data = {"title": "关于报送道路安全整治情况的通知", "doc_type": "通知", "sender_id": o.dept.pk}
    data.update(over)
    return register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(**data))


def test_registered_refuses_leaving_the_register_node_without_a_registry_number(office):
    o = office
    # 直送件: it lands in the office's sign-for queue, not yet registered (C04).
    document = submit_direct(actor=o.handler_a, agency=o.gov, leader=o.leader_a,
                             data=IncomingData(title="关于申请道路养护经费的请示", doc_type="请示"))
    flow.send_on(open_task(document, o.clerk).pk, actor=o.clerk, opinion="已签收。")
    register = open_task(document, o.clerk)
    with refused("尚未登记：请先完成登记，取得收文编号。", exc=GateClosed):
        flow.send_on(register.pk, actor=o.clerk, opinion="请初审。")


def test_urgent_has_deadline_refuses_an_urgent_document_without_one(office):
    o = office
    document = _registered(o, urgency="特急")
    with refused("特急件必须明确办理时限：请在公文要素中填写办理时限。", exc=GateClosed):
        flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="请拟办。")


def test_added_signers_done_refuses_leaving_before_the_added_signer_signed(office):
    o = office
    document = _registered(o)
    screen = open_task(document, o.secretary)
    flow.add_signer(screen.pk, actor=o.secretary, people=[o.head_a], note="请郑处长一并提出意见。")
    with refused("加签人尚未签署：郑处长。", exc=GateClosed):
        flow.send_on(screen.pk, actor=o.secretary, opinion="请拟办。")


def test_no_open_work_refuses_completing_while_another_node_is_open(office):
    o = office
    document = _registered(o)
    screen = open_task(document, o.secretary)
    flow.send_on(screen.pk, actor=o.secretary, opinion="请拟办。")
    propose = open_task(document, o.director)
    # An open task at another node of the main line (the engine never leaves one behind by
    # itself; 办结 refuses all the same, naming it, rather than close work in progress).
    screen = Task.objects.select_related("activation", "process").get(pk=screen.pk)
    Task.objects.create(activation=screen.activation, process=screen.process, document=document,
                        node_kind=screen.node_kind, node_name=screen.node_name, role=TaskRole.MAIN,
                        assignee=o.head_a, assignee_unit=o.div_a, sent_by=o.secretary)
    with refused("还有未完成的环节：初审（郑处长）。", exc=GateClosed):
        flow.complete(propose.pk, actor=o.director, opinion="阅知，办结。")


# --- outgoing: 签发齐全, 已复核, 已分发 --------------------------------------------------------------


def _routine_nodes():
    template = ProcessTemplate.objects.get(agency__isnull=True, direction="outgoing", slip_kind="routine")
    return NodeDefinition.objects.filter(template=template)


def _draft(o, **over):
    from sealing.tests.chain import draft_data, with_body

    document = drafting.create_draft(actor=o.handler_a, data=draft_data(o, **over))
    with_body(document, o.handler_a)
    flow.send_on(open_task(document, o.handler_a).pk, actor=o.handler_a, opinion="请审核。")
    flow.send_on(open_task(document, o.head_a).pk, actor=o.head_a, opinion="同意。")
    flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="已核。")
    return document


def test_signoff_complete_refuses_leaving_with_a_signature_missing(office):
    o = office
    # The administrator names the gate on 签发后复核: every signature is there before 编号.
    _routine_nodes().filter(key="recheck").update(gates=["signoff_complete"])
    document = _draft(o, joint_agency_ids=[o.other_gov.pk])  # 联合行文 with 市财政局 (outside paper sign-off)
    flow.send_on(open_task(document, o.director).pk, actor=o.director, opinion="请陈市长签发。",
                 next_assignees=[o.principal])
    drafting.sign_off(open_task(document, o.principal).pk, actor=o.principal, opinion="同意印发。")
    with refused("签发不全，尚缺：联合发文机关示范市财政局负责人签发。", exc=GateClosed):
        flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="已复核。")


def test_rechecked_refuses_numbering_a_draft_not_rechecked_after_sign_off(office):
    from sealing.tests.chain import series_for

    o = office
    # An agency's chain without the 签发后复核 node, whose 编号 node names the gate.
    _routine_nodes().filter(key="recheck").delete()
    _routine_nodes().filter(key="number").update(gates=["rechecked"])
    document = _draft(o)
    flow.send_on(open_task(document, o.director).pk, actor=o.director, opinion="拟同意，请领导签发。")
    drafting.sign_off(open_task(document, o.leader_a).pk, actor=o.leader_a, opinion="同意印发。")
    number = open_task(document, o.clerk)
    drafting.number(number.pk, actor=o.clerk, series_id=series_for(o).pk)
    with refused("尚未经签发后复核。", exc=GateClosed):
        flow.send_on(number.pk, actor=o.clerk, opinion="已编号。")


def test_dispatched_refuses_completing_before_every_recipient_is_sent_to(office):
    from exchange.tests.builders import outgoing, task_of

    o = office
    document = outgoing(o.gov, o.clerk, main=[o.dept], number="示府办发〔2026〕1号")
    with refused("尚未分发：示范市交通运输局。", exc=GateClosed):
        flow.complete(task_of(document, o.clerk).pk, actor=o.clerk, opinion="已分发。")
