"""Checkpoints of the audit chain outside the database (审计检查点).

The hash chain (``audit.services``) proves that no event *inside* the chain was edited or
removed, but whoever can write to the database can delete the newest events and rewrite
the head row, and the shortened chain is still a valid chain. A checkpoint anchors the chain
outside the database: the number of events and the hash of the newest one, signed with the
deployment's SM2 key, appended as one line to a file the database does not hold. Verifying
(:func:`audit.verification.verify_audit`) then finds a cut below the newest checkpoint and
names the missing range.

* The key (审计签名密钥) is made on first use and kept in a file of its own
  (``AUDIT_KEY_FILE``, by default ``AUDIT_DIR/checkpoint-sm2.key``, mode 0600); it is never
  in the database. The SM2 arithmetic is the seal's (``gongwen.crypto``: key pairs,
  signatures over SM3 with Z, verification) — nothing of it is repeated here.
* The checkpoint file (``AUDIT_CHECKPOINT_FILE``, by default ``AUDIT_DIR/checkpoints.log``)
  is only ever appended to: opened with O_APPEND, one line written with one ``write`` and
  fsync'ed, under an exclusive ``flock`` so that concurrent writers (the worker, the
  auditor's button, the command) keep their lines whole and in order. Nothing here rewrites
  or truncates it. A deployment should put ``AUDIT_DIR`` where the database administrator
  cannot write and, where the filesystem allows, make the file append-only (``chattr +a``).
* The auditor exports the file and the public key; ``manage.py verify_audit --checkpoints
  FILE --public-key FILE`` checks the chain against that copy, which nobody on the server
  can change afterwards.

A line is JSON: ``{"seq", "hash", "at", "by", "key", "signature"}`` — ``seq`` is the number
of events (the chain's 序号 run from 1 without gaps, so it is also the count), ``hash`` the
newest event's hash, ``at`` the time of writing (Asia/Shanghai), ``by`` who asked (定时任务,
命令行 or the auditor's name), ``key`` the SM3 fingerprint of the public key, ``signature``
the SM2 signature (r‖s hex) over the canonical JSON of the other five fields.

Writing a checkpoint reads the newest committed event without taking the chain's head lock:
the head lock serialises writers of events, and a checkpoint must never hold it while it
signs and syncs a file (a refusal being recorded must not wait on the disk).
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from gongwen import crypto
from gongwen.errors import DomainError, PermissionDenied

from .models import AuditEvent
from .services import record

KEY_NAME = "checkpoint-sm2.key"
LOG_NAME = "checkpoints.log"
GENESIS = "0" * 64
FIELDS = ("seq", "hash", "at", "by", "key")
TAIL_BYTES = 8192  # a line is about 350 bytes; the newest one is within the file's last 8 KiB


def audit_dir() -> Path:
    return Path(settings.AUDIT_DIR)


def key_path() -> Path:
    return Path(getattr(settings, "AUDIT_KEY_FILE", None) or audit_dir() / KEY_NAME)


def log_path() -> Path:
    return Path(getattr(settings, "AUDIT_CHECKPOINT_FILE", None) or audit_dir() / LOG_NAME)


def interval() -> timedelta:
    return timedelta(minutes=max(1, int(getattr(settings, "AUDIT_CHECKPOINT_MINUTES", 60))))


# --- the deployment's key ---------------------------------------------------------------------

@dataclass(frozen=True)
class AuditKey:
    private: str
    public: str

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public)


def fingerprint(public_key: str) -> str:
    """SM3 of the public key's uncompressed point (the way the exchange keys are printed)."""
    key = public_key.strip().lower()
    if len(key) == 128:
        key = "04" + key
    return crypto.sm3_hex(bytes.fromhex(key))


def _read_key(path: Path) -> AuditKey:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        private = str(data["private_key"])
        public = crypto.public_key_of(private)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DomainError(f"审计签名密钥文件 {path} 无法读取或已损坏，请系统运维人员核对。", code="audit_key") from exc
    return AuditKey(private, public)


def load_key(path: Path | None = None) -> AuditKey | None:
    """The deployment's key if it exists (reading never makes one)."""
    path = path or key_path()
    return _read_key(path) if path.exists() else None


def deployment_key() -> AuditKey:
    """The deployment's key, made on first use.

    Made into a temporary file (0600) and linked into place, so that two processes starting
    at once end up with the same key: the second link fails and that process reads the first.
    """
    path = key_path()
    if path.exists():
        return _read_key(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    private, public = crypto.generate_keypair()
    body = json.dumps({"algorithm": "SM2", "private_key": private, "public_key": public,
                       "created_at": timezone.localtime().isoformat(timespec="seconds")}, ensure_ascii=False)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (body + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    sync_dir(path.parent)
    return _read_key(path)


def sync_dir(directory: Path) -> None:
    """fsync a directory, so that a file just renamed into it survives a crash (ops.backup too)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def public_key_text(key: AuditKey) -> str:
    """The public key as the auditor exports it (a text file)."""
    return (
        "公文系统 审计检查点签名公钥（SM2，GB/T 32918；签名为 SM3 杂凑、默认用户标识 1234567812345678，r‖s 十六进制）\n"
        f"公钥（04‖x‖y，十六进制）：\n{key.public}\n"
        f"指纹（公钥的 SM3）：\n{key.fingerprint}\n"
        "校验：manage.py verify_audit --checkpoints checkpoints.log --public-key 本文件\n"
    )


def public_key_from_text(text: str) -> str:
    """The public key (04‖x‖y) from an exported file or a bare hex string."""
    for token in text.split():
        token = token.strip().lower()
        if len(token) == 130 and token.startswith("04") and all(c in "0123456789abcdef" for c in token):
            return token
    raise DomainError("公钥文件中没有 SM2 公钥（130 位十六进制，以 04 开头）。", code="audit_key")


# --- checkpoints ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    by: str
    key: str
    signature: str
    line: int = 0  # line number in the file (1-based); 0 when not read from the file

    def payload(self) -> bytes:
        return canonical({name: getattr(self, name) for name in FIELDS})

    def to_line(self) -> str:
        return json.dumps({**{name: getattr(self, name) for name in FIELDS}, "signature": self.signature},
                          ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @property
    def written_at(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.at)
        except ValueError:
            return None

    @property
    def at_text(self) -> str:
        at = self.written_at
        if at is None:
            return self.at
        at = timezone.localtime(at) if timezone.is_aware(at) else at
        return f"{at.year}年{at.month}月{at.day}日 {at:%H:%M}"


def canonical(fields: dict) -> bytes:
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def parse_line(text: str, number: int) -> Checkpoint:
    """One line of the file; ValueError when it is not a checkpoint at all."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not an object")
    seq, hash_, at, by, key, signature = (data.get(k) for k in (*FIELDS, "signature"))
    if not (isinstance(seq, int) and not isinstance(seq, bool) and seq >= 0):
        raise ValueError("seq")
    if not all(isinstance(v, str) for v in (hash_, at, by, key, signature)):
        raise ValueError("fields")
    return Checkpoint(seq, hash_, at, by, key, signature, number)


def head() -> tuple[int, str]:
    """The newest committed event: (序号, hash); (0, 0…0) for an empty log."""
    row = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    return (row[0], row[1]) if row else (0, GENESIS)


def _who(actor, by: str | None) -> str:
    if by:
        return by
    if actor is None:
        return "系统"
    return str(getattr(actor, "name", "") or actor)


# Who may write a checkpoint and export the file and the key: the security auditor, by the
# organisation's rule. org builds on audit, so the rule is named by dotted path and resolved
# when first asked (import_string); tests/test_seams.py imports it.
AUDITOR_RULE = "org.access.can_read_audit"


def _require_auditor(actor) -> None:
    if not import_string(AUDITOR_RULE)(actor):
        raise PermissionDenied("只有安全审计员可以写入或导出审计检查点。")


def write_checkpoint(*, actor=None, by: str | None = None, only_if_new: bool = False) -> Checkpoint | None:
    """Append a signed checkpoint of the chain's current head to the checkpoint file.

    ``actor`` None is the deployment itself (the worker's schedule, ``manage.py
    audit_checkpoint``); a person must be the security auditor, and the checkpoint is then
    recorded as an audit event (after the line is written, so the event names what was
    signed; the next checkpoint covers the event). Call it outside a transaction: it signs
    what is committed. With ``only_if_new`` nothing is written when the newest line already
    holds the current head (returns None).
    """
    if actor is not None:
        _require_auditor(actor)
    key = deployment_key()
    path = log_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # released with the descriptor
        seq, hash_ = head()
        last = newest_checkpoint(path)
        if only_if_new and last is not None and (last.seq, last.hash) == (seq, hash_):
            return None
        at = timezone.localtime().isoformat(timespec="seconds")
        unsigned = Checkpoint(seq, hash_, at, _who(actor, by), key.fingerprint, "")
        signature = crypto.sign(key.private, key.public, unsigned.payload())
        checkpoint = Checkpoint(seq, hash_, at, unsigned.by, key.fingerprint, signature)
        # a line cut short by a crash keeps its own line (verify names it); ours starts afresh
        data = (("" if _ends_cleanly(path) else "\n") + checkpoint.to_line() + "\n").encode("utf-8")
        if os.write(fd, data) != len(data):
            raise DomainError("审计检查点未能完整写入，请检查磁盘空间。", code="audit_checkpoint")
        os.fsync(fd)
    finally:
        os.close(fd)
    if actor is not None:
        with transaction.atomic():
            record(actor=actor, action="audit.checkpoint", target=("AuditCheckpoint", checkpoint.seq),
                   new={"seq": checkpoint.seq, "hash": checkpoint.hash, "at": checkpoint.at})
    return checkpoint


def _ends_cleanly(path: Path) -> bool:
    with path.open("rb") as f:
        f.seek(0, os.SEEK_END)
        if f.tell() == 0:
            return True
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


def newest_checkpoint(path: Path | None = None) -> Checkpoint | None:
    """The last line of the file, read from its end (not verified: see ``verify_audit``)."""
    path = path or log_path()
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - TAIL_BYTES))
            tail = f.read()
    except FileNotFoundError:
        return None
    lines = [line for line in tail.split(b"\n") if line.strip()]
    if not lines:
        return None
    try:
        return parse_line(lines[-1].decode("utf-8"), 0)
    except (ValueError, UnicodeDecodeError):
        return None


@dataclass
class FileReading:
    checkpoints: list[Checkpoint]  # every line that parses, in file order
    problems: list[str]  # lines that do not parse
    exists: bool


def read_checkpoints(path: Path | None = None) -> FileReading:
    path = path or log_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return FileReading([], [], False)
    checkpoints, problems = [], []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            checkpoints.append(parse_line(line.decode("utf-8"), number))
        except (ValueError, UnicodeDecodeError):
            problems.append(f"检查点文件第{number}行无法解析：该行被改动，或写入时中断。")
    return FileReading(checkpoints, problems, True)


def signature_problem(checkpoint: Checkpoint, public_key: str) -> str | None:
    """Why a line is not a genuine checkpoint of this key, or None when it is."""
    where = f"检查点文件第{checkpoint.line}行（第{checkpoint.seq}条，{checkpoint.at_text}）"
    if checkpoint.key != fingerprint(public_key):
        return (f"{where}不是用本部署的审计签名密钥签名的（密钥指纹 {checkpoint.key[:16]}…）："
                "该行是伪造的，或审计签名密钥已被更换。")
    if not crypto.verify(public_key, checkpoint.payload(), checkpoint.signature):
        return f"{where}的签名无效：该行被改动或伪造。"
    if len(checkpoint.hash) != 64 or checkpoint.written_at is None:
        return f"{where}的内容格式不正确：该行被改动或伪造。"
    return None


def require_export(actor) -> None:
    """The checkpoint file and the public key are exported by the security auditor only."""
    _require_auditor(actor)


def exported_log(*, actor) -> Path | None:
    """The checkpoint file to send to the auditor (streamed by the caller); None before the
    first checkpoint."""
    require_export(actor)
    path = log_path()
    return path if path.exists() else None


def exported_public_key(*, actor) -> AuditKey:
    require_export(actor)
    return deployment_key()
