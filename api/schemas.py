"""Typed request and response bodies of the API.

Requests carry only types; every rule (文号 form, 密级★期限, who may act) is checked by the
service the endpoint calls, which answers in Chinese. Persons and units are referenced by
id; responses name them too, so a client need not look them up.
"""

import re
from datetime import date, datetime
from typing import Annotated

from django.utils import timezone
from ninja import Field, Schema
from pydantic import AfterValidator, field_validator
from pydantic_core import PydanticCustomError

# An id as the databases store it (64-bit): larger numbers are refused (422), never sent to SQL.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

# Times sent to the API. A time without a UTC offset ("2026-03-08T09:00") is Beijing time
# (Asia/Shanghai, TIME_ZONE), as the office reads it: made aware here, once, for every input
# field, so that no service ever compares a naive time with an aware one (a 500). Years far
# outside an office's working life are refused (422): converted to UTC they would overflow
# (year 1 at +08:00 is before year 1) and a working-time calculation over them would walk
# millennia of days.
EARLIEST, LATEST = 1900, 2100


def _local_time(value: datetime) -> datetime:
    if not EARLIEST <= value.year <= LATEST:
        raise PydanticCustomError("time_out_of_range", "超出可接受的时间范围")
    if value.tzinfo is None or value.utcoffset() is None:
        return timezone.make_aware(value, timezone.get_default_timezone())
    return value


LocalDateTime = Annotated[datetime, AfterValidator(_local_time)]

# Control characters other than tab and newlines: PostgreSQL cannot store NUL at all, and
# none of them belongs in an official document's elements or an opinion.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _check_text(value):
    if isinstance(value, str):
        if CONTROL_CHARACTERS.search(value):
            raise PydanticCustomError("control_characters", "含有不可见的控制字符")
    elif isinstance(value, (list, tuple)):
        for item in value:
            _check_text(item)
    elif isinstance(value, dict):
        for item in value.values():
            _check_text(item)
    return value


class InSchema(Schema):
    """A request body or query: text fields refuse control characters (422)."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value):
        return _check_text(value)


# --- references ----------------------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str


def ref(obj) -> dict | None:
    return None if obj is None else {"id": obj.pk, "name": obj.name}


class Page(Schema):
    total: int = Field(description="符合条件的总条数")
    limit: int
    offset: int


class Paging(InSchema):
    limit: int = Field(50, ge=1, le=200, description="每页条数（1–200）")
    offset: int = Field(0, ge=0, le=10**9, description="从第几条开始（0 起）")


# --- organisation ---------------------------------------------------------------------------


class AgencyOut(Schema):
    id: int
    name: str
    short_name: str
    code: str = Field(description="机关代字")
    level: str
    kind: str
    kind_display: str
    parent_id: int | None
    is_internal: bool
    sort_order: int

    @staticmethod
    def resolve_kind_display(obj) -> str:
        return obj.get_kind_display()


class AgencyIn(InSchema):
    name: str = Field(max_length=100)
    short_name: str = Field("", max_length=40)
    kind: str = Field(max_length=20, description="party_committee / government / department / bureau / enterprise / "
                                                 "superior / other")
    code: str = Field("", max_length=20)
    level: str = Field("city", max_length=20)
    parent_id: Id | None = None
    is_internal: bool = True
    sort_order: int = 0


class AgencyPatch(InSchema):
    """Fields left out stay as they are; null is refused except where a field may be empty."""

    name: str = Field(None, max_length=100)
    short_name: str = Field(None, max_length=40)
    kind: str = Field(None, max_length=20)
    code: str = Field(None, max_length=20)
    level: str = Field(None, max_length=20)
    parent_id: Id | None = None
    is_internal: bool = None
    sort_order: int = None


class UnitOut(Schema):
    id: int
    agency_id: int
    name: str
    short_name: str
    is_office: bool
    is_secretariat: bool
    sort_order: int


class UnitIn(InSchema):
    agency_id: Id
    name: str = Field(max_length=60)
    short_name: str = Field("", max_length=30)
    is_office: bool = False
    is_secretariat: bool = False
    sort_order: int = 0


class UnitPatch(InSchema):
    """Fields left out stay as they are; null is refused."""

    name: str = Field(None, max_length=60)
    short_name: str = Field(None, max_length=30)
    is_office: bool = None
    is_secretariat: bool = None
    sort_order: int = None


class PostOut(Schema):
    id: int
    person_id: int
    kind: str
    kind_display: str
    agency_id: int
    unit_id: int | None
    units_in_charge: list[int]

    @staticmethod
    def resolve_kind_display(obj) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_units_in_charge(obj) -> list[int]:
        return [u.pk for u in obj.units_in_charge.all()]


class PersonOut(Schema):
    id: int
    name: str
    username: str
    agency_id: int
    unit_id: int | None
    title: str
    phone: str
    is_active: bool
    admin_role: str = Field(description="三员角色：system / security / auditor，或空")
    posts: list[PostOut]
    clearance: str | None = Field(None, description="涉密等级，只向系统管理员和安全保密管理员显示")

    @staticmethod
    def resolve_username(obj) -> str:
        return obj.user.username

    @staticmethod
    def resolve_posts(obj) -> list:
        return list(obj.posts.all())

    @staticmethod
    def resolve_clearance(obj, context) -> str | None:
        viewer = getattr(context.get("request"), "auth", None) if context else None
        return obj.clearance if viewer is not None and viewer.admin_role in ("system", "security") else None


class PeopleFilterIn(InSchema):
    agency_id: Id | None = None
    unit_id: Id | None = None
    q: str = Field("", max_length=40, description="姓名或登录名中的字")
    active: bool | None = Field(True, description="只列在岗人员；null 为全部")


class PersonIn(InSchema):
    agency_id: Id
    name: str = Field(max_length=40)
    username: str = Field(max_length=150)
    password: str = Field("", description="初始密码（至少 8 位）；留空则需另行设置", max_length=128)
    unit_id: Id | None = None
    title: str = Field("", max_length=40)
    phone: str = Field("", max_length=30)
    sort_order: int = 0


class PersonPatch(InSchema):
    """Fields left out stay as they are; null is refused except for ``unit_id`` (no unit)."""

    name: str = Field(None, max_length=40)
    unit_id: Id | None = None
    title: str = Field(None, max_length=40)
    phone: str = Field(None, max_length=30)
    sort_order: int = None
    is_active: bool = None


class PostIn(InSchema):
    person_id: Id
    kind: str = Field(description="岗位，如 clerk、secretary、division_head、leader_in_charge", max_length=30)
    unit_id: Id | None = None
    units_in_charge: list[Id] = Field(default_factory=list, description="分管处室（分管领导岗位）")


class ClearanceIn(InSchema):
    clearance: str = Field(description="秘密 / 机密 / 绝密，或空字符串", max_length=4)


class AdminRoleIn(InSchema):
    role: str = Field(description="system / security / auditor，或空字符串", max_length=10)


class DelegationOut(Schema):
    id: int
    from_person: Ref
    to_person: Ref
    starts_at: datetime
    ends_at: datetime
    reason: str
    consent: str = Field(description="代设时委托人本人同意的记录")
    cancelled_at: datetime | None
    created_at: datetime


class DelegationIn(InSchema):
    to_person_id: Id
    from_person_id: Id | None = Field(None, description="委托人；默认本人。办公室主任代设时须填 consent")
    starts_at: LocalDateTime
    ends_at: LocalDateTime
    reason: str = Field("", max_length=200)
    consent: str = Field("", max_length=200, description="代设时委托人本人同意的记录，如“本人3月8日电话同意”")


class OrgImportIn(InSchema):
    text: str = Field(description="CSV 全文，首行为列名")
    default_password: str = Field("", description="导入人员的初始密码（仅组织机构 CSV）")


class OrgImportOut(Schema):
    created: dict[str, int]
    skipped: int


# --- documents -------------------------------------------------------------------------------


class IncomingIn(InSchema):
    """The elements of an incoming document (条例 第九条)."""

    title: str = Field(max_length=300)
    doc_type: str = Field(description="文种：通知、请示、报告、函、电报……", max_length=10)
    slip_kind: str = Field("intake", description="relay 传文 / intake 收文 / misc 零星收文", max_length=10)
    sender_id: Id | None = Field(None, description="来文机关（在册机关）")
    sender_name: str = Field("", description="来文机关名称（不在册时）", max_length=100)
    doc_number: str = Field("", description="来文字号，如 示省政办〔2026〕12号", max_length=60)
    copy_number: str = Field("", max_length=6)
    secrecy: str = Field("", max_length=4)
    secrecy_term: str = Field("", max_length=10)
    urgency: str = Field("", max_length=4)
    signer: str = Field("", max_length=60)
    main_recipients: str = Field("", max_length=300)
    cc_recipients: str = Field("", max_length=500)
    issued_on: date | None = None
    received_at: LocalDateTime | None = None
    pages: int | None = None
    copies: int = 1
    attachments_note: str = Field("", max_length=500)
    remarks: str = Field("", max_length=500)
    sender_deadline: LocalDateTime | None = None
    sender_deadline_text: str = Field("", max_length=60)
    addressed_to_id: Id | None = Field(None, description="直送领导（人员 id）：登记为直送件")
    forwarded_from_id: Id | None = None
    needs_reply: bool = False
    is_emergency_report: bool = Field(False, description="紧急信息报告：1小时内报送，节假日照常计时")
    needs_proxy_draft: bool = Field(False, description="须代拟稿：承办时限1个工作日")


class RegisterIn(IncomingIn):
    agency_id: Id | None = Field(None, description="办理机关；默认本人所在机关")


class DirectIn(IncomingIn):
    leader_id: Id = Field(description="所直送的领导（人员 id）")


class DocumentFilterIn(InSchema):
    q: str = Field("", max_length=100)
    status: str = Field("", description="in_progress / completed / returned")
    slip_kind: str = ""
    doc_type: str = ""
    urgency: str = ""
    sender_id: Id | None = None
    year: int | None = Field(None, ge=1949, le=9999)
    received_from: date | None = None
    received_to: date | None = None
    direct_only: bool = False
    sort: str = Field("received", description="received, -received, registry, -registry, title, -title, "
                                                "deadline, -deadline")


class DocumentOut(Schema):
    id: int
    agency_id: int
    registry_number: str = Field(description="收文编号")
    title: str
    doc_type: str
    slip_kind: str
    sender_id: int | None
    sender_display: str
    doc_number: str
    secrecy: str
    secrecy_display: str
    urgency: str
    received_at: datetime
    sender_deadline: datetime | None
    is_direct_submission: bool
    status: str
    status_display: str
    stage: str

    @staticmethod
    def resolve_status_display(obj) -> str:
        return obj.get_status_display()


class DocumentPage(Page):
    items: list[DocumentOut]


class DocumentDetailOut(DocumentOut):
    direction: str
    sender_name: str
    sender_person: Ref | None
    registry_year: int | None
    registry_seq: int | None
    copy_number: str
    secrecy_term: str
    signer: str
    main_recipients: str
    cc_recipients: str
    issued_on: date | None
    pages: int | None
    copies: int
    attachments_note: str
    remarks: str
    sender_deadline_text: str
    addressed_to: Ref | None
    forwarded_from_id: int | None
    needs_reply: bool
    needs_leader_approval: bool
    lead_unit: Ref | None
    assist_units: list[Ref]
    registered_by: Ref | None
    registered_at: datetime | None
    closed_at: datetime | None
    reply_text: str
    due_at: datetime | None = Field(description="本件办理时限（来文时限与全文办理时限中较早者）；时限待定时为 null")
    due_pending_reason: str = Field(description="本件办理时限待定的原因（如“2027年日历未录入”），否则为空")

    @staticmethod
    def resolve_sender_person(obj):
        return ref(obj.sender_person)

    @staticmethod
    def resolve_addressed_to(obj):
        return ref(obj.addressed_to)

    @staticmethod
    def resolve_lead_unit(obj):
        return ref(obj.lead_unit)

    @staticmethod
    def resolve_registered_by(obj):
        return ref(obj.registered_by)

    @staticmethod
    def resolve_assist_units(obj):
        return [ref(u) for u in obj.assist_units.all()]


class OpinionOut(Schema):
    id: int
    task_id: int | None
    author: Ref
    on_behalf_of: Ref | None
    node_kind: str
    node_name: str
    role: str
    decision: str
    text: str
    created_at: datetime
    withdrawn: bool = Field(description="所属待办已撤回（意见保留，不删除）")

    @staticmethod
    def resolve_author(obj):
        return ref(obj.author)

    @staticmethod
    def resolve_on_behalf_of(obj):
        return ref(obj.on_behalf_of)

    @staticmethod
    def resolve_withdrawn(obj) -> bool:
        return obj.task is not None and obj.task.status == "withdrawn"


class SlipSectionOut(Schema):
    title: str
    opinions: list[OpinionOut]


class DocumentBrief(Schema):
    id: int
    registry_number: str
    title: str
    doc_type: str
    urgency: str
    secrecy_display: str
    sender_display: str
    status: str
    stage: str


class TaskOut(Schema):
    id: int
    document_id: int
    node_kind: str
    node_name: str
    role: str
    role_display: str
    status: str
    status_display: str
    assignee: Ref
    assignee_unit: Ref | None
    acted_by: Ref | None
    sent_by: Ref | None
    decision: str
    opinion: str
    note: str
    created_at: datetime
    touched_at: datetime | None
    done_at: datetime | None
    due_at: datetime | None = Field(description="办理时限；时限待定时为 null")
    due_pending_reason: str = Field(description="时限待定的原因（如“2027年日历未录入”），录入该年节假日安排后即计算；"
                                                "有时限或无时限时为空")

    @staticmethod
    def resolve_role_display(obj) -> str:
        return obj.get_role_display()

    @staticmethod
    def resolve_status_display(obj) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_assignee(obj):
        return ref(obj.assignee)

    @staticmethod
    def resolve_assignee_unit(obj):
        return ref(obj.assignee_unit)

    @staticmethod
    def resolve_acted_by(obj):
        return ref(obj.acted_by)

    @staticmethod
    def resolve_sent_by(obj):
        return ref(obj.sent_by)


class TaskWithDocumentOut(TaskOut):
    document: DocumentBrief


class TaskPage(Page):
    items: list[TaskWithDocumentOut]


class ReturnTargetOut(Schema):
    activation_id: int
    node_key: str
    node_name: str


class ActionOut(Schema):
    """One button of the document page, as the endpoint that does it."""

    operation: str
    label: str
    method: str
    path: str


class AvailableOut(Schema):
    """What the caller may do on the document right now (the page's buttons)."""

    task_id: int | None
    node: dict | None = Field(description="当前环节的定义（模板快照）")
    operations: list[str] = Field(description="可对 task_id 执行的操作")
    can_circulate: bool
    can_reject: bool
    can_register: bool
    recallable_task_ids: list[int]
    return_targets: list[ReturnTargetOut]
    actions: list[ActionOut] = Field(description="每个可执行操作对应的接口")


class DocumentPageOut(Schema):
    document: DocumentDetailOut
    slip: list[SlipSectionOut] = Field(description="处理笺：按条例顺序排列的意见")
    holders: list[TaskOut] = Field(description="当前持有人（主线和传阅件）")
    circulation: list[TaskOut] = Field(description="全部传阅件的去向")
    available: AvailableOut


class HistoryOut(Schema):
    id: int
    at: datetime
    action: str
    action_display: str
    actor: Ref | None
    on_behalf_of: Ref | None
    task_id: int | None
    from_node: str
    to_node: str
    targets: list[str]
    opinion: str

    @staticmethod
    def resolve_action_display(obj) -> str:
        return obj.get_action_display()

    @staticmethod
    def resolve_actor(obj):
        return ref(obj.actor)

    @staticmethod
    def resolve_on_behalf_of(obj):
        return ref(obj.on_behalf_of)


class VersionOut(Schema):
    id: int
    number: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: Ref
    uploaded_at: datetime

    @staticmethod
    def resolve_uploaded_by(obj):
        return ref(obj.uploaded_by)


class FileOut(Schema):
    id: int
    document_id: int
    role: str
    name: str
    created_at: datetime
    versions: list[VersionOut]

    @staticmethod
    def resolve_versions(obj):
        return list(obj.versions.all())


class UploadOut(Schema):
    file: FileOut
    version: VersionOut


# --- operations ------------------------------------------------------------------------------


class OpinionIn(InSchema):
    opinion: str = ""


class SendOnIn(InSchema):
    opinion: str = ""
    decision: str = Field("", description="agree / disagree（审定、协办时）")
    next_assignee_ids: list[Id] | None = Field(None, description="下一环节办理人（可选时）")
    next_mode: str | None = Field(None, description="下一环节办理方式：sequential / all / any / single")
    lead_unit_id: Id | None = Field(None, description="主办单位（分办时）")
    assist_unit_ids: list[Id] | None = Field(None, description="协办单位（分办时）")
    needs_reply: bool | None = None
    needs_leader_approval: bool | None = None
    reply_text: str | None = Field(None, description="答复内容（答复环节）")


class ReturnIn(InSchema):
    to_activation_id: Id = Field(description="退回到的环节（见 available.return_targets）")
    reason: str
    error_category: str = Field(max_length=10, description="差错类别（必填，记入错题本）：程序 / 格式 / 文字 / 内容 / 时效")


class AddSignerIn(InSchema):
    person_ids: list[Id]
    note: str = ""


class TransferIn(InSchema):
    to_person_id: Id
    reason: str = ""


class AssignIn(InSchema):
    handler_id: Id
    note: str = ""


class CountersignIn(InSchema):
    decision: str = Field(description="agree / disagree")
    opinion: str = ""


class CountersignRequestIn(InSchema):
    unit_ids: list[Id]
    note: str = ""


class ResolveIn(InSchema):
    resolution: str


class RegisterAtNodeIn(InSchema):
    opinion: str = ""
    data: IncomingIn | None = Field(None, description="核对、补正后的公文要素；省略则按原要素登记")


class CirculateIn(InSchema):
    reader_ids: list[Id]
    note: str = ""


class RejectIn(InSchema):
    reason: str = Field(max_length=500)
    kind: str = Field("退文", description="退文 / 直送件 / 越级件 / 乱投件", max_length=10)
    error_category: str = Field(max_length=10, description="差错类别（必填，记入错题本，计来文单位）：程序 / 格式 / 文字 / 内容 / 时效")


class ReturnRecordOut(Schema):
    id: int
    kind: str
    sender_name: str
    reason: str
    returned_at: datetime


class OperationOut(Schema):
    """The outcome of an operation: the document's state after it and the tasks it made
    or finished."""

    document_id: int
    document_status: str
    stage: str
    tasks: list[TaskOut]
    opinion: OpinionOut | None = None
    return_record: ReturnRecordOut | None = None


# --- tokens ----------------------------------------------------------------------------------


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime = Field(description="到期时间：此后令牌不再能用")
    last_used_at: datetime | None
    revoked_at: datetime | None
    state: str = Field(description="有效、已过期、已吊销或已失效（密码已修改）")

    @staticmethod
    def resolve_state(obj) -> str:
        from .services import token_state

        return token_state(obj)


class TokenIn(InSchema):
    name: str = Field(max_length=60)
    days: int | None = Field(None, ge=1, description="有效天数；不填为系统默认（90天），最长由系统设定（365天）")


class IssuedTokenOut(TokenOut):
    token: str = Field(description="令牌全文，只显示这一次，请妥善保存")


class MeOut(Schema):
    person: PersonOut
    authenticated_by: str = Field(description="token 或 session")


# --- process templates -----------------------------------------------------------------------


class NodeIn(InSchema):
    position: int | None = None
    key: str = Field(description="标识：小写字母开头，只含小写字母、数字和下划线", max_length=30)
    name: str = Field(max_length=30)
    kind: str = Field(max_length=20, description="环节类型，如 sign_for、register、screen、propose、instruct、"
                                                 "distribute、handle……")
    assignee_rule: str = Field(max_length=20, description="post / lead_unit_head / leader_in_charge / "
                                                          "principal_leader / chosen / lead_handler / registrar")
    post_kind: str = Field("", max_length=30)
    mode: str = Field("single", max_length=12)
    mode_choosable: bool = False
    operations: list[str] = Field(default_factory=list)
    gates: list[str] = Field(default_factory=list)
    condition: str = Field("", max_length=30)
    time_limit_hours: int | None = None


class NodeOut(NodeIn):
    id: int
    position: int


class TemplateOut(Schema):
    id: int
    agency_id: int | None = Field(description="空为所有机关的默认模板")
    direction: str
    slip_kind: str
    name: str
    is_active: bool
    updated_at: datetime
    nodes: list[NodeOut]

    @staticmethod
    def resolve_nodes(obj) -> list:
        return sorted(obj.nodes.all(), key=lambda n: n.position)


class TemplateNodesIn(InSchema):
    nodes: list[NodeIn]
    name: str | None = Field(None, max_length=60)
    is_active: bool | None = None


# --- workbench, ledger figures, audit --------------------------------------------------------


class DashboardOut(Schema):
    """工作台: the counts of the header badges and the latest items."""

    inbox: int
    toread: int
    due_today: int
    overdue: int
    latest: list[TaskWithDocumentOut]
    latest_toread: list[TaskWithDocumentOut]


class SenderReturnsOut(Schema):
    sender_name: str
    kind: str
    n: int


class SenderDirectOut(Schema):
    sender_name: str
    n: int


class ReturnsOut(Schema):
    """退文 and 直送件 counted per sender (C04)."""

    returns: list[SenderReturnsOut]
    direct: list[SenderDirectOut]


class AuditEventOut(Schema):
    seq: int
    at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    target_type: str
    target_id: str
    old: dict | list | str | int | float | bool | None
    new: dict | list | str | int | float | bool | None
    client_address: str
    prev_hash: str
    hash: str


class AuditPage(Page):
    items: list[AuditEventOut]


class AuditFilterIn(InSchema):
    q: str = Field("", max_length=60, description="操作、操作人、对象类型或对象ID")
    date_from: date | None = None
    date_to: date | None = None


class VerifyOut(Schema):
    ok: bool
    message: str
    count: int
