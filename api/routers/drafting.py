"""Drafting and issuing (发文办理): the drafting form (发文稿纸), the body (written in the
page or uploaded as DOCX) with its versions and their differences, the checker's findings
and the reviewers' decisions to keep one, sign-off (签发) and the co-issuing agencies'
sign-offs, and 发文字号 (编号, the ledger, voiding).

Every endpoint calls one service of ``drafting`` (or reads); the rules and the Chinese
refusals are theirs. A draft the caller may not see is 404, as if it did not exist.
"""

from datetime import date, datetime

from ninja import File, Query, Router, Schema, Status, UploadedFile
from pydantic import Field

from documents.access import visible_by_pk
from documents.models import Document, DocumentFile, FileVersion, NumberSeries
from drafting import compose, diff
from drafting import services as drafting
from drafting.gates import current_body
from drafting.models import CheckOverride, SignOff
from drafting.selectors import NumberFilters, issued_numbers
from flow.models import Task
from gongwen.errors import NotFound

from ..common import ERRORS_READ, ERRORS_WRITE, PathId, caller, operation_out, persons_ref, visible_task_id
from ..errors import error_responses
from ..schemas import CONTROL_CHARACTERS, Id, InSchema, OperationOut, Page, Paging, Ref, VersionOut, ref

router = Router(tags=["发文办理"])

DRAFT_NOT_FOUND = "未找到该发文稿或您无权查看。"


# --- schemas ---------------------------------------------------------------------------------


class DraftIn(InSchema):
    """The drafting form (发文稿纸)."""

    doc_type: str = Field(description="文种：决定、通知、请示、报告、函、纪要等")
    title: str = Field(description="标题")
    main_to: list[int | str] = Field([], description="主送机关：机关编号，或系统外机关的名称")
    copy_to: list[int | str] = Field([], description="抄送机关：机关编号或名称")
    writing_direction: str = Field("", description="行文方向：up 上行文 / parallel 平行文 / down 下行文（空则按文种）")
    layout: str = Field("file", description="版式：file 文件格式 / letter 信函格式 / order 命令格式 / minutes 纪要格式")
    secrecy: str = Field("", description="密级：秘密、机密、绝密（非涉密不填）")
    secrecy_term: str = Field("", description="保密期限，如 5年")
    urgency: str = Field("", description="紧急程度：特急、加急（不填为普通）")
    publicity: str = Field("", description="公开属性：主动公开、依申请公开、不予公开")
    publicity_reason: str = Field("", description="不予公开的理由")
    copies: int = Field(1, ge=1, le=10000, description="份数")
    attachments_note: str = Field("", description="附件说明，每行一项")
    remarks: str = Field("", description="备注")
    is_policy: bool = Field(False, description="政策性文件（六次校核）")
    is_important: bool = Field(False, description="重要文件（须主要领导签发）")
    is_proxy_draft: bool = Field(False, description="代拟稿")
    proxy_for: str = Field("", description="代拟机关（以其名义发文）")
    joint_agency_ids: list[Id] = Field([], description="联合发文机关（同级机关）")
    number_series_id: Id | None = Field(None, description="拟用发文代字（编号时可改）")

    def data(self) -> drafting.DraftData:
        return drafting.DraftData(**self.dict())


class RecipientOut(Schema):
    kind: str = Field(description="main 主送 / copy 抄送")
    agency_id: int | None
    name: str


class SeriesOut(Schema):
    id: int
    code: str = Field(description="发文机关代字")
    name: str
    is_active: bool
    agency_id: int


class SignOffOut(Schema):
    id: int
    kind: str = Field(description="internal 本机关签发 / joint 联合发文机关签发")
    agency: Ref
    signer_name: str
    signer_title: str
    is_principal: bool = Field(description="机关主要负责人")
    opinion: str
    signed_on: date
    signed_at: datetime
    body_version_id: int | None = Field(description="所签正文版本")
    valid: bool = Field(description="对当前正文有效（签发后正文改动则失效）")


class DraftOut(Schema):
    id: int
    title: str
    doc_type: str
    slip_kind: str = Field(description="policy 政策性（六次校核）/ routine 一般")
    writing_direction: str
    layout: str
    secrecy: str
    secrecy_term: str
    urgency: str
    publicity: str
    publicity_reason: str
    copies: int
    attachments_note: str
    remarks: str
    is_policy: bool
    is_important: bool
    is_proxy_draft: bool
    proxy_for: str
    is_joint: bool
    is_upward: bool
    needs_principal_signoff: bool = Field(description="须主要负责人签发（上行文、重要文件、联合行文）")
    recipients: list[RecipientOut]
    joint_agencies: list[Ref]
    body_mode: str = Field(description="structured 在线编写 / docx 上传")
    body_blocks: list[dict] = Field(description="在线编写的正文：[{level: 0–4, text}]")
    body_version_id: int | None = Field(description="当前正文版本")
    number_series: SeriesOut | None
    doc_number: str = Field(description="发文字号（编号后）")
    signer: str = Field(description="签发人（签发后）")
    issued_on: date | None = Field(description="成文日期（签发后）")
    signoffs: list[SignOffOut]
    stage: str
    status: str
    lead_unit: Ref | None
    drafted_by: Ref | None
    agency: Ref


class DraftFindingOut(Schema):
    rule: str
    place: str
    severity: str = Field(description="must 必须修改 / advise 建议修改")
    severity_label: str
    message: str
    fix: str
    excerpt: str
    kept: bool = Field(description="审核人已确认不改（对当前正文）")
    kept_reason: str


class KeepIn(InSchema):
    rule: str = Field(max_length=40)
    place: str = Field("", max_length=60)
    reason: str = Field(description="不修改的理由")


class KeptOut(Schema):
    id: int
    rule: str
    place: str
    message: str
    reason: str
    body_version_id: int | None
    by: Ref
    at: datetime

    @staticmethod
    def resolve_by(obj):
        return ref(obj.by)


class BlockIn(InSchema):
    level: int = Field(0, ge=0, le=4, description="0 正文，1–4 一至四级标题")
    text: str


class BodyIn(InSchema):
    blocks: list[BlockIn] = Field(description="正文段落，按顺序")


class DiffOut(Schema):
    a: int
    b: int
    changed: bool
    ops: list[dict] = Field(description="equal / insert / delete / change，按行；change 含逐字 segments")
    html: str = Field(description="差异的 HTML（文字均已转义）")


class SignOffIn(InSchema):
    opinion: str = Field(description="签发意见，如“同意印发。”")
    next_assignee_ids: list[Id] | None = Field(None, description="下一环节办理人（可选）")


class SignOffResultOut(OperationOut):
    signoff: SignOffOut


class JointSignOffIn(InSchema):
    agency_id: Id = Field(description="联合发文机关")
    signer_name: str = Field(description="签发人姓名")
    signed_on: date = Field(description="签发日期")
    opinion: str = ""
    signer_title: str = ""


class NumberIn(InSchema):
    series_id: Id | None = Field(None, description="发文代字（不填则用稿纸上选定的）")


class IssuedNumberOut(Schema):
    id: int
    number: str = Field(description="发文字号")
    series: SeriesOut
    year: int
    seq: int
    document_id: int
    title: str
    allocated_by: Ref
    allocated_at: datetime
    is_void: bool
    voided_at: datetime | None
    voided_by: Ref | None
    void_reason: str

    @staticmethod
    def resolve_title(obj):
        return obj.document.title

    @staticmethod
    def resolve_allocated_by(obj):
        return ref(obj.allocated_by)

    @staticmethod
    def resolve_voided_by(obj):
        return ref(obj.voided_by)


class NumberPage(Page):
    items: list[IssuedNumberOut]


class NumberFilterIn(InSchema):
    series_id: Id | None = Field(None, description="发文代字")
    year: int | None = Field(None, ge=1900, le=9999, description="年度")
    voided: bool | None = Field(None, description="只看作废的（true）或有效的（false）")


class VoidIn(InSchema):
    reason: str = Field(description="作废理由")


# --- helpers ---------------------------------------------------------------------------------


def _draft(person, pk: int) -> Document:
    document = visible_by_pk(person).filter(pk=pk, direction="outgoing").select_related(
        "agency", "lead_unit", "drafted_by", "number_series").first()
    if document is None:
        raise NotFound(DRAFT_NOT_FOUND)
    return document


def _signoff_out(signoff: SignOff, body_id: int | None) -> dict:
    return {"id": signoff.pk, "kind": signoff.kind, "agency": ref(signoff.agency), "signer_name": signoff.signer_name,
            "signer_title": signoff.signer_title, "is_principal": signoff.is_principal, "opinion": signoff.opinion,
            "signed_on": signoff.signed_on, "signed_at": signoff.signed_at,
            "body_version_id": signoff.body_version_id,
            "valid": body_id is not None and signoff.body_version_id == body_id}


def _draft_out(document: Document) -> dict:
    document.refresh_from_db()
    body = current_body(document)
    body_id = body.pk if body else None
    series = document.number_series
    return {
        **{name: getattr(document, name) for name in (
            "id", "title", "doc_type", "slip_kind", "writing_direction", "layout", "secrecy", "secrecy_term",
            "urgency", "publicity", "publicity_reason", "copies", "attachments_note", "remarks", "is_policy",
            "is_important", "is_proxy_draft", "proxy_for", "is_joint", "is_upward", "needs_principal_signoff",
            "doc_number", "signer", "issued_on", "stage", "status")},
        "body_mode": document.body_mode or "",
        "body_blocks": document.body_blocks or [],
        "body_version_id": body_id,
        "recipients": [{"kind": r.kind, "agency_id": r.agency_id, "name": r.name}
                       for r in document.recipients.order_by("kind", "position", "id")],
        "joint_agencies": [ref(j.agency) for j in document.joint_issuers.select_related("agency")],
        "number_series": series,
        "signoffs": [_signoff_out(s, body_id) for s in document.signoffs.select_related("agency")],
        "lead_unit": ref(document.lead_unit),
        "drafted_by": ref(document.drafted_by),
        "agency": ref(document.agency),
    }


def _body_version(document: Document, pk: int) -> FileVersion:
    version = FileVersion.objects.select_related("uploaded_by").filter(
        pk=pk, file__document=document, file__role=DocumentFile.Role.BODY).first()
    if version is None:
        raise NotFound(f"未找到本件正文的版本（编号 {pk}）。")
    return version


def _issued_queryset(person, filters: NumberFilters | None = None):
    """The 发文登记簿 as the page reads it (drafting.selectors.issued_numbers)."""
    return issued_numbers(person, filters)


# --- the drafting form -----------------------------------------------------------------------


@router.post("/drafts", response={201: DraftOut, **error_responses(*ERRORS_WRITE)}, summary="拟稿（填写发文稿纸）",
             description="本机关处室工作人员填写发文稿纸，文稿进入本人的“拟稿”环节；正文随后在线编写或上传。"
                         "文号在“编号”环节才取得。")
def create_draft(request, payload: DraftIn):
    document = drafting.create_draft(actor=caller(request), data=payload.data())
    return Status(201, _draft_out(document))


@router.get("/drafts/{document_id}", response={200: DraftOut, **error_responses(*ERRORS_READ)},
            summary="发文稿纸：要素、主送抄送、联合发文机关、签发人、成文日期、文号、环节")
def get_draft(request, document_id: PathId):
    return _draft_out(_draft(caller(request), document_id))


@router.put("/drafts/{document_id}", response={200: DraftOut, **error_responses(*ERRORS_WRITE)},
            summary="修改发文稿纸", description="拟稿、审核环节的办理人在送签发之前可以修改；签发后须退回。")
def update_draft(request, document_id: PathId, payload: DraftIn):
    me = caller(request)
    _draft(me, document_id)
    return _draft_out(drafting.update_draft(actor=me, document_id=document_id, data=payload.data()))


# --- findings --------------------------------------------------------------------------------


@router.get("/drafts/{document_id}/findings", response={200: list[DraftFindingOut], **error_responses(*ERRORS_READ)},
            summary="检查意见（格式关、文字关）",
            description="按当前稿纸和正文检查；必须修改的问题未改且未经审核人确认不改的，不能签发。")
def findings(request, document_id: PathId):
    document = _draft(caller(request), document_id)
    kept = {(o.rule, o.place): o.reason for o in CheckOverride.objects.filter(
        document=document, body_version=current_body(document))}
    return [{**f.as_dict(), "kept": (f.rule, f.place) in kept, "kept_reason": kept.get((f.rule, f.place), "")}
            for f in compose.findings(document)]


@router.post("/drafts/{document_id}/findings/keep", response={201: KeptOut, **error_responses(*ERRORS_WRITE)},
             summary="确认检查意见不改（写明理由）",
             description="审核、签发或复核环节的办理人确认某处不修改并写明理由；只对当前正文版本有效。")
def keep_finding(request, document_id: PathId, payload: KeepIn):
    me = caller(request)
    _draft(me, document_id)
    return Status(201, drafting.keep_finding(document_id, actor=me, rule=payload.rule, place=payload.place,
                                             reason=payload.reason))


# --- the body --------------------------------------------------------------------------------


@router.post("/drafts/{document_id}/body", response={201: VersionOut, **error_responses(*ERRORS_WRITE)},
             summary="在线编写正文（保存为新版本）",
             description="按段落保存正文（level 0 正文，1–4 一至四级标题），生成符合 GB/T 9704 的 DOCX，作为正文的新版本。")
def save_body(request, document_id: PathId, payload: BodyIn):
    from drafting import body

    me = caller(request)
    document = _draft(me, document_id)
    blocks = [{"level": b.level, "text": b.text} for b in payload.blocks]
    return Status(201, body.save_structured(actor=me, document=document, blocks=blocks))


@router.post("/drafts/{document_id}/body/docx", response={201: VersionOut, **error_responses(*ERRORS_WRITE, 413)},
             summary="上传 DOCX 正文（新版本）", description="multipart/form-data：file（.docx）。旧版本保留。")
def upload_body(request, document_id: PathId, file: File[UploadedFile]):
    from drafting import body

    me = caller(request)
    document = _draft(me, document_id)
    name = CONTROL_CHARACTERS.sub("", file.name or "")
    return Status(201, body.upload_docx(actor=me, document=document, name=name, data=file.read()))


@router.get("/drafts/{document_id}/versions", response={200: list[VersionOut], **error_responses(*ERRORS_READ)},
            summary="正文各版本")
def versions(request, document_id: PathId):
    document = _draft(caller(request), document_id)
    return list(FileVersion.objects.filter(file__document=document, file__role=DocumentFile.Role.BODY)
                .select_related("uploaded_by").order_by("uploaded_at", "id"))


@router.get("/drafts/{document_id}/diff", response={200: DiffOut, **error_responses(*ERRORS_READ)},
            summary="比较两个正文版本（逐行、逐字）")
def compare(request, document_id: PathId, a: Query[Id], b: Query[Id]):
    document = _draft(caller(request), document_id)
    ops = diff.diff_versions(_body_version(document, a), _body_version(document, b))
    return {"a": a, "b": b, "changed": diff.has_changes(ops), "ops": ops, "html": diff.diff_html(ops)}


# --- sign-off --------------------------------------------------------------------------------


@router.post("/tasks/{task_id}/sign-off", response={200: SignOffResultOut, **error_responses(*ERRORS_WRITE)},
             summary="签发", description="签发环节的领导本人填写签发意见签发当前正文（不能代签），文稿随即送下一步。"
                                        "上行文、重要文件、联合行文须由主要负责人签发；会签分歧未处理或必须修改的问题未处理时不能签发。")
def sign_off(request, task_id: PathId, payload: SignOffIn):
    me = caller(request)
    visible_task_id(me, task_id)
    nxt = persons_ref(payload.next_assignee_ids, "下一环节办理人") if payload.next_assignee_ids else None
    signoff = drafting.sign_off(task_id, actor=me, opinion=payload.opinion, next_assignees=nxt)
    task = Task.objects.get(pk=task_id)
    body = current_body(signoff.document)
    return {**operation_out(task.document_id, tasks=[task]),
            "signoff": _signoff_out(signoff, body.pk if body else None)}


@router.post("/drafts/{document_id}/joint-signoffs", response={201: SignOffOut, **error_responses(*ERRORS_WRITE)},
             summary="记录联合发文机关的签发（办公室）",
             description="联合行文时，办公室按会签页记录联合发文机关负责人的签发：签发人、日期、意见。")
def joint_signoff(request, document_id: PathId, payload: JointSignOffIn):
    me = caller(request)
    _draft(me, document_id)
    signoff = drafting.record_joint_signoff(document_id, actor=me, agency_id=payload.agency_id,
                                            signer_name=payload.signer_name, signed_on=payload.signed_on,
                                            opinion=payload.opinion, signer_title=payload.signer_title)
    return Status(201, _signoff_out(signoff, signoff.body_version_id))


# --- numbers ---------------------------------------------------------------------------------


@router.post("/tasks/{task_id}/number", response={200: IssuedNumberOut, **error_responses(*ERRORS_WRITE)},
             summary="编号（取发文字号）",
             description="“编号”环节的办理人按发文代字取下一个发文字号（同一代字、年度连续不重号）；随后送下一步。")
def number(request, task_id: PathId, payload: NumberIn):
    me = caller(request)
    visible_task_id(me, task_id)
    issued = drafting.number(task_id, actor=me, series_id=payload.series_id)
    return _issued_queryset(me).get(pk=issued.pk)


@router.get("/numbers", response={200: NumberPage, **error_responses(401, 422)}, summary="发文字号登记簿",
            description="已取得的发文字号（含作废的及其理由），按代字、年度筛选。")
def numbers(request, filters: Query[NumberFilterIn], paging: Query[Paging]):
    qs = _issued_queryset(caller(request), NumberFilters(series_id=filters.series_id, year=filters.year,
                                                         voided=filters.voided))
    qs = qs.order_by("series__sort_order", "series_id", "-year", "-seq")
    return {"total": qs.count(), "limit": paging.limit, "offset": paging.offset,
            "items": list(qs[paging.offset:paging.offset + paging.limit])}


@router.post("/numbers/{issued_id}/void", response={200: IssuedNumberOut, **error_responses(*ERRORS_WRITE)},
             summary="作废文号（写明理由）", description="作废的文号留在登记簿中并写明理由，不再使用；已用印的文号不能作废。")
def void_number(request, issued_id: PathId, payload: VoidIn):
    me = caller(request)
    if not _issued_queryset(me).filter(pk=issued_id).exists():
        raise NotFound("未找到该文号。")
    drafting.void_number(issued_id, actor=me, reason=payload.reason)
    return _issued_queryset(me).get(pk=issued_id)


@router.get("/number-series", response={200: list[SeriesOut], **error_responses(401, 422)},
            summary="本机关的发文代字")
def number_series(request):
    me = caller(request)
    return list(NumberSeries.objects.filter(agency_id=me.agency_id).order_by("sort_order", "id"))
