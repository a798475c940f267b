from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.checkpoints import public_key_from_text
from audit.verification import verify_audit
from gongwen.errors import DomainError


class Command(BaseCommand):
    help = ("校验审计日志：逐条核对哈希链，再用审计签名公钥核对每个检查点，并确认链中仍有检查点记录的事件；"
            "报告第一处断链、被截断的范围和被改动的检查点。")

    def add_arguments(self, parser):
        parser.add_argument("--checkpoints", type=Path, default=None,
                            help="用安全审计员导出的检查点文件校验（默认：本部署的检查点文件）")
        parser.add_argument("--public-key", type=Path, default=None,
                            help="用安全审计员导出的公钥文件校验（默认：本部署的审计签名密钥）")

    def handle(self, *args, checkpoints=None, public_key=None, **options):
        key = None
        if public_key is not None:
            try:
                key = public_key_from_text(public_key.read_text(encoding="utf-8"))
            except OSError as exc:
                raise CommandError(f"无法读取公钥文件 {public_key}：{exc.strerror}") from exc
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        if checkpoints is not None and not checkpoints.exists():
            raise CommandError(f"检查点文件 {checkpoints} 不存在。")
        report = verify_audit(checkpoint_file=checkpoints, public_key=key)
        if not report.ok:
            for note in report.notes:
                self.stdout.write(note)
            raise CommandError("\n".join(report.problems))
        self.stdout.write(self.style.SUCCESS(report.message))
