"""Property test of the routing engine (DESIGN.md §3): random sequences of operations by
random actors of the test office — the right ones and wrong ones — on a few registered
documents. A refusal (DomainError) is allowed; any other exception is a bug. After every
step the invariants that apply to incoming documents are checked:

1. a document that is not closed has at least one open main-line task (no 漏球);
3. history and opinions are append-only: rows seen once never change or vanish;
4. a refused operation writes nothing (every table compared before and after);
5. 收文编号 are unique and consecutive (1..n) per agency and year, and the counter agrees;

and structurally: every open task's assignee is an active, non-admin person of the
document's agency; every open task hangs on an open activation of a running process;
at most one running process per document; the audit chain verifies.

Each example runs inside a savepoint that is rolled back afterwards, so the examples
are independent while the office is built once.
"""

from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from audit.services import verify_chain
from documents.models import Document, RegistryCounter, Status
from flow import services as flow
from flow.models import (
    Activation,
    Decision,
    HistoryEvent,
    NodeKind,
    Opinion,
    Process,
    Task,
    TaskRole,
    TaskStatus,
)
from gongwen.errors import DomainError
from incoming.services import IncomingData, register_at_node, register_incoming, submit_direct
from org.models import Delegation, PostKind
from org.selectors import delegators_of, has_post
from tests.helpers import diff, snapshot

OFFICE = None  # set by the test before the machine runs
STATS: Counter = Counter()  # (operation, "ok"/"refused") over the whole run, to see the test reaches deep

TITLES = ["关于做好安全生产工作的通知", "关于报送年度工作总结的函", "关于申请专项经费的请示", "关于道路改造的报告"]
OPINIONS = ["同意。", "请研办。", "阅。", "拟同意，请审定。", "请抓紧办理。", ""]


def _rows(model, fields):
    return {row[0]: row for row in model.objects.order_by("pk").values_list("pk", *fields)}


HISTORY_FIELDS = ["document_id", "process_id", "task_id", "actor_id", "on_behalf_of_id", "action", "from_node",
                  "to_node", "targets", "opinion", "at"]
OPINION_FIELDS = ["document_id", "task_id", "author_id", "on_behalf_of_id", "node_kind", "node_name", "role",
                  "decision", "text", "created_at"]


class FlowMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.o = OFFICE
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.history_seen: dict = {}
        self.opinions_seen: dict = {}

    def teardown(self):
        for person in self.people:
            if person is not None:
                person.is_active = True  # rolled back below
        for status in Document.objects.values_list("status", flat=True):
            STATS["document", status] += 1
        for kind in Task.objects.filter(status=TaskStatus.OPEN).values_list("node_kind", flat=True):
            STATS["open at end", kind] += 1
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- choosing ---------------------------------------------------------------------

    @property
    def people(self):
        o = self.o
        return [o.clerk, o.secretary, o.director, o.principal, o.leader_a, o.leader_b, o.head_a, o.handler_a,
                o.head_b, o.handler_b, o.head_c, o.dept_clerk, o.outsider, o.sysadmin, o.auditor, None]

    def documents(self):
        return list(Document.objects.order_by("pk"))

    def open_tasks(self, **filters):
        return list(Task.objects.filter(status=TaskStatus.OPEN, **filters).order_by("pk"))

    def actor_for(self, data, task):
        """Mostly the one who may act (the assignee, or their stand-in), sometimes anyone."""
        if data.draw(st.integers(0, 9), label="wrong actor?") >= 7:
            return data.draw(st.sampled_from(self.people), label="actor")
        stand_ins = list(Delegation.objects.filter(from_person=task.assignee, cancelled_at__isnull=True)
                         .values_list("to_person_id", flat=True))
        choices = [task.assignee] + [p for p in self.people if p is not None and p.pk in stand_ins]
        return data.draw(st.sampled_from(choices), label="actor")

    def candidates(self, task):
        """People to hand a task to or add as signers; the leader a direct submission was
        addressed to comes up often (C04)."""
        people = [p for p in self.people if p is not None]
        addressed = task.document.addressed_to
        return people + [addressed] * 4 if addressed is not None else people

    def office_actor(self, data):
        o = self.o
        return data.draw(st.sampled_from([o.clerk, o.clerk, o.director, o.secretary, o.head_a, o.leader_a,
                                          o.outsider, o.sysadmin, None]), label="actor")

    def attempt(self, operation, *args, **kwargs):
        """Run one service call; a refusal must leave every table as it was."""
        before = snapshot()
        try:
            result = operation(*args, **kwargs)
        except DomainError as exc:
            assert exc.message and any("\u4e00" <= ch <= "\u9fff" for ch in exc.message), exc
            after = snapshot()
            assert not diff(before, after), f"{operation.__name__} refused ({exc.message}) but changed {diff(before, after)}"
            STATS[operation.__name__, "refused"] += 1
            return None
        STATS[operation.__name__, "ok"] += 1
        return result

    # --- rules ------------------------------------------------------------------------

    @precondition(lambda self: Document.objects.count() < 3)
    @rule(data=st.data())
    def register(self, data):
        o = self.o
        slip = data.draw(st.sampled_from(["intake", "relay", "misc"]), label="slip")
        sender = data.draw(st.sampled_from([o.province, o.dept, o.other_gov, o.province, o.bureau]), label="sender")
        actor = data.draw(st.sampled_from([o.clerk] * 6 + [o.secretary, o.dept_clerk, None]), label="actor")
        self.attempt(register_incoming, actor=actor, agency=o.gov, data=IncomingData(
            title=data.draw(st.sampled_from(TITLES)), doc_type="通知", slip_kind=slip, sender_id=sender.pk,
            needs_reply=data.draw(st.booleans(), label="needs reply")))

    @precondition(lambda self: Document.objects.count() < 3)
    @rule(data=st.data())
    def direct_submission(self, data):
        o = self.o
        actor = data.draw(st.sampled_from([o.head_a, o.handler_b, o.dept_head, o.auditor]), label="actor")
        leader = data.draw(st.sampled_from([o.principal, o.leader_a, o.head_b]), label="leader")
        self.attempt(submit_direct, actor=actor, agency=o.gov, leader=leader,
                     data=IncomingData(title=data.draw(st.sampled_from(TITLES)), doc_type="请示"))

    @initialize(data=st.data())
    def a_document_under_way(self, data):
        """Start from one document registered and moved some way along its path, so that
        the random steps also meet 承办, 审定, 答复 and 办结."""
        o = self.o
        document = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
            title="关于报送道路安全整治情况的通知", doc_type="通知", sender_id=o.province.pk,
            needs_reply=data.draw(st.booleans(), label="needs reply")))
        if data.draw(st.booleans(), label="a direct submission too"):
            direct = submit_direct(actor=o.head_a, agency=o.gov, leader=o.principal,
                                   data=IncomingData(title="关于申请专项经费的请示", doc_type="请示"))
            flow.send_on(Task.objects.get(document=direct, status=TaskStatus.OPEN).pk, actor=o.clerk)
        for _ in range(data.draw(st.integers(3, 14), label="depth")):
            tasks = [t for t in self.open_tasks(document=document) if t.node_kind != NodeKind.COMPLETE]
            if not tasks:
                break
            self._advance(data, tasks, complete=False)

    def _advance(self, data, tasks=None, complete=True):
        """Move a document one step forward the way the office would: the right person,
        valid inputs. Keeps the walk going deep; the other rules try everything else."""
        o = self.o
        tasks = tasks or self.open_tasks()
        task = data.draw(st.sampled_from(tasks), label="task")
        actor = task.assignee
        opinion = data.draw(st.sampled_from(OPINIONS[:-1]), label="opinion")
        if task.role == TaskRole.CIRCULATE:
            return self.attempt(flow.read_back, task.pk, actor=actor, opinion="已阅。")
        if task.role == TaskRole.COUNTERSIGN:
            decision = data.draw(st.sampled_from([Decision.AGREE, Decision.AGREE, Decision.DISAGREE]), label="cs")
            return self.attempt(flow.countersign, task.pk, actor=actor, decision=decision, opinion="意见如下。")
        if task.role in (TaskRole.ASSIST, TaskRole.ADDED):
            return self.attempt(flow.send_on, task.pk, actor=actor, opinion=opinion)
        kind = task.node_kind
        if kind == NodeKind.REGISTER:
            return self.attempt(register_at_node, task.pk, actor=actor, opinion="已登记。")
        if kind == NodeKind.COMPLETE:
            return self.attempt(flow.complete, task.pk, actor=actor, opinion="办结。")
        if Task.objects.filter(activation=task.activation, role=TaskRole.COUNTERSIGN, status=TaskStatus.DONE,
                               decision=Decision.DISAGREE).exists() and data.draw(st.booleans(), label="resolve"):
            return self.attempt(flow.resolve_disagreement, task.pk, actor=actor, resolution="经协商，已采纳。")
        if kind == NodeKind.HANDLE and task.assignee.posts.filter(kind=PostKind.DIVISION_HEAD).exists() and \
                data.draw(st.booleans(), label="assign"):
            handler = task.assignee_unit.people.filter(posts__kind=PostKind.HANDLER).first() if task.assignee_unit \
                else None
            if handler is not None:
                return self.attempt(flow.assign_handler, task.pk, actor=actor, handler=handler, note="请办理。")
        if kind == NodeKind.HANDLE and data.draw(st.integers(0, 2), label="countersign?") == 0:
            units = [u for u in (o.div_a, o.div_b, o.div_c) if u.pk != task.assignee_unit_id]
            unit = data.draw(st.sampled_from(units), label="unit")
            return self.attempt(flow.request_countersign, task.pk, actor=actor, units=[unit], note="请会签。")
        if complete and kind in (NodeKind.PROPOSE, NodeKind.HANDLE) and data.draw(st.integers(0, 4)) == 0:
            return self.attempt(flow.complete, task.pk, actor=actor, opinion="阅存。")
        if kind in (NodeKind.SIGN_FOR, NodeKind.SCREEN) and data.draw(st.integers(0, 5), label="reject?") == 0:
            return self.attempt(flow.reject, task.document_id, actor=o.clerk, reason="不符合行文规则。",
                                kind=data.draw(st.sampled_from(["退文", "直送件", "乱投件"]), label="kind"))
        kwargs = {"opinion": opinion}
        if kind in (NodeKind.SCREEN, NodeKind.PROPOSE):
            kwargs["needs_leader_approval"] = data.draw(st.booleans(), label="needs approval")
        if kind == NodeKind.PROPOSE:
            kwargs["next_assignees"] = data.draw(st.lists(st.sampled_from([o.principal, o.leader_a, o.leader_b]),
                                                          min_size=1, max_size=2, unique=True), label="leaders")
            kwargs["next_mode"] = data.draw(st.sampled_from(["sequential", "all", "any"]), label="mode")
        if kind == NodeKind.DISTRIBUTE:
            kwargs["lead_unit"] = data.draw(st.sampled_from([o.div_a, o.div_b, o.div_c]), label="lead")
            kwargs["assist_units"] = data.draw(st.lists(st.sampled_from([o.div_a, o.div_b, o.div_c]),
                                                        max_size=1, unique=True), label="assist")
        if kind == NodeKind.REPLY:
            kwargs["reply_text"] = "已以函复。"
        if data.draw(st.integers(0, 7), label="circulate first?") == 0:
            reader = data.draw(st.sampled_from([o.principal, o.leader_a, o.leader_b, o.head_b]), label="reader")
            self.attempt(flow.circulate, task.document_id, actor=o.clerk, readers=[reader], note="请阅。")
        sent = self.attempt(flow.send_on, task.pk, actor=actor, **kwargs)
        if sent is not None and data.draw(st.integers(0, 3), label="recall at once?") == 0:
            self.attempt(flow.recall, task.pk, actor=actor)
        return sent

    @precondition(lambda self: Task.objects.filter(status=TaskStatus.OPEN).exists())
    @rule(data=st.data())
    def advance(self, data):
        self._advance(data)

    @precondition(lambda self: Task.objects.filter(status=TaskStatus.OPEN).exists())
    @rule(data=st.data())
    def advance_again(self, data):
        self._advance(data)

    @precondition(lambda self: Task.objects.filter(status=TaskStatus.OPEN).exists())
    @rule(data=st.data())
    def advance_once_more(self, data):
        self._advance(data)

    @precondition(lambda self: Task.objects.filter(status=TaskStatus.OPEN).exists())
    @rule(data=st.data())
    def send_on(self, data):
        o = self.o
        task = data.draw(st.sampled_from(self.open_tasks()), label="task")
        actor = self.actor_for(data, task)
        kind = task.node_kind
        kwargs = {"opinion": data.draw(st.sampled_from(OPINIONS), label="opinion")}
        if task.role == TaskRole.MAIN:
            if kind == NodeKind.REGISTER and data.draw(st.booleans(), label="via register_at_node"):
                self.attempt(register_at_node, task.pk, actor=actor, opinion=kwargs["opinion"])
                return
            if kind in (NodeKind.SCREEN, NodeKind.PROPOSE) and data.draw(st.booleans(), label="set flags"):
                kwargs["needs_leader_approval"] = data.draw(st.booleans(), label="needs approval")
            if kind == NodeKind.PROPOSE:
                leaders = data.draw(st.lists(st.sampled_from([o.principal, o.leader_a, o.leader_b, o.head_a]),
                                             min_size=1, max_size=3, unique=True), label="leaders")
                kwargs["next_assignees"] = leaders
                kwargs["next_mode"] = data.draw(st.sampled_from([None, "sequential", "all", "any"]), label="mode")
            if kind == NodeKind.DISTRIBUTE:
                kwargs["lead_unit"] = data.draw(st.sampled_from([o.div_a, o.div_b, o.div_c, None]), label="lead")
                kwargs["assist_units"] = data.draw(st.lists(st.sampled_from([o.div_a, o.div_b, o.div_c]),
                                                            max_size=2, unique=True), label="assist")
            if kind == NodeKind.REPLY:
                kwargs["reply_text"] = data.draw(st.sampled_from(["已复函。", ""]), label="reply")
            if kind == NodeKind.APPROVE:
                kwargs["decision"] = data.draw(st.sampled_from(["", Decision.AGREE, Decision.DISAGREE]))
        self.attempt(flow.send_on, task.pk, actor=actor, **kwargs)

    @precondition(lambda self: Task.objects.filter(status=TaskStatus.OPEN, role=TaskRole.MAIN).exists())
    @rule(data=st.data())
    def return_task(self, data):
        task = data.draw(st.sampled_from(self.open_tasks(role=TaskRole.MAIN)), label="task")
        targets = [a.pk for a in flow.return_targets(task)]
        other = list(Activation.objects.values_list("pk", flat=True))
        target = data.draw(st.sampled_from(targets or other), label="target")
        reason = data.draw(st.sampled_from(["要素不全，请补充。", " "]), label="reason")
        self.attempt(flow.return_task, task.pk, actor=self.actor_for(data, task), to_activation_id=target,
                     reason=reason)

    @precondition(lambda self: Task.objects.filter(status=TaskStatus.OPEN, role=TaskRole.MAIN).exists())
    @rule(data=st.data())
    def add_signer(self, data):
        task = data.draw(st.sampled_from(self.open_tasks(role=TaskRole.MAIN)), label="task")
        people = data.draw(st.lists(st.sampled_from(self.candidates(task)), min_size=1, max_size=2, unique=True),
                           label="signers")
        self.attempt(flow.add_signer, task.pk, actor=self.actor_for(data, task), people=people, note="请会签意见。")

    @precondition(lambda self: Task.objects.filter(status=TaskStatus.OPEN).exists())
    @rule(data=st.data())
    def transfer(self, data):
        task = data.draw(st.sampled_from(self.open_tasks()), label="task")
        to = data.draw(st.sampled_from(self.candidates(task)), label="to")
        self.attempt(flow.transfer, task.pk, actor=self.actor_for(data, task), to_person=to, reason="请代为办理。")

    @precondition(lambda self: Task.objects.filter(status=TaskStatus.OPEN, node_kind=NodeKind.HANDLE).exists())
    @rule(data=st.data())
    def assign_handler(self, data):
        o = self.o
        task = data.draw(st.sampled_from(self.open_tasks(node_kind=NodeKind.HANDLE)), label="task")
        handler = data.draw(st.sampled_from([o.handler_a, o.handler_b, o.head_c, o.clerk]), label="handler")
        self.attempt(flow.assign_handler, task.pk, actor=self.actor_for(data, task), handler=handler, note="请办理。")

    @precondition(lambda self: Task.objects.exclude(status=TaskStatus.OPEN).exists())
    @rule(data=st.data())
    def recall(self, data):
        tasks = list(Task.objects.exclude(status=TaskStatus.OPEN).order_by("-pk")[:12])
        task = data.draw(st.sampled_from(tasks), label="task")
        if data.draw(st.integers(0, 9), label="wrong actor?") < 7:
            actor = task.acted_by or task.assignee
        else:
            actor = data.draw(st.sampled_from(self.people), label="actor")
        if actor is not None and data.draw(st.booleans(), label="successor opened it"):
            for successor in task.successors.filter(status=TaskStatus.OPEN):
                flow.touch(successor, actor=successor.assignee)
        self.attempt(flow.recall, task.pk, actor=actor)

    @precondition(lambda self: Document.objects.exists())
    @rule(data=st.data())
    def circulate(self, data):
        o = self.o
        document = data.draw(st.sampled_from(self.documents()), label="document")
        readers = data.draw(st.lists(st.sampled_from([o.principal, o.leader_a, o.leader_b, o.head_b, o.outsider]),
                                     min_size=1, max_size=2, unique=True), label="readers")
        self.attempt(flow.circulate, document.pk, actor=self.office_actor(data), readers=readers, note="请阅。")

    @precondition(lambda self: Task.objects.filter(status=TaskStatus.OPEN, role=TaskRole.CIRCULATE).exists())
    @rule(data=st.data())
    def read_back(self, data):
        task = data.draw(st.sampled_from(self.open_tasks(role=TaskRole.CIRCULATE)), label="task")
        self.attempt(flow.read_back, task.pk, actor=self.actor_for(data, task), opinion="已阅。")

    @precondition(lambda self: Task.objects.filter(status=TaskStatus.OPEN, role=TaskRole.MAIN).exists())
    @rule(data=st.data())
    def request_countersign(self, data):
        o = self.o
        tasks = self.open_tasks(role=TaskRole.MAIN, node_kind=NodeKind.HANDLE) or self.open_tasks(role=TaskRole.MAIN)
        task = data.draw(st.sampled_from(tasks), label="task")
        units = data.draw(st.lists(st.sampled_from([o.div_a, o.div_b, o.div_c, o.secretariat]), min_size=1,
                                   max_size=2, unique=True), label="units")
        self.attempt(flow.request_countersign, task.pk, actor=self.actor_for(data, task), units=units, note="请会签。")

    @precondition(lambda self: Task.objects.filter(status=TaskStatus.OPEN, role=TaskRole.COUNTERSIGN).exists())
    @rule(data=st.data())
    def countersign(self, data):
        task = data.draw(st.sampled_from(self.open_tasks(role=TaskRole.COUNTERSIGN)), label="task")
        decision = data.draw(st.sampled_from([Decision.AGREE, Decision.DISAGREE, "maybe"]), label="decision")
        opinion = data.draw(st.sampled_from(["同意。", "不同意，第三条须修改。", ""]), label="opinion")
        self.attempt(flow.countersign, task.pk, actor=self.actor_for(data, task), decision=decision, opinion=opinion)

    @precondition(lambda self: Task.objects.filter(status=TaskStatus.DONE, decision=Decision.DISAGREE).exists())
    @rule(data=st.data())
    def resolve_disagreement(self, data):
        activations = Task.objects.filter(status=TaskStatus.DONE, decision=Decision.DISAGREE).values("activation_id")
        tasks = self.open_tasks(activation_id__in=activations) or self.open_tasks()
        if not tasks:
            return
        task = data.draw(st.sampled_from(tasks), label="task")
        self.attempt(flow.resolve_disagreement, task.pk, actor=self.actor_for(data, task),
                     resolution=data.draw(st.sampled_from(["经协商，采纳其意见。", ""]), label="resolution"))

    @precondition(lambda self: Task.objects.filter(status=TaskStatus.OPEN).exists())
    @rule(data=st.data())
    def complete(self, data):
        task = data.draw(st.sampled_from(self.open_tasks()), label="task")
        self.attempt(flow.complete, task.pk, actor=self.actor_for(data, task), opinion="办结。")

    @precondition(lambda self: Document.objects.exists())
    @rule(data=st.data())
    def reject(self, data):
        document = data.draw(st.sampled_from(self.documents()), label="document")
        kind = data.draw(st.sampled_from(["退文", "直送件", "越级件", "乱投件", "其他"]), label="kind")
        reason = data.draw(st.sampled_from(["不符合行文规则。", ""]), label="reason")
        self.attempt(flow.reject, document.pk, actor=self.office_actor(data), reason=reason, kind=kind)

    @precondition(lambda self: not Delegation.objects.exists())
    @rule(data=st.data())
    def delegate(self, data):
        """A leader or a head names a stand-in for the coming days (AB角)."""
        from org.services import create_delegation

        o = self.o
        pair = data.draw(st.sampled_from([(o.leader_a, o.leader_b), (o.head_a, o.handler_a), (o.secretary, o.clerk),
                                          (o.principal, o.outsider)]), label="delegation")
        now = timezone.now()
        self.attempt(create_delegation, actor=pair[0], from_person=pair[0], to_person=pair[1],
                     starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=3), reason="出差")

    @rule(data=st.data())
    def leave_or_return_to_post(self, data):
        """Someone leaves their post (refused while they hold work) or comes back."""
        from org.services import set_person_active

        o = self.o
        who = data.draw(st.sampled_from([o.leader_b, o.head_b, o.handler_a, o.handler_b, o.secretary]), label="person")
        self.attempt(set_person_active, actor=o.sysadmin, person=who, active=not who.is_active)
        # The actors of the next steps are what a fresh request would load (someone who left
        # cannot sign in: the pages and the API refuse inactive accounts).
        who.is_active = type(who).objects.get(pk=who.pk).is_active

    # --- invariants -------------------------------------------------------------------

    @invariant()
    def open_document_has_a_holder(self):  # invariant 1
        for document in Document.objects.filter(status=Status.IN_PROGRESS):
            assert Task.objects.filter(document=document, status=TaskStatus.OPEN, activation__is_side=False).exists(), (
                f"《{document.title}》({document.stage}) has no open main-line task")

    @invariant()
    def history_and_opinions_are_append_only(self):  # invariant 3
        for model, fields, seen in ((HistoryEvent, HISTORY_FIELDS, self.history_seen),
                                    (Opinion, OPINION_FIELDS, self.opinions_seen)):
            rows = _rows(model, fields)
            for pk, row in seen.items():
                assert rows.get(pk) == row, f"{model.__name__} {pk} changed or vanished"
            seen.update(rows)

    @invariant()
    def registry_numbers_consecutive(self):  # invariant 5
        numbers: dict = {}
        for agency_id, year, seq in Document.objects.filter(registry_seq__isnull=False).values_list(
                "agency_id", "registry_year", "registry_seq"):
            numbers.setdefault((agency_id, year), []).append(seq)
        for (agency_id, year), seqs in numbers.items():
            assert sorted(seqs) == list(range(1, len(seqs) + 1)), f"收文编号 of {agency_id}/{year}: {sorted(seqs)}"
            assert RegistryCounter.objects.get(agency_id=agency_id, year=year).last == len(seqs)
        for counter in RegistryCounter.objects.all():
            assert counter.last == len(numbers.get((counter.agency_id, counter.year), []))

    @invariant()
    def open_tasks_are_well_formed(self):
        for task in Task.objects.filter(status=TaskStatus.OPEN).select_related("assignee", "document", "activation",
                                                                               "process"):
            person = task.assignee
            assert person.is_active and not person.admin_role, f"{task} assigned to {person}"
            assert person.agency_id == task.document.agency_id, f"{task} assigned outside the agency"
            assert task.activation.state == Activation.State.OPEN, f"open {task} on a {task.activation.state} activation"
            if task.role == TaskRole.CIRCULATE:
                # A copy out for reading may outlive 办结 (the reader still hands it back),
                # never a 退文: the returned document goes back whole.
                assert task.document.status != Status.RETURNED, f"open {task} on a returned document"
                assert task.process.state != Process.State.CANCELLED, f"open {task} on a cancelled process"
            else:
                assert task.process.state == Process.State.RUNNING, f"open {task} on a {task.process.state} process"
                assert task.document.status == Status.IN_PROGRESS, f"open {task} on a closed document"

    @invariant()
    def one_running_process(self):
        assert not (Process.objects.filter(state=Process.State.RUNNING).values("document_id")
                    .annotate(n=Count("id")).filter(n__gt=1).exists())
        for document in Document.objects.exclude(status=Status.IN_PROGRESS):
            assert not document.processes.filter(state=Process.State.RUNNING).exists()

    @invariant()
    def audit_chain_verifies(self):
        ok, message, _ = verify_chain()
        assert ok, message

    @invariant()
    def stand_ins_act_only_for_their_delegators(self):
        for event in HistoryEvent.objects.filter(on_behalf_of__isnull=False):
            assert event.on_behalf_of_id in delegators_of(event.actor, event.at) or Delegation.objects.filter(
                from_person_id=event.on_behalf_of_id, to_person_id=event.actor_id).exists()

    @invariant()
    def direct_submissions_reach_the_leader_only_through_the_office(self):  # C04
        from django.db.models import F

        leaked = Task.objects.filter(document__is_direct_submission=True, assignee_id=F("document__addressed_to_id"),
                                     node_kind__in=[NodeKind.SIGN_FOR, NodeKind.REGISTER, NodeKind.SCREEN])
        assert not leaked.exists(), f"direct submission on the addressed leader's desk: {list(leaked)}"

    @invariant()
    def instructions_only_by_leaders(self):
        for opinion in Opinion.objects.filter(node_kind__in=[NodeKind.INSTRUCT, NodeKind.APPROVE],
                                              role=TaskRole.MAIN).select_related("author", "on_behalf_of"):
            signer = opinion.on_behalf_of or opinion.author
            assert has_post(signer, PostKind.PRINCIPAL_LEADER, PostKind.LEADER_IN_CHARGE), (
                f"{opinion.node_name} signed for a non-leader: {signer}")


@pytest.mark.django_db
def test_random_operations_keep_the_invariants(office):
    global OFFICE
    OFFICE = office
    run_state_machine_as_test(FlowMachine, settings=settings(
        # Every step snapshots every table; over the network to PostgreSQL that costs twice
        # as much, so fewer examples keep the run within a minute there.
        max_examples=15 if connection.vendor == "postgresql" else 30, stateful_step_count=45,
        deadline=None, derandomize=True, database=None,
        suppress_health_check=list(HealthCheck), print_blob=False))
    for key, n in sorted(STATS.items()):
        print(*key, n)
    # The run must reach deep, not only bounce off refusals. (The counts vary a little
    # between backends — row order and timing steer some draws — so the rarest operations
    # need only have been tried; the common ones must have succeeded.)
    for operation in ("register_incoming", "submit_direct", "send_on", "return_task", "add_signer", "recall",
                      "circulate", "read_back", "reject", "set_person_active"):
        assert STATS[operation, "ok"] > 0, f"{operation} never succeeded"
    for operation in ("transfer", "assign_handler", "request_countersign", "countersign", "complete",
                      "register_at_node", "create_delegation"):
        assert STATS[operation, "ok"] + STATS[operation, "refused"] > 0, f"{operation} never tried"
    assert sum(STATS[op, "ok"] for op in ("transfer", "assign_handler", "request_countersign", "countersign",
                                           "complete")) >= 10
