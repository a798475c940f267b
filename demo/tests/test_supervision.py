"""The demo office has a filled supervision ledger and error book from the first click,
loaded once at 10:00 on 20 November 2026 for both tests (demo_clock; each test runs on from
the end of the load, as each did when it loaded the demo itself under that clock).

The ledger: items in every state, one stalled and escalated, one instructed five times, and
a bulletin with content. The error book: this week's report has entries in every category
(the demo's 退文 and 退回 through the engine, corrections found in review), the week before
is not empty, and a division head sees their own unit's entries."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from deadlines.models import Notification
from org.models import Person
from supervision import bulletin
from supervision.errorbook import services as errorbook
from supervision.models import ErrorRecord, SupervisionEvent, SupervisionItem
from supervision.tests.conftest import SHANGHAI

pytestmark = [pytest.mark.django_db, pytest.mark.demo_content]


@pytest.fixture(scope="module")
def demo_clock():
    return datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI), True


# --- the ledger (from supervision/tests/test_demo.py) ---------------------------------------------


def test_the_demo_ledger_is_filled(client, demo_office):
    supervisor = Person.objects.get(user__username="duchayuan")
    items = SupervisionItem.objects.filter(agency=supervisor.agency)
    assert set(items.values_list("state", flat=True)) == {"open", "stalled", "reported", "closed"}
    assert items.filter(instruction_count=5).count() == 1
    stalled = items.get(state="stalled")
    assert SupervisionEvent.objects.filter(item=stalled, kind="stall").count() == 1
    assert Notification.objects.filter(recipient__user__username="fushizhang3", title__contains="停滞").exists()
    assert items.filter(document__isnull=False).count() == 2
    client.force_login(supervisor.user)
    html = client.get(reverse("supervision:ledger")).content.decode()
    for title in ("国省干线公路养护工程资金安排", "修订我市防汛抗旱应急预案", "城区停车难问题专项治理",
                  "今冬明春供暖保障工作", "政务服务“一网通办”与12345热线衔接机制"):
        assert title in html
    assert "5 次" in html
    item = client.get(reverse("supervision:item", args=[items.get(state="reported").pk])).content.decode()
    assert "审核办结报告" in item
    b = bulletin.build(actor=supervisor, year=2026, month=11)
    assert b.overdue and b.stalled and b.late_without_reason and b.rates
    # The party office's supervisor has theirs.
    party = Person.objects.get(user__username="sw_duchayuan")
    client.force_login(party.user)
    assert client.get(reverse("supervision:ledger")).context["page"].paginator.count == 1
    # A division head sees only the items of the units they are party to.
    client.force_login(Person.objects.get(user__username="chuzhang3").user)
    assert [i.title for i in client.get(reverse("supervision:ledger")).context["page"].object_list] == [
        "修订我市防汛抗旱应急预案"]


# --- the error book (from supervision/tests/test_errorbook_demo.py) ------------------------------


def test_the_demo_error_book_is_filled(client, demo_office):
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
