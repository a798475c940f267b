"""``manage.py scan_deadlines``: one reminder scan now (the worker runs it every five minutes)."""

from django.core.management.base import BaseCommand

from deadlines.tasks import scan_deadlines


class Command(BaseCommand):
    help = "立即执行一次催办扫描（到期提醒、逾期督促），后台任务每5分钟自动执行一次。"

    def handle(self, *args, **options):
        self.stdout.write(scan_deadlines())
