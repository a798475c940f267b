"""Who is calling: a bearer token, or the Django session of the pages.

Both resolve to the caller's ``Person`` (``request.auth``). A session caller must pass
the CSRF check on unsafe methods, as a page form would: the pages' own JavaScript
sends the ``X-CSRFToken`` header. Token callers are not subject to CSRF (a browser
never attaches the token by itself).
"""

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from gongwen.errors import PermissionDenied
from org.access import person_of
from org.models import Person

from .models import ApiToken
from .services import hash_token

# last_used_at is written at most this often per token, so that a busy client does not
# turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


def _usable(person: Person | None) -> Person | None:
    if person is None or not person.is_active or not person.user.is_active:
        return None
    return person


class TokenAuth(HttpBearer):
    """``Authorization: Bearer gw_…``"""

    def authenticate(self, request: HttpRequest, token: str) -> Person | None:
        token = (token or "").strip()
        if not token:
            return None
        record = (ApiToken.objects.select_related("person", "person__user")
                  .filter(key_hash=hash_token(token), revoked_at__isnull=True).first())
        if record is None:
            return None
        person = _usable(record.person)
        if person is None:
            return None
        now = timezone.now()
        if record.last_used_at is None or now - record.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
        request.api_token = record
        return person


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
