"""Drafting form, sign-off rules, joint sign-offs, findings kept with a reason, 发文字号."""

from datetime import timedelta

import pytest
from django.utils import timezone

from documents.models import Direction, IssuedNumber, NumberSeries, Recipient
from documents.services import upload_file
from drafting import gates
from drafting import services as drafting
from drafting.models import CheckOverride, SignOff
from drafting.render import BodyParagraph, RenderInput, render_docx
from flow import services as flow
from flow.models import Decision, NodeKind, TaskRole
from gongwen.errors import GateClosed, PermissionDenied
from tests.helpers import diff, open_task, refused, snapshot

pytestmark = pytest.mark.django_db

BODY = ["为进一步做好道路运输安全工作，现将有关事项通知如下。", "一、提高认识", "各单位要高度重视。"]


def draft_data(o, **over):
    data = {"doc_type": "通知", "title": "示范市人民政府办公室关于做好道路运输安全工作的通知",
            "main_to": [o.dept.pk, "各区人民政府"], "copy_to": [], "publicity": "主动公开"}
    data.update(over)
    return drafting.DraftData(**data)


def docx_for(document, paragraphs=BODY) -> bytes:
    return render_docx(RenderInput(agency_mark=document.agency.name, title=document.title,
                                   main_recipients=document.main_recipients + "：",
                                   body=[BodyParagraph(p) for p in paragraphs],
                                   issuing_agency=document.agency.name, date="2026年3月9日"))


def with_body(document, actor, paragraphs=BODY):
    return upload_file(actor=actor, document=document, name="正文.docx", data=docx_for(document, paragraphs),
                       replaces=document.files.filter(role="body").first())


def to_sign_off(o, document):
    """拟稿 → 处室审核 → 初核 → 办公室领导审核 (the routine chain) → 签发."""
    with_body(document, o.handler_a)
    flow.send_on(open_task(document, o.handler_a).pk, actor=o.handler_a, opinion="请审核。")
    flow.send_on(open_task(document, o.head_a).pk, actor=o.head_a, opinion="同意。")
    flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="已核。")
    flow.send_on(open_task(document, o.director).pk, actor=o.director, opinion="拟同意，请领导签发。")


@pytest.fixture
def series(office):
    return NumberSeries.objects.create(agency=office.gov, code="示府办发", name="府办发文")


def test_create_draft_starts_at_the_drafter(office):
    o = office
    document = drafting.create_draft(actor=o.handler_a, data=draft_data(o))
    assert document.direction == Direction.OUTGOING and document.slip_kind == "routine"
    assert document.lead_unit == o.div_a and document.drafted_by == o.handler_a
    assert document.main_recipients == "示范市交通运输局、各区人民政府"
    assert [(r.kind, r.agency_id, r.name) for r in document.recipients.all()] == [
        (Recipient.Kind.MAIN, o.dept.pk, o.dept.name), (Recipient.Kind.MAIN, None, "各区人民政府")]
    assert open_task(document, o.handler_a).node_kind == NodeKind.DRAFT
    assert document.writing_direction == "down"


@pytest.mark.parametrize("over, message", [
    ({"doc_type": "信件"}, "请选择文种"),
    ({"title": " "}, "请填写标题"),
    ({"publicity": ""}, "公开属性"),
    ({"publicity": "不予公开"}, "不予公开的理由"),
    ({"main_to": []}, "请填写主送机关"),
    ({"copy_to": ["各区人民政府"]}, "不能既是主送又是抄送"),
    ({"is_proxy_draft": True}, "代拟机关"),
    ({"secrecy": "秘密", "secrecy_term": "11年", "publicity": "不予公开", "publicity_reason": "涉密"}, "不能超过10年"),
    ({"urgency": "特提"}, "紧急程度"),
])
def test_create_draft_refusals_write_nothing(office, over, message):
    before = snapshot()
    with refused(message):
        drafting.create_draft(actor=office.handler_a, data=draft_data(office, **over))
    assert diff(before, snapshot()) == []


def test_joint_agency_must_be_of_the_same_level(office):
    o = office
    with refused("同级机关"):
        drafting.create_draft(actor=o.handler_a, data=draft_data(o, joint_agency_ids=[o.province.pk]))


def test_draft_cannot_go_to_review_without_a_body(office):
    o = office
    document = drafting.create_draft(actor=o.handler_a, data=draft_data(o))
    with refused("尚无正文", exc=GateClosed):
        flow.send_on(open_task(document, o.handler_a).pk, actor=o.handler_a, opinion="请审核。")


def test_sign_off_by_the_leader_in_charge_fills_signer_and_date(office):
    o = office
    document = drafting.create_draft(actor=o.handler_a, data=draft_data(o))
    to_sign_off(o, document)
    task = open_task(document, o.leader_a)
    assert task.node_kind == NodeKind.SIGN_OFF
    # The generic 送下一步 cannot skip the sign-off.
    with refused("请签发", exc=GateClosed):
        flow.send_on(task.pk, actor=o.leader_a, opinion="同意。")
    with refused("签发意见"):
        drafting.sign_off(task.pk, actor=o.leader_a, opinion=" ")
    signoff = drafting.sign_off(task.pk, actor=o.leader_a, opinion="同意印发。")
    document.refresh_from_db()
    assert document.signer == "周副市长" and document.issued_on == timezone.localdate()
    assert signoff.body_version == gates.current_body(document)
    assert open_task(document, o.secretary).node_kind == NodeKind.RECHECK


def test_upward_document_needs_the_principal_head(office):
    o = office
    document = drafting.create_draft(actor=o.handler_a, data=draft_data(
        o, doc_type="请示", title="示范市人民政府办公室关于申请道路运输安全专项资金的请示", main_to=[o.province.pk]))
    assert document.is_upward and document.needs_principal_signoff
    with_body(document, o.handler_a, ["为做好道路运输安全工作，拟申请专项资金。", "妥否，请批示。"])
    flow.send_on(open_task(document, o.handler_a).pk, actor=o.handler_a, opinion="请审核。")
    flow.send_on(open_task(document, o.head_a).pk, actor=o.head_a, opinion="同意。")
    flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="已核。")
    # The director cannot send a 请示 to the leader in charge alone for sign-off.
    with refused("主要负责人签发：请选择陈市长"):
        flow.send_on(open_task(document, o.director).pk, actor=o.director, opinion="请签发。",
                     next_assignees=[o.leader_a])
    flow.send_on(open_task(document, o.director).pk, actor=o.director, opinion="请签发。",
                 next_assignees=[o.leader_a, o.principal], next_mode="sequential")
    drafting.sign_off(open_task(document, o.leader_a).pk, actor=o.leader_a, opinion="同意，请陈市长签发。")
    assert gates.missing_signatures(document) == ["主要领导（陈市长）签发"]
    drafting.sign_off(open_task(document, o.principal).pk, actor=o.principal, opinion="同意上报。")
    document.refresh_from_db()
    assert document.signer == "陈市长"
    assert gates.missing_signatures(document) == []


def test_a_stand_in_cannot_sign_off(office):
    from org.services import create_delegation

    o = office
    document = drafting.create_draft(actor=o.handler_a, data=draft_data(o))
    to_sign_off(o, document)
    create_delegation(actor=o.leader_a, from_person=o.leader_a, to_person=o.leader_b, starts_at=timezone.now(),
                      ends_at=timezone.now() + timedelta(days=3), reason="出差")
    with refused("本人办理", exc=PermissionDenied):
        drafting.sign_off(open_task(document, o.leader_a).pk, actor=o.leader_b, opinion="同意。")


def test_countersign_disagreement_blocks_sign_off_until_resolved(office):
    o = office
    document = drafting.create_draft(actor=o.handler_a, data=draft_data(o))
    with_body(document, o.handler_a)
    draft_task = open_task(document, o.handler_a)
    flow.request_countersign(draft_task.pk, actor=o.handler_a, units=[o.div_b], note="请会签。")
    flow.countersign(open_task(document, o.head_b, TaskRole.COUNTERSIGN).pk, actor=o.head_b,
                     decision=Decision.DISAGREE, opinion="第二条与我处职责不符。")
    with refused("分歧处理", exc=GateClosed):
        flow.send_on(draft_task.pk, actor=o.handler_a, opinion="请审核。")
    flow.resolve_disagreement(draft_task.pk, actor=o.handler_a, resolution="已与综合二处协商，删去第二条。")
    flow.send_on(draft_task.pk, actor=o.handler_a, opinion="请审核。")


def test_body_changed_after_sign_off_goes_back_to_the_signer(office):
    o = office
    document = drafting.create_draft(actor=o.handler_a, data=draft_data(o))
    to_sign_off(o, document)
    drafting.sign_off(open_task(document, o.leader_a).pk, actor=o.leader_a, opinion="同意印发。")
    recheck = open_task(document, o.secretary)
    with_body(document, o.secretary, BODY + ["二、加强检查"])
    with refused("须退回签发人（周副市长）", exc=GateClosed):
        flow.send_on(recheck.pk, actor=o.secretary, opinion="已复核。")
    assert "签发后正文已修改" in "".join(gates.missing_signatures(document))
    sign_activation = next(a for a in flow.return_targets(recheck) if a.node_kind == NodeKind.SIGN_OFF)
    flow.return_task(recheck.pk, actor=o.secretary, to_activation_id=sign_activation.pk,
                     reason="复核时修改了正文，请重新签发。", error_category="内容")
    drafting.sign_off(open_task(document, o.leader_a).pk, actor=o.leader_a, opinion="同意。")
    flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="已复核。")
    assert gates.is_rechecked(document)


def test_joint_document_needs_every_agency_head_and_takes_the_last_date(office):
    o = office
    document = drafting.create_draft(actor=o.handler_a, data=draft_data(o, joint_agency_ids=[o.other_gov.pk]))
    with_body(document, o.handler_a)
    assert document.is_joint
    missing = gates.missing_signatures(document)
    assert "联合发文机关示范市财政局负责人签发" in missing and "主要领导（陈市长）签发" in missing
    with refused("办公室人员", exc=PermissionDenied):
        drafting.record_joint_signoff(document.pk, actor=o.handler_a, agency_id=o.other_gov.pk, signer_name="钱局长",
                                      signed_on=timezone.localdate())
    with refused("不能晚于今天"):
        drafting.record_joint_signoff(document.pk, actor=o.clerk, agency_id=o.other_gov.pk, signer_name="钱局长",
                                      signed_on=timezone.localdate() + timedelta(days=1))
    with refused("不是本件的联合发文机关"):
        drafting.record_joint_signoff(document.pk, actor=o.clerk, agency_id=o.dept.pk, signer_name="沈局长",
                                      signed_on=timezone.localdate())
    yesterday = timezone.localdate() - timedelta(days=1)
    drafting.record_joint_signoff(document.pk, actor=o.clerk, agency_id=o.other_gov.pk, signer_name="钱局长",
                                  signed_on=yesterday)
    document.refresh_from_db()
    assert document.issued_on == yesterday and "钱局长" in document.signer
    assert "联合发文机关示范市财政局负责人签发" not in gates.missing_signatures(document)


def test_numbering_only_at_the_number_node_and_voiding(office, series):
    o = office
    document = drafting.create_draft(actor=o.handler_a, data=draft_data(o))
    with refused("编号"):
        drafting.number(open_task(document, o.handler_a).pk, actor=o.handler_a, series_id=series.pk)
    to_sign_off(o, document)
    drafting.sign_off(open_task(document, o.leader_a).pk, actor=o.leader_a, opinion="同意印发。")
    flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="已复核。")
    task = open_task(document, o.clerk)
    with refused("尚未编号", exc=GateClosed):
        flow.send_on(task.pk, actor=o.clerk, opinion="")
    with refused("请选择发文代字"):
        drafting.number(task.pk, actor=o.clerk)
    first = drafting.number(task.pk, actor=o.clerk, series_id=series.pk)
    year = timezone.localdate().year
    assert first.number == f"示府办发〔{year}〕1号"
    with refused("已编号"):
        drafting.number(task.pk, actor=o.clerk, series_id=series.pk)
    with refused("作废理由"):
        drafting.void_number(first.pk, actor=o.clerk, reason="")
    drafting.void_number(first.pk, actor=o.clerk, reason="代字选错，应为府办函。")
    document.refresh_from_db()
    assert document.doc_number == ""
    second = drafting.number(task.pk, actor=o.clerk, series_id=series.pk)
    assert second.seq == 2  # the voided number is never reused
    assert [(n.seq, n.is_void) for n in IssuedNumber.objects.order_by("seq")] == [(1, True), (2, False)]
    flow.send_on(task.pk, actor=o.clerk, opinion="已编号。")
    document.refresh_from_db()
    assert gates.seal_missing(document) == []


def test_a_must_fix_finding_blocks_sign_off_unless_kept_with_a_reason(office):
    o = office
    document = drafting.create_draft(actor=o.handler_a, data=draft_data(o))
    with_body(document, o.handler_a, BODY + ["联系人：XXX，电话：×××。"])
    flow.send_on(open_task(document, o.handler_a).pk, actor=o.handler_a, opinion="请审核。")
    flow.send_on(open_task(document, o.head_a).pk, actor=o.head_a, opinion="同意。")
    flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="已核。")
    flow.send_on(open_task(document, o.director).pk, actor=o.director, opinion="请签发。")
    task = open_task(document, o.leader_a)
    from drafting.compose import findings

    musts = [f for f in findings(document) if f.severity == "must"]
    assert any(f.rule == "text.placeholder" for f in musts)
    before = snapshot()
    with refused("必须修改", exc=GateClosed):
        drafting.sign_off(task.pk, actor=o.leader_a, opinion="同意。")
    assert diff(before, snapshot()) == []
    with refused("理由"):
        drafting.keep_finding(document.pk, actor=o.leader_a, rule=musts[0].rule, place=musts[0].place, reason=" ")
    for f in musts:
        drafting.keep_finding(document.pk, actor=o.leader_a, rule=f.rule, place=f.place, reason="联系人待定，印发前由办公室补填。")
    assert CheckOverride.objects.filter(document=document).count() == len(musts)
    drafting.sign_off(task.pk, actor=o.leader_a, opinion="同意。")
    assert SignOff.objects.filter(document=document).count() == 1


def test_keep_finding_needs_a_reviewer(office):
    o = office
    document = drafting.create_draft(actor=o.handler_a, data=draft_data(o))
    with_body(document, o.handler_a)
    with refused("审核、签发或复核", exc=PermissionDenied):
        drafting.keep_finding(document.pk, actor=o.handler_a, rule="x", place="y", reason="z")
