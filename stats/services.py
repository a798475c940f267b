"""Monthly statistics (月度统计): computing a month into the precomputed tables.

What counts — one month M of an agency, in local time (Asia/Shanghai), from the first
instant of M (``start``) to the first instant of the next month (``end``). Figures "at the
end" are taken at ``cut`` = the end of M, or now for the month under way.

Tasks of a unit (处室办件), ``UnitMonthStat``:
  The unit's tasks are the main-role tasks (role 办理) whose ``assignee_unit`` is the unit,
  at any node, and whose status is open, done or returned. Tasks handed on (转办,
  交办承办人), withdrawn (撤回) or cancelled (a parallel copy someone else acted on, a
  closed node) are not counted: the work continues in, or was done by, another counted
  task, so nothing is counted twice.
  - received        created in M (the task reached the unit in M);
  - finished        status done, ``done_at`` in M;
  - returned        status returned (退回 to an earlier node), ``done_at`` in M;
  - on_time         finished and (no due time, or ``done_at <= due_at``);
  - late_extended   finished and ``done_at > due_at`` (the due time after any extension);
  - late_original   finished and ``done_at > original_due_at`` (the due time first set;
                    where the engine left it empty, ``due_at``);
                    so on_time + late_extended = finished, late_extended <= late_original;
  - open_end        created before ``cut`` and not finished, returned or otherwise closed
                    by ``cut`` (``done_at`` empty or at/after ``cut``);
  - overdue_end     open_end with ``due_at < cut``;
  - minutes_avg / minutes_median   working time from ``created_at`` to ``done_at`` of the
                    finished tasks, in working minutes of the agency's calendar
                    (``deadlines.services.calendar_for``); ``minutes_count`` tasks measured
                    (a task in a year the calendar does not know is not measured);
  - 办结率 (completion_rate) = finished / (finished + open_end); 按时办结率 = on_time / finished.

Documents a unit leads (主办公文), the ``docs_*`` fields of ``UnitMonthStat``:
  incoming documents whose ``lead_unit`` is the unit, except those returned to the sender
  (退文).
  - docs_received   received by the agency (``received_at``) in M;
  - docs_closed     status completed, ``closed_at`` in M;
  - docs_on_time    closed and (no due time, or ``closed_at <= document.due_at``);
  - docs_late_extended / docs_late_original   closed after ``document.due_at`` /
                    after ``document.original_due_at`` (else ``due_at``);
  - docs_open_end   received before ``cut`` and not closed by ``cut``;
  - docs_overdue_end docs_open_end with ``due_at < cut``.

Leaders' instructions (领导批示), ``LeaderMonthStat``: tasks at the 批示 (instruct) and
审定 (approve) nodes, main role (by the engine's rules only leaders hold these) or added
signers (加签) who hold a leader post; same statuses and figures as a unit's tasks, per
assignee.

An agency (``AgencyMonthStat``): the task figures of all its units together (the median
over all their finished tasks), the document figures over all its incoming documents
(led or not yet distributed), and signing for (签收, C06): per document waiting at the 签收
node (one activation, whichever clerk signs):
  - sign_for_arrived       reached the 签收 node in M;
  - sign_for_signed        signed for (a done task) in M;
  - sign_for_signed_late   of those, signed after the sign-for due time;
  - sign_for_waiting       at the node and not signed at ``cut``;
  - sign_for_waiting_late  of those, past the sign-for due time at ``cut`` (超时未签收).

A month is recomputed whole (delete and insert, per agency) by ``compute_month``, in the
database with GROUP BY; only the working times are measured in Python, streaming the
finished tasks' two instants. Nightly, the worker recomputes the current and the previous
month (``stats.tasks.compute_recent``); the dashboard recomputes a month on reading when
it is stale (``is_stale``).
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, F, FloatField, Func, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from deadlines.calendar import LOCAL, WorkCalendar, YearUnknown
from deadlines.models import WorkingHours
from deadlines.services import calendar_for
from documents.access import seen_by_all
from documents.models import Direction, Document
from documents.models import Status as DocumentStatus
from flow.models import NodeKind, Task, TaskRole, TaskStatus
from gongwen.errors import DomainError
from org.models import LEADER_POSTS, Agency, Person, Post, Unit

from .control import DocumentControl, document_control  # noqa: F401  (控文, C13)
from .models import AgencyMonthStat, LeaderMonthStat, UnitMonthStat

COUNTED = (TaskStatus.OPEN, TaskStatus.DONE, TaskStatus.RETURNED)
INSTRUCTION_NODES = (NodeKind.INSTRUCT, NodeKind.APPROVE)
# A month under way is recomputed on reading when its rows are older than this.
STALE_AFTER = timedelta(minutes=10)

TASK_FIELDS = ("received", "finished", "returned", "on_time", "late_original", "late_extended", "open_end",
               "overdue_end")
DOC_FIELDS = ("docs_received", "docs_closed", "docs_on_time", "docs_late_original", "docs_late_extended",
              "docs_open_end", "docs_overdue_end")
SIGN_FOR_FIELDS = ("sign_for_arrived", "sign_for_signed", "sign_for_signed_late", "sign_for_waiting",
                   "sign_for_waiting_late")


# --- the month ------------------------------------------------------------------------------


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """First instant of the month and of the next one, local time."""
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise DomainError("统计月份无效。")
    start = datetime(year, month, 1, tzinfo=LOCAL())
    return start, datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=LOCAL())


def current_month(now: datetime | None = None) -> tuple[int, int]:
    local = timezone.localtime(now or timezone.now(), LOCAL())
    return local.year, local.month


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def check_month(year: int, month: int, now: datetime | None = None) -> tuple[datetime, datetime, datetime]:
    """(start, end, cut) of a month that has begun; a month to come is refused."""
    now = now or timezone.now()
    start, end = month_bounds(year, month)
    if start > now:
        raise DomainError(f"{year}年{month}月尚未开始，没有统计数据。")
    # Up to and including now: a task created at this very instant is already held.
    return start, end, min(end, now + timedelta(microseconds=1))


def is_stale(computed_at: datetime | None, end: datetime, now: datetime | None = None) -> bool:
    """Never computed, or computed before the month was over and more than
    ``STALE_AFTER`` ago. A month computed after its end is final."""
    now = now or timezone.now()
    if computed_at is None:
        return True
    return computed_at < end and now - computed_at > STALE_AFTER


# --- the aggregates -----------------------------------------------------------------------------


def _task_counts(start, end, cut) -> dict:
    """Conditional counts over counted tasks (see the module docstring)."""
    finished = Q(status=TaskStatus.DONE, done_at__gte=start, done_at__lt=end)
    open_end = Q(created_at__lt=cut) & (Q(done_at__isnull=True) | Q(done_at__gte=cut))
    return {
        "received": Count("id", filter=Q(created_at__gte=start, created_at__lt=end)),
        "finished": Count("id", filter=finished),
        "returned": Count("id", filter=Q(status=TaskStatus.RETURNED, done_at__gte=start, done_at__lt=end)),
        "on_time": Count("id", filter=finished & (Q(due_at__isnull=True) | Q(done_at__lte=F("due_at")))),
        "late_original": Count("id", filter=finished & Q(done_at__gt=Coalesce(F("original_due_at"), F("due_at")))),
        "late_extended": Count("id", filter=finished & Q(done_at__gt=F("due_at"))),
        "open_end": Count("id", filter=open_end),
        "overdue_end": Count("id", filter=open_end & Q(due_at__lt=cut)),
    }


# The monthly figures are read by everyone with access to statistics, across units and
# leaders: they count only what every such reader may see, never a classified document
# (a count that moves when a 密件 is handled tells someone outside its scope it exists):
# documents.access.seen_by_all, the one rule.
SEEN_BY_ALL = seen_by_all("document")


def _alive(start, cut) -> Q:
    """Tasks that existed at some instant of the month (the only ones any figure counts)."""
    return Q(created_at__lt=cut) & (Q(done_at__isnull=True) | Q(done_at__gte=start))


def _unit_tasks(unit_ids, start, end, cut) -> dict[int, dict]:
    qs = Task.objects.filter(_alive(start, cut), SEEN_BY_ALL, role=TaskRole.MAIN, status__in=COUNTED,
                             assignee_unit_id__isnull=False)
    if unit_ids is not None:
        qs = qs.filter(assignee_unit_id__in=unit_ids)
    rows = qs.order_by().values("assignee_unit_id").annotate(**_task_counts(start, end, cut))
    return {r.pop("assignee_unit_id"): r for r in rows}


def _leader_filter(leader_ids) -> Q:
    return Q(role=TaskRole.MAIN) | Q(role=TaskRole.ADDED, assignee_id__in=leader_ids)


def _leader_tasks(agency_ids, leader_ids, start, end, cut) -> dict[int, dict]:
    qs = Task.objects.filter(_alive(start, cut), SEEN_BY_ALL, _leader_filter(leader_ids),
                             node_kind__in=INSTRUCTION_NODES, status__in=COUNTED)
    if agency_ids is not None:
        qs = qs.filter(assignee__agency_id__in=agency_ids)
    rows = qs.order_by().values("assignee_id").annotate(**_task_counts(start, end, cut))
    return {r.pop("assignee_id"): r for r in rows}


def _documents(agency_ids, start, end, cut) -> list[dict]:
    closed = Q(status=DocumentStatus.COMPLETED, closed_at__gte=start, closed_at__lt=end)
    open_end = Q(closed_at__isnull=True) | Q(closed_at__gte=cut)
    qs = (Document.objects.filter(seen_by_all(), direction=Direction.INCOMING, received_at__lt=cut)
          .exclude(status=DocumentStatus.RETURNED)
          .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start)))
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=agency_ids)
    return list(qs.order_by().values("agency_id", "lead_unit_id").annotate(
        docs_received=Count("id", filter=Q(received_at__gte=start, received_at__lt=end)),
        docs_closed=Count("id", filter=closed),
        docs_on_time=Count("id", filter=closed & (Q(due_at__isnull=True) | Q(closed_at__lte=F("due_at")))),
        docs_late_original=Count("id", filter=closed & Q(closed_at__gt=Coalesce(F("original_due_at"), F("due_at")))),
        docs_late_extended=Count("id", filter=closed & Q(closed_at__gt=F("due_at"))),
        docs_open_end=Count("id", filter=open_end),
        docs_overdue_end=Count("id", filter=open_end & Q(due_at__lt=cut)),
    ))


def _sign_for(agency_ids, start, end, cut) -> dict[int, dict]:
    """Per agency, counted per 签收 activation (parallel copies for several clerks count once)."""
    signed = Q(status=TaskStatus.DONE, done_at__gte=start, done_at__lt=end)
    waiting = Q(created_at__lt=cut) & (Q(done_at__isnull=True) | Q(done_at__gte=cut))
    qs = Task.objects.filter(_alive(start, cut), SEEN_BY_ALL, node_kind=NodeKind.SIGN_FOR, role=TaskRole.MAIN)
    if agency_ids is not None:
        qs = qs.filter(document__agency_id__in=agency_ids)
    rows = qs.order_by().values("document__agency_id").annotate(
        sign_for_arrived=Count("activation_id", distinct=True, filter=Q(created_at__gte=start, created_at__lt=end)),
        sign_for_signed=Count("activation_id", distinct=True, filter=signed),
        sign_for_signed_late=Count("activation_id", distinct=True, filter=signed & Q(done_at__gt=F("due_at"))),
        sign_for_waiting=Count("activation_id", distinct=True, filter=waiting),
        sign_for_waiting_late=Count("activation_id", distinct=True, filter=waiting & Q(due_at__lt=cut)),
    )
    return {r.pop("document__agency_id"): r for r in rows}


# --- working time ---------------------------------------------------------------------------------


class Calendars:
    """The working calendar of each agency, built once per computation: agencies without
    their own working hours share the deployment's calendar."""

    def __init__(self):
        self.own = set(WorkingHours.objects.filter(agency__isnull=False).values_list("agency_id", flat=True))
        self._default: WorkCalendar | None = None
        self._by_agency: dict[int, WorkCalendar] = {}
        self._positioners: dict[int, object] = {}

    def of(self, agency_id: int) -> WorkCalendar:
        if agency_id in self.own:
            if agency_id not in self._by_agency:
                self._by_agency[agency_id] = calendar_for(Agency.objects.get(pk=agency_id))
            return self._by_agency[agency_id]
        if self._default is None:
            self._default = calendar_for(None)
        return self._default

    def positioner(self, agency_id: int):
        calendar = self.of(agency_id)
        key = id(calendar)
        if key not in self._positioners:
            self._positioners[key] = positioner(calendar)
        return self._positioners[key]


class Epoch(Func):
    """An instant as seconds since 1970 (a float). Fetching a million instants as floats
    costs next to nothing; as datetimes, the driver's parsing alone takes seconds."""

    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::double precision",
                           **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)",
                           **extra)


def positioner(calendar: WorkCalendar):
    """``calendar.position`` for an instant given as epoch seconds: the same arithmetic
    (the calendar's day-start positions and working periods, its known years) without
    building aware datetimes through Django, about three times faster, which matters over
    a hundred thousand tasks a month. A test holds it equal to ``calendar.position``."""
    tz = LOCAL()
    first = calendar.first.toordinal()
    starts, ends, periods, known = calendar.starts, calendar.ends, calendar.hours.periods, calendar.known_years

    def position(epoch: float) -> float:
        local = datetime.fromtimestamp(epoch, tz)
        if local.year not in known:
            raise YearUnknown(local.year)
        i = local.toordinal() - first
        start = starts[i]
        if ends[i] == start:
            return start
        second = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
        worked = 0.0
        for a, b in periods:
            if second > a:
                worked += (b if second > b else second) - a
        return start + worked

    return position


def _durations(qs, key: str, agency_of: dict[int, int], calendars: Calendars) -> dict[int, list[float]]:
    """Working minutes from creation to done of each finished task, per holder (streamed)."""
    out: dict[int, list[float]] = defaultdict(list)
    cache: dict[int, object] = {}
    rows = qs.annotate(_from=Epoch("created_at"), _to=Epoch("done_at")).values_list(key, "_from", "_to")
    for holder, created, done in rows.iterator(chunk_size=10000):
        position = cache.get(holder)
        if position is None:
            position = cache[holder] = calendars.positioner(agency_of[holder])
        try:
            minutes = (position(done) - position(created)) / 60
        except YearUnknown:
            continue
        out[holder].append(max(0.0, minutes))
    return out


def _time_figures(minutes: list[float]) -> dict:
    if not minutes:
        return {"minutes_count": 0, "minutes_avg": None, "minutes_median": None}
    return {"minutes_count": len(minutes), "minutes_avg": round(sum(minutes) / len(minutes), 1),
            "minutes_median": round(statistics.median(minutes), 1)}


# --- computing a month ---------------------------------------------------------------------------


@dataclass
class Computed:
    year: int
    month: int
    agencies: int = 0
    units: int = 0
    leaders: int = 0
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)


def _zero(fields) -> dict:
    return dict.fromkeys(fields, 0)


def compute_month(year: int, month: int, agency: Agency | None = None, *, now: datetime | None = None) -> Computed:
    """Compute (or recompute) one month for one agency, or for every internal agency, and
    replace its rows. Reads the tasks and documents with a handful of GROUP BY queries."""
    began = time.perf_counter()
    now = now or timezone.now()
    start, end, cut = check_month(year, month, now)
    if agency is not None and not agency.is_internal:
        raise DomainError(f"{agency.name}不使用本系统，没有统计数据。")
    agencies = [agency] if agency is not None else list(Agency.objects.filter(is_internal=True))
    agency_ids = [a.pk for a in agencies]
    scoped = None if agency is None else agency_ids  # None: every agency, no filter needed
    units = list(Unit.objects.filter(agency_id__in=agency_ids).only("id", "agency_id"))
    unit_agency = {u.pk: u.agency_id for u in units}
    leader_agency = dict(Post.objects.filter(kind__in=LEADER_POSTS, agency_id__in=agency_ids, person__is_active=True)
                         .values_list("person_id", "agency_id").distinct())
    timings = {}

    t = time.perf_counter()
    unit_rows = _unit_tasks(None if scoped is None else list(unit_agency), start, end, cut)
    timings["unit_tasks"] = time.perf_counter() - t
    t = time.perf_counter()
    leader_rows = _leader_tasks(scoped, list(leader_agency), start, end, cut)
    timings["leader_tasks"] = time.perf_counter() - t
    t = time.perf_counter()
    doc_rows = _documents(scoped, start, end, cut)
    timings["documents"] = time.perf_counter() - t
    t = time.perf_counter()
    sign_rows = _sign_for(scoped, start, end, cut)
    timings["sign_for"] = time.perf_counter() - t

    # Leaders without a post any more still have their month; their agency is their own.
    missing = [pk for pk in leader_rows if pk not in leader_agency]
    leader_agency.update(dict(Person.objects.filter(pk__in=missing).values_list("id", "agency_id")))

    t = time.perf_counter()
    calendars = Calendars()
    finished = Q(status=TaskStatus.DONE, done_at__gte=start, done_at__lt=end)
    unit_qs = Task.objects.filter(finished, SEEN_BY_ALL, role=TaskRole.MAIN, assignee_unit_id__isnull=False)
    if scoped is not None:
        unit_qs = unit_qs.filter(assignee_unit_id__in=list(unit_agency))
    unit_minutes = _durations(unit_qs.order_by(), "assignee_unit_id", unit_agency, calendars)
    leader_qs = Task.objects.filter(finished, SEEN_BY_ALL, _leader_filter(list(leader_agency)),
                                    node_kind__in=INSTRUCTION_NODES)
    if scoped is not None:
        leader_qs = leader_qs.filter(assignee__agency_id__in=scoped)
    leader_minutes = _durations(leader_qs.order_by(), "assignee_id", leader_agency, calendars)
    timings["working_time"] = time.perf_counter() - t

    docs_by_unit: dict[int, dict] = {}
    docs_by_agency: dict[int, dict] = defaultdict(lambda: _zero(DOC_FIELDS))
    for row in doc_rows:
        agency_id, unit_id = row.pop("agency_id"), row.pop("lead_unit_id")
        total = docs_by_agency[agency_id]
        for k in DOC_FIELDS:
            total[k] += row[k]
        if unit_id is not None:
            docs_by_unit[unit_id] = row

    computed_at = timezone.now()
    stamp = {"year": year, "month": month, "as_of": min(end, now), "computed_at": computed_at}
    unit_objs, leader_objs, agency_objs = [], [], []
    agency_minutes: dict[int, list[float]] = defaultdict(list)
    agency_tasks: dict[int, dict] = defaultdict(lambda: _zero(TASK_FIELDS))
    for unit in units:
        tasks = unit_rows.get(unit.pk) or _zero(TASK_FIELDS)
        minutes = unit_minutes.get(unit.pk, [])
        agency_minutes[unit.agency_id].extend(minutes)
        for k in TASK_FIELDS:
            agency_tasks[unit.agency_id][k] += tasks[k]
        unit_objs.append(UnitMonthStat(agency_id=unit.agency_id, unit_id=unit.pk, **tasks, **_time_figures(minutes),
                                       **(docs_by_unit.get(unit.pk) or _zero(DOC_FIELDS)), **stamp))
    wanted = set(agency_ids)
    for person_id, agency_id in leader_agency.items():
        if agency_id not in wanted:
            continue
        tasks = leader_rows.get(person_id) or _zero(TASK_FIELDS)
        leader_objs.append(LeaderMonthStat(agency_id=agency_id, leader_id=person_id, **tasks,
                                           **_time_figures(leader_minutes.get(person_id, [])), **stamp))
    elapsed = int((time.perf_counter() - began) * 1000)
    for a in agencies:
        agency_objs.append(AgencyMonthStat(
            agency_id=a.pk, **agency_tasks[a.pk], **_time_figures(agency_minutes[a.pk]), **docs_by_agency[a.pk],
            **(sign_rows.get(a.pk) or _zero(SIGN_FOR_FIELDS)), compute_ms=elapsed, **stamp))

    t = time.perf_counter()
    with transaction.atomic():
        # Two readers finding the month stale at once: the second waits here, then
        # replaces the first one's rows with its own (equally fresh) ones.
        list(Agency.objects.select_for_update().filter(pk__in=agency_ids).values_list("pk", flat=True))
        for model in (UnitMonthStat, LeaderMonthStat, AgencyMonthStat):
            qs = model.objects.filter(year=year, month=month)
            if scoped is not None:
                qs = qs.filter(agency_id__in=scoped)
            qs.delete()
        UnitMonthStat.objects.bulk_create(unit_objs, batch_size=1000)
        LeaderMonthStat.objects.bulk_create(leader_objs, batch_size=1000)
        AgencyMonthStat.objects.bulk_create(agency_objs, batch_size=1000)
    timings["write"] = time.perf_counter() - t
    return Computed(year=year, month=month, agencies=len(agency_objs), units=len(unit_objs),
                    leaders=len(leader_objs), seconds=time.perf_counter() - began,
                    timings={k: round(v, 3) for k, v in timings.items()})


def compute_recent(now: datetime | None = None) -> list[Computed]:
    """The nightly job: the month under way and the one before it, for every agency."""
    now = now or timezone.now()
    year, month = current_month(now)
    return [compute_month(*previous_month(year, month), now=now), compute_month(year, month, now=now)]
