"""Edge cases of the engine found while property-testing it."""

from documents.services import IncomingData, register_incoming
from flow import services as flow
from gongwen.errors import Conflict
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
