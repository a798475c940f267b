"""Drafting and issuing (发文办理): the drafting form, sign-off, joint sign-offs, the
reviewers' decisions on check findings, and 发文字号 at the 编号 node.

Each function runs in one transaction, locks the document first, checks who may act and
the rules, writes the routing history and an audit event, and refuses in Chinese
without writing anything. The routing itself (who holds the draft next) is the engine's
(flow.services); the gates that keep a node from being left without its work are in
drafting.gates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from audit import services as audit
from documents import numbering
from documents.models import Direction as DocDirection
from documents.models import (
    DocType,
    Document,
    DocumentFile,
    IssuedNumber,
    JointIssuer,
    Layout,
    NumberSeries,
    Publicity,
    Recipient,
    SlipKind,
    WritingDirection,
)
from documents.validators import DOCUMENT_URGENCIES, clean_secrecy
from flow import gates as flow_gates
from flow import kit
from flow import services as flow
from flow.models import Decision, HistoryAction, NodeKind, TaskRole
from gongwen.errors import DomainError, GateClosed, NotFound, PermissionDenied
from org.models import Agency, PostKind
from org.selectors import has_post

from . import effects, gates
from .access import require_editor, require_office, require_reviewer
from .models import CheckOverride, SignOff

UP_TYPES = ("请示", "报告")
NO_MAIN_TYPES = ("公告", "通告", "公报", "纪要", "命令", "决议")
OUTGOING_TYPES = [t for t in DocType.values if t not in ("信件", "简报", "信息", "电报")]


@dataclass
class DraftData:
    """The drafting form (发文稿纸). ``main_to`` and ``copy_to`` list agencies by id (an
    agency of the deployment or one registered as outside) or by name (typed in)."""

    doc_type: str
    title: str
    main_to: list[int | str] = field(default_factory=list)
    copy_to: list[int | str] = field(default_factory=list)
    writing_direction: str = ""
    layout: str = Layout.FILE
    secrecy: str = ""
    secrecy_term: str = ""
    urgency: str = ""
    publicity: str = ""
    publicity_reason: str = ""
    copies: int = 1
    attachments_note: str = ""
    remarks: str = ""
    is_policy: bool = False
    is_important: bool = False
    is_proxy_draft: bool = False
    proxy_for: str = ""
    joint_agency_ids: list[int] = field(default_factory=list)
    number_series_id: int | None = None


def default_direction(doc_type: str) -> str:
    if doc_type in UP_TYPES:
        return WritingDirection.UP
    if doc_type == "函":
        return WritingDirection.PARALLEL
    return WritingDirection.DOWN


def _recipients(items, what: str, own: Agency) -> list[tuple[Agency | None, str]]:
    result, seen = [], set()
    for item in items or []:
        if isinstance(item, int) or (isinstance(item, str) and item.strip().isdigit()):
            agency = Agency.objects.filter(pk=int(item)).first()
            if agency is None:
                raise DomainError(f"{what}中有不存在的机关（编号{item}），请重新选择。")
            entry = (agency, agency.name)
        else:
            name = (item or "").strip().rstrip("：:，,。、")
            if not name:
                continue
            if len(name) > 100:
                raise DomainError(f"{what}“{name[:20]}…”过长（最多100字）。")
            agency = Agency.objects.filter(name=name).first()
            entry = (agency, name)
        if entry[1] in seen:
            raise DomainError(f"{what}中“{entry[1]}”重复。")
        seen.add(entry[1])
        result.append(entry)
    return result


def clean_draft(agency: Agency, data: DraftData) -> dict:
    """The fields of the drafting form, checked; a DomainError names the first problem."""
    doc_type = (data.doc_type or "").strip()
    if doc_type not in OUTGOING_TYPES:
        raise DomainError("请选择文种（决定、通知、请示、报告、函、纪要等）。")
    title = (data.title or "").strip()
    if not title:
        raise DomainError("请填写标题。")
    if len(title) > 300:
        raise DomainError("标题过长（最多300字）。")
    layout = data.layout or Layout.FILE
    if layout not in Layout.values:
        raise DomainError("版式无效：应为文件格式、信函格式、命令格式或纪要格式。")
    direction = data.writing_direction or default_direction(doc_type)
    if direction not in WritingDirection.values:
        raise DomainError("行文方向无效：应为上行文、平行文或下行文。")
    secrecy, term = clean_secrecy(data.secrecy, data.secrecy_term)
    urgency = (data.urgency or "").strip()
    if urgency not in DOCUMENT_URGENCIES:
        raise DomainError("紧急程度应为特急、加急或不填。")
    publicity = (data.publicity or "").strip()
    if publicity not in Publicity.values:
        raise DomainError("请选择公开属性：主动公开、依申请公开或不予公开。")
    reason = (data.publicity_reason or "").strip()
    if publicity == Publicity.NOT_PUBLIC and not reason:
        raise DomainError("不予公开的公文须写明不予公开的理由（如涉及国家秘密、个人隐私等）。")
    if secrecy and publicity == Publicity.PUBLIC:
        raise DomainError(f"{secrecy}公文不能主动公开，请改为不予公开并写明理由。")
    try:
        copies = int(data.copies)
    except (TypeError, ValueError):
        raise DomainError("份数应为正整数。") from None
    if not 1 <= copies <= 10000:
        raise DomainError("份数应在1到10000之间。")
    main = _recipients(data.main_to, "主送机关", agency)
    copy = _recipients(data.copy_to, "抄送机关", agency)
    if not main and doc_type not in NO_MAIN_TYPES:
        raise DomainError("请填写主送机关。")
    if any(a is not None and a.pk == agency.pk for a, _ in main + copy):
        raise DomainError(f"主送、抄送机关不能是本机关（{agency.short_name}）。")
    both = {n for _, n in main} & {n for _, n in copy}
    if both:
        raise DomainError(f"“{'、'.join(sorted(both))}”不能既是主送又是抄送。")
    joint = []
    for pk in dict.fromkeys(data.joint_agency_ids or []):
        other = Agency.objects.filter(pk=pk).first()
        if other is None:
            raise DomainError("联合发文机关不存在，请重新选择。")
        if other.pk == agency.pk:
            raise DomainError("联合发文机关不能是本机关。")
        if other.level != agency.level:
            raise DomainError(f"联合行文只能在同级机关之间：{other.name}是{other.get_level_display()}机关，"
                              f"本机关是{agency.get_level_display()}机关。")
        joint.append(other)
    proxy_for = (data.proxy_for or "").strip()
    if data.is_proxy_draft and not proxy_for:
        raise DomainError("代拟稿请填写代拟机关（以哪个机关的名义发文）。")
    series = None
    if data.number_series_id:
        series = NumberSeries.objects.filter(pk=data.number_series_id, agency=agency, is_active=True).first()
        if series is None:
            raise DomainError("发文代字无效，请从本机关启用的代字中选择。")
    return {
        "doc_type": doc_type, "title": title, "layout": layout, "writing_direction": direction, "secrecy": secrecy,
        "secrecy_term": term, "urgency": urgency, "publicity": publicity,
        "publicity_reason": reason if publicity == Publicity.NOT_PUBLIC else "", "copies": copies,
        "attachments_note": (data.attachments_note or "").strip()[:500], "remarks": (data.remarks or "").strip()[:500],
        "is_policy": bool(data.is_policy), "is_important": bool(data.is_important),
        "is_proxy_draft": bool(data.is_proxy_draft), "proxy_for": proxy_for[:100] if data.is_proxy_draft else "",
        "is_joint": bool(joint), "number_series": series,
        "main_recipients": "、".join(n for _, n in main), "cc_recipients": "、".join(n for _, n in copy),
        "_main": main, "_copy": copy, "_joint": joint,
    }


def _write_parties(document: Document, cleaned: dict) -> None:
    document.recipients.all().delete()
    Recipient.objects.bulk_create(
        [Recipient(document=document, kind=Recipient.Kind.MAIN, agency=a, name=n, position=i)
         for i, (a, n) in enumerate(cleaned["_main"])]
        + [Recipient(document=document, kind=Recipient.Kind.COPY, agency=a, name=n, position=i)
           for i, (a, n) in enumerate(cleaned["_copy"])])
    document.joint_issuers.all().delete()
    JointIssuer.objects.bulk_create([JointIssuer(document=document, agency=a, position=i + 1)
                                     for i, a in enumerate(cleaned["_joint"])])


def _fields(cleaned: dict) -> dict:
    return {k: v for k, v in cleaned.items() if not k.startswith("_")}


@transaction.atomic
def create_draft(*, actor, data: DraftData) -> Document:
    """拟稿: the drafter fills in the drafting form; the draft is theirs (the 拟稿 node)
    until they send it for review. The body comes next (drafting.body)."""
    if actor is None:
        raise PermissionDenied("请先登录。")
    if actor.admin_role:
        raise PermissionDenied("管理员不得拟制公文。")
    if not actor.unit_id or not actor.agency.is_internal:
        raise PermissionDenied("只有本系统内机关处室的工作人员可以拟稿。")
    cleaned = clean_draft(actor.agency, data)
    now = timezone.now()
    document = Document.objects.create(
        agency=actor.agency, direction=DocDirection.OUTGOING,
        slip_kind=SlipKind.POLICY if cleaned["is_policy"] else SlipKind.ROUTINE, lead_unit=actor.unit,
        drafted_by=actor, received_at=now, created_at=now, updated_at=now, **_fields(cleaned))
    _write_parties(document, cleaned)
    process = flow.start_process(document, actor=actor)
    kit.record_history(document, actor=actor, action=HistoryAction.DRAFT, process=process, to_node="拟稿",
                       opinion=f"{actor.unit.name}{actor.name}拟稿")
    audit.record(actor=actor, action="drafting.create", target=document,
                 new={"title": document.title, "doc_type": document.doc_type})
    return document


@transaction.atomic
def update_draft(*, actor, document_id: int, data: DraftData) -> Document:
    """Change the drafting form while the draft is being written or reviewed (before
    sign-off); afterwards a change goes back through the signer (退回签发)."""
    document = kit.lock_document(document_id)
    require_editor(actor, document, before_sign_off=True)
    cleaned = clean_draft(document.agency, data)
    def current(key):
        return document.number_series_id if key == "number_series" else getattr(document, key)

    old = {k: current(k) for k in _fields(cleaned)}
    for key, value in _fields(cleaned).items():
        setattr(document, key, value)
    document.slip_kind = SlipKind.POLICY if cleaned["is_policy"] else SlipKind.ROUTINE
    document.updated_at = timezone.now()
    document.save()
    _write_parties(document, cleaned)
    changed = [document._meta.get_field(k).verbose_name for k in old if old[k] != current(k)]
    kit.record_history(document, actor=actor, action=HistoryAction.DRAFT, opinion=(
        f"修改发文稿纸：{'、'.join(str(c) for c in changed)}" if changed else "修改主送、抄送或联合发文机关"))
    audit.record(actor=actor, action="drafting.update", target=document, new={"changed": [str(c) for c in changed]})
    effects.changed(document, actor=actor, cause="用印后修改发文稿纸")
    return document


# --- sign-off (签发) ---------------------------------------------------------------------------


def refresh_signature_fields(document: Document) -> None:
    """签发人 and 成文日期 from the valid sign-offs: the principal signer(s) first; the date of
    the last signature (a joint document's last agency head, RULES.md §2)."""
    signoffs = list(gates.valid_signoffs(document))
    internal = [s for s in signoffs if s.kind == SignOff.Kind.INTERNAL]
    principal = [s for s in internal if s.is_principal]
    names = [s.signer_name for s in (principal or internal[-1:])]
    names += [s.signer_name for s in signoffs if s.kind == SignOff.Kind.JOINT]
    document.signer = "、".join(dict.fromkeys(names))[:60]
    document.issued_on = max((s.signed_on for s in signoffs), default=None)
    document.save(update_fields=["signer", "issued_on"])


@transaction.atomic
def sign_off(task_id: int, *, actor, opinion: str, next_assignees=None) -> SignOff:
    """签发: the leader holding the 签发 node signs the current body with an opinion, in
    person (a stand-in cannot sign off). The draft then moves on (to the next signer of
    a sequential sign-off, or to 复核). Refused while a countersigning unit disagrees
    unresolved (C11) or a must-fix finding stands (drafting.gates.checks_cleared)."""
    task, document, on_behalf = kit.begin(task_id, actor)
    if task.node_kind != NodeKind.SIGN_OFF or task.role != TaskRole.MAIN:
        raise DomainError("这项待办不是签发。")
    if on_behalf is not None:
        raise PermissionDenied(f"签发须由{task.assignee.name}本人办理，不能代为签发。")
    opinion = (opinion or "").strip()
    if not opinion:
        raise DomainError("请填写签发意见（如“同意印发。”）。")
    body = gates.current_body(document)
    if body is None:
        raise DomainError("本件尚无正文，不能签发。")
    for name in ("countersign_settled", "checks_cleared"):
        message = flow_gates.GATES[name].check(document, task.activation)
        if message:
            raise GateClosed(message, gate=name)
    today = timezone.localdate()
    signoff = SignOff.objects.create(
        document=document, kind=SignOff.Kind.INTERNAL, agency=document.agency, signer=actor, signer_name=actor.name,
        signer_title=actor.title, is_principal=has_post(actor, PostKind.PRINCIPAL_LEADER), opinion=opinion,
        signed_on=today, body_version=body, task=task, recorded_by=actor)
    refresh_signature_fields(document)
    kit.record_history(document, actor=actor, action=HistoryAction.SIGN_OFF, task=task, from_node=task.node_name,
                       opinion=opinion, targets=[f"正文第{body.number}版"])
    audit.record(actor=actor, action="drafting.sign_off", target=signoff,
                 new={"document": document.pk, "body_version": body.pk, "sha256": body.sha256})
    effects.changed(document, actor=actor, cause=f"用印后{actor.name}重新签发", force=True)
    flow.send_on(task.pk, actor=actor, opinion=opinion, decision=Decision.AGREE, next_assignees=next_assignees)
    return signoff


@transaction.atomic
def record_joint_signoff(document_id: int, *, actor, agency_id: int, signer_name: str, signed_on: date,
                         opinion: str = "", signer_title: str = "", scan: tuple[str, bytes] | None = None) -> SignOff:
    """The office records the sign-off of a co-issuing agency's head from the signed
    会签 page (联合行文): who signed, on what date, with the scanned page when there is one."""
    document = kit.lock_document(document_id)
    require_office(actor, document, "记录联合发文机关的签发")
    if not document.is_outgoing or not document.is_open:
        raise DomainError("只有办理中的发文可以记录会签签发。")
    joint = document.joint_issuers.filter(agency_id=agency_id).select_related("agency").first()
    if joint is None:
        raise DomainError("该机关不是本件的联合发文机关。")
    signer_name = (signer_name or "").strip()
    if not signer_name:
        raise DomainError(f"请填写{joint.agency.name}签发人的姓名。")
    if signed_on is None:
        raise DomainError("请填写签发日期。")
    if signed_on > timezone.localdate():
        raise DomainError("签发日期不能晚于今天。")
    body = gates.current_body(document)
    if body is None:
        raise DomainError("本件尚无正文，不能记录签发。")
    if gates.valid_signoffs(document, body).filter(kind=SignOff.Kind.JOINT, agency=joint.agency).exists():
        raise DomainError(f"{joint.agency.name}已对当前正文签发，无需重复记录。")
    scan_version = None
    if scan is not None:
        from documents.services import upload_file

        scan_version = upload_file(actor=actor, document=document, name=scan[0], data=scan[1],
                                   role=DocumentFile.Role.SIGNOFF_SCAN)
    signoff = SignOff.objects.create(
        document=document, kind=SignOff.Kind.JOINT, agency=joint.agency, signer_name=signer_name[:40],
        signer_title=(signer_title or "").strip()[:40], is_principal=True,
        opinion=(opinion or "").strip() or "同意。", signed_on=signed_on, body_version=body, scan=scan_version,
        recorded_by=actor)
    refresh_signature_fields(document)
    kit.record_history(document, actor=actor, action=HistoryAction.JOINT_SIGN_OFF, opinion=(
        f"{joint.agency.name}{signer_name}于{signed_on.year}年{signed_on.month}月{signed_on.day}日签发：{signoff.opinion}"))
    audit.record(actor=actor, action="drafting.joint_sign_off", target=signoff,
                 new={"document": document.pk, "agency": joint.agency_id, "signed_on": signed_on.isoformat()})
    effects.changed(document, actor=actor, cause=f"用印后记录{joint.agency.name}的签发", force=True)
    return signoff


# --- check findings --------------------------------------------------------------------------


@transaction.atomic
def keep_finding(document_id: int, *, actor, rule: str, place: str, reason: str) -> CheckOverride:
    """A reviewer decides a must-fix finding stays as it is (e.g. a quotation that must
    keep its wording), with the reason; recorded, and valid for the current body only."""
    from .compose import findings

    document = kit.lock_document(document_id)
    require_reviewer(actor, document)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请写明不修改的理由。")
    body = gates.current_body(document)
    finding = next((f for f in findings(document) if f.rule == rule and f.place == place), None)
    if finding is None:
        raise DomainError("该检查意见已不存在（正文可能已修改），请刷新页面。")
    if CheckOverride.objects.filter(document=document, rule=rule, place=place, body_version=body).exists():
        raise DomainError("该检查意见已确认不改。")
    override = CheckOverride.objects.create(document=document, rule=rule, place=place[:60],
                                            message=finding.message[:300], reason=reason[:300], body_version=body,
                                            by=actor)
    kit.record_history(document, actor=actor, action=HistoryAction.OVERRIDE,
                       opinion=f"{place}：{finding.message} —— 不修改，理由：{reason}")
    audit.record(actor=actor, action="drafting.keep_finding", target=override,
                 new={"document": document.pk, "rule": rule, "place": place})
    return override


# --- numbering (编号) --------------------------------------------------------------------------


@transaction.atomic
def number(task_id: int, *, actor, series_id: int | None = None) -> IssuedNumber:
    """编号: the clerk at the 编号 node takes the next 发文字号 of the chosen 代字 (never at
    drafting). The document then goes on with 送下一步."""
    task, document, on_behalf = kit.begin(task_id, actor)
    if task.node_kind != NodeKind.NUMBER or task.role != TaskRole.MAIN:
        raise DomainError("只能在“编号”环节取发文字号。")
    if gates.is_numbered(document):
        raise DomainError(f"本件已编号：{document.doc_number}。如需重新编号，请先作废原文号并写明理由。")
    series = None
    if series_id:
        series = NumberSeries.objects.filter(pk=series_id, agency=document.agency).first()
        if series is None:
            raise NotFound("发文代字不存在。")
    series = series or document.number_series
    if series is None:
        raise DomainError("请选择发文代字。")
    issued = numbering.allocate(series, document=document, actor=actor)
    document.doc_number = issued.number
    document.number_series = series
    document.save(update_fields=["doc_number", "number_series"])
    kit.record_history(document, actor=actor, action=HistoryAction.NUMBER, task=task, from_node=task.node_name,
                       opinion=issued.number, on_behalf_of=on_behalf)
    audit.record(actor=actor, action="drafting.number", target=issued,
                 new={"document": document.pk, "number": issued.number, "skipped": issued.skipped})
    effects.changed(document, actor=actor, cause=f"用印后重新编号为{issued.number}")
    return issued


@transaction.atomic
def record_number(document_id: int, *, actor, number: str, reason: str) -> IssuedNumber:
    """登记已有文号: the office records in the 发文登记簿 the 发文字号 an outgoing document
    was given outside the system (numbered on paper before it was entered), with the
    reason; the number then belongs to the document and is never allocated again. Refused
    when the number is taken in the ledger or carried by another document of the agency."""
    from documents.validators import clean_doc_number

    document = kit.lock_document(document_id)
    require_office(actor, document, "登记已有文号")
    if not document.is_outgoing:
        raise DomainError("只有发文可以登记发文字号。")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请写明登记理由（如“系统上线前已以纸质编号”）。")
    number = clean_doc_number(number)
    if not number:
        raise DomainError("请填写要登记的发文字号，如“示府办发〔2026〕7号”。")
    if gates.is_numbered(document):
        raise DomainError(f"本件已编号：{document.doc_number}。如需更改，请先作废原文号并写明理由。")
    if document.doc_number and document.doc_number != number:
        raise DomainError(f"本件载明的发文字号是{document.doc_number}，只能登记该文号。")
    code, year, seq = numbering.parse_number(number)
    series = NumberSeries.objects.filter(agency=document.agency, code=code).first()
    if series is None:
        raise DomainError(f"{document.agency.short_name}没有发文代字“{code}”，不能登记该文号。")
    issued = numbering.record(series, document=document, actor=actor, year=year, seq=seq, note=reason)
    document.doc_number = issued.number
    document.number_series = series
    document.save(update_fields=["doc_number", "number_series"])
    kit.record_history(document, actor=actor, action=HistoryAction.NUMBER, opinion=f"登记已有文号{issued.number}：{reason}")
    audit.record(actor=actor, action="drafting.record_number", target=issued,
                 new={"document": document.pk, "number": issued.number, "reason": reason[:300]})
    effects.changed(document, actor=actor, cause=f"用印后登记文号{issued.number}")
    return issued


@transaction.atomic
def void_number(issued_id: int, *, actor, reason: str) -> IssuedNumber:
    """作废文号: recorded with the reason, never reused. A number already sealed on a
    document cannot be voided (the sealed copy carries it)."""
    issued = IssuedNumber.objects.select_related("document").filter(pk=issued_id).first()
    if issued is None:
        raise NotFound("未找到该文号。")
    document = kit.lock_document(issued.document_id)
    require_office(actor, document, "作废文号")
    issued = IssuedNumber.objects.select_for_update().get(pk=issued_id)
    # A voided seal use no longer stands for the number; a current one does (sealing's
    # records, read through the document: sealing builds on drafting).
    if document.seal_uses.filter(doc_number=issued.number, voiding__isnull=True).exists():
        raise DomainError(f"{issued.number}已用印，不能作废。")
    numbering.void(issued, actor=actor, reason=reason)
    if document.doc_number == issued.number:
        document.doc_number = ""
        document.save(update_fields=["doc_number"])
    kit.record_history(document, actor=actor, action=HistoryAction.VOID_NUMBER,
                       opinion=f"{issued.number}作废：{issued.void_reason}")
    audit.record(actor=actor, action="drafting.void_number", target=issued,
                 new={"document": document.pk, "number": issued.number, "reason": issued.void_reason})
    effects.changed(document, actor=actor, cause=f"用印后作废文号{issued.number}")
    return issued
