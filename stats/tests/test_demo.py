"""The demo office has statistics from the first click."""

import pytest

from org.demo import load_demo
from org.models import Person
from stats import services
from stats.models import AgencyMonthStat, UnitMonthStat

pytestmark = pytest.mark.django_db


@pytest.mark.demo_content
def test_demo_dashboard_has_figures(client):
    load_demo()
    year, month = services.current_month()
    gov = Person.objects.get(user__username="zhuren").agency
    assert AgencyMonthStat.objects.filter(agency=gov, year=year, month=month).exists()
    assert AgencyMonthStat.objects.filter(agency=gov, year=services.previous_month(year, month)[0],
                                          month=services.previous_month(year, month)[1]).exists()
    assert sum(UnitMonthStat.objects.filter(agency=gov, year=year, month=month).values_list("received", flat=True))
    client.force_login(Person.objects.get(user__username="zhuren").user)
    r = client.get("/stats/")
    assert r.status_code == 200 and "处室办件统计" in r.content.decode()
    # A division head of the demo sees their unit.
    client.force_login(Person.objects.get(user__username="chuzhang1").user)
    html = client.get("/stats/").content.decode()
    assert "综合一科" in html and "综合二科" not in html
