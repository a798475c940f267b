"""Backup and restore of a deployment (备份与恢复): the database, the document files and the
audit directory, in one directory with a manifest of every member's SHA-256.

A backup directory holds

* ``database.sqlite3`` (SQLite, made with the online backup API through the deployment's own
  connection, so it is one consistent snapshot while the server writes) or
  ``database.pgdump`` (PostgreSQL, ``pg_dump --format=custom``, one snapshot too);
* ``files/…``, every file under ``FILES_ROOT`` by its relative path (``ab/ab12…``: the store
  is content-addressed, a file's name is its SHA-256, ``documents.storage``);
* ``audit/checkpoint-sm2.key`` and ``audit/checkpoints.log``: the deployment's audit key and
  checkpoint file, wherever ``AUDIT_KEY_FILE`` / ``AUDIT_CHECKPOINT_FILE`` put them
  (resolved by ``audit.checkpoints``);
* ``manifest.json``: every member with its SHA-256 and size, the database vendor, the latest
  applied migration of each app, the time, the Gongwen version and commit.

The directory holds the audit signing key and every document: keep it where only the
operators can read it (it is made 0700).

**The order of the copies is what keeps a backup of a running deployment consistent.** The
audit files are copied first (the checkpoint file under a shared ``flock``, so no line is
half-written), then the database, then the files. Every checkpoint copied then covers events
the later database snapshot holds, so ``verify_audit`` passes on the restored deployment (a
checkpoint newer than the snapshot would read as a cut chain). Files are written before the
row that names them commits and are never changed, so every file the snapshot names is
already there when the files are copied; files stored after the snapshot are harmless extras.

A backup is written into a hidden ``.NAME.…partial`` directory beside its destination and
renamed into place when complete: a failed backup leaves nothing behind.

The SHA-256s find damage (a disk, a copy cut short, a changed byte); they do not stop someone
who rewrites the manifest too, which nothing signs. So the backup prints the manifest's own
SHA-256 for the operator to note elsewhere, and ``restore`` (and ``restore --check``) print it
again to compare.

**Restore** writes only into an empty deployment, and checks everything before it writes:

1. the manifest (format, members' names: no path leaves the backup directory);
2. the database vendor is this deployment's (a SQLite backup does not go into PostgreSQL);
3. every migration the backup has applied is known to this version (a backup from a newer
   version is refused; one from an older version is migrated after restoring);
4. the target is empty: the database has no tables at all, or only what ``migrate`` makes
   (its default rows: templates, calendar, schedules …) — no account, agency, person,
   document, file version or audit event (``DATA_MODELS``); ``FILES_ROOT`` holds no file;
   the checkpoint file holds no checkpoint beyond an empty chain (a fresh deployment's worker
   may have written one at 序号 0; such a file and its key are kept beside, renamed
   ``….before-restore-<time>``);
5. every member's size and SHA-256 match the manifest.

A refusal names what stopped it and writes nothing. Then the database is restored (SQLite:
the backup API into the target through the deployment's connection; PostgreSQL: the target's
tables, which hold only default rows, are dropped and ``pg_restore --no-owner
--single-transaction`` fills it), the files, the audit files; then ``verify_audit`` runs and
every stored-file row (``STORED_FILES``) is checked against its file's SHA-256. The report
says what failed; the command exits non-zero when anything did.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump, pg_restore and git, with argument lists
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from audit import checkpoints
from gongwen.errors import DomainError

FORMAT = "gongwen-backup/1"
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
FILES = "files"
AUDIT_KEY = "audit/checkpoint-sm2.key"
AUDIT_LOG = "audit/checkpoints.log"
CHUNK = 1024 * 1024
SHA256 = re.compile(r"[0-9a-f]{64}")

# Every row that records a file stored through documents.storage: (model, path field, SHA-256
# field, what it is). A restore reads each such file back and checks it; ops/tests checks
# that every model with a SHA-256 field is here or said not to name a stored file.
STORED_FILES = (
    ("documents.FileVersion", "storage_path", "sha256", "公文文件版本"),
    ("exchange.ExchangePackage", "storage_path", "sha256", "外部交换包"),
    ("archive.ArchiveItem", "pdf_path", "pdf_sha256", "归档 PDF"),
    ("archive.ArchiveItem", "slip_path", "slip_sha256", "归档处理笺 PDF"),
    ("archive.YearPackage", "path", "sha256", "年度归档包"),
)

# Rows that only an office's use makes (migrate makes none of them): a target with any of them
# is not empty. Every other record (a task, a seal, a package) hangs off these.
DATA_MODELS = {"auth.User": "账号", "org.Agency": "机关", "org.Person": "人员", "documents.Document": "公文",
               "documents.FileVersion": "文件版本", "audit.AuditEvent": "审计事件"}

Progress = Callable[[str], None]


def _quiet(_line: str) -> None:
    pass


class BackupFailed(DomainError):
    """The backup could not be made; nothing was left behind."""

    def __init__(self, message: str):
        super().__init__(message, code="backup_failed")


class RestoreRefused(DomainError):
    """The backup or the target is not fit for a restore; nothing was written."""

    def __init__(self, message: str):
        super().__init__(message, code="restore_refused")


# --- backup ------------------------------------------------------------------------------------

def backup(dest: Path | None = None, *, progress: Progress = _quiet) -> Path:
    """Back the deployment up into ``dest`` (which must not exist, or be an empty directory;
    default ``VAR_DIR/backups/<time>``); returns the backup directory."""
    if connection.in_atomic_block:
        raise BackupFailed("备份不能在数据库事务中进行：事务中尚未提交的改动不应进入备份。")
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBERS:
        raise BackupFailed(f"不支持备份 {vendor} 数据库：只支持 SQLite 和 PostgreSQL。")
    started = timezone.localtime()
    dest = Path(dest) if dest is not None else Path(settings.VAR_DIR) / "backups" / started.strftime("%Y%m%d-%H%M%S")
    dest = dest.absolute()
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupFailed(f"备份目录 {dest} 已存在且不是空目录：请指定一个新目录。")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
    except OSError as exc:
        raise BackupFailed(f"无法在 {dest.parent} 下创建备份目录：{exc.strerror}。") from exc
    try:
        members: dict[str, dict] = {}

        audit_members = _copy_audit(work, members)
        progress(f"[1/4] 审计目录：{len(audit_members)} 个文件"
                 f"（{'、'.join(audit_members) or '尚无审计签名密钥和检查点文件'}）")

        name = DATABASE_MEMBERS[vendor]
        if vendor == "sqlite":
            _dump_sqlite(work / name)
        else:
            _dump_postgresql(work / name)
        members[name] = _describe(work / name)
        progress(f"[2/4] 数据库（{VENDOR_NAMES[vendor]}）：{_size(members[name]['size'])}")

        count, total, damaged = _copy_files(work, members)
        for rel in damaged:
            progress(f"  注意：存储中的文件 {rel} 的内容与其 SHA-256 文件名不符（已按原样备份），请核对。")
        progress(f"[3/4] 文件：{count} 个，共 {_size(total)}")

        manifest = {
            "format": FORMAT,
            "created_at": started.isoformat(timespec="seconds"),
            "vendor": vendor,
            "gongwen": _version(),
            "migrations": _latest_migrations(),
            "source": {"database": _database_label(), "files_root": str(settings.FILES_ROOT),
                       "audit_key_file": str(checkpoints.key_path()),
                       "audit_checkpoint_file": str(checkpoints.log_path())},
            "members": [{"name": n, **members[n]} for n in sorted(members)],
        }
        text = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
        _write_new(work / MANIFEST, text)
        progress(f"[4/4] 清单：{MANIFEST}，{len(members)} 个成员，清单的 SHA-256 为 {hashlib.sha256(text).hexdigest()}"
                 "（可另行记下，恢复时核对）")
        checkpoints.sync_dir(work)
        if dest.exists():
            dest.rmdir()  # an empty directory the operator made for it
        os.rename(work, dest)
        checkpoints.sync_dir(dest.parent)
    except (OSError, sqlite3.Error, DomainError) as exc:
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(exc, OSError) and exc.strerror:
            reason = f"{exc.strerror}（{exc.filename or ''}）"
        else:
            reason = getattr(exc, "message", None) or str(exc)
        raise BackupFailed(f"备份失败，未留下任何文件：{reason}") from exc
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    progress(f"备份完成：{dest}（{VENDOR_NAMES[vendor]} 数据库 {_size(members[name]['size'])}，"
             f"文件 {count} 个共 {_size(total)}，审计文件 {len(audit_members)} 个）。")
    return dest


def _copy_audit(work: Path, members: dict) -> list[str]:
    """The key file and the checkpoint file, as they are now; the checkpoint file read under a
    shared lock (its writers take an exclusive one) so that no line is caught half-written."""
    copied = []
    key = checkpoints.key_path()
    if key.exists():
        members[AUDIT_KEY] = _copy(key, work / AUDIT_KEY, mode=0o600)
        copied.append("审计签名密钥")
    log = checkpoints.log_path()
    try:
        fd = os.open(log, os.O_RDONLY)
    except FileNotFoundError:
        return copied
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        with os.fdopen(os.dup(fd), "rb") as source:
            members[AUDIT_LOG] = _copy_stream(source, work / AUDIT_LOG, mode=0o600)
    finally:
        os.close(fd)
    copied.append("检查点文件")
    return copied


def _dump_sqlite(target: Path) -> None:
    """One step of the online backup API through the deployment's connection: a consistent
    snapshot (in WAL mode the writers go on meanwhile), then made a single self-contained file."""
    connection.ensure_connection()
    out = sqlite3.connect(target)
    try:
        connection.connection.backup(out)
        out.execute("PRAGMA journal_mode=DELETE")
        result = out.execute("PRAGMA quick_check").fetchone()[0]
        out.commit()
    finally:
        out.close()
    if result != "ok":
        raise BackupFailed(f"数据库备份的完整性检查未通过（{result}）：请检查数据库。")
    os.chmod(target, 0o600)


def _dump_postgresql(target: Path) -> None:
    args, env = _pg_connection()
    _run([_pg_program("pg_dump"), "--format=custom", "--no-password", "--file", str(target), *args], env,
         "pg_dump 备份数据库失败")
    os.chmod(target, 0o600)


def _copy_files(work: Path, members: dict) -> tuple[int, int, list[str]]:
    root = Path(settings.FILES_ROOT)
    count = total = 0
    damaged = []
    for path in _stored_files(root):
        rel = path.relative_to(root).as_posix()
        entry = _copy(path, work / FILES / rel, mode=0o440)
        members[f"{FILES}/{rel}"] = entry
        count, total = count + 1, total + entry["size"]
        if SHA256.fullmatch(path.name) and path.name != entry["sha256"]:
            damaged.append(rel)
    return count, total, damaged


def _stored_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    found = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                found.append(path)
    return found


def _latest_migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(latest.get(app, name), name)
    return dict(sorted(latest.items()))


def _version() -> dict[str, str]:
    """The version in pyproject.toml and the git commit, where they are to be had cheaply."""
    base = Path(settings.BASE_DIR)
    version = commit = ""
    try:
        version = str(tomllib.loads((base / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])
    except (OSError, KeyError, ValueError):
        pass
    git = shutil.which("git")
    if git and (base / ".git").exists():
        try:
            done = subprocess.run([git, "-C", str(base), "rev-parse", "HEAD"],  # noqa: S603 - fixed arguments
                                  capture_output=True, text=True, timeout=10, check=False)
            commit = done.stdout.strip() if done.returncode == 0 else ""
        except (OSError, subprocess.SubprocessError):
            pass
    return {"version": version, "commit": commit}


def _database_label() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return str(s["NAME"])
    return f"{s['NAME']}@{s.get('HOST') or 'localhost'}:{s.get('PORT') or 5432}"


# --- restore -----------------------------------------------------------------------------------

@dataclass
class Manifest:
    directory: Path
    vendor: str
    created_at: str
    migrations: dict[str, str]
    members: list[dict]
    gongwen: dict = field(default_factory=dict)
    sha256: str = ""  # of manifest.json itself, for the operator to compare with the one noted

    @property
    def database_member(self) -> str:
        return DATABASE_MEMBERS[self.vendor]

    def names(self, prefix: str) -> list[str]:
        return [m["name"] for m in self.members if m["name"].startswith(prefix)]

    def has(self, name: str) -> bool:
        return any(m["name"] == name for m in self.members)


@dataclass
class RestoreReport:
    source: Path
    vendor: str
    files: int = 0
    audit_files: int = 0
    migrated: int = 0
    rows_checked: int = 0
    audit_ok: bool = False
    audit_result: str = ""  # what verify_audit said
    set_aside: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def summary(self) -> str:
        done = (f"自 {self.source} 恢复了 {VENDOR_NAMES[self.vendor]} 数据库、{self.files} 个文件、"
                f"{self.audit_files} 个审计文件")
        if self.ok:
            return f"恢复完成，校验通过：{done}；审计日志校验通过，{self.rows_checked} 条文件记录与文件的 SHA-256 一致。"
        return f"恢复已写入，但校验未通过（{len(self.problems)} 处问题）：{done}。请核对上列问题。"


def read_manifest(src: Path) -> Manifest:
    """The backup's manifest, its members' names checked (none leaves the directory)."""
    src = Path(src)
    try:
        data = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RestoreRefused(f"{src} 不是公文系统的备份目录：其中没有 {MANIFEST}。") from None
    except (OSError, ValueError) as exc:
        raise RestoreRefused(f"备份清单 {src / MANIFEST} 无法读取或不是有效的 JSON：{exc}。") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RestoreRefused(f"备份清单 {src / MANIFEST} 的格式不是 {FORMAT}：不是本系统的备份，或来自不兼容的版本。")
    vendor = data.get("vendor")
    if vendor not in DATABASE_MEMBERS:
        raise RestoreRefused(f"备份清单中的数据库类型“{vendor}”无法识别。")
    members, migrations = data.get("members"), data.get("migrations")
    if (not isinstance(members, list) or not isinstance(migrations, dict)
            or not all(isinstance(name, str) for name in migrations.values())):
        raise RestoreRefused("备份清单缺少成员列表或迁移状态：清单已损坏。")
    seen = set()
    for member in members:
        if not (isinstance(member, dict) and isinstance(member.get("name"), str)
                and isinstance(member.get("sha256"), str) and SHA256.fullmatch(member["sha256"])
                and isinstance(member.get("size"), int) and member["size"] >= 0):
            raise RestoreRefused(f"备份清单中的成员记录无效：{member!r}。")
        name = member["name"]
        if not _member_name_ok(name, vendor) or name in seen:
            raise RestoreRefused(f"备份清单中的成员名“{name}”无效或重复：清单已损坏或被改动。")
        seen.add(name)
    if DATABASE_MEMBERS[vendor] not in seen:
        raise RestoreRefused(f"备份清单中没有数据库成员 {DATABASE_MEMBERS[vendor]}：备份不完整。")
    return Manifest(src, vendor, str(data.get("created_at", "")), migrations, members,
                    data.get("gongwen") if isinstance(data.get("gongwen"), dict) else {},
                    hashlib.sha256((src / MANIFEST).read_bytes()).hexdigest())


def _member_name_ok(name: str, vendor: str) -> bool:
    if name in (DATABASE_MEMBERS[vendor], AUDIT_KEY, AUDIT_LOG):
        return True
    path = PurePosixPath(name)
    return (name.startswith(f"{FILES}/") and "\\" not in name and "\x00" not in name and not path.is_absolute()
            and len(path.parts) >= 2 and all(part not in (".", "..") for part in path.parts) and str(path) == name)


def check_backup(src: Path) -> Manifest:
    """Read the manifest and check every member's size and SHA-256 against it; a backup that
    fails is refused, naming the first member that differs."""
    manifest = read_manifest(src)
    for member in manifest.members:
        path = manifest.directory / member["name"]
        if path.is_symlink() or not path.is_file():
            raise RestoreRefused(f"备份成员 {member['name']} 缺失：备份不完整，未做任何改动。")
        size, digest = _hash(path)
        if size != member["size"] or digest != member["sha256"]:
            raise RestoreRefused(f"备份成员 {member['name']} 的 SHA-256 或大小与清单不符：备份已损坏或被改动，"
                                 "未做任何改动。")
    return manifest


def restore(src: Path, *, progress: Progress = _quiet) -> RestoreReport:
    """Restore the backup in ``src`` into this (empty) deployment and verify the result."""
    if connection.in_atomic_block:
        raise RestoreRefused("恢复不能在数据库事务中进行。")
    manifest = read_manifest(src)
    vendor = connection.vendor
    if manifest.vendor != vendor:
        raise RestoreRefused(
            f"这是 {VENDOR_NAMES[manifest.vendor]} 数据库的备份，本部署使用 {VENDOR_NAMES.get(vendor, vendor)}："
            f"不能直接恢复。请恢复到使用 {VENDOR_NAMES[manifest.vendor]} 的部署，再按迁移手册转换数据。")
    _refuse_newer_migrations(manifest)
    made = f"，备份于 {manifest.created_at}" if manifest.created_at else ""
    progress(f"[1/6] 备份清单：{len(manifest.members)} 个成员（{VENDOR_NAMES[vendor]}{made}），"
             f"清单的 SHA-256 为 {manifest.sha256}")

    problems = _target_problems()
    if problems:
        raise RestoreRefused(f"目标部署不是空的（{'；'.join(problems)}），为免覆盖现有数据，未做任何改动。"
                             "恢复只写入新建的部署：未迁移的空数据库或刚运行过 migrate 的数据库，空的文件目录。")
    progress("[2/6] 目标部署：数据库、文件目录、审计检查点均为空")

    check_backup(src)
    progress(f"[3/6] 备份成员：{len(manifest.members)} 个，大小和 SHA-256 均与清单一致")
    report = RestoreReport(source=manifest.directory, vendor=vendor)

    database = manifest.directory / manifest.database_member
    try:
        if vendor == "sqlite":
            _load_sqlite(database)
        else:
            _load_postgresql(database)
        progress(f"[4/6] 数据库：已从 {manifest.database_member} 恢复")
        report.files = _restore_files(manifest)
        report.set_aside, report.audit_files = _restore_audit(manifest)
    except OSError as exc:
        raise DomainError(f"恢复在写入时中断：{exc.strerror or exc}（{exc.filename or ''}）。目标部署可能只写入了一部分："
                          "请清空数据库、文件目录和审计目录后重新恢复。", code="restore_failed") from exc
    for path in report.set_aside:
        progress(f"  目标原有的空审计文件已改名保留：{path}")
    progress(f"[5/6] 文件：{report.files} 个；审计目录：{report.audit_files} 个文件")

    report.migrated = _migrate_if_behind()
    if report.migrated:
        progress(f"  备份的数据库结构比本版本旧：已运行 migrate（{report.migrated} 个迁移）")
    _verify(report)
    progress(f"[6/6] 校验：审计日志{'通过' if report.audit_ok else '未通过'}；"
             f"{report.rows_checked} 条文件记录已核对 SHA-256，{len(report.problems)} 处问题")
    return report


def _refuse_newer_migrations(manifest: Manifest) -> None:
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations  # no database touched
    unknown = [f"{app}.{name}" for app, name in sorted(manifest.migrations.items()) if (app, name) not in known]
    if unknown:
        raise RestoreRefused(f"备份中的数据库迁移 {'、'.join(unknown[:5])} 在本版本中不存在：备份来自更新的版本"
                             "（或其他软件），请先升级到备份时的版本再恢复。")


def _target_problems() -> list[str]:
    """What makes the target deployment not empty (an empty list: it is empty). Reads only:
    a SQLite file that does not exist is not even created."""
    problems = []
    if not (connection.vendor == "sqlite" and _sqlite_target_missing()):
        try:
            tables = set(connection.introspection.table_names())
        except Exception as exc:  # the database cannot be reached: say so in Chinese
            raise RestoreRefused(f"无法连接目标数据库（{_database_label()}）：{exc}") from exc
        found = []
        for label, what in DATA_MODELS.items():
            model = apps.get_model(label)
            if model._meta.db_table in tables:
                rows = model._default_manager.count()
                if rows:
                    found.append(f"{what} {rows} 条")
        if found:
            problems.append(f"数据库中已有{'、'.join(found)}")
    stored = _stored_files(Path(settings.FILES_ROOT))
    if stored:
        problems.append(f"文件目录 {settings.FILES_ROOT} 中已有 {len(stored)} 个文件")
    log = checkpoints.log_path()
    if log.exists():
        reading = checkpoints.read_checkpoints(log)
        covered = max((c.seq for c in reading.checkpoints), default=0)
        if reading.problems or covered:
            problems.append(f"审计检查点文件 {log} 中已有检查点（覆盖到第{covered}条事件）")
    return problems


def _sqlite_target_missing() -> bool:
    name = str(connection.settings_dict["NAME"])
    in_memory = name == ":memory:" or "mode=memory" in name
    return not in_memory and not Path(name).exists()


def _load_sqlite(database: Path) -> None:
    """The backup API again, the other way: the backup file into the target through the
    deployment's own connection (its settings, WAL included, stay the target's)."""
    source = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    try:
        connection.ensure_connection()
        source.backup(connection.connection)
    finally:
        source.close()


def _load_postgresql(database: Path) -> None:
    """The target holds at most the tables migrate made and their default rows (checked): they
    are dropped, then pg_restore fills the database in one transaction."""
    tables = connection.introspection.table_names()
    if tables:
        quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {quoted} CASCADE")  # noqa: S608 - names from the catalogue
    connection.close()
    args, env = _pg_connection()
    _run([_pg_program("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          "--no-password", *args, str(database)], env,
         "pg_restore 恢复数据库失败（整体回滚；目标库原有的空表已删除，修正后可重新恢复）")


def _restore_files(manifest: Manifest) -> int:
    root = Path(settings.FILES_ROOT)
    names = manifest.names(f"{FILES}/")
    expected = {m["name"]: m["sha256"] for m in manifest.members}
    for name in names:
        target = root / PurePosixPath(name).relative_to(FILES)
        entry = _copy(manifest.directory / name, target, mode=0o440, replace=True)
        if entry["sha256"] != expected[name]:  # changed since it was checked
            target.unlink(missing_ok=True)
            raise DomainError(f"备份成员 {name} 在恢复过程中发生变化：已停止，请清空目标部署后重新恢复。",
                              code="restore_failed")
    return len(names)


def _restore_audit(manifest: Manifest) -> tuple[list[str], int]:
    """The backup's key and checkpoint file into the places this deployment's audit code reads;
    a target's own (empty-chain) files are renamed and kept, never overwritten."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    set_aside = []
    for path in (checkpoints.key_path(), checkpoints.log_path()):
        if path.exists():
            kept = path.with_name(f"{path.name}.before-restore-{stamp}")
            os.rename(path, kept)
            set_aside.append(str(kept))
    count = 0
    for member, path in ((AUDIT_KEY, checkpoints.key_path()), (AUDIT_LOG, checkpoints.log_path())):
        if manifest.has(member):
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            _copy(manifest.directory / member, path, mode=0o600)
            count += 1
    return set_aside, count


def _migrate_if_behind() -> int:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        call_command("migrate", interactive=False, verbosity=0)
    return len(plan)


def _verify(report: RestoreReport) -> None:
    out = StringIO()
    try:
        call_command("verify_audit", stdout=out)
        report.audit_ok, report.audit_result = True, out.getvalue().strip()
    except CommandError as exc:
        report.audit_result = str(exc)
        report.problems.append(f"审计日志校验未通过：{exc}")
    root = Path(settings.FILES_ROOT)
    digests: dict[str, str | None] = {}
    for label, path_field, sha_field, what in STORED_FILES:
        model = apps.get_model(label)
        rows = model._default_manager.exclude(**{path_field: ""}).order_by("pk").values_list("pk", path_field, sha_field)
        for pk, rel, expected in rows.iterator():
            report.rows_checked += 1
            if rel not in digests:
                path = root / rel
                digests[rel] = _hash(path)[1] if path.is_file() else None
            found = digests[rel]
            if found is None:
                report.problems.append(f"{what}（{label} #{pk}）的文件 {rel} 缺失")
            elif found != expected:
                report.problems.append(f"{what}（{label} #{pk}）的文件 {rel} 与登记的 SHA-256 不符")


# --- PostgreSQL programs -----------------------------------------------------------------------

def _pg_connection() -> tuple[list[str], dict[str, str]]:
    """Command-line arguments and environment for pg_dump / pg_restore from the deployment's
    connection settings (the password through PGPASSWORD, never on the command line)."""
    s = connection.settings_dict
    args = ["--dbname", str(s["NAME"])]
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    env = dict(os.environ)
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return args, env


def _pg_program(name: str) -> str:
    """``GONGWEN_PG_BINDIR`` (as scripts/with_postgres.sh), then PATH, then the newest
    /usr/lib/postgresql/<version>/bin (Debian's postgresql packages)."""
    bindir = os.environ.get("GONGWEN_PG_BINDIR")
    candidates = [Path(bindir) / name] if bindir else []
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                      key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0, reverse=True)
    candidates += versions
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise DomainError(f"找不到 {name}：请安装 PostgreSQL 客户端程序（Debian 的 postgresql-client 软件包），"
                      "或用 GONGWEN_PG_BINDIR 指明其目录。", code="pg_program")


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - our own arguments
    except OSError as exc:
        raise DomainError(f"{what}：{exc}", code="pg_program") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise DomainError(f"{what}（退出码 {done.returncode}）：{' '.join(detail[-3:])}", code="pg_program")


# --- files -------------------------------------------------------------------------------------

def _hash(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _describe(path: Path) -> dict:
    size, digest = _hash(path)
    return {"sha256": digest, "size": size}


def _copy(source: Path, target: Path, *, mode: int, replace: bool = False) -> dict:
    with source.open("rb") as f:
        return _copy_stream(f, target, mode=mode, replace=replace)


def _copy_stream(source, target: Path, *, mode: int, replace: bool = False) -> dict:
    """Copy to a temporary file beside the target, synced, then renamed: a target is either
    absent or whole. Returns the SHA-256 and size of what was written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        if not replace and target.exists():
            raise FileExistsError(17, "目标文件已存在", str(target))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return {"sha256": digest.hexdigest(), "size": size}


def _write_new(target: Path, data: bytes) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _size(n: int) -> str:
    for unit, scale in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"
