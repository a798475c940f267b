"""``manage.py restore SRC_DIR``: restore a backup made by ``manage.py backup`` into this
deployment, which must be empty (ops.backup.restore), then verify the audit chain and every
stored file. ``--check`` only checks the backup against its manifest. Exits non-zero when
anything is refused or fails."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gongwen.errors import DomainError
from ops.backup import VENDOR_NAMES, check_backup, restore


class Command(BaseCommand):
    help = ("从 manage.py backup 做的备份恢复到本部署（须为新建的空部署）：先核对清单和每个成员的 SHA-256，"
            "再写入数据库、文件和审计目录，然后校验审计日志和每条文件记录。")
    # The target is an empty deployment, possibly without tables: checks that read the
    # database must not run first.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("src", type=Path, help="备份目录（含 manifest.json）")
        parser.add_argument("--check", action="store_true", help="只核对备份是否完整（每个成员的 SHA-256），不恢复")

    def handle(self, *args, src, check=False, **options):
        try:
            if check:
                manifest = check_backup(src)
                self.stdout.write(self.style.SUCCESS(
                    f"备份完整：{len(manifest.members)} 个成员的大小和 SHA-256 均与清单一致"
                    f"（{VENDOR_NAMES[manifest.vendor]}，备份于 {manifest.created_at}；清单的 SHA-256 为 {manifest.sha256}）。"))
                return
            report = restore(src, progress=self.stdout.write)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if report.audit_result:
            self.stdout.write(report.audit_result)
        for problem in report.problems:
            self.stdout.write(f"  问题：{problem}")
        if not report.ok:
            raise CommandError(report.summary)
        self.stdout.write(self.style.SUCCESS(report.summary))
