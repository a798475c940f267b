"""C05 — A second-level bureau writing directly to the city government (越级报送).

A bureau managed by a department (二级局), or a city-owned enterprise, submits a document
straight to the city Party committee or government. Refused as 越级件 with the rule named,
and nothing written; it can only go to its parent department, which reviews it and
forwards it up (转报) under its own name, the forwarded document keeping the link to the
original.
"""

import pytest

from audit.models import AuditEvent
from documents.models import Document, RegistryCounter
from documents.services import SKIP_LEVEL_RULE
from flow import services as flow
from flow.models import NodeKind, Task, TaskStatus
from incoming.services import IncomingData, register_at_node, register_incoming, submit_direct
from org.models import Agency, AgencyKind, Unit
from tests.factories import person
from tests.helpers import open_task, open_tasks, refused

TITLE = "关于申请实施国道改线工程的请示"


def bureau_request(sender, **extra) -> IncomingData:
    return IncomingData(title=TITLE, doc_type="请示", sender_id=sender.pk, doc_number="示公路〔2026〕15号", **extra)


@pytest.fixture
def city(office):
    """The office plus what the case needs: a city Party committee office, the
    department's secretariat, and a person of the bureau."""
    o = office
    party = Agency.objects.create(name="中共示范市委办公室", short_name="市委办", code="示委办",
                                  kind=AgencyKind.PARTY_COMMITTEE)
    party_office = Unit.objects.create(agency=party, name="办公室", is_office=True)
    party_clerk = person(party, "高文书", "party_clerk", "clerk", unit=party_office)
    person(party, "萧秘书", "party_secretary", "secretary", unit=party_office)
    dept_office = Unit.objects.get(agency=o.dept, is_office=True)
    person(o.dept, "何秘书", "dept_secretary", "secretary", unit=dept_office)
    bureau_office = Unit.objects.create(agency=o.bureau, name="办公室", is_office=True)
    bureau_clerk = person(o.bureau, "林文书", "bureau_clerk", "clerk", unit=bureau_office)
    return o, party, party_clerk, bureau_clerk


def nothing_written():
    return {"documents": Document.objects.count(), "counters": list(RegistryCounter.objects.values_list("last")),
            "audit": AuditEvent.objects.count()}


@pytest.mark.parametrize("sender_name", ["bureau", "enterprise"])
@pytest.mark.parametrize("receiver", ["gov", "party"])
def test_skip_level_refused_naming_the_rule(city, clock, sender_name, receiver):
    o, party, party_clerk, _ = city
    clock.next()
    # The registry counter already exists: a refusal must not move it.
    register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(title="关于做好防汛工作的通知", doc_type="通知",
                                                                    sender_id=o.province.pk))
    sender = getattr(o, sender_name)
    clerk, agency = (o.clerk, o.gov) if receiver == "gov" else (party_clerk, party)
    before = nothing_written()
    with refused("越级件") as info:
        register_incoming(actor=clerk, agency=agency, data=bureau_request(sender))
    message = info.value.message
    assert info.value.code == "skip_level"
    assert sender.name in message and agency.short_name in message
    assert SKIP_LEVEL_RULE in message  # the rule is named
    if sender.parent_id:
        assert sender.parent.name in message  # and where to send it instead
    assert nothing_written() == before


def test_skip_level_refused_at_the_register_node_and_at_submission(city, clock):
    o, _, _, bureau_clerk = city
    clock.next()
    # The bureau hands its request straight to the mayor: refused at once.
    with refused("越级件"):
        submit_direct(actor=bureau_clerk, agency=o.gov, leader=o.principal,
                      data=IncomingData(title=TITLE, doc_type="请示"))
    # A paper copy reached the sign-for queue by another way (handed in at the counter by a
    # division): at the 登记 node, recording the true sender refuses it, and writes nothing.
    doc = submit_direct(actor=o.head_a, agency=o.gov, leader=o.leader_a, data=IncomingData(title=TITLE, doc_type="请示"))
    clock.next()
    flow.send_on(open_task(doc, o.clerk).pk, actor=o.clerk)
    register = open_task(doc, o.clerk)
    assert register.node_kind == NodeKind.REGISTER
    with refused("越级件"):
        register_at_node(register.pk, actor=o.clerk, data=bureau_request(o.bureau))
    doc.refresh_from_db()
    assert doc.registry_seq is None
    assert Task.objects.get(pk=register.pk).status == TaskStatus.OPEN
    assert not RegistryCounter.objects.exists()
    # The office returns it as 越级件 instead, counted against the bureau's name.
    flow.reject(doc.pk, actor=o.clerk, reason="越级件：请由主管部门市交通运输局审核后转报。", kind="越级件")
    assert doc.returns.get().kind == "越级件"


def test_parent_department_forwards_up_and_the_link_is_kept(city, clock):
    o, party, party_clerk, _ = city
    clock.next()
    # The bureau writes to its parent department: accepted there.
    original = register_incoming(actor=o.dept_clerk, agency=o.dept, data=bureau_request(o.bureau))
    assert original.registry_seq == 1 and original.sender == o.bureau
    assert [t.node_kind for t in open_tasks(original)] == [NodeKind.SCREEN]

    # The department reviews it and forwards it up under its own name (转报).
    clock.next()
    forwarded_data = IncomingData(title=f"关于转报{o.bureau.short_name}{TITLE[2:]}", doc_type="请示", sender_id=o.dept.pk,
                                  doc_number="示交〔2026〕31号", forwarded_from_id=original.pk)
    # Forwarded or not, the city government still refuses the bureau as sender.
    with refused("越级件"):
        register_incoming(actor=o.clerk, agency=o.gov, data=bureau_request(o.bureau, forwarded_from_id=original.pk))
    forwarded = register_incoming(actor=o.clerk, agency=o.gov, data=forwarded_data)
    forwarded.refresh_from_db()
    assert forwarded.sender == o.dept and forwarded.forwarded_from == original
    assert forwarded.registry_seq == 1 and forwarded.agency == o.gov
    assert list(original.forwards.all()) == [forwarded]
    assert [t.node_kind for t in open_tasks(forwarded)] == [NodeKind.SCREEN]
    # The Party committee accepts the department's forward too.
    to_party = register_incoming(actor=party_clerk, agency=party, data=IncomingData(
        title=forwarded_data.title, doc_type="请示", sender_id=o.dept.pk, forwarded_from_id=original.pk))
    assert to_party.forwarded_from == original


def test_forward_must_point_at_the_senders_own_document(city, clock):
    """转报 links to the document the forwarding department itself registered; a clerk
    cannot attach another agency's document (nor learn it exists)."""
    o, _, _, _ = city
    clock.next()
    elsewhere = register_incoming(actor=o.dept_clerk, agency=o.dept, data=IncomingData(
        title="关于报送春运保障方案的报告", doc_type="报告", sender_id=o.enterprise.pk))
    own = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于做好防汛工作的通知", doc_type="通知", sender_id=o.province.pk))
    for wrong in (own, elsewhere):
        with refused("转报"):
            register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
                title="关于转报有关事项的请示", doc_type="请示", sender_id=o.other_gov.pk, forwarded_from_id=wrong.pk))
    with refused("转报"):
        register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
            title="关于转报有关事项的请示", doc_type="请示", sender_id=o.dept.pk, forwarded_from_id=own.pk))


# --- the same path through the exchange (分发 → 签收 → 转报 → 分发 → 签收) ------------------------


def test_through_the_exchange_bureau_to_department_to_city(city, clock):
    """The bureau's clerk dispatches its 请示 straight to the city government: refused at
    分发 as 越级件 naming the rule, nothing written. Sent to its parent department instead,
    the department's clerk signs for it (receipt back to the bureau), the department
    forwards it under its own 文号 with its own recommendation, linked to its copy of the
    original, and dispatches it to the city government, whose clerk signs for it (receipt
    back to the department). The city's copy shows "转报：市公路局《…》（文号）"."""
    from django.test import Client

    from exchange.models import Delivery, Receipt
    from exchange.services import dispatch
    from exchange.tests.builders import outgoing, send, sign_for, task_of

    o, _, _, bureau_clerk = city
    clock.next()
    direct = outgoing(o.bureau, bureau_clerk, main=[o.gov], number="示公路〔2026〕15号", doc_type="请示",
                      direction="up", title=TITLE)
    with refused("越级件") as info:
        dispatch(task_of(direct, bureau_clerk).pk, actor=bureau_clerk)
    assert SKIP_LEVEL_RULE in info.value.message and o.dept.name in info.value.message
    assert not Delivery.objects.exists()

    clock.next()
    _, (to_dept,) = send(o.bureau, bureau_clerk, main=[o.dept], number="示公路〔2026〕16号", doc_type="请示",
                         direction="up", title=TITLE)
    clock.next()
    sign_for(to_dept.incoming, o.dept_clerk)
    first = Receipt.objects.get(delivery=to_dept)
    assert (first.kind, first.by) == (Receipt.Kind.SIGNED, o.dept_clerk)

    clock.next()
    forward_title = f"关于转报{o.bureau.short_name}{TITLE[2:]}"
    forward, (to_gov,) = send(o.dept, o.dept_clerk, main=[o.gov], number="示交〔2026〕31号", doc_type="请示",
                              direction="up", title=forward_title, forwarded_from=to_dept.incoming)
    assert forward.forwarded_from == to_dept.incoming
    city_copy = to_gov.incoming
    assert (city_copy.sender, city_copy.forwarded_from, city_copy.doc_number) == (o.dept, to_dept.incoming,
                                                                                   "示交〔2026〕31号")
    clock.next()
    sign_for(city_copy, o.clerk)
    second = Receipt.objects.get(delivery=to_gov)
    assert (second.kind, second.by) == (Receipt.Kind.SIGNED, o.clerk)
    assert not to_gov.multi_submission and not to_dept.multi_submission

    client = Client()
    client.force_login(o.clerk.user)
    page = client.get(f"/documents/{city_copy.pk}/").content.decode()
    assert f"转报：{o.bureau.name}《{TITLE}》（示公路〔2026〕16号）" in page
