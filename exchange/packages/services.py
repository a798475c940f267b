"""外部交换包: exchanging documents with agencies outside this deployment.

An **export** (``export_package``) is a ZIP of

* ``metadata.json`` — the document's elements under their GB/T 33480 / 条例 names (份号,
  密级和保密期限, 紧急程度, 发文机关标志, 发文字号, 签发人, 标题, 主送机关, 附件说明, 发文机关署名,
  成文日期, 附注, 抄送机关, 印发机关和印发日期, 页数, plus 文种 and 发送机关) and the list of files
  (文件名, 角色, 格式, 大小, SHA-256, 路径 = the member holding it);
* the files under ``files/`` (成品 — the sealed PDF —, 正文, 附件: the newest version of each);
* ``history.json`` — the processing history (时间, 办理人, 动作, 环节, 意见, 送至);
* ``signature.json`` — the SM2 signature, made with the key pair of the sending agency's
  active electronic seal (sealing), over the 32-byte SM3 digest of the canonical manifest:
  the JSON (sorted keys, no spaces, UTF-8) of ``{"members": [[name, sha256], …] (every
  other member, sorted), "metadata": <metadata.json parsed>}``; with the signer agency's
  name, the public key (04‖x‖y hex) and its fingerprint (SM3 of the public key's bytes)
  (the envelope, shared with the receipt package: ``exchange.packages.envelope``).

An **import** (``import_package``) checks, in this order, and refuses with a message naming
what failed: size, ZIP structure and member names (no paths outside the package, no
directories, no duplicates, bounded count and uncompressed size against zip bombs), the
three JSON members, every file's size and SHA-256 against the metadata, that the signing
key is one the security administrator registered for the sending agency (TrustedKey), the
signature, and finally the content (文种, 日期, no classified document). A refused package
is recorded (ExchangePackage status refused, with the message, and an audit event) and
nothing else is written; an accepted one becomes an incoming document of the importing
agency waiting at its 签收 node, like a document dispatched inside the deployment.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from documents import classified as policy
from documents import storage
from documents.access import can_view
from documents.locks import lock_document
from documents.models import (
    Direction,
    DocType,
    Document,
    DocumentFile,
    FileVersion,
    Layout,
    Recipient,
    SlipKind,
)
from flow import services as flow
from gongwen import crypto
from gongwen.errors import DomainError, NotFound, PermissionDenied
from org.models import AdminRole, Agency
from sealing.models import SealUse
from ui.dates import cn_date

from ..models import Delivery, ExchangePackage, TrustedKey
from .envelope import (
    FILES_DIR,
    FORMAT,
    HISTORY,
    METADATA,
    RECEIPT,
    SIGNATURE,
    PackageRefused,
    fingerprint,
    is_office,
    json_member,
    manifest,  # noqa: F401 — what the signature covers, named here beside fingerprint for the tests
    open_members,
    open_zip,
    package_name,
    pretty,
    sign_members,
    signing_seal,
    trusted_signer,
    zip_members,
)
from .receipts import accept_receipt

EXPORTED_ROLES = (DocumentFile.Role.FINAL, DocumentFile.Role.BODY, DocumentFile.Role.ATTACHMENT)
ROLE_LABELS = {DocumentFile.Role.FINAL: "成品", DocumentFile.Role.BODY: "正文", DocumentFile.Role.ATTACHMENT: "附件"}
LABEL_ROLES = {label: role for role, label in ROLE_LABELS.items()}
FORMATS = {"application/pdf": "PDF", "application/ofd": "OFD",
           "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
           "image/png": "PNG", "image/jpeg": "JPEG", "image/tiff": "TIFF"}
EXTENSIONS = {"PDF": ".pdf", "OFD": ".ofd", "DOCX": ".docx", "PNG": ".png", "JPEG": ".jpg", "TIFF": ".tif"}
ELEMENTS = ("份号", "密级和保密期限", "紧急程度", "发文机关标志", "发文字号", "签发人", "标题", "主送机关", "附件说明",
            "发文机关署名", "成文日期", "附注", "抄送机关", "印发机关和印发日期", "页数", "文种")
_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")


# --- small helpers ---------------------------------------------------------------------------


def parse_cn_date(text: str) -> date | None:
    if not text:
        return None
    match = _DATE.match(str(text).strip())
    if not match:
        raise PackageRefused(f"交换包的成文日期“{text}”格式不正确（应为“2026年3月8日”）。")
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        raise PackageRefused(f"交换包的成文日期“{text}”不是有效日期。") from None


# --- export ----------------------------------------------------------------------------------


def _recipients(document: Document, kind: str, stored: str) -> str:
    if stored:
        return stored
    return "、".join(r.name for r in document.recipients.filter(kind=kind).order_by("position", "id"))


def _issuers(document: Document) -> list[str]:
    names = [document.agency.name]
    if document.is_joint:
        names += [j.agency.name for j in document.joint_issuers.select_related("agency").order_by("position", "id")
                  if j.agency_id != document.agency_id]
    return names


def _metadata(document: Document, files: list[dict], seal_use: SealUse | None) -> dict:
    issuers = _issuers(document)
    mark = "、".join(issuers)
    if document.layout == Layout.FILE:
        mark += "文件"
    printed = cn_date(timezone.localdate(seal_use.used_at)) if seal_use else ""
    secrecy = f"{document.secrecy}★{document.secrecy_term}" if document.secrecy and document.secrecy_term \
        else document.secrecy
    return {
        "交换包格式": FORMAT,
        "份号": document.copy_number,
        "密级和保密期限": secrecy,
        "紧急程度": document.urgency,
        "发文机关标志": mark,
        "发文字号": document.doc_number,
        "签发人": document.signer,
        "标题": document.title,
        "主送机关": _recipients(document, Recipient.Kind.MAIN, document.main_recipients),
        "附件说明": document.attachments_note,
        "发文机关署名": "、".join(issuers),
        "成文日期": cn_date(document.issued_on),
        "附注": document.remarks,
        "抄送机关": _recipients(document, Recipient.Kind.COPY, document.cc_recipients),
        "印发机关和印发日期": f"{document.agency.name}　{printed}印发" if printed else "",
        "页数": document.pages,
        "文种": document.doc_type,
        "发送机关": document.agency.name,
        "文件": files,
    }


def _history(document: Document) -> list[dict]:
    return [{"时间": timezone.localtime(e.at).isoformat(timespec="seconds"),
             "办理人": e.actor.name if e.actor else "系统",
             "动作": e.get_action_display(), "环节": e.from_node, "送至": list(e.targets or []),
             "意见": e.opinion}
            for e in document.history.select_related("actor").order_by("at", "id")]


def _versions(document: Document) -> list[FileVersion]:
    out = []
    for role in EXPORTED_ROLES:
        for file in document.files.filter(role=role).order_by("id"):
            version = file.latest_version()
            if version is not None:
                out.append(version)
    return out


@transaction.atomic
def export_package(target: Document | Delivery, actor, *, delivery: Delivery | None = None) -> ExchangePackage:
    """导出外部交换包 for a sealed outgoing document (or one of its outside deliveries)."""
    if isinstance(target, Delivery):
        delivery, document = target, target.document
    else:
        document = target
    if actor is None:
        raise PermissionDenied("请先登录。")
    if actor.admin_role:
        raise PermissionDenied("管理员不得导出公文交换包。")
    document = lock_document(document.pk)
    if not can_view(actor, document):
        raise NotFound()
    if not is_office(actor, document.agency_id):
        raise PermissionDenied(f"只有{document.agency.short_name}办公室人员可以导出外部交换包。")
    policy.refuse_electronic(document, "导出外部交换包")
    if document.secrecy:  # even on a classified network: a package leaves the network
        raise DomainError(f"本件为{document.secrecy}件，外部交换包会离开本网络，不得导出。", code="classified")
    if not document.is_outgoing:
        raise DomainError("只有本机关的发文可以导出外部交换包。")
    seal_use = (SealUse.objects.filter(document=document, doc_number=document.doc_number).order_by("-used_at").first()
                if document.doc_number else None)
    if seal_use is None:
        raise DomainError("本件尚未编号用印，不能导出外部交换包。")
    from sealing.services import current_seal_blocker  # the binding, as 分发 checks it (issue 11)

    blocker = current_seal_blocker(document)
    if blocker:
        raise DomainError(f"本件不能导出外部交换包：{blocker}", code="seal_not_current")
    outside = list(Delivery.objects.filter(document=document, channel=Delivery.Channel.OUTSIDE).order_by("id"))
    if delivery is not None:
        if delivery.document_id != document.pk or delivery.channel != Delivery.Channel.OUTSIDE:
            raise DomainError("所选分发记录不是本件的系统外分发。")
    elif len(outside) == 1:
        delivery = outside[0]
    seal = signing_seal(document.agency)
    versions = _versions(document)
    if not any(v.file.role in (DocumentFile.Role.FINAL, DocumentFile.Role.BODY) for v in versions):
        raise DomainError("本件没有成品或正文文件，不能导出外部交换包。")

    members: dict[str, bytes] = {}
    files = []
    for i, version in enumerate(versions, start=1):
        data = storage.read(version.storage_path, version.sha256)
        kind = FORMATS.get(version.content_type, "")
        path = f"{FILES_DIR}{i:02d}{EXTENSIONS.get(kind, '.bin')}"
        members[path] = data
        files.append({"文件名": version.original_name or version.file.name, "角色": ROLE_LABELS[version.file.role],
                      "格式": kind, "大小": len(data), "SHA-256": version.sha256, "路径": path})
    metadata = _metadata(document, files, seal_use)
    members = {METADATA: pretty(metadata), HISTORY: pretty(_history(document)), **members}
    now = timezone.now()
    signature = sign_members(seal, members, metadata, now)
    data = zip_members(members)
    sha, rel = storage.store(data)
    package = ExchangePackage.objects.create(
        direction=ExchangePackage.Direction.EXPORT, agency=document.agency, document=document, delivery=delivery,
        counterpart=delivery.name if delivery else "", name=package_name(document), size=len(data), sha256=sha,
        storage_path=rel, signer=document.agency.name, key_fingerprint=signature["公钥指纹"],
        message=f"已用“{seal.name}”的密钥签名，含{len(files)}个文件。", by=actor, at=now)
    audit.record(actor=actor, action="exchange.package_export", target=package, new={
        "document": document.pk, "delivery": getattr(delivery, "pk", None), "sha256": sha, "size": len(data),
        "seal": seal.pk, "fingerprint": signature["公钥指纹"], "files": [f["SHA-256"] for f in files]})
    return package


# --- reading and verifying a package ----------------------------------------------------------


@dataclass
class Verified:
    metadata: dict
    history: list
    signature: dict
    files: list[tuple[dict, bytes]] = field(default_factory=list)
    key: TrustedKey | None = None


def read_package(data: bytes, members: dict[str, bytes] | None = None) -> tuple[dict[str, bytes], dict, list, dict]:
    """The members and the three JSON parts of a package, structure checked; PackageRefused."""
    if members is None:
        members = open_members(data)
    if RECEIPT in members:
        raise PackageRefused("这是回执包，不是公文交换包。")
    metadata = json_member(members, METADATA, dict)
    history = json_member(members, HISTORY, list)
    signature = json_member(members, SIGNATURE, dict)
    return members, metadata, history, signature


def verify_package(data: bytes, members: dict[str, bytes] | None = None) -> Verified:
    """Every check of an incoming package; raises PackageRefused naming what failed."""
    members, metadata, history, signature = read_package(data, members)
    listed = metadata.get("文件")
    if not isinstance(listed, list) or not all(isinstance(f, dict) for f in listed):
        raise PackageRefused("交换包的 metadata.json 缺少文件清单，不是有效的交换包。")
    files = []
    paths = set()
    for entry in listed:
        path, name = entry.get("路径"), str(entry.get("文件名") or entry.get("路径") or "")[:100]
        if not isinstance(path, str) or path not in members or not path.startswith(FILES_DIR) or path in paths:
            raise PackageRefused(f"交换包缺少文件“{name}”，包不完整或已被篡改。")
        paths.add(path)
        content = members[path]
        if entry.get("大小") != len(content) or hashlib.sha256(content).hexdigest() != entry.get("SHA-256"):
            raise PackageRefused(f"文件“{name}”的摘要不符，包已被篡改。", code="digest_mismatch")
        files.append((entry, content))
    extra = sorted(n for n in members if n.startswith(FILES_DIR) and n not in paths)
    if extra:
        raise PackageRefused(f"交换包含有清单以外的文件“{extra[0]}”，包已被篡改。")

    key = trusted_signer(members, signature, metadata)
    return Verified(metadata=metadata, history=history, signature=signature, files=files, key=key)


# --- import ----------------------------------------------------------------------------------


def _text(metadata: dict, key: str, limit: int) -> str:
    value = metadata.get(key) or ""
    if not isinstance(value, str | int):
        raise PackageRefused(f"交换包的“{key}”格式不正确。")
    return str(value).strip()[:limit]


def _content(verified: Verified) -> dict:
    """The incoming document's fields from a verified package (refuses what cannot be)."""
    m = verified.metadata
    secrecy = _text(m, "密级和保密期限", 40)
    if secrecy or _text(m, "份号", 6):
        raise PackageRefused(f"交换包标明为密件（{secrecy or '有份号'}），密件不得通过外部交换传递，请按纸质密件办理。",
                             code="classified")
    title = _text(m, "标题", 300)
    if not title:
        raise PackageRefused("交换包缺少标题，不是有效的交换包。")
    doc_type = _text(m, "文种", 10)
    if doc_type not in DocType.values:
        raise PackageRefused(f"交换包的文种“{doc_type}”不是有效的公文文种。")
    urgency = _text(m, "紧急程度", 4)
    if urgency not in ("", "特急", "加急", "特提", "平急"):
        raise PackageRefused(f"交换包的紧急程度“{urgency}”不正确。")
    pages = m.get("页数")
    if pages is not None and (not isinstance(pages, int) or pages < 0):
        raise PackageRefused("交换包的页数不正确。")
    kinds = []
    for entry, content in verified.files:
        role = LABEL_ROLES.get(entry.get("角色"))
        if role is None:
            raise PackageRefused(f"交换包中文件的角色“{str(entry.get('角色'))[:20]}”不正确。")
        try:
            content_type = storage.sniff(content)  # a DOCX/OFD bomb or a PDF with scripts inside the package
        except DomainError as exc:
            raise PackageRefused(f"交换包中的文件“{str(entry.get('文件名'))[:100]}”被拒绝：{exc.message}",
                                 code=exc.code) from None
        if content_type is None:
            raise PackageRefused(f"交换包中的文件“{str(entry.get('文件名'))[:100]}”不是允许的格式（PDF、OFD、DOCX、图片）。")
        kinds.append((role, content_type))
    if not any(role in (DocumentFile.Role.FINAL, DocumentFile.Role.BODY) for role, _ in kinds):
        raise PackageRefused("交换包没有成品或正文文件，不是有效的交换包。")
    return {"title": title, "doc_type": doc_type, "urgency": urgency, "pages": pages,
            "doc_number": _text(m, "发文字号", 60), "signer": _text(m, "签发人", 60),
            "issued_on": parse_cn_date(_text(m, "成文日期", 20)),
            "main_recipients": _text(m, "主送机关", 300), "cc_recipients": _text(m, "抄送机关", 500),
            "attachments_note": _text(m, "附件说明", 500), "remarks": _text(m, "附注", 500), "kinds": kinds}


def _record_refused(agency: Agency, actor, name: str, data: bytes, error: PackageRefused, partial: dict):
    with transaction.atomic():
        package = ExchangePackage.objects.create(
            direction=ExchangePackage.Direction.IMPORT, status=ExchangePackage.Status.REFUSED, agency=agency,
            counterpart=partial.get("signer", "")[:100], name=(name or "交换包.zip")[:200], size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), signer=partial.get("signer", "")[:200],
            key_fingerprint=partial.get("fingerprint", "")[:64], message=error.message[:500], by=actor)
        audit.record(actor=actor, action="exchange.package_refused", target=package,
                     new={"agency": agency.pk, "name": package.name, "sha256": package.sha256,
                          "message": error.message, "code": error.code})
    return package


def _partial(data: bytes) -> dict:
    """Who the package says signed it, for the refusal record (best effort, never raises)."""
    try:
        with open_zip(data) as z:
            info = z.getinfo(SIGNATURE)
            if info.file_size > 64 * 1024:
                return {}
            signature = json.loads(z.read(info).decode("utf-8"))
        return {"signer": str(signature.get("签名方") or ""), "fingerprint": str(signature.get("公钥指纹") or "")}
    except Exception:  # a broken package: nothing to tell
        return {}


def require_import(agency: Agency, actor) -> None:
    if actor is None:
        raise PermissionDenied("请先登录。")
    if actor.admin_role:
        raise PermissionDenied("管理员不得导入公文交换包。")
    if agency is None or not agency.is_internal:
        raise DomainError("请选择本系统内的收文机关。")
    if not is_office(actor, agency.pk):
        raise PermissionDenied(f"只有{agency.short_name}办公室人员可以导入外部交换包。")


def import_package(agency: Agency, actor, name: str, data: bytes) -> ExchangePackage:
    """导入外部交换包 into ``agency``'s sign-for queue. A package that fails any check is
    recorded as refused (and audited) and DomainError is raised; nothing else is written."""
    from exchange.services import is_superior, receiving_clerks

    require_import(agency, actor)
    data = bytes(data or b"")
    try:
        members = open_members(data)
        if RECEIPT in members:
            return accept_receipt(agency, actor, name, data, members)
        clerks = receiving_clerks(agency)
        if not clerks:
            raise DomainError(f"{agency.name}没有文书岗位，无法签收导入的公文，请联系系统管理员。")
        verified = verify_package(data, members)
        content = _content(verified)
        sha = hashlib.sha256(data).hexdigest()
        if ExchangePackage.objects.filter(direction=ExchangePackage.Direction.IMPORT, agency=agency, sha256=sha,
                                          status=ExchangePackage.Status.OK).exists():
            raise PackageRefused("该交换包已导入过，不能重复导入。", code="duplicate")
        if verified.key.agency_id == agency.pk:
            raise PackageRefused("这是本机关自己导出的交换包，不能导入本机关。", code="own_package")
        return _accept(agency, actor, name, data, verified, content, clerks, is_superior)
    except PackageRefused as error:
        _record_refused(agency, actor, name, data, error, _partial(data))
        raise DomainError(error.message, code=error.code) from None


@transaction.atomic
def _accept(agency, actor, name, data, verified: Verified, content: dict, clerks, is_superior) -> ExchangePackage:
    from deadlines.notify import notify

    sender = verified.key.agency
    now = timezone.now()
    incoming = Document.objects.create(
        agency=agency, direction=Direction.INCOMING,
        slip_kind=SlipKind.RELAY if is_superior(sender, agency) else SlipKind.INTAKE,
        doc_type=content["doc_type"], title=content["title"], sender=sender, sender_name=sender.name,
        doc_number=content["doc_number"], urgency=content["urgency"], signer=content["signer"],
        issued_on=content["issued_on"], copies=1, pages=content["pages"],
        main_recipients=content["main_recipients"], cc_recipients=content["cc_recipients"],
        attachments_note=content["attachments_note"], remarks=content["remarks"], received_at=now,
        created_at=now, updated_at=now)
    for (entry, body), (role, content_type) in zip(verified.files, content["kinds"], strict=True):
        sha, rel = storage.store(body)
        if sha != entry["SHA-256"]:
            raise storage.FileCorrupted("文件校验失败：写入存储的内容与交换包的摘要不一致，已停止导入。",
                                        code="file_corrupted")
        original = str(entry.get("文件名") or entry["路径"])[:200]
        file = DocumentFile.objects.create(document=incoming, role=role, name=original, created_at=now)
        FileVersion.objects.create(file=file, number=1, original_name=original, content_type=content_type,
                                   size=len(body), sha256=sha, storage_path=rel, uploaded_by=actor, uploaded_at=now)
    flow.start_process(incoming, actor=actor)  # waits at 签收 for the agency's clerks
    sha, rel = storage.store(data)
    package = ExchangePackage.objects.create(
        direction=ExchangePackage.Direction.IMPORT, status=ExchangePackage.Status.OK, agency=agency,
        document=incoming, counterpart=sender.name, name=(name or "交换包.zip")[:200], size=len(data), sha256=sha,
        storage_path=rel, signer=sender.name, key_fingerprint=verified.key.fingerprint,
        message=f"签名有效（{sender.name}登记的公钥），{len(verified.files)}个文件摘要相符，已送签收。", by=actor, at=now)
    audit.record(actor=actor, action="exchange.package_import", target=package, new={
        "agency": agency.pk, "document": incoming.pk, "sender": sender.pk, "sha256": sha,
        "fingerprint": verified.key.fingerprint, "files": [e["SHA-256"] for e, _ in verified.files]})
    url = reverse("web:document", args=[incoming.pk])
    for clerk in clerks:
        notify(clerk, title=f"待签收：{sender.short_name}《{incoming.title}》（外部交换）",
               body=f"{sender.name}{incoming.doc_number}经外部交换包导入{agency.short_name}，请签收。",
               url=url, document=incoming)
    return package


# --- reading stored packages -----------------------------------------------------------------


def visible_packages(actor):
    """The packages of the actor's agency, for its office staff."""
    if actor is None or actor.admin_role or not is_office(actor, actor.agency_id):
        raise PermissionDenied("只有办公室人员可以查看本机关的外部交换包。")
    return (ExchangePackage.objects.filter(agency_id=actor.agency_id)
            .select_related("document", "delivery", "by").order_by("-at", "-id"))


def get_package(actor, pk: int) -> ExchangePackage:
    package = visible_packages(actor).filter(pk=pk).first()
    if package is None:
        raise NotFound("未找到该交换包或您无权查看。")
    return package


def package_data(actor, pk: int) -> tuple[ExchangePackage, bytes]:
    """The stored ZIP of a package (SHA-256 checked on read); refused packages keep none."""
    package = get_package(actor, pk)
    if not package.storage_path:
        raise NotFound("该交换包已拒收，未保存其内容。")
    return package, storage.read(package.storage_path, package.sha256)


def contents(package: ExchangePackage) -> dict:
    """What a stored package says: metadata, history and signature (for its page)."""
    if not package.storage_path:
        return {}
    members = open_members(storage.read(package.storage_path, package.sha256))
    if RECEIPT in members:
        return {"receipt": json_member(members, RECEIPT, dict), "signature": json_member(members, SIGNATURE, dict)}
    _members, metadata, history, signature = read_package(b"", members)
    return {"metadata": metadata, "history": history, "signature": signature}


def exportable_deliveries(document: Document) -> list[Delivery]:
    return list(Delivery.objects.filter(document=document, channel=Delivery.Channel.OUTSIDE).order_by("kind", "id"))


# --- trusted keys (安全保密管理员) ---------------------------------------------------------------


def can_manage_keys(person) -> bool:
    return person is not None and person.is_active and person.admin_role == AdminRole.SECURITY


def _require_manage_keys(person) -> None:
    if not can_manage_keys(person):
        raise PermissionDenied("只有安全保密管理员可以登记或停用外部交换公钥。")


@transaction.atomic
def register_key(*, actor, agency: Agency, public_key: str, note: str = "") -> TrustedKey:
    """登记外部交换公钥: the SM2 public key ``agency`` signs its exchange packages with."""
    _require_manage_keys(actor)
    if agency is None:
        raise DomainError("请选择发送机关。")
    key = re.sub(r"\s+", "", public_key or "").lower()
    try:
        crypto.public_xy(key)
    except ValueError:
        raise DomainError("公钥格式不正确：应为 SM2 公钥（04 开头的130位十六进制，或128位十六进制），且在曲线上。") from None
    if len(key) == 128:
        key = "04" + key
    print_ = fingerprint(key)
    existing = TrustedKey.objects.select_related("agency").filter(fingerprint=print_).first()
    if existing is not None:
        raise DomainError(f"该公钥已登记给{existing.agency.name}（{'有效' if existing.is_active else '已停用'}）。")
    trusted = TrustedKey.objects.create(agency=agency, public_key=key, fingerprint=print_,
                                        note=(note or "").strip()[:300], registered_by=actor)
    audit.record(actor=actor, action="exchange.key_register", target=trusted,
                 new={"agency": agency.pk, "fingerprint": print_, "public_key": key})
    return trusted


@transaction.atomic
def revoke_key(key_id: int, *, actor, reason: str = "") -> TrustedKey:
    _require_manage_keys(actor)
    key = TrustedKey.objects.select_for_update().filter(pk=key_id).first()
    if key is None:
        raise NotFound("未找到该公钥。")
    if not key.is_active:
        raise DomainError("该公钥已停用。")
    key.is_active, key.revoked_at = False, timezone.now()
    key.save(update_fields=["is_active", "revoked_at"])
    audit.record(actor=actor, action="exchange.key_revoke", target=key, old={"is_active": True},
                 new={"is_active": False, "reason": (reason or "").strip()[:300]})
    return key
