"""The demo office's duty roster: the current and the next month for the city government
office and the Party committee office, arranged through the service; loading it again
adds nothing. The demo office is loaded on a Saturday morning (demo_clock)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from audit.services import verify_chain
from demo import duty as duty_demo
from org import duty
from org.models import Agency, DutyShift, Person

pytestmark = [pytest.mark.django_db, pytest.mark.demo_content]

SH = ZoneInfo("Asia/Shanghai")
SATURDAY = datetime(2026, 3, 14, 9, 0, tzinfo=SH)


@pytest.fixture(scope="module")
def demo_clock():
    return SATURDAY, False


class Ctx:
    """What duty_demo.load reads from the demo loader's context."""

    def __init__(self, now):
        self.now = now
        self.agencies = {"gov": Agency.objects.get(name="示范市人民政府办公室"),
                         "party": Agency.objects.get(name="中共示范市委办公室")}
        self.people = {p.user.username: p for p in Person.objects.select_related("user")}


def test_demo_roster_for_this_month_and_the_next(demo_office):
    with time_machine.travel(SATURDAY, tick=False):
        ctx = Ctx(SATURDAY)
        duty_demo.load(ctx)  # a no-op: demo.office.load_demo has run it
        gov, party = ctx.agencies["gov"], ctx.agencies["party"]
        for agency in (gov, party):
            start = datetime(2026, 3, 1, 8, tzinfo=SH)
            end = datetime(2026, 5, 1, 8, tzinfo=SH)
            days = {s.starts_at.astimezone(SH).date() for s in duty.roster(agency, start, end)}
            assert len(days) == 31 + 30  # every day of March and April
        # Saturday morning: the duty officer's turn or a colleague's, and a leader (带班领导).
        now = [p.user.username for p in duty.on_duty(gov, SATURDAY)]
        assert len(now) == 2 and now[1] in ("fushizhang1", "fushizhang2", "fushizhang3")
        assert [p.user.username for p in duty.on_duty(gov, datetime(2026, 3, 16, 10, tzinfo=SH))] in (
            ["zhiban"], ["jiyao"], ["wenshu"])  # a Monday: no leader
        assert DutyShift.objects.filter(agency=gov, ends_at__lte=SATURDAY).exists()  # the record of past days
        count = DutyShift.objects.count()
        duty_demo.load(ctx)
        assert DutyShift.objects.count() == count
        assert verify_chain()[0]
        # The people of the demo office see it on the 值班表 page.
        assert duty.can_view_roster(ctx.people["chengban1"], gov)
        assert duty.can_edit_roster(ctx.people["wenshu"], gov)
