"""The duty roster of the demo office (值班表), for the current and the next month.

Every day has a 24-hour shift (08:00 to 08:00 the next morning) rotating among the
office's duty officer, confidential clerk and clerk; on non-working days a leader is on
duty as well (带班领导). Shifts from now on are arranged by the clerk through
``org.duty.add_shift``; the days already past this month are written as the duty record
(the service refuses to arrange a shift that has ended). Called by ``demo.office.load_demo``
before the documents; running it again adds nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from deadlines.engine import is_non_working_day
from org import duty
from org.models import DutyShift

ROTAS = {
    # agency: (the clerk who arranges it, the staff on duty in turn, the leaders on duty in turn)
    "gov": ("wenshu", ("zhiban", "jiyao", "wenshu"), ("fushizhang1", "fushizhang2", "fushizhang3")),
    "party": ("sw_wenshu", ("sw_zhiban", "sw_jiyao", "sw_wenshu"), ("fushuji", "mishuzhang")),
}
SHIFT_START = time(8, 0)


def _months(today: date) -> tuple[date, date]:
    """The first day of this month and the last day of the next."""
    first = today.replace(day=1)
    after_next = (first + timedelta(days=62)).replace(day=1)
    return first, after_next - timedelta(days=1)


def load(ctx) -> None:
    now = ctx.now
    first, last = _months(timezone.localdate(now))
    for key, (arranger, staff, leaders) in ROTAS.items():
        agency = ctx.agencies.get(key)
        if agency is None or DutyShift.objects.filter(agency=agency).exists():
            continue
        clerk = ctx.people[arranger]
        staff_people = [ctx.people[u] for u in staff if u in ctx.people]
        leader_people = [ctx.people[u] for u in leaders if u in ctx.people]
        past = []
        day, n, n_leader = first, 0, 0
        while day <= last:
            starts = timezone.make_aware(datetime.combine(day, SHIFT_START))
            ends = starts + timedelta(days=1)
            on_duty = [(staff_people[n % len(staff_people)], "值班")]
            n += 1
            if leader_people and is_non_working_day(agency, starts + timedelta(hours=4)):
                on_duty.append((leader_people[n_leader % len(leader_people)], "带班领导"))
                n_leader += 1
            for person, note in on_duty:
                if ends <= now:
                    past.append(DutyShift(agency=agency, person=person, starts_at=starts, ends_at=ends, note=note,
                                          created_by=clerk, created_at=starts - timedelta(days=7)))
                else:
                    duty.add_shift(actor=clerk, agency=agency, person=person, starts_at=starts, ends_at=ends, note=note)
            day += timedelta(days=1)
        DutyShift.objects.bulk_create(past)
