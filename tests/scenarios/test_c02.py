"""C02 — A reply due Tuesday morning, answered a week late (逾期办结).

Friday evening, after working hours, the provincial government office forwards a
document asking for rectification measures, due "3月8日上午下班前" (Tuesday, the end of
the morning period). The office proposes handling the same evening and names seven
divisions (one lead, six assisting); over the weekend the leader in charge and the
divisions read it; Monday 08:00 it reaches the lead division. On the due date the lead
division agrees a delay with the sender (recorded with who agreed and the new date; or,
in the variant, flagged "no new date agreed"); the assisting divisions revise their input
for a week; the final reply goes out eight days after the due date.

Replayed through the services with a frozen clock, on three timelines:

- ``original_2016``: the case's own dates, Friday 4 March 2016 19:30, due Tuesday 8 March
  12:00, the new date agreed Friday 11 March, the reply Wednesday 16 March 10:00 (eight
  calendar days after the due date).
- ``national_day_2026``: the "weekend" is the National Day break. The document arrives on
  the evening of Wednesday 30 September (the last working day before the break); the
  leader and the divisions read it on 1 and 3 October; it reaches the lead division on
  Thursday 8 October 08:00, the first working day back, and is due "10月9日上午下班前"
  (the second working day, as Tuesday is after a weekend). The revising week includes
  the make-up Saturday 10 October; the new date is Tuesday 13 October; the reply goes out
  on Friday 16 October.
- ``spring_festival_2026``: the "weekend" is the Spring Festival break. The document
  arrives on the evening of Saturday 14 February, a make-up workday and the last working
  day before the break (15–23 February); it is read on 16 and 21 February, reaches the
  lead division Tuesday 24 February 08:00 and is due "2月25日上午下班前". The new date
  agreed is the make-up Saturday 28 February; the reply goes out Wednesday 4 March.

How the case was moved: every step keeps its place in *working* days. The due time is
the end of the morning of the second working day after arrival; the new date is the end
of the third working day after the due day; the assisting divisions answer on the first
to fifth working days after it; the reply goes out at 10:00 on the sixth working day
after the due day (eight calendar days in 2016, seven in the moved timelines: a reply on
a Saturday that is not a make-up workday would not keep the story's shape). So the
working-time figures are the same on every timeline and the calendar-day ones differ.

The monthly report (per division, documents finished late) is asserted with
``deadlines.lateness.monthly_late_by_unit`` and with the monthly statistics
(``stats.services.compute_month``): the lead division finished eight documents late in
the month of the reply (this one and seven others), as one division had in the original
month.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from deadlines import lateness, reminders
from deadlines.extensions import services as extensions
from deadlines.models import Extension, Reminder, ReminderKind
from deadlines.services import calendar_for, sender_deadline
from documents.models import Status
from flow import services as flow
from flow.models import HistoryAction, HistoryEvent, NodeKind, TaskRole
from incoming.services import IncomingData, register_incoming
from org.models import Post, PostKind, Unit
from stats.models import UnitMonthStat
from stats.services import compute_month
from tests.factories import person
from tests.helpers import open_task

SH = ZoneInfo("Asia/Shanghai")
K = ReminderKind


def at(y, m, d, hh=9, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


@dataclass(frozen=True)
class Story:
    arrive: datetime          # after hours, the last working day before the days off
    read_1: datetime          # a day off: the leader instructs, four divisions read
    read_2: datetime          # another day off: three divisions read
    reach: datetime           # 08:00 of the first working day: distributed to the lead division
    due_day: date             # "X月X日上午下班前"
    due_text: str
    agreed_day: date          # the new date the sender agreed (下班前)
    revisions: tuple[datetime, ...]  # the six assisting divisions answer
    reply: datetime           # the reply goes out; the document is closed
    late_days: int            # calendar days late against the original due time
    late_days_extended: int   # … against the agreed new date


def _t(day: date, hh: int, mm: int = 0) -> datetime:
    return at(day.year, day.month, day.day, hh, mm)


def _story(arrive, read_1, read_2, reach, due_day, due_text, after_due: list[date], late_days, late_days_extended):
    """``after_due``: the first six working days after the due day."""
    d1, d2, d3, d4, d5, d6 = after_due
    revisions = (_t(d1, 10), _t(d2, 10), _t(d3, 10), _t(d4, 10), _t(d5, 10), _t(d5, 16))
    return Story(arrive, read_1, read_2, reach, due_day, due_text, d3, revisions, _t(d6, 10), late_days,
                 late_days_extended)


STORIES = {
    "original_2016": _story(
        at(2016, 3, 4, 19, 30), at(2016, 3, 5, 10), at(2016, 3, 6, 15), at(2016, 3, 7, 8, 0), date(2016, 3, 8),
        "3月8日上午下班前",
        [date(2016, 3, 9), date(2016, 3, 10), date(2016, 3, 11), date(2016, 3, 14), date(2016, 3, 15),
         date(2016, 3, 16)], late_days=8, late_days_extended=5),
    "national_day_2026": _story(
        at(2026, 9, 30, 19, 30), at(2026, 10, 1, 10), at(2026, 10, 3, 15), at(2026, 10, 8, 8, 0), date(2026, 10, 9),
        "10月9日上午下班前",
        [date(2026, 10, 10), date(2026, 10, 12), date(2026, 10, 13), date(2026, 10, 14), date(2026, 10, 15),
         date(2026, 10, 16)], late_days=7, late_days_extended=3),
    "spring_festival_2026": _story(
        at(2026, 2, 14, 19, 30), at(2026, 2, 16, 10), at(2026, 2, 21, 15), at(2026, 2, 24, 8, 0), date(2026, 2, 25),
        "2月25日上午下班前",
        [date(2026, 2, 26), date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 2), date(2026, 3, 3),
         date(2026, 3, 4)], late_days=7, late_days_extended=4),
}


@pytest.fixture
def divisions(office):
    """Seven divisions: the lead (综合一处) and six assisting, each with a head; the test
    office has three, four more are added here. Leaders in charge of each."""
    o = office
    extra = []
    for i, name in enumerate(["法制处", "财金处", "城建处", "农业处"]):
        unit = Unit.objects.create(agency=o.gov, name=name, sort_order=10 + i)
        head = person(o.gov, f"{name[0]}处长", f"head_{i}", "division_head", unit=unit)
        leader = o.leader_a if i % 2 == 0 else o.leader_b
        Post.objects.get(person=leader, kind=PostKind.LEADER_IN_CHARGE).units_in_charge.add(unit)
        extra.append((unit, head))
    lead = (o.div_a, o.head_a)
    assisting = [(o.div_b, o.head_b), (o.div_c, o.head_c), *extra]
    return lead, assisting


def scan(traveller, when: datetime) -> int:
    traveller.move_to(when)
    return reminders.scan(timezone.now())


def _late_documents_for_the_month(o, story: Story, traveller) -> None:
    """Seven more documents the lead division finished late in the reply's month, and one
    another division finished on time: the monthly report's material."""
    traveller.move_to(story.reply)
    for i in range(8):
        lead_unit, late = (o.div_a, True) if i < 7 else (o.div_b, False)
        deadline = story.reply + (timedelta(days=-1) if late else timedelta(days=1))
        doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
            title=f"关于报送第{i + 1}季度工作情况的通知", doc_type="通知", sender_id=o.province.pk, slip_kind="relay",
            received_at=story.reply - timedelta(days=2), sender_deadline=deadline, sender_deadline_text="限时报送"))
        flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
        flow.send_on(open_task(doc, o.director).pk, actor=o.director, opinion="拟请周副市长阅示。",
                     next_assignees=[o.leader_a])
        flow.send_on(open_task(doc, o.leader_a).pk, actor=o.leader_a, opinion="请办理。")
        flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, lead_unit=lead_unit)
        head = o.head_a if late else o.head_b
        flow.complete(open_task(doc, head).pk, actor=head, opinion="已办理。")


@pytest.mark.parametrize("agreed", [True, False], ids=["new_date_agreed", "no_new_date_agreed"])
@pytest.mark.parametrize("timeline", list(STORIES))
def test_c02_reply_answered_a_week_late(office, divisions, timeline, agreed):
    o = office
    story = STORIES[timeline]
    (lead_unit, lead_head), assisting = divisions
    heads = [lead_head] + [h for _, h in assisting]
    calendar = calendar_for(o.gov)

    with time_machine.travel(story.arrive, tick=False) as traveller:
        # --- Friday evening, after hours: registered with the sender's wording ----------------
        due, text = sender_deadline(o.gov, story.due_day, "noon")
        assert text == story.due_text
        doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
            title="关于报送突出问题整改措施的通知", doc_type="通知", sender_id=o.province.pk, slip_kind="relay",
            doc_number="示省政办〔2016〕8号", sender_deadline=due, sender_deadline_text=text))
        doc.refresh_from_db()
        # The due time is the end of the due day's morning period (12:00 with 08:30–12:00),
        # 10.5 working hours after arrival: the whole first working day and a morning.
        assert doc.due_at == doc.original_due_at == _t(story.due_day, 12, 0)
        assert not calendar.is_working_instant(doc.received_at)
        assert calendar.working_minutes_between(doc.received_at, doc.due_at) == 10.5 * 60
        assert open_task(doc, o.secretary).due_at == doc.due_at
        assert scan(traveller, story.arrive) == 0

        # --- the same evening: the office proposes handling and names seven divisions --------
        traveller.move_to(story.arrive + timedelta(minutes=30))
        flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
        names = "、".join(u.name for u, _ in assisting)
        flow.send_on(open_task(doc, o.director).pk, actor=o.director, next_assignees=[o.leader_a], needs_reply=True,
                     opinion=f"拟请周副市长阅示，请{lead_unit.name}牵头，{names}协办，于{text}报省政府办公厅。")
        flow.circulate(doc.pk, actor=o.clerk, readers=heads, note="请各处提前阅知，做好准备。")

        # --- over the days off: the leader in charge and the divisions read it -----------------
        traveller.move_to(story.read_1)
        flow.send_on(open_task(doc, o.leader_a).pk, actor=o.leader_a,
                     opinion=f"请{lead_unit.name}牵头抓紧办理，按时报送。")
        for head in heads[:4]:
            flow.read_back(open_task(doc, head, TaskRole.CIRCULATE).pk, actor=head, opinion="已阅。")
        traveller.move_to(story.read_2)
        for head in heads[4:]:
            flow.read_back(open_task(doc, head, TaskRole.CIRCULATE).pk, actor=head, opinion="已阅。")
        assert scan(traveller, story.read_2) == 0  # nothing is due on days off

        # --- 08:00 of the first working day: it reaches the lead division ------------------------
        traveller.move_to(story.reach)
        flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, lead_unit=lead_unit,
                     assist_units=[u for u, _ in assisting])
        handle = open_task(doc, lead_head)
        assert handle.node_kind == NodeKind.HANDLE and handle.due_at == doc.due_at
        assist_tasks = {h.pk: open_task(doc, h, TaskRole.ASSIST) for _, h in assisting}
        assert all(t.due_at == doc.due_at for t in assist_tasks.values())

        # Half of the allowed time (10.5 working hours from 08:30) passes at 16:15: every
        # division holding it is reminded, before the due time.
        assert scan(traveller, _t(story.reach.date(), 16, 10)) == 0
        assert scan(traveller, _t(story.reach.date(), 16, 20)) == 7
        half = Reminder.objects.filter(document=doc, kind=K.HALF)
        assert {r.recipient for r in half} == set(heads)
        assert all(r.sent_at < doc.original_due_at for r in half)

        # --- the due date: the lead division agrees a delay with the sender ----------------------
        traveller.move_to(_t(story.due_day, 10, 0))
        request = extensions.request_extension(
            handle.pk, actor=lead_head, new_due_at=_t(story.agreed_day, 18, 0),
            reason="整改措施涉及七个处室，需逐项核实；已电话与省政府办公厅督查室商量延期。")
        traveller.move_to(_t(story.due_day, 10, 30))
        if agreed:
            record = extensions.record_sender_agreement(
                doc.pk, actor=o.director, new_due_at=_t(story.agreed_day, 18, 0),
                agreed_with="省政府办公厅督查室 刘处长", note="电话商定，延至新时限前报送。")
        else:
            record = extensions.record_sender_agreement(
                doc.pk, actor=o.director, new_due_at=None, agreed_with="省政府办公厅督查室 刘处长",
                note="对方同意适当延后，但未明确新的时限。")
        assert record.pk == request.pk and record.requested_by == lead_head and record.decided_by == o.director
        assert record.agreed_with == "省政府办公厅督查室 刘处长"
        doc.refresh_from_db()
        handle.refresh_from_db()
        assert doc.original_due_at == handle.original_due_at == _t(story.due_day, 12, 0)
        flag = lateness.sender_flag(doc)
        if agreed:
            assert record.state == Extension.State.SENDER_AGREED and record.new_due_at == _t(story.agreed_day, 18, 0)
            assert doc.due_at == handle.due_at == _t(story.agreed_day, 18, 0)
            assert all(open_task(doc, h, TaskRole.ASSIST).due_at == doc.due_at for _, h in assisting)
            assert flag.state == Extension.State.SENDER_AGREED
        else:
            assert record.state == Extension.State.NO_DATE and record.new_due_at is None
            assert doc.due_at == handle.due_at == _t(story.due_day, 12, 0)
            assert flag.state == Extension.State.NO_DATE  # flagged 未商定新时限
        event = HistoryEvent.objects.filter(document=doc, action=HistoryAction.EXTEND).last()
        assert "刘处长" in event.opinion and ("未商定新时限" in event.opinion) != agreed

        # One working hour before the due time: reminded if it still stands.
        sent = scan(traveller, _t(story.due_day, 11, 5))
        assert sent == (0 if agreed else 7)
        scan(traveller, _t(story.due_day, 12, 5))
        if not agreed:
            assert {r.recipient for r in Reminder.objects.filter(document=doc, kind=K.BEFORE)} == set(heads)
            assert {r.recipient for r in Reminder.objects.filter(document=doc, kind=K.DUE)} == set(heads)

        # --- the assisting divisions revise their input for a week ------------------------------
        # The worker runs through the week, also one working hour before the new date's end.
        checks = [_t(story.agreed_day, 17, 5), _t(story.agreed_day, 18, 5)]
        for (_unit, head), when in zip(assisting, story.revisions, strict=True):
            for check in [c for c in checks if c < when]:
                scan(traveller, check)
                checks.remove(check)
            scan(traveller, when - timedelta(minutes=5))
            traveller.move_to(when)
            flow.send_on(assist_tasks[head.pk].pk, actor=head, opinion=f"{_unit.name}修改意见已反馈。")
        if agreed:
            # One working hour before the new date, whoever still held it was reminded.
            before = Reminder.objects.filter(document=doc, kind=K.BEFORE)
            assert before and all(r.due_at == doc.due_at and r.sent_at < r.due_at for r in before)
            assert lead_head in {r.recipient for r in before}

        # --- the final reply goes out -------------------------------------------------------------
        scan(traveller, story.reply - timedelta(minutes=5))
        traveller.move_to(story.reply)
        flow.send_on(handle.pk, actor=lead_head, opinion="整改措施已汇总，拟报省政府办公厅。")
        flow.send_on(open_task(doc, lead_head).pk, actor=lead_head,
                     reply_text="已以示府办函〔2016〕15号报送省政府办公厅。")
        flow.complete(open_task(doc, o.clerk).pk, actor=o.clerk, opinion="办结。")
        doc.refresh_from_db()
        assert doc.status == Status.COMPLETED and doc.closed_at == story.reply

        # --- every reminder before a due time went to whoever held it then ----------------------
        for r in Reminder.objects.filter(document=doc, kind__in=(K.HALF, K.BEFORE)).select_related("task"):
            assert r.recipient_id == r.task.assignee_id and r.sent_at < r.due_at
            assert r.task.created_at <= r.sent_at and (r.task.done_at is None or r.task.done_at > r.sent_at)
        if not agreed:  # overdue: the leaders in charge of the late divisions were told
            escalated = {r.recipient for r in Reminder.objects.filter(document=doc, kind=K.ESCALATE_LEADER)}
            assert o.leader_a in escalated

        # --- every holder and how long each held it ---------------------------------------------
        rows = lateness.holders(doc)
        held = {(r.assignee.name, r.node_name, r.task.role): r for r in rows}
        for who, node in (("李秘书", "初审"), ("赵主任", "拟办"), ("周副市长", "领导批示"), ("李秘书", "分办")):
            row = held[(who, node, TaskRole.MAIN)]
            assert row.working_minutes == 0 and not row.late, (who, node)  # all on days off or after hours
        for head in heads:
            assert held[(head.name, "传阅", TaskRole.CIRCULATE)].working_minutes == 0
        lead_row = held[(lead_head.name, "承办", TaskRole.MAIN)]
        # Seven whole working days (reach day, due day and five more) and 08:30–10:00.
        assert lead_row.working_minutes == (7 * 7 + 1.5) * 60 and lead_row.held_label == "7个工作日1小时30分钟"
        assert lead_row.late and lead_row.late_original
        assert lead_row.unit == lead_unit and lead_row.received_at == story.reach
        # Assisting divisions: answered on the 1st..5th working day after the due day.
        for k, (unit, head) in enumerate(assisting):
            row = held[(head.name, "承办", TaskRole.ASSIST)]
            days = 2 + min(k, 4)
            minutes = (days * 7 + (1.5 if k < 5 else 5)) * 60
            assert row.unit == unit and row.working_minutes == minutes, (head.name, row.working_minutes)
            assert row.late_original  # all after Tuesday noon
            assert row.late == (not agreed or k >= 3)  # after the agreed new date, or no new date

        # --- overdue in calendar days and in working days ----------------------------------------
        pair = lateness.document_lateness(doc)
        assert pair.original.late and pair.original.calendar_days == story.late_days
        assert pair.original.working_minutes == 40 * 60 and pair.original.working_label == "5个工作日5小时"
        assert pair.original.working_days == pytest.approx(40 / 7)
        assert pair.original.label == f"逾期{story.late_days}天（工作时间5个工作日5小时）"
        if agreed:
            assert pair.was_extended
            assert pair.extended.late and pair.extended.calendar_days == story.late_days_extended
            assert pair.extended.working_minutes == 15.5 * 60
            assert pair.extended.working_label == "2个工作日1小时30分钟"
        else:
            assert not pair.was_extended and pair.extended == pair.original

        # --- the monthly report: documents finished late, per division ---------------------------
        _late_documents_for_the_month(o, story, traveller)
        month = lateness.monthly_late_by_unit(o.gov, story.reply.year, story.reply.month)
        by_unit = {r.unit: r for r in month}
        assert by_unit[lead_unit].finished == 8 and by_unit[lead_unit].late_original == 8
        assert by_unit[lead_unit].late_extended == 8 and by_unit[lead_unit].extended == (1 if agreed else 0)
        assert by_unit[o.div_b].finished == 1 and by_unit[o.div_b].late_original == 0
        assert month[0].unit == lead_unit
        # The monthly statistics (stats app) count the same, per division.
        compute_month(story.reply.year, story.reply.month, o.gov, now=timezone.now())
        stat = UnitMonthStat.objects.get(unit=lead_unit, year=story.reply.year, month=story.reply.month)
        assert (stat.docs_closed, stat.docs_late_original, stat.docs_late_extended) == (8, 8, 8)
        other = UnitMonthStat.objects.get(unit=o.div_b, year=story.reply.year, month=story.reply.month)
        assert (other.docs_closed, other.docs_late_original) == (1, 0)
        # Its handling task finished late too, against both due times.
        assert stat.late_original >= 8 and stat.late_extended >= 8
