"""My tasks (待办, 待阅, 已办) and every operation on a task. Each operation checks that
the task is on a document the caller may see (else the same 404 as a missing task),
then calls the one engine service that does it. The operations of other apps on a task are
in their routers (登记: incoming.py; 签发, 编号: drafting.py; 用印: sealing.py; 分发: exchange.py)."""

from ninja import Query, Router

from flow import selectors
from flow import services as flow
from flow.models import Task
from supervision.errorbook.services import check_category

from ..common import (
    ERRORS_WRITE,
    PathId,
    caller,
    operation_out,
    page,
    person_ref,
    persons_ref,
    unit_ref,
    units_ref,
    visible_task_id,
)
from ..errors import error_responses
from ..schemas import (
    AddSignerIn,
    AssignIn,
    CountersignIn,
    CountersignRequestIn,
    OperationOut,
    OpinionIn,
    Paging,
    ResolveIn,
    ReturnIn,
    SendOnIn,
    TaskPage,
    TransferIn,
)

router = Router(tags=["待办与操作"])

TASK_RELATED = ("assignee_unit", "acted_by", "document__lead_unit")


def _document_id(task_id: int) -> int:
    return Task.objects.filter(pk=task_id).values_list("document_id", flat=True).get()


# --- lists ------------------------------------------------------------------------------------


@router.get("/inbox", response={200: TaskPage, **error_responses(401, 422)}, summary="待办")
def inbox(request, paging: Query[Paging]):
    return page(selectors.inbox(caller(request)).select_related(*TASK_RELATED), paging)


@router.get("/toread", response={200: TaskPage, **error_responses(401, 422)}, summary="待阅（传阅件）")
def to_read(request, paging: Query[Paging]):
    return page(selectors.to_read(caller(request)).select_related(*TASK_RELATED), paging)


@router.get("/done", response={200: TaskPage, **error_responses(401, 422)}, summary="已办")
def done(request, paging: Query[Paging]):
    return page(selectors.done(caller(request)).select_related(*TASK_RELATED), paging)


# --- operations -------------------------------------------------------------------------------


@router.post("/{task_id}/send_on", response={200: OperationOut, **error_responses(*ERRORS_WRITE)},
             summary="送下一步", description="签署意见后送下一环节；分办时指定主办、协办单位，拟办时可选择领导及办理方式。")
def send_on(request, task_id: PathId, payload: SendOnIn):
    me = caller(request)
    visible_task_id(me, task_id)
    task = flow.send_on(
        task_id, actor=me, opinion=payload.opinion, decision=payload.decision,
        next_assignees=persons_ref(payload.next_assignee_ids, "下一环节办理人") if payload.next_assignee_ids else None,
        next_mode=payload.next_mode, lead_unit=unit_ref(payload.lead_unit_id, "主办单位"),
        assist_units=units_ref(payload.assist_unit_ids, "协办单位") if payload.assist_unit_ids is not None else None,
        needs_reply=payload.needs_reply, needs_leader_approval=payload.needs_leader_approval,
        reply_text=payload.reply_text)
    return operation_out(task.document_id, tasks=[task])


@router.post("/{task_id}/complete", response={200: OperationOut, **error_responses(*ERRORS_WRITE)}, summary="办结")
def complete(request, task_id: PathId, payload: OpinionIn):
    me = caller(request)
    visible_task_id(me, task_id)
    task = flow.complete(task_id, actor=me, opinion=payload.opinion)
    return operation_out(task.document_id, tasks=[task])


@router.post("/{task_id}/return", response={200: OperationOut, **error_responses(*ERRORS_WRITE)},
             summary="退回", description="退回到本件已经过的前面环节（见文件详情 available.return_targets），须写明理由并选择差错类别（记入错题本）。")
def return_task(request, task_id: PathId, payload: ReturnIn):
    me = caller(request)
    visible_task_id(me, task_id)
    activation = flow.return_task(task_id, actor=me, to_activation_id=payload.to_activation_id, reason=payload.reason,
                                  error_category=check_category(payload.error_category))
    return operation_out(_document_id(task_id), tasks=list(activation.tasks.all()))


@router.post("/{task_id}/add_signer", response={200: OperationOut, **error_responses(*ERRORS_WRITE)}, summary="加签")
def add_signer(request, task_id: PathId, payload: AddSignerIn):
    me = caller(request)
    visible_task_id(me, task_id)
    tasks = flow.add_signer(task_id, actor=me, people=persons_ref(payload.person_ids, "加签人"), note=payload.note)
    return operation_out(_document_id(task_id), tasks=tasks)


@router.post("/{task_id}/transfer", response={200: OperationOut, **error_responses(*ERRORS_WRITE)}, summary="转办")
def transfer(request, task_id: PathId, payload: TransferIn):
    me = caller(request)
    visible_task_id(me, task_id)
    task = flow.transfer(task_id, actor=me, to_person=person_ref(payload.to_person_id, "接收人"),
                         reason=payload.reason)
    return operation_out(task.document_id, tasks=[task])


@router.post("/{task_id}/assign", response={200: OperationOut, **error_responses(*ERRORS_WRITE)},
             summary="指定承办人（处室负责人）")
def assign(request, task_id: PathId, payload: AssignIn):
    me = caller(request)
    visible_task_id(me, task_id)
    task = flow.assign_handler(task_id, actor=me, handler=person_ref(payload.handler_id, "承办人"), note=payload.note)
    return operation_out(task.document_id, tasks=[task])


@router.post("/{task_id}/recall", response={200: OperationOut, **error_responses(*ERRORS_WRITE)},
             summary="撤回", description="撤回自己送出的待办，只要后续办理人尚未查看或办理。")
def recall(request, task_id: PathId):
    me = caller(request)
    visible_task_id(me, task_id)
    task = flow.recall(task_id, actor=me)
    return operation_out(task.document_id, tasks=[task])


@router.post("/{task_id}/countersign_request", response={200: OperationOut, **error_responses(*ERRORS_WRITE)},
             summary="征求会签")
def countersign_request(request, task_id: PathId, payload: CountersignRequestIn):
    me = caller(request)
    visible_task_id(me, task_id)
    tasks = flow.request_countersign(task_id, actor=me, units=units_ref(payload.unit_ids, "会签单位"),
                                     note=payload.note)
    return operation_out(_document_id(task_id), tasks=tasks)


@router.post("/{task_id}/countersign", response={200: OperationOut, **error_responses(*ERRORS_WRITE)},
             summary="会签（同意 / 不同意）")
def countersign(request, task_id: PathId, payload: CountersignIn):
    me = caller(request)
    visible_task_id(me, task_id)
    task = flow.countersign(task_id, actor=me, decision=payload.decision, opinion=payload.opinion)
    return operation_out(task.document_id, tasks=[task])


@router.post("/{task_id}/resolve", response={200: OperationOut, **error_responses(*ERRORS_WRITE)},
             summary="处理会签分歧（主办单位）")
def resolve(request, task_id: PathId, payload: ResolveIn):
    me = caller(request)
    visible_task_id(me, task_id)
    opinion = flow.resolve_disagreement(task_id, actor=me, resolution=payload.resolution)
    return operation_out(opinion.document_id, opinion=opinion)


@router.post("/{task_id}/read_back", response={200: OperationOut, **error_responses(*ERRORS_WRITE)},
             summary="阅毕退回（传阅件交回办公室）")
def read_back(request, task_id: PathId, payload: OpinionIn):
    me = caller(request)
    visible_task_id(me, task_id)
    task = flow.read_back(task_id, actor=me, opinion=payload.opinion)
    return operation_out(task.document_id, tasks=[task])
