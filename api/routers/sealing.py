"""Seals (印章) and sealing (用印): the seal registry, the seal ledger (用印登记簿) with the
page's filters, 用印 at the 用印 node (the C01 rule: a document lacking any review, sign-off,
number or recheck is refused with everything missing named, before any other question), and
the verification of a sealed PDF against the ledger (SM3 digest, SM2 signature)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile

from documents.access import can_view
from flow.models import NodeKind, Task, TaskRole, TaskStatus
from gongwen.errors import DomainError, NotFound
from sealing import access, selectors
from sealing import services as sealing

from ..common import ERRORS_WRITE, TASK_NOT_FOUND, PathId, caller, operation_out, page
from ..errors import error_responses
from ..schemas import Id, InSchema, OperationOut, Page, Paging, Ref, ref

router = Router(tags=["用印"])


# --- schemas -----------------------------------------------------------------------------------


class SealOut(Schema):
    id: int
    agency: Ref
    name: str
    keeper: Ref
    is_active: bool
    public_key: str = Field(description="SM2 公钥（04‖x‖y，130 位十六进制），用于验证电子签名")
    created_at: datetime

    @staticmethod
    def resolve_agency(obj):
        return ref(obj.agency)

    @staticmethod
    def resolve_keeper(obj):
        return ref(obj.keeper)


class SealUseOut(Schema):
    id: int
    seal: Ref
    document_id: int
    doc_number: str = Field(description="发文字号")
    title: str
    signers: str = Field(description="签发人")
    signoff_ids: list[int] = Field(description="所依据的签发记录")
    copies: int = Field(description="份数")
    used_by: Ref = Field(description="用印人")
    used_at: datetime
    final_version_id: int | None = Field(description="加盖电子印章的成品 PDF（文件版本）")
    sm3: str = Field(description="已用印成品的 SM3 摘要")
    signature: str = Field(description="SM2 签名（r‖s），签名对象为 SM3 摘要的 32 字节")
    note: str

    @staticmethod
    def resolve_seal(obj):
        return ref(obj.seal)

    @staticmethod
    def resolve_used_by(obj):
        return ref(obj.used_by)


class SealUsePage(Page):
    items: list[SealUseOut]


class SealLedgerFilterIn(InSchema):
    seal_id: Id | None = Field(None, description="印章")
    year: int | None = Field(None, ge=1949, le=9999, description="用印年度")


class SealIn(InSchema):
    seal_id: Id = Field(description="印章（须为本机关在用、由本人保管的印章）")
    copies: int | None = Field(None, ge=1, le=10000, description="份数，缺省为发文稿纸的份数")
    note: str = Field("", max_length=300)


class SealedOut(OperationOut):
    seal_use: SealUseOut


class SealVerifyOut(Schema):
    intact: bool = Field(description="文件与用印时的成品一致且电子签名有效")
    found: bool = Field(description="找到了对应的用印记录")
    sm3: str = Field(description="上传文件的 SM3 摘要")
    expected_sm3: str | None = Field(description="用印记录中的 SM3 摘要")
    signature_valid: bool
    message: str
    seal_use_id: int | None
    doc_number: str | None
    seal: str | None
    used_at: datetime | None


# --- endpoints ---------------------------------------------------------------------------------


@router.get("/seals", response={200: list[SealOut], **error_responses(401, 422)}, summary="印章",
            description="安全保密管理员看到全部印章；印章管理员和办公室人员看到本机关的印章；其他人为空。")
def seals(request):
    return list(selectors.registry(caller(request)))


@router.get("/seal-uses", response={200: SealUsePage, **error_responses(401, 403, 422)}, summary="用印登记簿",
            description="本机关的用印记录（按用印时间先后），可按印章、年度筛选；印章管理员和办公室人员可查。")
def seal_uses(request, filters: Query[SealLedgerFilterIn], paging: Query[Paging]):
    me = caller(request)
    access.require_read_ledger(me)
    f = selectors.LedgerFilter(seal_id=filters.seal_id, year=filters.year)
    return page(selectors.ledger(me, f), paging)


@router.post("/tasks/{task_id}/seal", response={200: SealedOut, **error_responses(*ERRORS_WRITE)}, summary="用印",
             description="用印环节：印章保管人本人选择本机关在用的印章，在成品 PDF 的成文日期处加盖电子印章，"
                         "以 SM2 对其 SM3 摘要签名，登记用印，送分发。尚缺审核、签发（含主要领导、联合发文机关负责人）、"
                         "编号或签发后复核的，一律拒绝并列明所缺各项。")
def seal(request, task_id: PathId, payload: SealIn):
    me = caller(request)
    task = Task.objects.select_related("document").filter(pk=task_id).first()
    # The task's document must be visible, or the caller keeps a seal of its agency (the
    # keeper shown what a draft lacks before it reached him).
    if task is None or not (can_view(me, task.document) or access.is_keeper_of_agency(me, task.document.agency_id)):
        raise NotFound(TASK_NOT_FOUND)
    mine = Task.objects.filter(document_id=task.document_id, status=TaskStatus.OPEN, role=TaskRole.MAIN,
                               node_kind=NodeKind.SEAL, assignee=me).values_list("pk", flat=True).first()
    use = sealing.seal_document(task_id, actor=me, seal_id=payload.seal_id, copies=payload.copies,
                                note=payload.note)
    tasks = [Task.objects.get(pk=mine), *Task.objects.filter(
        document_id=use.document_id, status=TaskStatus.OPEN, node_kind=NodeKind.DISPATCH).order_by("id")]
    return {**operation_out(use.document_id, tasks=tasks), "seal_use": use}


@router.post("/seals/verify", response={200: SealVerifyOut, **error_responses(400, 401, 403, 404, 413, 422)},
             summary="验证电子印章",
             description="multipart/form-data：file（已用印的成品 PDF），seal_use_id（可选，与该用印记录比对；"
                         "不填则按文件的 SM3 摘要查找用印记录）。任何登录用户都可验证。")
def verify(request, file: File[UploadedFile], seal_use_id: Form[Id | None] = None):
    me = caller(request)
    if file.size > settings.MAX_UPLOAD_BYTES:
        raise DomainError(f"文件过大：上限为 {settings.MAX_UPLOAD_BYTES // (1024 * 1024)} MB。")
    data = file.read()
    if seal_use_id is not None:
        use = selectors.visible_uses(me).filter(pk=seal_use_id).first()
        if use is None:
            raise NotFound("未找到该用印记录或您无权查看。")
        result = sealing.verify(use, data)
    else:
        result = sealing.find_and_verify(data)
    use = result.pop("seal_use")
    return {**result, "seal_use_id": use.pk if use else None, "doc_number": use.doc_number if use else None,
            "seal": use.seal.name if use else None, "used_at": use.used_at if use else None}
