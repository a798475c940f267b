"""manage.py issue_token USERNAME [--name 用途] [--days N]: print a new API token for a
person, once. The operator at the server issues it (no page session there); the token
expires like any other, after --days days (default settings.API_TOKEN_DAYS, at most
settings.API_TOKEN_MAX_DAYS)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from api.services import issue_token
from gongwen.errors import DomainError
from org.models import Person
from ui.dates import cn_datetime


class Command(BaseCommand):
    help = "为人员签发接口访问令牌（令牌只显示一次，系统只保存其 SHA-256 摘要）。"

    def add_arguments(self, parser):
        parser.add_argument("username", help="人员的登录名")
        parser.add_argument("--name", default="命令行签发", help="令牌用途")
        parser.add_argument("--days", type=int, default=None,
                            help=f"有效天数（默认 {settings.API_TOKEN_DAYS} 天，最长 {settings.API_TOKEN_MAX_DAYS} 天）")

    def handle(self, *args, username, name, days, **options):
        person = Person.objects.filter(user__username=username).first()
        if person is None:
            raise CommandError(f"登录名“{username}”不存在。")
        try:
            issued = issue_token(actor=None, name=name, person=person, days=days)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(f"已为{person.name}（{username}）签发令牌“{name}”，{cn_datetime(issued.token.expires_at)}到期。"
                          "令牌只显示这一次，请妥善保存：")
        self.stdout.write(issued.clear)
