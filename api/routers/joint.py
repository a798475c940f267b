"""会签签发 in the system (联合行文, drafting.joint): the lead agency's office asks a
co-issuing agency's principal leader to sign; that leader lists, signs or declines what
is addressed to them (and sees nothing else of the lead agency). A request the caller
may not see is 404."""

from datetime import date, datetime

from ninja import Router, Schema, Status
from pydantic import Field

from drafting import joint
from drafting.models import JointSignRequest

from ..common import ERRORS_WRITE, PathId, caller
from ..errors import error_responses
from ..schemas import Id, InSchema, Ref, ref

router = Router(tags=["会签签发"])


class JointRequestOut(Schema):
    id: int
    document_id: int
    title: str
    doc_type: str
    lead_agency: Ref = Field(description="牵头机关")
    agency: Ref = Field(description="请其签发的联合发文机关")
    requested_by: Ref
    requested_at: datetime
    note: str
    body_version_id: int = Field(description="所请签发的正文版本")
    state: str = Field(description="open 待签发 / signed 已签发 / declined 不同意 / withdrawn 已撤回")
    decided_by: Ref | None
    decided_at: datetime | None
    reason: str
    signoff_id: int | None


class JointSignOut(Schema):
    id: int = Field(description="签发记录编号")
    request_id: int
    agency: Ref
    signer_name: str
    opinion: str
    signed_on: date
    body_version_id: int | None


class JointAskIn(InSchema):
    agency_id: Id = Field(description="联合发文机关（使用本系统、有主要领导账号）")
    note: str = Field("", max_length=300, description="说明")


class JointSignIn(InSchema):
    opinion: str = Field(description="签发意见")


class JointDeclineIn(InSchema):
    reason: str = Field(description="不同意的理由")


def _out(r: JointSignRequest) -> dict:
    return {"id": r.pk, "document_id": r.document_id, "title": r.document.title, "doc_type": r.document.doc_type,
            "lead_agency": ref(r.document.agency), "agency": ref(r.agency), "requested_by": ref(r.requested_by),
            "requested_at": r.requested_at, "note": r.note, "body_version_id": r.body_version_id, "state": r.state,
            "decided_by": ref(r.decided_by), "decided_at": r.decided_at, "reason": r.reason,
            "signoff_id": r.signoff_id}


@router.get("/joint-signoffs", response={200: list[JointRequestOut], **error_responses(401)},
            summary="待会签签发", description="牵头机关请本人（所在机关主要领导）在系统中签发的联合行文。")
def open_requests(request):
    return [_out(r) for r in joint.open_for(caller(request)).select_related("decided_by")]


@router.post("/joint-signoffs/{request_id}/sign", response={201: JointSignOut, **error_responses(*ERRORS_WRITE)},
             summary="会签签发", description="联合发文机关主要领导本人签发所请的正文版本（正文改动后须重新发起）。")
def sign(request, request_id: PathId, payload: JointSignIn):
    signoff = joint.sign_joint(request_id, actor=caller(request), opinion=payload.opinion)
    return Status(201, {"id": signoff.pk, "request_id": request_id, "agency": ref(signoff.agency),
                        "signer_name": signoff.signer_name, "opinion": signoff.opinion, "signed_on": signoff.signed_on,
                        "body_version_id": signoff.body_version_id})


@router.post("/joint-signoffs/{request_id}/decline", response={200: JointRequestOut, **error_responses(*ERRORS_WRITE)},
             summary="不同意会签签发", description="联合发文机关主要领导不同意签发，须填写理由。")
def decline(request, request_id: PathId, payload: JointDeclineIn):
    done = joint.decline_joint(request_id, actor=caller(request), reason=payload.reason)
    return _out(JointSignRequest.objects.select_related("document__agency", "agency", "requested_by", "decided_by")
                .get(pk=done.pk))


@router.post("/drafts/{document_id}/joint-signoff-requests",
             response={201: JointRequestOut, **error_responses(*ERRORS_WRITE)},
             summary="请联合发文机关在系统中签发（办公室）",
             description="联合发文机关使用本系统时，牵头机关办公室请其主要领导在系统中签发当前正文。")
def ask(request, document_id: PathId, payload: JointAskIn):
    made = joint.request_joint_signoff(document_id, actor=caller(request), agency_id=payload.agency_id,
                                       note=payload.note)
    return Status(201, _out(JointSignRequest.objects.select_related(
        "document__agency", "agency", "requested_by", "decided_by").get(pk=made.pk)))

