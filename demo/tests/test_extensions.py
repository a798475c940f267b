"""The demo office shows extensions without setup: a pending request on the office's list
and a document whose sender agreed to a later date (the demo office loaded on 10 March 2026,
demo_clock)."""

import pytest
import time_machine

from deadlines.models import Extension
from deadlines.tests.test_extensions import at
from org.models import Person

pytestmark = pytest.mark.demo_content


@pytest.fixture(scope="module")
def demo_clock():
    return at(2026, 3, 10, 10, 0), False


@pytest.mark.django_db
def test_demo_office_has_a_pending_request_and_a_sender_agreement(client, demo_office):
    with time_machine.travel(at(2026, 3, 10, 10, 0), tick=False):
        assert Extension.objects.filter(state=Extension.State.PENDING).count() == 1
        agreed = Extension.objects.get(state=Extension.State.SENDER_AGREED)
        assert agreed.document.due_at == agreed.new_due_at != agreed.document.original_due_at
        client.force_login(Person.objects.get(user__username="zhuren").user)
        listing = client.get("/deadlines/extensions/").content.decode()
        assert "涉及多个部门" in listing and "暂无待审批" not in listing
        page = client.get(f"/documents/{agreed.document_id}/").content.decode()
        assert "延期后时限" in page and "王科长" in page
