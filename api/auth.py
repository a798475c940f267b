"""Who is calling: a bearer token, or the Django session of the pages.

Both resolve to the caller's ``Person`` (``request.auth``). A session caller must pass
the CSRF check on unsafe methods, as a page form would: the pages' own JavaScript
sends the ``X-CSRFToken`` header. Token callers are not subject to CSRF (a browser
never attaches the token by itself).

A token that is not known is simply not a credential (401, as with none). A known token
that no longer authenticates — expired, revoked, its holder's password changed, the
holder off his post or his account locked after failed logins — is refused with a 401
that says why, so that whoever runs the integration knows what to do.
"""

from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from gongwen.errors import PermissionDenied
from org.access import person_of
from org.models import Person
from ui.dates import cn_datetime

from .models import ApiToken
from .services import hash_token, stamp_matches

# last_used_at is written at most this often per token, so that a busy client does not
# turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


class TokenRefused(AuthenticationError):
    """A known token that does not authenticate (any more): a 401 with a Chinese reason
    (``detail``) and a code (api/errors.py answers it)."""

    def __init__(self, detail: str, *, code: str):
        super().__init__(401, detail)
        self.detail = detail
        self.code = code


def _usable(person: Person | None) -> Person | None:
    if person is None or not person.is_active or not person.user.is_active:
        return None
    return person


def _refusal(request: HttpRequest, record: ApiToken) -> TokenRefused | None:
    """Why this token does not authenticate now, or None if it does."""
    person = record.person
    if record.revoked_at is not None:
        return TokenRefused(f"该接口令牌已于{cn_datetime(record.revoked_at)}吊销，不能再使用。", code="token_revoked")
    if record.expires_at <= timezone.now():
        return TokenRefused(f"该接口令牌已于{cn_datetime(record.expires_at)}过期，请在页面登录后重新签发。",
                            code="token_expired")
    if _usable(person) is None:
        return TokenRefused(f"令牌持有人{person.name}已不在岗（账号已停用），其接口令牌不能再使用。",
                            code="token_holder_inactive")
    if not stamp_matches(record, person.user):
        return TokenRefused("签发该令牌后，持有人的密码已修改或重置，令牌随之失效，请在页面登录后重新签发。",
                            code="token_password_changed")
    # The lock of failed logins (django-axes), by the same rule as the login page: the
    # account, or the address the request comes from.
    if not AxesProxyHandler.is_allowed(request, {"username": person.user.username}):
        return TokenRefused("登录失败次数过多，账号或所在地址已被锁定，接口令牌暂停使用；请稍后再试，"
                            "或联系安全保密管理员解锁。", code="account_locked")
    return None


class TokenAuth(HttpBearer):
    """``Authorization: Bearer gw_…``"""

    def authenticate(self, request: HttpRequest, token: str) -> Person | None:
        token = (token or "").strip()
        if not token:
            return None
        record = (ApiToken.objects.select_related("person", "person__user")
                  .filter(key_hash=hash_token(token)).first())
        if record is None:
            return None
        refusal = _refusal(request, record)
        if refusal is not None:
            raise refusal
        now = timezone.now()
        if record.last_used_at is None or now - record.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
        request.api_token = record
        return record.person


class SessionAuth(APIKeyCookie):
    """The signed-in page session, with CSRF enforced for unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self):
        super().__init__(csrf=False)  # checked below, only once the session is known

    def authenticate(self, request: HttpRequest, key: str | None) -> Person | None:
        person = _usable(person_of(getattr(request, "user", None)))
        if person is None:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise PermissionDenied("CSRF 校验失败：通过页面会话调用接口时，修改操作须携带 X-CSRFToken 请求头。",
                                   code="csrf")
        return person


token_auth = TokenAuth()
session_auth = SessionAuth()
