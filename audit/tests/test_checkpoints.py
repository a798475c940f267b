"""Checkpoints of the audit chain outside the database (defect 7 of the trust issue).

The attack: delete the newest audit events and rewrite the head row to match the shortened
chain. The chain alone still verifies; the signed checkpoints written outside the database
do not, and ``verify_audit`` names the missing range. A forged or edited checkpoint line is
named too, and the auditor can check the chain against the copies they exported.
"""

import itertools
import json
import os
import stat
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from django_q.models import Schedule

from audit import checkpoints as cp
from audit.models import AuditEvent, AuditHead
from audit.services import verify_chain
from audit.tasks import scheduled_checkpoint
from audit.verification import retention_days, verify_audit
from gongwen import crypto
from gongwen.errors import PermissionDenied
from org import services as org
from tests.helpers import refused

TABLE = AuditEvent._meta.db_table


_names = itertools.count(1)


def add_events(office, n):
    for _ in range(n):
        org.create_unit(actor=office.sysadmin, agency=office.gov, name=f"第{next(_names)}调研组")


@pytest.fixture
def chain(office):
    """Five events from a real service."""
    add_events(office, 5)
    assert AuditEvent.objects.count() == 5
    return office


def verify_command(*args) -> str:
    out = StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def cut_tail(keep: int) -> None:
    """The attack: delete every event after ``keep`` and rewrite the head row to match."""
    last = AuditEvent.objects.get(seq=keep)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq > %s", [keep])  # noqa: S608
        cursor.execute(f"UPDATE {AuditHead._meta.db_table} SET last_seq = %s, last_hash = %s",  # noqa: S608
                       [keep, last.hash])


def lines() -> list[str]:
    return cp.log_path().read_text(encoding="utf-8").splitlines()


def rewrite_line(number: int, change) -> None:
    """Edit one line of the checkpoint file behind the application's back."""
    rows = lines()
    data = json.loads(rows[number - 1])
    change(data)
    rows[number - 1] = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    cp.log_path().write_text("\n".join(rows) + "\n", encoding="utf-8")


# --- the attack -------------------------------------------------------------------------------

def test_a_tail_cut_with_a_rewritten_head_is_reported_with_the_missing_range(chain):
    cp.write_checkpoint(by="测试")
    cut_tail(3)
    ok, message, count = verify_chain()
    assert ok and count == 3, "the chain alone cannot see this cut (that is the defect)"
    with pytest.raises(CommandError, match=r"审计日志在第3条之后被截断：检查点记录到第5条.*第4至5条已不在数据库中"):
        verify_command()
    report = verify_audit()
    assert not report.ok and report.count == 3
    assert len(report.problems) == 1


def test_a_cut_below_an_older_checkpoint_is_found_though_a_newer_one_is_lower(chain):
    """Every checkpoint is checked, not only the newest line: a checkpoint written after a
    cut does not hide it."""
    cp.write_checkpoint(by="测试")  # covers 5
    cut_tail(2)
    cp.write_checkpoint(by="测试")  # covers 2 (the cut state)
    with pytest.raises(CommandError, match="审计日志在第2条之后被截断：检查点记录到第5条"):
        verify_command()


def test_a_cut_chain_grown_again_differs_from_the_checkpoint(chain):
    cp.write_checkpoint(by="测试")
    cut_tail(3)
    add_events(chain, 3)  # the application writes new events 4, 5, 6 on the shortened chain
    assert verify_chain()[0]
    with pytest.raises(CommandError, match="审计日志第5条与检查点（.*写入）不符：第1至5条之间的记录被改写或重建"):
        verify_command()


def test_a_chain_rebuilt_after_a_matching_checkpoint_names_the_range_since(chain):
    cp.write_checkpoint(by="测试")  # covers 5
    add_events(chain, 3)
    cp.write_checkpoint(by="测试")  # covers 8
    cut_tail(6)
    add_events(chain, 2)  # new 7 and 8
    report = verify_audit()
    assert not report.ok
    assert any("审计日志第8条与检查点" in p and "第6至8条之间" in p for p in report.problems), report.problems


def test_a_log_that_no_longer_reaches_back_to_the_first_checkpoint_is_named(chain):
    """Retention: events older than a checkpoint cannot be younger than it."""
    cp.write_checkpoint(by="测试")
    later = timezone.now() + timedelta(days=1)
    AuditEvent.objects.update(at=later)  # the log rebuilt with younger events
    report = verify_audit()
    assert any("晚于" in p and "写入的检查点（当时已有5条事件）：早期的审计记录被删除" in p and "至少保存180天" in p
               for p in report.problems), report.problems


def test_a_cut_to_nothing_is_reported(chain):
    cp.write_checkpoint(by="测试")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608
        cursor.execute(f"UPDATE {AuditHead._meta.db_table} SET last_seq = 0, last_hash = %s",  # noqa: S608
                       ["0" * 64])
    with pytest.raises(CommandError, match="审计日志在第0条之后被截断：检查点记录到第5条"):
        verify_command()


def test_the_chain_breaks_are_still_reported_first(chain):
    cp.write_checkpoint(by="测试")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET actor_name = %s WHERE seq = 2", ["冒名者"])  # noqa: S608
    with pytest.raises(CommandError, match="第 2 号审计事件的内容与哈希不符"):
        verify_command()


# --- the checkpoint file ----------------------------------------------------------------------

def test_a_clean_chain_with_checkpoints_is_intact(chain):
    first = cp.write_checkpoint(by="测试")
    assert (first.seq, first.hash) == (5, AuditEvent.objects.get(seq=5).hash)
    add_events(chain, 2)
    out = verify_command()
    assert "审计链完整，共 7 条事件" in out
    assert "覆盖到第5条，签名有效（共1个检查点）" in out and "其后的2条事件尚未被检查点覆盖" in out
    cp.write_checkpoint(by="测试")
    out = verify_command()
    assert "覆盖到第7条" in out and "尚未被检查点覆盖" not in out


def test_without_a_checkpoint_the_chain_is_intact_and_the_gap_is_said(chain):
    report = verify_audit()
    assert report.ok and report.checkpoints == 0
    assert any("尚无审计检查点" in n for n in report.notes)


def test_an_edited_checkpoint_line_is_named(chain):
    cp.write_checkpoint(by="测试")
    cp.write_checkpoint(by="测试")
    rewrite_line(1, lambda d: d.update(seq=3, hash=AuditEvent.objects.get(seq=3).hash))
    with pytest.raises(CommandError, match=r"检查点文件第1行（第3条，.*）的签名无效：该行被改动或伪造"):
        verify_command()


def test_a_line_signed_with_another_key_is_named(chain):
    cp.write_checkpoint(by="测试")
    private, public = crypto.generate_keypair()
    forged = cp.Checkpoint(9, "a" * 64, timezone.localtime().isoformat(timespec="seconds"), "测试",
                           cp.fingerprint(public), "")
    forged = cp.Checkpoint(**{**forged.__dict__, "signature": crypto.sign(private, public, forged.payload())})
    with cp.log_path().open("a", encoding="utf-8") as f:
        f.write(forged.to_line() + "\n")
    with pytest.raises(CommandError, match="检查点文件第2行（第9条.*）不是用本部署的审计签名密钥签名的"):
        verify_command()


def test_a_garbled_line_is_named_and_the_next_checkpoint_keeps_its_own_line(chain):
    cp.write_checkpoint(by="测试")
    with cp.log_path().open("a", encoding="utf-8") as f:
        f.write('{"seq": 5, "hash": ')  # a write cut short (a crash), no newline
    cp.write_checkpoint(by="测试")
    report = verify_audit()
    assert report.problems == ["检查点文件第2行无法解析：该行被改动，或写入时中断。"]
    assert report.checkpoints == 2
    with pytest.raises(CommandError, match="检查点文件第2行无法解析"):
        verify_command()


def test_a_missing_key_is_reported_when_there_are_checkpoints(chain):
    cp.write_checkpoint(by="测试")
    cp.key_path().unlink()
    with pytest.raises(CommandError, match="审计签名密钥文件 .* 不存在"):
        verify_command()


def test_the_auditor_checks_against_the_copies_they_exported(chain, tmp_path):
    """Whoever can also write the server's files could replace both; the auditor's copies
    of the checkpoint file and the public key are the anchor they cannot reach."""
    cp.write_checkpoint(by="测试")
    copy = tmp_path / "exported.log"
    copy.write_bytes(cp.log_path().read_bytes())
    key_file = tmp_path / "public-key.txt"
    key_file.write_text(cp.public_key_text(cp.deployment_key()), encoding="utf-8")
    assert "审计链完整" in verify_command("--checkpoints", str(copy), "--public-key", str(key_file))
    cut_tail(4)
    cp.log_path().unlink()  # the attacker removes the server's checkpoint file as well
    cp.key_path().unlink()
    cp.write_checkpoint(by="攻击者")  # …and starts a new one under a new key
    assert "审计链完整" in verify_command()
    with pytest.raises(CommandError, match="审计日志在第4条之后被截断：检查点记录到第5条"):
        verify_command("--checkpoints", str(copy), "--public-key", str(key_file))
    with pytest.raises(CommandError, match="不是用本部署的审计签名密钥签名的"):
        verify_command("--public-key", str(key_file))


def test_the_key_is_made_once_outside_the_database_and_private(chain):
    assert not cp.key_path().exists()
    written = cp.write_checkpoint(by="测试")
    key = cp.load_key()
    assert key is not None and written.key == key.fingerprint
    assert stat.S_IMODE(os.stat(cp.key_path()).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(cp.key_path().parent).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(cp.log_path()).st_mode) == 0o600
    assert cp.deployment_key() == key  # not made again
    assert not AuditEvent.objects.filter(new__icontains=key.private).exists()
    assert crypto.verify(key.public, written.payload(), written.signature)


def test_checkpoints_are_only_appended(chain):
    cp.write_checkpoint(by="测试")
    before = cp.log_path().read_bytes()
    add_events(chain, 1)
    cp.write_checkpoint(by="测试")
    after = cp.log_path().read_bytes()
    assert after.startswith(before) and after.count(b"\n") == 2
    first, second = (json.loads(line) for line in lines())
    assert (first["seq"], second["seq"]) == (5, 6)
    assert set(second) == {"seq", "hash", "at", "by", "key", "signature"}


def test_the_command_writes_a_checkpoint(chain):
    out = StringIO()
    call_command("audit_checkpoint", stdout=out)
    assert "已写入审计检查点：覆盖到第5条" in out.getvalue()
    assert cp.newest_checkpoint().by == "命令行"
    assert AuditEvent.objects.count() == 5  # the deployment's own checkpoint is not an event


# --- who may write ----------------------------------------------------------------------------

def test_the_auditor_writes_a_checkpoint_and_it_is_recorded(chain):
    written = cp.write_checkpoint(actor=chain.auditor)
    assert written.by == chain.auditor.name and written.seq == 5
    event = AuditEvent.objects.get(action="audit.checkpoint")
    assert event.actor_id == chain.auditor.pk and event.new["seq"] == 5 and event.seq == 6
    assert verify_audit().ok


@pytest.mark.parametrize("who", ["sysadmin", "secadmin", "clerk", "principal"])
def test_no_one_else_writes_a_checkpoint(chain, who):
    with refused("只有安全审计员可以写入或导出审计检查点", exc=PermissionDenied):
        cp.write_checkpoint(actor=getattr(chain, who))
    assert not cp.log_path().exists() and not cp.key_path().exists()


# --- the schedule -----------------------------------------------------------------------------

def test_the_worker_has_a_schedule(db):
    schedule = Schedule.objects.get(func="audit.tasks.scheduled_checkpoint")
    assert schedule.schedule_type == Schedule.MINUTES and schedule.repeats == -1
    assert schedule.minutes <= 60


def test_the_scheduled_checkpoint_keeps_the_interval_and_skips_an_unchanged_chain(chain, settings):
    settings.AUDIT_CHECKPOINT_MINUTES = 60
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert scheduled_checkpoint().seq == 5
        assert scheduled_checkpoint() is None  # too soon
    add_events(chain, 1)
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        assert scheduled_checkpoint() is None  # too soon, though the chain grew
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        written = scheduled_checkpoint()
        assert written.seq == 6 and written.by == "定时任务"
    with time_machine.travel(start + timedelta(minutes=125), tick=False):
        assert scheduled_checkpoint() is None  # nothing new to anchor
    settings.AUDIT_CHECKPOINT_MINUTES = 10
    add_events(chain, 1)
    with time_machine.travel(start + timedelta(minutes=136), tick=False):
        assert scheduled_checkpoint().seq == 7
    assert len(lines()) == 3


# --- retention --------------------------------------------------------------------------------

def test_retention_is_at_least_180_days(settings, chain):
    settings.AUDIT_RETENTION_DAYS = 30
    assert retention_days() == 180
    from audit.checks import retention_not_below_minimum

    assert [w.id for w in retention_not_below_minimum(None)] == ["audit.W001"]
    settings.AUDIT_RETENTION_DAYS = 365
    assert retention_days() == 365 and retention_not_below_minimum(None) == []
    oldest = AuditEvent.objects.get(seq=1)
    with time_machine.travel(oldest.at + timedelta(days=200), tick=False):
        note = verify_audit().notes[-1]
    assert "已保存200天" in note and "至少保存365天" in note and "系统内不删除" in note
