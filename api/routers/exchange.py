"""Exchange (公文交换): the dispatch of a sealed outgoing document (分发) and what the
sender sees of it afterwards (分发情况: per recipient 待签收 / 已签收 / 已退文, or 系统外)."""

from datetime import datetime

from ninja import Field, Router, Schema

from exchange import access
from exchange import selectors as exchange_selectors
from exchange import services as exchange
from flow.models import Task

from ..common import ERRORS_READ, ERRORS_WRITE, PathId, caller, operation_out, visible_task_id
from ..errors import error_responses
from ..schemas import OperationOut, OpinionIn

router = Router(tags=["公文交换"])


class DeliveryOut(Schema):
    id: int
    name: str = Field(description="收文机关名称")
    kind: str = Field(description="main（主送）/ copy（抄送）")
    kind_display: str
    channel: str = Field(description="system（系统内交换）/ outside（系统外，纸质或外部交换）")
    channel_display: str
    agency_id: int | None
    status: str = Field(description="待签收 / 已签收 / 已退文；系统外的为“系统外，请纸质或外部交换”")
    signed_at: datetime | None = Field(description="签收时间")
    signed_by: str = Field(description="签收人")
    due_at: datetime | None = Field(description="签收时限（待签收时）")
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
