"""The demo office has an error book from the first click: this week's report has entries
in every category (the demo's 退文 and 退回 through the engine, corrections found in review),
the week before is not empty, and a division head sees their own unit's entries."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from org.demo import load_demo
from org.models import Person
from supervision import errorbook
from supervision.models import ErrorRecord

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.demo_content
def test_the_demo_error_book_is_filled(client):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI), tick=True):
        load_demo()
        director = Person.objects.get(user__username="zhuren")
        report = errorbook.weekly_report(director)
        assert all(report.column_totals), report.column_totals  # every category has an entry
        assert report.by_source["reject"] >= 3 and report.by_source["return"] >= 1 and report.by_source["review"] >= 3
        labels = [r.label for r in report.rows]
        assert {"综合二科", "秘书科", "示范市住房和城乡建设局"} <= set(labels)
        previous = errorbook.weekly_report(director, report.monday - timedelta(days=7))
        assert previous.total == 2
        client.force_login(director.user)
        html = client.get("/supervision/errorbook/").content.decode()
        assert "错题本周报" in html and "民生事实" in html and 'href="/supervision/errorbook/"' in html
        head = Person.objects.get(user__username="chuzhang2")
        assert {r.label for r in errorbook.weekly_report(head).rows} == {"综合二科"}
        assert ErrorRecord.objects.filter(source="reject", category="程序").count() >= 3
