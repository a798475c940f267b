"""账号安全 (等保 level 3): signing in (the password, then the authenticator's code),
signing out, the account page (password, authenticator, ending every session),
changing the password, setting up the authenticator; the security administrator's page
of login locks; the system administrator's password reset.

Django's LoginView is replaced because a login here is more than ``login()``: a refused
attempt and a lockout are audited, and the session learns what the person must do next
(web/security.py). The state changes are services of org/security.py.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from gongwen.errors import DomainError, NotFound
from org import passwords
from org import security as auth_security
from org.access import can_manage_org
from org.models import AdminRole, Person
from ui.views import allowed_if, run_service

from .. import security

User = get_user_model()
SETUP_KEY = "gw_otp_setup_key"  # the secret shown on the setup page until it is confirmed

SECADMIN_ONLY = allowed_if(lambda p: p.admin_role == AdminRole.SECURITY, "只有安全保密管理员可以查看和解除登录锁定。")
SYSADMIN_ONLY = allowed_if(can_manage_org, "只有系统管理员可以重置密码。")


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return ""


def _onward(request, default: str = settings.LOGIN_REDIRECT_URL):
    """Where to go once a step is done: the next step, else ``next``, else the default."""
    step = security.pending_step(request)
    nxt = _next(request)
    if step is not None:
        return redirect(_with_next(step.url, nxt))
    return redirect(nxt or default)


def _with_next(url: str, nxt: str) -> str:
    return f"{url}?{urlencode({'next': nxt})}" if nxt else url


def _signed_in(view):
    """Signed in, with or without a person record and before the steps are done (these
    pages are the steps a half-signed-in person must reach)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


# --- signing in and out ----------------------------------------------------------------------


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    nxt = _next(request)
    if request.method != "POST":
        if request.user.is_authenticated:
            return _onward(request)
        return render(request, "web/login.html", {"form": AuthenticationForm(request), "next": nxt})
    form = AuthenticationForm(request, data=request.POST)
    if form.is_valid():
        user = form.get_user()
        auth_login(request, user)
        step_url = security.begin_session(request, user, form.cleaned_data["password"])
        if step_url:
            return redirect(_with_next(step_url, nxt))
        return redirect(nxt or settings.LOGIN_REDIRECT_URL)
    username = (request.POST.get("username") or "").strip()
    if username:
        # django-axes has counted the failure (AxesStandaloneBackend, its signal handler) and
        # marked the request; AxesMiddleware answers a locked one with the lockout page.
        locked = bool(getattr(request, "axes_locked_out", False))
        started = locked and getattr(request, "axes_failures_since_start", None) is not None
        auth_security.record_login_failure(username=username, ip_address=getattr(request, "axes_ip_address", None),
                                           locked=locked, lock_started=started)
    return render(request, "web/login.html", {"form": form, "next": nxt})


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        auth_security.record_logout(user=request.user, reason="self")
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@require_POST
@_signed_in
def logout_everywhere(request):
    count = auth_security.end_all_sessions(user=request.user)
    logout(request)
    messages.success(request, f"已退出您的全部{count}个会话（包括本机），请重新登录。")
    return redirect(settings.LOGIN_URL)


# --- the account page and the password ---------------------------------------------------------


@_signed_in
def account(request):
    user = request.user
    person = getattr(user, "person", None)
    return render(request, "web/account/account.html", {
        "state": passwords.password_state(user),
        "must_change": passwords.change_message(request.session.get(passwords.PASSWORD_CHANGE)),
        "device": auth_security.totp_device(user),
        "mandatory": auth_security.second_factor_mandatory(person),
        "verified": security.is_verified(user),
        "is_secadmin": person is not None and person.admin_role == AdminRole.SECURITY,
        "idle_minutes": settings.SESSION_IDLE_SECONDS // 60,
        "max_age_days": settings.PASSWORD_MAX_AGE_DAYS,
    })


@sensitive_post_parameters("old_password", "new_password", "new_password2")
@never_cache
@_signed_in
def password_change(request):
    reason = request.session.get(passwords.PASSWORD_CHANGE)
    error = ""
    if request.method == "POST":
        new = request.POST.get("new_password") or ""
        if new != (request.POST.get("new_password2") or ""):
            error = "两次输入的新密码不一致，密码未修改。"
        else:
            try:
                auth_security.change_password(actor=request.user, old_password=request.POST.get("old_password") or "",
                                              new_password=new, request=request)
            except DomainError as exc:
                error = exc.message
            else:
                update_session_auth_hash(request, User.objects.get(pk=request.user.pk))
                request.session.pop(passwords.PASSWORD_CHANGE, None)
                messages.success(request, "密码已修改。您在其他设备上的登录已随之失效。")
                return _onward(request, default="/account/")
    return render(request, "web/account/password_change.html", {
        "reason": passwords.change_message(reason), "error": error, "next": _next(request),
        "help_texts": password_validators_help_texts()})


# --- the second factor ------------------------------------------------------------------------------


def _qr_svg(uri: str) -> str:
    """The otpauth:// URI as an inline SVG QR code (segno; nothing leaves the server)."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff", title="身份验证器绑定二维码",
                                               svgclass="gw-qr")


@sensitive_post_parameters("code")
@never_cache
@_signed_in
def otp_setup(request):
    user = request.user
    if auth_security.totp_device(user) is not None and not security.is_verified(user):
        return redirect(security.VERIFY.url)  # replacing an authenticator needs the old one first
    key = request.session.get(SETUP_KEY)
    if not key:
        key = request.session[SETUP_KEY] = auth_security.new_totp_key()
    error = ""
    if request.method == "POST":
        try:
            device = auth_security.confirm_totp(actor=user, key=key, code=request.POST.get("code"))
        except DomainError as exc:
            error = exc.message
        else:
            request.session.pop(SETUP_KEY, None)
            request.session.cycle_key()
            otp_login(request, device)
            request.session[security.SECOND_FACTOR] = True
            messages.success(request, "身份验证器已绑定。今后登录时，输入密码后还须输入验证器中的验证码。")
            return _onward(request, default="/account/")
    person = getattr(user, "person", None)
    return render(request, "web/account/otp_setup.html", {
        "qr": _qr_svg(auth_security.totp_uri(user, key)), "secret": auth_security.totp_secret_text(key),
        "mandatory": auth_security.second_factor_mandatory(person), "error": error, "next": _next(request),
        "replacing": auth_security.totp_device(user) is not None})


@sensitive_post_parameters("code")
@never_cache
@_signed_in
def otp_verify(request):
    user = request.user
    if auth_security.totp_device(user) is None:
        return _onward(request)
    if security.is_verified(user):
        return _onward(request)
    error = ""
    if request.method == "POST":
        try:
            device = auth_security.verify_totp(actor=user, code=request.POST.get("code"))
        except DomainError as exc:
            error = exc.message
        else:
            request.session.cycle_key()
            otp_login(request, device)
            return _onward(request)
    return render(request, "web/account/otp_verify.html", {"error": error, "next": _next(request)})


# --- the administrators' pages ---------------------------------------------------------------------


@never_cache
@SECADMIN_ONLY
def locks(request):
    return render(request, "web/account/locks.html", {
        "locks": auth_security.current_locks(), "limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "resets": auth_security.pending_second_parts(request.person)})


@require_POST
@SECADMIN_ONLY
def otp_reset(request):
    run_service(request, lambda: auth_security.reset_second_factor(actor=request.person,
                                                                   username=request.POST.get("username", "")),
                success=lambda reset: f"已重置{reset[0].name}的双因素认证，其全部会话已退出。"
                                      + ("管理员下次登录时须重新绑定身份验证器。" if reset[0].admin_role else
                                         "本人可在“账号安全”中重新绑定。"))
    return redirect("web:locks")


@require_POST
@never_cache
@SECADMIN_ONLY
def second_part(request, record_id: int):
    """Shows a reset's second part once, on this response only (never in a message stored in
    the session, never in a URL)."""
    try:
        record, second = auth_security.show_second_part(actor=request.person, record_id=record_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    return render(request, "web/account/second_part.html", {
        "record": record, "person": getattr(record.user, "person", None), "second": second})


@require_POST
@SECADMIN_ONLY
def unlock(request):
    run_service(request, lambda: auth_security.unlock(actor=request.person, kind=request.POST.get("kind", ""),
                                                      key=request.POST.get("key", "")),
                success=f"已解除锁定：{'账号' if request.POST.get('kind') == 'account' else '地址'} "
                        f"{request.POST.get('key', '')}。")
    return redirect("web:locks")


@sensitive_post_parameters("new_password", "new_password2")
@never_cache
@SYSADMIN_ONLY
def password_reset(request, person_id: int):
    target = Person.objects.select_related("user", "agency", "unit").filter(pk=person_id).first()
    if target is None:
        raise Http404("未找到该人员。")
    error = ""
    if request.method == "POST":
        new = request.POST.get("new_password") or ""
        if new != (request.POST.get("new_password2") or ""):
            error = "两次输入的密码不一致，密码未重置。"
        else:
            try:
                auth_security.reset_password(actor=request.person, person=target, new_password=new)
            except DomainError as exc:
                error = exc.message
            else:
                messages.success(request, f"已为{target.name}重置密码。初始密码由两段连写而成：第一段是您刚才设置的，"
                                          "第二段由系统生成，只给安全保密管理员查看一次（三员相互制约）。请与安全保密"
                                          "管理员分别当面或以密封方式告知本人；本人首次登录时须修改。")
                return redirect("web:org_person", person_id=target.pk)
    return render(request, "web/account/password_reset.html", {
        "target": target, "error": error, "help_texts": password_validators_help_texts()})
