"""Panels of the supervision app on the document page."""

from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()

STATE_CSS = {"open": "text-bg-primary", "stalled": "text-bg-danger", "reported": "text-bg-warning",
             "closed": "text-bg-success", "cancelled": "text-bg-secondary"}


@register.simple_tag
def item_state(item):
    """The state of a supervision item as a badge (逾期 added while it is past due)."""
    badge = format_html('<span class="badge {}">{}</span>', STATE_CSS.get(item.state, "text-bg-light"),
                        item.get_state_display())
    if item.state in ("open", "stalled", "reported") and item.due_at < timezone.now():
        badge = format_html('{} <span class="badge text-bg-danger">逾期</span>', badge)
    return badge


@register.inclusion_tag("supervision/_document_panel.html", takes_context=True)
def supervision_panel(context, document):
    """Supervision items (督办事项) that come from this document or carry an instruction
    made on it, and for the supervision office a link to open one."""
    from supervision import access, selectors

    request = context.get("request")
    person = getattr(request, "person", None)
    items = selectors.for_document(person, document) if person is not None else []
    can_open = person is not None and access.is_supervision_office(person, document.agency_id)
    return {"document": document, "request": request, "items": items, "can_open": can_open}


@register.inclusion_tag("supervision/_supervise_fields.html", takes_context=True)
def supervise_fields(context, document, task):
    """The leader's 督办 tick on the instruction form, with the item's fields (or the item
    already supervised that the instruction will attach to)."""
    from org.models import Person, Unit
    from supervision import selectors, services

    request = context.get("request")
    person = getattr(request, "person", None)
    current = services.open_item_for_document(document)
    units = [u for u in Unit.objects.filter(agency_id=document.agency_id).order_by("sort_order", "id")
             if not u.is_office and not u.is_secretariat]
    people = (Person.objects.filter(agency_id=document.agency_id, is_active=True, admin_role="", unit__isnull=False)
              .select_related("unit").order_by("unit__sort_order", "unit_id", "sort_order", "id"))
    return {"document": document, "task": task, "current": current, "units": units, "people": people,
            "attachable": list(selectors.attachable(person, document.agency_id)[:50]) if person else [],
            "default_due": timezone.localdate(document.due_at) if document.due_at else None}


@register.inclusion_tag("supervision/_errors_panel.html", takes_context=True)
def errors_panel(context, document):
    """Error-book entries (错题本) about this document, and the 记录审核纠错 form for its
    reviewers (supervision.errorbook.services.panel); the units of that form are the
    page's ``agency_units`` when it has read them."""
    from supervision.errorbook import services as errorbook

    request = context.get("request")
    return {"document": document, "request": request, "csrf_token": context.get("csrf_token"),
            **errorbook.panel(getattr(request, "person", None), document, units=context.get("agency_units"))}
