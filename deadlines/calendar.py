"""Working time (工作时间): adding working time to an instant and measuring it between two.

Written by hand because no library does it: ``chinesecalendar`` says whether a date is a
workday (and stops at the last year it knows), and general business-hours packages know
neither 调休 (make-up workdays on weekends) nor per-agency working periods. The data come
from our own tables (seeded from ``chinesecalendar``, edited by the administrator).

The model is a *position*: the number of working seconds from the start of the first
known year up to an instant. Every working day contributes its periods; nights, weekends
and holidays contribute nothing. Then
  - working time between a and b is ``position(b) - position(a)``, and
  - adding d to a is the earliest instant whose position is ``position(a) + d``,
which makes both exact and consistent with each other by construction (adding then
measuring gives back the amount; the result is monotonic in the start; a due time is
never outside working hours: "上午下班前" is 12:00, not 14:30). Positions of day starts are
precomputed once per calendar version, so both operations cost a dictionary lookup and
a binary search, fast enough for statistics over a million tasks.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from gongwen.errors import DomainError

LOCAL = timezone.get_default_timezone


class YearUnknown(DomainError):
    """The holiday schedule of a year is not in the calendar: refuse, never guess."""

    def __init__(self, year: int):
        super().__init__(
            f"{year}年的节假日安排尚未录入工作日历，无法计算落在{year}年的办理时限。"
            f"请系统管理员在“工作日历”中录入国务院公布的{year}年节假日安排（放假和调休上班日期）。",
            code="calendar_year_unknown",
        )
        self.year = year


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


@dataclass(frozen=True)
class Hours:
    """An agency's working periods of a day, in seconds after midnight, in order."""

    periods: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, *pairs: tuple[time, time]) -> Hours:
        periods = tuple((_seconds(a), _seconds(b)) for a, b in pairs)
        for (a, b), nxt in zip(periods, periods[1:] + ((None, None),), strict=True):
            if not a < b or (nxt[0] is not None and nxt[0] < b):
                raise DomainError("作息时间无效：每段上班时间应早于下班时间，且上午在下午之前。")
        return cls(periods)

    @property
    def day_seconds(self) -> int:
        return sum(b - a for a, b in self.periods)

    def worked(self, second: float) -> float:
        """Working seconds of a working day up to ``second`` after midnight."""
        return sum(min(max(second, a), b) - a for a, b in self.periods)

    def at(self, worked: float) -> float:
        """The earliest second of a working day by which ``worked`` (> 0) seconds are done."""
        for a, b in self.periods:
            if worked <= b - a:
                return a + worked
            worked -= b - a
        return self.periods[-1][1]

    def end_of_morning(self) -> time:
        s = self.periods[0][1]
        return time(s // 3600, s // 60 % 60)

    def end_of_day(self) -> time:
        s = self.periods[-1][1]
        return time(s // 3600, s // 60 % 60)


class WorkCalendar:
    """Working time for one set of hours over the known years."""

    def __init__(self, hours: Hours, known_years: set[int], exceptions: dict[date, bool]):
        self.hours = hours
        self.known_years = frozenset(known_years)
        self.exceptions = exceptions
        first = min(known_years) if known_years else date.today().year  # noqa: DTZ011 (empty calendar)
        last = max(known_years) if known_years else first
        self.first = date(first, 1, 1)
        self.last = date(last, 12, 31)
        self.days = (self.last - self.first).days + 1
        # starts[i]: position at the start of day i; ends[i]: at its end.
        self.starts: list[int] = []
        self.ends: list[int] = []
        pos = 0
        day = self.first
        for _ in range(self.days):
            self.starts.append(pos)
            if day.year in self.known_years and self._is_workday(day):
                pos += hours.day_seconds
            self.ends.append(pos)
            day += timedelta(days=1)

    # --- days --------------------------------------------------------------------------

    def _is_workday(self, day: date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5

    def check_year(self, year: int) -> None:
        if year not in self.known_years:
            raise YearUnknown(year)

    def is_workday(self, day: date) -> bool:
        self.check_year(day.year)
        return self._is_workday(day)

    def _check_span(self, a: date, b: date) -> None:
        for year in range(min(a, b).year, max(a, b).year + 1):
            self.check_year(year)

    # --- positions ---------------------------------------------------------------------

    def position(self, instant: datetime) -> float:
        local = timezone.localtime(instant, LOCAL())
        day = local.date()
        self.check_year(day.year)
        i = (day - self.first).days
        if self.ends[i] == self.starts[i]:
            return self.starts[i]
        second = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
        return self.starts[i] + self.hours.worked(second)

    def instant(self, position: float) -> datetime:
        """The earliest instant at ``position`` (> the first known instant)."""
        i = bisect.bisect_left(self.ends, position)
        if i >= self.days:
            raise YearUnknown(self.last.year + 1)
        day = self.first + timedelta(days=i)
        second = self.hours.at(position - self.starts[i])
        naive = datetime.combine(day, time()) + timedelta(seconds=second)
        return timezone.make_aware(naive, LOCAL())

    # --- the two operations --------------------------------------------------------------

    def working_seconds_between(self, a: datetime, b: datetime) -> float:
        """Working seconds from ``a`` to ``b`` (negative when b is before a)."""
        return self.position(b) - self.position(a)

    def working_minutes_between(self, a: datetime, b: datetime) -> float:
        return self.working_seconds_between(a, b) / 60

    def add_seconds(self, start: datetime, seconds: float) -> datetime:
        """The instant by which ``seconds`` of working time after ``start`` are done. With
        nothing to add, the start itself, or the next working instant after it."""
        if seconds < 0:
            raise ValueError("working time to add must not be negative")
        begin = self.position(start)
        if seconds == 0:
            if self.is_working_instant(start):
                return start
            return self.instant(begin + 1e-6).replace(microsecond=0)
        result = self.instant(begin + seconds)
        self._check_span(timezone.localdate(start, LOCAL()), timezone.localdate(result, LOCAL()))
        return result

    def add_minutes(self, start: datetime, minutes: float) -> datetime:
        return self.add_seconds(start, minutes * 60)

    def add_hours(self, start: datetime, hours: float) -> datetime:
        return self.add_seconds(start, hours * 3600)

    def add_days(self, start: datetime, days: float) -> datetime:
        """Working days as so many full working days' time: received Monday 10:00, one
        working day is Tuesday 10:00; received Friday after hours, Monday at close."""
        return self.add_seconds(start, days * self.hours.day_seconds)

    def is_working_instant(self, instant: datetime) -> bool:
        local = timezone.localtime(instant, LOCAL())
        if not self.is_workday(local.date()):
            return False
        # To the microsecond: 12:00:00.5 is after the end of the morning, not in it.
        s = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
        return any(a <= s <= b for a, b in self.hours.periods)

    def next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def end_of_morning(self, day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, self.hours.end_of_morning()), LOCAL())

    def end_of_day(self, day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, self.hours.end_of_day()), LOCAL())
