"""The inbox, 待阅 and the badges (issue 12): ``held_by`` and ``open_counts`` read the task
indexes (the delegators first, then one equality or one IN list; the badges as two indexed
counts joined by UNION ALL) and keep the rule: my tasks, and those of the people I stand in
for on unclassified documents only (a stand-in never sees a delegator's classified document)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Q

from documents.access import seen_by_all
from documents.models import Document
from flow import selectors
from flow import services as flow
from flow.models import Task, TaskRole, TaskStatus
from incoming.services import IncomingData, register_incoming
from org.selectors import delegators_of
from org.services import create_delegation
from tests.helpers import open_task

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
BEFORE = datetime(2026, 9, 25, 9, 0, tzinfo=SHANGHAI)
DURING = datetime(2026, 10, 8, 9, 30, tzinfo=SHANGHAI)


def to_leader(o, title, leader):
    doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title=title, doc_type="通知", sender_id=o.province.pk))
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
    flow.send_on(open_task(doc, o.director).pk, actor=o.director, opinion="请阅示。", next_assignees=[leader])
    return doc, open_task(doc, leader)


def circulation_copy(task, person):
    copy = Task.objects.get(pk=task.pk)
    copy.pk, copy.role, copy.assignee = None, TaskRole.CIRCULATE, person
    copy.save()
    return copy


@pytest.fixture
def tasks(office):
    """周副市长 (leader_a) stands in for nobody; 吴副市长 (leader_b) stands in for him from 28
    September. leader_a holds an ordinary task, a classified one and a 传阅 copy; leader_b one
    task and one classified 传阅 copy of his own."""
    o = office
    with time_machine.travel(BEFORE, tick=True):
        _, a_plain = to_leader(o, "关于国庆假期道路交通安全保障工作的通知", o.leader_a)
        secret_doc, a_secret = to_leader(o, "关于国庆假期安保部署的通知", o.leader_a)
        _, b_own = to_leader(o, "关于秋季森林防火工作的通知", o.leader_b)
        a_copy = circulation_copy(a_plain, o.leader_a)
        b_secret_copy = circulation_copy(a_secret, o.leader_b)
        Document.objects.filter(pk=secret_doc.pk).update(secrecy="机密")
        create_delegation(actor=o.leader_a, from_person=o.leader_a, to_person=o.leader_b,
                          starts_at=datetime(2026, 9, 28, 8, 0, tzinfo=SHANGHAI),
                          ends_at=datetime(2026, 10, 10, 18, 0, tzinfo=SHANGHAI), reason="出差")
    return {"a_plain": a_plain, "a_secret": a_secret, "b_own": b_own, "a_copy": a_copy,
            "b_secret_copy": b_secret_copy}


def reference(person, role_circulate: bool) -> set[int]:
    """The rule as it was written before (``me OR (delegators AND unclassified)``)."""
    q = Q(assignee_id=person.pk) | (Q(assignee_id__in=delegators_of(person)) & seen_by_all("document"))
    qs = Task.objects.filter(q, status=TaskStatus.OPEN)
    qs = qs.filter(role=TaskRole.CIRCULATE) if role_circulate else qs.exclude(role=TaskRole.CIRCULATE)
    return set(qs.values_list("pk", flat=True))


def ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def test_without_a_delegation(office, tasks):
    o, t = office, tasks
    with time_machine.travel(BEFORE, tick=True):
        assert ids(selectors.inbox(o.leader_b)) == {t["b_own"].pk} == reference(o.leader_b, False)
        assert ids(selectors.to_read(o.leader_b)) == {t["b_secret_copy"].pk} == reference(o.leader_b, True)
        assert selectors.open_counts(o.leader_b) == {"inbox": 1, "toread": 1}
        # No delegator: one equality on the assignee, nothing else.
        assert selectors.held_by(o.leader_b) == Q(assignee_id=o.leader_b.pk)
        # His own classified task counts for the delegator himself.
        assert ids(selectors.inbox(o.leader_a)) == {t["a_plain"].pk, t["a_secret"].pk}
        assert selectors.open_counts(o.leader_a) == {"inbox": 2, "toread": 1}


def test_with_a_delegation_the_delegators_classified_task_stays_hidden(office, tasks):
    o, t = office, tasks
    with time_machine.travel(DURING, tick=True):
        inbox, to_read = ids(selectors.inbox(o.leader_b)), ids(selectors.to_read(o.leader_b))
        assert inbox == {t["b_own"].pk, t["a_plain"].pk} == reference(o.leader_b, False)
        assert t["a_secret"].pk not in inbox
        # His own classified copy stays his; the delegator's plain copy comes in.
        assert to_read == {t["b_secret_copy"].pk, t["a_copy"].pk} == reference(o.leader_b, True)
        assert selectors.open_counts(o.leader_b) == {"inbox": 2, "toread": 2}
        # The delegator is unaffected.
        assert selectors.open_counts(o.leader_a) == {"inbox": 2, "toread": 1}
        assert selectors.open_counts(None) == {"inbox": 0, "toread": 0}


def test_badge_counts_are_one_query_once_the_delegators_are_known(office, tasks, django_assert_num_queries):
    """The delegators are read first (one small indexed query, remembered for a request's
    person), then the counts are one query, before and during a delegation."""
    from org.models import Person
    from org.selectors import remember_delegators

    o = office
    for instant in (BEFORE, DURING):
        with time_machine.travel(instant, tick=True):
            with django_assert_num_queries(2):
                selectors.open_counts(o.leader_b)
            person = Person.objects.get(pk=o.leader_b.pk)  # a fresh instance, as each request has
            remember_delegators(person)
            selectors.open_counts(person)
            with django_assert_num_queries(1):
                selectors.open_counts(person)
