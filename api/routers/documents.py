"""Documents: the visible list, the document page (elements, processing slip, holders, what
I may do), history, files; and the two document-level operations of the office, circulate
(传阅) and reject (退文). 登记 (POST /documents, on this router) and 直送件 are the incoming
app's endpoints, in incoming.py."""

from urllib.parse import quote

from django.http import HttpResponse
from ninja import File, Form, Query, Router, Status, UploadedFile

from documents import selectors as document_selectors
from documents import services as document_services
from documents import storage
from documents.access import visible_documents
from documents.models import DocumentFile, FileVersion
from flow import selectors as flow_selectors
from flow import services as flow
from gongwen.errors import NotFound
from supervision.errorbook.services import check_category

from ..common import (
    ERRORS_READ,
    ERRORS_WRITE,
    PathId,
    caller,
    operation_out,
    page,
    persons_ref,
    visible_document,
)
from ..errors import error_responses
from ..schemas import (
    CONTROL_CHARACTERS,
    CirculateIn,
    DocumentFilterIn,
    DocumentPage,
    DocumentPageOut,
    FileOut,
    HistoryOut,
    Id,
    OperationOut,
    Paging,
    RejectIn,
    UploadOut,
)

router = Router(tags=["公文"])

def _detail_queryset(person):
    return (visible_documents(person)
            .select_related("agency", "sender", "sender_person", "addressed_to", "lead_unit", "registered_by")
            .prefetch_related("assist_units"))


def _detail(person, pk: int):
    document = _detail_queryset(person).filter(pk=pk).first()
    if document is None:
        raise NotFound()
    return document


# Operation names of flow.selectors.available → (endpoint, label). "countersign" on a
# main task asks other units (征求会签); on a countersigning task it is the answer (会签).
TASK_ACTIONS = {
    "send_on": ("send_on", "送下一步"), "feedback": ("send_on", "反馈意见"), "return": ("return", "退回"),
    "add_signer": ("add_signer", "加签"), "transfer": ("transfer", "转办"), "assign": ("assign", "指定承办人"),
    "complete": ("complete", "办结"), "resolve": ("resolve", "处理会签分歧"), "read_back": ("read_back", "阅毕退回"),
    "countersign": ("countersign_request", "征求会签"),
}


def actions(document, available) -> list[dict]:
    prefix = "/api/v1"
    result = []
    task = available.task
    if task is not None:
        for operation in available.operations:
            if operation == "countersign" and task.role == "countersign":
                endpoint, label = "countersign", "会签"
            elif operation in TASK_ACTIONS:
                endpoint, label = TASK_ACTIONS[operation]
            else:
                continue
            result.append({"operation": operation, "label": label, "method": "POST",
                           "path": f"{prefix}/tasks/{task.pk}/{endpoint}"})
        if available.can_register:
            result.append({"operation": "register", "label": "登记", "method": "POST",
                           "path": f"{prefix}/tasks/{task.pk}/register"})
    for t in available.recallable:
        result.append({"operation": "recall", "label": f"撤回（{t.node_name}）", "method": "POST",
                       "path": f"{prefix}/tasks/{t.pk}/recall"})
    if available.can_circulate:
        result.append({"operation": "circulate", "label": "传阅", "method": "POST",
                       "path": f"{prefix}/documents/{document.pk}/circulate"})
    if available.can_reject:
        result.append({"operation": "reject", "label": "退文", "method": "POST",
                       "path": f"{prefix}/documents/{document.pk}/reject"})
    return result


# --- read -------------------------------------------------------------------------------------


@router.get("", response={200: DocumentPage, **error_responses(401, 422)}, summary="我可见的公文")
def list_documents(request, filters: Query[DocumentFilterIn], paging: Query[Paging]):
    f = document_selectors.DocumentFilter(**filters.dict())
    qs = document_selectors.apply_filter(
        visible_documents(caller(request)).select_related("agency", "sender"), f)
    return page(qs, paging)


@router.get("/{document_id}", response={200: DocumentPageOut, **error_responses(*ERRORS_READ)},
            summary="公文详情：要素、处理笺、持有人、可执行的操作",
            description="与公文页面相同：打开即视为已查看本人在该件上的待办（此后送件人不能再撤回）。")
def get_document(request, document_id: PathId):
    me = caller(request)
    document = _detail(me, document_id)
    available = flow_selectors.available(me, document)
    if available.task is not None:
        flow.touch(available.task, actor=me)
    return {
        "document": document,
        "slip": flow_selectors.processing_slip(document),
        "holders": list(flow_selectors.holders(document).select_related("acted_by", "sent_by")),
        "circulation": list(flow_selectors.circulation(document).select_related("assignee_unit", "acted_by")),
        "available": {
            "task_id": available.task.pk if available.task else None,
            "node": available.node,
            "operations": available.operations,
            "can_circulate": available.can_circulate,
            "can_reject": available.can_reject,
            "can_register": available.can_register,
            "recallable_task_ids": [t.pk for t in available.recallable],
            "return_targets": [{"activation_id": a.pk, "node_key": a.node_key, "node_name": a.node_name}
                               for a in available.return_targets],
            "actions": actions(document, available),
        },
    }


@router.get("/{document_id}/history", response={200: list[HistoryOut], **error_responses(*ERRORS_READ)},
            summary="流转记录")
def history(request, document_id: PathId):
    return list(flow_selectors.timeline(visible_document(caller(request), document_id)))


# --- files ------------------------------------------------------------------------------------


def _files(document):
    return (DocumentFile.objects.filter(document=document)
            .prefetch_related("versions__uploaded_by").order_by("id"))


@router.get("/{document_id}/files", response={200: list[FileOut], **error_responses(*ERRORS_READ)},
            summary="文件及其各版本")
def list_files(request, document_id: PathId):
    return list(_files(visible_document(caller(request), document_id)))


@router.post("/{document_id}/files", response={201: UploadOut, **error_responses(*ERRORS_WRITE, 413)},
             summary="上传文件或新版本",
             description="multipart/form-data：file（PDF、DOCX、OFD、PNG、JPEG、TIFF，按内容判断类型），"
                         "role（body 正文 / attachment 附件 / scan 扫描件 / other），"
                         "replaces（上传为该文件的新版本，旧版本保留）。")
def upload_file(request, document_id: PathId, file: File[UploadedFile], role: Form[str] = "body",
                replaces: Form[Id | None] = None):
    me = caller(request)
    document = visible_document(me, document_id)
    replaced = None
    if replaces is not None:
        replaced = DocumentFile.objects.filter(pk=replaces, document=document).first()
        if replaced is None:
            raise NotFound("未找到要替换的文件。")
    name = CONTROL_CHARACTERS.sub("", file.name or "")
    version = document_services.upload_file(actor=me, document=document, name=name, data=file.read(),
                                            role=role, replaces=replaced)
    return Status(201, {"file": _files(document).get(pk=version.file_id), "version": version})


@router.get("/{document_id}/files/{version_id}", response=error_responses(*ERRORS_READ, 400),
            summary="下载某一版本（读取时校验 SHA-256）", openapi_extra={
                "responses": {200: {"description": "文件内容（类型为上传时按内容判定的类型）", "content": {
                    media_type: {"schema": {"type": "string", "format": "binary"}}
                    for media_type in storage.ALLOWED}}}})
def download_version(request, document_id: PathId, version_id: PathId):
    me = caller(request)
    document = visible_document(me, document_id)
    version = (FileVersion.objects.select_related("file__document")
               .filter(pk=version_id, file__document=document).first())
    if version is None:
        raise NotFound("未找到该文件版本。")
    data = document_services.read_version(actor=me, version=version)
    response = HttpResponse(data, content_type=version.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(version.original_name)}"
    response["X-Content-SHA256"] = version.sha256
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- document-level operations ----------------------------------------------------------------


@router.post("/{document_id}/circulate", response={200: OperationOut, **error_responses(*ERRORS_WRITE)},
             summary="传阅（办公室）", description="每位传阅人各得一份，阅毕退回办公室（一对一送阅反馈）。")
def circulate(request, document_id: PathId, payload: CirculateIn):
    me = caller(request)
    visible_document(me, document_id)
    tasks = flow.circulate(document_id, actor=me, readers=persons_ref(payload.reader_ids, "传阅人"),
                           note=payload.note)
    return operation_out(document_id, tasks=tasks)


@router.post("/{document_id}/reject", response={200: OperationOut, **error_responses(*ERRORS_WRITE)},
             summary="退文（办公室）", description="退回来文单位并写明理由、选择差错类别（记入错题本）；本件终止，按来文单位计数。")
def reject(request, document_id: PathId, payload: RejectIn):
    me = caller(request)
    visible_document(me, document_id)
    record = flow.reject(document_id, actor=me, reason=payload.reason, kind=payload.kind,
                         error_category=check_category(payload.error_category))
    return operation_out(document_id, return_record=record)

