"""Panels of the deadlines app on the document page."""

from django import template

register = template.Library()


@register.inclusion_tag("deadlines/_document_panel.html", takes_context=True)
def deadlines_panel(context, document):
    """Due times, reminders (催办) and manual 催办 on the document page."""
    return {"document": document, "request": context.get("request")}


@register.inclusion_tag("deadlines/_extensions_panel.html", takes_context=True)
def extensions_panel(context, document):
    """Extensions (延期), lateness against the original and the extended due time, and
    every holder with how long they held it (deadlines.extension_views.panel_context)."""
    from deadlines.extension_views import panel_context

    return panel_context(document, context.get("request"))
