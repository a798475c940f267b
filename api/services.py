"""State changes of API tokens (接口令牌): issue (the clear token is returned once) and
revoke, both atomic and audited, and the rules of when a token still authenticates.

A token is a credential of its holder and nothing more: it authenticates as the person
(so it has exactly the person's rights, as they are at each request), it is issued only
to the person himself and only from a signed-in page session (a token cannot mint
another token), and it lives until the first of: its expiry (``settings.API_TOKEN_DAYS``
by default, at most ``settings.API_TOKEN_MAX_DAYS``), its revocation, a change or reset
of the holder's password, the holder leaving his post. While the holder's account is
locked after failed logins, his tokens are refused too (api/auth.py).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from audit import services as audit
from gongwen.errors import DomainError, NotFound, PermissionDenied
from org.models import Person

from .models import ApiToken

TOKEN_PREFIX = "gw_"
MAX_ACTIVE_TOKENS = 10
_STAMP_SALT = "gongwen.api.ApiToken.password_stamp"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def password_stamp(user, secret: str | None = None) -> str:
    """An HMAC of the account's password hash: it changes whenever the password is changed
    or reset (and, once, when Django re-hashes a password after a hasher upgrade), as the
    hash Django keeps in a session does. Never the password hash itself."""
    return salted_hmac(_STAMP_SALT, user.password, secret=secret, algorithm="sha256").hexdigest()


def stamp_matches(token: ApiToken, user) -> bool:
    secrets_ = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(constant_time_compare(token.password_stamp, password_stamp(user, s)) for s in secrets_)


def token_state(token: ApiToken, now: datetime | None = None) -> str:
    """有效, 已吊销, 已过期 or 已失效（密码已修改）, as the list of tokens shows it."""
    now = now or timezone.now()
    if token.revoked_at is not None:
        return "已吊销"
    if token.expires_at <= now:
        return "已过期"
    if not stamp_matches(token, token.person.user):
        return "已失效（密码已修改）"
    return "有效"


def lifetime(days: int | None) -> timedelta:
    """The lifetime asked for (whole days), within the limit of the settings."""
    longest = settings.API_TOKEN_MAX_DAYS
    if days is None:
        days = min(settings.API_TOKEN_DAYS, longest)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= longest:
        raise DomainError(f"令牌有效期须为1至{longest}天（不填则为{min(settings.API_TOKEN_DAYS, longest)}天）。",
                          code="token_lifetime")
    return timedelta(days=days)


@dataclass
class IssuedToken:
    token: ApiToken
    clear: str  # shown once, never stored


@transaction.atomic
def issue_token(*, actor: Person | None, name: str, person: Person | None = None, days: int | None = None,
                via_token: ApiToken | None = None) -> IssuedToken:
    """Issue a token for ``person`` (default: the actor), valid for ``days`` days (default
    ``settings.API_TOKEN_DAYS``). A person issues tokens only for himself, and only from a
    page session: ``via_token`` is the token the request authenticated with, if it did,
    and is refused. ``actor=None`` is the server operator at the command line."""
    if via_token is not None:
        raise PermissionDenied("不能用接口令牌签发新的令牌：请在页面登录后，在登录会话中签发。",
                               code="token_cannot_issue")
    person = person or actor
    if person is None:
        raise DomainError("请指定令牌所属人员。")
    if actor is not None and actor.pk != person.pk:
        raise PermissionDenied("只能为自己签发接口令牌。")
    person = Person.objects.select_for_update().select_related("user").get(pk=person.pk)
    if not person.is_active or not person.user.is_active:
        raise DomainError(f"{person.name}已不在岗，不能签发接口令牌。")
    name = (name or "").strip()
    if not name:
        raise DomainError("请填写令牌用途，如“督办系统对接”。")
    if len(name) > 60:
        raise DomainError("令牌用途过长（不超过60字）。")
    life = lifetime(days)
    now = timezone.now()
    active = ApiToken.objects.filter(person=person, revoked_at__isnull=True, expires_at__gt=now)
    if active.count() >= MAX_ACTIVE_TOKENS:
        raise DomainError(f"每人最多持有 {MAX_ACTIVE_TOKENS} 个有效令牌，请先吊销不用的令牌。")
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(person=person, name=name, prefix=clear[:10], key_hash=hash_token(clear),
                                    created_at=now, expires_at=now + life,
                                    password_stamp=password_stamp(person.user))
    audit.record(actor=actor, action="api.token.issue", target=token,
                 new={"person": person.pk, "name": name, "prefix": token.prefix, "expires_at": token.expires_at})
    return IssuedToken(token=token, clear=clear)


@transaction.atomic
def revoke_token(*, actor: Person | None, token: ApiToken) -> ApiToken:
    """Revoke a token: its holder may (from a page session or with any of his tokens, this
    one included: whoever finds a token leaked may kill it at once), and so may the
    operator at the command line. An expired token may still be revoked."""
    token = ApiToken.objects.select_for_update().filter(pk=token.pk).first()
    if token is None or (actor is not None and token.person_id != actor.pk):
        raise NotFound("未找到该令牌。")
    if token.revoked_at is not None:
        raise DomainError("该令牌已吊销。")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action="api.token.revoke", target=token, new={"person": token.person_id})
    return token
