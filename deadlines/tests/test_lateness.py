"""Lateness (逾期) in calendar days and working time, against the original and the extended
due time; the holders of a document; the monthly count per division."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from deadlines import lateness
from documents.models import Document, Status
from flow import services as flow
from incoming.services import IncomingData, register_incoming
from tests.helpers import open_task

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=9, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def test_a_week_late_in_calendar_days_and_working_time(office):
    # C02's dates: due Tuesday 8 March 2016 at noon, answered Wednesday 16 March at 10:00.
    late = lateness.measure(at(2016, 3, 8, 12, 0), at(2016, 3, 16, 10, 0), office.gov)
    assert late.late and late.calendar_days == 8
    assert late.working_minutes == 40 * 60  # 3.5 h + 5 days of 7 h + 1.5 h
    assert late.working_days == 40 / 7 and late.working_label == "5个工作日5小时"
    assert late.label == "逾期8天（工作时间5个工作日5小时）"


def test_across_national_day_the_break_counts_no_working_time(office):
    late = lateness.measure(at(2026, 9, 30, 18, 0), at(2026, 10, 9, 10, 0), office.gov)
    assert late.calendar_days == 9 and late.working_minutes == 7 * 60 + 90
    assert late.working_label == "1个工作日1小时30分钟"
    # The make-up Saturday (10月10日) counts as a working day.
    late = lateness.measure(at(2026, 10, 9, 18, 0), at(2026, 10, 12, 8, 30), office.gov)
    assert late.working_minutes == 7 * 60


def test_on_time_open_and_same_day(office):
    on_time = lateness.measure(at(2026, 3, 10, 18, 0), at(2026, 3, 10, 17, 0), office.gov)
    assert not on_time.late and on_time.label == "按时办结" and on_time.calendar_label == ""
    still_open = lateness.measure(at(2026, 3, 10, 18, 0), None, office.gov, now=at(2026, 3, 10, 9, 0))
    assert not still_open.late and still_open.label == "未逾期"
    overdue = lateness.measure(at(2026, 3, 10, 18, 0), None, office.gov, now=at(2026, 3, 12, 9, 0))
    assert overdue.late and overdue.label == "已逾期2天（工作时间1个工作日30分钟）"
    same_day = lateness.measure(at(2026, 3, 10, 12, 0), at(2026, 3, 10, 15, 0), office.gov)
    assert same_day.calendar_days == 0 and same_day.working_minutes == 30
    assert same_day.label == "逾期3小时（当天）（工作时间30分钟）"
    assert lateness.measure(None, at(2026, 3, 10, 15, 0), office.gov).label == "无时限"


def test_a_year_without_a_schedule_is_not_guessed(office):
    late = lateness.measure(at(2026, 12, 31, 18, 0), None, office.gov, now=at(2027, 1, 5, 9, 0))
    assert late.late and late.calendar_days == 5 and late.working_minutes is None and late.working_label == "—"


def test_holders_and_how_long_each_held_it(office):
    o = office
    with time_machine.travel(at(2026, 3, 6, 19, 30), tick=False) as clock:  # Friday evening
        doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
            title="关于报送整改措施的通知", doc_type="通知", sender_id=o.province.pk, slip_kind="relay",
            sender_deadline=at(2026, 3, 10, 12, 0), sender_deadline_text="3月10日上午下班前"))
        clock.move_to(at(2026, 3, 7, 10, 0))  # Saturday
        flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
        clock.move_to(at(2026, 3, 9, 10, 0))  # Monday
        rows = lateness.holders(doc)
    by_name = {(r.assignee.name, r.node_name): r for r in rows}
    screen = by_name[("李秘书", "初审")]
    assert screen.working_minutes == 0 and screen.held_label == "0分钟" and not screen.late
    propose = by_name[("赵主任", "拟办")]
    assert propose.is_open and propose.working_minutes == 90  # Monday 08:30–10:00
    assert [r.node_name for r in rows][:2] == ["签收", "登记"]


def test_monthly_count_of_documents_finished_late_per_division(office):
    o = office

    def finished(unit, original, due, closed):
        return Document.objects.create(agency=o.gov, doc_type="通知", title="测试", sender=o.province, lead_unit=unit,
                                       status=Status.COMPLETED, original_due_at=original, due_at=due, closed_at=closed)

    for _ in range(3):  # late against both
        finished(o.div_a, at(2026, 3, 2, 12), at(2026, 3, 2, 12), at(2026, 3, 5, 10))
    finished(o.div_a, at(2026, 3, 2, 12), at(2026, 3, 9, 18), at(2026, 3, 5, 10))  # late only against the original
    finished(o.div_a, at(2026, 3, 9, 12), at(2026, 3, 9, 12), at(2026, 3, 5, 10))  # on time
    finished(o.div_b, None, None, at(2026, 3, 31, 23, 59))  # no due time: never late
    finished(o.div_b, at(2026, 3, 2, 12), at(2026, 3, 2, 12), at(2026, 4, 1, 0, 0))  # April, local time
    rows = lateness.monthly_late_by_unit(o.gov, 2026, 3)
    assert [(r.unit, r.finished, r.late_original, r.late_extended, r.extended) for r in rows] == [
        (o.div_a, 5, 4, 3, 1), (o.div_b, 1, 0, 0, 0)]
    assert [r.unit for r in lateness.monthly_late_by_unit(o.gov, 2026, 4)] == [o.div_b]
