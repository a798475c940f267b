"""Short-hands for the error-book tests (错题本, C14): documents driven through the real
engine to the node where a 退回 or 退文 happens."""

from contextlib import contextmanager

from flow import services as flow
from flow.models import Activation
from incoming.services import IncomingData, register_incoming
from supervision.models import ErrorRecord
from tests.factories import person
from tests.helpers import open_task, refused


def registered(o, title="关于开展安全生产大检查的通知", sender=None):
    """Registered by the clerk; waits at 初审 with the secretary."""
    return register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title=title, doc_type="通知", sender_id=(sender or o.dept).pk))


def activation(doc, key) -> Activation:
    return Activation.objects.filter(process__document=doc, node_key=key).order_by("-seq").first()


def at_propose(o, title="关于报送道路安全整治情况的通知", sender=None):
    doc = registered(o, title, sender)
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
    return doc


def at_handle(o, title="关于做好道路养护工作的通知", sender=None, needs_leader_approval=False):
    doc = at_propose(o, title, sender)
    flow.send_on(open_task(doc, o.director).pk, actor=o.director, opinion="拟请周副市长阅示。",
                 next_assignees=[o.leader_a], needs_leader_approval=needs_leader_approval)
    flow.send_on(open_task(doc, o.leader_a).pk, actor=o.leader_a, opinion="请综合一处办理。")
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, lead_unit=o.div_a)
    return doc


def at_approve(o, title="关于报送道路安全隐患排查情况的函", sender=None):
    """The handler of 综合一处 has drafted the answer; the leader in charge reviews it."""
    doc = at_handle(o, title, sender, needs_leader_approval=True)
    flow.assign_handler(open_task(doc, o.head_a).pk, actor=o.head_a, handler=o.handler_a)
    flow.send_on(open_task(doc, o.handler_a).pk, actor=o.handler_a, opinion="已拟好答复稿，请审定。")
    return doc


def supervisor(o):
    return person(o.gov, "钱督查", "supervisor", "supervisor", unit=o.div_c)


@contextmanager
def refused_nothing_written(match=None, exc=None):
    """``tests.helpers.refused`` plus the error book itself (not in its table list)."""
    before = list(ErrorRecord.objects.order_by("pk").values_list("pk", "category", "description"))
    kwargs = {"exc": exc} if exc else {}
    with refused(match, **kwargs) as info:
        yield info
    assert list(ErrorRecord.objects.order_by("pk").values_list("pk", "category", "description")) == before
