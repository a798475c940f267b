"""Password rules (口令策略, 等保 level 3, GB/T 22239-2019 8.1.4.1 a): the validators named
in ``settings.AUTH_PASSWORD_VALIDATORS`` and the reading of an account's password state.

Django has no validator for "three of the four kinds of character", none for "must not
contain the login name" (its similarity validator measures a ratio, and lets a long
password with the name inside pass) and none for "not one of the last five"; its
minimum-length validator speaks English in Django 5.2 (its Chinese no longer matches).
They are written here. What an account's password state is (must it be
changed now, and why) is read from ``PasswordRecord`` (org.models): a password is the
owner's own only when the newest record says the owner set it, so an account created,
imported or reset by an administrator, or set by the operator at the command line, is
changed at its first login.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone

KINDS = (
    ("大写字母", lambda ch: "A" <= ch <= "Z"),
    ("小写字母", lambda ch: "a" <= ch <= "z"),
    ("数字", lambda ch: "0" <= ch <= "9"),
    ("符号", lambda ch: not ("A" <= ch <= "Z" or "a" <= ch <= "z" or "0" <= ch <= "9")),
)

# Why a password must be changed before anything else (the session keeps the key).
INITIAL = "initial"
EXPIRED = "expired"
# The session key that holds why the signed-in person must change the password now (INITIAL or
# EXPIRED): written at sign-in (web.security), cleared by the change (page or API).
PASSWORD_CHANGE = "gw_password_change"  # noqa: S105 - a session key, not a password
# The published password of every demo account (demo/office.py sets it, `make run` prints it):
# accepted without a forced change in the demo only (settings.DEMO_MODE), and a deployment
# refuses to start while an account still has it (org/checks.py).
DEMO_PASSWORD = "gongwen2026"  # noqa: S105 -- the published demo password, printed by `make run`


def kinds_in(password: str) -> list[str]:
    return [name for name, test in KINDS if any(test(ch) for ch in password)]


class MinimumLengthValidator:
    """At least ``min_length`` characters. Django's own has this rule, but its Chinese
    translation no longer matches its message in Django 5.2, which then shows in English."""

    def __init__(self, min_length: int = 8):
        self.min_length = min_length

    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(f"密码至少{self.min_length}位（现在只有{len(password)}位）。", code="password_too_short")

    def get_help_text(self):
        return f"密码至少{self.min_length}位。"


class CharacterKindsValidator:
    """At least ``min_kinds`` of: upper-case letters, lower-case letters, digits, symbols
    (any other character counts as a symbol)."""

    def __init__(self, min_kinds: int = 3):
        self.min_kinds = min_kinds

    def validate(self, password, user=None):
        found = kinds_in(password)
        if len(found) < self.min_kinds:
            have = "、".join(found) or "无"
            raise ValidationError(
                f"密码须包含大写字母、小写字母、数字、符号四类中的至少{self.min_kinds}类（现在只有：{have}）。",
                code="password_too_simple")

    def get_help_text(self):
        return f"密码须包含大写字母、小写字母、数字、符号四类中的至少{self.min_kinds}类。"


class UsernameNotContainedValidator:
    """The password must not contain the login name, in any case. Names shorter than three
    characters are not checked: they would forbid half the alphabet."""

    def validate(self, password, user=None):
        username = (getattr(user, "username", "") or "").strip().lower()
        if len(username) >= 3 and username in password.lower():
            raise ValidationError(f"密码不能包含登录名“{user.username}”。", code="password_contains_username")

    def get_help_text(self):
        return "密码不能包含登录名。"


class NotRecentlyUsedValidator:
    """Not the current password nor one of the last ``depth`` (the history is kept in
    ``PasswordRecord``; each comparison is a full hash check, so at most ``depth + 1``)."""

    def __init__(self, depth: int | None = None):
        self.depth = depth

    def _depth(self) -> int:
        return self.depth if self.depth is not None else settings.PASSWORD_HISTORY_DEPTH

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        from .models import PasswordRecord

        depth = self._depth()
        hashes = list(PasswordRecord.objects.filter(user_id=user.pk).order_by("-set_at", "-id")
                      .values_list("password_hash", flat=True)[:depth])
        if user.has_usable_password() and user.password not in hashes:
            hashes.insert(0, user.password)
        if any(check_password(password, encoded) for encoded in hashes[:depth]):
            raise ValidationError(f"新密码不能与最近{depth}次使用过的密码相同。", code="password_reused")

    def get_help_text(self):
        return f"不能与最近{self._depth()}次使用过的密码相同。"


@dataclass(frozen=True)
class PasswordState:
    """What Gongwen knows of an account's password."""

    set_at: datetime | None  # when the owner last set it; None: never set by the owner
    expires_at: datetime | None
    change_reason: str | None  # INITIAL, EXPIRED or None

    @property
    def message(self) -> str:
        return change_message(self.change_reason)


def change_message(reason: str | None) -> str:
    if reason == INITIAL:
        return "您的密码是管理员设置的初始密码（或重置后的密码），须先修改为只有您本人知道的密码。"
    if reason == EXPIRED:
        return f"您的密码已使用超过{settings.PASSWORD_MAX_AGE_DAYS}天，须修改后才能继续使用。"
    return ""


def max_age() -> timedelta:
    return timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)


def password_state(user, raw_password: str | None = None) -> PasswordState:
    """The state of ``user``'s current password. With ``raw_password`` (at login) a record
    whose hash differs from the stored one only because Django re-hashed the same password
    (new hasher parameters, a test resetting it) is recognised and brought up to date."""
    from .models import PasswordRecord

    if not user.has_usable_password():
        return PasswordState(None, None, None)
    latest = PasswordRecord.objects.filter(user_id=user.pk).order_by("-set_at", "-id").first()
    own = latest is not None and latest.by_owner and (
        latest.password_hash == user.password
        or (raw_password is not None and check_password(raw_password, latest.password_hash)))
    if own and latest.password_hash != user.password:
        PasswordRecord.objects.filter(pk=latest.pk).update(password_hash=user.password)
    if not own:
        if settings.DEMO_MODE and raw_password is not None and _is_demo_password(raw_password):
            # The published demo password, in the demo only: the printed logins keep working.
            return PasswordState(None, None, None)
        return PasswordState(None, None, INITIAL)
    expires_at = latest.set_at + max_age()
    return PasswordState(latest.set_at, expires_at, EXPIRED if timezone.now() >= expires_at else None)


def _is_demo_password(raw_password: str) -> bool:
    return raw_password == DEMO_PASSWORD
