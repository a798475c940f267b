"""Invariant 4 on a real PostgreSQL server: two people acting on the same task at the same
moment — exactly one succeeds, the other gets a clear Chinese refusal, and the history
has one event; and concurrent registrations give consecutive 收文编号 without gaps or
duplicates.

Threads start together behind a ``threading.Barrier``, each on its own database
connection (closed at the end of the thread). Runs only when the database in use is
PostgreSQL (GONGWEN_PG_URL); SQLite serialises writers on the whole file anyway.
"""


import pytest
from django.conf import settings

from audit.models import AuditHead
from audit.services import verify_chain
from documents.models import Document, RegistryCounter
from flow import defaults
from flow import services as flow
from flow.models import (
    HistoryAction,
    HistoryEvent,
    NodeDefinition,
    Opinion,
    ProcessTemplate,
    Task,
    TaskStatus,
)
from gongwen.errors import Conflict
from incoming.services import IncomingData, register_incoming
from org.models import Unit
from tests.concurrency import race
from tests.factories import person
from tests.helpers import open_task
from tests.office import build_office

IS_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not IS_POSTGRES, reason="needs PostgreSQL (set GONGWEN_PG_URL)"),
]


@pytest.fixture
def office(transactional_db):
    """The test office, committed, with what the migrations install (a transactional test
    flushes them at its end, so the next one puts them back)."""
    defaults.install(ProcessTemplate, NodeDefinition)
    AuditHead.objects.get_or_create(pk=1)
    o = build_office()
    # A second secretary: 初审 goes to both, the first to act takes it (mode 'any').
    person(o.gov, "何秘书", "secretary2", "secretary", unit=Unit.objects.get(pk=o.secretariat.pk))
    return o


def incoming(o, title="关于做好安全生产工作的通知"):
    return register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title=title, doc_type="通知", sender_id=o.province.pk))


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_two_people_of_an_any_mode_node_act_at_once(office):
    o = office
    second = o.secretary.__class__.objects.get(user__username="secretary2")
    for round_ in range(5):
        doc = incoming(o, f"关于第{round_ + 1}批安全检查的通知")
        mine, theirs = open_task(doc, o.secretary), open_task(doc, second)
        outcomes = race(
            lambda mine=mine: flow.send_on(mine.pk, actor=o.secretary, opinion="请拟办。（李）"),
            lambda theirs=theirs: flow.send_on(theirs.pk, actor=second, opinion="请拟办。（何）"),
        )
        kinds = sorted(k for k, _ in outcomes)
        assert kinds == ["ok", "refused"], outcomes
        refusal = next(v for k, v in outcomes if k == "refused")
        assert isinstance(refusal, Conflict) and chinese(refusal.message) and "已取消" in refusal.message
        # Exactly one 初审 event and one opinion; the director got exactly one task.
        sends = HistoryEvent.objects.filter(document=doc, action=HistoryAction.SEND_ON, from_node="初审")
        assert sends.count() == 1
        assert Opinion.objects.filter(document=doc, node_kind="screen").count() == 1
        assert Task.objects.filter(document=doc, assignee=o.director, status=TaskStatus.OPEN).count() == 1
        assert sorted(Task.objects.filter(document=doc, node_kind="screen").values_list("status", flat=True)) == [
            TaskStatus.CANCELLED, TaskStatus.DONE]
    ok, message, _ = verify_chain()
    assert ok, message


def test_the_same_person_twice(office):
    """A double click, or the same person on two devices."""
    o = office
    doc = incoming(o)
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
    task = open_task(doc, o.director)
    outcomes = race(*[
        (lambda: flow.send_on(task.pk, actor=o.director, opinion="拟请周副市长阅示。", next_assignees=[o.leader_a]))
        for _ in range(3)
    ])
    assert sorted(k for k, _ in outcomes) == ["ok", "refused", "refused"], outcomes
    for kind, value in outcomes:
        if kind == "refused":
            assert isinstance(value, Conflict) and "这项待办已办" in value.message
    assert HistoryEvent.objects.filter(document=doc, task=task, action=HistoryAction.SEND_ON).count() == 1
    assert Task.objects.filter(document=doc, assignee=o.leader_a, status=TaskStatus.OPEN).count() == 1


def test_send_on_and_recall_at_once(office):
    """The director opens and sends on what the secretary is recalling: one of the two wins,
    and the document still has exactly one holder of its main line."""
    o = office
    for _ in range(4):
        doc = incoming(o)
        flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
        sent = Task.objects.get(document=doc, assignee=o.secretary, status=TaskStatus.DONE)
        task = open_task(doc, o.director)
        outcomes = race(
            lambda sent=sent: flow.recall(sent.pk, actor=o.secretary),
            lambda task=task: flow.send_on(task.pk, actor=o.director, opinion="拟请周副市长阅示。",
                                           next_assignees=[o.leader_a]),
        )
        assert sorted(k for k, _ in outcomes) == ["ok", "refused"], outcomes
        assert all(chinese(v.message) for k, v in outcomes if k == "refused")
        holders = Task.objects.filter(document=doc, status=TaskStatus.OPEN, activation__is_side=False)
        assert holders.count() == 1
        assert holders.get().assignee in (o.secretary, o.leader_a)


def test_twenty_concurrent_registrations_are_numbered_one_to_twenty(office):
    o = office
    outcomes = race(*[(lambda n=n: incoming(o, f"关于第{n}号事项的通知").pk) for n in range(20)], timeout=60)
    assert all(k == "ok" for k, _ in outcomes), outcomes
    numbers = sorted(Document.objects.filter(agency=o.gov).values_list("registry_seq", flat=True))
    assert numbers == list(range(1, 21))
    counter = RegistryCounter.objects.get(agency=o.gov)
    assert counter.last == 20
    ok, message, count = verify_chain()
    assert ok, message
    assert count == AuditHead.objects.get().last_seq


def test_the_first_registrations_of_a_new_year_race_for_the_counter(office):
    """No counter row yet for the year: the concurrent creators must not collide."""
    o = office
    assert not RegistryCounter.objects.exists()
    outcomes = race(*[(lambda n=n: incoming(o, f"关于新年第{n}件的通知").pk) for n in range(8)])
    assert all(k == "ok" for k, _ in outcomes), outcomes
    assert sorted(Document.objects.values_list("registry_seq", flat=True)) == list(range(1, 9))
    assert RegistryCounter.objects.count() == 1


def test_recall_never_takes_back_what_was_just_opened(office):
    """撤回 only while nobody after me has opened it: the recall and the opening race; if the
    recall wins, the task was never opened."""
    import time

    o = office
    violations = []
    outcomes_seen = set()
    for round_ in range(30):
        doc = incoming(o, f"关于第{round_ + 1}项工作的通知")
        flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
        sent = Task.objects.get(document=doc, assignee=o.secretary, status=TaskStatus.DONE)
        successor = open_task(doc, o.director)
        delay = (round_ % 10) / 1000  # the opening lands at different moments of the recall

        def open_it(successor=successor, delay=delay):
            time.sleep(delay)
            flow.touch(successor, actor=o.director)

        outcomes = race(lambda sent=sent: flow.recall(sent.pk, actor=o.secretary), open_it)
        outcomes_seen.add(outcomes[0][0])
        successor.refresh_from_db()
        # Recalled: then nobody opened it (an opening after the recall finds nothing open).
        if outcomes[0][0] == "ok" and successor.touched_at is not None:
            violations.append((round_, successor.touched_at, successor.done_at))
        if outcomes[0][0] == "refused":
            assert "已查看" in outcomes[0][1].message
    assert not violations, f"recalled after the successor opened it: {violations}"


def test_two_clerks_register_the_same_direct_submission_at_once(office):
    """Both clerks hold the 登记 node (any one acts): one number is used, not two."""
    from incoming.services import register_at_node, submit_direct

    o = office
    clerk2 = person(o.gov, "黄文书", "clerk2", "clerk", unit=Unit.objects.get(pk=o.office_unit.pk))
    for round_ in range(4):
        doc = submit_direct(actor=o.head_a, agency=o.gov, leader=o.principal,
                            data=IncomingData(title=f"关于第{round_ + 1}项经费的请示", doc_type="请示"))
        flow.send_on(open_task(doc, o.clerk).pk, actor=o.clerk)
        mine, theirs = open_task(doc, o.clerk), open_task(doc, clerk2)
        outcomes = race(lambda mine=mine: register_at_node(mine.pk, actor=o.clerk),
                        lambda theirs=theirs: register_at_node(theirs.pk, actor=clerk2))
        assert sorted(k for k, _ in outcomes) == ["ok", "refused"], outcomes
        doc.refresh_from_db()
        assert doc.registry_seq == round_ + 1
        assert RegistryCounter.objects.get(agency=o.gov).last == round_ + 1


def test_two_office_staff_circulate_to_the_same_reader_at_once(office):
    o = office
    doc = incoming(o)
    outcomes = race(lambda: flow.circulate(doc.pk, actor=o.clerk, readers=[o.leader_a]),
                    lambda: flow.circulate(doc.pk, actor=o.director, readers=[o.leader_a]))
    assert sorted(k for k, _ in outcomes) == ["ok", "refused"], outcomes
    assert "尚未退回" in next(v for k, v in outcomes if k == "refused").message
    assert Task.objects.filter(document=doc, assignee=o.leader_a, status=TaskStatus.OPEN).count() == 1
