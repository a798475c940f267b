"""Extensions (延期) and lateness (逾期): request, decide, the sender's agreement (or no new
date agreed), the office's pending list, and a document's lateness and holders.

Each endpoint checks that the task, document or request is on a document the caller may
see (else the same 404 as a missing one), then calls one service of
``deadlines.extensions.services`` (or a selector of ``deadlines.lateness``), which checks who may
act and answers refusals in Chinese, writing nothing.
"""

from datetime import datetime

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from deadlines import lateness
from deadlines.extensions import services
from deadlines.models import Extension
from deadlines.services import calendar_for
from documents.access import visible_documents
from gongwen.errors import NotFound, PermissionDenied

from ..common import ERRORS_READ, ERRORS_WRITE, PathId, caller, page, visible_document, visible_task_id
from ..errors import error_responses
from ..schemas import Id, InSchema, LocalDateTime, Page, Paging, Ref, ref

router = Router(tags=["延期与逾期"])

EXTENSION_NOT_FOUND = "未找到该延期申请或您无权查看。"


# --- schemas ---------------------------------------------------------------------------------------


class ExtensionOut(Schema):
    """A request to extend a task's due time (延期申请), or a record of what the sender
    agreed (来文单位同意延期 / 未商定新时限)."""

    id: int
    document_id: int
    task_id: int
    node_name: str
    state: str = Field(description="pending 待审批, approved 已同意, refused 不同意, sender_agreed 来文单位同意延期, "
                                   "no_date 未商定新时限")
    state_display: str
    requested_by: Ref
    requested_at: datetime
    reason: str
    old_due_at: datetime | None = Field(description="申请时的办理时限")
    requested_due_at: datetime | None
    new_due_at: datetime | None = Field(description="批准延至，或来文单位同意的新时限")
    decided_by: Ref | None
    decided_at: datetime | None
    agreed_with: str = Field(description="与来文单位哪一位商定")
    decision_note: str

    @staticmethod
    def resolve_node_name(obj) -> str:
        return obj.task.node_name

    @staticmethod
    def resolve_state_display(obj) -> str:
        return obj.get_state_display()

    @staticmethod
    def resolve_requested_by(obj):
        return ref(obj.requested_by)

    @staticmethod
    def resolve_decided_by(obj):
        return ref(obj.decided_by)


class ExtensionPage(Page):
    items: list[ExtensionOut]


class RequestIn(InSchema):
    new_due_at: LocalDateTime = Field(description="申请延至（须晚于现在的办理时限）")
    reason: str = Field(max_length=500, description="延期理由（必填）")


class DecideIn(InSchema):
    approve: bool = Field(description="true 同意，false 不同意")
    note: str = Field("", max_length=500, description="审批意见（不同意时必填）")
    new_due_at: LocalDateTime | None = Field(None, description="同意时可批准一个早于所申请的时间；留空为所申请的时间")


class SenderIn(InSchema):
    new_due_at: LocalDateTime | None = Field(description="来文单位同意的新时限；null 表示未商定新时限")
    agreed_with: str = Field(max_length=100, description="与来文单位哪一位商定（单位、姓名）")
    note: str = Field("", max_length=500, description="说明")
    task_id: Id | None = Field(None, description="记在本件的哪项待办上（留空：主办单位的待办）")


class LatenessOut(Schema):
    due_at: datetime | None
    finished_at: datetime | None = Field(description="办完（办结）时间；在办为 null")
    late: bool
    calendar_days: int = Field(description="逾期自然日（按日期计）")
    working_minutes: float | None = Field(description="逾期工作时间（分钟）；日历缺年度数据时为 null")
    working_days: float | None = Field(description="逾期工作日（按本机关每日工作时长折算）")
    label: str


class HolderOut(Schema):
    task_id: int
    assignee: Ref
    unit: Ref | None
    node_name: str
    role: str
    status: str
    received_at: datetime
    done_at: datetime | None
    working_minutes: float | None = Field(description="占用的工作时间（分钟）")
    held_label: str
    due_at: datetime | None
    original_due_at: datetime | None
    late: bool = Field(description="对照延期后的时限是否逾期")
    late_original: bool = Field(description="对照原定时限是否逾期")


class DocumentLatenessOut(Schema):
    document_id: int
    due_at: datetime | None
    original_due_at: datetime | None
    sender_deadline_text: str
    was_extended: bool
    no_new_date_agreed: bool = Field(description="来文单位最近一次意见为“未商定新时限”")
    original: LatenessOut = Field(description="对照原定时限")
    extended: LatenessOut = Field(description="对照延期后的时限")
    extensions: list[ExtensionOut]
    holders: list[HolderOut]


def _lateness(item: lateness.Lateness) -> dict:
    return {"due_at": item.due_at, "finished_at": item.finished_at, "late": item.late,
            "calendar_days": item.calendar_days, "working_minutes": item.working_minutes,
            "working_days": item.working_days, "label": item.label}


def _holder(h: lateness.Holding) -> dict:
    t = h.task
    return {"task_id": t.pk, "assignee": ref(t.assignee), "unit": ref(t.assignee_unit), "node_name": t.node_name,
            "role": t.role, "status": t.status, "received_at": h.received_at, "done_at": h.done_at,
            "working_minutes": h.working_minutes, "held_label": h.held_label, "due_at": t.due_at,
            "original_due_at": t.original_due_at, "late": h.late, "late_original": h.late_original}


def _out(extension_id: int) -> Extension:
    return Extension.objects.select_related("task", "requested_by", "decided_by").get(pk=extension_id)


def _visible_extension_id(person, extension_id: int) -> int:
    if not Extension.objects.filter(pk=extension_id, document__in=visible_documents(person)).exists():
        raise NotFound(EXTENSION_NOT_FOUND)
    return extension_id


# --- endpoints ---------------------------------------------------------------------------------------


@router.post("/tasks/{task_id}/request", response={200: ExtensionOut, **error_responses(*ERRORS_WRITE)},
             summary="申请延期", description="待办的办理人（或其受托人）申请延至新的时间，须写明理由；每项待办同时只能有一份待审批的申请。")
def request_extension(request, task_id: PathId, payload: RequestIn):
    me = caller(request)
    visible_task_id(me, task_id)
    ext = services.request_extension(task_id, actor=me, new_due_at=payload.new_due_at, reason=payload.reason)
    return _out(ext.pk)


@router.post("/{extension_id}/decide", response={200: ExtensionOut, **error_responses(*ERRORS_WRITE)},
             summary="审批延期申请",
             description="办公室（办公室主任、秘书、文书）或督查员同意或不同意；同意时待办的办理时限延后（原定时限不变），"
                         "但不能晚于本件的办理时限（来文单位确定的时限须先登记来文单位同意延期）。")
def decide_extension(request, extension_id: PathId, payload: DecideIn):
    me = caller(request)
    _visible_extension_id(me, extension_id)
    ext = services.decide_extension(extension_id, actor=me, approve=payload.approve, note=payload.note,
                                    new_due_at=payload.new_due_at)
    return _out(ext.pk)


@router.post("/documents/{document_id}/sender", response={200: ExtensionOut, **error_responses(*ERRORS_WRITE)},
             summary="登记来文单位意见",
             description="办公室登记来文单位（agreed_with）同意的新时限：本件及受本件时限约束的待办的办理时限随之延后；"
                         "new_due_at 为 null 表示未商定新时限，时限不变，本件标记“未商定新时限”。")
def record_sender_agreement(request, document_id: PathId, payload: SenderIn):
    me = caller(request)
    visible_document(me, document_id)
    if payload.task_id is not None:
        visible_task_id(me, payload.task_id)
    ext = services.record_sender_agreement(document_id, actor=me, new_due_at=payload.new_due_at,
                                           agreed_with=payload.agreed_with, note=payload.note,
                                           task_id=payload.task_id)
    return _out(ext.pk)


@router.get("/pending", response={200: ExtensionPage, **error_responses(401, 403, 422)},
            summary="待审批的延期申请", description="办公室和督查员可见：本机关待审批的延期申请，按申请时间排列。")
def pending(request, paging: Query[Paging]):
    me = caller(request)
    if not services.can_decide(me, me.agency_id):
        raise PermissionDenied("只有办公室（办公室主任、秘书、文书）或督查员可以审批延期申请。")
    qs = (Extension.objects.filter(state=Extension.State.PENDING, document__in=visible_documents(me))
          .select_related("task", "requested_by", "decided_by").order_by("requested_at", "id"))
    return page(qs, paging)


@router.get("/documents/{document_id}", response={200: DocumentLatenessOut, **error_responses(*ERRORS_READ)},
            summary="本件的延期与逾期",
            description="本件对照原定时限和延期后时限的逾期情况（自然日、工作日），延期记录，以及每位经手人收到、办完的时间和占用的工作时间。")
def document_lateness(request, document_id: PathId):
    me = caller(request)
    document = visible_document(me, document_id)
    now = timezone.now()
    calendar = calendar_for(document.agency)
    pair = lateness.document_lateness(document, now, calendar=calendar)
    flag = lateness.sender_flag(document)
    return {
        "document_id": document.pk, "due_at": document.due_at, "original_due_at": document.original_due_at,
        "sender_deadline_text": document.sender_deadline_text, "was_extended": pair.was_extended,
        "no_new_date_agreed": flag is not None and flag.state == Extension.State.NO_DATE,
        "original": _lateness(pair.original), "extended": _lateness(pair.extended),
        "extensions": lateness.extension_history(document),
        "holders": [_holder(h) for h in lateness.holders(document, now, calendar=calendar)],
    }
