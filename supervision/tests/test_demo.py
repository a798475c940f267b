"""The demo office has a filled supervision ledger from the first click: items in every
state, one stalled and escalated, one instructed five times, and a bulletin with content."""

from datetime import datetime

import pytest
import time_machine
from django.urls import reverse

from deadlines.models import Notification
from org.demo import load_demo
from org.models import Person
from supervision import bulletin
from supervision.models import SupervisionEvent, SupervisionItem
from supervision.tests.conftest import SHANGHAI

pytestmark = pytest.mark.django_db


@pytest.mark.demo_content
def test_the_demo_ledger_is_filled(client):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI), tick=True):
        load_demo()
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
