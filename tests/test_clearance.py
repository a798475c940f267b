"""Clearance on the ordinary paths (trust issue, defect 1): a classified document enters
only through the 密件 register; every assignment of a task or a copy (送下一步, 转办, 加签,
传阅, 会签, acting as a stand-in …) refuses a person outside its reading scope, in Chinese,
naming the person, and writes nothing; a task alone never opens a classified document.

The routing engine carries a classified document only on an accredited classified network
(settings.CLASSIFIED_DEPLOYMENT; elsewhere its body is refused, so a classified draft never
leaves 拟稿): the matrix runs there, on a 机密 draft, against a person without clearance
and, as the control that shows each operation works at all, against one with it.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from documents.access import can_view, may_receive, visible_documents
from drafting import services as drafting
from drafting.tests.test_services import draft_data, with_body
from flow import services as flow
from flow.models import Task, TaskRole, TaskStatus
from gongwen.errors import NotFound, PermissionDenied
from incoming.services import IncomingData, register_incoming, submit_direct
from org import services as org
from secrecy.tests.build import clear, people, register
from tests.helpers import open_task, refused


@pytest.fixture
def cleared(office, settings):
    """机密 clearance for the draft's own people; 李科员 (handler_b), 吴副市长 (leader_b) and the
    head of 综合二处 (head_b) have none."""
    settings.CLASSIFIED_DEPLOYMENT = True
    o = office
    for p in (o.handler_a, o.head_a, o.secretary, o.director, o.leader_a, o.principal, o.clerk):
        clear(p, "机密")
    return o


def classified_draft(o):
    document = drafting.create_draft(actor=o.handler_a, data=draft_data(
        o, title="示范市人民政府办公室关于做好重要目标安全保卫工作的通知", secrecy="机密", secrecy_term="5年",
        publicity="不予公开", publicity_reason="涉密"))
    with_body(document, o.handler_a)
    return document


def at_first_review(o):
    document = classified_draft(o)
    flow.send_on(open_task(document, o.handler_a).pk, actor=o.handler_a, opinion="请审核。")
    flow.send_on(open_task(document, o.head_a).pk, actor=o.head_a, opinion="同意。")
    return document, open_task(document, o.secretary)


# Each assignment operation: (name, how to do it to ``person``) on a fresh 机密 draft.
def _countersign(o, person):
    document = classified_draft(o)
    unit = person.unit
    return lambda: flow.request_countersign(open_task(document, o.handler_a).pk, actor=o.handler_a, units=[unit])


def _add_signer(o, person):
    document = classified_draft(o)
    return lambda: flow.add_signer(open_task(document, o.handler_a).pk, actor=o.handler_a, people=[person])


def _transfer(o, person):
    _document, task = at_first_review(o)
    return lambda: flow.transfer(task.pk, actor=o.secretary, to_person=person, reason="请代为审核。")


def _send_on(o, person):
    """办公室领导审核 → 签发, the signer chosen by the director: the leader must be in scope."""
    document, task = at_first_review(o)
    flow.send_on(task.pk, actor=o.secretary, opinion="已核。")
    director = open_task(document, o.director)
    return lambda: flow.send_on(director.pk, actor=o.director, opinion="拟同意，请领导审核。", next_assignees=[person])


def _stand_in(o, person):
    """A stand-in acting on the delegator's task."""
    document = classified_draft(o)
    now = timezone.now()
    org.create_delegation(actor=o.handler_a, from_person=o.handler_a, to_person=person,
                          starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(days=1), reason="出差")
    task = open_task(document, o.handler_a)
    return lambda: flow.send_on(task.pk, actor=person, opinion="请审核。")


# 传阅, 指定承办人 and the 值班 copy exist only for incoming documents, which are never
# classified (test_a_classified_document_never_enters_through_ordinary_intake); they call
# the same documents.access.require_may_receive.
OPERATIONS = {"会签": _countersign, "加签": _add_signer, "转办": _transfer,
              "送下一步（选定办理人）": _send_on, "委托代办": _stand_in}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_an_assignment_outside_the_scope_is_refused_naming_the_person(cleared, operation):
    o = cleared
    target = o.leader_b if operation == "送下一步（选定办理人）" else (o.head_b if operation == "会签" else o.handler_b)
    attempt = OPERATIONS[operation](o, target)
    expected = NotFound if operation == "委托代办" else PermissionDenied  # a stand-in who may not see it: 404
    with refused(None if expected is NotFound else target.name, exc=expected) as info:
        attempt()
    if expected is PermissionDenied:
        assert "机密件" in info.value.message and "知悉范围" in info.value.message


@pytest.mark.parametrize("operation", OPERATIONS)
def test_the_same_assignment_inside_the_scope_goes_through(cleared, operation):
    """The control: each operation does assign when the person is cleared."""
    o = cleared
    target = o.leader_a if operation == "送下一步（选定办理人）" else (o.head_b if operation == "会签" else o.handler_b)
    clear(target, "机密")
    if operation == "会签":
        clear(o.head_b, "机密")
    before = Task.objects.filter(assignee=target).count()
    OPERATIONS[operation](o, target)()
    if operation == "委托代办":
        assert Task.objects.filter(acted_by=target).exists()
    else:
        assert Task.objects.filter(assignee=target).count() > before


def test_a_registered_scope_binds_even_the_cleared(office):
    """Once the 机要员 has set a reading scope, clearance alone is not enough."""
    o = office
    ppl = people(o)
    doc = register(o, ppl)  # scope: 孙科员 and 刘副市长; the clerk holds 绝密 but is outside it
    assert may_receive(o.handler_a, doc) and may_receive(o.leader_a, doc)
    assert not may_receive(o.clerk, doc) and not may_receive(o.principal, doc)
    assert may_receive(ppl.jiyao, doc) is False  # the registrar sees it, but is not a reader


@pytest.mark.parametrize("intake", ["收文登记", "直送件", "登记环节"])
def test_a_classified_document_never_enters_through_ordinary_intake(office, intake):
    o = office
    clear(o.clerk, "绝密")
    data = IncomingData(title="关于重要目标防护的通知", doc_type="通知", sender_id=o.province.pk, secrecy="秘密",
                        secrecy_term="5年", copy_number="000001")
    if intake == "收文登记":
        with refused("密件登记"):
            register_incoming(actor=o.clerk, agency=o.gov, data=data)
    elif intake == "直送件":
        data.sender_id = None
        with refused("密件登记"):
            submit_direct(actor=o.handler_b, agency=o.gov, leader=o.leader_a, data=data)
    else:
        from flow.models import NodeKind
        from incoming.services import register_at_node

        plain = submit_direct(actor=o.handler_b, agency=o.gov, leader=o.leader_a, data=IncomingData(
            title="关于重要目标防护的请示", doc_type="请示", sender_name="综合二处"))
        sign_for = Task.objects.get(document=plain, node_kind=NodeKind.SIGN_FOR, status=TaskStatus.OPEN)
        flow.send_on(sign_for.pk, actor=o.clerk, opinion="已签收。")
        task = Task.objects.get(document=plain, node_kind=NodeKind.REGISTER, status=TaskStatus.OPEN)
        data.sender_id, data.addressed_to_id = o.province.pk, None
        with refused("密件登记"):
            register_at_node(task.pk, actor=o.clerk, data=data)


def test_a_task_alone_never_opens_a_classified_document(cleared):
    """Lowering a holder's clearance after the fact: the task stays, the document closes."""
    o = cleared
    document = classified_draft(o)
    assert can_view(o.handler_a, document)
    clear(o.handler_a, "")
    assert Task.objects.filter(document=document, assignee=o.handler_a, status=TaskStatus.OPEN).exists()
    assert not can_view(o.handler_a, document)
    assert not visible_documents(o.handler_a).filter(pk=document.pk).exists()


def test_a_stand_in_never_sees_the_delegators_classified_tasks(cleared, client):
    o = cleared
    document = classified_draft(o)
    now = timezone.now()
    org.create_delegation(actor=o.handler_a, from_person=o.handler_a, to_person=o.handler_b,
                          starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(days=1), reason="出差")
    assert not can_view(o.handler_b, document)
    client.force_login(o.handler_b.user)
    for url in ("/", "/inbox/", f"/documents/{document.pk}/"):
        page = client.get(url)
        assert document.title not in page.content.decode()
    assert client.get(f"/documents/{document.pk}/").status_code == 404
    # The badge counts only what the stand-in may see.
    from flow.selectors import inbox
    assert not inbox(o.handler_b).filter(document=document).exists()
    assert Task.objects.filter(document=document, role=TaskRole.MAIN, status=TaskStatus.OPEN).exists()


def test_refused_delegations_from_the_side_door(office):
    """三员分立: no administrator sets a stand-in; the director only with recorded consent;
    an account with no post granted by the security administrator is no stand-in."""
    o = office
    now = timezone.now()
    window = {"starts_at": now, "ends_at": now + timedelta(days=3), "reason": "出差"}
    with refused("管理员不得", exc=PermissionDenied):
        org.create_delegation(actor=o.sysadmin, from_person=o.principal, to_person=o.leader_a, **window)
    fresh = org.create_person(actor=o.sysadmin, agency=o.gov, name="新账号", username="fresh_account",
                              password="Xy!12345abc")
    with refused("尚未由安全保密管理员授予岗位"):
        org.create_delegation(actor=o.principal, from_person=o.principal, to_person=fresh, **window)
    with refused("须记录其本人的同意"):
        org.create_delegation(actor=o.director, from_person=o.principal, to_person=o.leader_a, **window)
    with refused("只能为自己设置委托", exc=PermissionDenied):
        org.create_delegation(actor=o.handler_a, from_person=o.principal, to_person=o.leader_a, **window)
    made = org.create_delegation(actor=o.director, from_person=o.principal, to_person=o.leader_a,
                                 consent="本人12月7日电话同意", **window)
    assert (made.arranged_by, made.consent) == (o.director, "本人12月7日电话同意")
    with refused("管理员不得撤销", exc=PermissionDenied):
        org.cancel_delegation(actor=o.sysadmin, delegation=made)


def test_classified_registration_takes_its_own_number_never_the_ordinary_sequence(office):
    o = office
    ppl = people(o)
    first = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于做好冬季供暖工作的通知", doc_type="通知", sender_id=o.province.pk))
    classified = register(o, ppl)
    second = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于做好春运工作的通知", doc_type="通知", sender_id=o.province.pk))
    assert second.registry_seq == first.registry_seq + 1  # no gap where the 密件 was registered
    assert classified.registry_seq is None and classified.registry_number.startswith("密〔")

