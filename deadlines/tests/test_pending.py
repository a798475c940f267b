"""The year boundary (时限待定): on 31 December with no 2027 schedule entered, nothing at
the door is refused — registration, direct submission, exchange sign-for and 送下一步 go
through and the due times that need 2027 wait, visibly, as 时限待定; the office director
and the system administrator are told once a day and the office's 工作台 shows a red
banner; entering the 2027 notice computes every pending due time, equal to what it would
have been had 2027 been entered from the start (a differential property test: the same
operations in a world with 2027 and in one without it until the end)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from api.tests.helpers import ApiClient
from deadlines import pending
from deadlines import services as deadlines
from deadlines.extensions import services as ext_services
from deadlines.models import CalendarYear, Notification, PendingDueAlert
from deadlines.notice import enter_notice
from deadlines.tasks import scan_deadlines
from deadlines.tests.test_notice import NOTICE_2027
from documents.models import Document
from exchange.tests.builders import send, sign_for, task_of
from flow import services as flow
from flow.models import HistoryAction, HistoryEvent, NodeKind, Task, TaskStatus
from gongwen.errors import DomainError
from incoming.services import IncomingData, register_incoming, submit_direct
from tests.auth import sign_in
from tests.helpers import open_task

SH = ZoneInfo("Asia/Shanghai")
EVE = datetime(2026, 12, 31, 15, 0, tzinfo=SH)  # New Year's Eve, a Thursday afternoon


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def register(o, **kw) -> Document:
    data = {"title": "关于做好元旦春节期间安全生产工作的电报", "doc_type": "电报", "urgency": "平急",
            "sender_id": o.province.pk}
    data.update(kw)
    return register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(**data))


def direct(o, urgency="", title="关于拨付冬季取暖补助资金的请示") -> Document:
    return submit_direct(actor=o.handler_b, agency=o.gov, leader=o.leader_a, data=IncomingData(
        title=title, doc_type="请示", urgency=urgency, sender_name="综合二处"))


def sign_for_task(document) -> Task:
    return Task.objects.get(document=document, node_kind=NodeKind.SIGN_FOR, status=TaskStatus.OPEN)


@pytest.fixture
def eve(office):
    assert not CalendarYear.objects.filter(year=2027).exists(), "the test needs 2027 not entered"
    with time_machine.travel(EVE, tick=False) as traveller:
        yield traveller


def test_nothing_at_the_door_is_refused_and_the_waiting_is_visible(office, eve, client):
    o = office
    # Registration: a telegram's six working days end in 2027.
    telegram = register(o)
    assert (telegram.due_at, telegram.due_pending_year, telegram.due_pending_reason) == (None, 2027, "2027年日历未录入")
    screen = open_task(telegram, o.secretary)
    assert (screen.due_at, screen.due_pending_reason, screen.next_reminder_at) == (None, "2027年日历未录入", None)
    # The sender's own clock deadline needs no calendar and is kept as given; it comes first.
    due, text = deadlines.sender_deadline(o.gov, date(2026, 12, 31), "close")
    capped = register(o, title="关于元旦值班安排的电报", sender_deadline=due, sender_deadline_text=text)
    assert (capped.due_at, capped.due_pending_year) == (at(2026, 12, 31, 18, 0), None)
    assert open_task(capped, o.secretary).due_at == at(2026, 12, 31, 18, 0)
    # A sender's deadline in 2027 on a document without a document-wide rule is exact too.
    later, text = deadlines.sender_deadline(o.gov, date(2027, 1, 6), "noon")
    plain = register(o, title="关于报送年度工作总结的通知", doc_type="通知", urgency="", sender_deadline=later,
                     sender_deadline_text=text)
    assert (plain.due_at, plain.due_pending_year) == (at(2027, 1, 6, 12, 0), None)
    # Direct submission: 8 working hours from 15:00 (3 today) and 4 for 加急 run into 2027;
    # 特急 (30 minutes) ends today, exactly.
    ordinary, urgent, flash = direct(o), direct(o, "加急", "关于紧急抢修供暖管网的请示"), direct(o, "特急", "关于火情处置的请示")
    assert [sign_for_task(d).due_pending_year for d in (ordinary, urgent)] == [2027, 2027]
    assert sign_for_task(flash).due_at == at(2026, 12, 31, 15, 30) and sign_for_task(flash).due_pending_year is None
    # Exchange: the department's sign-for task waits; signing for goes through.
    doc, (inside, _outside) = send(o.gov, o.clerk, main=[o.dept], copy=[o.province], number="示府办函〔2026〕90号",
                                   drafted_by=o.handler_a)
    waiting = task_of(inside.incoming, o.dept_clerk)
    assert (waiting.due_at, waiting.due_pending_year) == (None, 2027)
    sign_for(inside.incoming, o.dept_clerk)
    # 送下一步: the telegram moves on; the next holder's due time waits with the document's.
    flow.send_on(screen.pk, actor=o.secretary, opinion="请拟办。")
    assert open_task(telegram, o.director).due_pending_year == 2027

    # Every surface says so: the document page, the inbox, the exchange box, the overdue list, the API.
    sign_in(client, o.director)
    page = client.get(f"/documents/{telegram.pk}/").content.decode()
    assert page.count("时限待定") >= 2 and "2027年日历未录入" in page
    assert "时限待定" in client.get("/inbox/").content.decode()
    listing = client.get("/deadlines/overdue/?show=pending").content.decode()
    assert "时限待定 " in listing and telegram.title in listing
    api = ApiClient(client)
    body = api.get(o.director, f"/documents/{telegram.pk}").json()
    assert (body["document"]["due_at"], body["document"]["due_pending_reason"]) == (None, "2027年日历未录入")
    holder = next(h for h in body["holders"] if h["assignee"]["id"] == o.director.pk)
    assert (holder["due_at"], holder["due_pending_reason"]) == (None, "2027年日历未录入")
    overdue = api.get(o.director, "/deadlines/overdue", {"show": "pending"}).json()
    assert overdue["pending"] == overdue["total"] >= 3
    assert all(i["due_at"] is None and i["due_pending_reason"] for i in overdue["items"])


def test_loud_until_fixed_once_a_day(office, eve, client):
    o = office
    register(o)
    direct(o)
    assert pending.alert() == 2  # the office director and the system administrator
    assert pending.alert() == 0  # once a day, however often the worker scans
    told = {n.recipient_id: n for n in Notification.objects.filter(title__contains="时限待定")}
    assert set(told) == {o.director.pk, o.sysadmin.pk}
    assert told[o.director.pk].title == "2项待办时限待定：2027年日历未录入"
    assert "/deadlines/admin/calendar/enter/?year=2027" == told[o.sysadmin.pk].url
    eve.move_to(at(2027, 1, 4, 9, 0))
    assert scan_deadlines().endswith("已向2人发出时限待定提醒。")
    assert PendingDueAlert.objects.count() == 4
    # The office's 工作台 shows the red banner; a handler's does not; the administrator's does.
    sign_in(client, o.secretary)
    assert "本机关有2项待办办理时限待定（2027年日历未录入）" in client.get("/").content.decode()
    sign_in(client, o.handler_a)
    assert "pending-banner" not in client.get("/").content.decode()
    sign_in(client, o.sysadmin)
    assert "2项待办办理时限待定（2027年日历未录入）" in client.get("/").content.decode()


def test_entering_the_year_computes_every_pending_due_time_at_once(office, eve):
    o = office
    telegram = register(o)
    submitted = direct(o)
    screen = open_task(telegram, o.secretary)
    eve.move_to(at(2027, 1, 4, 10, 0))
    row = enter_notice(actor=o.sysadmin, text=NOTICE_2027)
    assert row.resolved == 2 and not Task.objects.filter(due_pending_year__isnull=False).exists()
    telegram.refresh_from_db()
    screen.refresh_from_db()
    # Six working days (42 working hours) from 31 December 15:00: 3 that afternoon, none over
    # 元旦 (1–3 January), 35 from Monday 4 to Friday 8 January, the last 4 on Monday 11th.
    assert telegram.due_at == telegram.original_due_at == at(2027, 1, 11, 15, 0) and telegram.due_pending_year is None
    assert screen.due_at == screen.original_due_at == telegram.due_at and screen.next_reminder_at is not None
    # 8 working hours: 15:00–18:00, then five more on 4 January (08:30–12:00, 14:30–16:00).
    assert sign_for_task(submitted).due_at == at(2027, 1, 4, 16, 0)
    events = HistoryEvent.objects.filter(action=HistoryAction.DUE_SET)
    assert events.count() == 2 and "2027年节假日安排已录入" in events.first().opinion
    assert Notification.objects.filter(recipient=o.secretary, title__startswith="办理时限已确定").exists()
    assert Notification.objects.filter(recipient=o.clerk, title__startswith="办理时限已确定").exists()
    assert pending.alert() == 0  # nothing is pending any more: quiet


def test_an_agreed_date_in_a_year_not_entered_stands_as_given(office, eve):
    """An extension agreed with the sender to a date in 2027 is a given date and time, not
    a computed one: accepted, and its reminders get their full schedule once 2027 is in."""
    o = office
    doc = register(o)
    agreed = at(2027, 1, 15, 18, 0)
    ext_services.record_sender_agreement(doc.pk, actor=o.director, new_due_at=agreed, agreed_with="省政府办公厅 王科长")
    doc.refresh_from_db()
    screen = open_task(doc, o.secretary)
    assert (doc.due_at, doc.due_pending_year) == (agreed, None)
    assert (screen.due_at, screen.due_pending_year, screen.next_reminder_at) == (agreed, None, agreed)
    enter_notice(actor=o.sysadmin, text=NOTICE_2027)
    screen.refresh_from_db()
    # Half of the working time from 31 December 15:00 to 15 January 18:00 (3 hours, then ten
    # working days of 7 from 4 January: 73 hours): 36.5 hours in, Friday 8 January 16:30.
    assert screen.next_reminder_at == at(2027, 1, 8, 16, 30)


# --- the property: pending then entered == entered from the start ------------------------------------


@dataclass(frozen=True)
class Story:
    start: datetime
    kind: str
    urgency: str
    deadline: tuple[int, str] | None  # the sender's deadline: so many days after arrival, noon or close
    gaps: tuple[int, ...]  # minutes between the steps after registration


def _steps(o):
    return [
        lambda d: flow.send_on(open_task(d, o.secretary).pk, actor=o.secretary, opinion="请拟办。"),
        lambda d: flow.send_on(open_task(d, o.director).pk, actor=o.director, opinion="拟请阅示。",
                               next_assignees=[o.leader_a]),
        lambda d: flow.send_on(open_task(d, o.leader_a).pk, actor=o.leader_a, opinion="请研办。"),
        lambda d: flow.send_on(open_task(d, o.secretary).pk, actor=o.secretary, opinion="请主办。", lead_unit=o.div_a),
    ]


def _arrive(o, story: Story) -> Document:
    extra = {}
    if story.deadline:
        days, kind = story.deadline
        due, text = deadlines.sender_deadline(o.gov, story.start.date() + timedelta(days=days), kind)
        extra = {"sender_deadline": due, "sender_deadline_text": text}
    if story.kind == "direct":
        return submit_direct(actor=o.handler_b, agency=o.gov, leader=o.leader_a, data=IncomingData(
            title="关于拨付冬季取暖补助资金的请示", doc_type="请示", urgency=story.urgency, sender_name="综合二处",
            **extra))
    telegram = story.kind == "telegram"
    return register(o, doc_type="电报" if telegram else "通知",
                    urgency=(story.urgency or "平急") if telegram else story.urgency,
                    needs_proxy_draft=story.kind == "proxy", **extra)


class _Rollback(Exception):
    pass


def _attempt(result: list, action) -> bool:
    """Run one operation; a refusal (a deadline before arrival, 加急 without a deadline at
    a gate) is part of the story, recorded, and must be the same in both worlds."""
    try:
        with transaction.atomic():
            action()
    except DomainError as exc:
        result.append(("refused", exc.message))
        return False
    return True


def _world(o, story: Story, *, year_first: bool) -> tuple[list[tuple], int]:
    """Play the story and return every due time it produced, and how many were pending
    before the year was entered; nothing stays written."""
    result: list[tuple] = []
    made: list[Document] = []
    waited = 0
    try:
        with transaction.atomic():
            if year_first:
                with time_machine.travel(story.start - timedelta(days=30), tick=False):
                    enter_notice(actor=o.sysadmin, text=NOTICE_2027)
            when = story.start
            with time_machine.travel(when, tick=False) as clock:
                if _attempt(result, lambda: made.append(_arrive(o, story))) and story.kind != "direct":
                    for gap, step in zip(story.gaps, _steps(o), strict=False):
                        when += timedelta(minutes=gap)
                        clock.move_to(when)
                        if not _attempt(result, lambda step=step: step(made[0])):
                            break
                if not year_first:
                    waited = (Task.objects.filter(document__in=made, due_pending_year__isnull=False).count()
                              + Document.objects.filter(pk__in=[d.pk for d in made], due_pending_year__isnull=False).count())
                    clock.move_to(when + timedelta(hours=1))
                    enter_notice(actor=o.sysadmin, text=NOTICE_2027)
            for doc in made:
                doc.refresh_from_db()
                result.append(("document", doc.due_at, doc.original_due_at, doc.due_pending_year))
                for t in Task.objects.filter(document=doc).order_by("pk"):
                    result.append((t.node_kind, t.role, t.assignee_id, t.status, t.due_at, t.original_due_at,
                                   t.due_pending_year, t.next_reminder_at if t.status == TaskStatus.OPEN else None))
            raise _Rollback
    except _Rollback:
        pass
    deadlines.clear_cache()
    return result, waited


stories = st.builds(
    Story,
    # Arrival within the last ten days of 2026, counted back from the year's end.
    start=st.integers(1, 10 * 24 * 60).map(lambda m: at(2027, 1, 1, 0, 0) - timedelta(minutes=m)),
    kind=st.sampled_from(["telegram", "proxy", "plain", "direct"]),
    urgency=st.sampled_from(["", "加急", "特急"]),
    deadline=st.none() | st.tuples(st.integers(0, 20), st.sampled_from(["noon", "close"])),
    gaps=st.lists(st.integers(0, 6 * 24 * 60), max_size=4).map(tuple),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(story=stories)
def test_a_pending_due_time_is_what_it_would_have_been_with_the_year_known(office, story):
    assert not CalendarYear.objects.filter(year=2027).exists()
    without, waited = _world(office, story, year_first=False)
    event("pending before 2027 was entered" if waited else "nothing pending")
    with_year, none_waited = _world(office, story, year_first=True)
    assert without == with_year
    # Nothing is pending once 2027 is in: neither the document nor any task.
    assert none_waited == 0 and all(r[3] is None for r in without if r[0] == "document")
    assert all(r[6] is None for r in without if len(r) == 8)


def test_new_years_eve_itself_in_both_worlds(office):
    """The issue's own case: every way in on 31 December 15:00 and on through New Year,
    pending in the world without 2027, equal in both once it is entered."""
    for kind, waits in (("telegram", 2), ("proxy", 1), ("direct", 1)):
        story = Story(EVE, kind, "", None, (5, 60, 24 * 60, 30))
        without, waited = _world(office, story, year_first=False)
        assert without == _world(office, story, year_first=True)[0]
        assert waited >= waits, (kind, waited)
