"""C12 — Instructions that need a report back (批示件反馈).

The principal leader's instruction asks three divisions to report how it was carried out
within two working days. Ticking 督办 gives 综合一处's item a responsible person and a due
date; the supervision office opens the items of 综合二处 and 督查室 from the same
instruction. 综合二处 reports in time; 督查室 reports late with a reason; 综合一处 reports
late and gives none. The month's bulletin lists that one report, and shows the on-time
report rate per division: 综合一处 0%, 综合二处 100%, 督查室 0% (late is late, even
explained).

Replayed on an ordinary week and moved across New Year, the Spring Festival and National
Day 2026: "two working days" skips the breaks and counts the make-up workdays, so a report
on the first day back is on time, where counting calendar days would call it late.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from docx import Document as Docx

from deadlines.services import calendar_for
from supervision import bulletin, services
from supervision.models import ProgressReport, SupervisionItem
from supervision.tests.support import build_scene, refused
from tests.helpers import open_task

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=9, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@dataclass
class Timeline:
    instructed: datetime
    due: datetime  # two working days later, 下班前
    on_time: datetime  # 综合二处 reports
    late: datetime  # 综合一处 (no reason) and 督查室 (with a reason) report
    month: tuple[int, int]  # the bulletin's month
    bulletin: datetime


TIMELINES = {
    "ordinary": Timeline(at(2026, 3, 9, 10), at(2026, 3, 11, 18), at(2026, 3, 11, 16), at(2026, 3, 12, 9, 30),
                         (2026, 3), at(2026, 3, 31, 17)),
    # Sunday 4 January is a make-up workday: the first of the two days.
    "new_year": Timeline(at(2025, 12, 31, 10), at(2026, 1, 5, 18), at(2026, 1, 5, 16), at(2026, 1, 6, 9, 30),
                         (2026, 1), at(2026, 1, 30, 17)),
    # Saturday 14 February is worked, 15–23 off: due on the first day back.
    "spring_festival": Timeline(at(2026, 2, 13, 10), at(2026, 2, 24, 18), at(2026, 2, 24, 16),
                                at(2026, 2, 25, 9, 30), (2026, 2), at(2026, 2, 27, 17)),
    # 1–7 October off: due on the second day back; the late ones come on the make-up Saturday.
    "national_day": Timeline(at(2026, 9, 30, 10), at(2026, 10, 9, 18), at(2026, 10, 9, 16), at(2026, 10, 10, 9, 30),
                             (2026, 10), at(2026, 10, 30, 17)),
}


def two_working_days(calendar, start: datetime) -> datetime:
    """The due date as the office writes it: two working days on, 下班前."""
    return calendar.end_of_day(timezone.localdate(calendar.add_days(start, 2)))


@pytest.mark.parametrize("name", list(TIMELINES))
def test_c12_reports_back_late_without_reason_listed_and_on_time_rate_per_division(office, client, name):
    t = TIMELINES[name]
    o = office
    calendar = calendar_for(o.gov)
    assert two_working_days(calendar, t.instructed) == t.due
    clock = time_machine.travel(t.instructed - timedelta(hours=1), tick=False)
    traveller = clock.start()
    try:
        s = build_scene(o)
        doc = s.at_instruct("关于开展安全生产隐患排查整治的通知")
        traveller.move_to(t.instructed)
        text = "请综合一处、综合二处、督查室分别于两个工作日内报送落实情况。"
        _, first = services.instruct_and_supervise(
            open_task(doc, o.principal).pk, actor=o.principal, opinion=text,
            supervise=services.Supervise(lead_unit=o.div_a, responsible=o.head_a, due_at=t.due,
                                         report_required="两个工作日内报送落实情况。"))
        # The supervision office opens the other two from the same instruction (the director sees the document).
        others = {}
        for unit, head in ((o.div_b, o.head_b), (o.div_c, o.head_c)):
            others[unit.pk] = services.open_item(actor=o.director, agency=o.gov, data=services.ItemData(
                title=f"{doc.title}（{unit.name}）", instruction=text, instructed_by=o.principal, lead_unit=unit,
                responsible=head, due_at=t.due, report_required="两个工作日内报送落实情况。", document=doc,
                instructed_at=t.instructed))
        second, third = others[o.div_b.pk], others[o.div_c.pk]
        # Each instruction asking for a report has a responsible person and a due date.
        for item, head in ((first, o.head_a), (second, o.head_b), (third, o.head_c)):
            item.refresh_from_db()
            assert item.responsible == head and item.due_at == t.due and item.report_required
        # A report with no text is refused and nothing is written.
        with refused("办结报告"):
            services.report(actor=o.head_b, item_id=second.pk, text="", final=True)

        traveller.move_to(t.on_time)
        on_time = services.report(actor=o.head_b, item_id=second.pk, text="已完成排查，发现隐患3处，均已整改。",
                                  final=True)
        assert not on_time.is_late
        traveller.move_to(t.late)
        silent = services.report(actor=o.head_a, item_id=first.pk, text="已完成排查。", final=True)
        excused = services.report(actor=o.head_c, item_id=third.pk, text="已完成排查。", final=True,
                                  late_reason="等待区县数据汇总。")
        assert silent.is_late and not silent.late_reason
        assert excused.is_late and excused.late_reason == "等待区县数据汇总。"

        traveller.move_to(t.bulletin)
        b = bulletin.build(actor=s.supervisor, year=t.month[0], month=t.month[1])
        assert b.late_without_reason == [silent]
        rates = {r.unit.name: (r.on_time, r.expected, r.rate_display) for r in b.rates}
        assert rates == {"综合一处": (0, 1, "0.0%"), "综合二处": (1, 1, "100.0%"), "督查室": (0, 1, "0.0%")}
        # The DOCX lists the silent late report and the rates; the page shows them too.
        tables = [[[c.text for c in row.cells] for row in table.rows]
                  for table in Docx(BytesIO(bulletin.docx_bytes(b))).tables]
        late_table, rate_table = tables[-2], tables[-1]
        assert [row[1:4] for row in late_table[1:]] == [[first.title, "综合一处", "郑处长"]]
        assert {row[0]: row[-1] for row in rate_table[1:]} == {"综合一处": "0.0%", "综合二处": "100.0%",
                                                                "督查室": "0.0%"}
        client.force_login(s.supervisor.user)
        html = client.get(reverse("supervision:bulletin"), {"year": t.month[0], "month": t.month[1]}).content.decode()
        assert "100.0%" in html and first.title in html
        assert ProgressReport.objects.filter(late_reason="").exclude(pk=silent.pk).filter(
            reported_at__gt=t.due).count() == 0
        assert SupervisionItem.objects.filter(state=SupervisionItem.State.REPORTED).count() == 3
    finally:
        clock.stop()
