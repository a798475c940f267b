from django.core.management.base import BaseCommand, CommandError

from audit.services import verify_chain


class Command(BaseCommand):
    help = "校验审计日志哈希链，报告第一处断链。"

    def handle(self, *args, **options):
        ok, message, _count = verify_chain()
        if not ok:
            raise CommandError(message)
        self.stdout.write(self.style.SUCCESS(message))
