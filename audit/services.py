"""Writing and verifying the audit hash chain.

Hand-written because the chain must be written inside the caller's transaction (so a
refused operation leaves no event) and serialised through one locked head row; the
audit packages we looked at log through signals after the fact.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from .middleware import client_address
from .models import AuditEvent, AuditHead


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _digest(prev_hash: str, fields: dict) -> str:
    payload = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def _fields(event: AuditEvent) -> dict:
    return {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "old": event.old,
        "new": event.new,
        "client_address": event.client_address,
    }


def record(*, actor, action: str, target, old=None, new=None) -> AuditEvent:
    """Append one event. Must run inside the service's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside transaction.atomic()")
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:  # a database migrated before the head row existed
        AuditHead.objects.get_or_create(pk=1)
        head = AuditHead.objects.select_for_update().get(pk=1)
    if isinstance(target, tuple):
        target_type, target_id = target
    else:
        target_type, target_id = type(target).__name__, target.pk
    event = AuditEvent(
        seq=head.last_seq + 1,
        at=timezone.now(),
        actor_id=getattr(actor, "pk", None),
        actor_name=str(getattr(actor, "name", "") or getattr(actor, "username", "") or ("系统" if actor is None else actor)),
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        old=_jsonable(old),
        new=_jsonable(new),
        client_address=client_address.get(),
        prev_hash=head.last_hash,
    )
    event.hash = _digest(event.prev_hash, _fields(event))
    event.save()
    head.last_seq = event.seq
    head.last_hash = event.hash
    head.save(update_fields=["last_seq", "last_hash"])
    return event


@dataclass
class Walk:
    """One pass over the chain: the first broken link (if any), the events checked before
    it, the highest 序号 present, and the stored hashes at the 序号 asked for."""

    ok: bool = True
    message: str = ""
    count: int = 0
    last_seq: int = 0
    hashes: dict[int, str] = field(default_factory=dict)
    first_at: datetime | None = None


def walk_chain(wanted: set[int] = frozenset()) -> Walk:
    """Walk the chain in order, checking every link; after a break keep reading (only for
    the highest 序号 and the hashes at ``wanted``, which the checkpoints compare)."""
    result = Walk()
    prev = "0" * 64
    expected_seq = 1
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if result.first_at is None:
            result.first_at = event.at
        result.last_seq = event.seq
        if event.seq in wanted:
            result.hashes[event.seq] = event.hash
        if not result.ok:
            continue
        if event.seq != expected_seq:
            result.ok, result.message = False, f"第 {expected_seq} 号审计事件缺失（下一条为第 {event.seq} 号）：记录被删除。"
        elif event.prev_hash != prev:
            result.ok, result.message = False, f"第 {event.seq} 号审计事件的前序哈希不符：之前的记录被改动或删除。"
        elif _digest(prev, _fields(event)) != event.hash:
            result.ok, result.message = False, f"第 {event.seq} 号审计事件的内容与哈希不符：该记录被改动。"
        else:
            prev = event.hash
            expected_seq += 1
            result.count += 1
    if result.ok:
        head = AuditHead.objects.filter(pk=1).first()
        if head and head.last_seq != result.count:
            result.ok = False
            result.message = f"审计链末尾缺失：链头记录到第 {head.last_seq} 号，实际只有 {result.count} 条。"
        else:
            result.message = f"审计链完整，共 {result.count} 条事件。"
    return result


def verify_chain() -> tuple[bool, str, int]:
    """Walk the chain in order. Returns (ok, message, number of events checked).

    The chain alone cannot see its newest events deleted together with a rewritten head
    row; ``audit.verification.verify_audit`` adds the checkpoints kept outside the database.
    """
    walk = walk_chain()
    return walk.ok, walk.message, walk.count
