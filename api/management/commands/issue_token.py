"""manage.py issue_token USERNAME [--name 用途]: print a new API token for a person, once."""

from django.core.management.base import BaseCommand, CommandError

from api.services import issue_token
from gongwen.errors import DomainError
from org.models import Person


class Command(BaseCommand):
    help = "为人员签发接口访问令牌（令牌只显示一次，系统只保存其 SHA-256 摘要）。"

    def add_arguments(self, parser):
        parser.add_argument("username", help="人员的登录名")
        parser.add_argument("--name", default="命令行签发", help="令牌用途")

    def handle(self, *args, username, name, **options):
        person = Person.objects.filter(user__username=username).first()
        if person is None:
            raise CommandError(f"登录名“{username}”不存在。")
        try:
            issued = issue_token(actor=None, name=name, person=person)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(f"已为{person.name}（{username}）签发令牌“{name}”。令牌只显示这一次，请妥善保存：")
        self.stdout.write(issued.clear)
