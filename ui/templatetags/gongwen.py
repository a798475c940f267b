"""Display helpers for the pages (``{% load gongwen %}``): Chinese dates (2026年3月8日, from
ui.dates), urgency badges, query strings."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

from ui.dates import cn_date, cn_datetime, cn_short

register = template.Library()


register.filter("cn_date", cn_date)
register.filter("cn_datetime", cn_datetime)
register.filter("cn_short", cn_short)


@register.filter
def is_overdue(value) -> bool:
    return bool(value) and isinstance(value, datetime) and value < timezone.now()


@register.simple_tag
def urgency_badge(urgency: str):
    if not urgency:
        return ""
    css = {"特提": "gw-badge-extra", "特急": "gw-badge-extra", "加急": "gw-badge-urgent"}.get(urgency, "gw-badge-plain")
    return format_html('<span class="badge {}">{}</span>', css, urgency)


@register.simple_tag
def due_pending(obj):
    """时限待定: a task's or a document's due time that waits for a year's holiday schedule
    (deadlines.pending), shown with its reason wherever a due time would stand."""
    reason = getattr(obj, "due_pending_reason", "")
    if not reason:
        return ""
    return format_html('<span class="badge gw-badge-pending">时限待定</span> <span class="small gw-due-pending">{}</span>',
                       reason)


@register.simple_tag
def status_badge(document):
    css = {"in_progress": "text-bg-primary", "completed": "text-bg-success", "returned": "text-bg-secondary"}
    return format_html('<span class="badge {}">{}</span>', css.get(document.status, "text-bg-light"),
                       document.get_status_display())


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (paging, sorting)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def sort_link(context, key: str, label: str):
    """A column header that sorts by ``key``; clicking again reverses."""
    current = context["request"].GET.get("sort", "")
    if current == key:
        new, arrow, aria = f"-{key}", " ▲", "ascending"
    elif current == f"-{key}":
        new, arrow, aria = key, " ▼", "descending"
    else:
        new, arrow, aria = key, "", "none"
    href = query_with(context, sort=new, page=None)
    if aria == "none":
        return format_html('<a class="gw-sort" href="{}">{}</a>', href, label)
    return format_html('<a class="gw-sort" href="{}" aria-sort="{}">{}{}</a>', href, aria, label, arrow)


@register.filter
def filesize(value) -> str:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return ""
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"
