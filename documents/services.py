"""Registering incoming documents, direct submissions, files.

Every function runs in one transaction, checks permission and the intake rules
(RULES.md §3, §5; cases C04, C05), writes the routing history and the audit event.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit import services as audit
from gongwen.errors import DomainError, NotFound, PermissionDenied
from org.models import LEADER_POSTS, Agency, AgencyKind, Person
from org.selectors import has_post
from secrecy.policy import refuse_electronic

from . import access, storage, validators
from .models import Direction, DocType, Document, DocumentFile, FileVersion, RegistryCounter, SlipKind


@dataclass
class IncomingData:
    """The elements a clerk records for an incoming document (条例 Art. 9)."""

    title: str
    doc_type: str
    slip_kind: str = SlipKind.INTAKE
    sender_id: int | None = None
    sender_name: str = ""
    doc_number: str = ""
    copy_number: str = ""
    secrecy: str = ""
    secrecy_term: str = ""
    urgency: str = ""
    signer: str = ""
    main_recipients: str = ""
    cc_recipients: str = ""
    issued_on: date | None = None
    received_at: datetime | None = None
    pages: int | None = None
    copies: int = 1
    attachments_note: str = ""
    remarks: str = ""
    sender_deadline: datetime | None = None
    sender_deadline_text: str = ""
    addressed_to_id: int | None = None
    forwarded_from_id: int | None = None
    needs_reply: bool = False
    is_emergency_report: bool = False
    needs_proxy_draft: bool = False


SKIP_LEVEL_RULE = ("依据本市公文处理规则“二级局、市属企业向主管部门报送公文，由主管部门审核后转报，"
                   "不得直接向市委、市政府报送”")


def check_not_skipping_level(receiver: Agency, sender: Agency | None) -> None:
    """越级件 (C05): a second-level bureau or a city-owned enterprise writes to its parent
    department, never straight to the city Party committee or government."""
    if sender is None or not receiver.is_top_level_city_organ:
        return
    if sender.kind in (AgencyKind.BUREAU, AgencyKind.ENTERPRISE):
        via = f"请退回，由其主管部门{sender.parent.name}审核后转报" if sender.parent_id else "请退回，由其主管部门审核后转报"
        raise DomainError(f"越级件：{sender.name}（{sender.get_kind_display()}）不得直接向{receiver.short_name}报送公文，"
                          f"{SKIP_LEVEL_RULE}。{via}。", code="skip_level")


def clean_incoming(agency: Agency, data: IncomingData) -> dict:
    title = (data.title or "").strip()
    if not title:
        raise DomainError("请填写标题。")
    if len(title) > 300:
        raise DomainError("标题过长（不超过300字）。")
    if data.doc_type not in DocType.values:
        raise DomainError(f"文种“{data.doc_type}”无效。")
    if data.slip_kind not in SlipKind.values:
        raise DomainError("处理笺类别无效，应为传文、收文或零星收文处理笺。")
    sender = None
    if data.sender_id:
        sender = Agency.objects.filter(pk=data.sender_id).first()
        if sender is None:
            raise DomainError("来文机关不存在。")
        if sender.pk == agency.pk:
            raise DomainError("来文机关不能是本机关。")
    elif not (data.sender_name or "").strip():
        raise DomainError("请填写来文机关。")
    check_not_skipping_level(agency, sender)
    secrecy, term = validators.clean_secrecy(data.secrecy, data.secrecy_term)
    copy_number = validators.clean_copy_number(data.copy_number, secrecy=secrecy)
    urgency = validators.clean_urgency(data.urgency, is_telegram=data.doc_type == DocType.TELEGRAM)
    doc_number = validators.clean_doc_number(data.doc_number)
    received_at = data.received_at or timezone.now()
    if received_at > timezone.now() + timedelta(minutes=5):
        raise DomainError("收文时间不能晚于现在。")
    if data.issued_on and data.issued_on > timezone.localdate(received_at):
        raise DomainError("成文日期不能晚于收文日期。")
    if data.sender_deadline and data.sender_deadline < received_at:
        raise DomainError("办理时限早于收文时间，请核对来文要求的时限。")
    if data.pages is not None and data.pages < 1:
        raise DomainError("页数应为正整数。")
    if data.copies is None or data.copies < 1:
        raise DomainError("份数应为正整数。")
    addressed_to = None
    if data.addressed_to_id:
        addressed_to = Person.objects.filter(pk=data.addressed_to_id, agency=agency).first()
        if addressed_to is None or not has_post(addressed_to, *LEADER_POSTS):
            raise DomainError("直送领导应为本机关领导。")
    forwarded_from = None
    if data.forwarded_from_id:
        forwarded_from = Document.objects.filter(pk=data.forwarded_from_id).first()
        # 转报 links to the original the forwarding agency itself registered; any other id
        # answers the same as a missing one (no existence leak across agencies).
        if forwarded_from is None or sender is None or forwarded_from.agency_id != sender.pk:
            raise DomainError("未找到转报所附原件：转报件只能关联来文机关本机关登记的原件。")
    return {
        "title": title, "doc_type": data.doc_type, "slip_kind": data.slip_kind, "sender": sender,
        "sender_name": sender.name if sender else data.sender_name.strip(), "doc_number": doc_number,
        "copy_number": copy_number, "secrecy": secrecy, "secrecy_term": term, "urgency": urgency,
        "signer": (data.signer or "").strip(), "main_recipients": (data.main_recipients or "").strip(),
        "cc_recipients": (data.cc_recipients or "").strip(), "issued_on": data.issued_on, "received_at": received_at,
        "pages": data.pages, "copies": data.copies, "attachments_note": (data.attachments_note or "").strip(),
        "remarks": (data.remarks or "").strip(), "sender_deadline": data.sender_deadline,
        "sender_deadline_text": (data.sender_deadline_text or "").strip(), "addressed_to": addressed_to,
        "is_direct_submission": addressed_to is not None, "forwarded_from": forwarded_from,
        "needs_reply": bool(data.needs_reply), "is_emergency_report": bool(data.is_emergency_report),
        "needs_proxy_draft": bool(data.needs_proxy_draft),
    }


def allocate_registry_number(agency: Agency, year: int) -> int:
    """Next 收文编号 of the agency and year: consecutive and unique, the counter row locked
    for the rest of the transaction."""
    counter = RegistryCounter.objects.select_for_update().filter(agency=agency, year=year).first()
    if counter is None:
        try:
            with transaction.atomic():
                RegistryCounter.objects.create(agency=agency, year=year, last=0)
        except IntegrityError:
            pass
        counter = RegistryCounter.objects.select_for_update().get(agency=agency, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _assign_registry(document: Document, actor) -> None:
    year = timezone.localtime(document.received_at).year
    document.registry_year = year
    document.registry_seq = allocate_registry_number(document.agency, year)
    document.registered_by = actor
    document.registered_at = timezone.now()


def mark_registered(document: Document, actor) -> None:
    """Record who registered a classified document and when, without a 收文编号: a
    classified document takes its own 密件登记号 (secrecy.Registration), never a number of
    the ordinary sequence, whose gaps would show that one was registered."""
    document.registry_year = timezone.localtime(document.received_at).year
    document.registry_seq = None
    document.registered_by = actor
    document.registered_at = timezone.now()


def refuse_classified_intake(values: dict, what: str = "收文登记") -> None:
    """A classified document enters only through the 密件 register (RULES.md §7): it is
    registered by copy number to a holder, read by its reading scope, and takes no part
    in the ordinary intake, numbering or routing."""
    if values.get("secrecy"):
        raise DomainError(f"{values['secrecy']}件须由机要员在“密件登记”中按份号登记，不能通过{what}进入系统："
                          "请把密级改为“非密”，或交机要员办理密件登记。", code="classified")


@transaction.atomic
def register_incoming(*, actor, agency: Agency, data: IncomingData) -> Document:
    """Register a paper or scanned document the clerk has in hand: signs for it, gives it a
    收文编号 and starts its process at the node after 登记. A document addressed to a
    leader personally is flagged 直送件 and goes to the office queue, never to the leader."""
    from flow import services as flow

    access.require_register(actor, agency)
    values = clean_incoming(agency, data)
    refuse_classified_intake(values)
    document = Document(agency=agency, direction=Direction.INCOMING, **values)
    _assign_registry(document, actor)
    document.save()
    flow.start_process(document, actor=actor, done_nodes=("sign_for", "register"))
    audit.record(actor=actor, action="documents.register", target=document,
                 new={"registry_number": document.registry_number, "title": document.title,
                      "sender": document.sender_name, "direct": document.is_direct_submission})
    return document


@transaction.atomic
def submit_direct(*, actor, agency: Agency, leader: Person, data: IncomingData) -> Document:
    """A division or a subordinate hands a request straight to a leader (C04). It does not
    reach the leader: it lands in the office's sign-for queue flagged 直送件, with the
    sender recorded, and the office registers it through the normal route or returns it."""
    from flow import services as flow
    from flow.models import HistoryAction

    if actor is None:
        raise PermissionDenied("请先登录。")
    if actor.admin_role:
        raise PermissionDenied("管理员不得报送公文。")
    if leader.agency_id != agency.pk or not has_post(leader, *LEADER_POSTS):
        raise DomainError(f"{leader.name}不是{agency.short_name}的领导。")
    data.addressed_to_id = leader.pk
    if not data.sender_id and not data.sender_name:
        if actor.agency_id != agency.pk:
            data.sender_id = actor.agency_id
        else:
            data.sender_name = f"{actor.unit.name if actor.unit_id else agency.short_name}（{actor.name}）"
    values = clean_incoming(agency, data)
    refuse_classified_intake(values, "直送领导的报送")
    document = Document(agency=agency, direction=Direction.INCOMING, sender_person=actor, **values)
    document.save()
    flow.start_process(document, actor=actor)
    flow._history(document, actor=actor, action=HistoryAction.DIRECT, from_node=leader.name, to_node="办公室",
                  opinion=f"直送{leader.name}的公文，按“一个口子进出”转办公室签收登记。")
    audit.record(actor=actor, action="documents.submit_direct", target=document,
                 new={"leader": leader.pk, "title": document.title})
    return document


@transaction.atomic
def register_at_node(task_id: int, *, actor, data: IncomingData | None = None, opinion: str = "") -> Document:
    """Complete the 登记 node of a document that arrived through the sign-for queue: check
    and correct its elements, refuse 越级件, give it its 收文编号, send it on."""
    from deadlines import services as deadlines
    from flow import services as flow
    from flow.models import NodeKind, Task

    task = Task.objects.filter(pk=task_id).select_related("document", "document__agency").first()
    if task is None:
        raise NotFound("未找到该待办。")
    document = Document.objects.select_for_update().get(pk=task.document_id)
    if not access.can_view(actor, document):  # the same answer as for a missing task
        raise NotFound("未找到该待办。")
    if task.node_kind != NodeKind.REGISTER:
        raise DomainError("这不是登记环节。")
    access.require_register(actor, document.agency)
    if data is not None:
        values = clean_incoming(document.agency, data)
        refuse_classified_intake(values, "登记")
        values.pop("addressed_to")
        values.pop("is_direct_submission")
        for key, value in values.items():
            setattr(document, key, value)
        due = deadlines.document_due(document)
        document.due_at = document.original_due_at = due.at
        document.due_pending_year = due.pending_year
    else:
        check_not_skipping_level(document.agency, document.sender)
    if not document.registry_seq:
        _assign_registry(document, actor)
    document.save()
    flow.send_on(task_id, actor=actor, opinion=opinion)
    audit.record(actor=actor, action="documents.register", target=document,
                 new={"registry_number": document.registry_number})
    return document


@transaction.atomic
def upload_file(*, actor, document: Document, name: str, data: bytes, role: str = DocumentFile.Role.BODY,
                replaces: DocumentFile | None = None) -> FileVersion:
    """Store a file (or a new version of one); never overwrites an earlier version."""
    if not access.can_view(actor, document):
        raise NotFound()
    if not access.can_upload(actor, document):
        raise PermissionDenied("只有办公室人员或本件当前办理人可以上传文件。")
    refuse_electronic(document, "上传正文或附件")
    if not data:
        raise DomainError("文件为空。")
    if len(data) > settings.MAX_UPLOAD_BYTES:
        raise DomainError(f"文件过大：上限为 {settings.MAX_UPLOAD_BYTES // (1024 * 1024)} MB。")
    content_type = storage.sniff(data)
    if content_type is None:
        raise DomainError("文件类型不支持：只能上传 PDF、DOCX、OFD 或图片（PNG、JPEG、TIFF），"
                          "系统按文件内容判断类型，不看扩展名。")
    name = (name or "").strip().replace("/", "_").replace("\\", "_")[:200] or "未命名文件"
    if role not in DocumentFile.Role.values:
        raise DomainError("文件类别无效。")
    if replaces is not None and replaces.document_id != document.pk:
        raise NotFound()  # before anything is stored: a refusal writes nothing, on disk neither
    sha, rel = storage.store(data)
    if replaces is not None:
        file = DocumentFile.objects.select_for_update().get(pk=replaces.pk)
        number = (file.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    else:
        file = DocumentFile.objects.create(document=document, role=role, name=name)
        number = 1
    version = FileVersion.objects.create(file=file, number=number, original_name=name, content_type=content_type,
                                         size=len(data), sha256=sha, storage_path=rel, uploaded_by=actor)
    from flow.models import HistoryAction, HistoryEvent

    HistoryEvent.objects.create(document=document, actor=actor, action=HistoryAction.FILE,
                                opinion=f"{file.get_role_display()}《{name}》第{number}版（SHA-256 {sha[:12]}…）")
    audit.record(actor=actor, action="documents.file.upload", target=version,
                 new={"document": document.pk, "file": file.pk, "version": number, "sha256": sha, "size": len(data)})
    return version


def read_version(*, actor, version: FileVersion) -> bytes:
    """The bytes of a version, after checking who asks and the checksum."""
    if not access.can_view(actor, version.file.document):
        raise NotFound()
    return storage.read(version.storage_path, version.sha256)
