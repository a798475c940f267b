"""Helpers shared by the pages of every app: who is asking, document lookup that answers 404
for what the person may not see, turning domain refusals into Chinese messages, paging, and
``run_service`` for the tail a page writes after calling a service (404 / refusal / success)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404

from documents.access import get_visible
from gongwen.errors import DomainError, NotFound
from org.selectors import remember_delegators

PAGE_SIZE = 50


def person_required(view):
    """Signed in with a person record (人员); attaches it as ``request.person``."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        person = getattr(request.user, "person", None)
        if person is None or not person.is_active:
            raise DjangoPermissionDenied("您的账号没有对应的在岗人员，请联系系统管理员。")
        request.person = person
        remember_delegators(person)  # the lists, the page and the navigation read them once
        return view(request, *args, **kwargs)

    return wrapper


def allowed_if(check, message: str):
    """Restrict a view to people for whom ``check(person)`` holds (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        @person_required
        def wrapper(request, *args, **kwargs):
            if not check(request.person):
                raise DjangoPermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def visible_document(person, pk):
    """The document if the person may see it; 404 otherwise (no existence leak)."""
    try:
        return get_visible(person, pk)
    except NotFound:
        raise Http404("未找到该公文或您无权查看。") from None


def refuse(request, exc) -> None:
    """Show a domain refusal as a Chinese alert on the next page."""
    messages.error(request, exc.message)


def paginate(request, qs, per_page: int = PAGE_SIZE):
    paginator = Paginator(qs, per_page)
    return paginator.get_page(request.GET.get("page"))


@dataclass(frozen=True)
class Outcome:
    """What ``run_service`` reports: ``ok`` (also its truth value) and the service's result."""

    ok: bool
    result: Any = None

    def __bool__(self) -> bool:
        return self.ok


def run_service(request, call: Callable[[], Any], *, success: str | Callable[[Any], str] | None = None,
                not_found: str | bool = False) -> Outcome:
    """Run ``call()`` (a service call) for a page and write the usual tail:

    - a refusal (``DomainError``) is shown as a Chinese alert on the next page (``refuse``);
    - with ``not_found`` (``True``, or the 404's message), the service's ``NotFound`` answers a
      404 instead (no existence leak); without it, ``NotFound`` is refused like any refusal;
    - on success, ``success`` (a text, or a function of the result that returns one) is shown.

    The page then redirects or renders as it chooses: the outcome is true when the service
    succeeded, and carries its result."""
    try:
        result = call()
    except DomainError as exc:
        if not_found is not False and isinstance(exc, NotFound):
            raise (Http404() if not_found is True else Http404(not_found)) from None
        refuse(request, exc)
        return Outcome(False)
    if success is not None:
        messages.success(request, success(result) if callable(success) else success)
    return Outcome(True, result)
