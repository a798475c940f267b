"""``manage.py backup [DEST_DIR]``: back the deployment up (ops.backup.backup): the database,
the document files, the audit directory and a manifest of their SHA-256, into a new directory
(default ``VAR_DIR/backups/<time>``). Safe while the server runs."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gongwen.errors import DomainError
from ops.backup import backup


class Command(BaseCommand):
    help = ("备份本部署：数据库（SQLite 在线备份 / PostgreSQL pg_dump）、公文文件、审计目录（密钥与检查点文件），"
            "并写出列有每个成员 SHA-256 的清单 manifest.json。服务运行时也可备份。")
    # A backup must not be stopped by the deployment's checks (e.g. org.E001 on demo passwords).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("dest", nargs="?", type=Path, default=None,
                            help="备份目录（须不存在或为空目录；默认 var/backups/<时间>）")

    def handle(self, *args, dest=None, **options):
        try:
            backup(dest, progress=self.stdout.write)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
