"""Properties of the working-time calendar (issue 3): over random instants of 2025–2026
(nights, weekends, every holiday and make-up workday of both years) and random amounts,
with the deployment's hours and with an agency's own:

1. adding then measuring gives back the amount;
2. a due time (amount > 0) is inside a working period of a working day, period ends
   included ("上午下班前" is 12:00, never 14:30);
3. adding is monotonic in the start instant;
4. measuring is additive (a→b plus b→c is a→c), and nothing is counted outside periods.

The calendar is the one production uses (``calendar_for``, built from the tables the
migration seeded from chinesecalendar); hypothesis runs inside one test so the database
is set up once.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from deadlines.calendar import YearUnknown
from deadlines.models import LimitUnit, WorkingHours
from deadlines.services import add_limit, calendar_for

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
FIRST = datetime(2025, 1, 1, tzinfo=SH)
LAST = datetime(2026, 12, 1, tzinfo=SH)
SPAN = int((LAST - FIRST).total_seconds())

# Instants anywhere in the span, to the second, with a bias to the edges of the periods
# (08:30, 12:00, 14:30, 18:00 and a minute either side) where off-by-one errors live.
EDGES = [time(8, 29), time(8, 30), time(8, 31), time(11, 59), time(12), time(12, 1), time(14, 29), time(14, 30),
         time(14, 31), time(17, 59), time(18), time(18, 1), time(0), time(23, 59, 59)]
anywhere = st.integers(0, SPAN).map(lambda s: FIRST + timedelta(seconds=s))
on_edge = st.tuples(st.integers(0, SPAN // 86400), st.sampled_from(EDGES)).map(
    lambda t: datetime.combine((FIRST + timedelta(days=t[0])).date(), t[1], tzinfo=SH))
instants = st.one_of(anywhere, on_edge)
# Up to 20 working days, in minutes; and the engine's units.
minutes = st.integers(1, 20 * 7 * 60)
limits = st.tuples(st.integers(1, 40), st.sampled_from([LimitUnit.WORK_MINUTES, LimitUnit.WORK_HOURS,
                                                        LimitUnit.WORK_DAYS]))

RUN = settings(max_examples=400, deadline=None, derandomize=True, database=None,
               suppress_health_check=list(HealthCheck))


def _inside_a_period(cal, instant: datetime) -> bool:
    local = instant.astimezone(SH)
    if not cal.is_workday(local.date()):
        return False
    second = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
    return any(a <= second <= b for a, b in cal.hours.periods)


@pytest.fixture(params=["default", "agency"])
def cal(request, office):
    if request.param == "agency":
        WorkingHours.objects.create(agency=office.dept, morning_start=time(9), morning_end=time(11, 30),
                                    afternoon_start=time(13, 30), afternoon_end=time(17, 30))
        return calendar_for(office.dept)
    return calendar_for(office.gov)


def test_adding_then_measuring_gives_back_the_amount(cal):
    @RUN
    @given(start=instants, amount=minutes)
    def check(start, amount):
        try:
            due = cal.add_minutes(start, amount)
        except YearUnknown:
            assume(False)
        assert cal.working_minutes_between(start, due) == pytest.approx(amount, abs=1e-6)
        assert due > start

    check()


def test_due_times_never_fall_outside_working_hours(cal):
    @RUN
    @given(start=instants, limit=limits)
    def check(start, limit):
        amount, unit = limit
        try:
            due = add_limit(cal, start, amount, unit)
        except YearUnknown:
            assume(False)
        assert _inside_a_period(cal, due), f"{start} + {amount} {unit} = {due}"
        # and it is the earliest such instant: one second earlier is not yet enough
        assert cal.working_seconds_between(start, due - timedelta(seconds=1)) < amount * {
            LimitUnit.WORK_MINUTES: 60, LimitUnit.WORK_HOURS: 3600, LimitUnit.WORK_DAYS: cal.hours.day_seconds}[unit]

    check()


def test_adding_is_monotonic_in_the_start(cal):
    @RUN
    @given(a=instants, b=instants, amount=minutes)
    def check(a, b, amount):
        a, b = min(a, b), max(a, b)
        try:
            due_a, due_b = cal.add_minutes(a, amount), cal.add_minutes(b, amount)
        except YearUnknown:
            assume(False)
        assert due_a <= due_b

    check()


def test_measuring_is_additive_and_counts_only_working_periods(cal):
    @RUN
    @given(a=instants, b=instants, c=instants)
    def check(a, b, c):
        ab, bc, ac = (cal.working_seconds_between(a, b), cal.working_seconds_between(b, c),
                      cal.working_seconds_between(a, c))
        assert ab + bc == pytest.approx(ac, abs=1e-3)
        lo, hi = min(a, c), max(a, c)
        # Never more than the elapsed time, and nothing on a day that is not worked.
        assert abs(ac) <= (hi - lo).total_seconds() + 1e-3
        if lo.astimezone(SH).date() == hi.astimezone(SH).date() and not cal.is_workday(lo.astimezone(SH).date()):
            assert ac == 0

    check()


def test_nothing_to_add_lands_on_a_working_instant(cal):
    @RUN
    @given(start=instants)
    def check(start):
        try:
            due = cal.add_minutes(start, 0)
        except YearUnknown:
            assume(False)
        assert due >= start - timedelta(seconds=1)
        assert _inside_a_period(cal, due)
        assert cal.working_seconds_between(start, due) == pytest.approx(0, abs=1e-3)

    check()
