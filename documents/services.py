"""The elements of a document and their checks, the 收文编号 counter, files.

Every function runs in one transaction, checks permission and the intake rules
(RULES.md §3, §5; cases C04, C05), writes the routing history and the audit event.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit import services as audit
from documents.classified import refuse_electronic
from gongwen.errors import DomainError, NotFound, PermissionDenied
from org.models import LEADER_POSTS, Agency, AgencyKind, Person
from org.selectors import has_post

from . import access, effects, storage, validators
from .models import DocType, Document, DocumentFile, FileVersion, RegistryCounter, SlipKind


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


def mark_registered(document: Document, actor) -> None:
    """Record who registered a classified document and when, without a 收文编号: a
    classified document takes its own 密件登记号 (secrecy.Registration), never a number of
    the ordinary sequence, whose gaps would show that one was registered."""
    document.registry_year = timezone.localtime(document.received_at).year
    document.registry_seq = None
    document.registered_by = actor
    document.registered_at = timezone.now()


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
    effects.file_stored(document, actor=actor, version=version)
    audit.record(actor=actor, action="documents.file.upload", target=version,
                 new={"document": document.pk, "file": file.pk, "version": number, "sha256": sha, "size": len(data)})
    return version


def read_version(*, actor, version: FileVersion) -> bytes:
    """The bytes of a version, after checking who asks and the checksum."""
    if not access.can_view(actor, version.file.document):
        raise NotFound()
    return storage.read(version.storage_path, version.sha256)
