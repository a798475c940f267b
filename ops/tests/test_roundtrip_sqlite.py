"""The round trip on SQLite, the way an operator does it: the test process's deployment (the
test office, a document with three stored files, audit events and a signed checkpoint) is
backed up with ``manage.py backup``; ``manage.py restore`` then runs in a subprocess against a
second deployment — its own database file, files root and audit directory in fresh temporary
paths — once into a database file that does not exist yet and once into one ``migrate`` has
just made (default rows only) and whose worker has signed a checkpoint of the empty chain
(that key and checkpoint file are kept beside, renamed). The restored deployment must hold the same rows in every
table, every stored file under its SHA-256, the same audit key and checkpoints, and
``verify_audit`` must pass.

The refusals that need an empty target to be reached run here too: a changed byte in a
backed-up file (refused before anything is written: no database file, no file, no audit
file), and a file damaged in the store before the backup (restored, then reported by the
check of the file rows: non-zero exit).
"""

import hashlib
import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from audit import checkpoints
from ops.backup import MANIFEST
from ops.tests.support import build_source, state, target

IS_SQLITE = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")

pytestmark = pytest.mark.skipif(not IS_SQLITE, reason="the SQLite round trip (test_roundtrip_pg.py on PostgreSQL)")


@pytest.fixture
def source(transactional_db):
    return build_source()


def make_backup(path) -> str:
    out = StringIO()
    call_command("backup", str(path), stdout=out)
    return out.getvalue()


def test_round_trip_into_a_new_and_into_a_migrated_database(source, tmp_path):
    said = make_backup(tmp_path / "backup")
    assert "备份完成" in said
    expected = state()
    assert len(expected["files"]) == source.files

    for kind in ("new", "migrated"):
        deployment = target(tmp_path / kind)
        if kind == "migrated":  # and its worker has signed a checkpoint of the empty chain
            for command in (("migrate", "--noinput", "-v", "0"), ("audit_checkpoint",)):
                done = deployment.manage(*command)
                assert done.returncode == 0, done.stderr
            own_key = (deployment.audit_dir / "checkpoint-sm2.key").read_bytes()
        done = deployment.manage("restore", str(tmp_path / "backup"))
        assert done.returncode == 0, f"{kind}: {done.stdout}\n{done.stderr}"
        lines = done.stdout.splitlines()
        assert [line[:5] for line in lines if line.startswith("[")] == [f"[{i}/6]" for i in range(1, 7)]
        assert "恢复完成，校验通过" in lines[-1] and f"{source.files} 个文件" in lines[-1]

        restored = deployment.state()
        assert restored["audit"] == "ok", restored["audit"]
        assert restored["counts"] == expected["counts"], kind  # every table, row for row in number
        assert restored["files"] == expected["files"]
        for rel, sha256 in restored["files"]:
            assert hashlib.sha256((deployment.files_root / rel).read_bytes()).hexdigest() == sha256
        key, log = deployment.audit_dir / "checkpoint-sm2.key", deployment.audit_dir / "checkpoints.log"
        assert key.read_bytes() == checkpoints.key_path().read_bytes() and key.stat().st_mode & 0o777 == 0o600
        assert log.read_bytes() == checkpoints.log_path().read_bytes()
        if kind == "migrated":  # the target's own empty-chain key and checkpoint, kept beside
            kept = sorted(p.name for p in deployment.audit_dir.iterdir() if ".before-restore-" in p.name)
            assert [name.split(".before-restore-")[0] for name in kept] == ["checkpoint-sm2.key", "checkpoints.log"]
            assert (deployment.audit_dir / kept[0]).read_bytes() == own_key


def test_a_changed_byte_is_refused_before_anything_is_written(source, tmp_path):
    make_backup(tmp_path / "backup")
    member = sorted(p for p in (tmp_path / "backup" / "files").rglob("*") if p.is_file())[-1]
    member.chmod(0o600)
    data = bytearray(member.read_bytes())
    data[0] ^= 0xFF
    member.write_bytes(bytes(data))

    deployment = target(tmp_path / "new")
    done = deployment.manage("restore", str(tmp_path / "backup"))
    assert done.returncode != 0
    name = member.relative_to(tmp_path / "backup").as_posix()
    assert f"备份成员 {name} 的 SHA-256 或大小与清单不符" in done.stderr and "未做任何改动" in done.stderr
    assert not deployment.database.exists()  # not even created
    assert deployment.written() == []


def test_a_file_damaged_in_the_store_is_reported_after_the_restore(source, tmp_path):
    stored = sorted(p for p in settings.FILES_ROOT.rglob("*") if p.is_file())[0]
    stored.chmod(0o600)
    stored.write_bytes(stored.read_bytes() + b"damage")
    said = make_backup(tmp_path / "backup")
    assert f"存储中的文件 {stored.relative_to(settings.FILES_ROOT).as_posix()} 的内容与其 SHA-256 文件名不符" in said

    deployment = target(tmp_path / "new")
    done = deployment.manage("restore", str(tmp_path / "backup"))
    assert done.returncode != 0
    assert "与登记的 SHA-256 不符" in done.stdout and stored.name in done.stdout
    assert "恢复已写入，但校验未通过（1 处问题）" in done.stderr
    manifest = json.loads((tmp_path / "backup" / MANIFEST).read_text(encoding="utf-8"))
    assert len([m for m in manifest["members"] if m["name"].startswith("files/")]) == source.files
