"""C08 — Telegram time limits (电报办理时限).

Expected: 特提 telegrams are handled at once, 特急 within 2 days, others within 6 days at
most; where the government must issue a document in response, the lead department's
proxy draft (代拟稿) is due within one working day of receipt.

How the system reads it (RULES.md §6, all limits in working time, shipped as
``deadlines.defaults``): a telegram's *document* due time is its urgency's limit counted
from receipt (特提: 60 working minutes, "随到随办"; 特急: 2 working days; 加急 and 平急: 6
working days), or the sender's deadline when that is earlier. Each task's due time is the
earlier of its node's limit and the document's due time. A document that needs a proxy
draft (``needs_proxy_draft``) gives its 承办 node one working day from the moment it
reaches the lead unit (the assisting units' tasks at that node too).

No original dates exist for this case (it is a rule offices set themselves): it is
replayed on an ordinary week (Monday 9 March 2026) and moved to the eve of the 2026
National Day break (Wednesday 30 September; off 1–7 October, make-up Saturday 10 October)
and of the Spring Festival break (Friday 13 February; make-up Saturday 14 February, off
15–23 February, make-up Saturday 28 February). The expected instants are worked out by
hand below, not by the calendar under test.
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from deadlines.services import document_due, sender_deadline
from flow import services as flow
from flow.models import NodeKind, Task, TaskRole, TaskStatus
from incoming.services import IncomingData, register_incoming
from tests.helpers import open_task

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=9, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


@dataclass(frozen=True)
class Timeline:
    arrive: datetime        # a telegram arrives (16:30 of a working day)
    arrive_late: datetime   # a 特提 telegram arrives half an hour before the end of the day
    at_once: datetime       # 特提: 60 working minutes after ``arrive``
    at_once_late: datetime  # … after ``arrive_late``: half an hour that day, half the next working day
    two_days: datetime      # 特急: 2 working days after ``arrive``
    six_days: datetime      # others: 6 working days after ``arrive``
    reach: datetime         # the proxy-draft document reaches the lead unit
    proxy_due: datetime     # one working day after ``reach``
    sender_day: date        # a sender's deadline earlier than six working days (上午下班前)


TIMELINES = {
    "ordinary": Timeline(
        arrive=at(2026, 3, 9, 16, 30), arrive_late=at(2026, 3, 9, 17, 30),
        at_once=at(2026, 3, 9, 17, 30), at_once_late=at(2026, 3, 10, 9, 0),
        two_days=at(2026, 3, 11, 16, 30),
        six_days=at(2026, 3, 17, 16, 30),  # 10, 11, 12, 13, 16, 17 March
        reach=at(2026, 3, 9, 17, 0), proxy_due=at(2026, 3, 10, 17, 0), sender_day=date(2026, 3, 11)),
    "national_day": Timeline(
        arrive=at(2026, 9, 30, 16, 30), arrive_late=at(2026, 9, 30, 17, 30),
        at_once=at(2026, 9, 30, 17, 30), at_once_late=at(2026, 10, 8, 9, 0),
        two_days=at(2026, 10, 9, 16, 30),   # 8 and 9 October
        six_days=at(2026, 10, 14, 16, 30),  # 8, 9, 10 (make-up Saturday), 12, 13, 14 October
        reach=at(2026, 9, 30, 17, 0), proxy_due=at(2026, 10, 8, 17, 0), sender_day=date(2026, 10, 9)),
    "spring_festival": Timeline(
        arrive=at(2026, 2, 13, 16, 30), arrive_late=at(2026, 2, 13, 17, 30),
        at_once=at(2026, 2, 13, 17, 30), at_once_late=at(2026, 2, 14, 9, 0),  # the make-up Saturday
        two_days=at(2026, 2, 24, 16, 30),   # 14 (make-up Saturday) and 24 February
        six_days=at(2026, 2, 28, 16, 30),   # 14, 24, 25, 26, 27, 28 (make-up Saturday) February
        reach=at(2026, 2, 14, 17, 0), proxy_due=at(2026, 2, 24, 17, 0), sender_day=date(2026, 2, 24)),
}


@pytest.fixture(params=list(TIMELINES), ids=list(TIMELINES))
def timeline(request) -> Timeline:
    return TIMELINES[request.param]


def telegram(o, urgency: str, *, deadline: datetime | None = None, deadline_text: str = "", proxy=False,
             title="关于做好防汛工作的电报"):
    return register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title=title, doc_type="电报", urgency=urgency, sender_id=o.province.pk, slip_kind="relay",
        sender_deadline=deadline, sender_deadline_text=deadline_text, needs_proxy_draft=proxy))


def far_deadline(day_after: datetime) -> tuple[datetime, str]:
    """A sender's deadline later than every rule: the end of the next month's 20th."""
    nxt = date(day_after.year + (day_after.month == 12), day_after.month % 12 + 1, 20)
    return at(nxt.year, nxt.month, nxt.day, 18, 0), f"{nxt.month}月{nxt.day}日下班前"


def test_telegram_due_times_by_urgency(office, timeline):
    o = office
    with time_machine.travel(timeline.arrive, tick=False) as clock:
        far, far_text = far_deadline(timeline.arrive)
        expected = {"特提": (timeline.at_once, "特提电报（随到随办）"),
                    "特急": (timeline.two_days, "特急电报（2日内办结）"),
                    "加急": (timeline.six_days, "电报（6日内办结）"),
                    "平急": (timeline.six_days, "电报（6日内办结）")}
        for urgency, (due, rule) in expected.items():
            doc = telegram(o, urgency, deadline=far, deadline_text=far_text)
            doc.refresh_from_db()
            assert doc.due_at == doc.original_due_at == due, urgency
            assert document_due(doc).source == rule
            # The first task's limit is the document's (初审 has no limit of its own).
            assert open_task(doc, o.secretary).due_at == due
        # Without a sender's deadline (平急 need not carry one) the rule still applies.
        assert telegram(o, "平急").due_at == timeline.six_days
        # 特提 arriving half an hour before the end of the day: the other half hour is the
        # next working day's first (a make-up Saturday where there is one).
        clock.move_to(timeline.arrive_late)
        late = telegram(o, "特提", deadline=far, deadline_text=far_text)
        assert late.due_at == timeline.at_once_late


def test_sender_deadline_earlier_than_the_rule_wins(office, timeline):
    o = office
    with time_machine.travel(timeline.arrive, tick=False):
        due, text = sender_deadline(o.gov, timeline.sender_day, "noon")
        doc = telegram(o, "平急", deadline=due, deadline_text=text)
        assert doc.due_at == at(timeline.sender_day.year, timeline.sender_day.month, timeline.sender_day.day, 12, 0)
        assert document_due(doc).source == f"来文要求：{text}"
        assert doc.due_at < timeline.six_days
        # A 特提 telegram's rule is earlier than any sender's deadline of a later day.
        doc = telegram(o, "特提", deadline=due, deadline_text=text)
        assert doc.due_at == timeline.at_once


def walk_to_distribution(o, doc):
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
    flow.send_on(open_task(doc, o.director).pk, actor=o.director, opinion="拟请周副市长阅示，请综合一处代拟稿。",
                 next_assignees=[o.leader_a], needs_reply=True)
    flow.send_on(open_task(doc, o.leader_a).pk, actor=o.leader_a, opinion="请综合一处抓紧代拟。")


def test_proxy_draft_due_one_working_day_after_it_reaches_the_lead_unit(office, timeline):
    o = office
    with time_machine.travel(timeline.arrive, tick=False) as clock:
        far, far_text = far_deadline(timeline.arrive)
        doc = telegram(o, "平急", deadline=far, deadline_text=far_text, proxy=True,
                       title="关于请代拟贯彻落实意见的电报")
        assert doc.due_at == timeline.six_days
        walk_to_distribution(o, doc)
        # Before the lead unit, every task carries the document's due time.
        for task in Task.objects.filter(document=doc, node_kind__in=(
                NodeKind.SCREEN, NodeKind.PROPOSE, NodeKind.INSTRUCT)):
            assert task.due_at == timeline.six_days, task.node_name
        clock.move_to(timeline.reach)
        distribute = Task.objects.get(document=doc, node_kind=NodeKind.DISTRIBUTE, status=TaskStatus.OPEN)
        assert distribute.due_at == timeline.six_days
        flow.send_on(distribute.pk, actor=o.secretary, lead_unit=o.div_a, assist_units=[o.div_b])
        handle = open_task(doc, o.head_a)
        assist = open_task(doc, o.head_b, TaskRole.ASSIST)
        assert handle.created_at == timeline.reach
        assert handle.due_at == handle.original_due_at == timeline.proxy_due
        assert assist.due_at == timeline.proxy_due
        # The handler the head names inherits the head's due time.
        flow.assign_handler(handle.pk, actor=o.head_a, handler=o.handler_a)
        assert open_task(doc, o.handler_a).due_at == timeline.proxy_due


def test_proxy_draft_of_an_urgent_telegram_takes_the_earlier_time(office, timeline):
    o = office
    with time_machine.travel(timeline.arrive, tick=False) as clock:
        far, far_text = far_deadline(timeline.arrive)
        # 特提 with a proxy draft: "at once" is earlier than one working day.
        doc = telegram(o, "特提", deadline=far, deadline_text=far_text, proxy=True)
        flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
        flow.send_on(open_task(doc, o.director).pk, actor=o.director, opinion="拟请周副市长阅示。",
                     next_assignees=[o.leader_a])
        flow.send_on(open_task(doc, o.leader_a).pk, actor=o.leader_a, opinion="请综合一处立即代拟。")
        clock.move_to(timeline.reach)
        flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, lead_unit=o.div_a)
        assert open_task(doc, o.head_a).due_at == timeline.at_once
        # An ordinary document (not a telegram) that needs a proxy draft: the node's day.
        clock.move_to(timeline.arrive)
        letter = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
            title="关于征求贯彻意见的函", doc_type="函", sender_id=o.dept.pk, needs_proxy_draft=True))
        assert letter.due_at is None
        flow.send_on(open_task(letter, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
        flow.send_on(open_task(letter, o.director).pk, actor=o.director, opinion="拟请周副市长阅示。",
                     next_assignees=[o.leader_a])
        flow.send_on(open_task(letter, o.leader_a).pk, actor=o.leader_a, opinion="请综合一处代拟。")
        clock.move_to(timeline.reach)
        flow.send_on(open_task(letter, o.secretary).pk, actor=o.secretary, lead_unit=o.div_a)
        assert open_task(letter, o.head_a).due_at == timeline.proxy_due
