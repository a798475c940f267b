"""The clock of the scenario replays.

Each case is replayed on an ordinary week and again moved across the 2026 holidays:
National Day (10月1日–7日, make-up workday 10月10日, Saturday), Spring Festival (2月15日–23日,
make-up workdays 2月14日 and 2月28日, Saturdays) and New Year (1月1日–3日, make-up 1月4日,
Sunday, the year changing in between). A case asks ``clock.next()`` before each step;
each timeline gives the moments of its steps in order, the last one repeating.
"""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=9, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


TIMELINES = {
    # An ordinary working week in March.
    "ordinary": [at(2026, 3, 9, 9, 30), at(2026, 3, 9, 10, 15), at(2026, 3, 9, 14, 0), at(2026, 3, 10, 9, 0),
                 at(2026, 3, 10, 15, 30), at(2026, 3, 11, 10, 0), at(2026, 3, 12, 9, 0), at(2026, 3, 13, 16, 0)],
    # Handed in on the evening before National Day; the office picks it up on the first day
    # back, and the rest happens on the make-up Saturday and the week after.
    "national_day": [at(2026, 9, 30, 17, 50), at(2026, 10, 8, 8, 35), at(2026, 10, 8, 11, 0),
                     at(2026, 10, 9, 15, 0), at(2026, 10, 10, 9, 0), at(2026, 10, 10, 16, 30),
                     at(2026, 10, 12, 9, 0), at(2026, 10, 13, 10, 0)],
    # Friday before Spring Festival, the make-up Saturday, after the break, the second make-up.
    "spring_festival": [at(2026, 2, 13, 17, 40), at(2026, 2, 14, 9, 0), at(2026, 2, 14, 10, 30),
                        at(2026, 2, 24, 9, 0), at(2026, 2, 25, 14, 0), at(2026, 2, 27, 10, 0),
                        at(2026, 2, 28, 9, 30), at(2026, 3, 2, 9, 0)],
    # Handed in on New Year's Eve, picked up on the make-up Sunday of the new year.
    "new_year": [at(2025, 12, 31, 16, 30), at(2026, 1, 4, 8, 40), at(2026, 1, 4, 10, 0), at(2026, 1, 5, 9, 0),
                 at(2026, 1, 5, 15, 0), at(2026, 1, 6, 9, 0), at(2026, 1, 7, 10, 0), at(2026, 1, 8, 9, 0)],
}


@dataclass
class Clock:
    name: str
    moments: list[datetime]
    traveller: object = None
    index: int = -1
    visited: list[datetime] = field(default_factory=list)

    def next(self) -> datetime:
        """Move the clock to the next step of the timeline (it keeps ticking from there)."""
        self.index = min(self.index + 1, len(self.moments) - 1)
        moment = self.moments[self.index]
        self.traveller.move_to(moment)
        self.visited.append(moment)
        return moment

    @property
    def now(self) -> datetime:
        return self.moments[max(self.index, 0)]


@pytest.fixture(params=list(TIMELINES), ids=list(TIMELINES))
def clock(request):
    moments = TIMELINES[request.param]
    traveller = time_machine.travel(moments[0], tick=True)
    coordinates = traveller.start()
    try:
        yield Clock(request.param, moments, coordinates)
    finally:
        traveller.stop()
