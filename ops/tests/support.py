"""What the backup suites share: a small deployment with real data to back up, and
``manage.py`` run in a subprocess against a second deployment of its own (a database, a
files root and an audit directory in fresh temporary paths), the way an operator restores.

``state()`` is what a deployment holds, read the same way in the test process (the source)
and in the subprocess (the restored target): the row count of every model and every stored
file row with its path and SHA-256.
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO
from pathlib import Path

from django.apps import apps
from django.utils import timezone

from audit import checkpoints
from documents.models import DocumentFile
from documents.services import upload_file
from incoming.services import IncomingData, register_incoming
from ops.backup import STORED_FILES
from org import services as org
from tests.office import Office, build_office

ROOT = Path(__file__).resolve().parents[2]
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class Source:
    office: Office
    files: int  # stored files


def build_source() -> Source:
    """The test office, a registered document with a body in two versions and an attachment
    (three stored files), a signed audit checkpoint, and one audit event after it (not yet
    covered, as on a live deployment)."""
    office = build_office()
    document = register_incoming(actor=office.clerk, agency=office.gov, data=IncomingData(
        title="关于报送道路安全整治情况的通知", doc_type="通知", sender_id=office.province.pk,
        doc_number="示省政办〔2026〕12号", sender_deadline=timezone.now() + timedelta(days=3)))
    first = upload_file(actor=office.clerk, document=document, name="正文.pdf", data=PDF)
    upload_file(actor=office.clerk, document=document, name="正文.pdf", data=PDF + b"%v2\n", replaces=first.file)
    upload_file(actor=office.clerk, document=document, name="附件.png", data=PNG, role=DocumentFile.Role.ATTACHMENT)
    checkpoints.write_checkpoint(by="测试")
    org.create_unit(actor=office.sysadmin, agency=office.gov, name="调研组")
    return Source(office=office, files=3)


def state() -> dict:
    counts = {m._meta.label: m._default_manager.count() for m in apps.get_models()
              if m._meta.managed and not m._meta.proxy}
    files = []
    for label, path_field, sha_field, _what in STORED_FILES:
        model = apps.get_model(label)
        files += [list(row) for row in model._default_manager.exclude(**{path_field: ""}).order_by("pk")
                  .values_list(path_field, sha_field)]
    return {"counts": counts, "files": files}


def print_state() -> None:
    """For the subprocess: the state, then verify_audit's verdict, as one JSON line."""
    from django.core.management import CommandError, call_command

    try:
        call_command("verify_audit", stdout=StringIO())
        audit = "ok"
    except CommandError as exc:
        audit = str(exc)
    print(json.dumps({**state(), "audit": audit}, ensure_ascii=False))


@dataclass
class Target:
    """A second deployment: its own database, files root and audit directory."""

    env: dict
    files_root: Path
    audit_dir: Path
    database: Path | None  # the SQLite file; None on PostgreSQL

    def manage(self, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=timeout, check=False)

    def state(self) -> dict:
        done = self.manage("shell", "-c", "from ops.tests.support import print_state; print_state()")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    def written(self) -> list[str]:
        """Whatever the deployment has on disk besides its database."""
        return sorted(str(p) for base in (self.files_root, self.audit_dir) if base.exists()
                      for p in base.rglob("*") if p.is_file())


def target(base: Path, *, pg_url: str | None = None) -> Target:
    """A deployment in ``base`` (nothing made yet), on SQLite or at the PostgreSQL URL given.
    The caller's GONGWEN_* settings are left out, so nothing of the test process leaks in."""
    base.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGWEN_") or k == "GONGWEN_PG_BINDIR"}
    env.update(GONGWEN_VAR_DIR=str(base / "var"), GONGWEN_FILES_ROOT=str(base / "files"),
               GONGWEN_AUDIT_DIR=str(base / "audit"))
    database = None
    if pg_url:
        env["GONGWEN_PG_URL"] = pg_url
    else:
        database = base / "gongwen.sqlite3"
        env["GONGWEN_SQLITE_PATH"] = str(database)
    return Target(env=env, files_root=base / "files", audit_dir=base / "audit", database=database)
