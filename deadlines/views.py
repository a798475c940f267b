"""Pages of the reminders (催办): my notifications (消息), the office's overdue and
approaching list (逾期与临期), and manual 催办 from the list or the document page.
Thin views: parse, call one service or selector, render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from documents.models import Document
from ui.views import paginate, person_required, run_service

from . import overdue as selectors
from . import reminders
from .models import Notification

DEFAULT_MESSAGE = "请抓紧办理，按时办结；确需延期的，请及时申请延期。"


def _next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


# --- notifications (消息) -----------------------------------------------------------------------


@person_required
def notifications(request):
    unread_only = request.GET.get("show") == "unread"
    page = paginate(request, selectors.notifications(request.person, unread_only=unread_only))
    return render(request, "deadlines/notifications.html", {"page": page, "unread_only": unread_only})


@require_POST
@person_required
def notification_read(request, pk: int):
    note = Notification.objects.filter(recipient=request.person, pk=pk).first()
    if note is None:
        raise Http404("未找到该消息。")
    selectors.mark_read(request.person, pk)
    if request.htmx:
        note.refresh_from_db()
        return render(request, "deadlines/_notification_row.html", {"n": note, "oob": True})
    return redirect(_next(request, "deadlines:notifications"))


@person_required
def notification_open(request, pk: int):
    """Follow a notification's link, marking it read on the way."""
    note = Notification.objects.filter(recipient=request.person, pk=pk).first()
    if note is None:
        raise Http404("未找到该消息。")
    selectors.mark_read(request.person, pk)
    url = note.url if note.url.startswith("/") and not note.url.startswith("//") else ""
    return redirect(url or "deadlines:notifications")


@require_POST
@person_required
def notifications_read_all(request):
    n = selectors.mark_read(request.person)
    messages.success(request, f"已将{n}条消息标为已读。" if n else "没有未读消息。")
    return redirect(_next(request, "deadlines:notifications"))


# --- the overdue and approaching list (逾期与临期) ----------------------------------------------------


@person_required
def overdue(request):
    person = request.person
    if not selectors.can_see_overdue(person):
        raise DjangoPermissionDenied("逾期与临期公文清单仅供办公室人员、督查员和机关领导查看。")
    which = request.GET.get("show", "")
    which = which if which in ("overdue", "approaching", "pending") else ""
    now = timezone.now()
    counts = selectors.overdue_counts(person, now)
    page = paginate(request, selectors.overdue_tasks(person, now, which=which))
    page.object_list = selectors.annotate(page.object_list, person.agency, now)
    calendar = selectors.display_calendar(person.agency)
    return render(request, "deadlines/overdue.html", {
        "page": page, "which": which, "now": now,
        "overdue_count": counts["overdue"], "approaching_count": counts["approaching"],
        "pending_count": counts["pending"],
        "bound": selectors.approaching_bound(calendar, now),
        "can_remind": person.agency_id is not None and reminders.can_remind(person, Document(agency_id=person.agency_id)),
        "default_message": DEFAULT_MESSAGE,
    })


# --- manual 催办 ---------------------------------------------------------------------------------


def _remind(request, target, fallback: str):
    run_service(request, lambda: reminders.remind(target, actor=request.person, message=request.POST.get("message", "")),
                success=lambda done: f"已向{'、'.join(done.names)}发出催办。", not_found="未找到该公文或待办。")
    return redirect(_next(request, fallback))


@require_POST
@person_required
def task_remind(request, task_id: int):
    return _remind(request, task_id, "deadlines:overdue")


@require_POST
@person_required
def document_remind(request, pk: int):
    document = Document.objects.filter(pk=pk).first()
    if document is None:
        raise Http404("未找到该公文。")
    return _remind(request, document, f"/documents/{pk}/")
