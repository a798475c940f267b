"""The error book (错题本, C14): services and selectors.

Every 退回 (``flow.services.return_task``) and every 退文 (``flow.services.reject``) writes
an entry in the same transaction through ``record_return`` / ``record_reject``; a
correction found in review (审核纠错) is recorded by a reviewer through
``record_correction``. Each entry has a category (程序, 格式, 文字, 内容, 时效) and the party
at fault: the unit that sent the document on to the one who returned it (退回), the
sending agency (退文), or the unit a reviewer names (审核纠错).

The weekly report groups one agency's entries of a calendar week (Monday 00:00 to the
next Monday 00:00, Beijing time — holidays and make-up workdays change nothing: the
office reviews its error book per calendar week) by category and by party at fault.

Who sees the book: the office staff, the supervisors (督查员) and the leaders of the
agency see all of its entries; a division head sees the entries of the unit(s) they
head; nobody else, and administrators never.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from audit import services as audit
from documents.access import visible_by_pk, visible_documents
from documents.models import Document, ReturnKind
from flow.access import is_office_staff
from flow.models import Task
from gongwen.errors import DomainError, NotFound, PermissionDenied
from org.models import LEADER_POSTS, Agency, Person, PostKind, Unit
from org.selectors import has_post, headed_unit_ids

from ..models import ErrorCategory, ErrorRecord

CATEGORIES: list[str] = list(ErrorCategory.values)

# The category of a 退回 or 退文 whose caller names none (older callers, the demo, tests
# written before the error book). Pages and the API always ask explicitly.
# - 退回: sending a document on to the wrong place or before it was ready is a fault of
#   procedure (程序) unless the returner says otherwise.
# - 退文: 直送件 (straight to a leader), 越级件 (skipping a level) and 乱投件 (wrong
#   addressee) are faults of procedure by definition; a plain 退文 most often answers a
#   breach of the rules on sending documents (行文规则, e.g. 一文一事), also 程序.
DEFAULT_RETURN_CATEGORY = ErrorCategory.PROCEDURE
DEFAULT_REJECT_CATEGORY = {
    ReturnKind.RETURN: ErrorCategory.PROCEDURE,
    ReturnKind.DIRECT: ErrorCategory.PROCEDURE,
    ReturnKind.SKIP_LEVEL: ErrorCategory.PROCEDURE,
    ReturnKind.MISDIRECTED: ErrorCategory.PROCEDURE,
}

DESCRIPTION_MAX = 500


# --- categories ----------------------------------------------------------------------------


def check_category(category: str | None, *, default: str | None = None) -> str:
    """The category as stored; ``default`` when none is given; a Chinese refusal when it
    is not one of the five."""
    category = (category or "").strip() or default
    if not category:
        raise DomainError("请选择差错类别（程序、格式、文字、内容、时效）。", code="error_category")
    if category not in CATEGORIES:
        raise DomainError(f"差错类别“{category}”无效，只能是程序、格式、文字、内容、时效之一。",
                          code="error_category")
    return category


def default_reject_category(kind: str) -> str:
    return DEFAULT_REJECT_CATEGORY.get(kind, ErrorCategory.PROCEDURE)


def _clip(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= DESCRIPTION_MAX else text[:DESCRIPTION_MAX - 1] + "…"


def _in_transaction(what: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"errorbook.{what} must run inside the caller's transaction")


# --- recording (called by the routing engine, inside its transaction) ------------------------


def fault_unit_of(tasks) -> Unit | None:
    """The unit at fault for a 退回: the unit of whoever handled the node returned to (the
    person who sent it on), the task's unit first, else the person's own unit."""
    for task in tasks:
        unit = task.assignee_unit if task.assignee_unit_id else getattr(task.assignee, "unit", None)
        if unit is not None:
            return unit
    return None


def record_return(*, document: Document, task: Task, actor: Person, category: str, unit_at_fault: Unit | None,
                  to_node: str, reason: str) -> ErrorRecord:
    """The entry of a 退回. Called by ``flow.services.return_task`` after its checks,
    inside its transaction (the engine's audit event carries the category)."""
    _in_transaction("record_return")
    return ErrorRecord.objects.create(
        agency_id=document.agency_id, document=document, task=task, source=ErrorRecord.Source.RETURN,
        category=check_category(category), unit_at_fault=unit_at_fault,
        description=_clip(f"退回“{to_node}”：{reason}"), recorded_by=actor, recorded_at=timezone.now())


def record_reject(*, document: Document, actor: Person, category: str, kind: str, reason: str) -> ErrorRecord:
    """The entry of a 退文, counted against the sending agency. Called by
    ``flow.services.reject`` inside its transaction."""
    _in_transaction("record_reject")
    sender = document.sender_display or "来文单位"
    return ErrorRecord.objects.create(
        agency_id=document.agency_id, document=document, source=ErrorRecord.Source.REJECT,
        category=check_category(category), agency_at_fault_id=document.sender_id,
        description=_clip(f"{kind}（{sender}）：{reason}"), recorded_by=actor, recorded_at=timezone.now())


# The engine's seam (flow/effects.py): checks before it writes, effects after.


def check_return(*, error_category: str | None) -> dict:
    return {"error_category": check_category(error_category, default=DEFAULT_RETURN_CATEGORY)}


def check_reject(*, error_category: str | None, kind: str) -> dict:
    return {"error_category": check_category(error_category, default=default_reject_category(kind))}


def returned(document: Document, *, actor: Person, task: Task, handlers, to_node: str, reason: str,
             error_category: str, **_context) -> None:
    record_return(document=document, task=task, actor=actor, category=error_category,
                  unit_at_fault=fault_unit_of(handlers), to_node=to_node, reason=reason)


def rejected(document: Document, *, actor: Person, reason: str, kind: str, error_category: str, **_context) -> None:
    record_reject(document=document, actor=actor, category=error_category, kind=kind, reason=reason)


# --- corrections found in review (审核纠错) -----------------------------------------------------


def _has_held(person: Person, document: Document) -> bool:
    return Task.objects.filter(document=document).filter(Q(assignee=person) | Q(acted_by=person)).exists()


def may_record_correction(person: Person | None, document: Document) -> bool:
    """Reviewers of the document: whoever holds or has held a task on it, the office
    staff and the supervisors of its agency (the caller has checked it is visible)."""
    if person is None or person.admin_role or not person.is_active or person.agency_id != document.agency_id:
        return False
    return (is_office_staff(person, document.agency_id) or has_post(person, PostKind.SUPERVISOR)
            or _has_held(person, document))


@transaction.atomic
def record_correction(document: Document, *, actor: Person, category: str, unit_at_fault: Unit | None,
                      description: str) -> ErrorRecord:
    """审核纠错: a reviewer records an error found in review, with its category and the
    unit at fault. Refusals in Chinese; nothing written."""
    if actor is None:
        raise PermissionDenied("请先登录。")
    if actor.admin_role:
        raise PermissionDenied("管理员不得阅办公文，不能记录审核纠错。")
    document_id = getattr(document, "pk", document)
    if not visible_by_pk(actor).filter(pk=document_id).exists():
        raise NotFound()
    # Serialised with the engine's operations on the same document (they lock it first).
    document = Document.objects.select_for_update(of=("self",)).select_related("agency").get(pk=document_id)
    if not may_record_correction(actor, document):
        raise PermissionDenied("只有办理过本件的人员、办公室人员或督查员可以记录审核纠错。")
    category = check_category(category)
    if unit_at_fault is None:
        raise DomainError("请选择责任单位。", code="unit_at_fault")
    if unit_at_fault.agency_id != document.agency_id:
        raise DomainError(f"责任单位必须是{document.agency.short_name}的内设单位。", code="unit_at_fault")
    description = " ".join((description or "").split())
    if not description:
        raise DomainError("请写明发现的差错。", code="description")
    if len(description) > DESCRIPTION_MAX:
        raise DomainError(f"差错说明不能超过{DESCRIPTION_MAX}字。", code="description")
    record = ErrorRecord.objects.create(
        agency_id=document.agency_id, document=document, source=ErrorRecord.Source.REVIEW, category=category,
        unit_at_fault=unit_at_fault, description=description, recorded_by=actor, recorded_at=timezone.now())
    audit.record(actor=actor, action="supervision.error_correction", target=record,
                 new={"document": document.pk, "category": category, "unit_at_fault": unit_at_fault.pk,
                      "description": description})
    return record


# --- who sees the book -------------------------------------------------------------------------


def sees_whole_book(person: Person | None) -> bool:
    return (person is not None and not person.admin_role and person.is_active
            and (is_office_staff(person, person.agency_id) or has_post(person, PostKind.SUPERVISOR, *LEADER_POSTS)))


def may_see_book(person: Person | None) -> bool:
    """Office staff, supervisors and leaders (the whole book) or a division head (their
    unit's entries)."""
    if person is None or person.admin_role or not person.is_active:
        return False
    return sees_whole_book(person) or has_post(person, PostKind.DIVISION_HEAD)


def visible_entries(person: Person | None) -> QuerySet[ErrorRecord]:
    """The one restriction of the error book: every list, report, export and API call
    goes through it."""
    if not may_see_book(person):
        return ErrorRecord.objects.none()
    qs = ErrorRecord.objects.filter(agency_id=person.agency_id)
    if sees_whole_book(person):
        return qs
    return qs.filter(unit_at_fault_id__in=headed_unit_ids(person))


def require_book(person: Person | None) -> None:
    if person is None:
        raise PermissionDenied("请先登录。")
    if not may_see_book(person):
        raise PermissionDenied("错题本只向办公室人员、督查员、本机关领导和处室负责人开放。")


# --- weeks -------------------------------------------------------------------------------------


def week_start(day: date | None = None) -> date:
    """The Monday of the calendar week containing ``day`` (today by default)."""
    day = day or timezone.localdate()
    return day - timedelta(days=day.weekday())


def week_bounds(monday: date) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) in the office's time zone."""
    tz = timezone.get_default_timezone()
    start = datetime.combine(monday, time.min, tzinfo=tz)
    return start, datetime.combine(monday + timedelta(days=7), time.min, tzinfo=tz)


# --- lists and the weekly report ---------------------------------------------------------------


@dataclass
class EntryFilter:
    """Filters shared by the page, the export and the API."""

    date_from: date | None = None  # local dates, inclusive
    date_to: date | None = None
    category: str = ""
    source: str = ""
    unit_id: int | None = None
    agency_at_fault_id: int | None = None
    document_id: int | None = None

    @classmethod
    def for_week(cls, monday: date, **others) -> "EntryFilter":
        return cls(date_from=monday, date_to=monday + timedelta(days=6), **others)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def entries(person: Person | None, f: EntryFilter | None = None) -> QuerySet[ErrorRecord]:
    """The entries the person may see that match the filter, newest first."""
    f = f or EntryFilter()
    qs = visible_entries(person)
    if f.date_from:
        qs = qs.filter(recorded_at__gte=_local_midnight(f.date_from))
    if f.date_to:
        qs = qs.filter(recorded_at__lt=_local_midnight(f.date_to + timedelta(days=1)))
    if f.category:
        qs = qs.filter(category=f.category)
    if f.source:
        qs = qs.filter(source=f.source)
    if f.unit_id:
        qs = qs.filter(unit_at_fault_id=f.unit_id)
    if f.agency_at_fault_id:
        qs = qs.filter(agency_at_fault_id=f.agency_at_fault_id)
    if f.document_id:
        qs = qs.filter(document_id=f.document_id)
    return qs.select_related("document", "unit_at_fault", "agency_at_fault", "recorded_by").order_by(
        "-recorded_at", "-id")


def document_entries(document: Document) -> list[ErrorRecord]:
    """The entries about one document, for its page (whoever may see the document sees
    how it was returned and corrected, as its history shows the returns)."""
    return list(ErrorRecord.objects.filter(document=document)
                .select_related("unit_at_fault", "agency_at_fault", "recorded_by").order_by("recorded_at", "id"))


def shown_document_ids(person: Person, records) -> set[int]:
    """Ids of the entries' documents the person may open: titles of the others are not
    shown (a division head's entry may concern a document classified above them)."""
    ids = {r.document_id for r in records if r.document_id}
    if not ids:
        return set()
    return set(visible_documents(person).filter(pk__in=ids).values_list("pk", flat=True))


@dataclass
class ReportRow:
    key: str  # "u<id>" (unit), "a<id>" (sending agency), "none"
    label: str
    kind: str  # 处室 / 来文单位 / —
    counts: list[int]
    total: int

    @property
    def cells(self) -> list[tuple[str, int]]:
        return list(zip(CATEGORIES, self.counts, strict=True))


@dataclass
class WeeklyReport:
    agency: Agency
    monday: date
    sunday: date
    start: datetime
    end: datetime
    categories: list[str]
    rows: list[ReportRow]
    column_totals: list[int]
    total: int
    by_source: dict[str, int]
    entries: list[ErrorRecord] = field(default_factory=list)
    shown_documents: set[int] = field(default_factory=set)
    unit_only: bool = False  # a division head's view (their own unit only)

    @property
    def previous_week(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next_week(self) -> date:
        return self.monday + timedelta(days=7)


def weekly_report(person: Person, day: date | None = None, *, with_entries: bool = True) -> WeeklyReport:
    """The weekly report of the person's agency for the calendar week containing ``day``
    (this week by default): counts by party at fault × category with totals, counts by
    source, and the entries. Counted by the database, one grouped query."""
    require_book(person)
    monday = week_start(day)
    start, end = week_bounds(monday)
    qs = visible_entries(person).filter(recorded_at__gte=start, recorded_at__lt=end)
    grouped = (qs.order_by().values("unit_at_fault_id", "agency_at_fault_id", "category")
               .annotate(n=Count("id")))
    cells: dict[tuple[str, int | None], dict[str, int]] = {}
    for g in grouped:
        if g["unit_at_fault_id"]:
            key = ("u", g["unit_at_fault_id"])
        elif g["agency_at_fault_id"]:
            key = ("a", g["agency_at_fault_id"])
        else:
            key = ("none", None)
        cells.setdefault(key, {})
        cells[key][g["category"]] = cells[key].get(g["category"], 0) + g["n"]
    unit_ids = [k[1] for k in cells if k[0] == "u"]
    agency_ids = [k[1] for k in cells if k[0] == "a"]
    units = list(Unit.objects.filter(pk__in=unit_ids).order_by("sort_order", "id")) if unit_ids else []
    agencies = list(Agency.objects.filter(pk__in=agency_ids).order_by("sort_order", "id")) if agency_ids else []
    ordered = ([(("u", u.pk), u.name, "处室") for u in units]
               + [(("a", a.pk), a.name, "来文单位") for a in agencies]
               + ([(("none", None), "未明确责任单位", "—")] if ("none", None) in cells else []))
    rows = []
    for key, label, kind in ordered:
        counts = [cells[key].get(c, 0) for c in CATEGORIES]
        rows.append(ReportRow(key=f"{key[0]}{key[1] or ''}", label=label, kind=kind, counts=counts, total=sum(counts)))
    column_totals = [sum(r.counts[i] for r in rows) for i in range(len(CATEGORIES))]
    by_source = dict.fromkeys(ErrorRecord.Source.values, 0)
    for g in qs.order_by().values("source").annotate(n=Count("id")):
        by_source[g["source"]] = g["n"]
    report = WeeklyReport(
        agency=person.agency, monday=monday, sunday=monday + timedelta(days=6), start=start, end=end,
        categories=CATEGORIES, rows=rows, column_totals=column_totals, total=sum(column_totals),
        by_source=by_source, unit_only=not sees_whole_book(person))
    if with_entries:
        report.entries = list(qs.select_related("document", "unit_at_fault", "agency_at_fault", "recorded_by")
                              .order_by("recorded_at", "id"))
        report.shown_documents = shown_document_ids(person, report.entries)
    return report


def fault_label(record: ErrorRecord) -> str:
    if record.unit_at_fault_id:
        return record.unit_at_fault.name
    if record.agency_at_fault_id:
        return record.agency_at_fault.name
    return "未明确责任单位"


# --- the document page panel -------------------------------------------------------------------


def panel(person: Person | None, document: Document, *, units=None) -> dict:
    """What the document page's error-book panel shows: the document's entries and,
    for reviewers, the units to choose from in the correction form (``units``: the
    document's agency's units in their order, when the page has read them already)."""
    records = document_entries(document)
    allowed = may_record_correction(person, document)
    if not allowed:
        units = []
    elif units is None:
        units = list(Unit.objects.filter(agency_id=document.agency_id).order_by("sort_order", "id"))
    return {"records": records, "may_correct": allowed, "units": units, "categories": CATEGORIES,
            "sees_book": may_see_book(person)}
