"""Reminders (催办) for clients: my notifications (消息) and the unread count, marking
them read, manual 催办 of a task or a document, the agency's overdue and approaching
list (逾期与临期), and working-time arithmetic on the agency's calendar (for clients
that show due times or let a clerk check one)."""

from datetime import datetime

from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from deadlines import overdue as selectors
from deadlines import reminders
from deadlines.models import LimitUnit, Notification
from deadlines.services import add_limit, calendar_for
from documents.models import Document
from gongwen.errors import DomainError, NotFound

from ..common import ERRORS_WRITE, PathId, agency_ref, caller
from ..errors import error_responses
from ..schemas import Id, InSchema, LocalDateTime, Page, Paging, Ref, ref

router = Router(tags=["催办与消息"])


# --- schemas ----------------------------------------------------------------------------------


class NotificationOut(Schema):
    id: int
    title: str
    body: str
    url: str = Field(description="相关页面（站内路径）")
    document_id: int | None
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Page):
    unread: int = Field(description="未读消息数")
    items: list[NotificationOut]


class NotificationFilter(Paging):
    unread: bool = Field(False, description="只列未读消息")


class ReadAllOut(Schema):
    marked: int = Field(description="本次标为已读的条数")
    unread: int


class RemindIn(InSchema):
    message: str = Field(max_length=500, description="催办内容（必填）")


class RemindOut(Schema):
    document_id: int
    reminders: int = Field(description="发出的催办条数（每位承办人一条）")
    recipients: list[Ref]


class DocumentRef(Schema):
    id: int
    title: str
    registry_number: str
    urgency: str


class OverdueOut(Schema):
    task_id: int
    document: DocumentRef
    node_name: str
    role: str
    assignee: Ref
    unit: Ref | None
    due_at: datetime | None = Field(description="办理时限；时限待定时为 null")
    due_pending_reason: str = Field(description="时限待定的原因（如“2027年日历未录入”），否则为空")
    original_due_at: datetime | None
    overdue: bool = Field(description="已逾期；否则一个工作日内到期（时限待定时为 false）")
    working_hours: float = Field(description="逾期（或剩余）的工作小时数")
    calendar_days: int = Field(description="逾期（或剩余）的自然日数")
    text: str = Field(description="如“逾期1.5个工作小时，2天”")


class OverduePage(Page):
    overdue: int = Field(description="已逾期件数")
    approaching: int = Field(description="一个工作日内到期件数")
    pending: int = Field(description="时限待定件数（所需年度的节假日安排尚未录入）")
    items: list[OverdueOut]


class OverdueFilter(Paging):
    show: str = Field("", description="overdue（已逾期）、approaching（一个工作日内到期），空为两者；"
                                      "pending（时限待定）另列", max_length=12)


class AddIn(InSchema):
    start: LocalDateTime = Field(description="起算时间（如 2026-03-06T17:00:00+08:00；不带时区时按北京时间）")
    amount: int = Field(ge=0, le=100000, description="时限数")
    unit: str = Field("work_hours", max_length=16,
                      description="work_minutes / work_hours / work_days（工作时间）；clock_minutes / clock_hours / "
                                  "clock_days（自然时间，含节假日）")
    agency_id: Id | None = Field(None, description="按哪个机关的作息时间计算；默认本人所在机关")


class AddOut(Schema):
    start: datetime
    amount: int
    unit: str
    due: datetime


class BetweenIn(InSchema):
    start: LocalDateTime
    end: LocalDateTime
    agency_id: Id | None = None


class BetweenOut(Schema):
    start: datetime
    end: datetime
    working_minutes: float = Field(description="两时刻之间的工作分钟数（end 早于 start 时为负）")
    working_hours: float
    working_days: float = Field(description="折合工作日（按该机关一天的工作时长）")


# --- notifications ------------------------------------------------------------------------------


def _notification(person, notification_id: int) -> Notification:
    note = Notification.objects.filter(recipient=person, pk=notification_id).first()
    if note is None:
        raise NotFound("未找到该消息。")
    return note


@router.get("/notifications", response={200: NotificationPage, **error_responses(401, 422)}, summary="我的消息",
            description="催办、到期提醒、逾期督促等消息，新的在前；unread 为未读总数。")
def notifications(request, filters: Query[NotificationFilter]):
    me = caller(request)
    qs = selectors.notifications(me, unread_only=filters.unread)
    return {"total": qs.count(), "unread": selectors.notifications(me, unread_only=True).count(),
            "limit": filters.limit, "offset": filters.offset,
            "items": list(qs[filters.offset:filters.offset + filters.limit])}


@router.post("/notifications/read-all", response={200: ReadAllOut, **error_responses(*ERRORS_WRITE)}, summary="全部标为已读")
def read_all(request):
    return {"marked": selectors.mark_read(caller(request)), "unread": 0}


@router.post("/notifications/{notification_id}/read", response={200: NotificationOut, **error_responses(*ERRORS_WRITE)},
             summary="标为已读", description="只能标记本人的消息；他人的消息与不存在的一样答 404。")
def read_one(request, notification_id: PathId):
    me = caller(request)
    _notification(me, notification_id)
    selectors.mark_read(me, notification_id)
    return _notification(me, notification_id)


# --- manual 催办 ---------------------------------------------------------------------------------


def _reminded(done) -> dict:
    people = {r.recipient_id: r.recipient for r in done.reminders}
    return {"document_id": done.document.pk, "reminders": len(done.reminders),
            "recipients": [ref(p) for p in people.values()]}


@router.post("/tasks/{task_id}/remind", response={200: RemindOut, **error_responses(*ERRORS_WRITE)},
             summary="催办一项待办",
             description="办公室人员或督查员向该待办的承办人（及其AB角）发出催办，须填写催办内容。")
def remind_task(request, task_id: PathId, payload: RemindIn):
    return _reminded(reminders.remind(task_id, actor=caller(request), message=payload.message))


@router.post("/documents/{document_id}/remind", response={200: RemindOut, **error_responses(*ERRORS_WRITE)},
             summary="催办一份公文", description="向本件当前所有主办待办的承办人发出催办。")
def remind_document(request, document_id: PathId, payload: RemindIn):
    document = Document.objects.filter(pk=document_id).first()
    if document is None:
        raise NotFound()
    return _reminded(reminders.remind(document, actor=caller(request), message=payload.message))


# --- overdue and approaching ---------------------------------------------------------------------


@router.get("/overdue", response={200: OverduePage, **error_responses(401, 403, 422)}, summary="逾期与临期待办",
            description="本机关已逾期和一个工作日内到期的待办（办公室人员、督查员和机关领导）。逾期最久的在前。"
                        "show=pending 列出时限待定的待办（所需年度的节假日安排尚未录入），收到最早的在前。")
def overdue(request, filters: Query[OverdueFilter]):
    me = caller(request)
    show = filters.show if filters.show in ("overdue", "approaching", "pending") else ""
    now = timezone.now()
    counts = selectors.overdue_counts(me, now)
    qs = selectors.overdue_tasks(me, now, which=show)
    rows = selectors.annotate(qs[filters.offset:filters.offset + filters.limit], me.agency, now)
    items = [{
        "task_id": t.pk, "node_name": t.node_name, "role": t.role, "assignee": ref(t.assignee),
        "unit": ref(t.assignee_unit), "due_at": t.due_at, "due_pending_reason": t.due_pending_reason,
        "original_due_at": t.original_due_at,
        "document": {"id": t.document.pk, "title": t.document.title, "registry_number": t.document.registry_number,
                     "urgency": t.document.urgency},
        **({"overdue": t.lateness.overdue, "working_hours": t.lateness.working_hours,
            "calendar_days": t.lateness.calendar_days, "text": t.lateness.text} if t.lateness else
           {"overdue": False, "working_hours": 0, "calendar_days": 0, "text": f"时限待定（{t.due_pending_reason}）"}),
    } for t in rows]
    total = counts[show] if show else counts["overdue"] + counts["approaching"]
    return {"total": total, "limit": filters.limit, "offset": filters.offset, "items": items, **counts}


# --- working-time arithmetic ----------------------------------------------------------------------


def _aware(value: datetime) -> datetime:
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _calendar(request, agency_id):
    agency = agency_ref(agency_id) if agency_id else caller(request).agency
    return calendar_for(agency)


@router.get("/calendar/add", response={200: AddOut, **error_responses(400, 401, 404, 422)}, summary="时限推算",
            description="起算时间加上时限（工作时间不计夜间、周末和节假日，计调休上班日），得出到期时间。"
                        "落在尚未录入节假日安排的年度时拒绝（400，code=calendar_year_unknown）。")
def calendar_add(request, q: Query[AddIn]):
    if q.unit not in LimitUnit.values:
        raise DomainError("时限单位无效，应为 " + " / ".join(LimitUnit.values) + "。", code="invalid_unit")
    start = _aware(q.start)
    due = add_limit(_calendar(request, q.agency_id), start, q.amount, q.unit)
    return {"start": start, "amount": q.amount, "unit": q.unit, "due": due}


@router.get("/calendar/between", response={200: BetweenOut, **error_responses(400, 401, 404, 422)},
            summary="工作时长", description="两时刻之间的工作时间（不计夜间、周末和节假日）。")
def calendar_between(request, q: Query[BetweenIn]):
    calendar = _calendar(request, q.agency_id)
    start, end = _aware(q.start), _aware(q.end)
    minutes = calendar.working_minutes_between(start, end)
    return {"start": start, "end": end, "working_minutes": round(minutes, 2), "working_hours": round(minutes / 60, 2),
            "working_days": round(minutes * 60 / calendar.hours.day_seconds, 3)}
