"""Seals and sealing (用印).

* The seal registry: the 安全保密管理员 registers a seal of an agency with its keeper (a
  person of that agency holding the 印章管理员 post); registering makes the SM2 key pair of
  the electronic seal (public key stored, private key stored SM4-encrypted, gongwen.crypto).
  Changing the keeper and deactivating are his too (sealing.access).
* ``seal_document`` — the C01 rule: a document is sealed only when every review and
  sign-off it needs is there (the leader in charge's review, the principal head's sign-off
  where required, every co-issuing agency's head), it is numbered and rechecked after
  sign-off. The refusal names everything missing at once, and comes first — before any
  question of who holds the 用印 task — so the keeper pressing 用印 on a draft that never
  reached the node learns exactly what it lacks. Then the keeper, in person, with an active
  seal of the document's agency, at the 用印 node: the 成品 PDF gets the seal picture on
  the 成文日期, is signed (SM2 over its SM3 digest) and stored as the next version of the
  成品; the ledger (SealUse) records what was sealed on whose sign-offs; the document moves
  on to 分发.
* The binding (RULES.md §7, what is sealed is exactly what was signed): a seal use records
  the SHA-256 of the sealed 成品, the body version, the elements printed on the page
  (drafting.compose.page_elements) and the sign-offs it rests on. ``void_stale_seal`` voids
  it (a SealVoid row with the reason, a history entry and an audit event, in the caller's
  transaction) when the body, a printed element or the sign-offs change, on a return
  (退回, ``returned``, run by the engine through flow.effects) and before sealing again.
  ``current_seal_blocker`` is the one check of the binding: the 用印 node's gate
  (sealing.gates.sealed) and 分发 (exchange.services.dispatch) both ask it, and it names
  what differs — whichever way the change came in.
* ``verify`` / ``find_and_verify``: is this PDF the one that was sealed?

Signature convention: the SM2 signature (gongwen.crypto.sign, SM3 with Z and the default
user ID) is made over the 32 bytes of the SM3 digest of the sealed PDF, the digest the
ledger stores; verifying a file recomputes its digest and checks the signature over it.

Every function writes in one transaction with an audit event and refuses in Chinese,
writing nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from audit import services as audit
from documents import storage
from documents.access import can_view
from documents.models import Document, DocumentFile, FileVersion
from drafting import compose, gates, output
from drafting.models import SignOff
from flow import kit
from flow import services as flow
from flow.models import HistoryAction, NodeKind, Task, TaskRole, TaskStatus
from gongwen import crypto
from gongwen.errors import DomainError, GateClosed, NotFound, PermissionDenied
from org.models import Agency, Person
from ui.dates import cn_date

from . import access, selectors, stamp
from .models import Seal, SealUse, SealVoid

SEAL_DIAMETER_MM = 42
NOT_SEALED_NODE = "本件尚未送到用印环节，不能用印。"


# --- the seal registry ---------------------------------------------------------------------


def _clean_keeper(agency: Agency, keeper: Person | None) -> Person:
    if keeper is None:
        raise DomainError("请选择印章保管人。")
    if not selectors.keepers(agency).filter(pk=keeper.pk).exists():
        raise DomainError(f"{keeper.name}不是{agency.name}在岗的印章管理员，不能保管该机关的印章。"
                          "请先由安全保密管理员授予“印章管理员”岗位。")
    return keeper


def _locked_seal(seal_id: int) -> Seal:
    seal = Seal.objects.select_for_update(of=("self",)).select_related("agency", "keeper").filter(pk=seal_id).first()
    if seal is None:
        raise NotFound("未找到该印章。")
    return seal


@transaction.atomic
def register_seal(*, actor, agency: Agency, name: str, keeper: Person) -> Seal:
    """登记印章: a new seal of an agency with its keeper and a new SM2 key pair."""
    access.require_manage_seals(actor)
    if agency is None:
        raise DomainError("请选择机关。")
    if not agency.is_internal:
        raise DomainError(f"{agency.name}不是本系统内的机关，不能登记印章。")
    name = (name or "").strip()
    if not name:
        raise DomainError("请填写印章名称（如“示范市人民政府办公室印”）。")
    if len(name) > 60:
        raise DomainError("印章名称过长（最多60字）。")
    if Seal.objects.filter(agency=agency, name=name).exists():
        raise DomainError(f"{agency.name}已有名为“{name}”的印章。")
    keeper = _clean_keeper(agency, keeper)
    private, public = crypto.generate_keypair()
    seal = Seal.objects.create(agency=agency, name=name, keeper=keeper, public_key=public,
                               private_key_encrypted=crypto.encrypt_private(private), created_at=timezone.now())
    audit.record(actor=actor, action="sealing.register", target=seal,
                 new={"agency": agency.pk, "name": name, "keeper": keeper.pk, "public_key": public})
    return seal


@transaction.atomic
def change_keeper(seal_id: int, *, actor, keeper: Person, reason: str = "") -> Seal:
    """移交印章: another keeper of the same agency."""
    access.require_manage_seals(actor)
    seal = _locked_seal(seal_id)
    if not seal.is_active:
        raise DomainError(f"{seal.name}已停用，不能移交。")
    keeper = _clean_keeper(seal.agency, keeper)
    if keeper.pk == seal.keeper_id:
        raise DomainError(f"{seal.name}已由{keeper.name}保管。")
    old = seal.keeper
    seal.keeper = keeper
    seal.save(update_fields=["keeper"])
    audit.record(actor=actor, action="sealing.change_keeper", target=seal, old={"keeper": old.pk},
                 new={"keeper": keeper.pk, "reason": (reason or "").strip()[:300]})
    return seal


@transaction.atomic
def deactivate_seal(seal_id: int, *, actor, reason: str) -> Seal:
    """停用印章 (the ledger keeps its uses; a stopped seal cannot be used again)."""
    access.require_manage_seals(actor)
    seal = _locked_seal(seal_id)
    if not seal.is_active:
        raise DomainError(f"{seal.name}已停用。")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请写明停用理由（如印章更换、机构撤并）。")
    seal.is_active = False
    seal.save(update_fields=["is_active"])
    audit.record(actor=actor, action="sealing.deactivate", target=seal, old={"is_active": True},
                 new={"is_active": False, "reason": reason[:300]})
    return seal


# --- sealing (用印) -------------------------------------------------------------------------


def seal_check(document: Document) -> list[str]:
    """Everything the document still lacks before it may be sealed (C01); [] when it may."""
    return gates.seal_missing(document)


def missing_message(missing: list[str]) -> str:
    return (f"用印条件不满足，尚缺：{'、'.join(missing)}。"
            "请待上述审核、签发和环节完成后再用印。")


# History actions after which a 成品 made earlier no longer shows the document as it stands.
CHANGES = (HistoryAction.DRAFT, HistoryAction.BODY, HistoryAction.SIGN_OFF, HistoryAction.JOINT_SIGN_OFF,
           HistoryAction.NUMBER, HistoryAction.VOID_NUMBER, HistoryAction.RETURN)


def _final_pdf(document: Document, *, actor) -> FileVersion:
    """The newest 成品 PDF if it was made after every change of the document (sign-off,
    numbering, the body, the drafting form, a return) and was never sealed before;
    otherwise a new one (drafting.output)."""
    newest = output.latest_pdf(document, "final")
    if newest is not None and not SealUse.objects.filter(final_version=newest).exists():
        body = gates.current_body(document)
        changes = [SignOff.objects.filter(document=document).order_by("-signed_at").values_list(
                       "signed_at", flat=True).first(),
                   document.issued_numbers.filter(number=document.doc_number, voided_at__isnull=True).values_list(
                       "allocated_at", flat=True).first(),
                   body.uploaded_at if body is not None else None,
                   document.history.filter(action__in=CHANGES).order_by("-at").values_list("at", flat=True).first()]
        if all(at is None or newest.uploaded_at > at for at in changes):
            return newest
    return output.make_copy(document.pk, actor=actor, kind="final")


# --- the binding of a seal use ----------------------------------------------------------------


def seal_binding(document: Document, final_version: FileVersion | None) -> dict:
    """What a seal use put on ``final_version`` binds, as the document stands now: the file's
    SHA-256, the body version, the printed elements and the valid sign-offs (ids, newest
    instant). The fields of SealUse of the same names."""
    signoffs = list(gates.valid_signoffs(document).order_by("signed_at", "id").values_list("pk", "signed_at"))
    return {"final_version": final_version, "sha256": final_version.sha256 if final_version is not None else "",
            "body_version": gates.current_body(document), "elements": compose.page_elements(document),
            "signoff_ids": [pk for pk, _ in signoffs], "last_signoff_at": max((at for _, at in signoffs), default=None)}


def last_use(document: Document) -> SealUse | None:
    """The document's newest seal use (current or voided)."""
    return (SealUse.objects.filter(document=document).select_related("seal", "final_version", "body_version",
                                                                     "voiding")
            .order_by("-used_at", "-id").first())


def current_use(document: Document) -> SealUse | None:
    """The newest seal use, unless it was voided."""
    use = last_use(document)
    return use if use is not None and use.is_current else None


def _shown(value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value) or "（无）"
    return str(value).rstrip("：") if value not in (None, "") else "（无）"


def _version_label(version: FileVersion | None) -> str:
    return f"第{version.number}版" if version is not None else "（无）"


def _when(at) -> str:
    local = timezone.localtime(at)
    return f"{cn_date(local)} {local:%H:%M}"


def _digest(sha: str) -> str:
    return f"SHA-256 {sha[:12]}…" if sha else "未记录摘要"


def differences(use: SealUse, document: Document, *, delivering: FileVersion | None = None) -> list[str]:
    """What differs between what ``use`` sealed and the document as it stands (and, for
    分发, the file about to be delivered): one Chinese phrase per difference, [] when the
    seal use still holds."""
    found = []
    if use.elements:  # recorded by every seal since the binding exists
        now = compose.page_elements(document)
        for key, label in compose.PRINTED.items():
            then = use.elements.get(key)
            if then != now.get(key):
                found.append(f"{label}（用印时：{_shown(then)}；现为：{_shown(now.get(key))}）")
    body = gates.current_body(document)
    if (body.pk if body is not None else None) != use.body_version_id and (use.elements or use.body_version_id):
        found.append(f"正文（用印时为{_version_label(use.body_version)}，现为{_version_label(body)}）")
    signoffs = list(gates.valid_signoffs(document).order_by("signed_at", "id").values_list("pk", "signed_at"))
    if [pk for pk, _ in signoffs] != list(use.signoff_ids or []):
        found.append("签发（用印后有新的签发，或所依据的签发因正文修改已失效）")
    elif any(at > use.used_at for _, at in signoffs):
        found.append("签发（签发晚于用印）")
    final = output.latest_pdf(document, "final")
    if not use.sha256:
        found.append("成品（用印记录未载明所盖成品的摘要）")
    elif final is None or final.sha256 != use.sha256:
        found.append(f"成品（用印的是{_version_label(use.final_version)}，{_digest(use.sha256)}；"
                     f"现为{_version_label(final)}，{_digest(final.sha256 if final else '')}）")
    if delivering is not None and delivering.sha256 != use.sha256:
        found.append(f"分发的文件（《{delivering.original_name}》{_version_label(delivering)}，{_digest(delivering.sha256)}）"
                     f"不是最后用印的成品（{_version_label(use.final_version)}，{_digest(use.sha256)}）")
    return list(dict.fromkeys(found))


NOT_SEALED = "尚未用印：请由印章管理员加盖印章后再送分发。"


def current_seal_blocker(document: Document, *, delivering: FileVersion | None = None) -> str | None:
    """None when the document's last seal use is current and binds exactly what it is now —
    the 成品 file (or ``delivering``, the file 分发 would send) by its SHA-256, the body, every
    printed element and the valid sign-offs, none of them newer than the seal; otherwise the
    Chinese reason, naming what differs. The one check of the 用印 gate and of 分发."""
    use = last_use(document)
    if use is None:
        return NOT_SEALED
    if not use.is_current:
        return (f"原用印（{_when(use.used_at)}，{use.seal.name}）已作废："
                f"{use.void_reason}。须由印章管理员对当前成品重新用印。")
    found = differences(use, document, delivering=delivering)
    if found:
        return f"用印后本件已有变动，原用印不再有效，须重新用印：{'；'.join(found)}。"
    return None


def void_stale_seal(document: Document, *, actor, cause: str, force: bool = False) -> SealVoid | None:
    """Void the document's current seal use when it no longer binds the document (or always,
    with ``force``: a return, a new sign-off), with the cause and what differs as the reason;
    in the caller's transaction, the document locked by the caller. Returns the voiding, or
    None when there was nothing to void."""
    use = current_use(document)
    if use is None:
        return None
    found = differences(use, document)
    if not found and not force:
        return None
    reason = (cause + ("：" + "；".join(found) if found else ""))[:500]
    voiding = SealVoid.objects.create(seal_use=use, reason=reason, voided_by=actor, voided_at=timezone.now())
    kit.record_history(document, actor=actor, action=HistoryAction.SEAL, targets=[use.seal.name],
                       opinion=f"原用印作废（{use.seal.name}，成品{_version_label(use.final_version)}）：{reason}。须重新用印。")
    audit.record(actor=actor, action="sealing.void", target=use, old={"state": SealVoid.CURRENT},
                 new={"state": SealVoid.VOIDED, "document": document.pk, "reason": reason,
                      "sha256": use.sha256, "voiding": voiding.pk})
    return voiding


def returned(document: Document, *, actor, to_node: str, reason: str, **_context) -> None:
    """退回 (flow.effects): a document sent back to an earlier node is changed and signed
    again before it is sent out, so its seal use is void and it must be sealed again."""
    if document.is_outgoing:
        void_stale_seal(document, actor=actor, cause=f"退回“{to_node}”（{(reason or '').strip()[:100]}）", force=True)


def _seal(document_id: int, *, actor, seal_id, copies, note: str) -> SealUse:
    if actor is None:
        raise PermissionDenied("请先登录。")
    if actor.admin_role:
        raise PermissionDenied("管理员不得用印。")
    document = kit.lock_document(document_id)
    # The keeper of one of the agency's seals may be shown what a document lacks even
    # before it reached him (the paper draft brought to his desk, C01).
    if not can_view(actor, document) and not access.is_keeper_of_agency(actor, document.agency_id):
        raise NotFound()
    if not document.is_outgoing:
        raise DomainError("只有发文需要用印。")
    if not document.is_open:
        raise DomainError(f"本件{document.get_status_display()}，不能用印。")
    # C01 first: name every missing signature and step, whoever presses 用印.
    missing = seal_check(document)
    if missing:
        raise GateClosed(missing_message(missing), gate="sealed")
    current = current_use(document)
    if current is not None and not differences(current, document):
        raise DomainError(f"{document.doc_number}已用印（{_when(current.used_at)}，成品{_version_label(current.final_version)}），"
                          "原用印仍然有效，不能重复用印。")
    task = (Task.objects.select_for_update(of=("self",)).select_related("activation")
            .filter(document=document, status=TaskStatus.OPEN, role=TaskRole.MAIN, node_kind=NodeKind.SEAL,
                    assignee=actor).order_by("id").first())
    if task is None:
        holders = list(Task.objects.filter(document=document, status=TaskStatus.OPEN, role=TaskRole.MAIN,
                                           node_kind=NodeKind.SEAL).values_list("assignee__name", flat=True))
        if holders:
            raise PermissionDenied(f"本件的用印待办在{'、'.join(holders)}名下，须由印章保管人本人用印。")
        raise DomainError(NOT_SEALED_NODE, code="not_at_seal")
    try:
        seal = _locked_seal(int(seal_id))
    except (TypeError, ValueError):
        raise DomainError("请选择印章。") from None
    if seal.agency_id != document.agency_id:
        raise DomainError(f"“{seal.name}”是{seal.agency.name}的印章，不能用于{document.agency.name}的公文。")
    if not seal.is_active:
        raise DomainError(f"“{seal.name}”已停用，不能用印。")
    if seal.keeper_id != actor.pk:
        raise PermissionDenied(f"“{seal.name}”由{seal.keeper.name}保管，须由保管人本人用印。")
    if copies in (None, ""):
        copies = document.copies or 1
    try:
        copies = int(copies)
    except (TypeError, ValueError):
        raise DomainError("份数应为正整数。") from None
    if not 1 <= copies <= 10000:
        raise DomainError("份数应在1到10000之间。")
    note = (note or "").strip()
    if len(note) > 300:
        raise DomainError("备注过长（最多300字）。")

    # Sealing again: the seal use that no longer binds the document is voided first.
    void_stale_seal(document, actor=actor, cause="重新用印")
    final = _final_pdf(document, actor=actor)
    pdf = storage.read(final.storage_path, final.sha256)
    picture = stamp.seal_image_png(seal.agency.name, diameter_mm=SEAL_DIAMETER_MM)
    sealed, where = stamp.place_seal(pdf, picture, date_text=cn_date(document.issued_on),
                                     diameter_mm=SEAL_DIAMETER_MM)
    digest = crypto.sm3_hex(sealed)
    private = crypto.decrypt_private(seal.private_key_encrypted)
    signature = crypto.sign(private, seal.public_key, bytes.fromhex(digest))
    from documents.services import upload_file

    version = upload_file(actor=actor, document=document, name=f"{document.doc_number}（成品，已用印）.pdf",
                          data=sealed, role=DocumentFile.Role.FINAL, replaces=final.file)
    binding = seal_binding(document, version)
    signoffs = binding["signoff_ids"]
    use = SealUse.objects.create(
        seal=seal, document=document, doc_number=document.doc_number, title=document.title[:300],
        signers=document.signer[:200], copies=copies, used_by=actor, used_at=timezone.now(), sm3=digest,
        signature=signature, note=note, **binding)
    kit.record_history(document, actor=actor, action=HistoryAction.SEAL, task=task, from_node=task.node_name,
                       opinion=f"加盖“{seal.name}”，{copies}份（成品第{version.number}版，SM3 {digest[:16]}…）"
                               + (f"。{note}" if note else ""),
                       targets=[seal.name])
    audit.record(actor=actor, action="sealing.seal", target=use, new={
        "document": document.pk, "seal": seal.pk, "doc_number": use.doc_number, "copies": copies,
        "signoffs": signoffs, "final_version": version.pk, "sha256": version.sha256,
        "body_version": getattr(binding["body_version"], "pk", None), "sm3": digest, "signature": signature,
        "place": where})
    flow.send_on(task.pk, actor=actor, opinion="已用印。")
    return use


@transaction.atomic
def seal_document(task_id: int, *, actor, seal_id, copies=None, note: str = "") -> SealUse:
    """用印 (C01). ``task_id`` is a task on the document — normally the keeper's own 用印
    task; the keeper's open 用印 task on that document is the one completed."""
    document_id = Task.objects.filter(pk=task_id).values_list("document_id", flat=True).first()
    if document_id is None:
        raise NotFound("未找到该待办。")
    return _seal(document_id, actor=actor, seal_id=seal_id, copies=copies, note=note)


@transaction.atomic
def seal_by_document(document_id: int, *, actor, seal_id, copies=None, note: str = "") -> SealUse:
    """用印 from the document page: the same rule as ``seal_document``."""
    return _seal(document_id, actor=actor, seal_id=seal_id, copies=copies, note=note)


# --- verification (验证) --------------------------------------------------------------------

INTACT = "文件完好：与用印时的成品一致，电子签名有效。"
MODIFIED = "文件已被修改：摘要与用印记录不一致。"
BAD_SIGNATURE = "文件摘要与用印记录一致，但电子签名无效：用印记录或印章公钥可能被改动，请联系安全保密管理员。"
UNKNOWN = "没有与该文件摘要一致的用印记录：文件可能已被修改，或不是本系统加盖电子印章的成品。"
VOIDED = "文件与用印时的成品一致，电子签名有效，但该次用印已于{at}作废（{reason}），不能作为有效公文使用。"


def verify(seal_use: SealUse, data: bytes) -> dict:
    """Whether ``data`` is exactly the sealed PDF of a ledger entry, and the signature holds."""
    digest = crypto.sm3_hex(data or b"")
    intact = digest == seal_use.sm3
    valid = bool(seal_use.signature) and crypto.verify(seal_use.seal.public_key, bytes.fromhex(digest),
                                                       seal_use.signature)
    current = seal_use.is_current
    message = (INTACT if valid else BAD_SIGNATURE) if intact else MODIFIED
    if intact and valid and not current:
        message = VOIDED.format(at=_when(seal_use.voided_at), reason=seal_use.void_reason)
    return {"intact": intact and valid, "sm3": digest, "expected_sm3": seal_use.sm3, "signature_valid": valid,
            "message": message, "seal_use": seal_use, "found": True, "current": current}


def find_and_verify(data: bytes) -> dict:
    """Look the ledger entry up by the file's SM3 digest: found → verified; else not ours
    or modified."""
    digest = crypto.sm3_hex(data or b"")
    use = SealUse.objects.select_related("seal", "used_by").filter(sm3=digest).order_by("-used_at").first()
    if use is not None:
        return verify(use, data)
    return {"intact": False, "sm3": digest, "expected_sm3": None, "signature_valid": False, "message": UNKNOWN,
            "seal_use": None, "found": False, "current": False}
