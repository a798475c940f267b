"""``manage.py load_demo``: load the demo office 示范市 (idempotent).

With ``--print-logins`` it then prints the demo logins and the shared demo password;
``make run`` shows that output when the server is up.
"""

from django.core.management.base import BaseCommand, CommandError

from demo import office as demo
from gongwen.errors import DomainError


class Command(BaseCommand):
    help = ("载入演示数据：示范市的市委办公室、市政府办公室、八个部门、一个二级局、一个市属企业及其人员，"
            "和处于各个办理环节的约五十件收文。已载入时不做任何改动。")

    def add_arguments(self, parser):
        parser.add_argument("--print-logins", action="store_true", help="随后打印演示账号和统一演示密码")
        parser.add_argument("--all-logins", action="store_true", help="与 --print-logins 同用：列出全部演示账号")

    def handle(self, *args, **options):
        try:
            result = demo.load_demo()
        except DomainError as exc:
            raise CommandError(f"载入演示数据失败（未做任何改动）：{exc.message}") from exc
        self.stdout.write(result.message)
        if options["print_logins"] or options["all_logins"]:
            self.stdout.write(demo.format_logins(include_all=options["all_logins"]))
