"""API of the supervision app (督办): the ledger with the page's filters, an item with its
instructions, reports and record, and every operation of the item page; the leader's
instruction with 督办 ticked; the monthly bulletin as figures or as a DOCX/PDF file. An
item the caller may not see is 404, as if it did not exist; each operation calls one
service, which checks who may act and refuses in Chinese, writing nothing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from documents.models import Document
from flow.models import Opinion
from gongwen.errors import DomainError
from supervision import access, bulletin, selectors, services
from supervision.forms import due_from_day
from supervision.models import SupervisionItem

from ..common import (
    ERRORS_READ,
    ERRORS_WRITE,
    PathId,
    caller,
    page,
    person_ref,
    unit_ref,
    units_ref,
    visible_task_id,
)
from ..common import visible_document as visible_document_ref
from ..errors import error_responses
from ..schemas import Id, InSchema, LocalDateTime, Page, Paging, Ref, ref

router = Router(tags=["督办"])

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --- schemas -----------------------------------------------------------------------------------


class ItemFilterIn(InSchema):
    q: str = Field("", max_length=100, description="督办事项、批示内容或编号")
    state: str = Field("", description="open / stalled / reported / closed / cancelled")
    lead_unit_id: Id | None = None
    leader_id: Id | None = Field(None, description="批示领导（含再次批示的领导）")
    overdue: bool = False
    stalled: bool = False
    year: int | None = Field(None, ge=1949, le=9999, description="批示年度")
    sort: str = Field("created", description="created, -created, due, -due, count, -count, report, -report, "
                                             "title, -title")


class ItemOut(Schema):
    id: int
    number: str = Field(description="督办编号")
    title: str
    state: str
    state_display: str
    instructed_by: Ref
    instruction: str
    instructed_at: datetime
    instruction_count: int = Field(description="批示次数（含首次）")
    lead_unit: Ref
    assist_units: list[Ref]
    responsible: Ref
    due_at: datetime
    overdue: bool
    report_required: str
    report_interval_days: int
    last_report_at: datetime | None
    stalled_at: datetime | None
    document_id: int | None
    opened_by: Ref
    created_at: datetime
    closed_at: datetime | None

    @staticmethod
    def resolve_state_display(obj) -> str:
        return obj.get_state_display()

    @staticmethod
    def resolve_instructed_by(obj):
        return ref(obj.instructed_by)

    @staticmethod
    def resolve_lead_unit(obj):
        return ref(obj.lead_unit)

    @staticmethod
    def resolve_assist_units(obj):
        return [ref(u) for u in obj.assist_units.all()]

    @staticmethod
    def resolve_responsible(obj):
        return ref(obj.responsible)

    @staticmethod
    def resolve_opened_by(obj):
        return ref(obj.opened_by)

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.state in selectors.UNFINISHED and obj.due_at < timezone.now()


class ItemPage(Page):
    items: list[ItemOut]


class InstructionOut(Schema):
    id: int
    leader: Ref
    text: str
    at: datetime
    document_id: int | None
    opinion_id: int | None

    @staticmethod
    def resolve_leader(obj):
        return ref(obj.leader)


class ReportOut(Schema):
    id: int
    kind: str
    kind_display: str
    text: str
    reported_by: Ref
    unit: Ref
    reported_at: datetime
    due_at: datetime | None
    is_late: bool
    late_reason: str
    review: str
    review_note: str
    reviewed_by: Ref | None
    reviewed_at: datetime | None

    @staticmethod
    def resolve_kind_display(obj) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_reported_by(obj):
        return ref(obj.reported_by)

    @staticmethod
    def resolve_unit(obj):
        return ref(obj.unit)

    @staticmethod
    def resolve_reviewed_by(obj):
        return ref(obj.reviewed_by)


class EventOut(Schema):
    id: int
    kind: str
    kind_display: str
    actor: Ref | None
    at: datetime
    text: str
    recipients: list[str] = Field(description="被通知的人员")

    @staticmethod
    def resolve_kind_display(obj) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_actor(obj):
        return ref(obj.actor)


class ItemDetailOut(ItemOut):
    next_report_due: datetime | None = Field(description="下次进展报告应报时间；时限待定时为 null")
    next_report_pending_reason: str = Field(description="下次应报时间待定的原因（如“2027年日历未录入”），否则为空")
    close_blocker: str | None = Field(description="不能办结销号的原因（可以销号时为空）")
    instructions: list[InstructionOut]
    reports: list[ReportOut]
    events: list[EventOut]

    @staticmethod
    def resolve_next_report_due(obj):
        return None if obj.state in services.FINISHED else services.next_report_due(obj)

    @staticmethod
    def resolve_next_report_pending_reason(obj):
        return "" if obj.state in services.FINISHED else services.next_report_pending_reason(obj)

    @staticmethod
    def resolve_close_blocker(obj):
        return services.close_blocker(obj)

    @staticmethod
    def resolve_instructions(obj):
        return list(obj.instructions.select_related("leader").order_by("at", "id"))

    @staticmethod
    def resolve_reports(obj):
        return list(obj.reports.select_related("reported_by", "unit", "reviewed_by").order_by("reported_at", "id"))

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.select_related("actor").order_by("at", "id"))


class OpenIn(InSchema):
    title: str = Field(max_length=300)
    instruction: str = Field(max_length=5000)
    instructed_by_id: Id
    instructed_at: LocalDateTime | None = Field(None, description="批示时间，缺省为现在")
    lead_unit_id: Id
    assist_unit_ids: list[Id] = Field(default_factory=list, max_length=50)
    responsible_id: Id | None = Field(None, description="缺省为牵头单位负责人")
    due_at: LocalDateTime | None = Field(None, description="办理时限；或给 due_on")
    due_on: date | None = Field(None, description="办理时限（日期，当日下班前）")
    report_required: str = Field("", max_length=300)
    report_interval_days: int = Field(services.DEFAULT_INTERVAL, ge=1, le=services.MAX_INTERVAL)
    document_id: Id | None = None
    opinion_id: Id | None = Field(None, description="来源公文上的批示意见")


class AttachIn(InSchema):
    leader_id: Id
    text: str = Field(max_length=5000)
    instructed_at: LocalDateTime | None = None
    document_id: Id | None = None


class ReportIn(InSchema):
    text: str = Field(max_length=5000)
    late_reason: str = Field("", max_length=300, description="迟报原因（迟报时填写）")
    final: bool = Field(False, description="true 为办结报告")


class AcceptIn(InSchema):
    note: str = Field("", max_length=300)
    close: bool = Field(False, description="审核通过后即办结销号")


class NoteIn(InSchema):
    note: str = Field("", max_length=300)


class ChaseIn(InSchema):
    message: str = Field(max_length=500)


class SuperviseIn(InSchema):
    attach_to_id: Id | None = Field(None, description="附加到已有督办事项；缺省时本件已在督办的自动附加，否则新立项")
    lead_unit_id: Id | None = None
    assist_unit_ids: list[Id] = Field(default_factory=list, max_length=50)
    responsible_id: Id | None = None
    due_on: date | None = None
    report_required: str = Field("", max_length=300)
    report_interval_days: int = Field(services.DEFAULT_INTERVAL, ge=1, le=services.MAX_INTERVAL)
    title: str = Field("", max_length=300)


class InstructIn(InSchema):
    opinion: str = Field(max_length=5000, description="批示意见")
    next_assignee_ids: list[Id] | None = Field(None, max_length=50)
    supervise: SuperviseIn


class InstructOut(Schema):
    document_id: int
    stage: str
    item: ItemOut


class BulletinRowOut(Schema):
    item_id: int
    number: str
    title: str
    lead_unit: str


class SupervisionOverdueOut(BulletinRowOut):
    due_at: datetime
    working_days_over: float


class StalledOut(BulletinRowOut):
    stalled_at: datetime
    since: datetime
    cleared_at: datetime | None
    escalated_to: list[str]


class LateReportOut(BulletinRowOut):
    report_id: int
    reported_by: str
    due_at: datetime
    reported_at: datetime


class RateOut(Schema):
    unit: Ref
    expected: int
    on_time: int
    late: int
    missing: int
    rate: float | None = Field(description="按时报送率（0–1），无应报时为空")


class BulletinOut(Schema):
    title: str
    year: int
    month: int
    cutoff: datetime
    supervised: int
    opened: int
    closed: int
    overdue: list[SupervisionOverdueOut]
    stalled: list[StalledOut]
    late_without_reason: list[LateReportOut]
    rates: list[RateOut]


class MonthIn(InSchema):
    year: int = Field(ge=2000, le=2100)
    month: int = Field(ge=1, le=12)


class BulletinFileIn(MonthIn):
    format: Literal["docx", "pdf"] = "docx"


# --- helpers ------------------------------------------------------------------------------------


def _item(me, item_id: int) -> SupervisionItem:
    return access.get_visible(me, item_id)


def _fresh(item_id: int) -> SupervisionItem:
    return (SupervisionItem.objects.select_related("lead_unit", "responsible", "instructed_by", "opened_by")
            .prefetch_related("assist_units").get(pk=item_id))


def _detail(me, item_id: int) -> SupervisionItem:
    """The item as the caller may see it, read fresh after an operation."""
    return access.visible_items(me).select_related(
        "lead_unit", "responsible", "instructed_by", "opened_by").prefetch_related("assist_units").get(pk=item_id)


def _document(me, pk: int | None) -> Document | None:
    return visible_document_ref(me, pk) if pk is not None else None


# --- reads --------------------------------------------------------------------------------------


@router.get("/items", response={200: ItemPage, **error_responses(401, 422)}, summary="督办台账",
            description="本人可见的督办事项，与督办台账页面、Excel 导出相同的筛选条件。")
def items(request, filters: Query[ItemFilterIn], paging: Query[Paging]):
    f = selectors.ItemFilter(q=filters.q.strip(), state=filters.state if filters.state in SupervisionItem.State.values
                             else "", lead_unit_id=filters.lead_unit_id, leader_id=filters.leader_id,
                             overdue=filters.overdue, stalled=filters.stalled, year=filters.year,
                             sort=filters.sort if filters.sort in selectors.SORTS else "created")
    qs = selectors.with_assist_units(selectors.ledger(caller(request), f).select_related("opened_by"))
    return page(qs, paging)


@router.get("/items/{item_id}", response={200: ItemDetailOut, **error_responses(*ERRORS_READ)},
            summary="督办事项详情", description="批示（按时间顺序，含次数）、办理情况反馈和督办记录。")
def item_detail(request, item_id: PathId):
    me = caller(request)
    _item(me, item_id)
    return _detail(me, item_id)


# --- operations ----------------------------------------------------------------------------------


@router.post("/items", response={200: ItemDetailOut, **error_responses(*ERRORS_WRITE)}, summary="立项督办",
             description="领导（本人批示）、督查员或办公室主任立项：牵头单位、协办单位、责任人、办理时限、反馈要求。")
def open_item(request, payload: OpenIn):
    me = caller(request)
    document = _document(me, payload.document_id)
    opinion = None
    if payload.opinion_id is not None:
        opinion = Opinion.objects.filter(pk=payload.opinion_id, document=document).first() if document else None
        if opinion is None:
            raise DomainError("所选批示不在来源公文上。")
    due = payload.due_at or (due_from_day(me.agency, payload.due_on) if payload.due_on else None)
    item = services.open_item(actor=me, agency=me.agency, data=services.ItemData(
        title=payload.title, instruction=payload.instruction,
        instructed_by=person_ref(payload.instructed_by_id, "批示领导"), instructed_at=payload.instructed_at,
        lead_unit=unit_ref(payload.lead_unit_id, "牵头单位"), assist_units=units_ref(payload.assist_unit_ids, "协办单位"),
        responsible=person_ref(payload.responsible_id, "责任人"), due_at=due, report_required=payload.report_required,
        report_interval_days=payload.report_interval_days, document=document, opinion=opinion))
    return _detail(me, item.pk)


@router.post("/items/{item_id}/instructions", response={200: ItemDetailOut, **error_responses(*ERRORS_WRITE)},
             summary="附加批示（同一事项的再次批示，计数）")
def attach(request, item_id: PathId, payload: AttachIn):
    me = caller(request)
    _item(me, item_id)
    services.attach_instruction(actor=me, item_id=item_id, leader=person_ref(payload.leader_id, "批示领导"),
                                text=payload.text, instructed_at=payload.instructed_at,
                                document=_document(me, payload.document_id))
    return _detail(me, item_id)


@router.post("/items/{item_id}/reports", response={200: ReportOut, **error_responses(*ERRORS_WRITE)},
             summary="报送进展或办结报告（牵头单位）",
             description="迟报的须在 late_reason 说明原因，未说明的列入督办通报。办结报告经督查室审核通过后方可销号。")
def report(request, item_id: PathId, payload: ReportIn):
    me = caller(request)
    _item(me, item_id)
    return services.report(actor=me, item_id=item_id, text=payload.text, late_reason=payload.late_reason,
                           final=payload.final)


@router.post("/items/{item_id}/reports/{report_id}/accept",
             response={200: ItemDetailOut, **error_responses(*ERRORS_WRITE)}, summary="审核通过办结报告（督查室）")
def accept(request, item_id: PathId, report_id: PathId, payload: AcceptIn):
    me = caller(request)
    _item(me, item_id)
    services.accept_final(actor=me, item_id=item_id, report_id=report_id, note=payload.note, close=payload.close)
    return _detail(me, item_id)


@router.post("/items/{item_id}/reports/{report_id}/return",
             response={200: ItemDetailOut, **error_responses(*ERRORS_WRITE)}, summary="退回补充办结报告（督查室）")
def return_final(request, item_id: PathId, report_id: PathId, payload: NoteIn):
    me = caller(request)
    _item(me, item_id)
    services.return_final(actor=me, item_id=item_id, report_id=report_id, note=payload.note)
    return _detail(me, item_id)


@router.post("/items/{item_id}/close", response={200: ItemDetailOut, **error_responses(*ERRORS_WRITE)},
             summary="办结销号（须有经审核通过的办结报告）")
def close(request, item_id: PathId, payload: NoteIn):
    me = caller(request)
    _item(me, item_id)
    services.close_item(actor=me, item_id=item_id, note=payload.note)
    return _detail(me, item_id)


@router.post("/items/{item_id}/chase", response={200: EventOut, **error_responses(*ERRORS_WRITE)},
             summary="催办（通知责任人和牵头单位负责人）")
def chase(request, item_id: PathId, payload: ChaseIn):
    me = caller(request)
    _item(me, item_id)
    return services.chase(actor=me, item_id=item_id, message=payload.message)


@router.post("/instruct/{task_id}", response={200: InstructOut, **error_responses(*ERRORS_WRITE)},
             summary="领导批示并督办", description="在领导批示或审定环节签署意见、送下一步，并同时立项督办"
                                               "（或附加到已在督办的事项），在同一事务中完成。")
def instruct(request, task_id: PathId, payload: InstructIn):
    me = caller(request)
    visible_task_id(me, task_id)
    s = payload.supervise
    task, item = services.instruct_and_supervise(
        task_id, actor=me, opinion=payload.opinion,
        next_assignees=[person_ref(pk, "下一环节办理人") for pk in payload.next_assignee_ids or []] or None,
        supervise=services.Supervise(
            attach_to_id=s.attach_to_id, lead_unit=unit_ref(s.lead_unit_id, "牵头单位"),
            assist_units=units_ref(s.assist_unit_ids, "协办单位"), responsible=person_ref(s.responsible_id, "责任人"),
            due_at=due_from_day(me.agency, s.due_on), report_required=s.report_required,
            report_interval_days=s.report_interval_days, title=s.title))
    document = Document.objects.only("id", "stage").get(pk=task.document_id)
    return {"document_id": document.pk, "stage": document.stage, "item": _fresh(item.pk)}


# --- the bulletin ---------------------------------------------------------------------------------


def _row(item) -> dict:
    return {"item_id": item.pk, "number": item.number, "title": item.title, "lead_unit": item.lead_unit.name}


@router.get("/bulletin", response={200: BulletinOut, **error_responses(400, 401, 403, 422)},
            summary="督办通报（数据）", description="本机关某月的逾期事项、停滞事项、迟报且未说明原因的反馈和各单位按时报送率。")
def bulletin_figures(request, month: Query[MonthIn]):
    b = bulletin.build(actor=caller(request), year=month.year, month=month.month)
    return {
        "title": b.title, "year": b.year, "month": b.month, "cutoff": b.cutoff, "supervised": b.supervised,
        "opened": b.opened, "closed": b.closed,
        "overdue": [{**_row(r.item), "due_at": r.item.due_at, "working_days_over": round(r.days, 2)}
                    for r in b.overdue],
        "stalled": [{**_row(r.item), "stalled_at": r.stalled_at, "since": r.since, "cleared_at": r.cleared_at,
                     "escalated_to": r.escalated_to} for r in b.stalled],
        "late_without_reason": [{**_row(r.item), "report_id": r.pk, "reported_by": r.reported_by.name,
                                 "due_at": r.due_at, "reported_at": r.reported_at} for r in b.late_without_reason],
        "rates": [{"unit": ref(r.unit), "expected": r.expected, "on_time": r.on_time, "late": r.late,
                   "missing": r.missing, "rate": r.rate} for r in b.rates],
    }


@router.get("/bulletin/download", response=error_responses(400, 401, 403, 422), summary="下载督办通报（DOCX 或 PDF）",
            openapi_extra={"responses": {200: {"description": "督办通报文件", "content": {
                DOCX: {"schema": {"type": "string", "format": "binary"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}})
def bulletin_download(request, params: Query[BulletinFileIn]):
    b = bulletin.build(actor=caller(request), year=params.year, month=params.month)
    data = bulletin.docx_bytes(b)
    if params.format == "pdf":
        data = bulletin.pdf_bytes(data)
    response = HttpResponse(data, content_type="application/pdf" if params.format == "pdf" else DOCX)
    response["Content-Disposition"] = (f"attachment; filename=\"supervision-bulletin-{b.year}-{b.month:02d}."
                                       f"{params.format}\"; filename*=UTF-8''{quote(b.filename)}.{params.format}")
    return response

