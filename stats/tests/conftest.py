"""A month of work in the test office, driven through the services at fixed instants
(March 2026, an ordinary month), for the statistics tests."""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from deadlines.extensions.services import record_sender_agreement
from flow import services as flow
from incoming.services import IncomingData, register_incoming, submit_direct
from tests.factories import person
from tests.helpers import open_task

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=9, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@dataclass
class Month:
    office: object
    traveller: object
    supervisor: object
    docs: dict = field(default_factory=dict)

    def move(self, moment: datetime) -> None:
        self.traveller.move_to(moment)


def route_to_unit(o, doc, unit, leader):
    """初审 → 拟办 → 领导批示 → 分办 to ``unit``: the unit head holds 承办."""
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
    flow.send_on(open_task(doc, o.director).pk, actor=o.director, opinion="拟请阅示。", next_assignees=[leader])
    flow.send_on(open_task(doc, leader).pk, actor=leader, opinion="请研办。")
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请主办。", lead_unit=unit)


def register(o, title, deadline=None, text="", urgency=""):
    return register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title=title, doc_type="通知", sender_id=o.dept.pk, urgency=urgency, sender_deadline=deadline,
        sender_deadline_text=text))


@pytest.fixture
def march(office):
    """Five documents of March 2026 in the city government office:
    on_time   综合一处, finished well before its deadline (handled by the head);
    late      综合二处, finished after its deadline (and after an extension too);
    extended  综合一处, finished after its original deadline but within the extended one
              (assigned to a handler first: the head's task is not counted twice);
    open      综合一处, still at 承办 at the end of the month, past its deadline;
    direct    a direct submission never signed for (超时未签收);
    signed_late  a direct submission signed for after its sign-for due time.
    """
    o = office
    traveller = time_machine.travel(at(2026, 3, 2, 9, 0), tick=False)
    t = traveller.start()
    m = Month(office=o, traveller=t, supervisor=person(o.gov, "何督查", "supervisor", "supervisor", unit=o.div_c))
    try:
        m.docs["on_time"] = register(o, "关于报送一季度安全生产检查情况的通知", at(2026, 3, 6, 18, 0), "3月6日下班前")
        m.docs["late"] = register(o, "关于征求城市更新条例修改意见的函", at(2026, 3, 5, 12, 0), "3月5日上午下班前")
        m.docs["extended"] = register(o, "关于开展营商环境评价的通知", at(2026, 3, 10, 18, 0), "3月10日下班前")
        m.move(at(2026, 3, 2, 10, 0))
        route_to_unit(o, m.docs["on_time"], o.div_a, o.leader_a)
        route_to_unit(o, m.docs["late"], o.div_b, o.leader_b)
        m.move(at(2026, 3, 2, 15, 0))
        route_to_unit(o, m.docs["extended"], o.div_a, o.leader_a)
        flow.assign_handler(open_task(m.docs["extended"], o.head_a).pk, actor=o.head_a, handler=o.handler_a,
                            note="请孙科员承办。")
        m.move(at(2026, 3, 3, 11, 0))
        flow.complete(open_task(m.docs["on_time"], o.head_a).pk, actor=o.head_a, opinion="已报送。")
        # The senders agreed later dates: "extended" until 3月13日 (it will be done within
        # it), "late" until 3月9日 (it will still be late). Original due times stay.
        record_sender_agreement(m.docs["extended"].pk, actor=o.director, new_due_at=at(2026, 3, 13, 18, 0),
                                agreed_with="市交通局办公室张科长")
        record_sender_agreement(m.docs["late"].pk, actor=o.director, new_due_at=at(2026, 3, 9, 18, 0),
                                agreed_with="市交通局办公室张科长")
        m.move(at(2026, 3, 9, 9, 30))
        m.docs["open"] = register(o, "关于做好春季森林防火工作的通知", at(2026, 3, 20, 18, 0), "3月20日下班前")
        m.move(at(2026, 3, 9, 10, 0))
        route_to_unit(o, m.docs["open"], o.div_a, o.leader_a)
        m.move(at(2026, 3, 12, 16, 0))
        flow.complete(open_task(m.docs["late"], o.head_b).pk, actor=o.head_b, opinion="已函复。")
        flow.complete(open_task(m.docs["extended"], o.handler_a).pk, actor=o.handler_a, opinion="已报送。")
        m.move(at(2026, 3, 16, 16, 0))
        m.docs["direct"] = submit_direct(actor=o.head_b, agency=o.gov, leader=o.principal, data=IncomingData(
            title="关于申请增加综合二处编制的请示", doc_type="请示", urgency="加急"))
        m.move(at(2026, 3, 20, 10, 0))
        m.docs["signed_late"] = submit_direct(actor=o.head_a, agency=o.gov, leader=o.leader_a, data=IncomingData(
            title="关于综合一处办公用房调整的请示", doc_type="请示"))
        m.move(at(2026, 3, 23, 15, 0))
        flow.send_on(open_task(m.docs["signed_late"], o.clerk).pk, actor=o.clerk, opinion="已签收。")
        yield m
    finally:
        traveller.stop()
