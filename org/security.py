"""Signing in (等保 level 3): password changes and resets, the second factor (TOTP),
ending sessions, failed-login locks, and the audit events of all of them.

The libraries do the mechanics: Django hashes and validates passwords
(``AUTH_PASSWORD_VALIDATORS``, org/passwords.py), django-axes counts failures and
refuses a locked account, django-otp keeps TOTP devices and marks a verified session.
What they do not do is written here: the rules of who must present a second factor,
who may lift a lock or reset a password (三员分立), and the audit event of each step,
with the action names ``auth.*``.

A refused login, a wrong code or a wrong old password is itself a security event: it
is recorded (in its own transaction), and then refused.
"""

from __future__ import annotations

import secrets
from base64 import b32encode
from binascii import unhexlify
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q, Sum
from django.utils import timezone, translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit import services as audit
from gongwen.errors import DomainError, NotFound, PermissionDenied

from . import access
from .models import AdminRole, PasswordRecord, Person
from .passwords import password_state

User = get_user_model()

# --- who is who in the audit log ----------------------------------------------------------


def _person(user) -> Person | None:
    return Person.objects.filter(user_id=user.pk).first() if user is not None else None


def _actor(user):
    """The person behind an account; an account without one (the operator's superuser) is
    named by its login name, never by a number that would read as a person's id."""
    person = getattr(user, "person", None) if user is not None else None
    return person if person is not None else (f"账号 {user.username}" if user is not None else None)


def _account(actor):
    """The account (User) of an actor given as the person or as the signed-in user."""
    return User.objects.get(pk=actor.user_id if isinstance(actor, Person) else actor.pk)


def _target(user):
    person = getattr(user, "person", None)
    return person if person is not None else ("User", user.pk)


# --- who must present a second factor ---------------------------------------------------------


def totp_device(user) -> TOTPDevice | None:
    """The person's confirmed authenticator (身份验证器), if any."""
    if user is None or not user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("-id").first()


def second_factor_mandatory(person: Person | None) -> bool:
    """The three administrators (三员) may not sign in on a password alone."""
    return person is not None and person.admin_role in (AdminRole.SYSTEM, AdminRole.SECURITY, AdminRole.AUDITOR)


def second_factor_required(user) -> bool:
    """An administrator, or anyone who has set up an authenticator, signs in with it."""
    return second_factor_mandatory(getattr(user, "person", None)) or totp_device(user) is not None


def require_second_factor_for_token(request, person: Person) -> None:
    """等保 level 3: an API token is a credential of its own, so one is issued to a person who
    signs in with a second factor only from a session verified with it (a token cannot
    mint another for such a person). Raises the Chinese 403 otherwise."""
    if person is None or not second_factor_required(person.user):
        return
    by_token = getattr(request, "api_token", None) is not None
    is_verified = getattr(getattr(request, "user", None), "is_verified", None)
    if by_token or not (is_verified and is_verified()):
        raise PermissionDenied("签发接口令牌须先完成双因素验证：请在页面登录并输入身份验证器中的验证码后，"
                               "在该会话中签发。", code="second_factor_required")


# --- signing in and out ------------------------------------------------------------------------


@transaction.atomic
def record_login(*, user, second_factor: str, password_change: str | None = None) -> None:
    """``auth.login``: the password was right. ``second_factor`` says what follows:
    "verify" (the code is asked next), "setup" (an administrator without an authenticator
    sets one up next) or "" (nothing)."""
    audit.record(actor=_actor(user), action="auth.login", target=_target(user),
                 new={"username": user.username, "second_factor": second_factor,
                      "password_change": password_change or ""})


@transaction.atomic
def record_login_failure(*, username: str, ip_address: str | None, locked: bool, lock_started: bool) -> None:
    """``auth.login_failed`` for every refused login; ``auth.lockout`` as well when this
    failure was the one that locked the account or the address."""
    username = (username or "")[:150]
    user = User.objects.filter(username=username).first() if username else None
    target = _target(user) if user is not None else ("Login", username or "（未填写）")
    audit.record(actor=f"未登录（登录名 {username or '未填写'}）", action="auth.login_failed", target=target,
                 new={"username": username, "locked": locked and not lock_started})
    if lock_started:
        locks = [lock for lock in current_locks() if lock.key in (username, ip_address)]
        audit.record(actor=None, action="auth.lockout", target=target,
                     new={"username": username, "ip_address": ip_address or "",
                          "locked": [lock.kind for lock in locks] or ["account"],
                          "failure_limit": settings.AXES_FAILURE_LIMIT,
                          "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)})


@transaction.atomic
def record_logout(*, user, reason: str, sessions: int = 1) -> None:
    """``auth.logout``. reason: "self" (退出登录), "idle" (超时未操作) or "everywhere"
    (退出全部会话)."""
    audit.record(actor=_actor(user), action="auth.logout", target=_target(user),
                 new={"reason": reason, "sessions": sessions})


def end_all_sessions(*, user) -> int:
    """退出全部会话: end every session of the account, on every device, this one included.

    Sessions are rows of django.contrib.sessions; which account a session belongs to is
    inside its signed data, so the unexpired ones are read in chunks and those of this
    account deleted through the session engine (which also drops any cached copy)."""
    from django.contrib.sessions.models import Session

    store = import_module(settings.SESSION_ENGINE).SessionStore
    mine = []
    rows = Session.objects.filter(expire_date__gt=timezone.now()).only("session_key", "session_data")
    for row in rows.iterator(chunk_size=500):
        # get_decoded() answers {} for a session it cannot read (a tampered or foreign one).
        if str(row.get_decoded().get("_auth_user_id", "")) == str(user.pk):
            mine.append(row.session_key)
    for key in mine:
        store(session_key=key).delete()
    record_logout(user=user, reason="everywhere", sessions=len(mine))
    return len(mine)


# --- passwords ------------------------------------------------------------------------------------


def check_new_password(password: str, user) -> None:
    """Refuse (Chinese) a password the validators of settings.AUTH_PASSWORD_VALIDATORS reject."""
    try:
        # In Chinese whatever language the caller's context has (a command line, a test).
        with translation.override(settings.LANGUAGE_CODE):
            validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("新密码不符合要求：" + "".join(exc.messages), code="password_invalid") from None


def _store(user, password: str, *, by_owner: bool, set_by: Person | None, second_part: str = "") -> PasswordRecord:
    user.set_password(password)
    user.save(update_fields=["password"])
    # An earlier reset's second part opens nothing any more: forget it.
    PasswordRecord.objects.filter(user=user).exclude(second_part="").update(second_part="")
    record = PasswordRecord.objects.create(user=user, password_hash=user.password, by_owner=by_owner, set_by=set_by,
                                           second_part=second_part)
    keep = list(PasswordRecord.objects.filter(user=user).order_by("-set_at", "-id")
                .values_list("pk", flat=True)[:settings.PASSWORD_HISTORY_DEPTH])
    PasswordRecord.objects.filter(user=user).exclude(pk__in=keep).delete()
    return record


def change_password(*, actor, old_password: str, new_password: str, request=None) -> PasswordRecord:
    """修改密码: the account's owner (``actor``: the person or the signed-in user) changes
    his password.

    The old password is checked through ``authenticate`` with the request, so that wrong
    guesses count towards the lockout like wrong logins; that check runs before (outside)
    the transaction, so the failure it records is kept when the change is refused."""
    user = _account(actor)
    if not old_password:
        raise DomainError("请填写原密码。", code="password_old_missing")
    if request is not None:
        checked = authenticate(request, username=user.username, password=old_password)
        if checked is None and getattr(request, "axes_locked_out", False):
            raise PermissionDenied(f"密码连续输错{settings.AXES_FAILURE_LIMIT}次，账号已锁定，请稍后再试"
                                   "或联系安全保密管理员解锁。", code="locked")
        ok = checked is not None and checked.pk == user.pk
    else:
        ok = user.check_password(old_password)
    if not ok:
        raise DomainError("原密码不正确，密码未修改。", code="password_old_wrong")
    if new_password == old_password:
        raise DomainError("新密码不能与原密码相同。", code="password_reused")
    return _change(user=user, new_password=new_password)


@transaction.atomic
def _change(*, user, new_password: str) -> PasswordRecord:
    user = User.objects.select_for_update().get(pk=user.pk)
    check_new_password(new_password, user)
    record = _store(user, new_password, by_owner=True, set_by=_person(user))
    audit.record(actor=_actor(user), action="auth.password_change", target=_target(user),
                 new={"by": "self", "expires_at": password_state(user).expires_at})
    return record


SECOND_PART_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read out and typed by hand
SECOND_PART_LENGTH = 6


@transaction.atomic
def reset_password(*, actor: Person, person: Person, new_password: str) -> PasswordRecord:
    """重置密码: the system administrator gives an account a new initial password (a
    forgotten password, a new holder). The person must change it at the next login, and
    every session of the account ends (its password hash changed).

    Split knowledge (三员相互制约): ``new_password`` is only the first part. The system draws a
    second part (``record.second_part``) that the security administrator is shown once
    (``show_second_part``) and hands to the person; the initial password is the two parts
    together. So the system administrator, who could otherwise reset the mayor's password and
    sign in as the mayor, never knows a password that opens anyone's documents."""
    access.require_manage_org(actor)
    person = Person.objects.select_related("user").filter(pk=getattr(person, "pk", None)).first()
    if person is None:
        raise NotFound("未找到该人员。")
    if person.pk == actor.pk:
        raise PermissionDenied("不能重置自己的密码：请在“账号安全”中修改密码。")
    if person.admin_role and person.admin_role != AdminRole.NONE:
        raise PermissionDenied(f"{person.name}是管理员，其密码只能由本人修改（三员分立）。")
    user = User.objects.select_for_update().get(pk=person.user_id)
    check_new_password(new_password, user)
    second = "".join(secrets.choice(SECOND_PART_ALPHABET) for _ in range(SECOND_PART_LENGTH))
    record = _store(user, new_password + second, by_owner=False, set_by=actor, second_part=second)
    audit.record(actor=actor, action="auth.password_change", target=person,
                 new={"by": "administrator", "must_change": True, "second_part": "pending"})
    return record


def pending_second_parts(actor: Person):
    """The resets whose second part the security administrator has not been shown yet."""
    if not access.can_grant_posts(actor):
        raise PermissionDenied("只有安全保密管理员可以查看重置密码的第二段。")
    return (PasswordRecord.objects.exclude(second_part="").filter(by_owner=False)
            .select_related("user__person__agency", "set_by").order_by("-set_at", "-id"))


@transaction.atomic
def show_second_part(*, actor: Person, record_id) -> tuple[PasswordRecord, str]:
    """The security administrator is shown a reset's second part, once: it is then erased
    from the database (the shown time and who saw it stay), and the showing is audited."""
    if not access.can_grant_posts(actor):
        raise PermissionDenied("只有安全保密管理员可以查看重置密码的第二段。")
    record = (PasswordRecord.objects.select_for_update().exclude(second_part="").filter(by_owner=False, pk=record_id)
              .select_related("user").first())
    if record is None:
        raise NotFound("未找到待查看的密码重置：可能已查看过，或本人已修改了密码。")
    second = record.second_part
    record.second_part = ""
    record.second_part_shown_at = timezone.now()
    record.second_part_shown_by = actor
    record.save(update_fields=["second_part", "second_part_shown_at", "second_part_shown_by"])
    audit.record(actor=actor, action="auth.password_reset_second_part", target=_target(record.user))
    return record, second


@transaction.atomic
def reset_second_factor(*, actor: Person, username: str) -> tuple[Person, int]:
    """重置双因素认证: the security administrator removes the authenticator of someone who lost
    it (a new phone, a lost one). Every session of the account ends; an administrator sets up
    a new authenticator at the next sign-in (it is mandatory for them), anyone else may. Audited.
    Not for oneself: one's own authenticator is replaced from 账号安全 with the old one."""
    if not access.can_grant_posts(actor):
        raise PermissionDenied("只有安全保密管理员可以重置他人的双因素认证。")
    username = (username or "").strip()
    if not username:
        raise DomainError("请填写要重置双因素认证的登录名。", code="username_missing")
    person = Person.objects.select_related("user").filter(user__username=username).first()
    if person is None:
        raise NotFound(f"没有登录名为“{username[:40]}”的人员。")
    if person.pk == actor.pk:
        raise PermissionDenied("不能重置自己的双因素认证：请在“账号安全”中用原身份验证器更换。")
    devices = TOTPDevice.objects.filter(user=person.user)
    count = devices.count()
    if not count:
        raise DomainError(f"{person.name}没有绑定身份验证器，无需重置。", code="no_device")
    devices.delete()
    audit.record(actor=actor, action="auth.otp_reset", target=person, new={"devices": count})
    end_all_sessions(user=person.user)
    return person, count


# --- the second factor (TOTP) ----------------------------------------------------------------------

TOTP_DIGITS = 6
TOTP_STEP = 30


def new_totp_key() -> str:
    """A fresh 20-byte secret, hex-encoded as django-otp stores it."""
    return secrets.token_hex(20)


def totp_secret_text(key: str) -> str:
    """The secret as an authenticator app asks for it when typed in: base32, in groups of four."""
    text = b32encode(unhexlify(key)).decode("ascii").rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def totp_uri(user, key: str) -> str:
    """The otpauth:// URI the QR code carries (Key Uri Format, as django-otp writes it)."""
    issuer = settings.OTP_TOTP_ISSUER.replace(":", "")
    label = quote(f"{issuer}:{user.username}")
    params = urlencode({"secret": b32encode(unhexlify(key)).decode("ascii"), "algorithm": "SHA1",
                        "digits": TOTP_DIGITS, "period": TOTP_STEP})
    return f"otpauth://totp/{label}?{params}&issuer={quote(issuer)}"


def _code(code) -> int | None:
    code = "".join(str(code or "").split())
    if len(code) != TOTP_DIGITS or not code.isdigit():
        return None
    return int(code)


@transaction.atomic
def _otp_failed(*, user, stage: str, detail: str = "") -> None:
    audit.record(actor=_actor(user), action="auth.otp_failed", target=_target(user),
                 new={"stage": stage, "detail": detail})


def confirm_totp(*, actor, key: str, code) -> TOTPDevice:
    """绑定身份验证器: the person scanned the QR code and typed the code the app shows; one
    valid code confirms the device. A new device replaces the person's earlier one (the
    page offers that only to a session already verified with the old one)."""
    user = _account(actor)
    try:
        unhexlify(key or "")
        valid_key = len(key) == 40
    except (ValueError, TypeError):
        valid_key = False
    if not valid_key:
        raise DomainError("绑定信息已失效，请重新打开绑定页面扫码。", code="otp_setup_expired")
    token = _code(code)
    totp = TOTP(unhexlify(key), step=TOTP_STEP, digits=TOTP_DIGITS)
    if token is None or not totp.verify(token, tolerance=1):
        _otp_failed(user=user, stage="setup")
        raise DomainError("验证码不正确：请输入身份验证器中当前显示的6位数字（手机时间须准确）。", code="otp_wrong")
    return _confirm(user=user, key=key, last_t=totp.t())


@transaction.atomic
def _confirm(*, user, key: str, last_t: int) -> TOTPDevice:
    user = User.objects.select_for_update().get(pk=user.pk)
    replaced = TOTPDevice.objects.filter(user=user).count()
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name="身份验证器", key=key, step=TOTP_STEP, digits=TOTP_DIGITS,
                                       confirmed=True, last_t=last_t)
    audit.record(actor=_actor(user), action="auth.otp_setup", target=_target(user),
                 new={"device": device.pk, "replaced": replaced})
    return device


def verify_totp(*, actor, code) -> TOTPDevice:
    """The code after the password (二次验证). django-otp refuses a code already used and
    slows down repeated failures (its throttling); each failure is recorded."""
    user = _account(actor)
    device = totp_device(user)
    if device is None:
        raise DomainError("您还没有绑定身份验证器。", code="otp_no_device")
    allowed, info = device.verify_is_allowed()
    if not allowed:
        until = (info or {}).get("locked_until")
        when = f"，请于{timezone.localtime(until):%H:%M:%S}后再试" if until else "，请稍后再试"
        _otp_failed(user=user, stage="verify", detail="throttled")
        raise DomainError(f"验证码错误次数过多{when}。", code="otp_throttled")
    token = _code(code)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        ok = token is not None and device.verify_token(token)
    if not ok:
        _otp_failed(user=user, stage="verify")
        raise DomainError("验证码不正确：请输入身份验证器中当前显示的6位数字。", code="otp_wrong")
    _otp_verified(user=user, device=device)
    return device


@transaction.atomic
def _otp_verified(*, user, device) -> None:
    audit.record(actor=_actor(user), action="auth.otp_verified", target=_target(user), new={"device": device.pk})


# --- failed-login locks (django-axes) ----------------------------------------------------------------


@dataclass(frozen=True)
class Lock:
    """A current lock: an account (登录名) or a client address (IP) with too many failures."""

    kind: str  # "account" or "address"
    key: str
    failures: int
    last_failure_at: datetime
    until: datetime
    person: Person | None = None

    @property
    def label(self) -> str:
        if self.kind == "account":
            return f"账号 {self.key}" + (f"（{self.person.name}）" if self.person else "")
        return f"地址 {self.key}"


def current_locks() -> list[Lock]:
    """Accounts and addresses locked now, counted as django-axes counts them: the
    failures recorded within the cool-off period, per login name and per address."""
    from axes.models import AccessAttempt

    cool_off = settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off)
    limit = settings.AXES_FAILURE_LIMIT
    locks: list[Lock] = []
    for kind, field in (("account", "username"), ("address", "ip_address")):
        present = recent.exclude(**{f"{field}__isnull": True})
        if field == "username":  # (an IP address field cannot be compared with "")
            present = present.exclude(username="")
        rows = (present.values(field)
                .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
                .filter(failures__gte=limit).order_by("-last"))
        for row in rows:
            locks.append(Lock(kind=kind, key=row[field], failures=row["failures"], last_failure_at=row["last"],
                              until=row["last"] + cool_off))
    people = {p.user.username: p for p in Person.objects.select_related("user").filter(
        user__username__in=[lock.key for lock in locks if lock.kind == "account"])}
    return [Lock(**{**lock.__dict__, "person": people.get(lock.key)}) if lock.kind == "account" else lock
            for lock in locks]


@transaction.atomic
def unlock(*, actor: Person, kind: str, key: str) -> int:
    """解除锁定: the security administrator (安全保密管理员) lifts the lock of an account
    or an address before its time; the failures behind it are cleared."""
    from axes.models import AccessAttempt

    if actor is None or actor.admin_role != AdminRole.SECURITY:
        raise PermissionDenied("只有安全保密管理员可以查看和解除登录锁定。")
    field = {"account": "username", "address": "ip_address"}.get(kind)
    key = (key or "").strip()
    if field is None or not key:
        raise DomainError("请指明要解锁的账号或地址。")
    lock = next((lock for lock in current_locks() if lock.kind == kind and lock.key == key), None)
    if lock is None:
        what = "账号" if kind == "account" else "地址"
        raise DomainError(f"{what}“{key}”当前没有被锁定。", code="not_locked")
    cleared, _ = AccessAttempt.objects.filter(**{field: key}).delete()
    target = lock.person if lock.person is not None else ("Login" if kind == "account" else "LoginAddress", key)
    audit.record(actor=actor, action="auth.unlock", target=target,
                 new={"kind": kind, "key": key, "failures": lock.failures})
    return cleared


# --- demo passwords ----------------------------------------------------------------------------------

# The demo office's login names: given by the demo app when Django starts (demo/apps.py),
# since nothing below the demo imports it (docs/architecture.md).
DEMO_LOGINS: set[str] = set()


def accounts_with_demo_password() -> list[str]:
    """Login names whose password is still the published demo password.

    Checking a password costs a full hash (Argon2) per distinct hash, so only the accounts
    that can have it are looked at: the demo's own login names, and accounts sharing a hash
    with another (the demo sets one hash on all its accounts at once). An account whose
    password its owner set has passed the validators, which the demo password does not."""
    from django.contrib.auth.hashers import check_password
    from django.db.models import Count

    from .passwords import DEMO_PASSWORD

    demo_names = set(DEMO_LOGINS)
    shared = (User.objects.values("password").annotate(n=Count("id")).filter(n__gt=1)
              .values_list("password", flat=True))
    candidates = (User.objects.filter(is_active=True)
                  .filter(Q(username__in=demo_names) | Q(password__in=list(shared)))
                  .exclude(password_records__by_owner=True, password_records__password_hash=F("password"))
                  .values_list("username", "password").distinct())
    by_hash: dict[str, list[str]] = {}
    for username, encoded in candidates:
        by_hash.setdefault(encoded, []).append(username)
    found = []
    for encoded, names in by_hash.items():
        if encoded and not encoded.startswith("!") and check_password(DEMO_PASSWORD, encoded):
            found += names
    return sorted(found)
