"""Exchange (公文交换): the dispatch of a sealed outgoing document (分发), what the
sender sees of it afterwards (分发情况: per recipient, from the receipts: 已签收 / 已退文 /
未送达（无回执）), the paper receipt of a delivery outside the system, and the office's
overview (交换总览) and exchange box (交换箱, 待签收), and 转报 (a department forwarding a
subordinate bureau's or enterprise's submission upward under its own name)."""

from datetime import date, datetime

from ninja import Field, Query, Router, Schema, Status

from exchange import access
from exchange import receipts as exchange_receipts
from exchange import selectors as exchange_selectors
from exchange import services as exchange
from flow.models import Task

from ..common import ERRORS_READ, ERRORS_WRITE, PathId, caller, operation_out, visible_task_id
from ..errors import error_responses
from ..schemas import LocalDateTime, OperationOut, OpinionIn

router = Router(tags=["公文交换"])


class ExchangeReceiptOut(Schema):
    id: int
    kind: str = Field(description="signed（已签收）/ refused（已退文）")
    kind_display: str
    source: str = Field(description="system（系统内回执）/ paper（纸质回执登记）/ package（外部交换回执）")
    source_display: str
    by: str = Field(description="签收人或退文人")
    at: datetime
    registry_number: str = Field(description="对方收文编号")
    reason: str = Field(description="退文理由")


class DeliveryOut(Schema):
    id: int
    name: str = Field(description="收文机关名称")
    kind: str = Field(description="main（主送）/ copy（抄送）")
    kind_display: str
    channel: str = Field(description="system（系统内交换）/ outside（系统外，纸质或外部交换）")
    channel_display: str
    agency_id: int | None
    status: str = Field(description="已签收 / 已退文 / 未送达（无回执）：没有回执即视为未送达")
    state: str = Field(description="signed / refused / waiting（对方待签收）/ late（超时未签收）/ outside（系统外待回执）")
    delivered: bool = Field(description="已送达（有签收回执）")
    note: str
    registry_number: str = Field(description="对方收文编号（已签收时）")
    returned_at: datetime | None = Field(description="退文时间（已退文时）")
    multi_submission: bool = Field(description="多头报送")
    can_record_paper: bool = Field(description="可登记纸质回执（系统外且尚无签收回执）")
    receipts: list[ExchangeReceiptOut]
    signed_at: datetime | None = Field(description="签收时间")
    signed_by: str = Field(description="签收人")
    due_at: datetime | None = Field(description="签收时限（待签收时）")
    due_pending_reason: str = Field("", description="对方签收时限待定的原因（如“2027年日历未录入”），否则为空")
    late: bool = Field(description="签收已逾期")
    returned_reason: str = Field(description="退文理由（已退文时）")
    sent_at: datetime
    sent_by: str


class DispatchOut(OperationOut):
    deliveries: list[DeliveryOut]


@router.get("/documents/{document_id}/deliveries",
            response={200: list[DeliveryOut], **error_responses(*ERRORS_READ)}, summary="分发情况",
            description="发文各收文机关的分发方式与签收情况（主送在前）。")
def deliveries(request, document_id: PathId):
    document = access.visible_outgoing(caller(request), document_id)
    return exchange_selectors.deliveries(document)


@router.post("/tasks/{task_id}/dispatch", response={200: DispatchOut, **error_responses(*ERRORS_WRITE)},
             summary="分发",
             description="分发环节：系统内收文机关生成收文并进入其签收环节，系统外收文机关登记为纸质或外部交换，"
                         "然后办结本件。须已编号、已用印、有主送机关；涉密公文不得通过系统分发。")
def dispatch(request, task_id: PathId, payload: OpinionIn):
    me = caller(request)
    visible_task_id(me, task_id)
    exchange.dispatch(task_id, actor=me, opinion=payload.opinion)
    task = Task.objects.get(pk=task_id)
    return {**operation_out(task.document_id, tasks=[task]),
            "deliveries": exchange_selectors.deliveries(task.document)}


class PaperReceiptIn(Schema):
    signed_by: str = Field(description="对方签收人")
    at: LocalDateTime = Field(description="签收时间（不带时区时按北京时间）")
    registry_number: str = Field("", description="对方收文编号（可不填）")


@router.post("/deliveries/{delivery_id}/paper-receipt",
             response={200: DeliveryOut, **error_responses(*ERRORS_WRITE)}, summary="登记纸质回执",
             description="系统外（纸质或外部交换）分发的收文机关签收后，由发文机关办公室登记对方签收人和签收时间；"
                         "登记前该分发显示为未送达。")
def paper_receipt(request, delivery_id: PathId, payload: PaperReceiptIn):
    me = caller(request)
    receipt = exchange_receipts.record_paper_receipt(delivery_id, actor=me, signed_by=payload.signed_by,
                                                     at=payload.at, registry_number=payload.registry_number)
    rows = exchange_selectors.deliveries(receipt.delivery.document)
    return next(r for r in rows if r["id"] == receipt.delivery_id)


class ExchangeRangeIn(Schema):
    start: date | None = Field(None, description="分发日期自（含）")
    end: date | None = Field(None, description="分发日期至（含）")


class ExchangeCountsOut(Schema):
    name: str = Field(description="收文机关（我方发出）或来文机关（我方收到）；合计行为“合计”")
    total: int
    waiting: int = Field(description="待签收")
    late: int = Field(description="超时未签收")
    signed: int = Field(description="已签收")
    refused: int = Field(description="已退文")
    undelivered: int = Field(description="未送达（无回执，含待签收）")
    multi: int = Field(description="多头报送")


class ExchangeOverviewOut(Schema):
    agency: str
    start: date | None
    end: date | None
    sent: list[ExchangeCountsOut]
    sent_total: ExchangeCountsOut
    received: list[ExchangeCountsOut]
    received_total: ExchangeCountsOut


@router.get("/exchange/overview", response={200: ExchangeOverviewOut, **error_responses(*ERRORS_READ)},
            summary="交换总览",
            description="本机关办公室人员查看：按收文机关（我方发出）和来文机关（我方收到）统计待签收、超时未签收、"
                        "已签收、已退文、未送达和多头报送件数。其他人得到404。")
def overview(request, filters: Query[ExchangeRangeIn]):
    me = caller(request)
    agency = access.require_overview(me)
    data = exchange_selectors.overview(me, agency, start=filters.start, end=filters.end)
    return {"agency": agency.name, "start": data.start, "end": data.end,
            "sent": [c.as_dict() for c in data.sent], "sent_total": data.sent_total.as_dict(),
            "received": [c.as_dict() for c in data.received], "received_total": data.received_total.as_dict()}


class ExchangeBoxOut(Schema):
    document_id: int
    delivery_id: int
    task_id: int
    title: str
    sender: str
    doc_number: str
    urgency: str
    arrived_at: datetime
    due_at: datetime | None = Field(description="签收时限；时限待定时为 null")
    due_pending_reason: str = Field(description="签收时限待定的原因（如“2027年日历未录入”），否则为空")
    late: bool = Field(description="超时未签收")
    multi_submission: bool = Field(description="多头报送")


@router.get("/exchange/box", response={200: list[ExchangeBoxOut], **error_responses(*ERRORS_READ)},
            summary="交换箱（待签收）",
            description="本机关经系统交换收到、等待签收的公文，按到达先后排列，含签收时限和是否超时。仅办公室人员。")
def box(request):
    me = caller(request)
    agency = access.require_overview(me)
    return [{**{k: v for k, v in row.items() if k != "document"}, "document_id": row["document"].pk}
            for row in exchange_selectors.box(me, agency)]


class ExchangeForwardIn(Schema):
    recommendation: str = Field(description="本机关的审核意见和建议（必填，不得原文照转）")
    main_to: list[int] = Field(description="主送机关编号（本机关的上级机关）")
    copy_to: list[int] = Field([], description="抄送机关编号（可不填）")
    title: str = Field("", description="转报稿标题；不填则为“<本机关>关于转报<下级单位简称><原标题>”")


class ExchangeForwardOut(Schema):
    id: int = Field(description="转报稿（本机关发文草稿）编号")
    title: str
    doc_type: str
    writing_direction: str = Field(description="up（上行文）")
    main_recipients: str
    cc_recipients: str
    forwarded_from_id: int = Field(description="所转报的来文（本机关收到的下级来文）编号")


@router.post("/documents/{document_id}/forward",
             response={201: ExchangeForwardOut, **error_responses(*ERRORS_WRITE)}, summary="转报",
             description="部门办公室人员将本机关所属二级局、企业的来文以本机关名义转报上级：起草本机关的上行文"
                         "（拟稿环节，正文为转报说明和本机关意见），与该来文关联。须写明审核意见；每件来文只转报一次"
                         "（已转报为409）；非本机关办公室人员为403；看不到该来文为404。")
def forward(request, document_id: PathId, payload: ExchangeForwardIn):
    me = caller(request)
    draft = exchange.start_forwarding(actor=me, original_id=document_id, main_to=payload.main_to,
                                      copy_to=payload.copy_to, recommendation=payload.recommendation,
                                      title=payload.title)
    return Status(201, {"id": draft.pk, "title": draft.title, "doc_type": draft.doc_type,
                        "writing_direction": draft.writing_direction, "main_recipients": draft.main_recipients,
                        "cc_recipients": draft.cc_recipients, "forwarded_from_id": draft.forwarded_from_id})
