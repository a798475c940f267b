"""C06 — Signing for documents at the exchange (签收时限).

Agencies collect documents from the exchange at least twice a day: ordinary documents are
signed for within 8 working hours, 加急 within 4, 特急 at once (30 working minutes by
default; RULES.md §6, ``deadlines.defaults``). Every document reaching an agency's
sign-for queue gets its sign-for due time from the engine, by urgency, in working time;
unsigned documents past it are flagged to the agency's office (the reminder scan: the
clerks who hold it, and the office director) and counted in its statistics as 超时未签收;
one signed after it counts as 超时签收 in the month it was signed.

Replayed on an ordinary Monday afternoon, and at 16:00 of the last working day before the
2026 National Day and Spring Festival breaks (the latter a make-up Saturday), when the
due times fall on the first working day after the break.

The exchange part: documents dispatched by another agency wait in the recipient's exchange box
with the same due times, are flagged and counted on both agencies' exchange overviews when
late, and the receipt (回执) goes back to the sender at signing.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from deadlines.models import Notification, Reminder, ReminderKind
from deadlines.reminders import scan
from deadlines.services import calendar_for
from flow import services as flow
from flow.models import HistoryAction, HistoryEvent, NodeKind, TaskStatus
from incoming.services import IncomingData, register_incoming, submit_direct
from stats import access, selectors, services
from stats.models import AgencyMonthStat
from tests.helpers import open_task, refused

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=9, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@dataclass
class Timeline:
    arrive: datetime  # 16:00 of the last working day (before the break)
    idle: datetime  # nobody at work: the evening, or inside the break
    back: datetime  # the first working day after: 10:45, past the 加急 due time
    due: dict  # urgency -> expected sign-for due time


TIMELINES = {
    # Monday 16:00: two working hours left today.
    "ordinary": Timeline(at(2026, 3, 9, 16, 0), at(2026, 3, 9, 21, 0), at(2026, 3, 10, 10, 45), {
        "特急": at(2026, 3, 9, 16, 30), "加急": at(2026, 3, 10, 10, 30), "": at(2026, 3, 10, 17, 0)}),
    # Wednesday 30 September; 1–7 October off (no make-up day in between); back Thursday 8 October.
    "national_day": Timeline(at(2026, 9, 30, 16, 0), at(2026, 10, 3, 10, 0), at(2026, 10, 8, 10, 45), {
        "特急": at(2026, 9, 30, 16, 30), "加急": at(2026, 10, 8, 10, 30), "": at(2026, 10, 8, 17, 0)}),
    # Saturday 14 February is a make-up workday; 15–23 February off; back Tuesday 24 February.
    "spring_festival": Timeline(at(2026, 2, 14, 16, 0), at(2026, 2, 17, 10, 0), at(2026, 2, 24, 10, 45), {
        "特急": at(2026, 2, 14, 16, 30), "加急": at(2026, 2, 24, 10, 30), "": at(2026, 2, 24, 17, 0)}),
}


@pytest.fixture(params=list(TIMELINES), ids=list(TIMELINES))
def timeline(request):
    line = TIMELINES[request.param]
    traveller = time_machine.travel(line.arrive, tick=False)
    coordinates = traveller.start()
    try:
        yield line, coordinates
    finally:
        traveller.stop()


def figures(agency, when: datetime) -> tuple:
    local = timezone.localtime(when)
    services.compute_month(local.year, local.month, agency)
    row = AgencyMonthStat.objects.get(agency=agency, year=local.year, month=local.month)
    return (row.sign_for_arrived, row.sign_for_signed, row.sign_for_signed_late, row.sign_for_waiting,
            row.sign_for_waiting_late)


def waiting(agency, when: datetime) -> tuple[int, int]:
    """(待签收, 超时未签收) of the month under way at ``when``."""
    return figures(agency, when)[3:]


def flagged(document) -> list[tuple[str, str]]:
    return sorted((r.kind, r.recipient.name) for r in Reminder.objects.filter(
        document=document, kind__in=(ReminderKind.DUE, ReminderKind.ESCALATE_HEAD)).select_related("recipient"))


def test_sign_for_due_times_lateness_and_flags(office, timeline):
    o = office
    line, clock = timeline
    calendar = calendar_for(o.gov)

    # Three documents reach the office's sign-for queue at 16:00, one per urgency (direct
    # submissions start at the 签收 node: the engine's only way in besides registration).
    docs = {}
    for urgency, who in (("", o.head_a), ("加急", o.head_b), ("特急", o.dept_head)):
        docs[urgency] = submit_direct(actor=who, agency=o.gov, leader=o.principal, data=IncomingData(
            title=f"关于{urgency or '一般'}事项的请示", doc_type="请示", urgency=urgency))
    # A paper document the clerk registers in hand is signed for at once, never late.
    paper = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于春季农业生产工作的通知", doc_type="通知", sender_id=o.province.pk, urgency="加急",
        sender_deadline=line.due[""], sender_deadline_text="限时"))
    for urgency, doc in docs.items():
        task = open_task(doc, o.clerk)
        assert task.node_kind == NodeKind.SIGN_FOR
        assert task.due_at == task.original_due_at == line.due[urgency], urgency or "普通"
        assert calendar.is_working_instant(task.due_at)
        assert calendar.working_minutes_between(line.arrive, task.due_at) == {"": 480, "加急": 240, "特急": 30}[urgency]
    assert waiting(o.gov, line.arrive) == (3, 0)

    # 特急: signed for at once (16:20), on time.
    clock.move_to(line.arrive.replace(minute=20))
    flow.send_on(open_task(docs["特急"], o.clerk).pk, actor=o.clerk, opinion="已签收。")
    # Nobody may sign for it but the office's clerks; a refusal writes nothing.
    with refused():
        flow.send_on(open_task(docs["加急"], o.clerk).pk, actor=o.head_b, opinion="我来签收。")

    # The evening, or inside the break: nothing is late yet, nobody flagged.
    clock.move_to(line.idle)
    scan(line.idle)
    assert waiting(o.gov, line.idle) == (2, 0)
    assert not Reminder.objects.filter(kind__in=(ReminderKind.DUE, ReminderKind.ESCALATE_HEAD)).exists()

    # The first working day after, 10:45: the 加急 one is 15 working minutes past its due
    # time and unsigned. The scan flags it to the office: the clerk who holds it and the
    # office director; running the scan again writes nothing more.
    clock.move_to(line.back)
    scan(line.back)
    assert flagged(docs["加急"]) == [(ReminderKind.DUE, o.clerk.name), (ReminderKind.ESCALATE_HEAD, o.director.name)]
    assert flagged(docs[""]) == [] and flagged(docs["特急"]) == [] and flagged(paper) == []
    assert Notification.objects.filter(recipient=o.director, document=docs["加急"]).exists()
    assert HistoryEvent.objects.filter(document=docs["加急"], action=HistoryAction.ESCALATE).count() == 1
    before = Reminder.objects.count()
    scan(line.back)
    assert Reminder.objects.count() == before
    # Counted in the agency's statistics as 超时未签收, on the page and in the API alike.
    assert waiting(o.gov, line.back) == (2, 1)
    scope = access.require_scope(o.director)
    report = selectors.monthly_report(scope, selectors.parse_filter(scope))
    assert report.summary.sign_for_waiting_late == 1

    # 11:00: signed for, late; the ordinary one is still within its 8 working hours.
    clock.move_to(line.back.replace(minute=59))
    flow.send_on(open_task(docs["加急"], o.clerk).pk, actor=o.clerk, opinion="已签收。")
    arrived_here = timezone.localtime(line.arrive).month == timezone.localtime(line.back).month
    assert figures(o.gov, line.back.replace(minute=59)) == (
        (4 if arrived_here else 0), (3 if arrived_here else 1), 1, 1, 0)
    # 17:30: the ordinary one is past due too.
    evening = line.back.replace(hour=17, minute=30)
    clock.move_to(evening)
    scan(evening)
    assert flagged(docs[""]) == [(ReminderKind.DUE, o.clerk.name), (ReminderKind.ESCALATE_HEAD, o.director.name)]
    assert waiting(o.gov, evening) == (1, 1)
    assert open_task(docs[""], o.clerk).status == TaskStatus.OPEN

    if not arrived_here:
        # Across the month boundary: the month of arrival, computed after its end, counts
        # the arrivals and the documents still waiting at its end (not yet late then).
        start = timezone.localtime(line.arrive)
        assert figures(o.gov, line.arrive) == (4, 2, 0, 2, 0)
        assert AgencyMonthStat.objects.get(agency=o.gov, year=start.year, month=start.month).as_of == \
            services.month_bounds(start.year, start.month)[1]


# --- the exchange part: dispatched documents, the box, the overview, the receipt -------------


def test_dispatched_documents_due_late_flagged_and_receipted(office, timeline):
    """The city government office dispatches three notices to the department at 16:00,
    one per urgency. Each waits in the department's exchange box with its sign-for due
    time by urgency in working time (8 h / 4 h / 30 min). The 特急 one is signed for at
    once and its receipt goes back to the sender at signing (a Receipt, the drafter and
    the sending clerk told). On the first working day after, the 加急 one is past its due
    time: flagged late in the box and counted as 超时未签收 on both agencies' overviews and
    in the department's statistics; signed for late, its receipt goes back too."""
    from deadlines.models import Notification
    from exchange import selectors as exchange
    from exchange.models import Receipt
    from exchange.tests.builders import send, sign_for

    o = office
    line, clock = timeline
    calendar = calendar_for(o.dept)
    incoming = {}
    for n, urgency in enumerate(("", "加急", "特急"), start=1):
        _, (delivery,) = send(o.gov, o.clerk, main=[o.dept], number=f"示府办函〔2026〕{n}号", urgency=urgency,
                              drafted_by=o.handler_a, title=f"关于{urgency or '一般'}事项的通知")
        incoming[urgency] = delivery.incoming
    for urgency, doc in incoming.items():
        task = open_task(doc, o.dept_clerk)
        assert task.node_kind == NodeKind.SIGN_FOR
        assert task.due_at == line.due[urgency], urgency or "普通"
        assert calendar.working_minutes_between(line.arrive, task.due_at) == {"": 480, "加急": 240, "特急": 30}[urgency]
    box = exchange.box(o.dept_clerk, o.dept)
    assert [b["due_at"] for b in box] == [line.due[u] for u in ("", "加急", "特急")]  # oldest first
    assert not any(b["late"] for b in box)

    clock.move_to(line.arrive.replace(minute=20))
    sign_for(incoming["特急"], o.dept_clerk)
    receipt = Receipt.objects.get(incoming=incoming["特急"])
    assert (receipt.kind, receipt.by, receipt.at) == (Receipt.Kind.SIGNED, o.dept_clerk, line.arrive.replace(minute=20))
    assert Notification.objects.filter(recipient=o.handler_a, title__startswith="回执").count() == 1
    assert Notification.objects.filter(recipient=o.clerk, title__startswith="回执").count() == 1

    clock.move_to(line.idle)
    assert exchange.overview(o.clerk, o.gov).sent_total.late == 0

    clock.move_to(line.back)
    box = exchange.box(o.dept_clerk, o.dept)
    assert [(b["urgency"], b["late"]) for b in box] == [("", False), ("加急", True)]
    sent = exchange.overview(o.clerk, o.gov).sent_total
    received = exchange.overview(o.dept_clerk, o.dept).received_total
    for counts in (sent, received):
        assert (counts.total, counts.waiting, counts.late, counts.signed, counts.undelivered) == (3, 1, 1, 1, 2)
    assert [r["document"].doc_number for r in exchange.listing(o.clerk, o.gov, side="sent", what="late")] == [
        "示府办函〔2026〕2号"]
    assert waiting(o.dept, line.back) == (2, 1)  # the department's statistics: 超时未签收

    clock.move_to(line.back.replace(minute=59))
    sign_for(incoming["加急"], o.dept_clerk)
    assert Receipt.objects.filter(incoming=incoming["加急"], kind=Receipt.Kind.SIGNED).exists()
    sent = exchange.overview(o.clerk, o.gov).sent_total
    assert (sent.waiting, sent.late, sent.signed) == (1, 0, 2)
