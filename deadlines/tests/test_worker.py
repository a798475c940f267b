"""The background schedule end to end, the way the django-q2 cluster runs it: the
scheduler turns the schedule row (migration 0003) into a queued job on the ORM broker,
the pusher takes it off the broker, a worker runs it, the monitor stores the result.
A task passes its due time: exactly one escalation is written; the next run writes
nothing."""

from datetime import date, timedelta
from multiprocessing import Event, Queue, Value

import pytest
import time_machine
from django.core.management import call_command
from django_q import monitor as q_monitor
from django_q import scheduler as q_scheduler
from django_q import worker as q_worker
from django_q.brokers import get_broker
from django_q.models import Schedule, Success
from django_q.pusher import pusher

from deadlines.models import Notification, Reminder, ReminderKind
from flow import services as flow
from flow.models import HistoryAction, HistoryEvent, Task

from .reminder_helpers import at, at_division

SCHEDULE = "deadlines.scan_deadlines"


@pytest.fixture
def keep_connection(monkeypatch):
    """The cluster's processes recycle their database connections between jobs; inside
    the test's transaction that would throw the test database away, so only that step
    is left out."""
    for module in (q_scheduler, q_worker, q_monitor):
        monkeypatch.setattr(module, "close_old_django_connections", lambda: None)


def run_cluster_once(traveller) -> int:
    """One turn of the cluster: scheduler, pusher, worker, monitor. Returns the number
    of jobs the worker ran."""
    broker = get_broker()
    q_scheduler.scheduler(broker=broker)
    traveller.shift(timedelta(seconds=1))  # the ORM broker hands out jobs queued before now
    tasks, stop = Queue(), Event()
    stop.set()
    pusher(tasks, stop, broker=broker)
    ran = tasks.qsize()
    tasks.put("STOP")
    results = Queue()
    q_worker.worker(tasks, results, Value("b", -1))
    results.put("STOP")
    q_monitor.monitor(results, broker=broker)
    return ran


@pytest.mark.django_db
def test_schedule_exists():
    s = Schedule.objects.get(name=SCHEDULE)
    assert (s.func, s.schedule_type, s.minutes, s.repeats) == ("deadlines.tasks.scan_deadlines", Schedule.MINUTES, 5, -1)


def test_worker_escalates_once(office, keep_connection):
    o = office
    head_task = at_division(o, at(2026, 3, 9, 9, 0), date(2026, 3, 10))
    with time_machine.travel(at(2026, 3, 9, 9, 0), tick=False):
        flow.assign_handler(head_task.pk, actor=o.head_a, handler=o.handler_a)
    task = Task.objects.get(document=head_task.document, assignee=o.handler_a, status="open")
    assert task.due_at == at(2026, 3, 10, 18, 0)
    Schedule.objects.filter(name=SCHEDULE).update(next_run=at(2026, 3, 10, 17, 55))

    with time_machine.travel(at(2026, 3, 10, 18, 0, 30), tick=False) as traveller:
        assert run_cluster_once(traveller) == 1
        escalations = Reminder.objects.filter(kind=ReminderKind.ESCALATE_HEAD)
        assert [(r.task_id, r.recipient) for r in escalations] == [(task.pk, o.head_a)]
        assert Reminder.objects.filter(kind=ReminderKind.DUE, recipient=o.handler_a).count() == 1
        assert HistoryEvent.objects.filter(action=HistoryAction.ESCALATE).count() == 1
        assert Notification.objects.filter(recipient=o.head_a).count() == 1
        job = Success.objects.get(group=SCHEDULE)
        assert job.result == "催办扫描完成：发出2条催办或逾期督促。"
        assert Schedule.objects.get(name=SCHEDULE).next_run > at(2026, 3, 10, 18, 0, 30)
        # The same turn again at once: the schedule is not due, nothing runs.
        assert run_cluster_once(traveller) == 0

    written = (Reminder.objects.count(), Notification.objects.count(), HistoryEvent.objects.count())
    with time_machine.travel(at(2026, 3, 10, 18, 6), tick=False) as traveller:
        assert run_cluster_once(traveller) == 1   # the job runs again…
        assert Success.objects.filter(group=SCHEDULE).count() == 2
        assert Success.objects.filter(group=SCHEDULE).latest("stopped").result.startswith("催办扫描完成：发出0条")
    # …and writes nothing.
    assert (Reminder.objects.count(), Notification.objects.count(), HistoryEvent.objects.count()) == written
    assert Reminder.objects.filter(kind__in=[ReminderKind.ESCALATE_HEAD, ReminderKind.ESCALATE_LEADER]).count() == 1


def test_command(office, capsys):
    o = office
    at_division(o, at(2026, 3, 9, 9, 0), date(2026, 3, 10))
    with time_machine.travel(at(2026, 3, 10, 18, 1), tick=False):
        call_command("scan_deadlines")
        call_command("scan_deadlines")
    out = capsys.readouterr().out
    assert "催办扫描完成：发出1条" in out and "发出0条" in out
