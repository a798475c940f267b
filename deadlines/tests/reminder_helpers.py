"""Shared helpers of the reminder tests: a document routed to the head of 综合一处 at a
given instant, with the sender's deadline as the due time."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

from deadlines.services import sender_deadline
from flow import services as flow
from flow.models import Task, TaskRole, TaskStatus
from incoming.services import IncomingData, register_incoming

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=9, mm=0, ss=0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI)


def open_task(document, person, role=TaskRole.MAIN) -> Task:
    return Task.objects.get(document=document, assignee=person, status=TaskStatus.OPEN, role=role)


def registered(o, when: datetime, deadline: date | None, kind: str = "close", title="关于报送安全生产检查情况的通知"):
    """A paper document registered by the clerk at ``when`` (the secretary holds 初审)."""
    with time_machine.travel(when, tick=False):
        due = sender_deadline(o.gov, deadline, kind)[0] if deadline else None
        return register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
            title=title, doc_type="通知", sender_id=o.province.pk, sender_deadline=due))


def at_division(o, when: datetime, deadline: date | None, **kw) -> Task:
    """The document routed (at ``when``, the clock frozen) to 综合一处: the head's task."""
    doc = registered(o, when, deadline, **kw)
    with time_machine.travel(when, tick=False):
        flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
        flow.send_on(open_task(doc, o.director).pk, actor=o.director, opinion="拟请周副市长阅示。",
                     next_assignees=[o.leader_a])
        flow.send_on(open_task(doc, o.leader_a).pk, actor=o.leader_a, opinion="请综合一处办理。")
        flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, lead_unit=o.div_a)
        return open_task(doc, o.head_a)
