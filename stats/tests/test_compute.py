"""Computing a month: the figures equal counts made directly from the task and document
rows (the definitions of stats.services, written out again plainly here), agree with the
lists (inbox, sign-for queue, deadlines' lateness per division), and a refusal writes
nothing."""

import statistics
from collections import Counter, defaultdict

import pytest
import time_machine
from django.core.management import call_command
from django_q.models import Schedule

from deadlines.lateness import monthly_late_by_unit
from deadlines.services import calendar_for
from documents.models import Document
from documents.models import Status as DocumentStatus
from flow import selectors as flow_selectors
from flow.models import NodeKind, Task, TaskRole, TaskStatus
from gongwen.errors import DomainError
from stats import services, tasks
from stats.models import AgencyMonthStat, LeaderMonthStat, UnitMonthStat
from stats.services import DOC_FIELDS, SIGN_FOR_FIELDS, TASK_FIELDS

from .conftest import at

pytestmark = pytest.mark.django_db

COUNTED = {TaskStatus.OPEN, TaskStatus.DONE, TaskStatus.RETURNED}


# --- the definitions, written out plainly over the rows ------------------------------------------


def task_figures(tasks, start, end, cut, calendar) -> dict:
    c = Counter(dict.fromkeys(TASK_FIELDS, 0))
    minutes = []
    for t in tasks:
        if t.status not in COUNTED:
            continue
        if start <= t.created_at < end:
            c["received"] += 1
        if t.status == TaskStatus.DONE and start <= t.done_at < end:
            c["finished"] += 1
            minutes.append(calendar.working_minutes_between(t.created_at, t.done_at))
            if t.due_at is None or t.done_at <= t.due_at:
                c["on_time"] += 1
            if t.due_at is not None and t.done_at > t.due_at:
                c["late_extended"] += 1
            original = t.original_due_at or t.due_at
            if original is not None and t.done_at > original:
                c["late_original"] += 1
        if t.status == TaskStatus.RETURNED and start <= t.done_at < end:
            c["returned"] += 1
        if t.created_at < cut and (t.done_at is None or t.done_at >= cut):
            c["open_end"] += 1
            if t.due_at is not None and t.due_at < cut:
                c["overdue_end"] += 1
    c = dict(c)
    c["minutes_count"] = len(minutes)
    c["minutes_median"] = round(statistics.median(minutes), 1) if minutes else None
    return c


def doc_figures(docs, start, end, cut) -> dict:
    c = dict.fromkeys(DOC_FIELDS, 0)
    for d in docs:
        if d.status == DocumentStatus.RETURNED:
            continue
        if start <= d.received_at < end:
            c["docs_received"] += 1
        if d.status == DocumentStatus.COMPLETED and start <= d.closed_at < end:
            c["docs_closed"] += 1
            if d.due_at is None or d.closed_at <= d.due_at:
                c["docs_on_time"] += 1
            if d.due_at is not None and d.closed_at > d.due_at:
                c["docs_late_extended"] += 1
            original = d.original_due_at or d.due_at
            if original is not None and d.closed_at > original:
                c["docs_late_original"] += 1
        if d.received_at < cut and (d.closed_at is None or d.closed_at >= cut):
            c["docs_open_end"] += 1
            if d.due_at is not None and d.due_at < cut:
                c["docs_overdue_end"] += 1
    return c


def sign_for_figures(agency, start, end, cut) -> dict:
    by_activation = defaultdict(list)
    for t in Task.objects.filter(node_kind=NodeKind.SIGN_FOR, role=TaskRole.MAIN, document__agency=agency):
        by_activation[t.activation_id].append(t)
    c = dict.fromkeys(SIGN_FOR_FIELDS, 0)
    for copies in by_activation.values():
        arrived = min(t.created_at for t in copies)
        due = min((t.due_at for t in copies if t.due_at), default=None)
        signed = [t.done_at for t in copies if t.status == TaskStatus.DONE]
        c["sign_for_arrived"] += start <= arrived < end
        if signed and start <= signed[0] < end:
            c["sign_for_signed"] += 1
            c["sign_for_signed_late"] += due is not None and signed[0] > due
        waiting = any(t.created_at < cut and (t.done_at is None or t.done_at >= cut) for t in copies)
        c["sign_for_waiting"] += waiting
        c["sign_for_waiting_late"] += waiting and due is not None and due < cut
    return c


def figures_of(row, fields) -> dict:
    return {f: getattr(row, f) for f in fields}


# --- the tests ---------------------------------------------------------------------------------------


def test_month_equals_counts_from_the_rows(march):
    o = march.office
    march.move(at(2026, 4, 2, 9, 0))
    result = services.compute_month(2026, 3)
    assert result.agencies >= 1 and result.units >= 5
    start, end = services.month_bounds(2026, 3)
    cut = end
    calendar = calendar_for(o.gov)
    for unit in (o.office_unit, o.secretariat, o.div_a, o.div_b, o.div_c):
        row = UnitMonthStat.objects.get(unit=unit, year=2026, month=3)
        expected = task_figures(Task.objects.filter(role=TaskRole.MAIN, assignee_unit=unit), start, end, cut,
                                calendar)
        got = figures_of(row, TASK_FIELDS) | {"minutes_count": row.minutes_count,
                                              "minutes_median": row.minutes_median}
        assert got == expected, unit.name
        assert figures_of(row, DOC_FIELDS) == doc_figures(Document.objects.filter(lead_unit=unit), start, end, cut)
        assert row.as_of == cut

    # The example, in plain numbers. 综合一处: three tasks of its own (the head's task that
    # was handed to the handler is not counted twice), two finished, both within their
    # due time as extended, one after its original due time; one still open and overdue.
    div_a = UnitMonthStat.objects.get(unit=o.div_a, year=2026, month=3)
    assert (div_a.received, div_a.finished, div_a.on_time, div_a.late_original, div_a.late_extended,
            div_a.open_end, div_a.overdue_end) == (3, 2, 2, 1, 0, 1, 1)
    assert div_a.completion_rate == pytest.approx(2 / 3) and div_a.on_time_rate == 1.0
    assert (div_a.docs_received, div_a.docs_closed, div_a.docs_late_original, div_a.docs_late_extended,
            div_a.docs_overdue_end) == (3, 2, 1, 0, 1)
    div_b = UnitMonthStat.objects.get(unit=o.div_b, year=2026, month=3)
    assert (div_b.finished, div_b.on_time, div_b.late_original, div_b.late_extended) == (1, 0, 1, 1)
    # Working time: 综合一处's head got "on_time" at 10:00 and finished it the next day at
    # 11:00: 2 h + 3.5 h + 2.5 h = 8 working hours.
    first = Task.objects.get(document=march.docs["on_time"], node_kind=NodeKind.HANDLE)
    assert calendar.working_minutes_between(first.created_at, first.done_at) == 8 * 60

    # The per-division lateness of the deadlines app (C02's monthly list) says the same.
    for line in monthly_late_by_unit(o.gov, 2026, 3):
        row = UnitMonthStat.objects.get(unit=line.unit, year=2026, month=3)
        assert (row.docs_closed, row.docs_late_original, row.docs_late_extended) == (
            line.finished, line.late_original, line.late_extended)

    # Leaders: the instruct tasks of each leader.
    for leader in (o.leader_a, o.leader_b, o.principal):
        row = LeaderMonthStat.objects.get(leader=leader, year=2026, month=3)
        expected = task_figures(Task.objects.filter(assignee=leader, node_kind__in=services.INSTRUCTION_NODES),
                                start, end, cut, calendar)
        assert figures_of(row, TASK_FIELDS) == {k: expected[k] for k in TASK_FIELDS}, leader.name
    assert LeaderMonthStat.objects.get(leader=o.leader_a, year=2026, month=3).finished == 3
    assert LeaderMonthStat.objects.get(leader=o.principal, year=2026, month=3).received == 0

    # The agency: its units together, all its documents, signing for.
    agency = AgencyMonthStat.objects.get(agency=o.gov, year=2026, month=3)
    units = UnitMonthStat.objects.filter(agency=o.gov, year=2026, month=3)
    for f in TASK_FIELDS:
        assert getattr(agency, f) == sum(getattr(u, f) for u in units), f
    assert figures_of(agency, DOC_FIELDS) == doc_figures(Document.objects.filter(agency=o.gov), start, end, cut)
    assert figures_of(agency, SIGN_FOR_FIELDS) == sign_for_figures(o.gov, start, end, cut)
    # Four registered on paper (signed at once), two direct submissions: one signed late,
    # one never signed and past its due time at the end of the month.
    assert (agency.sign_for_arrived, agency.sign_for_signed, agency.sign_for_signed_late, agency.sign_for_waiting,
            agency.sign_for_waiting_late) == (6, 5, 1, 1, 1)
    # Agencies with nothing that month still have their row (zeros).
    assert AgencyMonthStat.objects.get(agency=o.dept, year=2026, month=3).received == 0


def test_month_under_way_agrees_with_the_inboxes(march):
    """During the month the figures at the end are the figures now: what the inboxes and
    the sign-for queue hold."""
    o = march.office
    march.move(at(2026, 3, 24, 10, 0))
    services.compute_month(2026, 3, o.gov)
    now = at(2026, 3, 24, 10, 0)
    for unit in (o.office_unit, o.secretariat, o.div_a, o.div_b):
        row = UnitMonthStat.objects.get(unit=unit, year=2026, month=3)
        open_tasks = Task.objects.filter(assignee_unit=unit, role=TaskRole.MAIN, status=TaskStatus.OPEN)
        assert row.open_end == open_tasks.count(), unit.name
        assert row.overdue_end == open_tasks.filter(due_at__lt=now).count()
        assert row.as_of == now
    head_inbox = flow_selectors.inbox(o.head_a)
    assert UnitMonthStat.objects.get(unit=o.div_a, year=2026, month=3).open_end == head_inbox.count() == 1
    queue = flow_selectors.inbox(o.clerk).filter(node_kind=NodeKind.SIGN_FOR)
    agency = AgencyMonthStat.objects.get(agency=o.gov, year=2026, month=3)
    assert agency.sign_for_waiting == queue.values("document").distinct().count() == 1
    # The 加急 direct submission of 3月16日 16:00 was due 3月17日 10:30: late now.
    assert agency.sign_for_waiting_late == queue.filter(due_at__lt=now).count() == 1
    # Only the month's own agency was computed.
    assert not AgencyMonthStat.objects.filter(agency=o.dept).exists()


def test_recomputing_replaces_the_rows(march):
    o = march.office
    march.move(at(2026, 4, 1, 9, 0))
    services.compute_month(2026, 3)
    before = UnitMonthStat.objects.filter(year=2026, month=3).count()
    services.compute_month(2026, 3)
    services.compute_month(2026, 3, o.gov)
    assert UnitMonthStat.objects.filter(year=2026, month=3).count() == before
    assert AgencyMonthStat.objects.filter(agency=o.gov, year=2026, month=3).count() == 1


def test_refused_months_write_nothing(march):
    o = march.office
    march.move(at(2026, 3, 18, 10, 0))
    with pytest.raises(DomainError, match="尚未开始"):
        services.compute_month(2026, 4)
    with pytest.raises(DomainError, match="无效"):
        services.compute_month(2026, 13)
    with pytest.raises(DomainError, match="不使用本系统"):
        services.compute_month(2026, 3, o.province)
    assert not UnitMonthStat.objects.exists() and not AgencyMonthStat.objects.exists()
    assert not LeaderMonthStat.objects.exists()


def test_staleness():
    start, end = services.month_bounds(2026, 3)
    during = at(2026, 3, 18, 10, 0)
    assert services.is_stale(None, end, during)
    assert not services.is_stale(at(2026, 3, 18, 9, 55), end, during)
    assert services.is_stale(at(2026, 3, 18, 9, 49), end, during)
    # Computed after the month was over: final.
    assert not services.is_stale(at(2026, 4, 1, 0, 5), end, at(2026, 9, 1))
    # Computed during the month, read after it: recomputed.
    assert services.is_stale(at(2026, 3, 31, 23, 0), end, at(2026, 4, 2))


def test_nightly_schedule_and_command(march):
    o = march.office
    schedule = Schedule.objects.get(func="stats.tasks.compute_recent")
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1
    march.move(at(2026, 4, 1, 1, 30))
    message = tasks.compute_recent()
    assert "2026年3月" in message and "2026年4月" in message
    assert AgencyMonthStat.objects.filter(agency=o.gov, year=2026, month=3).exists()
    assert AgencyMonthStat.objects.filter(agency=o.gov, year=2026, month=4).exists()
    call_command("compute_stats", "--year", "2026", "--month", "2", "--months", "2", "--agency", str(o.gov.pk))
    assert AgencyMonthStat.objects.filter(agency=o.gov, year=2026, month=1).exists()
    assert not AgencyMonthStat.objects.filter(agency=o.dept, year=2026, month=1).exists()


def test_a_task_in_a_year_the_calendar_does_not_know_is_counted_not_timed(office):
    """Working time is measured only where the calendar knows the year; the task still
    counts as finished."""
    from incoming.services import IncomingData, register_incoming

    with time_machine.travel(at(2030, 3, 4, 9, 0), tick=False):
        register_incoming(actor=office.clerk, agency=office.gov, data=IncomingData(
            title="关于某事项的通知", doc_type="通知", sender_name="示范省某厅"))
        services.compute_month(2030, 3, office.gov)
    row = UnitMonthStat.objects.get(unit=office.office_unit, year=2030, month=3)
    assert row.finished == 2 and row.minutes_count == 0 and row.minutes_avg is None


def test_every_figure_has_a_column():
    from stats.tables import DOC_COLUMNS, LEADER_COLUMNS, SIGN_FOR_COLUMNS, TASK_COLUMNS

    assert {c.key for c in TASK_COLUMNS if c.kind == "count"} == set(TASK_FIELDS)
    assert {c.key for c in LEADER_COLUMNS if c.kind == "count"} == set(TASK_FIELDS)
    assert {c.key for c in DOC_COLUMNS if c.kind == "count"} == set(DOC_FIELDS)
    assert {c.key for c in SIGN_FOR_COLUMNS} == set(SIGN_FOR_FIELDS)


def test_positioner_equals_the_calendar(db):
    """The fast position of epoch seconds is the calendar's own position, on working days,
    nights, weekends, holidays, make-up days and period edges."""
    import random
    from datetime import timedelta

    from stats.services import positioner

    calendar = calendar_for(None)
    position = positioner(calendar)
    rng = random.Random(3)
    base = at(2025, 12, 25, 0, 0)
    instants = [base + timedelta(seconds=rng.randrange(0, 370 * 86400)) + timedelta(microseconds=rng.randrange(10**6))
                for _ in range(3000)]
    instants += [at(2026, 2, 14, 12, 0), at(2026, 2, 14, 14, 30), at(2026, 2, 15, 10, 0), at(2026, 10, 10, 18, 0),
                 at(2026, 3, 9, 8, 30), at(2026, 3, 9, 8, 29), at(2026, 3, 9, 12, 1)]
    for instant in instants:
        assert position(instant.timestamp()) == pytest.approx(calendar.position(instant), abs=1e-3), instant
    with pytest.raises(DomainError):
        position(at(2031, 5, 6).timestamp())
