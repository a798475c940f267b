"""会签签发 in the system (联合行文): when a co-issuing agency uses this system (e.g. 市委办公室
and 市政府办公室 issuing a 两办 document), the lead agency's office asks that agency's
principal leader to sign the joint document here instead of on a paper 会签 page
(drafting.services.record_joint_signoff stays for agencies outside the system).

The principal leader cannot see the lead agency's documents (documents.access keeps
visibility inside an agency); they see only what they are asked to sign, through the
request (``may_see`` / ``get_for``)."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from deadlines.notify import notify
from documents import storage
from documents.models import Status
from flow import kit
from flow.access import is_office_staff
from flow.models import HistoryAction
from gongwen.errors import DomainError, NotFound, PermissionDenied
from org.models import PostKind
from org.selectors import persons_with_post

from . import effects, gates
from .access import require_office
from .models import JointSignRequest, SignOff
from .services import refresh_signature_fields


def principals(agency):
    return persons_with_post(agency, PostKind.PRINCIPAL_LEADER)


def is_principal_of(person, agency) -> bool:
    return person is not None and principals(agency).filter(pk=person.pk).exists()


def open_for(person):
    """The open requests the person is asked to sign (as a principal leader of the agency)."""
    if person is None or person.admin_role:
        return JointSignRequest.objects.none()
    agency_ids = person.posts.filter(kind=PostKind.PRINCIPAL_LEADER).values_list("agency_id", flat=True)
    if not person.is_active:
        return JointSignRequest.objects.none()
    # A request whose document was closed meanwhile (abandoned, or dispatched after a paper
    # sign-off) no longer asks anything of anyone.
    return (JointSignRequest.objects.filter(state=JointSignRequest.State.OPEN, agency_id__in=agency_ids,
                                            document__status=Status.IN_PROGRESS)
            .select_related("document", "document__agency", "agency", "requested_by", "body_version"))


def may_see(person, request: JointSignRequest) -> bool:
    """The addressed agency's principal leader, or the lead agency's office staff."""
    if person is None or person.admin_role:
        return False
    return is_principal_of(person, request.agency) or is_office_staff(person, request.document.agency_id)


def get_for(person, request_id: int) -> JointSignRequest:
    request = (JointSignRequest.objects.select_related("document", "document__agency", "agency", "requested_by",
                                                       "body_version", "signoff", "decided_by")
               .filter(pk=request_id).first())
    if request is None or not may_see(person, request):
        raise NotFound("未找到该会签签发请求。")
    return request


def proof_pdf(person, request: JointSignRequest):
    """The latest 清样 PDF of the requested document (FileVersion, bytes), or None."""
    from .output import latest_pdf

    if not may_see(person, request):
        raise NotFound()
    version = latest_pdf(request.document, "proof")
    if version is None:
        return None
    return version, storage.read(version.storage_path, version.sha256)


def _url(request: JointSignRequest) -> str:
    return reverse("web:joint_detail", args=[request.pk])


def _locked_request(request_id: int) -> tuple[JointSignRequest, object]:
    document_id = JointSignRequest.objects.filter(pk=request_id).values_list("document_id", flat=True).first()
    if document_id is None:
        raise NotFound("未找到该会签签发请求。")
    document = kit.lock_document(document_id)
    request = JointSignRequest.objects.select_related("agency", "requested_by", "body_version").get(pk=request_id)
    return request, document


def _open_document(document):
    if not document.is_outgoing or not document.is_open:
        raise DomainError("只有办理中的发文可以会签签发。")


def _as_signer(request_id: int, actor, what: str):
    """The locked open request and its document, for the addressed agency's principal
    leader in person (a stand-in cannot sign: the post is checked, not delegations)."""
    request, document = _locked_request(request_id)
    if not may_see(actor, request):
        raise NotFound("未找到该会签签发请求。")
    if not is_principal_of(actor, request.agency):
        raise PermissionDenied(f"只有{request.agency.name}主要领导本人可以{what}。")
    if request.state != JointSignRequest.State.OPEN:
        raise DomainError(f"该请求{request.get_state_display()}，不能再{what}。")
    _open_document(document)
    return request, document


@transaction.atomic
def request_joint_signoff(document_id: int, *, actor, agency_id: int, note: str = "") -> JointSignRequest:
    """The lead agency's office asks a co-issuing agency's principal leader to sign in the system."""
    document = kit.lock_document(document_id)
    require_office(actor, document, "请联合发文机关在系统中签发")
    _open_document(document)
    joint = document.joint_issuers.filter(agency_id=agency_id).select_related("agency").first()
    if joint is None or joint.agency_id == document.agency_id:
        raise DomainError("该机关不是本件的联合发文机关。")
    agency = joint.agency
    if not agency.is_internal:
        raise DomainError(f"{agency.name}不使用本系统，请改为记录纸质签发。")
    leaders = list(principals(agency))
    if not leaders:
        raise DomainError(f"{agency.name}没有主要领导账号，请改为记录纸质签发。")
    body = gates.current_body(document)
    if body is None:
        raise DomainError("本件尚无正文，不能请联合发文机关签发。")
    if JointSignRequest.objects.filter(document=document, agency=agency, state=JointSignRequest.State.OPEN).exists():
        raise DomainError(f"已请{agency.name}签发，正在等待，无需重复发起。")
    if gates.valid_signoffs(document, body).filter(kind=SignOff.Kind.JOINT, agency=agency).exists():
        raise DomainError(f"{agency.name}已对当前正文签发，无需再请其签发。")
    request = JointSignRequest.objects.create(document=document, agency=agency, requested_by=actor,
                                              body_version=body, note=(note or "").strip()[:300])
    names = "、".join(p.name for p in leaders)
    kit.record_history(document, actor=actor, action=HistoryAction.JOINT_SIGN_OFF,
                       opinion=f"请{agency.name}（{names}）在系统中签发正文第{body.number}版", targets=[agency.name])
    audit.record(actor=actor, action="drafting.joint_request", target=request,
                 new={"document": document.pk, "agency": agency.pk, "body_version": body.pk})
    for leader in leaders:
        notify(leader, title=f"待会签签发：{document.title}",
               body=f"{document.agency.name}请{agency.name}会签签发。{request.note}".strip(), url=_url(request))
    return request


@transaction.atomic
def sign_joint(request_id: int, *, actor, opinion: str) -> SignOff:
    """The co-issuing agency's principal leader signs, in person, the body version asked for."""
    request, document = _as_signer(request_id, actor, "签发")
    opinion = (opinion or "").strip()
    if not opinion:
        raise DomainError("请填写签发意见（如“同意。”）。")
    body = gates.current_body(document)
    if body is None or body.pk != request.body_version_id:
        raise DomainError("正文已修改，请牵头机关重新发起会签签发。")
    now = timezone.now()
    signoff = SignOff.objects.create(
        document=document, kind=SignOff.Kind.JOINT, agency=request.agency, signer=actor, signer_name=actor.name,
        signer_title=actor.title, is_principal=True, opinion=opinion, signed_on=timezone.localdate(),
        body_version=body, recorded_by=actor)
    request.state, request.signoff, request.decided_by, request.decided_at = (
        JointSignRequest.State.SIGNED, signoff, actor, now)
    request.save(update_fields=["state", "signoff", "decided_by", "decided_at"])
    refresh_signature_fields(document)
    kit.record_history(document, actor=actor, action=HistoryAction.JOINT_SIGN_OFF,
                       opinion=f"{request.agency.name}{actor.name}在系统中签发：{opinion}", targets=[f"正文第{body.number}版"])
    audit.record(actor=actor, action="drafting.joint_sign", target=signoff,
                 new={"document": document.pk, "agency": request.agency_id, "request": request.pk,
                      "body_version": body.pk, "sha256": body.sha256})
    effects.changed(document, actor=actor, cause=f"用印后{request.agency.name}{actor.name}签发", force=True)
    notify(request.requested_by, title=f"{request.agency.name}已签发：{document.title}",
           body=f"{actor.name}：{opinion}", url=reverse("web:document", args=[document.pk]), document=document)
    return signoff


@transaction.atomic
def decline_joint(request_id: int, *, actor, reason: str) -> JointSignRequest:
    """The principal leader does not agree, with the reason; the lead office is told."""
    request, document = _as_signer(request_id, actor, "答复")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写不同意的理由。")
    request.state, request.reason, request.decided_by, request.decided_at = (
        JointSignRequest.State.DECLINED, reason[:300], actor, timezone.now())
    request.save(update_fields=["state", "reason", "decided_by", "decided_at"])
    kit.record_history(document, actor=actor, action=HistoryAction.JOINT_SIGN_OFF,
                       opinion=f"{request.agency.name}{actor.name}不同意签发：{reason}")
    audit.record(actor=actor, action="drafting.joint_decline", target=request,
                 new={"document": document.pk, "agency": request.agency_id, "reason": reason[:300]})
    notify(request.requested_by, title=f"{request.agency.name}不同意签发：{document.title}", body=reason,
           url=reverse("web:document", args=[document.pk]), document=document)
    return request


@transaction.atomic
def withdraw_joint(request_id: int, *, actor) -> JointSignRequest:
    """The lead agency's office withdraws an open request (e.g. before changing the body)."""
    request, document = _locked_request(request_id)
    require_office(actor, document, "撤回会签签发请求")
    if request.state != JointSignRequest.State.OPEN:
        raise DomainError(f"该请求{request.get_state_display()}，不能撤回。")
    request.state, request.decided_by, request.decided_at = (
        JointSignRequest.State.WITHDRAWN, actor, timezone.now())
    request.save(update_fields=["state", "decided_by", "decided_at"])
    kit.record_history(document, actor=actor, action=HistoryAction.JOINT_SIGN_OFF,
                       opinion=f"撤回请{request.agency.name}签发的请求")
    audit.record(actor=actor, action="drafting.joint_withdraw", target=request,
                 new={"document": document.pk, "agency": request.agency_id})
    for leader in principals(request.agency):
        notify(leader, title=f"会签签发请求已撤回：{document.title}", body=f"{document.agency.name}撤回了请求。",
               url=_url(request))
    return request
