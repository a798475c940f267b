"""Edge cases of the engine found while property-testing it."""

from flow import services as flow
from flow.models import Task, TaskStatus
from gongwen.errors import Conflict
from incoming.services import IncomingData, register_incoming
from org.services import set_person_active
from tests.factories import person
from tests.helpers import open_task, open_tasks, refused


def registered(o, **extra):
    return register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于做好汛期安全工作的通知", doc_type="通知", sender_id=o.province.pk, **extra))


def to_instruct(o, doc, leaders, mode):
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
    flow.send_on(open_task(doc, o.director).pk, actor=o.director, opinion="拟请领导阅示。", next_assignees=leaders,
                 next_mode=mode)


def test_one_leader_cannot_close_what_all_leaders_were_asked_to_instruct(office):
    o = office
    for mode in ("all", "sequential"):
        doc = registered(o)
        to_instruct(o, doc, [o.leader_a, o.principal], mode)
        first = open_task(doc, o.leader_a)
        with refused("陈市长"):
            flow.complete(first.pk, actor=o.leader_a, opinion="阅存。")
        flow.send_on(first.pk, actor=o.leader_a, opinion="请陈市长阅示。")
        last = open_task(doc, o.principal)
        flow.complete(last.pk, actor=o.principal, opinion="阅存。")
        assert open_tasks(doc) == []


def test_any_mode_leader_may_close_for_all(office):
    o = office
    doc = registered(o)
    to_instruct(o, doc, [o.leader_a, o.principal], "any")
    flow.complete(open_task(doc, o.leader_a).pk, actor=o.leader_a, opinion="阅存。")
    assert open_tasks(doc) == []


def test_acting_twice_on_a_task_says_what_became_of_it(office):
    """The second click on a task already done (or cancelled because a colleague of an
    any-one-acts node was quicker) is a Conflict naming the task's state once."""
    o = office
    doc = registered(o)
    task = open_task(doc, o.secretary)
    flow.send_on(task.pk, actor=o.secretary, opinion="请拟办。")
    with refused("这项待办已办，不能再办理", exc=Conflict) as info:
        flow.send_on(task.pk, actor=o.secretary, opinion="请拟办。")
    assert "已已" not in info.value.message and info.value.status_code == 409


def test_work_never_goes_to_someone_who_left(office):
    """A return, a sequential queue or the 办结 rule naming a person who has left their post
    would leave the document with a holder nobody can act for (漏球)."""
    o = office
    # Returned to 初审, whose secretary has since left: refused, naming her.
    doc = registered(o)
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
    set_person_active(actor=o.sysadmin, person=o.secretary, active=False)
    propose = open_task(doc, o.director)
    with refused("李秘书已离岗"):
        flow.return_task(propose.pk, actor=o.director, to_activation_id=flow.return_targets(propose)[0].pk,
                         reason="请补充。")
    set_person_active(actor=o.sysadmin, person=o.secretary, active=True)
    # The second leader in order left while waiting his turn: the first cannot send it on
    # into the void.
    to_instruct(o, registered(o), [o.leader_a, o.leader_b], "sequential")
    doc = Task.objects.filter(assignee=o.leader_a, status=TaskStatus.OPEN).get().document
    set_person_active(actor=o.sysadmin, person=o.leader_b, active=False)
    with refused("吴副市长已离岗"):
        flow.send_on(open_task(doc, o.leader_a).pk, actor=o.leader_a, opinion="请吴副市长阅示。")


def test_the_clerks_close_what_a_departed_registrar_registered(office):
    o = office
    doc = registered(o)
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
    flow.send_on(open_task(doc, o.director).pk, actor=o.director, opinion="拟请周副市长阅示。", next_assignees=[o.leader_a])
    flow.send_on(open_task(doc, o.leader_a).pk, actor=o.leader_a, opinion="请综合一处办理。")
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, lead_unit=o.div_a)
    other_clerk = person(o.gov, "黄文书", "clerk2", "clerk", unit=o.office_unit)
    set_person_active(actor=o.sysadmin, person=o.clerk, active=False)
    flow.send_on(open_task(doc, o.head_a).pk, actor=o.head_a, opinion="已办理。")
    final = open_task(doc, other_clerk)
    assert final.node_kind == "complete"
    flow.complete(final.pk, actor=other_clerk, opinion="办结。")
