"""Backup and restore on either database, in the test process: what a backup holds, that a
failed backup leaves nothing, and the restore's refusals — a deployment with data, a backup of
the other database, a backup from a newer version, a changed byte, a manifest naming a path
outside the backup — each with a Chinese message and nothing written (the database, the
files root, the audit directory). The round trips, restoring into a second deployment, are
in test_roundtrip_sqlite.py and test_roundtrip_pg.py.
"""

import hashlib
import json
import re
from datetime import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from audit import checkpoints
from ops import backup as ops_backup
from ops.backup import (
    DATABASE_MEMBERS,
    MANIFEST,
    STORED_FILES,
    VENDOR_NAMES,
    BackupFailed,
    RestoreRefused,
    backup,
    check_backup,
    read_manifest,
    restore,
)
from ops.tests.support import build_source
from tests.helpers import refused

# Fields holding a SHA-256 that do not name a file of the store: what a seal use binds is the
# digest of the 成品, whose file is its FileVersion (final_version), checked as such.
NOT_A_STORED_FILE = {("sealing.SealUse", "sha256")}


@pytest.fixture
def source(transactional_db):
    return build_source()


@pytest.fixture
def made(source, tmp_path) -> Path:
    return backup(tmp_path / "backup")


def on_disk(*roots: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for root in roots if root.exists() for p in sorted(root.rglob("*")) if p.is_file()}


def rewrite_manifest(directory: Path, change) -> None:
    path = directory / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def flip_a_byte(path: Path) -> None:
    path.chmod(0o600)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


# --- backup ------------------------------------------------------------------------------------

def test_a_backup_holds_the_database_the_files_and_the_audit_directory(made, settings):
    manifest = json.loads((made / MANIFEST).read_text(encoding="utf-8"))
    names = [m["name"] for m in manifest["members"]]
    stored = sorted(p.relative_to(settings.FILES_ROOT).as_posix() for p in Path(settings.FILES_ROOT).rglob("*")
                    if p.is_file())
    assert len(stored) == 3
    assert sorted(names) == sorted([DATABASE_MEMBERS[connection.vendor], "audit/checkpoint-sm2.key",
                                    "audit/checkpoints.log", *(f"files/{rel}" for rel in stored)])
    for member in manifest["members"]:  # every member's SHA-256 and size, as written
        data = (made / member["name"]).read_bytes()
        assert (member["sha256"], member["size"]) == (hashlib.sha256(data).hexdigest(), len(data)), member["name"]
        if member["name"].startswith("files/"):
            assert Path(member["name"]).name == member["sha256"]  # the store is content-addressed
    assert (made / "audit/checkpoint-sm2.key").read_bytes() == checkpoints.key_path().read_bytes()
    assert (made / "audit/checkpoints.log").read_bytes() == checkpoints.log_path().read_bytes()
    assert manifest["vendor"] == connection.vendor
    applied = MigrationRecorder(connection).applied_migrations()
    assert manifest["migrations"]["documents"] == max(name for app, name in applied if app == "documents")
    assert set(manifest["migrations"]) == {app for app, _name in applied}
    assert manifest["gongwen"]["version"]
    assert datetime.fromisoformat(manifest["created_at"]).tzinfo is not None
    assert made.stat().st_mode & 0o777 == 0o700  # the audit key and every document are in it
    assert not [p for p in made.parent.iterdir() if p.name.endswith(".partial")]


def test_the_command_says_each_phase_and_ends_with_a_summary(source, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    out = StringIO()
    call_command("backup", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line[:5] for line in lines[:4]] == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]
    assert lines[-1].startswith("备份完成：") and "文件 3 个" in lines[-1]
    made = list((tmp_path / "var" / "backups").iterdir())  # the default place: var/backups/<time>
    assert len(made) == 1 and re.fullmatch(r"\d{8}-\d{6}", made[0].name) and (made[0] / MANIFEST).exists()


def test_a_failed_backup_leaves_nothing(source, tmp_path, monkeypatch):
    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device", str(tmp_path / "out"))

    monkeypatch.setattr(ops_backup, "_copy_files", disk_full)  # after the audit files and the database
    with pytest.raises(BackupFailed, match="备份失败，未留下任何文件"):
        backup(tmp_path / "out" / "backup")
    assert list((tmp_path / "out").iterdir()) == []


def test_a_backup_does_not_write_into_a_directory_that_holds_something(source, tmp_path):
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("运维记录", encoding="utf-8")
    with pytest.raises(CommandError, match="已存在且不是空目录"):
        call_command("backup", str(full), stdout=StringIO())
    assert [p.name for p in full.iterdir()] == ["notes.txt"]
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]


def test_every_model_with_a_sha256_names_its_file_among_the_stored_files():
    listed = {(label, sha_field) for label, _path, sha_field, _what in STORED_FILES}
    found = {(model._meta.label, f.name) for model in apps.get_models() for f in model._meta.fields
             if f.name == "sha256" or f.name.endswith("_sha256")}
    assert found - NOT_A_STORED_FILE == listed
    for label, path_field, _sha, _what in STORED_FILES:
        apps.get_model(label)._meta.get_field(path_field)


# --- restore: refusals -------------------------------------------------------------------------

def test_a_deployment_with_data_is_not_restored_over(made, settings):
    before = on_disk(Path(settings.FILES_ROOT), Path(settings.AUDIT_DIR))
    with refused(match="目标部署不是空的", exc=RestoreRefused) as info:
        restore(made)
    message = info.value.message
    for what in ("机关", "人员", "公文", "文件版本", "审计事件", "已有 3 个文件", "已有检查点"):
        assert what in message, what
    assert on_disk(Path(settings.FILES_ROOT), Path(settings.AUDIT_DIR)) == before
    with pytest.raises(CommandError, match="目标部署不是空的"):
        call_command("restore", str(made), stdout=StringIO())


def test_a_backup_of_the_other_database_is_refused(made, settings):
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    (made / DATABASE_MEMBERS[connection.vendor]).rename(made / DATABASE_MEMBERS[other])

    def other_vendor(manifest):
        manifest["vendor"] = other
        for member in manifest["members"]:
            if member["name"] == DATABASE_MEMBERS[connection.vendor]:
                member["name"] = DATABASE_MEMBERS[other]

    rewrite_manifest(made, other_vendor)
    before = on_disk(Path(settings.FILES_ROOT), Path(settings.AUDIT_DIR))
    with refused(match="不能直接恢复", exc=RestoreRefused) as info:
        restore(made)
    assert f"这是 {VENDOR_NAMES[other]} 数据库的备份，本部署使用 {VENDOR_NAMES[connection.vendor]}" in info.value.message
    assert on_disk(Path(settings.FILES_ROOT), Path(settings.AUDIT_DIR)) == before


def test_a_backup_from_a_newer_version_is_refused(made):
    rewrite_manifest(made, lambda m: m["migrations"].update(documents="0099_from_a_newer_version"))
    with refused(match="documents.0099_from_a_newer_version 在本版本中不存在", exc=RestoreRefused):
        restore(made)


def test_a_changed_byte_is_found_and_the_member_named(made):
    assert check_backup(made).vendor == connection.vendor
    member = sorted(p for p in (made / "files").rglob("*") if p.is_file())[0]
    name = member.relative_to(made).as_posix()
    flip_a_byte(member)
    with pytest.raises(RestoreRefused, match=re.escape(f"备份成员 {name} 的 SHA-256 或大小与清单不符")):
        check_backup(made)
    with pytest.raises(CommandError, match=re.escape(name)):
        call_command("restore", "--check", str(made), stdout=StringIO())


def test_a_missing_member_is_named(made):
    (made / "audit/checkpoints.log").unlink()
    with pytest.raises(RestoreRefused, match="备份成员 audit/checkpoints.log 缺失"):
        check_backup(made)


@pytest.mark.parametrize("name", ["files/../../../etc/passwd", "/etc/passwd", "files/ab/../../x", "files//x",
                                  "manage.py", "files/"])
def test_a_manifest_cannot_name_a_path_outside_the_backup(tmp_path, name):
    member = {"name": name, "sha256": "0" * 64, "size": 0}
    database = {"name": "database.sqlite3", "sha256": "0" * 64, "size": 0}
    (tmp_path / MANIFEST).write_text(json.dumps({"format": "gongwen-backup/1", "vendor": "sqlite", "migrations": {},
                                                 "members": [database, member]}), encoding="utf-8")
    with pytest.raises(RestoreRefused, match="成员名.*无效"):
        read_manifest(tmp_path)


def test_a_directory_without_a_manifest_is_not_a_backup(tmp_path):
    with pytest.raises(RestoreRefused, match="不是公文系统的备份目录"):
        read_manifest(tmp_path)
