"""`manage.py scan_supervision`: run the stall scan (停滞督促) now, as the worker does hourly."""

from django.core.management.base import BaseCommand

from supervision import services


class Command(BaseCommand):
    help = "标记并督促停滞的督办事项（超过报送间隔未报送进展的），每次停滞只督促一次。"

    def handle(self, *args, **options):
        result = services.scan_stalled()
        self.stdout.write(str(result))
        if result.flagged:
            self.stdout.write("督办事项编号：" + "、".join(str(pk) for pk in result.flagged))
