"""The gates of drafting (发文关卡: 正文, 签发, 复核, 编号), named in flow.gates' table of
node-kind gates and checked by the engine when a node is left, and the sealing rule of C01
(``seal_missing``, which sealing asks). The 用印 and 分发 gates live with their records
(sealing.gates, exchange.gates).

Each gate takes (document, activation) and returns None when it holds or the Chinese
message naming what is missing. ``missing_signatures`` and ``seal_missing`` list every
missing signature or step, so a refusal names exactly who and what (C01).
"""

from __future__ import annotations

from documents.models import DocumentFile, FileVersion
from flow.models import AssigneeRule, NodeKind, Process, Task, TaskRole, TaskStatus
from org.models import PostKind
from org.selectors import leaders_in_charge, persons_with_post

from .models import CheckOverride, SignOff


def current_body(document) -> FileVersion | None:
    """The newest version of the document's body (正文)."""
    return (FileVersion.objects.filter(file__document=document, file__role=DocumentFile.Role.BODY)
            .order_by("-uploaded_at", "-id").first())


def _running(document) -> Process | None:
    return document.processes.filter(state__in=[Process.State.RUNNING, Process.State.COMPLETED]).order_by(
        "-started_at", "-id").first()


def valid_signoffs(document, body: FileVersion | None = None):
    """Sign-offs on the current body (a later change of the body voids them)."""
    body = body if body is not None else current_body(document)
    return SignOff.objects.filter(document=document, body_version=body).select_related("agency", "signer")


def _names(people) -> str:
    return "、".join(p.name for p in people)


def missing_signatures(document) -> list[str]:
    """Every review and sign-off the document still lacks before it may be sealed (C01):
    the leader in charge's review where the agency's chain has one, the sign-off (by the
    principal head for 上行文, important and joint documents), and the head of every
    co-issuing agency of a joint document — all on the current body."""
    missing = []
    process = _running(document)
    body = current_body(document)
    signoffs = list(valid_signoffs(document, body))
    internal = [s for s in signoffs if s.kind == SignOff.Kind.INTERNAL]
    if process is not None:
        keys = [n["key"] for n in process.nodes]
        sign_at = next((i for i, n in enumerate(process.nodes) if n["kind"] == NodeKind.SIGN_OFF), len(keys))
        for node in process.nodes[:sign_at]:
            if node["assignee_rule"] != AssigneeRule.LEADER_IN_CHARGE:
                continue
            done = Task.objects.filter(process=process, activation__node_key=node["key"], role=TaskRole.MAIN,
                                       status=TaskStatus.DONE).exists()
            if not done:
                leaders = list(leaders_in_charge(document.lead_unit)) if document.lead_unit_id else []
                who = f"分管领导（{_names(leaders)}）" if leaders else "分管领导"
                missing.append(f"{who}{node['name'].replace('领导', '') or '审核'}")
    principals = list(persons_with_post(document.agency, PostKind.PRINCIPAL_LEADER))
    if document.needs_principal_signoff:
        if not any(s.is_principal for s in internal):
            who = f"主要领导（{_names(principals)}）" if principals else "主要领导"
            missing.append(f"{who}签发")
    elif not internal:
        missing.append("领导签发")
    if document.is_joint:
        signed = {s.agency_id for s in signoffs if s.kind == SignOff.Kind.JOINT}
        for joint in document.joint_issuers.select_related("agency"):
            if joint.agency_id != document.agency_id and joint.agency_id not in signed:
                missing.append(f"联合发文机关{joint.agency.name}负责人签发")
    if signoffs == [] and SignOff.objects.filter(document=document).exists():
        missing.append("（签发后正文已修改，原签发已失效）")
    return missing


def is_numbered(document) -> bool:
    return bool(document.doc_number) and document.issued_numbers.filter(
        number=document.doc_number, voided_at__isnull=True).exists()


def is_rechecked(document) -> bool:
    """复核 done after this agency's last sign-off (a co-issuing agency's sign-off, recorded
    by the office whenever the signed page comes back, does not send the draft back)."""
    last = SignOff.objects.filter(document=document, kind=SignOff.Kind.INTERNAL).order_by("-signed_at").values_list(
        "signed_at", flat=True).first()
    if last is None:
        return False
    return Task.objects.filter(document=document, node_kind=NodeKind.RECHECK, role=TaskRole.MAIN,
                               status=TaskStatus.DONE, done_at__gte=last).exists()


def seal_missing(document) -> list[str]:
    """What 用印 still lacks (C01): every signature, the 发文字号, the 复核 after sign-off."""
    missing = missing_signatures(document)
    if not is_numbered(document):
        missing.append("编号（发文字号）")
    if not is_rechecked(document):
        missing.append("签发后复核")
    return missing


# --- the gates ------------------------------------------------------------------------------


def body_present(document, activation):
    if current_body(document) is None:
        return "尚无正文：请在线编写正文或上传 DOCX 后再送审。"
    return None


def signed_off(document, activation):
    """The 签发 node: each leader who finished it signed off (drafting.services.sign_off),
    and the principal head among them where the rules require."""
    if activation is None:
        return None
    done = Task.objects.filter(activation=activation, role=TaskRole.MAIN, status=TaskStatus.DONE)
    unsigned = done.exclude(pk__in=SignOff.objects.filter(task__activation=activation).values("task_id"))
    if unsigned.exists():
        return "请签发：填写签发意见后点击“签发”。"
    if document.needs_principal_signoff and not Task.objects.filter(
            activation=activation, role=TaskRole.MAIN, status=TaskStatus.OPEN).exists() and not activation.queue:
        if not valid_signoffs(document).filter(kind=SignOff.Kind.INTERNAL, is_principal=True).exists():
            principals = _names(persons_with_post(document.agency, PostKind.PRINCIPAL_LEADER)) or "主要领导"
            what = "上行文" if document.is_upward else ("联合行文" if document.is_joint else "重要文件")
            return f"{what}须由机关主要负责人签发，尚缺：{principals}签发。"
    return None


def checks_cleared(document, activation):
    from .checks import MUST
    from .compose import findings

    body = current_body(document)
    kept = {(o.rule, o.place) for o in CheckOverride.objects.filter(document=document, body_version=body)}
    open_findings = [f for f in findings(document) if f.severity == MUST and (f.rule, f.place) not in kept]
    if open_findings:
        listed = "；".join(f"{f.place}：{f.message}" for f in open_findings[:5])
        more = f"等{len(open_findings)}处" if len(open_findings) > 5 else ""
        return (f"检查发现必须修改的问题{more}：{listed}。请修改后再签发，"
                "或由审核人写明理由确认不改。")
    return None


def signoff_complete(document, activation):
    missing = missing_signatures(document)
    if missing:
        return f"签发不全，尚缺：{'、'.join(missing)}。"
    return None


def body_unchanged_since_signoff(document, activation):
    last = SignOff.objects.filter(document=document, kind=SignOff.Kind.INTERNAL).order_by("-signed_at", "-id").first()
    if last is None:
        return "本件尚未签发，不能复核。"
    body = current_body(document)
    if body is not None and last.body_version_id != body.pk:
        return (f"签发后正文已修改（现为第{body.number}版，签发时为第"
                f"{last.body_version.number if last.body_version_id else '—'}版），"
                f"须退回签发人（{last.signer_name}）重新签发。")
    return None


def rechecked(document, activation):
    if not is_rechecked(document):
        return "尚未经签发后复核。"
    return None


def numbered(document, activation):
    if not is_numbered(document):
        return "尚未编号：请先取得发文字号。"
    return None

