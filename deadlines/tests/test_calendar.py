"""The working-time calendar by example (RULES.md §8): exact across nights, weekends, the
2026 holidays and make-up workdays, the year change; a year without data refused; the
sender's wording; per-agency working hours; clock-time units."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from deadlines.calendar import YearUnknown
from deadlines.models import CalendarYear, LimitUnit, WorkingHours
from deadlines.services import add_limit, calendar_for, sender_deadline

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=9, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def _days(start: date, end: date):
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)


# RULES.md §8, 2026, as the State Council published it.
OFF_2026 = [(1, 1, 1, 3), (2, 15, 2, 23), (4, 4, 4, 6), (5, 1, 5, 5), (6, 19, 6, 21), (9, 25, 9, 27), (10, 1, 10, 7)]
MAKEUP_2026 = [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20),
               date(2026, 10, 10)]


def test_2026_matches_the_state_council_schedule():
    cal = calendar_for()
    off = {d for m1, d1, m2, d2 in OFF_2026 for d in _days(date(2026, m1, d1), date(2026, m2, d2))}
    for day in _days(date(2026, 1, 1), date(2026, 12, 31)):
        expected = day in MAKEUP_2026 or (day.weekday() < 5 and day not in off)
        assert cal.is_workday(day) == expected, day


@pytest.mark.parametrize(("start", "amount", "unit", "due"), [
    # same day, over lunch, to the end of the morning (not 14:30), nights, before hours
    (at(2026, 3, 9, 10), 4, "h", at(2026, 3, 9, 16, 30)),
    (at(2026, 3, 9, 12, 30), 1, "h", at(2026, 3, 9, 15, 30)),
    (at(2026, 3, 9, 11), 60, "m", at(2026, 3, 9, 12)),
    (at(2026, 3, 10, 20), 30, "m", at(2026, 3, 11, 9)),
    (at(2026, 3, 10, 7), 30, "m", at(2026, 3, 10, 9)),
    (at(2026, 3, 9, 10), 1, "d", at(2026, 3, 10, 10)),
    # the weekend
    (at(2026, 3, 13, 17), 2, "h", at(2026, 3, 16, 9, 30)),
    (at(2026, 3, 13, 19), 1, "d", at(2026, 3, 16, 18)),
    (at(2026, 3, 14, 10), 30, "m", at(2026, 3, 16, 9)),
    # National Day: 10月1日–7日 off, Saturday 10月10日 a make-up workday
    (at(2026, 9, 30, 17), 2, "h", at(2026, 10, 8, 9, 30)),
    (at(2026, 10, 3, 10), 8, "h", at(2026, 10, 9, 9, 30)),
    (at(2026, 10, 9, 17), 2, "h", at(2026, 10, 10, 9, 30)),
    (at(2026, 10, 9, 17), 1, "d", at(2026, 10, 10, 17)),
    # Spring Festival: 2月15日–23日 off, Saturdays 2月14日 and 28日 make-up workdays
    (at(2026, 2, 13, 17), 2, "h", at(2026, 2, 14, 9, 30)),
    (at(2026, 2, 14, 17), 2, "h", at(2026, 2, 24, 9, 30)),
    (at(2026, 2, 27, 17), 1, "h", at(2026, 2, 27, 18)),
    (at(2026, 2, 27, 17, 30), 1, "h", at(2026, 2, 28, 9)),
    # New Year, the year changing: 1月1日–3日 off, Sunday 1月4日 a make-up workday
    (at(2025, 12, 31, 17), 2, "h", at(2026, 1, 4, 9, 30)),
    (at(2025, 12, 31, 17), 1, "d", at(2026, 1, 4, 17)),
    # 劳动节 5月1日–5日, make-up Saturday 5月9日; 端午 6月19日–21日
    (at(2026, 4, 30, 17), 1, "d", at(2026, 5, 6, 17)),
    (at(2026, 5, 8, 17), 2, "h", at(2026, 5, 9, 9, 30)),
    (at(2026, 6, 18, 17), 2, "h", at(2026, 6, 22, 9, 30)),
])
def test_adding_working_time(start, amount, unit, due):
    cal = calendar_for()
    add = {"m": cal.add_minutes, "h": cal.add_hours, "d": cal.add_days}[unit]
    assert add(start, amount) == due
    minutes = {"m": 1, "h": 60, "d": 420}[unit] * amount
    assert cal.working_minutes_between(start, due) == pytest.approx(minutes)


@pytest.mark.parametrize(("a", "b", "minutes"), [
    (at(2026, 3, 13, 17), at(2026, 3, 16, 9, 30), 120),
    (at(2026, 9, 30, 8, 30), at(2026, 10, 8, 18), 840),      # two working days around a week off
    (at(2026, 10, 1, 9), at(2026, 10, 7, 18), 0),            # inside the holiday: nothing
    (at(2026, 2, 13, 8, 30), at(2026, 2, 28, 18), 7 * 420),  # 13th, make-up 14th, 24th–27th, make-up 28th
    (at(2026, 3, 9, 12), at(2026, 3, 9, 14, 30), 0),         # lunch
    (at(2026, 3, 9, 18), at(2026, 3, 10, 8, 30), 0),         # night
    (at(2026, 3, 10, 9), at(2026, 3, 9, 9), -420),           # backwards is negative
])
def test_measuring_working_time(a, b, minutes):
    cal = calendar_for()
    assert cal.working_minutes_between(a, b) == pytest.approx(minutes)


def test_nothing_to_add_is_the_next_working_instant():
    cal = calendar_for()
    assert cal.add_minutes(at(2026, 3, 9, 10), 0) == at(2026, 3, 9, 10)
    assert cal.add_minutes(at(2026, 3, 9, 12, 30), 0) == at(2026, 3, 9, 14, 30)
    assert cal.add_minutes(at(2026, 10, 2, 10), 0) == at(2026, 10, 8, 8, 30)
    # Half a second after the end of the morning is lunch, not the morning (fixed bug).
    assert cal.add_minutes(at(2026, 3, 9, 12).replace(microsecond=500000), 0) == at(2026, 3, 9, 14, 30)
    assert not cal.is_working_instant(at(2026, 3, 9, 12).replace(microsecond=500000))
    assert cal.is_working_instant(at(2026, 3, 9, 12)) and cal.is_working_instant(at(2026, 3, 9, 8, 30))
    with pytest.raises(ValueError, match="negative"):
        cal.add_minutes(at(2026, 3, 9, 10), -1)


def test_a_year_without_data_is_refused_with_a_chinese_message():
    cal = calendar_for()
    assert not CalendarYear.objects.filter(year=2027).exists()
    with pytest.raises(YearUnknown) as info:
        cal.add_days(at(2026, 12, 30, 10), 5)
    assert info.value.year == 2027
    assert "2027年的节假日安排尚未录入工作日历" in info.value.message
    assert "系统管理员" in info.value.message
    for call in (lambda: cal.is_workday(date(2027, 1, 4)),
                 lambda: cal.working_minutes_between(at(2026, 12, 31), at(2027, 1, 4)),
                 lambda: cal.add_hours(at(2027, 1, 4, 9), 1)):
        with pytest.raises(YearUnknown, match="2027年"):
            call()
    # Up to the last minute of the known year is fine.
    assert cal.add_hours(at(2026, 12, 31, 16), 2) == at(2026, 12, 31, 18)


def test_a_gap_year_is_refused_not_skipped():
    """With 2028 entered but not 2027, a limit running into 2027 does not jump to 2028."""
    CalendarYear.objects.create(year=2028)
    cal = calendar_for()
    with pytest.raises(YearUnknown, match="2027年"):
        cal.add_days(at(2026, 12, 30, 10), 5)


def test_sender_wording():
    day = date(2026, 3, 8)
    assert sender_deadline(None, day, "noon") == (at(2026, 3, 8, 12), "3月8日上午下班前")
    assert sender_deadline(None, day, "close") == (at(2026, 3, 8, 18), "3月8日下班前")
    assert sender_deadline(None, day, "time", time(10, 30)) == (at(2026, 3, 8, 10, 30), "3月8日10:30前")


def test_sender_wording_refusals():
    from gongwen.errors import DomainError

    with pytest.raises(DomainError, match="具体时间"):
        sender_deadline(None, date(2026, 3, 8), "time")
    with pytest.raises(DomainError, match="时限类别无效"):
        sender_deadline(None, date(2026, 3, 8), "dawn")


def test_per_agency_working_hours(office):
    WorkingHours.objects.create(agency=office.dept, morning_start=time(9), morning_end=time(11, 30),
                                afternoon_start=time(13, 30), afternoon_end=time(17, 30))
    dept, gov = calendar_for(office.dept), calendar_for(office.gov)
    assert dept.hours.day_seconds == 6.5 * 3600 and gov.hours.day_seconds == 7 * 3600
    assert dept.add_hours(at(2026, 3, 9, 11), 2) == at(2026, 3, 9, 15)
    assert gov.add_hours(at(2026, 3, 9, 11), 2) == at(2026, 3, 9, 15, 30)
    assert dept.add_days(at(2026, 3, 13, 10), 1) == at(2026, 3, 16, 10)
    assert dept.add_minutes(at(2026, 3, 9, 8, 40), 10) == at(2026, 3, 9, 9, 10)
    assert gov.add_minutes(at(2026, 3, 9, 8, 40), 10) == at(2026, 3, 9, 8, 50)
    # The sender's "上午下班前" follows the receiving agency's hours.
    assert sender_deadline(office.dept, date(2026, 3, 9), "noon")[0] == at(2026, 3, 9, 11, 30)
    assert sender_deadline(office.gov, date(2026, 3, 9), "noon")[0] == at(2026, 3, 9, 12)
    assert sender_deadline(office.dept, date(2026, 3, 9), "close")[0] == at(2026, 3, 9, 17, 30)
    # Both calendars share the deployment's days.
    assert dept.is_workday(date(2026, 10, 10)) and not dept.is_workday(date(2026, 10, 7))


def test_clock_time_units_run_through_nights_and_holidays():
    cal = calendar_for()
    start = at(2026, 10, 2, 22)  # National Day, 22:00
    assert add_limit(cal, start, 1, LimitUnit.CLOCK_HOURS) == at(2026, 10, 2, 23)
    assert add_limit(cal, start, 90, LimitUnit.CLOCK_MINUTES) == at(2026, 10, 2, 23, 30)
    assert add_limit(cal, start, 2, LimitUnit.CLOCK_DAYS) == at(2026, 10, 4, 22)
    # and need no holiday data at all
    assert add_limit(cal, at(2027, 5, 1, 22), 1, LimitUnit.CLOCK_HOURS) == at(2027, 5, 1, 23)
    # the working units for comparison
    assert add_limit(cal, start, 1, LimitUnit.WORK_HOURS) == at(2026, 10, 8, 9, 30)
    assert add_limit(cal, start, 30, LimitUnit.WORK_MINUTES) == at(2026, 10, 8, 9)
    assert add_limit(cal, start, 1, LimitUnit.WORK_DAYS) == at(2026, 10, 8, 18)
    with pytest.raises(ValueError):
        add_limit(cal, start, 1, "fortnights")
