"""Helpers shared by the views: who is asking, document lookup that answers 404 for what
the person may not see, and turning domain refusals into Chinese messages."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404

from documents.access import get_visible
from gongwen.errors import NotFound

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


def preview_pages(person, version) -> list[int]:
    """Page numbers (1-based) of a PDF version shown as page images (drafting.preview):
    every browser shows a PNG, phones and browsers without a PDF viewer included. The
    page has already checked that the person sees the document: the file is read from
    the store directly (its checksum still checked)."""
    from documents import storage
    from drafting import preview
    from gongwen.errors import DomainError

    if version is None or version.content_type != "application/pdf":
        return []
    try:
        count = preview.page_count(storage.read(version.storage_path, version.sha256))
    except (DomainError, NotFound):
        return []
    return list(range(1, min(count, preview.MAX_PAGES) + 1))
