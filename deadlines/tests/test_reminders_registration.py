"""The registration form and the API take the sender's deadline in the agency's own
working hours, and the two flags that change the time limits (紧急信息报告, 须代拟稿)."""

from datetime import time

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from api.tests.helpers import ApiClient
from deadlines.models import WorkingHours
from documents.models import Document

from .reminder_helpers import at


@pytest.fixture
def short_hours(office):
    """The city government office works 08:00–11:30 and 14:00–17:30."""
    WorkingHours.objects.create(agency=office.gov, morning_start=time(8, 0), morning_end=time(11, 30),
                                afternoon_start=time(14, 0), afternoon_end=time(17, 30))
    return office


def test_noon_is_the_agency_end_of_morning(short_hours, client):
    o = short_hours
    client.force_login(o.clerk.user)
    with time_machine.travel(at(2026, 3, 6, 9, 0), tick=False):
        r = client.post("/documents/new/", {
            "slip_kind": "relay", "doc_type": "通知", "title": "关于报送道路安全整治情况的通知",
            "sender": o.province.pk, "copies": 1, "deadline_date": "2026-03-09", "deadline_kind": "noon",
            "is_emergency_report": "", "needs_proxy_draft": "on"}, follow=True)
    assert r.status_code == 200
    doc = Document.objects.get()
    assert doc.sender_deadline_text == "3月9日上午下班前"
    assert timezone.localtime(doc.sender_deadline) == at(2026, 3, 9, 11, 30)
    assert doc.needs_proxy_draft and not doc.is_emergency_report
    # The form shown again at the 登记 node reads it back as 上午下班前.
    from incoming.forms import IncomingForm

    initial = IncomingForm.initial_from(doc)
    assert initial["deadline_kind"] == "noon" and initial["needs_proxy_draft"] is True
    # 下班前 is the end of the agency's afternoon.
    with time_machine.travel(at(2026, 3, 6, 9, 5), tick=False):
        client.post("/documents/new/", {
            "slip_kind": "relay", "doc_type": "通知", "title": "关于做好春季防火工作的通知", "sender": o.province.pk,
            "copies": 1, "deadline_date": "2026-03-10", "deadline_kind": "close", "is_emergency_report": "on"})
    doc = Document.objects.get(title="关于做好春季防火工作的通知")
    assert timezone.localtime(doc.sender_deadline) == at(2026, 3, 10, 17, 30) and doc.is_emergency_report
    # An emergency report's own clock: one hour, holidays included (RULES.md §6).
    assert timezone.localtime(doc.due_at) == at(2026, 3, 6, 10, 5)


def test_registration_form_shows_the_flags(office, client):
    client.force_login(office.clerk.user)
    page = client.get("/documents/new/").content.decode()
    assert "紧急信息报告" in page and "须代拟稿" in page


def test_api_registration_takes_the_flags(office):
    api = ApiClient(Client())
    with time_machine.travel(at(2026, 3, 6, 9, 0), tick=False):
        r = api.post(office.clerk, "/documents", {
            "title": "关于突发道路塌陷情况的紧急报告", "doc_type": "报告", "sender_id": office.dept.pk,
            "is_emergency_report": True, "needs_proxy_draft": False})
    assert r.status_code == 201, r.content
    doc = Document.objects.get(pk=r.json()["id"])
    assert doc.is_emergency_report and not doc.needs_proxy_draft
    assert timezone.localtime(doc.due_at) == at(2026, 3, 6, 10, 0)
