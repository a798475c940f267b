"""The sign-in gates of the pages and the API (等保 level 3).

- ``IdleTimeoutMiddleware``: a session without a request for ``SESSION_IDLE_SECONDS`` is
  signed out. Django has no idle timeout of its own: ``SESSION_COOKIE_AGE`` counts from the
  last save, and ``SESSION_SAVE_EVERY_REQUEST`` would write the session row on every
  request. The time of the last request is kept in the session instead and written at most
  once a minute.
- ``SignInStepsMiddleware``: after the password, a person may have steps to finish before
  anything else — the code of the authenticator (二次验证), a password change (initial or
  expired password), setting up an authenticator (mandatory for the three administrators).
  Until then every page sends them to the step's page and the API answers 403 in Chinese
  saying what to do; only the step's own page, logging out and static files go through.
  django-otp marks a verified session (``request.user.is_verified()``) but gates nothing.

What the login page learns (the password must be changed, the person has an
authenticator) it writes into the session (``begin_session``); the middlewares read the
session and the person already loaded for the page, so a page costs no extra query. That
an administrator must present the second factor is read from the person, not from the
session: it holds however the session began.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from gongwen.json_errors import json_error
from org import passwords
from org import security as auth_security

SEEN = "gw_seen"  # epoch seconds of the session's last request
SECOND_FACTOR = "gw_second_factor"  # the person had an authenticator when signing in
SEEN_RESOLUTION = 60  # seconds: the last activity is written at most this often

ALWAYS_OPEN = ("/static/", "/favicon.ico", "/logout/", "/login/")


def _now() -> int:
    return int(timezone.now().timestamp())


def begin_session(request, user, raw_password: str | None) -> str | None:
    """After ``login()`` on the login page: note in the session what the person must do
    before anything else, record ``auth.login``, and return the URL of the first step
    (None: nothing to do)."""
    state = passwords.password_state(user, raw_password)
    request.session[SEEN] = _now()
    if state.change_reason:
        request.session[passwords.PASSWORD_CHANGE] = state.change_reason
    device = auth_security.totp_device(user)
    if device is not None:
        request.session[SECOND_FACTOR] = True
    mandatory = auth_security.second_factor_mandatory(getattr(user, "person", None))
    second = "verify" if device is not None else ("setup" if mandatory else "")
    auth_security.record_login(user=user, second_factor=second, password_change=state.change_reason)
    step = pending_step(request)
    return step.url if step else None


@dataclass(frozen=True)
class Step:
    """A step to finish before anything else."""

    code: str
    url_name: str
    api_message: str
    page_message: str
    api_paths: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return reverse(self.url_name)


VERIFY = Step("second_factor_required", "web:otp_verify",
              "须先完成双因素验证：请在登录页面输入身份验证器中的验证码后再调用接口。",
              "请输入身份验证器中的验证码，完成登录。")
PASSWORD = Step("password_change_required", "web:password_change",
                "须先修改密码：请在“账号安全”页面修改密码，或调用 POST /api/v1/account/password。",
                "", api_paths=("/api/v1/account/password",))
SETUP = Step("second_factor_setup_required", "web:otp_setup",
             "管理员须先绑定身份验证器（双因素认证）：请在页面上完成绑定后再调用接口。",
             "管理员账号须使用双因素认证：请先绑定身份验证器。")


def is_verified(user) -> bool:
    """Verified with the second factor in this session (django-otp's OTPMiddleware)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def pending_step(request) -> Step | None:
    """The first step the signed-in person must still finish: the code (when an
    authenticator exists), then the password change, then setting up an authenticator."""
    user = request.user
    person = getattr(user, "person", None)
    mandatory = auth_security.second_factor_mandatory(person)
    flagged = request.session.get(SECOND_FACTOR, False)
    if (mandatory or flagged) and not is_verified(user):
        if auth_security.totp_device(user) is not None:
            return VERIFY
    if request.session.get(passwords.PASSWORD_CHANGE):
        return PASSWORD
    if mandatory and not is_verified(user):
        return SETUP
    return None


def _refusal(request, step: Step) -> HttpResponse:
    """The API's answer to a caller with a step to finish: JSON like every API error."""
    return json_error(request, 403, step.api_message, step.code)


def _to_page(request, url: str) -> HttpResponse:
    if request.method == "GET" and not request.path.startswith("/api/"):
        url = f"{url}?{urlencode({'next': request.get_full_path()})}"
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seen = request.session.get(SEEN) if hasattr(request, "session") else None
        if seen is None or request.path.startswith("/static/"):
            return self.get_response(request)
        now = _now()
        if now - seen > settings.SESSION_IDLE_SECONDS:
            user = request.user
            if user.is_authenticated:
                auth_security.record_logout(user=user, reason="idle")
            logout(request)
            if not request.path.startswith("/api/"):
                minutes = settings.SESSION_IDLE_SECONDS // 60
                messages.info(request, f"您已超过{minutes}分钟未操作，为保护账号安全已自动退出，请重新登录。")
                return _to_page(request, settings.LOGIN_URL)
            return self.get_response(request)  # the API sees an anonymous caller: 401
        if now - seen >= SEEN_RESOLUTION:
            request.session[SEEN] = now
        return self.get_response(request)


class SignInStepsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if path.startswith(ALWAYS_OPEN) or not request.user.is_authenticated:
            return self.get_response(request)
        step = pending_step(request)
        if step is None or path == step.url or path in step.api_paths:
            return self.get_response(request)
        if path.startswith("/api/"):
            return _refusal(request, step)
        return _to_page(request, step.url)
