"""manage.py compute_stats [--year Y --month M] [--agency ID] [--months N]: compute the
monthly statistics now (the worker does it nightly for this month and the last)."""

from django.core.management.base import BaseCommand, CommandError

from gongwen.errors import DomainError
from org.models import Agency
from stats import services


class Command(BaseCommand):
    help = "计算月度统计（默认本月；--months N 连同之前共 N 个月）。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int)
        parser.add_argument("--month", type=int)
        parser.add_argument("--agency", type=int, help="只计算该机关（id）；默认全部使用本系统的机关")
        parser.add_argument("--months", type=int, default=1, help="连同之前共计算几个月")

    def handle(self, *args, year=None, month=None, agency=None, months=1, **options):
        cy, cm = services.current_month()
        year, month = year or cy, month or (cm if year in (None, cy) else 12)
        target = None
        if agency is not None:
            target = Agency.objects.filter(pk=agency).first()
            if target is None:
                raise CommandError(f"没有 id 为 {agency} 的机关。")
        todo = []
        for _ in range(max(1, months)):
            todo.append((year, month))
            year, month = services.previous_month(year, month)
        for y, m in reversed(todo):
            try:
                done = services.compute_month(y, m, target)
            except DomainError as exc:
                raise CommandError(exc.message) from None
            self.stdout.write(f"{y}年{m}月：{done.agencies}个机关、{done.units}个处室、{done.leaders}位领导，"
                              f"用时{done.seconds:.2f}秒")
