"""完整性校验: the audit chain checked link by link and against the signed checkpoints kept
outside the database, with how long the log reaches back (保存期限).

Used by ``manage.py verify_audit``, the auditor's page and ``POST /api/v1/audit/verify``.
Every checkpoint is checked, not only the newest: a checkpoint's signature must verify
under the deployment's key, and the chain must still hold the checkpointed event (序号 and
hash). A chain cut below a checkpoint is reported with the missing range; one rebuilt with
other events under the same numbers is reported where it first differs from a checkpoint.
Events newer than the newest checkpoint are said to be not yet covered: their removal
cannot be seen, which is why the worker writes a checkpoint every hour.

Retention (保存期限): the application never deletes an audit event — the model refuses,
and there is no pruning. ``AUDIT_RETENTION_DAYS`` (at least 180, 等保 level 3) states the
period; the report gives the oldest kept event and its age. Events removed from the start
of the log outside the application need no separate warning: the chain must begin at 序号
1 (a missing first event is a broken link), and a log rebuilt from 序号 1 differs from the
checkpoints. Pruning, if ever wanted, would have to keep the hash of the last pruned event
as the new start of the chain and be covered by a checkpoint first; it is not done here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from . import checkpoints as cp
from .labels import cn_datetime
from .services import walk_chain

MINIMUM_RETENTION_DAYS = 180
CLOCK_GRACE = timedelta(minutes=5)


def retention_days() -> int:
    """How long audit events are kept, in days: the setting, never below 180 (等保 level 3)."""
    try:
        configured = int(getattr(settings, "AUDIT_RETENTION_DAYS", MINIMUM_RETENTION_DAYS))
    except (TypeError, ValueError):
        configured = MINIMUM_RETENTION_DAYS
    return max(MINIMUM_RETENTION_DAYS, configured)


@dataclass
class AuditReport:
    ok: bool
    count: int  # events verified along the chain
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checkpoints: int = 0  # genuine checkpoints found
    newest: cp.Checkpoint | None = None  # the newest genuine checkpoint
    oldest_at: object = None  # time of the oldest kept event
    retention_days: int = MINIMUM_RETENTION_DAYS

    @property
    def message(self) -> str:
        return "\n".join(self.problems + self.notes)


def verify_audit(*, checkpoint_file: Path | None = None, public_key: str | None = None) -> AuditReport:
    """Verify the chain and every checkpoint. ``checkpoint_file`` and ``public_key`` default to
    the deployment's own; the auditor passes the copies they exported."""
    reading = cp.read_checkpoints(checkpoint_file)
    problems = list(reading.problems)
    genuine: list[cp.Checkpoint] = []
    if reading.checkpoints:
        if public_key is None:
            try:
                key = cp.load_key()
            except Exception as exc:  # a damaged key file: say so, keep checking the chain
                key, problems = None, problems + [getattr(exc, "message", str(exc))]
            if key is None and not problems:
                problems.append(f"审计签名密钥文件 {cp.key_path()} 不存在，无法验证检查点的签名："
                                "密钥被删除或移走，请系统运维人员核对。")
            public_key = key.public if key else None
        if public_key:
            for checkpoint in reading.checkpoints:
                problem = cp.signature_problem(checkpoint, public_key)
                if problem:
                    problems.append(problem)
                else:
                    genuine.append(checkpoint)

    walk = walk_chain({c.seq for c in genuine})
    chain_problems = [] if walk.ok else [walk.message]
    report = AuditReport(ok=True, count=walk.count, checkpoints=len(genuine), retention_days=retention_days(),
                         oldest_at=walk.first_at)
    report.problems = (chain_problems + problems + _against_checkpoints(genuine, walk)
                       + _retention_problems(genuine, walk.first_at, report.retention_days))
    report.ok = not report.problems
    if walk.ok:
        report.notes.append(walk.message)
    if genuine:
        newest = max(genuine, key=lambda c: (c.seq, c.line))
        report.newest = newest
        if report.ok:
            report.notes.append(f"最新检查点写于{newest.at_text}，覆盖到第{newest.seq}条，签名有效"
                                f"（共{len(genuine)}个检查点）。")
            if walk.count > newest.seq:
                report.notes.append(f"其后的{walk.count - newest.seq}条事件尚未被检查点覆盖，"
                                    "将由下一次定时检查点覆盖。")
    elif not reading.checkpoints:
        report.notes.append("尚无审计检查点：末尾的记录被删除时无法发现。请安全审计员写入检查点，"
                            "并确认后台任务（定时写入检查点）在运行。")
    report.notes.append(_retention_note(walk.first_at, report.retention_days))
    return report


def _against_checkpoints(genuine: list[cp.Checkpoint], walk) -> list[str]:
    """Whether the chain still holds every checkpointed event."""
    problems = []
    cut = [c for c in genuine if c.seq > walk.last_seq]
    if cut:
        newest = max(cut, key=lambda c: c.seq)
        kept = walk.last_seq
        problems.append(f"审计日志在第{kept}条之后被截断：检查点记录到第{newest.seq}条（{newest.at_text}写入），"
                        f"第{kept + 1}至{newest.seq}条已不在数据库中。")
    present = sorted((c for c in genuine if 0 < c.seq <= walk.last_seq), key=lambda c: c.seq)
    matched = 0
    for c in present:
        stored = walk.hashes.get(c.seq)
        if stored is None:
            problems.append(f"检查点（{c.at_text}）记录的第{c.seq}条审计事件已不在数据库中：记录被删除。")
            break
        if stored != c.hash:
            problems.append(f"审计日志第{c.seq}条与检查点（{c.at_text}写入）不符：第{matched + 1}至{c.seq}条之间的"
                            "记录被改写或重建。")
            break
        matched = c.seq
    return problems


def _retention_problems(genuine: list[cp.Checkpoint], first_at, days: int) -> list[str]:
    """The log must reach back at least as far as the first checkpoint that saw events: if
    its oldest event is younger, events were removed from the start of the log. (A few
    minutes' grace: the checkpoint's time is in whole seconds and servers' clocks differ.)"""
    earlier = [c for c in genuine if c.seq >= 1 and c.written_at is not None
               and (first_at is None or c.written_at + CLOCK_GRACE < first_at)]
    if not earlier:
        return []
    c = min(earlier, key=lambda c: c.written_at)
    oldest = f"最早的审计事件记于{cn_datetime(first_at)}" if first_at else "审计日志中已没有事件"
    return [f"{oldest}，晚于{c.at_text}写入的检查点（当时已有{c.seq}条事件）：早期的审计记录被删除"
            f"（审计事件至少保存{days}天，系统内不删除）。"]


def _retention_note(first_at, days: int) -> str:
    if first_at is None:
        return f"审计日志尚无事件；审计事件至少保存{days}天，系统内不删除。"
    age = (timezone.now() - first_at).days
    return (f"最早的审计事件记于{cn_datetime(first_at)}，已保存{age}天；"
            f"审计事件至少保存{days}天，系统内不删除。")
