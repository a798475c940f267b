"""Classified documents on paper (密件, C07): registration by metadata and copy numbers,
the copies and their ledger, sign-for, passing on, return (清退), destruction (销毁) with
approval and the overdue returns. A classified document outside the caller's reading
scope is 404 everywhere, exactly as if it did not exist."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Query, Router, Schema

from documents.access import can_view, get_visible
from gongwen.errors import NotFound
from secrecy import access, selectors
from secrecy import services as secrecy
from secrecy.models import ClassifiedCopy, CopyEvent, Destruction

from ..common import ERRORS_READ, ERRORS_WRITE, PathId, caller, page, person_ref
from ..errors import error_responses
from ..schemas import Id, InSchema, Page, Paging, Ref, ref

router = Router(tags=["密件"])

COPY_NOT_FOUND = "未找到该份密件或您无权查看。"


# --- schemas -----------------------------------------------------------------------------------


class ClassifiedOut(Schema):
    id: int = Field(description="公文 id")
    registration: str = Field(description="密件登记号")
    title: str
    secrecy: str = Field(description="密级")
    secrecy_term: str = Field(description="保密期限")
    doc_number: str = Field(description="文号")
    sender_name: str = Field(description="来文机关")
    copies: int = Field(description="份数")
    custodian: Ref | None = Field(description="保管人（绝密件必有）")
    registered_by: Ref
    registered_at: datetime
    due_back_on: date = Field(description="清退期限（次年6月30日）")


def _classified(reg) -> dict:
    d = reg.document
    return {"id": d.pk, "registration": reg.number, "title": d.title, "secrecy": d.secrecy,
            "secrecy_term": d.secrecy_term, "doc_number": d.doc_number, "sender_name": d.sender_name,
            "copies": d.copies, "custodian": ref(reg.custodian), "registered_by": ref(reg.registered_by),
            "registered_at": reg.registered_at, "due_back_on": reg.due_back_on}


class ClassifiedPage(Page):
    items: list[ClassifiedOut]


class ClassifiedFilterIn(InSchema):
    year: int | None = Field(None, ge=1949, le=9999, description="登记年度")


class ScopePostIn(InSchema):
    post_kind: str = Field(description="岗位（PostKind 值，如 division_head）")
    unit_id: Id | None = Field(None, description="只限该处室的此岗位")


class ClassifiedIn(InSchema):
    title: str = Field(max_length=300)
    doc_type: str = Field(description="文种")
    sender_id: Id | None = None
    sender_name: str = Field("", max_length=100)
    doc_number: str = Field("", max_length=60)
    secrecy: str = Field(description="密级：秘密、机密或绝密")
    secrecy_term: str = Field("", max_length=10)
    urgency: str = Field("", max_length=4)
    issued_on: date | None = None
    remarks: str = Field("", max_length=500)
    copy_numbers: list[str] = Field(description="份号（六位数字）", max_length=1000)
    holders: dict[str, Id] = Field(default_factory=dict, description="份号 → 持有人 id（须在知悉范围内）")
    scope_people: list[Id] = Field(default_factory=list, description="知悉范围：人员")
    scope_posts: list[ScopePostIn] = Field(default_factory=list, description="知悉范围：岗位")
    custodian_id: Id | None = Field(None, description="保管人（绝密件必填）")
    note: str = Field("", max_length=300)


class CopyEventOut(Schema):
    id: int
    kind: str
    kind_display: str
    actor: Ref
    from_person: Ref | None
    to_person: Ref | None
    at: datetime
    note: str

    @staticmethod
    def resolve_kind_display(obj):
        return obj.get_kind_display()

    @staticmethod
    def resolve_actor(obj):
        return ref(obj.actor)

    @staticmethod
    def resolve_from_person(obj):
        return ref(obj.from_person)

    @staticmethod
    def resolve_to_person(obj):
        return ref(obj.to_person)


class ClassifiedCopyOut(Schema):
    id: int
    document_id: int
    number: str = Field(description="份号")
    holder: Ref | None = Field(description="持有人；空为机要室保管")
    signed_at: datetime | None = Field(description="持有人签收时间；空为待签收")
    status: str = Field(description="in_use 在用 / returned 已清退 / destroyed 已销毁")
    is_copied: bool = Field(description="复制件")
    events: list[CopyEventOut] = Field(description="流转记录")

    @staticmethod
    def resolve_holder(obj):
        return ref(obj.holder)

    @staticmethod
    def resolve_events(obj):
        return list(CopyEvent.objects.filter(copy=obj).select_related("actor", "from_person", "to_person"))


class CopyPersonIn(InSchema):
    person_id: Id
    note: str = Field("", max_length=300)


class CopyNoteIn(InSchema):
    note: str = Field("", max_length=300)


class ReturnRequestIn(InSchema):
    year: int = Field(ge=1949, le=9999, description="清退年度")
    note: str = Field("", max_length=300)


class ReturnBatchOut(Schema):
    id: int
    year: int
    due_on: date
    copies: int

    @staticmethod
    def resolve_copies(obj):
        return obj.copies.count()


class OverdueCopyOut(Schema):
    id: int
    document_id: int
    label: str = Field(description="标题（无权知悉的只显示密件登记号）")
    number: str
    holder: Ref | None
    due_back_on: date


class DestructionIn(InSchema):
    copy_ids: list[Id] = Field(description="已清退的份（ClassifiedCopy id）", min_length=1, max_length=1000)
    reason: str = Field(max_length=300)


class DestructionApproveIn(InSchema):
    approve: bool = True
    opinion: str = Field("", max_length=300)


class DestructionExecuteIn(InSchema):
    method: str = Field(max_length=100, description="销毁方式")
    place: str = Field(max_length=100, description="销毁地点")
    witness: str = Field(max_length=60, description="监销人")


class DestructionCopyOut(Schema):
    id: int
    number: str
    label: str = Field(description="标题（无权知悉的只显示密件登记号）")


class DestructionOut(Schema):
    id: int
    status: str
    reason: str
    requested_by: Ref
    requested_at: datetime
    approved_by: Ref | None
    approved_at: datetime | None
    approval_opinion: str
    executed_by: Ref | None
    executed_at: datetime | None
    method: str
    place: str
    witness: str
    copies: list[DestructionCopyOut]


def _destruction(me, d: Destruction) -> dict:
    return {**{f: getattr(d, f) for f in ("id", "status", "reason", "requested_at", "approved_at", "approval_opinion",
                                          "executed_at", "method", "place", "witness")},
            "requested_by": ref(d.requested_by), "approved_by": ref(d.approved_by), "executed_by": ref(d.executed_by),
            "copies": [{"id": c.pk, "number": c.number, "label": selectors.label(me, c.document)}
                       for c in d.copies.select_related("document", "document__classified")]}


def _copy(me, copy_id: int) -> ClassifiedCopy:
    copy = ClassifiedCopy.objects.filter(pk=copy_id).select_related("document", "holder").first()
    if copy is None or not can_view(me, copy.document):
        raise NotFound(COPY_NOT_FOUND)
    return copy


# --- endpoints ---------------------------------------------------------------------------------


@router.get("/documents", response={200: ClassifiedPage, **error_responses(*ERRORS_READ)}, summary="密件登记簿",
            description="调用者知悉范围内的密件（登记号倒序）；知悉范围以外的密件不出现，也不计数。")
def classified_list(request, filters: Query[ClassifiedFilterIn], paging: Query[Paging]):
    me = caller(request)
    result = page(selectors.registrations(me, filters.year), paging)
    result["items"] = [_classified(r) for r in result["items"]]
    return result


@router.post("/documents", response={200: ClassifiedOut, **error_responses(*ERRORS_WRITE)}, summary="密件登记",
             description="机要员按元数据和份号登记密件（不上传正文），确定知悉范围；绝密件须指定保管人；"
                         "持有人须在知悉范围内且涉密等级不低于密级。")
def classified_register(request, payload: ClassifiedIn):
    me = caller(request)
    data = secrecy.ClassifiedData(
        incoming=_incoming(payload),
        copy_numbers=payload.copy_numbers, holders=dict(payload.holders), scope_people=list(payload.scope_people),
        scope_posts=[secrecy.ScopePost(p.post_kind, p.unit_id) for p in payload.scope_posts],
        custodian_id=payload.custodian_id, note=payload.note)
    document = secrecy.register_classified(actor=me, agency=me.agency, data=data)
    return _classified(document.classified)


def _incoming(payload):
    from documents.services import IncomingData

    return IncomingData(title=payload.title, doc_type=payload.doc_type, sender_id=payload.sender_id,
                        sender_name=payload.sender_name, doc_number=payload.doc_number, secrecy=payload.secrecy,
                        secrecy_term=payload.secrecy_term, urgency=payload.urgency, issued_on=payload.issued_on,
                        remarks=payload.remarks)


@router.get("/documents/{document_id}/copies", response={200: list[ClassifiedCopyOut], **error_responses(*ERRORS_READ)},
            summary="密件份号与流转记录",
            description="各份的持有人、签收和状态，以及每份的流转记录；知悉范围以外为404。")
def classified_copies(request, document_id: PathId):
    me = caller(request)
    document = get_visible(me, document_id)
    if not document.secrecy:
        raise NotFound()
    return list(selectors.copies(document))


@router.post("/copies/{copy_id}/issue", response={200: ClassifiedCopyOut, **error_responses(*ERRORS_WRITE)},
             summary="分发密件", description="机要员把机要室保管的一份交给知悉范围内的人员，待其签收。")
def copy_issue(request, copy_id: PathId, payload: CopyPersonIn):
    me = caller(request)
    _copy(me, copy_id)
    return secrecy.issue_copy(actor=me, copy_id=copy_id, holder=person_ref(payload.person_id, "持有人"),
                              note=payload.note)


@router.post("/copies/{copy_id}/sign", response={200: ClassifiedCopyOut, **error_responses(*ERRORS_WRITE)},
             summary="签收密件", description="持有人本人签收交给他的一份。")
def copy_sign(request, copy_id: PathId):
    me = caller(request)
    return secrecy.sign_for_copy(actor=me, copy_id=copy_id)


@router.post("/copies/{copy_id}/pass-on",
             response={200: ClassifiedCopyOut, **error_responses(*ERRORS_WRITE)}, summary="传递密件",
             description="持有人把已签收的一份交给知悉范围内的另一人，登记传递，由接收人签收。")
def copy_pass_on(request, copy_id: PathId, payload: CopyPersonIn):
    me = caller(request)
    return secrecy.pass_on(actor=me, copy_id=copy_id, to_person=person_ref(payload.person_id, "接收人"),
                           note=payload.note)


@router.post("/copies/{copy_id}/return",
             response={200: ClassifiedCopyOut, **error_responses(*ERRORS_WRITE)}, summary="清退登记",
             description="机要员确认一份密件已交回（清退）。")
def copy_return(request, copy_id: PathId, payload: CopyNoteIn):
    me = caller(request)
    _copy(me, copy_id)
    return secrecy.confirm_return(actor=me, copy_id=copy_id, note=payload.note)


@router.post("/returns", response={200: ReturnBatchOut, **error_responses(*ERRORS_WRITE)},
             summary="通知清退", description="机要员通知清退某年度仍在外的全部密件，持有人收到通知（次年6月30日前交回）。")
def returns_request(request, payload: ReturnRequestIn):
    me = caller(request)
    return secrecy.request_return(actor=me, agency=me.agency, year=payload.year, note=payload.note)


@router.get("/returns/overdue", response={200: list[OverdueCopyOut], **error_responses(401, 403, 422)},
            summary="逾期未清退", description="过了次年6月30日仍未清退的份（机要员可查）。")
def returns_overdue(request):
    me = caller(request)
    access.require_registrar(me, me.agency)
    return [{"id": c.pk, "document_id": c.document_id, "label": selectors.label(me, c.document), "number": c.number,
             "holder": ref(c.holder), "due_back_on": c.document.classified.due_back_on}
            for c in secrecy.overdue_returns(me.agency)]


@router.get("/destructions", response={200: list[DestructionOut], **error_responses(401, 422)},
            summary="销毁记录", description="本机关的销毁申请、审批和销毁记录（机要员、机关领导和办公室主任可查）。")
def destructions(request):
    me = caller(request)
    return [_destruction(me, d) for d in selectors.destructions(me)[:500]]


@router.post("/destructions", response={200: DestructionOut, **error_responses(*ERRORS_WRITE)},
             summary="申请销毁", description="机要员申请销毁已清退的份，待机关领导或办公室主任审批。")
def destruction_request(request, payload: DestructionIn):
    me = caller(request)
    d = secrecy.request_destruction(actor=me, agency=me.agency, copy_ids=list(payload.copy_ids), reason=payload.reason)
    return _destruction(me, d)


@router.post("/destructions/{destruction_id}/approve",
             response={200: DestructionOut, **error_responses(*ERRORS_WRITE)}, summary="审批销毁",
             description="机关领导或办公室主任审批（申请人不得自批）；不同意须写明意见。")
def destruction_approve(request, destruction_id: PathId, payload: DestructionApproveIn):
    me = caller(request)
    d = secrecy.approve_destruction(actor=me, destruction_id=destruction_id, approve=payload.approve,
                                    opinion=payload.opinion)
    return _destruction(me, d)


@router.post("/destructions/{destruction_id}/execute",
             response={200: DestructionOut, **error_responses(*ERRORS_WRITE)}, summary="销毁登记",
             description="机要员按批准销毁，登记方式、地点和监销人；未经批准的一律拒绝。")
def destruction_execute(request, destruction_id: PathId, payload: DestructionExecuteIn):
    me = caller(request)
    d = secrecy.execute_destruction(actor=me, destruction_id=destruction_id, method=payload.method,
                                    place=payload.place, witness=payload.witness)
    return _destruction(me, d)
