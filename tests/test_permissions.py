"""Permission matrix at the service level.

For every operation: anonymous (None), a person of another agency, a wrong post of the
same agency, each of the three administrators, then the right person. Each refusal is a
Chinese message and changes nothing at all (every table compared, so no AuditEvent and
no HistoryEvent either); someone who cannot see the document gets NotFound, exactly as
for a missing one. The right person succeeds and leaves an audit event.

For every list (待办, 待阅, 已办, 我登记的, the registry / visible documents, get_visible):
who sees what follows the docstring of documents/access.py — holders and those who
handled it (and their stand-ins), the heads of their units and the leaders in charge of
those units (within clearance), the office staff of the agency (within clearance) and
the registrar; nobody else, administrators included.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from documents.access import can_view, get_visible, visible_documents
from documents.models import Document
from documents.selectors import registry
from documents.services import read_version, upload_file
from flow import selectors
from flow import services as flow
from flow.models import Decision, HistoryEvent, Task, TaskRole, TaskStatus
from gongwen.errors import DomainError, NotFound, PermissionDenied
from incoming.services import IncomingData, register_at_node, register_incoming, submit_direct
from org.models import Person
from org.services import create_delegation
from tests.helpers import open_task, refused

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@dataclass
class Scene:
    """Documents of the test office, each waiting at a different node."""

    screen: Document      # at 初审 with the secretary; a file attached
    propose: Document     # at 拟办 with the director; the secretary's 初审 can be recalled
    handle: Document      # at 承办 with the head of 综合一处 (assigns a handler)
    working: Document     # at 承办 with the handler of 综合一处; 综合二处 asked to countersign
    disagreed: Document   # at 承办; 综合二处 disagreed, the lead unit must resolve it
    circulated: Document  # at 初审, a copy out with 周副市长
    direct: Document      # a direct submission, signed for, at 登记
    secret: Document      # 秘密 document at 初审 with the secretary


def incoming(o, title, **extra) -> Document:
    return register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title=title, doc_type="通知", sender_id=o.province.pk, **extra))


def to_handle(o, doc, assist=None):
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
    flow.send_on(open_task(doc, o.director).pk, actor=o.director, opinion="拟请周副市长阅示。",
                 next_assignees=[o.leader_a])
    flow.send_on(open_task(doc, o.leader_a).pk, actor=o.leader_a, opinion="请综合一处办理。")
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, lead_unit=o.div_a, assist_units=assist)


def build_scene(o) -> Scene:
    screen = incoming(o, "关于开展春季安全大检查的通知")
    upload_file(actor=o.clerk, document=screen, name="正文.pdf", data=PDF)
    propose = incoming(o, "关于报送一季度工作情况的通知")
    flow.send_on(open_task(propose, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
    handle = incoming(o, "关于做好防汛准备工作的通知")
    to_handle(o, handle)
    working = incoming(o, "关于征求道路规划意见的函")
    to_handle(o, working)
    flow.assign_handler(open_task(working, o.head_a).pk, actor=o.head_a, handler=o.handler_a)
    flow.request_countersign(open_task(working, o.handler_a).pk, actor=o.handler_a, units=[o.div_b])
    disagreed = incoming(o, "关于调整公交线路的函")
    to_handle(o, disagreed)
    flow.request_countersign(open_task(disagreed, o.head_a).pk, actor=o.head_a, units=[o.div_b])
    flow.countersign(open_task(disagreed, o.head_b, TaskRole.COUNTERSIGN).pk, actor=o.head_b,
                     decision=Decision.DISAGREE, opinion="线路调整影响我处职责，不同意。")
    circulated = incoming(o, "关于表彰先进集体的通报")
    flow.circulate(circulated.pk, actor=o.clerk, readers=[o.leader_a], note="请阅。")
    direct = submit_direct(actor=o.head_b, agency=o.gov, leader=o.principal,
                           data=IncomingData(title="关于综合二处增加编制的请示", doc_type="请示"))
    flow.send_on(open_task(direct, o.clerk).pk, actor=o.clerk)
    # A 秘密 document enters only through the 密件 register (by its 机要员), with the
    # secretary in its reading scope; it has no electronic process.
    from secrecy.services import ClassifiedData, register_classified
    from tests.factories import person

    jiyao = person(o.gov, "高机要", "jiyao_p", "confidential_clerk", unit=o.office_unit)
    Person.objects.filter(pk__in=[jiyao.pk, o.secretary.pk]).update(clearance="秘密")
    o.secretary.refresh_from_db()
    secret = register_classified(actor=Person.objects.get(pk=jiyao.pk), agency=o.gov, data=ClassifiedData(
        incoming=IncomingData(title="关于某专项工作的通知", doc_type="通知", sender_id=o.province.pk, secrecy="秘密",
                              secrecy_term="5年"),
        copy_numbers=["000012"], holders={}, scope_people=[o.secretary.pk], scope_posts=[], custodian_id=None))
    return Scene(screen, propose, handle, working, disagreed, circulated, direct, secret)


@pytest.fixture
def scene(office) -> Scene:
    return build_scene(office)


# --- operations --------------------------------------------------------------------------------

def recall_task(s, o):
    return Task.objects.get(document=s.propose, assignee=o.secretary, status=TaskStatus.DONE)


# name: (document of the scene, the right person, wrong posts of the same agency, the call)
OPERATIONS = {
    "send_on": ("screen", "secretary", ["clerk", "director", "head_a", "leader_a"],
                lambda s, o, a: flow.send_on(open_task(s.screen, o.secretary).pk, actor=a, opinion="请拟办。")),
    "complete": ("propose", "director", ["secretary", "clerk", "principal"],
                 lambda s, o, a: flow.complete(open_task(s.propose, o.director).pk, actor=a, opinion="阅存。")),
    "return_task": ("propose", "director", ["secretary", "clerk"],
                    lambda s, o, a: flow.return_task(
                        open_task(s.propose, o.director).pk, actor=a,
                        to_activation_id=flow.return_targets(open_task(s.propose, o.director))[0].pk,
                        reason="请补充来文要素。")),
    "add_signer": ("propose", "director", ["secretary", "leader_a"],
                   lambda s, o, a: flow.add_signer(open_task(s.propose, o.director).pk, actor=a,
                                                   people=[o.secretary], note="请提意见。")),
    "transfer": ("screen", "secretary", ["clerk", "director"],
                 lambda s, o, a: flow.transfer(open_task(s.screen, o.secretary).pk, actor=a, to_person=o.clerk,
                                               reason="请文书补登。")),
    "assign_handler": ("handle", "head_a", ["handler_a", "head_b", "leader_a", "secretary"],
                       lambda s, o, a: flow.assign_handler(open_task(s.handle, o.head_a).pk, actor=a,
                                                           handler=o.handler_a)),
    "recall": ("propose", "secretary", ["clerk", "director"],
               lambda s, o, a: flow.recall(recall_task(s, o).pk, actor=a)),
    "circulate": ("screen", "clerk", ["head_a", "leader_a", "handler_b"],
                  lambda s, o, a: flow.circulate(s.screen.pk, actor=a, readers=[o.leader_b], note="请阅。")),
    "read_back": ("circulated", "leader_a", ["leader_b", "clerk", "principal"],
                  lambda s, o, a: flow.read_back(open_task(s.circulated, o.leader_a, TaskRole.CIRCULATE).pk,
                                                 actor=a, opinion="已阅。")),
    "request_countersign": ("working", "handler_a", ["head_a", "head_b", "head_c"],
                            lambda s, o, a: flow.request_countersign(open_task(s.working, o.handler_a).pk, actor=a,
                                                                     units=[o.div_c])),
    "countersign": ("working", "head_b", ["handler_b", "handler_a", "head_c"],
                    lambda s, o, a: flow.countersign(open_task(s.working, o.head_b, TaskRole.COUNTERSIGN).pk,
                                                     actor=a, decision=Decision.AGREE, opinion="同意。")),
    "resolve_disagreement": ("disagreed", "head_a", ["head_b", "handler_a", "leader_a"],
                             lambda s, o, a: flow.resolve_disagreement(open_task(s.disagreed, o.head_a).pk, actor=a,
                                                                       resolution="已与综合二处协商一致。")),
    "reject": ("screen", "clerk", ["head_a", "leader_a", "handler_a"],
               lambda s, o, a: flow.reject(s.screen.pk, actor=a, reason="不属于本机关职责。")),
    "register_at_node": ("direct", "clerk", ["secretary", "director", "head_b"],
                         lambda s, o, a: register_at_node(open_task(s.direct, o.clerk).pk, actor=a)),
    "upload_file": ("screen", "clerk", ["head_a", "leader_b"],
                    lambda s, o, a: upload_file(actor=a, document=s.screen, name="附件.pdf", data=PDF + b"%v2")),
    "register_incoming": (None, "clerk", ["secretary", "director", "head_a"],
                          lambda s, o, a: register_incoming(actor=a, agency=o.gov, data=IncomingData(
                              title="关于报送统计数据的通知", doc_type="通知", sender_id=o.province.pk))),
}

OUTSIDERS = ["outsider", "dept_clerk"]
ADMINISTRATORS = ["sysadmin", "secadmin", "auditor"]


def expected_refusal(actor: Person | None, document: Document | None):
    if actor is None or actor.admin_role:
        return (PermissionDenied, NotFound)
    if document is not None and not can_view(actor, document):
        return NotFound  # the same answer as for a document that does not exist
    return DomainError


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_operation_refused_to_everyone_but_the_right_person(office, scene, name):
    o = office
    doc_attr, right, wrong_posts, call = OPERATIONS[name]
    document = getattr(scene, doc_attr) if doc_attr else None
    wrong = [None] + [getattr(o, n) for n in OUTSIDERS + ADMINISTRATORS + wrong_posts]
    for actor in wrong:
        with refused(exc=expected_refusal(actor, document)) as info:
            call(scene, o, actor)
        # Administrators are refused before any lookup, whatever the id: that reveals nothing.
        if isinstance(info.value, PermissionDenied) and document is not None and actor is not None \
                and not actor.admin_role:
            assert can_view(actor, document), f"{actor} told 403 on a document they cannot see: {info.value.message}"
    audit_before, history_before = AuditEvent.objects.count(), HistoryEvent.objects.count()
    call(scene, o, getattr(o, right))
    assert AuditEvent.objects.count() > audit_before
    if name not in ("register_incoming",):
        assert HistoryEvent.objects.count() > history_before


def test_submit_direct_refusals(office):
    o = office
    data = IncomingData(title="关于申请经费的请示", doc_type="请示")
    for actor in [None, o.sysadmin, o.secadmin, o.auditor]:
        with refused(exc=PermissionDenied):
            submit_direct(actor=actor, agency=o.gov, leader=o.principal, data=data)
    # Anyone of the agency or of another one may hand it in: it goes to the office.
    doc = submit_direct(actor=o.outsider, agency=o.gov, leader=o.principal, data=data)
    assert [t.assignee for t in Task.objects.filter(document=doc, status=TaskStatus.OPEN)] == [o.clerk]


def test_read_version_only_for_those_who_see_the_document(office, scene):
    o = office
    version = scene.screen.files.get().latest_version()
    for actor in [None, o.outsider, o.dept_clerk, o.sysadmin, o.secadmin, o.auditor, o.head_a, o.leader_b,
                  o.handler_b]:
        with refused(exc=NotFound):
            read_version(actor=actor, version=version)
    for actor in [o.clerk, o.secretary, o.director]:
        assert read_version(actor=actor, version=version) == PDF


# --- lists ---------------------------------------------------------------------------------------

def visible_ids(person) -> set[int]:
    return set(visible_documents(person).values_list("pk", flat=True))


def test_nobody_outside_sees_anything(office, scene):
    o = office
    everything = Document.objects.values_list("pk", flat=True)
    for actor in [None, o.outsider, o.dept_clerk, o.dept_head, o.sysadmin, o.secadmin, o.auditor]:
        assert not selectors.inbox(actor).exists()
        assert not selectors.to_read(actor).exists()
        assert not selectors.done(actor).exists()
        assert not selectors.registered_by(actor).exists()
        assert not visible_documents(actor).exists()
        assert not registry(actor).exists()
        for pk in everything:
            with pytest.raises(NotFound):
                get_visible(actor, pk)
    with pytest.raises(NotFound):
        get_visible(o.clerk, 999_999)


def test_visibility_follows_the_access_rules(office, scene):
    o = office
    s = scene
    everything = set(Document.objects.values_list("pk", flat=True))
    unclassified = everything - {s.secret.pk}
    # Office staff see the agency's unclassified documents...
    assert visible_ids(o.director) == unclassified
    assert visible_ids(o.clerk) == unclassified
    # ...and a classified one only within its reading scope and their clearance (the
    # secretary is in its scope; the 机要员 who registered it sees it too).
    assert visible_ids(o.secretary) == everything
    # The handler sees what he holds, the head of his division what the division handles.
    assert visible_ids(o.handler_a) == {s.working.pk}
    assert visible_ids(o.head_a) == {s.handle.pk, s.working.pk, s.disagreed.pk}
    # 周副市长 instructed three of them, is in charge of 综合一处, holds a circulation copy.
    assert visible_ids(o.leader_a) == {s.handle.pk, s.working.pk, s.disagreed.pk, s.circulated.pk}
    # The countersigning division sees what it was asked about, and its leader in charge too.
    assert visible_ids(o.head_b) == {s.working.pk, s.disagreed.pk}
    assert visible_ids(o.leader_b) == {s.working.pk, s.disagreed.pk}
    assert visible_ids(o.handler_b) == set()
    # A division not involved, and the principal leader who was never asked, see nothing.
    assert visible_ids(o.head_c) == set()
    assert visible_ids(o.principal) == set()
    # Clearance alone no longer opens a classified document to the office director (C07):
    # it takes clearance AND the reading scope (secrecy.ReadingScope).
    Person.objects.filter(pk=o.director.pk).update(clearance="机密")
    assert visible_ids(Person.objects.get(pk=o.director.pk)) == unclassified
    from secrecy.models import ReadingScope
    ReadingScope.objects.create(document=s.secret, person=o.director)
    assert visible_ids(Person.objects.get(pk=o.director.pk)) == everything
    # A person who left sees nothing any more.
    Person.objects.filter(pk=o.handler_b.pk).update(is_active=False)
    assert visible_ids(Person.objects.get(pk=o.handler_b.pk)) == set()


def test_lists_show_each_person_their_own(office, scene):
    o = office
    s = scene
    assert {t.document_id for t in selectors.inbox(o.secretary)} == {s.screen.pk, s.circulated.pk}
    assert {t.document_id for t in selectors.inbox(o.clerk)} == {s.direct.pk}
    assert {t.document_id for t in selectors.inbox(o.head_b)} == {s.working.pk}
    assert {t.document_id for t in selectors.inbox(o.head_a)} == {s.handle.pk, s.disagreed.pk}
    # A circulation copy is 待阅, not 待办.
    assert [t.document_id for t in selectors.to_read(o.leader_a)] == [s.circulated.pk]
    assert not selectors.inbox(o.leader_a).filter(document=s.circulated).exists()
    assert {t.document_id for t in selectors.done(o.head_b)} == {s.disagreed.pk}
    assert set(selectors.registered_by(o.clerk).values_list("pk", flat=True)) == (
        set(Document.objects.values_list("pk", flat=True)) - {s.direct.pk, s.secret.pk})
    assert not selectors.registered_by(o.secretary).exists()
    # The registry lists registered documents the person may see.
    assert set(registry(o.head_a).values_list("pk", flat=True)) == {s.handle.pk, s.working.pk, s.disagreed.pk}
    for person in [o.clerk, o.secretary, o.head_a, o.head_b, o.leader_a, o.handler_a]:
        for task in selectors.inbox(person):
            assert get_visible(person, task.document_id).pk == task.document_id
        for task in selectors.to_read(person):
            assert get_visible(person, task.document_id).pk == task.document_id


def test_stand_in_sees_the_delegators_work_while_the_delegation_runs(office, scene):
    o = office
    s = scene
    assert visible_ids(o.handler_b) == set()
    now = timezone.now()
    create_delegation(actor=o.head_b, from_person=o.head_b, to_person=o.handler_b,
                      starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(days=2))
    assert {t.document_id for t in selectors.inbox(o.handler_b)} == {s.working.pk}
    assert s.working.pk in visible_ids(o.handler_b)
    assert get_visible(o.handler_b, s.working.pk) == s.working
