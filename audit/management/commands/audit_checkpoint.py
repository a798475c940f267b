from django.core.management.base import BaseCommand

from audit.checkpoints import log_path, write_checkpoint


class Command(BaseCommand):
    help = "立即写入一个审计检查点（事件数与最新哈希，以本部署的 SM2 审计密钥签名），追加到数据库之外的检查点文件。"

    def handle(self, *args, **options):
        checkpoint = write_checkpoint(by="命令行")
        self.stdout.write(self.style.SUCCESS(
            f"已写入审计检查点：覆盖到第{checkpoint.seq}条（哈希 {checkpoint.hash[:16]}…），"
            f"写入 {log_path()}。"))
