"""Every refused access is a security event in the audit log (等保), recorded without the
chain's deployment-wide lock: the refused request only notes it (audit.refusals), the worker
folds the notes into the chain as ``access.refused`` events."""

import pytest

from api.tests.helpers import ApiClient
from audit import refusals
from audit.models import AccessRefusal, AuditEvent, AuditHead
from audit.services import verify_chain
from incoming.services import IncomingData, register_incoming
from tests.auth import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_agencys_document(office):
    from exchange.tests.builders import dept_secretary

    dept_secretary(office)
    return register_incoming(actor=office.dept_clerk, agency=office.dept, data=IncomingData(
        title="关于报送道路运输安全情况的通知", doc_type="通知", sender_id=office.province.pk))


def test_a_refused_page_and_api_call_are_noted_without_the_chain_lock(client, office, other_agencys_document):
    o = office
    doc = other_agencys_document
    api = ApiClient(client)
    api.token(o.clerk)  # issuing the token is audited: before the head is read
    head = AuditHead.objects.get()
    sign_in(client, o.clerk)
    assert client.get(f"/documents/{doc.pk}/").status_code == 404
    assert api.get(o.clerk, f"/documents/{doc.pk}").status_code == 404
    # Noted, and the chain untouched: the request took no lock on its head.
    notes = list(AccessRefusal.objects.order_by("id"))
    assert [(n.actor_id, n.method, n.path, n.status) for n in notes] == [
        (o.clerk.pk, "GET", f"/documents/{doc.pk}/", 404), (o.clerk.pk, "GET", f"/api/v1/documents/{doc.pk}", 404)]
    assert AuditHead.objects.get().last_seq == head.last_seq
    # The worker folds them into the chain, in order, once.
    assert refusals.fold() == 2 and refusals.fold() == 0
    events = list(AuditEvent.objects.filter(action="access.refused").order_by("seq"))
    assert [(e.actor_id, e.new["path"], e.new["status"]) for e in events] == [
        (o.clerk.pk, f"/documents/{doc.pk}/", 404), (o.clerk.pk, f"/api/v1/documents/{doc.pk}", 404)]
    assert not AccessRefusal.objects.exists()
    assert verify_chain()[0]


def test_what_is_not_a_refusal_is_not_noted(client, office):
    """A page served, a business refusal (400), and an anonymous visitor's 404 are not
    security events of a person."""
    o = office
    assert client.get("/no-such-page/").status_code == 404  # anonymous
    sign_in(client, o.clerk)
    assert client.get("/").status_code == 200
    assert not AccessRefusal.objects.exists()
