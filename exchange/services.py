"""分发: sending a sealed outgoing document to its recipients.

``dispatch`` is the work of the last node of an outgoing document (分发). For every main
(主送) and copy (抄送) recipient it writes a Delivery: a recipient agency that uses this
deployment gets an incoming document (收文) waiting at its 签收 node for its clerks, with
the sealed final document as its body; any other recipient is recorded as 系统外 for paper
or external exchange. Then it closes the outgoing document's process through the engine
(flow.services.complete), whose ``dispatched`` gate holds once every recipient has its
Delivery. Everything happens in one transaction: a refusal writes nothing.
"""

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from deadlines.notify import notify
from documents import storage
from documents.classified import refuse_electronic
from documents.models import Direction, Document, DocumentFile, FileVersion, Recipient, SlipKind
from documents.services import check_not_skipping_level
from flow import kit
from flow import services as flow
from flow.models import HistoryAction, NodeKind, TaskRole
from gongwen.errors import DomainError
from org.models import Agency, AgencyKind, Person, PostKind
from org.selectors import persons_with_post

from .models import Delivery

LEVEL_RANK = {"province": 3, "city": 2, "county": 1}
TOP_ORGANS = (AgencyKind.PARTY_COMMITTEE, AgencyKind.GOVERNMENT)
UNDER_TOP_ORGANS = (AgencyKind.DEPARTMENT, AgencyKind.BUREAU, AgencyKind.ENTERPRISE)
# The same 文号 reaching a second superior within this window is 多头报送.
MULTI_WINDOW = timedelta(days=30)


def receiving_clerks(agency: Agency) -> list[Person]:
    """Who signs for a document arriving in ``agency``: its clerks (文书), as the 签收
    node of the default incoming templates resolves them (post rule, clerk)."""
    return [p for p in persons_with_post(agency, PostKind.CLERK)
            if not p.admin_role and p.agency_id == agency.pk]


def is_superior(sender: Agency, receiver: Agency) -> bool:
    """Whether a document from ``sender`` is 上级来文 for ``receiver`` (传文处理笺): a
    superior agency, the receiver's own parent, a higher level, or the city Party
    committee or government writing to a department, bureau or enterprise of its level."""
    if sender.kind == AgencyKind.SUPERIOR or receiver.parent_id == sender.pk:
        return True
    if LEVEL_RANK.get(sender.level, 0) > LEVEL_RANK.get(receiver.level, 0):
        return True
    return sender.level == receiver.level and sender.kind in TOP_ORGANS and receiver.kind in UNDER_TOP_ORGANS


def sealed_file(document: Document) -> FileVersion | None:
    """What the recipients receive: the newest version of the final (成品, the sealed
    PDF) or, without one, the newest version of the body (正文)."""
    for role in (DocumentFile.Role.FINAL, DocumentFile.Role.BODY):
        version = (FileVersion.objects.filter(file__document=document, file__role=role)
                   .select_related("file").order_by("-uploaded_at", "-id").first())
        if version is not None:
            return version
    return None


def _recipient_names(recipients: list[Recipient], kind: str) -> str:
    return "、".join(r.name for r in recipients if r.kind == kind)


def _check_dispatchable(document: Document, recipients: list[Recipient]) -> None:
    from sealing.models import SealUse
    from sealing.services import current_seal_blocker

    if not document.is_outgoing:
        raise DomainError("本件不是发文，不能分发。")
    # C07: classified documents never travel through the electronic exchange (unless the
    # deployment is an accredited classified network): the one rule in documents.classified.
    refuse_electronic(document, "通过系统分发")
    # C05: a second-level bureau or a city-owned enterprise writes to its parent
    # department, never straight to the city Party committee or government (越级).
    for r in recipients:
        if r.agency_id:
            check_not_skipping_level(r.agency, document.agency)
    missing = []
    if not document.doc_number:
        missing.append("发文字号（请先编号）")
    if not SealUse.objects.filter(document=document).exists():
        missing.append("用印记录（请先由印章管理员用印）")
    if missing:
        raise DomainError(f"本件尚缺{'、'.join(missing)}，不能分发。")
    # What is sent is exactly what was sealed last, on what was signed: the one check of
    # the binding, the same as the 用印 node's gate (it names what differs).
    blocker = current_seal_blocker(document, delivering=sealed_file(document))
    if blocker:
        raise DomainError(f"本件不能分发：{blocker}", code="seal_not_current")
    if not any(r.kind == Recipient.Kind.MAIN for r in recipients):
        raise DomainError("本件没有主送机关，不能分发：请在发文稿纸中填写主送机关。")


def _incoming(document: Document, agency: Agency, recipients: list[Recipient], now) -> Document:
    return Document.objects.create(
        agency=agency, direction=Direction.INCOMING,
        slip_kind=SlipKind.RELAY if is_superior(document.agency, agency) else SlipKind.INTAKE,
        doc_type=document.doc_type, title=document.title, sender=document.agency, sender_name=document.agency.name,
        doc_number=document.doc_number, secrecy=document.secrecy, secrecy_term=document.secrecy_term,
        urgency=document.urgency, signer=document.signer, issued_on=document.issued_on, copies=1,
        pages=document.pages,
        main_recipients=document.main_recipients or _recipient_names(recipients, Recipient.Kind.MAIN),
        cc_recipients=document.cc_recipients or _recipient_names(recipients, Recipient.Kind.COPY),
        attachments_note=document.attachments_note, remarks=document.remarks, received_at=now,
        created_at=now, updated_at=now, forwarded_from=_forwarded_original(document),
    )


def _forwarded_original(document: Document) -> Document | None:
    """转报: the recipient's copy of a forwarding document keeps the link to the original —
    the forwarding agency's own incoming copy of it (the bureau's document as it arrived)."""
    original = document.forwarded_from
    if original is not None and original.agency_id == document.agency_id:
        return original
    return None


def _copy_file(source: FileVersion, data: bytes, incoming: Document, actor) -> FileVersion:
    sha, rel = storage.store(data)
    if sha != source.sha256:  # storage.read verified it; a mismatch here is a broken store
        raise storage.FileCorrupted("文件校验失败：成品内容与登记的 SHA-256 不一致，已停止分发。请联系安全保密管理员。",
                                    code="file_corrupted")
    file = DocumentFile.objects.create(document=incoming, role=DocumentFile.Role.BODY, name=source.file.name)
    return FileVersion.objects.create(file=file, number=1, original_name=source.original_name,
                                      content_type=source.content_type, size=source.size, sha256=sha,
                                      storage_path=rel, uploaded_by=actor)


def superior_recipient(sender: Agency, delivery: Delivery, document: Document) -> bool:
    """Whether a main recipient is a superior of the sending agency (a submission upward)."""
    if delivery.kind != Recipient.Kind.MAIN:
        return False
    if delivery.agency_id:
        return is_superior(delivery.agency, sender)
    return document.writing_direction == "up"


def _flag_multi_submission(document: Document, deliveries: list[Delivery], now) -> list[str]:
    """多头报送 (RULES.md §3): the same document submitted in parallel to several superiors
    — two or more superior main recipients of one dispatch, or the same 文号 of the same
    agency reaching another superior within MULTI_WINDOW. Flagged on every such delivery
    (earlier ones too), never refused: "市委、市政府" with one of them as 抄送 is the
    allowed form. Returns the names flagged now."""
    sender = document.agency
    upward = [d for d in deliveries if superior_recipient(sender, d, document)]
    flagged = list(upward) if len(upward) >= 2 else []
    if document.doc_number and upward:
        names = {d.name for d in upward}
        earlier = [d for d in Delivery.objects.filter(
            document__agency=sender, document__doc_number=document.doc_number, kind=Recipient.Kind.MAIN,
            sent_at__gte=now - MULTI_WINDOW).exclude(pk__in=[d.pk for d in deliveries]).select_related("agency", "document")
            if d.name not in names and superior_recipient(sender, d, d.document)]
        if earlier:
            flagged = list(upward)
            Delivery.objects.filter(pk__in=[d.pk for d in earlier]).update(multi_submission=True)
    for d in flagged:
        d.multi_submission = True
        d.save(update_fields=["multi_submission"])
    return [d.name for d in flagged]


@transaction.atomic
def dispatch(task_id: int, *, actor, opinion: str = "") -> list[Delivery]:
    """分发: deliver the sealed document to every recipient not yet delivered to and close
    the outgoing document's process. Returns the Delivery rows written now, main
    recipients first."""
    task, document, on_behalf = kit.begin(task_id, actor)
    if task.node_kind != NodeKind.DISPATCH or task.role != TaskRole.MAIN or task.activation.is_side:
        raise DomainError("这项待办不是分发环节，不能分发。")
    recipients = sorted(document.recipients.select_related("agency"),
                        key=lambda r: (r.kind != Recipient.Kind.MAIN, r.position, r.pk))
    _check_dispatchable(document, recipients)
    delivered = set(Delivery.objects.filter(document=document).values_list("recipient_id", flat=True))
    pending = [r for r in recipients if r.pk not in delivered]
    inside = [r for r in pending if r.agency_id and r.agency.is_internal and r.agency_id != document.agency_id]
    clerks = {}
    for r in inside:
        clerks[r.agency_id] = receiving_clerks(r.agency)
    lacking = list(dict.fromkeys(r.agency.name for r in inside if not clerks[r.agency_id]))
    if lacking:
        raise DomainError(f"{'、'.join(lacking)}没有文书岗位，无法接收，请联系其系统管理员或改为系统外分发。")
    source, data = None, b""
    if inside:
        source = sealed_file(document)
        if source is None:
            raise DomainError("本件没有成品或正文文件，无法通过系统分发。")
        data = storage.read(source.storage_path, source.sha256)  # checks the SHA-256

    now = timezone.now()
    deliveries = []
    for r in pending:
        incoming = None
        if r in inside:
            incoming = _incoming(document, r.agency, recipients, now)
            _copy_file(source, data, incoming, actor)
            flow.start_process(incoming, actor=actor)  # waits at 签收 for the recipient's clerks
            url = reverse("web:document", args=[incoming.pk])
            for clerk in clerks[r.agency_id]:
                notify(clerk, title=f"待签收：{document.agency.short_name}《{document.title}》",
                       body=f"{document.agency.name}{document.doc_number}已通过系统分发至{r.agency.short_name}，请签收。",
                       url=url, document=incoming)
        deliveries.append(Delivery.objects.create(
            document=document, recipient=r, kind=r.kind, agency=r.agency, name=r.name,
            channel=Delivery.Channel.SYSTEM if incoming else Delivery.Channel.OUTSIDE, incoming=incoming,
            sent_by=actor, sent_at=now))

    flagged = _flag_multi_submission(document, deliveries, now)

    system = [d.name for d in deliveries if d.channel == Delivery.Channel.SYSTEM]
    outside = [d.name for d in deliveries if d.channel == Delivery.Channel.OUTSIDE]
    summary = "；".join(part for part in (
        f"系统内交换：{'、'.join(system)}" if system else "",
        f"系统外（纸质或外部交换）：{'、'.join(outside)}" if outside else "") if part)
    if flagged:
        summary += f"；多头报送：{'、'.join(flagged)}"
    kit.record_history(document, actor=actor, action=HistoryAction.DISPATCH, task=task, from_node=task.node_name,
                       targets=[d.name for d in deliveries], opinion=summary, on_behalf_of=on_behalf)
    audit.record(actor=actor, action="exchange.dispatch", target=document, new={
        "doc_number": document.doc_number,
        "file": getattr(source, "pk", None), "sha256": getattr(source, "sha256", ""),
        "deliveries": [{"recipient": d.recipient_id, "name": d.name, "kind": d.kind, "channel": d.channel,
                        "incoming": d.incoming_id, "multi_submission": d.multi_submission} for d in deliveries]})
    flow.complete(task_id, actor=actor, opinion=opinion)
    return deliveries


def forwarding_title(original: Document) -> str:
    """The default title of a 转报 draft: "<本机关>关于转报<下级单位简称><原标题>"."""
    sender = original.sender
    return f"{original.agency.name}关于转报{sender.short_name}{original.title.removeprefix(sender.name)}"


def forwarding_recipients(agency: Agency) -> list[Agency]:
    """Whom a 转报 may go to (主送/抄送 choices): the agency's superiors — its parent, a
    higher level, the Party committee and government of its level — top organs first."""
    candidates = Agency.objects.exclude(pk=agency.pk).order_by("sort_order", "id")
    found = [a for a in candidates if is_superior(a, agency)]
    return sorted(found, key=lambda a: (a.pk != agency.parent_id, a.kind not in TOP_ORGANS,
                                        a.kind != AgencyKind.GOVERNMENT))


@transaction.atomic
def start_forwarding(*, actor, original_id: int, main_to: list, recommendation: str, title: str = "",
                     copy_to: list | None = None) -> Document:
    """转报: a department forwards a subordinate's submission (a second-level bureau's or a
    city-owned enterprise's document it received) upward under its own name. Starts the
    department's own draft (拟稿, drafting.services.create_draft) linked to its copy of the
    original (``forwarded_from``) with its own recommendation as the body: RULES.md §3, a
    subordinate's 请示 is never forwarded unchanged. The draft then goes through review,
    sign-off, numbering, sealing and 分发 like any outgoing document; the recipient's copy
    keeps the link to the original."""
    from documents.access import get_visible
    from drafting import body
    from drafting import services as drafting

    from .access import check_forwarding

    if actor is None:
        raise DomainError("请先登录。")
    get_visible(actor, original_id)  # NotFound for anyone who may not see it
    # Locked: two clerks starting the same 转报 at once make one draft, not two.
    original = (Document.objects.select_for_update(of=("self",)).select_related("agency", "sender")
                .get(pk=original_id))
    check_forwarding(actor, original)  # the same check as the document page's 转报 action
    sender = original.sender
    recommendation = (recommendation or "").strip()
    if not recommendation:
        raise DomainError("转报须写明本机关的审核意见和建议，不得原文照转。")
    title = (title or "").strip() or forwarding_title(original)
    document = drafting.create_draft(actor=actor, data=drafting.DraftData(
        doc_type=original.doc_type if original.doc_type in drafting.OUTGOING_TYPES else "请示", title=title[:300],
        main_to=list(main_to or []), copy_to=list(copy_to or []), writing_direction="up",
        publicity="不予公开", publicity_reason="内部请示事项"))
    Document.objects.filter(pk=document.pk).update(forwarded_from=original)
    document.forwarded_from = original
    body.save_structured(actor=actor, document=document, blocks=[
        {"level": 0, "text": f"现将{sender.name}《{original.title}》（{original.doc_number or '无文号'}）转报你们。"},
        {"level": 0, "text": recommendation}])
    audit.record(actor=actor, action="exchange.start_forwarding", target=document,
                 new={"forwarded_from": original.pk, "sender": sender.pk})
    return document
