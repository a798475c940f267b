"""会签签发 in the system (drafting.joint): the lead office asks a co-issuing agency that uses
the system, its principal leader signs (or declines) the body version asked for."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deadlines.models import Notification
from drafting import body as drafting_body
from drafting import gates, joint
from drafting import services as drafting
from drafting.models import JointSignRequest, SignOff
from flow.models import HistoryEvent
from gongwen.errors import NotFound, PermissionDenied
from org.models import Agency, AgencyKind
from tests.helpers import refused

pytestmark = pytest.mark.django_db

BLOCKS = [{"level": 0, "text": "为进一步做好道路运输安全工作，现将有关事项通知如下。"},
          {"level": 1, "text": "一、提高认识"}, {"level": 0, "text": "各单位要高度重视。"}]


def joint_draft(o, agencies):
    assert all(a.level == o.gov.level for a in agencies)
    document = drafting.create_draft(actor=o.handler_a, data=drafting.DraftData(
        doc_type="通知", title="示范市人民政府办公室 示范市交通运输局关于做好道路运输安全工作的通知",
        main_to=["各区人民政府"], publicity="主动公开", joint_agency_ids=[a.pk for a in agencies]))
    drafting_body.save_structured(actor=o.handler_a, document=document, blocks=BLOCKS)
    return document


@pytest.fixture
def outside(office):
    return Agency.objects.create(name="示范市道路运输协会", short_name="市运输协会", code="示运协",
                                 kind=AgencyKind.DEPARTMENT, is_internal=False)


def test_the_whole_path_lead_office_asks_and_the_other_head_signs(office):
    o = office
    document = joint_draft(o, [o.dept])
    assert "联合发文机关示范市交通运输局负责人签发" in gates.missing_signatures(document)
    earlier = timezone.localdate() - timedelta(days=2)
    request = joint.request_joint_signoff(document.pk, actor=o.clerk, agency_id=o.dept.pk, note="请沈局长签发。")
    assert request.state == JointSignRequest.State.OPEN and request.body_version == gates.current_body(document)
    note = Notification.objects.get(recipient=o.dept_head)
    assert note.url == f"/joint-signoffs/{request.pk}/" and "待会签签发" in note.title
    assert list(joint.open_for(o.dept_head)) == [request]
    assert list(joint.open_for(o.dept_clerk)) == [] and list(joint.open_for(o.clerk)) == []
    # An internal sign-off earlier keeps the later joint date as 成文日期.
    SignOff.objects.create(document=document, agency=o.gov, signer=o.principal, signer_name="陈市长",
                           is_principal=True, opinion="同意。", signed_on=earlier, body_version=request.body_version,
                           recorded_by=o.principal)
    signoff = joint.sign_joint(request.pk, actor=o.dept_head, opinion="同意联合印发。")
    assert signoff.kind == SignOff.Kind.JOINT and signoff.agency == o.dept and signoff.signer == o.dept_head
    assert signoff.is_principal and signoff.body_version == request.body_version
    request.refresh_from_db()
    assert request.state == JointSignRequest.State.SIGNED and request.signoff == signoff
    assert request.decided_by == o.dept_head
    document.refresh_from_db()
    assert "沈局长" in document.signer and "陈市长" in document.signer
    assert document.issued_on == timezone.localdate()
    assert not [m for m in gates.missing_signatures(document) if "交通运输局" in m]
    assert HistoryEvent.objects.filter(document=document, opinion__contains="沈局长在系统中签发").exists()
    assert Notification.objects.filter(recipient=o.clerk, title__contains="已签发").exists()
    assert list(joint.open_for(o.dept_head)) == []
    # Signed on the current body: no second request.
    with refused("已对当前正文签发"):
        joint.request_joint_signoff(document.pk, actor=o.clerk, agency_id=o.dept.pk)


def test_request_refusals_write_nothing(office, outside):
    o = office
    document = joint_draft(o, [o.dept, o.other_gov, outside])
    plain = drafting.create_draft(actor=o.handler_a, data=drafting.DraftData(
        doc_type="通知", title="示范市人民政府办公室关于做好道路运输安全工作的通知", main_to=["各区人民政府"],
        publicity="主动公开"))
    with refused("办公室人员", exc=PermissionDenied):
        joint.request_joint_signoff(document.pk, actor=o.handler_a, agency_id=o.dept.pk)
    with refused(exc=NotFound):
        joint.request_joint_signoff(document.pk, actor=o.dept_clerk, agency_id=o.dept.pk)
    with refused("不是本件的联合发文机关"):
        joint.request_joint_signoff(plain.pk, actor=o.clerk, agency_id=o.dept.pk)
    with refused("不使用本系统"):
        joint.request_joint_signoff(document.pk, actor=o.clerk, agency_id=outside.pk)
    with refused("示范市财政局没有主要领导账号，请改为记录纸质签发"):
        joint.request_joint_signoff(document.pk, actor=o.clerk, agency_id=o.other_gov.pk)
    joint.request_joint_signoff(document.pk, actor=o.clerk, agency_id=o.dept.pk)
    with refused("无需重复发起"):
        joint.request_joint_signoff(document.pk, actor=o.clerk, agency_id=o.dept.pk)


def test_no_body_no_request(office):
    o = office
    document = drafting.create_draft(actor=o.handler_a, data=drafting.DraftData(
        doc_type="通知", title="示范市人民政府办公室关于做好道路运输安全工作的通知", main_to=["各区人民政府"],
        publicity="主动公开", joint_agency_ids=[o.dept.pk]))
    with refused("尚无正文"):
        joint.request_joint_signoff(document.pk, actor=o.clerk, agency_id=o.dept.pk)


def test_signing_refusals_write_nothing(office):
    o = office
    document = joint_draft(o, [o.dept])
    request = joint.request_joint_signoff(document.pk, actor=o.clerk, agency_id=o.dept.pk)
    with refused("主要领导本人", exc=PermissionDenied):
        joint.sign_joint(request.pk, actor=o.clerk, opinion="同意。")  # the lead office may see, not sign
    with refused(exc=NotFound):
        joint.sign_joint(request.pk, actor=o.dept_clerk, opinion="同意。")  # not a principal leader
    with refused(exc=NotFound):
        joint.sign_joint(request.pk, actor=o.principal, opinion="同意。")  # another agency's principal
    with refused(exc=NotFound):
        joint.get_for(o.outsider, request.pk)
    with refused("请填写签发意见"):
        joint.sign_joint(request.pk, actor=o.dept_head, opinion=" ")
    with refused("请填写不同意的理由"):
        joint.decline_joint(request.pk, actor=o.dept_head, reason="")
    drafting_body.save_structured(actor=o.handler_a, document=document,
                                  blocks=[*BLOCKS, {"level": 0, "text": "特此通知。"}])
    with refused("正文已修改，请牵头机关重新发起会签签发"):
        joint.sign_joint(request.pk, actor=o.dept_head, opinion="同意。")


def test_decline_and_withdraw(office):
    o = office
    document = joint_draft(o, [o.dept])
    request = joint.request_joint_signoff(document.pk, actor=o.clerk, agency_id=o.dept.pk)
    declined = joint.decline_joint(request.pk, actor=o.dept_head, reason="第二条责任分工须再商。")
    assert declined.state == JointSignRequest.State.DECLINED and declined.reason == "第二条责任分工须再商。"
    assert Notification.objects.filter(recipient=o.clerk, title__contains="不同意").exists()
    with refused("不能再签发"):
        joint.sign_joint(request.pk, actor=o.dept_head, opinion="同意。")
    again = joint.request_joint_signoff(document.pk, actor=o.clerk, agency_id=o.dept.pk)
    with refused("办公室人员", exc=PermissionDenied):
        joint.withdraw_joint(again.pk, actor=o.handler_a)
    with refused(exc=NotFound):
        joint.withdraw_joint(again.pk, actor=o.dept_head)
    withdrawn = joint.withdraw_joint(again.pk, actor=o.clerk)
    assert withdrawn.state == JointSignRequest.State.WITHDRAWN
    with refused("不能撤回"):
        joint.withdraw_joint(again.pk, actor=o.clerk)
    assert list(joint.open_for(o.dept_head)) == []


def test_a_request_of_a_closed_document_is_no_longer_listed(office):
    from documents.models import Status

    o = office
    document = joint_draft(o, [o.dept])
    request = joint.request_joint_signoff(document.pk, actor=o.clerk, agency_id=o.dept.pk)
    assert list(joint.open_for(o.dept_head)) == [request]
    type(document).objects.filter(pk=document.pk).update(status=Status.COMPLETED)
    assert list(joint.open_for(o.dept_head)) == []
