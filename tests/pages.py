"""Fixtures of the page tests, shared by every app's page suites (imported into their
conftest.py): a client signed in as a person of the test office, and a document registered
and moved along through the services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incoming.services import IncomingData, register_incoming
from tests.auth import sign_in


@pytest.fixture
def login(client):
    def _login(person):
        sign_in(client, person)
        return client

    return _login


@pytest.fixture
def document(office):
    """A registered document waiting at 初审 (the secretary)."""
    return register_incoming(actor=office.clerk, agency=office.gov, data=IncomingData(
        title="关于报送道路安全整治情况的通知", doc_type="通知", sender_id=office.province.pk,
        doc_number="示省政办〔2026〕12号", slip_kind="relay", urgency="加急",
        sender_deadline=timezone.now() + timedelta(days=3), sender_deadline_text="三日内"))
