"""C14 — The error book (错题本).

Every return (退回 within the office, 退文 to the sender) and every correction found in
review is recorded with an error category (程序, 格式, 文字, 内容, 时效) and the party at
fault; a weekly report groups them by category and by unit.

Replayed over one week with a frozen clock: two 退文 (one 越级件 whose category is left to
the default, 程序), three 退回 with different categories and units, two corrections found
in review (by the office director and by a supervisor), and a refused correction that
writes nothing. One 退文 falls in the last minute of the week before and one in the
first minute of the week after: the report leaves both out.

The week is the calendar week, Monday 00:00 to the next Monday 00:00 (Beijing time):
holidays and make-up workdays do not move it. Replayed on an ordinary week in March 2026,
on the week after National Day 2026 (5–7 October still off, Saturday 10 October a make-up
workday, the week before entirely in the break) and on the week Spring Festival 2026 ends
(Monday 23 February still off, Saturday 28 February a make-up workday, the week before
entirely in the break).
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from flow import services as flow
from gongwen.errors import NotFound, PermissionDenied
from supervision.errorbook import services as errorbook
from supervision.models import ErrorRecord
from supervision.tests.errorbook_helpers import (
    activation,
    at_approve,
    at_handle,
    at_propose,
    refused_nothing_written,
    registered,
    supervisor,
)
from tests.helpers import open_task

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=9, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@dataclass
class Timeline:
    monday: date
    setup: datetime  # the documents arrive and are handled up to where they are returned
    before: datetime  # last minute of the previous week
    steps: list[datetime]  # seven moments inside the week
    after: datetime  # first minute of the next week


TIMELINES = {
    "ordinary": Timeline(
        date(2026, 3, 9), at(2026, 3, 6, 16, 0), at(2026, 3, 8, 23, 59),
        [at(2026, 3, 9, 9, 30), at(2026, 3, 9, 15, 0), at(2026, 3, 10, 10, 0), at(2026, 3, 11, 11, 0),
         at(2026, 3, 12, 16, 0), at(2026, 3, 13, 17, 50), at(2026, 3, 15, 23, 58)],
        at(2026, 3, 16, 0, 0)),
    # Handled up to the break on 30 September; the week of 5–11 October: three holidays,
    # two working days, the make-up Saturday, a Sunday.
    "national_day": Timeline(
        date(2026, 10, 5), at(2026, 9, 30, 16, 0), at(2026, 10, 4, 23, 59),
        [at(2026, 10, 8, 8, 40), at(2026, 10, 8, 11, 0), at(2026, 10, 9, 10, 0), at(2026, 10, 9, 15, 0),
         at(2026, 10, 10, 9, 0), at(2026, 10, 10, 16, 30), at(2026, 10, 11, 10, 0)],
        at(2026, 10, 12, 0, 0)),
    # Handled up to Friday 13 February; the week of 23 February–1 March: the last holiday,
    # four working days, the make-up Saturday, a Sunday.
    "spring_festival": Timeline(
        date(2026, 2, 23), at(2026, 2, 13, 16, 0), at(2026, 2, 22, 23, 59),
        [at(2026, 2, 24, 9, 0), at(2026, 2, 24, 14, 30), at(2026, 2, 25, 10, 0), at(2026, 2, 26, 15, 0),
         at(2026, 2, 27, 10, 0), at(2026, 2, 28, 9, 30), at(2026, 3, 1, 11, 0)],
        at(2026, 3, 2, 0, 0)),
}


@pytest.fixture(params=list(TIMELINES), ids=list(TIMELINES))
def timeline(request):
    tl = TIMELINES[request.param]
    traveller = time_machine.travel(tl.setup, tick=True)
    clock = traveller.start()
    try:
        yield tl, clock
    finally:
        traveller.stop()


def test_c14_error_book_week(office, timeline):
    o = office
    tl, clock = timeline
    assert tl.monday.weekday() == 0

    # --- before the week: the documents reach the points where they will be returned.
    skip_level = registered(o, "关于申请追加道路养护经费的请示", sender=o.dept)
    misnumbered = registered(o, "关于印发道路安全整治方案的通知", sender=o.province)
    to_screen_again = at_propose(o, "关于报送安全生产检查情况的通知")
    misdistributed = at_handle(o, "关于做好防汛物资储备工作的通知")
    draft = at_approve(o, "关于报送道路安全隐患排查情况的函")
    inspector = supervisor(o)
    flow.circulate(draft.pk, actor=o.clerk, readers=[inspector])
    last_minute = registered(o, "关于商请提供预算数据的函", sender=o.other_gov)
    first_minute = registered(o, "关于开展交通运输统计调查的通知", sender=o.dept)

    clock.move_to(tl.before)
    flow.reject(last_minute.pk, actor=o.clerk, reason="预算数据应直接报市财政局。", kind="乱投件", error_category="程序")

    # --- the week.
    clock.move_to(tl.steps[0])  # 越级件: the category is left to the default (程序)
    flow.reject(skip_level.pk, actor=o.clerk, reason="越级请示，请经市交通运输局主管部门报送。", kind="越级件")
    clock.move_to(tl.steps[1])
    flow.reject(misnumbered.pk, actor=o.clerk, reason="发文字号年份未用六角括号，请更正后重新报送。",
                error_category="格式")
    clock.move_to(tl.steps[2])
    flow.return_task(open_task(to_screen_again, o.director).pk, actor=o.director,
                     to_activation_id=activation(to_screen_again, "screen").pk,
                     reason="摘要把“排查”写成“排插”，请重新初审。", error_category="文字")
    clock.move_to(tl.steps[3])
    flow.return_task(open_task(misdistributed, o.head_a).pk, actor=o.head_a,
                     to_activation_id=activation(misdistributed, "distribute").pk,
                     reason="防汛物资储备不属于综合一处职责，请重新分办。", error_category="程序")
    clock.move_to(tl.steps[4])
    flow.return_task(open_task(draft, o.leader_a).pk, actor=o.leader_a, to_activation_id=activation(draft, "handle").pk,
                     reason="答复稿未写明整改时限，请补充。", error_category="内容")
    clock.move_to(tl.steps[5])
    errorbook.record_correction(draft, actor=o.director, category="文字", unit_at_fault=o.div_a,
                                description="答复稿落款日期与成文日期不一致。")
    # Someone who is no reviewer of the document is refused; nothing is written.
    with refused_nothing_written(exc=NotFound):
        errorbook.record_correction(draft, actor=o.handler_b, category="文字", unit_at_fault=o.div_a,
                                    description="有错别字。")
    with refused_nothing_written("差错类别"):
        errorbook.record_correction(draft, actor=o.director, category="标点", unit_at_fault=o.div_a,
                                    description="标点误用。")
    clock.move_to(tl.steps[6])
    errorbook.record_correction(draft.pk, actor=inspector, category="时效", unit_at_fault=o.div_a,
                                description="答复晚于来文要求的时限一个工作日。")

    # --- the report of this week (the default week while the clock is in it).
    report = errorbook.weekly_report(o.director)
    assert (report.monday, report.sunday) == (tl.monday, date.fromordinal(tl.monday.toordinal() + 6))
    assert report.start == datetime(tl.monday.year, tl.monday.month, tl.monday.day, tzinfo=SHANGHAI)
    assert [(r.label, r.kind, dict(r.cells), r.total) for r in report.rows] == [
        ("秘书科", "处室", {"程序": 1, "格式": 0, "文字": 1, "内容": 0, "时效": 0}, 2),
        ("综合一处", "处室", {"程序": 0, "格式": 0, "文字": 1, "内容": 1, "时效": 1}, 3),
        ("示范省人民政府办公厅", "来文单位", {"程序": 0, "格式": 1, "文字": 0, "内容": 0, "时效": 0}, 1),
        ("示范市交通运输局", "来文单位", {"程序": 1, "格式": 0, "文字": 0, "内容": 0, "时效": 0}, 1),
    ]
    assert report.column_totals == [2, 1, 2, 1, 1] and report.total == 7
    assert report.by_source == {"return": 3, "reject": 2, "review": 2}
    assert [(e.source, e.category) for e in report.entries] == [
        ("reject", "程序"), ("reject", "格式"), ("return", "文字"), ("return", "程序"), ("return", "内容"),
        ("review", "文字"), ("review", "时效")]
    assert all(tl.steps[0] <= e.recorded_at < tl.after for e in report.entries)
    # The 退回s blame the unit that sent the document on; the 退文s the sending agency.
    returns = {e.document_id: e for e in report.entries if e.source == "return"}
    assert returns[to_screen_again.pk].unit_at_fault == o.secretariat
    assert returns[misdistributed.pk].unit_at_fault == o.secretariat
    assert returns[draft.pk].unit_at_fault == o.div_a

    # Everyone entitled reads the same week; the head of 综合一处 only his unit's row; others nobody.
    assert errorbook.weekly_report(o.principal).total == errorbook.weekly_report(inspector).total == 7
    head = errorbook.weekly_report(o.head_a)
    assert head.unit_only and [(r.label, r.total) for r in head.rows] == [("综合一处", 3)]
    with pytest.raises(PermissionDenied):
        errorbook.weekly_report(o.handler_a)

    # --- the first minute of the next week.
    clock.move_to(tl.after)
    flow.reject(first_minute.pk, actor=o.clerk, reason="统计调查通知应由市统计局转发。", kind="乱投件",
                error_category="程序")
    assert timezone.localtime(ErrorRecord.objects.latest("recorded_at").recorded_at).weekday() == 0

    # The week boundaries hold: the last minute of the week before and the first of the
    # week after are counted in their own weeks, not in this one.
    report = errorbook.weekly_report(o.director, tl.monday)
    assert report.total == 7
    assert errorbook.weekly_report(o.director, tl.steps[6].date()).total == 7  # its Sunday
    previous = errorbook.weekly_report(o.director, tl.before.date())
    assert [(r.label, r.total) for r in previous.rows] == [("示范市财政局", 1)]
    following = errorbook.weekly_report(o.director)  # the clock is in the next week now
    assert following.monday == date.fromordinal(tl.monday.toordinal() + 7)
    assert [(r.label, dict(r.cells)["程序"]) for r in following.rows] == [("示范市交通运输局", 1)]
    assert ErrorRecord.objects.count() == 9
