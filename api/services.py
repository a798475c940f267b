"""State changes of API tokens: issue (the clear token is returned once) and revoke.
Both run atomically and are audited."""

import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from audit import services as audit
from gongwen.errors import DomainError, NotFound, PermissionDenied
from org.models import Person

from .models import ApiToken

TOKEN_PREFIX = "gw_"
MAX_ACTIVE_TOKENS = 10


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass
class IssuedToken:
    token: ApiToken
    clear: str  # shown once, never stored


@transaction.atomic
def issue_token(*, actor: Person | None, name: str, person: Person | None = None) -> IssuedToken:
    """Issue a token for ``person`` (default: the actor). A person issues tokens only for
    themselves; ``actor=None`` is the server operator at the command line."""
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
    if ApiToken.objects.filter(person=person, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise DomainError(f"每人最多持有 {MAX_ACTIVE_TOKENS} 个有效令牌，请先吊销不用的令牌。")
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(person=person, name=name, prefix=clear[:10], key_hash=hash_token(clear))
    audit.record(actor=actor, action="api.token.issue", target=token,
                 new={"person": person.pk, "name": name, "prefix": token.prefix})
    return IssuedToken(token=token, clear=clear)


@transaction.atomic
def revoke_token(*, actor: Person | None, token: ApiToken) -> ApiToken:
    """Revoke a token: its holder may, and so may the operator at the command line."""
    token = ApiToken.objects.select_for_update().filter(pk=token.pk).first()
    if token is None or (actor is not None and token.person_id != actor.pk):
        raise NotFound("未找到该令牌。")
    if token.revoked_at is not None:
        raise DomainError("该令牌已吊销。")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action="api.token.revoke", target=token, new={"person": token.person_id})
    return token
