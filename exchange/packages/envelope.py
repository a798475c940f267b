"""The signed envelope every exchange package shares — the document package
(``exchange.packages.services``) and the receipt package (``exchange.packages.receipts``).

A package is a ZIP of named members plus ``signature.json``: the SM2 signature, made with
the key pair of the sending agency's active electronic seal (sealing), over the 32-byte SM3
digest of the canonical manifest — the JSON (sorted keys, no spaces, UTF-8) of
``{"format": …, "members": [[name, sha256], …] (every other member, sorted), "metadata": …}``
where "metadata" is what is signed (the document's metadata, or the receipt); with the
signer agency's name, the public key (04‖x‖y hex) and its fingerprint (SM3 of the public
key's bytes).

Here: the member names, ``PackageRefused``, writing (``sign_members``, ``zip_members``),
reading with the generic checks (``open_members``: size, ZIP structure through
gongwen.safezip, member names), ``trusted_signer`` (a registered, active key of the named
agency whose signature verifies), the signing seal and who of an agency handles packages
(``is_office``). Both kinds of package import this module; it imports neither.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile

from django.conf import settings
from django.utils import timezone

from documents.models import Document
from flow import access as flow_access
from gongwen import crypto, safezip
from gongwen.errors import DomainError
from org.models import Agency
from sealing.models import Seal

from ..models import TrustedKey

FORMAT = "gongwen-exchange/1"
METADATA = "metadata.json"
HISTORY = "history.json"
SIGNATURE = "signature.json"
RECEIPT = "receipt.json"
FILES_DIR = "files/"
MAX_MEMBERS = 200  # a package holds a handful of files; the ratio cap is settings.ZIP_MAX_RATIO
_MEMBER = re.compile(r"^files/[A-Za-z0-9_.\-]{1,80}$")


class PackageRefused(DomainError):
    """A package that failed verification; recorded as refused by ``services.import_package``."""

    def __init__(self, message: str, *, code: str = "package_refused"):
        super().__init__(message, code=code)


# --- writing and signing ------------------------------------------------------------------


def fingerprint(public_key: str) -> str:
    """The fingerprint of an SM2 public key: SM3 of its uncompressed point's bytes (hex)."""
    key = public_key.strip().lower()
    if len(key) == 128:
        key = "04" + key
    return crypto.sm3_hex(bytes.fromhex(key))


def canonical(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def pretty(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, indent=2).encode("utf-8")


def manifest(members: dict[str, bytes], metadata) -> bytes:
    """The canonical manifest the signature covers: every member but signature.json with
    its SHA-256, and the metadata."""
    rows = sorted([name, hashlib.sha256(data).hexdigest()] for name, data in members.items() if name != SIGNATURE)
    return canonical({"format": FORMAT, "members": rows, "metadata": metadata})


def is_office(actor, agency_id: int) -> bool:
    return actor is not None and not actor.admin_role and flow_access.is_office_staff(actor, agency_id)


def signing_seal(agency: Agency) -> Seal:
    """The agency's active electronic seal with a key pair (the oldest, when several)."""
    seal = (Seal.objects.select_related("agency").filter(agency=agency, is_active=True).exclude(public_key="")
            .exclude(private_key_encrypted="").order_by("id").first())
    if seal is None:
        raise DomainError(f"{agency.name}没有已登记密钥的启用电子印章，无法对交换包签名。"
                          "请安全保密管理员先为本机关登记电子印章。", code="no_seal_key")
    return seal


def sign_members(seal: Seal, members: dict[str, bytes], signed: dict, now) -> dict:
    """Sign the manifest of ``members`` and ``signed`` (the metadata, or a receipt) with the
    seal's key; adds signature.json to ``members`` and returns its content."""
    digest = crypto.sm3_digest(manifest(members, signed))
    private = crypto.decrypt_private(seal.private_key_encrypted)
    signature = {
        "算法": "SM2withSM3", "签名方": seal.agency.name, "印章": seal.name,
        "公钥": seal.public_key, "公钥指纹": fingerprint(seal.public_key),
        "清单摘要": digest.hex(), "签名": crypto.sign(private, seal.public_key, digest),
        "签名时间": timezone.localtime(now).isoformat(timespec="seconds"),
    }
    members[SIGNATURE] = canonical(signature)
    return signature


def zip_members(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


def package_name(document: Document) -> str:
    base = re.sub(r"[\\/:*?\"<>|\s]+", "", document.doc_number or "") or f"公文{document.pk}"
    return f"{base}交换包.zip"


# --- reading and checking the signer ------------------------------------------------------


def _member_names(z: safezip.SafeZip) -> list[zipfile.ZipInfo]:
    """The members, each name one a package may have (the generic checks — count, sizes,
    ratio, traversal, duplicates, encryption — were made by SafeZip on opening)."""
    infos = z.infolist()
    for info in infos:
        name = info.filename
        if name not in (METADATA, HISTORY, SIGNATURE, RECEIPT) and not _MEMBER.match(name):
            raise PackageRefused(f"交换包含有不允许的成员名“{name[:80]}”（只允许 metadata.json、history.json、"
                                 "signature.json 和 files/ 下的文件，不得含路径），已拒收。")
    return infos


def _read_member(z: safezip.SafeZip, info: zipfile.ZipInfo) -> bytes:
    try:
        data = z.read(info)
    except safezip.ZipRefused as exc:
        if exc.code != "zip_broken":
            raise
        raise PackageRefused(f"交换包的成员“{info.filename}”已损坏（校验失败），包可能已被篡改。") from None
    if len(data) != info.file_size:
        raise PackageRefused(f"交换包的成员“{info.filename}”大小与目录不符，包可能已被篡改。")
    return data


def open_zip(data: bytes) -> safezip.SafeZip:
    """The package as a bounded ZIP: a member may be a whole file (up to MAX_UPLOAD_BYTES),
    the package twice that; PackageRefused otherwise."""
    try:
        return safezip.SafeZip(data, what="交换包", max_members=MAX_MEMBERS,
                               max_member_bytes=settings.MAX_UPLOAD_BYTES,
                               max_total_bytes=settings.MAX_UPLOAD_BYTES * 2)
    except safezip.ZipRefused as exc:
        if exc.code == "zip_invalid":
            raise PackageRefused("不是有效的交换包：ZIP 结构已损坏。") from None
        raise PackageRefused(exc.message, code=exc.code) from None


def json_member(members: dict[str, bytes], name: str, kind: type):
    if name not in members:
        raise PackageRefused(f"交换包缺少 {name}，不是有效的交换包。")
    try:
        value = json.loads(members[name].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise PackageRefused(f"交换包的 {name} 不是有效的 JSON，包可能已被篡改。") from None
    if not isinstance(value, kind):
        raise PackageRefused(f"交换包的 {name} 结构不正确，不是有效的交换包。")
    return value


def open_members(data: bytes) -> dict[str, bytes]:
    """Every member of a package, size, ZIP structure and names checked; PackageRefused."""
    if len(data) > settings.MAX_UPLOAD_BYTES:
        limit = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
        raise PackageRefused(f"交换包超过大小限制（{limit} MB），已拒收。")
    if not safezip.is_zip(data):
        raise PackageRefused("不是有效的交换包：文件不是 ZIP 格式。")
    with open_zip(data) as z:
        try:
            return {info.filename: _read_member(z, info) for info in _member_names(z)}
        except safezip.ZipRefused as exc:
            raise PackageRefused(exc.message, code=exc.code) from None


def trusted_signer(members: dict[str, bytes], signature: dict, signed) -> TrustedKey:
    """The registered key that signed ``signed`` (metadata or receipt) over the members:
    the key must be registered and active, registered for the agency named as signer,
    and the SM2 signature over the manifest must verify; PackageRefused otherwise."""
    public_key = signature.get("公钥")
    try:
        print_ = fingerprint(public_key)
    except (AttributeError, TypeError, ValueError):
        raise PackageRefused("签名无效：signature.json 中的公钥格式不正确。", code="bad_signature") from None
    key = TrustedKey.objects.select_related("agency").filter(fingerprint=print_, is_active=True).first()
    if key is None:
        raise PackageRefused(f"未登记的发送机关公钥（指纹 {print_[:16]}…）：请安全保密管理员与发送机关核实后登记其公钥，"
                             "再导入。", code="unknown_key")
    signer = str(signature.get("签名方") or "")
    if signer != key.agency.name or signed.get("发送机关", signer) != key.agency.name:
        raise PackageRefused(f"签名无效：签名方“{signer[:60]}”与登记该公钥的机关“{key.agency.name}”不符。",
                             code="bad_signature")
    digest = crypto.sm3_digest(manifest(members, signed))
    if not crypto.verify(key.public_key, digest, str(signature.get("签名") or "")):
        raise PackageRefused(f"签名无效：交换包的 SM2 签名不能用{key.agency.name}登记的公钥验证，内容已被改动或并非该机关签发。",
                             code="bad_signature")
    return key
